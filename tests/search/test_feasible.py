"""Proposals within the budget: the sampler keeps drafting until an architecture fits."""

import optuna
import pytest

from nas.cost import safe_cost
from nas.searching.budget import Budget
from nas.searching.feasible import FeasibleProposals
from nas.searching.sampler import make_sampler
from nas.space import SearchSpace

#: About a third of the tiny space's random architectures fit at 28x28 (median 5M FLOPs).
BUDGET = Budget(2_500_000)


@pytest.fixture
def space(tiny_space):
    return SearchSpace.load(tiny_space, (1, 28, 28), 10)


def propose(sampler, space, n, budget=BUDGET):
    """Ask ``n`` trials, sample each as the search does, tell cost and constraint; return
    (params, notation, flops) per trial."""
    optuna.logging.set_verbosity(optuna.logging.ERROR)
    study = optuna.create_study(directions=["maximize", "minimize"], sampler=sampler)
    out = []
    for _ in range(n):
        trial = study.ask()
        config = space.sample(trial)
        cost = safe_cost(config)
        trial.set_user_attr("constraint", list(budget.violations(cost.flops, cost.params)))
        study.tell(trial, [0.5, float(cost.flops)])
        out.append((study.trials[-1].params, config.notation(), cost.flops))
    return out


def test_random_proposals_fit_the_budget_where_plain_ones_mostly_do_not(space):
    plain = propose(make_sampler("random", 0), space, 8)
    wrapped = FeasibleProposals(make_sampler("random", 0), space, BUDGET)
    feasible = propose(wrapped, space, 8)
    assert sum(flops > BUDGET.max_flops for *_, flops in plain) >= 3
    assert all(flops <= BUDGET.max_flops for *_, flops in feasible)
    assert max(wrapped.draws.values()) > 1  # it did reject drafts


def test_the_stored_choices_rebuild_the_drafted_architecture(space):
    for params, notation, flops in propose(FeasibleProposals(make_sampler("random", 1), space, BUDGET), space, 4):
        config = space.sample(optuna.trial.FixedTrial(params))
        assert config.notation() == notation and safe_cost(config).flops == flops <= BUDGET.max_flops


def test_tpe_proposals_past_its_startup_trials_fit_the_budget(space):
    # 8 startup trials (random), then multivariate TPE's relative proposals are drafted too.
    proposals = propose(FeasibleProposals(make_sampler("tpe", 0), space, BUDGET), space, 9)
    assert all(flops <= BUDGET.max_flops for *_, flops in proposals)


def test_proposals_are_deterministic_for_a_seed(space):
    def params(seed):
        return [p for p, *_ in propose(FeasibleProposals(make_sampler("random", seed), space, BUDGET), space, 3)]

    assert params(5) == params(5)
    assert params(5) != params(6)


def test_when_nothing_fits_a_draft_new_to_the_study_is_proposed_and_recorded_over_budget(space):
    impossible = Budget(1)
    wrapped = FeasibleProposals(make_sampler("random", 0), space, impossible, max_draws=3)
    [(_, _, flops)] = propose(wrapped, space, 1, impossible)
    # The inner sampler's drafts, then as many uniform ones, before giving up.
    assert flops > 1 and wrapped.draws == {0: 6}
