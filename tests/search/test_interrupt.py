"""Ctrl-C stops a search cleanly: finished trials are kept, the interrupted one is not COMPLETE."""

import signal
import subprocess
import sys
import time

import optuna
import pytest
from optuna.trial import TrialState


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_ctrl_c_keeps_finished_trials(tiny_space, tmp_path, jobs):
    url = f"sqlite:///{tmp_path}/int.db"
    cmd = [sys.executable, "-m", "nas.cli.main", "search", str(tiny_space), "--max-flops", "1M", "--trials", "6",
           "--study", "int", "--storage", url, "--dataset", "synthetic", "--epochs", "6", "--train-subset", "1024",
           "--val-size", "128", "--batch-size", "64", "--no-progress", "--jobs", jobs, "--threads", "1"]
    proc = subprocess.Popen(cmd, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.time() + 300
    study = None
    while time.time() < deadline:
        time.sleep(0.5)
        try:
            study = study or optuna.load_study(study_name="int", storage=url)
        except KeyError:
            continue
        trials = study.get_trials()
        if any(t.state == TrialState.COMPLETE for t in trials) and any(
            t.state == TrialState.RUNNING and t.user_attrs.get("training") for t in trials
        ):
            break
    else:
        proc.kill()
        raise AssertionError("the search never reached a second trial in training")
    running = next(t.number for t in study.get_trials() if t.state == TrialState.RUNNING and t.user_attrs.get("training"))
    complete = {t.number: t.values for t in study.get_trials() if t.state == TrialState.COMPLETE}
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 130, err[-2000:]
    assert "interrupted" in err and "Traceback" not in err
    # Besides one line per finished trial, the interruption is one line.
    other = [ln for ln in err.splitlines() if ln.strip() and not ln.startswith("nas search: trial ")]
    assert len(other) == 1 and "interrupted" in other[0], err[-2000:]
    trials = optuna.load_study(study_name="int", storage=url).get_trials()
    assert trials[running].state == TrialState.FAIL
    assert not any(t.state == TrialState.RUNNING for t in trials)
    for number, values in complete.items():
        assert trials[number].state == TrialState.COMPLETE and trials[number].values == values
