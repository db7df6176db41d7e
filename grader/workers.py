"""Check answers in worker processes that can be killed: every check is bounded in computing
time and memory, and one runaway answer never costs another its result.

Our own parser refuses what it can see is too large, but only a process can be stopped
dependably: a signal handler cannot interrupt sympy's C-level work, and a thread cannot be
killed. So each answer is checked in a worker process of our own small pool:

- Time is **computing time** (CPU time), not wall time, so that a verdict does not depend on
  `--jobs` or on what else the machine is doing. Before each check the worker arms a CPU-time
  timer (`ITIMER_PROF`) for `timeout` seconds; when it fires, the kernel delivers SIGPROF,
  whose default action ends the process at once, whatever it is computing. A generous
  wall-clock backstop (`wall_timeout`, 10 times `timeout` unless given) stops a check that waits
  instead of computing.
- Memory is bounded by the worker's address space (RLIMIT_AS), allowed to grow by `memory_mb`
  less what the worker holds when it starts (not its parent's mappings reserved and never
  used, which a forked worker inherits): an allocation past it fails, and the check
  is told it needed more memory, or the worker dies.
- A worker dies with its parent (`PR_SET_PDEATHSIG` on Linux), so killing `grader`, even with
  SIGKILL, leaves nothing computing.
- A worker that dies while it starts (loading the rubric, as the OOM killer can make it) is
  replaced and the answers not yet checked go to the workers that remain or start; after
  `MAX_START_FAILURES` deaths in a row that no answer explains, the answers left get an `error`
  saying no worker could be started, instead of a loop.
- Before any answer is checked, one worker loads the rubric: a `--memory` too small for that is
  a `WorkerStartError` that names the option, not a batch of errors. Where processes are
  forked (Linux), a worker takes the rubric this process loaded, with whatever it has
  computed and cached since, instead of loading it again; the limit is then checked against
  the memory it starts with.

Tasks go to a worker in batches (up to `MAX_BATCH`, fewer when there is little work left, so
that every worker gets its share): one message carries the batch, and the worker's replies come
back a few at a time (those of the tasks it checked within `REPLY_EVERY` seconds, in one
message), so that this process is not woken for every answer. Before each task the worker
writes its index, and when it began, in a small slot of memory it shares with the parent, so
the parent always knows which task a worker is on. The bounds stay per answer: the
computing-time timer is armed for each task, the wall-clock backstop runs from the moment a
worker starts a task, and a worker that dies or is stopped costs only the task it was on; the
tasks of its batch it had not reached, and those it had checked whose replies it had not sent,
go to another worker and are checked again.

`start` sends the first batches and returns at once: the workers check while this process
does other work (the grade command stores the chunk before and reads the chunk after), and
the results are waited for when they are needed. A set started while another is being
checked is checked after it (the grade command starts the next chunk's answers before it
waits for a chunk's), and each set is waited for on its own. A task's wall-clock backstop
still counts from when its batch was sent or the reply before it was read, never from
before it began.

A check stopped for any reason gets the verdict `error` with a message saying why; the rest of
the batch goes on. Results come back in the order of the tasks, whatever the number of workers.
"""

from __future__ import annotations

import contextlib
import ctypes
import gc
import math
import multiprocessing
import os
import resource
import select
import signal
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from multiprocessing.connection import Connection, wait
from typing import Any

from grader.defaults import DEFAULT_MEMORY_MB, DEFAULT_TIMEOUT, WALL_FACTOR, usable_cores
from grader.errors import GraderError
from grader.grade import grade_task
from grader.model import ItemResult, Rubric, Task
from grader.rubric import load_rubric_text
from grader.score import score_error

