"""Drawing a study as one self-contained HTML page (plotly.js inlined, nothing fetched).

The page starts with the architecture to take (:mod:`nas.report.recommend`), then shows
the plots (:mod:`nas.report.figures`, drawing the numbers of :mod:`nas.report.pareto` and
:mod:`nas.report.final`). It records any JavaScript error in ``<pre id="js-errors">`` so a
headless browser can check it.
"""

from __future__ import annotations

import html
import time
from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING

import optuna

from nas.errors import NasError
from nas.outputs import check_output, write_output
from nas.report.counts import Screening, screening
from nas.report.figures import (
    FINAL_ACC,
    PROXY_ACC,
    correlation_figure,
    final_figure,
    hypervolume_figure,
    importance_figure,
    pareto_figure,
    plotly,
)
from nas.report.final import MIN_CORRELATION_POINTS, FinalInfo, final_info
from nas.report.pareto import (
    Importance,
    budget_of,
    hypervolume_history,
    hypervolume_over_time,
    importances,
    pareto_info,
    pareto_table,
)
from nas.report.recommend import Recommendation, recommend
from nas.study.attrs import study_linear_accuracy, study_settings, study_target
from nas.study.record import TrialKind, count_kinds
from nas.study.storage import database_files
from nas.study.view import StudyView
from nas.units import format_count

K = TrialKind

