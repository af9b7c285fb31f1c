"""Who finalises which trial: one finalisation trial per job, claimed race-free.

A unit of work is "train trial N with these training settings" (:mod:`nas.finalizing.recipes`):
a trial finalised with one recipe is not finalised with another. A worker claims a unit by
creating a finalisation trial (RUNNING, user attrs ``finalizes: N``, ``worker``, ``heartbeat``
and the settings as ``recipe``) in one write. Optuna's RDB storage numbers a study's trials
under a lock, so claims on the same unit are totally ordered by trial number and the lowest
live claim wins: after creating its claim, a worker reads the study again and withdraws
(records its claim as FAIL) if a live claim with a lower number, or a finished finalisation,
exists. The winner's heartbeat thread refreshes ``heartbeat`` every ``heartbeat`` seconds; a
RUNNING claim silent for longer than ``grace`` seconds (the study's stored settings, as for
search trials) is failed by the next worker that looks at that unit, which then claims it anew;
so is, at once, a claim whose worker ran on this host in a process that no longer exists
(worker ids are ``host:pid``). The heartbeat is each host's clock (seconds since the epoch):
hosts sharing a study should keep their clocks in step (NTP), as for any heartbeat shorter than
the clock skew would be unreliable.

A finished finalisation is told PRUNED (Optuna's samplers and Pareto views ignore it; it has
no objective values) with ``test_accuracy``, ``recipe``, ``train_time_s`` and ``weights``; a job
that failed, was interrupted, lost its claim or went silent is told FAIL with ``fail_reason``.
Only public storage methods are used (``create_new_trial``, ``set_trial_user_attr``,
``set_trial_state_values``, ``get_trial``, ``get_trial_id_from_study_id_trial_number``).

A worker taken over while still alive (its heartbeats did not reach the storage in time) learns
it before its next write to the unit's folder (:meth:`Claim.held`) and stops without writing:
only a write it began before the take-over can still land, and it lands whole (every write has
a temporary file of its own, :mod:`nas.atomic`).
"""

from __future__ import annotations

import datetime as dt
import os
import socket
import threading
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

import optuna
from optuna.exceptions import UpdateFinishedTrialError
from optuna.trial import TrialState

from nas.finalizing.recipes import setting_differences
from nas.study import attrs as A
from nas.study.record import TrialKind, TrialRecord, read_records
from nas.training import TrainSettings


def last_seen(record: TrialRecord) -> float:
    """When a claim's worker last showed life (seconds since the epoch).

    Claims store their heartbeat from their creation on; the trial's start time (a naive local
    time, ambiguous across time zones) is only a fallback for a claim without one.
    """
    if record.heartbeat is not None:
        return record.heartbeat
    return record.started.timestamp() if isinstance(record.started, dt.datetime) else 0.0


def gone(worker: str | None) -> bool:
    """Whether ``worker`` (a ``host:pid`` id) ran on this host in a process that no longer exists.

    A worker of another host, or whose pid exists (perhaps reused by another process), is not gone.
    """
    host, _, pid = (worker or "").rpartition(":")
    if host != socket.gethostname() or not pid.isdigit():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except PermissionError:  # it exists, as another user's process
        return False
    except OverflowError:  # no system has such a pid
        return True
    return False


def silent(record: TrialRecord, grace: float, now: float) -> bool:
    """Whether a RUNNING claim's worker is taken for dead: silent for longer than ``grace``
    seconds, or :func:`gone`."""
    return now - last_seen(record) > grace or gone(record.worker)


@dataclass(frozen=True)
class UnitState:
    """Where the unit "finalise trial N with these settings" stands.

    Attributes:
        done: the first finished finalisation of N with the settings (``None``: not finalised yet).
        live: RUNNING claims on N with the settings whose worker is alive, lowest first.
        stale: RUNNING claims on N with the settings whose worker went silent or is gone.
        failed: finished finalisation trials of N with the settings, without a result (failed,
            interrupted, withdrawn).
        other: finished finalisations of N with other settings, and live claims on N with them.
    """

    done: TrialRecord | None
    live: tuple[TrialRecord, ...]
    stale: tuple[TrialRecord, ...]
    failed: tuple[TrialRecord, ...]
    other: tuple[TrialRecord, ...] = ()


