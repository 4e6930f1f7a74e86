"""From a region to a plan: yearly volumes, which МО get a server, every site sized.

The steps: project each МО's volumes over the horizon; decide which МО work online
and which need a municipal server (topology, wishes, links); lay out the sites
(the regional server and the municipal servers); size each site per year with the
formulas of ``model``; check the regional server against the server limits and, if
it does not fit, recommend which МО to move onto municipal servers; find how far
the volumes can grow before a single regional server is no longer enough.
"""

import copy
import math
from collections.abc import Callable
from dataclasses import dataclass, fields
from enum import StrEnum

import numpy as np

from capacity_planner import model
from capacity_planner.calibration import Coefficients
from capacity_planner.model import (
    GIB,
    MIB,
    Activity,
    AnalyticsLoad,
    DatabaseSize,
    MemorySettings,
    Replication,
    Requests,
    StoredData,
)
from capacity_planner.region import (
    REGIONAL_SITE,
    Link,
    Municipality,
    Region,
    ServerWish,
    Topology,
    municipal_site_name,
)

# Volume multipliers searched for the single-server limit.
SCALE_SEARCH_LOW = 1 / 64
SCALE_SEARCH_HIGH = 4096.0
SCALE_SEARCH_STEPS = 40


class SiteRole(StrEnum):
    REGIONAL = "regional"
    MUNICIPAL = "municipal"


class ServerReason(StrEnum):
    TOPOLOGY = "topology"  # distributed: every МО has a server
    WISH = "wish"  # municipal_server: always
    SLOW_LINK = "slow_link"
    UNRELIABLE_LINK = "unreliable_link"


class Resource(StrEnum):
    VCPU = "vcpu"
    RAM = "ram"
    DISK = "disk"


@dataclass(frozen=True)
class MunicipalityYear:
    activity: Activity
    records: float  # families + minors on record
    users: float


def project(mo: Municipality, region: Region, scale: float = 1.0) -> dict[int, MunicipalityYear]:
    """An МО's volumes for the years of the file and the horizon after them.

    A year of the file without the entry split (the first year of a bank) takes
    the МО's mean entry share of the years that have it. Families, minors and
    users are known for the last year only and are held for the earlier years.
    After the last year every volume grows by its yearly rate.
    """
    actions = mo.actions
    shares = [actions.entry[y] / actions.all[y] for y in actions.entry if actions.all[y] > 0]
    entry_share = sum(shares) / len(shares) if shares else 0.0
    volumes: dict[int, MunicipalityYear] = {}
    for year, total in actions.all.items():
        entry = actions.entry.get(year, total * entry_share)
        volumes[year] = MunicipalityYear(
            Activity(entry, total - entry).scaled(scale),
            mo.records * scale,
            mo.users.total * scale,
        )
    base_year = region.base_year
    base = volumes[base_year]
    growth = region.growth
    for step in range(1, region.horizon_years + 1):
        volumes[base_year + step] = MunicipalityYear(
            base.activity.scaled((1 + growth.actions_per_year) ** step),
            base.records * (1 + growth.records_per_year) ** step,
            base.users * (1 + growth.users_per_year) ** step,
        )
    return volumes


@dataclass(frozen=True)
class MunicipalityPlan:
    code: str
    name: str
    link: Link
    wish: ServerWish
    peak_rps: float  # requests per second of its users in the peak hour, horizon end
    online_demand_mbps: float  # their web traffic through the VPN
    online_need_mbps: float  # the demand, or the minimum for online work if higher
    replication_need_mbps: float  # for a municipal server: steady changes plus catch-up
    link_problems: tuple[ServerReason, ...]  # why the link does not suit online work
    server_reasons: tuple[ServerReason, ...]  # empty: the МО works online

    @property
    def has_server(self) -> bool:
        return bool(self.server_reasons)

    @property
    def link_need_mbps(self) -> float:
        return self.replication_need_mbps if self.has_server else self.online_need_mbps

    @property
    def online_at_risk(self) -> bool:
        """Works online over a link that fails the thresholds (topology or wish says so)."""
        return not self.has_server and bool(self.link_problems)


