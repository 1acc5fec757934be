"""Test-only guards, installed by config.settings.test, and helpers shared by test modules."""

import re
import time
from dataclasses import dataclass

from django.http import HttpRequest, HttpResponse
from django.urls import URLResolver, get_resolver

# Letters around the digits mean an identifier (a request id is hex), not a phone number; CJK
# text around them still counts ("电话13800138000").
UNMASKED_PHONE = re.compile(r"(?<![0-9A-Za-z*])1[3-9]\d{9}(?![0-9A-Za-z])")


class PhoneLeakGuardMiddleware:
    """Fails the test that produced a response containing an unmasked mobile number."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if request.path.endswith("/reveal-phone/"):
            return response
        content_type = response.get("Content-Type", "")
        if getattr(response, "streaming", False) or not (
            content_type.startswith("text/") or "json" in content_type
        ):
            return response
        text = response.content.decode(response.charset or "utf-8", errors="replace")
        match = UNMASKED_PHONE.search(text)
        if match:
            raise AssertionError(f"Unmasked phone number {match.group()[:3]}… in {request.path}")
        return response


@dataclass(frozen=True)
class UrlEntry:
    name: str  # namespaced, e.g. "orgs:node"; "" for an unnamed pattern
    route: str  # the whole route, e.g. "staff/nodes/<int:node_id>/"
    params: tuple[str, ...]


_PARAM = re.compile(r"<(?:\w+:)?(\w+)>|\(\?P<(\w+)>")


def url_entries(resolver: URLResolver | None = None, prefix: str = "", namespace: str = "") -> list[UrlEntry]:
    """Every URL pattern of the project, walked recursively through its includes, so that the
    URL × role matrix and the crawl tests cannot miss a page added later."""
    entries = []
    for pattern in (resolver or get_resolver()).url_patterns:
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            entries += url_entries(pattern, route, inner)
        else:
            name = f"{namespace}{pattern.name}" if pattern.name else ""
            params = tuple(a or b for a, b in _PARAM.findall(route))
            entries.append(UrlEntry(name, route, params))
    return entries


STAFF_PASSWORD = "Tree#Pass2026"  # noqa: S105 - the test staff's password (root conftest.py)


def sign_in(client, user, *, second_factor: bool = True):
    """A session as after a full login: staff with the second factor done. Importable from any
    test module (a `from conftest import …` depends on which conftest pytest loaded last)."""
    from cocreate.accounts.middleware import SESSION_AUTH_AT, SESSION_LAST_SEEN
    from cocreate.core.auth import SESSION_2FA

    client.force_login(user, backend="cocreate.accounts.backends.StaffPasswordBackend")
    session = client.session
    now = int(time.time())
    session[SESSION_AUTH_AT] = now
    session[SESSION_LAST_SEEN] = now
    if user.is_staff_member:
        session[SESSION_2FA] = "totp" if second_factor else ""
    session.save()
    return client
