"""``run_search``: the whole search, from a space and a budget to a stored study.

The parts live by question: :mod:`~nas.searching.settings` (what was asked),
:mod:`~nas.searching.study` (opening the study, its identity and stored space),
:mod:`~nas.searching.cheapest` (is the budget possible), :mod:`~nas.searching.workers` (the trial
loop and worker processes), :mod:`~nas.searching.baselines` (presets and the linear classifier)
and :mod:`~nas.searching.summary` (counts, progress, the closing summary).
"""

from __future__ import annotations

import time

from nas.searching.baselines import linear_baseline, run_baselines
from nas.searching.budget import Budget
from nas.searching.cheapest import check_budget_possible
from nas.searching.data import prepare
from nas.searching.settings import SearchSettings, settings_from
from nas.searching.study import open_study, with_stored_space
from nas.searching.summary import SearchSummary, StudyBar, summarize
from nas.searching.workers import run_processes, worker
from nas.training import set_threads


def run_search(settings: SearchSettings) -> SearchSummary:
    """Run (or resume, or join) a search and summarise the study.

    Raises:
        NasError: for settings the stored study refuses, an impossible budget, or a worker that
            failed; nothing is written to the study before the checks.
    """
    start = time.time()
    deadline = None if settings.timeout is None else start + settings.timeout
    settings, space = with_stored_space(settings)
    prepared = prepare(settings, None if settings.space else space.text, space.name)
    check_budget_possible(prepared.space, Budget(settings.max_flops, settings.max_params))
    study = open_study(settings, space)
    set_threads(settings.threads)
    linear = linear_baseline(settings, study, prepared)
    if settings.with_presets:
        run_baselines(settings, open_study(settings, space, heartbeat=False), prepared)
    if (settings.jobs or 1) <= 1:
        with StudyBar(settings, study) as bar:
            worker(settings, space, 0, deadline, on_trial=bar.refresh_from, prepared=prepared)
    else:
        run_processes(settings, space, study, deadline)
    return summarize(settings, study, time.time() - start, linear, space_size=prepared.space.size())


__all__ = ["SearchSettings", "SearchSummary", "run_search", "settings_from", "worker"]
