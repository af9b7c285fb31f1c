"""The promise "nothing stored is lost, bad input is one line and exit code 2", family by family,
through the command line (run in this process) against a study made by a real tiny search.

Families already covered elsewhere are named in each section; the tests here fill what those
leave open.
"""

from __future__ import annotations

import time
import warnings

import optuna
import pytest
from clirun import STORE, check_outcome, listing, run_in_process, sha256
from optuna.distributions import IntDistribution
from optuna.trial import TrialState, create_trial

#: The stored study's settings (a new study made with them trains on a small slice).
SEARCH = ["--dataset", "synthetic", "--epochs", "1", "--train-subset", "128", "--val-size", "64", "--batch-size", "64",
          "--no-progress", "--jobs", "1"]


def run(work, capfd, *argv: str) -> tuple[int, str]:
    """Run ``nas ARGV`` and check the promise (one line on failure; a failure or a read changes
    nothing stored); returns the exit code and stderr."""
    db = work / "studies" / "t.db"
    before, listed = sha256(db), listing(work)
    capfd.readouterr()
    code, err, out = run_in_process(list(argv), capfd)
    check_outcome("promise", list(argv), code, err, before, sha256(db), listed, listing(work))
    return code, err


def one_line(code: int, err: str, *needles: str) -> str:
    lines = [ln for ln in err.splitlines() if ln.strip()]
    assert code == 2 and len(lines) == 1, err
    for needle in needles:
        assert needle in lines[0], lines[0]
    return lines[0]


# -- 1. a space edited between runs (also tests/search/test_study.py, by the API) --------------------

@pytest.mark.parametrize("old, new", [
    ("channels: [8, 16]", "channels: [8, 12]"),  # another choice
    ("[bneck, reshet, conv]", "[bneck, conv]"),  # a choice removed
    ("head: {hidden: [null, 32]}", "head: {hidden: [null, 64]}"),
])
def test_edited_space_is_refused_before_touching_the_study(work, capfd, old, new):
    path = work / "tiny.yaml"
    assert old in path.read_text()
    path.write_text(path.read_text().replace(old, new))
    code, err = run(work, capfd, "search", "tiny.yaml", "--study", "t", "--storage", STORE, *SEARCH)
    one_line(code, err, "another version of tiny.yaml")


# -- 2. a plain Optuna study in the same storage (also tests/search/test_study.py) -------------------

PLAIN = {
    "one-objective": (["minimize"], None),
    "other-names": (["maximize", "minimize"], ["acc", "cost"]),
    "nas-like-names": (["maximize", "minimize"], ["accuracy", "flops"]),
    "three-objectives": (["minimize", "minimize", "maximize"], None),
}


@pytest.mark.parametrize("kind", sorted(PLAIN))
@pytest.mark.parametrize("command", ["search", "status", "report", "export"])
def test_plain_optuna_study_is_refused_or_read_without_writes(work, capfd, kind, command):
    directions, names = PLAIN[kind]
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    plain = optuna.create_study(study_name="p", storage=STORE, directions=directions)
    if names:
        with warnings.catch_warnings():  # "experimental" in Optuna
            warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
            plain.set_metric_names(names)
    values = [1.0] * len(directions)
    plain.add_trial(create_trial(state=TrialState.COMPLETE, values=values, params={"x": 1},
                                 distributions={"x": IntDistribution(0, 3)}))
    argv = {"search": ["search", "tiny.yaml", "--max-flops", "1M", "--study", "p", "--storage", STORE, *SEARCH],
            "status": ["status", "p", "--storage", STORE],
            "report": ["report", "p", "--storage", STORE, "-o", "r.html"],
            "export": ["export", "p", "--storage", STORE, "-o", "a.yaml"]}[command]
    code, err = run(work, capfd, *argv)
    if command == "search":
        one_line(code, err, "was not made by nas search")
    elif command == "export":
        one_line(code, err, "not made by nas search")
    else:
        assert code == 0, err


# -- 3. outputs over the storage (also tests/cli/test_outputs.py, every alias) -----------------------

@pytest.mark.parametrize("command", ["export", "report"])
@pytest.mark.parametrize("output", ["studies/t.db", "./studies//t.db"])
def test_output_over_the_storage_is_refused_and_leaves_no_temporary_file(work, capfd, command, output):
    code, err = run(work, capfd, command, "t", "--storage", STORE, "-o", output)
    one_line(code, err, "storage")
    assert not list(work.rglob(".nas-*"))


# -- 4. a budget the space can just meet (also tests/search/test_study.py, by the API) ---------------

