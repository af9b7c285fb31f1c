"""``nas search`` / ``nas status`` from the command line: objective order, log lines, help, orphans."""

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import optuna

ROOT = Path(__file__).resolve().parents[2]


def nas(*args, cwd):
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-m", "nas.cli.main", *args], capture_output=True, text=True,
                          timeout=600, cwd=cwd, env=env)


def test_flops_first_objectives_show_the_accuracy_and_log_lines(tiny_space, tmp_path):
    url = f"sqlite:///{tmp_path}/o.db"
    proc = nas("search", str(tiny_space), "--max-flops", "1M", "--trials", "2", "--study", "o", "--storage", url,
               "--dataset", "synthetic", "--epochs", "1", "--train-subset", "256", "--val-size", "128",
               "--batch-size", "64", "--jobs", "1", "--objectives", "flops,accuracy", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr[-2000:]
    study = optuna.load_study(study_name="o", storage=url)
    assert study.metric_names == ["flops", "accuracy"]
    done = {t.number: t for t in study.trials if t.state.name == "COMPLETE"}
    # stderr is no terminal here: one line per finished trial, no progress bar.
    lines = [ln for ln in proc.stderr.splitlines() if ln.startswith("nas search: trial ")]
    assert len(lines) >= 2 and "\r" not in proc.stderr and "it/s" not in proc.stderr
    for number, trial in done.items():
        acc = f"acc {trial.user_attrs['accuracy']:.2%}"
        assert any(ln.startswith(f"nas search: trial {number}, searched, {acc}") for ln in lines), lines
    # The summary's front: each row shows its trial's accuracy, not its FLOPs (values[0]).
    front = [ln.split() for ln in proc.stdout.splitlines() if ln.startswith("  trial ")]
    assert front
    for row in front:
        assert row[3] == f"{done[int(row[1])].user_attrs['accuracy']:.2%}", row
    status = nas("status", "o", "--storage", url, cwd=tmp_path)
    assert status.returncode == 0 and status.stderr == "", status.stderr
    best = [ln.split() for ln in status.stdout.splitlines() if ln.startswith("  trial ")]
    assert [int(r[1]) for r in best] == [int(r[1]) for r in front]  # one Pareto definition
    for row in best:
        assert row[3] == f"{done[int(row[1])].user_attrs['accuracy']:.2%}", row
    assert "2/2 complete" in status.stdout


def test_search_help_writes_each_default_once(tmp_path):
    proc = nas("search", "--help", cwd=tmp_path)
    assert proc.returncode == 0
    text = " ".join(proc.stdout.split())
    assert "(default: None)" not in text and "(default: " not in text
    assert text.count("default 24") == 1 and "[SPACE]" in proc.stdout and "joins it" in text


def test_workers_stop_when_their_parent_is_killed(tmp_path):
    script = tmp_path / "parent.py"
    script.write_text(textwrap.dedent(f"""
        import multiprocessing as mp, os, sys, time
        sys.path.insert(0, {str(ROOT)!r})

        def child(parent):
            from nas.processes import stop_with_parent
            stop_with_parent(parent)
            time.sleep(120)

        if __name__ == "__main__":
            p = mp.get_context("spawn").Process(target=child, args=(os.getpid(),))
            p.start()
            print(p.pid, flush=True)
            time.sleep(120)
    """))
    parent = subprocess.Popen([sys.executable, str(script)], stdout=subprocess.PIPE, text=True)
    child = int(parent.stdout.readline())
    time.sleep(3)  # the child has set its parent-death signal
    os.kill(child, 0)  # alive
    parent.send_signal(signal.SIGKILL)
    parent.wait()
    for _ in range(60):
        try:
            os.kill(child, 0)
        except ProcessLookupError:
            break
        if Path(f"/proc/{child}/status").exists() and "zombie" in Path(f"/proc/{child}/status").read_text():
            break
        time.sleep(0.5)
    else:
        raise AssertionError("the worker outlived its parent")
