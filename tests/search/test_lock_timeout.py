"""A SQLite storage never waits for its lock longer than the grace period of the workers writing
through it: a worker waiting for the lock is never taken for dead, and a grace too short for
any lock wait is refused in one line."""

import pytest

from nas.errors import NasError
from nas.study.storage import open_storage


def lock_wait(storage):
    return storage.engine_kwargs["connect_args"]["timeout"]


def test_the_lock_wait_fits_in_the_grace(tmp_path):
    url = f"sqlite:///{tmp_path}/t.db"
    assert lock_wait(open_storage(url, heartbeat_interval=1, grace_period=3)) <= 3
    assert lock_wait(open_storage(url, grace_period=120)) <= 120
    assert lock_wait(open_storage(url)) == 120  # no grace: the full wait


def test_a_grace_shorter_than_any_lock_wait_is_one_line_naming_both(tmp_path):
    with pytest.raises(NasError) as info:
        open_storage(f"sqlite:///{tmp_path}/t.db", grace_period=1)
    text = str(info.value)
    assert "\n" not in text and "grace" in text and "1 s" in text and "2 s" in text
    assert not (tmp_path / "t.db").exists()
