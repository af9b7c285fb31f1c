"""The whole journey on a short real search: search -> status -> report -> export -> profile."""

import json
import re
import subprocess
import sys

import optuna
import pytest
from optuna.trial import TrialState

from nas.arch import load_config
from nas.blocks import build_model
from nas.cost import count_flops
from nas.report.pareto import pareto_info

SPACE = """\
name: journey
input: dataset
classes: dataset
stem: {kind: [conv, ldc], channels: [8, 16]}
stages:
  - {family: [bneck, reshet, conv], depth: [1, 2], channels: [16, 24], stride: 2, expand: [2, 3],
     hetconv_p: [1, 2], ghost: {use: [false, true], ratio: [2]}, attn: [none, eca]}
  - {family: [bneck, cnx, basic], depth: [1, 2], channels: [32, 64, 128], stride: 2, kernel: [3, 5],
     factorize: [false, true], shortcut: [block, stage]}
head: {hidden: [null, 32]}
"""


def nas(*args, cwd):
    return subprocess.run([sys.executable, "-m", "nas.cli.main", *args], capture_output=True, text=True,
                          timeout=900, cwd=cwd)


@pytest.fixture(scope="module")
def searched(tmp_path_factory):
    root = tmp_path_factory.mktemp("journey")
    (root / "space.yaml").write_text(SPACE)
    proc = nas("search", "space.yaml", "--max-flops", "1M", "--trials", "6", "--study", "j", "--dataset", "synthetic",
               "--epochs", "1", "--train-subset", "256", "--val-size", "128", "--batch-size", "64", "--jobs", "1",
               "--with-presets", "--preset-max-flops", "1.3M", "--no-progress", cwd=root)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "6 complete" in proc.stdout and "feasible" in proc.stdout
    return root


def test_status_shows_one_screen(searched):
    proc = nas("status", "j", cwd=searched)
    assert proc.returncode == 0, proc.stderr
    assert "6/6 complete" in proc.stdout and "best so far" in proc.stdout and "workers seen" in proc.stdout


def test_presets_are_baselines_beside_the_search(searched):
    study = optuna.load_study(study_name="j", storage=f"sqlite:///{searched}/studies/j.db")
    baselines = {t.user_attrs["baseline"]: t for t in study.trials if t.user_attrs.get("baseline")}
    # The presets adapted to 1x16x16 under --preset-max-flops 1.3M: LDC2 and LDC3.
    assert set(baselines) == {"mobilenetv3-small-ldc2", "mobilenetv3-small-ldc3"}
    for trial in baselines.values():
        assert trial.user_attrs["arch"]["input"] == "1x16x16" and "accuracy" in trial.user_attrs
    assert len(pareto_info(study).baselines) == len(baselines)


def test_report_is_one_offline_page(searched):
    proc = nas("report", "j", cwd=searched)
    assert proc.returncode == 0, proc.stderr
    page = (searched / "reports" / "j.html").read_text()
    assert "Pareto" in page and "mobilenetv3-small-ldc3" in page
    assert not re.search(r'<(script|link)[^>]+(src|href)="https?://', page)


def test_every_pareto_trial_round_trips_through_export_and_profile(searched):
    study = optuna.load_study(study_name="j", storage=f"sqlite:///{searched}/studies/j.db")
    front = [t for t in study.best_trials if not t.user_attrs.get("baseline")]
    assert front
    for trial in front:
        out = searched / f"t{trial.number}.yaml"
        assert nas("export", "j", "--pick", f"trial:{trial.number}", "-o", str(out), cwd=searched).returncode == 0
        proc = nas("profile", str(out), "--json", "--no-latency", "--no-memory", cwd=searched)
        assert proc.returncode == 0, proc.stderr
        profile = json.loads(proc.stdout)
        assert (profile["flops"], profile["params"]) == (trial.user_attrs["flops"], trial.user_attrs["params"])
        config = load_config(out)
        rebuilt = {k: v.shape for k, v in build_model(config).state_dict().items()}
        recorded = optuna.trial.FixedTrial(trial.params)
        from nas.space import SearchSpace

        again = SearchSpace.load(searched / "space.yaml", config.input_shape, config.num_classes).sample(recorded)
        assert {k: v.shape for k, v in build_model(again).state_dict().items()} == rebuilt
        assert "# Exported by nas from study 'j'" in out.read_text()


def test_export_best_and_knee(searched):
    study = optuna.load_study(study_name="j", storage=f"sqlite:///{searched}/studies/j.db")
    done = [t for t in study.trials if t.state == TrialState.COMPLETE and not t.user_attrs.get("baseline")]
    best = max(done, key=lambda t: (t.user_attrs["accuracy"], -t.user_attrs["flops"], -t.number))
    proc = nas("export", "j", "-o", "best.yaml", cwd=searched)
    assert proc.returncode == 0 and f"trial {best.number}:" in proc.stdout
    meta = __import__("yaml").safe_load((searched / "best.yaml").read_text())["meta"]
    assert meta["trial"] == best.number and meta["study"] == "j" and meta["flops"] == best.user_attrs["flops"]
    assert nas("export", "j", "--pick", "knee", "-o", "knee.yaml", cwd=searched).returncode == 0
    cheapest = min(t.user_attrs["flops"] for t in done)
    proc = nas("export", "j", "--max-flops", str(cheapest), "-o", "cheap.yaml", cwd=searched)
    assert proc.returncode == 0
    fits = [t for t in done if t.user_attrs["flops"] <= cheapest]
    pick = max(fits, key=lambda t: (t.user_attrs["accuracy"], -t.user_attrs["flops"], -t.number))
    cheap = load_config(searched / "cheap.yaml")
    assert count_flops(build_model(cheap), cheap.input_shape).total == pick.user_attrs["flops"] == cheapest
    assert f"trial {pick.number}:" in proc.stdout


@pytest.mark.parametrize("args, message", [
    (("--pick", "trial:999"), "has no trial 999"),
    (("--max-flops", "10"), "has no completed trial within 10 FLOPs (the cheapest completed one has"),
    (("--pick", "middle"), "expected best, knee or trial:N"),
])
def test_export_errors_are_one_line(searched, args, message):
    proc = nas("export", "j", *args, "-o", "x.yaml", cwd=searched)
    assert proc.returncode == 2
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and message in lines[0]
    assert not (searched / "x.yaml").exists()
