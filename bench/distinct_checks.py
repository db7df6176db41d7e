"""Benchmark: the computing time of each check of an all-distinct class, item by item, beside
another version of the grader.

Run from the repository root:

    .venv/bin/python bench/distinct_checks.py
    .venv/bin/python bench/distinct_checks.py --compare /tmp/main   # beside another version (the folder holding its grader/)
    .venv/bin/python bench/distinct_checks.py --explanations --compare /tmp/main
    .venv/bin/python bench/distinct_checks.py --explanations --students 10000 --own-words

It takes the class of `bench/class_of_1000.py --distinct` (every student's five formulas and
four counts carry the student's number, so no two students share one; the explanations are
left out, being the text kind's), and grades every answer once, in a process of its own as a
forked worker does: the rubric loaded and each item's reference graded first, then each answer
timed by the process's CPU time (`time.process_time`), which other work on the machine
inflates less than the clock. With `--compare DIR` the grader package in DIR (another
version, e.g. `git archive HEAD grader | tar -x -C DIR`) grades the same answers in the same
way; the two alternate for `--rounds` rounds, and each answer keeps its smallest time. It
prints, per item, the median and the total for each version and their ratio, the checks'
CPU time per student, and whether both versions gave every answer the same result (verdict,
marks, feedback and all).

With `--explanations` the answers are instead the distinct explanations of the class of
`bench/class_of_1000.py` (not `--distinct`: its explanations are the same), each checked once
in the order the class first writes it; with `--explanations --own-words`, those of
`bench/class_of_1000.py --own-words`, in the students' own words.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import statistics
import subprocess
import sys
import tempfile
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

CHILD = """
import json, sys, time
sys.path.insert(0, sys.argv[1])
from grader.grade import grade_answer
from grader.rubric import load_rubric
import hashlib

rubric = load_rubric(sys.argv[2])
tasks = json.loads(open(sys.argv[3], encoding="utf-8").read())
for item in rubric.items.values():  # the references, as a worker forked from a run has them
    grade_answer(rubric, item, item.answer_text)
times, digests = [], []
for item_id, text in tasks:
    started = time.process_time()
    result = grade_answer(rubric, rubric.items[item_id], text)
    times.append(time.process_time() - started)
    digests.append(hashlib.sha256(repr(result).encode()).hexdigest()[:16])
