"""Opening a study: identity, stored space, foreign studies, heartbeat settings, stale trials, budgets."""

import sqlite3
import subprocess
import sys
import time

import optuna
import pytest
from optuna.trial import TrialState, create_trial

from nas.errors import NasError
from nas.processes import check_exits
from nas.searching.budget import Budget
from nas.searching.cheapest import cheapest, check_budget_possible
from nas.searching.run import run_search, settings_from
from nas.searching.study import SpaceSource, joined_settings, open_study
from nas.space import SearchSpace
from nas.study.stale import fail_stale


def dump(path):
    """The database's rows, to compare before and after a refused command."""
    with sqlite3.connect(path) as db:
        tables = [r[0] for r in db.execute("select name from sqlite_master where type='table'")]
        return {t: sorted(map(repr, db.execute(f"select * from {t}"))) for t in tables}


def test_changed_space_is_refused_before_anything_is_written(search_kwargs, tiny_space, tmp_path):
    run_search(settings_from(**{**search_kwargs, "trials": 1}))
    before = dump(tmp_path / "t.db")
    tiny_space.write_text(tiny_space.read_text().replace("channels: [8, 16]", "channels: [8, 12]"))
    with pytest.raises(NasError, match="another version of tiny.yaml"):
        run_search(settings_from(**{**search_kwargs, "trials": 1}))
    assert dump(tmp_path / "t.db") == before


def test_comments_do_not_change_the_space_identity(tiny_space):
    text = tiny_space.read_text()
    assert SpaceSource("a", text).sha256 == SpaceSource("a", "# a comment\n" + text).sha256
    assert SpaceSource("a", text).sha256 != SpaceSource("a", text.replace("[8, 16]", "[8, 12]")).sha256


def test_a_study_nas_did_not_make_is_refused_untouched(search_kwargs, tmp_path):
    url = search_kwargs["storage"]
    plain = optuna.create_study(study_name="t", storage=url, directions=["minimize"])
    plain.add_trial(create_trial(state=TrialState.COMPLETE, value=1.0))
    before = dump(tmp_path / "t.db")
    with pytest.raises(NasError, match="was not made by nas search"):
        run_search(settings_from(**search_kwargs))
    assert dump(tmp_path / "t.db") == before


def test_join_with_study_and_storage_alone(search_kwargs, tiny_space):
    run_search(settings_from(**{**search_kwargs, "trials": 1}))
    tiny_space.unlink()  # another host: no space file
    given = joined_settings({"space": None, "study": "t", "storage": search_kwargs["storage"], "trials": 2,
                             "jobs": 1, "progress": False})
    settings = settings_from(**given)
    assert (settings.max_flops, settings.epochs, settings.train_subset, settings.dataset) == (
        1_000_000, 1, 256, "synthetic")
    summary = run_search(settings)
    assert summary.complete == 2
    study = optuna.load_study(study_name="t", storage=search_kwargs["storage"])
    assert study.user_attrs["target_trials"] == 2  # the larger target is stored (and shown by status)


def test_joining_a_missing_study_without_a_space_is_one_line(tmp_path):
    with pytest.raises(NasError, match="no study 'nope'.*give a space file"):
        joined_settings({"space": None, "study": "nope", "storage": f"sqlite:///{tmp_path}/x.db"})


@pytest.mark.parametrize("heartbeat, grace", [(30, 30), (60, 30), (0, 10), (5, -1)])
def test_grace_must_exceed_heartbeat(search_kwargs, heartbeat, grace):
    with pytest.raises(NasError, match="--(grace|heartbeat)"):
        settings_from(**{**search_kwargs, "heartbeat": heartbeat, "grace": grace})


@pytest.mark.parametrize("key, value", [("trials", 0), ("jobs", -1), ("epochs", 0), ("timeout", 0.0),
                                        ("train_subset", -5), ("batch_size", 0), ("sampler", "tpee")])
def test_bad_numbers_are_one_line(search_kwargs, key, value):
    with pytest.raises(NasError, match=key.replace("_", "-")):
        settings_from(**{**search_kwargs, key: value})


def test_abnormal_worker_exits_fail_the_search():
    check_exits([0, 0])
    with pytest.raises(NasError, match="worker 1 was killed by signal 9"):
        check_exits([0, -9])
    with pytest.raises(NasError, match="worker 0 exited with code 1"):
        check_exits([1, 0])
    with pytest.raises(NasError, match="stopped on an error"):
        check_exits([2, 0])


def beat(settings, trial):
    from nas.study.storage import open_storage

    # What Study.optimize's heartbeat thread does for a live trial (trial ids are storage-internal).
    open_storage(settings.storage_url, heartbeat_interval=1, grace_period=2).record_heartbeat(trial._trial_id)


def test_stale_trials_are_failed_with_the_stored_grace(search_kwargs, tiny_space):
    settings = settings_from(**{**search_kwargs, "heartbeat": 1, "grace": 2})
    study = open_study(settings, SpaceSource.from_file(tiny_space))
    trial = study.ask()  # a worker that beat once, then died
    beat(settings, trial)
    assert fail_stale("t", settings.storage_url) == set()  # not yet silent for the grace period
    time.sleep(3.2)  # SQLite stores heartbeats to the second: more than grace + 1 s
    assert fail_stale("t", settings.storage_url) == {trial.number}
    assert optuna.load_study(study_name="t", storage=settings.storage_url).trials[0].state == TrialState.FAIL


def test_status_shows_a_silent_worker_and_no_warning(search_kwargs, tiny_space, tmp_path):
    settings = settings_from(**{**search_kwargs, "heartbeat": 1, "grace": 2})
    study = open_study(settings, SpaceSource.from_file(tiny_space))
    trial = study.ask()
    trial.set_user_attr("worker", "deadhost:1")
    beat(settings, trial)
    time.sleep(3.2)  # SQLite stores heartbeats to the second: more than grace + 1 s
    proc = subprocess.run([sys.executable, "-m", "nas.cli.main", "status", "t", "--storage", settings.storage_url],
                          capture_output=True, text=True, timeout=120, cwd=tmp_path)
    assert proc.returncode == 0 and proc.stderr == "", proc.stderr
    assert "deadhost:1" in proc.stdout and "silent" in proc.stdout and "running a trial" not in proc.stdout
    assert "0 running, 1 failed" in proc.stdout


def test_cheapest_is_found_where_random_samples_miss(tiny_space):
    space = SearchSpace.load(tiny_space, (1, 16, 16), 4)
    config, flops, params, _ = cheapest(space, Budget(1))  # nothing fits: the search runs to its end
    ratios = [f for f in (_cost(c) for _, c in space.random(48, seed=7))]
    assert flops <= min(ratios)
    check_budget_possible(space, Budget(flops))  # exactly the cheapest found: possible
    with pytest.raises(NasError, match="impossible budget"):
        check_budget_possible(space, Budget(flops - 1))


def _cost(config):
    from nas.blocks import build_model
    from nas.cost import count_flops

    return count_flops(build_model(config), config.input_shape).total
