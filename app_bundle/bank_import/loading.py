"""One upload or one command-line load: read, check, and (if asked and clean) write."""

from __future__ import annotations

from .checking import Checked, Scope, check
from .kinds import Kind
from .reading import read_table
from .writing import commit


def load(
    data: bytes,
    filename: str,
    kind: Kind,
    scope: Scope,
    *,
    write: bool,
    request,
    user,
    progress=None,
) -> tuple[Checked, dict | None]:
    """(the check, the counts written or None). Raises `reading.FileRefused`."""
    checked = check(read_table(data, filename, kind.sheet), kind, scope)
    if not (write and checked.ok and checked.cards):
        return checked, None
    return checked, commit(checked, request, user=user, filename=filename, progress=progress)
