"""The application's import layers (docs/architecture.md, "The registry application").

* `regbank_app`, the base layer (site, base models, network helpers, roles, the audited
  write path), imports no app;
* no app imports `regbank_project`, the project shell (URLs, home) on top;
* the Django apps import one another without a cycle: cross-app needs go through the
  base layer, reverse relations or signals;
* an import inside a function is one of the few listed below, each with its reason.

Read from the source with `ast`, every import statement counted (inside functions too);
migrations, tests and the test support `regbank_app/testing` (which builds objects of
every app and is not in the wheel) are left out.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from django.conf import settings

ROOT = Path(__file__).resolve().parents[2]
BASE = "regbank_app"
SHELL = "regbank_project"
APPS = sorted(
    {name.split(".")[0] for name in settings.INSTALLED_APPS if (ROOT / name).is_dir()} | {SHELL}
)

# (file, imported module): imports inside a function, and why each must stay there
DEFERRED = {
    ("accounts/apps.py", "signals"): "connects receivers once the app registry is ready",
    ("audit/apps.py", "regbank_app.audit_trail"): "connects the recorder when apps are ready",
    ("audit/apps.py", "services"): "models import only once the app registry is ready",
    ("commission/apps.py", "regbank_app.cards"): "connects the receiver when apps are ready",
    ("commission/apps.py", "models"): "models import only once the app registry is ready",
    ("analytics/charts.py", "matplotlib"): "heavy; only PNG/PDF charts need it",
    ("analytics/charts.py", "matplotlib.figure"): "heavy; only PNG/PDF charts need it",
    ("analytics/charts.py", "matplotlib.patches"): "heavy; only PNG/PDF charts need it",
    ("analytics/charts.py", "matplotlib.ticker"): "heavy; only PNG/PDF charts need it",
}


def _skipped(path: Path) -> bool:
    parts = path.relative_to(ROOT).parts
    return "migrations" in parts or "tests" in parts or parts[:2] == (BASE, "testing")


def _imports(path: Path):
    """(imported module, inside a function?) of every import statement of a file."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    nested = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            nested.update(id(sub) for sub in ast.walk(node) if sub is not node)
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, id(node) in nested
        elif isinstance(node, ast.ImportFrom):
            module = node.module or ""
            if node.level and not module:
                module = ".".join(alias.name for alias in node.names)
            yield module, id(node) in nested


def app_graph(root: Path, apps: list[str]) -> tuple[dict[str, set[str]], list[tuple]]:
    """{app: apps it imports}, and the (file, module) imports made inside functions."""
    graph = {app: set() for app in apps}
    deferred = []
    for app in apps:
        for path in sorted((root / app).rglob("*.py")):
            if _skipped(path):
                continue
            for module, inside in _imports(path):
                top = module.split(".")[0]
                if top in graph and top != app:
                    graph[app].add(top)
                if inside:
                    deferred.append((path.relative_to(root).as_posix(), module))
    return graph, deferred


def find_cycle(graph: dict[str, set[str]]) -> list[str]:
    """One import cycle as [a, b, ..., a], or [] when there is none."""
    state: dict[str, str] = {}
    path: list[str] = []

    def visit(node):
        state[node] = "open"
        path.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == "open":
                return path[path.index(nxt) :] + [nxt]
            if nxt not in state:
                found = visit(nxt)
                if found:
                    return found
        state[node] = "done"
        path.pop()
        return []

    for node in sorted(graph):
        if node not in state:
            found = visit(node)
            if found:
                return found
    return []


@pytest.fixture(scope="module")
def graph():
    return app_graph(ROOT, APPS)


def test_the_finder_sees_a_cycle_and_a_clean_graph():
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": set()}) == []


def test_the_graph_is_read_from_every_app(graph):
    imports, _ = graph
    assert {BASE, SHELL, "registry", "audit", "accounts"} <= set(imports)
    assert imports[SHELL] >= {"registry", "prevention", "directory"}


def test_no_import_cycle_between_apps(graph):
    imports, _ = graph
    assert find_cycle(imports) == []


def test_the_base_layer_imports_no_app(graph):
    imports, _ = graph
    assert imports[BASE] == set()


def test_no_app_imports_the_project_shell(graph):
    imports, _ = graph
    assert [app for app, used in imports.items() if SHELL in used] == []


def test_imports_inside_functions_are_the_listed_ones(graph):
    _, deferred = graph
    unexplained = sorted({(f, m) for f, m in deferred} - set(DEFERRED))
    assert unexplained == [], "import at the top, or list it in DEFERRED with its reason"
