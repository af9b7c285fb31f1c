"""Training slots go by trial number: two workers never both take the last one."""

from types import SimpleNamespace

import optuna
from optuna.trial import TrialState

from nas.search import attrs as A
from nas.search.objective import Objective


def claiming(target, notation, grace=120.0):
    """An objective that only claims a slot (as a trial within budget does before training)."""

    def objective(trial):
        Objective._claim(SimpleNamespace(target=target, grace=grace), trial, notation)
        return [0.5, 1.0]

    return objective


def study():
    optuna.logging.set_verbosity(optuna.logging.ERROR)
    return optuna.create_study(directions=["maximize", "minimize"])


def test_a_lower_trial_still_being_costed_holds_the_last_slot():
    s = study()
    lower = s.ask()  # another worker's trial: asked, still drafting or costing, nothing marked yet
    s.optimize(claiming(1, "b"), n_trials=1)
    higher = s.trials[-1]
    assert higher.state == TrialState.PRUNED and higher.user_attrs.get(A.SURPLUS)
    Objective._claim(SimpleNamespace(target=1, grace=120.0), lower, "a")  # the lower trial takes the slot
    assert s.trials[lower.number].user_attrs.get(A.TRAINING)


def test_a_lower_trial_over_budget_frees_its_slot():
    s = study()
    lower = s.ask()
    A.write_over_budget(lower)
    s.tell(lower, state=TrialState.PRUNED)
    s.optimize(claiming(1, "b"), n_trials=1)
    assert s.trials[-1].state == TrialState.COMPLETE and s.trials[-1].user_attrs.get(A.TRAINING)


def test_baselines_and_finalisations_hold_no_slot():
    s = study()
    baseline = s.ask()
    baseline.set_user_attr(A.BASELINE, "mobilenetv3-small")
    final = s.ask()
    final.set_user_attr(A.FINALIZES, 0)
    s.optimize(claiming(1, "b"), n_trials=1)
    assert s.trials[-1].state == TrialState.COMPLETE


def test_a_higher_trial_already_training_does_not_stop_a_lower_one():
    # With two slots the higher trial counts the lower one as taking the first, and takes the
    # second; the lower one then trains too: exactly two.
    s = study()
    lower = s.ask()
    s.optimize(claiming(2, "b"), n_trials=1)  # target 2: the higher trial takes the second slot
    Objective._claim(SimpleNamespace(target=2, grace=120.0), lower, "a")
    assert s.trials[lower.number].user_attrs.get(A.TRAINING) and s.trials[-1].state == TrialState.COMPLETE


def test_an_old_unmarked_running_trial_holds_no_slot():
    # A stray RUNNING trial (another Optuna client's, or one abandoned before it was costed)
    # older than the grace period must not block the last slot forever.
    s = study()
    s.ask()
    s.optimize(claiming(1, "b", grace=0.0), n_trials=1)
    assert s.trials[-1].state == TrialState.COMPLETE
