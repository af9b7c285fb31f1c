"""Whether an architecture can be trained in this machine's memory, decided without allocating it."""

from __future__ import annotations

import os

import torch

from nas.arch.config import ArchConfig
from nas.errors import NasError

# Weights, gradients, momentum buffers and an EMA copy: four float32 copies of every parameter.
COPIES = 4


def available_bytes(device: torch.device) -> int | None:
    """Free memory on ``device`` (physical memory for the CPU); None when it cannot be told."""
    if device.type == "cuda":
        free, _ = torch.cuda.mem_get_info(device)
        return int(free)
    try:  # Linux: free memory plus what the page cache would give back
        with open("/proc/meminfo") as f:
            for line in f:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    try:
        return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError, AttributeError):
        return None


def parameter_count(config: ArchConfig) -> int:
    """Parameters and buffers of ``config``'s model, counted on the meta device (nothing allocated)."""
    from nas.blocks import build_model

    with torch.device("meta"):
        model = build_model(config)
    return sum(t.numel() for t in model.parameters()) + sum(t.numel() for t in model.buffers())


def is_out_of_memory(exc: BaseException) -> bool:
    """Whether ``exc`` is an allocation failure (of the CPU's or an accelerator's memory)."""
    return isinstance(exc, (MemoryError, torch.OutOfMemoryError)) or (
        isinstance(exc, RuntimeError) and "allocate" in str(exc).lower()
    )


def check_fits(config: ArchConfig, device: torch.device) -> None:
    """Refuse ``config`` when training copies of its parameters alone would not fit in memory.

    Raises:
        NasError: naming the parameter count and the memory needed and available.
    """
    free = available_bytes(device)
    if free is None:
        return
    params = parameter_count(config)
    need = params * 4 * COPIES
    if need > free:
        raise NasError(
            f"{config.name} has {params / 1e6:,.0f}M parameters: training it needs about {need / 2**30:,.1f} GiB "
            f"but {device.type} has {free / 2**30:,.1f} GiB free; choose a smaller architecture"
        )
