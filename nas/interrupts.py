"""How a ``nas`` process stops: Ctrl-C and SIGTERM both raise ``KeyboardInterrupt``, and one that
lands where Python cannot raise it is delivered again.

Python runs some code where an exception cannot propagate: finalizers and weakref callbacks
(SQLAlchemy's, during garbage collection). A ``KeyboardInterrupt`` raised by the signal handler
inside one is "ignored": Python prints a traceback and the process carries on as if never
interrupted. :func:`stop_on_interrupt` delivers it again a moment later instead (a one-shot
timer, re-armed should it land in a finalizer again), so it is raised in ordinary code, where
the command catches it and stops cleanly.
"""

from __future__ import annotations

import signal
import sys
from typing import Any


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


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
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, _interrupt)
    sys.unraisablehook = _redeliver


__all__ = ["stop_on_interrupt"]
