"""The plan as a report in Russian: Markdown and HTML from one document, and a console summary.

``build_report`` turns a plan into a document of sections and blocks (paragraphs,
lists, notices, tables, charts); the two jinja2 templates in ``templates/`` render
that same document, so the Markdown and HTML reports cannot drift apart.
"""

import datetime
import html
import math
import re
from dataclasses import dataclass, field
from pathlib import Path

import jinja2
from markupsafe import Markup

from capacity_planner.calibration import Calibration
from capacity_planner.model import GIB, MIB
from capacity_planner.planner import (
    MunicipalityPlan,
    RegionPlan,
    Resource,
    ServerReason,
    SitePlan,
    SiteRole,
)
from capacity_planner.plots import Chart
from capacity_planner.region import Topology

TEMPLATES = Path(__file__).resolve().parent / "templates"
TOPOLOGY_NAMES = {
    Topology.CENTRALIZED: "централизованная: все МО работают онлайн на региональном сервере",
    Topology.DISTRIBUTED: "распределённая: в каждом МО свой сервер, реплицируемый в региональный",
    Topology.MIXED: (
        "смешанная: муниципальный сервер только там, где канал не позволяет работать онлайн"
    ),
}
ROLE_NAMES = {SiteRole.REGIONAL: "региональный", SiteRole.MUNICIPAL: "муниципальный"}
RESOURCE_NAMES = {Resource.VCPU: "vCPU", Resource.RAM: "ОЗУ", Resource.DISK: "диск сервера"}
REPORT_FILES = ("report.md", "report.html")  # each rendered from templates/<name>.j2
# Beyond this many sites or МО the console lists the ones that need attention first.
MAX_CONSOLE_ROWS = 30
# Beyond this many МО in one finding the summary lists codes only; the table has reasons.
MAX_REASONS_IN_FINDINGS = 3


@dataclass(frozen=True)
class Paragraph:
    text: str
    kind: str = "paragraph"


@dataclass(frozen=True)
class Bullets:
    items: list[str]
    kind: str = "bullets"


@dataclass(frozen=True)
class Notice:
    text: str
    kind: str = "notice"


@dataclass(frozen=True)
class Table:
    headers: list[str]
    rows: list[list[str]]
    kind: str = "table"


@dataclass(frozen=True)
class ChartBlock:
    stem: str
    caption: str
    kind: str = "chart"


@dataclass(frozen=True)
class Section:
    title: str
    blocks: list = field(default_factory=list)


@dataclass(frozen=True)
class ReportDocument:
    title: str
    meta: list[tuple[str, str]]
    sections: list[Section]


def number(value: float, digits: int = 0) -> str:
    """Russian number format: a space between thousands, a comma before decimals."""
    text = f"{value:,.{digits}f}"
    return text.replace(",", "\u00a0").replace(".", ",")


def gib(bytes_count: float) -> str:
    value = bytes_count / GIB
    return number(value, 2 if value < 1 else 1 if value < 100 else 0)


def mbps(value: float) -> str:
    """Two significant digits, so a tiny replication stream does not print as zero."""
    if value <= 0:
        return "0"
    return number(value, max(0, 1 - math.floor(math.log10(value))))


def multiplier(value: float) -> str:
    return number(value, 1 if value < 10 else 0)


def count(value: float) -> str:
    return number(value, 1 if value < 10 else 0)


