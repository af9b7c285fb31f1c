"""Picking a study's architecture (best within a budget, the front's knee, a given trial) and
exporting it as a config file that rebuilds the same model."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import optuna
from optuna.trial import FrozenTrial

from nas.arch.config import ArchConfig
from nas.arch.io import dumps, from_dict
from nas.errors import NasError
from nas.outputs import write_output
from nas.study.attrs import arch_of, measurements_of, study_settings
from nas.study.candidates import candidates
from nas.study.pareto import pareto_front
from nas.study.record import TrialRecord, read_records
from nas.study.storage import database_files
from nas.units import format_count


def _check_searched(name: str, records: Sequence[TrialRecord], searched: list[TrialRecord]) -> None:
    """Refuse, in plain words, a study whose completed trials record no architecture (not ``nas``'s)."""
    complete = [r for r in records if r.state == "COMPLETE"]
    if not searched and complete and all(r.arch is None for r in complete):
        raise NasError(f"study {name!r} has completed trials but none recorded an architecture "
                       "(it was not made by nas search)")


def _frozen(study: optuna.Study, number: int) -> FrozenTrial:
    return next(t for t in study.get_trials(deepcopy=False) if t.number == number)


def knee_trial(study: optuna.Study) -> FrozenTrial:
    """The knee of the accuracy-vs-FLOPs Pareto front.

    It is the Pareto-optimal trial farthest from the straight line between the front's two
    ends, with FLOPs and accuracy each scaled to [0, 1] over the front. With fewer than three
    points there is no bend, and the most accurate point is returned.

    Raises:
        NasError: when the study has no feasible completed trial.
    """
    records = read_records(study)
    searched = candidates(records)
    _check_searched(study.study_name, records, searched)
    pareto = sorted(pareto_front(searched, ("accuracy", "flops")),
                    key=lambda r: (r.flops, -(r.accuracy or 0.0), r.number))
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
    return _frozen(study, pick.number)


def best_trial(study: optuna.Study, max_flops: float | None = None, *, final: bool = False) -> FrozenTrial:
    """The most accurate feasible completed search trial with at most ``max_flops`` FLOPs.

    Args:
        study: a study written by ``nas search``.
        max_flops: the limit; ``None`` means the study's own budget (or none at all).
        final: rank by final test accuracy among the trials trained with the full recipe,
            instead of by the search's proxy validation accuracy.

    Raises:
        NasError: when no trial meets the limit, naming the cheapest one there is.
    """
    stored = study_settings(study).get("max_flops")
    limit = max_flops if max_flops is not None else stored
    return _frozen(study, best_record(read_records(study), study.study_name, limit, final=final).number)


def best_record(records: Sequence[TrialRecord], name: str, limit: float | None, *,
                final: bool = False) -> TrialRecord:
    """:func:`best_trial`'s pick among a study's ``records`` already read (``name`` is the
    study's, for the message); ``limit`` is the FLOPs limit itself (``None``: none).

    Raises:
        NasError: when no trial meets the limit, naming the cheapest one there is.
    """
    done = [r for r in candidates(records) if r.flops is not None and (r.final is not None or not final)]
    _check_searched(name, records, done)
    fits = [r for r in done if limit is None or (r.flops or 0) <= limit]
    if not fits:
        within = f" within {format_count(limit)} FLOPs" if limit is not None else ""
        cheapest = min((r.flops or 0 for r in done), default=None)
        hint = f" (the cheapest {'finalised' if final else 'completed'} one has {format_count(cheapest)})" \
            if cheapest is not None else ""
        raise NasError(f"study {name!r} has no {'finalised' if final else 'completed'} "
                       f"trial{within}{hint}")
    if final:
        return max(fits, key=lambda r: (r.final.test_accuracy, -(r.flops or 0), -r.number))  # type: ignore[union-attr]
    return max(fits, key=lambda r: (r.accuracy, -(r.flops or 0), -r.number))


def pick_trial(study: optuna.Study, pick: str = "best", max_flops: int | None = None) -> FrozenTrial:
    """The trial ``pick`` names: ``best`` (highest validation accuracy within ``max_flops``, by
    default the study's budget), ``knee`` (the Pareto front's knee) or ``trial:N``.

    Raises:
        NasError: for an unknown pick, a trial that does not exist or has no architecture, or a
            budget no trial meets.
    """
    if pick.startswith("trial:"):
        try:
            number = int(pick.split(":", 1)[1])
        except ValueError:
            raise NasError(f"--pick: expected trial:N with a number, got {pick!r}") from None
        trials = {t.number: t for t in study.get_trials(deepcopy=False)}
        if not trials:
            raise NasError(f"study {study.study_name!r} has no trials yet, so there is no trial {number}")
        if number not in trials:
            raise NasError(f"study {study.study_name!r} has no trial {number}; its trials are numbered "
                           f"{min(trials)} to {max(trials)}")
        trial = trials[number]
        if arch_of(trial) is None:
            raise NasError(f"trial {number} of {study.study_name!r} recorded no architecture")
        return trial
    if pick == "best":
        budget = max_flops or study_settings(study).get("max_flops")
        return best_trial(study, budget)
    if pick == "knee":
        return knee_trial(study)
    raise NasError(f"--pick: expected best, knee or trial:N, got {pick!r}")


def trial_config(trial: FrozenTrial) -> ArchConfig:
    """The architecture config a trial recorded."""
    arch = arch_of(trial)
    if arch is None:
        raise NasError(f"trial {trial.number} recorded no architecture")
    return from_dict(arch)


def export_trial(study: optuna.Study, trial: FrozenTrial, path: str | Path) -> Path:
    """Write the trial's architecture as a config YAML with where it came from as ``meta``.

    The file is written atomically and never over the study's own storage file.

    Args:
        study: the study the trial belongs to.
        trial: the trial to export (see :func:`pick_trial`).
        path: the YAML file to write; its folder is created.

    Returns:
        ``path``.

    Raises:
        OutputError: for a path that cannot or must not be written, as one line.
    """
    config = trial_config(trial)
    meta: dict[str, Any] = {
        "study": study.study_name,
        "trial": trial.number,
        "state": trial.state.name,
        **measurements_of(trial),
    }
    dataset = study_settings(study).get("dataset")
    if dataset:
        meta["dataset"] = dataset
    comment = (
        f"Exported by nas from study {study.study_name!r}, trial {trial.number}.\n"
        "Validation accuracy comes from the search's proxy training; 'nas train' gives test accuracy."
    )
    return write_output(path, dumps(config, meta, comment), protect=database_files(study))
