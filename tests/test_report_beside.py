"""A large class's report with each student's work done beside the main process
(`html_report.write_stored_report`, `page_processes.ClassProcesses`): children are sent
their share of the gradebook's rows (and never open it), apply the overrides, write the
pages and make the CSV rows, the JSON entries and their part of the overview; the main
process writes them in class order. Every
file is byte for byte the report written in one process (`write_html_report` from
`gradebook.iter_results`), with a roster, with students graded under another version of the
rubric, with overrides, with damaged rows (warned about in the same words, in the same
order) and with ids that differ only by case (the same page names); the overview merged from
parts is the overview added one student at a time; a child failing fails the report and
leaves the old files whole; the chunks waiting for a slower child stay few. Tests force the
children on a small class (`PROCESSES_FROM`, `CLASS_CHUNK`); the speed is measured by
`/work/briefs/phases.py`-style runs recorded in docs/performance.md, not asserted here."""

from __future__ import annotations

import errno
import functools
import multiprocessing
import os
import pickle
import random
import signal
import socket
import sqlite3
import threading
import time
from dataclasses import replace
from pathlib import Path

import pytest
from report_files import (
    close_pipes_then_die,
    drawn_class,
    fail_page_on,
    files,
    kill_self,
    raise_error,
    temporaries,
)

from grader import cli, gradebook, html_report, page_processes
from grader.html_report import ClassOverview, page_names
from grader.model import Batch
from grader.report import OutputError
from grader.roster import read_roster
from grader.rubric import load_rubric_text

needs_fork = pytest.mark.skipif(not page_processes.can_fork(), reason="needs fork")


def store(db: Path, run, results, earlier: int = 0) -> None:
    """`results` stored in a gradebook at `db`, the first `earlier` of them under an earlier
    version of the rubric (its text with a comment more: another SHA-256)."""
    rubric = run.rubric
    connection = gradebook.connect(db)
    try:
        if earlier:
            text = rubric.source_text + "\n# an earlier version\n"
            old = load_rubric_text(text, rubric.path)
            assert old.sha256 != rubric.sha256
            old_run = gradebook.start_run(connection, old, text)
            gradebook.store_submissions(connection, old_run, rubric.id, results[:earlier])
        run_id = gradebook.start_run(connection, rubric, rubric.source_text)
        gradebook.store_submissions(connection, run_id, rubric.id, results[earlier:])
    finally:
        connection.close()


def damage(db: Path, student: str) -> str:
    """The student's first stored item's feedback made unreadable; the item's id."""
    connection = gradebook.connect(db)
    with connection:
        (item_id,) = connection.execute(
            "SELECT item_id FROM item_results WHERE student = ? ORDER BY item_id LIMIT 1",
            (student,),
        ).fetchone()
        connection.execute(
            "UPDATE item_results SET feedback = 'not a list' WHERE student = ? AND item_id = ?",
            (student, item_id),
        )
    connection.close()
    return item_id


def override(db: Path, question: str, targets: list[tuple[str, str]], marks: float) -> None:
    connection = gradebook.connect(db)
    gradebook.record_overrides(connection, question, targets, marks, "checked by hand", "ta")
    connection.close()


def report(
    db: Path, out: Path, monkeypatch, beside: bool, roster=None, chunk: int = 7, processes=2
):
    """`grader report`'s outputs, the students' work beside (in `processes` children, chunks
    of `chunk`) or, as for a small class, all in this process."""
    with monkeypatch.context() as patch:
        if beside:
            patch.setattr(page_processes, "PROCESSES_FROM", 0)
            patch.setattr(html_report, "CLASS_CHUNK", chunk)
            patch.setattr(html_report, "_page_processes", lambda asked: processes)
        else:
            patch.setattr(page_processes, "PROCESSES_FROM", 10**9)
        cli.rebuild_outputs(db, out, roster, mixed_rubrics=True)


def said(capsys, out: Path) -> list[str]:
    """What the report said on stderr, its output folder written OUT."""
    return capsys.readouterr().err.replace(str(out), "OUT").splitlines()


def first_item(run) -> str:
    return next(iter(run.rubric.items))


