"""Studies written by `nas search` are ordinary Optuna studies: the stock `optuna` CLI reads them."""

import json
import shutil
import subprocess
import sys
from pathlib import Path

import optuna
import pytest

SPACE = """\
name: cli
input: dataset
classes: dataset
stem: {kind: conv, channels: [8, 16]}
stages:
  - {family: [bneck, conv], depth: [1, 2], channels: [16, 24], stride: 2, hetconv_p: [1, 2]}
head: {hidden: [null, 32]}
"""


def test_optuna_cli_reads_the_study(tmp_path):
    optuna_cli = shutil.which("optuna") or str(Path(sys.executable).with_name("optuna"))
    if not Path(optuna_cli).exists():
        pytest.skip("the optuna console script is not installed")
    (tmp_path / "space.yaml").write_text(SPACE)
    url = f"sqlite:///{tmp_path}/t.db"
    proc = subprocess.run(
        [sys.executable, "-m", "nas.cli.main", "search", "space.yaml", "--max-flops", "1M", "--trials", "2",
         "--dataset", "synthetic", "--epochs", "1", "--train-subset", "256", "--val-size", "128", "--batch-size", "64",
         "--study", "t", "--storage", url, "--jobs", "1", "--no-progress"],
        cwd=tmp_path, capture_output=True, text=True, timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    trials = subprocess.run([optuna_cli, "trials", "--study-name", "t", "--storage", url, "-f", "json"],
                            capture_output=True, text=True, timeout=120)
    assert trials.returncode == 0, trials.stderr
    rows = [r for r in json.loads(trials.stdout) if r["state"] == "COMPLETE"]
    assert len(rows) == 2
    assert all("accuracy" in json.dumps(r) and "notation" in json.dumps(r) for r in rows)
    best = subprocess.run([optuna_cli, "best-trials", "--study-name", "t", "--storage", url, "-f", "json"],
                          capture_output=True, text=True, timeout=120)
    assert best.returncode == 0 and json.loads(best.stdout)
    assert optuna.load_study(study_name="t", storage=url).metric_names == ["accuracy", "flops"]
