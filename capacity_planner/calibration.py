"""Calibration files: the measured (or, until measured, estimated) coefficients.

The planner's formulas are fixed; what the application and PostgreSQL cost per
request, per row and per action comes from a calibration file. The shipped file is
provisional (estimates with their reasoning); `regbank calibrate` will write a
measured file of the same shape, and `regbank plan --calibration FILE` reads it.

File shape (YAML):

    format_version: 1
    date: 2026-11-22
    machine: what the figures were measured on (or why there is none)
    method: provisional | how they were measured (load generator, statistics views)
    measured: false
    application_version: null | the app_bundle version measured
    notes: free text
    coefficients:
      cpu_ms_per_read_request: {value: 40, unit: ms, source: why this figure}
      ...

Every coefficient of ``Coefficients`` must be present, with exactly its unit.
"""

import dataclasses
import datetime
from dataclasses import dataclass, field
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from capacity_planner.region import Integer, Number
from capacity_planner.yaml_input import KeyPath, raise_problems, read_yaml, validate

SHIPPED_CALIBRATION = Path(__file__).resolve().parent / "calibration" / "provisional.yaml"
# What `regbank plan` uses unless told otherwise: the lab's measured file (the estimates
# above stay the base for what a calibration run cannot measure).
MEASURED_CALIBRATION = SHIPPED_CALIBRATION.with_name("lab-2026-11-22.yaml")
PROVISIONAL_METHOD = "provisional"
MAX_COEFFICIENT = 1e12


def _coefficient(unit: str, *, at_most_one: bool = False, positive: bool = False):
    return field(metadata={"unit": unit, "at_most_one": at_most_one, "positive": positive})


@dataclass(frozen=True)
class Coefficients:
    """What one request, row or action costs; the names are the calibration file's keys."""

    # CPU (application and PostgreSQL on the same server)
    cpu_ms_per_read_request: float = _coefficient("ms")
    cpu_ms_per_write_request: float = _coefficient("ms")
    cpu_ms_per_analytics_request: float = _coefficient("ms")
    cpu_us_per_rollup_row: float = _coefficient("us")
    cpu_ms_per_replicated_action: float = _coefficient("ms")
    background_cpu_cores: float = _coefficient("cores")
    # A request's time beyond its CPU under light load, 95th percentile (network, TLS,
    # the commit's fsync, the client): response time = this + CPU + waiting for a core
    non_cpu_ms_per_read_request: float = _coefficient("ms")
    non_cpu_ms_per_write_request: float = _coefficient("ms")
    non_cpu_ms_per_analytics_request: float = _coefficient("ms")
    # HTTP requests one user action takes in the application
    read_requests_per_entry_action: float = _coefficient("requests")
    write_requests_per_entry_action: float = _coefficient("requests")
    read_requests_per_other_action: float = _coefficient("requests")
    # Bytes on the link per request (request + response, compressed, static files cached)
    wire_bytes_per_read_request: float = _coefficient("bytes")
    wire_bytes_per_write_request: float = _coefficient("bytes")
    wire_bytes_per_analytics_request: float = _coefficient("bytes")
    # Database rows
    card_row_bytes: float = _coefficient("bytes")
    registry_row_bytes: float = _coefficient("bytes")
    registry_rows_per_entry_action: float = _coefficient("rows")
    audit_event_row_bytes: float = _coefficient("bytes")
    registry_index_factor: float = _coefficient("ratio")
    audit_index_factor: float = _coefficient("ratio")
    registry_heap_fill: float = _coefficient("ratio", at_most_one=True, positive=True)
    audit_heap_fill: float = _coefficient("ratio", at_most_one=True, positive=True)
    # The analytics' monthly rollup: a row per month, МО, agency, user and action
    rollup_rows_per_user_month: float = _coefficient("rows")
    rollup_row_bytes: float = _coefficient("bytes")
    reference_bytes_per_user: float = _coefficient("bytes")
    empty_database_bytes: float = _coefficient("bytes")
    # WAL and logical replication
    wal_bytes_per_entry_action: float = _coefficient("bytes")
    wal_bytes_per_other_action: float = _coefficient("bytes")
    replication_bytes_per_entry_action: float = _coefficient("bytes")
    replication_bytes_per_other_action: float = _coefficient("bytes")
    # Logs
    pgaudit_bytes_per_read_request: float = _coefficient("bytes")
    pgaudit_bytes_per_write_request: float = _coefficient("bytes")
    app_log_bytes_per_request: float = _coefficient("bytes")
    log_compression_ratio: float = _coefficient("ratio", at_most_one=True, positive=True)
    # Backups
    backup_compression_ratio: float = _coefficient("ratio", at_most_one=True, positive=True)
    wal_archive_compression_ratio: float = _coefficient("ratio", at_most_one=True, positive=True)
    # Memory
    gunicorn_worker_rss_mib: float = _coefficient("MiB")
    postgresql_backend_mib: float = _coefficient("MiB")
    os_and_agents_mib: float = _coefficient("MiB")
    # Disk operations
    wal_flushes_per_request: float = _coefficient("operations")
    page_writes_per_read_request: float = _coefficient("pages")
    page_writes_per_write_request: float = _coefficient("pages")
    page_reads_per_read_request: float = _coefficient("pages")


