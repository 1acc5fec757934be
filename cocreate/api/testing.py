"""Test helpers for the JSON API, loaded for the whole suite as a pytest plugin (root conftest):
the `api` client that calls endpoints by URL name, and `api_token` for a member of the cast.
Test code only."""

import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from cocreate.api.services import token_issue


class Api:
    """`api.get("needs_detail", need_id=1, token=…)` → the response; `.post(…, json_body={…})`."""

    def __init__(self, client):
        self.client = client

    def _headers(self, token, language, headers):
        out = {"Accept-Language": language, **(headers or {})}
        if token:
            out["Authorization"] = f"Bearer {token}"
        return out

    def get(self, name, *, token=None, query=None, language="zh-hans", headers=None, **kwargs):
        return self.client.get(reverse(f"api:{name}", kwargs=kwargs), query or {},
                               headers=self._headers(token, language, headers))

    def post(self, name, *, token=None, json_body=None, language="zh-hans", headers=None, **kwargs):
        return self.client.post(reverse(f"api:{name}", kwargs=kwargs), json.dumps(json_body or {}),
                                content_type="application/json", headers=self._headers(token, language, headers))


def token_of(user) -> str:
    """A live token as the user's own sign-in gives it: SMS for residents, password and TOTP for staff."""
    return token_issue(user=user, method="sms" if not user.is_staff_member else "password+totp")[1]


def count_queries(call) -> int:
    with CaptureQueriesContext(connection) as queries:
        call()
    return len(queries)


@pytest.fixture
def api(client):
    return Api(client)


@pytest.fixture
def token(cast):
    """`token("resident")`, `token("cadre")`, or `token(user)`."""

    def issue(who):
        return token_of(cast[who] if isinstance(who, str) else who)

    return issue
