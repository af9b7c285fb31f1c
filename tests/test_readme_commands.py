"""README's two commands: the test command is the one CI runs, and it installs what it needs."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _bash_blocks(text: str) -> list[str]:
    return [b.strip() for b in re.findall(r"```bash\n(.*?)```", text, flags=re.S)]


def test_ci_runs_readme_test_command_exactly():
    blocks = _bash_blocks((ROOT / "README.md").read_text(encoding="utf-8"))
    test_command = blocks[1]
    ci_lines = [ln.strip() for ln in (ROOT / ".ci/run").read_text(encoding="utf-8").splitlines()]
    assert ci_lines[-1] == test_command


def test_readme_test_command_installs_the_test_extra_before_pytest():
    # A fresh machine after the first command has the project without pytest.
    first, test_command = _bash_blocks((ROOT / "README.md").read_text(encoding="utf-8"))[:2]
    assert "pip install" in first and "[test]" not in first
    install, run = test_command.split("&&")
    assert "pip install" in install and "'.[test]'" in install
    assert run.strip() == "python3 -m pytest -q"
