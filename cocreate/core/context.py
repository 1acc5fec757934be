"""The request currently being served, for audit records written deep inside services."""

import contextvars
from dataclasses import dataclass


@dataclass(frozen=True)
class RequestContext:
    request_id: str = ""
    ip: str | None = None


_EMPTY = RequestContext()
current = contextvars.ContextVar("cocreate_request", default=_EMPTY)  # frozen, so sharing it is safe
