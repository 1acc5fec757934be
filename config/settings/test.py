"""Settings for the test suite: fast hashing, deterministic keys, a PI leak guard."""

import os
import tempfile
from pathlib import Path

os.environ.setdefault("COCREATE_DEMO_MODE", "0")

from .base import *  # noqa: F403
from .base import MIDDLEWARE, VAR_DIR

SECRET_KEY = "test-only-key-0123456789abcdefghijklmnopqrstuvwxyz-abcdefghijklmnop"  # noqa: S105
DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
SMS_BACKEND = "cocreate.notify.backends.LocmemSmsBackend"
SMS_LOG_FILE = str(VAR_DIR / "sms-test.log")
# Uploads made by tests never land in the real media folder.
MEDIA_ROOT = Path(tempfile.mkdtemp(prefix="cocreate-test-media-"))
ALLOWED_HOSTS = ["*"]
# Every response in the suite is scanned for unmasked phone numbers (security.md test 20).
MIDDLEWARE = [*MIDDLEWARE, "cocreate.core.testing.PhoneLeakGuardMiddleware"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
PAGE_CACHE_LOCAL = True  # one process: the whole suite runs with pages kept (core/page_cache.py)
