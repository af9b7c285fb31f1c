"""The study's schema lives in ``nas.study``: its readers and writers, and the package boundary
that keeps every other module off Optuna's raw user attrs."""

import ast
from pathlib import Path

import optuna
import pytest
from optuna.trial import TrialState, create_trial

import nas
from nas.study import attrs as A

PACKAGE = Path(nas.__file__).parent
#: Modules that read trials through ``nas.study`` and never reach into the search.
SEARCH_FREE = ("finalizing", "report", "export.py", "study")


def _modules(*parts: str) -> list[Path]:
    paths: list[Path] = []
    for part in parts:
        path = PACKAGE / part
        paths += sorted(path.rglob("*.py")) if path.is_dir() else [path]
    return paths


def _imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            names |= {node.module, *(f"{node.module}.{a.name}" for a in node.names)}
    return names


def test_only_the_schema_package_touches_user_attrs():
    touching = []
    for path in _modules("."):
        if path.is_relative_to(PACKAGE / "study"):
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            name = node.attr if isinstance(node, ast.Attribute) else node.arg if isinstance(node, ast.keyword) else None
            if name in ("user_attrs", "set_user_attr"):
                touching.append(f"{path.relative_to(PACKAGE)}:{node.lineno}")
    assert touching == []


def test_finalize_report_export_and_the_schema_never_import_the_search():
    reaching = {str(p.relative_to(PACKAGE)): sorted(n for n in _imports(p) if n.startswith("nas.searching"))
                for p in _modules(*SEARCH_FREE)}
    assert {k: v for k, v in reaching.items() if v} == {}


def test_trial_readers_answer_for_stored_and_missing_attrs():
    stored = create_trial(state=TrialState.RUNNING, user_attrs={
        A.NOTATION: "s16", A.TRAINING: True, A.STARTED_AT: 12, A.RUNG: "1", A.CONSTRAINT: [1, -2],
        A.PRESCREEN: {"trained": True}, A.ACCURACY: 0.5, A.FLOPS: 10, A.ARCH: {"stages": []}})
    assert (A.notation_of(stored), A.marked_training(stored), A.started_at(stored), A.rung_of(stored)) == \
        ("s16", True, 12.0, 1)
    assert A.constraint_of(stored) == (1.0, -2.0) and A.passed_prescreen(stored)
    assert A.measurements_of(stored) == {"accuracy": 0.5, "flops": 10} and A.arch_of(stored) == {"stages": []}
    assert A.is_search_trial(stored) and A.baseline_of(stored) is None
    bare = create_trial(state=TrialState.RUNNING)
    assert (A.notation_of(bare), A.marked_training(bare), A.started_at(bare), A.rung_of(bare)) == (None, False, None, None)
    assert A.constraint_of(bare) == (0.0,) and not A.passed_prescreen(bare) and A.measurements_of(bare) == {}
    odd = create_trial(state=TrialState.RUNNING, user_attrs={A.PRESCREEN: "yes", A.BASELINE: "mobilenetv3-small"})
    assert not A.passed_prescreen(odd) and not A.is_search_trial(odd) and A.baseline_of(odd) == "mobilenetv3-small"


def test_a_claim_is_created_whole_and_is_no_search_trial():
    claim = A.claim_trial("host:1", 7, 100.0, {"epochs": 15})
    assert claim.state == TrialState.RUNNING and not A.is_search_trial(claim)
    assert claim.user_attrs == {A.WORKER: "host:1", A.FINALIZES: 7, A.HEARTBEAT: 100.0, A.RECIPE: {"epochs": 15}}
    assert A.RECIPE not in A.claim_trial("host:1", 7, 100.0).user_attrs


@pytest.fixture
def study():
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    return optuna.create_study(directions=["maximize", "minimize"])


def test_study_readers_and_writers_round_trip(study):
    assert (A.study_settings(study), A.study_run(study), A.study_target(study), A.study_linear_accuracy(study)) == \
        ({}, {}, None, None)
    A.write_new_study(study, {"max_flops": 5}, {"name": "s.yaml", "text": ""}, {"grace": 60}, 4, "2026-01-01")
    A.write_linear_accuracy(study, 0.25)
    assert (A.study_settings(study), A.study_run(study), A.study_target(study), A.study_linear_accuracy(study)) == \
        ({"max_flops": 5}, {"grace": 60}, 4, 0.25)
    A.complete_study(study, dict(study.user_attrs), {"name": "t.yaml", "text": ""}, {"grace": 1}, 9)
    assert study.user_attrs[A.STUDY_SPACE]["name"] == "s.yaml" and A.study_run(study) == {"grace": 60}
    assert A.study_target(study) == 9


def test_a_study_setting_of_another_shape_reads_as_none(study):
    study.set_user_attr(A.STUDY_SETTINGS, "not a dict")
    study.set_user_attr(A.STUDY_RUN, [1, 2])
    assert A.study_settings(study) == {} and A.study_run(study) == {}
