"""Every role documents exactly the variables it defaults: argument_specs = defaults.

A variable in defaults/main.yml without an argument spec is neither documented nor
validated; a spec without a default is a variable the role reads from nowhere.
"""

import pytest
import yaml

from regbank_foundation.paths import KIT_ROOT

ROLES = sorted(path.name for path in (KIT_ROOT / "roles").iterdir() if (path / "tasks").is_dir())


def _keys(path) -> set[str]:
    return set(yaml.safe_load(path.read_text(encoding="utf-8")) or {})


@pytest.mark.parametrize("role", ROLES)
def test_argument_specs_name_exactly_the_defaults(role):
    folder = KIT_ROOT / "roles" / role
    specs = yaml.safe_load((folder / "meta" / "argument_specs.yml").read_text(encoding="utf-8"))
    options = set(specs["argument_specs"]["main"].get("options") or {})
    defaults = _keys(folder / "defaults" / "main.yml")
    assert not defaults - options, f"{role}: defaults without a spec: {sorted(defaults - options)}"
    assert not options - defaults, f"{role}: specs without a default: {sorted(options - defaults)}"


def test_every_role_is_checked():
    assert len(ROLES) >= 10, ROLES
