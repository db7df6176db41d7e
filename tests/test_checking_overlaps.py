"""The workers check a chunk's answers while this process stores the chunk before it and reads
the chunk after it (issue 20): `BoundedChecker.start` returns before the results, the workers
go on checking, and `grade_paths` waits for them only when it has nothing else to do.

Module-level work functions, so that a forked worker can run them."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from grader import gradebook, workers
from grader.grade import CHUNK, InlineChecker, Task, grade_paths, start_checking
from grader.rubric import load_rubric
from grader.workers import BoundedChecker

ROOT = Path(__file__).resolve().parent.parent
RUBRIC = load_rubric(ROOT / "rubrics" / "22-52-q4.yaml")
STARTED = "GRADER_TEST_STARTED"  # a folder where each check leaves a file when it begins


def leave_a_mark(task: Task):
    folder = Path(os.environ[STARTED])
    (folder / f"{os.getpid()}-{time.monotonic_ns()}").write_text(task.text)
    return workers._check_in_worker(task)


def test_the_workers_check_after_start_returns_and_before_anyone_waits(tmp_path, monkeypatch):
    monkeypatch.setenv(STARTED, str(tmp_path))
    tasks = [Task("b.params", f"{n}CD + D") for n in range(1, 9)]
    with BoundedChecker(RUBRIC, jobs=1, work=leave_a_mark) as checker:
        waiting = checker.start(tasks)
        # Nothing waits for the results here: the worker goes on alone (hang guard, not a
        # speed assertion).
        for _ in range(1200):
            if len(list(tmp_path.iterdir())) == len(tasks):
                break
            time.sleep(0.05)
        marked = sorted(path.read_text() for path in tmp_path.iterdir())
        assert marked == sorted(task.text for task in tasks)
        results = waiting()
    assert results == InlineChecker(RUBRIC).check(tasks)


def test_a_set_started_while_another_is_checked_is_checked_after_it():
    with BoundedChecker(RUBRIC, jobs=1) as checker:
        first = checker.start([Task("b.params", "9CD + D"), Task("b.params", "CD + D")])
        second = checker.start([Task("b.params", "CD")])
        third = checker.start([])
        # each set waited for on its own, in any order, its own results alone
        assert [r.verdict for r in second()] == ["incorrect"]
        assert third() == []
        assert [r.verdict for r in first()] == ["correct", "incorrect"]
        # all waited for: the next set starts a run of its own
        assert checker._run is None
        assert [r.verdict for r in checker.check([Task("b.params", "CD")])] == ["incorrect"]


def test_sets_overlapping_give_what_each_would_alone():
    texts = [f"{n}CD + D" for n in range(1, 12)] + ["CD", "PQ(C+1)D", "9CD + D"]
    sets = [[Task("b.params", text) for text in texts[i : i + 4]] for i in range(0, 14, 4)]
    with BoundedChecker(RUBRIC, jobs=2) as checker:
        waiting = [checker.start(tasks) for tasks in sets[:2]]
        got = [waiting[0]()]
        waiting.append(checker.start(sets[2]))
        got.append(waiting[1]())
        waiting.append(checker.start(sets[3]))
        got += [waiting[2](), waiting[3]()]
    assert got == [InlineChecker(RUBRIC).check(tasks) for tasks in sets]


def test_a_checker_without_start_checks_when_waited_for():
    class Recording(InlineChecker):
        asked: list[str] = []

        def check(self, tasks):
            self.asked.append(tasks[0].text)
            return super().check(tasks)

    checker = Recording(RUBRIC)
    waiting = start_checking(checker, [Task("b.params", "9CD + D")])
    assert checker.asked == []
    assert [r.verdict for r in waiting()] == ["correct"]
    assert checker.asked == ["9CD + D"]


class Journal(InlineChecker):
    """Checks in this process and writes down, with the loads and stores around it, when each
    chunk's checking starts and when it is waited for."""

    def __init__(self, rubric, events):
        super().__init__(rubric)
        self.events = events

    def start(self, tasks):
        number = sum(event[0] == "start" for event in self.events)
        self.events.append(("start", number))

        def wait():
            self.events.append(("wait", number))
            return self.check(tasks)

        return wait


