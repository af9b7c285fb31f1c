"""benchmarks/proxy_fidelity.py: on a hand-made table it prints what a hand computation gives."""

import importlib.util
import json
import math
import sys
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[2] / "benchmarks/proxy_fidelity.py"


@pytest.fixture(scope="module")
def bench():
    spec = importlib.util.spec_from_file_location("proxy_fidelity", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    sys.modules["proxy_fidelity"] = module
    spec.loader.exec_module(module)
    return module


FINAL = {"a": 0.90, "b": 0.92, "c": 0.91, "d": 0.93}
LOW = {"a": 0.5, "b": 0.7, "c": 0.6, "d": 0.8}          # ranks exactly as the final accuracy
DEFAULT0 = {"a": 0.80, "b": 0.79, "c": 0.82, "d": 0.85}  # 4 of 6 pairs concordant
DEFAULT1 = {"a": 0.81, "b": 0.80, "c": 0.80, "d": 0.86}
FLOPS = {"a": 1e6, "b": 3e6, "c": 2e6, "d": 4e6}
PARAMS = {"a": 4, "b": 3, "c": 2, "d": 1}


def write_table(path):
    rows = []
    for n in "abcd":
        rows.append({
            "notation": n, "flops": FLOPS[n], "params": PARAMS[n], "source": "random", "commit": "x",
            "zero_cost": {"synflow": FLOPS[n], "snip": -FLOPS[n], "grad_norm": 1.0, "naswot": PARAMS[n]},
            "zero_cost_time_s": 0.5,
            "final": {"epochs": 5, "train_images": 60000, "seed": 0, "test_accuracy": FINAL[n], "train_time_s": 100.0},
            "proxy": [
                {"epochs": 1, "train_images": 1920, "seed": 0, "val_images": 2000, "val_accuracy": LOW[n], "time_s": 2.0},
                {"epochs": 3, "train_images": 5888, "seed": 0, "val_images": 2000, "val_accuracy": DEFAULT0[n],
                 "time_s": 10.0},
                {"epochs": 3, "train_images": 5888, "seed": 1, "val_images": 2000, "val_accuracy": DEFAULT1[n],
                 "time_s": 12.0},
            ],
        })
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return path


def test_rank_correlations_and_noise_floor_by_hand(bench, tmp_path, capsys):
    path = write_table(tmp_path / "t.jsonl")
    assert bench.main(["--results", str(path), "--json", "--bootstrap", "200", "--default-fidelity", "3x6000"]) == 0
    out = json.loads(capsys.readouterr().out)
    got = {c["predictor"]: c for c in out["correlations"]}
    expected = {  # (Spearman, Kendall), computed by hand
        "1x1920 seed 0": (1.0, 1.0),
        "3x5888 seed 0": (0.4, 1 / 3),           # sum d^2 = 6; 4 concordant, 2 discordant
        "3x5888 mean of seeds": (0.4, 1 / 3),    # means rank as seed 0 does
        "FLOPs": (1.0, 1.0), "synflow": (1.0, 1.0), "snip": (-1.0, -1.0),
        "params": (-0.8, -2 / 3), "naswot": (-0.8, -2 / 3),  # sum d^2 = 18; 1 concordant, 5 discordant
    }
    for name, (rho, tau) in expected.items():
        assert got[name]["spearman"] == pytest.approx(rho), name
        assert got[name]["kendall"] == pytest.approx(tau), name
        assert got[name]["n"] == 4
        lo, hi = got[name]["kendall_ci"]
        assert -1 <= lo <= hi <= 1
    assert math.isnan(got["grad_norm"]["kendall"])  # a constant predictor ranks nothing
    assert got["3x5888 seed 0"]["median_s"] == 10.0 and got["3x5888 mean of seeds"]["total_s"] == 88.0
    noise = out["noise"]
    assert noise["fidelity"] == "3x5888" and noise["n"] == 4
    assert noise["kendall"] == pytest.approx(3 / math.sqrt(30))  # 4 concordant, 1 discordant, one tie in seed 1
    assert noise["mean_abs_diff"] == pytest.approx(0.0125)
    run_var = (3 * 0.01**2 + 0.02**2) / 4 / 2
    p = (sum(DEFAULT0.values()) + sum(DEFAULT1.values())) / 8
    assert noise["run_sd"] == pytest.approx(math.sqrt(run_var))
    assert noise["val_sample_sd"] == pytest.approx(math.sqrt(p * (1 - p) / 2000))
    assert noise["init_sd"] == pytest.approx(math.sqrt(run_var - p * (1 - p) / 2000))


def test_the_printed_table(bench, tmp_path, capsys):
    path = write_table(tmp_path / "t.jsonl")
    assert bench.main(["--results", str(path), "--bootstrap", "50", "--default-fidelity", "3x6000"]) == 0
    text = capsys.readouterr().out
    assert text.startswith("4 architectures (4 random), 1.00M-4.00M FLOPs; final: 5 epochs on 60000 images")
    line = next(x for x in text.splitlines() if x.startswith("3x5888 seed 0"))
    assert line.split()[4] == "0.400" and line.split()[7] == "0.333"
    assert "noise floor of 3x5888 (4 architectures, two seeds): Kendall tau between seeds 0.548" in text


def test_rank_statistics_match_scipy(bench):
    stats = pytest.importorskip("scipy.stats")
    a = [0.1, 0.4, 0.35, 0.8, 0.8, 0.2, 0.5]
    b = [1.0, 3.0, 2.0, 5.0, 4.0, 2.0, 7.0]
    assert bench.spearman(a, b) == pytest.approx(stats.spearmanr(a, b).statistic)
    assert bench.kendall(a, b) == pytest.approx(stats.kendalltau(a, b).statistic)


def test_bootstrap_interval_brackets_a_clear_correlation(bench):
    a = [float(i) for i in range(30)]
    b = [x + (3 if i % 2 else -3) for i, x in enumerate(a)]
    lo, hi = bench.bootstrap(a, b, bench.kendall, 300, seed=1)
    assert 0.5 < lo <= bench.kendall(a, b) <= hi <= 1.0
    assert bench.bootstrap(a, b, bench.kendall, 300, seed=1) == (lo, hi)  # seeded


@pytest.mark.parametrize("argv, content, message", [
    (["--results", "{dir}/missing.jsonl"], None, "no table at"),
    (["--results", "{dir}/t.jsonl"], "garbage\n{}\n", "not a JSON object"),
    (["--results", "{dir}/t.jsonl"], "", "holds 0 finished architectures"),
    (["--results", "{dir}/t.jsonl", "--default-fidelity", "3"], "", "--default-fidelity: expected EPOCHSxIMAGES"),
    (["--results", "{dir}/t.jsonl", "--bootstrap", "-1"], "", "--bootstrap must be from 0"),
])
def test_bad_input_is_one_line_and_exit_2(bench, tmp_path, capsys, argv, content, message):
    if content is not None:
        (tmp_path / "t.jsonl").write_text(content)
    assert bench.main([a.format(dir=tmp_path) for a in argv]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("proxy_fidelity: error:") and message in err[0]


def test_zero_cost_proxies_on_pairs_of_similar_cost_by_hand(bench, tmp_path):
    rows = [json.loads(line) for line in write_table(tmp_path / "t.jsonl").read_text().splitlines()]
    # Within a factor sqrt(2) only b (3M) and d (4M) are a pair; b is below d in final accuracy.
    near = {a.predictor: a for a in bench.within_bins(rows)}
    assert (near["synflow"].pairs, near["synflow"].agree, near["snip"].disagree) == (1, 1, 1)
    assert (near["grad_norm"].agree, near["grad_norm"].disagree, near["grad_norm"].kendall) == (0, 0, 0.0)
    # Within a factor 2: a-c, c-b, c-d and b-d. FLOPs order them as the final accuracy does; params
    # (naswot's score here) order only c-b that way.
    wide = {a.predictor: a for a in bench.within_bins(rows, ratio=2.0)}
    assert (wide["synflow"].pairs, wide["synflow"].kendall) == (4, 1.0)
    assert (wide["naswot"].agree, wide["naswot"].disagree, wide["naswot"].kendall) == (1, 3, -0.5)


def test_every_seed_of_a_fidelity_is_a_predictor(bench, tmp_path, capsys):
    path = write_table(tmp_path / "t.jsonl")
    assert bench.main(["--results", str(path), "--json", "--bootstrap", "0", "--default-fidelity", "3x6000"]) == 0
    out = json.loads(capsys.readouterr().out)
    names = [c["predictor"] for c in out["correlations"]]
    assert "3x5888 seed 1" in names and "1x1920 seed 1" not in names
    assert [a["predictor"] for a in out["similar_cost"]] == ["synflow", "snip", "grad_norm", "naswot"]