def build_report(
    plan: RegionPlan,
    calibration: Calibration,
    region_file: Path,
    charts: list[Chart],
    host_vars: list[Path],
    run_date: datetime.date,
) -> ReportDocument:
    region = plan.region
    chart = {c.stem: ChartBlock(c.stem, c.caption) for c in charts}
    meta = [
        ("Дата расчёта", run_date.isoformat()),
        ("Файл региона", region_file.name),
        ("Топология", TOPOLOGY_NAMES[region.topology]),
        (
            "Горизонт",
            f"{region.base_year + 1}–{region.horizon_end} ({region.horizon_years} лет); "
            f"исходные данные {region.history_years[0]}–{region.base_year}",
        ),
        ("Калибровка", _calibration_line(calibration)),
    ]
    sections = [
        Section("Итоги", [*_calibration_notice(calibration), Bullets(findings(plan))]),
        Section(
            f"Площадки (на конец {region.horizon_end} г.)",
            [
                Paragraph(
                    "Диски — с запасом `sizing.disk_headroom`; резервные копии — на отдельном "
                    "томе или узле группы `backup`. IOPS — пиковые операции в секунду, "
                    "делённые на целевую загрузку диска."
                ),
                _sites_table(plan),
            ],
        ),
        Section(
            "Муниципальные образования",
            [
                Paragraph(
                    f"Пиковая нагрузка и потребность в канале — на {region.horizon_end} г.; "
                    "«онлайн нужно» — спрос или порог `online_work.min_bandwidth_mbps`, "
                    "что больше. "
                    "Для МО с муниципальным сервером канал нужен только для репликации "
                    "(поток изменений плюс догон после простоя), пользователи работают с "
                    "сервером по локальной сети."
                ),
                _municipalities_table(plan),
                chart["links"],
            ],
        ),
        Section(
            "Рост хранения",
            [chart["storage"], _storage_table(plan)],
        ),
        Section("Пиковая нагрузка", [chart["load"], _load_table(plan)]),
        Section("Предел одного регионального сервера", [*_scale_blocks(plan), chart["scale"]]),
        Section(
            "Настройки PostgreSQL и gunicorn",
            [
                Paragraph(
                    "Эти значения записаны в `host_vars/<площадка>.yml` и читаются ролями. "
                    "Правила их вывода — в docs/capacity-planner.md."
                ),
                _settings_table(plan),
                Bullets([f"`{path.parent.name}/{path.name}`" for path in host_vars]),
            ],
        ),
        Section("Исходные параметры", [_inputs_table(plan)]),
        Section(
            "Коэффициенты",
            [
                Paragraph(
                    f"Файл `{calibration.path.name}`, дата {calibration.date}, "
                    f"машина: {calibration.machine}; метод: {calibration.method}; "
                    f"версия приложения: {calibration.application_version or 'нет'}."
                ),
                *([Paragraph(calibration.notes)] if calibration.notes else []),
                _coefficients_table(calibration),
            ],
        ),
    ]
    return ReportDocument(f"План мощностей: {region.region}", meta, sections)


def _calibration_line(calibration: Calibration) -> str:
    state = "измерены" if calibration.measured else "ПРЕДВАРИТЕЛЬНЫЕ оценки, не измерены"
    return f"`{calibration.path.name}` от {calibration.date} ({state})"


def _calibration_notice(calibration: Calibration) -> list[Notice]:
    if calibration.measured:
        return []
    return [
        Notice(
            "Коэффициенты этого плана предварительные: оценки по общему поведению Django, "
            "gunicorn и PostgreSQL 15 (заголовок строки 23+ байт, страницы 8 кБ, fillfactor, "
            "типичное время ЦП на запрос Django), а не измерения на стенде "
            "(`method: provisional`, `measured: false`). Обоснование каждой цифры — в разделе "
            "«Коэффициенты». Замените их результатами `regbank calibrate` и пересчитайте план."
        )
    ]


