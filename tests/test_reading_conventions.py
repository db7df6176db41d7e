"""Issue 14, parts 3 and 4: more maths a count may use (floor and ceiling, //, 2^C, symbols
with digits), compared exactly or sent to a person, never guessed; and the rubric's
conventions (answer lists, index_base, relations), each validated with its file, line and
key."""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

import pytest
import sympy
from hypothesis import given, settings
from hypothesis import strategies as st

from grader.errors import RubricError
from grader.grade import grade_answer
from grader.kinds.count.parse import parse
from grader.kinds.count.polynomials import evaluate, identically_zero
from grader.model import Rubric
from grader.rubric import load_rubric, load_rubric_text
from grader.rubric_check import check_rubric

ROOT = Path(__file__).resolve().parent.parent
COMPARED = (
    "Floor and ceiling were compared exactly for every size, taking P = 2t and P = 2t + 1 "
    "in turn (t = 0, 1, 2, ...)."
)


@cache
def bundled(name: str) -> Rubric:
    return load_rubric(ROOT / "rubrics" / f"{name}.yaml")


def grade(name: str, item_id: str, answer: str):
    rubric = bundled(name)
    return grade_answer(rubric, rubric.items[item_id], answer)


# --- Floor and ceiling ---------------------------------------------------------------------

LENGTHS = {
    "ceil of P/2 equals the floor with padding": (
        "ceil(P/2)", "correct", 2.0, ("Correct.", COMPARED),
    ),
    "the floor written another way": (
        r"\lfloor (P+1)/2 \rfloor", "correct", 2.0, ("Correct.", COMPARED),
    ),
    "Unicode brackets": ("⌈P/2⌉", "correct", 2.0, ("Correct.", COMPARED)),
    "the same floor needs no classes": (
        r"\left\lfloor \dfrac{P-1}{2} \right\rfloor + 1", "correct", 2.0, ("Correct.",),
    ),
    "a floor wrong for odd P gets a counterexample at an odd P": (
        r"\lfloor P/2 \rfloor",
        "incorrect",
        0.0,
        (
            "Your count is not equal to the correct count.",
            "With P=9 your count gives 4; the correct count is 5.",
            COMPARED,
        ),
    ),
    "a misconception with floor fires by the same comparison": (
        "floor((P-3)/2) + 1",
        "partial",
        1.0,
        (
            "This is the length without padding. With one zero on each side the input is "
            "P + 2 long: ⌊(P + 2 - 3)/2⌋ + 1.",
            "With P=9 your count gives 4; the correct count is 5.",
            COMPARED,
        ),
    ),
}  # fmt: skip


@pytest.mark.parametrize(
    ("answer", "verdict", "marks", "feedback"), LENGTHS.values(), ids=LENGTHS.keys()
)
def test_a_count_with_floor_is_compared_exactly_saying_on_which_sizes(
    answer, verdict, marks, feedback
):
    result = grade("strided-q1", "a.length", answer)
    assert (result.verdict, result.marks, result.feedback) == (verdict, marks, feedback)


@pytest.mark.parametrize(
    "answer",
    ["(P-1)/2+1", "(P+1)/2", "P/2 + 1/2", "(P+2-3)/2 + 1"],
    ids=["floor dropped", "simplified", "split", "as the reference writes it"],
)
def test_the_reference_without_its_floor_earns_what_p_over_2_earns(answer):
    # The same "a length is a whole number" slip as P/2 (and right for odd P, where P/2 is
    # right for none): it must not score lower than P/2, and it is told the same thing.
    slip = grade("strided-q1", "a.length", "P/2")
    result = grade("strided-q1", "a.length", answer)
    assert (result.verdict, result.marks) == ("partial", slip.marks)
    assert result.diagnosis.startswith("misconception")
    assert result.feedback[0].startswith("A length is a whole number of positions")
    assert "not whole for an even P" in result.feedback[0]


def test_what_the_checker_cannot_decide_goes_to_a_person():
    # ⌊2x⌋ - ⌊x⌋ - ⌊x + 1/2⌋ is 0 for every x (Hermite), here x = P/C: this is ⌈P/2⌉ at
    # every size, but no exact comparison covers a floor of a division by a size, and no
    # sizes tell it from the reference: a person decides.
    result = grade(
        "strided-q1",
        "a.length",
        r"ceil(P/2) + \lfloor 2P/C \rfloor - \lfloor P/C \rfloor - \lfloor (2P+C)/(2C) \rfloor",
    )
    assert result.verdict == "needs_review"
    assert result.marks == 0
    assert result.feedback[0] == (
        "The automatic check cannot decide this count exactly (a floor or ceiling of a "
        "division by a size)."
    )


