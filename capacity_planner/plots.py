"""The report's charts, drawn with matplotlib's Agg canvas (no display needed).

Each chart is saved twice beside the report: PNG for the Markdown report and
viewers without SVG, SVG for the HTML report. Labels are in Russian.
"""

from dataclasses import dataclass
from pathlib import Path

import matplotlib
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.patches import Patch

from capacity_planner.model import GIB
from capacity_planner.planner import MunicipalityPlan, RegionPlan

MAX_MUNICIPAL_LINES = 8
MAX_LINK_BARS = 60
COLOURS = {
    "data": "#4878a8",
    "wal": "#e49444",
    "logs": "#6a9f58",
    "backups": "#b8b0ac",
    "online": "#4878a8",
    "server": "#e49444",
    "risk": "#d1605e",
    "limit": "#d1605e",
}


@dataclass(frozen=True)
class Chart:
    stem: str  # file name without extension
    caption: str


CHARTS = (
    Chart("storage", "Рост дискового пространства по годам"),
    Chart("load", "Пиковая нагрузка и мощность серверов"),
    Chart("links", "Требования к каналам МО"),
    Chart("scale", "Предел одного регионального сервера"),
)
CHART_FILES = tuple(f"{chart.stem}.{ext}" for chart in CHARTS for ext in ("png", "svg"))


def write_charts(plan: RegionPlan, out_dir: Path) -> list[Chart]:
    # Fixed SVG ids and no creation date, so re-running the planner gives the same files.
    with matplotlib.rc_context({"svg.hashsalt": "regbank", "font.size": 9}):
        for chart, draw in zip(CHARTS, (_storage, _load, _links, _scale), strict=True):
            figure = draw(plan)
            FigureCanvasAgg(figure)
            figure.savefig(out_dir / f"{chart.stem}.png", dpi=120, metadata={"Software": None})
            figure.savefig(out_dir / f"{chart.stem}.svg", metadata={"Date": None})
    return list(CHARTS)


def _storage(plan: RegionPlan) -> Figure:
    municipal = sorted(plan.sites[1:], key=lambda s: s.final.server_disk, reverse=True)
    figure = Figure(figsize=(10 if municipal else 6.5, 4.2), layout="constrained")
    axes = figure.subplots(1, 2 if municipal else 1, squeeze=False)[0]
    regional = plan.regional
    years = [year.year for year in regional.years]
    parts = [
        ("Данные", "data", [y.data_disk for y in regional.years]),
        ("WAL", "wal", [y.wal_disk for y in regional.years]),
        ("Журналы", "logs", [y.logs_disk for y in regional.years]),
        ("Резервные копии", "backups", [y.backup_disk for y in regional.years]),
    ]
    bottom = [0.0] * len(years)
    for label, colour, values in parts:
        gib = [value / GIB for value in values]
        axes[0].bar(years, gib, bottom=bottom, label=label, color=COLOURS[colour])
        bottom = [b + g for b, g in zip(bottom, gib, strict=True)]
    axes[0].set_title(f"Региональный сервер {regional.layout.name}")
    axes[0].set_xlabel("Год (конец года)")
    axes[0].set_ylabel("ГиБ, с запасом")
    axes[0].set_xticks(years)
    axes[0].legend(loc="upper left")
    if municipal:
        shown = municipal[:MAX_MUNICIPAL_LINES]
        for site in shown:
            axes[1].plot(
                years,
                [(y.server_disk + y.backup_disk) / GIB for y in site.years],
                marker="o",
                label=site.layout.name,
            )
        title = "Муниципальные серверы"
        if len(municipal) > len(shown):
            title += f" ({len(shown)} крупнейших из {len(municipal)})"
        axes[1].set_title(title)
        axes[1].set_xlabel("Год (конец года)")
        axes[1].set_ylabel("ГиБ всего, с копиями и запасом")
        axes[1].set_xticks(years)
        axes[1].set_ylim(bottom=0)
        axes[1].legend(loc="upper left", fontsize=8)
    return figure


