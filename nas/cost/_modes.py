"""Temporarily switching a model's train/eval mode, restoring every module's own flag."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from torch import nn


@contextmanager
def modes_restored(model: nn.Module) -> Iterator[nn.Module]:
    """Restore the ``training`` flag of every submodule of ``model`` on exit.

    Args:
        model: The network whose modes the body may change.

    Returns:
        A context manager yielding ``model``.
    """
    flags = [(m, m.training) for m in model.modules()]
    try:
        yield model
    finally:
        for module, flag in flags:
            module.training = flag
