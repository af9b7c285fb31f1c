"""Opening a study and checking its identity: the settings and the space it was made with.

A study made by ``nas search`` stores, as study user attrs, its identity (``settings``), its
space (the file's text and a hash of its parsed content, ``space``), the run settings a
joining worker takes (``run``: sampler, heartbeat, grace, presets) and its target. Every check
happens before anything is written, so a refused command leaves the stored study as it was.
"""

from __future__ import annotations

import hashlib
import json
import time
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import optuna
import yaml

from nas.arch.safe_yaml import YamlProblem, read_text
from nas.errors import NasError, SpaceError
from nas.searching.rungs import RungPlan
from nas.searching.sampler import make_sampler
from nas.searching.settings import DEFAULTS, RUN_KEYS, SearchSettings, check
from nas.study import attrs as A
from nas.study.files import study_files
from nas.study.objectives import OBJECTIVES
from nas.study.storage import open_storage
from nas.study.stored import existing_study, nas_attrs, quiet_optuna


@dataclass(frozen=True)
class SpaceSource:
    """A space's file name and text, as stored in a study."""

    name: str
    text: str

    @property
    def sha256(self) -> str:
        """Hash of the parsed content: comments and layout do not change it, any choice does."""
        canonical = json.dumps(yaml.safe_load(self.text), sort_keys=True, default=str)
        return hashlib.sha256(canonical.encode()).hexdigest()

    @classmethod
    def from_file(cls, path: str | Path) -> SpaceSource:
        """The space file's name and text.

        Raises:
            SpaceError: for a file that cannot be read, is too large or is not UTF-8 text.
        """
        try:
            return cls(Path(path).name, read_text(path))
        except YamlProblem as exc:
            raise SpaceError(f"{path}: {exc}") from None

    def stored(self) -> dict[str, str]:
        return {"name": self.name, "text": self.text, "sha256": self.sha256}


def joined_settings(given: dict[str, Any]) -> dict[str, Any]:
    """Fill the options not given (``None``) from a stored study of the same name, if there is one.

    ``given`` holds every option of :class:`SearchSettings` (``None`` where not given); a
    study name is needed when no space file is given.

    Raises:
        NasError: when joining without a space file and the study does not exist or is not nas's.
    """
    space = given.get("space")
    name = given.get("study")
    if name is None:
        if space is None:
            raise NasError("give a space file, or --study NAME (and --storage URL) of a stored study to join")
        if given.get("max_flops") is None:
            raise NasError("--max-flops is required for a new study")
        # The default name derives from the space, budget and data set: fill those first.
        name = SearchSettings(space=space, max_flops=given["max_flops"],
                              dataset=given.get("dataset") or str(DEFAULTS["dataset"])).study_name
    url = given.get("storage") or _default_url(name)
    study = existing_study(name, url) if url else None
    if study is None:
        if space is None:
            raise NasError(f"no study {name!r} in {url or 'studies/'} to join; give a space file to start one")
        return {**given, "study": given.get("study")}
    stored = nas_attrs(study, url)
    settings = dict(stored[A.STUDY_SETTINGS])
    settings["objectives"] = tuple(settings.get("objectives") or ("accuracy", "flops"))
    filled = dict(given)
    for key in ("max_flops", "max_params", "dataset", "objectives", "epochs", "train_subset", "val_size",
                "batch_size", "seed", "prescreen", "prescreen_proxy"):
        if filled.get(key) is None and key in settings:
            filled[key] = settings[key]
    if filled.get("prescreen") is None and "prescreen" not in settings:
        filled["prescreen"] = 0  # stored without pre-screening (off when it was made, or before it existed)
    if filled.get("train_subset") is None and "train_subset" in settings:
        filled["train_subset"] = settings["train_subset"] or 0  # stored None: all images
    plan = RungPlan.from_stored(settings.get("fidelity"))
    if filled.get("fidelity") is None:
        filled["fidelity"] = "single" if plan is None else "asha"
    if plan is not None and filled["fidelity"] == "asha":
        first = plan.rungs[0]
        for key, value in (("eta", plan.eta), ("min_epochs", first.epochs), ("min_train_subset", first.images)):
            if filled.get(key) is None:
                filled[key] = value
    for key, value in (stored.get(A.STUDY_RUN) or {}).items():
        if key in RUN_KEYS and filled.get(key) is None:
            filled[key] = value
    if filled.get("trials") is None and stored.get(A.STUDY_TARGET) is not None:
        filled["trials"] = stored[A.STUDY_TARGET]
    return filled


