"""``nas finalize`` from the command line: the journey, and one-line refusals that leave the
study untouched and create nothing."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import pytest

from nas.cli.main import main
from nas.report.counts import screening
from nas.study.record import TrialKind, read_records


def digest(url: str) -> str:
    return hashlib.sha256(Path(url.removeprefix("sqlite:///")).read_bytes()).hexdigest()


def one_line_error(capsys, argv):
    """Run ``nas ARGV``; it must fail with exit code 2 and exactly one line on stderr."""
    try:
        code = main(argv)
    except SystemExit as exc:  # argparse's own errors
        code = exc.code
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and len(err) == 1, err
    return err[0]


OPTS = ["--epochs", "1", "--batch-size", "32", "--threads", "1", "--no-progress"]


@pytest.mark.parametrize("extra, message", [
    (["--top", "0"], "--top: expected an integer from 1"),
    (["--top", "-1"], "--top: expected an integer from 1"),
    (["--top", "x"], "--top: expected an integer"),
    (["--trials", "99"], "no trial 99"),
    (["--trials", "3"], "trial 3 of 't' was not trained (over budget)"),
    (["--trials", "1,x"], "--trials: expected trial numbers"),
    (["--trials", ""], "--trials: expected trial numbers"),
    (["--trials", "1", "--top", "2"], "not allowed with argument"),
    (["--epochs", "0"], "--epochs must be a whole number from 1 to 10,000, got 0"),
    (["--epochs", "two"], "--epochs: expected an integer, got 'two'"),
    (["--jobs", "0"], "--jobs: expected an integer from 1"),
    (["--jobs", "many"], "--jobs: expected an integer"),
    (["--threads", "0"], "--threads: expected an integer from 1"),
    (["--lr", "nan"], "--lr must be a finite number > 0"),
    (["--device", "tpu"], "unknown device"),
    (["--weights-dir", "afile"], "--weights-dir: afile is a file"),
])
def test_bad_options_are_refused_in_one_line_and_touch_nothing(study, tmp_path, capsys, monkeypatch, extra,
                                                               message):
    s, url = study
    monkeypatch.chdir(tmp_path)
    (tmp_path / "afile").write_text("")
    before = digest(url)
    line = one_line_error(capsys, ["finalize", "t", "--storage", url, *OPTS, *extra])
    assert message in line
    assert digest(url) == before and not (tmp_path / "runs").exists()


def test_unknown_study_or_storage_creates_nothing(study, tmp_path, capsys, monkeypatch):
    s, url = study
    monkeypatch.chdir(tmp_path)
    assert "no study 'nope'" in one_line_error(capsys, ["finalize", "nope"])
    assert not (tmp_path / "studies").exists()
    assert "no study 'nope' in" in one_line_error(capsys, ["finalize", "nope", "--storage", url])
    missing = f"sqlite:///{tmp_path}/none/x.db"
    assert "does not exist" in one_line_error(capsys, ["finalize", "t", "--storage", missing])
    assert not (tmp_path / "none").exists()
    assert "not a database URL" in one_line_error(capsys, ["finalize", "t", "--storage", "nonsense"])
    assert not (tmp_path / "runs").exists()


def test_a_study_with_nothing_trained_is_refused(untrained_study, tmp_path, capsys, monkeypatch):
    s, url = untrained_study
    monkeypatch.chdir(tmp_path)
    before = digest(url)
    assert "no trained trial within its budget" in one_line_error(capsys, ["finalize", "u", "--storage", url, *OPTS])
    assert digest(url) == before


def test_a_missing_data_set_is_refused_before_anything_is_written(study, tmp_path, capsys, monkeypatch):
    s, url = study
    s.set_user_attr("settings", {**s.user_attrs["settings"], "dataset": "fashion-mnist"})
    monkeypatch.chdir(tmp_path)
    before = digest(url)
    line = one_line_error(capsys, ["finalize", "t", "--storage", url, *OPTS, "--data-dir", str(tmp_path / "no")])
    assert "fashion-mnist" in line.lower() or "no" in line
    assert digest(url) == before


@pytest.mark.slow
def test_finalize_then_status(study, tmp_path, capsys, monkeypatch):
    s, url = study
    monkeypatch.chdir(tmp_path)
    # One job, in this process, so that capsys sees its lines.
    assert main(["finalize", "t", "--storage", url, "--top", "2", "--with-presets", "--jobs", "1", *OPTS]) == 0
    out, err = capsys.readouterr()
    rows = [line for line in out.splitlines() if line.startswith("trial")]
    assert [int(r.split()[1]) for r in rows] == [4, 0, 5] and all(" test " in r for r in rows)
    assert "trial 4: test accuracy" in err and "epoch 1/1" in err
    assert (tmp_path / "runs" / "t" / "trial-4" / "model.pt").is_file()
    finalised = {r.number for r in read_records(s) if r.kind != TrialKind.FINAL and r.final is not None}
    assert finalised == {0, 4, 5}
    # Re-running trains nothing.
    assert main(["finalize", "t", "--storage", url, "--top", "2", "--with-presets", *OPTS]) == 0
    out, err = capsys.readouterr()
    assert "epoch 1/1" not in err and "training 1 epochs" not in err and len([r for r in out.splitlines() if r.startswith("trial")]) == 3
    assert main(["status", "t", "--storage", url]) == 0
    status = capsys.readouterr().out
    assert "finalised (nas finalize): 3 trials, 0 being trained" in status
    assert "trials: 4/24 complete, 0 running" in status and " test " in status
    # The report counts each finalised search trial once, as status does (trials 0 and 4; 5 is a preset).
    assert screening(read_records(s)).finalised == 2


@pytest.mark.slow
def test_jobs_share_the_work_in_processes(study, tmp_path, capfd, monkeypatch):
    s, url = study
    monkeypatch.chdir(tmp_path)
    assert main(["finalize", "t", "--storage", url, "--trials", "4,0,2", "--jobs", "2", *OPTS]) == 0
    err = capfd.readouterr().err  # the jobs write to the inherited stderr
    done = [r for r in read_records(s) if r.kind == TrialKind.FINAL and r.final is not None]
    assert sorted(r.finalizes for r in done) == [0, 2, 4]  # each once
    assert err.count(": training 1 epochs in") == 3


@pytest.mark.slow
def test_default_jobs_follow_the_machine_and_epoch_lines_say_the_time_left(study, tmp_path, capfd, monkeypatch):
    from nas.searching.settings import default_jobs

    s, url = study
    monkeypatch.chdir(tmp_path)
    assert main(["finalize", "t", "--storage", url, "--trials", "4,0", "--epochs", "2", "--batch-size", "32",
                 "--no-progress"]) == 0
    err = capfd.readouterr().err
    two = min(default_jobs(), 2) == 2  # two one-thread workers on a CPU with two cores or more
    assert ("(job 1)" in err) == two and ("(job 0)" in err) == two
    lines = [line for line in err.splitlines() if "epoch 1/2" in line]
    assert len(lines) == 2
    for line in lines:
        assert re.search(r"epoch 1/2, training loss \d+\.\d{4}, \d+ s elapsed, about \d+ s left$", line), line


def test_help_explains_every_option_and_states_defaults_once(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["finalize", "--help"])
    assert exc.value.code == 0
    text = " ".join(capsys.readouterr().out.split())
    for option in ("--storage", "--top", "--trials", "--with-presets", "--epochs", "--jobs", "--weights-dir",
                   "--threads", "--data-dir", "--device", "--no-progress", "--lr", "--batch-size"):
        assert option in text
    for default in ("(default: 3)", "(default: 15)", "(default: runs/STUDY)"):
        assert text.count(default) == 1, default
