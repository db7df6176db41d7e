"""Benchmark: the CPU time of each process of a command's process tree, such as a class graded
by `grader grade` with its workers, reader, writer and page children.

Run from the repository root:

    .venv/bin/python bench/process_cpu.py -- .venv/bin/grader grade CLASS \\
        --rubric rubrics/22-52-q4.yaml --out /tmp/out
    .venv/bin/python bench/process_cpu.py --code /tmp/other -- .venv/bin/python -m grader grade ...

It runs the command (with Python's bytecode cache, as an installed grader has it, and with
the grader package of `--code DIR` first on the path when given: `bench/machine.as_installed`),
reads every process of its tree from /proc every 20 ms, and prints each one's CPU time (user
and system) at its last reading, in the order the processes started, with its parent and when
it started. Linux counts a process's CPU in clock ticks (10 ms), so each figure is good to about
a tick; a process that lived less than the sampling interval may be missed, and is counted in
the last line all the same: the whole tree's CPU time, from the operating system's account of
the children this script waited for.

The grader's processes of a class of 2,048 files or more start in this order: the main process,
its check workers (one per core), the reader, the writer, then the page children of the
report (one per core). Other commands print their own tree the same way.
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from machine import as_installed, describe_machine, version_folder  # noqa: E402

TICK = os.sysconf("SC_CLK_TCK")
EVERY = 0.02  # seconds between readings of /proc


@dataclass
class Seen:
    """A process of the tree at its last reading."""

    pid: int
    parent: int
    started: int  # clock ticks after boot
    user: float  # seconds
    system: float


def _stat(pid: str) -> Seen | None:
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:  # gone meanwhile
        return None
    fields = text[text.rfind(")") + 2 :].split()  # the name may hold spaces and brackets
    return Seen(
        int(pid), int(fields[1]), int(fields[19]), int(fields[11]) / TICK, int(fields[12]) / TICK
    )


def read_tree(root: int, seen: dict[int, Seen]) -> None:
    """Every process under `root` as it stands now, into `seen` (by pid)."""
    now = [s for pid in os.listdir("/proc") if pid.isdigit() and (s := _stat(pid)) is not None]
    tree = {root}
    grew = True
    while grew:
        grew = False
        for process in now:
            if process.parent in tree and process.pid not in tree:
                tree.add(process.pid)
                grew = True
    for process in now:
        if process.pid in tree:
            seen[process.pid] = process


def run(command: list[str], code: str | None) -> tuple[list[Seen], float, float, int]:
    """The command's processes as last read, its wall time, the whole tree's CPU time and its
    exit status."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    child = subprocess.Popen(command, env=as_installed(code), stdout=subprocess.DEVNULL)
    seen: dict[int, Seen] = {}
    while child.poll() is None:
        read_tree(child.pid, seen)
        time.sleep(EVERY)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return sorted(seen.values(), key=lambda s: (s.started, s.pid)), wall, cpu, child.returncode


def report(processes: list[Seen], wall: float, cpu: float, code: int) -> str:
    first = processes[0].started if processes else 0
    lines = [
        describe_machine(),
        f"{'pid':>8} {'parent':>8} {'start s':>8} {'user s':>8} {'sys s':>8} {'CPU s':>8}",
    ]
    for p in processes:
        lines.append(
            f"{p.pid:>8} {p.parent:>8} {(p.started - first) / TICK:>8.2f} {p.user:>8.2f} "
            f"{p.system:>8.2f} {p.user + p.system:>8.2f}"
        )
    shown = sum(p.user + p.system for p in processes)
    lines.append(
        f"{len(processes)} processes read: {shown:.2f} s of CPU; the whole tree {cpu:.2f} s "
        f"(the operating system's account); wall {wall:.2f} s; exit status {code}"
    )
    lines.append(f"load average: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--code",
        type=version_folder,
        help="the folder holding the grader/ package to run (a `git archive` of a version)",
    )
    parser.add_argument("command", nargs=argparse.REMAINDER, help="-- the command to run")
    args = parser.parse_args(argv)
    command = args.command[1:] if args.command[:1] == ["--"] else args.command
    if not command:
        parser.error("give the command to run after --")
    processes, wall, cpu, code = run(command, args.code)
    print(report(processes, wall, cpu, code))
    return code


if __name__ == "__main__":
    raise SystemExit(main())
