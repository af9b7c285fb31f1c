"""A drafting trial's age comes from epoch seconds, so hosts in other time zones (or a clock
change) never misjudge whether it still holds a training slot."""

import time
from datetime import datetime, timedelta

import optuna
from optuna.trial import TrialState, create_trial

from nas.searching.objective import holds_slot
from nas.study import attrs as A


def running(started_local: datetime, **attrs):
    trial = create_trial(state=TrialState.RUNNING, user_attrs=attrs)
    trial.datetime_start = started_local
    return trial


def test_a_trial_begun_now_on_a_host_hours_behind_still_holds_its_slot():
    now = time.time()
    # A worker at UTC-5 writes a naive local datetime_start five hours before ours.
    west = running(datetime.fromtimestamp(now) - timedelta(hours=5), **{A.STARTED_AT: now - 3})
    assert holds_slot(west, now, grace=120)
    # One at UTC+5 writes one five hours ahead; begun 10 minutes ago, it no longer holds one.
    east = running(datetime.fromtimestamp(now) + timedelta(hours=5), **{A.STARTED_AT: now - 600})
    assert not holds_slot(east, now, grace=120)


def test_trials_of_an_older_nas_fall_back_to_optuna_start_time():
    now = time.time()
    assert holds_slot(running(datetime.fromtimestamp(now - 10)), now, grace=120)
    assert not holds_slot(running(datetime.fromtimestamp(now - 1000)), now, grace=120)
    assert holds_slot(running(datetime.fromtimestamp(now - 1000), **{A.TRAINING: True}), now, grace=120)


def test_a_search_trial_records_when_it_began(search_kwargs):
    from nas.searching.run import run_search, settings_from

    before = time.time()
    settings = settings_from(**search_kwargs)
    run_search(settings)
    trials = optuna.load_study(study_name="t", storage=settings.storage_url).trials
    assert trials and all(before <= t.user_attrs[A.STARTED_AT] <= time.time() for t in trials)
    assert all(t.user_attrs[A.STARTED_AT] <= t.datetime_complete.timestamp() for t in trials)
