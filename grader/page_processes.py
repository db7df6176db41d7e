"""Students' pages rendered and written in child processes, beside the main process's work on
a question's report (the CSV, the JSON, the overview and the order of the class).

The main process names each page (`html_report.PageNames`, in class order) and sends the
children chunks of `CHUNK` students, each a result as a tuple of plain values (`encode`: str,
float, int, None and tuples of them, cheap to pickle) with the name of its page. A child
rebuilds the result (`decode`), renders the page (`html_report.render_student`) and writes it
as `FolderWriter.write` would (`report.PagesBeside`): a file already holding the page is left
alone, else the page goes to a temporary file in the folder, whose name the child sends back.
The main process adopts those temporary files into its `FolderWriter`, which syncs them and
puts them in place with the others when it is left: the guarantees of a report written in one
process hold (old files whole until then, unchanged pages untouched).

For a large class read from the gradebook (`html_report.write_stored_report`: `grader report`,
`grader grade --out`), `ClassProcesses` gives the children all of each student's work but the
reading: the main process reads the gradebook's rows of a chunk of students (plain values,
`gradebook.stored_item_rows`), names each page and sends them; a child makes the chunk's
results of them (`gradebook.results_of_rows`, what `iter_results` does), applies the
overrides, writes the pages and replies with the chunk's lines of grades.csv and results.json
and its part of the overview, which the main process writes and merges in the class's order.
A child never opens the gradebook: SQLite's record of the locks a process holds on a file
would cross the fork with the parent's open connection, and the child's own connection would
then take no lock of its own, reading unprotected by them. Both a chunk's rows and a reply are
larger than a socket's buffer, so a child receives in a thread of its own (`inbox`): the main
process's sending never waits for a child that is itself waiting to send its reply.

Each child holds at most `IN_FLIGHT` chunks (the one it renders and the one queued in its
pipe), so memory stays flat in the size of the class. Children are forked from the main
process, with its rubric and compiled templates; they die with it (`PR_SET_PDEATHSIG` on
Linux), ignore Ctrl-C (the main process decides and stops them) and are always reaped. A child
that raises or dies fails the report with an OutputError; the children are then stopped and
every temporary file of theirs is removed, so the old files stay whole. Where processes cannot
be forked, or not safely (another thread runs: `grader serve`), every page is rendered in the
main process, as it is for a small class (`PROCESSES_FROM`).

An exam of several questions (`exam_report.write_exam_report`) sends its children each
student's sheet, every question's result encoded (`ExamPageProcesses`); a child renders the
exam page (`exam_report.render_exam_student`) and writes it as a question's child does.
"""

from __future__ import annotations

import contextlib
import functools
import gc
import multiprocessing
import os
import queue
import signal
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, fields
from multiprocessing.connection import Connection, wait
from operator import attrgetter
from pathlib import Path

from grader.errors import GraderError
from grader.exam import Exam, QuestionClass, Sheet
from grader.model import ITEM_RESULT_FIELDS, ItemResult, Rubric, SubmissionResult
from grader.report import FolderWriter, OutputError, PagesBeside

PROCESSES_FROM = 300  # students whose pages the main process renders before children start;
# a class read from the gradebook this large has all its work done beside from the start
CHUNK = 16  # students a message: about 140 KB pickled, under a socket's buffer (212 KB)
IN_FLIGHT = 2  # chunks a child holds: the one it renders and the next, queued
ENDING_WAIT = 1.0  # seconds a child whose pipe closed has to end by itself, then stopped
REORDERED = 2 * IN_FLIGHT  # chunks a child of `ClassProcesses` sent and not yet given back


_RESULT_FIELDS = tuple(field.name for field in fields(SubmissionResult) if field.name != "items")
_item_values = attrgetter(*ITEM_RESULT_FIELDS)
_result_values = attrgetter(*_RESULT_FIELDS)


def encode(result: SubmissionResult) -> tuple:
    """A result as plain values, every field of it and of each item (`decode` undoes it)."""
    return _result_values(result), tuple(_item_values(item) for item in result.items.values())


