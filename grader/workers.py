"""Check answers in worker processes that can be killed: every check is bounded in time and
memory, and one runaway answer never costs another its result.

Our own parser refuses what it can see is too large, but only a process can be stopped
dependably: a signal cannot interrupt sympy's C-level work, and a thread cannot be killed.
Checks run in a pebble `ProcessPool`: a check that outlives its time limit is killed together
with its worker (which pebble replaces), a worker whose address space passes the memory limit
(RLIMIT_AS) fails its allocation or dies, and either way that one answer gets an `error`
result with a message saying why, while the rest of the batch goes on.
"""

from __future__ import annotations

import multiprocessing
import os
import resource
from collections.abc import Callable, Sequence
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass

from pebble import ProcessExpired, ProcessPool

from grader.grade import grade_task
from grader.model import ItemResult, Rubric, Task
from grader.rubric import load_rubric_text
from grader.score import score_error

DEFAULT_TIMEOUT = 10.0  # seconds for one answer
DEFAULT_MEMORY_MB = 1024  # address space of one worker

_rubric: Rubric | None = None  # the worker's own copy, loaded once when it starts


def _start_worker(rubric_text: str, rubric_path: str, memory_bytes: int) -> None:
    global _rubric
    if memory_bytes:
        resource.setrlimit(resource.RLIMIT_AS, (memory_bytes, memory_bytes))
    _rubric = load_rubric_text(rubric_text, rubric_path)


def _check_in_worker(task: Task) -> ItemResult:
    assert _rubric is not None, "the worker was started without its rubric"
    return grade_task(_rubric, task)


@dataclass
class BoundedChecker:
    """Grades tasks in `jobs` worker processes, each answer within `timeout` seconds and
    `memory_mb` megabytes. Use it as a context manager, so its workers are stopped."""

    rubric: Rubric
    jobs: int = os.cpu_count() or 1
    timeout: float = DEFAULT_TIMEOUT
    memory_mb: int = DEFAULT_MEMORY_MB
    work: Callable[[Task], ItemResult] = _check_in_worker  # replaceable in tests

    def __enter__(self) -> BoundedChecker:
        self._pool = ProcessPool(
            max_workers=max(1, self.jobs),
            initializer=_start_worker,
            initargs=(self.rubric.source_text, self.rubric.path, self.memory_mb * 2**20),
            context=multiprocessing.get_context("fork")
            if "fork" in multiprocessing.get_all_start_methods()
            else None,
        )
        return self

    def __exit__(self, *exc_info) -> None:
        self._pool.stop()
        self._pool.join()

    def check(self, tasks: Sequence[Task]) -> list[ItemResult]:
        """The result of every task, in order; failures of the check are results too."""
        futures = [
            self._pool.schedule(self.work, args=(task,), timeout=self.timeout) for task in tasks
        ]
        return [self._result(task, future) for task, future in zip(tasks, futures, strict=True)]

    def _result(self, task: Task, future) -> ItemResult:
        item = self.rubric.items[task.item_id]
        try:
            return future.result()
        except FutureTimeout:
            why = f"checking it took longer than {self.timeout:g} s, so it was stopped"
        except ProcessExpired:
            why = (
                f"the check ran out of its {self.memory_mb} MB of memory or crashed, "
                "so it was stopped"
            )
        except MemoryError:
            why = f"the check needed more than its {self.memory_mb} MB of memory"
        except Exception as exc:  # a bug must not cost the rest of the batch
            why = f"the check failed ({type(exc).__name__})"
        return score_error(item, task.text, why)
