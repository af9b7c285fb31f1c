"""``nas finalize`` refuses, before it claims anything, what would fail after the claim (a run
folder it cannot use), and a trial finalised with another recipe unless ``--retrain`` asks for a
second result; a refused command leaves the study's file byte-identical."""

from __future__ import annotations

import hashlib
from dataclasses import asdict
from pathlib import Path

import pytest
import torch

from nas.api.recipe import recipe_from
from nas.arch import decode_arch
from nas.arch.io import to_dict
from nas.cli.main import main
from nas.data import load_dataset
from nas.study.record import TrialKind, read_records

DATASET = "synthetic:1x8x8:4:128"  # as in conftest.py
OPTS = ["--epochs", "1", "--batch-size", "32", "--threads", "1", "--no-progress", "--jobs", "1"]


def digest(url: str) -> str:
    return hashlib.sha256(Path(url.removeprefix("sqlite:///")).read_bytes()).hexdigest()


def one_line_error(capsys, argv):
    """Run ``nas ARGV``; it must fail with exit code 2 and exactly one line on stderr."""
    code = main(argv)
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and len(err) == 1, err
    return err[0]


def checkpoint(path, arch_dict, epochs=1):
    """A checkpoint of ``arch_dict`` as ``train_full`` writes it, trained with ``--epochs epochs``."""
    data = load_dataset(DATASET)
    settings = recipe_from({"epochs": epochs, "batch_size": 32})
    path.parent.mkdir(parents=True, exist_ok=True)
    torch.save({"config": arch_dict, "settings": asdict(settings), "dataset": data.name,
                "train_images": len(data.train_y), "val_size": 0, "epoch": 1, "trainer": {}, "wall_s": 1.0}, path)


def arch_of(study, number):
    return next(r.arch for r in read_records(study) if r.number == number)


def finals(study, target):
    return [r for r in read_records(study) if r.kind == TrialKind.FINAL and r.finalizes == target]


def test_a_weights_dir_under_a_file_is_refused_before_claiming(study, tmp_path, capsys, monkeypatch):
    s, url = study
    monkeypatch.chdir(tmp_path)
    (tmp_path / "file.txt").write_text("")
    before = digest(url)
    line = one_line_error(capsys, ["finalize", "t", "--storage", url, "--trials", "4", *OPTS,
                                   "--weights-dir", "file.txt/runs"])
    assert "file.txt" in line and "is a file" in line
    assert digest(url) == before


@pytest.mark.parametrize("content, message", [
    ("corrupt", "cannot read checkpoint"),
    ("foreign", "checkpoint of another architecture"),
    ("recipe", "epochs 8, now 1"),
])
def test_an_unusable_run_folder_is_refused_before_claiming(study, tmp_path, capsys, monkeypatch, content, message):
    s, url = study
    monkeypatch.chdir(tmp_path)
    path = tmp_path / "w" / "trial-4" / "checkpoint.pt"
    if content == "corrupt":
        path.parent.mkdir(parents=True)
        path.write_bytes(b"not a checkpoint")
    elif content == "foreign":
        checkpoint(path, to_dict(decode_arch("conv_k3_c8 | conv_k3_s2_c16 | head_re", 1, 8, 4, name="other")))
    else:
        checkpoint(path, arch_of(s, 4), epochs=8)
    before = digest(url)
    line = one_line_error(capsys, ["finalize", "t", "--storage", url, "--trials", "0,4", *OPTS,
                                   "--weights-dir", str(tmp_path / "w")])
    assert message in line and "trial 4" in line
    assert digest(url) == before
    if content == "recipe":
        assert "--retrain" in line


@pytest.mark.slow
def test_a_trial_finalised_with_another_recipe_is_refused_unless_retrain(study, tmp_path, capsys, monkeypatch):
    s, url = study
    monkeypatch.chdir(tmp_path)
    two = ["--epochs", "2", "--batch-size", "32", "--threads", "1", "--no-progress", "--jobs", "1"]
    one = ["--epochs", "1", "--batch-size", "32", "--threads", "1", "--no-progress", "--jobs", "1"]
    assert main(["finalize", "t", "--storage", url, "--trials", "4", *two]) == 0
    capsys.readouterr()
    before = digest(url)
    line = one_line_error(capsys, ["finalize", "t", "--storage", url, "--trials", "4", *one])
    assert "trial 4" in line and "epochs 2, now 1" in line and "--retrain" in line
    assert digest(url) == before

    assert main(["finalize", "t", "--storage", url, "--trials", "4", *one, "--retrain"]) == 0
    out, err = capsys.readouterr()
    assert "epoch 1/1" in err and " 1 epochs " in out
    done = [r for r in finals(s, 4) if r.final is not None]
    assert sorted(r.final.recipe["epochs"] for r in done) == [1, 2]
    assert len({r.final.weights for r in done}) == 2  # each result keeps its own weights

    # Each recipe is finalised now: re-running either trains nothing, with or without --retrain.
    for argv in (one, two, [*one, "--retrain"]):
        assert main(["finalize", "t", "--storage", url, "--trials", "4", *argv]) == 0
        out, err = capsys.readouterr()
        assert "training loss" not in err
        assert f" {argv[1]} epochs " in out
    assert len(finals(s, 4)) == 2


def test_retrain_is_explained_in_help(capsys):
    with pytest.raises(SystemExit):
        main(["finalize", "--help"])
    text = " ".join(capsys.readouterr().out.split())
    assert "--retrain" in text and "both results" in text
