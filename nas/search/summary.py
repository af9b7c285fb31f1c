"""What a search did, as counts, a closing summary and progress while it runs."""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from typing import Any

import optuna
from optuna.trial import FrozenTrial

from nas.search.pareto import pareto_front
from nas.search.record import TrialKind, TrialRecord, count_kinds, read_records, study_objectives
from nas.search.settings import SearchSettings
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
    #: Candidates the zero-cost pre-screen did not train.
    screened_out: int = 0

    @property
    def feasible_fraction(self) -> float:
        return 1.0 - self.infeasible / self.sampled if self.sampled else 0.0


def count_states(study: optuna.Study) -> dict[str, int]:
    """Search-trial counts by kind (baselines left out), plus ``sampled`` (architectures costed)."""
    records = [r for r in read_records(study) if not r.baseline]
    kinds = count_kinds(records)
    return {
        "complete": kinds[TrialKind.SEARCHED], "running": kinds[TrialKind.RUNNING],
        "failed": kinds[TrialKind.FAILED], "infeasible": kinds[TrialKind.OVER_BUDGET],
        "pruned": kinds[TrialKind.DUPLICATE] + kinds[TrialKind.SURPLUS] + kinds[TrialKind.STOPPED],
        "screened_out": kinds[TrialKind.SCREENED_OUT],
        "sampled": sum(1 for r in records if r.flops is not None),
    }


def summarize(settings: SearchSettings, study: optuna.Study, wall_s: float, linear: float | None) -> SearchSummary:
    """The closing summary: counts and the Pareto front of the study's objectives."""
    counts = count_states(study)
    best = [{
        "trial": r.number, "accuracy": r.accuracy, "flops": r.flops, "params": r.params,
        "latency_ms": r.latency_ms, "notation": r.notation,
    } for r in pareto_front(read_records(study), study_objectives(study))]
    return SearchSummary(
        study=settings.study_name, storage=settings.storage_url, complete=counts["complete"],
        infeasible=counts["infeasible"], failed=counts["failed"], sampled=counts["sampled"], wall_s=wall_s,
        best=best, linear_accuracy=linear, screened_out=counts["screened_out"],
    )


def trial_line(record: TrialRecord) -> str:
    """One line for a finished trial: number, kind, accuracy, FLOPs, time (and why it failed)."""
    parts = [f"trial {record.number}", record.kind.value.replace("_", " ")]
    if record.accuracy is not None:
        parts.append(f"acc {record.accuracy:.2%}")
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
    """A progress bar of completed trials (disabled when progress is off)."""

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
        self.bar.n = min(counts["complete"], self.bar.total)
        extra = {"screened_out": counts["screened_out"]} if counts["screened_out"] else {}
        self.bar.set_postfix(infeasible=counts["infeasible"], failed=counts["failed"], **extra, refresh=False)
        self.bar.refresh()

    def __enter__(self) -> StudyBar:
        return self

    def __exit__(self, *exc: object) -> None:
        self.refresh_from(self.study)
        self.bar.close()
