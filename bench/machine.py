"""The machine a benchmark ran on, in one line, for its printout and docs/performance.md; the
environment a benchmark runs the grader's command in."""

from __future__ import annotations

import argparse
import os
import platform
from pathlib import Path


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def describe_machine() -> str:
    return (
        f"machine: {cpu_model()}, {os.cpu_count()} cores, {platform.machine()}, "
        f"Python {platform.python_version()}, {platform.system()}"
    )


def as_installed(code: str | None = None) -> dict[str, str]:
    """This process's environment for a timed `grader` command: with Python's bytecode cache,
    as an installed grader has it (without it, PYTHONDONTWRITEBYTECODE set, each run compiles
    the grader's modules again: about 0.3 s here), without the tests' GRADER_WARM, and with the
    grader package of the folder `code` first on the path when given."""
    environment = {
        key: value
        for key, value in os.environ.items()
        if key not in ("PYTHONDONTWRITEBYTECODE", "GRADER_WARM")
    }
    if code:
        environment["PYTHONPATH"] = code
    return environment


def version_folder(text: str) -> str:
    """`--compare DIR`: the folder that holds another version's `grader/` package (a `git
    archive` of it, say), refused where it holds none. Given the package itself (`DIR/grader`),
    the compared runs would import the grader on the path instead: ours, against itself."""
    if not (Path(text) / "grader" / "__init__.py").is_file():
        raise argparse.ArgumentTypeError(
            f"{text} holds no grader/ package: give the folder that holds another version's "
            "grader/ (e.g. a `git archive` of it), not the package itself"
        )
    return str(Path(text).resolve())
