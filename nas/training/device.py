"""Where training runs: CUDA when present, and a sensible number of CPU threads."""

from __future__ import annotations

import torch

from nas.cpus import usable_cpus
from nas.errors import NasError

MAX_THREADS = 1024


def pick_device(prefer: str | None = None) -> torch.device:
    """The device to train on.

    Args:
        prefer: a device name (``"cpu"``, ``"cuda"``, ``"cuda:1"``, ``"mps"``) to use as given.

    Returns:
        ``prefer`` if given, else CUDA when available, else the CPU.

    Raises:
        NasError: when ``prefer`` is not a device name or that device is not on this machine.
    """
    if not prefer:
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    try:
        device = torch.device(prefer)
    except (RuntimeError, ValueError):
        raise NasError(f"unknown device {prefer!r} (use cpu, cuda or cuda:N)") from None
    if device.type == "cuda":
        count = torch.cuda.device_count() if torch.cuda.is_available() else 0
        if count == 0:
            raise NasError(f"device {prefer!r}: CUDA is not available on this machine (use --device cpu)")
        if device.index is not None and device.index >= count:
            raise NasError(f"device {prefer!r} does not exist: this machine has {count} CUDA device(s), "
                           f"cuda:0 to cuda:{count - 1}")
    elif device.type == "mps":
        if not torch.backends.mps.is_available():
            raise NasError(f"device {prefer!r}: MPS is not available on this machine (use --device cpu)")
    elif device.type != "cpu":
        raise NasError(f"device {prefer!r} is not supported (use cpu, cuda or cuda:N)")
    return device


def set_threads(threads: int | None = None) -> int:
    """Set torch's intra-op CPU threads.

    Args:
        threads: how many, from 1 to 1024 (default: every core this process may use).

    Returns:
        The number torch now uses.

    Raises:
        NasError: for a count below 1 or above 1024.
    """
    if threads is None:
        threads = usable_cpus()
    elif not 1 <= threads <= MAX_THREADS:
        raise NasError(f"threads must be between 1 and {MAX_THREADS}, got {threads}")
    torch.set_num_threads(max(1, threads))
    return torch.get_num_threads()