@dataclass(frozen=True)
class SiteLayout:
    name: str
    role: SiteRole
    mo_code: str | None  # the МО of a municipal server
    served: tuple[str, ...]  # МО whose users work here online
    applied: tuple[str, ...]  # МО whose changes arrive here by replication
    stored: tuple[str, ...]  # МО whose data this database holds
    published: tuple[str, ...]  # МО whose changes leave here by replication
    peers: int  # sites replicating with this one
    regional_users: bool  # the regional officers work here


@dataclass(frozen=True)
class SiteYear:
    """A site's load in the peak hour and its storage at the end of one year."""

    year: int
    peak: Requests  # per second
    busy_cores: float
    cores_needed: float
    analytics_seconds: float  # CPU time of the heaviest analytics request
    iops: float
    database: DatabaseSize
    wal_bytes_per_working_day: float
    max_wal_size_mib: int
    slot_wal_keep_mib: int | None  # when the site has replication slots
    data_disk: float  # bytes, headroom included
    wal_disk: float
    logs_disk: float
    backup_disk: float

    @property
    def server_disk(self) -> float:
        """Disk on the server itself; backups live on a separate volume or host."""
        return self.data_disk + self.wal_disk + self.logs_disk


@dataclass(frozen=True)
class SitePlan:
    layout: SiteLayout
    years: tuple[SiteYear, ...]
    users: int  # accounts working here (VPN clients of the site)
    vcpu: int
    ram_gib: int
    ram_needed_mib: float
    gunicorn_workers: int
    max_connections: int
    memory: MemorySettings
    replication: Replication | None
    iops_required: float
    backup_mib_per_second: float  # to take a full backup within the window
    exceeds: tuple[Resource, ...]  # server limits the site does not fit

    @property
    def final(self) -> SiteYear:
        return self.years[-1]


@dataclass(frozen=True)
class Offload:
    """Recommended when the regional server does not fit the limits."""

    codes: tuple[str, ...]  # МО to give a municipal server, largest load first
    remaining: tuple[Resource, ...]  # limits still exceeded with them


@dataclass(frozen=True)
class ScalePoint:
    multiplier: float
    vcpu: int
    ram_gib: int
    disk_gib: float


@dataclass(frozen=True)
class ScaleLimit:
    """How far this region's volumes can grow before one regional server (all МО online)
    is no longer enough; None where a resource stays within its limit over the search."""

    limits: dict[Resource, float | None]
    curve: tuple[ScalePoint, ...]

    @property
    def first(self) -> tuple[Resource, float] | None:
        reached = [(m, r) for r, m in self.limits.items() if m is not None]
        if not reached:
            return None
        multiplier, resource = min(reached)
        return resource, multiplier


@dataclass(frozen=True)
class RegionPlan:
    region: Region
    municipalities: tuple[MunicipalityPlan, ...]
    sites: tuple[SitePlan, ...]  # the regional server first
    uplink_need_mbps: float  # at the regional server
    offload: Offload | None
    scale: ScaleLimit

    @property
    def regional(self) -> SitePlan:
        return self.sites[0]

    @property
    def server_codes(self) -> tuple[str, ...]:
        return tuple(mo.code for mo in self.municipalities if mo.has_server)


@dataclass(frozen=True)
class _Sums:
    """Volumes of a set of МО added up: one value per year of ``_Volumes.years``."""

    entry: list[float]
    other: list[float]
    records: list[float]
    users: list[float]
    rollup: list[float]  # monthly rollup rows the year adds
    analytics_requests: list[float]  # the МО users' own analytics requests
    analytics_rows: list[float]  # Σ requests × rollup rows each reads (a year of its МО)
    cards: list[float]  # current and archived, at the end of the year
    registry_rows: list[float]
    open_rows: list[float]  # registry rows of cases still on record
    events: list[float]  # audit events within the retention period
    kept_rollup: list[float]  # rollup rows of the same period
    largest_rollup: list[float]  # one МО's rollup of the year, the largest of the set

    def activity(self, column: int) -> Activity:
        return Activity(self.entry[column], self.other[column])


_ANALYTICS_ROWS = [item.name for item in fields(_Sums)].index("analytics_rows")


