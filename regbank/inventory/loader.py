"""Read a region inventory directory the way Ansible does, remembering each value's file.

Ansible would tell us the merged variables but not where each one came from, and a
message that says "mo is wrong" without the file is useless to an operator; so the
directory is read here with PyYAML, following Ansible's layout and precedence rules.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from regbank_foundation.located_yaml import (
    LocatedLoader,
    YamlFileError,
    parse_yaml,
    read_text,
    yaml_kind,
)

HOSTS_FILE = "hosts.yml"
ROLE_GROUPS = ("regional", "municipal", "workstations", "backup", "backup_drill")
# How Ansible finds group_vars/<name> and host_vars/<name>: a directory or a bare
# file first, then these extensions; the first match wins.
VARS_EXTENSIONS = ("", ".yml", ".yaml", ".json")
# Files Ansible skips when it reads an inventory directory (INVENTORY_IGNORE_EXTS).
IGNORED_SUFFIXES = (
    ".pyc", ".pyo", ".swp", ".bak", "~", ".rpm", ".md", ".txt", ".rst", ".orig", ".cfg", ".retry",
)  # fmt: skip
VAULT_HEADER = "$ANSIBLE_VAULT;"
# What read_yaml returns instead of data for a vault-encrypted or an unreadable file.
ENCRYPTED = object()
BROKEN = object()


class Vaulted:
    """A `!vault` value: kept as it is, never decrypted."""

    def __init__(self, ciphertext: str) -> None:
        self.ciphertext = ciphertext

    def __repr__(self) -> str:
        return "<!vault>"


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an inventory; ``str()`` gives the line shown to the operator."""

    file: str  # relative to the inventory directory's parent, e.g. lab/host_vars/ws-mo1.yml
    key: str  # dotted, e.g. regbank_mo[3].code; "line 7" for YAML errors; "" for a whole file
    message: str  # what was expected and what was found

    def __str__(self) -> str:
        where = f"{self.file}: {self.key}" if self.key else self.file
        return f"{where}: {self.message}"


@dataclass
class VarsLayer:
    """The variables one source (a vars file, or a hosts.yml entry) gives a group or host."""

    file: Path
    values: dict[str, Any]
    unread: str = ""  # "encrypted" (a vault file) or "broken" (did not parse): keys unknown


@dataclass
class Group:
    name: str
    path: str  # dotted YAML path of its first definition in hosts.yml
    hosts: list[str] = field(default_factory=list)
    children: list[str] = field(default_factory=list)
    depth: int = 0  # distance from `all`; deeper groups override shallower ones
    inline: list[VarsLayer] = field(default_factory=list)  # `vars:` in hosts.yml
    files: list[VarsLayer] = field(default_factory=list)  # group_vars/<name>


@dataclass
class Host:
    name: str
    groups: list[str]  # the role groups it belongs to (exactly one in a valid inventory)
    vars: dict[str, Any]  # merged with Ansible's precedence
    sources: dict[str, Path] = field(default_factory=dict)  # variable -> file it came from
    own_file: Path | None = None  # where its own variables live (or should)
    paths: list[str] = field(default_factory=list)  # dotted YAML paths in hosts.yml
    unread: dict[Path, str] = field(default_factory=dict)  # its files whose keys are unknown


@dataclass
class Inventory:
    path: Path  # the inventory directory
    hosts_file: Path
    groups: dict[str, Group]
    hosts: dict[str, Host]
    region_vars: dict[str, Any]  # group `all`
    region_sources: dict[str, Path]
    region_unread: dict[Path, str]

    def rel(self, file: Path) -> str:
        return _rel(file, self.path)

    def problem(self, file: Path, key: str, message: str) -> Problem:
        return Problem(self.rel(file), key, message)

    @property
    def region_file(self) -> Path:
        """Where region-wide keys are kept (or should be added): group_vars/all/main.yml in
        a group_vars/all/ folder, even when it was deleted, never a role's file beside it."""
        files = [layer.file for layer in self.groups["all"].files]
        folder = self.path / "group_vars" / "all"
        if any(folder in file.parents for file in files):
            return _plain_file(self.groups["all"].files, main_only=True) or folder / "main.yml"
        return _plain_file(self.groups["all"].files) or self.path / "group_vars" / "all.yml"