def _class_of(folder: Path, answers: list[str | None]) -> Path:
    """A class of one file a student (s000, s001, ...), each answering b.params; None: a file
    that cannot be read."""
    folder.mkdir()
    for n, answer in enumerate(answers):
        (folder / f"s{n:03d}.yaml").write_text(
            f"student: s{n:03d}\nquestion: 22-52-Q4\nanswers:\n  b:\n    params: '{answer}'\n"
            if answer is not None
            else "answers: [unclosed\n",
            encoding="utf-8",
        )
    return folder


def _write_class(folder: Path, count: int) -> list[Path]:
    return [_class_of(folder, [f"{n}CD + D" for n in range(count)])]


def test_grade_paths_stores_a_chunk_and_reads_the_next_while_one_is_checked(tmp_path, monkeypatch):
    from grader import grade

    events: list[tuple] = []
    load = grade.load_submissions

    def loading(path, rubric, columns):
        events.append(("read", path.name))
        return load(path, rubric, columns)

    monkeypatch.setattr(grade, "load_submissions", loading)
    paths = _write_class(tmp_path / "class", 2 * CHUNK + 1)
    stored: list[list[str]] = []

    def store(results):
        events.append(("store", len(stored)))
        stored.append([result.student for result in results])

    batch = grade_paths(RUBRIC, paths, on_chunk=store, checker=Journal(RUBRIC, events))
    first = f"s{CHUNK:03d}.yaml"  # the first file of the second chunk
    last = f"s{2 * CHUNK:03d}.yaml"  # the third chunk's one file
    timeline = [event for event in events if event[0] != "read" or event[1] in (first, last)]
    assert timeline == [
        ("start", 0),
        ("read", first),  # the next chunk read while the first is checked
        ("start", 1),  # and started before the first is waited for
        ("wait", 0),
        ("store", 0),  # the first chunk stored while the second is checked
        ("read", last),
        ("start", 2),
        ("wait", 1),
        ("store", 1),
        ("wait", 2),
        ("store", 2),
    ]
    assert [len(chunk) for chunk in stored] == [CHUNK, CHUNK, 1]
    assert [r.student for r in batch.results] == [s for chunk in stored for s in chunk]


def test_a_class_graded_by_workers_and_through_the_gradebook_is_graded_as_in_this_process(
    tmp_path,
):
    paths = _write_class(tmp_path / "class", CHUNK + 3)
    inline = grade_paths(RUBRIC, paths)
    connection = gradebook.connect(tmp_path / "gb.sqlite")
    run = gradebook.start_run(connection, RUBRIC, RUBRIC.source_text)
    with BoundedChecker(RUBRIC, jobs=2) as bounded:
        cached = gradebook.CachedChecker(bounded, connection, RUBRIC)
        stored = []
        batch = grade_paths(
            RUBRIC,
            paths,
            checker=cached,
            on_chunk=lambda results: stored.append(
                gradebook.store_submissions(connection, run, RUBRIC.id, results)
            ),
        )
        again = gradebook.CachedChecker(bounded, connection, RUBRIC)
        rerun = grade_paths(RUBRIC, paths, checker=again)
    connection.close()
    assert batch.results == inline.results
    assert rerun.results == inline.results
    assert sum(stored) == CHUNK + 3
    assert again.hits == CHUNK + 3  # every distinct answer came from the gradebook


def test_an_answer_of_the_next_chunk_being_checked_is_checked_once(tmp_path, monkeypatch):
    # Chunks share answers: the next chunk is started while the chunk before it is checked,
    # and an answer that chunk is still checking is not checked again; every result is the
    # one grading in this process gives.
    marks = tmp_path / "marks"
    marks.mkdir()
    monkeypatch.setenv(STARTED, str(marks))
    answers = [f"{n % 7 + 1}CD + D" if n < CHUNK + 10 else f"{n % 5 + 1}CD + D" for n in
               range(2 * CHUNK + 5)]  # fmt: skip
    folder = _class_of(tmp_path / "class", answers)
    inline = grade_paths(RUBRIC, [folder])
    with BoundedChecker(RUBRIC, jobs=2, work=leave_a_mark) as checker:
        batch = grade_paths(RUBRIC, [folder], checker=checker)
    assert batch.results == inline.results
    checked = sorted(path.read_text() for path in marks.iterdir())
    assert checked == sorted(set(answers))


