"""Charts of the analytics views: the description (`Chart`), and its PNG by matplotlib.

Pages, the SVG export and the report draw the same `Chart` with analytics/svgchart.py
(a millisecond); matplotlib (a few hundred milliseconds, imported only when asked) draws
the PNG export. Only its object API is used (no pyplot: no global state, safe in a
worker); DejaVu Sans, shipped with matplotlib, has Cyrillic.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field

from . import formats

PALETTE = ["#c9ced6", "#8e9aaf", "#6ea8dc", "#1f5fa8", "#0b3d6e", "#5b6470"]
UP, DOWN = "#1b7a3a", "#c0392b"


@dataclass
class Series:
    label: str
    values: list
    color: str | None = None


@dataclass
class Chart:
    kind: str  # "bars" (grouped), "stacked", "hbars" (one series, horizontal)
    title: str
    categories: list[str]
    series: list[Series]
    ylabel: str = ""
    value_kind: str = "int"  # formats.FORMATTERS key for axis and labels
    colors: list[str] | None = None  # one per category (segments)
    signed_colors: bool = False  # hbars: growth green, decline red
    reference: list[tuple[float, str]] = field(default_factory=list)  # lines
    legend: list[tuple[str, str]] | None = None  # (label, color) instead of the series'


def _num(v) -> float:
    return float(v) if v is not None else 0.0


def render(chart: Chart, fmt: str = "svg") -> bytes:
    # matplotlib is imported on the first PNG/PDF chart only: it costs a worker ~0.5 s and
    # 40 MB, and pages draw their charts with svgchart
    import matplotlib
    from matplotlib.figure import Figure
    from matplotlib.patches import Patch
    from matplotlib.ticker import FuncFormatter

    n = max(1, len(chart.categories))
    whole = chart.value_kind in ("int", "signed_int")
    axis_format = FuncFormatter(
        lambda v, _pos: formats.integer(v) if whole else formats.decimal(v, 0)
    )
    rc = {
        "font.family": "DejaVu Sans",
        "font.size": 9,
        "svg.fonttype": "none",
        "svg.hashsalt": "regbank",
        "axes.spines.top": False,
        "axes.spines.right": False,
    }
    with matplotlib.rc_context(rc):
        if chart.kind == "hbars":
            fig = Figure(figsize=(8.5, max(3.0, 0.32 * n + 1.4)), dpi=110)
        else:
            per_group = 0.28 * (len(chart.series) if chart.kind == "bars" else 1) + 0.3
            legend_room = 2.6 if (len(chart.series) > 1 or chart.reference) else 0
            width = per_group * n + 1.5 + legend_room
            fig = Figure(figsize=(max(10.0, min(40.0, width)), 4.6), dpi=110)
        ax = fig.add_subplot()
        ax.set_title(chart.title, loc="left", fontsize=11)
        positions = list(range(n))
        if chart.kind == "hbars":
            values = [_num(v) for v in chart.series[0].values]
            if chart.signed_colors:
                colors = [UP if v >= 0 else DOWN for v in values]
            else:
                colors = chart.colors or PALETTE[3]
            ax.barh(positions, values, color=colors, height=0.65)
            ax.set_yticks(positions, chart.categories)
            ax.invert_yaxis()
            ax.axvline(0, color="#5b6470", linewidth=0.8)
            ax.xaxis.set_major_formatter(axis_format)
            ax.set_xlabel(chart.ylabel)
            for y, raw in zip(positions, chart.series[0].values, strict=True):
                label = formats.cell(raw, chart.value_kind)
                x = _num(raw)
                ax.annotate(
                    label,
                    (x, y),
                    xytext=(4 if x >= 0 else -4, 0),
                    textcoords="offset points",
                    ha="left" if x >= 0 else "right",
                    va="center",
                    fontsize=8,
                )
            for value, label in chart.reference:
                ax.axvline(value, color="#0b3d6e", linestyle="--", linewidth=1, label=label)
            low, high = ax.get_xlim()
            pad = (high - low) * 0.12
            ax.set_xlim(low - (pad if low < 0 else 0), high + pad)
        else:
            if chart.kind == "stacked":
                bottom = [0.0] * n
                for s in chart.series:
                    values = [_num(v) for v in s.values]
                    ax.bar(positions, values, 0.7, bottom=bottom, label=s.label, color=s.color)
                    bottom = [b + v for b, v in zip(bottom, values, strict=True)]
            else:
                k = len(chart.series)
                width = 0.8 / k
                palette = PALETTE[-k - 1 : -1] if k <= len(PALETTE) - 1 else PALETTE
                for i, s in enumerate(chart.series):
                    xs = [p - 0.4 + width * (i + 0.5) for p in positions]
                    color = chart.colors if chart.colors and k == 1 else (s.color or palette[i])
                    ax.bar(xs, [_num(v) for v in s.values], width, label=s.label, color=color)
            ax.set_xticks(
                positions,
                chart.categories,
                rotation=45 if n > 12 else 0,
                ha="right" if n > 12 else "center",
            )
            ax.yaxis.set_major_formatter(axis_format)
            ax.set_ylabel(chart.ylabel)
            ax.grid(axis="y", color="#e3e6ea", linewidth=0.6)
            ax.set_axisbelow(True)
            styles = ["--", ":", "-", ":"]
            for i, (value, label) in enumerate(chart.reference):
                ax.axhline(
                    value,
                    color="#0b3d6e",
                    linestyle=styles[i % len(styles)],
                    linewidth=1,
                    label=f"{label}: {formats.cell(value, chart.value_kind)}",
                )
            pad = max(0.6, (6 - n) / 2)  # a lone bar (own МО) keeps a normal width
            ax.set_xlim(-pad, n - 1 + pad)
        handles, labels = ax.get_legend_handles_labels()
        if chart.legend:
            handles = [Patch(color=c) for _, c in chart.legend] + [
                h
                for h, lbl in zip(handles, labels, strict=True)
                if lbl in {r[1] for r in chart.reference} or ":" in lbl
            ]
            labels = [lbl for lbl, _ in chart.legend] + [
                lbl for lbl in labels if lbl in {r[1] for r in chart.reference} or ":" in lbl
            ]
        if handles and (len(chart.series) > 1 or chart.reference or chart.legend):
            ax.legend(
                handles,
                labels,
                loc="upper left",
                bbox_to_anchor=(1.0, 1.0),
                frameon=False,
                fontsize=8,
            )
        fig.tight_layout()
        buffer = io.BytesIO()
        metadata = {"Date": None} if fmt == "svg" else {}
        fig.savefig(buffer, format=fmt, metadata=metadata)
    return buffer.getvalue()
