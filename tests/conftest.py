"""Hypothesis draws new examples on every run on a developer's machine, where a new failure is
worth finding; in CI (`CI` set, as `.ci/run` sets it) it draws the same ones every time, so
that a run lands or not on the code, not on luck. A failure found locally is replayed from
Hypothesis's example database.

`seed_class`, shared by the report tests: the example class graded once a module and read
back from its gradebook. `new_children`: the child processes a test started and left running.
"""

import multiprocessing
import os
from pathlib import Path

import pytest
from hypothesis import settings

settings.register_profile("ci", derandomize=True, print_blob=True)
if os.environ.get("CI"):
    settings.load_profile("ci")

# `grader check` run with its output on a terminal (as under `pytest -s`) asks the user's warm
# checker, which outlives the run; a test that wants one says so (tests/test_warm_check.py).
os.environ["GRADER_WARM"] = "0"


@pytest.fixture(scope="module")
def seed_class(tmp_path_factory):
    """The example class (submissions/22-52-q4) graded, read back from its gradebook:
    (run, batch)."""
    from grader import gradebook
    from grader.cli import main

    root = Path(__file__).resolve().parent.parent
    out = tmp_path_factory.mktemp("out")
    code = main(
        ["grade", str(root / "submissions" / "22-52-q4"), "--rubric",
         str(root / "rubrics" / "22-52-q4.yaml"), "--out", str(out), "--jobs", "1"]
    )  # fmt: skip
    assert code == 0
    connection = gradebook.connect(out / "gradebook.sqlite")
    try:
        run = gradebook.latest_run(connection)
        return run, gradebook.load_batch(connection, run)
    finally:
        connection.close()


@pytest.fixture
def new_children():
    """A call gives the multiprocessing children alive now that were not alive when the test
    began (and reaps any that ended): the children this test left running. A child an earlier
    test left in the same process is that test's failure, not every later test's."""
    before = set(multiprocessing.active_children())
    return lambda: [child for child in multiprocessing.active_children() if child not in before]


@pytest.fixture
def chunks_read(monkeypatch) -> list[int]:
    """The sizes of the chunks of students whose results are read from a gradebook
    (`gradebook.stored_results`), in order, while the test runs: a command that reads a class
    a chunk at a time asks for no more than a chunk at once."""
    from grader import gradebook

    asked: list[int] = []
    stored_results = gradebook.stored_results

    def counted(connection, rubric, rows):
        asked.append(len(rows))
        return stored_results(connection, rubric, rows)

    monkeypatch.setattr(gradebook, "stored_results", counted)
    return asked
