"""Every error of the API has one JSON shape, {"detail", "code", "request_id"}, with the detail
in the request's language (Accept-Language: zh-hans by default, en). The body is built by
core.middleware.api_error, which also answers the DomainErrors that escape a view."""

import re

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.utils.translation import gettext_lazy as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, Throttled
from ninja.errors import ValidationError as SchemaError

from cocreate.core.errors import DomainError
from cocreate.core.middleware import api_error

NOT_SIGNED_IN = _("Sign in first: send a valid token (Authorization: Bearer …) or use a signed-in session.")
FORBIDDEN = _("You do not have permission to do this.")
NOT_FOUND = _("Not found, or not yours to see.")
INVALID_FIELDS = _("Some fields are missing or not valid.")
CSRF_FAILED = _("The security check of this page failed. Reload the page and try again.")
TOO_MANY = _("Too many attempts. Please wait a little and try again.")


def error_code(exc: DomainError) -> str:
    """The machine-readable code: the one the service gave, else the error's class in
    snake case (Conflict → conflict, TooManyRequests → too_many_requests)."""
    if exc.code and exc.code != "invalid":
        return exc.code
    if type(exc) is DomainError:
        return "invalid"
    return re.sub(r"(?<!^)(?=[A-Z])", "_", type(exc).__name__).lower()


def require_valid(form) -> dict:
    """The step every write endpoint takes: the page's form must be valid, or the answer is a
    400 with its errors. Returns the cleaned data."""
    if not form.is_valid():
        raise form_error(form)
    return form.cleaned_data


def form_error(form) -> DomainError:
    """A Django form's errors as one DomainError (400), its messages joined."""
    messages = [str(m) for errors in form.errors.values() for m in errors]
    error = DomainError(" ".join(messages) or None, code="invalid")
    error.fields = {name: [str(m) for m in errors] for name, errors in form.errors.items()}
    return error


def _domain(request, exc: DomainError):
    extra = {"fields": exc.fields} if getattr(exc, "fields", None) else {}
    return api_error(request, status=exc.status, detail=exc.message, code=error_code(exc), **extra)


def _validation(request, exc: ValidationError):
    return api_error(request, status=400, detail=" ".join(str(m) for m in exc.messages),
                     code=getattr(exc, "code", None) or "invalid")


def _schema(request, exc: SchemaError):
    # Field locations and pydantic's messages (English) help the client's developer; the
    # detail is for the person holding the phone.
    errors = [{"loc": list(e.get("loc", ())), "msg": str(e.get("msg", "")), "type": e.get("type", "")}
              for e in exc.errors]
    return api_error(request, status=422, detail=INVALID_FIELDS, code="validation_error", errors=errors)


def _unauthenticated(request, exc: AuthenticationError):
    response = api_error(request, status=401, detail=NOT_SIGNED_IN, code="not_authenticated")
    response["WWW-Authenticate"] = 'Bearer realm="api"'
    return response


def _http_error(request, exc: HttpError):
    if exc.status_code == 403 and "CSRF" in str(exc):
        return api_error(request, status=403, detail=CSRF_FAILED, code="csrf_failed")
    if isinstance(exc, Throttled):
        return api_error(request, status=429, detail=TOO_MANY, code="too_many_requests")
    return api_error(request, status=exc.status_code, detail=str(exc), code="http_error")


def install(api: NinjaAPI) -> None:
    api.add_exception_handler(DomainError, _domain)
    api.add_exception_handler(ValidationError, _validation)
    api.add_exception_handler(SchemaError, _schema)
    api.add_exception_handler(AuthenticationError, _unauthenticated)
    api.add_exception_handler(HttpError, _http_error)
    api.add_exception_handler(PermissionDenied, lambda request, exc: api_error(
        request, status=403, detail=FORBIDDEN, code="permission_denied"))
    api.add_exception_handler(Http404, lambda request, exc: api_error(
        request, status=404, detail=NOT_FOUND, code="not_found"))
