"""Training slots go by trial number: two workers never both take the last one."""

from types import SimpleNamespace

import optuna
from optuna.trial import TrialState

from nas.searching.objective import Objective
from nas.study import attrs as A


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


# -- duplicates: the lower-numbered trial of an architecture trains it --------------------------


def proposing(s, notation, *trials):
    """``trials`` (asked from ``s``) have each proposed ``notation`` (what write_arch stores before the claim)."""
    for trial in trials:
        trial.set_user_attr(A.NOTATION, notation)


def reads(s, monkeypatch, *snapshots):
    """The study's next reads return ``snapshots`` (lists of trials read earlier), then the live study:
    a worker's first read taken before another worker's write."""
    live, queue = s.get_trials, list(snapshots)

    def get_trials(deepcopy=True, states=None):
        if not queue:
            return live(deepcopy=deepcopy, states=states)
        return [t for t in queue.pop(0) if states is None or t.state in states]

    monkeypatch.setattr(s, "get_trials", get_trials)


def claim(trial, target=5):
    """The claim's outcome: ``"training"``, or the reason it was pruned."""
    try:
        Objective._claim(SimpleNamespace(target=target, grace=120.0), trial, "x")
    except optuna.TrialPruned as exc:
        return str(exc)
    return "training"


def test_two_workers_reading_before_either_marks_train_one_architecture_once(monkeypatch):
    s = study()
    lower, higher = s.ask(), s.ask()
    proposing(s, "x", lower, higher)
    both = s.get_trials()  # both workers read the study before either marked its trial
    reads(s, monkeypatch, both)
    assert claim(lower) == "training"
    reads(s, monkeypatch, both)
    assert claim(higher) == f"same architecture as trial {lower.number}"
    assert s.trials[higher.number].user_attrs[A.DUPLICATE_OF] == lower.number


def test_the_lower_trial_wins_whatever_its_mark():
    s = study()
    lower, higher = s.ask(), s.ask()
    proposing(s, "x", lower, higher)
    assert claim(higher) == f"same architecture as trial {lower.number}"  # the lower one is not marked yet
    assert claim(lower) == "training"
    assert not s.trials[higher.number].user_attrs.get(A.TRAINING)


def test_a_lower_trial_that_proposes_after_the_higher_read_still_wins(monkeypatch):
    # The higher trial read the study before the lower one had written its architecture, and the
    # lower one read before the higher one marked itself: the higher one looks again once marked.
    s = study()
    lower, higher = s.ask(), s.ask()
    proposing(s, "x", higher)
    early = s.get_trials()
    proposing(s, "x", lower)
    late = s.get_trials()
    reads(s, monkeypatch, early)
    assert claim(higher) == f"same architecture as trial {lower.number}"
    reads(s, monkeypatch, late)
    assert claim(lower) == "training"
    assert not s.trials[higher.number].user_attrs.get(A.TRAINING)


def test_a_failed_or_refused_trial_of_the_architecture_does_not_count():
    s = study()
    failed = s.ask()  # its worker died; a retry repeats it
    proposing(s, "x", failed)
    s.tell(failed, state=TrialState.FAIL)
    duplicate = s.ask()
    proposing(s, "x", duplicate)
    A.write_duplicate(duplicate, 0)
    s.tell(duplicate, state=TrialState.PRUNED)
    retry = s.ask()
    proposing(s, "x", retry)
    assert claim(retry) == "training"


def test_a_higher_trial_already_training_the_architecture_keeps_it():
    s = study()
    lower, higher = s.ask(), s.ask()
    proposing(s, "x", higher)
    assert claim(higher) == "training"  # the lower one had not proposed it yet
    proposing(s, "x", lower)
    assert claim(lower) == f"same architecture as trial {higher.number}"
