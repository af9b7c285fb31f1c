"""The report's plotly figures, drawn from the info objects of :mod:`nas.report.pareto`,
:mod:`nas.report.final` and :mod:`nas.report.layout` (which decide every number and position).

Every accuracy is labelled with what it is: *proxy validation accuracy* (the search's short
training, on the validation split) or *final test accuracy* (the full recipe, on the test split).
"""

from __future__ import annotations

import html
import math
from typing import TYPE_CHECKING, Any

from nas.errors import NasError
from nas.report.final import FinalInfo
from nas.report.layout import (
    LABEL_FONT_PX,
    Label,
    accuracy_range,
    fit_labels,
    log_range,
)
from nas.report.pareto import ParetoInfo, Point
from nas.units import format_count

if TYPE_CHECKING:
    import plotly.graph_objects as go

PROXY_ACC = "proxy validation accuracy"
FINAL_ACC = "final test accuracy"
AXIS_TITLE = {"flops": "FLOPs (multiply-adds)", "params": "parameters", "latency_ms": "CPU latency (ms)"}
#: The rows of the strip under the accuracy plot, for trials that have no accuracy to plot.
STRIP_ROWS = ("over budget (not trained)", "failed", "stopped (no accuracy)")

_BLUE, _GREY, _RED, _ORANGE, _BROWN = "#1f6feb", "#9aa5b1", "#d1242f", "#f0883e", "#7a3e00"
_PARETO_HEIGHT, _PARETO_MARGIN = 620, dict(t=60, b=60, l=70, r=20)
_MAIN_ROW, _SPACING = 0.8, 0.07


def plotly() -> tuple[Any, Any]:
    """``(plotly.graph_objects, plotly.offline)``; the one place plotly is imported."""
    try:
        import plotly.graph_objects as go
        import plotly.offline as offline
    except ModuleNotFoundError:
        raise NasError("nas report needs plotly: pip install plotly") from None
    return go, offline


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{value:.2%}"


def hover(p: Point, status: str) -> str:
    """The hover text of one trial: what it is, both accuracies (named), its cost and notation."""
    if p.accuracy is not None:
        rung = f" at rung {p.rung}" if p.rung is not None and p.final is None and status.startswith("stopped") else ""
        acc = f"{PROXY_ACC}{rung} {_pct(p.accuracy)}"
    else:
        acc = f"{PROXY_ACC}: not trained"
    lines = [f"<b>{html.escape(p.baseline) + ', ' if p.baseline else ''}trial {p.number}</b> ({status})", acc]
    if p.final is not None:
        lines.append(f"<b>{FINAL_ACC} {_pct(p.final.test_accuracy)}</b>")
    lat = f"{p.latency_ms:.3g} ms" if p.latency_ms is not None else "-"
    lines.append(f"FLOPs {format_count(p.flops) if p.flops is not None else '-'}, "
                 f"params {format_count(p.params) if p.params is not None else '-'}, latency {lat}")
    if p.fail_reason:
        lines.append(html.escape(p.fail_reason[:120]))
    if p.notation:
        lines.append("<br>  ".join(html.escape(p.notation).split(" | ")))
    return "<br>".join(lines)


def _stopped_status(p: Point) -> str:
    return f"stopped at rung {p.rung}" if p.rung is not None else "stopped early"


def _label_annotations(fig: go.Figure, labels: list[Label], **where: Any) -> None:
    """Preset names as annotations with leader lines, at the positions :mod:`nas.report.layout` chose."""
    for label in labels:
        fig.add_annotation(x=math.log10(label.x), y=label.y, text=html.escape(label.text), showarrow=True,
                           ax=label.dx, ay=label.dy, arrowhead=0, arrowwidth=1, arrowcolor="#c9a27e",
                           font=dict(size=LABEL_FONT_PX, color=_BROWN), bgcolor="rgba(255,255,255,0.85)",
                           **where)