def test_what_the_checker_cannot_decide_but_sizes_prove_wrong_is_wrong():
    result = grade("strided-q1", "a.length", "floor(P/C)")
    assert (result.verdict, result.marks, result.feedback) == (
        "incorrect",
        0.0,
        (
            "Your count is not equal to the correct count.",
            "With P=9, C=2 your count gives 4; the correct count is 5.",
        ),
    )


def test_a_reference_the_checker_cannot_decide_is_refused_with_its_line_and_key():
    text = (ROOT / "rubrics" / "strided-q1.yaml").read_text(encoding="utf-8")
    text = text.replace(
        r"answer: '\lfloor (P+2-3)/2 \rfloor + 1'", r"answer: '\lfloor P/C \rfloor'"
    )
    with pytest.raises(RubricError) as refused:
        load_rubric_text(text, "strided.yaml")
    assert re.search(
        r"strided\.yaml:\d+: parts\.a\.items\.length\.answer: the checker cannot decide counts "
        r"like '\\lfloor P/C \\rfloor': a floor or ceiling of a division by a size",
        str(refused.value),
    ), str(refused.value)


# Found by a probe: grouped-q1 declares C and D multiples of G, so C/G is whole at every size
# it allows, but a floor of it went to a person ("a floor or ceiling of a division by a
# size"), and a rubric could not use one in its own answer.
@pytest.mark.parametrize(
    ("answer", "verdict"),
    [
        pytest.param(r"9\lfloor C/G \rfloor D + D", "correct", id="⌊C/G⌋"),
        pytest.param(r"9 \lceil C/G \rceil \lceil D/G \rceil G + D", "correct", id="⌈C/G⌉⌈D/G⌉G"),
        pytest.param(r"\lfloor 9CD/G^2 \rfloor G + D", "correct", id="⌊9CD/G²⌋, both multiples"),
        pytest.param(r"9\lfloor C/G \rfloor D", "partial", id="⌊C/G⌋, no biases"),
        pytest.param(r"9\lfloor C/G \rfloor D/G + D", "incorrect", id="⌊C/G⌋, divided again"),
    ],
)
def test_a_floor_of_a_division_by_a_declared_divisor_is_that_division(answer, verdict):
    assert grade("grouped-q1", "b.params", answer).verdict == verdict


def test_a_rubric_answer_may_floor_a_division_by_a_declared_divisor():
    text = (ROOT / "rubrics" / "grouped-q1.yaml").read_text(encoding="utf-8")
    floored = text.replace("answer: '9CD/G + D'", r"answer: '9\lfloor C/G \rfloor D + D'", 1)
    assert floored != text
    rubric = load_rubric_text(floored, "floored.yaml")
    assert check_rubric(rubric) == []
    assert grade_answer(rubric, rubric.items["b.params"], "9CD/G + D").verdict == "correct"


# Only a symbol's first `multiple_of` was used: C declared a multiple of G and of H, ⌊C/H⌋
# went to a person ("a floor or ceiling of a division by a size") though H divides C.
TWO_DIVISORS = """\
id: CMUL2
symbols:
  C: {meaning: channels, assumptions: [positive, integer], example: 12, multiple_of: [G, H]}
  G: {meaning: groups, assumptions: [positive, integer], example: 2}
  H: {meaning: heads, assumptions: [positive, integer], example: 3}
parts:
  a:
    marks: 2
    prompt: Channels per group plus channels per head.
    items:
      n: {type: count, marks: 2, answer: 'C/G + C/H'}
"""


@pytest.mark.parametrize(
    ("answer", "verdict"),
    [
        pytest.param(r"\lfloor C/H \rfloor + C/G", "correct", id="⌊C/H⌋, the second divisor"),
        pytest.param(r"\lfloor C/G \rfloor + \lceil C/H \rceil", "correct", id="⌊C/G⌋ + ⌈C/H⌉"),
        pytest.param(r"\lfloor C/(GH) \rfloor + C/G", "incorrect", id="⌊C/(GH)⌋: not whole"),
    ],
)
def test_every_declared_divisor_of_a_symbol_makes_its_division_whole(answer, verdict):
    rubric = load_rubric_text(TWO_DIVISORS, "two-divisors.yaml")
    assert grade_answer(rubric, rubric.items["a.n"], answer).verdict == verdict


