"""Raw figures of a calibration run (runner.measure) → a calibration file.

Pure functions: no server, no network. Each measured coefficient gets a ``source``
in Russian saying what was driven and read; a coefficient the run cannot measure
keeps the provisional value, and its ``source`` says why it was not measured and
repeats the estimate's reasoning. The file has exactly the shape
capacity_planner.calibration reads (every coefficient, its unit), with
``measured: true``.
"""

from __future__ import annotations

import datetime
import statistics
from pathlib import Path

import yaml

from capacity_planner.calibration import COEFFICIENT_FIELDS, SHIPPED_CALIBRATION, load_calibration
from regbank_devtools.stats import percentile

CARD_TABLES = ("registry_",)
REGISTRY_ROW_TABLES = ("prevention_", "commission_", "raids_")
ACCOUNT_TABLES = ("accounts_",)
AUDIT_TABLE = "audit_auditevent"
ROLLUP_TABLE = "analytics_monthly"
MIN_ROLLUP_ROWS = 100
# Tables whose bytes grow with use; the rest of the database is the "empty" part.
DATA_TABLES = (*CARD_TABLES, *REGISTRY_ROW_TABLES, *ACCOUNT_TABLES, "audit_", "analytics_")
DATA_TABLES_EXACT = ("django_session",)
LINE_POINTER_BYTES = 4
MIN_FILL_PAGES = 10  # fill and index ratios only from tables of at least 10 pages
PAGE_BYTES = 8192
MIN_AUDIT_ROWS_FROM_RUN = 50


class Measured:
    """Collects value + source per coefficient; the rest falls back to the base file."""

    def __init__(self):
        self.values: dict[str, tuple[float, str]] = {}

    def set(self, name: str, value: float, source: str) -> None:
        if name not in COEFFICIENT_FIELDS:
            raise KeyError(name)
        self.values[name] = (round(float(value), 6), source)


def _n(raw: dict, phase: str, kind: str, *, window: bool = True) -> int:
    req = raw["phases"].get(phase, {}).get("requests", {}).get(kind, {})
    return req.get("n_window" if window else "n", 0)


def _fmt(value: float, digits: int = 1) -> str:
    text = f"{value:,.{digits}f}".replace(",", " ").replace(".", ",")
    return text


def background_rate(raw: dict, key: str) -> float:
    idle = raw["phases"]["idle"]
    if key == "wal":
        return idle["wal_bytes"] / idle["seconds"]
    return idle["cpu_s"][key] / idle["seconds"]


def per_request_cpu_ms(raw: dict, phase: str, kind: str) -> float:
    scope = raw["target"]["cpu_scope"]
    p = raw["phases"][phase]
    busy = p["cpu_s"][scope] - background_rate(raw, scope) * p["seconds"]
    return max(0.0, busy / _n(raw, phase, kind) * 1000)


def per_request_wal(raw: dict, phase: str, kind: str) -> float:
    p = raw["phases"][phase]
    return max(
        0.0, (p["wal_bytes"] - background_rate(raw, "wal") * p["seconds"]) / _n(raw, phase, kind)
    )


def _phase_text(raw: dict, phase: str, kind: str) -> str:
    p = raw["phases"][phase]
    rate = p["rates"].get(kind, 0)
    return (
        f"{_n(raw, phase, kind)} запросов за {_fmt(p['seconds'], 0)} с "
        f"при {_fmt(rate, 2)} запроса/с, "
        f"{p['users']} пользователей locust"
    )


def _cpu_scope_text(raw: dict) -> str:
    if raw["target"]["cpu_scope"] == "server":
        return f"время ЦП всего сервера (cgroup: {raw['phases']['idle']['cpu_source']})"
    return "время ЦП процессов gunicorn и PostgreSQL (/proc/<pid>/stat, с завершёнными потомками)"


