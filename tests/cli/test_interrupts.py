"""An interrupt that lands in a finalizer (e.g. SQLAlchemy's weakref callbacks) still stops the process."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

PROGRAM = textwrap.dedent("""
    import time, weakref
    from nas.interrupts import stop_on_interrupt

    stop_on_interrupt()

    class Thing:
        pass

    def callback(ref):
        raise KeyboardInterrupt  # what the signal handler does when Ctrl-C lands here

    thing = Thing()
    ref = weakref.ref(thing, callback)
    try:
        del thing  # the callback runs where no exception can propagate
        for _ in range(200):
            time.sleep(0.01)
        print("carried on")
    except KeyboardInterrupt:
        print("interrupted")
""")


def run(program: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", program], capture_output=True, text=True, cwd=ROOT, timeout=60)


def test_an_interrupt_inside_a_finalizer_is_delivered_again():
    done = run(PROGRAM)
    assert done.stdout.strip() == "interrupted"
    assert "Traceback" not in done.stderr and "Exception ignored" not in done.stderr


def test_without_it_python_swallows_the_interrupt():
    # The behaviour being fixed: Python prints the traceback and carries on.
    done = run(PROGRAM.replace("stop_on_interrupt()\n", "", 1))
    assert done.stdout.strip() == "carried on"
    assert "Exception ignored" in done.stderr


def test_other_unraisable_errors_are_still_reported():
    program = PROGRAM.replace("raise KeyboardInterrupt  # what", "raise ValueError('x')  # not")
    done = run(program)
    assert done.stdout.strip() == "carried on"
    assert "ValueError" in done.stderr


DEFERRED = textwrap.dedent("""
    import os, signal
    from nas.interrupts import deferred, interruptible, stop_on_interrupt

    stop_on_interrupt()
    steps = []
    try:
        with deferred():
            os.kill(os.getpid(), signal.SIG)
            steps.append("held")  # the interrupt waits for the end of the section
            STEP
        steps.append("after")
    except KeyboardInterrupt:
        steps.append("interrupted")
    print(" ".join(steps))
""")


def test_an_interrupt_inside_a_deferred_section_is_raised_on_leaving_it():
    for sig in ("SIGINT", "SIGTERM"):
        done = run(DEFERRED.replace("SIG)", f"{sig})").replace("STEP", "steps.append('told')"))
        assert done.stdout.strip() == "held told interrupted", done.stderr


def test_an_interruptible_section_raises_a_held_interrupt_on_entry():
    step = "with interruptible():\n            steps.append('objective')"
    done = run(DEFERRED.replace("SIG)", "SIGINT)").replace("STEP", step))
    assert done.stdout.strip() == "held interrupted", done.stderr


def test_an_interruptible_section_raises_a_new_interrupt_at_once():
    step = ("with interruptible():\n            try:\n                os.kill(os.getpid(), signal.SIGINT)\n"
            "                steps.append('not raised')\n            except KeyboardInterrupt:\n"
            "                steps.append('raised')")
    program = DEFERRED.replace("os.kill(os.getpid(), signal.SIG)", "pass").replace("STEP", step)
    done = run(program)
    assert done.stdout.strip() == "held raised after", done.stderr
