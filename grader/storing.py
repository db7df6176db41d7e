"""Store a large class's results in the gradebook from a process beside the main process.

Storing a chunk of results (`gradebook.store_submissions`: SQLite's inserts and its synced
commit) was about a third of the main process's work while a class of 10,000 was graded, all
of it on the grading's critical path: the reader and the check workers wait for the main
process. So, for a class of `STORE_BESIDE_FROM` files or more, a writer process stores them:
the main process makes each chunk's rows (`gradebook.submission_rows`, plain values) and
sends them, with the new checks met since the chunk before (`CachedChecker.take_checks`); the
writer writes each chunk in one transaction, as the main process did, and says so. A chunk is
counted as stored (`on_stored`) only once the writer has said it is committed.

The writer is forked before the main process opens the gradebook, and opens its own
connection: SQLite keeps, per process, a record of the locks the process holds on each file,
and a process forked with the gradebook open would inherit it and take no lock of its own
(docs/performance.md, "The children never open the gradebook").

Nothing is lost to the writer: the main process keeps each chunk it sent until the writer has
said it is stored (`IN_FLIGHT` chunks at most, then it waits). A writer that dies (killed
from outside, or unable to start) has those chunks, and every chunk after them, stored by the
main process itself, which says so once; a chunk the writer committed without saying so is
found stored as it is and left alone (`gradebook.store_rows`). A chunk the writer could not
store (the gradebook locked past its timeout, the disk full) raises the writer's error in the
main process, as storing it there would have.

The writer ignores Ctrl-C (the terminal's signal reaches the whole group: the main process
decides, and waits for the chunks sent to be stored before it says how many students were
stored) and dies with the main process (`PR_SET_PDEATHSIG`).
"""

from __future__ import annotations

import contextlib
import gc
import multiprocessing
import os
import sqlite3
import sys
from collections.abc import Callable, Sequence
from multiprocessing.connection import Connection
from pathlib import Path

from grader import gradebook
from grader.errors import printable
from grader.gradebook import StudentRows
from grader.page_processes import inbox
from grader.workers import (
    WORKER_GC_THRESHOLD,
    become_child,
    beside_wanted,
    stop_signals_blocked,
    threshold_from,
)

STORE_BESIDE_FROM = 2048  # files: a smaller class is stored by the main process
IN_FLIGHT = 4  # chunks sent to the writer and not yet said stored, at most
ENV_THRESHOLD = "GRADER_STORE_BESIDE_FROM"  # overrides `STORE_BESIDE_FROM` (tests, benches)

# What the main process sends for a chunk: (number, question, run id, rows, checks).
_Chunk = tuple[int, str, int, Sequence[StudentRows], Sequence[tuple]]


def store_beside_from() -> int:
    """The class size, in files, from which results are stored beside the main process."""
    return threshold_from(ENV_THRESHOLD, STORE_BESIDE_FROM)


def wanted(files: int) -> bool:
    """Whether a class of `files` files is stored beside the main process."""
    return beside_wanted(files, store_beside_from())


def _write(connection: sqlite3.Connection, chunk: _Chunk) -> None:
    """A chunk's checks and rows, written and committed in one transaction."""
    _number, question, run_id, rows, checks = chunk
    try:
        gradebook.write_check_rows(connection, checks)
        gradebook.store_rows(connection, run_id, question, rows)  # commits both
    except BaseException:
        with contextlib.suppress(sqlite3.Error):
            connection.rollback()
        raise


def _writer_main(connection: Connection, parents: Connection, db: str, parent_pid: int) -> None:
    """The writer's whole life, forked: write each chunk received, in order, and reply
    ("stored", number) once it is committed, or ("failed", number, error), until the parent
    closes the connection. Chunks are received by a thread (`page_processes.inbox`) as they
    come, so that the parent's send of a chunk never waits for the chunk before to be
    committed (`IN_FLIGHT` at most)."""
    become_child(parent_pid, bounded=False)
    parents.close()  # the parent's end, inherited: held here, it would never read as closed
    # What it inherited (modules, rubrics) is not walked again; what it makes is rows.
    gc.freeze()
    gc.set_threshold(*WORKER_GC_THRESHOLD)
    database: sqlite3.Connection | None = None
    for chunk in inbox(connection):  # received while the chunk before is written
        if chunk is None or isinstance(chunk, Exception):  # the end; or a chunk not received
            break  # whole: the parent stores it and the rest
        try:
            if database is None:
                database = gradebook.reopen(Path(db))
            _write(database, chunk)
            reply: tuple = ("stored", chunk[0])
        except Exception as error:  # said to the parent, which raises it
            reply = ("failed", chunk[0], _sendable(error))
        try:
            connection.send(reply)
        except OSError:  # the parent is gone
            break
    if database is not None:
        with contextlib.suppress(sqlite3.Error):
            database.close()
    os._exit(0)  # not the parent's exit handlers, nor its buffered output


def _sendable(error: Exception) -> Exception:
    """`error`, or, if pickle cannot carry it, a GradebookError saying what it was."""
    import pickle

    try:
        pickle.loads(pickle.dumps(error))
    except Exception:
        return gradebook.GradebookError(f"{type(error).__name__}: {error}")
    return error


