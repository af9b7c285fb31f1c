"""The report reads the study's trials once, however many figures it draws (issue 17)."""

import optuna
import pytest
from fakes import finalised_study

from nas.report.html import render_report, report_figures


@pytest.fixture
def reads(monkeypatch) -> list[optuna.Study]:
    """The study of each ``Study.get_trials`` call (every read of the trials goes through it)."""
    calls: list[optuna.Study] = []
    original = optuna.Study.get_trials

    def counted(self, *args, **kwargs):
        calls.append(self)
        return original(self, *args, **kwargs)

    monkeypatch.setattr(optuna.Study, "get_trials", counted)
    return calls


def test_render_report_reads_trials_once_plus_once_for_importances(reads, tmp_path):
    study = finalised_study()  # enough ranked trials for importances, finals, presets, every figure
    reads.clear()
    render_report(study, tmp_path / "r.html")
    # One read for every record-based figure, table and the recommendation; importances ask
    # Optuna for its own FrozenTrials once (before issue 17: 15 reads). PED-ANOVA's reads of
    # its in-memory scratch study are not reads of the stored study.
    assert sum(s is study for s in reads) == 2, reads


def test_report_figures_reads_trials_twice(reads):
    study = finalised_study()
    reads.clear()
    assert report_figures(study)
    assert sum(s is study for s in reads) == 2, reads  # before issue 17: 9