def same_unit(record: TrialRecord, settings: TrainSettings | None) -> bool:
    """Whether a finalisation trial trains with ``settings`` (``None``: any settings). A claim that
    does not store its settings counts for every recipe."""
    return settings is None or record.recipe is None or not setting_differences(record.recipe, settings)


def unit_state(records: Sequence[TrialRecord], target: int, grace: float, now: float | None = None,
               settings: TrainSettings | None = None) -> UnitState:
    """The state of the unit "finalise trial ``target`` with ``settings``" in a study's records
    (``settings=None``: with any settings)."""
    now = time.time() if now is None else now
    trials = sorted((r for r in records if r.kind == TrialKind.FINAL and r.finalizes == target),
                    key=lambda r: r.number)
    jobs = [r for r in trials if same_unit(r, settings)]
    mine = {r.number for r in jobs}
    done = next((r for r in jobs if r.final is not None), None)
    running = [r for r in jobs if r.state == TrialState.RUNNING.name]
    live = tuple(r for r in running if not silent(r, grace, now))
    stale = tuple(r for r in running if silent(r, grace, now))
    failed = tuple(r for r in jobs if r.state != TrialState.RUNNING.name and r.final is None)
    other = tuple(r for r in trials if r.number not in mine and (
        r.final is not None or (r.state == TrialState.RUNNING.name and not silent(r, grace, now))))
    return UnitState(done, live, stale, failed, other)


class _StoredTrial:
    """A running trial written through its storage (what :mod:`nas.study.attrs` writes to)."""

    def __init__(self, storage: optuna.storages.BaseStorage, trial_id: int) -> None:
        self.storage, self.trial_id = storage, trial_id

    def set_user_attr(self, key: str, value: Any) -> None:
        self.storage.set_trial_user_attr(self.trial_id, key, value)


def end_trial(storage: optuna.storages.BaseStorage, study_id: int, number: int, state: TrialState,
              reason: str | None = None) -> bool:
    """Tell trial ``number`` ``state`` (with ``fail_reason``); ``False`` if it had already finished."""
    trial = _StoredTrial(storage, storage.get_trial_id_from_study_id_trial_number(study_id, number))
    try:
        if reason is not None:
            A.write_failure(trial, reason)
        return bool(storage.set_trial_state_values(trial.trial_id, state))
    except UpdateFinishedTrialError:
        return False