def _rel(file: Path, directory: Path) -> str:
    """A file as shown in messages: relative to the inventory directory's parent."""
    try:
        return str(file.relative_to(directory.parent))
    except ValueError:
        return str(file)


class _Loader(LocatedLoader):
    """The foundation's loader (keys given twice are noted) that tolerates Ansible's tags."""


_Loader.add_constructor("!vault", lambda loader, node: Vaulted(loader.construct_scalar(node)))
# `!unsafe` only tells Ansible not to template the string; its value is the string.
_Loader.add_constructor("!unsafe", lambda loader, node: loader.construct_scalar(node))


class _Reader:
    """Collects what one inventory directory holds and the problems met reading it."""

    def __init__(self, directory: Path, hosts_file: Path) -> None:
        self.directory = directory
        self.hosts_file = hosts_file
        self.problems: list[Problem] = []
        self.groups: dict[str, Group] = {"all": Group("all", "all")}
        self.host_layers: dict[str, list[VarsLayer]] = {}
        self.host_paths: dict[str, list[str]] = {}

    def rel(self, file: Path) -> str:
        return _rel(file, self.directory)

    def problem(self, file: Path, key: str, message: str) -> None:
        self.problems.append(Problem(self.rel(file), key, message))

    def read_yaml(self, file: Path) -> Any:
        """The file's data; ENCRYPTED for a vault file; BROKEN, with a problem, if unreadable."""
        try:
            text = read_text(file)
            if text.lstrip().startswith(VAULT_HEADER):
                return ENCRYPTED
            document = parse_yaml(text, file, _Loader)
        except YamlFileError as error:
            if not error.syntax:
                self.problem(file, "", error.problem)
            else:
                where = f"line {error.line}" if error.line else ""
                self.problem(file, where, f"not valid YAML: {error.problem}")
            return BROKEN
        for key, first, second in document.duplicates:
            message = f"defined twice (lines {first} and {second}); Ansible keeps the last"
            self.problem(file, str(key), message)
        return document.data

    def read_vars_file(self, file: Path) -> VarsLayer:
        data = self.read_yaml(file)
        if data is ENCRYPTED:
            return VarsLayer(file, {}, unread="encrypted")
        if data is BROKEN:
            return VarsLayer(file, {}, unread="broken")
        if data is not None and not isinstance(data, dict):
            self.problem(file, "", f"expected a mapping of variables, found {yaml_kind(data)}")
            return VarsLayer(file, {}, unread="broken")
        return VarsLayer(file, data or {})

    # hosts.yml -----------------------------------------------------------------------

    def read_hosts_file(self) -> bool:
        data = self.read_yaml(self.hosts_file)
        if data is BROKEN:
            return False
        if data is ENCRYPTED:
            self.problem(self.hosts_file, "", "is vault-encrypted; keep hosts.yml in plain text")
            return False
        if data is None:
            message = "is empty; expected the region's groups and hosts (all: children: ...)"
            self.problem(self.hosts_file, "", message)
            return False
        if not isinstance(data, dict):
            self.problem(
                self.hosts_file, "", f"expected a mapping of groups (all:), found {yaml_kind(data)}"
            )
            return False
        for name, body in data.items():
            self.read_group(str(name), body, str(name), parent=None if name == "all" else "all")
        return True

    def read_group(self, name: str, body: Any, path: str, parent: str | None) -> None:
        group = self.groups.setdefault(name, Group(name, path))
        if parent is not None and name not in self.groups[parent].children:
            self.groups[parent].children.append(name)
        if body is None:
            return
        if not isinstance(body, dict):
            self.problem(
                self.hosts_file,
                path,
                f"expected a group (a mapping with hosts, children, vars), found {yaml_kind(body)}",
            )
            return
        for key, value in body.items():
            if key == "hosts":
                self.read_group_hosts(group, value, f"{path}.hosts")
            elif key == "children":
                self.read_children(group, value, f"{path}.children")
            elif key == "vars":
                if isinstance(value, dict):
                    group.inline.append(VarsLayer(self.hosts_file, value))
                elif value is not None:
                    message = f"expected a mapping of variables, found {yaml_kind(value)}"
                    self.problem(self.hosts_file, f"{path}.vars", message)
            else:
                message = "unexpected key; expected hosts, children or vars"
                self.problem(self.hosts_file, f"{path}.{key}", message)

    def read_group_hosts(self, group: Group, hosts: Any, path: str) -> None:
        if hosts is None:
            return
        if not isinstance(hosts, dict):
            message = f"expected a mapping of host names (name: per line), found {yaml_kind(hosts)}"
            self.problem(self.hosts_file, path, message)
            return
        for name, host_vars in hosts.items():
            name = str(name)
            if name not in group.hosts:
                group.hosts.append(name)
            self.host_paths.setdefault(name, []).append(f"{path}.{name}")
            layers = self.host_layers.setdefault(name, [])
            if isinstance(host_vars, dict):
                layers.append(VarsLayer(self.hosts_file, host_vars))
            elif host_vars is not None:
                self.problem(
                    self.hosts_file,
                    f"{path}.{name}",
                    f"expected the host's variables as a mapping, found {yaml_kind(host_vars)}",
                )

    def read_children(self, group: Group, children: Any, path: str) -> None:
        if children is None:
            return
        if not isinstance(children, dict):
            message = "expected a mapping of group names (name: per line), found "
            self.problem(self.hosts_file, path, message + yaml_kind(children))
            return
        for name, body in children.items():
            self.read_group(str(name), body, f"{path}.{name}", parent=group.name)

    def memberships(self) -> dict[str, set[str]]:
        """Each host's groups, with their ancestors; sets each group's depth on the way
        (its longest path from `all`, as in Ansible)."""
        found: dict[str, set[str]] = {name: set() for name in self.host_layers}

        def walk(group: Group, ancestors: tuple[str, ...]) -> None:
            if group.name in ancestors:
                message = f"group {group.name} is among its own children; Ansible refuses a loop"
                self.problem(self.hosts_file, self.groups[ancestors[-1]].path, message)
                return
            group.depth = max(group.depth, len(ancestors))
            lineage = (*ancestors, group.name)
            for host in group.hosts:
                found[host].update(lineage)
            for child in group.children:
                walk(self.groups[child], lineage)

        walk(self.groups["all"], ())
        return found

    # the directory around hosts.yml ------------------------------------------------

    def check_directory(self) -> None:
        """Ansible reads every other file here as inventory too: none may hide there."""
        for entry in sorted(self.directory.iterdir()):
            if entry.name in (HOSTS_FILE, "group_vars", "host_vars") or entry.name.startswith("."):
                continue
            if not entry.name.endswith(IGNORED_SUFFIXES):
                self.problem(
                    entry,
                    "",
                    "Ansible would read this as inventory too; a region inventory holds only "
                    "hosts.yml, group_vars/ and host_vars/",
                )

    def read_vars_dir(self, kind: str, known: list[str]) -> dict[str, list[VarsLayer]]:
        """group_vars/ or host_vars/: the layers for each name, in Ansible's order."""
        base = self.directory / kind
        if not base.is_dir():
            return {}
        found: dict[str, list[VarsLayer]] = {}
        for entry in sorted(base.iterdir()):
            if entry.name.startswith(".") or entry.name.endswith("~"):
                continue
            stem, suffix = os.path.splitext(entry.name)
            if entry.is_dir() and not suffix:
                stem = entry.name
            elif suffix not in VARS_EXTENSIONS:
                continue  # Ansible ignores it; so do we
            if stem not in known:
                listed = "group" if kind == "group_vars" else "host"
                self.problem(
                    entry,
                    "",
                    f"no {listed} {stem} in {self.rel(self.hosts_file)}, so Ansible never "
                    f"uses this; known: {', '.join(known) or 'none'}",
                )
                continue
            if stem in found:
                self.problem(
                    entry,
                    "",
                    f"ignored by Ansible because {self.rel(found[stem][0].file)} is read "
                    f"for {stem}; merge the two",
                )
                continue
            files = _dir_files(entry) if entry.is_dir() else [entry]
            found[stem] = [self.read_vars_file(file) for file in files]
        return found


