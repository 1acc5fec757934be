"""Test-only guards, installed by config.settings.test."""

import re

from django.http import HttpRequest, HttpResponse

UNMASKED_PHONE = re.compile(r"(?<![\d*])1[3-9]\d{9}(?!\d)")


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
