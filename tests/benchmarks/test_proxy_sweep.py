"""benchmarks/proxy_sweep.py: more fidelities for the table's architectures, appended once, read
by proxy_fidelity.py beside the table."""

import importlib.util
import json
import sys
from dataclasses import replace
from pathlib import Path

import pytest

from nas.errors import NasError

BENCH = Path(__file__).resolve().parents[2] / "benchmarks"


def _load(name):
    spec = importlib.util.spec_from_file_location(name, BENCH / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def sweep():
    return _load("proxy_sweep")


@pytest.fixture(scope="module")
def fidelity():
    return _load("proxy_fidelity")


def _table(path, presets=("mobilenetv3-small", "mobilenetv3-small-ldc0")):
    """A ground-truth table of real rows (costs as nas profile counts them), hand-made results."""
    import ground_truth

    from nas.arch.io import to_dict
    from nas.presets import get_preset

    ledger = ground_truth.table(path)
    for i, name in enumerate(presets):
        config = get_preset(name).with_input(1, 28, 10)
        flops, params = ground_truth.profiled_cost(to_dict(config))
        ledger.append({"notation": config.notation(), "flops": flops, "params": params, "source": f"preset:{name}",
                       "arch": to_dict(config), "commit": "c", "zero_cost": {},
                       "final": {"epochs": 1, "train_images": 1, "seed": 0, "test_accuracy": 0.5 + i / 10,
                                 "train_time_s": 1.0},
                       "proxy": [{"epochs": 1, "train_images": 64, "seed": 0, "val_images": 60,
                                  "val_accuracy": 0.3, "time_s": 1.0}]})
    return path


def _opts(sweep, tmp_path, **kw):
    base = replace(sweep.Options(), fidelities=((1, 64), (2, 64)), seeds=(0,), val_sizes=(60,),
                   dataset="synthetic:1x28x28:10:300", threads=1, table=_table(tmp_path / "t.jsonl"),
                   results=tmp_path / "p.jsonl", runs=tmp_path / "runs")
    return replace(base, **kw)


@pytest.mark.slow
def test_measurements_are_appended_once_fidelity_by_fidelity(sweep, tmp_path):
    lines = []
    rows = sweep.measure(_opts(sweep, tmp_path), log=lines.append)
    assert len(rows) == 4 and len(lines) == 4
    assert [(r["epochs"], r["train_images"] > 0, r["seed"], r["val_images"]) for r in rows] == [
        (1, True, 0, 60), (1, True, 0, 60), (2, True, 0, 60), (2, True, 0, 60)]  # one fidelity over all first
    assert rows[0]["flops"] <= rows[1]["flops"]  # the cheaper architecture first within a fidelity
    assert all(0 <= r["val_accuracy"] <= 1 and r["time_s"] > 0 and r["commit"] for r in rows)
    assert len({r["key"] for r in rows}) == 4
    before = (tmp_path / "p.jsonl").read_bytes()
    lines.clear()
    assert len(sweep.measure(_opts(sweep, tmp_path), log=lines.append)) == 4
    assert (tmp_path / "p.jsonl").read_bytes() == before and not lines  # nothing measured twice
    rows = sweep.measure(_opts(sweep, tmp_path, seeds=(0, 1)), log=lines.append)
    assert len(rows) == 8 and (tmp_path / "p.jsonl").read_bytes().startswith(before)


def test_proxy_fidelity_counts_the_sweep_as_the_rows_own(fidelity, sweep, tmp_path, capsys):
    table = _table(tmp_path / "t.jsonl", presets=("mobilenetv3-small", "mobilenetv3-small-ldc0", "mobilenetv3-small-ldc1"))
    rows = [json.loads(line) for line in table.read_text().splitlines()]
    extra = sweep.results(tmp_path / "p.jsonl")
    for i, r in enumerate(rows):
        for seed, acc in ((0, 0.6 + i / 10), (1, 0.62 + i / 10)):
            extra.append({"key": sweep.key(r["notation"], 4, 128, seed, 500), "notation": r["notation"],
                          "flops": r["flops"], "epochs": 4, "train_images": 128, "seed": seed, "val_images": 500,
                          "val_accuracy": acc, "time_s": 2.0, "commit": "c"})
    # The row's own 1x64 (seed 0, 60 images) is kept once, not doubled by the sweep.
    extra.append({"key": "dup", "notation": rows[0]["notation"], "flops": rows[0]["flops"], "epochs": 1,
                  "train_images": 64, "seed": 0, "val_images": 60, "val_accuracy": 0.99, "time_s": 1.0, "commit": "c"})
    argv = ["--results", str(table), "--proxies", str(tmp_path / "p.jsonl"), "--default-fidelity", "4x128",
            "--val-size", "500", "--json", "--bootstrap", "50"]
    assert fidelity.main(argv) == 0
    out = json.loads(capsys.readouterr().out)
    got = {c["predictor"]: c for c in out["correlations"]}
    assert got["4x128 val 500 seed 0"]["kendall"] == pytest.approx(1.0) and got["4x128 val 500 seed 0"]["n"] == 3
    assert got["4x128 val 500 mean of seeds"]["total_s"] == pytest.approx(12.0)
    assert "1x64 val 60 seed 0" in got  # another validation size than the search's is named
    assert out["noise"]["fidelity"] == "4x128 val 500" and out["noise"]["n"] == 3
    assert out["noise"]["mean_abs_diff"] == pytest.approx(0.02)
    merged = fidelity.merge(rows, extra.rows())
    assert [p["val_accuracy"] for p in merged[0]["proxy"] if p["epochs"] == 1] == [0.3]


@pytest.mark.parametrize("argv, message", [
    (["--fidelities", "6x"], "--fidelities: expected EPOCHSxIMAGES"),
    (["--fidelities", ","], "--fidelities: expected EPOCHSxIMAGES"),
    (["--seeds", "a"], "--seeds: expected whole numbers"),
    (["--seeds", "-1"], "--seeds: each value must be from 0"),
    (["--val-sizes", "0"], "--val-sizes: each value must be from 1"),
    (["--threads", "0"], "--threads must be from 1 to 256"),
    (["--table", "/nonexistent/t.jsonl"], "--table: no table at"),
])
def test_bad_options_are_one_line_and_exit_2(sweep, argv, message, capsys):
    with pytest.raises(NasError, match=message):
        sweep.parse_args(argv)
    assert sweep.main(argv) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("proxy_sweep: error:")


def test_a_missing_sweep_file_is_one_line(fidelity, tmp_path, capsys):
    table = _table(tmp_path / "t.jsonl", presets=("mobilenetv3-small", "mobilenetv3-small-ldc0", "mobilenetv3-small-ldc1"))
    assert fidelity.main(["--results", str(table), "--proxies", str(tmp_path / "none.jsonl")]) == 2
    assert fidelity.main(["--results", str(table), "--val-size", "0"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 2 and "--proxies: no measurements at" in err[0] and "--val-size must be" in err[1]