@pytest.fixture
def roster_file(tmp_path) -> Path:
    path = tmp_path / "roster.csv"
    rows = ["id,name,email"] + [
        f"student-{n:03d},Name {n},s{n}@example.org" for n in range(0, 60, 2)
    ]
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return path


@needs_fork
@pytest.mark.parametrize(
    ("size", "chunk", "earlier", "with_roster"),
    [
        pytest.param(60, 7, 0, False, id="many chunks and a remainder"),
        pytest.param(60, 7, 9, True, id="a roster and students graded under another rubric"),
        pytest.param(21, 7, 0, False, id="whole chunks only"),
        pytest.param(1, 7, 0, False, id="one student"),
        pytest.param(30, 64, 0, False, id="one chunk for the class"),
    ],
)
def test_every_file_written_beside_is_the_file_written_in_one_process(
    seed_class,
    tmp_path,
    monkeypatch,
    capsys,
    roster_file,
    size,
    chunk,
    earlier,
    with_roster,
    new_children,
):
    run, example = seed_class
    results = drawn_class(example, size, size)
    db = tmp_path / "gradebook.sqlite"
    store(db, run, results, earlier)
    override(db, run.rubric.id, [(results[0].student, first_item(run))], 0.5)
    roster = read_roster(roster_file) if with_roster else None

    report(db, tmp_path / "alone", monkeypatch, beside=False, roster=roster)
    said_alone = said(capsys, tmp_path / "alone")
    report(db, tmp_path / "beside", monkeypatch, beside=True, roster=roster, chunk=chunk)
    said_beside = said(capsys, tmp_path / "beside")

    assert files(tmp_path / "beside") == files(tmp_path / "alone")
    assert said_beside == said_alone
    assert len(list((tmp_path / "beside" / "students").glob("*.html"))) == size
    assert temporaries(tmp_path) == []
    assert new_children() == []


@needs_fork
def test_damaged_rows_are_left_out_and_warned_about_in_the_same_words_and_order(
    seed_class, tmp_path, monkeypatch, capsys
):
    run, example = seed_class
    results = drawn_class(example, 3, 40)
    db = tmp_path / "gradebook.sqlite"
    store(db, run, results)
    damaged = {
        student: damage(db, student) for student in ("student-004", "student-005", "student-031")
    }

    report(db, tmp_path / "alone", monkeypatch, beside=False)
    said_alone = said(capsys, tmp_path / "alone")
    report(db, tmp_path / "beside", monkeypatch, beside=True, chunk=4)
    said_beside = said(capsys, tmp_path / "beside")

    assert files(tmp_path / "beside") == files(tmp_path / "alone")
    assert said_beside == said_alone
    assert said_beside[:3] == [
        f"warning: the gradebook's row for student '{student}', item '{item_id}' is "
        "damaged (its feedback is not valid JSON); the student is left out: grade their "
        "submission again to repair it"
        for student, item_id in damaged.items()
    ]
    assert len(list((tmp_path / "beside" / "students").glob("*.html"))) == 37


@needs_fork
@pytest.mark.parametrize(
    "damaged",
    [
        pytest.param(None, id="the later id gets the whole digest"),
        pytest.param("Bob", id="the earlier id damaged: the later one keeps the short name"),
    ],
)
def test_ids_that_differ_only_by_case_get_the_pages_they_get_in_one_process(
    seed_class, tmp_path, monkeypatch, capsys, damaged
):
    run, example = seed_class
    # "Bob" and "bob" share a page name but for case: the second gets the whole digest,
    # unless the first is left out; they are in different chunks (of 3)
    ids = [f"student-{n:03d}" for n in range(12)]
    ids[2], ids[7], ids[8] = "Bob", "bob", "BOB"
    results = drawn_class(example, 5, len(ids), ids)
    db = tmp_path / "gradebook.sqlite"
    store(db, run, results)
    if damaged:
        damage(db, damaged)

    report(db, tmp_path / "alone", monkeypatch, beside=False)
    said_alone = said(capsys, tmp_path / "alone")
    report(db, tmp_path / "beside", monkeypatch, beside=True, chunk=3)
    said_beside = said(capsys, tmp_path / "beside")

    assert files(tmp_path / "beside") == files(tmp_path / "alone")
    assert said_beside == said_alone
    names = sorted(path.name for path in (tmp_path / "beside" / "students").glob("[Bb]*.html"))
    assert [len(name) for name in names] == ([73, 19] if damaged else [73, 19, 73])


