"""Security profiles: FSTEC catalogs, protection-level rules and profiles.

Catalogs and rules are YAML data under ``catalogs/``; profiles under ``profiles/``.
Every file the package reads lives inside the kit.
"""

from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
CATALOG_DIR = PACKAGE_DIR / "catalogs"
PROFILE_DIR = PACKAGE_DIR / "profiles"
