"""Issue 7, item 5: predict a server's CPU utilisation and p95 latency at a load, then
drive that load and measure both.

The prediction uses only the planner's model and a calibration file:

* CPU: ``busy = Σ rate × CPU ms of the type`` (model.analytics_request_ms for analytics,
  with the events the validation's analytics period covers), utilisation =
  ``(busy + background_cpu_cores) / cores``;
* latency: the server as an M/M/m queue (m = cores, since sync gunicorn workers are
  CPU-bound and there are more workers than cores; Poisson arrivals, as the load
  generator sends them). A request's time is its own CPU time plus the wait W for a
  free core: P(W > t) = C(m, a) · exp(−(mμ − λ)t) (Erlang C), with 1/μ the mix's mean
  CPU time and the background taken off the cores; plus the request's time beyond its
  CPU (non_cpu_ms_per_*: network, TLS, fsync), measured by the calibration. p95 solves
  Σ_type share × P(S_type + W > t) = 0.05.

The measurement is one phase of runner.Run at the same rates: CPU of the scope the
calibration used, divided by the window and the cores; p95 of the requests that ended
in the window.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from capacity_planner.calibrate.runner import Phase, Run, RunSettings, analytics_periods
from capacity_planner.calibrate.target import Target
from capacity_planner.calibration import Calibration
from capacity_planner.model import analytics_request_ms
from regbank_devtools.stats import percentile

GOAL = 0.25
QUANTILE = 0.95


def erlang_c(servers: int, offered: float) -> float:
    """Probability that an arrival waits in an M/M/m queue (offered load a = λ/μ)."""
    if offered <= 0:
        return 0.0
    if offered >= servers:
        return 1.0
    term = 1.0
    total = 1.0  # Σ_{k<m} a^k / k!
    for k in range(1, servers):
        term *= offered / k
        total += term
    last = term * offered / servers  # a^m / m!
    tail = last * servers / (servers - offered)
    return tail / (total + tail)


@dataclass(frozen=True)
class Prediction:
    utilisation: float  # 0..1 of the server's cores
    busy_cores: float
    p95_ms: float
    p95_ms_by_type: dict[str, float]
    service_ms: dict[str, float]
    wait_probability: float
    saturated: bool


def predict(
    calibration: Calibration,
    rates: dict[str, float],
    cores: float,
    analytics_scope_rollup_rows: float = 0.0,
) -> Prediction:
    c = calibration.coefficients
    service_ms = {
        "read": c.cpu_ms_per_read_request,
        "write": c.cpu_ms_per_write_request,
        "analytics": analytics_request_ms(analytics_scope_rollup_rows, c),
    }
    # Time beyond the CPU (network, TLS, fsync): added to each request, not queued for a core.
    beyond_ms = {
        "read": c.non_cpu_ms_per_read_request,
        "write": c.non_cpu_ms_per_write_request,
        "analytics": c.non_cpu_ms_per_analytics_request,
    }
    active = {k: r for k, r in rates.items() if r > 0}
    total_rate = sum(active.values())
    busy = sum(rate * service_ms[k] / 1000 for k, rate in active.items())
    utilisation = (busy + c.background_cpu_cores) / cores
    servers = max(1, math.floor(cores))
    capacity = max(1e-9, servers - c.background_cpu_cores)
    mean_s = busy / total_rate if total_rate else 0.0
    if total_rate == 0 or mean_s == 0:
        return Prediction(utilisation, busy, 0.0, {}, service_ms, 0.0, False)
    # the background takes its share of every core: scale the service rate down
    mu = capacity / servers / mean_s
    offered = total_rate / mu
    if offered >= servers:
        inf = float("inf")
        return Prediction(utilisation, busy, inf, dict.fromkeys(active, inf), service_ms, 1.0, True)
    wait = erlang_c(servers, offered)
    theta = servers * mu - total_rate  # decay rate of the waiting time's tail, 1/s
    stretch = servers / capacity  # CPU time of a request on a core shared with background

    def exceed(t: float) -> float:
        out = 0.0
        for kind, rate in active.items():
            s = (service_ms[kind] * stretch + beyond_ms[kind]) / 1000
            out += rate / total_rate * (1.0 if t < s else wait * math.exp(-theta * (t - s)))
        return out

    low, high = 0.0, 1.0
    while exceed(high) > 1 - QUANTILE:
        high *= 2
    for _ in range(60):
        mid = (low + high) / 2
        low, high = (mid, high) if exceed(mid) > 1 - QUANTILE else (low, mid)
    extra = math.log(wait / (1 - QUANTILE)) / theta if wait > 1 - QUANTILE else 0.0
    by_type = {k: service_ms[k] * stretch + beyond_ms[k] + extra * 1000 for k in active}
    return Prediction(utilisation, busy, high * 1000, by_type, service_ms, wait, False)


def measured_figures(phase: dict, cores: float, scope: str) -> dict:
    window = {k: v for k, v in phase["requests"].items() if k != "login"}
    all_ms = [ms for v in window.values() for ms in v["ms_window"]]
    return {
        "utilisation": phase["cpu_s"][scope] / phase["seconds"] / cores,
        "p95_ms": percentile(all_ms),
        "p95_ms_by_type": {k: percentile(v["ms_window"]) for k, v in window.items()},
        "rates": {k: v["n_window"] / phase["seconds"] for k, v in window.items()},
        "requests": len(all_ms),
    }


def run(target: Target, settings: RunSettings, calibration: Calibration, load: dict) -> dict:
    runner = Run(target, settings)
    info = runner.prepare()
    wide, _ = analytics_periods(runner.db)
    scope_rows = runner.scope_rollup_rows(wide) if load.get("analytics", 0) > 0 else 0
    cores = info["machine"]["cores"]
    prediction = predict(calibration, load, cores, scope_rows)
    try:
        phase = runner.run_phase(Phase("validate", dict(load), wide))
    finally:
        runner.finish()
    return {
        "date": info["machine"],
        "target": target.name,
        "base_url": target.base_url,
        "machine": info["machine"],
        "cores": cores,
        "calibration": str(calibration.path),
        "calibration_measured": calibration.measured,
        "load": load,
        "seconds": phase["seconds"],
        "scope": settings.cpu_scope,
        "scope_rollup_rows": scope_rows,
        "prediction": prediction,
        "measured": measured_figures(phase, cores, settings.cpu_scope),
    }


def _deviation(predicted: float, measured: float) -> tuple[str, str]:
    if not (math.isfinite(predicted) and math.isfinite(measured)) or measured == 0:
        return "—", "—"
    dev = (predicted - measured) / measured
    return f"{dev * 100:+.0f} %", "да" if abs(dev) <= GOAL else "нет"


def markdown(result: dict) -> str:
    import datetime

    p: Prediction = result["prediction"]
    m = result["measured"]
    load = ", ".join(f"{k} {v:g}/с" for k, v in result["load"].items() if v)
    names = {"read": "чтение", "write": "запись", "analytics": "аналитика"}
    lines = [
        f"Проверка прогноза {datetime.date.today():%Y-%m-%d}: сервер {result['target']} "
        f"({result['machine']['cores']:g} ядра {result['machine']['cpu_model']}, "
        f"{result['machine']['ram_gib']:g} ГиБ), нагрузка {load} в течение "
        f"{result['seconds']:.0f} с, калибровка {result['calibration']}"
        + ("" if result["calibration_measured"] else " (ПРЕДВАРИТЕЛЬНАЯ)")
        + "; ЦП — "
        + ("весь сервер." if result["scope"] == "server" else "процессы приложения и PostgreSQL."),
        "",
        "| величина | прогноз | измерено | отклонение | в пределах ±25 % |",
        "|---|---|---|---|---|",
    ]
    dev, ok = _deviation(p.utilisation, m["utilisation"])
    lines.append(
        f"| загрузка ЦП | {p.utilisation * 100:.1f} % | {m['utilisation'] * 100:.1f} % "
        f"| {dev} | {ok} |"
    )
    dev, ok = _deviation(p.p95_ms, m["p95_ms"])
    lines.append(f"| p95 всех запросов | {p.p95_ms:.0f} мс | {m['p95_ms']:.0f} мс | {dev} | {ok} |")
    for kind, value in p.p95_ms_by_type.items():
        measured = m["p95_ms_by_type"].get(kind, float("nan"))
        dev, ok = _deviation(value, measured)
        lines.append(f"| p95: {names[kind]} | {value:.0f} мс | {measured:.0f} мс | {dev} | {ok} |")
    for kind, rate in result["load"].items():
        if rate:
            lines.append(
                f"| поток: {names[kind]} (справочно) | {rate:g}/с | "
                f"{m['rates'].get(kind, 0):.2f}/с | | |"
            )
    return "\n".join(lines)
