"""auditd: the package, the rules that record security events, and the service."""

import re

from security_profiles.checks import HostContext, Observed, check
from security_profiles.checks.reader import Reader

# What the rules must record (os_hardening, issue 5): label → pattern in a rule line.
REQUIRED_RULES = {
    "учётные записи (/etc/passwd, shadow, group, gshadow)": (
        r"/etc/passwd",
        r"/etc/shadow",
        r"/etc/group",
        r"/etc/gshadow",
    ),
    "sudoers": (r"/etc/sudoers",),
    "изменение времени": (r"adjtimex|settimeofday|clock_settime|/etc/localtime",),
    "загрузка модулей ядра": (r"init_module|finit_module|delete_module",),
    "отказы в доступе": (r"-EACCES|-EPERM|exit=-13|exit=-1\b",),
    "привилегированные команды": (r"perm=x|/usr/bin/sudo\b|execve",),
}


def audit_rules(reader: Reader) -> str:
    listing = reader.run("ls", "-1", "/etc/audit/rules.d")
    names = sorted(n for n in listing.stdout.split() if n.endswith(".rules")) if listing.ok else []
    return "\n".join(reader.file(f"/etc/audit/rules.d/{name}") or "" for name in names)


@check(
    "auditd_rules",
    measures=("РСБ.2", "РСБ.3"),
    title="auditd: правила регистрации событий безопасности",
    expected="пакет auditd; правила для: "
    + "; ".join(REQUIRED_RULES)
    + "; служба активна (в контейнере не запускается — ядро хоста)",
    role="os_hardening",
)
def rules(reader: Reader, context: HostContext) -> Observed:
    reader.require_package("auditd")
    text = "\n".join(
        line for line in audit_rules(reader).splitlines() if line.strip().startswith("-")
    )
    missing = [
        label
        for label, patterns in REQUIRED_RULES.items()
        if not all(re.search(pattern, text) for pattern in patterns)
    ]
    if reader.in_container():
        service, service_ok = (
            "служба: контейнер, не запускается (аудит ядра принадлежит хосту)",
            True,
        )
    else:
        state = reader.run("systemctl", "is-active", "auditd").stdout.strip()
        service, service_ok = f"служба: {state}", state == "active"
    count = len(text.splitlines())
    found = f"правил: {count}; " + (
        f"нет правил для: {'; '.join(missing)}" if missing else "все группы есть"
    )
    return Observed(not missing and service_ok, f"{found}; {service}")
