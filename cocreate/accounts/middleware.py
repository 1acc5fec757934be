"""Session policy (security.md A-3, A-5, A-7): idle and absolute time-outs, password expiry."""

import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.messages.storage import default_storage
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from cocreate.core.auth import SESSION_2FA  # noqa: F401 - re-exported for views and tests
from cocreate.core.middleware import api_error

from .services import password_expired

SESSION_AUTH_AT = "cocreate_auth_at"
SESSION_LAST_SEEN = "cocreate_last_seen"
LAST_SEEN_PRECISION = 60  # seconds

ELDER_COOKIE = "cocreate_elder"
EXEMPT_PREFIXES = ("/static/", "/health", "/i18n/", "/media/")
API_PREFIX = "/api/"


class SessionPolicyMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        if user.is_authenticated and not request.path.startswith(EXEMPT_PREFIXES):
            expired = self._expired(request)
            if expired:
                logout(request)  # flushes and deletes the server-side session row
                if request.path.startswith(API_PREFIX):  # a client program: an answer, not a page
                    return api_error(request, status=401, code="session_expired",
                                     detail=_("You were signed out after a period without activity."))
                return self._signed_out(request, redirect(self._login_url(user)))
            now = int(time.time())
            # Writing the session on every request costs a database write a page; a minute's
            # precision on a 15- or 30-minute idle limit is plenty.
            if now - request.session.get(SESSION_LAST_SEEN, 0) >= LAST_SEEN_PRECISION:
                request.session[SESSION_LAST_SEEN] = now
            if password_expired(user) and request.path not in self._password_paths():
                if request.path.startswith(API_PREFIX):
                    return api_error(request, status=403, code="password_expired", detail=_(
                        "Your password has expired. Change it in the web console, then sign in again."))
                return redirect("accounts:password-change")
        return self.get_response(request)

    @staticmethod
    def _signed_out(request, response):
        # This middleware runs outside MessageMiddleware, which never sees this early answer:
        # store the notice in the (new, empty) session ourselves instead of messages.info().
        storage = default_storage(request)
        storage.add(messages.INFO, _("You were signed out after a period without activity."))
        storage.update(response)
        return response

    @staticmethod
    def _expired(request) -> bool:
        now = time.time()
        idle_limit = settings.STAFF_IDLE_SECONDS if request.user.is_staff_member else settings.RESIDENT_IDLE_SECONDS
        last_seen = request.session.get(SESSION_LAST_SEEN, now)
        auth_at = request.session.get(SESSION_AUTH_AT, now)
        return now - last_seen > idle_limit or now - auth_at > settings.SESSION_ABSOLUTE_SECONDS

    @staticmethod
    def _login_url(user) -> str:
        return reverse("accounts:staff-login" if user.is_staff_member else "accounts:login")

    @staticmethod
    def _password_paths() -> set[str]:
        return {reverse("accounts:password-change"), reverse("accounts:logout")}


class UserPreferencesMiddleware:
    """Elder mode and language follow the account, or a cookie before login."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        if user.is_authenticated:
            request.elder_mode = user.elder_mode
            if user.language and user.language != translation.get_language():
                translation.activate(user.language)
                request.LANGUAGE_CODE = user.language
        else:
            request.elder_mode = request.COOKIES.get(ELDER_COOKIE) == "1"
        return self.get_response(request)
