"""What the kit installs with apt, read from the roles and playbooks themselves.

The rule (docs/offline.md): every `ansible.builtin.apt` task that installs (state
present, latest or unset) in roles/<role>/tasks/ names its packages through the
role's package variables: variables whose names end in `_packages`, `_package` or
`_packages_needed`, defined in the role's vars/ or defaults/ (vars/Debian.yml, then
vars/main.yml, then defaults/main.yml, as the roles load them). `name` is one such
variable, or an expression choosing among them at run time (the vpn role's
userspace WireGuard), directly or through a package variable that is such an
expression (vpn_wanted_packages); the bundle then holds every package variable the
expression names. A task that installs a literal name, names no package variable, or one the
role does not define is refused with the role, file and task named: the bundle would
otherwise miss what it installs. Playbooks have no variable files: their apt tasks
are read as written.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import jinja2
import yaml
from jinja2 import nodes

from regbank_foundation.errors import RegbankError
from regbank_foundation.paths import KIT_ROOT

APT_MODULES = ("ansible.builtin.apt", "apt")
INSTALLING_STATES = (None, "present", "latest", "fixed", "build-dep")
EXPRESSION = re.compile(r"^\s*\{\{(.*)\}\}\s*$", re.S)
PACKAGE_VARIABLE = re.compile(r"^[a-z0-9_]+_(packages|package|packages_needed)$")
# Where a role's variables come from, highest precedence first.
ROLE_VAR_FILES = ("vars/Debian.yml", "vars/main.yml", "defaults/main.yml")


class PackageRuleError(RegbankError):
    """A role or playbook installs something the bundle cannot read."""


@dataclass(frozen=True)
class Need:
    """One package one source (role or playbook) installs."""

    package: str
    source: str  # "role firewall", "playbook lynis.yml"
    recommends: bool  # apt's default; false where the task sets install_recommends: false


def _load(path: Path):
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as error:
        raise PackageRuleError(f"{path}: cannot read ({error})") from error


def apt_tasks(node):
    """Every apt task's arguments in a task list, blocks and handlers included."""
    if isinstance(node, list):
        for item in node:
            yield from apt_tasks(item)
    elif isinstance(node, dict):
        for module in APT_MODULES:
            if module in node:
                yield node.get("name", "(unnamed task)"), node[module]
        for key in ("block", "rescue", "always", "tasks", "pre_tasks", "post_tasks", "handlers"):
            if key in node:
                yield from apt_tasks(node[key])


def role_variables(role: Path) -> dict:
    variables: dict = {}
    for relative in reversed(ROLE_VAR_FILES):
        path = role / relative
        if path.is_file():
            variables.update(_load(path) or {})
    return variables


def _render(value, variables: dict, where: str):
    environment = jinja2.Environment(undefined=jinja2.StrictUndefined)  # noqa: S701 - not HTML
    for _ in range(10):  # a variable may name another one
        if not isinstance(value, str) or "{{" not in value:
            return value
        try:
            value = environment.from_string(value).render(variables)
        except jinja2.TemplateError as error:
            raise PackageRuleError(f"{where}: cannot render {value!r} ({error})") from error
    raise PackageRuleError(f"{where}: {value!r} does not settle")


def _packages(arguments, variables: dict | None, where: str) -> list[str]:
    if isinstance(arguments, str):
        raise PackageRuleError(f"{where}: give the apt module its arguments as a mapping")
    if "deb" in arguments:
        raise PackageRuleError(f"{where}: installs a .deb file, which no repository can hold")
    name = arguments.get("name", arguments.get("pkg", arguments.get("package")))
    if name is None:
        return []  # update_cache or upgrade only
    if variables is not None:
        names = []
        for variable in _package_variables(name, where):
            names += _variable_packages(variable, variables, where)
    else:
        names = name if isinstance(name, list) else [name]
    rendered = [_render(item, variables or {}, where) for item in names]
    for item in rendered:
        if not isinstance(item, str) or not re.fullmatch(r"[a-z0-9][a-z0-9+.-]+", item):
            raise PackageRuleError(f"{where}: {item!r} is not a Debian package name")
    return rendered


