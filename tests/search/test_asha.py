"""``nas search --fidelity asha``: trials climb rungs, the promotion rule stops most of them, only
top-rung trials are ranked, and every recorded decision replays from the stored records."""

import copy
import os
import subprocess
import sys
from pathlib import Path

import optuna
import pytest
import torch
from optuna.storages import RetryHeartbeatStaleTrialCallback
from optuna.trial import TrialState

from nas.blocks import build_model
from nas.cli.main import main
from nas.cost import count_flops
from nas.data import load_dataset, split_train_val, subset
from nas.errors import NasError
from nas.export import pick_trial
from nas.searching.asha import climb
from nas.searching.data import prepare
from nas.searching.promotion import Row, promote
from nas.searching.run import run_search, settings_from
from nas.searching.rungs import plan_rungs
from nas.searching.study import joined_settings
from nas.space import SearchSpace
from nas.study.pareto import pareto_front
from nas.study.record import TrialKind, read_records
from nas.training import TrainSettings, train_proxy

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def asha_kwargs(search_kwargs):
    """Rungs 1x256 and 3x256 (eta 3) on the synthetic data; no pre-screen (asha alone)."""
    return {**search_kwargs, "trials": 6, "epochs": 3, "fidelity": "asha", "prescreen": 0}


def check_rungs(study, eta=3, top=1):
    """Each trial's rung results are well formed, and each recorded decision replays from the
    results its peers stored. Returns the records."""
    records = read_records(study)
    by_number = {r.number: r for r in records}
    for r in records:
        if r.kind not in (TrialKind.SEARCHED, TrialKind.STOPPED):
            continue
        decided = r.rungs if r.kind == TrialKind.STOPPED else r.rungs[:-1]
        assert [x.promoted for x in decided] == [True] * (len(decided) - 1) + [r.kind == TrialKind.SEARCHED] * (
            len(decided) > 0)
        for k, result in enumerate(decided):
            assert r.number in result.peers
            rows = [Row(p, by_number[p].rungs[k].accuracy, (float(by_number[p].flops),)) for p in result.peers]
            assert promote(rows, r.number, eta) == result.promoted, (r.number, k, result)
        if r.kind == TrialKind.SEARCHED:
            assert len(r.rungs) == top + 1 and r.accuracy == r.rungs[-1].accuracy
        else:
            assert r.rung == len(r.rungs) - 1 < top and r.accuracy is None
    return records


@pytest.mark.slow
def test_an_asha_search_stops_most_trials_and_only_top_rung_trials_are_ranked(asha_kwargs, capsys):
    settings = settings_from(**asha_kwargs)
    summary = run_search(settings)
    study = optuna.load_study(study_name="t", storage=settings.storage_url)
    assert study.user_attrs["settings"]["fidelity"] == {"kind": "asha", "eta": 3, "rungs": [[1, 256], [3, 256]]}
    records = check_rungs(study)
    complete = [r for r in records if r.kind == TrialKind.SEARCHED]
    stopped = [r for r in records if r.kind == TrialKind.STOPPED]
    assert len(complete) + len(stopped) == 6  # --trials counts screened architectures
    assert complete and stopped
    assert (summary.complete, summary.stopped) == (len(complete), len(stopped))
    for r in complete:
        assert r.state == "COMPLETE" and r.values[0] == r.accuracy
        assert r.fidelity == {"epochs": 3, "train_samples": 256, "val_samples": 128, "batch_size": 64, "seed": 0,
                              "rung": 1}
        assert r.rungs[0].batches == 4 and r.rungs[1].batches == 12  # 256 images // 64 per batch, 1 then 3 epochs
    for r in stopped:
        assert r.state == "PRUNED" and r.rung == 0
        assert r.fidelity["epochs"] == 1 and r.fidelity["rung"] == 0 and r.train_time_s > 0
    first = min(complete + stopped, key=lambda r: r.number)
    assert first.kind == TrialKind.SEARCHED  # alone at its rung: always goes on
    assert len({r.notation for r in complete + stopped}) == 6  # no architecture trained twice

    # Only top-rung trials are ranked: status, export and the front leave out
    # a trial stopped at rung 0 with a better rung accuracy and lower cost than anything complete.
    donor = next(t for t in study.trials if t.state == TrialState.COMPLETE)
    study.add_trial(optuna.trial.create_trial(
        state=TrialState.PRUNED, params=donor.params, distributions=donor.distributions,
        user_attrs={**donor.user_attrs, "accuracy": 0.999, "flops": 1, "rung": 0,
                    "rungs": [{"accuracy": 0.999, "epochs": 1, "promoted": False, "peers": [0]}]}))
    fake = study.trials[-1].number
    records = read_records(study)
    assert next(r for r in records if r.number == fake).kind == TrialKind.STOPPED
    front = pareto_front(records, ("accuracy", "flops"))
    assert front and fake not in {r.number for r in front}
    assert pick_trial(study, "best").number != fake and pick_trial(study, "knee").number != fake
    capsys.readouterr()
    assert main(["status", "t", "--storage", settings.storage_url]) == 0
    out = capsys.readouterr().out
    assert "7/6 screened" in out and "stopped at a lower rung" in out
    assert f"trials that reached each rung (epochs x images, eta 3): 1x256: 7, 3x256: {len(complete)}" in out
    best = [int(line.split()[1]) for line in out.splitlines() if line.startswith("  trial ")]
    assert best and fake not in best