@needs_fork
def test_a_rerun_beside_leaves_unchanged_pages_alone_and_removes_stale_ones(
    seed_class, tmp_path, monkeypatch
):
    run, example = seed_class
    results = drawn_class(example, 8, 30)
    db = tmp_path / "gradebook.sqlite"
    store(db, run, results)
    out = tmp_path / "out"
    report(db, out, monkeypatch, beside=True)
    pages = out / "students"
    before = {path.name: os.stat(path) for path in pages.glob("*.html")}

    connection = gradebook.connect(db)
    with connection:
        connection.execute("DELETE FROM item_results WHERE student = 'student-029'")
        connection.execute("DELETE FROM submissions WHERE student = 'student-029'")
        connection.execute(
            "UPDATE submissions SET warnings = '[\"something new\"]' WHERE student = ?",
            ("student-005",),
        )
    connection.close()
    report(db, out, monkeypatch, beside=True)
    after = {path.name: os.stat(path) for path in pages.glob("*.html")}

    names = page_names(Batch(results=results))
    gone, rewritten = names["student-029"], names["student-005"]
    assert set(after) == set(before) - {gone}
    untouched = {
        name
        for name in after
        if (after[name].st_ino, after[name].st_mtime_ns)
        == (before[name].st_ino, before[name].st_mtime_ns)
    }
    assert untouched == set(after) - {rewritten}
    report(db, tmp_path / "alone", monkeypatch, beside=False)
    assert files(out / "students") == files(tmp_path / "alone" / "students")
    assert temporaries(tmp_path) == []


@needs_fork
@pytest.mark.parametrize(
    ("how", "message"),
    [
        pytest.param(
            raise_error,
            "cannot write the students' pages in {students}: {page} could not be rendered "
            "(RuntimeError: the template broke)",
            id="a child raising",
        ),
        pytest.param(
            kill_self,
            "cannot write the students' pages in {students}: a process writing them stopped "
            "(killed by SIGKILL)",
            id="a child killed",
        ),
        pytest.param(
            close_pipes_then_die,
            "cannot write the students' pages in {students}: a process writing them stopped "
            "(killed by SIGKILL)",
            id="a child ending just after its pipe closed",  # said "closed its pipe" before
        ),
    ],
)
def test_a_child_failing_fails_the_report_and_leaves_the_old_files_whole(
    seed_class, tmp_path, monkeypatch, how, message, new_children
):
    run, example = seed_class
    db = tmp_path / "gradebook.sqlite"
    store(db, run, drawn_class(example, 1, 50))
    out = tmp_path / "out"
    report(db, out, monkeypatch, beside=False)
    before = files(out)

    new = drawn_class(example, 2, 50)  # other results for the same ids: every page changes
    store(db, run, new)
    monkeypatch.setattr(html_report.ClassRenderer, "page", fail_page_on("student-037", how))
    with pytest.raises(OutputError) as raised:
        report(db, out, monkeypatch, beside=True)
    page = page_names(Batch(results=new))["student-037"]
    assert str(raised.value) == message.format(students=out / "students", page=page)
    assert files(out) == before
    assert temporaries(tmp_path) == []
    assert new_children() == []


