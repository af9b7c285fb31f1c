"""``Study.status``, ``nas.describe_space`` and ``nas.list_presets``: the library holds what
``nas status``, ``nas space`` and ``nas presets`` print, and refuses bad options with their messages."""

from __future__ import annotations

import json
import shutil

import optuna
import pytest
from small import API_OPTIONS as OPTIONS
from small import DATA, SPACE

import nas
from nas.cli.main import main
from nas.study.record import TrialKind


@pytest.fixture
def space(tmp_path):
    path = tmp_path / "space.yaml"
    path.write_text(SPACE)
    return str(path)


@pytest.fixture(scope="module")
def searched(tmp_path_factory):
    """A small study of three trials searched from Python, shared by the read-only tests."""
    tmp = tmp_path_factory.mktemp("status")
    (tmp / "space.yaml").write_text(SPACE)
    return nas.search(str(tmp / "space.yaml"), max_flops="10M", trials=3, study="s",
                      storage=f"sqlite:///{tmp}/s.db", **OPTIONS)


def _printed(argv: list[str], capsys) -> list[str]:
    """The lines a command prints (it must succeed)."""
    assert main(argv) == 0, capsys.readouterr().err
    return capsys.readouterr().out.splitlines()


def _refused(argv: list[str], capsys) -> str:
    """The one error line a command prints, without its ``nas CMD: error:`` prefix."""
    assert main(argv) == 2
    err = capsys.readouterr().err.strip()
    assert "\n" not in err
    return err.removeprefix(f"nas {argv[0]}: error: ")


def test_status_holds_what_nas_status_prints(searched, capsys):
    status = searched.status()
    lines = _printed(["status", "s", "--storage", searched.storage], capsys)
    assert isinstance(status, nas.StudyStatus) and status.study == "s" and status.target == 3
    assert status.counts[TrialKind.SEARCHED] == 3 and status.max_flops == 10_000_000
    assert lines[0] == f"study s: space.yaml on {DATA}, budget 10M FLOPs"
    assert lines[1] == (f"trials: {status.counts[TrialKind.SEARCHED]}/3 complete, {status.counts[TrialKind.RUNNING]} "
                        f"running, {status.counts[TrialKind.FAILED]} failed, {status.counts[TrialKind.OVER_BUDGET]} "
                        "over budget, 0 pruned (duplicates/surplus)")
    # Single fidelity and not finalised: neither line is printed.
    assert status.eta is None and status.rungs == () and not status.finalized.any
    assert not any(line.startswith(("finalised", "trials that reached")) for line in lines)
    # The best trials are the study's front, the first five printed.
    assert status.best == searched.front
    best = lines[lines.index("best so far:") + 1:][:len(status.best[:5])]
    assert [int(line.split()[1]) for line in best] == [r.number for r in status.best[:5]]
    # The workers: the search's own process, idle, seen seconds ago.
    assert f"workers seen in the last 10 min: {len(status.workers)}" in lines
    assert [w.name for w in status.workers] == [line.split()[0] for line in lines[-len(status.workers):]]
    assert [(w.trials, w.state) for w in status.workers] == [(3, "idle")]


def test_a_running_worker_stays_whatever_the_window(searched, tmp_path, capsys):
    # A copy of the study with one trial a worker has begun.
    shutil.copy(searched.storage.removeprefix("sqlite:///"), tmp_path / "r.db")
    url = f"sqlite:///{tmp_path}/r.db"
    trial = optuna.load_study(study_name="s", storage=url).ask()
    trial.set_user_attr("worker", "host:7")
    status = nas.open_study("s", url).status(recent_min=0)
    assert status.counts[TrialKind.RUNNING] == 1 and status.recent_min == 0
    (worker,) = status.workers  # the idle search process is out of a window of 0 minutes
    assert (worker.name, worker.trials, worker.state) == ("host:7", 1, "running")
    lines = _printed(["status", "s", "--storage", url, "--recent", "0"], capsys)
    assert "1 running" in lines[1] and "workers seen in the last 0 min: 1" in lines
    assert lines[-1].split()[0] == "host:7" and lines[-1].endswith("running a trial")


