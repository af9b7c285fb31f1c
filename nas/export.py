"""Exporting a study's chosen architecture as a config file that rebuilds the same model."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import optuna
from optuna.trial import FrozenTrial

from nas.arch.config import ArchConfig
from nas.arch.io import dumps, from_dict
from nas.errors import NasError
from nas.outputs import write_output
from nas.search.storage import study_files


def pick_trial(study: optuna.Study, pick: str = "best", max_flops: int | None = None) -> FrozenTrial:
    """The trial ``pick`` names: ``best`` (highest validation accuracy within ``max_flops``, by
    default the study's budget), ``knee`` (the Pareto front's knee) or ``trial:N``.

    Raises:
        NasError: for an unknown pick, a trial that does not exist or has no architecture, or a
            budget no trial meets.
    """
    from nas.report.pareto import best_trial, knee_trial

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
        if "arch" not in trial.user_attrs:
            raise NasError(f"trial {number} of {study.study_name!r} recorded no architecture")
        return trial
    if pick == "best":
        budget = max_flops or study.user_attrs.get("settings", {}).get("max_flops")
        return best_trial(study, budget)
    if pick == "knee":
        return knee_trial(study)
    raise NasError(f"--pick: expected best, knee or trial:N, got {pick!r}")


def trial_config(trial: FrozenTrial) -> ArchConfig:
    """The architecture config a trial recorded."""
    return from_dict(trial.user_attrs["arch"])


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
        **{k: trial.user_attrs[k] for k in ("accuracy", "flops", "params", "latency_ms") if k in trial.user_attrs},
    }
    dataset = study.user_attrs.get("settings", {}).get("dataset")
    if dataset:
        meta["dataset"] = dataset
    comment = (
        f"Exported by nas from study {study.study_name!r}, trial {trial.number}.\n"
        "Validation accuracy comes from the search's proxy training; 'nas train' gives test accuracy."
    )
    return write_output(path, dumps(config, meta, comment), protect=study_files(study))
