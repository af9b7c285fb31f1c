"""Samplers for the search, seeded per trial so that parallel workers never draw alike.

Optuna samplers hold one random state each. Workers started with the same ``--seed`` (the
same command on several hosts) would then propose identical architectures (parallel NSGA-II
workers are a known case). Here every trial gets a fresh inner sampler seeded from
``(seed, trial.number)``: a single-worker run is deterministic for a seed, and every trial
has its own stream whichever worker runs it, since trial numbers are unique in a study.
Only Optuna's public sampler API is used.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from typing import Any

import optuna
from optuna.distributions import BaseDistribution
from optuna.samplers import BaseSampler
from optuna.study import Study
from optuna.trial import FrozenTrial, TrialState

from nas.errors import NasError
from nas.study.attrs import constraint_of

SAMPLERS = ("tpe", "nsga2", "random")


def constraint_values(trial: FrozenTrial) -> Sequence[float]:
    """Optuna ``constraints_func``: the budget violations a trial recorded (<= 0 is feasible)."""
    return constraint_of(trial)


def derive_seed(seed: int, number: int) -> int:
    """The seed of trial ``number``'s sampler in a study searched with ``seed``."""
    digest = hashlib.blake2b(f"{seed}:{number}".encode(), digest_size=4).digest()
    return int.from_bytes(digest, "little")


class PerTrialSeeded(BaseSampler):
    """A sampler that hands each trial to a fresh inner sampler built by ``make(derive_seed(seed, n))``.

    Args:
        make: builds an inner sampler from a seed.
        seed: the search's seed.
    """

    def __init__(self, make: Callable[[int], BaseSampler], seed: int) -> None:
        self.make, self.seed = make, seed
        self._samplers: dict[int, BaseSampler] = {}

    def for_trial(self, trial: FrozenTrial) -> BaseSampler:
        """The inner sampler of ``trial`` (built on first use)."""
        if trial.number not in self._samplers:
            self._samplers[trial.number] = self.make(derive_seed(self.seed, trial.number))
        return self._samplers[trial.number]

    def before_trial(self, study: Study, trial: FrozenTrial) -> None:
        self.for_trial(trial).before_trial(study, trial)

    def infer_relative_search_space(self, study: Study, trial: FrozenTrial) -> dict[str, BaseDistribution]:
        return self.for_trial(trial).infer_relative_search_space(study, trial)

    def sample_relative(
        self, study: Study, trial: FrozenTrial, search_space: dict[str, BaseDistribution]
    ) -> dict[str, Any]:
        return self.for_trial(trial).sample_relative(study, trial, search_space)

    def sample_independent(
        self, study: Study, trial: FrozenTrial, param_name: str, param_distribution: BaseDistribution
    ) -> Any:
        return self.for_trial(trial).sample_independent(study, trial, param_name, param_distribution)

    def after_trial(
        self, study: Study, trial: FrozenTrial, state: TrialState, values: Sequence[float] | None
    ) -> None:
        inner = self._samplers.pop(trial.number, None) or self.make(derive_seed(self.seed, trial.number))
        inner.after_trial(study, trial, state, values)

    def reseed_rng(self) -> None:
        # Seeds come from (seed, trial number); nothing to reseed (the samplers are made per trial).
        pass


def make_sampler(
    name: str, seed: int, constraints: Callable[[FrozenTrial], Sequence[float]] = constraint_values
) -> BaseSampler:
    """``tpe`` (multivariate, conditional-aware), ``nsga2`` or ``random``, told the budget constraints,
    seeded per trial.

    Raises:
        NasError: for an unknown name.
    """
    if name == "tpe":
        def make(s: int) -> BaseSampler:
            return optuna.samplers.TPESampler(
                seed=s, multivariate=True, group=True, constraints_func=constraints, n_startup_trials=8,
            )
    elif name == "nsga2":
        def make(s: int) -> BaseSampler:
            return optuna.samplers.NSGAIISampler(seed=s, constraints_func=constraints, population_size=16)
    elif name == "random":
        def make(s: int) -> BaseSampler:
            return optuna.samplers.RandomSampler(seed=s)
    else:
        raise NasError(f"--sampler: unknown sampler {name!r} (choose from {', '.join(SAMPLERS)})")
    return PerTrialSeeded(make, seed)
