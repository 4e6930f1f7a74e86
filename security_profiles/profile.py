"""Profiles: a protection level (and class) plus the region's overrides, and how each
required measure is met.

A profile maps every measure it requires to exactly one kind:

- ``implemented_by``: roles of the kit whose tasks carry the measure's tag;
- ``checked_by``: ids of checks that verify it on the hosts (security_profiles/checks);
- ``organisational``: a document template under docs/templates/ to fill in;
- ``external``: a certified-product slot the operator fills; the lab's stand-in is
  said plainly;
- ``planned``: the roles that will implement it (only while they are unwritten; uz1 has
  none left, the kind stays for a region that adds a measure before its role exists).

``checked_by`` may also stand beside ``implemented_by`` (the strongest evidence: a role
applies the measure and a check proves it on every host), beside ``planned`` (the
check exists before the role lands and fails until it does), or beside ``external`` (the
certified product's work observed on the hosts: its tunnel up, the bank behind it).

Required = the base set of the level in Order 21, plus measures the region adds, minus
those it removes, each with a written reason.
"""

from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Literal, get_args

from pydantic import Field, StringConstraints, model_validator

from regbank_foundation.paths import KIT_ROOT
from security_profiles import PROFILE_DIR
from security_profiles.catalog import Catalog, Measure, ProtectionLevel, load_catalogs
from security_profiles.datafile import DataFileError, DataModel, display_path, load_model
from security_profiles.levels import ClassTable, Scale, Significance, StateClass, load_class_table
from security_profiles.role_tags import role_tags
from security_profiles.tags import measure_tag

# The framework whose base sets follow from the УЗ.
PERSONAL_DATA_FRAMEWORK = "fstec21"
TEMPLATES_DIR = "docs/templates"

MappingKind = Literal["implemented_by", "checked_by", "organisational", "external", "planned"]
MAPPING_KINDS: tuple[MappingKind, ...] = get_args(MappingKind)
# Kinds a check can evidence together with: the roles that apply the measure, or the
# certified product whose work the kit can observe (a tunnel up, reaching the bank).
CHECKABLE_KINDS: tuple[MappingKind, ...] = ("implemented_by", "planned", "external")

RoleName = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$")]
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]


class RoleTag(DataModel):
    role: RoleName
    tag: str


class MeasureMapping(DataModel):
    implemented_by: Annotated[list[RoleTag], Field(min_length=1)] | None = None
    checked_by: Annotated[list[str], Field(min_length=1)] | None = None
    organisational: str | None = None
    external: str | None = None
    planned: Annotated[list[RoleName], Field(min_length=1)] | None = None
    note: str | None = None

    @model_validator(mode="after")
    def _one_kind(self) -> "MeasureMapping":
        kinds = [kind for kind in MAPPING_KINDS if getattr(self, kind) is not None]
        primary = [kind for kind in kinds if kind != "checked_by"]
        if not kinds or len(primary) > 1:
            raise ValueError(
                f"exactly one of {', '.join(MAPPING_KINDS)} is needed "
                f"(checked_by may join implemented_by, planned or external), "
                f"found {', '.join(kinds) or 'none'}"
            )
        if self.checked_by and primary and primary[0] not in CHECKABLE_KINDS:
            raise ValueError(f"checked_by may join {', '.join(CHECKABLE_KINDS)}, not {primary[0]}")
        return self

    @property
    def kind(self) -> MappingKind:
        """The primary kind: how the measure is met (checked_by alone when only checked)."""
        return next(
            (kind for kind in MAPPING_KINDS if kind != "checked_by" and getattr(self, kind)),
            "checked_by",
        )


class Override(DataModel):
    framework: str
    code: str
    action: Literal["add", "remove"]
    reason: Text


class ExternalSlot(DataModel):
    required: Text  # the certified product the operator must provide
    lab: Text  # what the lab uses in its place, said plainly


class StateSystem(DataModel):
    state_class: StateClass = Field(alias="class")
    significance: Significance
    scale: Scale


class Profile(DataModel):
    title: Text
    level: ProtectionLevel
    rationale: Text
    state_system: StateSystem | None = None
    overrides: list[Override] = Field(default_factory=list)
    external_slots: dict[str, ExternalSlot] = Field(default_factory=dict)
    # framework → measure code → mapping
    measures: dict[str, dict[str, MeasureMapping]] = Field(default_factory=dict)