@pytest.mark.slow
def test_budget_of_the_cheapest_architecture_is_accepted(work, capfd):
    """A budget equal to the cheapest architecture's FLOPs is accepted (one FLOP less is refused:
    tests/search/test_study.py)."""
    from nas.data import load_dataset
    from nas.searching.budget import Budget
    from nas.searching.cheapest import cheapest
    from nas.space import SearchSpace

    data = load_dataset("synthetic")
    space = SearchSpace.load(work / "tiny.yaml", data.input_shape, data.num_classes)
    _, flops, _, _ = cheapest(space, Budget(1))
    code, err = run(work, capfd, "search", "tiny.yaml", "--max-flops", str(flops), "--study", "c", "--storage",
                    "sqlite:///studies/c.db", *SEARCH, "--timeout", "0.001")
    assert code == 0, err
    stored = optuna.load_study(study_name="c", storage="sqlite:///studies/c.db").user_attrs["settings"]
    assert stored["max_flops"] == flops


# -- 5. heartbeat and grace (a dying worker: tests/search/test_study.py, test_workers.py) ------------

@pytest.mark.parametrize("heartbeat, grace", [("30", "30"), ("60", "30"), ("5", "1")])
def test_grace_not_above_heartbeat_is_one_line_and_makes_nothing(work, capfd, heartbeat, grace):
    code, err = run(work, capfd, "search", "tiny.yaml", "--max-flops", "1M", "--study", "n", "--storage",
                    "sqlite:///studies/n.db", "--heartbeat", heartbeat, "--grace", grace, *SEARCH)
    one_line(code, err, "--grace", "--heartbeat")
    assert not (work / "studies" / "n.db").exists()


# -- 6. stale trials (status and search: tests/search/test_study.py, test_workers.py) ----------------

def test_report_fails_a_silent_trial_with_the_stored_grace(work, capfd):
    from nas.searching.run import settings_from
    from nas.searching.study import SpaceSource, open_study
    from nas.study.storage import open_storage

    url = "sqlite:///studies/h.db"
    settings = settings_from(space="tiny.yaml", max_flops=1_000_000, study="h", storage=url, dataset="synthetic",
                             heartbeat=1, grace=2, jobs=1, progress=False)
    trial = open_study(settings, SpaceSource.from_file("tiny.yaml")).ask()  # a worker that beat once, then died
    open_storage(url, heartbeat_interval=1, grace_period=2).record_heartbeat(trial._trial_id)
    time.sleep(3.2)  # SQLite stores heartbeats to the second: more than grace + 1 s
    capfd.readouterr()
    code, err, out = run_in_process(["report", "h", "--storage", url, "-o", "h.html"], capfd)
    assert code == 0, err
    assert optuna.load_study(study_name="h", storage=url).trials[0].state == TrialState.FAIL


# -- 8. in-memory storage, one-class data, a larger target (also tests/search/test_storage.py) --------

@pytest.mark.parametrize("url", ["sqlite://", "sqlite:///:memory:", "sqlite:///file:x?mode=memory&uri=true"])
def test_search_refuses_an_in_memory_storage(work, capfd, url):
    code, err = run(work, capfd, "search", "tiny.yaml", "--max-flops", "1M", "--storage", url, *SEARCH)
    one_line(code, err, "in-memory")


@pytest.mark.parametrize("dataset", ["synthetic:1x16x16:1", "synthetic:1x16x16:0"])
def test_search_refuses_a_data_set_of_fewer_than_two_classes(work, capfd, dataset):
    code, err = run(work, capfd, "search", "tiny.yaml", "--max-flops", "1M", "--study", "o", "--storage",
                    "sqlite:///studies/o.db", *SEARCH, "--dataset", dataset)
    one_line(code, err, "class")
    assert not (work / "studies" / "o.db").exists()


def test_a_larger_trials_target_is_shown_by_status(work, capfd):
    code, err, out = run_in_process(["status", "t", "--storage", STORE], capfd)
    assert code == 0 and "1/1 complete" in out, err
    code, err, out = run_in_process(["search", "tiny.yaml", "--study", "t", "--storage", STORE, "--trials", "5",
                                     "--timeout", "0.001", *SEARCH], capfd)
    assert code == 0, err
    code, err, out = run_in_process(["status", "t", "--storage", STORE], capfd)
    assert code == 0 and "1/5 complete" in out, err


# -- 9. bounded YAML and huge widths (also tests/space, tests/arch, tests/train) ---------------------

LAUGHS = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
    f"{chr(98 + i)}: &{chr(98 + i)} [" + ", ".join([f"*{chr(97 + i)}"] * 9) + "]\n" for i in range(9))


@pytest.mark.parametrize("content, needle", [
    (LAUGHS, "aliases"),
    ("stem: {kind: conv, channels: 60000}\nstages:\n  - {family: conv, channels: 60000, stride: 2}\n", "parameters"),
    ("stem: {kind: conv, channels: 8}\nstages:\n  - {family: conv, channels: 1000000, stride: 2}\n", "channels"),
])
def test_search_refuses_unbounded_spaces_in_one_line(work, capfd, content, needle):
    (work / "big.yaml").write_text(content)
    code, err = run(work, capfd, "search", "big.yaml", "--max-flops", "1M", "--study", "b", "--storage",
                    "sqlite:///studies/b.db", *SEARCH)
    one_line(code, err, needle)
    assert not (work / "studies" / "b.db").exists()


