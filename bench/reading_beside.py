"""Benchmark: the main process's CPU time to read a class's files and plan them, read in this
process (`load_submissions`, as below `READ_BESIDE_FROM`) against read beside it by the
reader process (`grader.reading.BesideReader`), alternating, best of `--rounds`.

Run from the repository root, on a class `bench/class_of_1000.py --keep DIR` wrote:

    .venv/bin/python bench/reading_beside.py /tmp/class-10k-read/submissions

It prints, per file, the CPU time of this process (user + system: what the main process of
`grader grade` spends on reading), the reader's CPU time (reaped, so counted whole), and the
wall time; nothing is checked or stored, so the figures are the reading alone. CPU time, not
wall time, is the figure to compare on a shared machine.
"""

from __future__ import annotations

import argparse
import resource
import time
from pathlib import Path

from grader.grade import CHUNK, plan_submission
from grader.model import Submission
from grader.reading import BesideReader, ReadBeside
from grader.rubric import load_rubric
from grader.submissions import collect_submission_files, load_submissions

ROOT = Path(__file__).resolve().parent.parent
RUBRIC = ROOT / "rubrics" / "22-52-q4.yaml"


def _cpu(who: int) -> float:
    usage = resource.getrusage(who)
    return usage.ru_utime + usage.ru_stime


def _plan(rubric, loaded) -> int:
    planned = 0
    for entry in loaded:
        if isinstance(entry, Submission) and entry.question == rubric.id:
            plan_submission(rubric, entry)
            planned += 1
    return planned


def here(rubric, files, _pause: float) -> int:
    planned = 0
    for path in files:
        planned += _plan(rubric, load_submissions(path, rubric))
    return planned


def beside(rubric, files, pause: float) -> int:
    planned = 0
    with BesideReader(rubric, files, CHUNK, None, ReadBeside(threshold=1)) as reader:
        for start in range(0, len(files), CHUNK):
            for _, loaded in reader.take(start):
                planned += _plan(rubric, loaded) if not isinstance(loaded, str) else 0
            time.sleep(pause)  # the rest of the main process's work on a chunk
    return planned


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("folder", type=Path)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument(
        "--pause-ms",
        type=float,
        default=50.0,
        help="after each chunk read beside, a pause standing for the rest of the main "
        "process's work on it (checks, gradebook, pages: about 1 ms a file in a cold run), "
        "during which the reader reads ahead; 0: the main process waits for every file",
    )
    args = parser.parse_args()
    rubric = load_rubric(RUBRIC)
    files, _ = collect_submission_files([args.folder])
    best: dict[str, tuple[float, float, float]] = {}
    for _ in range(args.rounds):
        for name, read in (("here", here), ("beside", beside)):
            own, children, wall = (
                _cpu(resource.RUSAGE_SELF),
                _cpu(resource.RUSAGE_CHILDREN),
                time.perf_counter(),
            )
            planned = read(rubric, files, args.pause_ms / 1000)
            figures = (
                _cpu(resource.RUSAGE_SELF) - own,
                _cpu(resource.RUSAGE_CHILDREN) - children,
                time.perf_counter() - wall,
            )
            assert planned == len(files), (name, planned)
            if name not in best or figures[0] < best[name][0]:
                best[name] = figures
    print(
        f"{len(files)} files, best of {args.rounds} rounds (by this process's CPU); "
        f"{args.pause_ms:g} ms of other work a chunk of {CHUNK} when read beside"
    )
    print(f"{'read':<8} {'main CPU us/file':>17} {'reader CPU us/file':>19} {'wall us/file':>13}")
    for name, (own, children, wall) in best.items():
        per = 1e6 / len(files)
        print(f"{name:<8} {own * per:>17.0f} {children * per:>19.0f} {wall * per:>13.0f}")
    print(f"main CPU, beside / here: {best['beside'][0] / best['here'][0]:.2f}x")


if __name__ == "__main__":
    main()
