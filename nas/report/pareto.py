"""What a study found: the Pareto split, hypervolume and importances.

Computation only (no plotly): :func:`pareto_info` returns a :class:`ParetoInfo` that
:mod:`nas.report.html` draws and the tests check directly.
"""

from __future__ import annotations

import warnings
from typing import Any, NamedTuple

import optuna
import pandas as pd

from nas.study.attrs import study_settings
from nas.study.pareto import nondominated
from nas.study.record import TrialKind, TrialRecord
from nas.study.view import StudyView, view_of

AXES = ("flops", "params", "latency_ms")
_BUDGET_KEY = {"flops": "max_flops", "params": "max_params"}


#: One trial as the report shows it (metrics ``None`` where not recorded).
Point = TrialRecord


class ParetoInfo(NamedTuple):
    """A study's trials split for one cost axis ``x`` against validation accuracy.

    ``pareto`` holds the feasible COMPLETE search trials that no other one beats on both
    accuracy and ``x`` (sorted by ``x``); ``dominated`` the rest of them. ``infeasible`` are
    over-budget architectures (never trained; presets included), ``failed`` the FAIL trials,
    ``baselines`` the papers' presets that were trained (flagged ``over_budget`` when over
    budget), ``stopped`` the trials a multi-fidelity search stopped at a lower rung (never
    ranked, so never on the front). Only points that recorded ``x`` appear in ``pareto`` /
    ``dominated`` / ``baselines`` / ``stopped``.
    """

    x: str
    budget: float | None
    pareto: list[Point]
    dominated: list[Point]
    infeasible: list[Point]
    failed: list[Point]
    baselines: list[Point]
    stopped: list[Point]

    def accuracies(self) -> list[float]:
        """Every accuracy the plot shows (for the axis range)."""
        return [p.accuracy for p in (*self.pareto, *self.dominated, *self.baselines, *self.stopped)
                if p.accuracy is not None]


def budget_of(study: StudyView | optuna.Study, axis: str = "flops") -> float | None:
    """The study's hard limit on ``axis`` (``settings.max_flops`` / ``max_params``), if any."""
    key = _BUDGET_KEY.get(axis)
    value = study_settings(study).get(key) if key else None
    return None if value is None else float(value)


def front(points: list[Point], axis: str) -> tuple[list[Point], list[Point]]:
    """Split ``points`` into (non-dominated, dominated) for accuracy (max) against ``axis`` (min).

    The dominance rule is :func:`nas.study.pareto.nondominated`, the one every command uses.

    Args:
        points: points that all have an accuracy and a value on ``axis``.
        axis: ``flops``, ``params`` or ``latency_ms``.

    Returns:
        The non-dominated points sorted by ``axis`` (then accuracy, highest first), and the
        others sorted by trial number. Points with the same cost and accuracy are all non-dominated.
    """
    best = nondominated(points, lambda p: (-(p.accuracy or 0.0), p.x(axis)))
    kept = {id(p) for p in best}
    rest = [p for p in points if id(p) not in kept]
    best.sort(key=lambda p: (p.x(axis), -(p.accuracy or 0.0), p.number))
    return best, sorted(rest, key=lambda p: p.number)


def pareto_info(study: StudyView | optuna.Study, x: str = "flops") -> ParetoInfo:
    """Split the study's trials for the accuracy-vs-``x`` plot.

    Args:
        study: a study written by ``nas search`` (or its :class:`~nas.study.view.StudyView`).
        x: the cost axis: ``flops``, ``params`` or ``latency_ms``.

    Returns:
        The :class:`ParetoInfo`; every list is empty for an empty study.
    """
    if x not in AXES:
        raise ValueError(f"x must be one of {AXES}, got {x!r}")
    view = view_of(study)
    candidates, infeasible, failed, baselines, stopped = [], [], [], [], []
    for p in view.records:
        if p.kind == TrialKind.FAILED:
            failed.append(p)
        elif p.kind == TrialKind.BASELINE:
            if p.accuracy is not None and p.x(x) is not None:
                baselines.append(p)
            elif p.over_budget:
                infeasible.append(p)
        elif p.kind == TrialKind.OVER_BUDGET:
            infeasible.append(p)
        elif p.kind == TrialKind.STOPPED and p.x(x) is not None:
            stopped.append(p)
        elif p.kind == TrialKind.SEARCHED and p.accuracy is not None and p.x(x) is not None:
            candidates.append(p)
    pareto, dominated = front(candidates, x)
    return ParetoInfo(x, budget_of(view, x), pareto, dominated, infeasible, failed, baselines, stopped)


def hypervolume_2d(points: list[tuple[float, float]], budget: float) -> float:
    """Area that ``(flops, accuracy)`` points dominate, with reference (``budget``, 0).

    Cost is normalised as ``1 - flops / budget`` so the result lies in [0, 1]: 1 would be 100%
    accuracy at zero FLOPs. Points at or over the budget, or at accuracy 0, add nothing.
    """
    boxes = sorted(((1.0 - f / budget, a) for f, a in points if f < budget and a > 0), reverse=True)
    area, top = 0.0, 0.0
    for width, accuracy in boxes:  # widest first: each box adds only the strip above the others
        if accuracy > top:
            area += width * (accuracy - top)
            top = accuracy
    return area


def _ranked_flops(view: StudyView) -> tuple[list[TrialRecord], float]:
    """The ranked trials with FLOPs, and the hypervolume's reference FLOPs."""
    done = [r for r in view.records if r.kind == TrialKind.SEARCHED and r.flops is not None]
    budget = budget_of(view, "flops") or (max((float(r.flops or 0) for r in done), default=0.0) * 1.05 or 1.0)
    return done, budget


