"""Benchmark: `grader check` as a process, what a user waits for at the prompt (issue 20).

Run from the repository root:

    .venv/bin/python bench/check_startup.py             # 7 rounds
    .venv/bin/python bench/check_startup.py --rounds 15

Each round runs, one after another so that a slow spell of the machine falls on all of them:

- `python -c pass`: the interpreter alone;
- `python -c "import sympy"`: the one import every check needs, the floor of any check here;
- `grader check rubrics/22-52-q4.yaml b.params "9CD + D"`, its output not a terminal (so
  checked in its own process): a count;
- `grader check rubrics/22-52-q4.yaml a.formula "<a distinct formula>"`: a formula;
- `grader check rubrics/mha-q1.yaml a.params "3d(d+1)"`: a count with a rubric of counts
  only, which does not import numpy (a rubric with formulas or matrices needs it to load).

- `grader check rubrics/22-52-q4.yaml b.params "9CD + D"` with its output on a terminal (a
  pseudo-terminal), as a user at a prompt runs it: the first call (which starts the warm
  checker, in a temporary XDG_RUNTIME_DIR, stopped before each round) and a later call (the
  checker running, the rubric loaded);

and prints, for each, the median wall time and the median CPU time (user and system, of the
process and its workers, from wait4), then the grader's own modules and the heaviest imports
of one `grader check` under `python -X importtime`, and the load average. At a terminal, the
CPU time is the client's and, separately, the warm checker's for the request (its own and its
reaped children's, read from /proc before and after; for the first call, its start). The
target is under 0.3 s of wall time on a quiet 2-core machine; on a loaded one, read the CPU
time and the ratio to `import sympy`.

Every command runs with Python's bytecode cache, as an installed grader has it (the
environment's PYTHONDONTWRITEBYTECODE is dropped: without the cache, each run compiles the
grader's modules again, about 0.3 s here).
"""

from __future__ import annotations

import argparse
import os
import pty
import re
import select
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

from machine import as_installed, describe_machine, version_folder  # noqa: E402

PYTHON = str(ROOT / ".venv" / "bin" / "python")
RUBRIC = "rubrics/22-52-q4.yaml"
FORMULA = r"y_{i,j,k} = \sum_{l=1}^{C} 7 w_{i,j,k,l} x_{i,j,l} + b_{k}"
COMMANDS = {
    "python -c pass": [PYTHON, "-c", "pass"],
    "python -c 'import sympy'": [PYTHON, "-c", "import sympy"],
    "grader check (a count)": [PYTHON, "-m", "grader", "check", RUBRIC, "b.params", "9CD + D"],
    "grader check (a formula)": [PYTHON, "-m", "grader", "check", RUBRIC, "a.formula", FORMULA],
    "grader check (counts-only rubric)": [
        *(PYTHON, "-m", "grader", "check", "rubrics/mha-q1.yaml", "a.params", "3d(d+1)"),
    ],
}

AT_A_TERMINAL = [PYTHON, "-m", "grader", "check", RUBRIC, "b.params", "9CD + D"]
# A run at a terminal that has not closed it by then is stopped, and the benchmark with it.
RUN_DEADLINE_S = 120
WARM_ROWS = ("at a terminal (first call)", "at a terminal (later call)")


class WarmChecker:
    """The warm checker that `grader check` at a terminal asks, in a temporary runtime folder
    of its own."""

    def __init__(self) -> None:
        self.runtime = tempfile.mkdtemp(prefix="gwb", dir="/tmp")
        self.environment = {**as_installed(), "XDG_RUNTIME_DIR": self.runtime}

    def pid(self) -> int | None:
        """The running checker's process id, from its log."""
        pids = []
        for log in Path(self.runtime, "grader").glob("check-*.log"):
            pids += re.findall(r"listening on .* \(process (\d+),", log.read_text())
        return int(pids[-1]) if pids else None

    def cpu(self) -> float:
        """The checker's CPU seconds so far, its reaped children's included."""
        pid = self.pid()
        if pid is None:
            return 0.0
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except FileNotFoundError:
            return 0.0
        return sum(int(x) for x in fields[11:15]) / os.sysconf("SC_CLK_TCK")

    def call(self) -> tuple[float, float, float]:
        """(wall s, the client's CPU s, the checker's CPU s) of one `grader check` at a
        terminal."""
        before = self.cpu()
        wall, client = timed(AT_A_TERMINAL, environment=self.environment, terminal=True)
        time.sleep(0.5)  # the checker reaps the request's child within 0.2 s
        return wall, client, self.cpu() - before

    def stop(self) -> None:
        pid = self.pid()
        subprocess.run(
            [*AT_A_TERMINAL[:4], "--warm", "--stop"],
            env=self.environment,
            cwd=ROOT,
            capture_output=True,
            check=True,
        )
        while pid is not None and Path(f"/proc/{pid}").exists():
            state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
            if state == "Z":
                break
            time.sleep(0.05)
        shutil.rmtree(Path(self.runtime, "grader"), ignore_errors=True)


