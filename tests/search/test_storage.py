"""Storage URLs: a bad URL or an unreachable server is one clear line, exit code 2."""

import subprocess
import sys
from pathlib import Path

import pytest

from nas.errors import StorageError
from nas.search.storage import open_storage

ROOT = Path(__file__).resolve().parents[2]


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