@dataclass(frozen=True)
class Requirement:
    """A measure of the profile's selection: from the base set, added, or removed."""

    framework: str
    measure: Measure
    origin: Literal["base", "added", "removed"]
    reason: str | None = None


@dataclass(frozen=True)
class LoadedProfile:
    name: str
    profile: Profile
    catalogs: dict[str, Catalog]
    class_table: ClassTable
    selection: tuple[Requirement, ...]
    role_tags: dict[str, frozenset[str] | None]  # every role the profile names; None: absent

    def mapping(self, requirement: Requirement) -> MeasureMapping | None:
        return self.profile.measures.get(requirement.framework, {}).get(requirement.measure.code)

    def carries(self, role: str, tag: str) -> bool:
        """Whether the role exists and one of its tasks is tagged ``tag``."""
        return tag in (self.role_tags.get(role) or ())


def profile_path(name: str) -> Path:
    """A shipped profile by name (``uz1``), or a path to a profile file."""
    if name.endswith((".yaml", ".yml")) or "/" in name:
        return Path(name)
    path = PROFILE_DIR / f"{name}.yaml"
    if not path.is_file():
        known = ", ".join(sorted(p.stem for p in PROFILE_DIR.glob("*.yaml")))
        raise DataFileError(f"unknown profile {name!r}; shipped profiles: {known}")
    return path


def load_profile(
    path: Path,
    *,
    kit_root: Path = KIT_ROOT,
    checks: dict[str, tuple[str, ...]] | None = None,  # check id → measure codes
) -> LoadedProfile:
    """Read a profile and resolve every reference; all problems are reported at once.

    ``checks`` defaults to the kit's check registry (security_profiles.checks).
    """
    if checks is None:
        from security_profiles.checks import REGISTRY

        checks = {check.id: check.measures for check in REGISTRY.values()}
    profile = load_model(path, Profile)
    catalogs = load_catalogs()
    class_table = load_class_table()
    roles = {item.role for m in _all_mappings(profile) for item in m.implemented_by or []}
    roles |= {role for m in _all_mappings(profile) for role in m.planned or []}
    tags = {role: role_tags(kit_root / "roles", role) for role in sorted(roles)}
    problems: list[str] = []
    selection = _select(profile, catalogs, problems)
    _check_state_system(profile, class_table, problems)
    references = _References(profile, kit_root, checks, tags)
    _check_mappings(profile, catalogs, selection, references, problems)
    if problems:
        lines = [f"{display_path(path)}: invalid profile:", *(f"  {p}" for p in problems)]
        raise DataFileError("\n".join(lines))
    return LoadedProfile(path.stem, profile, catalogs, class_table, tuple(selection), tags)


def _all_mappings(profile: Profile) -> list[MeasureMapping]:
    return [mapping for mappings in profile.measures.values() for mapping in mappings.values()]


def _select(
    profile: Profile, catalogs: dict[str, Catalog], problems: list[str]
) -> list[Requirement]:
    base_catalog = catalogs[PERSONAL_DATA_FRAMEWORK]
    base = {m.code for m in base_catalog.base_set(profile.level)}
    undetermined = {m.code for m in base_catalog.undetermined()}
    decided: dict[tuple[str, str], Override] = {}
    for index, override in enumerate(profile.overrides):
        key, code = f"overrides[{index}]", override.code
        catalog = catalogs.get(override.framework)
        if catalog is None or catalog.measure(code) is None:
            problems.append(f"{key}: no measure {code!r} in framework {override.framework!r}")
            continue
        if (override.framework, code) in decided:
            problems.append(f"{key}: {code} is overridden twice")
            continue
        in_base = override.framework == PERSONAL_DATA_FRAMEWORK and code in base
        if override.action == "add" and in_base:
            problems.append(f"{key}: {code} is already in the base set of УЗ-{profile.level}")
            continue
        if override.action == "remove" and not (in_base or code in undetermined):
            problems.append(f"{key}: {code} is not in the base set; nothing to remove")
            continue
        decided[(override.framework, override.code)] = override
    decided_here = {code for framework, code in decided if framework == base_catalog.framework}
    for code in sorted(undetermined - decided_here):
        problems.append(
            f"overrides: {PERSONAL_DATA_FRAMEWORK} {code}: the sources disagree on its base sets; "
            "add or remove it with a reason"
        )

    selection = []
    for measure in base_catalog.measures:
        override = decided.pop((base_catalog.framework, measure.code), None)
        if override is not None:
            origin = "added" if override.action == "add" else "removed"
            selection.append(Requirement(base_catalog.framework, measure, origin, override.reason))
        elif measure.code in base:
            selection.append(Requirement(base_catalog.framework, measure, "base"))
    for (framework, code), override in decided.items():
        measure = catalogs[framework].measure(code)
        selection.append(Requirement(framework, measure, "added", override.reason))
    return selection