class _Volumes:
    """Projected volumes of every МО as arrays (a row per МО, a column per year), and
    their sums over any set of МО: what a site serves, applies, publishes or stores.

    Every quantity of an МО is summed in one numpy operation, so sizing a site costs
    the same whether it holds ten МО or ten thousand.
    """

    def __init__(self, region: Region, c: Coefficients, projected: np.ndarray, years: list[int]):
        self.region = region
        self.c = c
        self.years = years
        self.column = {year: column for column, year in enumerate(years)}
        self.row = {mo.code: row for row, mo in enumerate(region.municipalities)}
        self._projected = projected
        entry, other, records, users = projected
        total = entry + other
        rollup = np.minimum(total, users * model.MONTHS_PER_YEAR * c.rollup_rows_per_user_month)
        requests = other * region.load_profile.analytics_share
        turnover = region.growth.card_turnover_per_year
        # A case stays on record 1 / turnover years on average (on record = new cards a
        # year × time on record): the registry rows of the last that many years are open.
        open_years = 1 / turnover if turnover else math.inf
        open_entry = np.zeros_like(entry)
        for column in range(len(years)):
            for age in range(column + 1):
                open_entry[:, column] += entry[:, column - age] * _overlap(age, open_years)
        kept = region.retention.audit_events_years
        self._rollup = rollup
        self._stack = np.stack(
            [
                entry,
                other,
                records,
                users,
                rollup,
                requests,
                requests * rollup,
                records + turnover * np.cumsum(records, axis=1),
                np.cumsum(entry, axis=1) * c.registry_rows_per_entry_action,
                open_entry * c.registry_rows_per_entry_action,
                _last_years(total, kept),
                _last_years(rollup, kept),
            ]
        )
        self.every = self._sums_of(self._stack.sum(axis=1), rollup.max(axis=0))
        growth = region.growth.users_per_year
        self.regional_users = {
            year: region.regional_site.users.total * (1 + growth) ** max(0, year - region.base_year)
            for year in years
        }

    @classmethod
    def of(cls, region: Region, c: Coefficients) -> "_Volumes":
        projections = [project(mo, region) for mo in region.municipalities]
        years = sorted(projections[0])
        projected = np.array(
            [
                [[quantity(p[year]) for year in years] for p in projections]
                for quantity in (
                    lambda v: v.activity.entry,
                    lambda v: v.activity.other,
                    lambda v: v.records,
                    lambda v: v.users,
                )
            ]
        )
        return cls(region, c, projected, years)

    def scaled(self, multiplier: float) -> "_Volumes":
        """Every МО's volumes multiplied (the regional officers stay as they are). Each
        summed quantity is linear in the volumes, but requests × rows is quadratic."""
        scaled = copy.copy(self)
        scaled._projected = self._projected * multiplier
        scaled._rollup = self._rollup * multiplier
        factors = np.full((len(self._stack), 1, 1), multiplier)
        factors[_ANALYTICS_ROWS] = multiplier**2
        scaled._stack = self._stack * factors
        scaled.every = self._sums_of(scaled._stack.sum(axis=1), scaled._rollup.max(axis=0))
        return scaled

    def sums(self, codes: tuple[str, ...]) -> _Sums:
        if len(codes) == len(self.row):  # codes are unique: every МО
            return self.every
        rows = [self.row[code] for code in codes]
        width = len(self.years)
        largest = self._rollup[rows].max(axis=0) if rows else np.zeros(width)
        return self._sums_of(self._stack[:, rows, :].sum(axis=1), largest)

    @staticmethod
    def _sums_of(totals: np.ndarray, largest_rollup: np.ndarray) -> _Sums:
        return _Sums(*totals.tolist(), largest_rollup=largest_rollup.tolist())

    def mo_activity(self, code: str, year: int) -> Activity:
        entry, other = self._projected[:2, self.row[code], self.column[year]].tolist()
        return Activity(entry, other)

    def stored(self, held: _Sums, year: int) -> StoredData:
        """What the database of a site holding these МО contains at the end of ``year``."""
        column = self.column[year]
        profile = self.region.load_profile
        hot_share = min(1.0, profile.hot_audit_months / model.MONTHS_PER_YEAR)
        return StoredData(
            cards=held.cards[column],
            registry_rows=held.registry_rows[column],
            open_case_rows=held.open_rows[column],
            audit_events=held.events[column],
            hot_audit_events=held.activity(column).total * hot_share,
            rollup_rows=held.kept_rollup[column],
            users=self.regional_users[year] + self.every.users[column],
        )

    def new_bytes_per_day(self, held: _Sums, year: int) -> float:
        """Bytes the database gains per calendar day: new cards, registry rows, audit events."""
        c = self.c
        column = self.column[year]
        activity = held.activity(column)
        new_cards = self.region.growth.card_turnover_per_year * held.records[column]
        registry = model.registry_on_disk(
            new_cards * c.card_row_bytes
            + activity.entry * c.registry_rows_per_entry_action * c.registry_row_bytes,
            c,
        )
        return (registry + model.audit_on_disk(activity.total, c)) / model.DAYS_PER_YEAR


