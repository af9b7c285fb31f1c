"""benchmarks/recipe_calibration.py: the plan's syntax, bad options, a small resumable run, the table."""

import importlib.util
import json
import sys
from dataclasses import replace
from pathlib import Path

import pytest

from nas.errors import NasError

SCRIPT = Path(__file__).resolve().parents[2] / "benchmarks/recipe_calibration.py"


@pytest.fixture(scope="module")
def bench():
    spec = importlib.util.spec_from_file_location("recipe_calibration", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    sys.modules["recipe_calibration"] = module
    spec.loader.exec_module(module)
    return module


def test_plan(bench):
    plan = bench.parse_plan("5, 10,10:lr=0.2:ema=0.999,5")
    assert [v.label for v in plan] == ["5", "10", "10:lr=0.2:ema=0.999"]
    assert plan[2].knobs == (("lr", 0.2), ("ema", 0.999))
    settings = bench.settings_for(plan[2], seed=4)
    assert (settings.epochs, settings.lr, settings.ema_decay, settings.seed) == (10, 0.2, 0.999, 4)
    assert settings.warmup_epochs == 1.0  # nas train's recipe otherwise


@pytest.mark.parametrize("argv, message", [
    (["--plan", "x"], "does not start with a number of epochs"),
    (["--plan", "0"], "does not start with a number of epochs"),
    (["--plan", "5:foo=1"], "unknown knob 'foo'"),
    (["--plan", "5:lr=fast"], "is not a number"),
    (["--plan", "5:lr=nan"], "is not finite"),
    (["--archs", "0"], "--archs must be from 1 to 50"),
    (["--val-size", "10"], "--val-size must be from 1000"),
    (["--threads", "0"], "--threads must be from 1 to 256"),
    (["--seed", "-1"], "--seed must be from 0"),
    (["--budget", "lots"], "--budget"),
])
def test_bad_options_are_one_line_and_exit_2(bench, argv, message, capsys):
    with pytest.raises(NasError, match=message):
        bench.parse_args(argv)
    assert bench.main(argv) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("recipe_calibration: error:")


@pytest.mark.slow
def test_a_small_run_stores_each_recipe_once_and_resumes(bench, tmp_path, capsys):
    opts = replace(bench.Options(), plan=bench.parse_plan("1,2:lr=0.05"), archs=1, budget=5_000_000, val_size=100,
                   threads=1, dataset="synthetic:1x28x28:10:400", results=tmp_path / "r.jsonl",
                   runs=tmp_path / "runs", pool=16)
    bench.measure(opts)
    rows = [json.loads(line) for line in (tmp_path / "r.jsonl").read_text().splitlines()]
    assert [r["recipe"] for r in rows] == ["1", "2:lr=0.05"]
    assert rows[1]["settings"]["lr"] == 0.05 and rows[1]["epochs"] == 2 and len(rows[1]["val_history"]) == 2
    assert all(r["train_images"] == 300 and r["val_images"] == 100 and r["flops"] <= 5_000_000 for r in rows)
    before = (tmp_path / "r.jsonl").read_bytes()
    bench.measure(opts)  # everything stored: nothing trained, nothing written
    assert (tmp_path / "r.jsonl").read_bytes() == before
    lines = bench.table(rows)
    assert lines[0].split()[0] == "recipe" and len(lines) == 3


def test_table_by_hand(bench):
    rows = [{"notation": n, "flops": f, "recipe": r, "val_accuracy": v, "train_time_s": 10.0}
            for n, f in (("a", 1e6), ("b", 2e6)) for r, v in (("5", 0.80 if n == "a" else 0.84), ("10", 0.90))]
    lines = bench.table(rows)
    five = lines[1].split()
    assert five[0] == "5" and float(five[3]) == pytest.approx(0.82) and float(five[4]) == pytest.approx(-8.0)
    assert lines[2].split()[4] == "+0.00"


@pytest.mark.parametrize("under", ["", "sub"])
def test_runs_folder_that_is_a_file_is_one_line_and_exit_2(bench, tmp_path, under, capsys):
    afile = tmp_path / "taken"
    afile.write_text("kept")
    runs = afile / under if under else afile
    with pytest.raises(NasError, match=f"--runs: {afile} is a file, not a folder"):
        bench.parse_args(["--runs", str(runs)])
    assert bench.main(["--runs", str(runs)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("recipe_calibration: error:")
    assert afile.read_text() == "kept"
