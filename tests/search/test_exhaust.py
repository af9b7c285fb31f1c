"""A search whose space runs out: it trains every architecture that fits, stores each refused one
once, and ends saying so instead of proposing duplicates until a fixed limit."""

from __future__ import annotations

import optuna
import pytest

from nas.cli.main import main
from nas.study.record import TrialKind, read_records

SPACE = """\
name: small
input: dataset
classes: dataset
stem: {{kind: [conv], channels: [8]}}
stages:
  - {{family: [conv], depth: [1], channels: {first}, stride: 2}}
{second}head: {{hidden: [null]}}
"""


def search(tmp_path, capsys, space: str, budget: str, trials: int, *extra: str):
    path = tmp_path / "space.yaml"
    path.write_text(space)
    url = f"sqlite:///{tmp_path}/x.db"
    code = main(["search", str(path), "--max-flops", budget, "--trials", str(trials), "--study", "x",
                 "--storage", url, "--dataset", "synthetic:1x8x8:4:128", "--epochs", "1", "--train-subset", "64",
                 "--val-size", "32", "--batch-size", "32", "--jobs", "1", "--threads", "1", "--no-progress",
                 "--timeout", "90", *extra])
    out, err = capsys.readouterr()
    return code, out, err, read_records(optuna.load_study(study_name="x", storage=url))


@pytest.mark.parametrize("prescreen", ["4", "0"])
def test_a_space_of_two_architectures_ends_once_both_are_trained(tmp_path, capsys, prescreen):
    space = SPACE.format(first="[16, 24]", second="")
    code, _, err, records = search(tmp_path, capsys, space, "10M", 3, "--prescreen", prescreen)
    assert code == 0, err[-2000:]
    trained = [r for r in records if r.kind == TrialKind.SEARCHED]
    assert len(trained) == 2 and len({r.notation for r in trained}) == 2
    assert len(records) <= 4, [r.kind for r in records]  # no stream of duplicates
    assert "the space holds 2 distinct architectures and every one is settled: 2 trained" in err
    assert "the study ends with 2 of the 3 trials asked for" in err


def test_refused_architectures_are_stored_once_and_one_too_large_is_over_budget(tmp_path, capsys):
    # Four architectures: (16, 24) fits; (16, 30000) and (20000, 24) are over; (20000, 30000)
    # has 5.4G parameters, more than this machine could hold.
    second = "  - {family: [conv], depth: [1], channels: [24, 30000], stride: 2}\n"
    space = SPACE.format(first="[16, 20000]", second=second)
    code, _, err, records = search(tmp_path, capsys, space, "200K", 3)
    assert code == 0, err[-2000:]
    kinds = [r.kind for r in records]
    assert kinds.count(TrialKind.SEARCHED) == 1 and TrialKind.FAILED not in kinds, kinds
    over = [r.notation for r in records if r.kind == TrialKind.OVER_BUDGET]
    assert len(over) == len(set(over)) == 3
    assert "4 distinct architectures and every one is settled: 1 trained, 3 over the budget" in err
