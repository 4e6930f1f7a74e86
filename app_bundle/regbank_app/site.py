"""The site this instance runs at, and where each row is edited (its home site).

docs/architecture.md: a row is writable only at its home site. Registry rows of an МО that has
its own municipal server are homed there; other МО's rows are homed at the regional
server. Directories and accounts are mastered at the regional server.
"""

from __future__ import annotations

from django.conf import settings


class ReadOnlyHere(Exception):
    """A write was attempted on a row whose home is another site."""


def is_regional() -> bool:
    return settings.REGBANK_SITE_ROLE == "regional"


def site_mo_code() -> str | None:
    return None if is_regional() else settings.REGBANK_SITE_MO


def site_code() -> str:
    """Short name of this site as stored in audit events: `regional` or the МО code."""
    return "regional" if is_regional() else settings.REGBANK_SITE_MO


def site_label() -> str:
    if is_regional():
        return "Региональный сервер"
    return f"Муниципальный сервер {settings.REGBANK_SITE_MO}"


def home_site_code(mo) -> str:
    """Home site of registry rows of this МО: its code if it has a server, else regional."""
    if mo is not None and (mo.own_server or mo.code == site_mo_code()):
        return mo.code
    return "regional"


def is_home_of(mo) -> bool:
    """Are rows of this МО edited here?"""
    return home_site_code(mo) == site_code()


def home_site_label(mo) -> str:
    code = home_site_code(mo)
    if code == "regional":
        return "на региональном сервере"
    return f"на муниципальном сервере {mo.name}"


def home_site_url(mo) -> str | None:
    """Base URL of the municipal server where this МО's rows are edited (REGBANK_SITE_URLS);
    None when they are edited at the regional server or its address is not configured."""
    code = home_site_code(mo)
    if code == "regional":
        return None
    return settings.REGBANK_SITE_URLS.get(code)


def municipal_server_for(user) -> str | None:
    """At the regional server: the address of the municipal server where this МО officer's
    cards are edited, when his МО has one and its address is configured."""
    if not (is_regional() and user.is_authenticated and user.is_municipal and user.mo_id):
        return None
    return home_site_url(user.mo)


def home_site_where(mo) -> str:
    """The home site in words, with its address when known (for plain-text messages)."""
    url = home_site_url(mo)
    return f"{home_site_label(mo)} ({url})" if url else home_site_label(mo)


def masters_reference_data() -> bool:
    """Directories and user accounts are edited only at the regional server."""
    return is_regional()
