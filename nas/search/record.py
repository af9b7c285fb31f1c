"""A stored trial as a typed record: what kind of trial it is and what it measured.

The objective writes a trial's user attrs (:mod:`nas.search.attrs`); everything else (the
search's summary, ``nas status``, the report, ``nas export``) reads trials only through
:func:`read_records` / :meth:`TrialRecord.from_trial`, so there is one classifier of trials.
"""

from __future__ import annotations

import datetime as dt
import enum
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import optuna
from optuna.trial import FrozenTrial, TrialState

from nas.search import attrs as A
from nas.search.objectives import OBJECTIVES


class TrialKind(str, enum.Enum):
    """What happened to a trial (one answer per trial)."""

    #: Trained, within the budget, measured at the top fidelity: the trials that are ranked.
    SEARCHED = "searched"
    #: Counted over the budget, never trained.
    OVER_BUDGET = "over_budget"
    #: The same architecture as an earlier trial (``duplicate_of``), not trained.
    DUPLICATE = "duplicate"
    #: Sampled after the study already had its target of trials, not trained.
    SURPLUS = "surplus"
    #: Stopped at a lower rung of a multi-fidelity search (``rung`` says which).
    STOPPED = "stopped"
    #: Raised, diverged, was interrupted, or its worker went silent.
    FAILED = "failed"
    #: Still being measured (or waiting to be retried).
    RUNNING = "running"
    #: A paper's preset evaluated as a reference point (never ranked).
    BASELINE = "baseline"


@dataclass(frozen=True)
class FinalResult:
    """The architecture trained with the full recipe (set by finalisation; absent otherwise)."""

    test_accuracy: float


@dataclass(frozen=True)
class TrialRecord:
    """One stored trial. Metrics are ``None`` where the trial did not record them.

    ``accuracy`` is the validation accuracy of the search's proxy training (a fraction).
    ``over_budget`` is also set on baselines that exceed the budget (kind ``BASELINE``).
    """

    number: int
    kind: TrialKind
    state: str
    accuracy: float | None = None
    flops: int | None = None
    params: int | None = None
    latency_ms: float | None = None
    peak_activation_bytes: int | None = None
    train_time_s: float | None = None
    fidelity: dict[str, Any] | None = None
    notation: str = ""
    arch: dict[str, Any] | None = None
    choices: dict[str, Any] | None = None
    baseline: str | None = None
    over_budget: bool = False
    fail_reason: str | None = None
    duplicate_of: int | None = None
    rung: int | None = None
    training: bool = False
    worker: str | None = None
    started: dt.datetime | None = None
    finished: dt.datetime | None = None
    values: tuple[float, ...] | None = None
    final: FinalResult | None = None

    @classmethod
    def from_trial(cls, trial: FrozenTrial, objectives: Sequence[str] = ("accuracy", "flops")) -> TrialRecord:
        """Read a trial written by ``nas search`` (or any Optuna trial: missing attrs are ``None``).

        Args:
            trial: the stored trial.
            objectives: the study's objective names in order, used to read the accuracy from
                ``values`` when the ``accuracy`` attr is missing.
        """
        u = trial.user_attrs
        accuracy = u.get(A.ACCURACY)
        if accuracy is None and trial.values and "accuracy" in objectives and len(trial.values) == len(objectives):
            accuracy = trial.values[list(objectives).index("accuracy")]
        over = bool(u.get(A.INFEASIBLE)) or any(float(c) > 0 for c in u.get(A.CONSTRAINT, ()) or ())
        reason = u.get(A.FAIL_REASON) or trial.system_attrs.get("fail_reason")
        test = u.get(A.TEST_ACCURACY)
        return cls(
            number=trial.number,
            kind=classify(trial, over),
            state=trial.state.name,
            accuracy=None if accuracy is None else float(accuracy),
            flops=_int(u.get(A.FLOPS)),
            params=_int(u.get(A.PARAMS)),
            latency_ms=_float(u.get(A.LATENCY_MS)),
            peak_activation_bytes=_int(u.get(A.PEAK_ACTIVATION_BYTES)),
            train_time_s=_float(u.get(A.TRAIN_TIME_S)),
            fidelity=u.get(A.FIDELITY),
            notation=str(u.get(A.NOTATION, "")),
            arch=u.get(A.ARCH),
            choices=dict(trial.params) or None,
            baseline=u.get(A.BASELINE),
            over_budget=over,
            fail_reason=None if reason is None else str(reason),
            duplicate_of=_int(u.get(A.DUPLICATE_OF)),
            rung=_int(u.get(A.RUNG)),
            training=bool(u.get(A.TRAINING)),
            worker=u.get(A.WORKER),
            started=trial.datetime_start,
            finished=trial.datetime_complete,
            values=None if trial.values is None else tuple(float(v) for v in trial.values),
            final=None if test is None else FinalResult(float(test)),
        )

    def x(self, axis: str) -> float | None:
        """The value of a cost field (``flops`` / ``params`` / ``latency_ms``) as a float."""
        value = getattr(self, axis)
        return None if value is None else float(value)


def classify(trial: FrozenTrial, over_budget: bool | None = None) -> TrialKind:
    """The :class:`TrialKind` of a stored trial (the one classifier of ``nas``)."""
    u = trial.user_attrs
    if over_budget is None:
        over_budget = bool(u.get(A.INFEASIBLE)) or any(float(c) > 0 for c in u.get(A.CONSTRAINT, ()) or ())
    if trial.state in (TrialState.RUNNING, TrialState.WAITING):
        return TrialKind.RUNNING
    if trial.state == TrialState.FAIL:
        return TrialKind.FAILED
    if u.get(A.BASELINE):
        return TrialKind.BASELINE
    if over_budget:
        return TrialKind.OVER_BUDGET
    if trial.state == TrialState.COMPLETE:
        return TrialKind.SEARCHED
    if u.get(A.RUNG) is not None:
        return TrialKind.STOPPED
    if u.get(A.DUPLICATE_OF) is not None:
        return TrialKind.DUPLICATE
    return TrialKind.SURPLUS  # pruned for the target (or for no recorded reason)


def study_objectives(study: optuna.Study) -> tuple[str, ...]:
    """The study's objective names in order (``metric_names``, else the stored settings).

    A study ``nas`` did not make (other metric names, or none) reads as accuracy and FLOPs,
    which its trials do not record: it shows no Pareto front rather than failing.
    """
    settings = study.user_attrs.get(A.STUDY_SETTINGS)
    for names in (study.metric_names, settings.get("objectives") if isinstance(settings, dict) else None):
        if names and isinstance(names, (list, tuple)) and all(n in OBJECTIVES for n in names):
            return tuple(names)
    return ("accuracy", "flops")


def read_records(study: optuna.Study) -> list[TrialRecord]:
    """Every trial of the study as a record, in trial-number order."""
    objectives = study_objectives(study)
    return [TrialRecord.from_trial(t, objectives) for t in study.get_trials(deepcopy=False)]


def count_kinds(records: Sequence[TrialRecord]) -> Counter[TrialKind]:
    """How many records of each kind (kinds with none are 0)."""
    counts: Counter[TrialKind] = Counter({k: 0 for k in TrialKind})
    counts.update(r.kind for r in records)
    return counts


def _int(value: Any) -> int | None:
    return None if value is None else int(value)


def _float(value: Any) -> float | None:
    return None if value is None else float(value)


__all__ = ["FinalResult", "TrialKind", "TrialRecord", "classify", "count_kinds", "read_records", "study_objectives"]
