"""The library interface: a search from Python is the command line's search, a study reads as
records, a table and figures, and bad options raise the command line's one-line messages."""

from __future__ import annotations

import subprocess
import sys

import pytest
from small import API_OPTIONS, CLI_OPTIONS, DATA, SPACE

import nas
from nas.api.frame import COLUMNS
from nas.cli.main import main
from nas.study.record import TrialKind


@pytest.fixture
def space(tmp_path):
    path = tmp_path / "space.yaml"
    path.write_text(SPACE)
    return str(path)


def _trained(study: nas.Study) -> int:
    return sum(r.kind == TrialKind.SEARCHED for r in study.records)


@pytest.fixture(scope="module")
def searched(tmp_path_factory):
    """One small study searched from Python, shared by the read-only tests."""
    tmp = tmp_path_factory.mktemp("api")
    (tmp / "space.yaml").write_text(SPACE)
    return nas.search(str(tmp / "space.yaml"), max_flops="10M", trials=4, study="s",
                      storage=f"sqlite:///{tmp}/s.db", **API_OPTIONS)


def test_a_search_from_python_resumes_from_the_command_line_and_back(tmp_path, space, capsys):
    url = f"sqlite:///{tmp_path}/x.db"
    study = nas.search(space, max_flops="10M", trials=2, study="x", storage=url, **API_OPTIONS)
    assert isinstance(study, nas.Study) and study.name == "x" and _trained(study) == 2
    assert study.summary is not None and study.summary.complete == 2
    # The command line joins the study by name with its stored settings and trains up to 3.
    assert main(["search", "--study", "x", "--storage", url, "--trials", "3", "--no-progress"]) == 0, \
        capsys.readouterr().err
    assert _trained(nas.open_study("x", url)) == 3
    # ... and Python resumes what the command line started.
    assert main(["search", space, "--max-flops", "10M", "--trials", "2", "--study", "y", "--storage", url,
                 *CLI_OPTIONS]) == 0
    assert _trained(nas.search(study="y", storage=url, trials=4, no_progress=True)) == 4


def test_records_front_and_table(searched):
    records = searched.records
    assert [r.number for r in records] == sorted(r.number for r in records)
    front = searched.front
    assert front and all(r.kind == TrialKind.SEARCHED for r in front)
    frame = searched.to_dataframe()
    assert list(frame.columns) == list(COLUMNS)
    assert len(frame) == len(records)
    assert set(frame.loc[frame["pareto"], "trial"]) == {r.number for r in front}
    searched_rows = frame[frame["kind"] == "searched"]
    assert searched_rows["proxy_accuracy"].between(0, 1).all()
    assert (searched_rows["flops"] > 0).all()


def test_the_pareto_figure_draws_the_front(searched):
    import plotly.graph_objects as go

    fig = searched.pareto_figure()
    assert isinstance(fig, go.Figure)
    (line,) = [t for t in fig.data if t.name == "Pareto-optimal"]
    # Two objectives here (accuracy, FLOPs): the plotted front is the study's front, cheapest first.
    front = sorted(searched.front, key=lambda r: (r.flops, -r.accuracy))
    assert list(line.x) == [float(r.flops) for r in front]
    assert list(line.y) == [r.accuracy for r in front]
    figures = searched.figures()
    assert "pareto-flops" in figures and all(isinstance(f, go.Figure) for f in figures.values())
    with pytest.raises(nas.NasError, match="x: expected one of flops, params, latency_ms"):
        searched.pareto_figure("watts")


def test_export_rebuilds_the_flops_the_trial_measured(searched, tmp_path):
    best = searched.pick("best")
    config = searched.export("best", path=tmp_path / "best.yaml")
    assert nas.profile(config, no_latency=True, no_memory=True).flops == best.flops
    assert nas.profile(str(tmp_path / "best.yaml"), no_latency=True, no_memory=True).flops == best.flops
    assert nas.load_config(tmp_path / "best.yaml") == config
    for record in searched.front:
        rebuilt = searched.export(f"trial:{record.number}")
        assert nas.profile(rebuilt, no_latency=True, no_memory=True).params == record.params


def test_report_is_written(searched, tmp_path):
    path = searched.report(tmp_path / "r.html")
    assert path.is_file() and "pareto-flops" in path.read_text(encoding="utf-8")


def test_train_returns_metrics_and_the_trained_model(searched, tmp_path):
    import torch

    trained = nas.train(searched.export("best"), output=tmp_path / "run", dataset=DATA, epochs=1, batch_size=32,
                        threads=1, no_progress=True)
    assert isinstance(trained, nas.Trained)
    assert 0.0 <= trained.result.test_accuracy <= 1.0 and trained.result.epochs == 1
    assert trained.result.metrics_path.is_file()
    out = trained.model(torch.zeros(2, 1, 8, 8))
    assert out.shape == (2, 4) and not trained.model.training