def decode(values: tuple) -> SubmissionResult:
    """The result `encode` gave `values` for. Each object is made as pickle makes one, its
    fields set at once (a frozen dataclass's `__init__` sets each through
    `object.__setattr__`: a fifth of a child's work beside the page itself); neither class
    has a `__post_init__` to run (tests/test_pages_parallel.py)."""
    own, items = values
    rebuilt = {}
    for item_fields in items:
        item = _new(ItemResult)
        item.__dict__.update(zip(ITEM_RESULT_FIELDS, item_fields, strict=True))
        rebuilt[item_fields[0]] = item  # item_id comes first
    result = _new(SubmissionResult)
    result.__dict__.update(zip(_RESULT_FIELDS, own, strict=True))
    result.__dict__["items"] = rebuilt
    return result


_new = object.__new__


def can_fork() -> bool:
    """Whether children can be forked safely: where the system forks processes, and from a
    process with no other thread (`grader serve`'s threaded server: a child forked while
    another thread holds a lock, an import's or a cache's, would wait for it for ever)."""
    return "fork" in multiprocessing.get_all_start_methods() and threading.active_count() == 1


@dataclass
class _Child:
    process: multiprocessing.process.BaseProcess
    connection: Connection
    chunks: int = 0  # chunks sent and not yet answered


class PageProcesses:
    """`processes` children rendering and writing the students' pages of `rubric` into the
    folder of `pages` (a FolderWriter the caller holds for longer than this object). Use it as
    a context manager: `write` each page, then `finish` (which waits for the last pages and
    adopts their files into `pages`); leaving it stops and reaps the children, and when left
    by an exception removes every temporary file of theirs."""

    def __init__(self, rubric: Rubric, pages: FolderWriter, processes: int):
        self.rubric = rubric
        self.pages = pages
        self.processes = max(1, processes)
        self._children: list[_Child] = []
        self._chunk: list[tuple[str, tuple]] = []
        self._queued = 0  # results encoded in `_chunk`

    def __enter__(self) -> PageProcesses:
        from grader import workers  # started as the check workers are

        context = multiprocessing.get_context("fork")
        try:
            for _ in range(self.processes):
                ours, theirs = context.Pipe()
                target, arguments = self._work()
                process = context.Process(
                    target=target,
                    args=(
                        theirs,
                        # the parent's ends, which the child must not hold: it ends when
                        # the parent closes its end
                        [ours, *(child.connection for child in self._children)],
                        os.getpid(),
                        *arguments,
                    ),
                    name="grader-pages",
                    daemon=True,
                )
                with workers.stop_signals_blocked():
                    process.start()
                    self._children.append(_Child(process, ours))
                theirs.close()
        except BaseException:
            self._stop(failed=True)
            raise
        return self

    def _work(self) -> tuple[Callable, tuple]:
        """What a child runs, and its arguments after its pipe, the parent's ends and the
        parent's pid."""
        page = functools.partial(_student_page, self.rubric)
        return _child_main, (page, self.pages.folder, self.pages.without_pages)

    def write(self, name: str, result: SubmissionResult) -> None:
        """The page `name` of `result`, rendered and written by a child."""
        self._queue(name, encode(result))

    def _queue(self, name: str, values: tuple, results: int = 1) -> None:
        """The page `name` of `values` (`results` results encoded) queued for a child; the
        queue sent once it holds CHUNK results: a message under a socket's buffer, so that a
        send never waits for a child still rendering its chunk before."""
        self._chunk.append((name, values))
        self._queued += results
        if self._queued >= CHUNK:
            self._send()

    def finish(self) -> None:
        """Wait for every page sent; their files are then the writer's to put in place."""
        if self._chunk:
            self._send()
        while any(child.chunks for child in self._children):
            self._collect()

    def __exit__(self, exc_type, *_exc_info) -> None:
        self._stop(failed=exc_type is not None)

    def _send(self) -> None:
        chunk, self._chunk, self._queued = self._chunk, [], 0
        self._send_to_one(chunk)

    def _send_to_one(self, chunk) -> None:
        """`chunk` sent to the child with the fewest chunks, once it holds fewer than
        IN_FLIGHT (taking replies until one does)."""
        while True:
            child = min(self._children, key=lambda c: c.chunks)
            if child.chunks < IN_FLIGHT:
                break
            self._collect()
        try:
            child.connection.send(chunk)
        except OSError:
            raise self._died(child) from None
        child.chunks += 1

    def _collect(self) -> None:
        """Wait for at least one reply (or a child's end) and take every reply there is."""
        busy = [child for child in self._children if child.chunks]
        wait([child.connection for child in busy] + [child.process.sentinel for child in busy])
        for child in busy:
            while child.chunks and child.connection.poll():
                try:
                    reply = child.connection.recv()
                except (EOFError, OSError):
                    raise self._died(child) from None
                if reply[0] == "failed":
                    raise OutputError(reply[1])
                self._take(reply)
                child.chunks -= 1
            if child.chunks and child.process.exitcode is not None:
                raise self._died(child)
        # the pages adopted so far begin their way to the disk while the children write on
        self.pages.sync_meanwhile()

    def _take(self, reply: tuple) -> None:
        """A child's reply to a chunk: its pages' temporary files, the writer's now."""
        for temporary, name in reply[1]:
            self.pages.adopt(temporary, name)

    def _died(self, child: _Child) -> GraderError:
        """Why `child` stopped: the failure it replied, when it did (it may have done so while
        this process was still sending it a chunk), else how it ended."""
        with contextlib.suppress(EOFError, OSError):
            while child.connection.poll():
                reply = child.connection.recv()
                if reply[0] == "failed":
                    child.process.join()
                    return OutputError(reply[1])
        # A child that is ending (killed, crashed) closes its pipe a moment before its end can
        # be seen: given that moment, it is said to have ended as it did.
        child.process.join(timeout=ENDING_WAIT)
        if child.process.is_alive():  # its pipe closed, yet running: stopped all the same
            child.process.kill()
            child.process.join()
            why = "closed its pipe"
        else:
            child.process.join()
            why = _ended(child.process.exitcode)
        return OutputError(
            f"cannot write the students' pages in {self.pages.folder}: a process writing them "
            f"stopped ({why})"
        )

    def _stop(self, failed: bool) -> None:
        """Stop and reap every child: at once when `failed` (and remove the temporary files
        they wrote), else by closing their pipes, which they take as the end of the work."""
        children, self._children = self._children, []
        for child in children:
            if failed and child.process.is_alive():
                child.process.kill()
            with contextlib.suppress(OSError):
                child.connection.close()
        for child in children:
            child.process.join()
        if failed:
            self.pages.remove_strays()


