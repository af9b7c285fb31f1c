"""Hostile space files and option values: one line naming the problem, exit code 2, no traceback."""

from __future__ import annotations

import re
import subprocess
import sys

import pytest

from nas.errors import NasError
from nas.space import SearchSpace

BASE = """\
name: t
input: 1x28x28
classes: 10
stem: {kind: conv, channels: 16}
stages:
  - {family: [bneck, conv], depth: [1, 2], channels: [24, 32], stride: 2}
"""

LAUGHS = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
    f"{chr(98 + i)}: &{chr(98 + i)} [" + ", ".join([f"*{chr(97 + i)}"] * 9) + "]\n" for i in range(9)
)

#: name -> (file bytes, words the one line must contain)
FILES = {
    "billion-laughs": (LAUGHS.encode(), "aliases"),
    "not-utf8": (BASE.encode().replace(b"name: t", b"name: t\xff\xfe"), "not UTF-8"),
    "int-key": (BASE.replace("classes: 10", "classes: 10\n1: 2").encode(), "keys must be names"),
    "list-key": (BASE.replace("classes: 10", "classes: 10\n? [a, b]\n: 2").encode(), "keys must be names"),
    "deep-nesting": (("stages: " + "[" * 500 + "]" * 500 + "\n").encode(), "nested deeper"),
    "huge-file": (BASE.encode() + b"#" * (2 << 20), "bytes"),
    "width-inf": (BASE.replace("name: t", "name: t\nwidth: .inf").encode(), "width: expected a number"),
    "width-nan": (BASE.replace("name: t", "name: t\nwidth: .nan").encode(), "width: expected a number"),
    "channels-1e9": (BASE.replace("[24, 32]", "[24, 1000000000]").encode(), "channels[1]: expected an integer"),
    "channels-huge-int": (BASE.replace("[24, 32]", "[24, " + "9" * 40 + "]").encode(), "channels[1]"),
    "depth-million": (BASE.replace("depth: [1, 2]", "depth: [1, 1000000]").encode(), "depth[1]: expected an integer"),
    "kernel-zero": (BASE.replace("stride: 2}", "stride: 2, kernel: 0}").encode(), "kernel: expected an odd"),
    "kernel-negative": (BASE.replace("stride: 2}", "stride: 2, kernel: -3}").encode(), "kernel: expected an odd"),
    "channels-negative": (BASE.replace("[24, 32]", "[24, -32]").encode(), "channels[1]"),
    "classes-zero": (BASE.replace("classes: 10", "classes: 0").encode(), "classes: expected"),
    "expand-absurd": (BASE.replace("stride: 2}", "stride: 2, expand: 1e300}").encode(), "expand"),
}


def nas(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "nas.cli.main", *args], capture_output=True, text=True, timeout=300)


def assert_one_line(proc: subprocess.CompletedProcess, words: str) -> None:
    assert proc.returncode == 2, proc.stderr
    assert "Traceback" not in proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and words in lines[0], proc.stderr


@pytest.mark.parametrize("name", sorted(FILES))
def test_bad_space_files_are_refused_by_the_api(tmp_path, name):
    data, words = FILES[name]
    path = tmp_path / "space.yaml"
    path.write_bytes(data)
    with pytest.raises(NasError, match=re.escape(words)) as exc:
        SearchSpace.load(path)
    assert str(exc.value).startswith(f"{path}: ") and "\n" not in str(exc.value)


@pytest.mark.parametrize("name", ["billion-laughs", "not-utf8", "int-key", "width-nan", "depth-million", "kernel-zero"])
def test_bad_space_files_end_in_one_line(tmp_path, name):
    data, words = FILES[name]
    path = tmp_path / "space.yaml"
    path.write_bytes(data)
    assert_one_line(nas("space", str(path)), words)


@pytest.mark.parametrize("option, value", [
    ("--samples", "0"), ("--samples", "-3"), ("--samples", "many"), ("--samples", "10000000"),
    ("--classes", "0"), ("--classes", "-1"), ("--input", "0x28x28"), ("--input", "1x28"), ("--input", "1x99999x99999"),
    ("--seed", "-1"),
])
def test_bad_options_end_in_one_line(tmp_path, option, value):
    path = tmp_path / "space.yaml"
    path.write_text(BASE)
    assert_one_line(nas("space", str(path), option, value), option)


def test_a_space_of_huge_widths_is_refused_before_building(tmp_path):
    path = tmp_path / "space.yaml"
    path.write_text(BASE.replace("channels: [24, 32]", "channels: [60000]").replace("[bneck, conv]", "conv"))
    assert_one_line(nas("space", str(path), "--samples", "2"), "parameters")