MAX_START_FAILURES = 3  # worker deaths in a row, with no answer checked, before giving up
MAX_BATCH = 32  # tasks sent to a worker in one message
# A worker's replies are held together for up to this long (seconds), then sent in one message
# with the next: on the all-distinct class of 1000, a message an answer (9,640) woke this
# process 8,000 times; held, 1,606 messages (a profile under load, where 0.1 s holds fewer
# answers). Which task a worker is on, the parent reads in the slot the worker writes before
# each (`check_batch`).
REPLY_EVERY = 0.1
# A worker's collector: a young-generation collection after this many new container objects
# (Python's default is 700). A check of an all-distinct answer makes thousands of short-lived
# sympy objects, nearly all freed by their counts; collecting every 700 of them walked the
# young objects over and over: on the all-distinct class of 1000, 0.58 s of a worker's 9.3 s
# went to 520 collections; at 50,000, 0.23 s to 6, and the peak memory was the same (125 MB).
# Cyclic garbage still goes, after 50,000 new objects at most (a few megabytes).
WORKER_GC_THRESHOLD = (50_000, 20, 20)

_PR_SET_PDEATHSIG = 1  # from <linux/prctl.h>
_PARENT_SIGNALS = {signal.SIGINT, signal.SIGTERM, signal.SIGHUP}

_rubric: Rubric | None = None  # the worker's own copy, loaded once when it starts


class WorkerStartError(GraderError):
    """No worker could load the rubric, so nothing can be checked."""

    def __init__(self, message: str, exit_code: int):
        super().__init__(message)
        self.exit_code = exit_code


def _check_in_worker(task: Task) -> ItemResult:
    assert _rubric is not None, "the worker was started without its rubric"
    return grade_task(_rubric, task)


def _die_with_parent(parent_pid: int) -> None:
    """Ask the kernel to SIGKILL this process when its parent dies (Linux); elsewhere, the
    parent's clean exit stops its workers. The parent may have died before the request."""
    with contextlib.suppress(OSError, AttributeError):
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    if os.getppid() != parent_pid:
        os._exit(1)


def give_back_freed_memory() -> None:
    """Have the C library return to the system what this process has freed and still keeps
    (glibc's `malloc_trim`): once a class's reports are written, the many small objects they
    were made of are freed but their pages stay with the process (33 MB at 50,000 students,
    docs/performance.md). Nothing where the C library has no such call."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None).malloc_trim(0)


def threshold_from(variable: str, default: int) -> int:
    """A class size from which work is done in a process beside the main one: the
    environment's `variable` (tests, benches) when it holds a whole number, else `default`."""
    value = os.environ.get(variable, "")
    try:
        return max(0, int(value)) if value.strip() else default
    except ValueError:
        return default


def beside_wanted(files: int, threshold: int) -> bool:
    """Whether a class of `files` files has work done beside the main process from
    `threshold` files on (at least one), in a forked process."""
    return files >= max(1, threshold) and "fork" in multiprocessing.get_all_start_methods()


def become_child(parent_pid: int, bounded: bool = True) -> None:
    """What a child process of ours (a worker, the reader of grader/reading.py, a page child of
    grader/page_processes.py) does first, forked with the parent's stop signals blocked
    (`stop_signals_blocked`): die with the parent, leave Ctrl-C to the parent (it reaches the whole
    process group; the parent decides and stops us), take the default action of SIGTERM and
    SIGHUP (and, `bounded`, of SIGPROF: the computing-time bound ends the process), then let
    the signals in."""
    _die_with_parent(parent_pid)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    for default in (signal.SIGTERM, signal.SIGHUP, *((signal.SIGPROF,) if bounded else ())):
        signal.signal(default, signal.SIG_DFL)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, _PARENT_SIGNALS)


def bound_memory(memory_bytes: int, forked: bool = True) -> None:
    """A child's bounds before its first task: no core file when it is killed, and a bound on
    its memory of `memory_bytes` (none when 0), counting what it holds already: its address
    space (RLIMIT_AS) may grow beyond what it has mapped by `memory_bytes` less its resident
    set. Not `memory_bytes` of address space in all: a forked child starts with its parent's,
    mappings reserved and never used included (a test runner late in a run, a grading process
    grown, had more than the bound, and its workers could then map nothing). Where the sizes
    cannot be read (no /proc), `memory_bytes` of address space in all; never above the hard
    limit the process was given (`ulimit -v`). MemoryError when, `forked`, what it holds
    already (the parent's rubric and all) is more than the bound."""
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    if memory_bytes:
        mapped, resident = _memory()
        if forked and resident > memory_bytes:
            raise MemoryError
        limit = mapped + max(memory_bytes - resident, 0)
        hard = resource.getrlimit(resource.RLIMIT_AS)[1]
        if hard != resource.RLIM_INFINITY:
            limit = min(limit, hard)
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))


