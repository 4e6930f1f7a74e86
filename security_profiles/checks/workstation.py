"""A commission specialist's workstation (roles/workstation): the screen lock users
cannot change, USB storage refused by USBGuard while keyboards keep working, browsers
locked to the bank, and fresh antivirus signatures.

The screen lock is read as the desktop reads it: `dconf read` of the keys through the
system profile, and `dconf list-locks` for the keys a user may not change. Browser
policies are read from the files each browser reads (the lab test shows the browsers
apply them: chrome://policy); each must belong to root and be closed to users.
ClamAV's signatures are dated by `clamscan --version` (the daily database it loads).
"""

from __future__ import annotations

import json
from datetime import datetime

from security_profiles.checks import HostContext, Observed, check
from security_profiles.checks.reader import NotInstalled, Reader

MAX_IDLE_SECONDS = 15 * 60
IDLE_DELAY = "/org/gnome/desktop/session/idle-delay"
LOCK_ENABLED = "/org/gnome/desktop/screensaver/lock-enabled"
USBGUARD_RULES = "/etc/usbguard/rules.conf"
USBGUARD_DAEMON = "/etc/usbguard/usbguard-daemon.conf"


def _dconf(reader: Reader, *argv: str) -> str:
    output = reader.run("dconf", *argv)
    if not output.ok:
        raise NotInstalled("dconf-cli")
    return output.stdout.strip()


@check(
    "screen_lock_enforced",
    measures=("УПД.10",),
    title="АРМ: экран блокируется при простое, пользователь не может это изменить",
    expected=(
        f"idle-delay от 1 до {MAX_IDLE_SECONDS} с, lock-enabled=true, оба ключа заблокированы "
        "от изменения пользователем (dconf list-locks)"
    ),
    role="workstation",
    groups=("workstations",),
)
def screen_lock_enforced(reader: Reader, context: HostContext) -> Observed:
    idle = _dconf(reader, "read", IDLE_DELAY)  # "uint32 600"
    enabled = _dconf(reader, "read", LOCK_ENABLED)
    locks = set(_dconf(reader, "list-locks", "/org/gnome/desktop/").split())
    seconds = int(idle.split()[-1]) if idle.split() and idle.split()[-1].isdigit() else 0
    unlocked = [key for key in (IDLE_DELAY, LOCK_ENABLED) if key not in locks]
    return Observed(
        0 < seconds <= MAX_IDLE_SECONDS and enabled == "true" and not unlocked,
        f"idle-delay={idle or 'не задан'}, lock-enabled={enabled or 'не задан'}, "
        + (f"не заблокированы: {', '.join(unlocked)}" if unlocked else "ключи заблокированы"),
    )


@check(
    "usbguard_blocks_storage",
    measures=("ЗНИ.2",),
    title="АРМ: USBGuard запрещает USB-накопители, клавиатуры и мыши разрешены",
    expected=(
        "первое правило USBGuard блокирует интерфейс класса 08 (накопители), HID (03) "
        "разрешён, устройства вне правил блокируются (ImplicitPolicyTarget=block), служба "
        "включена"
    ),
    role="workstation",
    groups=("workstations",),
)
def usbguard_blocks_storage(reader: Reader, context: HostContext) -> Observed:
    rules_text = reader.file(USBGUARD_RULES)
    if rules_text is None:
        return Observed(False, f"нет {USBGUARD_RULES}")
    rules = [line.strip() for line in rules_text.splitlines() if line.strip()[:1] not in ("", "#")]
    daemon = reader.file(USBGUARD_DAEMON) or ""
    implicit = next(
        (line.split("=", 1)[1].strip() for line in daemon.splitlines()
         if line.startswith("ImplicitPolicyTarget=")), "не задано")  # fmt: skip
    enabled = reader.run("systemctl", "is-enabled", "usbguard").stdout.strip() or "нет службы"
    storage_first = bool(rules) and rules[0].startswith("block") and "08:*:*" in rules[0]
    hid_allowed = any(rule.startswith("allow") and "03:*:*" in rule for rule in rules)
    return Observed(
        storage_first and hid_allowed and implicit == "block" and enabled == "enabled",
        f"первое правило: {rules[0] if rules else 'правил нет'}; HID "
        f"{'разрешён' if hid_allowed else 'не разрешён'}; ImplicitPolicyTarget={implicit}; "
        f"служба: {enabled}",
    )


# The settings that lock each browser to the bank; a policy file may hold more.
CHROMIUM_POLICY_DIR = "/etc/chromium/policies/managed"
CHROMIUM_REQUIRED = {
    "URLBlocklist": ["*"],
    "PasswordManagerEnabled": False,
    "AutofillAddressEnabled": False,
    "AutofillCreditCardEnabled": False,
    "ExtensionInstallBlocklist": ["*"],
    "DeveloperToolsAvailability": 2,
    "DownloadRestrictions": 3,
}
FIREFOX_POLICY_FILE = "/etc/firefox/policies/policies.json"
FIREFOX_REQUIRED = {
    "PasswordManagerEnabled": False,
    "AutofillAddressEnabled": False,
    "AutofillCreditCardEnabled": False,
    "DisableDeveloperTools": True,
    "ExtensionSettings": {"*": {"installation_mode": "blocked"}},
}


def _policy(reader: Reader, path: str) -> tuple[dict | None, str]:
    """A policy file's settings and what is wrong with the file itself ("" when nothing)."""
    text = reader.file(path)
    if text is None:
        return None, f"нет {path}"
    owner = reader.run("stat", "-c", "%U %a", path).stdout.split()
    if owner[:1] != ["root"] or len(owner) < 2 or int(owner[1], 8) & 0o022:
        return None, f"{path} может изменить не только root ({' '.join(owner)})"
    try:
        document = json.loads(text)
    except ValueError:
        document = None
    if not isinstance(document, dict):
        return None, f"{path} — не объект JSON: браузер его не читает"
    return document, ""


