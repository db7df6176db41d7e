"""Two grader processes opening one new gradebook at the same moment both succeed (issue 21:
this failed about one run in 30 with "database is locked")."""

from __future__ import annotations

import multiprocessing
from pathlib import Path

import pytest

from grader import gradebook
from grader.rubric import load_rubric

ROOT = Path(__file__).resolve().parent.parent
RUBRIC = load_rubric(ROOT / "rubrics" / "22-52-q4.yaml")
ROUNDS = 200


def _open_and_start_a_run(path: Path, barrier, number: int) -> None:
    try:
        barrier.wait(timeout=30)
        connection = gradebook.connect(path)
        gradebook.start_run(connection, RUBRIC, RUBRIC.source_text)
        connection.close()
    except Exception as error:  # reported to the test, which fails with it
        (path.parent / f"failure-{number}").write_text(f"{type(error).__name__}: {error}")
        raise


@pytest.mark.skipif(
    "fork" not in multiprocessing.get_all_start_methods(), reason="needs fork to race cheaply"
)
def test_processes_creating_one_new_gradebook_together_all_succeed(tmp_path):
    context = multiprocessing.get_context("fork")
    for round_ in range(ROUNDS):
        path = tmp_path / f"round-{round_}" / "gradebook.sqlite"
        path.parent.mkdir()
        barrier = context.Barrier(3)
        racers = [
            context.Process(target=_open_and_start_a_run, args=(path, barrier, number))
            for number in range(3)
        ]
        for racer in racers:
            racer.start()
        for racer in racers:
            racer.join(timeout=60)
        failures = [f.read_text() for f in sorted(path.parent.glob("failure-*"))]
        assert failures == [], (round_, failures)
        assert [racer.exitcode for racer in racers] == [0, 0, 0]
        connection = gradebook.connect(path)
        assert connection.execute("SELECT COUNT(*) FROM runs").fetchone() == (3,)
        connection.close()
