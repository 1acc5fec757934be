"""View guards shared by every app. Staff pages need the password *and* the second factor
(security.md A-7); a session that has only passed the password step is sent to finish it."""

import ipaddress
from functools import wraps

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.urls import reverse

SESSION_2FA = "cocreate_2fa"


def is_fully_authenticated_staff(request) -> bool:
    user = request.user
    return bool(user.is_authenticated and user.is_staff_member and request.session.get(SESSION_2FA))


def _network_allowed(request) -> bool:
    if not settings.STAFF_ALLOWED_NETWORKS:
        return True
    try:
        address = ipaddress.ip_address(request.META.get("REMOTE_ADDR", ""))
    except ValueError:
        return False
    return any(address in ipaddress.ip_network(net, strict=False) for net in settings.STAFF_ALLOWED_NETWORKS)


def staff_required(view):
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not _network_allowed(request):
            raise PermissionDenied
        if not request.user.is_authenticated:
            return redirect(f"{reverse('accounts:staff-login')}?next={request.path}")
        if not request.user.is_staff_member:
            raise PermissionDenied
        if not request.session.get(SESSION_2FA):
            return redirect("accounts:staff-verify")
        return view(request, *args, **kwargs)

    return wrapper


def resident_required(view):
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect(f"{reverse('accounts:login')}?next={request.path}")
        return view(request, *args, **kwargs)

    return wrapper


def htmx_template(request, template: str, partial: str) -> str:
    """The whole page, or only the named partial when htmx asks for a fragment."""
    return f"{template}#{partial}" if getattr(request, "htmx", False) else template
