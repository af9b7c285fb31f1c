"""Many workers on one study: the target count is shared, nothing is evaluated twice, and a
worker killed mid-trial loses nothing (its trial fails after the grace period and is retried)."""

import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import optuna
import pytest
from optuna.storages import RetryHeartbeatStaleTrialCallback
from optuna.trial import TrialState

from nas.searching.storage import open_storage

ROOT = Path(__file__).resolve().parents[2]
POSTGRES = os.environ.get("NAS_TEST_POSTGRES_URL", "postgresql://nas:nas@127.0.0.1:5432/nas")


def search_cmd(space, study, storage=None, trials=6, *extra):
    cmd = [sys.executable, "-m", "nas.cli.main", "search", str(space), "--max-flops", "1M", "--trials", str(trials),
           "--study", study, "--dataset", "synthetic", "--epochs", "1", "--train-subset", "256", "--val-size", "128",
           "--batch-size", "64", "--threads", "1", "--no-progress", *extra]
    if "--jobs" not in extra:
        cmd += ["--jobs", "1"]
    return cmd + (["--storage", storage] if storage else [])


def check_study(study, target):
    trials = study.get_trials()
    complete = [t for t in trials if t.state == TrialState.COMPLETE]
    assert len(complete) == target
    numbers = [t.number for t in trials]
    assert len(numbers) == len(set(numbers))
    notations = [t.user_attrs["notation"] for t in complete]
    assert len(notations) == len(set(notations)), "an architecture was evaluated twice"
    return trials


def postgres_or_skip():
    try:
        storage = open_storage(POSTGRES)
    except Exception as exc:  # noqa: BLE001 - any failure means no server here
        pytest.skip(f"no PostgreSQL server at {POSTGRES.split('@')[-1]} ({exc}); .ci/run starts one")
    return storage


def test_two_jobs_on_one_host_default_storage(tiny_space, tmp_path):
    proc = subprocess.run(search_cmd(tiny_space, "jobs2", None, 6, "--jobs", "2"), cwd=tmp_path,
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-2000:]
    study = optuna.load_study(study_name="jobs2", storage=f"sqlite:///{tmp_path}/studies/jobs2.db")
    trials = check_study(study, 6)
    assert len({t.user_attrs["worker"] for t in trials if t.state == TrialState.COMPLETE}) == 2


@pytest.mark.postgres
def test_three_workers_on_postgresql(tiny_space, tmp_path):
    postgres_or_skip()
    name = f"pg-{uuid.uuid4().hex[:8]}"
    procs = [subprocess.Popen(search_cmd(tiny_space, name, POSTGRES, 12), cwd=tmp_path, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True) for _ in range(3)]
    for p in procs:
        _, err = p.communicate(timeout=900)
        assert p.returncode == 0, err[-2000:]
    study = optuna.load_study(study_name=name, storage=POSTGRES)
    trials = check_study(study, 12)
    assert len({t.user_attrs["worker"] for t in trials if "worker" in t.user_attrs}) == 3


def wait_for(predicate, timeout, what):
    end = time.time() + timeout
    while time.time() < end:
        if predicate():
            return
        time.sleep(0.5)
    raise AssertionError(f"timed out waiting for {what}")


@pytest.mark.parametrize("backend", ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
@pytest.mark.filterwarnings("ignore::optuna.exceptions.ExperimentalWarning")
def test_killed_worker_is_retried_and_nothing_is_lost(tiny_space, tmp_path, backend):
    if backend == "postgresql":
        postgres_or_skip()
        url = POSTGRES
    else:
        url = f"sqlite:///{tmp_path}/kill.db"
    name = f"kill-{uuid.uuid4().hex[:8]}"
    # Long enough trials that the kill lands mid-training.
    slow = ["--heartbeat", "1", "--grace", "4", "--epochs", "4", "--train-subset", "1024"]
    first = subprocess.Popen(search_cmd(tiny_space, name, url, 4, *slow), cwd=tmp_path,
                             stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    study = None

    def training_now():
        nonlocal study
        try:
            study = study or optuna.load_study(study_name=name, storage=url)
        except KeyError:
            return False
        done = sum(t.state == TrialState.COMPLETE for t in study.get_trials())
        running = [t for t in study.get_trials(states=(TrialState.RUNNING,)) if t.user_attrs.get("training")]
        return done >= 1 and bool(running)

    wait_for(training_now, 300, "a second trial in training")
    victim = next(t for t in study.get_trials(states=(TrialState.RUNNING,)) if t.user_attrs.get("training"))
    first.send_signal(signal.SIGKILL)
    first.wait()
    complete_before = {t.number: t.values for t in study.get_trials() if t.state == TrialState.COMPLETE}
    assert study.get_trials()[victim.number].state == TrialState.RUNNING  # left behind by the dead worker

    # Re-running the same command fails the stale trial after the grace period, retries it, and
    # finishes the remaining trials.
    again = subprocess.run(search_cmd(tiny_space, name, url, 4, *slow), cwd=tmp_path,
                           capture_output=True, text=True, timeout=600)
    assert again.returncode == 0, again.stderr[-2000:]
    study = optuna.load_study(study_name=name, storage=url)
    trials = check_study(study, 4)
    assert trials[victim.number].state == TrialState.FAIL
    retries = [t for t in trials if RetryHeartbeatStaleTrialCallback.retried_trial_number(t) == victim.number]
    assert retries and any(t.state == TrialState.COMPLETE for t in retries)
    for number, values in complete_before.items():
        assert trials[number].state == TrialState.COMPLETE and trials[number].values == values
