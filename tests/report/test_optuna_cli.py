"""Studies written by `nas search` are ordinary Optuna studies: the stock `optuna` CLI reads them."""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import optuna
import pytest

import nas

SPACE = """\
name: cli
input: dataset
classes: dataset
stem: {kind: conv, channels: [8, 16]}
stages:
  - {family: [bneck, conv], depth: [1, 2], channels: [16, 24], stride: 2, hetconv_p: [1, 2]}
head: {hidden: [null, 32]}
"""


def _optuna_cli() -> str:
    beside = Path(sys.executable).with_name("optuna")
    found = str(beside) if beside.exists() else shutil.which("optuna")
    if found is None:
        pytest.skip("the optuna console script is not installed")
    return found


def test_optuna_cli_reads_the_study(tmp_path):
    optuna_cli = _optuna_cli()
    (tmp_path / "space.yaml").write_text(SPACE)
    url = f"sqlite:///{tmp_path}/t.db"
    # The search runs in tmp_path; make sure it imports this checkout's package.
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(
        [str(Path(nas.__file__).parents[1]), *filter(None, [os.environ.get("PYTHONPATH")])])}
    proc = subprocess.run(
        [sys.executable, "-m", "nas.cli.main", "search", "space.yaml", "--max-flops", "1M", "--trials", "2",
         "--dataset", "synthetic", "--epochs", "1", "--train-subset", "256", "--val-size", "128", "--batch-size", "64",
         "--study", "t", "--storage", url, "--jobs", "1", "--no-progress"],
        cwd=tmp_path, env=env, check=False, capture_output=True, text=True, timeout=300,
    )
    assert proc.returncode == 0, proc.stderr

    trials = subprocess.run([optuna_cli, "trials", "--study-name", "t", "--storage", url, "-f", "json"],
                            check=False, capture_output=True, text=True, timeout=120)
    assert trials.returncode == 0, trials.stderr
    rows = [r for r in json.loads(trials.stdout) if r["state"] == "COMPLETE"]
    assert len(rows) == 2
    for row in rows:
        assert set(row["values"]) == {"accuracy", "flops"}  # named objectives, as set by `nas search`
        assert 0 <= row["values"]["accuracy"] <= 1 and 0 < row["values"]["flops"] <= 1_000_000
        attrs = row["user_attrs"]
        assert attrs["flops"] == row["values"]["flops"] and attrs["params"] > 0
        assert attrs["notation"] and attrs["arch"]["input"] == "1x16x16"

    best = subprocess.run([optuna_cli, "best-trials", "--study-name", "t", "--storage", url, "-f", "json"],
                          check=False, capture_output=True, text=True, timeout=120)
    assert best.returncode == 0, best.stderr
    best_rows = json.loads(best.stdout)
    assert best_rows and {r["number"] for r in best_rows} <= {r["number"] for r in rows}

    assert optuna.load_study(study_name="t", storage=url).metric_names == ["accuracy", "flops"]
