"""Ctrl-C (or SIGTERM) that arrives while one of our child processes is being started: the
signal is held back until the child is recorded (`workers.stop_signals_blocked`), so the
interruption stops and reaps it like every other child, never leaving one no one stops. The
signal is raised here by the start itself, at the worst moment: just after the fork."""

from __future__ import annotations

import multiprocessing
import os
import signal
from pathlib import Path

import pytest

from grader.page_processes import PageProcesses
from grader.reading import BesideReader, ReadBeside
from grader.report import FolderWriter
from grader.rubric import load_rubric
from grader.workers import BoundedChecker, stop_signals_blocked

ROOT = Path(__file__).resolve().parent.parent
RUBRIC = load_rubric(ROOT / "rubrics" / "22-52-q4.yaml")

pytestmark = pytest.mark.skipif(
    "fork" not in multiprocessing.get_all_start_methods(), reason="needs fork"
)


@pytest.fixture
def interrupted_start(monkeypatch):
    """Every child's start sends this process SIGINT just after the fork."""
    start = multiprocessing.process.BaseProcess.start

    def start_then_interrupt(process):
        start(process)
        os.kill(os.getpid(), signal.SIGINT)

    monkeypatch.setattr(multiprocessing.process.BaseProcess, "start", start_then_interrupt)


def _start(kind: str, tmp_path: Path):
    if kind == "pages":
        with FolderWriter(tmp_path) as pages, PageProcesses(RUBRIC, pages, 2):
            pass
    elif kind == "reader":
        files = [ROOT / "submissions" / "22-52-q4" / "seed-student-1.yaml"]
        with BesideReader(RUBRIC, files, 1, None, ReadBeside(threshold=1)):
            pass
    else:
        with BoundedChecker(RUBRIC, jobs=1):
            pass


@pytest.mark.parametrize("kind", ["pages", "reader", "workers"])
def test_ctrl_c_while_a_child_starts_leaves_no_child_running(
    interrupted_start, tmp_path, kind, new_children
):
    with pytest.raises(KeyboardInterrupt):
        _start(kind, tmp_path)
    assert new_children() == []  # every child stopped and reaped


@pytest.mark.parametrize("stop", [signal.SIGINT, signal.SIGTERM, signal.SIGHUP], ids=str)
def test_a_stop_signal_another_thread_received_waits_for_the_start_to_be_recorded(stop):
    """The kernel gives a signal that the main thread blocks to another thread of the process
    (a test runner's, a library's), and Python then runs its handler in the main thread: what
    that handler does inside the start is to note it, and it is raised on leaving."""
    heard: list[int] = []

    def handler(number, _frame):
        heard.append(number)
        raise KeyboardInterrupt

    previous = signal.signal(stop, handler)
    try:
        with pytest.raises(KeyboardInterrupt), stop_signals_blocked():
            signal.getsignal(stop)(stop, None)  # as Python runs it for another thread
            recorded = True
        assert recorded and heard == [stop]
        assert signal.getsignal(stop) is handler  # the handlers are the caller's again
    finally:
        signal.signal(stop, previous)
