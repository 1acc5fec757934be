"""The one NinjaAPI of Cocreate, mounted at /api/v1/ (config/urls.py → cocreate/api/urls.py).

Each app keeps its endpoints in `cocreate/<app>/api.py` as a `router = Router(tags=[...])`;
adding it to the API is one line in ROUTERS below: (URL prefix, router path, URL-name prefix).
URL names become `api:<prefix>_<function name>`, e.g. `api:needs_detail`."""

from ninja import NinjaAPI
from ninja.renderers import JSONRenderer

from . import errors
from .auth import AUTH
from .docs import LocalSwagger, docs_access

ROUTERS = [
    ("/auth", "cocreate.api.account.auth_router", "auth"),
    ("/", "cocreate.api.account.me_router", "me"),
    ("/", "cocreate.needs.api.router", "needs"),
    ("/", "cocreate.meetings.api.router", "meetings"),
    ("/", "cocreate.decisions.api.router", "decisions"),
    ("/", "cocreate.projects.api.router", "projects"),
    ("/", "cocreate.funds.api.router", "funds"),
    ("/", "cocreate.partners.api.router", "partners"),
]


class Utf8JSONRenderer(JSONRenderer):
    json_dumps_params = {"ensure_ascii": False}  # Chinese text as text, not \\u escapes


api = NinjaAPI(
    title="Cocreate API",
    version="1",
    description="The resident and staff actions of Cocreate for the WeChat mini-program. See docs/api.md.",
    urls_namespace="api",
    auth=AUTH,
    docs=LocalSwagger(),
    docs_decorator=docs_access,
    renderer=Utf8JSONRenderer(),
)
errors.install(api)
for prefix, router, name in ROUTERS:
    api.add_router(prefix, router, url_name_prefix=name)
