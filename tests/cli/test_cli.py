"""The command line: presets, profile (table and JSON), help texts, one-line errors."""

import json
import subprocess
import sys

import pytest

from nas.arch import save_config
from nas.presets import get_preset


def nas(*args, cwd=None):
    return subprocess.run([sys.executable, "-m", "nas.cli.main", *args], capture_output=True, text=True,
                          timeout=300, cwd=cwd)


def test_presets_lists_every_preset():
    proc = nas("presets", "--json")
    assert proc.returncode == 0
    names = {row["name"] for row in json.loads(proc.stdout)}
    assert {"vgg16-cifar-p4", "resnet56-cifar-p2", "mobilenetv3-small-ldc3", "hsnet", "convnext-tiny-k3x1"} <= names


def test_profile_json_of_a_preset():
    proc = nas("profile", "resnet56-cifar-p2", "--json", "--repeats", "3")
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    assert isinstance(data["flops"], int) and isinstance(data["params"], int)
    assert abs(data["flops"] / 125.49e6 - (1 - 0.443)) < 0.005
    assert data["latency_ms"] > 0 and data["input_shape"] == [3, 32, 32]
    assert [s["name"] for s in data["stages"]] == ["stem", "stage1", "stage2", "stage3", "head"]
    assert sum(s["flops"] for s in data["stages"]) == data["flops"]


def test_profile_table_of_a_config_file_at_another_input(tmp_path):
    path = save_config(get_preset("mobilenetv3-small-ldc1"), tmp_path / "a.yaml")
    proc = nas("profile", str(path), "--input", "1x28x28", "--classes", "10", "--no-latency")
    assert proc.returncode == 0, proc.stderr
    assert "stage4" in proc.stdout and "input 1x28x28" in proc.stdout and "FLOPs" in proc.stdout


@pytest.mark.parametrize("args, message", [
    (("profile", "no-such-net"), "neither a preset"),
    (("profile", "vgg16-cifar-p1", "--input", "1x28x28"), "leaves nothing"),
    (("profile", "hsnet", "--input", "3x32"), "expected CxHxW"),
    (("search", "search_spaces/nope.yaml", "--max-flops", "5M"), "no such space file"),
    (("search", "search_spaces/lightweight.yaml", "--max-flops", "five"), "--max-flops: expected a number"),
    (("report", "nosuchstudy"), "no study 'nosuchstudy'"),
    (("export", "nosuchstudy"), "no study 'nosuchstudy'"),
])
def test_bad_input_is_one_line_exit_2(args, message, tmp_path):
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    proc = nas(*args, cwd=root if args[0] == "search" else tmp_path)
    assert proc.returncode == 2, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and message in lines[0], proc.stderr


def test_every_option_is_explained():
    import argparse

    from nas.cli.main import SUBCOMMANDS, build_parser

    parser = build_parser()
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    assert set(sub.choices) == set(SUBCOMMANDS)
    for name, command in sub.choices.items():
        assert command.description, name
        for action in command._actions:
            assert action.help and action.help.strip(), f"nas {name} {action.option_strings or action.dest}"
    assert nas("search", "--help").returncode == 0
