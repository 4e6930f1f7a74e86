"""Reading YAML data files into pydantic models, with errors that name file and key."""

from pathlib import Path
from typing import TypeVar

from pydantic import BaseModel, ConfigDict, ValidationError

from regbank_foundation import located_yaml
from regbank_foundation.errors import RegbankError
from regbank_foundation.located_yaml import YamlFileError, format_key_path

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
    return format_key_path(location) or "(top level)"


def read_yaml(path: Path) -> object:
    """The file's data (regbank_foundation.located_yaml); a key given twice refuses it."""
    try:
        document = located_yaml.parse_yaml(located_yaml.read_text(path), path)
    except YamlFileError as error:
        shown = display_path(path)
        if not error.syntax:
            raise DataFileError(f"{shown}: {error.problem}") from None
        line = f"line {error.line}: " if error.line else ""
        raise DataFileError(f"{shown}: not valid YAML: {line}{error.problem}") from None
    for key, first, line in document.duplicates[:1]:
        message = (
            f"{display_path(path)}: line {line}: key {key!r} is given twice (first on {first})"
        )
        raise DataFileError(message)
    return document.data


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
