"""Benchmarks only (`make bench`, docs/bench.md): production settings plus the ceiling views
and a per-request SQL counter. Never deploy with this module: it adds unauthenticated URLs."""

from .production import *  # noqa: F403
from .production import MIDDLEWARE

ROOT_URLCONF = "bench.urls"
# Outermost, so the session read and save and every other middleware's queries are counted.
MIDDLEWARE = ["bench.middleware.QueryCountMiddleware", *MIDDLEWARE]
