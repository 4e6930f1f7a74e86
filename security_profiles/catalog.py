"""Measure catalogs (FSTEC orders), keyed by (framework, code).

The same code can mean different things in different orders (Order 117 and FSTEC
methodologies reuse Order 21-like codes), so a measure is only ever looked up
together with its framework.
"""

import datetime
from functools import cached_property
from pathlib import Path
from typing import Literal

from pydantic import Field, model_validator

from security_profiles import CATALOG_DIR
from security_profiles.datafile import DataFileError, DataModel, display_path, load_model
from security_profiles.tags import measure_tag

# The measure catalogs the kit ships: catalogs/<framework>.yaml.
FRAMEWORKS = ("fstec21", "fstec117")

ProtectionLevel = Literal[1, 2, 3, 4]


class Group(DataModel):
    code: str
    section: str
    title: str
    title_note: str | None = None


class Measure(DataModel):
    code: str
    group: str
    title_abridged: str
    title_full_candidate: str | None = None
    title_full_source: str | None = None
    # The УЗ whose base set holds the measure; "unknown" when the sources disagree.
    levels: list[ProtectionLevel] | Literal["unknown"]
    levels_per_source_A: list[ProtectionLevel] | None = None
    crosscheck_B: str
    crosscheck_C: str
    confidence: Literal["cross_checked", "single_source", "conflict"]

    @property
    def title(self) -> str:
        return self.title_full_candidate or self.title_abridged


class Catalog(DataModel):
    framework: str
    title: str
    status: Literal["transcribed", "stub"]
    trust: str
    in_force_from: datetime.date | None = None
    replaces: str | None = None
    missing: list[str] = Field(default_factory=list)
    sources: dict[str, str]
    groups: list[Group]
    measures: list[Measure]

    @model_validator(mode="after")
    def _consistent(self) -> "Catalog":
        if (self.status == "stub") != (not self.measures):
            raise ValueError("a stub has no measures, and only a stub may have none")
        if self.status == "stub" and not self.missing:
            raise ValueError("a stub must say what is missing")
        _unique("group code", [group.code for group in self.groups])
        _unique("measure code", [measure.code for measure in self.measures])
        _unique("ASCII tag", [measure_tag(self.framework, m.code) for m in self.measures])
        groups = {group.code for group in self.groups}
        for measure in self.measures:
            if measure.group not in groups or not measure.code.startswith(measure.group + "."):
                raise ValueError(f"{measure.code}: group {measure.group!r} does not match")
            if measure.title_full_source and measure.title_full_source not in self.sources:
                raise ValueError(f"{measure.code}: unknown source {measure.title_full_source!r}")
        return self

    @cached_property
    def _by_code(self) -> dict[str, Measure]:
        return {measure.code: measure for measure in self.measures}

    def measure(self, code: str) -> Measure | None:
        return self._by_code.get(code)

    def base_set(self, level: ProtectionLevel) -> list[Measure]:
        """Measures whose base set for the УЗ ``level`` is certain, in catalog order."""
        return [m for m in self.measures if m.levels != "unknown" and level in m.levels]

    def undetermined(self) -> list[Measure]:
        """Measures whose base-set marks the sources disagree on: a profile must decide."""
        return [m for m in self.measures if m.levels == "unknown"]


def _unique(what: str, values: list[str]) -> None:
    seen: set[str] = set()
    for value in values:
        if value in seen:
            raise ValueError(f"{what} {value!r} appears twice")
        seen.add(value)


def load_catalog(path: Path) -> Catalog:
    return load_model(path, Catalog)


def load_catalogs(directory: Path = CATALOG_DIR) -> dict[str, Catalog]:
    """Every shipped catalog by framework; each file must name its own framework."""
    catalogs = {}
    for framework in FRAMEWORKS:
        path = directory / f"{framework}.yaml"
        catalog = load_catalog(path)
        if catalog.framework != framework:
            raise DataFileError(
                f"{display_path(path)}: framework: expected {framework!r}, "
                f"got {catalog.framework!r}"
            )
        catalogs[framework] = catalog
    return catalogs