@contextlib.contextmanager
def stop_signals_blocked() -> Iterator[None]:
    """The stop signals (Ctrl-C, SIGTERM, SIGHUP) held back while a child is started and
    recorded: none meant for this process reaches the child before it can ignore them
    (`become_child`), and none interrupts this process between the child's start and its
    record, which would leave a child no one stops. They are let in on leaving, whatever
    happens.

    The mask is the calling thread's: where another thread runs (a test runner's, a future
    one of ours), the kernel gives a signal to that thread instead, and Python would still run
    the handler in this one, inside the start. So the main thread's handlers only note a stop
    signal meanwhile, and it is raised again on leaving, for the handlers it was meant for."""
    held: list[int] = []
    previous: dict[int, Any] = {}
    if threading.current_thread() is threading.main_thread():
        for stop in _PARENT_SIGNALS:
            if signal.getsignal(stop) is not None:  # None: not Python's to put back
                previous[stop] = signal.signal(stop, lambda number, _: held.append(number))
    blocked = signal.pthread_sigmask(signal.SIG_BLOCK, _PARENT_SIGNALS)
    try:
        yield
    finally:
        try:
            signal.pthread_sigmask(signal.SIG_SETMASK, blocked)  # a pending one is noted
        finally:
            for stop, handler in previous.items():
                signal.signal(stop, handler)
        for number in dict.fromkeys(held):
            signal.raise_signal(number)


def _worker_main(
    connection: Connection,
    rubric_text: str,
    rubric_path: str,
    memory_bytes: int,
    work: Callable[[Task], ItemResult],
    parent_pid: int,
    slot: Any,
    loaded: Rubric | None = None,
) -> None:
    """A worker's whole life: load the rubric (or, forked, take the parent's `loaded` one,
    warm caches and all), say so, then check tasks until the parent closes the connection.
    Each message is a batch, ([(index, task), ...], CPU seconds for each); each task gets its
    own reply, naming its index, sent with those checked close before it (`check_batch`),
    and `slot` (shared with the parent) says which task it is on. A worker never prints: what
    goes wrong is a reply or its exit status."""
    become_child(parent_pid)
    # The parent's objects (its rubric, its modules) are the worker's too, shared until
    # written: the collector must not walk them (it would copy the pages it touches).
    gc.freeze()
    gc.set_threshold(*WORKER_GC_THRESHOLD)
    global _rubric
    try:
        bound_memory(memory_bytes, forked=loaded is not None)
        _rubric = _worker_rubric(loaded, rubric_text, rubric_path)
        connection.send(("ready",))
    except MemoryError:
        with contextlib.suppress(BaseException):
            connection.send(("failed", "memory"))
        os._exit(1)
    except BaseException as exc:
        with contextlib.suppress(BaseException):
            connection.send(("failed", type(exc).__name__))
        os._exit(1)
    while True:
        try:
            batch, cpu_seconds = connection.recv()
        except (EOFError, OSError):
            os._exit(0)
        check_batch(connection, slot, work, batch, cpu_seconds)


def check_batch(
    connection: Connection,
    slot: Any,
    work: Callable[[Task], ItemResult],
    batch: Sequence[tuple[int, Task]],
    cpu_seconds: float,
) -> None:
    """Check a batch's tasks in order, each bounded on its own (`bounded_reply`), writing in
    `slot` the index of the task begun and when, before it begins (the parent reads there
    which task a worker is on). The replies go together in one message, ("replies", [reply,
    ...]): those held for `REPLY_EVERY` seconds or more as soon as the next is ready, and
    the last at the end of the batch."""
    held: list[tuple] = []
    held_since = 0.0
    for number, (index, task) in enumerate(batch, start=1):
        slot[1] = time.monotonic()  # the time first: a torn read only puts the deadline later
        slot[0] = index
        if not held:
            held_since = slot[1]
        held.append(bounded_reply(work, index, task, cpu_seconds))
        if number == len(batch) or time.monotonic() - held_since >= REPLY_EVERY:
            send_replies(connection, held)
            held = []