class Claim:
    """A won claim on one unit: its finalisation trial, kept alive by a heartbeat thread.

    Use as a context manager: the heartbeat runs inside it. ``lost`` turns true when the trial
    was finished by someone else (this worker was taken for dead); training should then stop.
    Before each write to the unit's folder the worker asks :meth:`held`, so that a worker taken
    over while still alive never writes beside the new owner.

    Args:
        since: when the claim was stored with its first heartbeat (seconds since the epoch).
    """

    def __init__(self, storage: optuna.storages.BaseStorage, study_id: int, trial_id: int, number: int,
                 target: int, heartbeat: float, grace: float, since: float) -> None:
        self.storage, self.study_id, self.trial_id = storage, study_id, trial_id
        self.number, self.target, self.heartbeat, self.grace = number, target, heartbeat, grace
        self.lost = False
        self._last_beat = since
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def _beat(self) -> None:
        trial = _StoredTrial(self.storage, self.trial_id)
        while not self._stop.wait(self.heartbeat):
            try:
                now = time.time()
                A.write_heartbeat(trial, now)
                self._last_beat = now
            except UpdateFinishedTrialError:
                self.lost = True
                return
            except Exception:  # a storage hiccup: the next beat tries again
                continue

    def held(self) -> bool:
        """Whether this worker still holds the claim, read from the storage.

        ``False`` (and ``lost``) once the claim's trial was finished by another worker, which
        takes the unit over. When the storage cannot be read, the claim counts as held only while
        its last stored heartbeat is within the grace period: until then no worker takes it over.
        """
        if self.lost:
            return False
        try:
            state = self.storage.get_trial(self.trial_id).state
        except Exception:  # a storage hiccup: judged by what other workers see of this one
            return time.time() - self._last_beat <= self.grace
        if state != TrialState.RUNNING:
            self.lost = True
        return not self.lost

    def __enter__(self) -> Claim:
        self._thread = threading.Thread(target=self._beat, name=f"nas-finalize-heartbeat-{self.number}", daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()

    def finish(self, test_accuracy: float, recipe: dict[str, Any], train_time_s: float, weights: str) -> bool:
        """Record the result and end the claim (PRUNED); ``False`` if the claim was lost meanwhile."""
        trial = _StoredTrial(self.storage, self.trial_id)
        try:
            A.write_final(trial, test_accuracy, recipe, train_time_s, weights)
            return bool(self.storage.set_trial_state_values(self.trial_id, TrialState.PRUNED))
        except UpdateFinishedTrialError:
            self.lost = True
            return False

    def fail(self, reason: str) -> None:
        """End the claim as FAIL with ``reason`` (nothing happens if it has already ended)."""
        end_trial(self.storage, self.study_id, self.number, TrialState.FAIL, reason)


@dataclass(frozen=True)
class Busy:
    """The unit is being finalised by another live claim (or is already done: ``done``)."""

    by: TrialRecord | None = None
    done: TrialRecord | None = None


def _stale_reason(record: TrialRecord, grace: float) -> str:
    if gone(record.worker):
        return f"worker {record.worker} no longer runs (its process on this host is gone)"
    return f"worker {record.worker} silent for longer than the grace period ({grace:g} s)"


def try_claim(study: optuna.Study, storage: optuna.storages.BaseStorage, target: int, worker: str,
              heartbeat: float, grace: float, settings: TrainSettings | None = None) -> Claim | Busy:
    """Claim the unit "finalise trial ``target`` with ``settings``" unless it is done or held by a
    live claim.

    Stale claims on it are failed first. The claim is made by creating a finalisation trial and
    kept only if no lower-numbered live claim (and no finished finalisation) exists once it is
    stored; otherwise it is withdrawn (FAIL) and :class:`Busy` is returned.

    Args:
        settings: the training settings, stored with the claim (``None``: the unit is the trial
            with any settings, and the claim stores none).

    Returns:
        A :class:`Claim` (not yet started as a context manager) or :class:`Busy`.
    """
    state = unit_state(read_records(study), target, grace, settings=settings)
    if state.done is not None:
        return Busy(done=state.done)
    if state.live:
        return Busy(by=state.live[0])
    study_id = storage.get_study_id_from_name(study.study_name)
    for stale in state.stale:
        end_trial(storage, study_id, stale.number, TrialState.FAIL, _stale_reason(stale, grace))
    since = time.time()
    recipe = None if settings is None else asdict(settings)
    template = A.claim_trial(worker, target, since, recipe)
    trial_id = storage.create_new_trial(study_id, template_trial=template)
    number = storage.get_trial_number_from_id(trial_id)
    state = unit_state(read_records(study), target, grace, settings=settings)
    first = next((r for r in state.live if r.number < number), None)
    if state.done is not None or first is not None:
        reason = (f"trial {target} was finalised by trial {state.done.number} meanwhile" if state.done is not None
                  else f"trial {first.number} claimed trial {target} first")  # type: ignore[union-attr]
        end_trial(storage, study_id, number, TrialState.FAIL, reason)
        return Busy(by=first, done=state.done)
    return Claim(storage, study_id, trial_id, number, target, heartbeat, grace, since)


__all__ = ["Busy", "Claim", "UnitState", "end_trial", "gone", "last_seen", "same_unit", "silent", "try_claim",
           "unit_state"]