def _variable_packages(variable: str, variables: dict, where: str, seen=()) -> list:
    """A package variable's packages; one that is itself an expression choosing among
    package variables (vpn_wanted_packages) stands for every one it names."""
    if variable not in variables:
        raise PackageRuleError(
            f"{where}: installs {{{{ {variable} }}}}, which the role's vars/ and "
            "defaults/ do not define"
        )
    value = variables[variable]
    if isinstance(value, str) and EXPRESSION.match(value):
        if variable in seen:
            raise PackageRuleError(f"{where}: {variable} names itself")
        return [
            package
            for inner in _package_variables(value, where)
            for package in _variable_packages(inner, variables, where, (*seen, variable))
        ]
    return value if isinstance(value, list) else [value]


def _package_variables(name, where: str) -> list[str]:
    """The package variables a role task's `name` expression uses; refuses literals."""
    refusal = (
        f"{where}: installs {name!r}; a role names what it installs through its package "
        'variables (name: "{{ <role>_packages }}") in its vars/ or defaults/'
    )
    match = EXPRESSION.match(name) if isinstance(name, str) else None
    if not match:
        raise PackageRuleError(refusal)
    try:
        tree = jinja2.Environment().parse("{{" + match.group(1) + "}}")  # noqa: S701
    except jinja2.TemplateSyntaxError as error:
        raise PackageRuleError(f"{where}: cannot read {name!r} ({error})") from error
    for listed in tree.find_all(nodes.List):
        if any(isinstance(item, nodes.Const) for item in listed.items):
            raise PackageRuleError(refusal)
    used = sorted({node.name for node in tree.find_all(nodes.Name)})
    chosen = [variable for variable in used if PACKAGE_VARIABLE.match(variable)]
    if not chosen:
        raise PackageRuleError(refusal)
    return chosen


def _needs(tasks, variables: dict | None, source: str, path: Path) -> list[Need]:
    found = []
    for task, arguments in apt_tasks(tasks):
        where = f"{path.relative_to(KIT_ROOT) if path.is_relative_to(KIT_ROOT) else path}: {task}"
        if isinstance(arguments, dict) and arguments.get("state") not in INSTALLING_STATES:
            continue
        recommends = not (
            isinstance(arguments, dict) and arguments.get("install_recommends") is False
        )
        found += [Need(p, source, recommends) for p in _packages(arguments, variables, where)]
    return found


def role_needs(role: Path) -> list[Need]:
    variables = role_variables(role)
    found = []
    for path in sorted((role / "tasks").glob("*.yml")) + sorted((role / "handlers").glob("*.yml")):
        found += _needs(_load(path), variables, f"role {role.name}", path)
    return found


def playbook_needs(playbook: Path) -> list[Need]:
    return _needs(_load(playbook), None, f"playbook {playbook.name}", playbook)


def collect(kit: Path = KIT_ROOT, roles: list[str] | None = None) -> list[Need]:
    """Every package the kit installs; `roles` limits it to those roles (no playbooks)."""
    role_dirs = sorted(path for path in (kit / "roles").iterdir() if (path / "tasks").is_dir())
    if roles is not None:
        unknown = sorted(set(roles) - {path.name for path in role_dirs})
        if unknown:
            raise PackageRuleError(f"no such role: {', '.join(unknown)}")
        role_dirs = [path for path in role_dirs if path.name in roles]
    found = [need for role in role_dirs for need in role_needs(role)]
    if roles is None:
        for playbook in sorted((kit / "playbooks").glob("*.yml")):
            found += playbook_needs(playbook)
    return found


def wanted_by(needs: list[Need]) -> dict[str, list[str]]:
    """package -> the roles and playbooks that install it."""
    result: dict[str, list[str]] = {}
    for need in needs:
        sources = result.setdefault(need.package, [])
        if need.source not in sources:
            sources.append(need.source)
    return result
