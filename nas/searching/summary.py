"""What a search did, as counts, a closing summary and progress while it runs."""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from typing import Any

import optuna
from optuna.trial import FrozenTrial

from nas.searching.seen import seen_in
from nas.searching.settings import SearchSettings
from nas.study.pareto import pareto_front
from nas.study.record import (
    TrialKind,
    TrialRecord,
    count_kinds,
    read_records,
    study_objectives,
)
from nas.units import format_count


@dataclass
class SearchSummary:
    """What a search did, for the CLI's closing lines and for benchmarks."""

    study: str
    storage: str
    complete: int
    infeasible: int
    failed: int
    sampled: int
    wall_s: float
    best: list[dict[str, Any]] = field(default_factory=list)
    linear_accuracy: float | None = None
    #: ``asha``: trials stopped at a lower rung (``complete`` + ``stopped`` were screened).
    stopped: int = 0
    #: ``asha``: the rungs, e.g. ``1x2000, 1x6000, 3x6000 (eta 3)``; ``None`` for single fidelity.
    rungs: str | None = None
    #: Candidates the zero-cost pre-screen did not train.
    screened_out: int = 0
    #: Why the study holds fewer trained trials than asked for, when its space ran out.
    exhausted: str | None = None

    @property
    def feasible_fraction(self) -> float:
        return 1.0 - self.infeasible / self.sampled if self.sampled else 0.0


def count_states(study: optuna.Study) -> dict[str, int]:
    """Search-trial counts by kind (baselines left out), plus ``sampled`` (architectures costed).

    ``complete`` counts the trials trained at the top fidelity (the ranked ones), ``stopped``
    those an ``asha`` search stopped at a lower rung, and ``screened`` both: the architectures
    trained at all, which ``--trials`` counts.
    """
    records = [r for r in read_records(study) if not r.baseline]
    kinds = count_kinds(records)
    return {
        "complete": kinds[TrialKind.SEARCHED], "running": kinds[TrialKind.RUNNING],
        "stopped": kinds[TrialKind.STOPPED], "screened": kinds[TrialKind.SEARCHED] + kinds[TrialKind.STOPPED],
        "failed": kinds[TrialKind.FAILED], "infeasible": kinds[TrialKind.OVER_BUDGET],
        "pruned": kinds[TrialKind.DUPLICATE] + kinds[TrialKind.SURPLUS],
        "screened_out": kinds[TrialKind.SCREENED_OUT],
        "sampled": sum(1 for r in records if r.flops is not None),
    }


def summarize(settings: SearchSettings, study: optuna.Study, wall_s: float, linear: float | None,
              space_size: int | None = None) -> SearchSummary:
    """The closing summary: counts, the Pareto front of the study's objectives, and (given the
    space's ``space_size``) whether the space ran out before the study had its trials."""
    counts = count_states(study)
    exhausted = None
    if space_size is not None and counts["screened"] < settings.trials:
        seen = seen_in(read_records(study))
        if seen.exhausted(space_size):
            exhausted = (f"the space holds {space_size:,} distinct architectures and every one is settled: "
                         f"{len(seen.trained)} trained, {len(seen.refused)} over the budget or failed; "
                         f"the study ends with {counts['screened']} of the {settings.trials} trials asked for")
    best = [{
        "trial": r.number, "accuracy": r.accuracy, "flops": r.flops, "params": r.params,
        "latency_ms": r.latency_ms, "notation": r.notation,
    } for r in pareto_front(read_records(study), study_objectives(study))]
    plan = settings.rung_plan()
    return SearchSummary(
        study=settings.study_name, storage=settings.storage_url, complete=counts["complete"],
        infeasible=counts["infeasible"], failed=counts["failed"], sampled=counts["sampled"], wall_s=wall_s,
        best=best, linear_accuracy=linear, stopped=counts["stopped"],
        rungs=None if plan is None else plan.describe(),
        screened_out=counts["screened_out"], exhausted=exhausted,
    )


def trial_line(record: TrialRecord) -> str:
    """One line for a finished trial: number, kind, accuracy, FLOPs, time (and why it failed)."""
    parts = [f"trial {record.number}", record.kind.value.replace("_", " ")]
    if record.kind == TrialKind.STOPPED and record.rung is not None:
        parts[-1] = f"stopped at rung {record.rung}"
    if record.accuracy is not None:
        parts.append(f"acc {record.accuracy:.2%}")
    elif record.rungs:
        parts.append(f"acc {record.rungs[-1].accuracy:.2%} at rung {len(record.rungs) - 1}")
    if record.flops is not None:
        parts.append(f"{format_count(record.flops)} FLOPs")
    if record.started and record.finished:
        parts.append(f"{(record.finished - record.started).total_seconds():.1f} s")
    if record.kind == TrialKind.SCREENED_OUT and record.prescreen:
        p = record.prescreen
        parts.append(f"{p.get('proxy')} rank {p.get('rank')} of {p.get('candidates')} in its FLOPs bin")
    if record.kind == TrialKind.FAILED and record.fail_reason:
        parts.append(str(record.fail_reason).splitlines()[0])
    return "nas search: " + ", ".join(parts)


class TrialReporter:
    """An ``optimize`` callback: a line on stderr per finished trial (``lines``), or only per failure."""

    def __init__(self, lines: bool) -> None:
        self.lines = lines

    def __call__(self, study: optuna.Study, trial: FrozenTrial) -> None:
        record = TrialRecord.from_trial(trial, study_objectives(study))
        if self.lines or record.kind == TrialKind.FAILED:
            print(trial_line(record), file=sys.stderr, flush=True)


class StudyBar:
    """A progress bar of trained trials (completed, or screened in an ``asha`` search; disabled when
    progress is off)."""

    def __init__(self, settings: SearchSettings, study: optuna.Study) -> None:
        from tqdm.auto import tqdm

        self.study = study
        self.bar = tqdm(
            total=settings.trials, desc=f"study {settings.study_name}", unit="trial",
            disable=not settings.progress, position=0, dynamic_ncols=True,
        )
        self.refresh_from(study)

    def refresh_from(self, study: optuna.Study) -> None:
        if self.bar.disable:
            return
        counts = count_states(study)
        self.bar.n = min(counts["screened"], self.bar.total)
        extra = {"top": counts["complete"]} if counts["stopped"] else {}
        if counts["screened_out"]:
            extra["screened_out"] = counts["screened_out"]
        self.bar.set_postfix(**extra, infeasible=counts["infeasible"], failed=counts["failed"], refresh=False)
        self.bar.refresh()

    def __enter__(self) -> StudyBar:
        return self

    def __exit__(self, *exc: object) -> None:
        self.refresh_from(self.study)
        self.bar.close()
