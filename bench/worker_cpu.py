"""Benchmark: the check workers' CPU time on an all-distinct class, beside another version.

Run from the repository root:

    .venv/bin/python bench/worker_cpu.py --compare /tmp/main-grader
    .venv/bin/python bench/worker_cpu.py --varied --compare /tmp/main-grader --rounds 4
    .venv/bin/python bench/worker_cpu.py --jobs 2 --compare /tmp/main-grader  # and the main's

It takes every distinct answer (formulas, counts and explanations) of the class of
`bench/class_of_1000.py --distinct` (or `--distinct --varied`), and checks them as `grader
grade` does: in a process that loaded the rubric and froze it out of the collector's way
(`gc.freeze()`, as `grader.cli` does), through `grader.workers.BoundedChecker` with one
worker, forked, in chunks of 64 students' answers. It prints the CPU time (user and system,
from `getrusage(RUSAGE_CHILDREN)`) the worker spent on them, per version, alternating for
`--rounds` rounds, and whether both versions gave every answer the same result. Nothing but
the worker's own work is counted: the class is generated once, in this process. With `--jobs
N`, N workers check them (one by default), and the CPU time the process that sends them the
answers and takes their results spends meanwhile (`RUSAGE_SELF`: the messages, their
pickles, the results) is printed too: the main process's share of a class's checking.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CHUNK = 64  # students a chunk, as grader.cli grades them

CHILD = """
import gc, hashlib, json, resource, sys
sys.path.insert(0, sys.argv[1])
from grader.model import Task
from grader.rubric import load_rubric
from grader.workers import BoundedChecker

rubric = load_rubric(sys.argv[2])
asked = json.loads(open(sys.argv[3], encoding="utf-8").read())
gc.freeze()
digests = []
with BoundedChecker(rubric, jobs=asked["jobs"]) as checker:
    before = resource.getrusage(resource.RUSAGE_SELF)
    for chunk in asked["chunks"]:
        results = checker.check([Task(item_id, text) for item_id, text in chunk])
        digests.extend(hashlib.sha256(repr(r).encode()).hexdigest()[:16] for r in results)
    after = resource.getrusage(resource.RUSAGE_SELF)
used = resource.getrusage(resource.RUSAGE_CHILDREN)
main = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
print(json.dumps({"cpu": used.ru_utime + used.ru_stime, "main": main, "digests": digests}))
"""


def class_chunks(students: int, seed: int, varied: bool) -> list[list[tuple[str, str]]]:
    """Every distinct (item, answer) of the class, in chunks of `CHUNK` students, each answer
    in the chunk of the first student who writes it."""
    sys.path.insert(0, str(ROOT / "bench"))
    import class_of_1000

    rng = random.Random(seed)
    seeds = class_of_1000.seed_answers()
    make = class_of_1000.varied_submission if varied else class_of_1000.distinct_submission
    seen: set[tuple[str, str]] = set()
    chunks: list[list[tuple[str, str]]] = []
    for number in range(1, students + 1):
        if (number - 1) % CHUNK == 0:
            chunks.append([])
        data = make(rng, number, seeds)
        for part, names in data["answers"].items():
            for name, text in names.items():
                task = (f"{part}.{name}", text)
                if text and text.strip() and task not in seen:
                    seen.add(task)
                    chunks[-1].append(task)
    return chunks


def run(grader: Path, rubric: Path, chunks_file: Path) -> dict:
    sys.path.insert(0, str(ROOT / "bench"))
    from distinct_checks import run_child

    return run_child(CHILD, grader, rubric, chunks_file)


def main() -> None:
    from machine import version_folder  # bench/ is this script's folder, first on its path

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--students", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=2252)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--jobs", type=int, default=1, help="worker processes (default 1)")
    parser.add_argument("--varied", action="store_true", help="`--distinct --varied`'s class")
    parser.add_argument(
        "--compare",
        metavar="DIR",
        type=version_folder,
        help="the folder holding another version's grader/",
    )
    args = parser.parse_args()

    chunks = class_chunks(args.students, args.seed, args.varied)
    tasks = sum(len(chunk) for chunk in chunks)
    versions = {"ours": ROOT}
    if args.compare:
        versions["compared"] = Path(args.compare).resolve()
    cpu: dict[str, list[float]] = {name: [] for name in versions}
    main_cpu: dict[str, list[float]] = {name: [] for name in versions}
    digests: dict[str, list[str]] = {}
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as handle:
        json.dump({"jobs": args.jobs, "chunks": chunks}, handle)
    try:
        for _ in range(args.rounds):
            for name, grader in versions.items():  # alternating, so a slow spell hits both
                measured = run(grader, ROOT / "rubrics" / "22-52-q4.yaml", Path(handle.name))
                cpu[name].append(measured["cpu"])
                main_cpu[name].append(measured["main"])
                digests[name] = measured["digests"]
    finally:
        os.unlink(handle.name)
    print(
        f"{tasks} distinct answers of {args.students} students"
        f"{' (varied)' if args.varied else ''}, "
        f"{'one forked worker' if args.jobs == 1 else f'{args.jobs} forked workers'}, "
        f"{args.rounds} rounds"
    )
    for name, seconds in cpu.items():
        print(
            f"{name:>9}: worker CPU s {' '.join(f'{s:.2f}' for s in seconds)}; "
            f"median {statistics.median(seconds):.2f}, "
            f"{statistics.median(seconds) / args.students * 1000:.1f} ms a student"
        )
    for name, seconds in main_cpu.items():
        print(
            f"{name:>9}: main CPU s {' '.join(f'{s:.3f}' for s in seconds)}; "
            f"median {statistics.median(seconds):.3f} (sending the answers, taking the results)"
        )
    if args.compare:
        ratios = [a / b for a, b in zip(cpu["ours"], cpu["compared"], strict=True)]
        print(f"ratio ours/compared per round: {' '.join(f'{r:.2f}' for r in ratios)}")
        same = digests["ours"] == digests["compared"]
        print(f"same results (verdict, marks, feedback, all): {'yes' if same else 'no'}")
    print(f"load average: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
