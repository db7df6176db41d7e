"""`grader check` as a process does only what one answer needs (issue 20): no report, gradebook,
HTML or web module is imported, numpy only where the rubric has formulas or matrices, and its
worker checks with the rubric the command loaded instead of loading it again. Behaviour only;
the times are in `bench/check_startup.py`."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from grader import workers
from grader.model import Task
from grader.rubric import load_rubric
from grader.workers import BoundedChecker

ROOT = Path(__file__).resolve().parent.parent
RUBRIC = ROOT / "rubrics" / "22-52-q4.yaml"

PROBE = """
import json, sys
from grader.cli import main
code = main(["check", sys.argv[1], sys.argv[2], sys.argv[3], "--json"])
print(json.dumps(sorted(sys.modules)), file=sys.stderr)
"""

NOT_FOR_CHECK = [
    "grader.gradebook",
    "grader.regrade",
    "grader.html_report",
    "grader.exam_report",
    "grader.release",
    "grader.review_app",
    "jinja2",
    "flask",
    "openpyxl",
]


def _modules_of_check(rubric: Path, item: str, answer: str) -> tuple[str, set[str]]:
    """The verdict of `grader check` in a process of its own, and every module it imported."""
    done = subprocess.run(
        [sys.executable, "-c", PROBE, str(rubric), item, answer],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=ROOT,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)["verdict"], set(json.loads(done.stderr.splitlines()[-1]))


def test_grader_check_imports_no_report_gradebook_or_web_module():
    verdict, loaded = _modules_of_check(RUBRIC, "b.params", "9CD + D")
    assert verdict == "correct"
    assert [name for name in NOT_FOR_CHECK if name in loaded] == []


@pytest.mark.parametrize(
    ("rubric", "item", "answer", "verdict", "numpy"),
    [
        pytest.param("mha-q1.yaml", "a.params", "3d(d+1)", "correct", False, id="counts only"),
        pytest.param("22-52-q4.yaml", "b.params", "9CD", "incorrect", True, id="with formulas"),
        pytest.param(
            "linear-backward-q1.yaml", "d.count", "CD", "incorrect", True, id="with matrices"
        ),
    ],
)
def test_numpy_is_imported_only_for_a_rubric_with_formulas_or_matrices(
    rubric, item, answer, verdict, numpy
):
    # A rubric's formulas are instantiated when it is loaded (one too large to check is the
    # rubric's error), so they need numpy even when a count is checked.
    checked, loaded = _modules_of_check(ROOT / "rubrics" / rubric, item, answer)
    assert checked == verdict
    assert ("numpy" in loaded) == numpy


@pytest.mark.parametrize(
    ("rubric", "item", "answer", "kinds"),
    [
        pytest.param("mha-q1.yaml", "a.params", "3d(d+1)", {"count"}, id="counts only"),
        pytest.param(
            "22-52-q4.yaml", "b.params", "9CD", {"count", "formula", "text"}, id="three kinds"
        ),
    ],
)
def test_grader_check_imports_only_the_kinds_its_rubric_has(rubric, item, answer, kinds):
    # a kind's folder is imported when a rubric first asks for the kind (`grader.kinds.KINDS`)
    _, loaded = _modules_of_check(ROOT / "rubrics" / rubric, item, answer)
    imported = {name.split(".")[2] for name in loaded if name.startswith("grader.kinds.")}
    assert imported - {"base"} == kinds


def test_grader_check_as_a_program_prints_its_whole_result_before_it_ends():
    # it ends without the interpreter's shutdown: what it printed must all be flushed
    done = subprocess.run(
        [sys.executable, "-m", "grader", "check", str(RUBRIC), "b.params", "9CD", "--json"],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=ROOT,
    )
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert (result["item"], result["verdict"], result["marks"]) == ("b.params", "incorrect", 0.0)
    assert done.stderr == ""


def refuse_to_load(text, path):
    raise AssertionError("the worker loaded the rubric again")


def test_a_forked_worker_checks_with_the_rubric_already_loaded(monkeypatch):
    rubric = load_rubric(RUBRIC)
    # the workers are forked after this: a second load would fail their start
    monkeypatch.setattr(workers, "load_rubric_text", refuse_to_load)
    with BoundedChecker(rubric, jobs=1) as checker:
        (result,) = checker.check([Task("b.params", "9CD + D")])
    assert (result.verdict, result.marks) == ("correct", 2.0)


HELP_PROBE = """
import json, sys
from grader.entry import main
sys.argv = ["grader", *sys.argv[1:]]
try:
    main()
except SystemExit as exit:
    code = exit.code
print(json.dumps([code, sorted(sys.modules)]), file=sys.stderr)
"""


@pytest.mark.parametrize(
    ("argv", "code", "said"),
    [
        pytest.param(["--help"], 0, "usage: grader", id="grader --help"),
        pytest.param(["grade", "--help"], 0, "--memory MB", id="a command's help"),
        pytest.param(["--version"], 0, "grader ", id="--version"),
        pytest.param(["grade", "--jobs", "0"], 2, "must be at least 1", id="a usage error"),
        pytest.param(["export", "--db", "x"], 2, "required: --csv", id="a missing option"),
    ],
)
def test_help_and_usage_errors_answer_without_importing_the_grader(argv, code, said):
    # The command line is read before any command is imported (grader/command_line.py): no
    # sympy, no check, no report for a question about the command line.
    done = subprocess.run(
        [sys.executable, "-c", HELP_PROBE, *argv],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=ROOT,
    )
    exit_code, loaded = json.loads(done.stderr.splitlines()[-1])
    assert exit_code == code
    assert said in done.stdout + done.stderr
    assert [name for name in ("sympy", "grader.cli", "grader.workers") if name in loaded] == []