def cpu_coefficients(raw: dict, m: Measured) -> None:
    scope = _cpu_scope_text(raw)
    bg = background_rate(raw, raw["target"]["cpu_scope"])
    m.set(
        "background_cpu_cores",
        bg,
        f"измерено: {scope} за {_fmt(raw['phases']['idle']['seconds'], 0)} с без нагрузки"
        + (
            "; агенты площадки (антивирус, мониторинг), которых нет у измеренного "
            "приложения, не учтены"
            if raw["target"]["cpu_scope"] == "processes"
            else ""
        ),
    )
    bg_text = f"минус фон {_fmt(bg, 3)} ядра"
    m.set(
        "cpu_ms_per_read_request",
        per_request_cpu_ms(raw, "read", "read"),
        f"измерено: {scope} за окно фазы чтения ({_phase_text(raw, 'read', 'read')}: карточки "
        f"семей и несовершеннолетних, списки, поиск по фамилии) {bg_text}, "
        "делённое на число запросов",
    )
    m.set(
        "cpu_ms_per_write_request",
        per_request_cpu_ms(raw, "write", "write"),
        f"измерено: {scope} за окно фазы записи ({_phase_text(raw, 'write', 'write')}: POST новой "
        f"карточки семьи с постановкой на учёт или изменения карточки, без перехода по "
        f"редиректу) {bg_text}, делённое на число запросов",
    )
    if "analytics_wide" in raw["phases"]:
        empty = per_request_cpu_ms(raw, "analytics_empty", "analytics")
        wide = per_request_cpu_ms(raw, "analytics_wide", "analytics")
        rows = raw["phases"]["analytics_wide"]["scope_rollup_rows"]
        m.set(
            "cpu_ms_per_analytics_request",
            empty,
            f"измерено: {scope} на запрос представлений аналитики за период без событий "
            f"({_phase_text(raw, 'analytics_empty', 'analytics')}) {bg_text}",
        )
        if rows:
            m.set(
                "cpu_us_per_rollup_row",
                max(0.0, (wide - empty) * 1000 / rows),
                f"измерено: разность времени ЦП запроса аналитики за целые месяцы всех событий "
                f"сервера ({_fmt(rows, 0)} строк помесячных итогов, {_fmt(wide, 1)} мс; "
                f"{_phase_text(raw, 'analytics_wide', 'analytics')}) и за пустой период "
                f"({_fmt(empty, 1)} мс), делённая на число строк итогов",
            )


def non_cpu_coefficients(raw: dict, m: Measured) -> None:
    """A request's time beyond its CPU: p95 of its response time in the phase's window
    minus its CPU time (the calibration's rates keep the server lightly loaded)."""
    for kind, phase in (("read", "read"), ("write", "write"), ("analytics", "analytics_empty")):
        req = raw["phases"].get(phase, {}).get("requests", {}).get(kind)
        cpu = m.values.get(f"cpu_ms_per_{kind}_request")
        if not req or not req["ms_window"] or cpu is None:
            continue
        p95 = percentile(req["ms_window"])
        m.set(
            f"non_cpu_ms_per_{kind}_request",
            max(0.0, p95 - cpu[0]),
            f"измерено: 95-й процентиль времени ответа {_fmt(len(req['ms_window']), 0)} "
            f"запросов окна фазы {phase} ({_fmt(p95, 1)} мс, как его видит locust) минус время "
            f"ЦП запроса ({_fmt(cpu[0], 1)} мс): сеть, TLS, ожидание fsync и процессов на "
            "общих ядрах при малой загрузке",
        )


def wire_coefficients(raw: dict, m: Measured) -> None:
    via = (
        f"через nginx ({raw['target']['base_url']}, gzip)"
        if raw["target"]["kind"] == "ssh"
        else f"напрямую к gunicorn ({raw['target']['base_url']}, без сжатия)"
    )
    for kind, phase in (("read", "read"), ("write", "write"), ("analytics", "analytics_wide")):
        req = raw["phases"].get(phase, {}).get("requests", {}).get(kind)
        if not req:
            continue
        m.set(
            f"wire_bytes_per_{kind}_request",
            req["wire_mean"],
            f"измерено: среднее по {req['n']} запросам locust {via}: строка запроса, заголовки и "
            "тело плюс строка статуса, заголовки и тело ответа в том виде, как пришло по сети; "
            "без обрамления TLS (около 30 байт на запись)",
        )


