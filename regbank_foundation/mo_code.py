"""What an МО code is: one definition for the inventory, the region file and the planner.

An МО code names an МО in the inventory (`regbank_mo`, a host's `mo`), in the planner's
region file and in host names the planner derives from it (`<code>-srv`), so it is
ASCII only: Latin letters, digits, `-` and `_`, starting with a letter or digit.
"""

from __future__ import annotations

import re

MO_CODE_MAX_LENGTH = 32
MO_CODE_PATTERN = rf"^[A-Za-z0-9][A-Za-z0-9_-]{{0,{MO_CODE_MAX_LENGTH - 1}}}$"
MO_CODE_EXPECTED = (
    f"an МО code: Latin letters, digits, '-' and '_', at most {MO_CODE_MAX_LENGTH} "
    "characters, starting with a letter or a digit"
)
_MO_CODE = re.compile(MO_CODE_PATTERN)


def is_mo_code(value: object) -> bool:
    """True for a string that is a valid МО code (a `str`, never a number or a bool)."""
    return isinstance(value, str) and _MO_CODE.fullmatch(value) is not None
