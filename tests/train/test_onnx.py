"""ONNX export: onnxruntime gives PyTorch's logits, deformable convolutions included."""

import pytest
import torch

from nas.arch import decode_arch
from nas.blocks import build_model
from nas.ops import DeformConv
from nas.training.onnx import export_onnx


@pytest.fixture(autouse=True)
def one_thread():
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


@pytest.mark.parametrize("arch", [
    "conv_k3_c8 | conv_k3_s2_c16_p2 conv_k3_c16_p4 | head_re",  # HetConv (its trace-time branch)
    "conv_k3_c8 | ghost_k3_s2_x24_c16_eca bneck_k3_x32_c16_g2_se | reshet_k3_s2_e2_c32_p2_g2_eca | head_x32_hs",
    "conv_k3_c8_ldc | conv_k3_s2_c16_dc | head_re",  # deformable: offsets move off zero in the training steps
])
def test_onnx_matches_pytorch(arch, tmp_path):
    ort = pytest.importorskip("onnxruntime", reason="onnxruntime is optional (pip install -e '.[onnx]')")
    config = decode_arch(arch, 1, 16, 4)
    torch.manual_seed(0)
    model = build_model(config)
    # a few training steps so BatchNorm statistics and weights are not at their initial values
    opt = torch.optim.SGD(model.parameters(), lr=0.05)
    for _ in range(3):
        loss = model(torch.randn(16, 1, 16, 16)).logsumexp(1).mean()
        opt.zero_grad()
        loss.backward()
        opt.step()
    for layer in (m for m in model.modules() if isinstance(m, DeformConv)):
        last = [m for m in layer.offset.modules() if isinstance(m, torch.nn.Conv2d)][-1]
        assert last.weight.abs().sum() > 0  # zero-initialised: now the offsets really deform
    model.eval()
    path = export_onnx(model, config.input_shape, tmp_path / "m.onnx")
    x = torch.randn(5, 1, 16, 16)  # another batch size than the export's: the batch axis is dynamic
    with torch.no_grad():
        expected = model(x).numpy()
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    got = session.run(None, {"images": x.numpy()})[0]
    assert got.shape == expected.shape
    assert abs(got - expected).max() < 1e-4
