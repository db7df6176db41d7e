"""One walk over a count's brackets (`grader.normalise.walk_brackets`) serves the three steps
that read them: matching (`check_brackets`), values listed in brackets
(`explain_listed_values`) and nesting with floors and ceilings (`check_rounding_nesting`).
Each says what it said when it walked the brackets itself."""

from __future__ import annotations

import pytest

from grader.errors import AnswerError
from grader.kinds.count.steps import check_rounding_nesting, explain_listed_values
from grader.normalise import BRACKETS, check_brackets, walk_brackets

WALKS = [
    pytest.param("P", [], id="no brackets"),
    pytest.param("(P)", [("(", ""), (")", "(")], id="a closing bracket sees what it closes"),
    pytest.param(
        "([P]{Q})",
        [("(", "("), ("[", "(["), ("]", "(["), ("{", "({"), ("}", "({"), (")", "(")],
        id="nested brackets, innermost last",
    ),
    pytest.param(")(", [(")", ""), ("(", "(")], id="a closing bracket that closes none"),
]


@pytest.mark.parametrize(("text", "walk"), WALKS)
def test_the_walk_gives_each_bracket_with_those_open_around_it(text, walk):
    seen = [
        (match.group(), "".join(m.group() for m in opened))
        for match, opened in walk_brackets(text, BRACKETS)
    ]
    # an opening bracket is on its own list: drop it to compare with the brackets around it
    assert seen == [
        (bracket, around if bracket in ")]}" else around[:-1] + bracket) for bracket, around in walk
    ]


def test_after_the_walk_the_list_holds_the_brackets_never_closed():
    *_, (_, opened) = walk_brackets("((P) + (Q", BRACKETS)
    assert [m.start() for m in opened] == [0, 7]


def _said(step, text):
    try:
        step(text)
    except AnswerError as error:
        return error.position, error.message
    return None


DEEP = "⌊" * 21
SAID = [
    pytest.param(check_brackets, "(P]", (2, "']' closes the '(' at column 1; expected ')'")),
    pytest.param(check_brackets, "P)", (1, "')' has no matching '('")),
    pytest.param(check_brackets, "((P) + (Q", (7, "'(' is never closed")),
    pytest.param(
        check_brackets, "(" * 21 + ")" * 21, (20, "brackets are nested more than 20 deep")
    ),
    pytest.param(
        explain_listed_values,
        "max(P, 1)",
        (
            5,
            "max(…) with several arguments is not supported in a count; write the count as one "
            "formula in the question's symbols",
        ),
    ),
    pytest.param(
        explain_listed_values,
        "(B, N)",
        (
            2,
            "values listed in brackets (a shape such as (B, N, M)) are not a count; write the "
            "count as one formula in the question's symbols",
        ),
    ),
    pytest.param(explain_listed_values, "(1,000 + C)", None, id="a thousands separator"),
    pytest.param(explain_listed_values, "{P, Q}", None, id="a comma in braces"),
    pytest.param(explain_listed_values, ")(P, Q", (3, None), id="after a bracket closing none"),
    pytest.param(
        check_rounding_nesting,
        "(" * 20 + "\\lfloor P",
        (20, "brackets are nested more than 20 deep"),
    ),
    pytest.param(check_rounding_nesting, DEEP[1:], None, id="20 floors deep"),
    pytest.param(check_rounding_nesting, DEEP, (20, "brackets are nested more than 20 deep")),
    pytest.param(
        check_rounding_nesting,
        "⌋" + DEEP,
        None,
        id="a floor closing none takes one off the depth after it, as it always did",
    ),
]


@pytest.mark.parametrize(("step", "text", "said"), SAID)
def test_each_step_says_what_it_said(step, text, said):
    found = _said(step, text)
    if said is not None and said[1] is None:
        assert found is not None and found[0] == said[0]
    else:
        assert found == said
