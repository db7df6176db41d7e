"""The benchmarks' `--compare DIR` takes the folder that holds another version's `grader/`:
given the package itself, the compared runs imported the grader on the path instead and
measured ours against itself (1.00x everywhere), saying nothing of it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SCRIPTS = ["distinct_checks", "class_of_1000", "check_startup", "report_pages", "worker_cpu"]


@pytest.mark.parametrize("script", SCRIPTS)
def test_compare_refuses_a_folder_that_holds_no_grader_package(script, tmp_path):
    package = tmp_path / "grader"
    package.mkdir()
    (package / "__init__.py").write_text("", encoding="utf-8")
    run = subprocess.run(
        [sys.executable, str(ROOT / "bench" / f"{script}.py"), "--compare", str(package)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 2
    assert "holds no grader/ package" in run.stderr


def test_compare_takes_the_folder_that_holds_the_package(tmp_path):
    sys.path.insert(0, str(ROOT / "bench"))
    try:
        from machine import version_folder
    finally:
        sys.path.remove(str(ROOT / "bench"))
    (tmp_path / "grader").mkdir()
    (tmp_path / "grader" / "__init__.py").write_text("", encoding="utf-8")
    assert version_folder(str(tmp_path)) == str(tmp_path.resolve())
