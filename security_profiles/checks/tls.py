"""TLS as a client sees it: real handshakes against the kit's CA, and the host's certificate."""

import re
from dataclasses import dataclass, field

from security_profiles.checks import HostContext, Observed, check
from security_profiles.checks.reader import Output, Reader

PKI = "/etc/regbank/pki"
CA, CERTIFICATE, KEY = f"{PKI}/ca.crt", f"{PKI}/host.crt", f"{PKI}/host.key"
RENEW_DAYS = 30
GOOD_PROTOCOLS = ("TLSv1.2", "TLSv1.3")


def handshake(reader: Reader, address: str, name: str, *extra: str, stdin: str = "") -> Output:
    """One TLS handshake verified against the kit's CA and the expected name.

    ``stdin`` is sent once the handshake succeeds; a failed verification sends nothing.
    """
    return reader.run(
        "openssl", "s_client", "-brief", "-connect", address, "-servername", name,
        "-CAfile", CA, "-verify_return_error", "-verify_hostname", name, *extra,
        stdin=stdin,
    )  # fmt: skip


@dataclass(frozen=True)
class HttpAnswer:
    status: int | None  # None: no HTTP answer (handshake refused, nothing listening)
    headers: dict[str, str] = field(default_factory=dict)  # names in lower case
    body: str = ""
    failure: str = ""  # why there is no answer

    def describe(self) -> str:
        return str(self.status) if self.status else f"нет ответа HTTPS ({self.failure})"


def https_get(reader: Reader, name: str, path: str, address: str = "127.0.0.1:443") -> HttpAnswer:
    """GET ``path`` as an anonymous client over a handshake verified for ``name``.

    HTTP/1.0: the server answers without chunks and closes the connection, and
    -ign_eof makes s_client wait for that instead of leaving at the end of its input.
    """
    output = handshake(
        reader, address, name, "-ign_eof", stdin=f"GET {path} HTTP/1.0\nHost: {name}\n"
    )
    head, _, body = output.stdout.replace("\r\n", "\n").partition("\n\n")
    lines = head.splitlines()
    status = re.match(r"HTTP/\d(?:\.\d)? (\d{3})", lines[0]) if lines else None
    if status is None:
        return HttpAnswer(None, failure=_reason(output))
    headers = {}
    for line in lines[1:]:
        key, _, value = line.partition(":")
        headers[key.strip().lower()] = value.strip()
    return HttpAnswer(int(status[1]), headers, body)


def missing_ca(reader: Reader) -> Observed | None:
    """A failed observation when the kit's CA is not on the host: nothing to verify against."""
    return None if reader.exists(CA) else Observed(False, f"{CA}: нет (роль pki не применена)")


def protocol(output: Output) -> str | None:
    found = re.search(r"Protocol version: (\S+)", output.stdout + output.stderr)
    return found[1] if found else None


def _reason(output: Output) -> str:
    lines = [line for line in (output.stderr + output.stdout).splitlines() if line.strip()]
    interesting = [line for line in lines if "error" in line.lower() or "verify" in line.lower()]
    return (interesting or lines or ["нет ответа"])[0].strip()[:160]


def tls_service(reader: Reader, address: str, name: str, *starttls: str) -> Observed:
    if missing := missing_ca(reader):
        return missing
    modern = handshake(reader, address, name, *starttls)
    version = protocol(modern)
    if not modern.ok or version is None:
        return Observed(False, f"рукопожатие не удалось: {_reason(modern)}")
    # The client is told to accept anything old (SECLEVEL=0): a refusal is the server's.
    old = handshake(reader, address, name, *starttls, "-tls1_1", "-cipher", "DEFAULT@SECLEVEL=0")
    old_refused = not old.ok or protocol(old) is None
    observed = f"{version}, сертификат проверен по {CA} для {name}; TLS 1.1 " + (
        "отклонён" if old_refused else "ПРИНЯТ"
    )
    return Observed(version in GOOD_PROTOCOLS and old_refused, observed)


@check(
    "nginx_tls",
    measures=("ЗИС.11",),
    title="nginx: HTTPS с сертификатом УЦ комплекта, TLS не ниже 1.2",
    expected="рукопожатие с 127.0.0.1:443 по имени сайта проходит проверку по ca.crt; "
    "протокол TLS 1.2 или 1.3; TLS 1.1 отклоняется",
    role="nginx",
    groups=("regional",),
)
def nginx_tls(reader: Reader, context: HostContext) -> Observed:
    name = context.var("regbank_public_name", context.name)
    return tls_service(reader, "127.0.0.1:443", name)


@check(
    "postgresql_tls",
    measures=("ЗИС.11",),
    title="PostgreSQL: TLS с сертификатом УЦ комплекта, TLS не ниже 1.2",
    expected="STARTTLS-рукопожатие с 127.0.0.1:5432 проходит проверку по ca.crt для имени узла; "
    "протокол TLS 1.2 или 1.3; TLS 1.1 отклоняется",
    role="postgresql",
    groups=("regional",),
)
def postgresql_tls(reader: Reader, context: HostContext) -> Observed:
    return tls_service(reader, "127.0.0.1:5432", context.name, "-starttls", "postgres")


@check(
    "pki_host_certificate",
    measures=("ЗИС.11",),
    title="Сертификат узла выдан УЦ комплекта, действует, ключ закрыт",
    expected=f"host.crt проверяется по ca.crt; действует ещё ≥ {RENEW_DAYS} дней; "
    "host.key — root:ssl-cert 0640",
    role="pki",
)
def host_certificate(reader: Reader, context: HostContext) -> Observed:
    verify = reader.run("openssl", "verify", "-CAfile", CA, CERTIFICATE)
    if not verify.ok:
        return Observed(False, f"openssl verify: {_reason(verify)}")
    end = reader.run("openssl", "x509", "-in", CERTIFICATE, "-noout", "-enddate",
                     "-checkend", str(RENEW_DAYS * 86400))  # fmt: skip
    until = end.stdout.splitlines()[0].removeprefix("notAfter=") if end.stdout else "?"
    key = reader.run("stat", "-c", "%U:%G %a", KEY)
    key_mode = key.stdout.strip() if key.ok else "нет файла"
    passed = end.ok and key_mode == "root:ssl-cert 640"
    return Observed(passed, f"подпись УЦ верна; действует до {until}; host.key {key_mode}")
