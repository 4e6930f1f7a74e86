"""The region file: what a planner knows about a region, validated at the boundary.

A region file describes the МО (families and minors on record, users by agency
type, yearly user actions, the link to the regional centre), the wished topology,
and the policies the sizing depends on (horizon, growth, retention, backups,
outage days, thresholds for online work, server limits). Every policy has a
default, so a minimal file gives only the region, topology, horizon and МО.
See docs/capacity-planner.md for the format.
"""

import math
import re
from enum import StrEnum
from functools import cached_property
from pathlib import Path
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, Strict

from capacity_planner.yaml_input import KeyPath, raise_problems, read_yaml, validate
from regbank_foundation.mo_code import MO_CODE_EXPECTED, is_mo_code

# The regional server's host name, as the inventories name it; a municipal server is
# named after its МО (municipal_site_name), and no МО code may take this name.
REGIONAL_SITE = "region-srv"


def _finite(value: Any) -> Any:
    """Refuse .inf and .nan before the bounds are checked: they compare oddly."""
    if isinstance(value, float) and not math.isfinite(value):
        raise ValueError(f"expected a finite number, got {value!r}")
    return value


def _mo_code(value: Any) -> Any:
    if not is_mo_code(value):
        raise ValueError(f"expected {MO_CODE_EXPECTED}, got {value!r}")
    return value


# Every number of the input files: finite, and never a boolean or a quoted string
# (strict mode), so `true` or "5" is refused rather than read as 1 or 5. Upper bounds
# keep every sum the planner makes (× 4096 in the scale search, growth over 30 years)
# far from overflow.
Number = Annotated[float, Strict(), BeforeValidator(_finite)]
Integer = Annotated[int, Strict()]
MAX_COUNT = 10**9
Count = Annotated[Integer, Field(ge=0, le=MAX_COUNT)]
MoCode = Annotated[str, BeforeValidator(_mo_code)]


class Topology(StrEnum):
    CENTRALIZED = "centralized"  # every МО works online on the regional server
    DISTRIBUTED = "distributed"  # every МО has a municipal server
    MIXED = "mixed"  # the planner decides which МО need a municipal server


class ServerWish(StrEnum):
    """A region's wish for one МО; only the mixed topology leaves room for it."""

    AUTO = "auto"  # the planner decides from the link
    ALWAYS = "always"  # a municipal server whatever the link
    NEVER = "never"  # online whatever the link (the plan reports the risk)


class _Input(BaseModel):
    # Unknown keys are refused: a typo must not silently fall back to a default.
    model_config = ConfigDict(extra="forbid", frozen=True)


class UsersByAgency(_Input):
    """Accounts per agency type of the prevention system."""

    kdn: Count = 0  # КДН и ЗП
    guardianship: Count = 0  # опека и попечительство
    education: Count = 0
    health: Count = 0
    police: Count = 0  # ПДН ОМВД
    social_protection: Count = 0
    youth_policy: Count = 0
    employment: Count = 0
    culture_sport: Count = 0

    @property
    def total(self) -> int:
        return sum(self.model_dump().values())


class Link(_Input):
    bandwidth_mbps: Number = Field(ge=0.001, le=10**6)  # guaranteed, towards the regional centre
    availability: Number = Field(gt=0, le=1)  # share of working time the link is up


Year = Annotated[int, Field(ge=2000, le=2100)]
YearlyCounts = dict[Year, Count]


class Actions(_Input):
    """User actions per year, as the bank's activity analytics count them."""

    all: YearlyCounts = Field(min_length=1)  # every action: logins, views, entries, ...
    entry: YearlyCounts = {}  # actions that enter or change data
    entry_kdn: YearlyCounts = {}  # of which by the municipal commission's staff
    entry_other: YearlyCounts = {}  # of which by the other agencies


class Municipality(_Input):
    code: MoCode  # host names are made from it
    name: str = Field(min_length=1)
    families: Count  # on record at the end of the last year
    minors: Count
    users: UsersByAgency
    link: Link
    municipal_server: ServerWish = ServerWish.AUTO
    actions: Actions

    @property
    def records(self) -> int:
        """Accounting units (учетные единицы): families plus minors."""
        return self.families + self.minors


class LoadProfile(_Input):
    working_days_per_year: Integer = Field(247, gt=0, le=366)  # production calendar, 5-day week
    working_hours_per_day: Number = Field(8, ge=1, le=24)
    peak_factor: Number = Field(5, ge=1, le=1000)  # busiest hour of the busiest day / average hour
    analytics_share: Number = Field(0.02, ge=0, le=1)  # analytics requests per other action
    regional_analytics_per_user_per_day: Number = Field(10, ge=0, le=10_000)
    hot_audit_months: Number = Field(3, ge=0, le=120)  # audit events the analytics keep hot