def findings(plan: RegionPlan) -> list[str]:
    """What a planner must know first: servers, limits, risks."""
    region = plan.region
    regional = plan.regional
    items = []
    servers = [mo for mo in plan.municipalities if mo.has_server]
    if len(servers) > MAX_REASONS_IN_FINDINGS:
        codes = ", ".join(mo.code for mo in servers)
        items.append(
            f"Муниципальный сервер нужен {len(servers)} МО: {codes} "
            "(причины — в таблице «Муниципальные образования»)."
        )
    elif servers:
        listed = "; ".join(f"{mo.code} — {server_reason_text(mo, plan)}" for mo in servers)
        items.append(f"Муниципальный сервер нужен {len(servers)} МО: {listed}.")
    else:
        items.append("Муниципальные серверы не нужны: все МО работают онлайн.")
    items.append(
        f"Региональный сервер `{regional.layout.name}`: {regional.vcpu} vCPU, "
        f"{regional.ram_gib} ГиБ ОЗУ, диск {gib(regional.final.server_disk)} ГиБ "
        f"(данные {gib(regional.final.data_disk)}, WAL {gib(regional.final.wal_disk)}, "
        f"журналы {gib(regional.final.logs_disk)}), резервные копии "
        f"{gib(regional.final.backup_disk)} ГиБ."
    )
    at_risk = [mo for mo in plan.municipalities if mo.online_at_risk]
    if len(at_risk) > MAX_REASONS_IN_FINDINGS:
        items.append(
            f"{len(at_risk)} МО работают онлайн по каналу ниже порогов: "
            f"{', '.join(mo.code for mo in at_risk)}; при обрыве связи работа в них встанет "
            "(причины — в таблице «Муниципальные образования»)."
        )
    else:
        items += [
            f"{mo.code} работает онлайн по каналу ниже порогов "
            f"({link_problem_text(mo, plan)}): при обрыве связи работа в МО встанет."
            for mo in at_risk
        ]
    for mo in plan.municipalities:
        if mo.has_server and mo.link.bandwidth_mbps < mo.replication_need_mbps:
            items.append(
                f"Канал {mo.code} ({mbps(mo.link.bandwidth_mbps)} Мбит/с) не успевает даже "
                f"для репликации: нужно {mbps(mo.replication_need_mbps)} Мбит/с."
            )
    if plan.uplink_need_mbps > region.regional_site.uplink_mbps:
        items.append(
            f"Канал регионального центра мал: нужно {mbps(plan.uplink_need_mbps)} Мбит/с, "
            f"есть {mbps(region.regional_site.uplink_mbps)}."
        )
    for site in plan.sites:
        if site.final.analytics_seconds > region.sizing.analytics_max_seconds:
            items.append(
                f"На `{site.layout.name}` самый тяжёлый отчёт аналитики (год по всем МО "
                f"площадки) займёт около {number(site.final.analytics_seconds, 1)} с процессорного "
                "времени на сложение помесячных итогов (порог "
                f"{number(region.sizing.analytics_max_seconds, 1)} с): итоги растут с числом "
                "пользователей; нужны итоги без разбивки по пользователям для отчётов "
                "регионального уровня или отдельная реплика базы для аналитики."
            )
    items += _offload_findings(plan)
    items.append(scale_sentence(plan))
    return items


def _offload_findings(plan: RegionPlan) -> list[str]:
    regional = plan.regional
    if not regional.exceeds:
        return []
    limits = ", ".join(RESOURCE_NAMES[r] for r in regional.exceeds)
    items = [f"Региональный сервер не укладывается в пределы сервера: {limits}."]
    offload = plan.offload
    if offload and offload.codes:
        switch = (
            "перейти на смешанную топологию и "
            if plan.region.topology is Topology.CENTRALIZED
            else ""
        )
        items.append(
            f"Рекомендация: {switch}дать муниципальные серверы МО "
            f"{', '.join(offload.codes)} (самые нагруженные): их онлайн-нагрузка уйдёт с "
            "регионального сервера, который будет принимать только их изменения."
        )
    remaining = offload.remaining if offload else regional.exceeds
    if Resource.VCPU in remaining:
        items.append(
            "ЦП: муниципальные серверы не снимают с регионального аналитику и приём "
            "изменений всех МО: вынесите аналитику на реплику (hot standby) или увеличьте "
            "`server_limits.max_vcpu`."
        )
    if Resource.RAM in remaining:
        items.append(
            "ОЗУ: горячий набор (карточки и открытые дела всех МО, последние месяцы журнала, "
            "итоги аналитики) лежит на региональном сервере при любой топологии: увеличьте "
            "`server_limits.max_ram_gib`. С меньшей памятью сервер работает, но карточки и "
            "поиск читают диск: проверьте задержку `regbank calibrate --validate` на стенде "
            "с такой памятью."
        )
    if Resource.DISK in remaining:
        items.append(
            "Диск не помещается при любой топологии (региональная база хранит данные всех "
            "МО): сократите `retention.audit_events_years` в оперативной базе, вынося "
            "старые секции журнала в архив, или увеличьте `server_limits.max_disk_gib`."
        )
    return items


