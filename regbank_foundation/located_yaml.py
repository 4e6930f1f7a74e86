"""The one YAML reader: data, the line of every key path, and keys given twice.

Every YAML file the kit reads from an operator (the region inventory, the planner's
region and calibration files, the security profiles' catalogs, profiles and
questionnaires) is read here, so a problem is always reported the same way: the file,
the line and the key path (``municipalities[3].link.bandwidth_mbps``). PyYAML keeps
the last of two equal keys without a word; this reader notes both lines, and each
caller decides whether that refuses the file (a planner input, a profile) or is one
problem among others (an inventory, which Ansible would still read).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

import yaml

from regbank_foundation.errors import RegbankError

KeyPath = tuple[str | int, ...]
_MERGE_TAG = "tag:yaml.org,2002:merge"


def format_key_path(key_path: KeyPath) -> str:
    """('municipalities', 3, 'link', 'bandwidth_mbps') -> municipalities[3].link.bandwidth_mbps"""
    text = ""
    for part in key_path:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += f".{part}" if text else str(part)
    return text


def yaml_kind(value: Any) -> str:
    """A YAML reader's word for a value found: "a mapping", "a list", or the value (5, 'x')."""
    if value is None:
        return "an empty value"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    return repr(value)


class Duplicate(NamedTuple):
    """A key given twice in one mapping; PyYAML (and Ansible) keep the second."""

    key: str
    first_line: int
    line: int


class YamlFileError(RegbankError):
    """A YAML file that cannot be read, does not parse, or (when refused) repeats a key.

    ``problem`` is what is wrong without the place; ``line`` is 1-based or None.
    """

    def __init__(self, path: Path, problem: str, line: int | None = None, *, syntax: bool = False):
        self.path = path
        self.problem = problem
        self.line = line
        self.syntax = syntax  # not YAML (or a key twice), as opposed to a file not read
        where = f"{path}:{line}" if line else str(path)
        super().__init__(f"{where}: {'YAML syntax error: ' if syntax else ''}{problem}")


# libyaml's parser where PyYAML has it: the same nodes and marks, several times faster
# on a large region file.
_SafeLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class LocatedLoader(_SafeLoader):
    """SafeLoader that notes every key given twice in one mapping; subclass it to add tags."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self.duplicates: list[Duplicate] = []

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict:
        seen: dict[Any, int] = {}
        for key_node, _ in node.value:
            if isinstance(key_node, yaml.ScalarNode) and key_node.tag != _MERGE_TAG:
                line = key_node.start_mark.line + 1
                if key_node.value in seen:
                    self.duplicates.append(Duplicate(key_node.value, seen[key_node.value], line))
                seen[key_node.value] = line
        return super().construct_mapping(node, deep)


@dataclass
class LocatedDocument:
    """A parsed YAML document with the line of every key path, for messages."""

    path: Path
    data: Any
    lines: dict[tuple[str, ...], int] = field(default_factory=dict)
    duplicates: list[Duplicate] = field(default_factory=list)  # in the order of their lines

    def line_of(self, key_path: KeyPath) -> int | None:
        """The line of the deepest key of ``key_path`` present in the file."""
        normalised = tuple(str(part) for part in key_path)
        for end in range(len(normalised), -1, -1):
            if normalised[:end] in self.lines:
                return self.lines[normalised[:end]]
        return None

    def problem(self, key_path: KeyPath, message: str) -> str:
        """'<file>:<line>: <key path>: <message>', the line where the key is."""
        line = self.line_of(key_path)
        where = f"{self.path}:{line}" if line else str(self.path)
        return f"{where}: {format_key_path(key_path) or '(top level)'}: {message}"

    def refuse_duplicates(self) -> None:
        """Raise a YamlFileError for the first key given twice, if any."""
        for key, first, line in self.duplicates[:1]:
            problem = f"duplicate key {key!r} (first given on line {first})"
            raise YamlFileError(self.path, problem, line, syntax=True)


def read_text(path: Path) -> str:
    """The file as UTF-8 text, or a YamlFileError saying why it cannot be read."""
    try:
        return path.read_text(encoding="utf-8")
    except OSError as error:
        raise YamlFileError(path, f"cannot read the file ({error.strerror})") from error
    except UnicodeDecodeError as error:
        raise YamlFileError(path, f"expected UTF-8 text ({error.reason})") from error


def parse_yaml(
    text: str, path: Path, loader: type[LocatedLoader] = LocatedLoader
) -> LocatedDocument:
    """Parse one YAML document once: its data, key-path lines and duplicate keys."""
    try:
        # PyYAML's own reader names the position of a character YAML never allows;
        # libyaml's parser only says the file is unreadable.
        yaml.reader.Reader(text)
    except yaml.reader.ReaderError as error:
        line = text.count("\n", 0, error.position) + 1
        problem = f"character {error.character:#06x} is not allowed in YAML ({error.reason})"
        raise YamlFileError(path, problem, line, syntax=True) from error
    reader = loader(text)
    try:
        root = reader.get_single_node()
        data = reader.construct_document(root) if root is not None else None
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        reason = error.problem or error.context or "invalid YAML"
        if error.context == "while scanning a quoted scalar" and error.context_mark:
            # The file's end is where PyYAML noticed; the quote left open is the mistake.
            mark = error.context_mark
            reason = f"a quoted string starts here and is never closed ({reason})"
        raise YamlFileError(path, reason, mark.line + 1 if mark else None, syntax=True) from error
    except yaml.YAMLError as error:
        raise YamlFileError(path, str(error), syntax=True) from error
    finally:
        reader.dispose()
    lines: dict[tuple[str, ...], int] = {}
    if root is not None:
        _line_map(root, (), lines)
    duplicates = sorted(reader.duplicates, key=lambda duplicate: duplicate.line)
    return LocatedDocument(path, data, lines, duplicates)


def read_yaml(path: Path, *, allow_duplicates: bool = False) -> LocatedDocument:
    """Read and parse ``path``; a key given twice refuses it unless allowed."""
    document = parse_yaml(read_text(path), path)
    if not allow_duplicates:
        document.refuse_duplicates()
    return document


def _line_map(node: yaml.Node, prefix: tuple[str, ...], lines: dict) -> None:
    lines[prefix] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            key_path = (*prefix, str(key_node.value))
            _line_map(value_node, key_path, lines)
            lines[key_path] = key_node.start_mark.line + 1
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            _line_map(item, (*prefix, str(index)), lines)
