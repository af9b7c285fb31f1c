"""How many CPUs this process may use: its affinity (``taskset``, a SLURM allocation), lowered
to a cgroup CPU quota where one is set (a container's ``--cpus``), never what the host has.

Worker counts and threads per worker are sized from this: ``--jobs 2`` on 2 of a host's 16 CPUs
runs one thread per worker, not eight.
"""

from __future__ import annotations

import math
import os
from pathlib import Path

CGROUP = Path("/sys/fs/cgroup")


def _quota(root: Path) -> float | None:
    """CPUs a cgroup quota allows (v2 ``cpu.max``, else v1 ``cpu.cfs_quota_us``), ``None`` if unlimited."""
    try:
        fields = (root / "cpu.max").read_text().split()
        if len(fields) == 2 and fields[0] != "max":
            return int(fields[0]) / int(fields[1])
        return None
    except (OSError, ValueError, ZeroDivisionError):
        pass
    try:
        quota = int((root / "cpu" / "cpu.cfs_quota_us").read_text())
        period = int((root / "cpu" / "cpu.cfs_period_us").read_text())
        return quota / period if quota > 0 and period > 0 else None
    except (OSError, ValueError):
        return None


def usable_cpus(cgroup: Path = CGROUP) -> int:
    """The CPUs this process may use: affinity, capped by the cgroup quota (rounded up), at least 1."""
    try:
        cpus = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        cpus = os.cpu_count() or 1
    quota = _quota(cgroup)
    if quota is not None:
        cpus = min(cpus, math.ceil(quota))
    return max(1, cpus)


__all__ = ["usable_cpus"]