def test_the_top_rung_trains_exactly_what_a_single_fidelity_run_trains(tiny_space):
    torch.set_num_threads(1)
    split = subset(split_train_val(load_dataset("synthetic"), val_size=128, seed=0), 320, seed=0)
    space = SearchSpace.load(tiny_space, (1, 16, 16), 4)
    study = optuna.create_study(directions=["maximize", "minimize"])
    trial = study.ask()
    model = build_model(space.sample(trial))
    twin = copy.deepcopy(model)
    settings = TrainSettings(epochs=4, batch_size=64, seed=0)
    plan = plan_rungs(2, 4, 320, min_train_subset=160, batch_size=64)  # 1x160, 1x320, 2x320, 4x320
    result = climb(trial, model, split, settings, plan, {"flops": 1.0}, ("accuracy", "flops"), device="cpu")
    single = train_proxy(twin, split, settings, device="cpu", progress=False)
    assert result.val_accuracy == single.val_accuracy and result.val_loss == single.val_loss
    assert (result.epochs, result.train_samples) == (single.epochs, single.train_samples) == (4, 320)
    rungs = trial.user_attrs["rungs"]
    assert [(x["epochs"], x["images"], x["batches"]) for x in rungs] == [(1, 160, 2), (1, 320, 5), (2, 320, 10),
                                                                            (4, 320, 20)]
    assert all(x["promoted"] and x["peers"] == [trial.number] for x in rungs[:-1]) and "promoted" not in rungs[-1]


def test_a_stopped_trial_is_pruned_with_its_rung(tiny_space):
    split = split_train_val(load_dataset("synthetic:1x16x16:4:256"), val_size=64, seed=0)
    space = SearchSpace.load(tiny_space, (1, 16, 16), 4)
    study = optuna.create_study(directions=["maximize", "minimize"])
    settings = TrainSettings(epochs=2, batch_size=64, seed=0)
    plan = plan_rungs(2, 2, None)  # 1 and 2 epochs over all images
    first = study.ask()
    # Trial 0 recorded a perfect, free result at rung 0: the next trial is dominated, and of two rows 1 goes on.
    first.set_user_attr("flops", 0)
    first.set_user_attr("rungs", [{"accuracy": 1.0, "epochs": 1}])
    second = study.ask()
    with pytest.raises(optuna.TrialPruned, match="stopped at rung 0"):
        climb(second, build_model(space.sample(second)), split, settings, plan, {"flops": 5.0},
              ("accuracy", "flops"))
    attrs = study.get_trials()[1].user_attrs
    assert attrs["rung"] == 0 and "accuracy" not in attrs
    assert attrs["rungs"][0]["promoted"] is False and attrs["rungs"][0]["peers"] == [0, 1]
    assert attrs["fidelity"]["epochs"] == 1 and attrs["fidelity"]["rung"] == 0


@pytest.mark.slow
def test_resume_keeps_the_rung_plan_and_refuses_another(asha_kwargs, tiny_space):
    run_search(settings_from(**{**asha_kwargs, "trials": 2}))
    for change in ({"eta": 2, "epochs": 4}, {"fidelity": "single"}, {"min_epochs": 3, "epochs": 9}):
        with pytest.raises(NasError, match="other settings .*differ"):
            run_search(settings_from(**{**asha_kwargs, "trials": 3, **change}))
    with pytest.raises(NasError, match="other settings \\(fidelity differ\\)"):
        run_search(settings_from(**{**asha_kwargs, "trials": 3, "fidelity": "single"}))
    # Joining with the study alone takes the stored plan.
    given = joined_settings({"space": None, "study": "t", "storage": asha_kwargs["storage"], "trials": 3,
                             "jobs": 1, "progress": False})
    settings = settings_from(**given)
    assert (settings.fidelity, settings.eta, settings.min_epochs) == ("asha", 3, 1)
    summary = run_search(settings)
    assert summary.complete + summary.stopped == 3


