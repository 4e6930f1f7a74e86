"""Settings of the registry application.

Everything site-specific comes from REGBANK_* variables (see ``config.py`` and
``docs`` in app_bundle/README.md); nothing secret lives in the repository.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

from .config import Env, database_from_url

BASE_DIR = Path(__file__).resolve().parent.parent
env = Env()

DEBUG = env.bool("REGBANK_DEBUG", False)
SECRET_KEY = env.str("REGBANK_SECRET_KEY", "" if not DEBUG else "insecure-development-key")
if not SECRET_KEY:
    raise ImproperlyConfigured("setting REGBANK_SECRET_KEY is required (environment or env file)")
ALLOWED_HOSTS = env.list("REGBANK_ALLOWED_HOSTS", "localhost,127.0.0.1" if DEBUG else "")
CSRF_TRUSTED_ORIGINS = env.list("REGBANK_CSRF_TRUSTED_ORIGINS")

# --- The site this instance runs at (docs/architecture.md, replication rules) -----------
# `regional`: the consolidated regional server (directories and accounts are mastered here).
# `municipal`: an МО's intermediate server; REGBANK_SITE_MO names the МО code (e.g. MO-3).
REGBANK_SITE_ROLE = env.str("REGBANK_SITE_ROLE", "regional")
REGBANK_SITE_MO = env.str("REGBANK_SITE_MO", "")
if REGBANK_SITE_ROLE not in ("regional", "municipal"):
    raise ImproperlyConfigured(
        f"setting REGBANK_SITE_ROLE: expected 'regional' or 'municipal', got {REGBANK_SITE_ROLE!r}"
    )
if REGBANK_SITE_ROLE == "municipal" and not REGBANK_SITE_MO:
    raise ImproperlyConfigured(
        "setting REGBANK_SITE_MO is required when REGBANK_SITE_ROLE=municipal (an МО code)"
    )
# Where users are sent for what only the regional server does (password changes,
# accounts); shown in notes on read-only pages.
REGBANK_REGIONAL_URL = env.str("REGBANK_REGIONAL_URL", "")
# Each МО with its own server -> the base URL of its bank ("MO-3=https://mo-3.bank.example,
# MO-7=https://..."): the regional server sends that МО's users there and links its
# read-only rows to it.
REGBANK_SITE_URLS = env.site_urls("REGBANK_SITE_URLS")
# The database role the application connects as at run time. When set, the audit
# migration and `manage.py grant_app_role` deny it UPDATE, DELETE and TRUNCATE on
# audit events.
REGBANK_DB_APP_ROLE = env.str("REGBANK_DB_APP_ROLE", "")
REGBANK_REGION_NAME = env.str("REGBANK_REGION_NAME", "Субъект Российской Федерации")
# Chromium for the analytics report as PDF (headless print); none: print from the browser.
REGBANK_CHROMIUM = env.str("REGBANK_CHROMIUM", "/usr/bin/chromium")

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "axes",
    "regbank_app",
    "directory",
    "accounts",
    "registry",
    "prevention",
    "commission",
    "raids",
    "audit",
    "analytics",
    "bank_import",
    "quality",
    "reconciliation",
    "inspections",
    "support",
]

MIDDLEWARE = [
    "regbank_app.middleware.RequestLogMiddleware",
    "regbank_app.middleware.NoStoreMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "accounts.middleware.ForcePasswordChangeMiddleware",
    "accounts.middleware.MunicipalServerMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "axes.middleware.AxesMiddleware",
    "regbank_app.middleware.RefusedAccessMiddleware",
]

ROOT_URLCONF = "regbank_project.urls"
WSGI_APPLICATION = "regbank_app.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "regbank_app.context_processors.site",
            ],
        },
    },
]

DATABASES = {
    "default": database_from_url(
        env.str("REGBANK_DATABASE_URL", "postgresql:///regbank?host=/run/postgresql")
    )
}
DATABASES["default"]["ATOMIC_REQUESTS"] = True  # a change and its audit event commit together
DATABASES["default"]["CONN_MAX_AGE"] = env.int("REGBANK_DB_CONN_MAX_AGE", 60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"  # only for site-local tables

# --- Accounts and authentication ----------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "accounts.backends.UserBackend",
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "accounts:login"
PASSWORD_MIN_LENGTH = env.int("REGBANK_PASSWORD_MIN_LENGTH", 10)
AUTH_PASSWORD_VALIDATORS = [
    {
        "NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator",
        "OPTIONS": {"user_attributes": ("username", "last_name", "first_name", "email")},
    },
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": PASSWORD_MIN_LENGTH},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    {"NAME": "accounts.validators.CharacterClassValidator"},
    {"NAME": "accounts.validators.NotReusedValidator"},
]
PASSWORD_HISTORY = env.int("REGBANK_PASSWORD_HISTORY", 5)  # previous passwords refused

# Session: ends after inactivity (sliding), and with the browser.
SESSION_COOKIE_AGE = env.int("REGBANK_SESSION_TIMEOUT_MINUTES", 30) * 60
SESSION_SAVE_EVERY_REQUEST = True
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_NAME = "regbank_session"
SESSION_COOKIE_SAMESITE = "Strict"
CSRF_COOKIE_SAMESITE = "Strict"
SECURE_COOKIES = env.bool("REGBANK_SECURE_COOKIES", not DEBUG)
SESSION_COOKIE_SECURE = SECURE_COOKIES
CSRF_COOKIE_SECURE = SECURE_COOKIES
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# nginx in front sets X-Forwarded-Proto and X-Real-IP.
# TLS ends at nginx, which redirects plain HTTP; these can also be set here.
SECURE_HSTS_SECONDS = env.int("REGBANK_HSTS_SECONDS", 0)
SECURE_SSL_REDIRECT = env.bool("REGBANK_SSL_REDIRECT", False)
# An internal system behind the VPN is never submitted to the browsers' HSTS preload list.
SILENCED_SYSTEM_CHECKS = ["security.W021"]
REGBANK_BEHIND_PROXY = env.bool("REGBANK_BEHIND_PROXY", False)
if REGBANK_BEHIND_PROXY:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# Lockout after repeated failures (django-axes; its tables are local to each site). The
# policy (README, "Блокировка входа"): the account is locked, never the address (an МО
# office behind one NAT address is not locked out by one stranger; nginx limits login
# requests per address); the user name counts case-insensitively; the cool-off runs
# from the lock and attempts during it do not restart it; a good login clears only the
# failures of the account that logged in.
AXES_FAILURE_LIMIT = env.int("REGBANK_LOGIN_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("REGBANK_LOCKOUT_MINUTES", 30))
AXES_LOCKOUT_PARAMETERS = ["username"]
# axes.W006 asks for the address too: that is the lockout of a whole office by one request
# every half hour this policy removes; the request rate per address is nginx's limit.
SILENCED_SYSTEM_CHECKS.append("axes.W006")
AXES_USERNAME_CALLABLE = "accounts.lockout.username_key"
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_RESET_ON_SUCCESS = True
AXES_DISABLE_ACCESS_LOG = True  # logins are recorded as audit events
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"
AXES_HTTP_RESPONSE_CODE = 429
AXES_CLIENT_IP_CALLABLE = "regbank_app.net.client_ip"
AXES_VERBOSE = False

# --- Internationalisation: the interface is Russian --------------------------------------
LANGUAGE_CODE = "ru"
LANGUAGES = [("ru", "Русский")]
TIME_ZONE = env.str("REGBANK_TIME_ZONE", "Europe/Moscow")
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = env.str("REGBANK_STATIC_ROOT", str(BASE_DIR / "static_collected"))
STATICFILES_DIRS = [BASE_DIR / "static"]

MESSAGE_STORAGE = "django.contrib.messages.storage.session.SessionStorage"

# --- Logging: one JSON object per line on stderr (journald keeps it) ----------------------
LOG_LEVEL = env.str("REGBANK_LOG_LEVEL", "INFO")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"json": {"()": "regbank_app.logging.JsonFormatter"}},
    "handlers": {"stderr": {"class": "logging.StreamHandler", "formatter": "json"}},
    "root": {"handlers": ["stderr"], "level": LOG_LEVEL},
    "loggers": {
        "django.server": {"level": "WARNING"},
        "django.request": {"level": "ERROR"},
        "axes": {"level": "WARNING"},
    },
}