def _last_years(values: np.ndarray, years: int) -> np.ndarray:
    """For each column, the sum of it and the columns before it, ``years`` in all."""
    cumulative = np.cumsum(values, axis=1)
    earlier = np.zeros_like(cumulative)
    if years < values.shape[1]:
        earlier[:, years:] = cumulative[:, :-years]
    return cumulative - earlier


def _overlap(age: int, window_years: float) -> float:
    """The share of the year ``age`` years back that falls within the last window_years."""
    return max(0.0, min(1.0, window_years - age))


def plan_region(region: Region, c: Coefficients) -> RegionPlan:
    volumes = _Volumes.of(region, c)
    municipalities = tuple(
        _municipality_plan(mo, region, volumes, c) for mo in region.municipalities
    )
    server_codes = tuple(mo.code for mo in municipalities if mo.has_server)
    sites = _size_sites(region, volumes, server_codes, c)
    offload = None
    if sites[0].exceeds:
        offload = _recommend_offload(region, volumes, municipalities, sites[0], c)
    return RegionPlan(
        region=region,
        municipalities=municipalities,
        sites=sites,
        uplink_need_mbps=_uplink_need_mbps(region, volumes, municipalities, c),
        offload=offload,
        scale=single_server_limit(volumes),
    )


def _municipality_plan(
    mo: Municipality, region: Region, volumes: _Volumes, c: Coefficients
) -> MunicipalityPlan:
    year = region.horizon_end
    peak = _peak_requests(volumes.mo_activity(mo.code, year), region, c)
    demand = model.link_mbps(model.online_bytes_per_second(peak, c), region.network)
    need = max(region.online_work.min_bandwidth_mbps, demand)
    problems = []
    if mo.link.bandwidth_mbps < need:
        problems.append(ServerReason.SLOW_LINK)
    if mo.link.availability < region.online_work.min_availability:
        problems.append(ServerReason.UNRELIABLE_LINK)
    return MunicipalityPlan(
        code=mo.code,
        name=mo.name,
        link=mo.link,
        wish=mo.municipal_server,
        peak_rps=peak.total,
        online_demand_mbps=demand,
        online_need_mbps=need,
        replication_need_mbps=model.link_mbps(
            _replication_bytes_per_second(region, volumes, mo.code, c)
            + _catch_up_bytes_per_second(region, volumes, mo.code, c),
            region.network,
        ),
        link_problems=tuple(problems),
        server_reasons=_server_reasons(region.topology, mo.municipal_server, tuple(problems)),
    )


def _server_reasons(
    topology: Topology, wish: ServerWish, link_problems: tuple[ServerReason, ...]
) -> tuple[ServerReason, ...]:
    """Why an МО gets a municipal server; empty when it works online."""
    if topology is Topology.DISTRIBUTED:
        return (ServerReason.TOPOLOGY,)
    if topology is Topology.CENTRALIZED or wish is ServerWish.NEVER:
        return ()
    if wish is ServerWish.ALWAYS:
        return (ServerReason.WISH,)
    return link_problems


def _peak_requests(activity: Activity, region: Region, c: Coefficients) -> Requests:
    """Peak-hour requests per second of users working online; the МО's own analytics
    requests are a share of its other actions."""
    analytics = activity.other * region.load_profile.analytics_share
    yearly = model.requests_for(activity, analytics, c)
    profile = region.load_profile
    return Requests(
        read=model.peak_per_second(yearly.read, profile),
        write=model.peak_per_second(yearly.write, profile),
        analytics=model.peak_per_second(yearly.analytics, profile),
    )


