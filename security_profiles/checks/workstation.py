"""A commission specialist's workstation (roles/workstation): the screen lock users
cannot change, and USB storage refused by USBGuard while keyboards keep working.

The screen lock is read as the desktop reads it: `dconf read` of the keys through the
system profile, and `dconf list-locks` for the keys a user may not change.
"""

from __future__ import annotations

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
