"""A stored trial as a typed record: what kind of trial it is and what it measured.

The objective writes a trial's user attrs (:mod:`nas.study.attrs`); everything else (the
search's summary, ``nas status``, the report, ``nas export``) reads trials only through
:func:`read_records` / :meth:`TrialRecord.from_trial`, so there is one classifier of trials.

Finalisation (``nas finalize``) cannot add attrs to a finished trial (Optuna refuses to update
one), so each finalisation job is a trial of its own, of kind ``FINAL``, whose ``finalizes``
attr names the trial it trained; :func:`read_records` attaches its result to that trial's
record as :attr:`TrialRecord.final`.
"""

from __future__ import annotations

import datetime as dt
import enum
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

import optuna
from optuna.trial import FrozenTrial, TrialState

from nas.study import attrs as A
from nas.study.objectives import OBJECTIVES


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
    #: Scored by the zero-cost pre-screen below its FLOPs bin's quota, not trained (``prescreen``).
    SCREENED_OUT = "screened_out"
    #: Raised, diverged, was interrupted, or its worker went silent.
    FAILED = "failed"
    #: Still being measured (or waiting to be retried).
    RUNNING = "running"
    #: A paper's preset evaluated as a reference point (never ranked).
    BASELINE = "baseline"
    #: A finalisation job: another trial's architecture trained with the full recipe
    #: (``finalizes`` says which; never ranked, never counted as a search trial).
    FINAL = "final"


@dataclass(frozen=True)
class FinalResult:
    """The architecture trained with the full recipe (set by finalisation; absent otherwise).

    Attributes:
        test_accuracy: accuracy on the data set's test split (a fraction, like ``accuracy``).
        recipe: the training settings (epochs, batch size, lr, ...) and the images used.
        train_time_s: seconds of training and test evaluation, summed over resumed runs.
        weights: the path of the trained weights (``model.pt``) on the host that trained them.
        trial: the number of the finalisation trial that holds this result.
    """

    test_accuracy: float
    recipe: dict[str, Any] | None = None
    train_time_s: float | None = None
    weights: str | None = None
    trial: int | None = None


@dataclass(frozen=True)
class RungResult:
    """A trial's result at one rung of a multi-fidelity search.

    Attributes:
        accuracy: validation accuracy at the rung.
        epochs: the rung's epochs.
        images: the rung's training images (``None``: all).
        batches: batches of the schedule trained by then.
        promoted: whether the promotion rule let it go on (``None``: not decided, e.g. the top rung).
        peers: the trial numbers of the promotion table it was decided with (itself included).
    """

    accuracy: float
    epochs: int
    images: int | None = None
    batches: int | None = None
    promoted: bool | None = None
    peers: tuple[int, ...] = ()

    @classmethod
    def from_attr(cls, value: dict[str, Any]) -> RungResult:
        promoted = value.get("promoted")
        return cls(
            accuracy=float(value["accuracy"]), epochs=int(value.get("epochs", 0)), images=_int(value.get("images")),
            batches=_int(value.get("batches")), promoted=None if promoted is None else bool(promoted),
            peers=tuple(int(n) for n in value.get("peers", ()) or ()),
        )


