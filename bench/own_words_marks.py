"""Benchmark companion: does `class_of_1000.py --own-words` keep what each explanation says?

Run from the repository root:

    .venv/bin/python bench/own_words_marks.py                  # 2,000 students
    .venv/bin/python bench/own_words_marks.py --students 6000 --show 1

It draws the class of `bench/class_of_1000.py` twice with the same seed, its explanations drawn
from the sentence lists and in the students' own words (the same sentences reworded: see
`in_own_words`), grades each student's explanation (`e.explanation`, rubrics/22-52-q4.yaml) in
this process both ways, and prints the marks and verdicts of each class side by side, how many
students get the same marks and verdict both ways, and each change (the marks and verdict
drawn from the lists -> in their own words); with --show N, N students of each change, both
explanations and the feedback. A rewording that keeps what the sentences say leaves nearly every
student's marks as they were.
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from class_of_1000 import RUBRIC, class_submissions  # noqa: E402

from grader.grade import grade_answer  # noqa: E402
from grader.model import ItemResult  # noqa: E402
from grader.rubric import load_rubric  # noqa: E402


def students_explanations(students: int, seed: int, own_words: bool) -> list[str | None]:
    """Each student's explanation, in order (None where the student left it out)."""
    return [
        data["answers"].get("e", {}).get("explanation")
        for data in class_submissions(students, seed, own_words=own_words)
    ]


def graded(texts: list[str | None]) -> list[ItemResult]:
    """Each explanation's result, each distinct text graded once."""
    rubric = load_rubric(RUBRIC)
    item = rubric.items["e.explanation"]
    results: dict[str | None, ItemResult] = {}
    for text in texts:
        if text not in results:
            results[text] = grade_answer(rubric, item, text)
    return [results[text] for text in texts]


def print_class(label: str, results: list[ItemResult]) -> None:
    marks = Counter(result.marks for result in results)
    verdicts = Counter(result.verdict for result in results)
    mean = sum(result.marks for result in results) / len(results)
    print(f"{label:<28} mean {mean:.3f}  marks " + ", ".join(
        f"{mark:g}: {marks[mark]}" for mark in sorted(marks)
    ) + "  verdicts " + ", ".join(f"{v}: {n}" for v, n in verdicts.most_common()))  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--students", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=2252)
    parser.add_argument("--show", type=int, default=0, help="students shown of each change")
    args = parser.parse_args()

    drawn = students_explanations(args.students, args.seed, own_words=False)
    own = students_explanations(args.students, args.seed, own_words=True)
    before, after = graded(drawn), graded(own)
    print(f"{args.students} students, seed {args.seed}: e.explanation, {RUBRIC.name}")
    print_class("drawn from the lists", before)
    print_class("in their own words", after)
    changes: Counter = Counter()
    shown: Counter = Counter()
    for text, reworded, old, new in zip(drawn, own, before, after, strict=True):
        if (old.marks, old.verdict) == (new.marks, new.verdict):
            continue
        change = f"{old.marks:g} {old.verdict} -> {new.marks:g} {new.verdict}"
        changes[change] += 1
        if shown[change] < args.show:
            shown[change] += 1
            print(f"\n{change}\n  drawn: {text}\n  own:   {reworded}\n  feedback: {new.feedback}")
    same = args.students - sum(changes.values())
    print(f"\nsame marks and verdict: {same} of {args.students} ({same / args.students:.1%})")
    for change, count in changes.most_common():
        print(f"  {count:>4}  {change}")


if __name__ == "__main__":
    main()