@needs_fork
@pytest.mark.parametrize("others", [0.0, 0.05], ids=["the other child quick", "slow too"])
def test_replies_waiting_for_a_slower_child_stay_few(seed_class, tmp_path, monkeypatch, others):
    # The child with the first chunk stops on its first page until the main process waits
    # for it, with REORDERED chunks a child sent to the children and not given back (or, were
    # there no such bound, until every chunk is sent): the other child's replies wait
    # meanwhile. Its other pages take `others` seconds each: a slow other child makes the
    # main process wait for a free child too, with a chunk not yet sent, which is not the
    # bound (so counted, under load, the test failed).
    run, example = seed_class
    db = tmp_path / "gradebook.sqlite"
    store(db, run, drawn_class(example, 4, 80))
    release = tmp_path / "release"

    def wait_for_release():
        for _ in range(6000):  # a hang guard, not a speed assertion
            if release.exists():
                return
            time.sleep(0.01)

    page = html_report.ClassRenderer.page

    def first_waits(self, result):
        if result.student == "student-000":
            wait_for_release()
        elif others:
            time.sleep(others)
        return page(self, result)

    monkeypatch.setattr(html_report.ClassRenderer, "page", first_waits)
    waiting = []
    send, collect = page_processes.ClassProcesses.send, page_processes.ClassProcesses._collect

    def counted(self, rows, names, item_rows):
        send(self, rows, names, item_rows)
        waiting.append(len(self._sent))
        if len(waiting) == 40:
            release.touch()

    def collected(self):
        # the chunks sent to the children and not given back: replied to, or not yet
        given_to_children = sum(child.chunks for child in self._children) + len(self._replies)
        if given_to_children >= page_processes.REORDERED * len(self._children):
            release.touch()
        collect(self)

    monkeypatch.setattr(page_processes.ClassProcesses, "send", counted)
    monkeypatch.setattr(page_processes.ClassProcesses, "_collect", collected)
    report(db, tmp_path / "out", monkeypatch, beside=True, chunk=2)
    assert len(waiting) == 40
    # REORDERED chunks a child, and the one sent once the first is replied to
    assert max(waiting) == page_processes.REORDERED * 2 + 1
    monkeypatch.undo()
    report(db, tmp_path / "alone", monkeypatch, beside=False)
    assert files(tmp_path / "out") == files(tmp_path / "alone")


@pytest.mark.parametrize("seed", [1, 2, 3, 4])
def test_the_overview_merged_from_chunks_is_the_overview_added_one_student_at_a_time(
    seed_class, seed
):
    # chunks of random sizes, handed to two "children" at random, each sending a group
    # whole only the first time it meets it; merged in the class's order
    run, example = seed_class
    rng = random.Random(seed)
    results = drawn_class(example, seed, 120)
    pages = {s: f"../students/{name}" for s, name in page_names(Batch(results=results)).items()}
    whole = ClassOverview(run.rubric)
    for result in results:
        whole.add(result, pages[result.student])

    merged = ClassOverview(run.rubric)
    sent: list[set] = [set(), set()]
    start = 0
    while start < len(results):
        end = start + rng.randint(1, 15)
        part = ClassOverview(run.rubric)
        for result in results[start:end]:
            part.add(result, pages[result.student])
        merged.merge(part.part(rng.choice(sent)))
        start = end

    failures = example.failures
    assert merged.render(failures) == whole.render(failures)
    assert merged.students == whole.students
    assert merged.notes == whole.notes
    assert [(i, [vars(g) for g in gs]) for i, gs in merged.answer_groups()] == [
        (i, [vars(g) for g in gs]) for i, gs in whole.answer_groups()
    ]
    assert merged.review_queue() == whole.review_queue()
    assert merged.unreadable_groups() == whole.unreadable_groups()
    assert merged.mistakes() == whole.mistakes()


def test_a_result_with_an_item_of_another_rubric_version_merges_as_it_adds(seed_class):
    run, example = seed_class
    result = example.results[0]
    extra = replace(next(iter(result.items.values())), item_id="gone")
    odd = replace(result, items={**result.items, "gone": extra})
    whole, part = ClassOverview(run.rubric), ClassOverview(run.rubric)
    whole.add(odd, "p")
    part.add(odd, "p")
    merged = ClassOverview(run.rubric)
    merged.merge(part.part(set()))
    assert merged.render([]) == whole.render([])