COEFFICIENT_FIELDS = {item.name: item for item in dataclasses.fields(Coefficients)}


class CoefficientEntry(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    # Finite and bounded like every number of the region file: far from overflow in sums.
    value: Number = Field(ge=0, le=MAX_COEFFICIENT)
    unit: str = Field(min_length=1)
    source: str = Field(min_length=1)  # how it was measured, or the reasoning of an estimate


class CalibrationFile(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    format_version: Integer = Field(ge=1, le=1)
    date: datetime.date
    machine: str = Field(min_length=1)
    method: str = Field(min_length=1)
    measured: bool
    application_version: str | None = None
    notes: str = ""
    coefficients: dict[str, CoefficientEntry]


@dataclass(frozen=True)
class Calibration:
    path: Path
    date: datetime.date
    machine: str
    method: str
    measured: bool
    application_version: str | None
    notes: str
    entries: dict[str, CoefficientEntry]  # value, unit and source, for the report
    coefficients: Coefficients


def load_calibration(path: Path = SHIPPED_CALIBRATION) -> Calibration:
    """Read and check a calibration file; raise InputFileError listing every problem."""
    document = read_yaml(path)
    parsed = validate(document, CalibrationFile)
    raise_problems(document, _problems(parsed))
    return Calibration(
        path=path,
        date=parsed.date,
        machine=parsed.machine,
        method=parsed.method,
        measured=parsed.measured,
        application_version=parsed.application_version,
        notes=parsed.notes,
        entries={name: parsed.coefficients[name] for name in COEFFICIENT_FIELDS},
        coefficients=Coefficients(
            **{name: parsed.coefficients[name].value for name in COEFFICIENT_FIELDS}
        ),
    )


def _problems(parsed: CalibrationFile) -> list[tuple[KeyPath, str]]:
    problems: list[tuple[KeyPath, str]] = []
    if parsed.measured == (parsed.method == PROVISIONAL_METHOD):
        problems.append(
            (
                ("measured",),
                "expected measured: false exactly when method is 'provisional'",
            )
        )
    for name in COEFFICIENT_FIELDS.keys() - parsed.coefficients.keys():
        problems.append((("coefficients",), f"coefficient {name!r} is missing"))
    for name, entry in parsed.coefficients.items():
        where: KeyPath = ("coefficients", name)
        spec = COEFFICIENT_FIELDS.get(name)
        if spec is None:
            problems.append((where, "unknown coefficient (the planner has no use for it)"))
            continue
        if entry.unit != spec.metadata["unit"]:
            problems.append(
                ((*where, "unit"), f"expected {spec.metadata['unit']!r}, got {entry.unit!r}")
            )
        if spec.metadata["positive"] and entry.value == 0:
            problems.append(((*where, "value"), "expected a number > 0"))
        if spec.metadata["at_most_one"] and entry.value > 1:
            problems.append(((*where, "value"), f"expected a ratio <= 1, got {entry.value}"))
    return sorted(problems, key=lambda problem: str(problem[0]))
