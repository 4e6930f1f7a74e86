"""Reading the site's configuration: environment variables, optionally from an env file.

The deploy role writes ``/etc/regbank/regbank.env`` (KEY=VALUE lines, readable by the
service only) and the systemd unit passes it as EnvironmentFile. Operators running
``manage.py`` by hand point ``REGBANK_ENV_FILE`` at the same file. Variables already in
the environment win over the file.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from urllib.parse import parse_qsl, unquote, urlsplit

from django.core.exceptions import ImproperlyConfigured

MO_CODE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,15}")
TRUE = {"1", "true", "yes", "on"}
FALSE = {"0", "false", "no", "off", ""}


def read_env_file(path: str | os.PathLike) -> dict[str, str]:
    values: dict[str, str] = {}
    for lineno, raw in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if "=" not in line:
            raise ImproperlyConfigured(f"{path}:{lineno}: expected KEY=VALUE, got {line!r}")
        key, value = line.split("=", 1)
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
            value = value[1:-1]
        values[key.strip()] = value
    return values


class Env:
    """Typed access to REGBANK_* settings with clear errors naming the variable."""

    def __init__(self, environ: dict[str, str] | None = None):
        environ = dict(os.environ if environ is None else environ)
        env_file = environ.get("REGBANK_ENV_FILE")
        values = read_env_file(env_file) if env_file else {}
        values.update(environ)
        self.values = values

    def str(self, key: str, default: str | None = None) -> str:
        value = self.values.get(key, default)
        if value is None:
            raise ImproperlyConfigured(f"setting {key} is required (environment or env file)")
        return value

    def bool(self, key: str, default: bool) -> bool:
        value = self.values.get(key)
        if value is None:
            return default
        low = value.strip().lower()
        if low in TRUE:
            return True
        if low in FALSE:
            return False
        raise ImproperlyConfigured(f"setting {key}: expected true/false, got {value!r}")

    def int(self, key: str, default: int) -> int:
        value = self.values.get(key)
        if value is None:
            return default
        try:
            return int(value)
        except ValueError as exc:
            raise ImproperlyConfigured(
                f"setting {key}: expected an integer, got {value!r}"
            ) from exc

    def list(self, key: str, default: str = "") -> list[str]:
        return [item.strip() for item in self.values.get(key, default).split(",") if item.strip()]

    def dict(self, key: str, default: str = "") -> dict[str, str]:
        """django-environ's `env.dict` format: ``NAME=VALUE,NAME=VALUE``."""
        values: dict[str, str] = {}
        for item in self.list(key, default):
            name, sep, value = (part.strip() for part in item.partition("="))
            if not sep or not name or not value:
                raise ImproperlyConfigured(
                    f"setting {key}: expected NAME=VALUE items separated by commas, got {item!r}"
                )
            if name in values:
                raise ImproperlyConfigured(f"setting {key}: {name!r} is given twice")
            values[name] = value
        return values

    def site_urls(self, key: str) -> dict[str, str]:
        """МО code -> base URL of its municipal server's bank (https, no trailing slash)."""
        urls = {}
        for code, url in self.dict(key).items():
            parts = urlsplit(url)
            if (
                not MO_CODE.fullmatch(code)
                or parts.scheme != "https"
                or not parts.hostname
                or parts.username
                or parts.query
                or parts.fragment
            ):
                raise ImproperlyConfigured(
                    f"setting {key}: expected an МО code and an https URL "
                    f"(MO-3=https://mo-3.bank.example), got {code}={url!r}"
                )
            urls[code] = url.rstrip("/")
        return urls


def database_from_url(url: str) -> dict:
    """Django DATABASES entry from ``postgresql://user:password@host:port/name?opt=value``.

    A Unix socket folder is given as ``?host=/run/postgresql``; other query options
    (sslmode, sslrootcert, application_name, ...) are passed to libpq.
    """
    parts = urlsplit(url)
    if parts.scheme not in ("postgresql", "postgres"):
        raise ImproperlyConfigured(
            f"REGBANK_DATABASE_URL: expected a postgresql:// URL, got scheme {parts.scheme!r}"
        )
    options = dict(parse_qsl(parts.query))
    host = options.pop("host", None) or (unquote(parts.hostname) if parts.hostname else "")
    port = options.pop("port", None) or (str(parts.port) if parts.port else "")
    name = unquote(parts.path.lstrip("/"))
    if not name:
        raise ImproperlyConfigured("REGBANK_DATABASE_URL: the database name is missing")
    return {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": name,
        "USER": unquote(parts.username or ""),
        "PASSWORD": unquote(parts.password or ""),
        "HOST": host,
        "PORT": port,
        "OPTIONS": options,
    }
