"""`bench/process_cpu.py` reads every process of a command's tree, a child forked by it too,
with the CPU each spent, and gives the command's exit status."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# A parent that forks a child; the child spends about 0.3 s of CPU, the parent waits for it.
FORKING = """
import os, time
pid = os.fork()
if pid == 0:
    end = time.process_time() + 0.3
    while time.process_time() < end:
        pass
    os._exit(0)
os.waitpid(pid, 0)
raise SystemExit(3)
"""


def test_every_process_of_the_tree_is_read_with_its_cpu():
    run = subprocess.run(
        [
            sys.executable,
            str(ROOT / "bench" / "process_cpu.py"),
            "--",
            sys.executable,
            "-c",
            FORKING,
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 3, run.stderr
    rows = [line.split() for line in run.stdout.splitlines() if line.split()[:1] != ["machine:"]]
    processes = [row for row in rows if len(row) == 6 and row[0].isdigit()]
    assert len(processes) == 2
    parent, child = processes
    assert child[1] == parent[0]  # the child's parent is the command's process
    assert float(child[5]) >= 0.2  # its CPU, good to a tick or two
    assert "2 processes read" in run.stdout and "exit status 3" in run.stdout
