"""One error shape in both languages, and the OpenAPI document and its docs page."""

import re

import pytest
from django.contrib.staticfiles import finders
from openapi_spec_validator import validate

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(("language", "detail"), [
    ("zh-hans", "您家已经支持过这条需求了。"),
    ("en", "Your household already supports this need."),
])
def test_domain_errors_in_the_request_language(api, token_for, needs, language, detail):
    token = token_for("resident")
    api.post("needs_support", need_id=needs["dark"].pk, token=token)
    response = api.post("needs_support", need_id=needs["dark"].pk, token=token, language=language)
    assert response.status_code == 409
    assert response.json() == {"detail": detail, "code": "conflict", "request_id": response["X-Request-ID"]}


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_every_error_has_the_same_shape(api, token_for, needs, org_tree, language):
    token = token_for("resident")
    answers = {
        401: api.get("me_profile", language=language),
        403: api.get("needs_staff_index", node_id=org_tree.grid.pk, token=token, language=language),
        404: api.get("needs_detail", need_id=needs["neighbour"].pk, token=token, language=language),
        422: api.post("needs_create", token=token, json_body={"text": 1}, language=language),
        400: api.post("needs_create", token=token, language=language,
                      json_body={"text": "3栋门口的井盖松了", "category": 987654}),
    }
    for status, response in answers.items():
        body = response.json()
        assert response.status_code == status
        assert {"detail", "code", "request_id"} <= body.keys(), status
        assert body["request_id"] == response["X-Request-ID"]
        assert body["detail"]
    assert answers[422].json()["errors"][0]["loc"]
    category_error = answers[400].json()["fields"]["category"][0]
    assert ("Select a valid choice" in category_error) == (language == "en")


def test_a_domain_error_escaping_a_view_is_json_too(rf):
    from cocreate.core.errors import Conflict
    from cocreate.core.middleware import RequestIdMiddleware

    request = rf.get("/api/v1/anything")
    request.request_id = "abc"
    response = RequestIdMiddleware(lambda r: None).process_exception(request, Conflict(code="taken"))
    assert response.status_code == 409
    assert response["Content-Type"].startswith("application/json")
    assert b'"code": "taken"' in response.content and b'"request_id": "abc"' in response.content


def test_openapi_document_is_valid_and_lists_the_paths(client, signed_in, cast):
    assert client.get("/api/v1/openapi.json").status_code == 302  # docs need a signed-in person
    signed_in(cast["cadre"])
    schema = client.get("/api/v1/openapi.json").json()
    assert schema["openapi"].startswith("3.")
    validate(schema)
    paths = schema["paths"]
    for path in ("/api/v1/auth/token", "/api/v1/auth/staff-token", "/api/v1/needs", "/api/v1/needs/{need_id}/support",
                 "/api/v1/staff/needs/{need_id}/triage", "/api/v1/me"):
        assert path in paths
    support = paths["/api/v1/needs/{need_id}/support"]["post"]
    assert any(p["name"] == "Idempotency-Key" and p["in"] == "header" for p in support["parameters"])
    assert schema["components"]["securitySchemes"]["TokenAuth"] == {"type": "http", "scheme": "bearer"}
    assert "security" not in paths["/api/v1/auth/token"]["post"]  # signing in needs no token


def test_docs_page_runs_under_our_csp(client, signed_in, cast):
    signed_in(cast["cadre"])
    response = client.get("/api/v1/docs")
    html = response.content.decode()
    assert response.status_code == 200
    assert "script-src 'self'" in response["Content-Security-Policy"]
    assert "/static/vendor/swagger-ui/swagger-ui-bundle.js" in html and "/static/api/docs.js" in html
    assert "<script>" not in html
    # Nothing from another host (Swagger UI's default is a CDN). Not a search for "cdn": the
    # random CSRF token in the page may contain those letters.
    assert not re.search(r"""(?:src|href)=["'](?:https?:)?//""", html)
    assert finders.find("vendor/swagger-ui/swagger-ui-bundle.js") and finders.find("api/docs.js")