def scale_sentence(plan: RegionPlan) -> str:
    first = plan.scale.first
    if first is None:
        return (
            "Один региональный сервер (все МО онлайн) укладывается в пределы сервера даже при "
            "объёмах в тысячи раз больше этого региона."
        )
    resource, factor = first
    prefix = "Один региональный сервер (все МО онлайн)"
    if factor <= 1:
        return (
            f"{prefix} уже не укладывается в пределы: первым кончается {RESOURCE_NAMES[resource]}."
        )
    return (
        f"{prefix} достаточен, пока объёмы не превысят нынешние примерно ×{multiplier(factor)}; "
        f"первым кончается {RESOURCE_NAMES[resource]}."
    )


def server_reason_text(mo: MunicipalityPlan, plan: RegionPlan) -> str:
    texts = []
    for reason in mo.server_reasons:
        if reason is ServerReason.TOPOLOGY:
            texts.append("распределённая топология")
        elif reason is ServerReason.WISH:
            texts.append("решение региона (`municipal_server: always`)")
        else:
            texts.append(_link_reason_text(reason, mo, plan))
    return "; ".join(texts)


def link_problem_text(mo: MunicipalityPlan, plan: RegionPlan) -> str:
    return "; ".join(_link_reason_text(reason, mo, plan) for reason in mo.link_problems)


def _link_reason_text(reason: ServerReason, mo: MunicipalityPlan, plan: RegionPlan) -> str:
    if reason is ServerReason.SLOW_LINK:
        return (
            f"канал {mbps(mo.link.bandwidth_mbps)} Мбит/с ниже нужных для работы онлайн "
            f"{mbps(mo.online_need_mbps)} Мбит/с"
        )
    return (
        f"доступность канала {number(mo.link.availability, 3)} ниже порога "
        f"{number(plan.region.online_work.min_availability, 3)}"
    )


def decision_text(mo: MunicipalityPlan) -> str:
    if mo.has_server:
        return "муниципальный сервер"
    return "онлайн, риск" if mo.online_at_risk else "онлайн"


def _sites_table(plan: RegionPlan) -> Table:
    rows = []
    for site in plan.sites:
        final = site.final
        rows.append(
            [
                f"`{site.layout.name}`",
                ROLE_NAMES[site.layout.role],
                site.layout.mo_code or "все",
                number(site.users),
                number(site.vcpu),
                f"{site.ram_gib} ({number(site.ram_needed_mib / 1024, 1)})",
                gib(final.data_disk),
                gib(final.wal_disk),
                gib(final.logs_disk),
                gib(final.backup_disk),
                count(site.iops_required),
                number(site.backup_mib_per_second, 2),
            ]
        )
    return Table(
        [
            "Площадка",
            "Роль",
            "МО",
            "Пользователи",
            "vCPU",
            "ОЗУ, ГиБ (нужно)",
            "Данные, ГиБ",
            "WAL, ГиБ",
            "Журналы, ГиБ",
            "Копии, ГиБ",
            "IOPS",
            "Копирование, МиБ/с",
        ],
        rows,
    )


def _municipalities_table(plan: RegionPlan) -> Table:
    region = plan.region
    by_code = {mo.code: mo for mo in region.municipalities}
    rows = []
    for mo in plan.municipalities:
        source = by_code[mo.code]
        why = server_reason_text(mo, plan) if mo.has_server else link_problem_text(mo, plan)
        rows.append(
            [
                mo.code,
                number(source.records),
                number(source.users.total),
                number(source.actions.all[region.base_year]),
                number(mo.peak_rps, 3),
                mbps(mo.link.bandwidth_mbps),
                number(mo.link.availability, 3),
                mbps(mo.online_demand_mbps),
                mbps(mo.online_need_mbps),
                decision_text(mo),
                why or "—",
                mbps(mo.link_need_mbps),
            ]
        )
    return Table(
        [
            "МО",
            "Семьи и н/л",
            "Пользователи",
            f"Действия {region.base_year}",
            "Пик, запросов/с",
            "Канал, Мбит/с",
            "Доступность",
            "Спрос онлайн, Мбит/с",
            "Онлайн нужно, Мбит/с",
            "Решение",
            "Почему",
            "Канал нужен, Мбит/с",
        ],
        rows,
    )


