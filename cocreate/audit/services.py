"""The audit trail: `record()` appends a chained event in the caller's transaction, and calls
the subscribers registered for its action (domain events), so a failed audit write or a
failing subscriber rolls the whole business change back (fail closed, security.md L-4)."""

import logging
from collections import defaultdict
from collections.abc import Callable
from contextlib import contextmanager
from datetime import timedelta

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from cocreate.core import context, page_cache
from cocreate.core.crypto import chain_hash

from .models import AuditEvent
from .selectors import DATA_ACCESS_ACTIONS

logger = logging.getLogger(__name__)
GENESIS = "0" * 64
_CHAIN_LOCK_KEY = 7_401_001  # pg_advisory_xact_lock key for the audit chain

Subscriber = Callable[[AuditEvent], None]
_subscribers: dict[str, list[Subscriber]] = defaultdict(list)


def subscribe(action: str, handler: Subscriber) -> None:
    """Call `handler(event)` inside the transaction of every event with this action."""
    if handler not in _subscribers[action]:
        _subscribers[action].append(handler)


def unsubscribe(action: str, handler: Subscriber) -> None:
    if handler in _subscribers[action]:
        _subscribers[action].remove(handler)


def _lock_chain() -> None:
    # Two concurrent appends would fork the chain; on PostgreSQL serialise them with a
    # transaction-scoped advisory lock. SQLite's IMMEDIATE transactions already serialise.
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_CHAIN_LOCK_KEY])


def _target_fields(target) -> tuple[str, str]:
    if target is None:
        return "", ""
    if isinstance(target, tuple):
        return str(target[0]), str(target[1])
    return target._meta.label_lower, str(target.pk)


def _role_of(actor) -> str:
    if actor is None:
        return "system"
    return getattr(actor, "primary_role_label", "") or ("staff" if actor.is_staff_member else "resident")


def record(
    *,
    actor,
    action: str,
    target=None,
    node=None,
    on_behalf_of=None,
    data: dict | None = None,
    outcome: str = AuditEvent.Outcome.SUCCESS,
) -> AuditEvent:
    """Append one audit event in the current transaction and notify its subscribers."""
    # No savepoint inside the caller's transaction: a failed append or subscriber must roll the
    # whole change back anyway, and the savepoint cost two statements on every write.
    with transaction.atomic(savepoint=False):
        _lock_chain()
        request_ctx = context.current.get()
        target_type, target_id = _target_fields(target)
        event = AuditEvent(
            created_at=timezone.now(),
            actor=actor if actor is not None and actor.pk else None,
            actor_role=_role_of(actor),
            on_behalf_of_id=getattr(on_behalf_of, "pk", on_behalf_of),
            node_id=getattr(node, "pk", None),
            node_path=getattr(node, "path", "") or "",
            action=action,
            outcome=outcome,
            target_type=target_type,
            target_id=target_id,
            data=data or {},
            request_id=request_ctx.request_id,
            ip=request_ctx.ip,
            hash_alg=settings.HASH_ALGORITHM,
        )
        last = AuditEvent.objects.order_by("-id").values_list("row_hash", flat=True).first()
        event.prev_hash = last or GENESIS
        event.row_hash = chain_hash(event.prev_hash, event.canonical())
        event.save(force_insert=True)
        for handler in list(_subscribers.get(action, ())):
            handler(event)
        if outcome == AuditEvent.Outcome.SUCCESS and action not in DATA_ACCESS_ACTIONS:
            page_cache.forget_event(event)  # the pages this write changes (a read of data changes none)
    return event


def record_failure(*, actor, action: str, target=None, node=None, data: dict | None = None) -> None:
    """Record a refused attempt in its own transaction, so it survives the caller's rollback."""
    with transaction.atomic(durable=not connection.in_atomic_block):
        record(actor=actor, action=action, target=target, node=node, data=data,
               outcome=AuditEvent.Outcome.FAILURE)


def verify_chain() -> list[int]:
    """Recompute every row hash; return the ids of rows whose stored hash or link is wrong."""
    bad: list[int] = []
    previous = None
    for event in AuditEvent.objects.order_by("id").iterator(chunk_size=2000):
        expected_prev = event.prev_hash if previous is None else previous
        computed = chain_hash(event.prev_hash, event.canonical(), algorithm=event.hash_alg)
        if event.prev_hash != expected_prev or computed != event.row_hash:
            bad.append(event.pk)
        previous = event.row_hash
    return bad


def purge_expired(*, now=None) -> int:
    """Delete events older than the retention period, never younger than the legal floor."""
    days = max(settings.AUDIT_RETENTION_DAYS, settings.AUDIT_RETENTION_FLOOR_DAYS)
    cutoff = (now or timezone.now()) - timedelta(days=days)
    floor = timezone.now() - timedelta(days=settings.AUDIT_RETENTION_FLOOR_DAYS)
    with transaction.atomic(), purge_permit("purge"):
        deleted, _by_model = AuditEvent.objects.filter(created_at__lt=min(cutoff, floor)).delete()
    return deleted


@contextmanager
def purge_permit(mode: str):
    """Tell the append-only trigger that this transaction is the purge job (or a test flush).

    Even with the permit, the trigger refuses to delete rows younger than 180 days, except
    for "flush", which wipes a whole database (tests, or an operator resetting a demo).
    """
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT set_config('cocreate.audit_purge', %s, true)", [mode])
        else:
            cursor.execute("INSERT INTO audit_purge_permit (mode) VALUES (%s)", [mode])
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                cursor.execute("SELECT set_config('cocreate.audit_purge', '', true)")
            else:
                cursor.execute("DELETE FROM audit_purge_permit")
