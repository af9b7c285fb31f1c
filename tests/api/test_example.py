"""``examples/search_to_model.py`` runs from a space file to a trained model (on synthetic data)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]


def test_the_example_goes_from_a_space_to_a_trained_model(tmp_path):
    space = tmp_path / "space.yaml"
    space.write_text("name: small\ninput: dataset\nclasses: dataset\nstem: {kind: [conv], channels: [8, 12]}\n"
                     "stages:\n  - {family: [conv], depth: [1], channels: [16, 24], stride: 2}\n"
                     "head: {hidden: [null]}\n")
    out = tmp_path / "out"
    proc = subprocess.run(
        [sys.executable, str(ROOT / "examples" / "search_to_model.py"), "--space", str(space), "--dataset",
         "synthetic:1x8x8:4:2400", "--max-flops", "10M", "--trials", "2", "--epochs", "1", "--final-epochs", "1",
         "--out", str(out)],
        capture_output=True, text=True, timeout=600, env={"OMP_NUM_THREADS": "1", "PATH": "/usr/bin:/bin",
                                                          "PYTHONPATH": str(ROOT)})
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "test accuracy" in proc.stdout
    assert (out / "best" / "model.pt").is_file() and (out / "pareto.html").is_file()
    assert yaml.safe_load((out / "best.yaml").read_text())["meta"]["study"] == "example"
