"""Samplers for the search, seeded per trial so that parallel workers never draw alike.

Optuna samplers hold one random state each. Workers started with the same ``--seed`` (the
same command on several hosts) would then propose identical architectures (Optuna issue
#3162, parallel NSGA-II workers). Reseeding from ``(seed, trial.number)`` before each trial
keeps a single-worker run deterministic and gives every trial its own stream, whichever
worker runs it, since trial numbers are unique in a study.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from typing import Any

import optuna
from optuna.distributions import BaseDistribution
from optuna.samplers import BaseSampler
from optuna.samplers._lazy_random_state import LazyRandomState
from optuna.study import Study
from optuna.trial import FrozenTrial, TrialState

from nas.errors import NasError

SAMPLERS = ("tpe", "nsga2", "random")


def constraint_values(trial: FrozenTrial) -> Sequence[float]:
    """Optuna ``constraints_func``: the budget violations a trial recorded (<= 0 is feasible)."""
    return tuple(trial.user_attrs.get("constraint", (0.0,)))


def _derive(seed: int, number: int) -> int:
    digest = hashlib.blake2b(f"{seed}:{number}".encode(), digest_size=4).digest()
    return int.from_bytes(digest, "little")


def _reseed(sampler: object, seed: int, depth: int = 0) -> None:
    for value in vars(sampler).values():
        if isinstance(value, LazyRandomState):
            value.rng.seed(seed)
        elif isinstance(value, BaseSampler) and depth < 2:
            _reseed(value, seed, depth + 1)


class PerTrialSeeded(BaseSampler):
    """Wraps a sampler and reseeds it from ``(seed, trial.number)`` before every trial."""

    def __init__(self, inner: BaseSampler, seed: int) -> None:
        self.inner, self.seed = inner, seed

    def before_trial(self, study: Study, trial: FrozenTrial) -> None:
        _reseed(self.inner, _derive(self.seed, trial.number))
        self.inner.before_trial(study, trial)

    def infer_relative_search_space(self, study: Study, trial: FrozenTrial) -> dict[str, BaseDistribution]:
        return self.inner.infer_relative_search_space(study, trial)

    def sample_relative(
        self, study: Study, trial: FrozenTrial, search_space: dict[str, BaseDistribution]
    ) -> dict[str, Any]:
        return self.inner.sample_relative(study, trial, search_space)

    def sample_independent(
        self, study: Study, trial: FrozenTrial, param_name: str, param_distribution: BaseDistribution
    ) -> Any:
        return self.inner.sample_independent(study, trial, param_name, param_distribution)

    def after_trial(
        self, study: Study, trial: FrozenTrial, state: TrialState, values: Sequence[float] | None
    ) -> None:
        self.inner.after_trial(study, trial, state, values)

    def reseed_rng(self) -> None:
        self.inner.reseed_rng()


def make_sampler(
    name: str, seed: int, constraints: Callable[[FrozenTrial], Sequence[float]] = constraint_values
) -> BaseSampler:
    """``tpe`` (multivariate, conditional-aware), ``nsga2`` or ``random``, told the budget constraints.

    Raises:
        NasError: for an unknown name.
    """
    if name == "tpe":
        inner: BaseSampler = optuna.samplers.TPESampler(
            seed=seed, multivariate=True, group=True, constraints_func=constraints, n_startup_trials=8,
        )
    elif name == "nsga2":
        inner = optuna.samplers.NSGAIISampler(seed=seed, constraints_func=constraints, population_size=16)
    elif name == "random":
        inner = optuna.samplers.RandomSampler(seed=seed)
    else:
        raise NasError(f"--sampler: unknown sampler {name!r} (choose from {', '.join(SAMPLERS)})")
    return PerTrialSeeded(inner, seed)