def wal_coefficients(raw: dict, base, m: Measured) -> None:
    c = base.coefficients
    read = per_request_wal(raw, "read", "read")
    write = per_request_wal(raw, "write", "write")
    db = raw["db"]
    how = (
        f"pg_current_wal_lsn() до и после окна фазы минус фоновый WAL "
        f"(full_page_writes={db['full_page_writes']}, wal_compression={db['wal_compression']}, "
        f"checkpoint_timeout={db['checkpoint_timeout']})"
    )
    m.set(
        "wal_bytes_per_entry_action",
        c.write_requests_per_entry_action * write + c.read_requests_per_entry_action * read,
        f"измерено: {_fmt(write, 0)} байт WAL на запрос записи и {_fmt(read, 0)} на запрос чтения "
        f"({how}); действие ввода = {c.write_requests_per_entry_action:g} запрос записи + "
        f"{c.read_requests_per_entry_action:g} запроса чтения",
    )
    m.set(
        "wal_bytes_per_other_action",
        c.read_requests_per_other_action * read,
        f"измерено: {_fmt(read, 0)} байт WAL на запрос чтения ({how}: событие журнала и сессия "
        f"каждого просмотра) × {c.read_requests_per_other_action:g} запрос на действие",
    )


def _tables(raw: dict, prefixes: tuple[str, ...]) -> list[dict]:
    return [t for t in raw["storage"]["tables"] or [] if t["table"].startswith(prefixes)]


def _bytes_on_pages(tables: list[dict]) -> float:
    return sum(t["tuple_bytes"] + LINE_POINTER_BYTES * t["rows"] for t in tables)


def storage_coefficients(raw: dict, m: Measured) -> None:
    storage = raw["storage"]
    cards = _tables(raw, CARD_TABLES)
    n_cards = sum(t["rows"] for t in cards if t["table"] in ("registry_family", "registry_minor"))
    if n_cards:
        m.set(
            "card_row_bytes",
            _bytes_on_pages(cards) / n_cards,
            f"измерено: сумма pg_column_size строк всех таблиц registry_* (карточки, члены семьи, "
            f"постановки на учёт, категории) плюс 4 байта указателя на строку, делённая на "
            f"{n_cards} карточек семей и несовершеннолетних",
        )
    rows = _tables(raw, REGISTRY_ROW_TABLES)
    n_rows = sum(t["rows"] for t in rows)
    if n_rows:
        m.set(
            "registry_row_bytes",
            _bytes_on_pages(rows) / n_rows,
            f"измерено: средний размер строки (pg_column_size плюс указатель) по {n_rows} строкам "
            "таблиц prevention_*, commission_*, raids_*",
        )
    big = [t for t in cards + rows if t["heap_bytes"] >= MIN_FILL_PAGES * PAGE_BYTES]
    if big:
        heap = sum(t["heap_bytes"] for t in big)
        m.set(
            "registry_heap_fill",
            min(1.0, _bytes_on_pages(big) / heap),
            "измерено: байты строк с указателями / pg_relation_size таблиц реестра не меньше "
            f"{MIN_FILL_PAGES} страниц ({', '.join(t['table'] for t in big)})",
        )
        m.set(
            "registry_index_factor",
            sum(t["index_bytes"] for t in big)
            / sum(t["heap_bytes"] + t["toast_bytes"] for t in big),
            "измерено: pg_indexes_size / (pg_relation_size + TOAST) тех же таблиц",
        )
    audit = next((t for t in storage["tables"] or [] if t["table"] == AUDIT_TABLE), None)
    run_audit = storage.get("run_audit") or {}
    if run_audit.get("n", 0) >= MIN_AUDIT_ROWS_FROM_RUN:
        m.set(
            "audit_event_row_bytes",
            run_audit["bytes"] / run_audit["n"] + LINE_POINTER_BYTES,
            f"измерено: средний pg_column_size {run_audit['n']} событий журнала, записанных "
            "приложением во время калибровки, плюс 4 байта указателя",
        )
    elif audit and audit["rows"]:
        m.set(
            "audit_event_row_bytes",
            audit["tuple_bytes"] / audit["rows"] + LINE_POINTER_BYTES,
            f"измерено: средний pg_column_size всех {audit['rows']} событий журнала плюс указатель",
        )
    if audit and audit["heap_bytes"] >= MIN_FILL_PAGES * PAGE_BYTES:
        m.set(
            "audit_heap_fill",
            min(1.0, _bytes_on_pages([audit]) / audit["heap_bytes"]),
            f"измерено: байты {audit['rows']} строк audit_auditevent с указателями / "
            "pg_relation_size",
        )
        m.set(
            "audit_index_factor",
            audit["index_bytes"] / (audit["heap_bytes"] + audit["toast_bytes"]),
            "измерено: pg_indexes_size / (pg_relation_size + TOAST) таблицы audit_auditevent",
        )
    accounts = _tables(raw, ACCOUNT_TABLES)
    users = next((t["rows"] for t in accounts if t["table"] == "accounts_user"), 0)
    if users:
        fill = m.values.get("registry_heap_fill", (0.85, ""))[0]
        index = m.values.get("registry_index_factor", (0.5, ""))[0]
        m.set(
            "reference_bytes_per_user",
            _bytes_on_pages(accounts) / users / fill * (1 + index),
            f"измерено: строки таблиц accounts_* (pg_column_size с указателями) на {users} "
            f"учётных записей, делённые на заполнение страниц {_fmt(fill, 2)} и умноженные на "
            f"1 + доля индексов {_fmt(index, 2)} (мало строк для прямого замера страниц)",
        )
    data = sum(
        t["total_bytes"]
        for t in storage["tables"] or []
        if t["table"].startswith(DATA_TABLES) or t["table"] in DATA_TABLES_EXACT
    )
    m.set(
        "empty_database_bytes",
        max(0, storage["database_bytes"] - data),
        "измерено: pg_database_size минус pg_total_relation_size таблиц данных (реестр, ИПР, "
        "комиссии, рейды, журнал, учётные записи, сессии, итоги аналитики): системный "
        "каталог, схема и справочники",
    )


