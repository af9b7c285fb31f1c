"""``Study.status``: where a study stands, as ``nas status`` shows it: trial counts by kind,
finalisation, rung reach, the best trials so far and the workers seen recently."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    import optuna

    from nas.searching.rungs import RungPlan
    from nas.study.record import TrialKind, TrialRecord

#: The longest ``--recent`` window (a year, in minutes); more is a typo.
MAX_RECENT_MIN = 366 * 24 * 60

#: What a worker is doing: running a trial, gone silent (its trial failed as stale), or idle.
WorkerState = Literal["running", "silent", "idle"]


@dataclass(frozen=True)
class FinalizedCounts:
    """What ``nas finalize`` did to a study.

    Attributes:
        finalized: searched trials that have a full-recipe test accuracy.
        running: finalisation jobs still running.
        silent: of those running, the ones with no heartbeat within the grace period.
        failed: finalisation jobs failed or withdrawn.
    """

    finalized: int
    running: int
    silent: int
    failed: int

    @property
    def any(self) -> bool:
        """Whether the study has been finalised at all (``nas status`` shows the line then)."""
        return bool(self.finalized or self.running or self.failed)


@dataclass(frozen=True)
class RungReach:
    """How many searched trials (failed ones aside) reached one rung of a multi-fidelity search.

    Attributes:
        epochs: the rung's epochs.
        images: the rung's training images (``None``: all of them).
        trials: the trials that reached it.
    """

    epochs: int
    images: int | None
    trials: int


@dataclass(frozen=True)
class WorkerSeen:
    """A worker that ran trials of the study.

    Attributes:
        name: the worker's name (host and process).
        trials: the trials it ran.
        last_seen: when its latest trial started or finished.
        state: ``running`` a trial, ``silent`` (its trial was just failed as stale) or ``idle``.
    """

    name: str
    trials: int
    last_seen: dt.datetime
    state: WorkerState


@dataclass(frozen=True)
class StudyStatus:
    """Everything ``nas status`` prints about a study.

    Attributes:
        study: the study's name.
        space: the space's name (``None`` if the study does not store it).
        dataset: the data set searched on (``None`` if not stored).
        max_flops: the FLOPs budget (``None`` if not stored).
        target: the number of trials asked for (``None`` if not stored).
        counts: searched trials (baselines aside) by kind; every kind is present.
        prescreen: 1 in how many trials the zero-cost pre-screen lets train (as stored).
        prescreen_proxy: the pre-screen's proxy (as stored).
        finalized: what ``nas finalize`` did.
        eta: the reduction factor of a multi-fidelity search (``None``: single fidelity).
        rungs: trials that reached each rung, cheapest first (empty for a single fidelity).
        best: the Pareto-optimal trials of the study's objectives, most accurate first.
        workers: the workers seen within ``recent_min`` (or running, or silent), by name.
        recent_min: the window of ``workers``, in minutes.
        failed_now: the stale trials this status failed before reading the study.
        now: when the status was read (``workers``' ages count from it).
    """

    study: str
    space: str | None
    dataset: str | None
    max_flops: int | None
    target: int | None
    counts: Mapping[TrialKind, int]
    prescreen: Any
    prescreen_proxy: Any
    finalized: FinalizedCounts
    eta: int | None
    rungs: tuple[RungReach, ...]
    best: tuple[TrialRecord, ...]
    workers: tuple[WorkerSeen, ...]
    recent_min: float
    failed_now: frozenset[int]
    now: dt.datetime


def recent_window(value: object) -> float:
    """The ``--recent`` window in minutes, from 0 to a year.

    Raises:
        OptionError: for anything else, naming ``--recent``.
    """
    from nas.options import OptionError, number

    minutes = number(value, "--recent")
    if minutes is None or not 0 <= minutes <= MAX_RECENT_MIN:
        raise OptionError(f"--recent must be a number of minutes from 0 to {MAX_RECENT_MIN:,} (a year), "
                          f"got {minutes}")
    return minutes


def study_status(study: optuna.Study, url: str, recent_min: object = 10.0) -> StudyStatus:
    """Fail the study's stale trials, then read where it stands (see :meth:`nas.Study.status`)."""
    from nas.searching.rungs import RungPlan
    from nas.study import attrs as A
    from nas.study.pareto import pareto_front
    from nas.study.record import (
        count_finalized,
        count_kinds,
        read_records,
        study_objectives,
    )
    from nas.study.stale import fail_stale

    recent = recent_window(recent_min)
    # Trials whose worker went silent for longer than the study's grace period are failed first.
    failed_now = frozenset(fail_stale(study.study_name, url))
    records = read_records(study)
    searched = [r for r in records if not r.baseline]
    settings = A.study_settings(study)
    plan = RungPlan.from_stored(settings.get("fidelity"))
    grace = A.study_run(study).get("grace")
    now = dt.datetime.now()
    return StudyStatus(
        study=study.study_name, space=settings.get("space"), dataset=settings.get("dataset"),
        max_flops=settings.get("max_flops"), target=A.study_target(study),
        counts=dict(count_kinds(searched)), prescreen=settings.get("prescreen"),
        prescreen_proxy=settings.get("prescreen_proxy"), finalized=FinalizedCounts(**count_finalized(records, grace)),
        eta=None if plan is None else plan.eta, rungs=_rung_reach(plan, searched),
        best=tuple(pareto_front(records, study_objectives(study))),
        workers=_workers(records, failed_now, now, recent), recent_min=recent, failed_now=failed_now, now=now,
    )


def _rung_reach(plan: RungPlan | None, searched: Sequence[TrialRecord]) -> tuple[RungReach, ...]:
    """Per rung of ``plan``, the searched trials (failed ones aside) that reached it."""
    from nas.study.record import TrialKind

    if plan is None:
        return ()
    return tuple(
        RungReach(rung.epochs, rung.images, sum(1 for r in searched if r.kind != TrialKind.FAILED and len(r.rungs) > k))
        for k, rung in enumerate(plan.rungs))


def _workers(records: Sequence[TrialRecord], failed_now: frozenset[int], now: dt.datetime,
             recent_min: float) -> tuple[WorkerSeen, ...]:
    """The workers that ran a trial within ``recent_min`` minutes of ``now``, or are running one,
    or went silent (a trial of theirs is in ``failed_now``), by name."""
    seen = _seen(records, failed_now)
    window = dt.timedelta(minutes=recent_min)
    return tuple(w for _, w in sorted(seen.items()) if w.state != "idle" or now - w.last_seen <= window)


def _seen(records: Sequence[TrialRecord], failed_now: frozenset[int]) -> dict[str, WorkerSeen]:
    """Every worker named by a record: its trials, when it was last seen and its state (running
    wins over silent, silent over idle)."""
    from nas.study.record import TrialKind

    seen: dict[str, WorkerSeen] = {}
    for r in records:
        when = r.finished or r.started
        if not r.worker or when is None:
            continue
        before = seen.get(r.worker)
        state: WorkerState = "idle" if before is None else before.state
        if r.kind == TrialKind.RUNNING or (r.kind == TrialKind.FINAL and r.state == "RUNNING"):
            state = "running"
        elif r.number in failed_now and state != "running":
            state = "silent"
        last = when if before is None else max(before.last_seen, when)
        seen[r.worker] = WorkerSeen(r.worker, 1 if before is None else before.trials + 1, last, state)
    return seen


__all__ = ["MAX_RECENT_MIN", "FinalizedCounts", "RungReach", "StudyStatus", "WorkerSeen", "recent_window",
           "study_status"]
