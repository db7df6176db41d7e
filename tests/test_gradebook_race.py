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


class _Pausing:
    """A connection that, once it has read the exam's questions, lets another connection save
    the exam (in a thread, given a second to get as far as it can) before it goes on."""

    def __init__(self, connection, meanwhile):
        self.connection, self.meanwhile, self.paused = connection, meanwhile, False

    def __enter__(self):
        return self.connection.__enter__()

    def __exit__(self, *exc_info):
        return self.connection.__exit__(*exc_info)

    def execute(self, sql, *parameters):
        if not self.paused and sql.startswith("SELECT question FROM exam_questions"):
            self.paused = True
            rows = self.connection.execute(sql, *parameters).fetchall()
            self.meanwhile.start()
            self.meanwhile.join(timeout=1)  # while we hold the lock, it waits for us
            return rows
        return self.connection.execute(sql, *parameters)


def test_two_graders_saving_one_exam_at_once_both_succeed(tmp_path):
    # Two `grade` commands on one new gradebook each remember the exam: both read its
    # questions, then both added the same one, and the second failed with "UNIQUE constraint
    # failed: exam_questions.question" (tests/test_hostile_inputs.py's G3 under load).
    import threading

    from grader.exam import Exam, ExamQuestion

    path = tmp_path / "gradebook.sqlite"
    exam = Exam("", "", (ExamQuestion(RUBRIC.id),))
    first = gradebook.connect(path)
    failures = []

    def save_second():
        second = gradebook.connect(path)  # its own connection, in its own thread
        try:
            gradebook.save_exam(second, exam, replace_all=False)
        except Exception as error:
            failures.append(error)
        finally:
            second.close()

    meanwhile = threading.Thread(target=save_second)
    gradebook.save_exam(_Pausing(first, meanwhile), exam, replace_all=False)
    meanwhile.join(timeout=60)
    assert failures == []
    rows = first.execute("SELECT question, position FROM exam_questions").fetchall()
    assert rows == [(RUBRIC.id, 1)]
    first.close()