def _growth(done: list[TrialRecord], budget: float) -> list[float]:
    points = [(float(r.flops or 0), float(r.accuracy or 0.0)) for r in done]
    return [hypervolume_2d(points[: i + 1], budget) for i in range(len(points))]


def hypervolume_history(study: StudyView | optuna.Study) -> list[tuple[int, float]]:
    """Normalised accuracy-vs-FLOPs hypervolume after each feasible completed search trial.

    The reference point is accuracy 0 at the FLOPs budget (or, for a study without one, the
    largest FLOPs recorded), so the curve never decreases.

    Returns:
        ``(trial_number, hypervolume)`` pairs in trial order; empty when nothing completed.
    """
    done, budget = _ranked_flops(view_of(study))
    return list(zip((r.number for r in done), _growth(done, budget)))


def hypervolume_over_time(study: StudyView | optuna.Study) -> list[tuple[float, float]]:
    """The same hypervolume against wall-clock time since the study's first trial started.

    Trials count in the order they finished (with several workers that is not their number
    order); trials without recorded start/finish times are left out.

    Returns:
        ``(elapsed_seconds, hypervolume)`` pairs, time increasing; empty when nothing completed.
    """
    view = view_of(study)
    done, budget = _ranked_flops(view)
    starts = [r.started for r in view.records if r.started is not None]
    timed = sorted((r for r in done if r.finished is not None), key=lambda r: (r.finished, r.number))
    if not starts or not timed:
        return []
    t0 = min(starts)
    return [((r.finished - t0).total_seconds(), h)  # type: ignore[operator]
            for r, h in zip(timed, _growth(timed, budget))]


TABLE_COLUMNS = ["trial", "accuracy", "test_accuracy", "flops", "params", "latency_ms", "train_time_s", "notation"]


def pareto_table(study: StudyView | optuna.Study) -> pd.DataFrame:
    """The accuracy-vs-FLOPs Pareto-optimal trials, cheapest first, one row each.

    Returns:
        Columns :data:`TABLE_COLUMNS` (empty frame with those columns when nothing completed):
        ``accuracy`` is the proxy validation accuracy, ``test_accuracy`` the final test accuracy
        (``None`` for trials not finalised).
    """
    rows = [{
        "trial": p.number, "accuracy": p.accuracy, "flops": p.flops,
        "test_accuracy": None if p.final is None else p.final.test_accuracy, "params": p.params,
        "latency_ms": p.latency_ms, "train_time_s": p.train_time_s, "notation": p.notation,
    } for p in pareto_info(study, "flops").pareto]
    return pd.DataFrame(rows, columns=TABLE_COLUMNS)


class Importance(NamedTuple):
    """Hyperparameter importances for one objective, or why they could not be computed."""

    objective: str
    values: dict[str, float]
    note: str = ""


#: Fewer ranked trials than this, and importances are mostly noise: the report leaves them out.
MIN_IMPORTANCE_TRIALS = 20


def importances(study: optuna.Study, min_trials: int = MIN_IMPORTANCE_TRIALS,
                view: StudyView | None = None) -> list[Importance]:
    """PED-ANOVA importances of the sampled parameters for each objective.

    PED-ANOVA is fast, deterministic and needs no scikit-learn; it scores how much each
    parameter's distribution in the top 10% of trials differs from the rest.

    Only feasible completed search trials count (baselines sampled no parameters). A
    parameter that only some architectures have (a conditional one) is left out by Optuna's
    intersection search space; failures come back as a ``note`` instead of an exception.

    Args:
        study: a study written by ``nas search``.
        min_trials: the fewest ranked trials (with sampled parameters) worth computing them from;
            with fewer, each :class:`Importance` only carries a note saying so.
        view: ``study`` already read (:class:`~nas.study.view.StudyView`), so that only Optuna's
            own trials are read again (PED-ANOVA needs them); ``None``: read it here.

    Returns:
        One :class:`Importance` per objective, in ``study.metric_names`` order.
    """
    names = study.metric_names or [f"objective {i}" for i in range(len(study.directions))]
    searched = {r.number for r in view_of(view or study).records if r.kind == TrialKind.SEARCHED}
    trials = [t for t in study.get_trials(deepcopy=False) if t.number in searched and t.values and t.params]
    least = max(2, min_trials)
    if len(trials) < least:
        return [Importance(n, {}, f"needs at least {least} ranked trials with sampled parameters to mean "
                                  f"something, has {len(trials)}") for n in names]
    scratch = optuna.create_study(directions=study.directions)
    scratch.add_trials(trials)
    out = []
    for i, name in enumerate(names):
        try:
            # PED-ANOVA looks for the top quantile of *low* values: negate a maximised objective.
            sign = -1.0 if study.directions[i] == optuna.study.StudyDirection.MAXIMIZE else 1.0
            evaluator = optuna.importance.PedAnovaImportanceEvaluator()
            with warnings.catch_warnings():  # its "low values are better" reminder: handled by ``sign``
                warnings.simplefilter("ignore")
                values: dict[str, Any] = optuna.importance.get_param_importances(
                    scratch, evaluator=evaluator, target=lambda t, i=i, sign=sign: sign * t.values[i])
            note = "" if values else "no parameter was sampled by every completed trial"
            out.append(Importance(name, {k: float(v) for k, v in values.items()}, note))
        except Exception as exc:  # importances are a nicety: say why, never break the report
            out.append(Importance(name, {}, f"could not compute: {type(exc).__name__}: {exc}"))
    return out


__all__ = [
    "AXES", "Importance", "MIN_IMPORTANCE_TRIALS", "ParetoInfo", "Point", "TABLE_COLUMNS", "budget_of", "front",
    "hypervolume_2d", "hypervolume_history", "hypervolume_over_time", "importances", "pareto_info", "pareto_table",
]