def _labelled(points: list[Point], axis: str, y_of: Any) -> list[tuple[str, float, float]]:
    return [(p.baseline or f"trial {p.number}", float(p.x(axis) or 0), float(y_of(p))) for p in points]


def _budget(fig: go.Figure, budget: float | None) -> None:
    if budget is None:
        return
    go, _ = plotly()
    # Shapes take data values on a log axis (annotations take log10 values).
    fig.add_shape(type="line", xref="x", yref="paper", x0=budget, x1=budget, y0=0, y1=1,
                  line=dict(color=_RED, dash="dash", width=1.5))
    fig.add_trace(go.Scatter(x=[None], y=[None], mode="lines", name=f"budget {format_count(budget)}",
                             line=dict(color=_RED, dash="dash", width=1.5)))


def pareto_figure(info: ParetoInfo) -> go.Figure:
    """Proxy validation accuracy against ``info.x``, zoomed to the data, with a strip below.

    The top plot holds the Pareto front, the dominated trials, the trained presets (labelled
    without overlaps) and the trials stopped early; the strip below holds what has no accuracy:
    over-budget architectures (never trained), failed trials and stopped ones without one.
    """
    go, _ = plotly()
    from plotly.subplots import make_subplots

    axis = info.x
    strip = dict(zip(STRIP_ROWS, ([p for p in group if p.x(axis) is not None] for group in (
        info.infeasible, info.failed, [p for p in info.stopped if p.accuracy is None]))))
    used = [row for row, group in strip.items() if group]
    rows = 2 if used else 1  # an empty strip would hide the x axis
    main_row, spacing = (_MAIN_ROW, _SPACING) if used else (1.0, 0.0)
    fig = make_subplots(rows=rows, cols=1, shared_xaxes=True, vertical_spacing=spacing,
                        row_heights=[main_row, 1 - main_row] if used else None)

    def scatter(points: list[Point], name: str, status: Any, row: int = 1, y: Any = None, **kw: Any) -> None:
        shown = [p for p in points if p.x(axis) is not None]
        if shown:
            fig.add_trace(go.Scatter(
                x=[p.x(axis) for p in shown], y=[y if y is not None else p.accuracy for p in shown], name=name,
                hovertext=[hover(p, status(p) if callable(status) else status) for p in shown], hoverinfo="text",
                **kw), row=row, col=1)

    scored = [p for p in info.stopped if p.accuracy is not None]
    scatter(info.dominated, "dominated", "dominated", mode="markers", marker=dict(color=_GREY, size=8, opacity=0.75))
    scatter(scored, "stopped early (not ranked)", _stopped_status, mode="markers",
            marker=dict(color="#57606a", symbol="circle-open-dot", size=10, line=dict(width=1.5)))
    scatter(info.pareto, "Pareto-optimal", "Pareto-optimal", mode="lines+markers",
            line=dict(color=_BLUE, shape="hv", width=2), marker=dict(color=_BLUE, size=11))
    for over, name in ((False, "preset (baseline)"), (True, "preset over budget")):
        scatter([p for p in info.baselines if p.over_budget == over], name, name, mode="markers",
                marker=dict(color=_ORANGE if not over else "rgba(0,0,0,0)", symbol="diamond", size=12,
                            line=dict(color=_ORANGE, width=2)))
    over_row, failed_row, stopped_row = STRIP_ROWS
    scatter(strip[over_row], over_row, "over budget", row=2, y=over_row, mode="markers",
            marker=dict(color=_RED, symbol="x-thin", size=9, line=dict(width=2, color=_RED)))
    scatter(strip[failed_row], "failed", "failed", row=2, y=failed_row, mode="markers",
            marker=dict(color="#000", symbol="triangle-down", size=9))
    scatter(strip[stopped_row], "stopped early, no accuracy", _stopped_status, row=2,
            y=stopped_row, mode="markers", marker=dict(color="#57606a", symbol="circle-open", size=9))
    _budget(fig, info.budget)

    xs = [p.x(axis) for p in (*info.pareto, *info.dominated, *info.baselines, *info.stopped, *info.infeasible,
                              *info.failed)]
    x_range = log_range([*(x for x in xs if x is not None), *([info.budget] if info.budget else [])])
    y_range = accuracy_range(info.accuracies())
    if y_range is not None and x_range is not None:
        height = (_PARETO_HEIGHT - _PARETO_MARGIN["t"] - _PARETO_MARGIN["b"]) * (1 - spacing) * main_row
        y_range, labels = fit_labels(_labelled(info.baselines, axis, lambda p: p.accuracy), x_range,
                                     info.accuracies(), height,
                                     [(p.x(axis) or 1.0, p.accuracy or 0.0) for p in info.pareto])
        _label_annotations(fig, labels, row=1, col=1)
    fig.update_xaxes(type="log", range=list(x_range) if x_range else None)
    fig.update_xaxes(title=AXIS_TITLE[axis] + " (log scale)", row=rows, col=1)
    fig.update_yaxes(title=PROXY_ACC, tickformat=".1%", range=list(y_range) if y_range else None, row=1, col=1)
    if used:
        fig.update_yaxes(type="category", categoryorder="array", categoryarray=list(reversed(used)),
                         row=2, col=1, tickfont=dict(size=10))
    fig.update_layout(
        title=f"{PROXY_ACC} vs {AXIS_TITLE[axis]}" + (" (trials without an accuracy in the strip below)"
                                                     if used else ""),
        height=_PARETO_HEIGHT, template="plotly_white", margin=_PARETO_MARGIN,
        legend=dict(orientation="v", x=1.01, y=1, font=dict(size=11)))
    return fig


