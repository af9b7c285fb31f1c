"""Where training runs: CUDA when present, and a sensible number of CPU threads."""

from __future__ import annotations

import os

import torch


def pick_device(prefer: str | None = None) -> torch.device:
    """The device to train on.

    Args:
        prefer: a device name (``"cpu"``, ``"cuda"``, ``"cuda:1"``) to use as given.

    Returns:
        ``prefer`` if given, else CUDA when available, else the CPU.
    """
    if prefer:
        return torch.device(prefer)
    return torch.device("cuda" if torch.cuda.is_available() else "cpu")


def set_threads(threads: int | None = None) -> int:
    """Set torch's intra-op CPU threads.

    Args:
        threads: how many (default: every core this process may use).

    Returns:
        The number torch now uses.
    """
    if threads is None:
        try:
            threads = len(os.sched_getaffinity(0))
        except AttributeError:
            threads = os.cpu_count() or 1
    torch.set_num_threads(max(1, threads))
    return torch.get_num_threads()