def _storage_table(plan: RegionPlan) -> Table:
    rows = []
    for site in _sites_for_year_tables(plan):
        for year in site.years:
            rows.append(
                [
                    f"`{site.layout.name}`",
                    str(year.year),
                    gib(year.database.total),
                    gib(year.database.audit),
                    gib(year.data_disk),
                    gib(year.wal_disk),
                    gib(year.logs_disk),
                    gib(year.backup_disk),
                    number(year.wal_bytes_per_working_day / MIB, 1),
                ]
            )
    return Table(
        [
            "Площадка",
            "Год",
            "База, ГиБ",
            "из неё журнал событий, ГиБ",
            "Данные с запасом, ГиБ",
            "WAL, ГиБ",
            "Журналы, ГиБ",
            "Копии, ГиБ",
            "WAL за рабочий день, МиБ",
        ],
        rows,
    )


def _sites_for_year_tables(plan: RegionPlan) -> list[SitePlan]:
    """The regional server and the largest municipal server: year tables for 60 sites
    would bury the figures that matter."""
    if len(plan.sites) == 1:
        return [plan.regional]
    largest = max(plan.sites[1:], key=lambda site: site.final.server_disk)
    return [plan.regional, largest]


def _load_table(plan: RegionPlan) -> Table:
    rows = []
    for site in plan.sites:
        final = site.final
        rows.append(
            [
                f"`{site.layout.name}`",
                number(final.peak.read, 3),
                number(final.peak.write, 3),
                number(final.peak.analytics, 4),
                number(final.busy_cores, 3),
                number(final.cores_needed, 2),
                number(site.vcpu),
                number(final.analytics_seconds, 2),
                count(site.iops_required),
            ]
        )
    return Table(
        [
            "Площадка",
            "Чтение, запр./с",
            "Запись, запр./с",
            "Аналитика, запр./с",
            "Ядер занято",
            "Ядер нужно",
            "vCPU",
            "Отчёт аналитики, с ЦП",
            "IOPS",
        ],
        rows,
    )


def _scale_blocks(plan: RegionPlan) -> list:
    limits = plan.region.server_limits
    per_resource = []
    for resource, factor in plan.scale.limits.items():
        reach = "не достигается" if factor is None else f"при ×{multiplier(factor)}"
        per_resource.append(f"{RESOURCE_NAMES[resource]}: предел {reach}")
    return [
        Paragraph(
            "Все объёмы региона (действия, учётные единицы, пользователи МО) умножаются на "
            "множитель, все МО работают онлайн на одном региональном сервере; пределы сервера: "
            f"{limits.max_vcpu} vCPU, {limits.max_ram_gib} ГиБ ОЗУ, {limits.max_disk_gib} ГиБ "
            "диска (`server_limits`)."
        ),
        Bullets([scale_sentence(plan), *per_resource]),
    ]


def _settings_table(plan: RegionPlan) -> Table:
    rows = []
    for site in plan.sites:
        memory = site.memory
        final = site.final
        rows.append(
            [
                f"`{site.layout.name}`",
                f"{memory.shared_buffers_mib} МБ",
                f"{memory.effective_cache_size_mib} МБ",
                f"{memory.work_mem_mib} МБ",
                f"{memory.maintenance_work_mem_mib} МБ",
                number(site.max_connections),
                f"{final.max_wal_size_mib} МБ",
                f"{final.slot_wal_keep_mib} МБ" if final.slot_wal_keep_mib else "—",
                number(site.replication.logical_workers) if site.replication else "—",
                number(site.gunicorn_workers),
            ]
        )
    return Table(
        [
            "Площадка",
            "shared_buffers",
            "effective_cache_size",
            "work_mem",
            "maintenance_work_mem",
            "max_connections",
            "max_wal_size",
            "max_slot_wal_keep_size",
            "max_logical_replication_workers",
            "gunicorn workers",
        ],
        rows,
    )


def _inputs_table(plan: RegionPlan) -> Table:
    region = plan.region
    rows = [
        ["`topology`", region.topology.value],
        ["`horizon_years`", str(region.horizon_years)],
        ["`outage_days`", number(region.outage_days, 1)],
        ["`regional_site.uplink_mbps`", mbps(region.regional_site.uplink_mbps)],
        ["`regional_site.users`", number(region.regional_site.users.total)],
    ]
    for section in (
        "load_profile",
        "growth",
        "retention",
        "backups",
        "online_work",
        "network",
        "sizing",
        "server_limits",
    ):
        for key, value in getattr(region, section).model_dump().items():
            rows.append([f"`{section}.{key}`", str(value).replace(".", ",")])
    return Table(["Параметр", "Значение"], rows)


