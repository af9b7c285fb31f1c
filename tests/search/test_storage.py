"""Storage URLs: a bad URL, an unreachable server, an in-memory or unwritable database is one clear
line, exit code 2; commands that only read never create a folder or a database file."""

import hashlib
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import optuna
import pytest

from nas.cli.main import main
from nas.errors import StorageError
from nas.study.storage import default_storage, open_storage, sqlite_file
from nas.study.stored import (
    NoSuchStudy,
    StoredStudy,
    existing_study,
    load_study,
    open_stored,
)

ROOT = Path(__file__).resolve().parents[2]
ROOT_USER = hasattr(os, "geteuid") and os.geteuid() == 0


@pytest.mark.parametrize("url, message", [
    ("studies/x.db", "not a database URL"),
    ("nosuchdb://host/x", "nosuchdb"),
    ("postgresql://nas:secret@127.0.0.1:1/nas", "storage 'postgresql://nas:***@127.0.0.1:1/nas'"),
])
def test_bad_storage_urls(url, message):
    with pytest.raises(StorageError) as info:
        open_storage(url)
    text = str(info.value)
    assert message in text and "\n" not in text and "secret" not in text


def test_search_cli_unreachable_server_exit_2(tmp_path):
    proc = subprocess.run(
        [sys.executable, "-m", "nas.cli.main", "search", str(ROOT / "search_spaces/lightweight.yaml"),
         "--max-flops", "5M", "--dataset", "synthetic", "--val-size", "128",
         "--storage", "postgresql://nas:pw@127.0.0.1:1/nas"],
        cwd=tmp_path, capture_output=True, text=True, timeout=300,
    )
    assert proc.returncode == 2, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and "storage 'postgresql://nas:***@127.0.0.1:1/nas'" in lines[0]


# -- in-memory, unwritable and read-only storages ---------------------------------------------------------


def _listing(folder: Path) -> list[str]:
    return sorted(str(p) for p in folder.rglob("*"))


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _one_line(err: str, *needles: str) -> None:
    lines = err.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in err, err
    assert all(n in lines[0] for n in needles), lines[0]


@pytest.mark.parametrize("url", ["sqlite://", "sqlite:///:memory:", "sqlite+pysqlite:///:memory:",
                                 "sqlite:///file:x?mode=memory&uri=true"])
@pytest.mark.parametrize("create", [True, False])
def test_in_memory_storage_is_refused(url, create):
    with pytest.raises(StorageError, match="in-memory database keeps nothing"):
        open_storage(url, create=create)


@pytest.mark.parametrize("url", ["sqlite://", "sqlite:///:memory:"])
@pytest.mark.parametrize("command", ["status", "report", "export"])
def test_in_memory_storage_cli(url, command, capsys):
    assert main([command, "s", "--storage", url]) == 2
    _one_line(capsys.readouterr().err, "in-memory")


def _parent_is_file(tmp: Path) -> str:
    (tmp / "plain").write_text("x")
    return f"sqlite:///{tmp}/plain/x.db"


def _readonly_folder(tmp: Path) -> str:
    (tmp / "ro").mkdir()
    (tmp / "ro").chmod(0o555)
    return f"sqlite:///{tmp}/ro/sub/x.db"


def _readonly_folder_of_db(tmp: Path) -> str:
    (tmp / "ro").mkdir()
    optuna.create_study(study_name="s", storage=f"sqlite:///{tmp}/ro/x.db")
    (tmp / "ro").chmod(0o555)
    return f"sqlite:///{tmp}/ro/x.db"


def _readonly_db(tmp: Path) -> str:
    optuna.create_study(study_name="s", storage=f"sqlite:///{tmp}/x.db")
    (tmp / "x.db").chmod(0o444)
    return f"sqlite:///{tmp}/x.db"


def _not_a_database(tmp: Path) -> str:
    (tmp / "x.db").write_text("name: tiny\n")
    return f"sqlite:///{tmp}/x.db"


