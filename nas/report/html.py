"""Drawing a study as one self-contained HTML page (plotly.js inlined, nothing fetched).

The numbers come from :mod:`nas.report.pareto`; this module only lays them out. The page
records any JavaScript error in ``<pre id="js-errors">`` so a headless browser can check it.
"""

from __future__ import annotations

import html
import time
from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING, Any

import optuna

from nas.errors import NasError
from nas.outputs import check_output, write_output
from nas.report.pareto import ParetoInfo, Point, hypervolume_history, importances, pareto_info, pareto_table
from nas.search.record import TrialKind, count_kinds, read_records
from nas.search.storage import study_files
from nas.units import format_count

K = TrialKind

if TYPE_CHECKING:
    import plotly.graph_objects as go

_AXIS_TITLE = {"flops": "FLOPs (multiply-adds)", "params": "parameters", "latency_ms": "CPU latency (ms)"}
_PLOT_CONFIG = {"displaylogo": False, "responsive": True}

# Before plotly.js so that errors while it loads are caught too; shown only when there are some.
_ERROR_HOOK = """<script>
window.__errors = [];
function __nasShowErrors() {
  var pre = document.getElementById("js-errors");
  if (pre && window.__errors.length) { pre.textContent = window.__errors.join("\\n"); pre.hidden = false; }
}
window.addEventListener("error", function (e) {
  window.__errors.push("error: " + e.message + " (line " + e.lineno + ")"); __nasShowErrors();
});
window.addEventListener("unhandledrejection", function (e) {
  window.__errors.push("unhandled rejection: " + e.reason); __nasShowErrors();
});
document.addEventListener("DOMContentLoaded", __nasShowErrors);
</script>"""

_CSS = """
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, Arial, sans-serif; margin: 2em auto;
       max-width: 1300px; padding: 0 1em; color: #222; }
h1 { margin-bottom: .2em; } h2 { margin-top: 1.6em; border-bottom: 1px solid #ddd; }
.facts { color: #555; line-height: 1.6; }
.note { background: #fff7e0; border-left: 4px solid #e0a800; padding: .6em 1em; }
#js-errors { background: #fde8e8; color: #900; padding: .6em; }
table.pareto { border-collapse: collapse; font-size: 13px; }
table.pareto th, table.pareto td { border: 1px solid #ddd; padding: 3px 8px; text-align: right; }
table.pareto td:last-child { text-align: left; font-family: ui-monospace, monospace; }
"""


def _plotly() -> tuple[Any, Any]:
    """``(plotly.graph_objects, plotly.offline)``; the one place plotly is imported."""
    try:
        import plotly.graph_objects as go
        import plotly.offline as offline
    except ModuleNotFoundError:
        raise NasError("nas report needs plotly: pip install plotly") from None
    return go, offline


def _hover(p: Point, status: str) -> str:
    acc = f"{p.accuracy:.2%}" if p.accuracy is not None else "not trained"
    lat = f"{p.latency_ms:.3g} ms" if p.latency_ms is not None else "-"
    notation = "<br>  ".join(html.escape(p.notation).split(" | ")) if p.notation else ""
    lines = [f"<b>trial {p.number}</b> ({status})", f"accuracy {acc}",
             f"FLOPs {format_count(p.flops) if p.flops is not None else '-'}, "
             f"params {format_count(p.params) if p.params is not None else '-'}, latency {lat}"]
    if p.fail_reason:
        lines.append(html.escape(p.fail_reason[:120]))
    return "<br>".join(lines + ([notation] if notation else []))