SYMBOLS = {name: sympy.Symbol(name, positive=True, integer=True) for name in ("P", "C")}


@given(
    st.integers(-5, 5), st.integers(1, 6), st.integers(-5, 5), st.integers(1, 6),
    st.sampled_from(["floor", "ceil"]), st.sampled_from(["floor", "ceil"]),
)  # fmt: skip
def test_the_exact_comparison_agrees_with_every_size_it_covers(a, m, b, n, first, second):
    """floor/ceil((P + a)/m) against floor/ceil((P + b)/n): equal for every P exactly when the
    comparison says so (one period, lcm(m, n), from P = 1 decides it)."""
    left = parse(f"{first}((P + {a})/{m})", SYMBOLS).expr
    right = parse(f"{second}((P + {b})/{n})", SYMBOLS).expr
    equal, _ = identically_zero(left - right, tuple(SYMBOLS.values()))
    values = [
        (evaluate(left, {SYMBOLS["P"]: p}), evaluate(right, {SYMBOLS["P"]: p}))
        for p in range(1, 2 * m * n + 2)
    ]
    assert equal == all(x == y for x, y in values)


def test_nested_floors_are_compared_on_the_classes_of_their_product():
    P = SYMBOLS["P"]
    nested = parse(r"\lfloor \lfloor P/2 \rfloor / 3 \rfloor", SYMBOLS).expr
    equal, classes = identically_zero(nested - sympy.floor(P / 6), (P,))
    assert equal
    assert [c.describe() for c in classes] == [f"P = 6t + {r}" if r else "P = 6t" for r in range(6)]


# --- Integer division, powers, symbols with digits -----------------------------------------

TWO_LAYERS = """\
id: TWO
title: two layers
symbols:
  C: {meaning: the number of channels, example: 3}
  x1: {meaning: the first width, example: 4}
  x_2: {meaning: the second width, example: 5}
parts:
  a:
    marks: 4
    prompt: masks and a layer
    items:
      masks: {type: count, marks: 2, answer: '2^C'}
      params: {type: count, marks: 2, answer: 'x1 x_2 + x_2'}
"""


@cache
def two_layers() -> Rubric:
    return load_rubric_text(TWO_LAYERS, "two.yaml")


READ = {
    "2^C with the power split": ("a.masks", r"2 \cdot 2^{C-1}", "correct"),
    "4^C is (2^C)^2, not 2^C": ("a.masks", "4^C", "incorrect"),
    "2^C is not C^2": ("a.masks", "C^2", "incorrect"),
    "symbols with a digit, run together": ("a.params", "x1x_2 + x_2", "correct"),
    "a subscript in braces": ("a.params", "x1 x_{2} + x_{2}", "correct"),
}


@pytest.mark.parametrize(("item_id", "answer", "verdict"), READ.values(), ids=READ.keys())
def test_powers_and_symbols_with_digits_are_read(item_id, answer, verdict):
    rubric = two_layers()
    assert grade_answer(rubric, rubric.items[item_id], answer).verdict == verdict


REFUSED = {
    "// where the rubric does not allow it": (
        "two",
        "a.masks",
        "2^C // 2",
        "'//' (integer division) is not used in this question: write a division with '/', "
        "or round it with \\lfloor ... \\rfloor",
    ),
    "a symbol to the power of a symbol": (
        "two",
        "a.masks",
        "x1^C",
        "a symbol in an exponent needs a number as its base, such as 2^C",
    ),
    "a fraction of a symbol in an exponent": (
        "two",
        "a.masks",
        "2^{C/2}",
        "an exponent with symbols must be a sum of whole multiples of symbols and a whole "
        "number, such as C + 1 or 2C",
    ),
    "floor without brackets": (
        "two",
        "a.masks",
        "floor C/2",
        "floor is a function here: put what it rounds in brackets, e.g. floor(P/2)",
    ),
    "a symbol with a digit the rubric does not declare": (
        "two",
        "a.params",
        "C2 + x_2",
        "'C2' is ambiguous: a number after another factor needs an operator, e.g. '*' or '^' "
        "(C2 is not a symbol of this question; its symbols are C, x1, x_2)",
    ),
    "a symbol with a digit, declared with a subscript": (
        "two",
        "a.params",
        "x1 x2 + x2",
        "unknown symbol x2, did you mean x_2?; the symbols of this question are C, x1, x_2",
    ),
}