def _ended(code: int | None) -> str:
    """How a child's exit code reads: a signal's name for a negative one."""
    if code is not None and code < 0:
        try:
            return f"killed by {signal.Signals(-code).name}"
        except ValueError:
            return f"killed by signal {-code}"
    return f"exit status {code}"


def _child_main(
    connection: Connection,
    parents: list[Connection],
    parent_pid: int,
    page: Callable[[tuple], bytes],
    folder: Path,
    fresh: bool,
) -> None:
    """A child's whole life: render (`page` of what was sent for it: `_student_page`,
    `_exam_page`) and write each chunk it is sent, reply with the temporary files it wrote
    (or why it could not), until the parent closes the pipe. It never prints. `fresh`: the
    writer found the folder without pages (`report.write_beside`'s)."""
    _begin(parents, parent_pid)
    try:
        beside = PagesBeside(folder, fresh)
    except GraderError as error:
        _reply_failed(connection, str(error))
        return
    for chunk in _chunks(connection):
        name = ""
        try:
            written = []
            for name, values in chunk:
                temporary = beside.write(name, page(values))
                if temporary is not None:
                    written.append((temporary, name))
            connection.send(("written", written))
        except GraderError as error:
            _reply_failed(connection, str(error))
            return
        except Exception as error:  # a bug: said, never a hang
            _reply_not_rendered(connection, folder, name, error)
            return


def _student_page(rubric: Rubric, values: tuple) -> bytes:
    """The student page of the result `encode` gave `values` for, UTF-8."""
    from grader.html_report import render_student

    return render_student(rubric, decode(values)).encode("utf-8")


class ExamPageProcesses(PageProcesses):
    """`PageProcesses` for the pages of an exam of several questions: `write` a student's
    `exam.Sheet` (each question's result, or None), rendered by a child as
    `exam_report.render_exam_student` renders it, with the `exam` and its `classes` (their
    rubrics and questions: a child forked with them, never sent them)."""

    def __init__(
        self, exam: Exam, classes: list[QuestionClass], pages: FolderWriter, processes: int
    ):
        super().__init__(classes[0].rubric, pages, processes)
        self.exam, self.classes = exam, classes

    def _work(self) -> tuple[Callable, tuple]:
        page = functools.partial(_exam_page, self.exam, self.classes)
        return _child_main, (page, self.pages.folder, self.pages.without_pages)

    def write(self, name: str, sheet: Sheet) -> None:  # type: ignore[override]
        """The exam page `name` of `sheet`, rendered and written by a child."""
        results = {
            question: None if result is None else encode(result)
            for question, result in sheet.results.items()
        }
        self._queue(name, (sheet.student, results, sheet.unread), len(results))


