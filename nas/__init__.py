"""nas: neural architecture search for lightweight image classifiers under a FLOPs budget.

The library interface (:func:`search`, :func:`open_study`, :class:`Study`, :func:`finalize`,
:func:`train`, :func:`profile`, :func:`describe_space`, :func:`list_presets`) is imported on
first use, so ``import nas`` loads neither Optuna, plotly nor pandas.
"""

from typing import TYPE_CHECKING, Any

from nas.arch import (
    ArchConfig,
    BlockConfig,
    HeadConfig,
    StageConfig,
    load_config,
    save_config,
)
from nas.blocks import build_model
from nas.errors import NasError

if TYPE_CHECKING:
    from nas.api import (
        PresetInfo,
        SpaceSummary,
        Study,
        StudyStatus,
        Trained,
        describe_space,
        finalize,
        list_presets,
        open_study,
        profile,
        search,
        train,
    )

__version__ = "0.1.0"

#: Names served by :mod:`nas.api`, imported when first read.
_API = ("PresetInfo", "SpaceSummary", "Study", "StudyStatus", "Trained", "describe_space", "finalize", "list_presets",
        "open_study", "profile", "search", "train")


def __getattr__(name: str) -> Any:
    if name in _API:
        import nas.api

        return getattr(nas.api, name)
    raise AttributeError(f"module 'nas' has no attribute {name!r}")


__all__ = [
    "ArchConfig", "BlockConfig", "HeadConfig", "NasError", "PresetInfo", "SpaceSummary", "StageConfig", "Study",
    "StudyStatus", "Trained", "build_model", "describe_space", "finalize", "list_presets", "load_config",
    "open_study", "profile", "save_config", "search", "train",
]
