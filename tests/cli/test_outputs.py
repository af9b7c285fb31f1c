"""Outputs of ``nas export`` / ``nas report``: never over the study's storage, written atomically,
and every path that cannot be written is one line with exit code 2 (the study left byte-identical)."""

from __future__ import annotations

import hashlib
import os
import shutil
import socket
import stat
import subprocess
import sys
from pathlib import Path

import optuna
import pytest
from optuna.distributions import IntDistribution
from optuna.trial import TrialState, create_trial

from nas import outputs
from nas.arch.io import load_config, to_dict
from nas.cli.main import main
from nas.outputs import OutputError, check_output, write_output
from nas.presets import get_preset

ROOT = Path(__file__).resolve().parents[2]
ROOT_USER = hasattr(os, "geteuid") and os.geteuid() == 0


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def make_study(path: Path, name: str = "s", trials: int = 2) -> None:
    """A small study shaped like the ones ``nas search`` writes, with real architectures."""
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    path.parent.mkdir(parents=True, exist_ok=True)
    study = optuna.create_study(study_name=name, storage=f"sqlite:///{path}", directions=["maximize", "minimize"])
    study.set_metric_names(["accuracy", "flops"])
    study.set_user_attr("settings", {"space": "tiny", "max_flops": 100_000_000, "dataset": "synthetic",
                                     "objectives": ["accuracy", "flops"]})
    arch = to_dict(get_preset("mobilenetv3-small"))
    for i in range(trials):
        study.add_trial(create_trial(
            state=TrialState.COMPLETE, values=[0.5 + i / 10, 1e6 * (i + 1)], params={"depth": i + 1},
            distributions={"depth": IntDistribution(1, 9)},
            user_attrs={"arch": arch, "notation": "x", "flops": 1_000_000 * (i + 1), "params": 1000,
                        "accuracy": 0.5 + i / 10}))


@pytest.fixture(scope="module")
def stored(tmp_path_factory) -> Path:
    """A folder holding ``studies/s.db`` (copied per test)."""
    folder = tmp_path_factory.mktemp("stored")
    make_study(folder / "studies" / "s.db")
    return folder


