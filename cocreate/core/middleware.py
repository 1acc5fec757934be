import ipaddress
import logging
import uuid
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from . import context
from .errors import DomainError

logger = logging.getLogger(__name__)


def client_ip(request: HttpRequest) -> str | None:
    """REMOTE_ADDR, or the proxy's X-Forwarded-For only when a trusted proxy is configured."""
    remote = request.META.get("REMOTE_ADDR")
    trusted = getattr(settings, "TRUSTED_PROXIES", [])
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR")
    if forwarded and remote in trusted:
        candidate = forwarded.split(",")[-1].strip()
        try:
            return str(ipaddress.ip_address(candidate))
        except ValueError:
            return remote
    return remote


def api_error(request: HttpRequest, *, status: int, detail: str, code: str, **extra) -> HttpResponse:
    """The one error body of the JSON API: {"detail", "code", "request_id"}, the detail in the
    request's language. Used here and by the API's own exception handlers (cocreate/api)."""
    from django.http import JsonResponse

    body = {"detail": str(detail), "code": code, "request_id": getattr(request, "request_id", ""), **extra}
    return JsonResponse(body, status=status, json_dumps_params={"ensure_ascii": False})


class RequestIdMiddleware:
    """Gives every request an id, shown on error pages and stored on audit events."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request_id = uuid.uuid4().hex
        request.request_id = request_id
        token = context.current.set(context.RequestContext(request_id=request_id, ip=client_ip(request)))
        try:
            response = self.get_response(request)
        finally:
            context.current.reset(token)
        response["X-Request-ID"] = request_id
        return response

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        """Business-rule and validation errors answer 4xx with a readable message, never 500."""
        if isinstance(exception, DomainError):
            status, messages = exception.status, [str(exception.message)]
        elif isinstance(exception, ValidationError):
            status, messages = 400, [str(m) for m in exception.messages]
        else:
            return None
        if request.path.startswith("/api/"):
            return api_error(request, status=status, detail=" ".join(messages),
                             code=getattr(exception, "code", "") or "invalid")
        return render(request, "core/error.html", {"messages_list": messages, "status": status}, status=status)


def tile_source(url: str) -> str:
    """The CSP source of the map tile server (" https://host"), or "" when there is none; a
    `{s}` subdomain template becomes a wildcard."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return ""
    return f" {parts.scheme}://{parts.netloc.replace('{s}', '*')}"


class SecurityHeadersMiddleware:
    """CSP with frame-ancestors, and no caching of pages that may hold personal data."""

    CSP = (
        "default-src 'self'; img-src 'self' data: blob:{tiles}; style-src 'self' 'unsafe-inline'; "
        "script-src 'self'; connect-src 'self'; frame-ancestors 'none'; base-uri 'self'; "
        "form-action 'self'"
    )

    def __init__(self, get_response):
        self.get_response = get_response
        self.CSP = self.CSP.format(tiles=tile_source(settings.MAP_TILE_URL))

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response.setdefault("Content-Security-Policy", self.CSP)
        if getattr(request, "user", None) is not None and request.user.is_authenticated:
            response["Cache-Control"] = "no-store"
        return response
