"""How a ``nas`` process stops: Ctrl-C and SIGTERM both raise ``KeyboardInterrupt``, and one that
lands where Python cannot raise it is delivered again.

Python runs some code where an exception cannot propagate: finalizers and weakref callbacks
(SQLAlchemy's, during garbage collection). A ``KeyboardInterrupt`` raised by the signal handler
inside one is "ignored": Python prints a traceback and the process carries on as if never
interrupted. :func:`stop_on_interrupt` delivers it again a moment later instead (a one-shot
timer, re-armed should it land in a finalizer again), so it is raised in ordinary code, where
the command catches it and stops cleanly.

A search worker must never be interrupted between Optuna creating a trial and telling its
result, or the trial stays RUNNING until the grace period runs out. :func:`deferred` holds
interrupts in such a section and raises them on leaving it; :func:`interruptible` lets them
through again inside (the objective, where Optuna records an interrupted trial as FAIL).
"""

from __future__ import annotations

import signal
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

# Signal handlers run in the main thread, so plain module state is enough.
_deferring = 0
_pending = False


def _interrupt(signum: int, frame: object) -> None:
    global _pending
    if _deferring:
        _pending = True
        return
    raise KeyboardInterrupt


@contextmanager
def deferred() -> Iterator[None]:
    """Hold Ctrl-C and SIGTERM that arrive inside; raise ``KeyboardInterrupt`` on leaving."""
    global _deferring, _pending
    _deferring += 1
    try:
        yield
    finally:
        _deferring -= 1
        if not _deferring and _pending:
            _pending = False
            raise KeyboardInterrupt


@contextmanager
def interruptible() -> Iterator[None]:
    """Inside a :func:`deferred` section, raise held and new interrupts here (at once on entry
    when one is held)."""
    global _deferring, _pending
    saved, _deferring = _deferring, 0
    try:
        if _pending:
            _pending = False
            raise KeyboardInterrupt
        yield
    finally:
        _deferring = saved


def _redeliver(unraisable: Any) -> None:
    if isinstance(unraisable.exc_value, KeyboardInterrupt):
        # Not os.kill: a signal sent to oneself is handled at once, still inside the finalizer.
        signal.signal(signal.SIGALRM, _interrupt)
        signal.setitimer(signal.ITIMER_REAL, 0.01)
        return
    sys.__unraisablehook__(unraisable)


def stop_on_interrupt() -> None:
    """Make Ctrl-C (even if inherited as ignored) and SIGTERM raise ``KeyboardInterrupt`` in this
    process, never swallowed by a finalizer."""
    signal.signal(signal.SIGINT, _interrupt)
    signal.signal(signal.SIGTERM, _interrupt)
    sys.unraisablehook = _redeliver


__all__ = ["deferred", "interruptible", "stop_on_interrupt"]
