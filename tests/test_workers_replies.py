"""A worker's replies come a few at a time (issue 20's all-distinct class): one message for the
answers it checked within `REPLY_EVERY` seconds, not one an answer, and this process reads
which answer a worker is on in the slot the worker writes before each. So a worker that dies,
or computes or waits without end, still costs only the answer it was on: the answers it had
checked and not yet replied for are checked again, never said stopped. The workers'
connections and ends are watched by one poll object kept from one wait to the next.

Module-level work functions, so that a forked worker can run them; each leaves a mark (a file
holding the answer) for every answer it begins, so that a test sees which were checked twice,
and misbehaves on the answer named for it."""

from __future__ import annotations

import math
import os
import select
import signal
import time
from collections import Counter
from multiprocessing.connection import Connection
from pathlib import Path

import pytest

from grader import workers
from grader.grade import InlineChecker, Task
from grader.rubric import load_rubric
from grader.workers import BoundedChecker

ROOT = Path(__file__).resolve().parent.parent
RUBRIC = load_rubric(ROOT / "rubrics" / "22-52-q4.yaml")
MARKS = "GRADER_TEST_MARKS"  # a folder where each check leaves a file when it begins
TASKS = [Task("b.params", f"{n}CD + D") for n in range(1, 13)]  # one batch for one worker
BAD = 7  # where a misbehaving answer replaces a good one: its batch's replies before it held


def misbehaving_tasks() -> list[Task]:
    return [Task("b.params", "misbehave") if n == BAD else t for n, t in enumerate(TASKS)]


def _begun(task: Task) -> bool:
    """Leave the mark of `task` begun; whether it is the one to misbehave on."""
    folder = Path(os.environ[MARKS])
    (folder / f"{os.getpid()}-{time.monotonic_ns()}").write_text(task.text)
    return task.text == "misbehave"


def check(task: Task):
    _begun(task)
    return workers._check_in_worker(task)


def crash(task: Task):
    if _begun(task):
        os.kill(os.getpid(), signal.SIGKILL)
    return workers._check_in_worker(task)


def compute_forever(task: Task):
    if _begun(task):
        start = time.process_time()
        while time.process_time() - start < math.inf:
            pass
    return workers._check_in_worker(task)


def wait_forever(task: Task):
    if _begun(task):
        while True:
            time.sleep(1)
    return workers._check_in_worker(task)


def unpicklable(task: Task):
    result = workers._check_in_worker(task)
    if _begun(task):
        return lambda: result  # a result that cannot be sent to the parent
    return result


@pytest.fixture
def marks(tmp_path, monkeypatch) -> Path:
    monkeypatch.setenv(MARKS, str(tmp_path))
    return tmp_path


def times_begun(folder: Path) -> Counter:
    return Counter(path.read_text() for path in folder.iterdir())


@pytest.fixture
def messages(monkeypatch) -> list[tuple[str, int]]:
    """What this process receives from its workers: (kind, how many replies) a message."""
    received: list[tuple[str, int]] = []
    recv = Connection.recv

    def recording_recv(connection):
        message = recv(connection)
        received.append((message[0], len(message[1]) if message[0] == "replies" else 0))
        return message

    monkeypatch.setattr(Connection, "recv", recording_recv)
    return received


@pytest.mark.parametrize(
    ("reply_every", "replies_a_message"),
    [
        pytest.param(math.inf, [len(TASKS)], id="a batch's replies held to its end: one message"),
        pytest.param(0, [1] * len(TASKS), id="none held: a message an answer"),
    ],
)
def test_a_workers_replies_come_together_and_in_order(
    monkeypatch, marks, messages, reply_every, replies_a_message
):
    monkeypatch.setattr(workers, "REPLY_EVERY", reply_every)
    with BoundedChecker(RUBRIC, jobs=1, timeout=30, work=check) as checker:
        results = checker.check(TASKS)
    assert results == InlineChecker(RUBRIC).check(TASKS)
    assert [count for kind, count in messages if kind == "replies"] == replies_a_message
    assert times_begun(marks) == Counter(task.text for task in TASKS)  # each checked once