def _replicated_bytes_per_year(
    region: Region, volumes: _Volumes, code: str, c: Coefficients
) -> float:
    return model.replication_bytes(volumes.mo_activity(code, region.horizon_end), c)


def _replication_bytes_per_second(
    region: Region, volumes: _Volumes, code: str, c: Coefficients
) -> float:
    """A municipal server's changes flowing to the regional server in the peak hour."""
    yearly = _replicated_bytes_per_year(region, volumes, code, c)
    return model.peak_per_second(yearly, region.load_profile)


def _catch_up_bytes_per_second(
    region: Region, volumes: _Volumes, code: str, c: Coefficients
) -> float:
    """The rate that ships a municipal server's backlog within the catch-up hours."""
    yearly = _replicated_bytes_per_year(region, volumes, code, c)
    per_working_day = yearly / region.load_profile.working_days_per_year
    return model.catch_up_bytes_per_second(per_working_day, region.outage_days, region.network)


def _uplink_need_mbps(
    region: Region,
    volumes: _Volumes,
    municipalities: tuple[MunicipalityPlan, ...],
    c: Coefficients,
) -> float:
    """The regional server's link: online МО, regional officers, replication in the
    peak hour, and one municipal server catching up after an outage."""
    year = region.horizon_end
    online = tuple(mo.code for mo in municipalities if not mo.has_server)
    servers = [mo.code for mo in municipalities if mo.has_server]
    peak = _peak_requests(volumes.sums(online).activity(volumes.column[year]), region, c)
    regional = model.peak_per_second(
        _regional_analytics_requests(region, volumes, year), region.load_profile
    )
    web = model.online_bytes_per_second(
        Requests(peak.read, peak.write, peak.analytics + regional), c
    )
    steady = sum(_replication_bytes_per_second(region, volumes, code, c) for code in servers)
    catch_up = max(
        (_catch_up_bytes_per_second(region, volumes, code, c) for code in servers), default=0.0
    )
    return model.link_mbps(web + steady + catch_up, region.network)


def _regional_analytics_requests(region: Region, volumes: _Volumes, year: int) -> float:
    profile = region.load_profile
    return (
        volumes.regional_users[year]
        * profile.regional_analytics_per_user_per_day
        * profile.working_days_per_year
    )


def _layouts(region: Region, server_codes: tuple[str, ...]) -> list[SiteLayout]:
    every = tuple(mo.code for mo in region.municipalities)
    with_server = set(server_codes)
    online = tuple(code for code in every if code not in with_server)
    regional = SiteLayout(
        name=REGIONAL_SITE,
        role=SiteRole.REGIONAL,
        mo_code=None,
        served=online,
        applied=server_codes,
        stored=every,
        published=(),
        peers=len(server_codes),
        regional_users=True,
    )
    municipal = [
        SiteLayout(
            name=municipal_site_name(code),
            role=SiteRole.MUNICIPAL,
            mo_code=code,
            served=(code,),
            applied=(),
            stored=(code,),
            published=(code,),
            peers=1,
            regional_users=False,
        )
        for code in server_codes
    ]
    return [regional, *municipal]


def _size_sites(
    region: Region, volumes: _Volumes, server_codes: tuple[str, ...], c: Coefficients
) -> tuple[SitePlan, ...]:
    return tuple(
        _size_site(layout, region, volumes, c) for layout in _layouts(region, server_codes)
    )


def _analytics_loads(
    layout: SiteLayout, served: _Sums, region: Region, volumes: _Volumes, year: int
) -> tuple[list[AnalyticsLoad], float]:
    """Analytics of the served МО, each over a year of its own rollup, and of the regional
    officers over a year of the whole region's (the views' default period); and the
    rollup rows of the heaviest request.

    A request's CPU is linear in the rows it reads, so the served МО's requests are one
    load reading their request-weighted mean of rows: the same CPU as one load per МО.
    """
    column = volumes.column[year]
    requests = served.analytics_requests[column]
    mean_rows = served.analytics_rows[column] / requests if requests else 0.0
    loads = [AnalyticsLoad(requests=requests, scope_rollup_rows=mean_rows)]
    heaviest = served.largest_rollup[column] if layout.served else 0.0
    if layout.regional_users:
        regional_rows = volumes.every.rollup[column]
        loads.append(
            AnalyticsLoad(
                requests=_regional_analytics_requests(region, volumes, year),
                scope_rollup_rows=regional_rows,
            )
        )
        heaviest = max(heaviest, regional_rows)
    return loads, heaviest


