"""A small study made once by a real tiny search, copied into each test's folder."""

from __future__ import annotations

import os
import shutil
import signal
from pathlib import Path

import pytest
import torch
from clirun import STORE, TINY_SPACE

from nas.arch import save_config
from nas.cli.main import main
from nas.presets import get_preset


@pytest.fixture(scope="session")
def stored(tmp_path_factory) -> Path:
    """A folder holding ``studies/t.db`` made by a real tiny search, its space and two
    architecture files (the study's exported best and a preset); copied for each case."""
    folder = tmp_path_factory.mktemp("stored")
    (folder / "tiny.yaml").write_text(TINY_SPACE)
    os.mkfifo(folder / "fifo")
    cwd = Path.cwd()
    os.chdir(folder)
    handlers = {s: signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        code = main(["search", "tiny.yaml", "--max-flops", "1M", "--trials", "1", "--study", "t", "--storage", STORE,
                     "--dataset", "synthetic", "--epochs", "1", "--train-subset", "128", "--val-size", "64",
                     "--batch-size", "64", "--jobs", "1", "--no-progress"])
        assert code == 0
        assert main(["export", "t", "--storage", STORE, "-o", "arch.yaml"]) == 0
    finally:
        os.chdir(cwd)
        for s, h in handlers.items():
            signal.signal(s, h)
    save_config(get_preset("mobilenetv3-small-ldc1").with_input(1, 32, 10), folder / "preset.yaml")
    return folder


@pytest.fixture
def work(stored, tmp_path, monkeypatch) -> Path:
    shutil.copytree(stored, tmp_path, dirs_exist_ok=True, symlinks=True, ignore_dangling_symlinks=True,
                    copy_function=_copy)
    monkeypatch.chdir(tmp_path)
    handlers = {s: signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM, signal.SIGALRM)}
    threads = torch.get_num_threads()
    yield tmp_path
    signal.alarm(0)
    for s, h in handlers.items():
        signal.signal(s, h)
    torch.set_num_threads(threads)


def _copy(src: str, dst: str) -> None:
    if Path(src).is_fifo():
        os.mkfifo(dst)
    else:
        shutil.copy2(src, dst)