def final_figure(final: FinalInfo, budget: float | None) -> go.Figure:
    """Final test accuracy against FLOPs: the finalised architectures beside the presets
    trained the same way (labelled without overlaps)."""
    go, _ = plotly()
    fig = go.Figure()
    searched = [p for p in final.searched if p.flops is not None]
    presets = [p for p in final.baselines if p.flops is not None]
    for points, name, marker in (
            (searched, "searched architecture, fully trained", dict(color=_BLUE, size=11)),
            (presets, "preset, fully trained", dict(color=_ORANGE, symbol="diamond", size=12,
                                                   line=dict(color=_ORANGE, width=2)))):
        if points:
            fig.add_trace(go.Scatter(x=[p.flops for p in points], y=[p.final.test_accuracy for p in points if p.final],
                                     mode="markers", name=name, marker=marker, hoverinfo="text",
                                     hovertext=[hover(p, "finalised") for p in points]))
    _budget(fig, budget)
    tests = [p.final.test_accuracy for p in (*searched, *presets) if p.final]
    x_range = log_range([float(p.flops or 0) for p in (*searched, *presets)] + ([budget] if budget else []))
    y_range = accuracy_range(tests)
    height = 480
    if x_range and y_range:
        y_range, labels = fit_labels(_labelled(presets, "flops", lambda p: p.final.test_accuracy), x_range, tests,
                                     height - 120, [(float(p.flops or 1), p.final.test_accuracy)
                                                    for p in searched if p.final])
        _label_annotations(fig, labels)
    fig.update_layout(title=f"{FINAL_ACC} vs FLOPs: searched architectures and presets, trained the same way",
                      height=height, template="plotly_white", margin=dict(t=60, b=60, l=70, r=20),
                      xaxis=dict(title="FLOPs (multiply-adds) (log scale)", type="log",
                                 range=list(x_range) if x_range else None),
                      yaxis=dict(title=FINAL_ACC, tickformat=".1%", range=list(y_range) if y_range else None),
                      legend=dict(orientation="v", x=1.01, y=1, font=dict(size=11)))
    return fig


