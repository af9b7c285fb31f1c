"""Every preset and block family builds, runs forward and backward at the three standard inputs
(where its stride plan allows), and leaves no conv-like op uncounted."""

import pytest
import torch

from nas.arch import (
    ArchConfig,
    BlockConfig,
    HeadConfig,
    StageConfig,
    decode_block,
    validate,
)
from nas.arch.families import FAMILY_TABLE
from nas.blocks import build_model
from nas.cost import count_flops
from nas.errors import ConfigError
from nas.presets import PRESETS

INPUTS = [(1, 28, 28), (3, 32, 32), (3, 224, 224)]
# Heavy at 224x224 on a 2-core CPU: one VGG stands for the seven (same layers, other P).
SKIP_224 = {f"vgg16-cifar-p{p}" for p in (1, 2, 4, 16, 32, 64)}


def fits(config):
    try:
        validate(config)
        return True
    except ConfigError:
        return False


def run_fwd_bwd(config, batch=2):
    torch.manual_seed(0)
    model = build_model(config)
    x = torch.randn(batch, *config.input_shape)
    out = model(x)
    assert out.shape == (batch, config.num_classes)
    out.float().logsumexp(1).sum().backward()
    grads = [p.grad for p in model.parameters() if p.requires_grad]
    assert all(g is not None and torch.isfinite(g).all() for g in grads)
    flops = count_flops(model, config.input_shape)
    assert flops.total > 0 and flops.conv_like_unsupported == ()
    assert sum(flops.by_stage.values()) == flops.total


@pytest.mark.parametrize("shape", INPUTS, ids=lambda s: "x".join(map(str, s)))
@pytest.mark.parametrize("name", sorted(PRESETS))
def test_preset_forward_backward(name, shape):
    config = PRESETS[name]().with_input(shape[0], shape[1], 10)
    if shape[1] == 224 and name in SKIP_224:
        pytest.skip("same layers as vgg16-cifar-p8 at 224x224")
    if not fits(config):
        pytest.skip(f"{name}'s stride plan does not fit {shape}")
    run_fwd_bwd(config)


BLOCKS = [
    "conv_k3_c24", "conv_k3_s2_c24_p4", "conv_k3_c24_p4_g2", "conv_k3_c24_g2_eca", "conv_k5_s2_c24_dc",
    "conv_k3_s2_c24_ldc_hs", "pool_k2_s2", "basic_k3_c16", "basic_k3_s2_c32_p4_se", "basic_k3_c8",
    "basic_k3_c32_g2", "bneck_k3_x48_c16_se", "bneck_k5_s2_x64_c24_hs_f", "bneck_k3_x32_c24_g2_eca",
    "ghost_k3_x48_c16", "ghost_k5_s2_x64_c32_se_f", "ghost_k3_x48_c24_g3_eca", "reshet_k3_e2_c16_p4_g2_eca",
    "reshet_k3_s2_e2_c32_p8", "reshet_k5_s2_x64_c24_p2_g3_se", "cnx_k7_c16", "cnx_k3_e2_c16_f_eca",
    "down_k2_s2_c32", "hsstem_s2_c32", "patch_k2_s2_c32",
]


def test_block_list_covers_every_family():
    assert {decode_block(b)[0].kind for b in BLOCKS} == set(FAMILY_TABLE)


@pytest.mark.parametrize("shape", INPUTS, ids=lambda s: "x".join(map(str, s)))
@pytest.mark.parametrize("text", BLOCKS)
def test_block_forward_backward(text, shape):
    block, _ = decode_block(text)
    stem = BlockConfig("conv", out=16, kernel=3, stride=4 if shape[1] == 224 else 1)
    config = ArchConfig(stem=stem, stages=(StageConfig((block,), "block"), StageConfig((block,), "stage")),
                        head=HeadConfig(), in_channels=shape[0], resolution=shape[1], num_classes=10)
    if not fits(config):  # blocks that must keep their width repeat 16 -> 16
        config = config.replace(stages=(StageConfig((block,)),))
    run_fwd_bwd(config)


def test_stage_shortcut_runs_from_the_stage_input():
    # Multi-level residual: the stage shortcut spans the whole stage, from its input.
    block = decode_block("bneck_k3_s2_x32_c24")[0]
    rest = decode_block("bneck_k3_x48_c24")[0]
    config = ArchConfig(stem=BlockConfig("conv", out=16), stages=(StageConfig((block, rest), "stage"),),
                        in_channels=1, resolution=28, num_classes=10)
    stage = build_model(config).eval().stages[0]
    assert stage.lead == 0 and stage.shortcut is not None
    x = torch.randn(2, 16, 28, 28)
    body = stage.blocks[1](stage.blocks[0](x))
    assert torch.allclose(stage(x), body + stage.shortcut(x))
    assert not torch.allclose(stage(x), body)


def test_stage_shortcut_starts_after_a_leading_downsampling_layer():
    down = decode_block("down_k2_s2_c32")[0]
    cnx = decode_block("cnx_k3_c32")[0]
    config = ArchConfig(stem=BlockConfig("conv", out=16), stages=(StageConfig((down, cnx, cnx), "stage"),),
                        in_channels=1, resolution=28, num_classes=10)
    stage = build_model(config).eval().stages[0]
    assert stage.lead == 1
    x = torch.randn(2, 16, 28, 28)
    d = stage.blocks[0](x)
    body = stage.blocks[2](stage.blocks[1](d))
    assert torch.allclose(stage(x), body + stage.shortcut(d), atol=1e-6)