@needs_fork
def test_grader_grade_writes_the_same_report_with_its_students_work_beside(
    tmp_path, monkeypatch, new_children
):
    # the gradebook `grade` has just written, read for the children: every row of it
    root = Path(__file__).resolve().parent.parent
    command = ["grade", str(root / "submissions" / "22-52-q4"), "--rubric",
               str(root / "rubrics" / "22-52-q4.yaml"), "--jobs", "1"]  # fmt: skip
    with monkeypatch.context() as patch:
        patch.setattr(page_processes, "PROCESSES_FROM", 10**9)
        assert cli.main([*command, "--out", str(tmp_path / "alone")]) == 0
    with monkeypatch.context() as patch:
        patch.setattr(page_processes, "PROCESSES_FROM", 0)
        patch.setattr(html_report, "CLASS_CHUNK", 3)
        patch.setattr(html_report, "_page_processes", lambda asked: 2)
        assert cli.main([*command, "--out", str(tmp_path / "beside")]) == 0

    def report_files(out: Path) -> dict[str, bytes]:
        return {
            name: data
            for name, data in files(out).items()
            if name.startswith(("students/", "instructor/"))
        }

    assert report_files(tmp_path / "beside") == report_files(tmp_path / "alone")
    assert len(report_files(tmp_path / "beside")) == 8 + 3 + 4  # pages, outputs, fonts
    assert new_children() == []


@needs_fork
def test_the_report_is_written_here_when_no_child_can_be_started(seed_class, tmp_path, monkeypatch):
    run, example = seed_class
    db = tmp_path / "gradebook.sqlite"
    store(db, run, drawn_class(example, 6, 20))
    started = []

    def cannot_fork(process):
        started.append(process)
        raise BlockingIOError(errno.EAGAIN, "Resource temporarily unavailable")

    with monkeypatch.context() as patch:
        patch.setattr(multiprocessing.process.BaseProcess, "start", cannot_fork)
        report(db, tmp_path / "fallback", monkeypatch, beside=True)
    report(db, tmp_path / "alone", monkeypatch, beside=False)
    # the class's children, then (the report written here as for a small class) its pages'
    assert len(started) == 2
    assert files(tmp_path / "fallback") == files(tmp_path / "alone")
    assert temporaries(tmp_path) == []


def test_no_child_is_forked_while_another_thread_runs(seed_class, tmp_path, monkeypatch):
    # `grader serve` rebuilds the report in a thread of its threaded server
    run, example = seed_class
    db = tmp_path / "gradebook.sqlite"
    store(db, run, drawn_class(example, 7, 20))

    def no_process(*_args):
        raise AssertionError("a process was forked beside another thread")

    stop = threading.Event()
    other = threading.Thread(target=stop.wait)
    other.start()
    try:
        with monkeypatch.context() as patch:
            patch.setattr(page_processes, "ClassProcesses", no_process)
            patch.setattr(page_processes, "PageProcesses", no_process)
            patch.setattr(page_processes, "PROCESSES_FROM", 0)
            cli.rebuild_outputs(db, tmp_path / "threaded")
    finally:
        stop.set()
        other.join()
    report(db, tmp_path / "alone", monkeypatch, beside=False)
    assert files(tmp_path / "threaded") == files(tmp_path / "alone")


@needs_fork
def test_no_child_opens_the_gradebook(seed_class, tmp_path, monkeypatch, new_children):
    # A child forked while this process has the gradebook open would inherit SQLite's record
    # of the locks this process holds on it, and its own connection would take none: the
    # children are sent the rows and never open a connection.
    run, example = seed_class
    db = tmp_path / "gradebook.sqlite"
    store(db, run, drawn_class(example, 9, 20))
    report(db, tmp_path / "alone", monkeypatch, beside=False)
    opened = tmp_path / "opened"

    def no_connection(*args, **kwargs):
        opened.write_text(f"{os.getpid()} opened {args}")  # said from a child as well
        raise AssertionError("a connection to the gradebook was opened")

    connection = gradebook.connect(db)
    try:
        with monkeypatch.context() as patch:
            patch.setattr(html_report, "CLASS_CHUNK", 3)
            patch.setattr(sqlite3, "connect", no_connection)
            with gradebook.one_state(connection):
                html_report.write_stored_report(
                    run.rubric,
                    gradebook.stored_submissions(connection, run.rubric.id),
                    functools.partial(gradebook.stored_item_rows, connection, run.rubric.id),
                    [], tmp_path / "beside", {}, processes=2,
                )  # fmt: skip
    finally:
        connection.close()
    assert not opened.exists()
    assert files(tmp_path / "beside") == files(tmp_path / "alone")
    assert new_children() == []


