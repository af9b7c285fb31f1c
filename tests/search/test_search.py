"""Real (small) searches: budget is hard, study is resumable, failures don't stop it."""

import optuna
import pytest
from optuna.trial import TrialState

from nas.arch.io import from_dict
from nas.blocks import build_model
from nas.cost import count_flops
from nas.errors import NasError
from nas.searching import objective as objective_module
from nas.searching.run import run_search, settings_from
from nas.space import SearchSpace


def _trials(settings):
    return optuna.load_study(study_name=settings.study_name, storage=settings.storage_url).get_trials()


def test_search_completes_within_budget_and_records_everything(search_kwargs):
    settings = settings_from(**search_kwargs)
    summary = run_search(settings)
    study = optuna.load_study(study_name="t", storage=settings.storage_url)
    assert study.metric_names == ["accuracy", "flops"]
    complete = [t for t in study.trials if t.state == TrialState.COMPLETE]
    assert len(complete) == 3 == summary.complete
    for t in complete:
        assert t.user_attrs["flops"] <= settings.max_flops == study.user_attrs["settings"]["max_flops"]
        assert t.values[1] == t.user_attrs["flops"]
        for key in ("arch", "notation", "params", "latency_ms", "train_time_s", "fidelity", "accuracy"):
            assert key in t.user_attrs
        # The stored config rebuilds the same model without the space file.
        config = from_dict(t.user_attrs["arch"])
        assert count_flops(build_model(config), config.input_shape).total == t.user_attrs["flops"]
        assert t.user_attrs["fidelity"]["train_samples"] == 256
    for t in study.trials:
        if t.user_attrs.get("flops", 0) > settings.max_flops:
            assert t.state == TrialState.PRUNED and t.user_attrs["infeasible"]
            assert "accuracy" not in t.user_attrs and "train_time_s" not in t.user_attrs
    assert 0 < summary.feasible_fraction <= 1


def test_replaying_params_rebuilds_the_config(search_kwargs):
    settings = settings_from(**search_kwargs)
    run_search(settings)
    space = SearchSpace.load(search_kwargs["space"], (1, 16, 16), 4)
    for t in _trials(settings):
        if "arch" in t.user_attrs and not t.user_attrs.get("baseline"):
            config = from_dict(t.user_attrs["arch"])
            replay = SearchSpace.load(search_kwargs["space"], config.input_shape, config.num_classes)
            assert replay.sample(optuna.trial.FixedTrial(t.params)) == config
    assert space.size() > 1


def test_resume_continues_the_count(search_kwargs):
    first = settings_from(**search_kwargs)
    run_search(first)
    before = {t.number: t.values for t in _trials(first) if t.state == TrialState.COMPLETE}
    again = settings_from(**{**search_kwargs, "trials": 5})
    run_search(again)
    after = {t.number: t.values for t in _trials(again) if t.state == TrialState.COMPLETE}
    assert len(after) == 5
    assert all(after[n] == v for n, v in before.items())


def test_resume_with_other_settings_is_refused(search_kwargs):
    run_search(settings_from(**search_kwargs))
    with pytest.raises(NasError, match="other settings"):
        run_search(settings_from(**{**search_kwargs, "max_flops": 2_000_000}))


def test_nan_trial_fails_and_the_study_goes_on(search_kwargs, monkeypatch):
    real = objective_module.train_proxy
    calls = []

    def poisoned(model, *args, **kwargs):
        calls.append(1)
        if len(calls) == 1:  # the first trained architecture produces NaN logits
            model.head.register_forward_hook(lambda m, i, out: out * float("nan"))
        return real(model, *args, **kwargs)

    monkeypatch.setattr(objective_module, "train_proxy", poisoned)
    settings = settings_from(**search_kwargs)
    run_search(settings)
    trials = _trials(settings)
    failed = [t for t in trials if t.state == TrialState.FAIL]
    assert len(failed) == 1 and "nan" in failed[0].user_attrs["fail_reason"].lower()
    assert sum(t.state == TrialState.COMPLETE for t in trials) == 3


def test_impossible_budget_is_refused_before_any_study(search_kwargs, tmp_path):
    settings = settings_from(**{**search_kwargs, "max_flops": 1000})
    with pytest.raises(NasError, match="impossible budget: the cheapest of .* has .*FLOPs > 1K"):
        run_search(settings)
    # Refused before the storage was opened: no database file at all.
    assert not (tmp_path / "t.db").exists()


def test_a_slice_of_real_fashion_mnist(tiny_space, tmp_path):
    from pathlib import Path

    if not Path("/usr/share/datasets/fashion-mnist").is_dir():
        pytest.skip("Fashion-MNIST is not installed (apt-get install dataset-fashion-mnist; .ci/run does)")
    settings = settings_from(
        space=str(tiny_space), max_flops=1_000_000, trials=2, study="real", storage=f"sqlite:///{tmp_path}/r.db",
        dataset="fashion-mnist", epochs=2, train_subset=2000, val_size=1000, jobs=1, progress=False,
    )
    summary = run_search(settings)
    assert summary.complete == 2
    assert max(row["accuracy"] for row in summary.best) > 0.3  # chance is 0.1
    study = optuna.load_study(study_name="real", storage=settings.storage_url)
    assert study.best_trials[0].user_attrs["fidelity"]["val_samples"] == 1000
