"""Full training: whole training set, checkpoint per epoch, exact resume, test accuracy, CLI."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import torch

import nas
from nas.arch import decode_arch, save_config
from nas.data import load_dataset
from nas.errors import NasError
from nas.training import TrainSettings
from nas.training.full import adapt_config, load_trained, train_full

ARCH = "conv_k3_c8 | conv_k3_s2_c16 | ms: bneck_k3_s2_x32_c24_eca bneck_k3_x48_c24 | head_re"
DATA = "synthetic:1x16x16:4:512"


@pytest.fixture(autouse=True)
def one_thread():
    """One torch thread: tiny models gain nothing from two, and lose badly when the cores are busy."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


@pytest.fixture(scope="module")
def data():
    return load_dataset(DATA)


@pytest.fixture
def config():
    return decode_arch(ARCH, 1, 16, 4, name="tiny")


def test_trains_and_reports_test_accuracy(config, data, tmp_path):
    result = train_full(config, data, TrainSettings(epochs=8, batch_size=64), tmp_path / "run", progress=False,
                        val_size=64)
    metrics = json.loads(result.metrics_path.read_text())
    assert metrics["test_accuracy"] == result.test_accuracy > 0.8  # chance is 0.25
    assert metrics["train_images"] == len(data.train_y) - 64 and metrics["test_images"] == len(data.test_y)
    assert len(metrics["train_loss"]) == len(metrics["val_accuracy"]) == 8 and metrics["val_accuracy"][-1] > 0.8
    assert metrics["flops"] > 0 and metrics["params"] > 0 and metrics["notation"] == config.notation()
    assert metrics["wall_s"] > 0 and metrics["dataset"] == data.name and metrics["settings"]["epochs"] == 8
    model = load_trained(tmp_path / "run", config)
    x = data.test_x[:4].float()
    assert model(x).shape == (4, 4)


def test_resume_gives_the_uninterrupted_result(config, data, tmp_path):
    settings = TrainSettings(epochs=3, batch_size=64)
    whole = train_full(config, data, settings, tmp_path / "whole", progress=False, val_size=32)

    def stop_after_two(stats):
        if stats.epoch == 2:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        train_full(config, data, settings, tmp_path / "cut", progress=False, val_size=32, on_epoch=stop_after_two)
    assert torch.load(tmp_path / "cut" / "checkpoint.pt", weights_only=False)["epoch"] == 2
    assert not (tmp_path / "cut" / "metrics.json").exists()
    epochs_run = []
    resumed = train_full(config, data, settings, tmp_path / "cut", progress=False, val_size=32,
                         on_epoch=lambda stats: epochs_run.append(stats.epoch))
    assert epochs_run == [3] and resumed.resumed_from_epoch == 2
    assert resumed.train_loss == whole.train_loss and resumed.val_accuracy == whole.val_accuracy
    assert resumed.test_accuracy == whole.test_accuracy
    a, b = torch.load(whole.model_path), torch.load(resumed.model_path)
    assert all(torch.equal(a[k], b[k]) for k in a)


def test_another_architecture_or_settings_is_refused(config, data, tmp_path):
    settings = TrainSettings(epochs=1, batch_size=64)
    train_full(config, data, settings, tmp_path, progress=False)
    other = decode_arch(ARCH.replace("c16", "c8"), 1, 16, 4)
    with pytest.raises(NasError, match="another architecture") as refused:
        train_full(other, data, settings, tmp_path, progress=False)
    # It says what differs: the stored architecture and this one, not the space both came from.
    assert f"it holds {config.notation()}, not {other.notation()}" in str(refused.value)
    with pytest.raises(NasError, match="other training settings") as refused:
        train_full(config, data, TrainSettings(epochs=2, batch_size=64, lr=0.2), tmp_path, progress=False)
    # Only the keys that differ, not every setting twice.
    message = str(refused.value)
    assert "(epochs 1, now 2; lr 0.1, now 0.2)" in message and "batch_size" not in message
    assert len(message) < 300
    # resume=False starts afresh instead
    assert train_full(other, data, settings, tmp_path, progress=False, resume=False).resumed_from_epoch == 0


def test_input_mismatch_needs_adapt(config):
    colour = load_dataset("synthetic:3x8x8:5:64")
    with pytest.raises(NasError, match="--adapt"):
        adapt_config(config, colour)
    adapted = adapt_config(config, colour, adapt=True)
    assert adapted.input_shape == (3, 8, 8) and adapted.num_classes == 5


def _cli(*args):
    env = {**os.environ, "PYTHONPATH": str(Path(nas.__file__).parents[1])}  # this checkout's package
    return subprocess.run([sys.executable, "-m", "nas.cli.main", "train", *map(str, args)],
                          env=env, check=False, capture_output=True, text=True, timeout=300)


def test_cli_end_to_end_and_errors(config, tmp_path):
    path = save_config(config, tmp_path / "tiny.yaml")
    opts = ["--epochs", "2", "--batch-size", "64", "--val-size", "32", "--threads", "1", "--no-progress"]
    proc = _cli(path, "--dataset", DATA, *opts, "-o", tmp_path / "run")
    assert proc.returncode == 0, proc.stderr
    assert "test accuracy" in proc.stdout and "metrics.json" in proc.stdout
    assert json.loads((tmp_path / "run" / "metrics.json").read_text())["epochs"] == 2

    mismatch = _cli(path, "--dataset", "synthetic:3x16x16:4:512", *opts, "-o", tmp_path / "x")
    assert mismatch.returncode == 2 and len(mismatch.stderr.strip().splitlines()) == 1
    assert "--adapt" in mismatch.stderr
    missing = _cli(tmp_path / "nope.yaml", "--dataset", DATA, *opts, "-o", tmp_path / "y")
    assert missing.returncode == 2 and len(missing.stderr.strip().splitlines()) == 1
    assert "nope.yaml" in missing.stderr


def test_cli_stopped_mid_run_keeps_its_checkpoint(config, tmp_path):
    import signal
    import time

    path = save_config(config, tmp_path / "tiny.yaml")
    env = {**os.environ, "PYTHONPATH": str(Path(nas.__file__).parents[1])}
    proc = subprocess.Popen(
        [sys.executable, "-m", "nas.cli.main", "train", str(path), "--dataset", "synthetic:1x16x16:4:2048",
         "--epochs", "200", "--batch-size", "64", "--threads", "1", "--no-progress", "-o", str(tmp_path / "run")],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 120
    while not (tmp_path / "run" / "checkpoint.pt").exists() and time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.05)
    proc.send_signal(signal.SIGTERM)  # handled like Ctrl-C
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 130, err
    assert "checkpoint.pt" in err and "resume" in err
    assert torch.load(tmp_path / "run" / "checkpoint.pt", weights_only=False)["epoch"] >= 1
    assert not (tmp_path / "run" / "metrics.json").exists()