def socket_buffers() -> int:
    """What one end of a local socket holds unread: a message longer than this is sent only
    as the other end reads it."""
    ours, theirs = socket.socketpair()
    with ours, theirs:
        return ours.getsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF) + theirs.getsockopt(
            socket.SOL_SOCKET, socket.SO_RCVBUF
        )


class Hung(Exception):  # noqa: N818  not an OSError: the report must not take it for one
    pass


@pytest.fixture
def hang_guard():
    """A test that would wait for ever fails instead (a hang guard, not a speed assertion)."""

    def hung(*_args):
        raise Hung("the report waited for ever")

    previous = signal.signal(signal.SIGALRM, hung)
    signal.alarm(120)
    yield
    signal.alarm(0)
    signal.signal(signal.SIGALRM, previous)


def long_class(example: Batch, size: int):
    """A drawn class whose answers are long: each chunk of 20 and each reply is more than a
    socket's buffer holds."""
    long_text = "x_{i} + " * 2000
    return [
        replace(result, items={
            item_id: replace(item, answer=f"{item.answer} {long_text}")
            for item_id, item in result.items.items()
        })
        for result in drawn_class(example, 10, size)
    ]  # fmt: skip


@needs_fork
def test_chunks_and_replies_larger_than_a_sockets_buffer_never_wait_on_each_other(
    seed_class, tmp_path, monkeypatch, hang_guard, new_children
):
    # A chunk of rows and a child's reply to the one before, each too long for the socket to
    # hold: were the child not receiving while it sends, the main process's send and the
    # child's would each wait for the other to read, for ever.
    run, example = seed_class
    db = tmp_path / "gradebook.sqlite"
    store(db, run, long_class(example, 120))
    sizes = {"chunk": 0, "reply": 0}
    send, take = page_processes.ClassProcesses._send_to_one, page_processes.ClassProcesses._take

    def sent(self, chunk):
        sizes["chunk"] = max(sizes["chunk"], len(pickle.dumps(chunk)))
        send(self, chunk)

    def taken(self, reply):
        sizes["reply"] = max(sizes["reply"], len(pickle.dumps(reply)))
        take(self, reply)

    monkeypatch.setattr(page_processes.ClassProcesses, "_send_to_one", sent)
    monkeypatch.setattr(page_processes.ClassProcesses, "_take", taken)
    report(db, tmp_path / "beside", monkeypatch, beside=True, chunk=20)
    assert min(sizes.values()) > socket_buffers()
    monkeypatch.undo()
    report(db, tmp_path / "alone", monkeypatch, beside=False)
    assert files(tmp_path / "beside") == files(tmp_path / "alone")
    assert new_children() == []


@needs_fork
def test_a_child_failing_while_sent_a_long_chunk_says_why(
    seed_class, tmp_path, monkeypatch, hang_guard, new_children
):
    # The child replies why it failed and ends while the main process is still sending it the
    # next chunk, whose send then fails: the reply is read all the same.
    run, example = seed_class
    results = long_class(example, 60)
    db = tmp_path / "gradebook.sqlite"
    store(db, run, results)
    out = tmp_path / "out"
    page = page_names(Batch(results=results))["student-000"]
    (out / "students" / page).mkdir(parents=True)  # a folder in the first page's place
    with pytest.raises(OutputError) as raised:
        report(db, out, monkeypatch, beside=True, chunk=20)
    assert str(raised.value) == f"cannot write {out / 'students' / page}: it is a folder"
    assert temporaries(tmp_path) == []
    assert new_children() == []


