"""Which checks apply to which host: the groups site.yml runs each role on."""

from __future__ import annotations

from pathlib import Path

import yaml

from security_profiles.checks import Check


def role_hosts(site: Path) -> dict[str, set[str]]:
    """role → host patterns (groups) of the plays of site.yml that apply it."""
    plays = yaml.safe_load(site.read_text(encoding="utf-8")) or []
    found: dict[str, set[str]] = {}
    for play in plays:
        if not isinstance(play, dict) or "hosts" not in play:
            continue
        patterns = {p.strip() for p in str(play["hosts"]).replace(",", ":").split(":") if p.strip()}
        for role in play.get("roles") or []:
            name = role["role"] if isinstance(role, dict) else str(role)
            found.setdefault(name, set()).update(patterns)
    return found


def _matches(patterns: set[str] | tuple[str, ...], groups: tuple[str, ...]) -> bool:
    include = {p for p in patterns if not p.startswith("!")}
    exclude = {p[1:] for p in patterns if p.startswith("!")}
    member = set(groups) | {"all"}
    return bool(include & member) and not (exclude & member)


def applies(check: Check, groups: tuple[str, ...], site_roles: dict[str, set[str]]) -> bool:
    """On the check's own groups, narrowed to the role's plays once site.yml has them."""
    if not _matches(check.groups, groups):
        return False
    patterns = site_roles.get(check.role)
    return patterns is None or _matches(patterns, groups)
