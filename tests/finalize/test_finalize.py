"""Finalisation: results on the right trial, resume after an interrupt, shared work, take-over."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest
from optuna.trial import TrialState, create_trial

from nas.errors import NasError
from nas.finalizing.claims import try_claim, unit_state
from nas.finalizing.run import ALREADY, FINALISED, Plan, weights_folder, work
from nas.study import attrs as A
from nas.study.record import TrialKind, read_records
from nas.training import TrainSettings

DATASET = "synthetic:1x8x8:4:128"  # as in conftest.py

pytestmark = pytest.mark.slow


def plan(url, tmp_path, targets, epochs=1, **kw):
    return Plan(study="t", url=url, targets=tuple(targets), recipe=TrainSettings(epochs=epochs, batch_size=32),
                weights_dir=str(tmp_path / "runs"), dataset=DATASET, heartbeat=1.0, grace=3.0, **kw)


def finals(study):
    return [r for r in read_records(study) if r.kind == TrialKind.FINAL]


def test_results_go_to_the_right_trials(study, tmp_path):
    s, url = study
    lines = []
    assert work(plan(url, tmp_path, [4, 0]), say=lines.append) == {4: FINALISED, 0: FINALISED}
    records = {r.number: r for r in read_records(s)}
    for n in (4, 0):
        final = records[n].final
        assert final is not None and 0.0 <= final.test_accuracy <= 1.0
        assert final.recipe["epochs"] == 1 and final.recipe["batch_size"] == 32 and final.recipe["train_images"] == 128
        assert final.train_time_s > 0 and Path(final.weights).is_file()
        assert Path(final.weights).parent == weights_folder(tmp_path / "runs", n).resolve()
    assert all(records[n].final is None for n in (1, 2, 3, 5, 6, 7))
    jobs = finals(s)
    assert sorted(j.finalizes for j in jobs) == [0, 4] and all(j.state == "PRUNED" for j in jobs)
    # Any Optuna client reads the result from the finalisation trial's user attrs.
    raw = {t.user_attrs["finalizes"]: t.user_attrs for t in s.get_trials() if "finalizes" in t.user_attrs}
    assert raw[4]["test_accuracy"] == records[4].final.test_accuracy
    assert set(raw[4]) >= {"test_accuracy", "recipe", "train_time_s", "weights", "worker", "heartbeat"}
    # The search's view of the study is unchanged: finalisation trials are neither searched nor running.
    kinds = [r.kind for r in read_records(s) if r.kind != TrialKind.FINAL]
    assert kinds.count(TrialKind.SEARCHED) == 4 and TrialKind.RUNNING not in kinds


def test_an_interrupted_run_resumes_and_trains_nothing_twice(study, tmp_path):
    s, url = study
    p = plan(url, tmp_path, [4, 0], epochs=2)
    lines = []

    def say(line):
        lines.append(line)
        if line.startswith("trial 0: epoch 1/2"):
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        work(p, say=say)
    jobs = {j.finalizes: j for j in finals(s)}
    assert jobs[4].final is not None and jobs[0].state == "FAIL" and jobs[0].fail_reason == "interrupted"
    assert (weights_folder(p.weights_dir, 0) / "checkpoint.pt").is_file()

    again = []
    assert work(p, say=again.append) == {4: ALREADY, 0: FINALISED}
    assert [line for line in again if "epoch" in line and "training loss" in line] == [
        next(line for line in again if line.startswith("trial 0: epoch 2/2"))]
    assert any("resumed after epoch 1" in line for line in again)
    third = []
    assert work(p, say=third.append) == {4: ALREADY, 0: ALREADY} and third == []
    done = [j for j in finals(s) if j.final is not None]
    assert sorted(j.finalizes for j in done) == [0, 4]


def test_two_workers_share_the_work_without_duplicates(study, tmp_path):
    s, url = study
    p = plan(url, tmp_path, [4, 0, 2, 5])
    outcomes, lines = [{}, {}], [[], []]

    def run(i):
        outcomes[i] = work(p, index=i, say=lines[i].append)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    trained = [n for o in outcomes for n, what in o.items() if what == FINALISED]
    assert sorted(trained) == [0, 2, 4, 5]  # each trained exactly once, by one of the two
    done = [j for j in finals(s) if j.final is not None]
    assert sorted(j.finalizes for j in done) == [0, 2, 4, 5]
    assert not [j for j in finals(s) if j.state == "RUNNING"]
    starts = [line for w in lines for line in w if ": training 1 epochs in" in line]
    assert len(starts) == 4


def test_racing_claims_leave_one_winner(study, tmp_path):
    s, url = study
    from nas.study.stored import open_stored

    results = []

    def claim():
        st, storage, _ = open_stored("t", url)
        results.append(try_claim(st, storage, 4, "w", 1.0, 30.0))

    threads = [threading.Thread(target=claim) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    won = [r for r in results if hasattr(r, "trial_id")]
    assert len(won) == 1
    state = unit_state(read_records(s), 4, 30.0)
    assert [r.number for r in state.live] == [won[0].number]


def test_a_silent_workers_claim_is_taken_over_after_the_grace_period(study, tmp_path):
    s, url = study
    from nas.study.stored import open_stored

    st, storage, _ = open_stored("t", url)
    dead = try_claim(st, storage, 4, "dead-host:1", 1.0, 3.0)  # claimed, never beats: its worker "died"
    began = time.monotonic()
    lines = []
    assert work(plan(url, tmp_path, [4]), say=lines.append) == {4: FINALISED}
    assert time.monotonic() - began >= 2.0  # it waited for the claim to go silent
    assert any("being finalised by dead-host:1" in line for line in lines)
    jobs = {j.number: j for j in finals(s)}
    assert jobs[dead.number].state == "FAIL" and "silent for longer than the grace period" in jobs[dead.number].fail_reason
    assert [j.finalizes for j in jobs.values() if j.final is not None] == [4]


def test_a_worker_taken_for_dead_stops(study, tmp_path):
    s, url = study
    p = plan(url, tmp_path, [4], epochs=3)
    lines = []

    def say(line):
        lines.append(line)
        if line.startswith("trial 4: epoch 1/3"):
            job = next(j for j in finals(s) if j.state == "RUNNING")
            s.tell(job.number, state=TrialState.FAIL)  # what a worker that took it over does
            time.sleep(1.5)  # the heartbeat finds its trial finished

    assert work(p, say=say) == {4: "lost"}
    assert any("took this finalisation over" in line for line in lines)
    assert not [j for j in finals(s) if j.final is not None]


def test_a_worker_that_lost_its_claim_writes_nothing_more(study, tmp_path, monkeypatch):
    # Its heartbeats fail unseen (a storage error is retried at the next beat), another worker takes
    # the claim over after epoch 1: the first worker stops before its next checkpoint write.
    from nas.study import attrs as attrs_module
    from nas.training.checkpoint import load_checkpoint

    def beat_fails(trial, now):
        raise RuntimeError("database is locked")

    monkeypatch.setattr(attrs_module, "write_heartbeat", beat_fails)
    s, url = study
    p = plan(url, tmp_path, [4], epochs=3)
    folder = weights_folder(p.weights_dir, 4)
    lines = []

    def say(line):
        lines.append(line)
        if line.startswith("trial 4: epoch 1/3"):
            job = next(j for j in finals(s) if j.state == "RUNNING")
            s.tell(job.number, state=TrialState.FAIL)  # what a worker that took it over does

    assert work(p, say=say) == {4: "lost"}
    assert load_checkpoint(folder / "checkpoint.pt")["epoch"] == 1  # left as the new owner found it
    assert sorted(f.name for f in folder.iterdir()) == ["checkpoint.pt"]
    assert any("took this finalisation over" in line and "checkpoint" in line for line in lines)
    assert not [j for j in finals(s) if j.final is not None]


def test_a_grace_shorter_than_the_lock_wait_is_refused_before_claiming(study, tmp_path):
    s, url = study
    before = len(s.get_trials())
    with pytest.raises(NasError, match="grace"):
        work(Plan(study="t", url=url, targets=(4,), recipe=TrainSettings(epochs=1, batch_size=32),
                  weights_dir=str(tmp_path / "runs"), dataset=DATASET, heartbeat=0.5, grace=1.0))
    assert len(s.get_trials()) == before


def test_failed_finalisations_are_retried_and_read(study, tmp_path):
    s, url = study
    s.add_trial(create_trial(state=TrialState.FAIL, user_attrs={A.FINALIZES: 2, A.FAIL_REASON: "boom"}))
    assert work(plan(url, tmp_path, [2]), say=lambda line: None) == {2: FINALISED}
    records = {r.number: r for r in read_records(s)}
    assert records[2].final is not None and records[8].kind == TrialKind.FINAL and records[8].final is None


def test_the_report_shows_test_accuracy(study, tmp_path):
    s, url = study
    work(plan(url, tmp_path, [4]), say=lambda line: None)
    from nas.report.html import render_report

    page = render_report(s, tmp_path / "r.html").read_text()
    test = next(r for r in read_records(s) if r.number == 4).final.test_accuracy
    assert "<th>final test accuracy</th>" in page and f"<td>{test:.2%}</td>" in page
    assert "1 finalisation jobs (nas finalize)" in page
