"""SSH server settings as the daemon itself reads them (``sshd -T``)."""

from security_profiles.checks import HostContext, Observed, check
from security_profiles.checks.reader import NotInstalled, Reader

# Algorithms that must not be offered (weak ciphers, MACs and key exchange).
WEAK = ("cbc", "3des", "arcfour", "hmac-md5", "hmac-sha1", "diffie-hellman-group1-sha1",
        "diffie-hellman-group14-sha1", "diffie-hellman-group-exchange-sha1", "umac-64")  # fmt: skip
MAX_AUTH_TRIES = 4
MAX_IDLE_SECONDS = 900


def sshd_settings(reader: Reader) -> dict[str, str]:
    output = reader.run("sshd", "-T")
    if output.rc != 0:
        if "not found" in output.stderr:
            raise NotInstalled("sshd")
        raise RuntimeError(f"sshd -T: {output.stderr.strip()}")
    settings: dict[str, str] = {}
    for line in output.stdout.splitlines():
        key, _, value = line.partition(" ")
        settings.setdefault(key.lower(), value.strip())
    return settings


def _show(settings: dict[str, str], *keys: str) -> str:
    return "; ".join(f"{key} {settings.get(key, '—')}" for key in keys)


@check(
    "ssh_root_login_disabled",
    measures=("ИАФ.1", "УПД.5"),
    title="SSH: вход под root запрещён",
    expected="permitrootlogin no",
    role="os_hardening",
)
def root_login(reader: Reader, context: HostContext) -> Observed:
    settings = sshd_settings(reader)
    return Observed(settings.get("permitrootlogin") == "no", _show(settings, "permitrootlogin"))


@check(
    "ssh_keys_only",
    measures=("ИАФ.1",),
    title="SSH: вход только по ключам",
    expected="passwordauthentication no; kbdinteractiveauthentication no; "
    "pubkeyauthentication yes; permitemptypasswords no",
    role="os_hardening",
)
def keys_only(reader: Reader, context: HostContext) -> Observed:
    settings = sshd_settings(reader)
    wanted = {
        "passwordauthentication": "no",
        "kbdinteractiveauthentication": "no",
        "pubkeyauthentication": "yes",
        "permitemptypasswords": "no",
    }
    passed = all(settings.get(key) == value for key, value in wanted.items())
    return Observed(passed, _show(settings, *wanted))


@check(
    "ssh_strong_crypto",
    measures=("ИАФ.1",),
    title="SSH: только стойкие шифры, MAC и обмен ключами",
    expected="нет алгоритмов " + ", ".join(WEAK),
    role="os_hardening",
)
def strong_crypto(reader: Reader, context: HostContext) -> Observed:
    settings = sshd_settings(reader)
    offered = {
        key: settings.get(key, "").split(",") for key in ("ciphers", "macs", "kexalgorithms")
    }
    weak = sorted({alg for algs in offered.values() for alg in algs if any(w in alg for w in WEAK)})
    observed = "слабые: " + ", ".join(weak) if weak else _show(settings, *offered)
    return Observed(not weak, observed)


@check(
    "ssh_idle_timeout",
    measures=("УПД.10",),
    title="SSH: сеанс завершается при бездействии",
    expected=f"0 < clientaliveinterval × clientalivecountmax ≤ {MAX_IDLE_SECONDS} с",
    role="os_hardening",
)
def idle_timeout(reader: Reader, context: HostContext) -> Observed:
    settings = sshd_settings(reader)
    try:
        interval = int(settings.get("clientaliveinterval", "0"))
        count = int(settings.get("clientalivecountmax", "3"))
    except ValueError:
        interval = count = 0
    idle = interval * max(count, 1)
    passed = 0 < idle <= MAX_IDLE_SECONDS
    return Observed(passed, _show(settings, "clientaliveinterval", "clientalivecountmax"))


@check(
    "ssh_max_auth_tries",
    measures=("УПД.6",),
    title="SSH: число попыток аутентификации за соединение ограничено",
    expected=f"maxauthtries ≤ {MAX_AUTH_TRIES}",
    role="os_hardening",
)
def max_auth_tries(reader: Reader, context: HostContext) -> Observed:
    settings = sshd_settings(reader)
    value = settings.get("maxauthtries", "6")
    return Observed(value.isdigit() and int(value) <= MAX_AUTH_TRIES, f"maxauthtries {value}")


@check(
    "ssh_login_banner",
    measures=("УПД.7",),
    title="SSH: предупреждение выводится до входа",
    expected="banner — непустой файл",
    role="os_hardening",
)
def login_banner(reader: Reader, context: HostContext) -> Observed:
    banner = sshd_settings(reader).get("banner", "none")
    if banner in ("none", ""):
        return Observed(False, "banner none")
    text = reader.file(banner)
    if not text or not text.strip():
        return Observed(False, f"banner {banner}: файла нет или он пуст")
    first = text.strip().splitlines()[0][:80]
    return Observed(True, f"banner {banner}: «{first}»")