def rollup_coefficients(raw: dict, m: Measured) -> None:
    table = next((t for t in raw["storage"]["tables"] or [] if t["table"] == ROLLUP_TABLE), None)
    if table and table["heap_bytes"] >= MIN_FILL_PAGES * PAGE_BYTES:
        m.set(
            "rollup_row_bytes",
            table["total_bytes"] / table["rows"],
            f"измерено: pg_total_relation_size таблицы {ROLLUP_TABLE} (строки, страницы, "
            f"индексы), делённый на её {_fmt(table['rows'], 0)} строк",
        )
    stats = raw["storage"].get("rollup") or {}
    if stats.get("rows", 0) >= MIN_ROLLUP_ROWS:
        m.set(
            "rollup_rows_per_user_month",
            stats["rows"] / (stats["users"] * stats["months"]),
            f"измерено: {_fmt(stats['rows'], 0)} строк помесячных итогов за "
            f"{stats['months']} прошедших месяцев с событиями, делённые на число месяцев и на "
            f"{stats['users']} пользователей с событиями в них",
        )


def log_coefficients(raw: dict, m: Measured) -> None:
    phases = raw["phases"]
    preload = raw["db"].get("preload", "")
    if "pgaudit" in preload:
        for kind in ("read", "write"):
            p = phases[kind]
            idle = phases["idle"]
            bg = (idle["log_bytes"].get("db") or 0) / idle["seconds"]
            value = max(
                0.0, ((p["log_bytes"].get("db") or 0) - bg * p["seconds"]) / _n(raw, kind, kind)
            )
            m.set(
                f"pgaudit_bytes_per_{kind}_request",
                value,
                "измерено: прирост журнала PostgreSQL "
                f"({raw['target']['logs'].get('db')}, pgaudit) "
                f"за окно фазы {'чтения' if kind == 'read' else 'записи'} минус фон, на запрос",
            )
    total = 0
    n = 0
    for name, p in phases.items():
        if name == "idle":
            continue
        total += (p["log_bytes"].get("web") or 0) + (p["log_bytes"].get("app") or 0)
        n += sum(r["n_window"] for k, r in p["requests"].items() if k != "login")
    if n:
        where = (
            f"журнал доступа nginx и журнал {raw['target']['app_journal_unit']} (journalctl -o cat)"
            if raw["target"].get("app_journal_unit")
            else "журнал приложения (stderr gunicorn, строки JSON)"
        )
        m.set(
            "app_log_bytes_per_request",
            total / n,
            f"измерено: прирост ({where}) за окна всех фаз нагрузки, делённый на {n} запросов",
        )
    comp = raw["compression"]
    if comp["logs"]["raw_bytes"] >= 4096:
        m.set(
            "log_compression_ratio",
            comp["logs"]["gzip_bytes"] / comp["logs"]["raw_bytes"],
            f"измерено: gzip -6 {_fmt(comp['logs']['raw_bytes'] / 1024, 0)} КиБ журналов, "
            "записанных во время калибровки",
        )
    if comp["database"]["raw_bytes"]:
        m.set(
            "backup_compression_ratio",
            comp["database"]["gzip_bytes"] / comp["database"]["raw_bytes"],
            f"измерено: gzip -6 (как compress-type=gz pgBackRest) файлов базы после CHECKPOINT "
            f"({_fmt(comp['database']['raw_bytes'] / 2**20, 0)} МиБ)",
        )
    if comp["wal"]["raw_bytes"] >= 65536:
        m.set(
            "wal_archive_compression_ratio",
            comp["wal"]["gzip_bytes"] / comp["wal"]["raw_bytes"],
            f"измерено: gzip -6 WAL, записанного во время калибровки (от первого до последнего "
            "замера pg_current_wal_lsn() в сегментах pg_wal) "
            f"({_fmt(comp['wal']['raw_bytes'] / 2**20, 0)} МиБ)",
        )


