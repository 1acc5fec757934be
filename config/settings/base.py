"""Settings shared by every environment; everything that varies comes from the environment."""

import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = Path(os.environ.get("COCREATE_VAR_DIR", BASE_DIR / "var"))


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_int(name: str, default: int) -> int:
    return int(os.environ.get(name, default))


SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "")
DEBUG = env_bool("DJANGO_DEBUG", False)
ALLOWED_HOSTS = [h for h in os.environ.get("DJANGO_ALLOWED_HOSTS", "127.0.0.1,localhost").split(",") if h]
# Demo mode shows SMS codes on the page and the demo logins on the login page.
DEMO_MODE = env_bool("COCREATE_DEMO_MODE", False)

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_htmx",
    "template_partials",
    "cocreate.core",
    "cocreate.audit",
    "cocreate.orgs",
    "cocreate.accounts",
    "cocreate.notify",
    "cocreate.needs",
    "cocreate.meetings",
    "cocreate.decisions",
    "cocreate.projects",
    "cocreate.funds",
    "cocreate.partners",
    "cocreate.api",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "cocreate.core.middleware.RequestIdMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "cocreate.accounts.middleware.SessionPolicyMiddleware",
    "cocreate.accounts.middleware.UserPreferencesMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "cocreate.core.middleware.SecurityHeadersMiddleware",
    "cocreate.core.page_cache.PageCacheMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "cocreate.core.context_processors.site",
            ],
            "builtins": ["cocreate.core.templatetags.cocreate_text"],
        },
    },
]


def database_config() -> dict:
    url = os.environ.get("DATABASE_URL")
    if url:
        config = dj_database_url.parse(url, conn_max_age=env_int("DB_CONN_MAX_AGE", 60))
        config.setdefault("OPTIONS", {})
        return config
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    return {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": os.environ.get("SQLITE_PATH", str(VAR_DIR / "cocreate.sqlite3")),
        # IMMEDIATE transactions serialise writers and avoid the SQLITE_BUSY upgrade
        # deadlock; WAL lets readers go on while one writer writes.
        "OPTIONS": {
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        },
    }


DATABASES = {"default": database_config()}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"

REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "cocreate.core.cache.RedisCache", "LOCATION": REDIS_URL}}
    SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    SESSION_ENGINE = "django.contrib.sessions.backends.db"

AUTHENTICATION_BACKENDS = ["cocreate.accounts.backends.StaffPasswordBackend"]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "core:home"

PASSWORD_HASHERS = ["django.contrib.auth.hashers.PBKDF2PasswordHasher"]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "cocreate.accounts.validators.StaffPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "cocreate.accounts.validators.PasswordHistoryValidator"},
]

# Sessions (security.md A-5): sliding idle timeout enforced by SessionPolicyMiddleware,
# which also enforces the 12-hour absolute lifetime.
SESSION_COOKIE_AGE = 30 * 60
# The session (and its cookie's expiry) is saved when the idle clock moves, at most once a
# minute (SessionPolicyMiddleware), not on every request.
SESSION_SAVE_EVERY_REQUEST = False
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
STAFF_IDLE_SECONDS = env_int("COCREATE_STAFF_IDLE_SECONDS", 15 * 60)
RESIDENT_IDLE_SECONDS = env_int("COCREATE_RESIDENT_IDLE_SECONDS", 30 * 60)
SESSION_ABSOLUTE_SECONDS = 12 * 60 * 60
STAFF_PASSWORD_MAX_AGE_DAYS = env_int("COCREATE_STAFF_PASSWORD_MAX_AGE_DAYS", 90)
STAFF_INACTIVE_DISABLE_DAYS = 90
LOGIN_LOCK_FAILURES = 5
LOGIN_LOCK_SECONDS = 15 * 60
LOGIN_IP_LIMIT = 20  # attempts reaching a credential check per IP per window
LOGIN_IP_WINDOW_SECONDS = 10 * 60