def _load(plan: RegionPlan) -> Figure:
    figure = Figure(figsize=(6.5, 4.8), layout="constrained")
    axes = figure.subplots()
    regional = plan.regional
    years = [year.year for year in regional.years]
    axes.plot(
        years,
        [y.cores_needed for y in regional.years],
        marker="o",
        color=COLOURS["data"],
        label=f"{regional.layout.name}: нужно ядер",
    )
    axes.axhline(regional.vcpu, color=COLOURS["data"], linestyle="--", label="выделено vCPU")
    top = regional.vcpu
    if len(plan.sites) > 1:
        busiest = max(plan.sites[1:], key=lambda s: s.final.cores_needed)
        axes.plot(
            years,
            [y.cores_needed for y in busiest.years],
            marker="s",
            color=COLOURS["server"],
            label=f"{busiest.layout.name} (самый загруженный МО): нужно ядер",
        )
        axes.axhline(busiest.vcpu, color=COLOURS["server"], linestyle=":", label="его vCPU")
        top = max(top, busiest.vcpu)
    max_vcpu = plan.region.server_limits.max_vcpu
    if max_vcpu <= 3 * top:
        axes.axhline(max_vcpu, color=COLOURS["limit"], label="предел сервера")
    else:
        axes.set_title(f"Предел сервера ({max_vcpu} vCPU) вне шкалы", fontsize=9)
    axes.set_xlabel("Год")
    axes.set_ylabel("Ядер в пиковый час (при целевой загрузке)")
    axes.set_xticks(years)
    axes.set_ylim(0, 1.25 * max(top, max_vcpu if max_vcpu <= 3 * top else 0))
    figure.legend(loc="outside lower center", ncols=2, fontsize=8)
    return figure


def _link_colour(mo: MunicipalityPlan) -> str:
    if mo.has_server:
        return COLOURS["server"]
    return COLOURS["risk"] if mo.online_at_risk else COLOURS["online"]


def _links(plan: RegionPlan) -> Figure:
    shown = plan.municipalities
    if len(shown) > MAX_LINK_BARS:
        # A bar per МО of a large region would not fit a page (or an image): the МО whose
        # link has the least to spare; the table of the report lists every МО.
        tightest = sorted(shown, key=lambda mo: mo.link.bandwidth_mbps / mo.link_need_mbps)
        kept = {mo.code for mo in tightest[:MAX_LINK_BARS]}
        shown = tuple(mo for mo in shown if mo.code in kept)
    municipalities = list(reversed(shown))  # the first МО at the top
    figure = Figure(figsize=(8, 1.8 + 0.28 * len(municipalities)), layout="constrained")
    axes = figure.subplots()
    positions = range(len(municipalities))
    axes.barh(
        positions,
        [mo.link_need_mbps for mo in municipalities],
        color=[_link_colour(mo) for mo in municipalities],
        height=0.6,
    )
    axes.scatter(
        [mo.link.bandwidth_mbps for mo in municipalities],
        positions,
        marker="|",
        s=200,
        color="black",
        zorder=3,
        label="имеющийся канал",
    )
    axes.set_yticks(list(positions), [mo.code for mo in municipalities])
    axes.set_ylim(-0.6, len(municipalities) - 0.4)
    axes.set_xscale("log")
    axes.set_xlabel("Мбит/с (логарифмическая шкала)")
    handles = [
        Patch(color=COLOURS["online"], label="нужно для работы онлайн"),
        Patch(color=COLOURS["server"], label="нужно для репликации (есть сервер)"),
        Patch(color=COLOURS["risk"], label="онлайн по слабому каналу"),
        *axes.get_legend_handles_labels()[0],
    ]
    figure.legend(handles=handles, loc="outside lower center", ncols=2, fontsize=8)
    title = "Нужная и имеющаяся пропускная способность канала МО"
    if len(shown) < len(plan.municipalities):
        title += f"\n({len(shown)} из {len(plan.municipalities)}: с наименьшим запасом канала)"
    axes.set_title(title)
    return figure


def _scale(plan: RegionPlan) -> Figure:
    limits = plan.region.server_limits
    curve = plan.scale.curve
    multipliers = [point.multiplier for point in curve]
    figure = Figure(figsize=(6.5, 4.8), layout="constrained")
    axes = figure.subplots()
    series = [
        ("vCPU", [100 * p.vcpu / limits.max_vcpu for p in curve]),
        ("ОЗУ", [100 * p.ram_gib / limits.max_ram_gib for p in curve]),
        ("Диск сервера", [100 * p.disk_gib / limits.max_disk_gib for p in curve]),
    ]
    for label, values in series:
        axes.step(multipliers, values, where="post", label=label)
    axes.axhline(100, color=COLOURS["limit"], label="предел сервера")
    axes.axvline(1, color="grey", linestyle="--", label="объёмы этого региона")
    first = plan.scale.first
    if first:
        axes.axvline(
            first[1],
            color=COLOURS["limit"],
            linestyle=":",
            label=f"первый предел: ×{first[1]:.3g}".replace(".", ","),
        )
    axes.set_xscale("log")
    axes.set_xlabel("Во сколько раз больше объёмы этого региона (все МО онлайн)")
    axes.set_ylabel("% предела сервера")
    axes.set_ylim(0, 150)
    figure.legend(loc="outside lower center", ncols=3, fontsize=8)
    return figure