def memory_coefficients(raw: dict, m: Measured) -> None:
    memory = raw["phases"]["read"]["memory"]
    if memory["worker_rss_kib"]:
        m.set(
            "gunicorn_worker_rss_mib",
            statistics.mean(memory["worker_rss_kib"]) / 1024,
            f"измерено: средний VmRSS {len(memory['worker_rss_kib'])} воркеров gunicorn в конце "
            "фазы чтения (/proc/<pid>/status)",
        )
    if memory["backend_rss_anon_kib"]:
        m.set(
            "postgresql_backend_mib",
            statistics.mean(memory["backend_rss_anon_kib"]) / 1024,
            f"измерено: средний RssAnon (собственная память без разделяемых буферов) "
            f"{len(memory['backend_rss_anon_kib'])} обслуживающих процессов приложения",
        )


def disk_coefficients(raw: dict, m: Measured) -> None:
    phases = raw["phases"]
    flushes = sum(phases[k]["stats"].get("wal_sync") or 0 for k in ("read", "write"))
    requests = sum(sum(r["n"] for r in phases[k]["requests"].values()) for k in ("read", "write"))
    if requests and raw["db"].get("synchronous_commit") != "off":
        m.set(
            "wal_flushes_per_request",
            flushes / requests,
            f"измерено: прирост pg_stat_wal.wal_sync за фазы чтения и записи, делённый на "
            f"{requests} запросов (со входами)",
        )
    read_all = sum(r["n"] for r in phases["read"]["requests"].values())
    m.set(
        "page_reads_per_read_request",
        (phases["read"]["stats"].get("blks_read") or 0) / read_all,
        "измерено: прирост pg_stat_database.blks_read за фазу чтения на запрос (чтения из кэша "
        "ОС тоже считаются: это верхняя оценка)",
    )
    for kind in ("read", "write"):
        dirtied = phases[kind]["stats"].get("blks_dirtied")
        if dirtied is None:
            continue
        n = sum(r["n"] for r in phases[kind]["requests"].values())
        m.set(
            f"page_writes_per_{kind}_request",
            dirtied / n,
            f"измерено: прирост shared_blks_dirtied (pg_stat_statements) за фазу "
            f"{'чтения' if kind == 'read' else 'записи'} на запрос: каждая загрязнённая "
            "страница пишется на диск хотя бы раз",
        )


NOT_MEASURED = {
    "cpu_ms_per_replicated_action": "не измерялось: нужна подписка муниципального сервера",
    "replication_bytes_per_entry_action": "не измерялось: нужна подписка муниципального сервера",
    "replication_bytes_per_other_action": "не измерялось: нужна подписка муниципального сервера",
    "read_requests_per_entry_action": "не измеряется нагрузкой: это сценарий работы в приложении",
    "write_requests_per_entry_action": "не измеряется нагрузкой: это сценарий работы в приложении",
    "read_requests_per_other_action": "не измеряется нагрузкой: это сценарий работы в приложении",
    "registry_rows_per_entry_action": "не измеряется нагрузкой: доля действий ввода, "
    "добавляющих строку, - свойство работы региона",
    "os_and_agents_mib": "не измерялось: на стенде нет антивируса и агентов площадки",
}


