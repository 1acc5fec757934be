"""Idempotent writes (security.md §4.2). A client that retries a POST after a timeout sends the
same `Idempotency-Key` header; the first answer is stored per (user, key) and replayed with
`Idempotent-Replayed: true`, so a flaky network cannot raise a need or a vote twice.

    @router.post("/needs/{need_id}/support", response=...)
    @idempotent
    def support(request, need_id: int): ...

The header is optional. The same key with another request (method, path or body) answers 422;
a key whose first request is still running answers 409. Keys are kept 24 hours."""

import hashlib
import re
from datetime import timedelta
from functools import wraps

from django.db import IntegrityError, transaction
from django.http import HttpResponse
from django.http.request import RawPostDataException
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from ninja import Header
from ninja.decorators import decorate_view
from ninja.utils import contribute_operation_args

from cocreate.core.errors import Conflict, DomainError

from .models import IdempotencyKey
from .services import IDEMPOTENCY_KEEP

HEADER = "Idempotency-Key"
REPLAYED = "Idempotent-Replayed"
_KEY = re.compile(r"[A-Za-z0-9_.:\-]{1,100}")
_STALE_CLAIM = timedelta(minutes=5)  # a first request that died without an answer


class KeyReused(DomainError):
    status = 422
    default_message = _("This Idempotency-Key was already used for a different request.")


def idempotent(view):
    """Make a mutating endpoint idempotent; see the module docstring."""

    @wraps(view)
    def claim_then_run(request, *args, idempotency_key: str | None = None, **kwargs):
        if idempotency_key is not None:
            replay = _claim(request, idempotency_key)
            if replay is not None:
                return replay
        return view(request, *args, **kwargs)

    contribute_operation_args(claim_then_run, "idempotency_key", str | None, Header(
        None, alias=HEADER, description="A client-chosen unique key (a UUID) to retry this request safely."))
    decorate_view(_store_answer)(claim_then_run)
    return claim_then_run


def _request_hash(request) -> str:
    try:
        body = request.body
    except RawPostDataException:  # multipart already read: hash the fields and file sizes
        body = repr(sorted(request.POST.lists()) + [(n, f.size) for n, f in request.FILES.items()]).encode()
    return hashlib.sha256(b"\n".join([request.method.encode(), request.path.encode(), body])).hexdigest()


def _claim(request, key: str) -> HttpResponse | None:
    """Claim the key for this request, or return the stored answer of its first use."""
    if not _KEY.fullmatch(key):
        raise DomainError(_("The Idempotency-Key header must be 1 to 100 letters, digits or dashes."),
                          code="idempotency_key_invalid")
    digest = _request_hash(request)
    for _attempt in range(2):
        try:
            with transaction.atomic():
                request._idempotency_claim = IdempotencyKey.objects.create(
                    user=request.user, key=key, request_hash=digest)
            return None
        except IntegrityError:
            stored = IdempotencyKey.objects.filter(user=request.user, key=key).first()
        if stored is None or _expired(stored):
            IdempotencyKey.objects.filter(pk=getattr(stored, "pk", None)).delete()
            continue
        if stored.request_hash != digest:
            raise KeyReused(code="idempotency_key_reused")
        if stored.status is None:
            raise Conflict(_("A request with this Idempotency-Key is still being processed. Try again shortly."),
                           code="idempotency_in_progress")
        response = HttpResponse(stored.body, status=stored.status, content_type="application/json; charset=utf-8")
        response[REPLAYED] = "true"
        return response
    raise Conflict(code="idempotency_in_progress")


def _expired(stored: IdempotencyKey) -> bool:
    age = timezone.now() - stored.created_at
    return age > IDEMPOTENCY_KEEP or (stored.status is None and age > _STALE_CLAIM)


def _store_answer(run):
    """Around the whole operation: keep the answer of a claimed key, or free the key when
    the request failed in a way a retry might not (a server error, a rate limit)."""

    @wraps(run)
    def run_and_store(request, *args, **kwargs):
        try:
            response = run(request, *args, **kwargs)
        except BaseException:
            _release(request)
            raise
        claim = getattr(request, "_idempotency_claim", None)
        if claim is not None:
            if response.status_code >= 500 or response.status_code == 429:
                _release(request)
            else:
                IdempotencyKey.objects.filter(pk=claim.pk).update(
                    status=response.status_code, body=response.content.decode(response.charset or "utf-8"))
        return response

    return run_and_store


def _release(request) -> None:
    claim = getattr(request, "_idempotency_claim", None)
    if claim is not None:
        IdempotencyKey.objects.filter(pk=claim.pk).delete()
        request._idempotency_claim = None
