"""Tasks go to the workers in batches (issue 20), one message a batch, and each answer is still
bounded on its own: an answer that computes, waits or allocates without end, or kills its
worker, costs only its own result; the rest of its batch is checked, in order.

Module-level work functions, so that a forked worker can run them; each misbehaves on the
answers named for it and checks every other answer with the real check."""

from __future__ import annotations

import importlib
import math
import os
import signal
import time
from multiprocessing.connection import Connection
from pathlib import Path

import pytest

from grader import workers
from grader.grade import InlineChecker, Task
from grader.rubric import load_rubric
from grader.workers import BoundedChecker

ROOT = Path(__file__).resolve().parent.parent
RUBRIC = load_rubric(ROOT / "rubrics" / "22-52-q4.yaml")
TASKS = [Task("b.params", f"{n}CD + D") for n in range(1, 41)]  # 9CD + D is right
BAD = (6, 21, 39)  # where misbehaving answers replace good ones: early, middle and last


def misbehaving_tasks() -> list[Task]:
    return [Task("b.params", "misbehave") if n in BAD else t for n, t in enumerate(TASKS)]


def crash(task: Task):
    if task.text == "misbehave":
        os.kill(os.getpid(), signal.SIGKILL)
    return workers._check_in_worker(task)


def compute_forever(task: Task):
    if task.text == "misbehave":
        start = time.process_time()
        while time.process_time() - start < math.inf:
            pass
    return workers._check_in_worker(task)


def wait_forever(task: Task):
    if task.text == "misbehave":
        while True:
            time.sleep(1)
    return workers._check_in_worker(task)


def allocate_forever(task: Task):
    if task.text == "misbehave":
        hoard = []
        while True:
            hoard.append(bytearray(64 * 2**20))
    return workers._check_in_worker(task)


def raise_a_bug(task: Task):
    if task.text == "misbehave":
        raise KeyError("a bug")
    return workers._check_in_worker(task)


@pytest.fixture
def batches(monkeypatch) -> list[list[int]]:
    """The batches this process sends its workers, as lists of task indices."""
    sent: list[list[int]] = []
    send = Connection.send

    def recording_send(connection, message):
        if isinstance(message, tuple) and len(message) == 2 and isinstance(message[0], list):
            sent.append([index for index, _ in message[0]])
        return send(connection, message)

    monkeypatch.setattr(Connection, "send", recording_send)
    return sent


def test_tasks_go_to_a_worker_in_batches_and_come_back_in_order(batches):
    with BoundedChecker(RUBRIC, jobs=1, timeout=30) as checker:
        results = checker.check(TASKS)
    assert results == InlineChecker(RUBRIC).check(TASKS)
    assert sorted(index for batch in batches for index in batch) == list(range(len(TASKS)))
    assert len(batches) < len(TASKS) / 4
    assert max(len(batch) for batch in batches) <= workers.MAX_BATCH


@pytest.mark.parametrize(
    ("work", "wall", "message", "cpu"),
    [
        pytest.param(
            crash,
            60,
            "the check ran out of its 512 MB of memory or crashed, so it was stopped",
            0.5,
            id="a worker killed",
        ),
        pytest.param(
            compute_forever,
            60,
            "checking it needed more than 0.5 s of computing time, so it was stopped",
            0.5,
            id="computing without end",
        ),
        pytest.param(
            wait_forever,
            2,
            "checking it took longer than 2 s, so it was stopped",
            0.5,
            id="waiting",
        ),
        pytest.param(
            allocate_forever,
            60,
            "the check needed more than its 512 MB of memory",
            3,
            id="allocating without end",
        ),
        pytest.param(raise_a_bug, 60, "the check failed (KeyError)", 0.5, id="a bug"),
    ],
)
def test_a_runaway_answer_costs_only_its_own_result_and_not_its_batchs(
    batches, work, wall, message, cpu
):
    # `cpu`: filling 512 MB takes about half a second of computing: for a check that
    # allocates without end, more, so that the memory runs out first
    tasks = misbehaving_tasks()
    with BoundedChecker(
        RUBRIC, jobs=1, timeout=cpu, wall_timeout=wall, memory_mb=512, work=work
    ) as checker:
        results = checker.check(tasks)
    expected = InlineChecker(RUBRIC).check(TASKS)
    for n, (result, good) in enumerate(zip(results, expected, strict=True)):
        if n in BAD:
            assert (result.verdict, result.marks) == ("error", 0), result
            assert message in result.feedback[0], result.feedback
            assert result.answer == "misbehave"
        else:
            assert result == good, n
    assert max(len(batch) for batch in batches) > 1  # the misbehaving ones came in batches
    assert all(index in sum(batches, []) for index in BAD)


count_parse = importlib.import_module("grader.kinds.count.parse")


def check_without_building_the_grammar(task: Task):
    """The real check, failing if the worker had to build the count grammar itself."""
    built = count_parse._parser.cache_info().misses
    result = workers._check_in_worker(task)
    if count_parse._parser.cache_info().misses != built:
        raise RuntimeError("the worker built the grammar again")
    return result


def test_workers_start_from_the_rubric_and_grammar_their_parent_loaded():
    assert count_parse._parser.cache_info().currsize == 1  # built while loading the rubric
    with BoundedChecker(RUBRIC, jobs=1, work=check_without_building_the_grammar) as checker:
        (result,) = checker.check([Task("b.params", "9CD + D")])
    assert (result.verdict, result.marks) == ("correct", result.max_marks), result.feedback
