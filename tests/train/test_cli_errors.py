"""``nas train`` with bad input: every case ends with one line on stderr and exit code 2."""

from __future__ import annotations

import os
import re
import signal
from pathlib import Path

import pytest
import torch

from nas.arch import decode_arch, save_config
from nas.cli.main import build_parser, main

ARCH = "conv_k3_c8 | conv_k3_s2_c16 | head_re"
DATA = "synthetic:1x16x16:4:128"
FAST = ["--epochs", "1", "--batch-size", "32", "--threads", "1", "--no-progress"]


@pytest.fixture(autouse=True)
def restore_process_state():
    """``main`` installs signal handlers and sets torch's threads: put them back afterwards."""
    handlers = {s: signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM)}
    threads = torch.get_num_threads()
    yield
    for s, h in handlers.items():
        signal.signal(s, h)
    torch.set_num_threads(threads)


@pytest.fixture
def arch(tmp_path: Path) -> Path:
    return save_config(decode_arch(ARCH, 1, 16, 4, name="tiny"), tmp_path / "tiny.yaml")


def run_cli(capsys: pytest.CaptureFixture[str], *args: object) -> tuple[int, str]:
    """Exit code and stderr of ``nas train ARGS``, run in this process."""
    try:
        code = main(["train", *map(str, args)])
    except SystemExit as exc:  # argparse
        code = int(exc.code or 0)
    return code, capsys.readouterr().err


def assert_one_line(code: int, err: str, *needles: str) -> None:
    lines = err.strip().splitlines()
    assert code == 2, err
    assert len(lines) == 1, err
    assert "Traceback" not in err
    for needle in needles:
        assert needle in lines[0], lines[0]


BAD_NUMBERS = [
    ("--epochs", "0"), ("--epochs", "-3"), ("--epochs", "nan"), ("--epochs", "1.5"),
    ("--batch-size", "0"), ("--batch-size", "-64"), ("--batch-size", "inf"),
    ("--lr", "0"), ("--lr", "-0.1"), ("--lr", "nan"), ("--lr", "inf"), ("--lr", "fast"),
    ("--weight-decay", "-1e-4"), ("--weight-decay", "nan"), ("--weight-decay", "inf"),
    ("--warmup", "-1"), ("--warmup", "nan"), ("--warmup", "inf"),
    ("--seed", "-1"), ("--seed", str(2**64)),
    ("--val-size", "-1"), ("--val-size", "1000000"), ("--val-size", "128"),
    ("--threads", "0"), ("--threads", "-2"), ("--threads", "100000"),
    ("--resolution", "0"), ("--resolution", "-16"), ("--resolution", "1000000"),
    ("--erase", "-0.1"), ("--erase", "1.5"), ("--erase", "nan"),
    ("--ema", "-0.5"), ("--ema", "1"), ("--ema", "nan"), ("--ema", "inf"),
]


@pytest.mark.parametrize(("option", "value"), BAD_NUMBERS)
def test_bad_numbers_are_refused_naming_the_option(capsys, arch, tmp_path, option, value) -> None:
    args = [arch, "--dataset", DATA, *FAST, "-o", tmp_path / "run"]
    i = args.index(option) if option in args else None
    if i is not None:
        args[i + 1] = value
    else:
        args += [option, value]
    code, err = run_cli(capsys, *args)
    needle = "validation size" if (option, value) in {("--val-size", "1000000"), ("--val-size", "128")} else option
    assert_one_line(code, err, needle)
    assert not (tmp_path / "run" / "checkpoint.pt").exists()


@pytest.mark.parametrize("device", ["tpu", "cuda:7", "banana", "cuda:-1"])
def test_unknown_or_absent_devices(capsys, arch, tmp_path, device) -> None:
    code, err = run_cli(capsys, arch, "--dataset", DATA, *FAST, "--device", device, "-o", tmp_path / "run")
    assert_one_line(code, err, "device")


@pytest.mark.skipif(torch.cuda.is_available(), reason="CUDA is present here")
def test_cuda_on_a_machine_without_it(capsys, arch, tmp_path) -> None:
    code, err = run_cli(capsys, arch, "--dataset", DATA, *FAST, "--device", "cuda", "-o", tmp_path / "run")
    assert_one_line(code, err, "CUDA is not available")


def test_training_that_diverges(capsys, arch, tmp_path) -> None:
    # At 1e9 this network's loss is huge (about 3e12) but finite; at 1e20 its weights overflow.
    code, err = run_cli(capsys, arch, "--dataset", DATA, *FAST, "--lr", "1e20", "-o", tmp_path / "run")
    assert_one_line(code, err, "training diverged", "--lr")