def _dir_files(directory: Path) -> list[Path]:
    """The files Ansible loads from group_vars/<name>/: sorted, recursive, YAML/JSON only."""
    files: list[Path] = []
    for entry in sorted(directory.iterdir()):
        if entry.name.startswith(".") or entry.name.endswith("~"):
            continue
        suffix = os.path.splitext(entry.name)[1]
        if entry.is_dir() and not suffix:
            files.extend(_dir_files(entry))
        elif entry.is_file() and suffix in VARS_EXTENSIONS:
            files.append(entry)
    return files


def _plain_file(layers: list[VarsLayer], main_only: bool = False) -> Path | None:
    """Where a missing key should go: main.yml of a vars folder, else (unless main_only)
    the last file that is not vault-encrypted."""
    plain = [layer.file for layer in layers if layer.unread != "encrypted"]
    main = [file for file in plain if file.name in ("main.yml", "main.yaml")]
    return (main or ([] if main_only else plain) or [None])[-1]


def _merge(layers: list[VarsLayer]) -> tuple[dict[str, Any], dict[str, Path]]:
    values: dict[str, Any] = {}
    sources: dict[str, Path] = {}
    for layer in layers:
        values.update(layer.values)
        sources.update(dict.fromkeys(layer.values, layer.file))
    return values, sources


