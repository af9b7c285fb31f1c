"""One mapping from a study name to its files: names never leave their folders and distinct names
never share a file, in every command that derives a path from the name."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from nas.cli.main import main
from nas.errors import NasError
from nas.study.files import MAX_STEM_BYTES, STUDIES_DIR, file_stem, study_files

TINY = ("name: tiny\ninput: dataset\nclasses: dataset\nstem: {kind: [conv], channels: [4]}\n"
        "stages:\n  - {family: [conv], depth: [1], channels: [8], stride: 2}\nhead: {hidden: [null]}\n")


def tiny_search(work: Path, study: str) -> int:
    """A one-trial search of a one-architecture space, stored under its default name."""
    space = work / "tiny.yaml"
    space.write_text(TINY)
    return main(["search", str(space), "--max-flops", "1M", "--trials", "1", "--study", study,
                 "--dataset", "synthetic:1x8x8:4:128", "--epochs", "1", "--train-subset", "64", "--val-size", "32",
                 "--batch-size", "32", "--jobs", "1", "--threads", "1", "--no-progress", "--prescreen", "1"])

TRICKY = ["plain", "lightweight-5M-fashion-mnist", "研究", "日本", "run 2", "../escape", "..", ".", ".hidden",
          "a/b", "a_b", "a~2Fb", "a%2Fb", "a\\b", "a?b", "a#b", "a:b", "~", "~7E", "%", "x.db", "/abs"]


def test_plain_names_keep_their_files():
    assert file_stem("lightweight-5M-fashion-mnist") == "lightweight-5M-fashion-mnist"
    assert file_stem("研究") == "研究" and file_stem("run 2") == "run 2"
    files = study_files("t")
    assert (files.database, files.report, files.runs) == (Path("studies/t.db"), Path("reports/t.html"),
                                                          Path("runs/t"))
    assert files.storage_url == "sqlite:///studies/t.db"


def test_distinct_names_never_share_a_file_and_none_leaves_its_folder():
    stems = [file_stem(n) for n in TRICKY]
    assert len(set(stems)) == len(TRICKY)
    for name in TRICKY:
        files = study_files(name)
        for path, folder in ((files.database, "studies"), (files.report, "reports"), (files.runs, "runs")):
            assert path.parent == Path(folder) and path.name not in (".", "..") and not path.name.startswith(".")
            assert (Path("/base") / path).resolve().parent == Path("/base") / folder
        # The URL names the same file once SQLAlchemy has parsed it (no '?', '#' or '%XX' left).
        assert make_url(files.storage_url).database == str(files.database)


@pytest.mark.parametrize("name, message", [
    ("", "the study name is empty"),
    ("a\nb", "holds control characters"),
    ("bad\udcff", "is not valid UTF-8"),
    ("x" * (MAX_STEM_BYTES + 1), "too long for a file name"),
    ("/" * 70, "too long for a file name"),
])
def test_names_that_cannot_be_files_are_refused(name, message):
    with pytest.raises(NasError, match=message):
        study_files(name)


def test_search_and_report_keep_a_dotted_name_inside_their_folders(tmp_path, monkeypatch, capsys):
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    assert tiny_search(work, "../escape") == 0, capsys.readouterr().err[-2000:]
    assert (work / STUDIES_DIR / "~2E.~2Fescape.db").is_file()
    assert main(["report", "../escape"]) == 0
    assert (work / "reports" / "~2E.~2Fescape.html").is_file()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["work"]  # nothing written beside the work folder
    assert sorted(p.name for p in work.iterdir()) == ["reports", "studies", "tiny.yaml"]


def test_two_names_that_once_shared_a_runs_folder_finalise_apart(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    for name in ("研究", "日本"):
        assert tiny_search(tmp_path, name) == 0  # the same architecture in both
        assert (tmp_path / study_files(name).database).is_file()
    for name in ("研究", "日本"):
        code = main(["finalize", name, "--trials", "0", "--epochs", "1", "--batch-size", "32", "--threads", "1",
                     "--jobs", "1", "--no-progress"])
        assert code == 0, capsys.readouterr().err[-2000:]
    assert sorted(p.name for p in (tmp_path / "runs").iterdir()) == sorted(["研究", "日本"])
    for name in ("研究", "日本"):
        assert (tmp_path / "runs" / name / "trial-0").is_dir()


def test_sqlite_header_is_the_start_of_a_real_database_and_written_once(tmp_path: Path):
    import sqlite3

    from nas import outputs
    from nas.study import storage
    from nas.study.files import SQLITE_HEADER

    con = sqlite3.connect(tmp_path / "x.db")
    con.execute("CREATE TABLE t (x)")
    con.commit()
    con.close()
    assert (tmp_path / "x.db").read_bytes()[: len(SQLITE_HEADER)] == SQLITE_HEADER
    # The output guard and the storage checks compare against this one constant.
    assert outputs.SQLITE_HEADER is SQLITE_HEADER and storage.SQLITE_HEADER is SQLITE_HEADER
    package = Path(outputs.__file__).parent
    holders = [p for p in package.rglob("*.py") if "SQLite format 3" in p.read_text(encoding="utf-8")]
    assert holders == [package / "study" / "files.py"]
