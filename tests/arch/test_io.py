import dataclasses

import pytest

from nas.arch import (
    ArchConfig,
    dumps,
    from_dict,
    load_config,
    loads,
    save_config,
    to_dict,
    validate,
)
from nas.errors import ConfigError
from nas.presets import PRESETS

GOOD = """\
name: tiny
input: 1x28x28
classes: 10
stem: conv_k3_c16
stages:
  - [conv_k3_s2_c32_p2, conv_k3_c32_p4]
  - blocks: [bneck_k3_s2_x64_c48_se_hs, bneck_k3_x96_c48]
    shortcut: stage
head: head_x128_re_d0.1
"""


@pytest.mark.parametrize("name", sorted(PRESETS))
def test_presets_round_trip_through_yaml(name, tmp_path):
    config = PRESETS[name]()
    assert loads(dumps(config)) == config
    path = save_config(config, tmp_path / f"{name}.yaml", meta={"source": "test"})
    assert load_config(path) == config
    assert from_dict(to_dict(config)) == config


def test_configs_are_frozen_and_hashable():
    config = loads(GOOD)
    with pytest.raises(dataclasses.FrozenInstanceError):
        config.name = "other"  # type: ignore[misc]
    assert hash(config) == hash(loads(GOOD))
    assert config.input_shape == (1, 28, 28)
    assert config.stages[1].shortcut == "stage"


def test_text_round_trip_is_stable():
    text = dumps(loads(GOOD))
    assert dumps(loads(text)) == text


@pytest.mark.parametrize(
    "edit, where, message",
    [
        (("stem: conv_k3_c16", "stem: conv_k3_c16\ncolour: red"), "colour", "unknown key"),
        (("classes: 10", "classes: ten"), "classes", "expected an integer"),
        (("input: 1x28x28", "input: 28x28"), "input", "CxHxW"),
        (("conv_k3_c32_p4", "conv_k3_c30_p4"), "stages[0].blocks[1].part", "4 does not divide 30"),
        (("conv_k3_s2_c32_p2", "conv_k3_s2_c32_p3"), "stages[0].blocks[0].part", "3 does not divide 16 input"),
        (("bneck_k3_x96_c48", "bneck_k3_x96_c48_p2"), "stages[1].blocks[1].part", "does not support part"),
        (("bneck_k3_x96_c48", "bneck_k4_x96_c48"), "stages[1].blocks[1].kernel", "odd kernel"),
        (("shortcut: stage", "shortcut: both"), "stages[1].shortcut", "expected one of block, stage"),
        (("stem: conv_k3_c16", "stem: patch_k32_s32_c16"), "stem.stride", "leaves nothing"),
        (("head: head_x128_re_d0.1", "head: head_x128_re_d1.5"), "head.dropout", "[0, 1)"),
    ],
)
def test_bad_configs_name_the_field(edit, where, message):
    text = GOOD.replace(*edit)
    assert text != GOOD
    with pytest.raises(ConfigError) as info:
        loads(text, "arch.yaml")
    assert info.value.where == f"arch.yaml: {where}"
    assert message in info.value.message


def test_bad_yaml_is_a_config_error():
    with pytest.raises(ConfigError, match="not valid YAML at line"):
        loads("stem: [unclosed\n", "x.yaml")


def test_cnx_must_keep_width():
    config = loads(GOOD)
    bad = config.replace(stages=(config.stages[0].replace(blocks=(config.stages[0].blocks[0].replace(kind="cnx", part=1),)),))
    with pytest.raises(ConfigError, match="stride"):
        validate(bad)


def test_missing_file_is_a_config_error(tmp_path):
    with pytest.raises(ConfigError, match="cannot read"):
        load_config(tmp_path / "nope.yaml")


def test_with_input_changes_only_input():
    config = PRESETS["mobilenetv3-small"]()
    other = config.with_input(1, 28, 10)
    assert isinstance(other, ArchConfig)
    assert other.stages == config.stages and other.input_shape == (1, 28, 28) and other.num_classes == 10
