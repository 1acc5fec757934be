"""Whole answers of read pages, kept per session for a short while and dropped the moment a
write touches what they show.

A view opts in with `@page_cached(scope)`, under its access decorators (an API operation with
`@api_cached(scope)`);
`scope(request, kwargs)` names the node whose subtree the page shows (its path), or None to
answer without the cache. The key holds everything the answer depends on: the view and its
full address, the session (so the user, their grants and their CSRF secret), the CSRF cookie,
the language, elder mode, htmx, and the stamps of:

- `page:tree:<path>`, the page's node: any write in its subtree changes it;
- `page:node:<path>` of each node above it: a write made at an ancestor itself (a street's
  ballot, a county's notice) changes the pages below it, a write in a sibling's subtree not;
- `page:user:<id>`: anything the user posts, and their account's events;
- `page:all`: an audited write with no node, that is not about one account.

Every audited write stamps the names its event touches, in its transaction and after its
commit (audit `record()` calls `forget_event`); every POST stamps the user's name. A stamp is a fresh random token,
never a counter, so a stamp lost from the cache cannot come back as an old value. A change
made behind the services (a bulk load, a notification written by the worker) or by time
passing shows within `PAGE_CACHE_SECONDS` at the latest.

Only with a cache the workers share (Redis): a per-process cache would not hear the other
workers' stamps. Tests may turn it on in one process with `PAGE_CACHE_LOCAL = True`.
"""

import hashlib
import secrets
from collections.abc import Callable
from functools import wraps

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.http import HttpRequest, HttpResponse

from . import generations

Scope = Callable[[HttpRequest, dict], str | None]
ALL = "page:all"
# Events about one account (signing in, a password, preferences) stamp that account, not every page.
ACCOUNT_ACTIONS = ("login.", "logout", "sms.", "account.")
KEPT_HEADERS = ("Content-Type", "Cache-Control", "Content-Disposition", "Vary", "X-Robots-Tag")


def page_cached(scope: Scope):
    """Keep the answers of a read view within `scope`. The innermost decorator: the access
    checks around it (`staff_required`: signed in, second factor, allowed network) run on
    every request, a kept answer or not."""
    def decorate(view):
        @wraps(view)
        def cached_view(request, *args, **kwargs):
            return kept_answer(request, view, kwargs, scope) or view(request, *args, **kwargs)
        return cached_view
    return decorate


def api_cached(scope: Scope, *, check: Callable[[HttpRequest], None] | None = None):
    """The same for a django-ninja operation (under `@router.get`). django-ninja has
    authenticated the caller, by token or session, before the operation runs, so a revoked
    token is refused at once; `check` (the staff check) runs here before a kept answer."""
    def decorate(operation):
        @wraps(operation)
        def cached_operation(request, **kwargs):
            if check is not None:
                check(request)
            return kept_answer(request, operation, kwargs, scope) or operation(request, **kwargs)
        return cached_operation
    return decorate


def kept_answer(request, view, kwargs: dict, scope: Scope) -> HttpResponse | None:
    """The kept answer to this request, or None: then the view builds it, and
    `PageCacheMiddleware` keeps it on its way out if it may."""
    key = _key_for(request, view, kwargs, scope)
    if key is None:
        return None
    kept = cache.get(key)
    if kept is not None:
        return _unpack(kept)
    request._page_cache_pending = (key, request.session.modified, request.META.get("CSRF_COOKIE"))
    return None


def enabled() -> bool:
    seconds = getattr(settings, "PAGE_CACHE_SECONDS", 0)
    return seconds > 0 and (generations.shared() or getattr(settings, "PAGE_CACHE_LOCAL", False))


def user_stamp(user_id) -> str:
    return f"page:user:{user_id}"


def stamps_for(node_path: str) -> list[str]:
    """The names a page of `node_path` reads: its subtree, and each ancestor's own writes."""
    from cocreate.orgs.models import ancestor_paths

    return [f"page:tree:{node_path}", *(f"page:node:{p}" for p in ancestor_paths(node_path)[:-1])]


def names_of_path(path: str) -> list[str]:
    """The names a write at `path` stamps: the subtree of every node from the root down to it,
    and its own."""
    from cocreate.orgs.models import ancestor_paths

    return [*(f"page:tree:{p}" for p in ancestor_paths(path)), f"page:node:{path}"]