def _differences(policy: dict, required: dict) -> list[str]:
    return [key for key, value in required.items() if policy.get(key) != value]


def _chromium(reader: Reader) -> list[str]:
    listing = reader.run("ls", "-1", CHROMIUM_POLICY_DIR)
    files = [name for name in listing.stdout.split() if name.endswith(".json")]
    if not files:
        return [f"Chromium: нет файлов политик в {CHROMIUM_POLICY_DIR}"]
    merged, problems = {}, []
    for name in sorted(files):
        policy, problem = _policy(reader, f"{CHROMIUM_POLICY_DIR}/{name}")
        if problem:
            problems.append(f"Chromium: {problem}")
            continue
        # Chromium takes no side when two managed files disagree: each must agree.
        problems += [f"Chromium: {name} задаёт {key} иначе" for key in
                     _differences(policy, CHROMIUM_REQUIRED) if key in policy]  # fmt: skip
        merged.update(policy)
    problems += [f"Chromium: не задано {key}" for key in CHROMIUM_REQUIRED if key not in merged]
    allowed = merged.get("URLAllowlist") or []
    if not allowed or not all(str(url).startswith("https://") for url in allowed):
        problems.append(f"Chromium: разрешённые адреса не только https банка ({allowed})")
    return problems


def _firefox(reader: Reader) -> list[str]:
    document, problem = _policy(reader, FIREFOX_POLICY_FILE)
    if problem:
        return [f"Firefox: {problem}"]
    policies = document.get("policies", {})
    problems = [f"Firefox: {key} не как требуется" for key in
                _differences(policies, FIREFOX_REQUIRED)]  # fmt: skip
    website = policies.get("WebsiteFilter", {})
    exceptions = website.get("Exceptions") or []
    if (
        website.get("Block") != ["<all_urls>"]
        or not exceptions
        or not all(str(url).startswith("https://") for url in exceptions)
    ):
        problems.append(f"Firefox: WebsiteFilter открывает не только https банка ({website})")
    return problems


@check(
    "browser_policies_in_force",
    measures=("УПД.3",),
    title="АРМ: браузеры открывают только банк, без сохранения паролей, расширений и загрузок",
    expected=(
        "политики Chromium (все файлы /etc/chromium/policies/managed) и Firefox ESR "
        "принадлежат root и не изменяемы пользователем; всё запрещено, кроме https-адреса "
        "банка; сохранение паролей и автозаполнение выключены; расширения, инструменты "
        "разработчика и загрузки запрещены"
    ),
    role="workstation",
    groups=("workstations",),
)
def browser_policies_in_force(reader: Reader, context: HostContext) -> Observed:
    problems = []
    for package, read in (("chromium", _chromium), ("firefox-esr", _firefox)):
        installed = reader.package_installed(package)
        problems += read(reader) if installed else [f"{package} не установлен"]
    in_force = "Chromium и Firefox ESR: политики банка в силе"
    return Observed(not problems, "; ".join(problems) or in_force)


# ClamAV's daily database is built several times a day; a week without it is a lapse.
SIGNATURES_MAX_AGE_DAYS = 7
FRESHCLAM_CONF = "/etc/clamav/freshclam.conf"


@check(
    "antivirus_signatures_fresh",
    measures=("АВЗ.1", "АВЗ.2"),
    title="АРМ: антивирус установлен, базы сигнатур свежие",
    expected=(
        f"ClamAV: базы сигнатур не старше {SIGNATURES_MAX_AGE_DAYS} дней, обновляются с "
        "регионального зеркала (freshclam PrivateMirror); сертифицированное средство "
        "(workstation_antivirus: external) названо с его сертификатом"
    ),
    role="workstation",
    groups=("workstations",),
)
def antivirus_signatures_fresh(reader: Reader, context: HostContext) -> Observed:
    kind = context.var("workstation_antivirus", "clamav")
    if kind == "external":
        product = context.var("workstation_antivirus_external", {}) or {}
        named = bool(product.get("product")) and bool(product.get("certificate"))
        return Observed(
            named,
            f"{product.get('product') or 'средство не названо'} (сертификат "
            f"{product.get('certificate') or 'не указан'}): свежесть баз — по его журналу",
        )
    if kind != "clamav":
        return Observed(False, "антивирус на АРМ не установлен (workstation_antivirus: none)")
    version = reader.run("clamscan", "--version").stdout.strip()  # ClamAV 1.0.7/27478/<ctime>
    mirror = next(
        (line.split(None, 1)[1] for line in (reader.file(FRESHCLAM_CONF) or "").splitlines()
         if line.startswith("PrivateMirror ")), "")  # fmt: skip
    source = f"зеркало {mirror}" if mirror else "зеркало не задано"
    parts = version.split("/")
    if len(parts) < 3:
        return Observed(False, f"{version or 'ClamAV'}: базы сигнатур не загружены; {source}")
    local = "%Y-%m-%d %H:%M:%S"  # the host's clock, in the zone clamscan prints
    try:
        built = datetime.strptime(" ".join(parts[2].split()), "%a %b %d %H:%M:%S %Y")
        now = datetime.strptime(reader.run("date", f"+{local}").stdout.strip(), local)
    except ValueError:
        return Observed(False, f"дата базы сигнатур не прочитана: {version}; {source}")
    age = (now - built).days
    return Observed(
        age <= SIGNATURES_MAX_AGE_DAYS and bool(mirror),
        f"{parts[0]}, база daily {parts[1]} от {built:%d.%m.%Y %H:%M} ({age} дн.); {source}",
    )