class Growth(_Input):
    """Yearly change after the last year of the file, as a fraction (0.05 = +5 %)."""

    actions_per_year: Number = Field(0.05, ge=-0.5, le=2)
    records_per_year: Number = Field(0.03, ge=-0.5, le=2)
    users_per_year: Number = Field(0.02, ge=-0.5, le=2)
    card_turnover_per_year: Number = Field(0.5, ge=0, le=10)  # new cards / cards on record


class Retention(_Input):
    audit_events_years: Integer = Field(5, ge=1, le=100)  # kept online in the database
    logs_days: Integer = Field(365, ge=1, le=36_500)  # pgaudit and application logs kept on disk


class Backups(_Input):
    full_every_days: Integer = Field(7, ge=1, le=366)
    differential_every_days: Integer = Field(1, ge=1, le=366)
    retention_days: Integer = Field(30, ge=1, le=36_500)
    window_hours: Number = Field(4, ge=0.5, le=24)  # night window for a full backup


class OnlineWork(_Input):
    """Thresholds below which an МО cannot work online and needs a municipal server."""

    min_bandwidth_mbps: Number = Field(1.0, ge=0.001, le=10**6)
    min_availability: Number = Field(0.99, gt=0, le=1)


class Network(_Input):
    link_utilisation_target: Number = Field(0.7, ge=0.01, le=1)
    vpn_overhead: Number = Field(0.15, ge=0, le=2)  # tunnel headers and keep-alives
    catch_up_hours: Number = Field(8, ge=0.5, le=720)  # to ship the backlog after an outage


class Sizing(_Input):
    cpu_target_utilisation: Number = Field(0.6, ge=0.01, le=1)
    disk_target_utilisation: Number = Field(0.5, ge=0.01, le=1)
    disk_headroom: Number = Field(0.3, ge=0, le=5)
    min_vcpu: Integer = Field(2, ge=1, le=10**6)
    min_ram_gib: Integer = Field(4, ge=1, le=10**9)
    analytics_max_seconds: Number = Field(5, gt=0, le=10**6)


class ServerLimits(_Input):
    """The largest server the region can get; beyond it one regional server is not enough."""

    max_vcpu: Integer = Field(32, ge=1, le=10**6)
    max_ram_gib: Integer = Field(256, ge=1, le=10**9)
    max_disk_gib: Integer = Field(8192, ge=1, le=10**9)


class RegionalSite(_Input):
    users: UsersByAgency = UsersByAgency()  # regional officers (analytics, control)
    uplink_mbps: Number = Field(100, ge=0.001, le=10**6)


class Region(_Input):
    region: str = Field(min_length=1)
    slug: str | None = Field(None, pattern=r"^[a-z0-9][a-z0-9-]*$")
    topology: Topology
    horizon_years: Integer = Field(ge=1, le=30)
    outage_days: Number = Field(3, ge=0, le=365)
    load_profile: LoadProfile = LoadProfile()
    growth: Growth = Growth()
    retention: Retention = Retention()
    backups: Backups = Backups()
    online_work: OnlineWork = OnlineWork()
    network: Network = Network()
    sizing: Sizing = Sizing()
    server_limits: ServerLimits = ServerLimits()
    regional_site: RegionalSite = RegionalSite()
    municipalities: list[Municipality] = Field(min_length=1)

    @cached_property  # read for every МО and year while planning
    def history_years(self) -> list[int]:
        return sorted(self.municipalities[0].actions.all)

    @property
    def base_year(self) -> int:
        """The last year with data; the projection starts after it."""
        return self.history_years[-1]

    @property
    def horizon_end(self) -> int:
        return self.base_year + self.horizon_years

    @property
    def output_slug(self) -> str:
        return self.slug or slugify(self.region)


def load_region(path: Path) -> Region:
    """Read and validate a region file; raise InputFileError listing every problem."""
    document = read_yaml(path)
    region = validate(document, Region)
    raise_problems(document, consistency_problems(region))
    return region


def consistency_problems(region: Region) -> list[tuple[KeyPath, str]]:
    """Rules that involve more than one key."""
    problems: list[tuple[KeyPath, str]] = []
    problems += _backup_problems(region.backups)
    first_years = region.history_years
    seen_hosts: dict[str, int] = {}
    for index, mo in enumerate(region.municipalities):
        where: KeyPath = ("municipalities", index)
        host = municipal_site_name(mo.code)
        if host == REGIONAL_SITE:
            problems.append(
                (
                    (*where, "code"),
                    f"expected a code whose host name is not {REGIONAL_SITE!r}, the regional "
                    f"server's; {mo.code!r} would give the МО's server that name",
                )
            )
        elif host in seen_hosts:
            other = seen_hosts[host]
            problems.append(
                (
                    (*where, "code"),
                    f"duplicate МО code {mo.code!r}: municipalities[{other}] has "
                    f"{region.municipalities[other].code!r}, and both name the host {host!r} "
                    "(codes must differ in more than case, '-' and '_')",
                )
            )
        seen_hosts.setdefault(host, index)
        problems += _user_problems(mo, where)
        problems += _action_problems(mo.actions, (*where, "actions"), first_years)
        problems += _wish_problems(region.topology, mo.municipal_server, where)
    return problems


