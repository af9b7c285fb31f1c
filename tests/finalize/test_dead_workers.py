"""A finalisation worker that died: its claim is taken over (at once when it ran on this host
and its process is gone), and the command's exit says what is left undone, not who died."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time

import pytest

from nas.errors import NasError
from nas.finalizing.claims import Claim, try_claim, unit_state
from nas.finalizing.run import judge_jobs
from nas.study.record import TrialKind, read_records
from nas.study.stored import open_stored


def gone_pid() -> int:
    """The pid of a process that has ended (and was reaped)."""
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def test_a_claim_of_a_dead_process_on_this_host_is_stale_at_once(study):
    s, url = study
    st, storage, _ = open_stored("t", url)
    dead = f"{socket.gethostname()}:{gone_pid()}"
    mine = try_claim(st, storage, 4, dead, 1.0, 600.0)  # fresh heartbeat, a grace of ten minutes
    assert isinstance(mine, Claim)
    state = unit_state(read_records(s), 4, 600.0)
    assert [r.number for r in state.stale] == [mine.number] and not state.live
    taken = try_claim(st, storage, 4, "other:1", 1.0, 600.0)
    assert isinstance(taken, Claim)  # no waiting for the grace period
    failed = next(r for r in read_records(s) if r.number == mine.number)
    assert failed.state == "FAIL" and dead in failed.fail_reason and "no longer runs" in failed.fail_reason


def test_a_claim_of_a_live_process_or_another_host_waits_for_the_grace_period(study):
    s, url = study
    st, storage, _ = open_stored("t", url)
    try_claim(st, storage, 4, f"{socket.gethostname()}:{os.getpid()}", 1.0, 600.0)
    try_claim(st, storage, 0, f"elsewhere:{gone_pid()}", 1.0, 600.0)
    records = read_records(s)
    for target in (4, 0):
        state = unit_state(records, target, 600.0)
        assert len(state.live) == 1 and not state.stale


def test_jobs_are_judged_by_what_is_left_undone():
    assert judge_jobs([0, 0], undone=[]) is None
    note = judge_jobs([0, -9], undone=[])
    assert note is not None and "job 1 was killed by signal 9" in note and "\n" not in note
    with pytest.raises(NasError, match="job 1 was killed by signal 9.*re-run"):
        judge_jobs([0, -9], undone=[4])
    with pytest.raises(NasError, match="stopped on an error"):
        judge_jobs([2, 0], undone=[4])
    assert judge_jobs([2, 0], undone=[]) is not None


@pytest.mark.slow
def test_a_killed_job_whose_work_is_taken_over_ends_well(study, tmp_path):
    s, url = study  # heartbeat 1 s, grace 3 s
    cmd = [sys.executable, "-m", "nas.cli.main", "finalize", "t", "--storage", url, "--trials", "4,0", "--jobs", "2",
           "--epochs", "40", "--batch-size", "32", "--threads", "1", "--no-progress"]
    proc = subprocess.Popen(cmd, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    seen, claims, killed = [], {}, None
    assert proc.stderr is not None
    for line in proc.stderr:  # kill the job that trains first, once its first epoch is done
        seen.append(line)
        started = re.match(r"nas finalize \(job (\d)\): trial \d+ .*\(finalisation trial (\d+)\)", line)
        if started:
            claims[started[1]] = int(started[2])
        epoch = re.match(r"nas finalize \(job (\d)\): trial \d+: epoch 1/", line)
        if epoch and killed is None:
            worker = next(r.worker for r in read_records(s) if r.number == claims[epoch[1]])
            os.kill(int(worker.rsplit(":", 1)[1]), signal.SIGKILL)
            killed = time.monotonic()
            break
    out, err = proc.communicate(timeout=300)
    err = "".join(seen) + err
    assert killed is not None, err
    assert proc.returncode == 0, err
    assert "Warning" not in err and "leaked" not in err and "resource_tracker" not in err
    assert "killed by signal 9" in err
    done = [r for r in read_records(s) if r.kind == TrialKind.FINAL and r.final is not None]
    assert sorted(r.finalizes for r in done) == [0, 4]