def _coefficients_table(calibration: Calibration) -> Table:
    rows = [
        [f"`{name}`", str(entry.value).replace(".", ","), entry.unit, entry.source]
        for name, entry in calibration.entries.items()
    ]
    return Table(["Коэффициент", "Значение", "Единица", "Источник"], rows)


def _markdown_cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _inline_html(text: str) -> Markup:
    """Escape, then turn `code` spans into <code> elements."""
    escaped = html.escape(text)
    return Markup(re.sub(r"`([^`]+)`", r"<code>\1</code>", escaped))  # noqa: S704 - escaped above


def _environment() -> jinja2.Environment:
    environment = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        autoescape=jinja2.select_autoescape(["html"]),
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        undefined=jinja2.StrictUndefined,
    )
    environment.filters["md_cell"] = _markdown_cell
    environment.filters["inline"] = _inline_html
    return environment


def write_reports(document: ReportDocument, out_dir: Path) -> list[Path]:
    environment = _environment()
    written = []
    for name in REPORT_FILES:
        path = out_dir / name
        template = f"{name}.j2"
        path.write_text(environment.get_template(template).render(doc=document), encoding="utf-8")
        written.append(path)
    return written


def summary_lines(plan: RegionPlan, calibration: Calibration) -> list[str]:
    """The concise plan the command prints."""
    region = plan.region
    lines = [
        f"План: {region.region}; топология {region.topology.value}; "
        f"горизонт {region.horizon_end} г. ({region.horizon_years} лет)",
        f"Коэффициенты: {_calibration_line(calibration).replace('`', '')}",
    ]
    if not calibration.measured:
        lines.append("  ВНИМАНИЕ: цифры предварительные, до калибровки (regbank calibrate).")
    lines += ["", "Площадки (диски в ГиБ с запасом):"]
    header = (
        f"  {'площадка':<14}{'роль':<15}{'vCPU':>5}{'ОЗУ':>6}{'данные':>9}{'WAL':>8}"
        f"{'журналы':>9}{'копии':>9}{'IOPS':>7}"
    )
    lines.append(header)
    sites = plan.sites[: MAX_CONSOLE_ROWS + 1]  # the regional server first
    for site in sites:
        final = site.final
        lines.append(
            f"  {site.layout.name:<14}{ROLE_NAMES[site.layout.role]:<15}{site.vcpu:>5}"
            f"{site.ram_gib:>6}{gib(final.data_disk):>9}{gib(final.wal_disk):>8}"
            f"{gib(final.logs_disk):>9}{gib(final.backup_disk):>9}"
            f"{count(site.iops_required):>7}"
        )
    if len(plan.sites) > len(sites):
        lines.append(
            f"  … и ещё {len(plan.sites) - len(sites)} муниципальных серверов "
            "(все — в report.md и host_vars/)"
        )
    lines += ["", "МО (канал, Мбит/с: есть / нужно):"]
    shown = plan.municipalities
    if len(shown) > MAX_CONSOLE_ROWS:
        # A large region: the МО that need attention (a server, a link below the
        # thresholds) come first; the report's table lists them all.
        noted = [mo for mo in shown if mo.has_server or mo.online_at_risk]
        shown = noted[:MAX_CONSOLE_ROWS] or shown[:MAX_CONSOLE_ROWS]
    for mo in shown:
        line = (
            f"  {mo.code:<8}{mbps(mo.link.bandwidth_mbps):>8} / {mbps(mo.link_need_mbps):<8}"
            f"{decision_text(mo)}"
        )
        why = server_reason_text(mo, plan) if mo.has_server else link_problem_text(mo, plan)
        lines.append(f"{line}: {why}".replace("`", "") if why else line)
    if len(shown) < len(plan.municipalities):
        lines.append(f"  … и ещё {len(plan.municipalities) - len(shown)} МО (все — в report.md)")
    lines += ["", *(f"- {item}".replace("`", "") for item in findings(plan)[1:])]
    return lines