def _folder(tmp: Path) -> str:
    (tmp / "x.db").mkdir()
    return f"sqlite:///{tmp}/x.db"


UNWRITABLE = {
    "parent-is-file": (_parent_is_file, "cannot create its folder"),
    "proc": (lambda tmp: "sqlite:////proc/nas-no-such/x.db", "cannot create its folder"),
    "not-a-database": (_not_a_database, "is not a SQLite database"),
    "folder": (_folder, "is a folder"),
    "not-utf8": (lambda tmp: f"sqlite:///{tmp}/\udcff.db", "not valid UTF-8"),
    "newline": (lambda tmp: f"sqlite:///{tmp}/a\nb.db", "control characters"),
    "readonly-folder": (_readonly_folder, "cannot create its folder"),
    "readonly-folder-of-db": (_readonly_folder_of_db, "is read-only"),
    "readonly-db": (_readonly_db, "is read-only"),
}


@pytest.mark.parametrize("case", sorted(UNWRITABLE))
def test_unwritable_storage_is_one_line(case, tmp_path):
    if case.startswith("readonly") and ROOT_USER:
        pytest.skip("permissions do not stop root")
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    make, message = UNWRITABLE[case]
    url = make(tmp_path)
    before = {p: _sha(p) for p in tmp_path.rglob("*") if p.is_file()}
    listing = _listing(tmp_path)
    with pytest.raises(StorageError) as info:
        open_storage(url, create=True)
    text = str(info.value)
    assert message in text and "\n" not in text, text
    assert _listing(tmp_path) == listing
    assert {p: _sha(p) for p in tmp_path.rglob("*") if p.is_file()} == before


def _other_sqlite(tmp: Path) -> str:
    con = sqlite3.connect(tmp / "x.db")
    con.execute("CREATE TABLE notes (text TEXT)")
    con.commit()
    con.close()
    return f"sqlite:///{tmp}/x.db"


def _empty_file(tmp: Path) -> str:
    (tmp / "x.db").write_bytes(b"")
    return f"sqlite:///{tmp}/x.db"


READ_CASES = {
    "missing-folder": (lambda tmp: f"sqlite:///{tmp}/nope/x.db", "does not exist"),
    "missing-file": (lambda tmp: f"sqlite:///{tmp}/x.db", "does not exist"),
    "relative-missing": (lambda tmp: "sqlite:///nope/x.db", "does not exist"),
    "empty-file": (_empty_file, "is empty"),
    "other-sqlite": (_other_sqlite, "holds no studies"),
    "not-a-database": (_not_a_database, "is not a SQLite database"),
    "folder": (_folder, "is a folder"),
    "parent-is-file": (_parent_is_file, "does not exist"),
}


