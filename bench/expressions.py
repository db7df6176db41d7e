"""Benchmark: the time per check of an expression answer, on the conformance cases (STACK's
AlgEquiv rows and our table of Math-Verify's algebraic test cases, tests/conformance/), beside
Math-Verify's own `parse` + `verify` on the same cases when it is installed.

Run from the repository root:

    .venv/bin/python bench/expressions.py
    .venv/bin/python bench/expressions.py --repeat 5

Math-Verify is not a dependency of grader; to compare, install it into your environment
(`.venv/bin/pip install math-verify`). Without it the bench says so and times grader alone.

For each case it times grade_answer (read, check and score one answer through the expression
kind, in this process: no worker, no time limit) with the rubric loaded beforehand, and, where
installed, math_verify.verify(parse(gold), parse(answer)) on the same two texts (with `$`
around a text that has none: its expression extractor alone reads none of STACK's `x`,
`sqrt(x^2)` or `abs(x)`, its LaTeX parser reads them). It prints, per table, the
median, 90th percentile and largest time per check of each, and how many cases each agrees on
with the table's expected result. The figures are for this machine under its present load;
they are not a test.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from test_conformance import (  # noqa: E402
    MATH_VERIFY,
    STACK,
    one_item_rubric,
)

from grader.grade import grade_answer  # noqa: E402

try:
    import math_verify
except ImportError:  # not a dependency of grader
    math_verify = None


def _cases() -> dict[str, list[tuple[str, str, str, str, bool]]]:
    """Per table: (reference, answer, expected, tolerance, whole names)."""
    return {
        "STACK AlgEquiv": [(t, s, e, "", True) for s, t, e, *_ in STACK],
        "Math-Verify algebraic": [(g, a, e, t, False) for g, a, e, t, *_ in MATH_VERIFY],
    }


def _grader(reference, answer, tolerance, whole_names, repeat) -> tuple[float, str]:
    rubric = one_item_rubric(reference, answer, tolerance, whole_names)
    item = rubric.items["a.it"]
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        result = grade_answer(rubric, item, answer)
        best = min(best, time.perf_counter() - start)
    verdict = {"correct": "1", "incorrect": "0", "partial": "0"}.get(result.verdict, "?")
    return best, verdict


def _dollars(text: str) -> str:
    return text if "$" in text or "\\[" in text or "\\(" in text else f"${text}$"


def _math_verify(reference, answer, tolerance, repeat) -> tuple[float, str]:
    """Math-Verify's verdict and best time. Every text is given between dollars: its
    expression extractor alone reads none of `x`, `sqrt(x^2)` or `abs(x)`."""
    rounding = int(tolerance.split("-")[-1]) if tolerance else 6  # 1e-4: 4 decimals
    best = float("inf")
    outcome = "?"
    for _ in range(repeat):
        start = time.perf_counter()
        try:
            gold = math_verify.parse(_dollars(reference))
            pred = math_verify.parse(_dollars(answer))
            outcome = "1" if math_verify.verify(gold, pred, float_rounding=rounding) else "0"
        except Exception:  # math-verify's own failure on a case: it does not agree
            outcome = "?"
        best = min(best, time.perf_counter() - start)
    return best, outcome


def _summary(name: str, times: list[float], agree: int, total: int) -> str:
    ordered = sorted(times)
    p90 = ordered[min(len(ordered) - 1, int(0.9 * len(ordered)))]
    return (
        f"  {name:<13} median {statistics.median(times) * 1000:7.2f} ms   "
        f"p90 {p90 * 1000:7.2f} ms   max {max(times) * 1000:7.2f} ms   "
        f"agrees on {agree}/{total}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--repeat", type=int, default=3, help="time each check N times, keep the best"
    )
    args = parser.parse_args()
    if math_verify is None:
        print(
            "math-verify is not installed: timing grader alone "
            "(.venv/bin/pip install math-verify to compare)"
        )
    for table, cases in _cases().items():
        ours, theirs = [], []
        ours_agree = theirs_agree = 0
        for reference, answer, expected, tolerance, whole in cases:
            seconds, verdict = _grader(reference, answer, tolerance, whole, args.repeat)
            ours.append(seconds)
            ours_agree += verdict == expected
            if math_verify is not None:
                seconds, verdict = _math_verify(reference, answer, tolerance, args.repeat)
                theirs.append(seconds)
                theirs_agree += verdict == expected
        print(f"{table} ({len(cases)} cases), time per check:")
        print(_summary("grader", ours, ours_agree, len(cases)))
        if theirs:
            print(_summary("math-verify", theirs, theirs_agree, len(cases)))


if __name__ == "__main__":
    main()
