"""Per-trial seeded samplers: deterministic for a seed, never alike across trials or workers."""

import optuna
import pytest

from nas.searching.sampler import PerTrialSeeded, derive_seed, make_sampler

CHOICES = list(range(1000))


def _draw(trial):
    return (trial.suggest_categorical("a", CHOICES), trial.suggest_categorical("b", CHOICES))


def _run(sampler_name, seed, n=10):
    optuna.logging.set_verbosity(optuna.logging.ERROR)
    study = optuna.create_study(sampler=make_sampler(sampler_name, seed))
    study.optimize(lambda t: sum(_draw(t)), n_trials=n)
    return [(t.params["a"], t.params["b"]) for t in study.trials]


@pytest.mark.parametrize("name", ["random", "tpe", "nsga2"])
def test_one_worker_is_deterministic_for_a_seed(name):
    assert _run(name, 3) == _run(name, 3)
    assert _run(name, 3) != _run(name, 4)


def test_two_workers_with_one_seed_never_draw_alike():
    optuna.logging.set_verbosity(optuna.logging.ERROR)
    study = optuna.create_study()
    workers = [make_sampler("random", 0), make_sampler("random", 0)]  # same command on two hosts
    draws = []
    for i in range(20):
        study.sampler = workers[i % 2]  # the two workers take turns on one study
        trial = study.ask()
        draws.append(_draw(trial))
        study.tell(trial, 0.0)
    assert len(set(draws)) == len(draws)


def test_trial_seeds_differ_and_the_sampler_holds_nothing_private():
    assert len({derive_seed(0, n) for n in range(1000)}) == 1000
    sampler = make_sampler("tpe", 0)
    assert isinstance(sampler, PerTrialSeeded)
    import inspect

    import nas.searching.sampler as module

    assert "optuna.samplers._" not in inspect.getsource(module) and "vars(" not in inspect.getsource(module)