@dataclass(frozen=True)
class TrialRecord:
    """One stored trial. Metrics are ``None`` where the trial did not record them.

    ``accuracy`` is the validation accuracy of the search's proxy training (a fraction), at the
    top fidelity: a trial an ``asha`` search stopped at a lower rung has none, only ``rungs``
    (its result per rung reached) and ``rung`` (the last of them).
    ``over_budget`` is also set on baselines that exceed the budget (kind ``BASELINE``).
    ``final`` is the full-recipe result: on a ``FINAL`` record its own, on the trial it
    finalised the one :func:`read_records` attaches. ``finalizes``, ``heartbeat`` (seconds
    since the epoch) and ``recipe`` (the training settings it trains with, from its claim on)
    are set on ``FINAL`` records only.
    ``zero_cost`` holds the zero-cost proxy scores of the untrained network (all of
    :data:`nas.zero_cost.PROXIES` for a trained trial, the pre-screen's proxy alone for a
    screened-out one) and ``prescreen`` the pre-screening decision (see
    :mod:`nas.searching.prescreen`).
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
    rungs: tuple[RungResult, ...] = ()
    zero_cost: dict[str, float] | None = None
    zero_cost_s: float | None = None
    prescreen: dict[str, Any] | None = None
    screened_out: bool = False
    training: bool = False
    worker: str | None = None
    started: dt.datetime | None = None
    finished: dt.datetime | None = None
    values: tuple[float, ...] | None = None
    final: FinalResult | None = None
    finalizes: int | None = None
    heartbeat: float | None = None
    recipe: dict[str, Any] | None = None

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
        final = None
        if test is not None and trial.state.is_finished() and trial.state != TrialState.FAIL:
            final = FinalResult(float(test), u.get(A.RECIPE),
                                _float(u.get(A.TRAIN_TIME_S)) if A.FINALIZES in u else None,
                                None if u.get(A.WEIGHTS) is None else str(u.get(A.WEIGHTS)), trial.number)
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
            rungs=tuple(RungResult.from_attr(v) for v in u.get(A.RUNGS) or () if isinstance(v, dict)),
            zero_cost=_scores(u.get(A.ZERO_COST)),
            zero_cost_s=_float(u.get(A.ZERO_COST_S)),
            prescreen=dict(u[A.PRESCREEN]) if isinstance(u.get(A.PRESCREEN), dict) else None,
            screened_out=bool(u.get(A.SCREENED_OUT)),
            training=bool(u.get(A.TRAINING)),
            worker=u.get(A.WORKER),
            started=trial.datetime_start,
            finished=trial.datetime_complete,
            values=None if trial.values is None else tuple(float(v) for v in trial.values),
            final=final,
            finalizes=_int(u.get(A.FINALIZES)),
            heartbeat=_float(u.get(A.HEARTBEAT)),
            recipe=dict(u[A.RECIPE]) if A.FINALIZES in u and isinstance(u.get(A.RECIPE), dict) else None,
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
    if u.get(A.FINALIZES) is not None:
        return TrialKind.FINAL
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
    if u.get(A.SCREENED_OUT):
        return TrialKind.SCREENED_OUT
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
    """Every trial of the study as a record, in trial-number order.

    A trial that was finalised carries the result of its first finished finalisation trial
    (the lowest-numbered) as ``final``.
    """
    objectives = study_objectives(study)
    return attach_finals([TrialRecord.from_trial(t, objectives) for t in study.get_trials(deepcopy=False)])


def attach_finals(records: Sequence[TrialRecord]) -> list[TrialRecord]:
    """``records`` with each finalised trial's ``final`` taken from its finalisation trial."""
    finals: dict[int, FinalResult] = {}
    for r in sorted(records, key=lambda r: r.number):
        if r.kind == TrialKind.FINAL and r.final is not None and r.finalizes is not None:
            finals.setdefault(r.finalizes, r.final)
    return [replace(r, final=finals[r.number]) if r.number in finals and r.kind != TrialKind.FINAL else r
            for r in records]


def count_kinds(records: Sequence[TrialRecord]) -> Counter[TrialKind]:
    """How many records of each kind (kinds with none are 0)."""
    counts: Counter[TrialKind] = Counter({k: 0 for k in TrialKind})
    counts.update(r.kind for r in records)
    return counts


def _int(value: Any) -> int | None:
    return None if value is None else int(value)


def _float(value: Any) -> float | None:
    return None if value is None else float(value)


def _scores(value: Any) -> dict[str, float] | None:
    if not isinstance(value, dict):
        return None
    return {str(k): float(v) for k, v in value.items() if isinstance(v, (int, float))}


def count_finalized(records: list[TrialRecord], grace: float | None = None) -> dict[str, int]:
    """Finalisation counts: trials ``finalized`` (with a test accuracy), finalisation jobs
    ``running`` (of which ``silent``: no heartbeat within ``grace`` seconds) and ``failed``."""
    import time

    jobs = [r for r in records if r.kind == TrialKind.FINAL]
    running = [r for r in jobs if r.state == "RUNNING"]
    now = time.time()
    return {
        "finalized": sum(1 for r in records if r.kind != TrialKind.FINAL and r.final is not None),
        "running": len(running),
        "silent": sum(1 for r in running if grace is not None and now - (r.heartbeat or 0.0) > grace),
        "failed": sum(1 for r in jobs if r.state == "FAIL"),
    }


__all__ = [
    "FinalResult", "RungResult", "TrialKind", "TrialRecord", "attach_finals", "classify", "count_finalized",
    "count_kinds", "read_records", "study_objectives",
]
