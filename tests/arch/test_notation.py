import pytest

from nas.arch import BlockConfig, decode_arch, decode_block, encode_block
from nas.arch.notation import decode_blocks, encode_blocks
from nas.errors import ConfigError
from nas.presets import PRESETS


@pytest.mark.parametrize(
    "text",
    [
        "bneck_k5_s2_x96_c40_se_hs",
        "conv_k3_c128_p4",
        "reshet_k3_s2_e2_c64_p4_g2_eca",
        "cnx_k3_e4_c96_f",
        "conv_k3_s2_c16_hs_ldc",
        "ghost_k5_e2.5_c40_g3_se",
        "hsstem_s2_c32",
        "pool_k2_s2",
    ],
)
def test_block_round_trip(text):
    block, repeat = decode_block(text)
    assert repeat == 1
    assert encode_block(block) == text
    assert decode_block(encode_block(block))[0] == block


def test_decode_fields():
    block, repeat = decode_block("reshet_k5_s2_e2_c64_p4_g3_eca_hs_r3")
    assert block == BlockConfig(
        "reshet", out=64, kernel=5, stride=2, expand=2.0, part=4, ghost=3, attn="eca", act="hswish"
    )
    assert repeat == 3


def test_repeats_fold_and_expand():
    blocks = decode_blocks(["cnx_k7_c96_r3", "down_k2_s2_c192"])
    assert len(blocks) == 4
    assert encode_blocks(blocks) == ["cnx_k7_c96_r3", "down_k2_s2_c192"]


@pytest.mark.parametrize(
    "text, message",
    [
        ("bottleneck_k3_c16", "unknown block family 'bottleneck'"),
        ("conv_k3_c16_q2", "unknown token 'q2'"),
        ("conv_k3_k5_c16", "repeats an option"),
        ("conv_k3_c16_se_eca", "two attention options"),
        ("conv_k3_c16.5", "unknown token 'c16.5'"),
    ],
)
def test_bad_tokens_name_the_token(text, message):
    with pytest.raises(ConfigError, match=message) as info:
        decode_block(text, "stages[1].blocks[0]")
    assert str(info.value).startswith("stages[1].blocks[0]: ")


@pytest.mark.parametrize("name", sorted(PRESETS))
def test_whole_arch_one_line_round_trips(name):
    config = PRESETS[name]()
    line = config.notation()
    assert "\n" not in line
    back = decode_arch(line, config.in_channels, config.resolution, config.num_classes, config.name)
    assert back == config
