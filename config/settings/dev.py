"""The embedded default: SQLite, console SMS, demo mode. Used by `make run`."""

import os

os.environ.setdefault("COCREATE_DEMO_MODE", "1")

from .base import *  # noqa: F403
from .base import env_bool

DEBUG = env_bool("DJANGO_DEBUG", True)
# A development-only key: production.py refuses to start without its own.
SECRET_KEY = SECRET_KEY or "dev-only-insecure-key-change-me-0123456789abcdefghijklmnopqrstuvwxyz"  # noqa: F405