@pytest.mark.parametrize("case", sorted(READ_CASES))
def test_reading_creates_nothing(case, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    make, message = READ_CASES[case]
    url = make(tmp_path)
    before = {p: _sha(p) for p in tmp_path.rglob("*") if p.is_file()}
    listing = _listing(tmp_path)
    with pytest.raises(StorageError) as info:
        open_storage(url, create=False)
    assert message in str(info.value) and "\n" not in str(info.value)
    assert _listing(tmp_path) == listing
    assert {p: _sha(p) for p in tmp_path.rglob("*") if p.is_file()} == before


@pytest.mark.parametrize("command", ["status", "report", "export"])
@pytest.mark.parametrize("storage, message", [
    (["--storage", "sqlite:///nope/x.db"], "no storage 'nope/x.db'"),
    (["--storage", "sqlite:///x.db"], "no storage 'x.db'"),
    ([], "no study 'typo': studies/typo.db does not exist"),
])
def test_read_commands_do_not_create_storage(command, storage, message, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "studies").mkdir()
    optuna.create_study(study_name="real", storage=f"sqlite:///{tmp_path}/studies/real.db")
    listing = _listing(tmp_path)
    assert main([command, "typo", *storage]) == 2
    _one_line(capsys.readouterr().err, message)
    assert _listing(tmp_path) == listing


def test_misspelled_study_names_the_stored_ones(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "studies").mkdir()
    optuna.create_study(study_name="real", storage="sqlite:///studies/real.db")
    with pytest.raises(Exception, match="studies/ holds: real") as info:
        load_study("rael")
    assert "\n" not in str(info.value)


def test_reading_an_existing_study_keeps_it_byte_identical(tmp_path):
    url = f"sqlite:///{tmp_path}/x.db"
    optuna.create_study(study_name="s", storage=url)
    before = _sha(tmp_path / "x.db")
    assert load_study("s", url).study_name == "s"
    assert _sha(tmp_path / "x.db") == before and _listing(tmp_path) == [str(tmp_path / "x.db")]


def test_one_opener_for_readers_and_the_search_probe(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    url = f"sqlite:///{tmp_path}/x.db"
    # The search's probe: a missing file or name is no study, and nothing is created.
    assert existing_study("s", url) is None and _listing(tmp_path) == []
    with pytest.raises(NoSuchStudy, match="no study 's' in .*the file does not exist"):
        open_stored("s", url, writable=True)
    with pytest.raises(StorageError, match="no storage"):
        open_stored("s", url)  # a reader's missing file is a missing storage
    optuna.create_study(study_name="other", storage=url)
    before = _sha(tmp_path / "x.db")
    assert existing_study("s", url) is None
    for writable in (False, True):
        with pytest.raises(NoSuchStudy, match=r"no study 's' in .*\(studies there: other\)"):
            open_stored("s", url, writable=writable)
    stored = open_stored("other", url)
    assert isinstance(stored, StoredStudy) and stored.url == url and stored.study.study_name == "other"
    assert existing_study("other", url).study_name == load_study("other", url).study_name == "other"
    assert _sha(tmp_path / "x.db") == before and _listing(tmp_path) == [str(tmp_path / "x.db")]


def test_the_search_probe_refuses_a_read_only_storage_a_reader_opens(tmp_path):
    if ROOT_USER:
        pytest.skip("permissions do not stop root")
    url = f"sqlite:///{tmp_path}/x.db"
    optuna.create_study(study_name="s", storage=url)
    (tmp_path / "x.db").chmod(0o444)
    assert load_study("s", url).study_name == "s"
    with pytest.raises(StorageError, match="read-only"):
        existing_study("s", url)


def test_search_still_creates_its_default_storage(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    url = default_storage("fresh")
    assert url == "sqlite:///studies/fresh.db" and not (tmp_path / "studies").exists()  # naming creates nothing
    optuna.create_study(study_name="fresh", storage=open_storage(url, create=True))
    assert (tmp_path / "studies" / "fresh.db").is_file()
    assert sqlite_file(url) == Path("studies/fresh.db")


@pytest.mark.parametrize("url, message", [
    ("", "not a database URL"),
    ("sqlite:", "not a database URL"),
    ("://x", "not a database URL"),
    ("postgresql://u:pw@[::1/x", "not a database URL"),
    ("postgresql://u:pw@host:notaport/x", "not a database URL"),
    ("postgresql://nas:pw@127.0.0.1:1/nas", "storage 'postgresql://nas:***@127.0.0.1:1/nas'"),
    ("sqlite:///\udcff.db", "not valid UTF-8"),
])
@pytest.mark.parametrize("command", ["status", "report", "export"])
def test_broken_storage_cli_is_one_line(url, message, command, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert main([command, "s", "--storage", url]) == 2
    err = capsys.readouterr().err
    _one_line(err, message)
    assert "pw" not in err and _listing(tmp_path) == []


def test_non_utf8_storage_through_a_real_command_line(tmp_path):
    proc = subprocess.run([sys.executable.encode(), b"-m", b"nas.cli.main", b"report", b"s", b"--storage",
                           b"sqlite:///x\xff/s.db"], cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 2
    _one_line(proc.stderr, "not valid UTF-8")
    assert _listing(tmp_path) == []
