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

from nas.study.storage import open_storage

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


PROBE = """
import multiprocessing as mp, os, sys
sys.path.insert(0, {root!r})

def child(parent, setup):
    from tqdm.auto import tqdm
    from tqdm.std import TqdmDefaultWriteLock
    if setup:
        from nas.processes import setup_worker_process
        setup_worker_process(parent)
    tqdm(total=1, disable=True).close()  # every bar, drawn or not, takes tqdm's lock
    print(getattr(TqdmDefaultWriteLock, "mp_lock", None) is not None, flush=True)

if __name__ == "__main__":
    for setup in (False, True):
        p = mp.get_context("spawn").Process(target=child, args=(os.getpid(), setup))
        p.start()
        p.join()
"""


def test_worker_processes_create_no_cross_process_lock(tmp_path):
    script = tmp_path / "probe.py"
    script.write_text(PROBE.format(root=str(ROOT)))
    proc = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-2000:]
    # Without the setup a spawned process's bar makes a semaphore; a worker's makes none.
    assert proc.stdout.split() == ["True", "False"], proc.stdout + proc.stderr[-2000:]
    assert "leaked" not in proc.stderr


@pytest.mark.slow
@pytest.mark.filterwarnings("ignore::optuna.exceptions.ExperimentalWarning")
def test_a_sigkilled_worker_leaves_no_python_warning(tiny_space, tmp_path):
    # A worker process holding a cross-process lock (a named semaphore) when it is killed leaves
    # the semaphore behind, and Python's resource tracker warns about it when the command ends.
    # The victim has trained a trial already, so any lock its training takes exists by now.
    url = f"sqlite:///{tmp_path}/leak.db"
    cmd = search_cmd(tiny_space, "leak", url, 4, "--jobs", "2", "--heartbeat", "1", "--grace", "3",
                     "--epochs", "4", "--train-subset", "1024")
    proc = subprocess.Popen(cmd, cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    study, victim = None, None

    def second_trial_running():
        nonlocal study, victim
        try:
            study = study or optuna.load_study(study_name="leak", storage=url)
        except KeyError:
            return False
        trials = study.get_trials()
        done = {t.user_attrs.get("worker") for t in trials if t.state == TrialState.COMPLETE}
        victim = next((t.user_attrs["worker"] for t in trials if t.state == TrialState.RUNNING
                       and t.user_attrs.get("training") and t.user_attrs.get("worker") in done), None)
        return victim is not None

    try:
        wait_for(second_trial_running, 300, "a worker training its second trial")
        os.kill(int(victim.rsplit(":", 1)[1]), signal.SIGKILL)
        _, err = proc.communicate(timeout=600)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert "was killed by signal 9" in err, err[-2000:]
    assert "Warning" not in err and "leaked" not in err and "resource_tracker" not in err, err[-2000:]
