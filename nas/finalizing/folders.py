"""Where each chosen trial trains, checked before anything is claimed.

Everything that would make a worker fail once it holds a claim is refused here instead, so that
a refused ``nas finalize`` leaves the study as it was: a weights folder that cannot be written,
a run folder whose checkpoint is unreadable or belongs to another architecture or data set, and
a trial finalised (or being finalised) with another recipe, unless ``retrain`` asks for a result
with this recipe too (it then trains in a folder of its own when the trial's folder holds the
other recipe's run).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from nas.arch.config import ArchConfig
from nas.data import ImageData
from nas.errors import NasError
from nas.finalizing.claims import UnitState, unit_state
from nas.finalizing.recipes import recipe_folder, setting_differences, weights_folder
from nas.study.record import TrialRecord
from nas.training import TrainSettings
from nas.training.full import (
    CHECKPOINT,
    OtherSettings,
    check_output_folder,
    read_resumable,
)


def _other_recipe(target: int, state: UnitState, settings: TrainSettings) -> str:
    """Why trial ``target`` is refused without ``--retrain`` (one line)."""
    other = state.other[0]
    how = "finalised" if other.final is not None else f"being finalised by {other.worker}"
    return (f"trial {target} is {how} with another recipe (finalisation trial {other.number}: "
            f"{setting_differences(other.recipe or {}, settings)}); add --retrain to train it with this recipe too "
            "(both results are kept), or re-run with that recipe's options")


def _checked(folder: Path, config: ArchConfig, data: ImageData, settings: TrainSettings, target: int) -> bool:
    """Whether ``folder`` holds a checkpoint to resume (it can hold the run: checked).

    Raises:
        OtherSettings: when its checkpoint was written with other training settings.
        NasError: (naming the trial) when it cannot hold the run.
    """
    try:
        check_output_folder(folder, "run folder")
        return read_resumable(folder, config, data, settings) is not None
    except OtherSettings:
        raise
    except NasError as exc:
        raise NasError(f"trial {target}: {exc}") from None


def unit_folder(target: int, config: ArchConfig, state: UnitState, data: ImageData, settings: TrainSettings,
                weights_dir: str, retrain: bool) -> Path:
    """The folder trial ``target`` trains in with ``settings``, checked.

    ``weights_dir/trial-N``, unless it holds another recipe's run (its checkpoint, or no
    checkpoint and the trial is finalised with another recipe) and ``retrain`` is given: then
    :func:`~nas.finalizing.recipes.recipe_folder`.

    Raises:
        NasError: for a folder that cannot hold the run, or another recipe without ``retrain``.
    """
    if state.other and not retrain:
        raise NasError(_other_recipe(target, state, settings))
    base = weights_folder(weights_dir, target)
    try:
        resumes = _checked(base, config, data, settings, target)
    except OtherSettings as exc:
        if not retrain:
            raise NasError(f"trial {target}: {base / CHECKPOINT} holds a run with other training settings "
                           f"({exc.differences}); re-run with its options to resume it, or add --retrain to train it "
                           "with this recipe in another folder") from None
    else:
        if resumes or not state.other:
            return base
    folder = recipe_folder(weights_dir, target, settings)
    try:
        _checked(folder, config, data, settings, target)
    except OtherSettings as exc:  # a folder named for these settings holds a run of others
        raise NasError(f"trial {target}: {exc}") from None
    return folder


def unit_folders(chosen: Sequence[tuple[TrialRecord, ArchConfig]], records: Sequence[TrialRecord], data: ImageData,
                 settings: TrainSettings, weights_dir: str, grace: float,
                 retrain: bool) -> tuple[tuple[int, str], ...]:
    """Check where each chosen trial not yet finalised with ``settings`` trains.

    Args:
        chosen: each chosen trial's record and its architecture (adapted to ``data``).
        records: the study's records.
        data, settings: the data set and the training settings of this finalisation.
        weights_dir: the folder of the runs (checked: it can be created and written).
        grace: the study's grace period (for which claims are live).
        retrain: train trials finalised with other settings with these too.

    Returns:
        ``(target, folder)`` for each target that trains elsewhere than ``weights_dir/trial-N``.

    Raises:
        NasError: naming the first trial (or the weights folder) that would fail once claimed.
    """
    check_output_folder(weights_dir, "--weights-dir")
    moved = []
    for record, config in chosen:
        state = unit_state(records, record.number, grace, settings=settings)
        if state.done is not None:
            continue
        folder = unit_folder(record.number, config, state, data, settings, weights_dir, retrain)
        if folder != weights_folder(weights_dir, record.number):
            moved.append((record.number, str(folder)))
    return tuple(moved)


__all__ = ["unit_folder", "unit_folders"]