print(json.dumps({"times": times, "digests": digests}))
"""


def class_tasks(students: int, seed: int, varied: bool = False) -> list[tuple[str, str]]:
    """The formulas and counts of the all-distinct class of `bench/class_of_1000.py`
    (`--distinct`, or with `varied` `--distinct --varied`)."""
    sys.path.insert(0, str(ROOT / "bench"))
    import class_of_1000  # imports this repository's grader, in this process only

    tasks = []
    for data in class_of_1000.class_submissions(students, seed, "varied" if varied else "factor"):
        for part, names in data["answers"].items():
            for name, text in names.items():
                if name != "explanation" and text:
                    tasks.append((f"{part}.{name}", text))
    return tasks


def explanation_tasks(students: int, seed: int, own_words: bool = False) -> list[tuple[str, str]]:
    """The distinct, non-empty explanations of the class of `bench/class_of_1000.py` (with
    `own_words`, of `--own-words`)."""
    sys.path.insert(0, str(ROOT / "bench"))
    import class_of_1000

    texts = class_of_1000.class_explanations(students, seed, own_words)
    return [("e.explanation", text) for text in texts]


def run(grader: Path, rubric: Path, tasks_file: Path) -> dict:
    return run_child(CHILD, grader, rubric, tasks_file)


def run_child(child: str, grader: Path, rubric: Path, data_file: Path) -> dict:
    """The JSON a measuring script (`child`) prints, run in a new interpreter on the grader
    package of the folder `grader`, the rubric and the file of what it measures."""
    done = subprocess.run(
        [sys.executable, "-c", child, str(grader), str(rubric), str(data_file)],
        capture_output=True,
        text=True,
        check=True,
        cwd=tempfile.gettempdir(),  # not the repository: its grader must not shadow DIR's
    )
    return json.loads(done.stdout)


def main() -> None:
    from machine import version_folder  # bench/ is this script's folder, first on its path

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--students", type=int, default=200)
    parser.add_argument("--seed", type=int, default=2252)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument(
        "--compare",
        metavar="DIR",
        type=version_folder,
        help="the folder holding another version's grader/",
    )
    parser.add_argument(
        "--explanations",
        action="store_true",
        help="the class's distinct explanations instead (default --students 1000)",
    )
    parser.add_argument(
        "--varied",
        action="store_true",
        help="the class of `class_of_1000.py --distinct --varied`: distinct answers that vary "
        "in shape as a class's do, not only in a number",
    )
    parser.add_argument(
        "--own-words",
        action="store_true",
        help="with --explanations: those of `class_of_1000.py --own-words`, in the students' "
        "own words (nearly every sentence text distinct)",
    )
    args = parser.parse_args()
    if args.own_words and not args.explanations:
        parser.error("--own-words goes with --explanations")
    if args.explanations and args.students == parser.get_default("students"):
        args.students = 1000

    from machine import describe_machine

    if args.explanations:
        tasks = explanation_tasks(args.students, args.seed, args.own_words)
    else:
        tasks = class_tasks(args.students, args.seed, args.varied)
    rubric = ROOT / "rubrics" / "22-52-q4.yaml"
    versions = {"ours": ROOT}
    if args.compare:
        versions["compared"] = Path(args.compare).resolve()
    best: dict[str, list[float]] = {}
    digests: dict[str, list[str]] = {}
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as handle:
        json.dump(tasks, handle)
    try:
        for _ in range(args.rounds):
            for name, grader in versions.items():  # alternating, so a slow spell hits both
                measured = run(grader, rubric, Path(handle.name))
                times = measured["times"]
                best[name] = [min(a, b) for a, b in zip(best.get(name, times), times, strict=True)]
                digests[name] = measured["digests"]
    finally:
        os.unlink(handle.name)

    print(describe_machine())
    own_words = ", in the students' own words" if args.own_words else ""
    print(
        f"{len(tasks)} distinct checks ({args.students} students x "
        f"{'the explanation' if args.explanations else '9 items'}"
        f"{own_words}), best of "
        f"{args.rounds} rounds, CPU ms of this process"
    )
    if args.explanations:
        from class_of_1000 import describe_explanations

        print(describe_explanations(args.students, args.seed, args.own_words))
    by_item: dict[str, dict[str, list[float]]] = defaultdict(lambda: defaultdict(list))
    for name, times in best.items():
        for (item_id, _), seconds in zip(tasks, times, strict=True):
            by_item[item_id][name].append(seconds * 1000)
    header = f"{'item':<10} {'median ms':>10} {'total s':>8}"
    if args.compare:
        header += f" {'compared':>9} {'total s':>8} {'median ratio':>13}"
    print(header)
    for item_id in sorted(by_item):
        ours = by_item[item_id]["ours"]
        line = f"{item_id:<10} {statistics.median(ours):>10.2f} {sum(ours) / 1000:>8.2f}"
        if args.compare:
            other = by_item[item_id]["compared"]
            ratio = statistics.median(other) / statistics.median(ours)
            line += f" {statistics.median(other):>9.2f} {sum(other) / 1000:>8.2f} {ratio:>12.2f}x"
        print(line)
    for name, times in best.items():
        total = sum(times)
        print(
            f"{name}: {total:.2f} s of CPU for the checks, {total / args.students * 1000:.1f} ms "
            f"a student: at most {2 * args.students / total:.0f} submissions/s on 2 cores "
            "from the checks alone"
        )
    if args.compare:
        same = digests["ours"] == digests["compared"]
        differ = sum(a != b for a, b in zip(digests["ours"], digests["compared"], strict=True))
        verdict = "yes" if same else f"no, {differ} differ"
        print(f"same results (verdict, marks, feedback, all): {verdict}")
    print(f"load average: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    digest = hashlib.sha256("".join(digests["ours"]).encode()).hexdigest()[:16]
    print(f"digest of every result (ours): {digest}")


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT / "bench"))
    main()
