"""Workers: the loop that takes trials until the study has its target, and the ``--jobs`` processes.

Workers (in-process, ``--jobs`` processes, or other hosts on the same storage) each take
trials until the study holds ``trials`` searched trials. A worker process stops when its
parent dies (``kill -9`` included); a worker that dies abnormally makes the search fail.
"""

from __future__ import annotations

import logging
import multiprocessing as mp
import os
import signal
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import replace
from typing import Any

import optuna
from optuna.trial import TrialState

from nas.cpus import usable_cpus
from nas.errors import NasError
from nas.interrupts import deferred, stop_on_interrupt
from nas.searching.budget import Budget
from nas.searching.data import Prepared, prepare
from nas.searching.feasible import FeasibleProposals
from nas.searching.objective import Objective, holds_slot
from nas.searching.record import read_records
from nas.searching.seen import seen_in
from nas.searching.settings import SearchSettings
from nas.searching.study import SpaceSource, open_study, quiet_optuna
from nas.searching.summary import StudyBar, TrialReporter, count_states
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


def stop_with_parent(parent: int) -> None:
    """End this process when ``parent`` dies: ``PR_SET_PDEATHSIG`` on Linux, and everywhere a
    thread that watches ``os.getppid()``."""
    if sys.platform.startswith("linux"):
        try:
            import ctypes

            libc = ctypes.CDLL(None, use_errno=True)
            pr_set_pdeathsig = 1
            libc.prctl(pr_set_pdeathsig, signal.SIGTERM)
        except (OSError, AttributeError):
            pass
    if os.getppid() != parent:  # died before the above took effect
        os._exit(1)

    def watch() -> None:
        while True:
            time.sleep(1.0)
            if os.getppid() != parent:
                os.kill(os.getpid(), signal.SIGTERM)
                time.sleep(10.0)
                os._exit(1)

    threading.Thread(target=watch, name="nas-parent-watch", daemon=True).start()


def thread_locks_only() -> None:
    """Keep tqdm from creating its cross-process lock (a named semaphore) in this process.

    A process killed while it holds that semaphore leaves it behind, and Python's resource
    tracker warns about it when the command ends. Worker processes draw no bars (only a
    one-worker search or finalisation does, in the command's own process), so tqdm's thread
    lock is enough. Call it before the process creates its first bar.
    """
    from tqdm.std import TqdmDefaultWriteLock

    TqdmDefaultWriteLock.mp_lock = None


def setup_worker_process(parent: int) -> None:
    """Prepare a worker process of ``nas search --jobs`` or ``nas finalize --jobs``: it ends when
    ``parent`` dies (:func:`stop_with_parent`), records its interrupted work on Ctrl-C or SIGTERM
    (:func:`nas.interrupts.stop_on_interrupt`; SIGTERM comes when the parent died) and creates
    no cross-process lock (:func:`thread_locks_only`)."""
    stop_with_parent(parent)
    stop_on_interrupt()
    thread_locks_only()


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


def supervise(procs: list[Any], tick: Callable[[], None] | None = None, interval: float = 0.5) -> None:
    """Start worker processes, wait for them (calling ``tick`` every ``interval`` seconds) and
    check how they ended.

    A terminal's Ctrl-C reaches every worker; one sent to this process alone is passed on, so
    each worker records its interrupted work before exiting. Workers still alive at the end are
    terminated: none outlives the command.

    Raises:
        NasError: when a worker stopped on an error or died abnormally (killed, crashed).
    """
    for p in procs:
        p.start()
    try:
        while any(p.is_alive() for p in procs):
            time.sleep(interval)
            if tick is not None:
                tick()
    except KeyboardInterrupt:
        for p in procs:
            if p.is_alive() and p.pid is not None:
                os.kill(p.pid, signal.SIGINT)
        for p in procs:
            p.join(timeout=30)
        raise
    finally:
        for p in procs:
            if p.is_alive():
                p.terminate()
            p.join()
    check_exits([p.exitcode for p in procs])


def check_exits(codes: list[int | None]) -> None:
    """Raise if a worker failed: exit 2 (an error it reported) or any other abnormal end.

    Raises:
        NasError: naming the workers and how they ended.
    """
    if any(code == 2 for code in codes):
        raise NasError("a worker stopped on an error (see above)")
    bad = [(i, code) for i, code in enumerate(codes) if code not in (0,)]
    if bad:
        how = ", ".join(
            f"worker {i} " + (f"was killed by signal {-code}" if code is not None and code < 0
                              else f"exited with code {code}")
            for i, code in bad
        )
        raise NasError(f"{how}; its trial fails after the grace period and a re-run resumes the study")


__all__ = ["check_exits", "run_processes", "setup_worker_process", "stop_with_parent", "supervise", "thread_locks_only",
           "threads_per_worker", "worker"]