@pytest.mark.parametrize(("value", "words"), [(-1, "-1"), ("abc", "abc"), (float("nan"), "nan"), (1e300, "1e300")])
def test_a_bad_recent_window_is_the_command_lines_message(searched, capsys, value, words):
    line = _refused(["status", "s", "--storage", searched.storage, "--recent", words], capsys)
    with pytest.raises(nas.NasError) as raised:
        searched.status(recent_min=value)
    assert str(raised.value) == line and "--recent" in line


def test_describe_space_holds_what_nas_space_prints(space, capsys):
    summary = nas.describe_space(space, max_flops="1M", samples=8, seed=1)
    printed = json.loads(_printed(["space", space, "--max-flops", "1M", "--samples", "8", "--seed", "1", "--json"],
                                  capsys)[0])
    assert isinstance(summary, nas.SpaceSummary) and printed == summary.to_dict()
    assert summary.size == printed["size"] == 12 and summary.input == (1, 28, 28) and summary.classes == 10
    assert [d.label for d in summary.dimensions] == ["stem.channels", "s1.family", "s1.channels"]
    assert summary.sample.n == 8 and summary.sample.flops_min <= summary.sample.flops_median <= summary.sample.flops_max
    # Twelve architectures: every one counted against the budget.
    assert summary.fit is not None and summary.fit.exact and summary.fit.of == 12
    lines = _printed(["space", space, "--max-flops", "1M", "--samples", "8", "--seed", "1"], capsys)
    assert f"{len(summary.dimensions)} dimensions, {summary.size:,} architectures" in lines
    assert lines[-1].startswith(f"{summary.fit.count:,} of 12 architectures fit within 1.00M FLOPs")


def test_describe_space_at_another_input(space):
    summary = nas.describe_space(space, input="3x16x16", classes=5, samples=2)
    assert (summary.input, summary.classes, summary.sample.n, summary.fit) == ((3, 16, 16), 5, 2, None)


BAD_SPACE = [
    ({"samples": "abc"}, ["--samples", "abc"]), ({"samples": 0}, ["--samples", "0"]),
    ({"samples": 10_001}, ["--samples", "10001"]), ({"seed": -1}, ["--seed", "-1"]),
    ({"classes": "x"}, ["--classes", "x"]), ({"input": "1x16"}, ["--input", "1x16"]),
    ({"max_params": "5K"}, ["--max-params", "5K"]), ({"max_flops": "0"}, ["--max-flops", "0"]),
    ({"max_flops": "1M", "max_params": "lots"}, ["--max-flops", "1M", "--max-params", "lots"]),
]


@pytest.mark.parametrize(("options", "words"), BAD_SPACE, ids=[" ".join(b[1]) for b in BAD_SPACE])
def test_bad_space_options_are_the_command_lines_message(space, capsys, options, words):
    line = _refused(["space", space, *words], capsys)
    with pytest.raises(nas.NasError) as raised:
        nas.describe_space(space, **options)
    assert str(raised.value) == line


def test_a_missing_space_file_is_the_command_lines_message(tmp_path, capsys):
    missing = str(tmp_path / "nope.yaml")
    line = _refused(["space", missing], capsys)
    with pytest.raises(nas.NasError) as raised:
        nas.describe_space(missing)
    assert str(raised.value) == line and missing in line


def test_list_presets_holds_what_nas_presets_prints(capsys):
    presets = nas.list_presets()
    printed = json.loads("\n".join(_printed(["presets", "--json"], capsys)))
    assert [p.to_dict() for p in presets] == printed
    assert all(isinstance(p, nas.PresetInfo) and p.config.num_classes == p.classes for p in presets)
    assert "mobilenetv3-small" in {p.name for p in presets}
