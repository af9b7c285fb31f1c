"""CPUs a process may use: affinity and a cgroup quota, never the host's count."""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from nas.cpus import usable_cpus

ROOT = Path(__file__).resolve().parents[1]


def cgroup(tmp_path, **files):
    for name, text in files.items():
        path = tmp_path / name.replace("__", "/")
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return tmp_path


def test_a_cgroup_quota_lowers_the_count(tmp_path):
    unlimited = usable_cpus(tmp_path / "none")
    assert unlimited >= 1
    assert usable_cpus(cgroup(tmp_path / "v2", **{"cpu.max": "max 100000\n"})) == unlimited
    assert usable_cpus(cgroup(tmp_path / "half", **{"cpu.max": "50000 100000\n"})) == 1
    assert usable_cpus(cgroup(tmp_path / "big", **{"cpu.max": "6400000 100000\n"})) == unlimited
    v1 = cgroup(tmp_path / "v1", **{"cpu__cpu.cfs_quota_us": "50000\n", "cpu__cpu.cfs_period_us": "100000\n"})
    assert usable_cpus(v1) == 1
    off = cgroup(tmp_path / "v1off", **{"cpu__cpu.cfs_quota_us": "-1\n", "cpu__cpu.cfs_period_us": "100000\n"})
    assert usable_cpus(off) == unlimited
    assert usable_cpus(cgroup(tmp_path / "garbled", **{"cpu.max": "lots\n"})) == unlimited


@pytest.mark.skipif(shutil.which("taskset") is None, reason="needs taskset")
def test_one_allowed_cpu_sizes_workers_threads_and_jobs_to_it():
    code = ("from nas.searching.settings import SearchSettings, default_jobs\n"
            "from nas.searching.workers import threads_per_worker\n"
            "from nas.training import set_threads\n"
            "s = SearchSettings(space='x.yaml', max_flops=1, jobs=1)\n"
            "print(threads_per_worker(s), default_jobs(), set_threads(None))\n")
    out = subprocess.run(["taskset", "-c", "0", sys.executable, "-c", code], capture_output=True, text=True,
                         cwd=ROOT, timeout=300)
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.split() == ["1", "1", "1"]
