"""Benchmark: the rubric check that a count's answer is whole at every size (review 13), for
counts over many symbols, where every combination of small sizes is too many to try.

Run from the repository root:

    .venv/bin/python bench/whole_counts.py

It prints, for counts over 4 to 8 symbols, whole (a sum of triangular numbers, every point
tried) and not (a half of their product, found at once), the best of three wall times of
`whole_answer_problems` and what it says.
"""

from __future__ import annotations

import time

from grader.kinds.count.whole import whole_answer_problems
from grader.rubric import load_rubric_text

NAMES = "ABCDEFGH"
RUBRIC = """\
id: WHOLE-BENCH
title: Whole counts
symbols:
{symbols}
parts:
  a:
    marks: 1
    prompt: How many?
    items:
      n: {{type: count, marks: 1, answer: '{answer}'}}
"""


def answers(names: str) -> dict[str, str]:
    return {
        "triangular numbers (whole)": " + ".join(f"{n}({n}+1)/2" for n in names),
        "half a product (not whole)": f"{names}/2 + " + "".join(f"({n}+1)" for n in names) + "/3",
    }


def main() -> None:
    for count in (4, 6, 7, 8):
        names = NAMES[:count]
        symbols = "\n".join(f"  {n}: {{meaning: size {n}}}" for n in names)
        for what, answer in answers(names).items():
            rubric = load_rubric_text(RUBRIC.format(symbols=symbols, answer=answer), "bench")
            item = rubric.items["a.n"]
            best = float("inf")
            for _ in range(3):
                start = time.perf_counter()
                found = whole_answer_problems(item, rubric.context)
                best = min(best, time.perf_counter() - start)
            said = found[0].message.split(";")[0][-40:] if found else "whole"
            print(f"{count} symbols, {what:28} {best:7.3f} s   {said}")


if __name__ == "__main__":
    main()
