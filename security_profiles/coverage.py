"""The measure matrix of a profile and the coverage of its required measures."""

from collections import Counter
from dataclasses import dataclass
from typing import Literal, get_args

from security_profiles.profile import (
    PERSONAL_DATA_FRAMEWORK,
    ExternalSlot,
    LoadedProfile,
    MappingKind,
    MeasureMapping,
    Requirement,
)
from security_profiles.tags import measure_tag

Bucket = Literal["implemented+checked", "external", "organisational", "planned", "unmapped"]
BUCKETS: tuple[Bucket, ...] = get_args(Bucket)

_BUCKET: dict[MappingKind, Bucket] = {
    "implemented_by": "implemented+checked",
    "checked_by": "implemented+checked",
    "external": "external",
    "organisational": "organisational",
    "planned": "planned",
}


@dataclass(frozen=True)
class MatrixRow:
    framework: str
    code: str
    tag: str
    title: str
    confidence: str
    origin: Literal["base", "added", "removed"]
    kind: MappingKind | None
    bucket: Bucket | None  # None for a removed measure: not required, not counted
    detail: str
    checks: tuple[str, ...]  # ids of the checks that evidence it (checked_by)
    note: str | None
    reason: str | None  # why the region added or removed the measure


@dataclass(frozen=True)
class Coverage:
    profile: str
    title: str
    level: int
    state_class: str | None
    rows: tuple[MatrixRow, ...]
    base_set: int
    added: int
    removed: int
    counts: dict[Bucket, int]  # over the required measures
    base_counts: dict[Bucket, int]  # over those of them in the level's base set
    checked: int  # required measures with automated checks (checked_by)
    external_slots: dict[str, ExternalSlot]
    gaps: tuple[str, ...]  # what the coverage does not account for, said plainly

    @property
    def required(self) -> int:
        return sum(self.counts.values())


def _detail(mapping: MeasureMapping, tag: str, loaded: LoadedProfile) -> str:
    detail = _primary_detail(mapping, tag, loaded)
    if mapping.checked_by:
        checks = "проверки: " + ", ".join(mapping.checked_by)
        return f"{detail}; {checks}" if detail else checks
    return detail


def _primary_detail(mapping: MeasureMapping, tag: str, loaded: LoadedProfile) -> str:
    match mapping.kind:
        case "implemented_by":
            return ", ".join(f"{item.role}:{item.tag}" for item in mapping.implemented_by or [])
        case "checked_by":
            return ""
        case "organisational":
            return mapping.organisational or ""
        case "external":
            return f"слот {mapping.external}"
        case "planned":
            roles = mapping.planned or []
            return "роли: " + ", ".join(
                f"{role} (тег есть)" if loaded.carries(role, tag) else role for role in roles
            )


def _row(requirement: Requirement, loaded: LoadedProfile) -> MatrixRow:
    mapping = loaded.mapping(requirement)
    measure = requirement.measure
    tag = measure_tag(requirement.framework, measure.code)
    if requirement.origin == "removed":
        bucket = None
    else:
        bucket = _BUCKET[mapping.kind] if mapping else "unmapped"
    return MatrixRow(
        framework=requirement.framework,
        code=measure.code,
        tag=tag,
        title=measure.title_abridged,
        confidence=measure.confidence,
        origin=requirement.origin,
        kind=mapping.kind if mapping else None,
        bucket=bucket,
        detail=_detail(mapping, tag, loaded) if mapping else "",
        checks=tuple(mapping.checked_by or []) if mapping else (),
        note=mapping.note if mapping else None,
        reason=requirement.reason,
    )


def _gaps(loaded: LoadedProfile) -> tuple[str, ...]:
    state = loaded.profile.state_system
    if state is None:
        return ()
    table = loaded.class_table
    successor = loaded.catalogs.get(table.replaced_by.framework)
    missing = "; ".join(successor.missing) if successor and successor.status == "stub" else ""
    gap = (
        f"Класс {state.state_class} (ГИС): меры по классу не учтены в покрытии. "
        f"Базовые наборы мер по классам ({table.title}) в каталог не внесены; "
        f"{table.replaced_by.title} действует с {table.replaced_by.in_force_from:%d.%m.%Y}"
    )
    if missing:
        gap += f"; его каталог — заглушка, не хватает: {missing}"
    return (gap + ".",)


def coverage(loaded: LoadedProfile) -> Coverage:
    rows = tuple(_row(requirement, loaded) for requirement in loaded.selection)
    tally = Counter(row.bucket for row in rows if row.bucket is not None)
    base_tally = Counter(row.bucket for row in rows if row.origin == "base")
    origins = Counter(row.origin for row in rows)
    profile = loaded.profile
    state = profile.state_system
    return Coverage(
        profile=loaded.name,
        title=profile.title,
        level=profile.level,
        state_class=state.state_class if state else None,
        rows=rows,
        base_set=len(loaded.catalogs[PERSONAL_DATA_FRAMEWORK].base_set(profile.level)),
        added=origins["added"],
        removed=origins["removed"],
        counts={bucket: tally[bucket] for bucket in BUCKETS},
        base_counts={bucket: base_tally[bucket] for bucket in BUCKETS},
        checked=sum(1 for row in rows if row.checks and row.bucket is not None),
        external_slots=dict(profile.external_slots),
        gaps=_gaps(loaded),
    )
