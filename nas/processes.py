"""Worker processes of ``nas search --jobs`` and ``nas finalize --jobs``: who a worker is, how it
is set up, and how the command waits for its workers.

A worker process ends when its parent dies (``kill -9`` included), records its interrupted work
on Ctrl-C or SIGTERM and creates no cross-process lock; the command starts its workers, waits
for them and fails when one stopped on an error or died abnormally. None outlives the command.
"""

from __future__ import annotations

import os
import signal
import socket
import sys
import threading
import time
from collections.abc import Callable
from typing import Any

from nas.errors import NasError
from nas.interrupts import stop_on_interrupt

#: Who runs a trial (host:pid), so ``nas status`` can list the workers seen recently.
WORKER = f"{socket.gethostname()}:{os.getpid()}"


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


__all__ = ["WORKER", "check_exits", "setup_worker_process", "stop_with_parent", "supervise", "thread_locks_only"]