def pareto_figure(info: ParetoInfo) -> go.Figure:
    """Accuracy against ``info.x``: Pareto front, dominated, over-budget, failed and baselines.

    Over-budget and failed trials have no accuracy; they sit at accuracy 0 with their own markers.
    """
    go, _ = _plotly()
    axis = info.x
    fig = go.Figure()

    def scatter(points: list[Point], name: str, status: str, y0: bool = False, **kw: Any) -> None:
        shown = [p for p in points if p.x(axis) is not None]
        if shown:
            fig.add_trace(go.Scatter(
                x=[p.x(axis) for p in shown], y=[0.0 if y0 else p.accuracy for p in shown], name=name,
                hovertext=[_hover(p, status) for p in shown], hoverinfo="text", **kw))

    scatter(info.dominated, "dominated", "dominated", mode="markers",
            marker=dict(color="#9aa5b1", size=8, opacity=0.75))
    scatter(info.pareto, "Pareto-optimal", "Pareto-optimal", mode="lines+markers",
            line=dict(color="#1f6feb", shape="hv", width=2), marker=dict(color="#1f6feb", size=11))
    scatter(info.infeasible, "over budget (not trained)", "over budget", y0=True, mode="markers",
            marker=dict(color="#d1242f", symbol="x-thin", size=9, line=dict(width=2, color="#d1242f")))
    scatter(info.failed, "failed", "failed", y0=True, mode="markers",
            marker=dict(color="#000", symbol="triangle-down", size=9))
    for over, name in ((False, "baseline (preset)"), (True, "baseline over budget")):
        group = [p for p in info.baselines if p.over_budget == over]
        scatter(group, name, name, mode="markers+text", text=[p.baseline for p in group],
                textposition="top center", textfont=dict(size=11, color="#7a3e00"),
                marker=dict(color="#f0883e" if not over else "rgba(0,0,0,0)", symbol="diamond", size=12,
                            line=dict(color="#f0883e", width=2)))
    if info.budget is not None:
        fig.add_trace(go.Scatter(x=[info.budget, info.budget], y=[-0.05, 1.04], mode="lines", hoverinfo="name",
                                 name=f"budget {format_count(info.budget)}",
                                 line=dict(color="#d1242f", dash="dash", width=1.5)))
    fig.update_layout(
        title=f"validation accuracy vs {_AXIS_TITLE[axis]}", height=560, template="plotly_white",
        xaxis=dict(title=_AXIS_TITLE[axis] + " (log scale)", type="log"),
        yaxis=dict(title="validation accuracy", tickformat=".0%", range=[-0.05, 1.04]),  # room for the 0% strip
        legend=dict(orientation="h", y=-0.18), margin=dict(t=60, b=40))
    return fig


def hypervolume_figure(history: list[tuple[int, float]]) -> go.Figure:
    """Normalised accuracy-vs-FLOPs hypervolume after each completed trial."""
    go, _ = _plotly()
    fig = go.Figure(go.Scatter(x=[n for n, _ in history], y=[h for _, h in history], mode="lines+markers",
                               line=dict(shape="hv", color="#1f6feb"), name="hypervolume"))
    fig.update_layout(title="hypervolume (accuracy x FLOPs saved, reference: accuracy 0 at the budget)",
                      xaxis_title="trial", yaxis_title="hypervolume", height=360, template="plotly_white")
    return fig


def importance_figure(objective: str, values: dict[str, float]) -> go.Figure:
    """Horizontal bars of the parameters' importance for one objective."""
    go, _ = _plotly()
    items = sorted(values.items(), key=lambda kv: kv[1])
    fig = go.Figure(go.Bar(x=[v for _, v in items], y=[k for k, _ in items], orientation="h",
                           marker_color="#1f6feb"))
    fig.update_layout(title=f"parameter importance for {objective} (PED-ANOVA)", xaxis_title="importance",
                      height=max(260, 60 + 22 * len(items)), template="plotly_white", margin=dict(l=160))
    return fig


def _counts(study: optuna.Study) -> Counter[TrialKind]:
    """How many trials of each kind the study holds (the one classifier, :mod:`nas.search.record`)."""
    return count_kinds(read_records(study))


def _header(study: optuna.Study, counts: Counter[TrialKind]) -> str:
    settings = study.user_attrs.get("settings", {})
    budget = [f"{format_count(settings['max_flops'])} FLOPs"] if settings.get("max_flops") else []
    budget += [f"{format_count(settings['max_params'])} params"] if settings.get("max_params") else []
    linear = study.user_attrs.get("linear_accuracy")
    facts = [
        f"data set <b>{html.escape(str(settings.get('dataset', '?')))}</b>",
        f"budget <b>{' and '.join(budget) or 'none'}</b>",
        f"objectives {html.escape(', '.join(study.metric_names or []))}",
        f"{counts[K.SEARCHED]} completed, {counts[K.OVER_BUDGET]} over budget, {counts[K.FAILED]} failed, "
        f"{counts[K.BASELINE]} baselines, {counts[K.DUPLICATE]} duplicates, {counts[K.SURPLUS]} surplus, "
        f"{counts[K.RUNNING]} running" + (f", {counts[K.STOPPED]} stopped early" if counts[K.STOPPED] else "")
        + (f", {counts[K.FINAL]} finalisation jobs (nas finalize)" if counts[K.FINAL] else ""),
        f"target {study.user_attrs.get('target_trials', '?')} trials",
        f"linear classifier accuracy <b>{linear:.2%}</b>" if linear is not None else "linear classifier: not measured",
        f"proxy training: epochs {settings.get('epochs', '?')}, {settings.get('train_subset', '?')} training images",
    ]
    return (f"<h1>Study {html.escape(study.study_name)}</h1>\n<p class='facts'>" + " &middot; ".join(facts)
            + f"<br>generated {time.strftime('%Y-%m-%d %H:%M')}; accuracies are validation accuracies of the "
            "search's proxy training.</p>")