def bounded_reply(
    work: Callable[[Any], object], index: int, task: Any, cpu_seconds: float
) -> tuple:
    """`work(task)` (a check, or the reader's reading of a file) within `cpu_seconds` of
    computing time, and the reply for it: ("done", index, result), or ("memory", index), or
    ("raised", index, the exception's name)."""
    signal.setitimer(signal.ITIMER_PROF, cpu_seconds)
    try:
        return ("done", index, work(task))
    except MemoryError:
        return ("memory", index)
    except BaseException as exc:  # a bug must not cost the other tasks
        return ("raised", index, type(exc).__name__)
    finally:
        signal.setitimer(signal.ITIMER_PROF, 0)


def run_bounded(
    connection: Connection,
    work: Callable[[Any], object],
    index: int,
    task: Any,
    cpu_seconds: float,
) -> None:
    """`bounded_reply` sent on its own (`send_reply`)."""
    send_reply(connection, bounded_reply(work, index, task, cpu_seconds))


def send_reply(
    connection: Connection, reply: tuple, wrap: Callable[[tuple], Any] = lambda reply: reply
) -> None:
    """Send `reply` (as `wrap(reply)`); one whose result cannot be sent is replaced by what
    went wrong: ("memory", index) or ("raised", index, the exception's name)."""
    index = reply[1]
    try:
        connection.send(wrap(reply))
    except MemoryError:
        connection.send(wrap(("memory", index)))
    except Exception as exc:  # e.g. a result (a check's, a file's) that cannot be pickled
        connection.send(wrap(("raised", index, type(exc).__name__)))


def send_replies(connection: Connection, replies: list[tuple]) -> None:
    """Send `replies` in one message; where they cannot all go (a result that cannot be
    pickled, or too large for the memory left), each goes in its own (`send_reply`). Nothing
    is written before a message is whole (pickled), so none is sent twice."""
    try:
        connection.send(("replies", replies))
    except Exception:
        for reply in replies:
            send_reply(connection, reply, lambda one: ("replies", [one]))


def _worker_rubric(loaded: Rubric | None, rubric_text: str, rubric_path: str) -> Rubric:
    """The rubric a starting worker checks with: its parent's, when forked, else loaded."""
    return loaded if loaded is not None else load_rubric_text(rubric_text, rubric_path)


def _memory() -> tuple[int, int]:
    """The address space this process has mapped and the part of it it holds (its resident
    set), in bytes; (0, 0) if unknown."""
    try:
        with open("/proc/self/statm") as statm:
            mapped, resident = statm.read().split()[:2]
        return int(mapped) * resource.getpagesize(), int(resident) * resource.getpagesize()
    except (OSError, ValueError):
        return 0, 0


@dataclass
class _Worker:
    process: multiprocessing.process.BaseProcess
    connection: Connection
    started: float  # time.monotonic() when it was started
    # Shared with the worker, which writes in it, before each task, (its index, when it began).
    slot: Any
    ready: bool = False
    # Whether it has said something not yet read: its connection alone, asked without waiting
    # (`select.poll`; None where there is none, and the connection is asked).
    said: Any = None
    # The indices of the tasks sent and not yet answered, in the order it checks them.
    tasks: deque[int] = field(default_factory=deque)
    since: float = 0.0  # when its batch was sent, or its last replies read
    failure: str | None = None  # why it could not start, as it said

    @property
    def task(self) -> int | None:
        """The index of the first task sent and not yet answered, if any: it is busy."""
        return self.tasks[0] if self.tasks else None

    def checking(self) -> tuple[int, float]:
        """The task it is checking (it has tasks), and since when: the one its slot names, if
        that is one of its tasks; else it has not begun them yet, and is on the first, since
        its batch was sent or its last replies read. (Its replies come some tasks at a time:
        the tasks before it in `tasks` were checked, their replies not read yet.)"""
        index = int(self.slot[0])  # the index first: the worker writes it last
        began = self.slot[1]
        if index in self.tasks:
            return index, began
        return self.tasks[0], self.since

    def has_message(self) -> bool:
        """Whether a message (or the end of its pipe) waits to be read."""
        if self.said is None:
            return self.connection.poll()
        return bool(self.said.poll(0))


