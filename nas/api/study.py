"""``nas.Study`` and ``nas.open_study``: a stored study, read from Python."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import optuna
    import pandas as pd
    import plotly.graph_objects as go

    from nas.api.status import StudyStatus
    from nas.arch.config import ArchConfig
    from nas.searching.summary import SearchSummary
    from nas.study.record import TrialRecord


@dataclass(frozen=True)
class Study:
    """A study written by ``nas search``: its trials as typed records, its front, a table, the
    report's figures, and the export and report of ``nas export`` / ``nas report``.

    Every property reads the storage again, so a study another process is searching shows its
    latest trials.

    Attributes:
        name: the study's name.
        storage: the storage URL it was opened from.
        summary: what the search that returned this study did (``None`` for :func:`open_study`).
    """

    name: str
    storage: str
    optuna_study: optuna.Study = field(repr=False, compare=False)
    summary: SearchSummary | None = field(default=None, repr=False, compare=False)
    #: The storage as the caller gave it (``None``: the default), for the commands the report shows.
    given_storage: str | None = field(default=None, repr=False, compare=False)

    @classmethod
    def open(cls, name: str, storage: str | None = None, summary: SearchSummary | None = None) -> Study:
        """Open a stored study for reading (see :func:`open_study`)."""
        from nas.study.stored import open_stored

        study, _, url = open_stored(name, storage)
        return cls(name, url, study, summary, storage)

    @property
    def records(self) -> tuple[TrialRecord, ...]:
        """Every trial as a :class:`~nas.study.record.TrialRecord`, by trial number."""
        from nas.study.record import read_records

        return tuple(read_records(self.optuna_study))

    @property
    def objectives(self) -> tuple[str, ...]:
        from nas.study.record import study_objectives

        return tuple(study_objectives(self.optuna_study))

    @property
    def front(self) -> tuple[TrialRecord, ...]:
        """The Pareto-optimal searched records for the study's objectives, most accurate first."""
        from nas.study.pareto import pareto_front

        return tuple(pareto_front(self.records, self.objectives))

    def status(self, recent_min: float = 10.0) -> StudyStatus:
        """Where the study stands, as ``nas status`` prints it: trial counts by kind, the
        finalised counts, the trials that reached each rung, the best trials so far and the
        workers seen in the last ``recent_min`` minutes (``--recent``).

        Trials whose worker went silent for longer than the study's grace period are failed
        first, so they count as failed and their workers as silent.

        Raises:
            NasError: for a window that is no number of minutes from 0 to a year.
        """
        from nas.api.status import study_status

        return study_status(self.optuna_study, self.storage, recent_min)

    def to_dataframe(self) -> pd.DataFrame:
        """One row per stored trial; the columns are :data:`nas.api.frame.COLUMNS`."""
        from nas.api.frame import records_frame
        from nas.study.pareto import pareto_front

        records = self.records
        return records_frame(records, pareto_front(records, self.objectives))

    def pareto_figure(self, x: str = "flops") -> go.Figure:
        """The report's proxy accuracy against ``x`` (``flops``, ``params`` or ``latency_ms``)
        with the Pareto front, the budget and the presets; ``fig.show()`` draws it inline."""
        from nas.options import OptionError
        from nas.report.figures import pareto_figure
        from nas.report.pareto import AXES, pareto_info

        if x not in AXES:
            raise OptionError(f"x: expected one of {', '.join(AXES)}, got {x!r}")
        return pareto_figure(pareto_info(self.optuna_study, x))

    def figures(self) -> dict[str, go.Figure]:
        """The report's figures by the id they have in its page: ``pareto-flops`` (and
        ``pareto-params``, ``pareto-latency_ms`` where there is something to show), the final
        training panels, ``hypervolume`` and ``importance-<objective>``, where the study has data
        for them."""
        from nas.report.html import report_figures

        return dict(report_figures(self.optuna_study))

    def pick(self, pick: str = "best", max_flops: Any = None) -> TrialRecord:
        """The trial ``pick`` names, as ``nas export --pick`` chooses it: ``best`` (highest
        validation accuracy within ``max_flops``, e.g. ``"3M"``; default the study's budget),
        ``knee`` (the front's knee) or ``trial:N``.

        Raises:
            NasError: for an unknown pick or trial, or a budget no trial meets.
        """
        from nas.export import pick_trial
        from nas.options import text
        from nas.searching.budget import parse_count
        from nas.study.record import TrialRecord

        budget = None if max_flops is None else parse_count(max_flops, "--max-flops")
        trial = pick_trial(self.optuna_study, text(pick, "--pick") or "", budget)
        return TrialRecord.from_trial(trial, self.objectives)

    def export(self, pick: str = "best", max_flops: Any = None, path: str | Path | None = None) -> ArchConfig:
        """The architecture of the trial :meth:`pick` names, as ``nas export`` writes it.

        Args:
            pick: ``best``, ``knee`` or ``trial:N`` (see :meth:`pick`).
            max_flops: the budget for ``best`` (default: the study's).
            path: also write it as a config YAML here (with where it came from as ``meta``).

        Returns:
            The config; ``nas.build_model`` rebuilds the model the trial measured.

        Raises:
            NasError: for an unknown pick, trial or budget, or a path that cannot be written.
        """
        from nas.export import export_trial, trial_config
        from nas.options import text

        number = self.pick(pick, max_flops).number
        trial = next(t for t in self.optuna_study.get_trials(deepcopy=False) if t.number == number)
        if path is not None:
            export_trial(self.optuna_study, trial, text(path, "--output") or "")
        return trial_config(trial)

    def report(self, path: str | Path | None = None, max_flops: Any = None) -> Path:
        """Write the HTML report, as ``nas report`` does (default ``reports/<study>.html``).

        Trials whose worker went silent for longer than the study's grace period are failed
        first, so the report does not show them as running.

        Raises:
            NasError: for a bad budget or a path that cannot be written.
        """
        from nas.options import text
        from nas.report.html import render_report
        from nas.searching.budget import parse_count
        from nas.study.files import study_files
        from nas.study.stale import fail_stale

        budget = None if max_flops is None else parse_count(max_flops, "--max-flops")
        out = text(path, "--output") if path is not None else str(study_files(self.name).report)
        fail_stale(self.name, self.storage)
        return render_report(self.optuna_study, out or "", max_flops=budget, storage=self.given_storage)


def open_study(name: str, storage: str | None = None) -> Study:
    """Open a stored study read-only, as ``nas status`` does: nothing is created.

    Args:
        name: the study's name.
        storage: its storage URL (default ``sqlite:///studies/<name>.db``, which must exist).

    Raises:
        NasError: for an unknown study or storage, as one line.
    """
    from nas.options import text

    return Study.open(text(name, "STUDY") or "", text(storage, "--storage"))


__all__ = ["Study", "open_study"]
