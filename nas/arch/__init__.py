"""Architecture configs: typed dataclasses, the one-line notation, YAML and validation."""

from nas.arch.config import ArchConfig, BlockConfig, HeadConfig, StageConfig
from nas.arch.families import FAMILY_TABLE, Family, supports
from nas.arch.io import (
    dumps,
    from_dict,
    load_config,
    loads,
    parse_input,
    save_config,
    to_dict,
)
from nas.arch.notation import decode_arch, decode_block, encode_arch, encode_block
from nas.arch.shapes import BlockShape, infer_shapes, validate

__all__ = [
    "ArchConfig", "BlockConfig", "BlockShape", "FAMILY_TABLE", "Family", "HeadConfig", "StageConfig",
    "decode_arch", "decode_block", "dumps", "encode_arch", "encode_block", "from_dict", "infer_shapes",
    "load_config", "loads", "parse_input", "save_config", "supports", "to_dict", "validate",
]
