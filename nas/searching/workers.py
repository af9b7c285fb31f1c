"""Workers: the loop that takes trials until the study has its target, and the ``--jobs`` processes.

Workers (in-process, ``--jobs`` processes, or other hosts on the same storage) each take
trials until the study holds ``trials`` searched trials. A worker process stops when its
parent dies (``kill -9`` included); a worker that dies abnormally makes the search fail.
"""

from __future__ import annotations

import logging
import multiprocessing as mp
import os
import sys
import time
from collections.abc import Callable
from dataclasses import replace

import optuna
from optuna.trial import TrialState

from nas.cpus import usable_cpus
from nas.errors import NasError
from nas.interrupts import deferred
from nas.processes import setup_worker_process, supervise
from nas.searching.budget import Budget
from nas.searching.data import Prepared, prepare
from nas.searching.feasible import FeasibleProposals
from nas.searching.objective import Objective, holds_slot
from nas.searching.seen import seen_in
from nas.searching.settings import SearchSettings
from nas.searching.study import SpaceSource, open_study
from nas.searching.summary import StudyBar, TrialReporter, count_states
from nas.study.record import read_records
from nas.study.stored import quiet_optuna
from nas.training import set_threads

#: Proposals in a row that bring no architecture new to the study before a worker gives up.
MAX_REPEATS = 20


def worker(
    settings: SearchSettings,
    space: SpaceSource,
    worker_id: int = 0,
    deadline: float | None = None,
    on_trial: Callable[[optuna.Study], None] | None = None,
    prepared: Prepared | None = None,
) -> None:
    """Take trials until the study holds ``settings.trials`` trained trials (across workers): completed
    ones, and in an ``asha`` search also those stopped at a lower rung."""
    quiet_optuna()
    set_threads(settings.threads)
    prepared = prepared or prepare(settings, None if settings.space else space.text, space.name)
    study = open_study(settings, space)
    budget = Budget(settings.max_flops, settings.max_params)
    study.sampler = FeasibleProposals(study.sampler, prepared.space, budget, seed=settings.seed)
    objective = Objective(
        prepared.space, prepared.split, budget, settings.train_settings(),
        settings.objectives, target=settings.trials, progress=settings.progress and settings.jobs == 1,
        plan=settings.rung_plan(),
        prescreen=settings.prescreen, prescreen_proxy=settings.prescreen_proxy, grace=settings.grace,
    )
    reporter = TrialReporter(settings.trial_lines)
    size = prepared.space.size()
    # A pre-screen prunes about K - 1 of every K candidates on purpose.
    fruitless, limit = 0, max(200, 10 * settings.trials) * max(1, settings.prescreen)
    repeats = 0
    while True:
        if deadline is not None and time.time() >= deadline:
            return
        optuna.storages.fail_stale_trials(study)
        counts = count_states(study)
        # Trained architectures: completed, and in an asha search also stopped at a lower rung.
        if counts["screened"] >= settings.trials:
            return
        seen = seen_in(read_records(study))
        if seen.exhausted(size):
            return  # every architecture of the space is trained or refused (the summary says so)
        now = time.time()
        held = sum(1 for t in study.get_trials(deepcopy=False, states=(TrialState.RUNNING,))
                   if holds_slot(t, now, settings.grace))
        if counts["screened"] + held >= settings.trials:
            # Every remaining slot is taken by a trial running elsewhere: wait, in case one turns
            # out over budget or a duplicate, or its worker dies.
            time.sleep(min(5.0, settings.heartbeat))
            continue
        before = counts["screened"]
        # Interrupts land only inside the objective (the trial is told FAIL) or after the trial is
        # told, never between Optuna creating a trial and telling it (it would stay RUNNING).
        # A full garbage collection after each trial, as Optuna recommends: about 0.3 s a trial
        # with the data set in memory, counted in benchmarks/bookkeeping.py's figures.
        with deferred():
            study.optimize(
                objective, n_trials=1, catch=(Exception,), gc_after_trial=True, callbacks=[reporter],
                timeout=None if deadline is None else max(1.0, deadline - time.time()),
            )
        fruitless = 0 if count_states(study)["screened"] > before else fruitless + 1
        repeats = 0 if seen_in(read_records(study)).distinct > seen.distinct else repeats + 1
        if on_trial is not None:
            on_trial(study)
        if repeats >= MAX_REPEATS:
            raise NasError(
                f"{repeats} proposals in a row were architectures the study already holds ({seen.distinct} "
                f"distinct of the space's {size:,}); no new one was found"
            )
        if fruitless >= limit:
            raise NasError(
                f"{limit} trials in a row were over budget, duplicates or failed; the space may be "
                "exhausted or the budget too tight"
            )


def _worker_process(settings: SearchSettings, space: SpaceSource, worker_id: int, deadline: float | None,
                    parent: int) -> None:
    logging.basicConfig(level=logging.WARNING)
    setup_worker_process(parent)
    try:
        worker(settings, space, worker_id, deadline)
    except KeyboardInterrupt:
        pass
    except NasError as exc:
        print(f"nas search (worker {worker_id}): error: {exc}", file=sys.stderr, flush=True)
        raise SystemExit(2) from None


def threads_per_worker(settings: SearchSettings) -> int:
    """``--threads``, else the CPUs this process may use shared evenly by the ``--jobs`` workers."""
    return settings.threads or max(1, usable_cpus() // (settings.jobs or 1))


def run_processes(settings: SearchSettings, space: SpaceSource, study: optuna.Study, deadline: float | None) -> None:
    """Run ``settings.jobs`` worker processes and wait for them.

    Raises:
        NasError: when a worker stopped on an error or died abnormally (killed, crashed).
    """
    per_worker = replace(settings, threads=threads_per_worker(settings))
    ctx = mp.get_context("spawn")
    procs = [ctx.Process(target=_worker_process, args=(per_worker, space, i, deadline, os.getpid()))
             for i in range(settings.jobs or 1)]
    with StudyBar(settings, study) as bar:
        supervise(procs, tick=lambda: bar.refresh_from(study), interval=1.0)



__all__ = ["run_processes", "threads_per_worker", "worker"]
