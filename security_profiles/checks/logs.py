"""Event logs: kept across reboots, forwarded over TLS to the regional server."""

import re

from security_profiles.checks import HostContext, Observed, check
from security_profiles.checks.reader import Reader

SYSLOG_TLS_PORT = 6514
OMFWD = re.compile(
    r'action\s*\((?:[^()]|\([^()]*\))*?type\s*=\s*"omfwd"(?:[^()]|\([^()]*\))*\)', re.S
)


def _secure(action: str) -> bool:
    """Forwarding over TLS (gtls, mode 1) to the syslog TLS port, checking the peer."""
    return (
        str(SYSLOG_TLS_PORT) in action
        and "gtls" in action.lower()
        and re.search(r"x509/(name|fingerprint)", action) is not None
        and re.search(r'[Mm]ode\s*=\s*"1"', action) is not None
    )


@check(
    "journald_persistent",
    measures=("РСБ.3",),
    title="Журнал systemd сохраняется на диске",
    expected="Storage=persistent в настройках journald; каталог /var/log/journal есть",
    role="os_hardening",
)
def journald_persistent(reader: Reader, context: HostContext) -> Observed:
    config = reader.run("systemd-analyze", "cat-config", "systemd/journald.conf").stdout
    values = re.findall(r"^\s*Storage\s*=\s*(\S+)", config, re.M)
    storage = values[-1] if values else "auto (по умолчанию)"
    folder = reader.run("test", "-d", "/var/log/journal").ok
    passed = storage == "persistent" and folder
    return Observed(passed, f"Storage={storage}; /var/log/journal " + ("есть" if folder else "нет"))


def rsyslog_config(reader: Reader) -> str:
    listing = reader.run("ls", "-1", "/etc/rsyslog.d")
    names = sorted(n for n in listing.stdout.split() if n.endswith(".conf")) if listing.ok else []
    texts = [reader.file("/etc/rsyslog.conf") or ""]
    texts += [reader.file(f"/etc/rsyslog.d/{name}") or "" for name in names]
    return "\n".join(texts)


def _rsyslog_state(reader: Reader) -> str:
    reader.require_package("rsyslog")
    return reader.run("systemctl", "is-active", "rsyslog").stdout.strip() or "unknown"


@check(
    "log_forwarding",
    measures=("РСБ.3", "РСБ.7"),
    title="Журналы пересылаются на региональный сервер по TLS",
    expected=f"rsyslog active; пересылка на региональный сервер, порт {SYSLOG_TLS_PORT}, "
    "StreamDriver gtls, режим 1, проверка сертификата (x509/name)",
    role="logging",
    groups=("all", "!regional"),
)
def forwarding(reader: Reader, context: HostContext) -> Observed:
    state = _rsyslog_state(reader)
    text = rsyslog_config(reader)
    forwards = [" ".join(m.split()) for m in OMFWD.findall(text)]
    secure = [f for f in forwards if _secure(f)]
    described = (
        f"{len(secure)} по TLS из {len(forwards)} пересылок" if forwards else "пересылок omfwd нет"
    )
    return Observed(state == "active" and bool(secure), f"rsyslog {state}; {described}")


@check(
    "log_receiver",
    measures=("РСБ.3", "РСБ.7"),
    title="Региональный сервер принимает журналы узлов по TLS",
    expected=f"rsyslog active; порт {SYSLOG_TLS_PORT}/tcp слушается; "
    "приём через gtls с проверкой x509",
    role="logging",
    groups=("regional",),
)
def receiver(reader: Reader, context: HostContext) -> Observed:
    state = _rsyslog_state(reader)
    text = rsyslog_config(reader)
    listening = f":{SYSLOG_TLS_PORT} " in reader.run("ss", "-Htln").stdout
    tls = "gtls" in text.lower() and re.search(r"x509/(name|certvalid)", text) is not None
    observed = (
        f"rsyslog {state}; порт {SYSLOG_TLS_PORT} "
        + ("слушается" if listening else "не слушается")
        + ("; gtls с x509" if tls else "; TLS не настроен")
    )
    return Observed(state == "active" and listening and tls, observed)
