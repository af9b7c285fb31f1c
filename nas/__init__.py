"""nas: neural architecture search for lightweight image classifiers under a FLOPs budget."""

from nas.arch import ArchConfig, BlockConfig, HeadConfig, StageConfig, load_config, save_config
from nas.blocks import build_model

__version__ = "0.1.0"

__all__ = [
    "ArchConfig", "BlockConfig", "HeadConfig", "StageConfig", "build_model", "load_config", "save_config",
]
