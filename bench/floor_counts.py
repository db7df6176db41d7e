"""Benchmark: how long checking a count with floor or ceiling takes (issue 14, part 3).

Run from the repository root:

    .venv/bin/python bench/floor_counts.py

It grades answers to STRIDED-Q1 (a) (rubrics/strided-q1.yaml, an output length with a floor),
right and wrong, in this process, each many times over (the count-polynomial cache cleared
each time; sympy's own cache is left as a worker's would be), and prints the median and the
worst time per answer. Figures depend on the machine and its load; nothing here asserts a
time.
"""

from __future__ import annotations

import statistics
import time
from pathlib import Path

from grader.grade import grade_answer
from grader.kinds.count import polynomials
from grader.rubric import load_rubric

ROOT = Path(__file__).resolve().parent.parent
ANSWERS = [
    r"\lfloor (P+2-3)/2 \rfloor + 1",
    "ceil(P/2)",
    r"\lfloor \lfloor P/2 \rfloor / 3 \rfloor + \lceil P/6 \rceil",
    r"\lfloor P/2 \rfloor",
    "P/2",
    "floor((P-3)/2) + 1",
    "floor(P/C)",
]
ROUNDS = 30


def main() -> None:
    rubric = load_rubric(ROOT / "rubrics" / "strided-q1.yaml")
    item = rubric.items["a.length"]
    print(f"{'answer':<62} {'verdict':<13} {'median ms':>9} {'worst ms':>9}")
    for answer in ANSWERS:
        times = []
        for _ in range(ROUNDS):
            polynomials.as_fraction.cache_clear()
            start = time.perf_counter()
            result = grade_answer(rubric, item, answer)
            times.append((time.perf_counter() - start) * 1000)
        print(
            f"{answer:<62} {result.verdict:<13} {statistics.median(times):9.2f} {max(times):9.2f}"
        )


if __name__ == "__main__":
    main()
