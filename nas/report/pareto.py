"""What a study found: the Pareto split, hypervolume, knee / best picks and importances.

Computation only (no plotly): :func:`pareto_info` returns a :class:`ParetoInfo` that
:mod:`nas.report.html` draws and the tests check directly.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Any, NamedTuple

import optuna
import pandas as pd
from optuna.trial import FrozenTrial, TrialState

from nas.errors import NasError

AXES = ("flops", "params", "latency_ms")
_BUDGET_KEY = {"flops": "max_flops", "params": "max_params"}


@dataclass(frozen=True)
class Point:
    """One trial as the report shows it; metrics are ``None`` where the trial did not record them."""

    number: int
    accuracy: float | None
    flops: int | None
    params: int | None
    latency_ms: float | None
    notation: str
    baseline: str | None = None
    infeasible: bool = False
    fail_reason: str | None = None

    def x(self, axis: str) -> float | None:
        """The value of ``axis`` (``flops`` / ``params`` / ``latency_ms``)."""
        value = getattr(self, axis)
        return None if value is None else float(value)


class ParetoInfo(NamedTuple):
    """A study's trials split for one cost axis ``x`` against validation accuracy.

    ``pareto`` holds the feasible COMPLETE search trials that no other one beats on both
    accuracy and ``x`` (sorted by ``x``); ``dominated`` the rest of them. ``infeasible`` are
    over-budget architectures (never trained), ``failed`` the FAIL trials, ``baselines`` the
    papers' presets that were trained (flagged ``infeasible`` when over budget). Only points
    that recorded ``x`` appear in ``pareto`` / ``dominated`` / ``baselines``.
    """

    x: str
    budget: float | None
    pareto: list[Point]
    dominated: list[Point]
    infeasible: list[Point]
    failed: list[Point]
    baselines: list[Point]


def _point(trial: FrozenTrial) -> Point:
    attrs = trial.user_attrs
    accuracy = attrs.get("accuracy")
    if accuracy is None and trial.state == TrialState.COMPLETE and trial.values:
        accuracy = trial.values[0]
    return Point(
        number=trial.number,
        accuracy=None if accuracy is None else float(accuracy),
        flops=attrs.get("flops"),
        params=attrs.get("params"),
        latency_ms=attrs.get("latency_ms"),
        notation=str(attrs.get("notation", "")),
        baseline=attrs.get("baseline"),
        infeasible=bool(attrs.get("infeasible")) or any(c > 0 for c in attrs.get("constraint", ())),
        fail_reason=attrs.get("fail_reason"),
    )


def budget_of(study: optuna.Study, axis: str = "flops") -> float | None:
    """The study's hard limit on ``axis`` (``settings.max_flops`` / ``max_params``), if any."""
    key = _BUDGET_KEY.get(axis)
    value = study.user_attrs.get("settings", {}).get(key) if key else None
    return None if value is None else float(value)


def _searched(trial: FrozenTrial) -> bool:
    """A feasible COMPLETE trial of the search itself (not a baseline)."""
    return trial.state == TrialState.COMPLETE and not trial.user_attrs.get("baseline") and not _point(trial).infeasible


def front(points: list[Point], axis: str) -> tuple[list[Point], list[Point]]:
    """Split ``points`` into (non-dominated, dominated) for accuracy (max) against ``axis`` (min).

    Args:
        points: points that all have an accuracy and a value on ``axis``.
        axis: ``flops``, ``params`` or ``latency_ms``.

    Returns:
        The non-dominated points sorted by ``axis``, and the others sorted by trial number.
        Points with the same cost and accuracy are all non-dominated.
    """
    ordered = sorted(points, key=lambda p: (p.x(axis), -(p.accuracy or 0.0), p.number))
    best: list[Point] = []
    rest: list[Point] = []
    for p in ordered:
        top = best[-1] if best else None
        if top is None or p.accuracy > top.accuracy or (  # type: ignore[operator]
            p.accuracy == top.accuracy and p.x(axis) == top.x(axis)
        ):
            best.append(p)
        else:
            rest.append(p)
    return best, sorted(rest, key=lambda p: p.number)


def pareto_info(study: optuna.Study, x: str = "flops") -> ParetoInfo:
    """Split the study's trials for the accuracy-vs-``x`` plot.

    Args:
        study: a study written by ``nas search``.
        x: the cost axis: ``flops``, ``params`` or ``latency_ms``.

    Returns:
        The :class:`ParetoInfo`; every list is empty for an empty study.
    """
    if x not in AXES:
        raise ValueError(f"x must be one of {AXES}, got {x!r}")
    candidates, infeasible, failed, baselines = [], [], [], []
    for trial in study.get_trials(deepcopy=False):
        p = _point(trial)
        if trial.state == TrialState.FAIL:
            failed.append(p)
        elif p.baseline:
            if p.accuracy is not None and p.x(x) is not None:
                baselines.append(p)
        elif trial.state == TrialState.PRUNED and trial.user_attrs.get("infeasible"):
            infeasible.append(p)
        elif _searched(trial) and p.accuracy is not None and p.x(x) is not None:
            candidates.append(p)
    pareto, dominated = front(candidates, x)
    return ParetoInfo(x, budget_of(study, x), pareto, dominated, infeasible, failed, baselines)


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


