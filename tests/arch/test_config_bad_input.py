"""Hostile architecture files and nas profile options: one line, exit code 2, no traceback."""

from __future__ import annotations

import re
import subprocess
import sys

import pytest

from nas.arch import load_config
from nas.errors import NasError

BASE = """\
name: t
input: 1x28x28
classes: 10
stem: conv_k3_c16
stages:
  - [bneck_k3_s2_x32_c24]
head: head_re
"""

FILES = {
    "billion-laughs": (b"a: &a [x, x]\nb: &b [*a, *a]\nc: [*b, *b]\n", "aliases"),
    "not-utf8": (BASE.encode().replace(b"name: t", b"name: \xc3\x28"), "not UTF-8"),
    "int-key": (BASE.replace("classes: 10", "classes: 10\n7: x").encode(), "keys must be names"),
    "huge-file": (BASE.encode() + b"#" * (2 << 20), "bytes"),
    "classes-inf": (BASE.replace("classes: 10", "classes: .inf").encode(), "classes: expected"),
    "classes-zero": (BASE.replace("classes: 10", "classes: 0").encode(), "classes: expected"),
    "width-1e9": (BASE.replace("c24", "c1000000000").encode(), "out: expected an integer"),
    "hidden-huge": (BASE.replace("x32", "x99999999").encode(), "hidden: expected an integer"),
    "repeat-million": (BASE.replace("bneck_k3_s2_x32_c24", "bneck_k3_s2_x32_c24_r1000000").encode(), "repeat"),
    "kernel-zero": (BASE.replace("conv_k3", "conv_k0").encode(), "kernel: expected an integer"),
    "kernel-huge": (BASE.replace("conv_k3", "conv_k999").encode(), "kernel: expected an integer"),
    "expand-huge": (BASE.replace("x32", "e1000").encode(), "expand"),
    "input-huge": (BASE.replace("1x28x28", "1x100000x100000").encode(), "too large"),
    "input-negative": (BASE.replace("1x28x28", "1x-28x-28").encode(), "expected CxHxW"),
}


def nas(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "nas.cli.main", *args], capture_output=True, text=True, timeout=300)


def assert_one_line(proc: subprocess.CompletedProcess, words: str) -> None:
    assert proc.returncode == 2, proc.stderr
    assert "Traceback" not in proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and words in lines[0], proc.stderr


@pytest.mark.parametrize("name", sorted(FILES))
def test_bad_config_files_are_refused_by_the_api(tmp_path, name):
    data, words = FILES[name]
    path = tmp_path / "arch.yaml"
    path.write_bytes(data)
    with pytest.raises(NasError, match=re.escape(words)) as exc:
        load_config(path)
    assert str(exc.value).startswith(str(path)) and "\n" not in str(exc.value)


@pytest.mark.parametrize("name", ["billion-laughs", "not-utf8", "int-key", "width-1e9", "repeat-million"])
def test_bad_config_files_end_in_one_line(tmp_path, name):
    data, words = FILES[name]
    path = tmp_path / "arch.yaml"
    path.write_bytes(data)
    assert_one_line(nas("profile", str(path), "--no-latency", "--no-memory"), words)


@pytest.mark.parametrize("option, value", [
    ("--repeats", "0"), ("--repeats", "-5"), ("--repeats", "x"), ("--threads", "0"), ("--threads", "-2"),
    ("--threads", "100000"), ("--classes", "0"), ("--classes", "-10"), ("--input", "0x0x0"), ("--input", "3x32x16"),
])
def test_bad_profile_options_end_in_one_line(tmp_path, option, value):
    path = tmp_path / "arch.yaml"
    path.write_text(BASE)
    assert_one_line(nas("profile", str(path), "--no-memory", option, value), option)


def test_an_architecture_too_large_for_memory_ends_in_one_line(tmp_path):
    path = tmp_path / "arch.yaml"
    path.write_text(BASE.replace("bneck_k3_s2_x32_c24", "conv_k3_c60000, conv_k3_c60000"))
    assert_one_line(nas("profile", str(path)), "parameters")