class StoreBeside:
    """Stores chunks of results through a writer process forked now: create it before this
    process opens the gradebook at `db`. `store` sends a chunk (or stores it here, once the
    writer is gone); `wait` returns once every chunk sent is stored; `close` stops the
    writer. `on_stored(students)` is called for each chunk once it is stored, in order, with
    Ctrl-C held back while it counts."""

    def __init__(self, db: Path, on_stored: Callable[[int], None]):
        self.on_stored = on_stored
        self._sent: dict[int, tuple[_Chunk, int]] = {}  # number -> (chunk, students)
        self._numbered = 0
        self._lost_said = False
        context = multiprocessing.get_context("fork")
        ours, theirs = context.Pipe()
        process = context.Process(
            target=_writer_main,
            args=(theirs, ours, str(db), os.getpid()),
            name="grader-writer",
            daemon=True,
        )
        self._process: multiprocessing.process.BaseProcess | None = None
        self._connection: Connection | None = None
        try:
            with stop_signals_blocked():
                process.start()
                self._process, self._connection = process, ours
        except OSError as error:  # no process to be had (EAGAIN, ENOMEM): stored here
            ours.close()
            self._say_lost(f"it could not be started ({error.strerror or error})")
        theirs.close()

    def store(
        self,
        connection: sqlite3.Connection,
        question: str,
        run_id: int,
        rows: Sequence[StudentRows],
        checks: Sequence[tuple],
    ) -> None:
        """Store a chunk's `rows` and new `checks` (in the writer, or here on `connection`
        once the writer is gone), after those sent before."""
        chunk = (self._numbered, question, run_id, rows, checks)
        self._numbered += 1
        students = len({row[0] for row in rows})
        if self._connection is not None:
            self._receive(connection, IN_FLIGHT - 1)
        if self._connection is None:
            self._write_here(connection, chunk, students)
            return
        self._sent[chunk[0]] = (chunk, students)
        try:
            # Sent whole or not at all: a chunk is larger than the socket's buffer, and one
            # cut short by Ctrl-C would leave the writer waiting for its end, and `wait` for
            # the writer.
            with stop_signals_blocked():
                self._connection.send(chunk)
        except OSError:  # the writer is gone: this chunk and those unanswered, stored here
            self._lost(connection)

    def wait(self, connection: sqlite3.Connection, interrupted: bool = False) -> None:
        """Return once every chunk sent is stored (by the writer, or here on `connection`).
        `interrupted`: a stop signal is being handled, which may have ended the writer too
        (a signal to the group): its chunks are stored here without a word."""
        self._receive(connection, 0, quiet=interrupted)

    def close(self) -> None:
        """Stop the writer: it ends once it has written what it was sent. Chunks not said
        stored by then are not counted (`wait` first to have them counted)."""
        if self._connection is None:
            return
        # Said, not left to the connection's end: every child forked since holds a copy of
        # this end, and the writer would not see it closed before they end.
        with contextlib.suppress(OSError):
            self._connection.send(None)
        self._connection.close()
        self._connection = None
        assert self._process is not None
        self._process.join(timeout=30)
        if self._process.exitcode is None:
            self._process.kill()
            self._process.join()
        self._process = None

    def _receive(self, connection: sqlite3.Connection, left: int, quiet: bool = False) -> None:
        """Take the writer's replies until at most `left` chunks are unanswered and no reply
        is waiting; raise the error of a chunk the writer could not store."""
        while self._sent and self._connection is not None:
            try:
                if len(self._sent) <= left and not self._connection.poll():
                    return
                # Waiting lets Ctrl-C in; taking a reply and counting it does not, so that
                # the count of students stored is never one chunk short.
                self._connection.poll(None)
                with stop_signals_blocked():
                    kind, number, *error = self._connection.recv()
                    _chunk, students = self._sent.pop(number)
                    if kind == "stored":
                        self.on_stored(students)
            except (EOFError, OSError):
                self._lost(connection, quiet)
                return
            if kind != "stored":
                raise error[0]

    def _lost(self, connection: sqlite3.Connection, quiet: bool = False) -> None:
        """The writer is gone: every chunk it has not said stored is stored here, in order."""
        assert self._connection is not None and self._process is not None
        self._connection.close()
        self._connection = None
        self._process.join(timeout=30)
        code = self._process.exitcode
        if code is None:  # its connection broken, the writer still running: it is stopped
            self._process.kill()
            self._process.join()
        self._process = None
        why = f"it ended with exit status {code}" if code is not None else "it stopped"
        if code is not None and code < 0:
            why = f"it was killed by signal {-code}"
        if not quiet:
            self._say_lost(why)
        sent, self._sent = self._sent, {}
        for chunk, students in sent.values():
            self._write_here(connection, chunk, students)

    def _say_lost(self, why: str) -> None:
        if not self._lost_said:
            self._lost_said = True
            print(
                f"note: the gradebook's writer process is gone ({printable(why)}); the rest "
                "of the class is stored by the main process",
                file=sys.stderr,
            )

    def _write_here(self, connection: sqlite3.Connection, chunk: _Chunk, students: int) -> None:
        # Committed and counted together, as the writer's chunks are.
        with stop_signals_blocked():
            _write(connection, chunk)
            self.on_stored(students)