def hypervolume_history(study: optuna.Study) -> list[tuple[int, float]]:
    """Normalised accuracy-vs-FLOPs hypervolume after each feasible completed search trial.

    The reference point is accuracy 0 at the FLOPs budget (or, for a study without one, the
    largest FLOPs recorded), so the curve never decreases.

    Returns:
        ``(trial_number, hypervolume)`` pairs in trial order; empty when nothing completed.
    """
    done = [t for t in study.get_trials(deepcopy=False) if _searched(t) and "flops" in t.user_attrs]
    done.sort(key=lambda t: t.number)
    points = [(float(t.user_attrs["flops"]), float(_point(t).accuracy or 0.0)) for t in done]
    budget = budget_of(study, "flops") or (max((f for f, _ in points), default=0.0) * 1.05 or 1.0)
    return [(t.number, hypervolume_2d(points[: i + 1], budget)) for i, t in enumerate(done)]


TABLE_COLUMNS = ["trial", "accuracy", "flops", "params", "latency_ms", "train_time_s", "notation"]


def pareto_table(study: optuna.Study) -> pd.DataFrame:
    """The accuracy-vs-FLOPs Pareto-optimal trials, cheapest first, one row each.

    Returns:
        Columns ``trial, accuracy, flops, params, latency_ms, train_time_s, notation`` (empty
        frame with those columns when nothing completed).
    """
    trials = {t.number: t for t in study.get_trials(deepcopy=False)}
    rows = [{
        "trial": p.number, "accuracy": p.accuracy, "flops": p.flops, "params": p.params,
        "latency_ms": p.latency_ms, "train_time_s": trials[p.number].user_attrs.get("train_time_s"),
        "notation": p.notation,
    } for p in pareto_info(study, "flops").pareto]
    return pd.DataFrame(rows, columns=TABLE_COLUMNS)


def knee_trial(study: optuna.Study) -> FrozenTrial:
    """The knee of the accuracy-vs-FLOPs Pareto front.

    It is the Pareto-optimal trial farthest from the straight line between the front's two
    ends, with FLOPs and accuracy each scaled to [0, 1] over the front. With fewer than three
    points there is no bend, and the most accurate point is returned.

    Raises:
        NasError: when the study has no feasible completed trial.
    """
    pareto = pareto_info(study, "flops").pareto
    if not pareto:
        raise NasError(f"study {study.study_name!r} has no completed trial within budget to pick a knee from")
    pick = max(pareto, key=lambda p: (p.accuracy, -p.number))  # type: ignore[arg-type, return-value]
    if len(pareto) >= 3:
        fs = [float(p.flops) for p in pareto]  # type: ignore[arg-type]
        accs = [float(p.accuracy) for p in pareto]  # type: ignore[arg-type]
        f_span = (max(fs) - min(fs)) or 1.0
        a_span = (max(accs) - min(accs)) or 1.0
        xy = [((f - min(fs)) / f_span, (a - min(accs)) / a_span) for f, a in zip(fs, accs)]
        (x0, y0), (x1, y1) = xy[0], xy[-1]
        # The distance to the chord is |cross product| / chord length; the length is constant.
        dist = [abs((x1 - x0) * (y0 - y) - (x0 - x) * (y1 - y0)) for x, y in xy]
        best = max(range(len(pareto)), key=lambda i: (dist[i], accs[i]))
        if dist[best] > 1e-12:
            pick = pareto[best]
    return next(t for t in study.get_trials(deepcopy=False) if t.number == pick.number)


def best_trial(study: optuna.Study, max_flops: float | None = None) -> FrozenTrial:
    """The most accurate feasible completed search trial with at most ``max_flops`` FLOPs.

    Args:
        study: a study written by ``nas search``.
        max_flops: the limit; ``None`` means the study's own budget (or none at all).

    Raises:
        NasError: when no trial meets the limit, naming the cheapest one there is.
    """
    limit = max_flops if max_flops is not None else budget_of(study, "flops")
    done = [t for t in study.get_trials(deepcopy=False) if _searched(t) and _point(t).accuracy is not None]
    fits = [t for t in done if limit is None or t.user_attrs.get("flops", float("inf")) <= limit]
    if not fits:
        from nas.search.budget import format_count

        within = f" within {format_count(limit)} FLOPs" if limit is not None else ""
        cheapest = min((t.user_attrs.get("flops", float("inf")) for t in done), default=None)
        hint = f" (the cheapest completed one has {format_count(cheapest)})" if cheapest not in (None, float("inf")) else ""
        raise NasError(f"study {study.study_name!r} has no completed trial{within}{hint}")
    return max(fits, key=lambda t: (_point(t).accuracy, -t.user_attrs.get("flops", 0), -t.number))


class Importance(NamedTuple):
    """Hyperparameter importances for one objective, or why they could not be computed."""

    objective: str
    values: dict[str, float]
    note: str = ""


def importances(study: optuna.Study) -> list[Importance]:
    """PED-ANOVA importances of the sampled parameters for each objective.

    PED-ANOVA is fast, deterministic and needs no scikit-learn; it scores how much each
    parameter's distribution in the top 10% of trials differs from the rest.

    Only feasible completed search trials count (baselines sampled no parameters). A
    parameter that only some architectures have (a conditional one) is left out by Optuna's
    intersection search space; failures come back as a ``note`` instead of an exception.

    Args:
        study: a study written by ``nas search``.

    Returns:
        One :class:`Importance` per objective, in ``study.metric_names`` order.
    """
    names = study.metric_names or [f"objective {i}" for i in range(len(study.directions))]
    trials = [t for t in study.get_trials(deepcopy=False) if _searched(t) and t.values and t.params]
    if len(trials) < 2:
        return [Importance(n, {}, f"needs at least 2 completed trials with sampled parameters, has {len(trials)}")
                for n in names]
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
    "AXES", "Importance", "ParetoInfo", "Point", "TABLE_COLUMNS", "best_trial", "budget_of", "front",
    "hypervolume_2d", "hypervolume_history", "importances", "knee_trial", "pareto_info", "pareto_table",
]