def _exam_page(exam: Exam, classes: list[QuestionClass], values: tuple) -> bytes:
    """The exam page of the sheet `ExamPageProcesses.write` sent as `values`, UTF-8."""
    from grader.exam_report import render_exam_student

    student, results, unread = values
    sheet = Sheet(
        student,
        {
            question: None if result is None else decode(result)
            for question, result in results.items()
        },
        unread,
    )
    return render_exam_student(exam, classes, sheet).encode("utf-8")


def _begin(parents: list[Connection], parent_pid: int) -> None:
    """A child's first steps."""
    # The parent's objects are ours too, shared with it until written: the collector must not
    # walk them (it would write to every page of them, and copy the parent's whole heap).
    gc.freeze()
    from grader.workers import become_child  # the check workers' first steps

    become_child(parent_pid, bounded=False)
    for end in parents:
        end.close()


class ClassProcesses(PageProcesses):
    """`processes` children doing all of a question's report but the reading of the gradebook
    and the writing of its files, for a class read from a gradebook: each is sent chunks of
    the class as the rows of `gradebook.stored_submissions` with their pages' names and their
    `gradebook.stored_item_rows` (`send`), makes the students' results of them
    (`gradebook.results_of_rows`), applies the `overrides`, renders and writes each page as
    `PageProcesses`'s children do,
    and replies with the chunk's `html_report.StoredChunk` (made by `ChunkOutputs`). The
    replies are given back in the order the chunks were sent (`ready`), with the students
    and names of each. At most IN_FLIGHT chunks a child are sent and not yet replied to, and
    REORDERED sent and not yet given back (replies wait for a slower child's reply to an
    earlier chunk): the memory is flat in the size of the class. The guarantees of
    `PageProcesses` hold."""

    def __init__(
        self,
        rubric: Rubric,
        pages: FolderWriter,
        processes: int,
        overrides: Mapping,
        versions: Mapping[str, str] | None = None,
        roster=None,
        holds: Mapping | None = None,
    ):
        super().__init__(rubric, pages, processes)
        self.overrides = overrides
        self.holds = holds
        self.versions = versions
        self.roster = roster
        self._sent: dict[int, tuple[list[str], list[str]]] = {}  # chunk -> students, names
        self._replies: dict[int, object] = {}  # chunk -> its StoredChunk, not yet given back
        self._next_sent = 0
        self._next_given = 0

    def _work(self) -> tuple[Callable, tuple]:
        return _class_child_main, (
            self.rubric,
            self.pages.folder,
            self.pages.without_pages,
            self.overrides,
            self.versions,
            self.roster,
            self.holds,
        )

    def send(
        self,
        rows: Sequence[tuple[str, str, str]],
        names: Sequence[str],
        item_rows: Sequence[tuple],
    ) -> None:
        """A chunk of the class: rows of `gradebook.stored_submissions`, their pages' names
        and their `gradebook.stored_item_rows`, to a child (waiting, when every child holds
        IN_FLIGHT chunks, for a reply)."""
        # A child slow on one chunk must not let the others' replies pile up behind it:
        # at most REORDERED chunks a child sent and not given back.
        while len(self._sent) >= REORDERED * len(self._children) and (
            self._next_given not in self._replies
        ):
            self._collect()
        number = self._next_sent
        self._next_sent += 1
        self._sent[number] = ([row[0] for row in rows], list(names))
        self._send_to_one((number, list(rows), list(names), list(item_rows)))

    def ready(self) -> Iterator[tuple[list[str], list[str], object]]:
        """The chunks replied to and not yet given back, in the order they were sent, as
        far as every earlier one has been: (its students, their names, its StoredChunk)."""
        while self._next_given in self._replies:
            number = self._next_given
            self._next_given += 1
            students, names = self._sent.pop(number)
            yield students, names, self._replies.pop(number)

    def finish(self) -> None:
        """Wait for a reply to every chunk sent (`ready` then gives them all)."""
        while any(child.chunks for child in self._children):
            self._collect()

    def _take(self, reply: tuple) -> None:
        _, number, written, chunk = reply
        for temporary, name in written:
            self.pages.adopt(temporary, name)
        self._replies[number] = chunk