# -- 10. one line, exit 2 ------------------------------------------------------------------------------

@pytest.mark.parametrize("data, needle", [
    (b"name: tiny\xff\n", "not UTF-8"),
    (b"name: tiny\n1: x\n", "keys must be names"),
    (b"", "stages"),
    (b"- 1\n", "expected a mapping"),
])
def test_search_with_a_broken_space_file(work, capfd, data, needle):
    (work / "bad.yaml").write_bytes(data)
    code, err = run(work, capfd, "search", "bad.yaml", "--max-flops", "1M", "--study", "t", "--storage", STORE,
                    *SEARCH)
    line = one_line(code, err, "bad.yaml", needle)
    assert ": : " not in line


@pytest.mark.parametrize("option, value, needle", [
    ("--seed", "99999999999999999999999", "--seed"), ("--seed", "-1", "--seed"),
    ("--jobs", "100000", "--jobs"), ("--jobs", "0", "--jobs"), ("--threads", "100000", "--threads"),
    ("--threads", "0", "--threads"), ("--trials", "10000000000", "--trials"), ("--trials", "x", "--trials"),
    ("--timeout", "inf", "--timeout"), ("--timeout", "nan", "--timeout"), ("--timeout", "-1", "--timeout"),
    ("--timeout", "", "--timeout"), ("--heartbeat", "9999999999", "--heartbeat"), ("--epochs", "99999999", "--epochs"),
    ("--max-flops", "9" * 400, "--max-flops"), ("--max-flops", "inf", "--max-flops"), ("--max-flops", "0", "--max-flops"),
    ("--max-params", "-1", "--max-params"), ("--preset-max-flops", "", "--preset-max-flops"),
    ("--sampler", "x", "--sampler"), ("--storage", "bad://x", "unknown kind of database"),
])
def test_search_bad_options_in_a_new_study(work, capfd, option, value, needle):
    code, err = run(work, capfd, "search", "tiny.yaml", "--max-flops", "1M", "--study", "n", "--storage",
                    "sqlite:///studies/n.db", *SEARCH, option, value)
    one_line(code, err, needle)
    assert not (work / "studies" / "n.db").exists()


@pytest.mark.parametrize("value", ["nan", "inf", "-1", "1e300", "x", ""])
def test_status_recent_window(work, capfd, value):
    code, err = run(work, capfd, "status", "t", "--storage", STORE, "--recent", value)
    one_line(code, err, "--recent")


@pytest.mark.parametrize("argv", [
    ["export", "t", "--storage", STORE, "--max-flops", ""],
    ["export", "t", "--storage", STORE, "--max-flops", "1e400"],
    ["train", "arch.yaml", "--dataset", "synthetic:1x16x16:4:64", "--adapt", "--epochs", "99999999", "-o", "run"],
    ["train", "arch.yaml", "--dataset", "synthetic:1x16x16:4:64", "--adapt", "--batch-size", "9" * 20, "-o", "run"],
    ["space", "tiny.yaml", "--samples", "x"],
    ["profile", "arch.yaml", "--bogus"],
    ["report"],
])
def test_malformed_command_lines_are_one_line(work, capfd, argv):
    code, err = run(work, capfd, *argv)
    line = one_line(code, err)
    assert "usage:" not in err and line.startswith(f"nas {argv[0]}: error: ")


PATCHES = {  # command -> (module, function) that the interrupt hits, and the command line
    "space": ("nas.space", "load_space", ["space", "tiny.yaml"]),
    "profile": ("nas.cost", "profile_model", ["profile", "arch.yaml", "--no-memory"]),
    "search": ("nas.searching.run", "run_search", ["search", "tiny.yaml", "--study", "t", "--storage", STORE, *SEARCH]),
    "status": ("nas.study.stored", "open_stored", ["status", "t", "--storage", STORE]),
    "report": ("nas.report.html", "render_report", ["report", "t", "--storage", STORE]),
    "export": ("nas.export", "export_trial", ["export", "t", "--storage", STORE]),
    "train": ("nas.training.full", "train_full", ["train", "arch.yaml", "--dataset", "synthetic:1x16x16:4:64",
                                               "--adapt", "-o", "run"]),
}


@pytest.mark.parametrize("command", sorted(PATCHES))
def test_ctrl_c_prints_one_line(work, capfd, monkeypatch, command):
    import importlib

    module, name, argv = PATCHES[command]

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(importlib.import_module(module), name, interrupted)
    db = work / "studies" / "t.db"
    before = sha256(db)
    capfd.readouterr()
    code, err, out = run_in_process(argv, capfd)
    lines = [ln for ln in err.splitlines() if ln.strip()]
    assert code == 130 and len(lines) == 1 and "interrupted" in lines[0], err
    assert sha256(db) == before