def test_a_chunk_whose_every_file_fails_between_two_is_still_a_chunk(tmp_path, monkeypatch):
    # A chunk with no submission to plan starts an empty set: the chunk after it must not be
    # given the results of the chunk before (each set's results are given once).
    from grader import grade

    monkeypatch.setattr(grade, "CHUNK", 2)
    folder = _class_of(tmp_path / "class", ["CD", "9CD + D", None, None, "CD + D", "2CD"])
    inline = grade_paths(RUBRIC, [folder])
    with BoundedChecker(RUBRIC, jobs=1) as checker:
        batch = grade_paths(RUBRIC, [folder], checker=checker)
    assert [r.student for r in batch.results] == ["s000", "s001", "s004", "s005"]
    assert batch.results == inline.results
    assert len(batch.failures) == 2


def test_answers_the_next_chunk_remembered_are_kept_for_it_however_small_the_memory(
    tmp_path, monkeypatch
):
    # The next chunk is begun (its remembered answers found) before the chunk is graded and
    # the memory of answers trimmed: a trimmed answer must still be there for it.
    from grader import grade

    monkeypatch.setattr(grade, "CHUNK", 2)
    monkeypatch.setattr(grade, "REMEMBERED", 2)
    answers = ["9CD + D", "CD", "CD + D", "2CD + D", "9CD + D", "3CD + D"]
    batch = grade_paths(RUBRIC, [_class_of(tmp_path / "class", answers)])
    tasks = [Task("b.params", answer) for answer in answers]
    assert [r.items["b.params"] for r in batch.results] == InlineChecker(RUBRIC).check(tasks)


def start_failing_three_times(loaded, text, path):
    """A worker's start: the second to the fourth fail (as under the OOM killer)."""
    starts = Path(os.environ[STARTED]) / "starts"
    with starts.open("a") as log:
        log.write("x\n")
    if len(starts.read_text().splitlines()) in (2, 3, 4):
        raise RuntimeError("transient")
    return REAL_WORKER_RUBRIC(loaded, text, path)


REAL_WORKER_RUBRIC = workers._worker_rubric


def test_a_chunk_given_up_for_want_of_workers_does_not_give_up_the_next(tmp_path, monkeypatch):
    # The first chunk's answers are given up after MAX_START_FAILURES workers in a row could
    # not start (the first died idle, then starts failed); the next chunk, already started,
    # tries again when it is waited for, and is checked.
    import signal

    from grader import grade

    monkeypatch.setattr(grade, "CHUNK", 2)
    monkeypatch.setenv(STARTED, str(tmp_path))
    monkeypatch.setattr(workers, "_worker_rubric", start_failing_three_times)
    folder = _class_of(tmp_path / "class", [f"{n + 1}CD + D" for n in range(6)])
    with BoundedChecker(RUBRIC, jobs=1) as checker:
        (worker,) = checker._workers
        os.kill(worker.process.pid, signal.SIGKILL)  # the first worker dies idle
        worker.process.join()
        batch = grade_paths(RUBRIC, [folder], checker=checker)
    verdicts = [r.items["b.params"].verdict for r in batch.results]
    assert verdicts == ["error", "error", "incorrect", "incorrect", "incorrect", "incorrect"]
    assert "no worker process could be started" in batch.results[0].items["b.params"].feedback[0]


def sleep_then_check(task: Task):
    time.sleep(0.3)
    return workers._check_in_worker(task)


class Stop(Exception):
    pass


