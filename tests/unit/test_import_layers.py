"""Imports point down (docs/architecture.md, "Code layers").

    regbank (the CLI)                                          top
    capacity_planner, security_profiles                        the kit's packages
    regbank_devtools (throwaway PostgreSQL, statistics)        developer tools
    regbank_foundation                                         bottom

The registry application (app_bundle/) is installed on servers without the kit: its
code imports nothing of the kit; its tests and bench may use regbank_devtools. Every
import is counted, at the top of a module or inside a function.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from regbank_foundation.paths import APP_DIR, KIT_ROOT

KIT_PACKAGES = (
    "regbank_foundation",
    "regbank_devtools",
    "capacity_planner",
    "security_profiles",
    "regbank",
)
# What each package may import of the kit (itself always).
ALLOWED = {
    "regbank_foundation": set(),
    "regbank_devtools": {"regbank_foundation"},
    "capacity_planner": {"regbank_foundation", "regbank_devtools"},
    "security_profiles": {"regbank_foundation", "regbank_devtools"},
    "regbank": {"regbank_foundation", "regbank_devtools", "capacity_planner", "security_profiles"},
}
APP_TOOLING = ("bench", "conftest.py", "tests")  # app files that may use regbank_devtools


def imported_packages(path: Path) -> set[tuple[str, int]]:
    """The top-level package of every absolute import in a file, with its line."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            found |= {(alias.name.split(".")[0], node.lineno) for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add((node.module.split(".")[0], node.lineno))
    return found


def wrong_imports(root: Path, files: list[Path], allowed: set[str], own: str) -> list[str]:
    wrong = []
    for path in files:
        for package, line in sorted(imported_packages(path)):
            if package in KIT_PACKAGES and package != own and package not in allowed:
                wrong.append(f"{path.relative_to(root)}:{line}: imports {package}")
    return wrong


@pytest.mark.parametrize("package", KIT_PACKAGES)
def test_a_package_imports_only_the_layers_below_it(package):
    files = sorted((KIT_ROOT / package).rglob("*.py"))
    assert files, package
    assert wrong_imports(KIT_ROOT, files, ALLOWED[package], package) == []


def test_the_application_imports_nothing_of_the_kit():
    wrong = []
    for path in sorted(APP_DIR.rglob("*.py")):
        relative = path.relative_to(APP_DIR)
        tooling = relative.parts[0] in APP_TOOLING or "tests" in relative.parts
        allowed = {"regbank_devtools"} if tooling else set()
        wrong += wrong_imports(APP_DIR, [path], allowed, own="")
    assert wrong == []


def test_a_wrong_import_is_found(tmp_path):
    module = tmp_path / "lower.py"
    module.write_text("def f():\n    from regbank.cli import main\n", encoding="utf-8")
    assert wrong_imports(tmp_path, [module], ALLOWED["security_profiles"], "x") == [
        "lower.py:2: imports regbank"
    ]
