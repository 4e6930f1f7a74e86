"""Kernel-level settings as the files the roles write (containers cannot show the live ones)."""

import re

from security_profiles.checks import HostContext, Observed, check
from security_profiles.checks.reader import Reader


def conf_files(reader: Reader, folder: str, suffix: str = ".conf") -> dict[str, str]:
    listing = reader.run("ls", "-1", folder)
    names = sorted(n for n in listing.stdout.split() if n.endswith(suffix)) if listing.ok else []
    return {f"{folder}/{n}": reader.file(f"{folder}/{n}") or "" for n in names}


def _lines(texts: dict[str, str]) -> list[tuple[str, str]]:
    return [
        (path, line.split("#", 1)[0].strip())
        for path, text in texts.items()
        for line in text.splitlines()
        if line.split("#", 1)[0].strip()
    ]


@check(
    "usb_storage_blocked",
    measures=("ЗНИ.2",),
    title="USB-накопители заблокированы",
    expected="в /etc/modprobe.d: install usb-storage /bin/false (или /bin/true) и blacklist",
    role="os_hardening",
)
def usb_storage(reader: Reader, context: HostContext) -> Observed:
    rules = [
        f"{path}: {line}"
        for path, line in _lines(conf_files(reader, "/etc/modprobe.d"))
        if re.match(r"(install|blacklist)\s+usb[-_]storage\b", line)
    ]
    install = any(
        re.search(r"install\s+usb[-_]storage\s+/(usr/)?bin/(false|true)", r) for r in rules
    )
    return Observed(install, "; ".join(rules) or "правил для usb-storage нет")


@check(
    "core_dumps_disabled",
    measures=("ЗИС.15",),
    title="Дампы памяти процессов отключены (ПДн не попадают в файлы дампов)",
    expected="«* hard core 0» в limits; fs.suid_dumpable = 0 в /etc/sysctl.d; "
    "Storage=none у systemd-coredump, если он установлен",
    role="os_hardening",
)
def core_dumps(reader: Reader, context: HostContext) -> Observed:
    limits = conf_files(reader, "/etc/security/limits.d")
    limits["/etc/security/limits.conf"] = reader.file("/etc/security/limits.conf") or ""
    hard_core = any(re.fullmatch(r"\*\s+hard\s+core\s+0", line) for _, line in _lines(limits))
    sysctl = [
        line for _, line in _lines(conf_files(reader, "/etc/sysctl.d"))
        if re.match(r"fs\.suid_dumpable\s*=", line)
    ]  # fmt: skip
    suid = bool(sysctl) and sysctl[-1].replace(" ", "").endswith("=0")
    coredump_ok, coredump = True, "systemd-coredump не установлен"
    if reader.package_installed("systemd-coredump"):
        config = reader.run("systemd-analyze", "cat-config", "systemd/coredump.conf").stdout
        storage = re.findall(r"^\s*Storage\s*=\s*(\S+)", config, re.M)
        coredump_ok = bool(storage) and storage[-1] == "none"
        coredump = f"systemd-coredump Storage={storage[-1] if storage else 'external'}"
    observed = (
        f"hard core 0: {'да' if hard_core else 'нет'}; "
        f"{sysctl[-1] if sysctl else 'fs.suid_dumpable не задан'}; {coredump}"
    )
    return Observed(hard_core and suid and coredump_ok, observed)