def timed(
    command: list[str],
    code: str | None = None,
    environment: dict | None = None,
    terminal: bool = False,
) -> tuple[float, float]:
    """(wall s, CPU s of the process and its children) of one run, its output thrown away or,
    when `terminal`, read from a pseudo-terminal; `code`, a folder holding another version of
    the grader package to run instead of ours."""
    environment = environment or as_installed(code)
    screen = other = None
    if terminal:
        screen, other = pty.openpty()
    started = time.perf_counter()
    # `python -m` puts its working folder first on sys.path: the other version's, for it
    process = subprocess.Popen(
        command,
        cwd=code or ROOT,
        stdout=other or subprocess.DEVNULL,
        stderr=subprocess.DEVNULL if terminal else None,  # the note of a checker started
        env=environment,
    )
    if terminal:
        os.close(other)
        deadline = started + RUN_DEADLINE_S
        with open(screen, "rb", buffering=0) as output:
            while True:
                left = deadline - time.perf_counter()
                if left <= 0 or not select.select([output], [], [], left)[0]:
                    process.kill()
                    process.wait()
                    raise SystemExit(f"{' '.join(command)} did not finish in {RUN_DEADLINE_S} s")
                try:
                    if not output.read(1 << 16):
                        break
                except OSError:  # EIO: the command closed the terminal
                    break
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - started
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"{' '.join(command)} failed")
    return wall, usage.ru_utime + usage.ru_stime


def import_times(command: list[str], lines: int) -> list[tuple[int, int, str]]:
    """(self us, cumulative us, module) of every import of one run, largest cumulative first."""
    done = subprocess.run(
        [command[0], "-X", "importtime", *command[1:]],
        env=as_installed(),
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    rows = []
    for line in done.stderr.splitlines():
        if not line.startswith("import time:") or "cumulative" in line:
            continue
        own, cumulative, name = line.removeprefix("import time:").split("|")
        rows.append((int(own), int(cumulative), name.rstrip()))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--imports", type=int, default=12, help="import lines to print")
    parser.add_argument(
        "--compare",
        metavar="DIR",
        type=version_folder,
        help="also time `grader check` of the grader/ package DIR holds",
    )
    args = parser.parse_args()
    commands = {name: (command, None) for name, command in COMMANDS.items()}
    if args.compare:
        for name in [name for name in COMMANDS if name.startswith("grader")]:
            commands[f"{name}, compared"] = (COMMANDS[name], args.compare)

    print(describe_machine())
    before = os.getloadavg()
    figures: dict[str, list[tuple[float, float]]] = {name: [] for name in commands}
    warm_figures: dict[str, list[tuple[float, float, float]]] = {name: [] for name in WARM_ROWS}
    checker = WarmChecker()
    try:
        for _ in range(args.rounds):
            for name, (command, code) in commands.items():
                figures[name].append(timed(command, code))
            checker.stop()
            warm_figures[WARM_ROWS[0]].append(checker.call())
            for _ in range(3):
                warm_figures[WARM_ROWS[1]].append(checker.call())
    finally:
        checker.stop()
        shutil.rmtree(checker.runtime, ignore_errors=True)
    after = os.getloadavg()

    floor = statistics.median(cpu for _, cpu in figures["python -c 'import sympy'"])
    print(f"{args.rounds} rounds, medians")
    print(f"{'command':<38} {'wall s':>7} {'CPU s':>7} {'CPU / import sympy':>19}")
    for name, runs in figures.items():
        wall = statistics.median(w for w, _ in runs)
        cpu = statistics.median(c for _, c in runs)
        print(f"{name:<38} {wall:>7.3f} {cpu:>7.3f} {cpu / floor:>18.2f}x")
    header = "grader check (3 later calls a round)"
    print(f"\n{header:<38} {'wall s':>7} {'client':>7} {'checker':>8}")
    for name, runs in warm_figures.items():
        wall, client, server = (statistics.median(run[i] for run in runs) for i in range(3))
        print(f"{name:<38} {wall:>7.3f} {client:>7.3f} {server:>8.3f}")
    print(
        "load average before and after: "
        + " ".join(f"{x:.2f}" for x in before)
        + " / "
        + " ".join(f"{x:.2f}" for x in after)
    )

    rows = import_times(COMMANDS["grader check (a count)"], args.imports)
    top = [row for row in rows if row[2].startswith(" ") and not row[2].startswith("   ")]
    print("\nimports of one `grader check` (a count), top level, largest first (ms):")
    for _, cumulative, name in sorted(top, key=lambda row: -row[1])[: args.imports]:
        print(f"  {cumulative / 1000:>7.1f} {name.strip()}")
    loaded = {name.strip().split(".")[0] for _, _, name in rows}
    for module in ("numpy", "jinja2", "flask", "openpyxl", "sqlite3"):
        print(f"  {module}: {'imported' if module in loaded else 'not imported'}")
    counts_only = import_times(COMMANDS["grader check (counts-only rubric)"], args.imports)
    numpy = any(name.strip().split(".")[0] == "numpy" for _, _, name in counts_only)
    print(f"  numpy, for a rubric of counts only: {'imported' if numpy else 'not imported'}")
    ours = sorted({name.strip() for _, _, name in rows if name.strip().startswith("grader")})
    print(f"grader modules imported ({len(ours)}): {', '.join(ours)}")


if __name__ == "__main__":
    main()
