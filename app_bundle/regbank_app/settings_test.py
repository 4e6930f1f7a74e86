"""Settings for the test session: a throwaway PostgreSQL cluster (see conftest.py)."""

import os

# The test session never takes a site's configuration from the environment.
for _key in [
    k for k in os.environ if k.startswith("REGBANK_") and not k.startswith("REGBANK_TEST")
]:
    del os.environ[_key]
os.environ.update(
    {
        "REGBANK_SECRET_KEY": "test-only-secret-key-not-for-production",
        "REGBANK_DATABASE_URL": "postgresql://regbank@/regbank?host=/nonexistent",
        "REGBANK_DB_APP_ROLE": "regbank_app",
        "REGBANK_SITE_ROLE": "regional",
        "REGBANK_REGIONAL_URL": "https://bank.region.example",
        "REGBANK_REGION_NAME": "Образцовый регион",
        "REGBANK_LOG_LEVEL": "WARNING",
    }
)

from .settings import *  # noqa: E402,F403

# conftest.py fills HOST/PORT once the cluster is up.
DATABASES["default"]["CONN_MAX_AGE"] = 0  # noqa: F405
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
SECURE_COOKIES = SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = False
ALLOWED_HOSTS = ["testserver", "localhost", "127.0.0.1"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
