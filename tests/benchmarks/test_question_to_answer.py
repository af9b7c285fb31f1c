"""benchmarks/question_to_answer.py: each step's wall time stored as it ends, steps done skipped,
the summary summed from the stored runs."""

import importlib.util
import json
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[2] / "benchmarks"


@pytest.fixture(scope="module")
def qa():
    spec = importlib.util.spec_from_file_location("question_to_answer", BENCH / "question_to_answer.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules["question_to_answer"] = module
    spec.loader.exec_module(module)
    return module


def _row(step, run, wall, rc):
    return {"key": f"{step} run {run}", "step": step, "run": run, "argv": [step], "wall_s": wall, "rc": rc}


def test_the_commands_are_the_readmes(qa):
    opts = qa.Options(study="q", storage="sqlite:///q.db")
    assert opts.argv("search")[:5] == ["search", str(opts.space), "--max-flops", "5M", "--with-presets"]
    assert opts.argv("finalize") == ["finalize", "q", "--storage", "sqlite:///q.db", "--top", "3", "--with-presets",
                                     "--no-progress"]
    assert opts.argv("report") == ["report", "q", "--storage", "sqlite:///q.db"]


def test_a_step_is_done_when_its_last_run_exited_0_and_times_add_up(qa):
    rows = [_row("search", 0, 600.0, 0), _row("finalize", 0, 1800.0, 130), _row("finalize", 1, 1200.0, 0),
            _row("report", 0, 6.0, 1)]
    assert qa.done(rows, "search") and qa.done(rows, "finalize") and not qa.done(rows, "report")
    text = qa.summary(rows)
    assert "finalize  2 runs    50.0 min  done" in text and "report    1 run      0.1 min  not done" in text
    assert text.splitlines()[-1].split()[:4] == ["in", "all", "60.1", "min"] and text.endswith("so far")


@dataclass(frozen=True)
class _Quick:
    """The benchmark's options with each step's command replaced by a quick real one."""

    base: object
    argv_of: dict

    def __getattr__(self, name):
        return getattr(self.base, name)

    def argv(self, step):
        return self.argv_of[step]


def test_runs_are_stored_as_they_end_and_a_rerun_skips_steps_done(qa, tmp_path, capfd):
    results = tmp_path / "r.jsonl"
    table = qa.ledger(results)
    space = str(BENCH.parent / "search_spaces/lightweight.yaml")
    opts = _Quick(qa.Options(results=results), {"search": ["space", space], "finalize": ["space", "nope.yaml"]})
    assert qa.run_step(opts, "search", table) == 0
    assert qa.run_step(opts, "finalize", table) == 2  # nas's own exit code for a missing file
    rows = [json.loads(line) for line in results.read_text().splitlines()]
    assert [(r["key"], r["rc"]) for r in rows] == [("search run 0", 0), ("finalize run 0", 2)]
    assert all(r["wall_s"] > 0 and r["commit"] for r in rows)
    assert qa.run_step(opts, "finalize", table) == 2
    assert [r["key"] for r in table.rows()][-1] == "finalize run 1"
    assert "== finalize (run 1): exit 2" in capfd.readouterr().out


def test_list_prints_the_stored_runs(qa, tmp_path, capsys):
    results = tmp_path / "r.jsonl"
    results.write_text(json.dumps(_row("search", 0, 120.0, 0)) + "\n")
    assert qa.main(["--results", str(results), "--list"]) == 0
    assert "search    1 run      2.0 min  done" in capsys.readouterr().out


@pytest.mark.parametrize(("argv", "content", "message"), [
    (["--space", "{dir}/none.yaml"], None, "--space: no file"),
    ([], "not json\n{}\n", "not a JSON object"),
    ([], '{"key": "x", "step": "train", "run": 0, "argv": [], "wall_s": 1, "rc": 0}\n', None),
    (["--results", "{dir}"], None, "is not a file"),
])
def test_bad_input_is_one_line_and_exit_2(qa, tmp_path, capsys, argv, content, message):
    results = tmp_path / "r.jsonl"
    if content is not None:
        results.write_text(content)
    code = qa.main(["--results", str(results), "--list", *[a.format(dir=tmp_path) for a in argv]])
    err = capsys.readouterr().err
    if message is None:  # a stored row of an unknown step is refused only when a row is appended
        assert code == 0
        with pytest.raises(qa.NasError, match="step must be one of"):
            qa.ledger(results).append({"key": "y", "step": "train", "run": 0, "argv": [], "wall_s": 1, "rc": 0})
        return
    assert code == 2 and len(err.strip().splitlines()) == 1 and message in err, err
