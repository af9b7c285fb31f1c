"""Malformed space files: one clear line naming the file and key path, exit code 2, nothing written."""

import subprocess
import sys
from pathlib import Path

import pytest

from nas.errors import SpaceError
from nas.space import SearchSpace, load_space

BASE = """\
name: t
input: 1x28x28
classes: 10
stem: {kind: conv, channels: 16}
stages:
  - {family: [bneck, reshet], depth: [1, 2], channels: [24, 32], stride: 2, hetconv_p: [1, 2]}
  - {family: conv, depth: 2, channels: [40], stride: 2}
"""

CASES = [
    ("stem: {kind: conv, channels: 16}", "stem: {kind: conv, channels: 16", "not valid YAML at line"),
    ("classes: 10", "classes: 10\ncolour: red", "colour: unknown key"),
    ("depth: [1, 2]", "depth: [1, two]", "stages[0].depth[1]: expected an integer from 1 to 256, got 'two'"),
    ("channels: [24, 32]", "channels: []", "stages[0].channels: empty choice list"),
    ("family: conv, depth: 2", "family: bneck, hetconv_p: [1, 2], depth: 2",
     "stages[1].hetconv_p: block family bneck does not support hetconv_p"),
    ("family: conv, depth: 2, channels: [40]", "family: conv, depth: 2, channels: [40], hetconv_p: [1, 16]",
     "stages[1].hetconv_p: 16 does not divide 24 channels"),
    ("stride: 2, hetconv_p", "stride: 3, hetconv_p", "stages[0].stride: expected 1 or 2"),
    ("family: [bneck, reshet]", "family: [bneck, resnext]", "stages[0].family[1]: expected one of"),
    ("depth: [1, 2]", "depth: [0, 2]", "stages[0].depth[0]: expected an integer from 1 to 256, got 0"),
    ("stem: {kind: conv, channels: 16}", "stem: {kind: conv}", "stem.channels: missing"),
]


@pytest.mark.parametrize("old, new, message", CASES)
def test_errors_name_file_and_key(tmp_path, old, new, message):
    text = BASE.replace(old, new)
    assert text != BASE
    path = tmp_path / "bad.yaml"
    path.write_text(text)
    with pytest.raises(SpaceError) as info:
        SearchSpace.load(path)
    line = str(info.value)
    assert line.startswith(f"{path}: ") and message in line and "\n" not in line


def test_removing_a_shape_changing_block_is_refused(tmp_path):
    path = tmp_path / "r.yaml"
    path.write_text(BASE.replace(
        "  - {family: conv, depth: 2, channels: [40], stride: 2}",
        "  - {blocks: [bneck_k3_s2_x64_c40, bneck_k3_x96_c48], removable: [1]}",
    ))
    with pytest.raises(SpaceError, match=r"stages\[1\].removable: block 1 \(bneck_k3_x96_c48\) changes the shape"):
        load_space(path)


def test_depth_that_breaks_shapes_is_refused(tmp_path):
    path = tmp_path / "deep.yaml"
    text = BASE.replace("input: 1x28x28", "input: 1x4x4").replace(
        "  - {family: conv, depth: 2, channels: [40], stride: 2}",
        "  - {blocks: [pool_k2_s2, pool_k2_s2, pool_k2_s2]}",
    )
    path.write_text(text)
    with pytest.raises(SpaceError, match="leaves nothing"):
        SearchSpace.load(path)


def test_cli_exit_code_2_one_line_and_nothing_written(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text(BASE.replace("depth: [1, 2]", "depth: [1, two]"))
    before = sorted(p.name for p in tmp_path.iterdir())
    for argv in (["space", str(path)], ["search", str(path), "--max-flops", "5M", "--dataset", "synthetic"]):
        proc = subprocess.run(
            [sys.executable, "-m", "nas.cli.main", *argv], cwd=tmp_path, capture_output=True, text=True, timeout=120
        )
        assert proc.returncode == 2, proc.stderr
        lines = proc.stderr.strip().splitlines()
        assert len(lines) == 1 and "Traceback" not in proc.stderr
        assert "stages[0].depth[1]: expected an integer" in lines[0]
    assert sorted(p.name for p in tmp_path.iterdir()) == before


def test_space_cli_prints_dimensions_and_size():
    root = Path(__file__).resolve().parents[2]
    proc = subprocess.run(
        [sys.executable, "-m", "nas.cli.main", "space", "search_spaces/lightweight.yaml", "--input", "1x28x28",
         "--samples", "6", "--json"], cwd=root, capture_output=True, text=True, timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    import json

    data = json.loads(proc.stdout)
    assert data["size"] > 10**6 and data["sample"]["flops_min"] > 0
    assert any(d["label"] == "s2.hetconv_p" for d in data["dimensions"])
