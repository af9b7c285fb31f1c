import optuna
import pytest
from fakes import BUDGET, add, finalised_study, new_study, realistic_study, with_finals
from optuna.trial import TrialState

from nas.errors import NasError
from nas.export import best_trial
from nas.report.recommend import FINAL, PROXY, export_command, recommend
from nas.study.record import TrialKind, read_records


def test_by_proxy_validation_when_nothing_was_finalised(study):
    rec = recommend(study)
    assert rec.trial == 4 and rec.basis == PROXY == "proxy validation" and rec.accuracy == 0.86
    assert rec.flops == 4_000_000 and rec.params == 50_000 and rec.latency_ms == 1.0
    assert rec.notation.startswith("conv_k3_c16 |") and rec.limit == BUDGET
    assert "proxy validation" in rec.note and "full recipe" in rec.note
    assert rec.command == "nas export fake --pick trial:4 -o arch.yaml"
    # The 90% ghostnet is over budget; the within-budget preset is the comparison.
    assert rec.preset == "mobilenetv3-small" and rec.preset_accuracy == 0.78


def test_a_tighter_limit(study):
    rec = recommend(study, max_flops=3_000_000)
    assert rec.trial == 2 and rec.flops <= 3_000_000 and rec.limit == 3_000_000
    assert rec.preset is None  # the preset (3.5M) does not fit
    with pytest.raises(NasError, match="no completed trial within 500K FLOPs"):
        recommend(study, max_flops=500_000)


def test_by_final_test_accuracy_when_some_were_finalised(study):
    rec = recommend(with_finals(study, {2: 0.83, 4: 0.81, 0: 0.70}))
    assert rec.trial == 2 and rec.basis == FINAL == "final test" and rec.accuracy == 0.83
    assert rec.proxy_accuracy == 0.80 and rec.note == ""
    assert rec.preset is None  # no preset was trained the same way


def test_finalised_only_over_the_limit_falls_back_to_proxy(study):
    rec = recommend(with_finals(study, {4: 0.9}), max_flops=3_000_000)
    assert rec.trial == 2 and rec.basis == PROXY and "none of the 1 finalised" in rec.note


@pytest.mark.parametrize("limit", [None, 1_000_000, 2_000_000, 3_000_000, 4_500_000])
def test_always_names_a_ranked_trial_within_the_budget(limit):
    study = finalised_study()
    records = {r.number: r for r in read_records(study)}
    rec = recommend(study, max_flops=limit)
    chosen = records[rec.trial]
    assert chosen.kind == TrialKind.SEARCHED and chosen.flops <= (limit or BUDGET)
    if rec.basis == FINAL:
        fits = [r for r in records.values() if r.kind == TrialKind.SEARCHED and r.final and r.flops <= (limit or BUDGET)]
        assert rec.accuracy == max(r.final.test_accuracy for r in fits) == chosen.final.test_accuracy
    else:
        assert rec.trial == best_trial(study, limit).number  # the same pick as 'nas export --pick best'


def test_finalised_study_compares_with_the_best_finalised_preset():
    rec = recommend(finalised_study())
    assert rec.basis == FINAL and rec.preset == "mobilenetv3-small-ldc1" and rec.preset_accuracy == 0.806
    # The proxy's runner-up won after full training: the recommendation follows the test accuracy.
    ranked = sorted((r for r in read_records(finalised_study()) if r.kind == TrialKind.SEARCHED),
                    key=lambda r: -(r.accuracy or 0))
    assert rec.trial == ranked[1].number


def test_no_recommendation_for_an_empty_study():
    with pytest.raises(NasError, match="no completed trial"):
        recommend(new_study())


def test_stopped_and_baseline_trials_are_never_recommended():
    study = new_study()
    add(study, TrialState.COMPLETE, 0.99, 1_000_000, baseline="mobilenetv3-small")
    add(study, TrialState.PRUNED, 0.98, 1_000_000, rung=0)
    add(study, TrialState.COMPLETE, 0.60, 2_000_000)
    assert recommend(study).trial == 2


def test_export_command(tmp_path):
    assert export_command("s", 3) == "nas export s --pick trial:3 -o arch.yaml"
    assert export_command("s", 3, "sqlite:///studies/s.db") == "nas export s --pick trial:3 -o arch.yaml"
    assert export_command("my study", 3, "sqlite:////tmp/a b.db") == (
        "nas export 'my study' --storage 'sqlite:////tmp/a b.db' --pick trial:3 -o arch.yaml")
    assert export_command("s", 1, "postgresql://nas:secret@db/nas") == (
        "nas export s --storage 'postgresql://nas:***@db/nas' --pick trial:1 -o arch.yaml")


def test_the_command_names_the_recommended_trial_to_nas_export(tmp_path):
    import shlex

    from nas.cli.main import build_parser
    from nas.export import pick_trial
    from nas.study.stored import load_study

    url = f"sqlite:///{tmp_path / 'my studies' / 'r.db'}"
    (tmp_path / "my studies").mkdir()
    realistic_study(url)
    rec = recommend(optuna.load_study(study_name="realistic", storage=url), storage=url)
    argv = shlex.split(rec.command)
    assert argv[:2] == ["nas", "export"]
    args = build_parser().parse_args(argv[1:])  # the CLI accepts it as written
    assert args.storage == url and args.output == "arch.yaml"
    assert pick_trial(load_study(args.study, args.storage), args.pick).number == rec.trial
