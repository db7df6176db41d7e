"""Benchmark: time to grade one distinct matrix answer (parse, shapes, values on random
matrices, the rewritings that diagnose a wrong one, score).

Run from the repository root:

    .venv/bin/python bench/matrices.py

It grades every self-test answer of rubrics/linear-backward-q1.yaml and
rubrics/attention-q2.yaml that is a matrix answer, right and wrong, each once with the caches
of values cleared, as a new answer in a class would be (the reference's values are computed
once per item and kept). It prints the median and the slowest time per item and over all, and
the machine it ran on.
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from machine import describe_machine  # noqa: E402

from grader.grade import grade_answer  # noqa: E402
from grader.kinds.matrix import evaluate  # noqa: E402
from grader.rubric import load_rubric  # noqa: E402

RUBRICS = ["linear-backward-q1.yaml", "attention-q2.yaml"]


def main() -> None:
    print(describe_machine())
    every = []
    for name in RUBRICS:
        rubric = load_rubric(ROOT / "rubrics" / name)
        for item in rubric.items.values():
            if item.type != "matrix":
                continue
            answers = [t.answer for t in rubric.tests if t.item_id == item.id]
            grade_answer(rubric, item, item.answer_text)  # the reference's values, kept
            times = []
            for answer in answers:
                evaluate._evaluated.cache_clear()
                grade_answer(rubric, item, item.answer_text)
                start = time.perf_counter()
                grade_answer(rubric, item, answer)
                times.append(time.perf_counter() - start)
            every += times
            print(
                f"{rubric.id} {item.id}: {len(times)} answers, median "
                f"{statistics.median(times) * 1000:.1f} ms, slowest {max(times) * 1000:.1f} ms"
            )
    print(
        f"all: {len(every)} answers, median {statistics.median(every) * 1000:.1f} ms, "
        f"slowest {max(every) * 1000:.1f} ms"
    )


if __name__ == "__main__":
    main()
