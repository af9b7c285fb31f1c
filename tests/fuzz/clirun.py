"""Running ``nas`` in this process and checking the promise every command keeps: exit code 0, or
exit code 2 with at most one line on stderr (never a traceback), and a study left byte-identical
by a command that failed or only reads."""

from __future__ import annotations

import hashlib
import importlib.util
import signal
import warnings
from pathlib import Path

from nas.cli.main import main

ROOT = Path(__file__).resolve().parents[2]
STORE = "sqlite:///studies/t.db"
#: Commands that never write to a study that holds no stale trial.
READ_ONLY = ("status", "report", "export", "space", "profile", "train")


def _tiny_space() -> str:
    spec = importlib.util.spec_from_file_location("search_fixtures", ROOT / "tests" / "search" / "conftest.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.TINY_SPACE


TINY_SPACE = _tiny_space()


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def listing(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*"))


class Hung(BaseException):
    """A case that ran for minutes: a hang, reported as a failure instead of stopping the suite."""


def _hung(signum: int, frame: object) -> None:
    raise Hung


#: Warnings a plain ``python`` shows on stderr (the others are hidden outside ``__main__``).
HIDDEN_WARNINGS = (DeprecationWarning, PendingDeprecationWarning, ImportWarning, ResourceWarning)


def run_in_process(argv: list[str], capfd) -> tuple[int, str, str]:
    """Exit code, stderr and stdout of ``nas ARGV`` run here; a warning counts as the lines it
    would print on stderr."""
    signal.signal(signal.SIGALRM, _hung)
    signal.alarm(120)
    with warnings.catch_warnings(record=True) as caught:
        try:
            code = main(argv)
        except SystemExit as exc:  # argparse
            code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 2)
        finally:
            signal.alarm(0)
    shown = [w for w in caught if not issubclass(w.category, HIDDEN_WARNINGS)]
    text = "".join(warnings.formatwarning(w.message, w.category, w.filename, w.lineno, "") for w in shown)
    captured = capfd.readouterr()
    return code, text + captured.err, captured.out


def check_outcome(case: str, argv: list[str], code: int, err: str, before: str, after: str,
                  listed: list[str], listed_after: list[str]) -> None:
    """Assert the promise for one run: ``before``/``after`` are the study's hashes, ``listed`` the
    working folder's files before and after."""
    lines = [ln for ln in err.splitlines() if ln.strip()]
    context = f"{case}: nas {' '.join(map(repr, argv))}\n{err[-3000:]}"
    assert "Traceback" not in err, context
    assert code in (0, 2), context
    if code == 2:
        assert len(lines) <= 1, context
        assert lines and lines[0].startswith(f"nas {argv[0]}: error: "), context
        assert ": : " not in lines[0] and "--1)" not in lines[0], context  # no empty key paths or odd ranges
        assert after == before, f"the study changed: {context}"
        if argv[0] in ("status", "report", "export"):
            assert listed_after == listed, f"files appeared: {context}"  # nothing created for a failed read
    if argv[0] in READ_ONLY:
        assert after == before, f"a reading command changed the study: {context}"