def _default_url(name: str) -> str | None:
    files = study_files(name)
    return files.storage_url if files.database.exists() else None


def stored_space(settings: SearchSettings) -> SpaceSource:
    """The space a study stores (to join it without the space file).

    Raises:
        NasError: for a study that stores no space (made by an older nas: give the file).
    """
    study = existing_study(settings.study_name, settings.storage_url)
    if study is None:
        raise NasError(f"no study {settings.study_name!r} in {settings.storage_url} to join")
    stored = nas_attrs(study, settings.storage_url).get(A.STUDY_SPACE)
    if not isinstance(stored, dict) or "text" not in stored:
        raise NasError(f"study {settings.study_name!r} stores no space; give its space file")
    return SpaceSource(str(stored.get("name", "space.yaml")), str(stored["text"]))


def check_identity(settings: SearchSettings, space: SpaceSource, stored: dict[str, Any]) -> None:
    """Refuse a study stored with other settings, another space or other heartbeat settings.

    Raises:
        NasError: one line naming what differs.
    """
    name, url = settings.study_name, settings.storage_url
    ours = settings.identity(space.name)
    theirs = stored[A.STUDY_SETTINGS]
    diff = [k for k in sorted(set(theirs) | set(ours)) if theirs.get(k) != ours.get(k)]
    if diff:
        raise NasError(
            f"study {name!r} in {url} was made with other settings ({', '.join(diff)} differ); "
            "use another --study or the same options"
        )
    stored_space_ = stored.get(A.STUDY_SPACE)
    if isinstance(stored_space_, dict) and stored_space_.get("sha256") not in (None, space.sha256):
        raise NasError(
            f"study {name!r} in {url} was made with another version of {space.name} (its choices differ); "
            "use another --study, or the space file it was made with"
        )
    run = stored.get(A.STUDY_RUN) or {}
    for key in ("heartbeat", "grace"):
        if key in run and run[key] != getattr(settings, key):
            raise NasError(
                f"study {name!r} uses --{key} {run[key]}, not {getattr(settings, key)}; leave --{key} out to "
                "use the stored value"
            )


def open_study(settings: SearchSettings, space: SpaceSource, heartbeat: bool = True) -> optuna.Study:
    """Create or resume the study, refusing a foreign one or one stored with other settings.

    Nothing is written before the checks pass; a resumed study's target becomes ``settings.trials``.
    """
    quiet_optuna()
    check(settings)
    url = settings.storage_url
    existing = existing_study(settings.study_name, url)
    if existing is not None:
        stored = nas_attrs(existing, url)
        check_identity(settings, space, stored)
    storage = open_storage(
        url,
        heartbeat_interval=settings.heartbeat if heartbeat else None,
        grace_period=settings.grace if heartbeat else None,
    )
    sampler = make_sampler(settings.sampler, settings.seed)
    if existing is None:
        directions = [OBJECTIVES[n] for n in settings.objectives]
        try:
            study = optuna.create_study(study_name=settings.study_name, storage=storage, directions=directions,
                                        sampler=sampler)
        except optuna.exceptions.DuplicatedStudyError:  # another worker created it just now
            return open_study(settings, space, heartbeat)
        study.set_metric_names(list(settings.objectives))
        A.write_new_study(study, settings.identity(space.name), space.stored(), settings.run_attrs(),
                          settings.trials, time.strftime("%Y-%m-%d %H:%M:%S"))
        return study
    study = optuna.load_study(study_name=settings.study_name, storage=storage, sampler=sampler)
    A.complete_study(study, stored, space.stored(), settings.run_attrs(), settings.trials)
    return study


def with_stored_space(settings: SearchSettings) -> tuple[SearchSettings, SpaceSource]:
    """The settings and the space to search: the space file, or the one the study stores."""
    if settings.space is not None:
        return settings, SpaceSource.from_file(settings.space)
    return replace(settings), stored_space(settings)


__all__ = [
    "SpaceSource", "check_identity", "joined_settings", "open_study", "stored_space", "with_stored_space",
]
