"""nas.ledger: rows appended once per key, shared by processes, never rewritten; claims."""

import json
import multiprocessing
import os
import subprocess
import sys

import pytest

from nas.errors import NasError
from nas.ledger import Ledger, claim, work_folder


def test_append_resume_and_no_duplicates(tmp_path):
    path = tmp_path / "results" / "t.jsonl"
    ledger = Ledger(path)
    assert ledger.rows() == [] and not path.exists()
    assert ledger.append({"key": "a", "x": 1})
    assert ledger.append({"key": "b", "x": 2})
    assert not ledger.append({"key": "a", "x": 3})  # stored once
    again = Ledger(path)  # a later process resumes
    assert [r["key"] for r in again.rows()] == ["a", "b"]
    assert again.get("a") == {"key": "a", "x": 1} and again.get("z") is None
    assert again.keys() == {"a", "b"}
    assert path.read_text().count("\n") == 2


def test_a_torn_last_line_is_ignored_then_cut_off(tmp_path):
    path = tmp_path / "t.jsonl"
    path.write_text(json.dumps({"key": "a"}) + "\n" + '{"key": "b", "x"')  # a writer killed mid-row
    ledger = Ledger(path)
    assert ledger.keys() == {"a"}
    assert ledger.append({"key": "c"})
    assert [json.loads(line)["key"] for line in path.read_text().splitlines()] == ["a", "c"]


def test_a_last_row_without_newline_is_kept(tmp_path):
    path = tmp_path / "t.jsonl"
    path.write_text(json.dumps({"key": "a"}))
    ledger = Ledger(path)
    assert ledger.append({"key": "b"})
    assert ledger.keys() == {"a", "b"}


def test_bad_files_and_rows_are_one_line_errors(tmp_path):
    bad = tmp_path / "bad.jsonl"
    bad.write_text("not json\n" + json.dumps({"key": "a"}) + "\n")
    with pytest.raises(NasError, match=r"bad.jsonl:1: not a JSON object"):
        Ledger(bad).rows()
    keyless = tmp_path / "keyless.jsonl"
    keyless.write_text(json.dumps({"x": 1}) + "\n")
    with pytest.raises(NasError, match="without 'key'"):
        Ledger(keyless).rows()
    with pytest.raises(NasError, match="not a file"):
        Ledger(tmp_path)
    ledger = Ledger(tmp_path / "ok.jsonl")
    with pytest.raises(NasError, match="without 'key'"):
        ledger.append({"x": 1})
    with pytest.raises(NasError, match="not JSON"):
        ledger.append({"key": "n", "x": float("nan")})
    with pytest.raises(NasError, match="not JSON"):
        ledger.append({"key": "o", "x": object()})
    assert not (tmp_path / "ok.jsonl").exists() or Ledger(tmp_path / "ok.jsonl").rows() == []


def test_check_refuses_a_row_before_anything_is_written(tmp_path):
    def check(row):
        if row["x"] < 0:
            raise NasError(f"row {row['key']}: x must be >= 0")

    ledger = Ledger(tmp_path / "t.jsonl", check=check)
    ledger.append({"key": "a", "x": 1})
    before = (tmp_path / "t.jsonl").read_bytes()
    with pytest.raises(NasError, match="x must be >= 0"):
        ledger.append({"key": "b", "x": -1})
    assert (tmp_path / "t.jsonl").read_bytes() == before


def _append_many(path, start):
    ledger = Ledger(path)
    for i in range(40):
        ledger.append({"key": f"k{(start + i) % 50}", "by": start})


def test_two_processes_never_store_a_key_twice(tmp_path):
    path = tmp_path / "t.jsonl"
    ctx = multiprocessing.get_context("spawn")
    procs = [ctx.Process(target=_append_many, args=(path, s)) for s in (0, 25)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(60)
        assert p.exitcode == 0
    keys = [json.loads(line)["key"] for line in path.read_text().splitlines()]
    assert len(keys) == len(set(keys)) == 50


def test_claims(tmp_path):
    folder = tmp_path / "run"
    assert claim(folder) and claim(folder)  # this process, twice
    # Held by a live process: refused.
    sleeper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        other = tmp_path / "other"
        other.mkdir()
        (other / "claim").write_text(str(sleeper.pid))
        assert not claim(other)
    finally:
        sleeper.kill()
        sleeper.wait()
    assert claim(other)  # its process is gone: taken over
    assert (other / "claim").read_text() == str(os.getpid())
    garbled = tmp_path / "garbled"
    garbled.mkdir()
    (garbled / "claim").write_text("not a pid")
    assert claim(garbled)


def test_a_claim_under_a_file_is_refused_and_the_file_kept(tmp_path):
    afile = tmp_path / "taken"
    afile.write_text("kept")
    for folder in (afile, afile / "deeper" / "run"):
        with pytest.raises(NasError, match=f"{afile} is a file, not a folder"):
            claim(folder)
        with pytest.raises(NasError, match=f"--runs: {afile} is a file"):
            work_folder(folder, "--runs")
    assert afile.read_text() == "kept"
    assert work_folder(tmp_path / "new" / "run", "--runs") == tmp_path / "new" / "run"
    assert not (tmp_path / "new").exists()  # checking creates nothing
