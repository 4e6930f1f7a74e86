"""Which tags the tasks of an Ansible role carry (read from roles/<role>/tasks/)."""

from pathlib import Path

import yaml

from security_profiles.datafile import DataFileError, display_path


class _TaskLoader(yaml.SafeLoader):
    """SafeLoader that reads Ansible's own YAML tags (!unsafe, !vault) as plain values."""


_TaskLoader.add_multi_constructor("!", lambda loader, suffix, node: None)


def _tags_in(node: object) -> set[str]:
    found: set[str] = set()
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "tags":
                values = value.split(",") if isinstance(value, str) else value or []
                found.update(str(tag).strip() for tag in values)
            else:
                found |= _tags_in(value)
    elif isinstance(node, list):
        for item in node:
            found |= _tags_in(item)
    return found


def role_tags(roles_dir: Path, role: str) -> frozenset[str] | None:
    """Every tag set on a task or block of the role; None when the role does not exist."""
    role_dir = roles_dir / role
    if not role_dir.is_dir():
        return None
    tags: set[str] = set()
    for path in sorted((role_dir / "tasks").rglob("*.y*ml")):
        try:
            text = path.read_text(encoding="utf-8")
            tags |= _tags_in(yaml.load(text, Loader=_TaskLoader))  # noqa: S506 a SafeLoader
        except yaml.YAMLError as error:
            raise DataFileError(f"{display_path(path)}: not valid YAML: {error}") from None
    return frozenset(tags)