@dataclass(frozen=True)
class _SiteVolumes:
    """A site's МО summed by what it does with them (see SiteLayout)."""

    served: _Sums
    applied: _Sums
    published: _Sums
    stored: _Sums


def _site_year(
    layout: SiteLayout,
    sums: _SiteVolumes,
    year: int,
    region: Region,
    volumes: _Volumes,
    c: Coefficients,
) -> SiteYear:
    profile = region.load_profile
    column = volumes.column[year]
    served = sums.served.activity(column)
    applied = sums.applied.activity(column)
    published = sums.published.activity(column)
    analytics, heaviest_rows = _analytics_loads(layout, sums.served, region, volumes, year)
    yearly = model.requests_for(served, sum(load.requests for load in analytics), c)
    peak = Requests(
        read=model.peak_per_second(yearly.read, profile),
        write=model.peak_per_second(yearly.write, profile),
        analytics=model.peak_per_second(yearly.analytics, profile),
    )
    replicated = model.peak_per_second(applied.total + published.total, profile)
    busy = model.busy_cores(peak, analytics, replicated, profile, c)
    applied_peak = applied.scaled(model.peak_per_second(1.0, profile))

    database = model.database_size(volumes.stored(sums.stored, year), c)
    wal_year = model.wal_bytes(served + applied, c)
    wal_per_working_day = wal_year / profile.working_days_per_year
    max_wal = model.max_wal_size_mib(model.peak_per_second(wal_year, profile))
    slot_keep = (
        model.slot_wal_keep_mib(region.outage_days, wal_per_working_day) if layout.peers else None
    )
    headroom = region.sizing.disk_headroom
    logs = model.logs_on_disk(
        model.log_bytes_per_year(yearly, c), region.retention.logs_days, profile, c
    )
    backups = model.backup_storage(
        database,
        volumes.new_bytes_per_day(sums.stored, year),
        wal_year / model.DAYS_PER_YEAR,
        region.backups,
        c,
    )
    return SiteYear(
        year=year,
        peak=peak,
        busy_cores=busy,
        cores_needed=model.cores_needed(busy, region.sizing.cpu_target_utilisation, c),
        analytics_seconds=model.analytics_request_ms(heaviest_rows, c) / 1000
        if layout.served or layout.regional_users
        else 0.0,
        iops=model.iops(peak, applied_peak, c),
        database=database,
        wal_bytes_per_working_day=wal_per_working_day,
        max_wal_size_mib=max_wal,
        slot_wal_keep_mib=slot_keep,
        data_disk=model.with_headroom(database.total, headroom),
        wal_disk=model.with_headroom(
            model.wal_volume(max_wal, slot_keep, wal_per_working_day), headroom
        ),
        logs_disk=model.with_headroom(logs, headroom),
        backup_disk=model.with_headroom(backups, headroom),
    )


def _size_site(layout: SiteLayout, region: Region, volumes: _Volumes, c: Coefficients) -> SitePlan:
    """Size a site for the end of the horizon; keep every year for the report."""
    sums = _SiteVolumes(
        *(volumes.sums(codes) for codes in (layout.served, layout.applied, layout.published)),
        stored=volumes.sums(layout.stored),
    )
    years = tuple(
        _site_year(layout, sums, year, region, volumes, c)
        for year in range(region.base_year, region.horizon_end + 1)
    )
    final = years[-1]
    vcpu = model.vcpu_for(final.cores_needed, region.sizing.min_vcpu)
    workers = model.gunicorn_workers(vcpu)
    connections = model.max_connections(workers)
    replication = Replication(peers=layout.peers, vcpu=vcpu) if layout.peers else None
    logical_workers = replication.logical_workers if replication else 0
    ram_needed = model.ram_needed_mib(final.database.hot, workers, connections + logical_workers, c)
    ram_gib = model.ram_size_gib(ram_needed, region.sizing.min_ram_gib)
    limits = region.server_limits
    exceeds = tuple(
        resource
        for resource, over in (
            (Resource.VCPU, vcpu > limits.max_vcpu),
            (Resource.RAM, ram_gib > limits.max_ram_gib),
            (Resource.DISK, final.server_disk > limits.max_disk_gib * GIB),
        )
        if over
    )
    users = round(
        sums.served.users[volumes.column[region.horizon_end]]
        + (volumes.regional_users[region.horizon_end] if layout.regional_users else 0)
    )
    return SitePlan(
        layout=layout,
        years=years,
        users=users,
        vcpu=vcpu,
        ram_gib=ram_gib,
        ram_needed_mib=ram_needed,
        gunicorn_workers=workers,
        max_connections=connections,
        memory=model.memory_settings(ram_gib, workers, connections, c),
        replication=replication,
        iops_required=final.iops / region.sizing.disk_target_utilisation,
        backup_mib_per_second=final.database.total
        / (region.backups.window_hours * model.SECONDS_PER_HOUR)
        / MIB,
        exceeds=exceeds,
    )