if TYPE_CHECKING:
    import plotly.graph_objects as go

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
.recommend { background: #eef6ff; border-left: 4px solid #1f6feb; padding: .6em 1.2em; }
.recommend h2 { border: none; margin-top: .3em; }
.recommend .acc { font-size: 1.5em; font-weight: 600; }
.recommend code { background: #fff; padding: .3em .5em; display: inline-block; user-select: all; }
.notation { font-family: ui-monospace, monospace; font-size: 13px; }
"""


def _screening_text(s: Screening) -> str:
    stopped = sum(s.stopped.values())
    text = f"<b>{s.fully_trained}</b> fully trained (proxy training at the top fidelity, ranked)"
    if stopped:
        rungs = ", ".join(f"{n} at rung {r}" if r >= 0 else f"{n} at an unrecorded rung" for r, n in s.stopped.items())
        text = (f"<b>{s.screened}</b> screened: {text}, <b>{stopped}</b> stopped early ({rungs}; never ranked)")
    return text + f"; <b>{s.finalised}</b> finalised (trained with the full recipe, test accuracy)"


def _header(view: StudyView, counts: Counter[TrialKind], screened: Screening) -> str:
    settings = study_settings(view)
    budget = [f"{format_count(settings['max_flops'])} FLOPs"] if settings.get("max_flops") else []
    budget += [f"{format_count(settings['max_params'])} params"] if settings.get("max_params") else []
    linear = study_linear_accuracy(view)
    facts = [
        f"data set <b>{html.escape(str(settings.get('dataset', '?')))}</b>",
        f"budget <b>{' and '.join(budget) or 'none'}</b>",
        f"objectives {html.escape(', '.join(view.metric_names or []))}",
        f"{counts[K.SEARCHED]} completed, {counts[K.OVER_BUDGET]} over budget, {counts[K.FAILED]} failed, "
        f"{counts[K.BASELINE]} baselines, {counts[K.DUPLICATE]} duplicates, {counts[K.SURPLUS]} surplus, "
        f"{counts[K.RUNNING]} running" + (f", {counts[K.STOPPED]} stopped early" if counts[K.STOPPED] else "")
        + (f", {counts[K.FINAL]} finalisation jobs (nas finalize)" if counts[K.FINAL] else ""),
        f"target {study_target(view) or '?'} trials",
        f"linear classifier {PROXY_ACC} <b>{linear:.2%}</b>" if linear is not None else "linear classifier: not measured",
        f"proxy training: epochs {settings.get('epochs', '?')}, {settings.get('train_subset', '?')} training images",
    ]
    return (f"<h1>Study {html.escape(view.study_name)}</h1>\n<p class='facts'>" + " &middot; ".join(facts)
            + f'<br><span id="screening">{_screening_text(screened)}</span>'
            + f"<br>generated {time.strftime('%Y-%m-%d %H:%M')}. <i>{PROXY_ACC}</i>: the search's short training, "
            f"measured on the validation split; <i>{FINAL_ACC}</i>: the full recipe, measured on the test split.</p>")


def _recommendation(rec: Recommendation) -> str:
    """The box at the top of the page: which architecture to take and how to export it."""
    within = f"within {format_count(rec.limit)} FLOPs" if rec.limit is not None else "(the study has no budget)"
    lat = f"{rec.latency_ms:.3g} ms" if rec.latency_ms is not None else "not measured"
    cost = (f"{format_count(rec.flops) if rec.flops is not None else '-'} FLOPs &middot; "
            f"{format_count(rec.params) if rec.params is not None else '-'} params &middot; CPU latency {lat}")
    also = (f"<br>{PROXY_ACC} {rec.proxy_accuracy:.2%}" if rec.basis != "proxy validation"
            and rec.proxy_accuracy is not None else "")
    preset = ""
    if rec.preset is not None and rec.preset_accuracy is not None:
        diff = (rec.accuracy - rec.preset_accuracy) * 100
        preset = (f"<br>best preset {within}: {html.escape(rec.preset)}, {rec.basis} accuracy "
                  f"{rec.preset_accuracy:.2%} ({diff:+.2f} points for trial {rec.trial})")
    note = f"<br><i>{html.escape(rec.note)}</i>" if rec.note else ""
    return (f'<div class="recommend" id="recommendation"><h2>Recommended: trial {rec.trial}</h2>'
            f"<p>The most accurate architecture {within}, by <b>{rec.basis} accuracy</b>:<br>"
            f"<span class='acc'>{rec.accuracy:.2%}</span> {rec.basis} accuracy{also}<br>{cost}<br>"
            f"<span class='notation'>{html.escape(rec.notation)}</span>{preset}{note}</p>"
            f'<p>Export it: <code id="export-command">{html.escape(rec.command)}</code></p></div>')


def _no_recommendation(reason: str) -> str:
    return (f'<div class="recommend" id="recommendation"><h2>No recommendation yet</h2>'
            f"<p>{html.escape(reason)}</p></div>")


def _final_section(final: FinalInfo, budget: float | None) -> tuple[list[str], list[tuple[str, go.Figure]]]:
    if not final.count:
        return ['<p class="note" id="no-final">No architecture has been trained with the full recipe yet, '
                "so there is no test accuracy to show; every accuracy on this page is a proxy validation "
                "accuracy.</p>"], []
    figures = [("final-flops", final_figure(final, budget))]
    notes = []
    if final.shows_correlation:
        figures.append(("proxy-vs-final", correlation_figure(final)))
    else:
        notes.append(f'<p class="note" id="no-correlation">The proxy-vs-final comparison needs at least '
                     f"{MIN_CORRELATION_POINTS} architectures with both accuracies and some spread in each; "
                     f"this study has {len(final.pairs)}.</p>")
    return notes, figures


def _pareto_figures(view: StudyView) -> list[tuple[str, go.Figure]]:
    """Accuracy against FLOPs (always, when the study has any trial to draw), params and latency
    (when some trial or preset was measured on them)."""
    figures = []
    for axis in ("flops", "params", "latency_ms"):
        info = pareto_info(view, axis)
        if axis != "flops" and not (info.pareto or info.baselines):
            continue
        if any((info.pareto, info.dominated, info.infeasible, info.failed, info.baselines, info.stopped)):
            figures.append((f"pareto-{axis}", pareto_figure(info)))
    return figures


def _progress_figures(view: StudyView) -> list[tuple[str, go.Figure]]:
    history = hypervolume_history(view)
    return [("hypervolume", hypervolume_figure(history, hypervolume_over_time(view)))] if history else []


def _importance_figures(imps: list[Importance]) -> list[tuple[str, go.Figure]]:
    return [(f"importance-{imp.objective}", importance_figure(imp.objective, imp.values)) for imp in imps
            if imp.values]


def report_figures(study: optuna.Study) -> list[tuple[str, go.Figure]]:
    """Every figure of the study's report, with its id in the page, in the page's order."""
    view = StudyView.read(study)  # one read of the trials for every figure
    _, final = _final_section(final_info(view), budget_of(view, "flops"))
    return [*_pareto_figures(view), *final, *_progress_figures(view),
            *_importance_figures(importances(study, view=view))]


def render_report(study: optuna.Study, path: str | Path, max_flops: float | None = None,
                  storage: str | None = None) -> Path:
    """Write the study's report as one HTML file that opens offline.

    A study without completed trials still gets a valid page that says so (and shows the
    over-budget / failed trials it does have); so does one without final results.

    Args:
        study: a study written by ``nas search``.
        path: the output file; its folder is created. It is written atomically and never over
            the study's own storage file.
        max_flops: the FLOPs limit of the recommendation (default: the study's budget).
        storage: the storage URL the study was opened from, for the export command shown
            (``None``: the default one).

    Returns:
        The path written.

    Raises:
        OutputError: for a path that cannot or must not be written, as one line.
    """
    check_output(path, database_files(study))  # refuse a bad path before the (slow) drawing
    _, offline = plotly()
    view = StudyView.read(study)  # one read of the trials for the whole page
    counts = count_kinds(view.records)
    body: list[str] = [_header(view, counts, screening(view.records)), '<pre id="js-errors" hidden></pre>']
    try:
        body.append(_recommendation(recommend(view, max_flops, storage)))
    except NasError as exc:
        body.append(_no_recommendation(str(exc)))

    def add(div_id: str, fig: go.Figure) -> None:
        body.append(fig.to_html(full_html=False, include_plotlyjs=False, include_mathjax=False, div_id=div_id,
                                config=_PLOT_CONFIG))

    if counts[TrialKind.SEARCHED] == 0:
        body.append('<p class="note" id="no-trials">This study has no completed trial yet, so there is no '
                    "Pareto front to show. Run or resume <code>nas search</code> and report again.</p>")
    body.append("<h2>Accuracy against cost (search)</h2>")
    for div_id, fig in _pareto_figures(view):
        add(div_id, fig)

    body.append("<h2>Final training</h2>")
    notes, figures = _final_section(final_info(view), budget_of(view, "flops"))
    body.extend(notes)
    for div_id, fig in figures:
        add(div_id, fig)

    progress = _progress_figures(view)
    if progress:
        body.append("<h2>Search progress</h2>")
    for div_id, fig in progress:
        add(div_id, fig)

    body.append("<h2>Parameter importance</h2>")
    imps = importances(study, view=view)
    for div_id, fig in _importance_figures(imps):
        add(div_id, fig)
    notes = list(dict.fromkeys(i.note for i in imps if i.note))  # the same reason once, not per objective
    if notes:
        body.append('<p class="note" id="importance-note">Parameter importances are not shown: '
                    + "<br>".join(html.escape(n) for n in notes) + ".</p>")

    table = pareto_table(view)
    if len(table):
        body.append("<h2>Pareto-optimal trials (proxy validation accuracy vs FLOPs)</h2>")

        def pct(v: float | None) -> str:
            return "-" if v is None or v != v else f"{v:.2%}"

        shown = table.assign(
            accuracy=table["accuracy"].map(pct), test_accuracy=table["test_accuracy"].map(pct),
            flops=table["flops"].map(format_count), params=table["params"].map(format_count),
            latency_ms=table["latency_ms"].map(lambda v: "-" if v is None or v != v else f"{v:.3g}"),
            train_time_s=table["train_time_s"].map(lambda v: "-" if v is None or v != v else f"{v:.1f}"))
        shown = shown.rename(columns={"accuracy": PROXY_ACC, "test_accuracy": FINAL_ACC})
        body.append(shown.to_html(index=False, classes="pareto", border=0, na_rep="-"))

    page = (
        "<!DOCTYPE html>\n<html lang='en'>\n<head>\n<meta charset='utf-8'>\n"
        f"<title>nas report: {html.escape(view.study_name)}</title>\n<style>{_CSS}</style>\n{_ERROR_HOOK}\n"
        f"<script>{offline.get_plotlyjs()}</script>\n</head>\n<body>\n" + "\n".join(body) + "\n</body>\n</html>\n"
    )
    return write_output(path, page, protect=database_files(study))


__all__ = ["hypervolume_figure", "importance_figure", "pareto_figure", "render_report", "report_figures"]
