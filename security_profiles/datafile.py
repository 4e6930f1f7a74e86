"""Reading YAML data files into pydantic models, with errors that name file and key."""

from pathlib import Path
from typing import TypeVar

import yaml
from pydantic import BaseModel, ConfigDict, ValidationError

from regbank_foundation.errors import RegbankError

Model = TypeVar("Model", bound=BaseModel)


class DataFileError(RegbankError):
    """A data file is missing, is not YAML, or does not match its schema."""


class DataModel(BaseModel):
    """Base of the package's file models: unknown keys are errors, values are frozen."""

    model_config = ConfigDict(extra="forbid", frozen=True)


def display_path(path: Path) -> str:
    """The path relative to the working directory when it lies below it."""
    try:
        return str(path.resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def key_name(location: tuple[str | int, ...]) -> str:
    """``('measures', 'fstec21', 'ИАФ.1')`` → ``measures.fstec21.ИАФ.1``; ints index lists."""
    name = ""
    for part in location:
        if isinstance(part, int):
            name += f"[{part}]"
        else:
            name += f".{part}" if name else str(part)
    return name or "(top level)"


class _UniqueKeyLoader(yaml.SafeLoader):
    """SafeLoader that refuses a key given twice in one mapping (YAML keeps the last)."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict:
        seen = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            if key in seen:
                raise yaml.constructor.ConstructorError(
                    None, None, f"key {key!r} is given twice", key_node.start_mark
                )
            seen.add(key)
        return super().construct_mapping(node, deep=deep)


def read_yaml(path: Path) -> object:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise DataFileError(f"{display_path(path)}: cannot read: {error.strerror}") from None
    try:
        return yaml.load(text, Loader=_UniqueKeyLoader)  # noqa: S506 a SafeLoader
    except yaml.YAMLError as error:
        raise DataFileError(f"{display_path(path)}: not valid YAML: {error}") from None


def validation_message(path: Path, error: ValidationError) -> str:
    lines = [f"{display_path(path)}: invalid data:"]
    for item in error.errors(include_url=False):
        message = item["msg"].removeprefix("Value error, ")
        if item["type"] not in ("missing", "value_error", "assertion_error"):
            message += f" (got {item['input']!r})"
        lines.append(f"  {key_name(item['loc'])}: {message}")
    return "\n".join(lines)


def load_model(path: Path, model: type[Model]) -> Model:
    """Read ``path`` as YAML and validate it as ``model``."""
    data = read_yaml(path)
    try:
        return model.model_validate(data)
    except ValidationError as error:
        raise DataFileError(validation_message(path, error)) from None