def render_report(study: optuna.Study, path: str | Path) -> Path:
    """Write the study's report as one HTML file that opens offline.

    A study without completed trials still gets a valid page that says so (and shows the
    over-budget / failed trials it does have).

    Args:
        study: a study written by ``nas search``.
        path: the output file; its folder is created. It is written atomically and never over
            the study's own storage file.

    Returns:
        The path written.

    Raises:
        OutputError: for a path that cannot or must not be written, as one line.
    """
    check_output(path, study_files(study))  # refuse a bad path before the (slow) drawing
    go, offline = _plotly()
    counts = _counts(study)
    body: list[str] = [_header(study, counts), '<pre id="js-errors" hidden></pre>']
    figures: list[tuple[str, go.Figure]] = []
    flops_info = pareto_info(study, "flops")
    if counts[TrialKind.SEARCHED] == 0:
        body.append('<p class="note" id="no-trials">This study has no completed trial yet, so there is no '
                    "Pareto front to show. Run or resume <code>nas search</code> and report again.</p>")
    body.append("<h2>Accuracy against cost</h2>")
    for axis in ("flops", "params", "latency_ms"):
        info = flops_info if axis == "flops" else pareto_info(study, axis)
        if axis != "flops" and not (info.pareto or info.baselines):
            continue
        if any((info.pareto, info.dominated, info.infeasible, info.failed, info.baselines)):
            figures.append((f"pareto-{axis}", pareto_figure(info)))
    history = hypervolume_history(study)
    if history:
        figures.append(("hypervolume", hypervolume_figure(history)))
    imps = importances(study) if counts[TrialKind.SEARCHED] else []
    for imp in imps:
        if imp.values:
            figures.append((f"importance-{imp.objective}", importance_figure(imp.objective, imp.values)))

    for div_id, fig in figures:
        if div_id == "hypervolume":
            body.append("<h2>Search progress</h2>")
        if div_id.startswith("importance-") and "<h2>Parameter importance</h2>" not in body:
            body.append("<h2>Parameter importance</h2>")
        body.append(fig.to_html(full_html=False, include_plotlyjs=False, include_mathjax=False, div_id=div_id,
                                config=_PLOT_CONFIG))
    notes = [f"{html.escape(i.objective)}: {html.escape(i.note)}" for i in imps if i.note]
    if notes:
        if "<h2>Parameter importance</h2>" not in body:
            body.append("<h2>Parameter importance</h2>")
        body.append("<p class='note'>" + "<br>".join(notes) + "</p>")
    table = pareto_table(study)
    if len(table):
        body.append("<h2>Pareto-optimal trials (accuracy vs FLOPs)</h2>")
        shown = table.assign(
            accuracy=table["accuracy"].map(lambda v: f"{v:.2%}"),
            flops=table["flops"].map(format_count), params=table["params"].map(format_count),
            latency_ms=table["latency_ms"].map(lambda v: "-" if v is None or v != v else f"{v:.3g}"),
            train_time_s=table["train_time_s"].map(lambda v: "-" if v is None or v != v else f"{v:.1f}"))
        finals = {r.number: r.final for r in read_records(study) if r.kind != K.FINAL and r.final is not None}
        if finals:  # 'nas finalize' trained some with the full recipe: their test accuracy beside
            shown.insert(2, "test_accuracy", [
                f"{finals[n].test_accuracy:.2%}" if n in finals else "-" for n in table["trial"]])
        body.append(shown.to_html(index=False, classes="pareto", border=0, na_rep="-"))

    page = (
        "<!DOCTYPE html>\n<html lang='en'>\n<head>\n<meta charset='utf-8'>\n"
        f"<title>nas report: {html.escape(study.study_name)}</title>\n<style>{_CSS}</style>\n{_ERROR_HOOK}\n"
        f"<script>{offline.get_plotlyjs()}</script>\n</head>\n<body>\n" + "\n".join(body) + "\n</body>\n</html>\n"
    )
    return write_output(path, page, protect=study_files(study))


__all__ = ["hypervolume_figure", "importance_figure", "pareto_figure", "render_report"]
