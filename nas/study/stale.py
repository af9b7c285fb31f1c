"""Trials whose worker died: failing the RUNNING trials whose heartbeat went silent."""

from __future__ import annotations

import warnings

import optuna
from optuna.trial import TrialState

from nas.study import attrs as A
from nas.study.storage import open_storage
from nas.study.stored import existing_study


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