def _recommend_offload(
    region: Region,
    volumes: _Volumes,
    municipalities: tuple[MunicipalityPlan, ...],
    regional: SitePlan,
    c: Coefficients,
) -> Offload:
    """The fewest of the busiest online МО (not `never`) to move onto municipal servers
    so that the regional server's CPU and RAM fit, as far as moving them helps at all;
    its disk holds every МО's data whatever the topology.

    Moving МО takes their online load off the regional server, so the resources it can
    fix are those that moving every candidate fixes; the fewest МО that fix them are
    found by bisection over the candidates, busiest first.
    """
    servers = tuple(mo.code for mo in municipalities if mo.has_server)
    candidates = tuple(
        mo.code
        for mo in sorted(
            (mo for mo in municipalities if not mo.has_server and mo.wish is not ServerWish.NEVER),
            key=lambda mo: mo.peak_rps,
            reverse=True,
        )
    )

    def exceeded(count: int) -> set[Resource]:
        layout = _layouts(region, (*servers, *candidates[:count]))[0]
        return set(_size_site(layout, region, volumes, c).exceeds)

    over = {Resource.VCPU, Resource.RAM} & set(regional.exceeds)
    fixable = over - exceeded(len(candidates))
    if not fixable:
        return Offload(codes=(), remaining=regional.exceeds)
    fails, fits = 0, len(candidates)
    while fits - fails > 1:
        middle = (fails + fits) // 2
        if fixable & exceeded(middle):
            fails = middle
        else:
            fits = middle
    remaining = exceeded(fits)
    return Offload(codes=candidates[:fits], remaining=tuple(r for r in Resource if r in remaining))


def _regional_alone(layout: SiteLayout, volumes: _Volumes) -> SitePlan:
    """The regional server with every МО online (``layout``)."""
    return _size_site(layout, volumes.region, volumes, volumes.c)


def single_server_limit(volumes: _Volumes) -> ScaleLimit:
    """For each resource, the smallest volume multiplier at which one regional server
    (all МО online) exceeds the server limits; found by bisection on a log scale."""
    alone = _layouts(volumes.region, ())[0]
    limits: dict[Resource, float | None] = {}
    for resource in Resource:

        def exceeded(multiplier: float, resource: Resource = resource) -> bool:
            return resource in _regional_alone(alone, volumes.scaled(multiplier)).exceeds

        limits[resource] = _first_exceeding(exceeded)
    reached = [m for m in limits.values() if m is not None]
    top = max(8.0, 2 * max(reached)) if reached else 64.0
    curve = []
    for step in range(SCALE_SEARCH_STEPS + 1):
        multiplier = 0.25 * (top / 0.25) ** (step / SCALE_SEARCH_STEPS)
        site = _regional_alone(alone, volumes.scaled(multiplier))
        curve.append(ScalePoint(multiplier, site.vcpu, site.ram_gib, site.final.server_disk / GIB))
    return ScaleLimit(limits=limits, curve=tuple(curve))


def _first_exceeding(exceeded: Callable[[float], bool]) -> float | None:
    low, high = SCALE_SEARCH_LOW, SCALE_SEARCH_HIGH
    if not exceeded(high):
        return None
    if exceeded(low):
        return low
    while high / low > 1.01:
        middle = math.sqrt(low * high)
        if exceeded(middle):
            high = middle
        else:
            low = middle
    return high
