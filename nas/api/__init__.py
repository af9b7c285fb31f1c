"""The library interface of ``nas``: everything the command line does, from Python.

``nas search`` / ``status`` / ``export`` / ``report`` / ``finalize`` / ``train`` / ``profile``
are thin layers over these functions: they parse arguments, call one of them and print.
Options are the command line's long names with underscores; a bad one raises
:class:`nas.errors.NasError` with the message the command line prints.
"""

from nas.api.finalize import finalize
from nas.api.profile import profile
from nas.api.search import search
from nas.api.study import Study, open_study
from nas.api.train import Trained, train

__all__ = ["Study", "Trained", "finalize", "open_study", "profile", "search", "train"]