@pytest.mark.parametrize(("name", "item_id", "answer", "message"), REFUSED.values(), ids=REFUSED)
def test_what_a_count_cannot_be_is_refused_saying_why(name, item_id, answer, message):
    rubric = two_layers()
    result = grade_answer(rubric, rubric.items[item_id], answer)
    assert result.verdict == "invalid"
    assert result.feedback[0].startswith(f"We could not read your answer: {message} (at column")


# --- index_base ----------------------------------------------------------------------------

ZERO_BASED = r"y_{i,k} = \sum_{u=-1}^{1}\sum_{l=0}^{C-1} w_{u,l,k} x_{2i+u,l} + b_k"
ONE_BASED = r"y_{i,k} = \sum_{u=-1}^{1}\sum_{l=1}^{C} w_{u,l,k} x_{2i-1+u,l} + b_k"


def strided(index_base: str, answer: str = ONE_BASED) -> Rubric:
    text = (ROOT / "rubrics" / "strided-q1.yaml").read_text(encoding="utf-8")
    text = text.replace("index_base: any", f"index_base: {index_base}")
    text = text.replace(f"answer: '{ONE_BASED}'", f"answer: '{answer}'")
    credit = "          bias_missing: 1\n        misconceptions:\n          - answer: 'y"
    text = text.replace(credit, credit.replace("1\n", "1\n          index_base: 2\n", 1))
    return load_rubric_text(text, "strided.yaml")


INDEX_BASES = {
    "any: from 0 is right, with a note": (
        "any", ONE_BASED, ZERO_BASED, "correct", 3.0, None, ("read the indices as counted from 0",),
    ),
    "any: from 1 is right": ("any", ONE_BASED, ONE_BASED, "correct", 3.0, None, ()),
    "any: positions from 0, channels from 1": (
        "any", ONE_BASED, r"y_{i,k} = \sum_{u=-1}^{1}\sum_{l=1}^{C} w_{u,l,k} x_{2i+u,l} + b_k",
        "correct", 3.0, None,
        ("read the positions' indices as counted from 0 and the channels' from 1",),
    ),
    "any: positions from 0, the channels' sum without its range": (
        "any", ONE_BASED, r"y_{i,k} = \sum_{u=-1}^{1}\sum_{l} w_{u,l,k} x_{2i+u,l} + b_k",
        "correct", 3.0, None,
        ("read the positions' indices as counted from 0 and the channels' from 1",),
    ),
    "any: positions from 0 with the taps from 0, channels from 1": (
        "any", ONE_BASED, r"y_{i,k} = \sum_{u=0}^{2}\sum_{l=1}^{C} w_{u,l,k} x_{2i+u-1,l} + b_k",
        "correct", 3.0, None,
        ("read the positions' indices as counted from 0 and the channels' from 1",),
    ),
    "any: channels from 0, positions from 1": (
        "any", ONE_BASED,
        r"y_{i,k} = \sum_{u=-1}^{1}\sum_{l=0}^{C-1} w_{u,l,k} x_{2i-1+u,l} + b_k",
        "correct", 3.0, None,
        ("read the channels' indices as counted from 0 and the positions' from 1",),
    ),
    # Right in neither base; its windows are the layer's moved by one output (window_offset),
    # which this rubric gives no marks: an instructor's call, never a silent 0.
    "any: one too far in every base is not right, and goes to an instructor": (
        "any", ONE_BASED, r"y_{i,k} = \sum_{u=-1}^{1}\sum_{l=1}^{C} w_{u,l,k} x_{2i+u+1,l} + b_k",
        "needs_review", 0.0, None, (),
    ),
    # Moved by two positions only when read from 0 (by three from 1, no moved window): the
    # reading the other base allows, said in a note (it was told "wrong inputs", 0 marks).
    "any: positions from 0 and the window moved: a moved window, with the note": (
        "any", ONE_BASED, r"y_{i,k} = \sum_{u=1}^{3}\sum_{l=1}^{C} w_{u,l,k} x_{2i+u,l} + b_k",
        "needs_review", 0.0, None,
        ("read the positions' indices as counted from 0 and the channels' from 1",),
    ),
    "1: from 0 and the window moved besides is told both, for a person": (
        "1", ONE_BASED, r"y_{i,k} = \sum_{u=1}^{3}\sum_{l=0}^{C-1} w_{u,l,k} x_{2i+u,l} + b_k",
        "needs_review", 0.0,
        "Your formula is indexed from 0, but this question indexes from 1: read with indices "
        "counted from 0, its window is moved (below); counted from 1, as the question asks, it "
        "does not define the right layer.",
        (),
    ),
    "1: from 0 is told so in those words": (
        "1", ONE_BASED, ZERO_BASED, "partial", 2.0,
        "Your formula is indexed from 0, but this question indexes from 1: read with indices "
        "counted from 0, it defines the right layer; counted from 1, as the question asks, it "
        "does not.",
        (),
    ),
    "0: a rubric written from 0 takes answers from 0": (
        "0", ZERO_BASED, ZERO_BASED, "correct", 3.0, None, (),
    ),
    "0: from 1 is told so in those words": (
        "0", ZERO_BASED, ONE_BASED, "partial", 2.0,
        "Your formula is indexed from 1, but this question indexes from 0: read with indices "
        "counted from 1, it defines the right layer; counted from 0, as the question asks, it "
        "does not.",
        (),
    ),
}  # fmt: skip


