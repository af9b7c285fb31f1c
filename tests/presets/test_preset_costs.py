"""The papers' networks as presets, checked against the published / reference counts."""

import pytest

from nas.blocks import build_model
from nas.cost import count_flops, count_params
from nas.presets import PRESETS, get_preset

M = 1e6


def cost(name):
    config = get_preset(name)
    model = build_model(config)
    return count_flops(model, config.input_shape).total, count_params(model)


# The papers' own numbers beside ours (project convention: fvcore MACs, norms excluded, adaptive
# pooling counted). ``ours`` pins what the presets measure today; each must stay within ``tol``
# (relative) of the paper's figure. None: the paper gives no such figure.
#          preset                  paper FLOPs  paper params  our FLOPs      our params  tol FLOPs  tol params
REFERENCE = {
    "vgg16-cifar-p1":            (313.74e6,    15.00e6,      313_464_320,   14_987_722,  0.005,     0.01),
    "vgg16-cifar-p2":            (175.23e6,    8.45e6,       175_052_288,   8_450_506,   0.005,     0.01),
    "vgg16-cifar-p4":            (105.98e6,    5.17e6,       105_846_272,   5_181_898,   0.005,     0.01),
    "vgg16-cifar-p8":            (71.35e6,     3.54e6,       71_243_264,    3_547_594,   0.005,     0.01),
    "vgg16-cifar-p16":           (54.04e6,     2.72e6,       53_941_760,    2_730_442,   0.005,     0.01),
    "vgg16-cifar-p32":           (45.38e6,     2.31e6,       45_291_008,    2_321_866,   0.005,     0.01),
    "vgg16-cifar-p64":           (41.05e6,     2.11e6,       40_965_632,    2_117_578,   0.005,     0.01),
    # ResNet-56: baseline 125.49M; P2 -44.30%, P4 -66.45% of it.
    "resnet56-cifar-p1":         (125.49e6,    None,         125_489_792,   853_018,     0.001,     None),
    "resnet56-cifar-p2":         (125.49e6 * (1 - 0.4430), None, 69_915_264, 476_186,    0.002,     None),
    "resnet56-cifar-p4":         (125.49e6 * (1 - 0.6645), None, 42_128_000, 287_770,    0.002,     None),
    # LDC's table counts with thop (norms included): its differences are checked below; the
    # reference here is torchvision's mobilenet_v3_small (2,542,856 params).
    "mobilenetv3-small":         (56.82e6,     2_542_856,    56_824_000,    2_542_856,   0.001,     0.0),
    "ghostnet-1.0":              (141.7e6,     5.18e6,       141_700_880,   5_182_508,   0.005,     0.005),
    "hsnet":                     (231.87e6,    3.0e6,        231_088_424,   3_019_152,   0.01,      0.01),
    "convnext-tiny":             (4.47e9,      28_589_128,   4_455_568_896, 28_589_128,  0.005,     0.0),
    "convnext-tiny-k3":          (4.385e9,     28.32e6,      4_369_767_936, 28_324_168,  0.005,     0.001),
    "convnext-tiny-k3x1":        (4.378e9,     28.31e6,      4_363_332_864, 28_310_920,  0.005,     0.001),
}


@pytest.mark.parametrize("name", sorted(REFERENCE))
def test_preset_matches_its_paper(name):
    paper_flops, paper_params, our_flops, our_params, tol_flops, tol_params = REFERENCE[name]
    flops, params = cost(name)
    assert (flops, params) == (our_flops, our_params)
    assert our_flops == pytest.approx(paper_flops, rel=tol_flops)
    if paper_params is not None:
        assert our_params == pytest.approx(paper_params, rel=tol_params)


def test_mobilenetv3_small_and_ldc():
    flops, params = cost("mobilenetv3-small")
    assert flops / M == pytest.approx(56.82, rel=0.01)
    assert params / M == pytest.approx(2.54, rel=0.01)
    ldc0, _ = cost("mobilenetv3-small-ldc0")
    # Removing layers: ours (measured in our convention) beside the paper's (thop) differences.
    for variant, ours, paper in ((1, -5.017, -5.1), (2, -6.319, -6.2), (3, -11.336, -11.4)):
        other, _ = cost(f"mobilenetv3-small-ldc{variant}")
        assert (other - ldc0) / M == pytest.approx(ours, abs=0.001)
        assert ours == pytest.approx(paper, abs=0.15)
    dc0, _ = cost("mobilenetv3-small-dc0")
    assert (dc0 - flops) / M == pytest.approx(9.14, abs=0.5)
    assert ldc0 - flops < (dc0 - flops) / 4  # the low-cost offset path costs far less


def test_multilevel_shortcut_is_free():
    assert cost("convnext-tiny-multilevel") == cost("convnext-tiny")
    model = build_model(get_preset("convnext-tiny-multilevel"))
    assert all(stage.shortcut is not None for stage in model.stages)


def test_hsnet_follows_the_paper():
    config = get_preset("hsnet")
    assert config.head.hidden == 1280 and config.input_shape == (3, 224, 224) and config.num_classes == 100
    for i, stage in enumerate(config.stages):
        first, *rest = stage.blocks
        assert first.stride == 2 and first.attn == "none"  # ResHetModel_B: downsampling, no ECA
        assert rest and all(b.stride == 1 and b.attn == ("eca" if i < 3 else "none") for b in rest)


def test_stage_shortcut_starts_at_the_stage_input_or_after_its_downsampling():
    import torch

    from nas.arch.notation import decode_arch

    config = decode_arch(
        "patch_k4_s4_c16 | ms: cnx_k3_c16_r3 | ms: down_k2_s2_c32 cnx_k3_c32_r2 | head_re_ln", 3, 32, 10
    )
    model = build_model(config).eval()
    seen = {}
    model.stem.register_forward_hook(lambda m, i, o: seen.setdefault("stem", o))
    model.stages[1].blocks[0].register_forward_hook(lambda m, i, o: seen.setdefault("down", o))
    for k, stage in enumerate(model.stages):
        stage.shortcut.register_forward_hook(lambda m, i, o, k=k: seen.setdefault(f"src{k}", i[0]))
    with torch.no_grad():
        model(torch.randn(1, 3, 32, 32))
    assert seen["src0"] is seen["stem"]  # stage 1: from the stem output, over all three blocks
    assert seen["src1"] is seen["down"]  # stage 2: from the downsampling layer's output


def test_convnext_depthwise_convs_keep_their_bias():
    model = build_model(get_preset("convnext-tiny").with_input(resolution=32))
    dw = model.stages[0].blocks[0].dw[0]
    assert dw.bias is not None and dw.groups == dw.in_channels


def test_every_preset_is_listed():
    expected = {f"vgg16-cifar-p{p}" for p in (1, 2, 4, 8, 16, 32, 64)} | {f"resnet56-cifar-p{p}" for p in (1, 2, 4)} | {
        "mobilenetv3-small", "mobilenetv3-small-dc0", "ghostnet-1.0", "hsnet", "convnext-tiny",
        "convnext-tiny-k3", "convnext-tiny-k3x1", "convnext-tiny-multilevel",
    } | {f"mobilenetv3-small-ldc{v}" for v in range(4)}
    assert set(PRESETS) == expected