def test_finalize_records_the_full_recipe_result(tmp_path, space):
    url = f"sqlite:///{tmp_path}/f.db"
    study = nas.search(space, max_flops="10M", trials=2, study="f", storage=url, **API_OPTIONS)
    records = nas.finalize(study, top=1, epochs=1, batch_size=32, jobs=1, threads=1, no_progress=True,
                           weights_dir=tmp_path / "runs")
    assert len(records) == 1 and records[0].final is not None
    assert records[0].number in {r.number for r in study.front}
    frame = nas.open_study("f", url).to_dataframe().set_index("trial")
    # The finalised trial shows its test accuracy, and so does the finalisation job that made it.
    assert frame.loc[records[0].number, "final_accuracy"] == records[0].final.test_accuracy
    (job,) = frame.index[frame["kind"] == "final"]
    assert frame.loc[job, "finalizes"] == records[0].number


#: (keyword option, value, command-line words for the same value): each is refused.
BAD = [
    ("trials", "abc", ["--trials", "abc"]), ("trials", 0, ["--trials", "0"]), ("epochs", "1.5", ["--epochs", "1.5"]),
    ("timeout", "nan", ["--timeout", "nan"]), ("seed", -1, ["--seed", "-1"]), ("sampler", "TPE", ["--sampler", "TPE"]),
    ("objectives", "flops", ["--objectives", "flops"]), ("max_params", "1e400", ["--max-params", "1e400"]),
    ("grace", "10", ["--grace", "10"]), ("prescreen", "65", ["--prescreen", "65"]),
    ("fidelity", "hyperband", ["--fidelity", "hyperband"]), ("eta", 3, ["--eta", "3"]),
]


@pytest.mark.parametrize(("name", "value", "words"), BAD, ids=[f"{b[0]}={b[1]!r}" for b in BAD])
def test_bad_search_options_raise_the_command_lines_message(tmp_path, space, capsys, name, value, words):
    url = f"sqlite:///{tmp_path}/b.db"
    base = [a for a in CLI_OPTIONS if a != "--no-progress"]
    code = main(["search", space, "--max-flops", "10M", "--study", "b", "--storage", url, *base, *words])
    err = capsys.readouterr().err.strip()
    assert code == 2 and err.startswith("nas search: error: ")
    options = {**API_OPTIONS, name: value}
    with pytest.raises(nas.NasError) as raised:
        nas.search(space, max_flops="10M", study="b", storage=url, **options)
    assert str(raised.value) == err.removeprefix("nas search: error: ")
    assert not (tmp_path / "b.db").exists()


@pytest.mark.parametrize(("call", "message"), [
    (lambda s: nas.search(s, max_flops="10M", trialz=3), "nas.search: unknown option 'trialz'"),
    (lambda s: nas.search(s, max_flops=True), "--max-flops: expected a number"),
    (lambda s: nas.search(s, max_flops="10M", epochs=1.5), "--epochs: expected an integer, got 1.5"),
    (lambda s: nas.search(s, max_flops="10M", with_presets="yes"), "--with-presets: expected True or False"),
    (lambda s: nas.profile("nope-preset"), "neither a preset"),
    (lambda s: nas.profile("mobilenetv3-small", repeats=0), "--repeats: expected an integer from 1"),
    (lambda s: nas.profile(42), "ARCH: expected an ArchConfig"),
    (lambda s: nas.train("mobilenetv3-small", output="x", lr="fast"), "--lr: expected a number, got 'fast'"),
    (lambda s: nas.train("mobilenetv3-small", output="x", epochs=0), "--epochs must be a whole number from 1"),
    (lambda s: nas.train("mobilenetv3-small"), "--output: give the run folder"),
    (lambda s: nas.finalize("nope", top=2, trials=[1]), "--top and --trials: give one"),
    (lambda s: nas.finalize("nope", trials="1,x"), "--trials: expected trial numbers"),
    (lambda s: nas.open_study("no-such-study"), "no study 'no-such-study'"),
])
def test_bad_api_input_is_one_nas_error(space, call, message):
    with pytest.raises(nas.NasError) as raised:
        call(space)
    assert message in str(raised.value) and "\n" not in str(raised.value)


def test_importing_nas_imports_no_optuna_plotly_pandas_or_torchvision_ops():
    code = ("import sys, nas; nas.ArchConfig; nas.build_model; "
            "print(','.join(m for m in ('optuna', 'plotly', 'pandas', 'torchvision.ops') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
    assert out == ""
