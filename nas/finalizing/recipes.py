"""Which training settings a finalisation used, and where each recipe of a trial trains.

A unit of work is "train trial N with these training settings" (the fields of
:class:`~nas.training.TrainSettings`); the device and the paths are not part of it. A trial can be
finalised with several recipes: the first trains in ``WEIGHTS/trial-N``, another in
``WEIGHTS/trial-N-<digest of its settings>`` when ``trial-N`` holds the first one's run.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import asdict, fields
from pathlib import Path
from typing import Any

from nas.data import ImageData
from nas.training import TrainSettings
from nas.training.full import differences


def recipe_record(recipe: TrainSettings, data: ImageData, device: str) -> dict[str, object]:
    """The recipe as stored with a result: the training settings and the images used."""
    return {**asdict(recipe), "dataset": data.name, "train_images": len(data.train_y),
            "test_images": len(data.test_y), "val_size": 0, "device": device}


def settings_of(recipe: Mapping[str, Any]) -> dict[str, Any]:
    """The training settings of a stored recipe (a setting it lacks has its default)."""
    return {f.name: recipe.get(f.name, f.default) for f in fields(TrainSettings)}


def setting_differences(recipe: Mapping[str, Any], settings: TrainSettings) -> str:
    """``"epochs 8, now 2; lr 0.1, now 0.2"``: each training setting in which a stored recipe
    differs from ``settings`` (``""`` when none does)."""
    stored, now = settings_of(recipe), asdict(settings)
    return differences(stored, now) if stored != now else ""


def weights_folder(weights_dir: str | Path, target: int) -> Path:
    """Where trial ``target`` is trained: ``weights_dir/trial-<target>``."""
    return Path(weights_dir) / f"trial-{target}"


def recipe_folder(weights_dir: str | Path, target: int, settings: TrainSettings) -> Path:
    """Where trial ``target`` trains with ``settings`` beside another recipe's run:
    ``weights_dir/trial-<target>-<8 hex digits of the settings' digest>``."""
    text = json.dumps(asdict(settings), sort_keys=True)
    return Path(weights_dir) / f"trial-{target}-{hashlib.sha256(text.encode()).hexdigest()[:8]}"


__all__ = ["recipe_folder", "recipe_record", "setting_differences", "settings_of", "weights_folder"]
