"""The library interface of ``nas``: everything the command line does, from Python.

``nas search`` / ``status`` / ``export`` / ``report`` / ``finalize`` / ``train`` / ``profile`` /
``space`` / ``presets`` are thin layers over these functions: they parse arguments, call one
of them and print.
Options are the command line's long names with underscores; a bad one raises
:class:`nas.errors.NasError` with the message the command line prints.
"""

from nas.api.finalize import finalize
from nas.api.presets import PresetInfo, list_presets
from nas.api.profile import profile
from nas.api.search import search
from nas.api.space import SpaceSummary, describe_space
from nas.api.status import StudyStatus
from nas.api.study import Study, open_study
from nas.api.train import Trained, train

__all__ = ["PresetInfo", "SpaceSummary", "Study", "StudyStatus", "Trained", "describe_space", "finalize",
           "list_presets", "open_study", "profile", "search", "train"]
