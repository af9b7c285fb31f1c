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
import warnings
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import optuna
import yaml
from optuna.trial import TrialState

from nas.arch.safe_yaml import YamlProblem, read_text
from nas.errors import NasError, SpaceError
from nas.searching import attrs as A
from nas.searching.objectives import OBJECTIVES
from nas.searching.rungs import RungPlan
from nas.searching.sampler import make_sampler
from nas.searching.settings import DEFAULTS, RUN_KEYS, SearchSettings, check
from nas.searching.storage import open_storage
from nas.study.files import study_files
from nas.study_io import NoSuchStudy, open_stored


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


def quiet_optuna() -> None:
    """Optuna logs each failed trial with a traceback and warns about experimental features;
    nas records failures in its own lines instead."""
    optuna.logging.set_verbosity(optuna.logging.ERROR)
    warnings.filterwarnings("ignore", category=optuna.exceptions.ExperimentalWarning)
    warnings.filterwarnings("ignore", message=".*constraints_func.*")
    warnings.filterwarnings("ignore", message=".*multivariate.*")
    warnings.filterwarnings("ignore", message=".*group.*")


def existing_study(name: str, url: str) -> optuna.Study | None:
    """The stored study ``name``, or ``None`` if the storage has none of that name: the search's
    probe before it creates or joins a study (:func:`nas.study_io.open_stored`, ``writable``).

    A SQLite file that does not exist holds no study: it is not created here (only once every
    check has passed, by :func:`open_study`).
    """
    try:
        return open_stored(name, url, writable=True).study
    except NoSuchStudy:
        return None


def nas_attrs(study: optuna.Study, url: str, wait_s: float = 10.0) -> dict[str, Any]:
    """The study's user attrs, refusing a study that ``nas search`` did not make.

    A study another ``nas`` process is creating this very moment gets ``wait_s`` seconds to
    store its settings.

    Raises:
        NasError: for a study without ``nas``'s identity.
    """
    deadline = time.time() + wait_s
    while True:
        stored = study.user_attrs
        if isinstance(stored.get(A.STUDY_SETTINGS), dict) and "max_flops" in stored[A.STUDY_SETTINGS]:
            return stored
        if study.get_trials(deepcopy=False) or time.time() >= deadline:
            raise NasError(
                f"study {study.study_name!r} in {url} was not made by nas search (it stores no nas settings); "
                "use another --study"
            )
        time.sleep(0.5)


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
        study.set_user_attr(A.STUDY_SETTINGS, settings.identity(space.name))
        study.set_user_attr(A.STUDY_SPACE, space.stored())
        study.set_user_attr(A.STUDY_RUN, settings.run_attrs())
        study.set_user_attr(A.STUDY_TARGET, settings.trials)
        study.set_user_attr(A.STUDY_CREATED, time.strftime("%Y-%m-%d %H:%M:%S"))
        return study
    study = optuna.load_study(study_name=settings.study_name, storage=storage, sampler=sampler)
    if A.STUDY_SPACE not in stored:
        study.set_user_attr(A.STUDY_SPACE, space.stored())
    if A.STUDY_RUN not in stored:
        study.set_user_attr(A.STUDY_RUN, settings.run_attrs())
    if stored.get(A.STUDY_TARGET) != settings.trials:
        study.set_user_attr(A.STUDY_TARGET, settings.trials)
    return study


def fail_stale(study_name: str, url: str) -> set[int]:
    """Fail the study's RUNNING trials whose heartbeat is older than the stored grace period.

    Uses the heartbeat settings the study stores (a study made before they were stored is left
    alone). Failed trials are not retried here; a search retries none either, and samples anew.

    Returns:
        The numbers of the trials this call failed.
    """
    probe = existing_study(study_name, url)
    if probe is None:
        return set()
    run = probe.user_attrs.get(A.STUDY_RUN) or {}
    if not run.get("heartbeat") or not run.get("grace"):
        return set()
    with warnings.catch_warnings():  # heartbeats are "experimental" in Optuna: no warning for users
        warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
        storage = open_storage(url, heartbeat_interval=int(run["heartbeat"]), grace_period=int(run["grace"]),
                               max_retry=0)
        study = optuna.load_study(study_name=study_name, storage=storage)
        running = {t.number for t in study.get_trials(deepcopy=False, states=(TrialState.RUNNING,))}
        if not running:
            return set()
        optuna.storages.fail_stale_trials(study)
    still = {t.number for t in study.get_trials(deepcopy=False, states=(TrialState.RUNNING,))}
    return running - still


def with_stored_space(settings: SearchSettings) -> tuple[SearchSettings, SpaceSource]:
    """The settings and the space to search: the space file, or the one the study stores."""
    if settings.space is not None:
        return settings, SpaceSource.from_file(settings.space)
    return replace(settings), stored_space(settings)


__all__ = [
    "SpaceSource", "check_identity", "existing_study", "fail_stale", "joined_settings", "nas_attrs", "open_study",
    "quiet_optuna", "stored_space", "with_stored_space",
]
