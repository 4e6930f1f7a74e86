"""The key django-axes counts failed logins under: the account, spelt as login spells it.

Login ignores case (`UserBackend`), so the lock must too: `SPEC2`, `sPeC2` and `spec2`
are one account and share one count of failures and one lock.
"""

from __future__ import annotations


def username_key(request, credentials: dict | None) -> str:
    """AXES_USERNAME_CALLABLE: the submitted user name, trimmed and lower-cased."""
    source = credentials if credentials is not None else getattr(request, "POST", {})
    return (source.get("username") or "").strip().lower()