@pytest.mark.parametrize(
    ("base", "reference", "answer", "verdict", "marks", "words", "notes"),
    INDEX_BASES.values(),
    ids=INDEX_BASES.keys(),
)
def test_index_base_decides_which_convention_is_right(
    base, reference, answer, verdict, marks, words, notes
):
    rubric = strided(base, reference)
    result = grade_answer(rubric, rubric.items["b.formula"], answer)
    assert (result.verdict, result.marks, result.reading_notes) == (verdict, marks, notes)
    if words is not None:
        assert result.diagnosis == "index_base"
        assert result.feedback[0] == words


def test_an_unknown_index_base_is_refused_with_its_line_and_key():
    text = (ROOT / "rubrics" / "strided-q1.yaml").read_text(encoding="utf-8")
    line = text.splitlines().index("        index_base: any") + 1
    with pytest.raises(RubricError) as refused:
        load_rubric_text(text.replace("index_base: any", "index_base: 2"), "strided.yaml")
    assert f"strided.yaml:{line}: parts.b.items.formula.index_base: expected 0, 1 or any" in str(
        refused.value
    )


# --- Answer lists --------------------------------------------------------------------------


def test_an_answer_equal_to_another_accepted_answer_is_correct_saying_which():
    result = grade("mha-q1", "b.params", "d \\cdot h d_k")
    assert (result.verdict, result.marks, result.feedback) == ("correct", 2.0, ("Correct.",))
    assert result.decision == (
        "read as d·(h·d_k)",
        "equivalent to the reference",
        "equal to the rubric's accepted answer 2, d^2",
        "full marks 2",
    )


MHA = (ROOT / "rubrics" / "mha-q1.yaml").read_text(encoding="utf-8")
LIST_PROBLEMS = {
    "a misconception equal to an accepted answer never fires": (
        MHA.replace("          - answer: 'd d_k + d'", "          - answer: 'h d_k d'"),
        "parts.b.items.params.misconceptions[0]",
        "'h d_k d' equals accepted answer 2, so this rule can never fire",
    ),
    "an empty list": (
        MHA.replace("answer: ['d^2 + d', 'd^2']", "answer: []"),
        "parts.b.items.params.answer",
        "give at least one answer",
    ),
    "an answer of the list YAML would misread": (
        MHA.replace("answer: ['d^2 + d', 'd^2']", "answer: ['d^2 + d', 0123]"),
        "parts.b.items.params.answer",
        "YAML reads '0123' as the number 83 (written '0123'), not as the text written",
    ),
    "a text item takes one answer": (
        "id: T\nsymbols:\n  C: {meaning: channels}\nparts:\n  a:\n    marks: 1\n"
        "    items:\n      why:\n        type: text\n        marks: 1\n"
        "        answer: ['Weights are shared.', 'The same weights.']\n",
        "parts.a.items.why.answer",
        "a text item takes one answer, not a list",
    ),
}