def test_a_checker_interrupted_while_waiting_checks_the_next_sets_right():
    # An exception (Ctrl-C) while a set is waited for, with another started after it: the
    # workers on them are stopped, so that none of their replies is taken for a later set's.
    import signal

    def stop(*_):
        raise Stop

    previous = signal.signal(signal.SIGALRM, stop)
    tasks = [Task("b.params", f"{n}CD + D") for n in range(1, 6)]
    later = [Task("b.params", "9CD + D"), Task("b.params", "CD")]
    try:
        with BoundedChecker(RUBRIC, jobs=1, work=sleep_then_check) as checker:
            waiting = checker.start(tasks)
            checker.start([Task("b.params", "PQ(C+1)D")])
            signal.setitimer(signal.ITIMER_REAL, 0.45)
            with pytest.raises(Stop):
                waiting()
            assert checker._run is None
            assert checker.check(later) == InlineChecker(RUBRIC).check(later)
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def test_the_checking_memory_holds_two_chunks_at_most_and_is_let_go(tmp_path, monkeypatch):
    from grader import grade

    monkeypatch.setattr(grade, "CHUNK", 4)
    folder = _class_of(tmp_path / "class", [f"{n + 1}CD + D" for n in range(40)])
    held = []
    with BoundedChecker(RUBRIC, jobs=1) as checker:

        def progress(done, total):
            run = checker._run
            held.append(0 if run is None else len(run.tasks) + len(run.results))

        grade_paths(RUBRIC, [folder], checker=checker, on_progress=progress)
        assert checker._run is None
        empty = tmp_path / "empty"
        empty.mkdir()
        grade_paths(RUBRIC, [empty], checker=checker)  # no file: nothing started
        assert checker._run is None
    assert max(held) <= 2 * 4  # the next chunk's answers, at most


def test_poll_takes_replies_and_sends_the_next_batch_without_waiting(tmp_path, monkeypatch):
    # `grade_paths` polls while it reads and stores: the worker's replies are taken and its
    # next batch sent then, not only when a set is waited for.
    monkeypatch.setenv(STARTED, str(tmp_path))
    tasks = [Task("b.params", f"{n}CD + D") for n in range(1, workers.MAX_BATCH + 4)]
    with BoundedChecker(RUBRIC, jobs=1, work=leave_a_mark) as checker:
        waiting = checker.start(tasks)  # the first batch: MAX_BATCH tasks
        for _ in range(2400):  # a hang guard, not a speed assertion
            checker.poll()
            if len(list(tmp_path.iterdir())) == len(tasks):
                break
            time.sleep(0.025)
        # every task begun: the last ones were sent by a poll
        assert len(list(tmp_path.iterdir())) == len(tasks)
        results = waiting()
    assert results == InlineChecker(RUBRIC).check(tasks)


def test_grade_paths_polls_its_checker_while_it_reads_and_stores(tmp_path):
    from grader.grade import POLL_EVERY

    events = []

    class Polled(InlineChecker):
        def poll(self):
            events.append("poll")

    paths = _write_class(tmp_path / "class", 2 * CHUNK + 1)
    grade_paths(
        RUBRIC,
        paths,
        checker=Polled(RUBRIC),
        on_placed=lambda placed: events.append("placed"),
        on_chunk=lambda results: events.append("stored"),
    )
    # a poll every POLL_EVERY files read, and one between placing and storing each chunk
    reads = sum(-(-size // POLL_EVERY) for size in (CHUNK, CHUNK, 1))
    assert events.count("poll") == reads + 3
    assert events.count("placed") == events.count("stored") == 3
    for at, event in enumerate(events):
        if event == "placed":
            assert events[at + 1 : at + 3] == ["poll", "stored"]


def test_a_poll_starts_no_worker_in_place_of_one_gone(tmp_path):
    # Workers are started when a set is started or waited for, where their failed starts
    # are counted against it: a poll only takes what the workers said and sends batches.
    import signal

    tasks = [Task("b.params", "9CD + D"), Task("b.params", "CD")]
    with BoundedChecker(RUBRIC, jobs=1) as checker:
        (worker,) = checker._workers
        os.kill(worker.process.pid, signal.SIGKILL)  # dies idle
        worker.process.join()
        waiting = checker.start(tasks)
        for _ in range(3):
            checker.poll()
        assert checker._workers == []  # the dead one seen and let go, none started
        assert waiting() == InlineChecker(RUBRIC).check(tasks)  # started for the wait