@pytest.mark.slow
def test_a_failed_trial_is_retried_from_rung_0(asha_kwargs):
    settings = settings_from(**{**asha_kwargs, "trials": 2})
    run_search(settings)
    study = optuna.load_study(study_name="t", storage=settings.storage_url)
    # A worker died during rung 0 of a new architecture: its trial is failed and retried
    # (what the heartbeat does), the retry carrying the failed trial's attrs.
    space = prepare(settings).space
    trial = study.ask()
    config = space.sample(trial)
    known = {t.user_attrs.get("notation") for t in study.trials}

    def fits(config):
        return count_flops(build_model(config), config.input_shape).total <= settings.max_flops

    while config.notation() in known or not fits(config):
        study.tell(trial, state=TrialState.FAIL)
        trial = study.ask()
        config = space.sample(trial)
    for key, value in {"notation": config.notation(), "training": True, "flops": 10, "params": 10,
                       "latency_ms": 1.0, "rungs": [{"accuracy": 0.999, "epochs": 1}]}.items():
        trial.set_user_attr(key, value)
    study.tell(trial, state=TrialState.FAIL)
    dead = trial.number
    RetryHeartbeatStaleTrialCallback(max_retry=2)(study, study.trials[dead])
    summary = run_search(settings_from(**{**asha_kwargs, "trials": 3}))
    assert summary.complete + summary.stopped == 3
    study = optuna.load_study(study_name="t", storage=settings.storage_url)
    records = check_rungs(study)
    retry = [t for t in study.trials if RetryHeartbeatStaleTrialCallback.retried_trial_number(t) == dead]
    assert len(retry) == 1 and retry[0].state in (TrialState.COMPLETE, TrialState.PRUNED)
    mine = next(r for r in records if r.number == retry[0].number)
    assert mine.kind in (TrialKind.SEARCHED, TrialKind.STOPPED)
    assert mine.rungs[0].accuracy != 0.999  # trained anew, not the dead trial's result
    assert all(dead not in x.peers for r in records for x in r.rungs)


@pytest.mark.slow
def test_two_workers_on_sqlite_agree_on_promotions(tiny_space, tmp_path):
    env = {**os.environ, "PYTHONPATH": str(ROOT), "OMP_NUM_THREADS": "1"}
    cmd = [sys.executable, "-m", "nas.cli.main", "search", str(tiny_space), "--max-flops", "1M", "--trials", "8",
           "--study", "j2", "--dataset", "synthetic", "--epochs", "3", "--train-subset", "256", "--val-size", "128",
           "--batch-size", "64", "--threads", "1", "--no-progress", "--jobs", "2", "--fidelity", "asha"]
    proc = subprocess.run(cmd, cwd=tmp_path, capture_output=True, text=True, timeout=600, env=env)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "8 screened" in proc.stdout and "rungs 1x256, 3x256 (eta 3)" in proc.stdout
    study = optuna.load_study(study_name="j2", storage=f"sqlite:///{tmp_path}/studies/j2.db")
    records = check_rungs(study)
    trained = [r for r in records if r.kind in (TrialKind.SEARCHED, TrialKind.STOPPED)]
    assert len(trained) == 8  # exactly the requested count, across both workers
    assert len({r.notation for r in trained}) == 8
    assert len({r.worker for r in trained}) == 2


@pytest.mark.parametrize("args, message", [
    (["--fidelity", "halving"], "--fidelity: unknown fidelity 'halving' (choose from single, asha)"),
    (["--fidelity", "asha", "--eta", "1"], "--eta must be >= 2, got 1"),
    (["--fidelity", "asha", "--eta", "0"], "--eta must be >= 2, got 0"),
    (["--fidelity", "asha", "--min-epochs", "0"], "--min-epochs must be >= 1, got 0"),
    (["--fidelity", "asha", "--min-epochs", "9"], "--min-epochs 9 is more than --epochs 3"),
    (["--fidelity", "asha", "--epochs", "9", "--min-epochs", "2"], "does not reach --epochs 9"),
    (["--fidelity", "asha", "--min-train-subset", "0"], "--min-train-subset must be >= 1, got 0"),
    (["--fidelity", "asha", "--min-train-subset", "1000"], "more than --train-subset 256"),
    (["--fidelity", "asha", "--epochs", "2"], "at least two rungs"),
    (["--fidelity", "asha", "--train-subset", "0", "--min-train-subset", "100"], "needs --train-subset"),
    (["--min-epochs", "1"], "need --fidelity asha"),
    (["--eta", "3"], "--eta sets how rungs grow and how many trials go on: it needs --fidelity asha"),
    (["--eta", "0"], "it needs --fidelity asha"),
])
def test_bad_rung_options_are_one_line_and_exit_2(tiny_space, tmp_path, capsys, monkeypatch, args, message):
    monkeypatch.chdir(tmp_path)
    base = ["search", str(tiny_space), "--max-flops", "1M", "--dataset", "synthetic", "--train-subset", "256",
            "--jobs", "1", "--no-progress"] + ([] if "--epochs" in args else ["--epochs", "3"])
    code = main([*base, *args])
    err = capsys.readouterr().err
    assert code == 2
    assert message in err and len(err.strip().splitlines()) == 1, err
    assert not (tmp_path / "studies").exists()  # refused before any study


