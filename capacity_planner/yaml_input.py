"""Read a YAML input file and report its problems by file, line and key path.

Both planner inputs (the region file and the calibration file) are read here, so a
bad file of either kind is refused the same way: one line per problem, naming the
file, the line, the key path (``municipalities[3].link.bandwidth_mbps``) and what
was expected. Nothing downstream runs until the file is clean.
"""

import difflib
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from regbank_foundation import located_yaml
from regbank_foundation.errors import RegbankError
from regbank_foundation.located_yaml import KeyPath, LocatedDocument, YamlFileError, yaml_kind

ModelT = TypeVar("ModelT", bound=BaseModel)


class InputFileError(RegbankError):
    """A planner input file is unreadable or invalid; the message lists every problem."""

    def __init__(self, path: Path, problems: Sequence[str]):
        self.path = path
        self.problems = list(problems)
        count = len(self.problems)
        header = f"{path}: {count} problem{'s' if count > 1 else ''}, nothing was written"
        super().__init__("\n".join([header, *self.problems]))


def read_yaml(path: Path) -> LocatedDocument:
    """Parse ``path`` (regbank_foundation.located_yaml); a file that cannot be read, is not
    YAML or gives a key twice becomes an InputFileError naming the line."""
    try:
        return located_yaml.read_yaml(path)
    except YamlFileError as error:
        raise InputFileError(path, [str(error)]) from error


def validate(document: LocatedDocument, model: type[ModelT]) -> ModelT:
    """Validate the document against ``model``; every problem is reported at once."""
    if not isinstance(document.data, dict):
        got = "an empty file" if document.data is None else type(document.data).__name__
        raise InputFileError(
            document.path, [document.problem((), f"expected a mapping of keys, got {got}")]
        )
    try:
        return model.model_validate(document.data)
    except ValidationError as error:
        problems = [_describe(document, model, item) for item in error.errors()]
        raise InputFileError(document.path, problems) from error


def raise_problems(document: LocatedDocument, problems: Iterable[tuple[KeyPath, str]]) -> None:
    """Raise an InputFileError for the (key path, message) pairs, if there are any."""
    lines = [document.problem(key_path, message) for key_path, message in problems]
    if lines:
        raise InputFileError(document.path, lines)


def _describe(document: LocatedDocument, model: type[BaseModel], item: dict) -> str:
    """Turn one pydantic error into 'what was expected, what was given'."""
    loc = list(item["loc"])
    kind = item["type"]
    given = item.get("input")
    ctx = item.get("ctx", {})
    if "[key]" in loc:
        # A bad mapping key, e.g. a year key that is not a number.
        loc = loc[: loc.index("[key]")]
        bad_key = loc.pop()
        return document.problem(tuple(loc), f"key '{bad_key}': expected a year such as 2020")
    # Function and union validators add their own names to the location: drop them.
    loc = [part for part in loc if not (isinstance(part, str) and "[" in part)]
    key_path = tuple(loc)
    if kind == "missing":
        message = "required key is missing"
    elif kind == "extra_forbidden":
        message = _unknown_key_message(model, key_path)
    elif kind in ("float_parsing", "float_type", "int_parsing", "int_type", "int_from_float"):
        expected = "a whole number" if kind.startswith("int") else "a number"
        message = f"expected {expected}, got {given!r}"
    elif kind in ("greater_than", "greater_than_equal", "less_than", "less_than_equal"):
        bound = _plain_number(next(iter(ctx.values())))
        relation = {
            "greater_than": ">",
            "greater_than_equal": ">=",
            "less_than": "<",
            "less_than_equal": "<=",
        }[kind]
        message = f"expected a number {relation} {bound}, got {given!r}"
    elif kind in ("literal_error", "enum"):
        message = f"expected one of {ctx.get('expected')}, got {given!r}"
    elif kind in ("dict_type", "model_type", "model_attributes_type"):
        message = f"expected a mapping of keys, got {yaml_kind(given)}"
    elif kind == "list_type":
        message = f"expected a list, got {yaml_kind(given)}"
    elif kind in ("string_type", "bool_type", "bool_parsing"):
        expected = "text" if kind == "string_type" else "true or false"
        message = f"expected {expected}, got {given!r}"
    elif kind == "string_pattern_mismatch":
        message = f"expected text matching {ctx.get('pattern')}, got {given!r}"
    elif kind == "too_short":
        message = f"expected at least {ctx.get('min_length')} item(s), got none"
    elif kind == "value_error":
        message = str(ctx.get("error", item["msg"]))
    else:
        message = item["msg"]
    return document.problem(key_path, message)


def _plain_number(value: Any) -> Any:
    """1.0 -> 1, so a bound reads as the user would write it."""
    return int(value) if isinstance(value, float) and value.is_integer() else value


def _unknown_key_message(model: type[BaseModel], key_path: KeyPath) -> str:
    """Name the keys allowed at that place, and the closest one (a typo is the usual cause)."""
    allowed = _allowed_keys(model, key_path[:-1])
    unknown = str(key_path[-1])
    if not allowed:
        return f"unknown key {unknown!r}"
    close = difflib.get_close_matches(unknown, allowed, n=1)
    hint = f"; did you mean {close[0]!r}?" if close else ""
    return f"unknown key {unknown!r} (expected one of: {', '.join(allowed)}){hint}"


def _allowed_keys(model: type[BaseModel], parent_path: KeyPath) -> list[str]:
    """The field names of the (nested) model found at ``parent_path``."""
    current: Any = model
    for part in parent_path:
        if isinstance(part, int):
            continue  # a list index: the item type was already taken below
        if not (isinstance(current, type) and issubclass(current, BaseModel)):
            return []
        field = current.model_fields.get(str(part))
        if field is None:
            return []
        current = _model_inside(field.annotation)
    if isinstance(current, type) and issubclass(current, BaseModel):
        return list(current.model_fields)
    return []


def _model_inside(annotation: Any) -> Any:
    """The pydantic model inside list[Model] or Model | None, else the annotation itself."""
    for argument in getattr(annotation, "__args__", ()):
        if isinstance(argument, type) and issubclass(argument, BaseModel):
            return argument
    return annotation
