"""Local accounts: lockout after failed logins, password quality and ageing."""

import re

from security_profiles.checks import HostContext, Observed, check
from security_profiles.checks.reader import Reader

MAX_FAILURES = 5
MIN_UNLOCK_SECONDS = 600
MIN_PASSWORD_LENGTH = 8
MIN_CLASSES = 3
MAX_PASSWORD_DAYS = 90


def key_values(text: str, separator: str = "=") -> dict[str, str]:
    """``key = value`` lines (or ``KEY value`` with separator None), comments dropped."""
    values = {}
    for raw in text.splitlines():
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        if separator is None:  # login.defs separates with spaces or tabs
            key, value = (line.split(None, 1) + [""])[:2]
        else:
            key, sep, value = line.partition(separator)
            if not sep:
                values[line] = ""
                continue
        values[key.strip()] = value.strip()
    return values


def _pam_modules(reader: Reader, stack: str) -> list[str]:
    text = reader.file(f"/etc/pam.d/{stack}") or ""
    return [
        line.split()[2]
        for line in text.splitlines()
        if line.strip() and not line.lstrip().startswith("#") and len(line.split()) > 2
    ]


@check(
    "pam_faillock",
    measures=("УПД.6",),
    title="Блокировка учётной записи после неудачных попыток входа (faillock)",
    expected=f"pam_faillock.so в common-auth; deny ≤ {MAX_FAILURES}; "
    f"unlock_time = 0 или ≥ {MIN_UNLOCK_SECONDS} с",
    role="os_hardening",
)
def faillock(reader: Reader, context: HostContext) -> Observed:
    in_stack = "pam_faillock.so" in _pam_modules(reader, "common-auth")
    conf = key_values(reader.file("/etc/security/faillock.conf") or "")
    deny, unlock = conf.get("deny", "3"), conf.get("unlock_time", "600")
    passed = (
        in_stack
        and deny.isdigit()
        and 0 < int(deny) <= MAX_FAILURES
        and unlock.isdigit()
        and (int(unlock) == 0 or int(unlock) >= MIN_UNLOCK_SECONDS)
    )
    stack = "в common-auth" if in_stack else "нет в common-auth"
    return Observed(passed, f"pam_faillock.so {stack}; deny {deny}; unlock_time {unlock}")


@check(
    "password_quality",
    measures=("ИАФ.4",),
    title="Качество паролей (pam_pwquality)",
    expected=f"pam_pwquality.so в common-password; minlen ≥ {MIN_PASSWORD_LENGTH}; "
    f"minclass ≥ {MIN_CLASSES} (или кредиты dcredit/ucredit/lcredit/ocredit < 0)",
    role="os_hardening",
)
def password_quality(reader: Reader, context: HostContext) -> Observed:
    in_stack = "pam_pwquality.so" in _pam_modules(reader, "common-password")
    conf = key_values(reader.file("/etc/security/pwquality.conf") or "")
    for path in _conf_d(reader, "/etc/security/pwquality.conf.d"):
        conf |= key_values(reader.file(path) or "")
    minlen, minclass = conf.get("minlen", "8"), conf.get("minclass", "0")
    credits_required = sum(
        1
        for key in ("dcredit", "ucredit", "lcredit", "ocredit")
        if conf.get(key, "0").startswith("-")
    )
    classes = max(int(minclass) if minclass.isdigit() else 0, credits_required)
    passed = in_stack and minlen.isdigit() and int(minlen) >= MIN_PASSWORD_LENGTH
    passed = passed and classes >= MIN_CLASSES
    stack = "в common-password" if in_stack else "нет в common-password"
    return Observed(passed, f"pam_pwquality.so {stack}; minlen {minlen}; классов {classes}")


def _conf_d(reader: Reader, folder: str) -> list[str]:
    output = reader.run("ls", "-1", folder)
    if not output.ok:
        return []
    return [f"{folder}/{name}" for name in output.stdout.split() if name.endswith(".conf")]


@check(
    "password_ageing",
    measures=("ИАФ.4",),
    title="Срок действия паролей (login.defs)",
    expected=f"PASS_MAX_DAYS ≤ {MAX_PASSWORD_DAYS}; PASS_MIN_DAYS ≥ 1; PASS_WARN_AGE ≥ 7",
    role="os_hardening",
)
def password_ageing(reader: Reader, context: HostContext) -> Observed:
    defs = key_values(reader.file("/etc/login.defs") or "", separator=None)
    values = {
        key: defs.get(key, "—") for key in ("PASS_MAX_DAYS", "PASS_MIN_DAYS", "PASS_WARN_AGE")
    }
    numbers = {key: int(v) if v.isdigit() else None for key, v in values.items()}
    passed = (
        numbers["PASS_MAX_DAYS"] is not None
        and 0 < numbers["PASS_MAX_DAYS"] <= MAX_PASSWORD_DAYS
        and (numbers["PASS_MIN_DAYS"] or 0) >= 1
        and (numbers["PASS_WARN_AGE"] or 0) >= 7
    )
    return Observed(passed, "; ".join(f"{k} {v}" for k, v in values.items()))


@check(
    "default_umask",
    measures=("УПД.2",),
    title="Маска прав новых файлов 027",
    expected="UMASK 027 (или строже) в login.defs",
    role="os_hardening",
)
def default_umask(reader: Reader, context: HostContext) -> Observed:
    defs = key_values(reader.file("/etc/login.defs") or "", separator=None)
    umask = defs.get("UMASK", "—")
    passed = bool(re.fullmatch(r"0?[0-7]{3}", umask)) and (int(umask, 8) & 0o027) == 0o027
    return Observed(passed, f"UMASK {umask}")


@check(
    "sudo_logging",
    measures=("РСБ.2",),
    title="Действия через sudo записываются в журнал",
    expected="Defaults logfile=… или log_output в /etc/sudoers(.d)",
    role="os_hardening",
)
def sudo_logging(reader: Reader, context: HostContext) -> Observed:
    texts = [reader.file("/etc/sudoers") or ""]
    texts += [reader.file(path) or "" for path in _sudoers_d(reader)]
    lines = [
        line.strip()
        for text in texts
        for line in text.splitlines()
        if line.strip().startswith("Defaults") and ("logfile" in line or "log_output" in line)
    ]
    return Observed(bool(lines), "; ".join(lines) or "настроек журнала sudo нет")


def _sudoers_d(reader: Reader) -> list[str]:
    output = reader.run("ls", "-1", "/etc/sudoers.d")
    names = output.stdout.split() if output.ok else []
    # sudo skips names with a dot or ending in ~ (sudoers(5), #includedir).
    return [f"/etc/sudoers.d/{n}" for n in names if "." not in n and not n.endswith("~")]