def build(raw: dict, base_path: Path = SHIPPED_CALIBRATION) -> dict:
    """The calibration document (a dict ready for YAML) from a run's raw figures."""
    base = load_calibration(base_path)
    m = Measured()
    cpu_coefficients(raw, m)
    non_cpu_coefficients(raw, m)
    wire_coefficients(raw, m)
    wal_coefficients(raw, base, m)
    storage_coefficients(raw, m)
    rollup_coefficients(raw, m)
    log_coefficients(raw, m)
    memory_coefficients(raw, m)
    disk_coefficients(raw, m)
    coefficients = {}
    for name, spec in COEFFICIENT_FIELDS.items():
        unit = spec.metadata["unit"]
        if name in m.values:
            value, source = m.values[name]
            if spec.metadata["positive"] and value <= 0:
                value = base.entries[name].value
                source = f"измерено 0, взята оценка ({base.entries[name].source})"
        else:
            reason = NOT_MEASURED.get(name, "не измерялось в этом прогоне")
            value = base.entries[name].value
            if name in ("cpu_ms_per_analytics_request", "cpu_us_per_rollup_row"):
                reason = (
                    "не измерялось: в базе нет помесячных итогов прошедших месяцев"
                    if raw["settings"].get("analytics_measured")
                    else "не измерялось: на сервере нет представлений аналитики (/analytics/)"
                )
            elif name.startswith("rollup_"):
                reason = "не измерялось: в базе мало помесячных итогов аналитики"
            elif name.startswith("pgaudit_"):
                reason = "не измерялось: pgaudit не загружен на измеренном сервере"
            source = f"{reason}; оценка: {base.entries[name].source}"
        coefficients[name] = {"value": _tidy(value), "unit": unit, "source": source}
    return {
        "format_version": 1,
        "date": datetime.date.fromisoformat(raw["date"]),
        "machine": machine_text(raw),
        "method": method_text(raw),
        "measured": True,
        "application_version": raw.get("application_version"),
        "notes": notes_text(raw, m),
        "coefficients": coefficients,
    }


def _tidy(value: float) -> float | int:
    if value >= 1000:
        return round(value)
    return float(f"{value:.4g}")


def machine_text(raw: dict) -> str:
    mc = raw["machine"]
    return (
        f"{raw['target']['name']} ({mc['hostname']}): {_fmt(mc['cores'], 0)} ядра "
        f"{mc['cpu_model']}, "
        f"{_fmt(mc['ram_gib'], 1)} ГиБ ОЗУ, ядро Linux {mc['kernel']}, виртуализация "
        f"{mc['virtualization']}; PostgreSQL {raw['db']['version']}"
    )


def method_text(raw: dict) -> str:
    s = raw["settings"]

    def rates(p):
        return ", ".join(f"{k} {v:g}/с" for k, v in p["rates"].items() if v) or "без нагрузки"

    phases = ", ".join(f"{name} ({rates(p)})" for name, p in raw["phases"].items())
    return (
        f"regbank calibrate: locust (--headless) против {raw['target']['base_url']}, "
        f"пользователи ролей региональный и муниципальный специалист, пуассоновский поток; "
        f"фазы {phases}; прогрев {s['warmup_s']:g} с, окно измерения {s['measure_s']:g} с; "
        f"ЦП - {_cpu_scope_text(raw)}; WAL - pg_current_wal_lsn(), pg_stat_wal; строки - "
        "pg_column_size, pg_relation_size, pg_indexes_size; журналы - прирост файлов"
    )


def notes_text(raw: dict, m: Measured) -> str:
    measured = len(m.values)
    return (
        f"Измерено {measured} из {len(COEFFICIENT_FIELDS)} коэффициентов; остальные - "
        "предварительные оценки (в source сказано почему). Данные на сервере синтетические "
        "(образцовый регион и записи, созданные калибровкой)."
    )


class _Dumper(yaml.SafeDumper):
    pass


def _str(dumper, value):
    style = ">" if len(value) > 80 else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _str)


def write(document: dict, path: Path) -> None:
    header = (
        "# Calibration of the capacity planner, MEASURED by `regbank calibrate`\n"
        "# (see docs/capacity-planner.md); use with `regbank plan --calibration FILE`.\n"
    )
    text = yaml.dump(document, Dumper=_Dumper, allow_unicode=True, sort_keys=False, width=88)
    path.write_text(header + text, encoding="utf-8")
