"""Proposals within the budget: the sampler draws whole architectures and keeps one that fits.

A trial's choices are stored the moment the space asks for them, so a proposal over the hard
budget used to cost a study row (an ``over_budget`` trial) and a sampler call each time: at a
tight budget most of a search's rows (87% of a 2M-FLOPs search of ``lightweight.yaml``).
:class:`FeasibleProposals` wraps the search's sampler. On a trial's first choice it drafts the
whole architecture from the inner sampler (relative and independent choices alike, as the
inner sampler would make them), counts its cost before anything is built for real
(:func:`nas.cost.safe_cost`), and draws again while it is over budget, up to
:data:`MAX_DRAWS` times. The trial then takes the first draft that fits, choice by choice.

The space a user declared is not narrowed: any architecture within the budget can still be
proposed, with the inner sampler's preference among those that fit (rejection sampling from
its distribution). Over-budget trials become rare, not impossible: when no draft fits, the
last one is proposed, recorded over budget as before, and tells the sampler (through its
constraints) where the budget lies. Drafts come from the per-trial seeded inner sampler, so a
search stays deterministic for a seed.

A draft the study has already settled (trained, over budget, failed, or in training:
:mod:`nas.searching.seen`) is drawn again, so an architecture is refused once, not once per
proposal; when the inner sampler keeps to settled ones, as many uniform draws follow. Only
when nothing new is found is an architecture the pre-screen screened out proposed again (the
pre-screen then trains it), and only when nothing else is left, a settled one (stored as a
duplicate).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from optuna.distributions import BaseDistribution, CategoricalDistribution
from optuna.samplers import BaseSampler
from optuna.study import Study
from optuna.trial import FrozenTrial, TrialState

from nas.cost import safe_cost
from nas.errors import ConfigError, NasError
from nas.searching.budget import Budget
from nas.searching.seen import seen_in
from nas.space import SearchSpace
from nas.study.record import read_records

#: Drafts per trial before an over-budget architecture is proposed anyway (then recorded as such).
MAX_DRAWS = 32


class _Draft:
    """A chooser that answers from the inner sampler's relative proposal, else its independent one."""

    def __init__(self, sampler: BaseSampler, study: Study, trial: FrozenTrial, relative: dict[str, Any]) -> None:
        self.sampler, self.study, self.trial, self.relative = sampler, study, trial, relative
        self.params: dict[str, Any] = {}

    def suggest_categorical(self, name: str, choices: Sequence[Any]) -> Any:
        if name not in self.params:
            value = self.relative.get(name, _MISSING)
            if value is _MISSING or value not in choices:
                distribution = CategoricalDistribution(tuple(choices))
                value = self.sampler.sample_independent(self.study, self.trial, name, distribution)
            self.params[name] = value
        return self.params[name]


_MISSING = object()


class FeasibleProposals(BaseSampler):
    """A sampler that proposes architectures within ``budget`` (see the module docstring).

    Args:
        inner: the search's sampler (seeded per trial).
        space: the space the objective samples from, with the same input shape and classes.
        budget: the hard limits.
        max_draws: drafts per trial.

    Attributes:
        draws: drafts made for each trial number this process proposed (1: the first fitted).
    """

    def __init__(self, inner: BaseSampler, space: SearchSpace, budget: Budget, max_draws: int = MAX_DRAWS,
                 seed: int = 0) -> None:
        self.inner, self.space, self.budget, self.max_draws = inner, space, budget, max_draws
        self._seed = seed
        self._drafts: dict[int, dict[str, Any]] = {}
        self.draws: dict[int, int] = {}

    def infer_relative_search_space(self, study: Study, trial: FrozenTrial) -> dict[str, BaseDistribution]:
        return {}  # every choice is drafted on the trial's first one (sample_independent)

    def sample_relative(
        self, study: Study, trial: FrozenTrial, search_space: dict[str, BaseDistribution]
    ) -> dict[str, Any]:
        return {}

    def sample_independent(
        self, study: Study, trial: FrozenTrial, param_name: str, param_distribution: BaseDistribution
    ) -> Any:
        if trial.number not in self._drafts:
            self._drafts[trial.number] = self._draft(study, trial)
        draft = self._drafts[trial.number]
        if param_name in draft and isinstance(param_distribution, CategoricalDistribution) \
                and draft[param_name] in param_distribution.choices:
            return draft[param_name]
        return self.inner.sample_independent(study, trial, param_name, param_distribution)

    def _draft(self, study: Study, trial: FrozenTrial) -> dict[str, Any]:
        """The first of up to ``max_draws`` whole architectures that fits the budget and is new to
        the study, then of as many uniform draws; else one screened out before, else one new to
        the study though over the budget (refused once), else the last draft."""
        seen = seen_in(read_records(study))
        params: dict[str, Any] = {}
        again: dict[str, Any] | None = None  # a feasible one the pre-screen screened out before
        unseen: dict[str, Any] | None = None  # one new to the study but over the budget
        for draw in range(1, 2 * self.max_draws + 1):
            self.draws[trial.number] = draw
            if draw <= self.max_draws:
                relative_space = self.inner.infer_relative_search_space(study, trial)
                relative = self.inner.sample_relative(study, trial, relative_space) if relative_space else {}
                chooser = _Draft(self.inner, study, trial, relative)
                try:
                    config = self.space.sample(chooser)
                except ConfigError:
                    return chooser.params  # the objective records why it cannot be built
                params = chooser.params
            else:
                # The inner sampler keeps to what the study holds: uniform draws, seeded by the trial.
                params, config = next(iter(self.space.random(1, seed=self._seed + 7919 * trial.number + draw)))
            if config.notation() in seen.settled:
                continue  # trained, refused or in training already: proposing it again teaches nothing
            try:
                cost = safe_cost(config, max_flops=self.budget.max_flops)
                feasible = self.budget.feasible(cost.flops, cost.params)
            except NasError:
                feasible = False  # too large to build: over any budget
            if feasible and config.notation() not in seen.screened:
                return params
            if feasible:
                again = again or params
            elif config.notation() not in seen.screened:
                unseen = unseen or params
        return next((p for p in (again, unseen) if p is not None), params)

    def before_trial(self, study: Study, trial: FrozenTrial) -> None:
        self.inner.before_trial(study, trial)

    def after_trial(
        self, study: Study, trial: FrozenTrial, state: TrialState, values: Sequence[float] | None
    ) -> None:
        self._drafts.pop(trial.number, None)
        self.inner.after_trial(study, trial, state, values)

    def reseed_rng(self) -> None:
        self.inner.reseed_rng()


__all__ = ["MAX_DRAWS", "FeasibleProposals"]