def test_corrupt_and_foreign_checkpoints(capsys, arch, tmp_path) -> None:
    run = tmp_path / "run"
    run.mkdir()
    (run / "checkpoint.pt").write_bytes(os.urandom(4096))
    code, err = run_cli(capsys, arch, "--dataset", DATA, *FAST, "-o", run)
    assert_one_line(code, err, "cannot read checkpoint", "checkpoint.pt")

    torch.save({"weights": torch.zeros(3)}, run / "checkpoint.pt")  # a torch file, not a training checkpoint
    code, err = run_cli(capsys, arch, "--dataset", DATA, *FAST, "-o", run)
    assert_one_line(code, err, "not a nas training checkpoint")

    (run / "checkpoint.pt").unlink()
    code, err = run_cli(capsys, arch, "--dataset", DATA, *FAST, "--epochs", "2", "-o", run)
    other = save_config(decode_arch(ARCH.replace("c16", "c24"), 1, 16, 4, name="other"), tmp_path / "other.yaml")
    # ``tiny``'s run leaves its checkpoint; ``other`` must not resume from it.
    ckpt = torch.load(run / "checkpoint.pt", weights_only=True)
    assert ckpt["epoch"] == 2 and code == 0, err
    code, err = run_cli(capsys, other, "--dataset", DATA, *FAST, "--epochs", "2", "-o", run)
    assert_one_line(code, err, "another architecture")


def test_architecture_too_large_for_memory_is_refused_without_allocating(capsys, tmp_path) -> None:
    # 2 x 60,000-channel 3x3 convolutions (each width within the limit): 32 billion parameters,
    # 130 GB of float32 weights.
    huge = save_config(decode_arch("conv_k3_c60000 | conv_k3_s2_c60000 | head_re", 1, 16, 4, name="huge"),
                       tmp_path / "huge.yaml")
    code, err = run_cli(capsys, huge, "--dataset", DATA, *FAST, "-o", tmp_path / "run")
    assert_one_line(code, err, "huge", "32,401M parameters", "GiB")


def test_allocation_failure_during_training_is_one_line(capsys, arch, tmp_path, monkeypatch) -> None:
    import nas.training.full as full

    def fail(config, seed=None):
        raise RuntimeError("DefaultCPUAllocator: not enough memory: you tried to allocate 68719476736 bytes.")

    monkeypatch.setattr(full, "build_model", fail)
    code, err = run_cli(capsys, arch, "--dataset", DATA, *FAST, "-o", tmp_path / "run")
    assert_one_line(code, err, "does not fit in the memory", "--batch-size")


def test_output_folder_that_is_a_file_or_cannot_be_created(capsys, arch, tmp_path) -> None:
    afile = tmp_path / "afile"
    afile.write_text("not a folder")
    for out, needle in ((afile, "is a file"), (afile / "sub", "cannot write"), ("/proc/nas-run", "cannot write")):
        code, err = run_cli(capsys, arch, "--dataset", DATA, *FAST, "-o", out)
        assert_one_line(code, err, str(out))
        assert needle in err
    assert afile.read_text() == "not a folder"


@pytest.mark.skipif(os.geteuid() == 0, reason="root may write into read-only folders")
def test_read_only_output_folder(capsys, arch, tmp_path) -> None:
    locked = tmp_path / "locked"
    locked.mkdir(mode=0o500)
    code, err = run_cli(capsys, arch, "--dataset", DATA, *FAST, "-o", locked)
    assert_one_line(code, err, "cannot write", str(locked))


@pytest.mark.parametrize("spec", ["synthetic:1x16x16:1", "synthetic:1x16x16:0", "synthetic:1x16x16:-3",
                                  "synthetic:1x16x16:4:0", "synthetic:3x4096x4096:4:100000"])
def test_bad_synthetic_data(capsys, arch, tmp_path, spec) -> None:
    code, err = run_cli(capsys, arch, "--dataset", spec, *FAST, "-o", tmp_path / "run")
    assert_one_line(code, err, "synthetic")


def test_one_class_image_folder(capsys, arch, tmp_path) -> None:
    from PIL import Image

    (tmp_path / "data" / "cat").mkdir(parents=True)
    for j in range(10):
        Image.new("RGB", (16, 16), (20 * j, 0, 0)).save(tmp_path / "data" / "cat" / f"{j}.png")
    code, err = run_cli(capsys, arch, "--dataset", f"folder:{tmp_path / 'data'}", "--resolution", "16", "--adapt",
                        *FAST, "-o", tmp_path / "run")
    assert_one_line(code, err, "1 class (cat)", "at least two")


def test_help_shows_each_default_once_and_no_none() -> None:
    parser = build_parser()
    sub = next(a for a in parser._actions if a.dest == "command").choices["train"]
    text = " ".join(sub.format_help().split())
    assert "(default: None)" not in text and "(default: False)" not in text
    assert not re.search(r"\(default: [^)]*\)\s*\(default", text)
    for action in sub._actions:  # one stated default per option
        assert (action.help or "").count("(default:") <= 1, action.help
    assert "--epochs N training epochs (default: 15)" in text
    assert "--ema DECAY" in text and "--erase P" in text