def read_inventory(path: str | os.PathLike) -> tuple[Inventory | None, list[Problem]]:
    """Read an inventory without judging its contents; None if hosts.yml is unusable.

    As with Ansible, a file given is the hosts file and its directory holds the vars.
    """
    given = Path(path).resolve()
    directory = given.parent if given.is_file() else given
    hosts_file = given if given.is_file() else given / HOSTS_FILE
    reader = _Reader(directory, hosts_file)
    if not hosts_file.is_file():
        where = "directory" if directory.is_dir() else "directory (this one does not exist)"
        message = f"missing; expected a region inventory: a {where} with hosts.yml, "
        reader.problem(hosts_file, "", message + "group_vars/ and host_vars/")
        return None, reader.problems
    if not reader.read_hosts_file():
        return None, reader.problems
    if given.is_dir():  # Ansible reads every file of a directory given, not of a file's
        reader.check_directory()

    groups = reader.groups
    for name, layers in reader.read_vars_dir("group_vars", list(groups)).items():
        groups[name].files = layers
    host_files = reader.read_vars_dir("host_vars", list(reader.host_layers))
    memberships = reader.memberships()

    hosts: dict[str, Host] = {}
    for name, inline in reader.host_layers.items():
        # Ansible's order: hosts.yml vars of `all` then of the host's groups (shallow to
        # deep, then by name), the same for group_vars/, then the host's own.
        ordered = [groups["all"]] + sorted(
            (groups[g] for g in memberships[name] if g != "all"), key=lambda g: (g.depth, g.name)
        )
        own = host_files.get(name, [])
        layers = [v for g in ordered for v in g.inline] + [v for g in ordered for v in g.files]
        layers += inline + own
        values, sources = _merge(layers)
        hosts[name] = Host(
            name=name,
            groups=[g for g in ROLE_GROUPS if g in memberships[name]],
            vars=values,
            sources=sources,
            own_file=_plain_file(own) or directory / "host_vars" / f"{name}.yml",
            paths=reader.host_paths[name],
            unread={layer.file: layer.unread for layer in layers if layer.unread},
        )

    all_layers = groups["all"].inline + groups["all"].files
    region_vars, region_sources = _merge(all_layers)
    inventory = Inventory(
        path=directory,
        hosts_file=hosts_file,
        groups=groups,
        hosts=hosts,
        region_vars=region_vars,
        region_sources=region_sources,
        region_unread={layer.file: layer.unread for layer in all_layers if layer.unread},
    )
    return inventory, reader.problems
