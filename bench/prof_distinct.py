"""Profile: the checks of the all-distinct class under cProfile, one kind of item at a time.

Run from the repository root (it imports the grader in the current folder):

    .venv/bin/python bench/prof_distinct.py formula    # the five formulas of 200 students
    .venv/bin/python bench/prof_distinct.py params     # their four counts

It grades the answers of `bench/distinct_checks.py` (the class of `bench/class_of_1000.py
--distinct`) whose item names end with the word given, after each item's reference, as a
forked worker would, and prints the 45 dearest functions by cumulative time, then the 25
dearest by their own time. (Copied from the lead's brief for branch `checks2`.)
"""

from __future__ import annotations

import cProfile
import os
import pstats
import sys

ROOT = os.getcwd()
sys.path.insert(0, ROOT + "/bench")
sys.path.insert(0, ROOT)

import distinct_checks  # noqa: E402  (found through the paths just set)

from grader.grade import grade_answer  # noqa: E402
from grader.rubric import load_rubric  # noqa: E402


def main() -> None:
    kind = sys.argv[1]
    tasks = [t for t in distinct_checks.class_tasks(200, 2252) if t[0].endswith(kind)]
    rubric = load_rubric(ROOT + "/rubrics/22-52-q4.yaml")
    for item in rubric.items.values():
        grade_answer(rubric, item, item.answer_text)
    print(tasks[:6])
    profile = cProfile.Profile()
    profile.enable()
    for item_id, text in tasks:
        grade_answer(rubric, rubric.items[item_id], text)
    profile.disable()
    pstats.Stats(profile).sort_stats("cumulative").print_stats(45)
    pstats.Stats(profile).sort_stats("tottime").print_stats(25)


if __name__ == "__main__":
    main()