# SMS codes (security.md test 3).
SMS_BACKEND = os.environ.get("COCREATE_SMS_BACKEND", "cocreate.notify.backends.ConsoleSmsBackend")
SMS_LOG_FILE = os.environ.get("COCREATE_SMS_LOG", str(VAR_DIR / "sms.log"))
SMS_CODE_TTL_SECONDS = 5 * 60
SMS_RESEND_SECONDS = 60
SMS_DAILY_LIMIT = 10
SMS_CODE_MAX_TRIES = 5

# Personal data protection (security.md D-3): field encryption and blind index.
# "A256GCM"/"SHA256" by default, "SM4GCM"/"SM3" where a 密评 needs commercial crypto.
FIELD_CIPHER = os.environ.get("COCREATE_FIELD_CIPHER", "A256GCM")
HASH_ALGORITHM = os.environ.get("COCREATE_HASH_ALG", "SHA256")
FIELD_KEYS_ENV = os.environ.get("COCREATE_FIELD_KEYS", "")  # "k1:base64key,k2:base64key"
FIELD_KEY_ID = os.environ.get("COCREATE_FIELD_KEY_ID", "")
BLIND_INDEX_KEY_ENV = os.environ.get("COCREATE_BLIND_INDEX_KEY", "")
PRIVACY_POLICY_VERSION = "2026-11"

AUDIT_RETENTION_DAYS = env_int("COCREATE_AUDIT_RETENTION_DAYS", 365)
AUDIT_RETENTION_FLOOR_DAYS = 180
if AUDIT_RETENTION_DAYS < AUDIT_RETENTION_FLOOR_DAYS:
    raise ImproperlyConfigured(
        f"COCREATE_AUDIT_RETENTION_DAYS={AUDIT_RETENTION_DAYS} is under the legal floor of "
        f"{AUDIT_RETENTION_FLOOR_DAYS} days (security.md L-3)."
    )

# Management pages may be limited to address ranges (security.md I-3); empty = no limit.
STAFF_ALLOWED_NETWORKS = [n for n in os.environ.get("COCREATE_STAFF_NETWORKS", "").split(",") if n]

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
USE_TZ = True
TIME_ZONE = "Asia/Shanghai"
LANGUAGE_COOKIE_NAME = "cocreate_language"
LANGUAGE_COOKIE_SAMESITE = "Lax"

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
# Front-end packages are installed by npm at set-up and served from node_modules.
STATICFILES_DIRS = [
    BASE_DIR / "static",
    ("vendor/htmx", BASE_DIR / "node_modules" / "htmx.org" / "dist"),
    ("vendor/weui", BASE_DIR / "node_modules" / "weui" / "dist" / "style"),
    ("vendor/axe", BASE_DIR / "node_modules" / "axe-core"),
    ("vendor/swagger-ui", BASE_DIR / "node_modules" / "swagger-ui-dist"),
    ("vendor/echarts", BASE_DIR / "node_modules" / "echarts" / "dist"),
    ("vendor/leaflet", BASE_DIR / "node_modules" / "leaflet" / "dist"),
]
# Map tiles for placing a need on the map (Leaflet). OpenStreetMap by default; a deployment in
# China points these at 天地图 or its own tile server. The tile host is added to the CSP img-src.
MAP_TILE_URL = os.environ.get("COCREATE_MAP_TILE_URL", "https://tile.openstreetmap.org/{z}/{x}/{y}.png")
MAP_TILE_ATTRIBUTION = os.environ.get("COCREATE_MAP_TILE_ATTRIBUTION", "© OpenStreetMap")
MAP_DEFAULT_CENTER = (30.4259, 111.7606)  # 枝江市, where the demo county is; a need's own point wins

MEDIA_URL = "/media/"
MEDIA_ROOT = Path(os.environ.get("COCREATE_MEDIA_ROOT", VAR_DIR / "media"))

# Read pages kept per session for at most this long, dropped at once by the writes that change
# them (core/page_cache.py); only with Redis, which every worker shares. 0 turns it off.
PAGE_CACHE_SECONDS = int(os.environ.get("COCREATE_PAGE_CACHE_SECONDS", "60"))
MESSAGE_STORAGE = "django.contrib.messages.storage.session.SessionStorage"
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
IMPORT_MAX_ROWS = 5000
IMPORT_MAX_BYTES = 5 * 1024 * 1024

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}