@pytest.fixture
def work(stored, tmp_path, monkeypatch) -> Path:
    shutil.copytree(stored, tmp_path, dirs_exist_ok=True)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def run_cli(capsys, *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def assert_one_line(code: int, err: str, *needles: str) -> None:
    lines = err.strip().splitlines()
    assert code == 2, err
    assert len(lines) == 1 and "Traceback" not in err, err
    for needle in needles:
        assert needle in lines[0], lines[0]


def stray_files(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.rglob(".nas-*.tmp"))


# -- the storage file is never an output ---------------------------------------------------------------

def _symlink(work: Path) -> str:
    (work / "link.db").symlink_to(work / "studies" / "s.db")
    return "link.db"


def _hardlink(work: Path) -> str:
    os.link(work / "studies" / "s.db", work / "hard.db")
    return "hard.db"


STORAGE_ALIASES = {
    "plain": lambda w: "studies/s.db",
    "dot-slash": lambda w: "./studies/s.db",
    "dot-dot": lambda w: "studies/../studies/s.db",
    "absolute": lambda w: str(w / "studies" / "s.db"),
    "double-slash": lambda w: "studies//s.db",
    "symlink": _symlink,
    "hardlink": _hardlink,
    "journal": lambda w: "studies/s.db-journal",
}


@pytest.mark.parametrize("command", ["export", "report"])
@pytest.mark.parametrize("alias", sorted(STORAGE_ALIASES))
def test_output_over_the_storage_is_refused(work, capsys, command, alias):
    db = work / "studies" / "s.db"
    before = sha256(db)
    output = STORAGE_ALIASES[alias](work)
    code, _, err = run_cli(capsys, command, "s", "-o", output)
    assert_one_line(code, err, repr(output), "storage file")
    assert sha256(db) == before and not (work / "studies" / "s.db-journal").exists()
    assert stray_files(work) == []


@pytest.mark.parametrize("command", ["export", "report"])
def test_output_over_another_sqlite_database_is_refused(work, capsys, command):
    other = work / "other.db"
    make_study(other, "other")
    before = sha256(other)
    code, _, err = run_cli(capsys, command, "s", "-o", "other.db")
    assert_one_line(code, err, "'other.db' is a SQLite database")
    assert sha256(other) == before


@pytest.mark.parametrize("storage", ["url", "default"])
def test_output_over_the_storage_named_by_url(work, capsys, storage):
    db = work / "studies" / "s.db"
    before = sha256(db)
    args = ["--storage", f"sqlite:///{work}/studies/./s.db"] if storage == "url" else []
    code, _, err = run_cli(capsys, "export", "s", *args, "-o", str(db))
    assert_one_line(code, err, "storage file")
    assert sha256(db) == before


def test_subprocess_export_over_storage(work):
    """The command as a user types it: one line on stderr, exit 2, the database unchanged."""
    db = work / "studies" / "s.db"
    before = sha256(db)
    proc = subprocess.run([sys.executable, "-m", "nas.cli.main", "export", "s", "-o", "studies/s.db"],
                          cwd=work, capture_output=True, text=True, timeout=300)
    assert_one_line(proc.returncode, proc.stderr, "storage file")
    assert sha256(db) == before


# -- places an output cannot go -------------------------------------------------------------------------

def _folder(work: Path) -> str:
    (work / "out").mkdir()
    return "out"


def _parent_is_file(work: Path) -> str:
    (work / "plain").write_text("x")
    return "plain/x.out"


def _grandparent_is_file(work: Path) -> str:
    (work / "plain").write_text("x")
    return "plain/a/b/x.out"


def _fifo(work: Path) -> str:
    os.mkfifo(work / "fifo")
    return "fifo"


def _socket(work: Path) -> str:
    sock = socket.socket(socket.AF_UNIX)
    sock.bind("sock")
    sock.close()
    return "sock"


def _device(work: Path) -> str:
    """A character device of the test's own (never a system one, which a regression would replace)."""
    try:
        os.mknod(work / "dev", stat.S_IFCHR | 0o666, os.makedev(1, 3))
    except (PermissionError, AttributeError):
        pytest.skip("creating a device node needs root")
    return "dev"


def _readonly_folder(work: Path) -> str:
    (work / "ro").mkdir()
    (work / "ro").chmod(0o555)
    return "ro/x.out"


def _readonly_parent_of_new_folder(work: Path) -> str:
    (work / "ro").mkdir()
    (work / "ro").chmod(0o555)
    return "ro/new/x.out"


BAD_PLACES = {
    "folder": (_folder, "is a folder"),
    "folder-trailing-slash": (lambda w: _folder(w) + "/", "a folder"),
    "new-folder-trailing-slash": (lambda w: "new/", "a folder"),
    "cwd": (lambda w: ".", "is a folder"),
    "parent-is-file": (_parent_is_file, "is not a folder"),
    "grandparent-is-file": (_grandparent_is_file, "is not a folder"),
    "device": (_device, "not a regular file"),
    "fifo": (_fifo, "not a regular file"),
    "socket": (_socket, "not a regular file"),
    "empty": (lambda w: "", "empty"),
    "not-utf8": (lambda w: "bad-\udcff.out", "not valid UTF-8"),
    "newline": (lambda w: "a\nb.out", "control characters"),
    "nul": (lambda w: "a\0b.out", "control characters"),
    "proc": (lambda w: "/proc/nas-no-such/x.out", "cannot"),
    "name-too-long": (lambda w: "x" * 300 + ".out", "too long"),
    "readonly-folder": (_readonly_folder, "permission denied"),
    "readonly-parent-of-new-folder": (_readonly_parent_of_new_folder, "permission denied"),
}


@pytest.mark.parametrize("command", ["export", "report"])
@pytest.mark.parametrize("case", sorted(BAD_PLACES))
def test_unwritable_output_is_one_line(work, capsys, command, case):
    if case.startswith("readonly") and ROOT_USER:
        pytest.skip("permissions do not stop root")
    make, message = BAD_PLACES[case]
    output = make(work)
    db = work / "studies" / "s.db"
    before = sha256(db)
    listing = sorted(str(p) for p in work.rglob("*"))
    code, out, err = run_cli(capsys, command, "s", "-o", output)
    assert_one_line(code, err, message)
    assert out == ""
    assert sha256(db) == before
    assert sorted(str(p) for p in work.rglob("*")) == listing  # no file, folder or temporary file left


def test_non_utf8_output_through_a_real_command_line(work):
    proc = subprocess.run([sys.executable.encode(), b"-m", b"nas.cli.main", b"export", b"s", b"-o", b"x\xff.yaml"],
                          cwd=work, capture_output=True, text=True, timeout=300)
    assert_one_line(proc.returncode, proc.stderr, "not valid UTF-8")
    assert not list(work.glob("x*.yaml"))


# -- good outputs ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("output", ["new/deeper/s.yaml", "s.yaml", "exists.yaml", "link.yaml"])
def test_export_writes_and_replaces(work, capsys, output):
    (work / "exists.yaml").write_text("old")
    (work / "target.yaml").write_text("old")
    (work / "link.yaml").symlink_to("target.yaml")
    code, out, err = run_cli(capsys, "export", "s", "--pick", "trial:1", "-o", output)
    assert code == 0, err
    assert out.strip().endswith(f"-> {output}")
    written = work / ("target.yaml" if output == "link.yaml" else output)
    assert load_config(written) == get_preset("mobilenetv3-small")
    if output == "link.yaml":
        assert (work / "link.yaml").is_symlink()  # the link's target was replaced, not the link
    assert stray_files(work) == []


def test_export_default_output_name(work, capsys):
    code, out, err = run_cli(capsys, "export", "s", "--pick", "trial:0")
    assert code == 0, err
    assert (work / "s-trial0.yaml").is_file()


# -- atomic writing -------------------------------------------------------------------------------------

@pytest.mark.parametrize("failure", ["write", "fsync", "replace", "interrupt"])
@pytest.mark.parametrize("existing", [True, False])
def test_failed_write_leaves_nothing_and_keeps_the_old_file(tmp_path, monkeypatch, failure, existing):
    target = tmp_path / "deep" / "out.html"
    if existing:
        target.parent.mkdir()
        target.write_text("old report")
    error: BaseException = KeyboardInterrupt() if failure == "interrupt" else OSError(28, "No space left on device")

    def fail(*args, **kwargs):
        raise error

    if failure in ("replace", "interrupt"):
        monkeypatch.setattr(outputs.os, "replace", fail)
    elif failure == "fsync":
        monkeypatch.setattr(outputs.os, "fsync", fail)
    else:
        monkeypatch.setattr(outputs.os, "fdopen", lambda fd, mode: _FailingFile(fd, error))
    expected = KeyboardInterrupt if failure == "interrupt" else OutputError
    with pytest.raises(expected) as info:
        write_output(target, "new report")
    if expected is OutputError:
        assert "no space left on device" in str(info.value) and "\n" not in str(info.value)
    assert sorted(p.name for p in tmp_path.rglob("*")) == (["deep", "out.html"] if existing else [])
    if existing:
        assert target.read_text() == "old report"


class _FailingFile:
    def __init__(self, fd: int, error: BaseException) -> None:
        self.fd, self.error = fd, error

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        os.close(self.fd)

    def write(self, data: bytes) -> None:
        raise self.error


@pytest.mark.parametrize("data", ["text é", b"\x00bytes"])
def test_write_output_round_trip(tmp_path, data):
    path = write_output(tmp_path / "a" / "b.out", data)
    assert path.read_bytes() == (data.encode() if isinstance(data, str) else data)
    assert stray_files(tmp_path) == []


@pytest.mark.parametrize("protect", ["same", "other-name"])
def test_check_output_protects(tmp_path, protect):
    db = tmp_path / "x.db"
    db.write_text("not sqlite but protected")
    target = db if protect == "same" else tmp_path / "y.html"
    if protect == "same":
        with pytest.raises(OutputError, match="storage file"):
            check_output(target, protect=[db])
    else:
        assert check_output(target, protect=[db]) == target.resolve()


# -- plain words for a trial that does not exist --------------------------------------------------------

@pytest.mark.parametrize("trials, pick, message", [
    (0, "trial:0", "study 's' has no trials yet"),
    (0, "trial:5", "study 's' has no trials yet"),
    (2, "trial:2", "has no trial 2; its trials are numbered 0 to 1"),
    (2, "trial:-1", "has no trial -1; its trials are numbered 0 to 1"),
])
def test_missing_trial_in_plain_words(tmp_path, monkeypatch, capsys, trials, pick, message):
    monkeypatch.chdir(tmp_path)
    make_study(tmp_path / "studies" / "s.db", trials=trials)
    code, _, err = run_cli(capsys, "export", "s", "--pick", pick)
    assert_one_line(code, err, message)
    assert "(trials" not in err and not list(tmp_path.glob("*.yaml"))