@dataclass
class _Run:
    """The tasks being checked: every set `start` was given while others were still being
    checked, one after another, each task by its index; the results come and not yet given;
    the tasks not yet sent. A set's tasks and results are let go once it has been waited for."""

    tasks: dict[int, Task] = field(default_factory=dict)
    results: dict[int, ItemResult] = field(default_factory=dict)
    pending: deque[int] = field(default_factory=deque)
    added: int = 0  # tasks added so far: the index of the next
    waited: int = 0  # sets added and not yet waited for
    failures_in_a_row: int = 0  # workers gone in a row with no answer to explain it
    last_failure: str = ""

    def add(self, tasks: Sequence[Task]) -> range:
        """Another set of tasks, checked after those before it: their indices."""
        indices = range(self.added, self.added + len(tasks))
        self.tasks.update(zip(indices, tasks, strict=True))
        self.pending.extend(indices)
        self.added = indices.stop
        self.waited += 1
        return indices

    def take(self, indices: range) -> list[ItemResult]:
        """The results of a set, given once: its tasks and results are let go."""
        assert all(index in self.results for index in indices), "a task was lost"
        for index in indices:
            del self.tasks[index]
        self.waited -= 1
        return [self.results.pop(index) for index in indices]


@dataclass
class BoundedChecker:
    """Grades tasks in up to `jobs` worker processes (no more than the usable cores or the
    answers to check), each answer within `timeout` seconds of computing time, `wall_timeout`
    seconds of wall time and `memory_mb` megabytes. Use it as a context manager: entering starts
    one worker and waits until it has loaded the rubric (`WorkerStartError` if it cannot);
    leaving stops every worker."""

    rubric: Rubric
    jobs: int = field(default_factory=usable_cores)
    timeout: float = DEFAULT_TIMEOUT
    memory_mb: int = DEFAULT_MEMORY_MB
    work: Callable[[Task], ItemResult] = _check_in_worker  # replaceable in tests
    wall_timeout: float | None = None  # default: WALL_FACTOR times `timeout`

    def __post_init__(self) -> None:
        self._workers: list[_Worker] = []
        self._run: _Run | None = None  # the tasks being checked, between `start` and its wait
        self._context = multiprocessing.get_context(
            "fork" if "fork" in multiprocessing.get_all_start_methods() else None
        )
        self._max_workers = max(1, min(self.jobs, usable_cores()))
        # What the workers' connections and ends are watched with, kept from one wait to the
        # next (`connection.wait` built a selector for each: 33,438 on the all-distinct class
        # of 1000); None where there is no `select.poll`, and `connection.wait` does.
        self._watched = select.poll() if hasattr(select, "poll") else None
        if self.wall_timeout is None:
            self.wall_timeout = WALL_FACTOR * self.timeout

    @property
    def workers(self) -> int:
        """How many worker processes are running now."""
        return sum(worker.process.is_alive() for worker in self._workers)

    def __enter__(self) -> BoundedChecker:
        try:
            self._start_first_worker()
        except BaseException:  # Ctrl-C as the first worker starts: __exit__ would not be called
            self.__exit__(None, None, None)
            raise
        return self

    def __exit__(self, *exc_info) -> None:
        for worker in self._workers:
            self._stop(worker)
        self._workers = []

    # --- checking ---------------------------------------------------------------------------

    def check(self, tasks: Sequence[Task]) -> list[ItemResult]:
        """The result of every task, in order; failures of the check are results too."""
        return self.start(tasks)()

    def start(self, tasks: Sequence[Task]) -> Callable[[], list[ItemResult]]:
        """Start checking `tasks` and return at once what waits for their results (as `check`
        gives them): the workers check the first batches while this process does other work.
        A set started while others are still being checked is checked after them, so that the
        workers have the next chunk's answers to check while this process waits for a
        chunk's; each set is waited for once, in any order."""
        run = self._run
        if run is None:
            run = self._run = _Run()
        indices = run.add(tasks)
        self._step(run, send_only=True)
        return lambda: self._finish(run, indices)

    def _finish(self, run: _Run, indices: range) -> list[ItemResult]:
        # Each set waited for may start workers again, as a run of its own did: after
        # MAX_START_FAILURES in a row, its tasks (not those of sets after it) are given up.
        run.failures_in_a_row = 0
        done = False
        try:
            first = indices.start  # the first task of the set with no result yet
            while True:
                while first < indices.stop and first in run.results:
                    first += 1
                if first == indices.stop or not (run.pending or self._busy()):
                    break
                self._step(run, until=indices.stop)
            results = run.take(indices)
            done = True
            return results
        finally:
            if not done:
                self._abandon()
            elif run.waited == 0 and not run.pending and not self._busy():
                self._run = None  # all given: the next set starts a run of its own

    def _abandon(self) -> None:
        """After a wait ended by an exception (Ctrl-C): the run is forgotten, and the workers
        on its tasks are stopped, whose replies would otherwise be taken for a later run's."""
        for worker in [worker for worker in self._workers if worker.tasks]:
            self._stop(worker)
            self._workers.remove(worker)
        self._run = None

    def poll(self) -> None:
        """Take what the workers have said and give each idle one its next batch, without
        waiting: for a caller busy between its waits (`grade_paths` storing and reading), so
        that a worker is not left with replies no one reads (a connection holds only a few
        before the worker must wait) or without its next batch."""
        run = self._run
        if run is not None and (run.pending or self._busy()):
            # no worker started here: workers are started (and their failed starts counted
            # against a set) when a set is started or waited for
            self._step(run, block=False, start_workers=False)
            self._step(run, send_only=True, start_workers=False)

    def _step(
        self,
        run: _Run,
        send_only: bool = False,
        until: int = 0,
        block: bool = True,
        start_workers: bool = True,
    ) -> None:
        """Start the workers wanted (unless not `start_workers`), send each idle one a batch,
        and (unless `send_only`) wait for what the workers say (unless not `block`), taking
        each result. When no worker can be started, the tasks before `until` (the set waited
        for, and any before it) are given up."""
        if run.failures_in_a_row < MAX_START_FAILURES:
            wanted = min(self._max_workers, len(run.pending) + self._busy())
            while start_workers and len(self._workers) < wanted:
                self._start_worker()
        elif not self._workers:
            if not send_only:
                for index in run.pending:
                    if index < until:
                        run.results[index] = self._not_started(run.tasks[index], run.last_failure)
                run.pending = deque(index for index in run.pending if index >= until)
            return
        for worker in self._workers:
            if worker.ready and worker.task is None and run.pending:
                size = self._batch_size(len(run.pending), starting=send_only)
                batch = [run.pending.popleft() for _ in range(size)]
                worker.slot[0] = -1  # idle, it writes no more: no task of an earlier batch
                try:
                    worker.connection.send(
                        ([(index, run.tasks[index]) for index in batch], self.timeout)
                    )
                except OSError:  # it died idle: seen as such by `_events`
                    run.pending.extendleft(reversed(batch))
                    continue
                worker.tasks.extend(batch)
                worker.since = time.monotonic()
        if send_only:
            return
        for worker, index, reply in self._events(block):
            if index is not None:
                run.results[index] = (
                    self._result(run.tasks[index], reply)
                    if reply is not None
                    else self._stopped(run.tasks[index], worker)
                )
                run.failures_in_a_row = 0
            elif reply is None:  # it died starting, or idle: no answer explains it
                run.failures_in_a_row += 1
                run.last_failure = self._start_failure(worker)
            if reply is None:  # gone: the tasks of its batch it had not reached or replied for
                run.pending.extendleft(reversed(worker.tasks))
                worker.tasks.clear()

    def _busy(self) -> int:
        return sum(worker.task is not None for worker in self._workers)

    def _batch_size(self, pending: int, starting: bool = False) -> int:
        """How many tasks to send a worker at once: enough to spare a message per task, few
        enough that the work left is shared among the workers. When the tasks are `starting`
        (no one waits for them yet), each worker takes its whole share: it may be a while
        before this process sends more."""
        if starting:
            return max(1, min(MAX_BATCH, -(-pending // self._max_workers)))
        return max(1, min(MAX_BATCH, pending // (2 * self._max_workers)))

    def _result(self, task: Task, reply: tuple) -> ItemResult:
        item = self.rubric.items[task.item_id]
        kind = reply[0]
        if kind == "done":
            result = reply[2]
            # The check caught the MemoryError itself; say which limit it ran into.
            if result.verdict == "error" and result == score_error(
                item, task.text, MemoryError.__name__
            ):
                return score_error(item, task.text, self._memory_message())
            return result
        if kind == "memory":
            return score_error(item, task.text, self._memory_message())
        return score_error(item, task.text, f"the check failed ({reply[2]})")

    def _memory_message(self) -> str:
        return f"the check needed more than its {self.memory_mb} MB of memory"

    def _stopped(self, task: Task, worker: _Worker) -> ItemResult:
        """The result of a task whose worker died or was stopped while checking it."""
        item = self.rubric.items[task.item_id]
        if worker.failure == "wall":
            why = f"checking it took longer than {self.wall_timeout:g} s, so it was stopped"
        elif worker.process.exitcode == -signal.SIGPROF:
            why = (
                f"checking it needed more than {self.timeout:g} s of computing time, "
                "so it was stopped"
            )
        else:
            why = (
                f"the check ran out of its {self.memory_mb} MB of memory or crashed, "
                "so it was stopped"
            )
        return score_error(item, task.text, why)

    def _not_started(self, task: Task, why: str) -> ItemResult:
        item = self.rubric.items[task.item_id]
        return score_error(
            item,
            task.text,
            f"no worker process could be started to check it: {why}; it was not checked",
        )

    # --- the workers ------------------------------------------------------------------------

    def _start_worker(self) -> _Worker:
        """A new worker, started and recorded among the workers."""
        ours, theirs = self._context.Pipe()
        slot = self._context.RawArray("d", 2)  # (task index, when begun): see `_Worker`
        slot[0] = -1
        process = self._context.Process(
            target=_worker_main,
            args=(
                theirs,
                self.rubric.source_text,
                str(self.rubric.path),
                self.memory_mb * 2**20,
                self.work,
                os.getpid(),
                slot,
                # forked, the worker has the rubric loaded already: no second load
                self.rubric if self._context.get_start_method() == "fork" else None,
            ),
            name="grader-worker",
            daemon=True,
        )
        with stop_signals_blocked():
            process.start()
            worker = _Worker(process, ours, time.monotonic(), slot)
            self._workers.append(worker)  # recorded before a signal can interrupt us
        theirs.close()
        if self._watched is not None:
            for fd in (ours.fileno(), process.sentinel):
                self._watched.register(fd, select.POLLIN)
            worker.said = select.poll()
            worker.said.register(ours.fileno(), select.POLLIN)
        return worker

    def _start_first_worker(self) -> None:
        """Start one worker and wait until it has loaded the rubric: a limit too small for that
        is the command line's mistake, said once, before any answer is checked."""
        why = ""
        for _ in range(MAX_START_FAILURES):
            worker = self._start_worker()
            gone = False
            while not worker.ready and not gone:
                gone = any(w is worker for w, _, _ in self._events())
            if not gone:
                return
            if worker.failure == "memory":
                raise WorkerStartError(
                    f"--memory {self.memory_mb} is too small: a worker needs more than "
                    f"{self.memory_mb} MB to load the rubric {self.rubric.path}, so nothing "
                    f"was checked; try a larger --memory (the default is {DEFAULT_MEMORY_MB})",
                    exit_code=2,
                )
            why = self._start_failure(worker)
        raise WorkerStartError(
            f"no worker process could load the rubric {self.rubric.path} ({why}), "
            "so nothing was checked",
            exit_code=3,
        )

    def _start_failure(self, worker: _Worker) -> str:
        """Why `worker`, gone without a task, could not start (or died idle), in words."""
        if worker.failure == "memory":
            return f"loading the rubric needed more than {self.memory_mb} MB of memory"
        if worker.failure == "wall":
            return f"loading the rubric took longer than {self.wall_timeout:g} s"
        if worker.failure is not None:
            return f"loading the rubric failed ({worker.failure})"
        code = worker.process.exitcode
        if code is not None and code < 0:
            return f"the last one was killed by {signal.Signals(-code).name}"
        return f"the last one exited with status {code}"

    def _events(self, block: bool = True) -> list[tuple[_Worker, int | None, tuple | None]]:
        """Wait until a worker replies or dies, or a wall-clock deadline passes (the worker is
        then killed); not at all unless `block`. Returns (worker, task index, reply) for each
        answer checked, and (worker, task index or None, None) for each worker gone, after its
        last replies: the task it was checking, whose result is the stop; the rest of its
        batch (those it had not reached, and those whose replies went with it) stays in
        `worker.tasks`."""
        deadlines = [
            self._waiting_since(worker) + self.wall_timeout
            for worker in self._workers
            if worker.task is not None or not worker.ready
        ]
        if deadlines and block:
            self._wait(max(0.0, min(deadlines) - time.monotonic()))
        events: list[tuple[_Worker, int | None, tuple | None]] = []
        now = time.monotonic()
        for worker in list(self._workers):
            events += self._read(worker)
            waiting = worker.task is not None or not worker.ready
            if waiting and now - self._waiting_since(worker) > self.wall_timeout:
                worker.failure = worker.failure or "wall"
                self._stop(worker)
            if not worker.process.is_alive():
                events += self._read(worker)  # what it said just before it died
                self._stop(worker)
                self._workers.remove(worker)
                if worker.tasks:
                    stopped, _ = worker.checking()
                    worker.tasks.remove(stopped)
                    events.append((worker, stopped, None))
                else:
                    events.append((worker, None, None))
        return events

    def _wait(self, timeout: float) -> None:
        """Wait until a worker says something or ends, `timeout` seconds at most."""
        if self._watched is None:
            ends = [w.process.sentinel for w in self._workers]
            wait([w.connection for w in self._workers] + ends, timeout)
        else:
            self._watched.poll(math.ceil(timeout * 1000))

    @staticmethod
    def _waiting_since(worker: _Worker) -> float:
        """Since when this process waits for `worker`: the task it is on, or its start."""
        return worker.checking()[1] if worker.task is not None else worker.started

    @staticmethod
    def _read(worker: _Worker) -> list[tuple[_Worker, int | None, tuple | None]]:
        """Every whole message `worker` has sent: start-up news updates it, replies are
        returned (and free it for the next task of its batch, or another batch)."""
        replies = []
        while True:
            try:
                if worker.connection.closed or not worker.has_message():
                    return replies
                message = worker.connection.recv()
            except (EOFError, OSError):
                return replies  # the end of a dead worker's pipe
            if message[0] == "ready":
                worker.ready = True
            elif message[0] == "failed":
                worker.failure = message[1]
            else:
                for reply in message[1]:
                    index = worker.tasks.popleft()
                    assert reply[1] == index, "a worker replied out of turn"
                    replies.append((worker, index, reply))
                worker.since = time.monotonic()  # it goes on with the next task of its batch

    def _stop(self, worker: _Worker) -> None:
        if worker.process.is_alive():
            worker.process.kill()
        worker.process.join()
        if self._watched is not None and not worker.connection.closed:
            for fd in (worker.connection.fileno(), worker.process.sentinel):
                with contextlib.suppress(KeyError):  # unwatched already
                    self._watched.unregister(fd)
        with contextlib.suppress(OSError):
            worker.connection.close()
