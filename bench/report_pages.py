"""Benchmark: the report phase alone (`grader report`: `cli.rebuild_outputs`) of a class held in
a gradebook, with the students' pages rendered beside the main process (in child processes,
the default for a class this size) and in the main process alone, side by side.

Run from the repository root, on a gradebook `bench/class_of_1000.py --keep DIR` left:

    .venv/bin/python bench/report_pages.py /tmp/class-10k-pages/out/gradebook.sqlite
    .venv/bin/python bench/report_pages.py DB --compare /tmp/pages-start   # and another version

Each round runs, each in a fresh process and alternating: the report into a new folder (cold:
every page written) and again into the same folder (re-run: every page compared and left
alone), once with the pages in child processes ("beside"), once with every page in the main
process ("alone", `page_processes.PROCESSES_FROM` set past the class's size), and, with
--compare, once with the grader package in DIR (e.g. `git archive main grader`). It prints the
best of the rounds of each: wall seconds, the main process's CPU seconds, the children's CPU
seconds (the page processes: `RUSAGE_CHILDREN`), and the ratio of each to "alone". The main
process's CPU is the figure that counts: the grade command's main process is its bottleneck
(docs/performance.md, issue 20). Wall time on a loaded machine says little; compare ratios of
one run.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# Runs in a process of its own: the report, and what it cost this process and its children.
REPORT = """
import json, resource, sys, time
from pathlib import Path

if sys.argv[3] == "alone":
    from grader import page_processes
    page_processes.PROCESSES_FROM = sys.maxsize
from grader import cli

started = time.perf_counter()
cli.rebuild_outputs(Path(sys.argv[1]), Path(sys.argv[2]))
wall = time.perf_counter() - started
own = resource.getrusage(resource.RUSAGE_SELF)
children = resource.getrusage(resource.RUSAGE_CHILDREN)
import grader
print(json.dumps({
    "package": str(Path(grader.__file__).resolve().parent),
    "wall": wall,
    "main": own.ru_utime + own.ru_stime,
    "children": children.ru_utime + children.ru_stime,
}))
"""


def report(db: Path, out: Path, mode: str, code: str | None) -> dict:
    environment = {**os.environ, "PYTHONPATH": code} if code else None
    done = subprocess.run(
        [sys.executable, "-c", REPORT, str(db), str(out), mode],
        capture_output=True,
        text=True,
        # not the repository: `-c` puts the working folder first on the path, before
        # PYTHONPATH, and its grader package would be run instead of `code`'s
        cwd=out.parent,
        env=environment,
        check=False,
    )
    if done.returncode != 0:
        raise SystemExit(f"the report failed ({mode}):\n{done.stderr}")
    figures = json.loads(done.stdout.splitlines()[-1])
    if figures["package"] != str(Path(code or ROOT) / "grader"):
        raise SystemExit(f"ran the grader package in {figures['package']}, not {code or ROOT}")
    return figures


def main() -> None:
    from machine import version_folder  # bench/ is this script's folder, first on its path

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("db", type=Path)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument(
        "--compare", metavar="DIR", type=version_folder, help="also the grader/ package DIR holds"
    )
    args = parser.parse_args()

    modes = [("beside", "beside", None), ("alone", "alone", None)]
    if args.compare:
        modes.append(("compared", "beside", args.compare))
    best: dict[tuple[str, str], dict] = {}
    work = Path(tempfile.mkdtemp(prefix="report-pages-"))
    try:
        for _ in range(args.rounds):
            for label, mode, code in modes:
                out = work / label
                shutil.rmtree(out, ignore_errors=True)
                for run in ("cold", "re-run"):
                    figures = report(args.db, out, mode, code)
                    key = (run, label)
                    if key not in best or figures["main"] < best[key]["main"]:
                        best[key] = figures
    finally:
        shutil.rmtree(work, ignore_errors=True)

    print(f"report phase of {args.db}, best of {args.rounds} rounds (by main CPU)")
    print(
        f"{'run':<8} {'pages':<9} {'wall s':>7} {'main CPU s':>11} {'children CPU s':>15} "
        f"{'wall ratio':>11} {'main ratio':>11}"
    )
    for run in ("cold", "re-run"):
        alone = best[(run, "alone")]
        for label, _, _ in modes:
            figures = best[(run, label)]
            print(
                f"{run:<8} {label:<9} {figures['wall']:>7.2f} {figures['main']:>11.2f} "
                f"{figures['children']:>15.2f} {figures['wall'] / alone['wall']:>10.2f}x "
                f"{figures['main'] / alone['main']:>10.2f}x"
            )
    print(f"load average: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