def correlation_figure(final: FinalInfo) -> go.Figure:
    """Proxy validation accuracy against final test accuracy, Kendall's tau in the title."""
    go, _ = plotly()
    fig = go.Figure()
    for points, name, marker in (
            ([p for p in final.pairs if not p.baseline], "searched architecture", dict(color=_BLUE, size=10)),
            ([p for p in final.pairs if p.baseline], "preset", dict(color=_ORANGE, symbol="diamond", size=11))):
        if points:
            fig.add_trace(go.Scatter(x=[p.accuracy for p in points], y=[p.final.test_accuracy for p in points if p.final],
                                     mode="markers", name=name, marker=marker, hoverinfo="text",
                                     hovertext=[hover(p, "finalised") for p in points]))
    tau = "undefined" if final.tau is None else f"{final.tau:.2f}"
    x_range = accuracy_range([p.accuracy for p in final.pairs if p.accuracy is not None])
    y_range = accuracy_range([p.final.test_accuracy for p in final.pairs if p.final])
    fig.update_layout(title=f"does the proxy rank like full training? Kendall tau = {tau} over {len(final.pairs)} "
                            "architectures", height=440, template="plotly_white",
                      xaxis=dict(title=PROXY_ACC, tickformat=".1%", range=list(x_range) if x_range else None),
                      yaxis=dict(title=FINAL_ACC, tickformat=".1%", range=list(y_range) if y_range else None))
    return fig


def hypervolume_figure(history: list[tuple[int, float]], over_time: list[tuple[float, float]] | None = None) -> go.Figure:
    """Normalised accuracy-vs-FLOPs hypervolume after each completed trial, against trial
    number and (when times were recorded) against elapsed wall-clock time."""
    go, _ = plotly()
    from plotly.subplots import make_subplots

    timed = bool(over_time)
    fig = make_subplots(rows=1, cols=2 if timed else 1, horizontal_spacing=0.08,
                        subplot_titles=("against trial number", "against elapsed time") if timed else None)
    line = dict(shape="hv", color=_BLUE)
    fig.add_trace(go.Scatter(x=[n for n, _ in history], y=[h for _, h in history], mode="lines+markers", line=line,
                             name="hypervolume", showlegend=False), row=1, col=1)
    fig.update_xaxes(title="trial number", row=1, col=1)
    if over_time:
        last = over_time[-1][0]
        scale, unit = (3600.0, "h") if last > 3 * 3600 else (60.0, "min") if last > 120 else (1.0, "s")
        fig.add_trace(go.Scatter(x=[t / scale for t, _ in over_time], y=[h for _, h in over_time], mode="lines+markers",
                                 line=line, name="hypervolume over time", showlegend=False), row=1, col=2)
        fig.update_xaxes(title=f"elapsed time since the first trial started ({unit})", row=1, col=2)
    fig.update_yaxes(title="hypervolume", row=1, col=1)
    fig.update_layout(title="hypervolume (proxy validation accuracy x FLOPs saved; reference: accuracy 0 at the "
                            "budget)", height=380, template="plotly_white")
    return fig


def importance_figure(objective: str, values: dict[str, float]) -> go.Figure:
    """Horizontal bars of the parameters' importance for one objective."""
    go, _ = plotly()
    items = sorted(values.items(), key=lambda kv: kv[1])
    fig = go.Figure(go.Bar(x=[v for _, v in items], y=[k for k, _ in items], orientation="h", marker_color=_BLUE))
    name = PROXY_ACC if objective == "accuracy" else objective
    fig.update_layout(title=f"parameter importance for {name} (PED-ANOVA)", xaxis_title="importance",
                      height=max(260, 60 + 22 * len(items)), template="plotly_white", margin=dict(l=160))
    return fig


__all__ = ["AXIS_TITLE", "FINAL_ACC", "PROXY_ACC", "STRIP_ROWS", "correlation_figure", "final_figure", "hover",
           "hypervolume_figure", "importance_figure", "pareto_figure", "plotly"]