@pytest.mark.filterwarnings("ignore::optuna.exceptions.ExperimentalWarning")
def test_a_retry_shows_no_rung_results_of_the_trial_it_repeats(tiny_space, monkeypatch):
    # A worker died during rung 0: its trial is failed and retried, the retry carrying its attrs.
    # From the moment the retry runs, through costing and pre-screen, no promotion table reads them.
    import nas.searching.objective as objective_module
    from nas.searching.budget import Budget
    from nas.searching.objective import Objective
    from nas.searching.rungs import rung_rows

    optuna.logging.set_verbosity(optuna.logging.ERROR)
    split = split_train_val(load_dataset("synthetic:1x16x16:4:256"), val_size=64, seed=0)
    space = SearchSpace.load(tiny_space, (1, 16, 16), 4)
    study = optuna.create_study(directions=["maximize", "minimize"])
    dead = study.ask()
    notation = space.sample(dead).notation()
    for key, value in {"notation": notation, "training": True, "flops": 10, "params": 10,
                       "rungs": [{"accuracy": 0.999, "epochs": 1}]}.items():
        dead.set_user_attr(key, value)
    study.tell(dead, state=TrialState.FAIL)
    RetryHeartbeatStaleTrialCallback(max_retry=2)(study, study.trials[dead.number])
    tables = []

    def costing(config, max_flops=None):
        tables.append(rung_rows(read_records(study), 0, ("accuracy", "flops")))
        raise NasError("stop after costing")

    monkeypatch.setattr(objective_module, "safe_cost", costing)
    objective = Objective(space, split, Budget(1_000_000), TrainSettings(epochs=2, batch_size=64, seed=0),
                          ("accuracy", "flops"), target=5, progress=False, plan=plan_rungs(2, 2, None))
    retry = study.ask()
    assert retry.user_attrs["rungs"] == [{"accuracy": 0.999, "epochs": 1}]  # copied from the dead trial
    with pytest.raises(NasError, match="stop after costing"):
        objective(retry)
    assert tables == [[]]


def test_two_trials_reaching_a_rung_together_see_each_others_result(tiny_space, monkeypatch):
    # Both trials finish rung 0 and ask the promotion rule at the same moment (each reads the study
    # only once both got there): each decides with the other's result in its table.
    import threading

    import nas.searching.asha as asha_module

    optuna.logging.set_verbosity(optuna.logging.ERROR)
    torch.set_num_threads(1)
    split = split_train_val(load_dataset("synthetic:1x16x16:4:256"), val_size=64, seed=0)
    space = SearchSpace.load(tiny_space, (1, 16, 16), 4)
    study = optuna.create_study(directions=["maximize", "minimize"])
    settings = TrainSettings(epochs=2, batch_size=64, seed=0)
    plan = plan_rungs(2, 2, None)  # 1 and 2 epochs over all images
    trials = [study.ask(), study.ask()]
    models = []
    for flops, trial in zip((10, 20), trials):
        trial.set_user_attr("flops", flops)
        models.append(build_model(space.sample(trial)))
    together = threading.Barrier(2, timeout=120)
    real = asha_module.read_records

    def read_together(s):
        together.wait()
        return real(s)

    monkeypatch.setattr(asha_module, "read_records", read_together)

    def climb_one(i):
        try:
            climb(trials[i], models[i], split, settings, plan, {"flops": float(10 * (i + 1))}, ("accuracy", "flops"))
        except optuna.TrialPruned:
            pass

    threads = [threading.Thread(target=climb_one, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    peers = [t.user_attrs["rungs"][0]["peers"] for t in study.get_trials()]
    assert peers == [[0, 1], [0, 1]]
    promoted = [t.user_attrs["rungs"][0]["promoted"] for t in study.get_trials()]
    assert sorted(promoted) == [False, True]  # of two rows at eta 2, one goes on
