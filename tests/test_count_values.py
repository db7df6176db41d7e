"""A count's values at the rubric's sizes (`ItemResult.count_values`), which the count is
compared by with the student's own formula of the part: its exact value at each set of sizes,
None where it is not a whole number or has none there (a division by zero inside it, even one
that the fraction it reduces to would hide)."""

from __future__ import annotations

import pytest

from grader.grade import grade_answer
from grader.rubric import load_rubric_text

RUBRIC = load_rubric_text(
    "id: VALUES\ntitle: values\nsymbols:\n  P: {meaning: positions}\n  D: {meaning: outputs}\n"
    "check_sizes:\n  - {P: 4, D: 2}\n  - {P: 5, D: 3}\n"
    "parts:\n  a:\n    marks: 2\n    prompt: How many?\n    items:\n"
    "      n:\n        type: count\n        marks: 2\n        answer: 'PD + D'\n",
    "values.yaml",
)

VALUES = [
    pytest.param("PD + D", (10, 18), id="a count's values at each set of sizes"),
    pytest.param("PD/2", (4, None), id="not a whole number: None"),
    pytest.param("2^P", (16, 32), id="a power of a size"),
    pytest.param("⌊P/2⌋ D", (4, 6), id="a floor"),
    pytest.param("D/(P-4)", (None, 3), id="a division by zero: None"),
    pytest.param(
        "PD + 2/(1/(P-4) + 1)",
        (None, 16),
        id="a division by zero inside a fraction, which reduced would hide it: None",
    ),
]


@pytest.mark.parametrize(("answer", "values"), VALUES)
def test_a_counts_values_at_the_sizes(answer, values):
    result = grade_answer(RUBRIC, RUBRIC.items["a.n"], answer)
    assert result.count_values == values, result.feedback