def _user_problems(mo: Municipality, where: KeyPath) -> list[tuple[KeyPath, str]]:
    """Actions are made by users: an МО with actions and no account is a slip of the file."""
    busy_years = [year for year, count in sorted(mo.actions.all.items()) if count]
    if mo.users.total or not busy_years:
        return []
    return [
        (
            (*where, "users"),
            f"expected at least one user: the МО has {mo.actions.all[busy_years[-1]]} actions "
            f"in {busy_years[-1]}",
        )
    ]


def _backup_problems(backups: Backups) -> list[tuple[KeyPath, str]]:
    problems: list[tuple[KeyPath, str]] = []
    if backups.retention_days < backups.full_every_days:
        problems.append(
            (
                ("backups", "retention_days"),
                f"expected at least backups.full_every_days ({backups.full_every_days}): "
                "a shorter retention would expire the only full backup",
            )
        )
    if backups.differential_every_days > backups.full_every_days:
        problems.append(
            (
                ("backups", "differential_every_days"),
                f"expected at most backups.full_every_days ({backups.full_every_days})",
            )
        )
    return problems


def _action_problems(
    actions: Actions, where: KeyPath, first_years: list[int]
) -> list[tuple[KeyPath, str]]:
    problems: list[tuple[KeyPath, str]] = []
    years = sorted(actions.all)
    if years != list(range(years[0], years[-1] + 1)):
        problems.append(((*where, "all"), f"expected consecutive years, got {years}"))
    if years != first_years:
        problems.append(
            (
                (*where, "all"),
                f"expected the same years as municipalities[0] ({first_years}), got {years}",
            )
        )
    if years[-1] not in actions.entry:
        problems.append(
            (
                (*where, "entry"),
                f"expected a value for {years[-1]}, the last year (the projection starts there)",
            )
        )
    for key in ("entry", "entry_kdn", "entry_other"):
        for year in sorted(getattr(actions, key)):
            if year not in actions.all:
                problems.append(((*where, key, year), f"year {year} has no total in actions.all"))
    for year, entry in sorted(actions.entry.items()):
        if year in actions.all and entry > actions.all[year]:
            problems.append(
                (
                    (*where, "entry", year),
                    f"expected at most actions.all[{year}] = {actions.all[year]}, got {entry}",
                )
            )
        if year in actions.entry_kdn and year in actions.entry_other:
            split = actions.entry_kdn[year] + actions.entry_other[year]
            if split != entry:
                problems.append(
                    (
                        (*where, "entry", year),
                        f"expected entry_kdn + entry_other = {split}, got {entry}",
                    )
                )
    return problems


def _wish_problems(
    topology: Topology, wish: ServerWish, where: KeyPath
) -> list[tuple[KeyPath, str]]:
    contradicts = (topology is Topology.CENTRALIZED and wish is ServerWish.ALWAYS) or (
        topology is Topology.DISTRIBUTED and wish is ServerWish.NEVER
    )
    if not contradicts:
        return []
    return [
        (
            (*where, "municipal_server"),
            f"{wish.value!r} contradicts topology {topology.value!r}: "
            "use topology 'mixed' to decide per МО",
        )
    ]


_CYRILLIC_TO_LATIN = dict(
    zip(
        "абвгдеёжзийклмнопрстуфхцчшщъыьэюя",
        # ъ and ь are dropped
        ["a", "b", "v", "g", "d", "e", "e", "zh", "z", "i", "y", "k", "l", "m", "n", "o", "p"]
        + ["r", "s", "t", "u", "f", "kh", "ts", "ch", "sh", "shch", "", "y", "", "e", "yu", "ya"],
        strict=True,
    )
)


def municipal_site_name(code: str) -> str:
    """The municipal server's host name, as the inventories name it: MO-3 -> mo3-srv."""
    return re.sub(r"[^a-z0-9]", "", code.lower()) + "-srv"


def slugify(name: str) -> str:
    """A file-name-safe slug: 'Образцовый регион (10 МО)' -> 'obraztsovyy-region-10-mo'."""
    latin = "".join(_CYRILLIC_TO_LATIN.get(char, char) for char in name.lower())
    return re.sub(r"[^a-z0-9]+", "-", latin).strip("-") or "region"
