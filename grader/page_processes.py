"""Students' pages rendered and written in child processes, beside the main process's work on
a question's report (the CSV, the JSON, the overview and the order of the class).

The main process names each page (`html_report.PageNames`, in class order) and sends the
children chunks of `CHUNK` students, each a result as a tuple of plain values (`encode`: str,
float, int, None and tuples of them, cheap to pickle) with the name of its page. A child
rebuilds the result (`decode`), renders the page (`html_report.render_student`) and writes it
as `FolderWriter.write` would (`report.write_beside`): a file already holding the page is left
alone, else the page goes to a temporary file in the folder, whose name the child sends back.
The main process adopts those temporary files into its `FolderWriter`, which syncs them and
puts them in place with the others when it is left: the guarantees of a report written in one
process hold (old files whole until then, unchanged pages untouched).

Each child holds at most `IN_FLIGHT` chunks (the one it renders and the one queued in its
pipe), so memory stays flat in the size of the class. Children are forked from the main
process, with its rubric and compiled templates; they die with it (`PR_SET_PDEATHSIG` on
Linux), ignore Ctrl-C (the main process decides and stops them) and are always reaped. A child
that raises or dies fails the report with an OutputError; the children are then stopped and
every temporary file of theirs is removed, so the old files stay whole. Where processes cannot
be forked, or not safely (another thread runs: `grader serve`), every page is rendered in the
main process, as it is for a small class (`PROCESSES_FROM`) and an exam's report.
"""

from __future__ import annotations

import contextlib
import gc
import multiprocessing
import os
import signal
import threading
from collections.abc import Iterator
from dataclasses import dataclass, fields
from multiprocessing.connection import Connection, wait
from operator import attrgetter
from pathlib import Path

from grader.errors import GraderError
from grader.model import ITEM_RESULT_FIELDS, ItemResult, Rubric, SubmissionResult
from grader.report import FolderWriter, OutputError, write_beside

PROCESSES_FROM = 300  # students whose pages the main process renders before children start
CHUNK = 16  # students a message: about 140 KB pickled, under a socket's buffer (212 KB)
IN_FLIGHT = 2  # chunks a child holds: the one it renders and the next, queued


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

    def __enter__(self) -> PageProcesses:
        from grader import workers  # started as the check workers are

        context = multiprocessing.get_context("fork")
        try:
            for _ in range(self.processes):
                ours, theirs = context.Pipe()
                process = context.Process(
                    target=_child_main,
                    args=(
                        theirs,
                        # the parent's ends, which the child must not hold: it ends when
                        # the parent closes its end
                        [ours, *(child.connection for child in self._children)],
                        self.rubric,
                        self.pages.folder,
                        os.getpid(),
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

    def write(self, name: str, result: SubmissionResult) -> None:
        """The page `name` of `result`, rendered and written by a child."""
        self._chunk.append((name, encode(result)))
        if len(self._chunk) >= CHUNK:
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
        chunk, self._chunk = self._chunk, []
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
                for temporary, name in reply[1]:
                    self.pages.adopt(temporary, name)
                child.chunks -= 1
            if child.chunks and child.process.exitcode is not None:
                raise self._died(child)

    def _died(self, child: _Child) -> GraderError:
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
    rubric: Rubric,
    folder: Path,
    parent_pid: int,
) -> None:
    """A child's whole life: render and write each chunk it is sent, reply with the temporary
    files it wrote (or why it could not), until the parent closes the pipe. It never prints."""
    from grader.html_report import render_student

    # The parent's objects are ours too, shared with it until written: the collector must not
    # walk them (it would write to every page of them, and copy the parent's whole heap).
    gc.freeze()
    from grader.workers import become_child  # the check workers' first steps

    become_child(parent_pid, bounded=False)
    for end in parents:
        end.close()
    for chunk in _chunks(connection):
        name = ""
        try:
            written = []
            for name, values in chunk:
                page = render_student(rubric, decode(values)).encode("utf-8")
                temporary = write_beside(folder, name, page)
                if temporary is not None:
                    written.append((temporary, name))
            connection.send(("written", written))
        except GraderError as error:
            _reply_failed(connection, str(error))
            return
        except Exception as error:  # a bug: said, never a hang
            _reply_failed(
                connection,
                f"cannot write the students' pages in {folder}: {name} could not be rendered "
                f"({type(error).__name__}: {error})",
            )
            return


def _chunks(connection: Connection) -> Iterator[list]:
    while True:
        try:
            yield connection.recv()
        except EOFError:
            return


def _reply_failed(connection: Connection, message: str) -> None:
    with contextlib.suppress(OSError):
        connection.send(("failed", message))
