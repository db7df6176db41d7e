"""The README's quick start is what CI runs, so it cannot silently go stale."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def quick_start_commands() -> list[str]:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Quick start", 1)[1]
    block = re.search(r"```sh\n(.*?)```", section, re.S).group(1)
    return [line for line in block.splitlines() if line.strip()]


def test_the_quick_start_is_two_commands():
    commands = quick_start_commands()
    assert len(commands) == 2
    assert "grader grade submissions/22-52-q4 --rubric rubrics/22-52-q4.yaml" in commands[0]
    assert "pytest" in commands[1]


def test_ci_runs_the_quick_start_commands_verbatim():
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8").splitlines()
    for command in quick_start_commands():
        assert command in ci