@pytest.mark.parametrize(("text", "key", "message"), LIST_PROBLEMS.values(), ids=LIST_PROBLEMS)
def test_a_wrong_answer_list_is_reported_with_its_line_and_key(text, key, message):
    try:
        problems = check_rubric(load_rubric_text(text, "list.yaml"))
        reported = "\n".join(f"{p.key}: {p.message}" for p in problems)
    except RubricError as error:
        reported = str(error)
    assert f"{key}: {message}" in reported, reported


# --- Relations -----------------------------------------------------------------------------

RELATION_PROBLEMS = {
    "a symbol that is not declared": (
        "relations:\n  d_k: d/h\n", "relations:\n  d_v: d/h\n",
        "relations.d_v: d_v is not a declared symbol; declare it under symbols",
    ),
    "a symbol defined by itself": (
        "relations:\n  d_k: d/h\n", "relations:\n  d_k: d_k h/h\n",
        "relations.d_k: d_k cannot be defined by itself",
    ),
    "a number": (
        "relations:\n  d_k: d/h\n", "relations:\n  d_k: '4'\n",
        "relations.d_k: d_k is a number here; give it as its example instead",
    ),
    "examples that do not satisfy it": (
        "    example: 4\n\nrelations", "    example: 3\n\nrelations",
        "relations.d_k: the examples do not satisfy it: d_k = 3, but d/h = 4",
    ),
    "relations that chain": (
        "relations:\n  d_k: d/h\n", "relations:\n  d_k: d/h\n  h: N/2\n",
        "relations.d_k: relations must not chain: a symbol one relation defines cannot appear "
        "in another",
    ),
    "check sizes that do not satisfy it": (
        "relations:\n  d_k: d/h\n",
        "relations:\n  d_k: d/h\ncheck_sizes:\n  - {N: 5, d: 6, h: 3, d_k: 2}\n"
        "  - {N: 6, d: 8, h: 2, d_k: 3}\n",
        "check_sizes[1]: does not satisfy the relation d_k = d/h",
    ),
}  # fmt: skip


@pytest.mark.parametrize(
    ("old", "new", "message"), RELATION_PROBLEMS.values(), ids=RELATION_PROBLEMS
)
def test_a_wrong_relation_is_refused_with_its_line_and_key(old, new, message):
    assert old in MHA
    with pytest.raises(RubricError) as refused:
        load_rubric_text(MHA.replace(old, new), "mha.yaml")
    assert re.search(r"mha\.yaml:\d+: " + re.escape(message), str(refused.value)), str(
        refused.value
    )


@pytest.mark.parametrize(
    ("answer", "counterexample"),
    [
        pytest.param("3 d d_k", "With d=8, h=2, d_k=4 your count gives 96", id="d_k and d"),
        pytest.param("3 h d_k^2 + 3d", "With d=8, h=2, d_k=4 your count gives 120", id="d_k"),
        pytest.param("2d^2 + 3d", "With d=8 your count gives 152", id="d alone"),
    ],
)
def test_a_counterexample_satisfies_the_relations(answer, counterexample):
    result = grade("mha-q1", "a.params", answer)
    # (the line before it may say the relation's rewrite: "With d_k = d/h, your … is …")
    shown = next(line for line in result.feedback if " your count gives " in line)
    assert shown.startswith(counterexample)
    sizes = dict(re.findall(r"(\w+)=(\d+)", shown.split(" your count")[0]))
    if "d_k" in sizes:
        assert int(sizes["d_k"]) * int(sizes["h"]) == int(sizes["d"])


def test_default_check_sizes_are_moved_to_satisfy_the_relations():
    for sizes in bundled("mha-q1").size_sets:
        values = dict(sizes)
        assert values["d_k"] * values["h"] == values["d"]


@settings(max_examples=40, deadline=None)
@given(
    st.lists(
        st.tuples(st.integers(1, 4), st.sampled_from(["d", "h", "d_k", "d d_k", "h d_k", "d^2"])),
        min_size=1,
        max_size=3,
    )
)
def test_every_counterexample_of_a_related_count_satisfies_the_relation(terms):
    answer = " + ".join(f"{coefficient} {monomial}" for coefficient, monomial in terms)
    result = grade("mha-q1", "a.params", answer)
    for line in result.feedback:
        if line.startswith("With "):
            sizes = {k: int(v) for k, v in re.findall(r"(\w+)=(\d+)", line.split(" your")[0])}
            if "d_k" in sizes:
                assert sizes["d_k"] * sizes["h"] == sizes["d"], line
