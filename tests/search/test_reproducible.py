"""A trial's result depends only on (study seed, architecture, fidelity), never on the worker
process's history: the same search with one worker and with two stores the same accuracy for
every architecture both trained, and re-training a stored trial at its stored fidelity gives
its stored accuracy."""

import subprocess
import sys

import optuna
import pytest
from optuna.trial import TrialState

from nas.arch.io import from_dict
from nas.blocks import build_model
from nas.searching.data import prepare
from nas.searching.settings import settings_from
from nas.training import set_threads, train_proxy

# Eight architectures, all within the budget: two studies of five trials share at least two.
SMALL_SPACE = """\
name: small
input: dataset
classes: dataset
stem: {kind: [conv, ldc], channels: [8, 16]}
stages:
  - {family: [conv, bneck], depth: 1, channels: [16, 24], stride: 2, expand: 2}
head: {hidden: null}
"""
OPTIONS = ["--max-flops", "1M", "--trials", "5", "--dataset", "synthetic", "--epochs", "1", "--train-subset", "256",
           "--val-size", "128", "--batch-size", "64", "--threads", "1", "--seed", "3", "--prescreen", "0",
           "--no-progress"]


def accuracies(space, tmp_path, study, jobs):
    cmd = [sys.executable, "-m", "nas.cli.main", "search", str(space), *OPTIONS, "--study", study, "--jobs", str(jobs)]
    proc = subprocess.run(cmd, cwd=tmp_path, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-2000:]
    loaded = optuna.load_study(study_name=study, storage=f"sqlite:///{tmp_path}/studies/{study}.db")
    done = [t for t in loaded.get_trials() if t.state == TrialState.COMPLETE]
    assert len(done) == 5
    return {t.user_attrs["notation"]: t for t in done}


@pytest.mark.slow
def test_one_worker_and_two_workers_store_the_same_accuracies(tmp_path):
    space = tmp_path / "small.yaml"
    space.write_text(SMALL_SPACE)
    one = accuracies(space, tmp_path, "one", 1)
    two = accuracies(space, tmp_path, "two", 2)
    shared = sorted(set(one) & set(two))
    assert len(shared) >= 2
    assert {n: one[n].values[0] for n in shared} == {n: two[n].values[0] for n in shared}

    # Re-training a stored trial at its stored fidelity, in this process, gives its stored accuracy.
    set_threads(1)
    settings = settings_from(space=str(space), max_flops=1_000_000, dataset="synthetic", epochs=1, train_subset=256,
                             val_size=128, batch_size=64, seed=3)
    prepared = prepare(settings)
    for notation in shared[:2]:
        trial = one[notation]
        fidelity = trial.user_attrs["fidelity"]
        assert (fidelity["epochs"], fidelity["val_samples"], fidelity["seed"]) == (1, 128, 3)
        config = from_dict(trial.user_attrs["arch"])
        result = train_proxy(build_model(config, seed=fidelity["seed"]), prepared.split, settings.train_settings(),
                             progress=False)
        assert result.val_accuracy == trial.values[0]
