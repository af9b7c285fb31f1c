"""Full training: whole training set, checkpoint per epoch, resume, test accuracy, ONNX."""

import json
import subprocess
import sys

import pytest
import torch

from nas.arch import decode_arch, save_config
from nas.builder import build_model
from nas.data import load_dataset
from nas.errors import NasError
from nas.train import TrainSettings
from nas.train.full import train_full

ARCH = "conv_k3_c8 | conv_k3_s2_c16 | ms: bneck_k3_s2_x32_c24_eca bneck_k3_x48_c24 | head_re"


@pytest.fixture(scope="module")
def data():
    return load_dataset("synthetic:1x16x16:4:512")


@pytest.fixture
def config():
    return decode_arch(ARCH, 1, 16, 4, name="tiny")


def test_trains_and_reports_test_accuracy(config, data, tmp_path):
    result = train_full(config, data, TrainSettings(epochs=10, batch_size=64), tmp_path / "run", progress=False)
    metrics = json.loads((tmp_path / "run" / "metrics.json").read_text())
    assert metrics["test_accuracy"] == result.test_accuracy > 0.8  # chance is 0.25
    assert metrics["train_images"] == len(data.train_y) and metrics["test_images"] == len(data.test_y)
    assert len(metrics["train_loss"]) == 10 and (tmp_path / "run" / "model.pt").exists()


def test_resume_gives_the_uninterrupted_result(config, data, tmp_path):
    settings = TrainSettings(epochs=3, batch_size=64)
    whole = train_full(config, data, settings, tmp_path / "whole", progress=False)

    def stop_after_two(epoch, loss):
        if epoch == 2:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        train_full(config, data, settings, tmp_path / "cut", progress=False, on_epoch=stop_after_two)
    assert torch.load(tmp_path / "cut" / "checkpoint.pt", weights_only=False)["epoch"] == 2
    resumed = train_full(config, data, settings, tmp_path / "cut", progress=False)
    assert json.loads((tmp_path / "cut" / "metrics.json").read_text())["resumed_from_epoch"] == 2
    assert resumed.train_loss == whole.train_loss and resumed.test_accuracy == whole.test_accuracy
    a = torch.load(tmp_path / "whole" / "model.pt")
    b = torch.load(tmp_path / "cut" / "model.pt")
    assert all(torch.equal(a[k], b[k]) for k in a)


def test_a_checkpoint_of_another_architecture_is_refused(config, data, tmp_path):
    train_full(config, data, TrainSettings(epochs=1, batch_size=64), tmp_path, progress=False)
    other = decode_arch(ARCH.replace("c16", "c8"), 1, 16, 4)
    with pytest.raises(NasError, match="another architecture"):
        train_full(other, data, TrainSettings(epochs=1, batch_size=64), tmp_path, progress=False)


def test_cli_end_to_end_and_errors(config, tmp_path):
    path = save_config(config, tmp_path / "tiny.yaml")
    base = [sys.executable, "-m", "nas.cli.main", "train", str(path), "--dataset", "synthetic:1x16x16:4:512",
            "--epochs", "2", "--batch-size", "64", "--no-progress"]
    proc = subprocess.run([*base, "-o", str(tmp_path / "run")], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert "test accuracy" in proc.stdout and (tmp_path / "run" / "metrics.json").exists()
    mismatch = subprocess.run([*base[:6], "synthetic:3x16x16:4:512", *base[7:], "-o", str(tmp_path / "x")],
                              capture_output=True, text=True, timeout=300)
    assert mismatch.returncode == 2 and len(mismatch.stderr.strip().splitlines()) == 1
    assert "--adapt" in mismatch.stderr
    missing = subprocess.run([*base[:4], str(tmp_path / "nope.yaml"), *base[5:], "-o", str(tmp_path / "y")],
                             capture_output=True, text=True, timeout=300)
    assert missing.returncode == 2 and "cannot read" in missing.stderr


@pytest.mark.parametrize("arch", [
    "conv_k3_c8 | conv_k3_s2_c16_p2 conv_k3_c16_p4 | head_re",
    "conv_k3_c8 | ghost_k3_s2_x24_c16_eca bneck_k3_x32_c16_g2_se | reshet_k3_s2_e2_c32_p2_g2_eca | head_x32_hs",
])
def test_onnx_matches_pytorch(arch, tmp_path):
    ort = pytest.importorskip("onnxruntime", reason="onnxruntime is optional (pip install -e '.[onnx]')")
    from nas.train.onnx import export_onnx

    config = decode_arch(arch, 1, 16, 4)
    torch.manual_seed(0)
    model = build_model(config).eval()
    path = export_onnx(model, config.input_shape, tmp_path / "m.onnx")
    x = torch.randn(3, 1, 16, 16)
    with torch.no_grad():
        expected = model(x).numpy()
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    got = session.run(None, {"images": x.numpy()})[0]
    assert abs(got - expected).max() < 1e-4
