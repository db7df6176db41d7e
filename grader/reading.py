"""Read a class's submission files in a process of its own, ahead of need, each file bounded.

`grade.grade_paths` reads a chunk of files, matches them to the rubric and checks their
answers. Reading a file (`load_submissions`: the bytes to a `Submission`, our line-keeping YAML
reader and the transcript reader) costs the main process more than receiving what was read:
so, for a class of `READ_BESIDE_FROM` files or more, a reader process forked from this one
(the rubric loaded, caches and all) reads the files, up to `AHEAD` chunks ahead of the chunk
this process plans, and sends back each file's submissions, pickled, as soon as it has read
them. This process plans them, in the order of the files, as if it had read them itself.

A file is read as a check is checked (`grader.workers`): within `timeout` seconds of computing
time (a CPU-time timer whose signal ends the reader), `memory_mb` megabytes of memory,
and a wall-clock backstop of `wall_timeout` seconds while this process waits. A reader
stopped by these bounds costs only the file it was on, which becomes a failure naming the file
and why; another reader is forked for the files after it. A reader that dies otherwise (killed
from outside: the OOM killer, `kill -9`; or crashed) may have died of something else than its
file: that is said once on stderr, and a new reader reads the file again; the file fails only
if reading it kills that one too. A reader that cannot start
(`MAX_START_FAILURES` deaths in a row before it reads anything) leaves the rest of the files
to be read in this process, as below the threshold.

The reader ignores Ctrl-C (the terminal's signal reaches the whole group: this process
decides), dies with this process (`PR_SET_PDEATHSIG`), and is killed when grading ends.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import select
import signal
import sys
import time
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from multiprocessing.connection import Connection, wait
from pathlib import Path

from grader.errors import printable
from grader.model import Rubric
from grader.submissions import Loaded, load_submissions
from grader.submissions.lms_export import ColumnMap
from grader.workers import (
    become_child,
    beside_wanted,
    bound_memory,
    run_bounded,
    stop_signals_blocked,
    threshold_from,
)

READ_BESIDE_FROM = 2048  # files: a class smaller than this is read in the main process
AHEAD = 3  # chunks asked of the reader before the main process needs them
READ_TIMEOUT = 30.0  # seconds of computing time to read one file
READ_MEMORY_MB = 2048  # memory of the reader (`workers.bound_memory`)
WALL_FACTOR = 4  # the wall-clock backstop, in multiples of `READ_TIMEOUT`
MAX_START_FAILURES = 3  # reader deaths in a row, with no file read, before reading here
ENV_THRESHOLD = "GRADER_READ_BESIDE_FROM"  # overrides `READ_BESIDE_FROM` (tests, benches)

# What reading one file gave: its submissions, or the failure message that stands for it.
Outcome = Loaded | str


def read_beside_from() -> int:
    """The class size, in files, from which files are read beside the main process."""
    return threshold_from(ENV_THRESHOLD, READ_BESIDE_FROM)


@dataclass(frozen=True)
class ReadBeside:
    """How `grade_paths` reads files beside the main process: from `threshold` files on (the
    environment's `GRADER_READ_BESIDE_FROM` by default), each within these bounds. `load` is
    the reading itself, replaceable in tests."""

    threshold: int = field(default_factory=read_beside_from)
    timeout: float = READ_TIMEOUT
    memory_mb: int = READ_MEMORY_MB
    wall_timeout: float | None = None  # default: WALL_FACTOR times `timeout`
    load: Callable[[Path, Rubric, ColumnMap | None], Loaded] = load_submissions

    def wanted(self, files: int) -> bool:
        return beside_wanted(files, self.threshold)


def failed_message(path: Path | str, name: str) -> str:
    """A bug met while reading `path` (an exception called `name`), reported as the file's
    failure, not the batch's."""
    return f"submission {path}: the grader failed on it ({name})"


def _reader_main(
    connection: Connection,
    rubric: Rubric,
    columns: ColumnMap | None,
    load: Callable[[Path, Rubric, ColumnMap | None], Loaded],
    memory_bytes: int,
    parent_pid: int,
) -> None:
    """The reader's whole life, forked: say it is ready, then read each file asked for, each
    within the CPU seconds asked, replying for each as soon as it is read, until the parent
    closes the connection. Each request is ([(index, path), ...], CPU seconds)."""
    become_child(parent_pid)
    try:
        bound_memory(memory_bytes)
        connection.send(("ready",))
    except BaseException:
        os._exit(1)

    def read(path: str) -> Loaded:
        return load(Path(path), rubric, columns)

    while True:
        try:
            batch, cpu_seconds = connection.recv()
        except (EOFError, OSError):
            os._exit(0)
        for index, path in batch:
            run_bounded(connection, read, index, path, cpu_seconds)


class BesideReader:
    """Reads `files` in a reader process, a chunk of `chunk` files at a time, up to `AHEAD`
    chunks ahead of the one taken. Use it as a context manager (leaving kills the reader);
    `take(start)` gives the outcome of each file of the chunk from `start`, in order, and must
    be called for each chunk in turn."""

    def __init__(
        self,
        rubric: Rubric,
        files: Sequence[Path],
        chunk: int,
        columns: ColumnMap | None,
        settings: ReadBeside,
    ):
        self.rubric, self.files, self.chunk, self.columns = rubric, files, chunk, columns
        self.settings = settings
        self.wall_timeout = settings.wall_timeout or WALL_FACTOR * settings.timeout
        self._context = multiprocessing.get_context("fork")
        self._process: multiprocessing.process.BaseProcess | None = None
        self._connection: Connection | None = None
        self._poller: select.poll | None = None
        self._ready = False
        self._pending: deque[int] = deque()  # asked of the reader, not yet answered, in order
        self._outcomes: dict[int, Outcome] = {}  # answered, not yet taken
        self._asked = 0  # files asked for so far (from the first)
        self._since = 0.0  # when the reader last answered, or was first waited for
        self._start_failures = 0
        self._here = False  # no reader could start: the files left are read in this process
        self._suspect: int | None = None  # a file a reader died on, being read again

    def __enter__(self) -> BesideReader:
        try:
            self._ask(min(len(self.files), AHEAD * self.chunk))
        except BaseException:  # Ctrl-C as the reader starts: __exit__ would not be called
            self._stop()
            raise
        return self

    def __exit__(self, *exc_info) -> None:
        self._stop()

    # --- what grade_paths calls -----------------------------------------------------------

    def take(self, start: int) -> list[tuple[Path, Outcome]]:
        """Each file of the chunk from `start` with what reading it gave."""
        end = min(start + self.chunk, len(self.files))
        self._ask(min(len(self.files), end + (AHEAD - 1) * self.chunk))
        self._since = time.monotonic()
        while any(index not in self._outcomes for index in range(start, end)):
            if self._here:
                for index in range(start, end):
                    if index not in self._outcomes:
                        self._outcomes[index] = self._read_here(index)
                break
            self._wait()
        return [(self.files[index], self._outcomes.pop(index)) for index in range(start, end)]

    # --- the reader ------------------------------------------------------------------------

    def _ask(self, up_to: int) -> None:
        """Ask the reader for the files up to `up_to` not asked for yet."""
        if up_to <= self._asked:
            return
        batch = list(range(self._asked, up_to))
        self._asked = up_to
        if self._here:
            return  # `take` reads them here
        self._pending.extend(batch)
        if self._process is None:
            self._start()  # it is sent every file pending
        else:
            self._send(batch)

    def _send(self, batch: list[int]) -> None:
        assert self._connection is not None
        # One that died is seen as such by `_wait`, which asks the next one again.
        with contextlib.suppress(OSError):
            self._connection.send(
                ([(index, str(self.files[index])) for index in batch], self.settings.timeout)
            )

    def _start(self) -> None:
        ours, theirs = self._context.Pipe()
        process = self._context.Process(
            target=_reader_main,
            args=(
                theirs,
                self.rubric,
                self.columns,
                self.settings.load,
                self.settings.memory_mb * 2**20,
                os.getpid(),
            ),
            name="grader-reader",
            daemon=True,
        )
        try:
            with stop_signals_blocked():
                process.start()
                self._process, self._connection, self._ready = process, ours, False
        except OSError:  # no process to be had (EAGAIN, ENOMEM): the files are read here
            ours.close()
            theirs.close()
            self._here = True
            self._pending.clear()
            return
        theirs.close()
        # One poll object for the reader's life: `Connection.poll` builds a selector a call.
        self._poller = select.poll()
        self._poller.register(ours.fileno(), select.POLLIN)
        self._since = time.monotonic()
        if self._pending:
            self._send(list(self._pending))

    def _wait(self) -> None:
        """Wait until the reader answers or dies, or its wall-clock backstop passes (it is then
        killed), and take what it said."""
        assert self._process is not None and self._connection is not None
        timeout = max(0.0, self._since + self.wall_timeout - time.monotonic())
        wait([self._connection, self._process.sentinel], timeout)
        self._read()
        stopped = False
        if self._process.is_alive() and time.monotonic() - self._since > self.wall_timeout:
            stopped = True
            self._process.kill()
            self._process.join()  # dead before it is looked at again
        if self._process.is_alive():
            return
        self._process.join()
        self._read()  # what it said just before it died
        self._gone(stopped)

    def _read(self) -> None:
        """Every whole message the reader has sent."""
        assert self._connection is not None and self._poller is not None
        while True:
            try:
                if self._connection.closed or not self._poller.poll(0):
                    return
                message = self._connection.recv()
            except (EOFError, OSError):
                return
            if message[0] == "ready":
                self._ready = True
                continue
            index = self._pending.popleft()
            assert message[1] == index, "the reader answered out of turn"
            self._outcomes[index] = self._outcome(index, message)
            if index == self._suspect:  # read again, innocent
                self._suspect = None
            self._since = time.monotonic()
            self._start_failures = 0

    def _outcome(self, index: int, message: tuple) -> Outcome:
        path = self.files[index]
        if message[0] == "done":
            return message[2]
        if message[0] == "memory":
            return (
                f"submission {path}: reading it needed more than its {self.settings.memory_mb}"
                " MB of memory, so it was not read"
            )
        return failed_message(path, message[2])

    def _gone(self, stopped: bool) -> None:
        """The reader is dead, and another is started for the files it had not read (unless
        none could start: they are read here). The file it was on fails when it was stopped by
        its bounds, or when a reader died on it before; a reader's other death (killed from
        outside, crashed) may owe nothing to the file: it is said, and the file read again."""
        assert self._process is not None
        code = self._process.exitcode
        was_ready = self._ready
        self._stop()
        if was_ready and self._pending:
            index = self._pending[0]
            if stopped or code == -signal.SIGPROF or index == self._suspect:
                self._pending.popleft()
                self._suspect = None
                self._outcomes[index] = self._stopped_message(self.files[index], stopped, code)
            else:
                self._suspect = index
                _say_reader_died(self.files[index], code)
        else:
            self._start_failures += 1
        if self._start_failures >= MAX_START_FAILURES:
            self._here = True
            self._pending.clear()
            return
        if self._pending:
            self._start()

    def _stopped_message(self, path: Path, stopped: bool, code: int | None) -> str:
        """Why `path` failed: a reader was stopped by its bounds reading it, or died reading it
        twice (`code` is the second death's)."""
        if stopped:
            why = f"reading it took longer than {self.wall_timeout:g} s, so it was stopped"
        elif code == -signal.SIGPROF:
            why = (
                f"reading it needed more than {self.settings.timeout:g} s of computing time, "
                "so it was stopped"
            )
        else:
            why = (
                f"reading it ran out of its {self.settings.memory_mb} MB of memory or crashed "
                "the reader, so it was stopped"
            )
        return f"submission {path}: {why}"

    def _read_here(self, index: int) -> Outcome:
        path = self.files[index]
        try:
            return self.settings.load(path, self.rubric, self.columns)
        except Exception as exc:  # as grade_paths does in process
            return failed_message(path, type(exc).__name__)

    def _stop(self) -> None:
        if self._process is not None:
            if self._process.is_alive():
                self._process.kill()
            self._process.join()
        if self._connection is not None:
            with contextlib.suppress(OSError):
                self._connection.close()
        self._process = self._connection = None


def _say_reader_died(path: Path, code: int | None) -> None:
    """A reader's death that may owe nothing to the file `path` it was on, said on stderr."""
    if code is not None and code < 0:
        try:
            how = f"killed by {signal.Signals(-code).name}"
        except ValueError:
            how = f"killed by signal {-code}"
    else:
        how = f"exit status {code}"
    print(
        f"warning: the process reading the submissions stopped ({how}) on {printable(str(path))};"
        " a new one reads it again, and it fails only if that one stops too",
        file=sys.stderr,
        flush=True,
    )