def names_of_event(event) -> list[str]:
    """The names an audited write stamps."""
    if event.node_path:
        return names_of_path(event.node_path)
    if event.action.startswith(ACCOUNT_ACTIONS):  # a code sent to a stranger changes no page
        names = [user_stamp(event.actor_id)] if event.actor_id else []
        if event.target_type == "accounts.user" and event.target_id:
            names.append(user_stamp(event.target_id))
        return names
    return [ALL]


def stamp(names: list[str]) -> None:
    """New tokens for `names`, now and again after the commit (as generations.bump does): a
    page built between the two from what the transaction had not yet committed is kept under a
    token nobody reads after the second."""
    if names and enabled():
        _set_fresh(names)
        transaction.on_commit(lambda: _set_fresh(names))


def _set_fresh(names: list[str]) -> None:
    cache.set_many({name: secrets.token_hex(8) for name in names}, None)


def forget_event(event) -> None:
    stamp(names_of_event(event))


def _read_stamps(names: list[str]) -> list[str]:
    """The current token of each name; a missing one gets a fresh token (`add`, so two
    readers agree, and a writer's stamp in between is never overwritten)."""
    found = cache.get_many(names)
    for name in names:
        if name not in found:
            token = secrets.token_hex(8)
            found[name] = token if cache.add(name, token, None) else cache.get(name, token)
    return [found[n] for n in names]


def _identity(request) -> str | None:
    """Whose answer this is, or None when the cache must not be used for this request."""
    if request.method != "GET":
        return None
    token = getattr(request, "api_token", None)
    if token is not None:  # the mini-program: django-ninja checked the token
        return f"token:{token.pk}:user:{request.user.pk}"
    if "HTTP_AUTHORIZATION" in request.META:
        return None
    session = request.session
    if session.get("_messages"):  # a flash message is shown once, by a page rendered now
        return None
    user = request.user
    who = f"user:{user.pk}:{session.session_key}" if user.is_authenticated else "anonymous"
    # The CSRF secret: a kept form carries a token made from it (with none, a view that renders a
    # form makes a new one, and its answer is not kept: see _keepable).
    return f"{who}:{request.META.get('CSRF_COOKIE', '')}"


def _key_for(request, view, kwargs: dict, scope: Scope) -> str | None:
    """The key of this request's answer, or None when it must be built and not kept."""
    if not enabled():
        return None
    identity = _identity(request)
    node_path = scope(request, kwargs) if identity else None
    if node_path is None:
        return None
    return _key(request, f"{view.__module__}.{view.__qualname__}", identity, node_path)


def _key(request, view_name: str, identity: str, node_path: str) -> str:
    names = [ALL, *stamps_for(node_path)]
    if request.user.is_authenticated:
        names.append(user_stamp(request.user.pk))
    parts = [view_name, request.get_full_path(), identity, getattr(request, "LANGUAGE_CODE", ""),
             str(getattr(request, "elder_mode", False)), request.headers.get("HX-Request", ""),
             request.headers.get("HX-Target", ""), *_read_stamps(names)]
    return "page:" + hashlib.sha256("\n".join(parts).encode()).hexdigest()


def _pack(response: HttpResponse) -> dict:
    return {"content": response.content, "status": response.status_code,
            "headers": {h: response[h] for h in KEPT_HEADERS if h in response}}


def _unpack(kept: dict) -> HttpResponse:
    response = HttpResponse(kept["content"], status=kept["status"])
    for header, value in kept["headers"].items():
        response[header] = value
    response["X-Page-Cache"] = "hit"
    return response


def _keepable(request, response, session_modified: bool, csrf: str | None) -> bool:
    """Only a plain 200 answer that changed nothing on its way: no cookie set, no new CSRF
    secret, no session written by the view, no message queued."""
    messages = getattr(request, "_messages", None)
    return (response.status_code == 200 and not response.streaming and not response.cookies
            and request.META.get("CSRF_COOKIE") == csrf
            and not (request.session.modified and not session_modified)
            and not (messages is not None and getattr(messages, "added_new", False)))


class PageCacheMiddleware:
    """Keeps the answer a marked view built (`kept_answer` left the key on the request), and
    after a write by a signed-in user (any method but GET, HEAD, OPTIONS) makes their kept
    pages stale: what they posted shows on their next page, audited or not."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        pending = getattr(request, "_page_cache_pending", None)
        if pending is not None:
            key, session_modified, csrf = pending
            if _keepable(request, response, session_modified, csrf):
                cache.set(key, _pack(response), settings.PAGE_CACHE_SECONDS)
        user = getattr(request, "user", None)
        if request.method not in ("GET", "HEAD", "OPTIONS") and user is not None and user.is_authenticated:
            stamp([user_stamp(user.pk)])
        return response