@pytest.mark.parametrize(
    ("work", "wall", "message"),
    [
        pytest.param(
            crash,
            60,
            "the check ran out of its 512 MB of memory or crashed, so it was stopped",
            id="a worker killed",
        ),
        pytest.param(
            compute_forever,
            60,
            "checking it needed more than 0.5 s of computing time, so it was stopped",
            id="computing without end",
        ),
        pytest.param(
            wait_forever, 2, "checking it took longer than 2 s, so it was stopped", id="waiting"
        ),
    ],
)
def test_answers_whose_replies_went_with_their_worker_are_checked_again_not_stopped(
    monkeypatch, marks, work, wall, message
):
    monkeypatch.setattr(workers, "REPLY_EVERY", math.inf)  # held: lost with the worker
    tasks = misbehaving_tasks()
    with BoundedChecker(
        RUBRIC, jobs=1, timeout=0.5, wall_timeout=wall, memory_mb=512, work=work
    ) as checker:
        results = checker.check(tasks)
    expected = InlineChecker(RUBRIC).check(TASKS)
    for n, (result, good) in enumerate(zip(results, expected, strict=True)):
        if n == BAD:
            assert (result.verdict, result.marks, result.answer) == ("error", 0, "misbehave")
            assert message in result.feedback[0], result.feedback
        else:
            assert result == good, n
    # the answers before it were checked, their replies lost, and checked again; it once
    twice = Counter(task.text for task in tasks[:BAD])
    assert times_begun(marks) == twice + Counter(task.text for task in tasks)


def test_a_result_that_cannot_be_sent_costs_only_its_own_among_replies_held(monkeypatch, marks):
    monkeypatch.setattr(workers, "REPLY_EVERY", math.inf)
    tasks = misbehaving_tasks()
    with BoundedChecker(RUBRIC, jobs=1, timeout=30, work=unpicklable) as checker:
        results = checker.check(tasks)
    expected = InlineChecker(RUBRIC).check(TASKS)
    for n, (result, good) in enumerate(zip(results, expected, strict=True)):
        if n == BAD:
            assert result.verdict == "error"
            assert "the check failed (" in result.feedback[0], result.feedback
        else:
            assert result == good, n
    assert times_begun(marks) == Counter(task.text for task in tasks)  # none checked twice


class _Watched:
    """A `select.poll` object that remembers the descriptors registered with it."""

    def __init__(self, poll) -> None:
        self.poll_object = poll
        self.fds: set[int] = set()

    def register(self, fd: int, mask: int) -> None:
        self.fds.add(fd)
        self.poll_object.register(fd, mask)

    def unregister(self, fd: int) -> None:
        self.fds.remove(fd)  # KeyError, as select.poll's, for one not registered
        self.poll_object.unregister(fd)

    def poll(self, timeout=None):
        return self.poll_object.poll(timeout)


def test_the_workers_are_watched_across_waits_and_let_go_when_gone(monkeypatch, marks):
    made: list[_Watched] = []
    real_poll = select.poll
    monkeypatch.setattr(select, "poll", lambda: made.append(_Watched(real_poll())) or made[-1])

    def no_selector_a_wait(*_):
        raise AssertionError("a selector built for a wait")

    monkeypatch.setattr(workers, "wait", no_selector_a_wait)
    tasks = misbehaving_tasks()
    with BoundedChecker(RUBRIC, jobs=1, timeout=30, memory_mb=512, work=crash) as checker:
        watched = made[0]  # the checker's own, made before its first worker
        results = checker.check(tasks)
        # the killed worker's connection and end let go; its replacement's watched
        (worker,) = checker._workers
        assert watched.fds == {worker.connection.fileno(), worker.process.sentinel}
    assert watched.fds == set()
    expected = InlineChecker(RUBRIC).check(TASKS)
    assert [r for n, r in enumerate(results) if n != BAD] == expected[:BAD] + expected[BAD + 1 :]
    assert results[BAD].verdict == "error"