def _check_state_system(profile: Profile, table: ClassTable, problems: list[str]) -> None:
    state = profile.state_system
    if state is None:
        return
    expected = table.state_class(state.significance, state.scale)
    if state.state_class != expected:
        problems.append(
            f"state_system.class: {state.state_class} does not follow from significance "
            f"{state.significance} and scale {state.scale} ({table.title}: {expected})"
        )


class _References:
    """Resolves the references of one profile's mappings against the kit's tree."""

    def __init__(
        self,
        profile: Profile,
        kit_root: Path,
        checks: dict[str, tuple[str, ...]],
        role_tags: dict[str, frozenset[str] | None],
    ) -> None:
        self.slots = profile.external_slots
        self.kit_root = kit_root
        self.checks = checks
        self.role_tags = role_tags
        self.used_slots: set[str] = set()

    def problems(self, key: str, code: str, tag: str, mapping: MeasureMapping) -> list[str]:
        found = []
        for index, item in enumerate(mapping.implemented_by or []):
            found += self._role(f"{key}.implemented_by[{index}]", tag, item)
        for index, check_id in enumerate(mapping.checked_by or []):
            if check_id not in self.checks:
                found.append(f"{key}.checked_by[{index}]: no check {check_id!r}")
            elif code not in self.checks[check_id]:
                evidenced = ", ".join(self.checks[check_id])
                found.append(
                    f"{key}.checked_by[{index}]: check {check_id!r} evidences {evidenced}, "
                    f"not {code}"
                )
        if mapping.organisational is not None:
            found += self._template(f"{key}.organisational", mapping.organisational)
        if mapping.external is not None:
            self.used_slots.add(mapping.external)
            if mapping.external not in self.slots:
                found.append(f"{key}.external: no slot {mapping.external!r} in external_slots")
        return found

    def _role(self, key: str, tag: str, item: RoleTag) -> list[str]:
        tags = self.role_tags[item.role]
        if tags is None:
            return [f"{key}.role: no role {item.role!r} under roles/"]
        if item.tag != tag:
            return [f"{key}.tag: expected {tag!r}, got {item.tag!r}"]
        if tag not in tags:
            return [f"{key}.tag: no task of role {item.role!r} is tagged {tag!r}"]
        return []

    def _template(self, key: str, document: str) -> list[str]:
        if not document.startswith(TEMPLATES_DIR + "/"):
            return [f"{key}: a template must lie under {TEMPLATES_DIR}/, got {document!r}"]
        if not (self.kit_root / document).is_file():
            return [f"{key}: template {document} does not exist"]
        return []


def _check_mappings(
    profile: Profile,
    catalogs: dict[str, Catalog],
    selection: list[Requirement],
    references: _References,
    problems: list[str],
) -> None:
    required = {(r.framework, r.measure.code) for r in selection if r.origin != "removed"}
    for framework, mappings in profile.measures.items():
        for code, mapping in mappings.items():
            key = f"measures.{framework}.{code}"
            if framework not in catalogs or catalogs[framework].measure(code) is None:
                problems.append(f"{key}: no measure {code!r} in framework {framework!r}")
                continue
            if (framework, code) not in required:
                problems.append(f"{key}: not required by this profile (add it in overrides)")
            problems += references.problems(key, code, measure_tag(framework, code), mapping)
    for slot in sorted(set(profile.external_slots) - references.used_slots):
        problems.append(f"external_slots.{slot}: not used by any measure")
