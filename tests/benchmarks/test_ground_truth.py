"""benchmarks/ground_truth.py: rows checked against nas profile, appended once, resumed."""

import importlib.util
import sys
from dataclasses import replace
from pathlib import Path

import pytest

from nas.errors import NasError

SCRIPT = Path(__file__).resolve().parents[2] / "benchmarks/ground_truth.py"


@pytest.fixture(scope="module")
def bench():
    spec = importlib.util.spec_from_file_location("ground_truth", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    sys.modules["ground_truth"] = module
    spec.loader.exec_module(module)
    return module


def small(bench, tmp_path, **kw):
    base = replace(bench.Options(), sources=("random",), bins=2, per_bin=1, budget=5_000_000,
                   fidelities=((1, 100),), default_fidelity=(1, 100), seeds=(0, 1), val_size=60,
                   final_epochs=1, dataset="synthetic:1x28x28:10:300", threads=1, results=tmp_path / "t.jsonl",
                   runs=tmp_path / "runs", pool=40)
    return replace(base, **kw)


@pytest.mark.slow
def test_rows_are_appended_once_and_a_run_resumes(bench, tmp_path):
    lines = []
    rows = bench.measure(small(bench, tmp_path), log=lines.append)
    assert len(rows) == 2 and {r["source"] for r in rows} == {"random"}
    row = rows[0]
    assert set(row["zero_cost"]) == {"synflow", "snip", "grad_norm", "naswot"}
    assert [(p["epochs"], p["train_images"] > 0, p["seed"]) for p in row["proxy"]] == [(1, True, 0), (1, True, 1)]
    assert row["final"]["epochs"] == 1 and row["final"]["train_images"] == 300
    assert 0 <= row["final"]["test_accuracy"] <= 1 and row["final"]["train_time_s"] > 0
    assert row["flops"] <= 5_000_000 and row["commit"]
    assert row["flops"] < rows[1]["flops"]  # one per FLOPs bin, the cheap bin first
    before = (tmp_path / "t.jsonl").read_bytes()
    lines.clear()
    assert len(bench.measure(small(bench, tmp_path), log=lines.append)) == 2
    assert (tmp_path / "t.jsonl").read_bytes() == before and not lines  # nothing measured twice

    # One more per bin: the two stored rows stay as they are, new ones are added after them.
    rows = bench.measure(small(bench, tmp_path, per_bin=2), log=lines.append)
    notations = [r["notation"] for r in rows]
    assert len(rows) >= 3 and len(set(notations)) == len(rows)
    assert (tmp_path / "t.jsonl").read_bytes().startswith(before)


@pytest.mark.slow
def test_an_interrupted_architecture_resumes_what_it_had_measured(bench, tmp_path):
    opts = small(bench, tmp_path, bins=1)
    from nas.data import load_dataset

    data = load_dataset(opts.dataset)
    arch = bench.choose(opts, data)[0]
    folder = tmp_path / "runs" / "one"
    first = bench.measure_arch(arch, data, opts, folder, "c", log=lambda _: None)
    lines = []
    again = bench.measure_arch(arch, data, opts, folder, "c", log=lines.append)
    assert not any("proxy" in line for line in lines)  # proxies were kept in partial.json
    assert again["proxy"] == first["proxy"] and again["zero_cost"] == first["zero_cost"]
    assert again["final"]["test_accuracy"] == first["final"]["test_accuracy"]


def _row(bench, **changes):
    from nas.arch.io import to_dict
    from nas.presets import get_preset

    config = get_preset("mobilenetv3-small").with_input(1, 28, 10)
    flops, params = bench.profiled_cost(to_dict(config))
    row = {"notation": config.notation(), "flops": flops, "params": params, "source": "preset:mobilenetv3-small",
           "arch": to_dict(config), "commit": "c", "zero_cost": {},
           "final": {"epochs": 1, "train_images": 1, "seed": 0, "test_accuracy": 0.5, "train_time_s": 1.0},
           "proxy": [{"epochs": 1, "train_images": 1, "seed": 0, "val_accuracy": 0.5, "time_s": 1.0}]}
    row.update(changes)
    return row


def test_a_row_whose_flops_disagree_with_nas_profile_is_refused(bench, tmp_path):
    ledger = bench.table(tmp_path / "t.jsonl")
    good = _row(bench)
    assert ledger.append(good)
    with pytest.raises(NasError, match="but nas profile counts"):
        bench.table(tmp_path / "u.jsonl").append(_row(bench, flops=good["flops"] + 1))
    with pytest.raises(NasError, match="but nas profile counts"):
        bench.table(tmp_path / "u.jsonl").append(_row(bench, params=1))
    with pytest.raises(NasError, match="no 'final'"):
        bench.check_row({k: v for k, v in good.items() if k != "final"})
    with pytest.raises(NasError, match="a proxy entry has no 'val_accuracy'"):
        bench.check_row(_row(bench, proxy=[{"epochs": 1, "train_images": 1, "seed": 0, "time_s": 1}]))
    assert not (tmp_path / "u.jsonl").exists() or (tmp_path / "u.jsonl").read_text() == ""
    assert not ledger.append(good)  # its notation is stored: nothing written
    assert len((tmp_path / "t.jsonl").read_text().splitlines()) == 1


@pytest.mark.parametrize("argv, message", [
    (["--sources", "nope"], "--sources: expected a list of"),
    (["--sources", ""], "--sources: expected a list of"),
    (["--presets", "resnet9000"], "unknown preset 'resnet9000'"),
    (["--fidelities", "3"], "--fidelities: expected EPOCHSxIMAGES"),
    (["--default-fidelity", "0x10"], "--default-fidelity: expected EPOCHSxIMAGES"),
    (["--seeds", "a"], "--seeds: expected whole numbers"),
    (["--seeds", "-1"], "--seeds must be from 0"),
    (["--bins", "0"], "--bins must be from 1 to 20"),
    (["--per-bin", "-1"], "--per-bin must be from 0 to 50"),
    (["--val-size", "0"], "--val-size must be from 1"),
    (["--final-epochs", "0"], "--final-epochs must be from 1"),
    (["--threads", "0"], "--threads must be from 1 to 256"),
    (["--budget", "-5"], "--budget"),
])
def test_bad_options_are_one_line_and_exit_2(bench, argv, message, capsys):
    with pytest.raises(NasError, match=message):
        bench.parse_args(argv)
    assert bench.main(argv) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("ground_truth: error:")


def test_a_missing_study_is_one_line(bench, tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert bench.main(["--study", "nothing-here", "--sources", "search", "--list",
                       "--results", str(tmp_path / "t.jsonl")]) == 2
    assert len(capsys.readouterr().err.strip().splitlines()) == 1


@pytest.mark.parametrize("under", ["", "sub"])
def test_runs_folder_that_is_a_file_is_one_line_and_exit_2(bench, tmp_path, under, capsys):
    afile = tmp_path / "taken"
    afile.write_text("kept")
    runs = afile / under if under else afile
    with pytest.raises(NasError, match=f"--runs: {afile} is a file, not a folder"):
        bench.parse_args(["--runs", str(runs)])
    assert bench.main(["--runs", str(runs)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("ground_truth: error:")
    assert afile.read_text() == "kept"