def _class_child_main(
    connection: Connection,
    parents: list[Connection],
    parent_pid: int,
    rubric: Rubric,
    folder: Path,
    fresh: bool,
    overrides: Mapping,
    versions: Mapping[str, str] | None,
    roster,
    holds=None,
) -> None:
    """A `ClassProcesses` child's whole life: each chunk it is sent made into results, its
    pages rendered and written and the rest of the chunk's report made, the reply sent (or
    why it could not be), until the parent closes the pipe. It never prints, and never opens
    the gradebook."""
    from grader import gradebook, html_report
    from grader.overrides import current

    _begin(parents, parent_pid)
    sent: set[bytes] = set()  # the answer groups sent whole (`ClassOverview.part`)
    renderer = html_report.ClassRenderer(rubric)  # what students share, made once
    try:
        beside = PagesBeside(folder, fresh)
    except GraderError as error:
        _reply_failed(connection, str(error))
        return
    for message in inbox(connection):
        if isinstance(message, Exception):
            _reply_failed(
                connection,
                f"cannot write the students' pages in {folder}: a chunk of the class could "
                f"not be received ({type(message).__name__}: {message})",
            )
            return
        number, rows, names, item_rows = message
        name = ""
        try:
            outputs = html_report.ChunkOutputs(rubric, versions, roster, sent, renderer)
            written, damaged = [], []
            results = gradebook.results_of_rows(rubric, rows, item_rows)
            for index, (result, name) in enumerate(zip(results, names, strict=True)):
                if isinstance(result, str):
                    damaged.append((index, result))
                    continue
                result = current(result, overrides, holds)
                page = renderer.page(result)
                temporary = beside.write(name, page)
                if temporary is not None:
                    written.append((temporary, name))
                outputs.add(result, name)
            connection.send(("done", number, written, outputs.chunk(damaged)))
        except GraderError as error:
            _reply_failed(connection, str(error))
            return
        except Exception as error:  # a bug: said, never a hang
            _reply_not_rendered(connection, folder, name, error)
            return


def _chunks(connection: Connection) -> Iterator[list]:
    while True:
        try:
            yield connection.recv()
        except EOFError:
            return


_END = object()  # what `inbox`'s thread puts once the parent has closed its end


def inbox(connection: Connection) -> Iterator:
    """The messages the parent sends, received by a thread as they come, while this process
    (a page child, or grader/storing.py's writer) works on the one before: the parent's
    `send` of a message larger than the socket's buffer never waits for this process to be
    done with the one before, nor on this process's own send of a reply larger than it, each
    waiting for the other to read. At most the parent's messages in flight wait here (it
    sends no more: IN_FLIGHT for a page child). A message
    that could not be received comes as the exception that said so, the last; what the
    parent sends after it is read and dropped, so that its send still ends and it reads the
    reply saying why."""
    messages: queue.SimpleQueue = queue.SimpleQueue()

    def receive() -> None:
        try:
            while True:
                messages.put(connection.recv())
        except (EOFError, OSError):  # the parent's end closed
            messages.put(_END)
        except Exception as error:  # noqa: BLE001  said by the thread that works
            messages.put(error)
            with contextlib.suppress(OSError):  # the rest of the stream, unread: dropped
                while os.read(connection.fileno(), 1 << 16):
                    pass

    threading.Thread(target=receive, name="grader-inbox", daemon=True).start()
    while (message := messages.get()) is not _END:
        yield message
        if isinstance(message, Exception):
            return


def _reply_failed(connection: Connection, message: str) -> None:
    with contextlib.suppress(OSError):
        connection.send(("failed", message))


def _reply_not_rendered(connection: Connection, folder: Path, name: str, error: Exception) -> None:
    """A child's reply to a bug met rendering the page `name`: said, never a hang."""
    _reply_failed(
        connection,
        f"cannot write the students' pages in {folder}: {name} could not be rendered "
        f"({type(error).__name__}: {error})",
    )
