"""Protection level (УЗ, Decree 1119) and state-system class (Order 17) from declared inputs.

The rules are data (``catalogs/decree1119.yaml``, ``catalogs/fstec17_classes.yaml``).
Several data categories are each evaluated and the strictest level is taken; the
categories are never collapsed into one by a fixed priority.
"""

import datetime
from dataclasses import dataclass
from itertools import product
from pathlib import Path
from typing import Annotated, Any, Literal, get_args

from pydantic import (
    Field,
    PositiveInt,
    StrictInt,
    ValidationError,
    ValidatorFunctionWrapHandler,
    field_validator,
    model_validator,
)

from security_profiles import CATALOG_DIR
from security_profiles.catalog import ProtectionLevel
from security_profiles.datafile import DataModel, load_model

Category = Literal["special", "biometric", "public", "other"]
SubjectsClass = Literal["employees_only", "lt_100k", "gt_100k"]
ThreatType = Literal[1, 2, 3]
Significance = Literal["high", "medium", "low"]
Scale = Literal["federal", "regional", "object"]
StateClass = Literal["К1", "К2", "К3"]

CATEGORIES: tuple[Category, ...] = get_args(Category)
SUBJECTS_CLASSES: tuple[SubjectsClass, ...] = get_args(SubjectsClass)
THREAT_TYPES: tuple[ThreatType, ...] = get_args(ThreatType)
SIGNIFICANCES: tuple[Significance, ...] = get_args(Significance)
SCALES: tuple[Scale, ...] = get_args(Scale)


def _require_keys(what: str, mapping: dict, expected: tuple) -> None:
    if set(mapping) != set(expected):
        raise ValueError(f"{what} must list exactly {', '.join(map(str, expected))}")


class Rule(DataModel):
    category: Category
    threat_type: ThreatType
    subjects: SubjectsClass | Literal["any"]
    uz: ProtectionLevel
    clause: str

    def applies(self, category: Category, threat_type: ThreatType, subjects: SubjectsClass) -> bool:
        return (
            self.category == category
            and self.threat_type == threat_type
            and self.subjects in ("any", subjects)
        )


class Decree1119(DataModel):
    title: str
    trust: str
    categories: dict[Category, str]
    subjects: dict[SubjectsClass, str]
    subjects_threshold: PositiveInt
    threat_types: dict[ThreatType, str]
    rules: list[Rule]

    @model_validator(mode="after")
    def _complete(self) -> "Decree1119":
        _require_keys("categories", self.categories, CATEGORIES)
        _require_keys("subjects", self.subjects, SUBJECTS_CLASSES)
        _require_keys("threat_types", self.threat_types, THREAT_TYPES)
        for cell in product(CATEGORIES, THREAT_TYPES, SUBJECTS_CLASSES):
            matching = [rule for rule in self.rules if rule.applies(*cell)]
            if len(matching) != 1:
                raise ValueError(f"rules: {len(matching)} rules for {cell}, expected exactly one")
        return self

    def rule(self, category: Category, threat_type: ThreatType, subjects: SubjectsClass) -> Rule:
        return next(rule for rule in self.rules if rule.applies(category, threat_type, subjects))

    def subjects_class(self, count: int) -> SubjectsClass:
        """Non-employee subjects → class; exactly the threshold counts as more than it."""
        if count == 0:
            return "employees_only"
        return "lt_100k" if count < self.subjects_threshold else "gt_100k"


class Replacement(DataModel):
    framework: str
    title: str
    in_force_from: datetime.date
    note: str


class ClassTable(DataModel):
    framework: str
    title: str
    trust: str
    clause: str
    replaced_by: Replacement
    significance: dict[Significance, str]
    scale: dict[Scale, str]
    classes: dict[Significance, dict[Scale, StateClass]]

    @model_validator(mode="after")
    def _complete(self) -> "ClassTable":
        _require_keys("significance", self.significance, SIGNIFICANCES)
        _require_keys("scale", self.scale, SCALES)
        _require_keys("classes", self.classes, SIGNIFICANCES)
        for significance, row in self.classes.items():
            _require_keys(f"classes.{significance}", row, SCALES)
        return self

    def state_class(self, significance: Significance, scale: Scale) -> StateClass:
        return self.classes[significance][scale]


class LevelInput(DataModel):
    """What the operator declares: the content of a `regbank profile level --from` file."""

    categories: Annotated[list[Category], Field(min_length=1)]
    # Number of subjects who are not the operator's employees, or their class.
    subjects: SubjectsClass | Annotated[StrictInt, Field(ge=0)]
    threat_type: ThreatType
    significance: Significance | None = None
    scale: Scale | None = None

    @field_validator("categories")
    @classmethod
    def _distinct(cls, categories: list[Category]) -> list[Category]:
        for category in categories:
            if categories.count(category) > 1:
                raise ValueError(f"category {category!r} is listed twice")
        return categories

    @field_validator("subjects", mode="wrap")
    @classmethod
    def _subjects(cls, value: Any, handler: ValidatorFunctionWrapHandler) -> Any:
        try:
            return handler(value)
        except ValidationError:
            raise ValueError(
                f"expected a number of subjects (0 or more) or one of "
                f"{', '.join(SUBJECTS_CLASSES)}; got {value!r}"
            ) from None

    @model_validator(mode="after")
    def _state_system(self) -> "LevelInput":
        if (self.significance is None) != (self.scale is None):
            raise ValueError("significance and scale go together: give both or neither")
        return self


@dataclass(frozen=True)
class CategoryVerdict:
    category: Category
    rule: Rule


@dataclass(frozen=True)
class LevelVerdict:
    uz: ProtectionLevel
    subjects: SubjectsClass
    threat_type: ThreatType
    evaluated: tuple[CategoryVerdict, ...]

    @property
    def deciding(self) -> tuple[CategoryVerdict, ...]:
        """The categories whose rule gives the resulting (strictest) level."""
        return tuple(verdict for verdict in self.evaluated if verdict.rule.uz == self.uz)


@dataclass(frozen=True)
class ClassVerdict:
    state_class: StateClass
    significance: Significance
    scale: Scale


@dataclass(frozen=True)
class Determination:
    level: LevelVerdict
    state_class: ClassVerdict | None


def protection_level(
    decree: Decree1119,
    categories: list[Category],
    subjects: SubjectsClass,
    threat_type: ThreatType,
) -> LevelVerdict:
    """Evaluate every category present and take the strictest (smallest) УЗ."""
    evaluated = tuple(
        CategoryVerdict(category, decree.rule(category, threat_type, subjects))
        for category in categories
    )
    uz = min(verdict.rule.uz for verdict in evaluated)
    return LevelVerdict(uz, subjects, threat_type, evaluated)


def determine(decree: Decree1119, table: ClassTable, declared: LevelInput) -> Determination:
    subjects = declared.subjects
    if isinstance(subjects, int):
        subjects = decree.subjects_class(subjects)
    level = protection_level(decree, declared.categories, subjects, declared.threat_type)
    state_class = None
    if declared.significance is not None and declared.scale is not None:
        state_class = ClassVerdict(
            table.state_class(declared.significance, declared.scale),
            declared.significance,
            declared.scale,
        )
    return Determination(level, state_class)


def load_decree1119(path: Path = CATALOG_DIR / "decree1119.yaml") -> Decree1119:
    return load_model(path, Decree1119)


def load_class_table(path: Path = CATALOG_DIR / "fstec17_classes.yaml") -> ClassTable:
    return load_model(path, ClassTable)


def load_level_input(path: Path) -> LevelInput:
    return load_model(path, LevelInput)