@needs_fork
def test_a_chunk_a_child_cannot_receive_fails_the_report_and_says_why(
    seed_class, tmp_path, monkeypatch, hang_guard, new_children
):
    # The child's receiving thread fails part of the way through the second chunk (out of
    # memory): the rest of what is sent is dropped, so that the main process's send ends and
    # it reads the child's reply, instead of each waiting for the other for ever.
    run, example = seed_class
    db = tmp_path / "gradebook.sqlite"
    store(db, run, long_class(example, 60))
    out = tmp_path / "out"
    report(db, out, monkeypatch, beside=False)
    before = files(out)
    parent, receive = os.getpid(), multiprocessing.connection.Connection.recv
    received = []

    def out_of_memory_on_the_second(self):
        if os.getpid() != parent:
            received.append(None)  # the child's own copy of the list
            if len(received) == 2:
                self._recv(4096)  # some of the chunk's bytes read
                raise MemoryError("no memory for the chunk")
        return receive(self)

    monkeypatch.setattr(multiprocessing.connection.Connection, "recv", out_of_memory_on_the_second)
    with pytest.raises(OutputError) as raised:
        report(db, out, monkeypatch, beside=True, chunk=20, processes=1)
    assert str(raised.value) == (
        f"cannot write the students' pages in {out / 'students'}: a chunk of the class could "
        "not be received (MemoryError: no memory for the chunk)"
    )
    assert files(out) == before
    assert temporaries(tmp_path) == []
    assert new_children() == []


def test_equal_texts_and_rows_of_a_chunk_are_read_as_one_object_and_pickled_once(
    seed_class, tmp_path
):
    run, example = seed_class
    db = tmp_path / "gradebook.sqlite"
    store(db, run, drawn_class(example, 11, 30))
    connection = gradebook.connect(db)
    try:
        chunk = gradebook.stored_submissions(connection, run.rubric.id).fetchall()
        rows = gradebook.stored_item_rows(connection, run.rubric.id, chunk)
        plain = connection.execute(
            f"SELECT student, {gradebook._STORED_ITEM_COLUMNS} FROM item_results"
        ).fetchall()
    finally:
        connection.close()
    assert sorted(((student, *row) for student, row in rows), key=repr) == sorted(plain, key=repr)
    texts = [value for _, row in rows for value in row if isinstance(value, str)]
    one = {}
    assert all(one.setdefault(text, text) is text for text in texts)
    assert len(set(map(id, texts))) == len(set(texts)) < len(texts)
    students = {student: student for student, _, _ in chunk}
    assert all(students[student] is student for student, _ in rows)  # the chunk's own
    distinct = {}
    assert all(distinct.setdefault(row, row) is row for _, row in rows)
    assert len(distinct) < len(rows)
    sent = pickle.dumps((chunk, rows))
    assert len(sent) < len(pickle.dumps((chunk, plain))) / 2


@needs_fork
def test_a_gradebook_that_cannot_be_read_midway_fails_the_report_and_leaves_the_old_files_whole(
    seed_class, tmp_path, monkeypatch, new_children
):
    run, example = seed_class
    db = tmp_path / "gradebook.sqlite"
    store(db, run, drawn_class(example, 9, 20))
    out = tmp_path / "out"
    report(db, out, monkeypatch, beside=False)
    before = files(out)
    read = gradebook.stored_item_rows
    chunks = []

    def failing_on_the_third(connection, question, chunk):
        chunks.append(chunk)
        if len(chunks) == 3:
            raise sqlite3.OperationalError("disk I/O error")
        return read(connection, question, chunk)

    monkeypatch.setattr(gradebook, "stored_item_rows", failing_on_the_third)
    with pytest.raises(sqlite3.OperationalError, match="disk I/O error"):
        report(db, out, monkeypatch, beside=True, chunk=3)
    assert len(chunks) == 3
    assert files(out) == before
    assert temporaries(tmp_path) == []
    assert new_children() == []


def test_one_state_reads_one_state_of_the_gradebook_and_ends_without_writing(tmp_path):
    db = tmp_path / "gradebook.sqlite"
    reader, writer = gradebook.connect(db), gradebook.connect(db)
    try:
        with writer:
            writer.execute("CREATE TABLE t (x)")
            writer.execute("INSERT INTO t VALUES (1)")
        with gradebook.one_state(reader):
            assert reader.execute("SELECT count(*) FROM t").fetchone() == (1,)
            with writer:
                writer.execute("INSERT INTO t VALUES (2)")
            assert reader.execute("SELECT count(*) FROM t").fetchone() == (1,)
        assert not reader.in_transaction
        assert reader.execute("SELECT count(*) FROM t").fetchone() == (2,)
        with pytest.raises(RuntimeError), gradebook.one_state(reader):
            raise RuntimeError("a failure within")
        assert not reader.in_transaction
    finally:
        reader.close()
        writer.close()
