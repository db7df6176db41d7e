"""A formula's matrix form holds a matrix the rubric declares to its shape, and reads a
weight the reference names, and the rubric does not, in either layout, with a note.

Issue 16: with dL/dW written as a formula item (input X: N×C, output U: C×D, answer
U = XᵀG), `U = XᵀGᵀ` got full marks, because only X's and U's shapes are declared and G's was
inferred as D×N. G is the question's N×D gradient: the rubric declares it
(`matrices: {G: [N, D]}`), and a product that needs it D×N does not fit. A renamed parameter is
still a renaming.

22-52-Q4 (e): `Y = XWᵀ` for Y = XW is the same layer with W stored D×C, as PyTorch's
nn.Linear stores it; nothing declares W's shape, so it is read that way, with a note, where it
was told "the shapes do not fit" and given 0.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from grader.errors import AnswerTooLargeError, RubricError
from grader.grade import grade_answer
from grader.kinds.formula import FORMULA
from grader.kinds.formula.parse import parse_formula
from grader.rubric import load_rubric, load_rubric_text
from grader.rubric_check import check_rubric

RUBRIC = load_rubric_text(
    """
id: U-Q
title: dL/dW as a formula
symbols:
  N: {meaning: examples}
  C: {meaning: input features}
  D: {meaning: output features}
parts:
  a:
    marks: 2
    prompt: The gradient of the loss with respect to W, as U.
    items:
      formula:
        type: formula
        marks: 2
        input: {name: X, shape: [N, C]}
        output: {name: U, shape: [C, D]}
        padding: none
        matrices: {G: [N, D]}    # the question's gradient dL/dY: its shape is given
        answer: 'U = X^T G'
""",
    "u-q.yaml",
)


@pytest.mark.parametrize(
    ("answer", "verdict", "marks", "diagnosis", "feedback"),
    [
        pytest.param(
            "U = X^T G^T",
            "incorrect",
            0,
            "shape",
            ("The shapes do not fit: U = Xᵀ·Gᵀ needs G to be D×N, but G is N×D.",),
            id="U = XᵀGᵀ takes G to be D×N: not the answer (it had full marks before)",
        ),
        pytest.param(
            "U = X^T G",
            "correct",
            2,
            None,
            ("Correct: your formula defines the same layer.",),
            id="the reference is still correct",
        ),
        pytest.param(
            "U^T = G^T X",
            "correct",
            2,
            None,
            ("Correct: your formula defines the same layer.",),
            id="the transposed form keeps G N×D and is correct",
        ),
        pytest.param(
            "U = X^T A",
            "needs_review",
            0,
            "given_matrix",
            (
                "Your formula uses A (N×D) where the question gives G (N×D). Read with A as a "
                "matrix of its own, it defines the right layer; whether A may stand for G is an "
                "instructor's call.",
                "An instructor will review it.",
            ),
            id="another matrix where the question gives G is a person's to read, not a renaming",
        ),
        pytest.param(
            "U = X^T A^T",
            "needs_review",
            0,
            "given_matrix",
            (
                "Your formula uses A (D×N) where the question gives G (N×D). Read with A as a "
                "matrix of its own, it defines the right layer; whether A may stand for G is an "
                "instructor's call.",
                "An instructor will review it.",
            ),
            id="U = XᵀAᵀ, issue 16's XᵀGᵀ renamed, no longer gets full marks",
        ),
        pytest.param(
            "U = X^T G_Y^T",
            "needs_review",
            0,
            "given_matrix",
            (
                "Your formula uses G_Y (D×N) where the question gives G (N×D). Read with G_Y as "
                "a matrix of its own, it defines the right layer; whether G_Y may stand for G is "
                "an instructor's call.",
                "An instructor will review it.",
            ),
            id="nor U = XᵀG_Yᵀ",
        ),
        pytest.param(
            "U = X^T G + X^T A",
            "needs_review",
            0,
            "given_matrix",
            (
                "Your formula uses A (N×D) besides the question's G (N×D). Read with A as a "
                "matrix of its own, it defines the right layer; whether A may be there is an "
                "instructor's call.",
                "An instructor will review it.",
            ),
            id="nor U = XᵀG + XᵀA, whose G + A was read as one parameter that can be anything",
        ),
    ],
)
def test_a_matrix_the_reference_names_keeps_its_shape(answer, verdict, marks, diagnosis, feedback):
    result = grade_answer(RUBRIC, RUBRIC.items["a.formula"], answer)
    assert (result.verdict, result.marks, result.diagnosis, result.feedback) == (
        verdict,
        marks,
        diagnosis,
        feedback,
    )


INDEX_RUBRIC = load_rubric_text(
    RUBRIC.source_text.replace(
        "answer: 'U = X^T G'", "answer: 'u_{c,d} = \\sum_{n=1}^{N} x_{n,c} g_{n,d}'"
    ),
    "u-index.yaml",
)


@pytest.mark.parametrize(
    ("answer", "verdict", "feedback"),
    [
        pytest.param(
            "U = X^T G^T",
            "incorrect",
            ("The shapes do not fit: U = Xᵀ·Gᵀ needs G to be D×N, but G is N×D.",),
            id="g_{n,d} of an index reference is N×D, so XᵀGᵀ does not fit",
        ),
        pytest.param(
            "U = X^T G",
            "correct",
            ("Correct: your formula defines the same layer.",),
            id="XᵀG is the index reference's layer",
        ),
    ],
)
def test_an_index_reference_gives_its_matrices_shapes_too(answer, verdict, feedback):
    result = grade_answer(INDEX_RUBRIC, INDEX_RUBRIC.items["a.formula"], answer)
    assert (result.verdict, result.feedback) == (verdict, feedback)


UNDECLARED = load_rubric_text(
    RUBRIC.source_text.replace(
        "        matrices: {G: [N, D]}    # the question's gradient dL/dY: its shape is given\n", ""
    ),
    "u-undeclared.yaml",
)
Q4 = load_rubric(Path(__file__).resolve().parent.parent / "rubrics" / "22-52-q4.yaml")
FREE = "        matrices: {W: any}\n"  # 22-52-Q4 (e): W is the student's to lay out
assert FREE in Q4.source_text
Q4_DECLARED = load_rubric_text(
    Q4.source_text.replace(FREE, "        matrices: {W: [C, D]}\n", 1), "q4-declared.yaml"
)
Q4_OPEN = load_rubric_text(Q4.source_text.replace(FREE, "", 1), "q4-open.yaml")
RIGHT = ("Correct: your formula defines the same layer.",)
W_TRANSPOSED = ("read W as a D×C matrix, so that X·Wᵀ is PQ×D",)
REVIEW = "An instructor will review it."


def outcome(result):
    """What a row of these tables pins: the verdict, marks, diagnosis, feedback and notes."""
    return (
        result.verdict,
        result.marks,
        result.diagnosis,
        result.feedback,
        tuple(result.reading_notes),
    )


@pytest.mark.parametrize(
    ("rubric", "item_id", "answer", "expected"),
    [
        pytest.param(
            Q4,
            "e.formula",
            "Y = XW^T",
            ("correct", 2, None, RIGHT, W_TRANSPOSED),
            id="Y = XWᵀ is Y = XW with W stored D×C: right, with a note (it was a shape misfit, 0)",
        ),
        pytest.param(
            Q4,
            "e.formula",
            r"Y = X W^{\top}",
            ("correct", 2, None, RIGHT, W_TRANSPOSED),
            id="Y = X W^{\\top} the same",
        ),
        pytest.param(
            Q4,
            "e.formula",
            "Y^T = W X^T",
            ("correct", 2, None, RIGHT, ("read W as a D×C matrix, so that W·Xᵀ is D×PQ",)),
            id="Yᵀ = W Xᵀ: the note gives the shape of the side it is on",
        ),
        pytest.param(
            Q4,
            "e.formula",
            "Y = XW^T + b",
            (
                "partial",
                1,
                "bias_extra",
                ("This part asks for the layer without a bias, but your formula adds one.",),
                W_TRANSPOSED,
            ),
            id="the note names the product, and what else is wrong is still said",
        ),
        pytest.param(
            Q4,
            "e.formula",
            "Y = XW",
            ("correct", 2, None, RIGHT, ()),
            id="Y = XW needs no note",
        ),
        pytest.param(
            Q4,
            "e.formula",
            "Y = WX",
            (
                "incorrect",
                0,
                "shape",
                (
                    "The shapes do not fit: Y = W·X would need D = C. X is PQ×C and Y is PQ×D, "
                    "so a weight matrix can only multiply X on the right, with shape C×D.",
                ),
                (),
            ),
            id="Y = WX cannot fit in any layout of W: still a shape finding",
        ),
        pytest.param(
            Q4_DECLARED,
            "e.formula",
            "Y = XW^T",
            (
                "incorrect",
                0,
                "shape",
                ("The shapes do not fit: Y = X·Wᵀ needs W to be D×C, but W is C×D.",),
                (),
            ),
            id="where the rubric declares W as C×D, XWᵀ stays a shape finding",
        ),
        pytest.param(
            Q4_DECLARED,
            "e.formula",
            "Y = XW",
            ("correct", 2, None, RIGHT, ()),
            id="and XW is right with W declared",
        ),
        pytest.param(
            UNDECLARED,
            "a.formula",
            "U = X^T G^T",
            (
                "needs_review",
                0,
                "layout",
                (
                    "Your formula needs G to be D×N, where the answer's G is N×D. Read with G "
                    "stored that way, it defines the right layer; whether the question lets G be "
                    "stored so is an instructor's call.",
                    REVIEW,
                ),
                ("read G as a D×N matrix, so that Xᵀ·Gᵀ is C×D",),
            ),
            id="issue 16's U = XᵀGᵀ, G not declared: for a person, never full marks by itself",
        ),
        pytest.param(
            Q4_OPEN,
            "e.formula",
            "Y = XW^T",
            (
                "needs_review",
                0,
                "layout",
                (
                    "Your formula needs W to be D×C, where the answer's W is C×D. Read with W "
                    "stored that way, it defines the right layer; whether the question lets W be "
                    "stored so is an instructor's call.",
                    REVIEW,
                ),
                W_TRANSPOSED,
            ),
            id="W neither declared nor any: XWᵀ is read, and a person decides",
        ),
        pytest.param(
            Q4_OPEN,
            "e.formula",
            "Y = XW^T + b",
            (
                "needs_review",
                0,
                "layout",
                (
                    "Your formula needs W to be D×C, where the answer's W is C×D. Read with W "
                    "stored that way, it would earn 1 of 2 marks; whether the question lets W be "
                    "stored so is an instructor's call.",
                    "This part asks for the layer without a bias, but your formula adds one.",
                    REVIEW,
                ),
                W_TRANSPOSED,
            ),
            id="a partial mark that rests on the layout is a person's too, with what it earns",
        ),
        pytest.param(
            Q4_OPEN,
            "e.formula",
            "Y = WX",
            (
                "incorrect",
                0,
                "shape",
                (
                    "The shapes do not fit: Y = W·X would need D = C. X is PQ×C and Y is PQ×D, "
                    "so a weight matrix can only multiply X on the right, with shape C×D.",
                ),
                (),
            ),
            id="a misfit in every layout is still a shape finding",
        ),
    ],
)
def test_a_weight_stored_transposed_is_read_with_a_note_unless_declared(
    rubric, item_id, answer, expected
):
    result = grade_answer(rubric, rubric.items[item_id], answer)
    assert outcome(result) == expected


@pytest.mark.parametrize(
    ("matrices", "problem"),
    [
        pytest.param(
            "{X: [N, C]}",
            "parts.a.items.formula.matrices.X: X is one of the question's sizes or the layer's "
            "input or output; list only the other matrices",
            id="the input is declared by input:",
        ),
        pytest.param(
            "{G: [N]}",
            "parts.a.items.formula.matrices.G: a matrix's shape is two sizes, e.g. [C, D], "
            "`any` for a weight the student may store either way, or `other` for one the "
            "question gives for something else",
            id="a matrix has two sizes",
        ),
        pytest.param(
            "{G: every}",
            "parts.a.items.formula.matrices.G: a matrix's shape is two sizes, e.g. [C, D], "
            "`any` for a weight the student may store either way, or `other` for one the "
            "question gives for something else",
            id="or is any",
        ),
        pytest.param(
            "{G: other}",
            "parts.a.items.formula.answer: G is declared `other`, a matrix the question gives "
            "for something else, but the rubric's answer uses it",
            id="a matrix given for something else is not the answer's",
        ),
        pytest.param(
            "{G: [N, 0]}",
            "parts.a.items.formula.matrices.G: a size is at least 1, not 0",
            id="a size of 0 is refused",
        ),
        pytest.param(
            "{G: [N, 1/2]}",
            "parts.a.items.formula.matrices.G: a size is at least 1, not 1/2",
            id="and a fraction",
        ),
        pytest.param(
            "{G: [N, D], 'G_{}': [N, D]}",
            "parts.a.items.formula.matrices.G_{}: a matrix's name is a letter with an optional "
            "subscript, e.g. W or W_Q",
            id="a subscript in braces is not empty",
        ),
        pytest.param(
            "{G_Y: [N, D], 'G_{Y}': [N, D]}",
            "parts.a.items.formula.matrices.G_{Y}: G_Y is declared twice",
            id="W_Q and W_{Q} are one name",
        ),
        pytest.param(
            "{G: [D, N]}",
            "parts.a.items.formula.answer: The shapes do not fit: U = Xᵀ·G needs G to be N×D, "
            "but G is D×N.",
            id="the rubric's own answer must fit the shapes it declares",
        ),
    ],
)
def test_declared_matrices_are_checked_when_the_rubric_is_loaded(matrices, problem):
    text = RUBRIC.source_text.replace("{G: [N, D]}", matrices, 1)
    with pytest.raises(RubricError) as raised:
        load_rubric_text(text, "bad.yaml")
    assert problem in str(raised.value)


@pytest.mark.parametrize(
    ("answer", "problem"),
    [
        pytest.param(
            "U = X^T H",
            "'U = X^T H' is read as the reference answer, and an answer written so goes to a "
            "person (given_matrix), not to this rule: it can never fire; the grader says: Your "
            "formula uses H (N×D) where the question gives G (N×D).",
            id="the given G renamed goes to a person, and the check says so (not 'equals')",
        ),
        pytest.param(
            "U^T = G^T X",
            "'U^T = G^T X' equals the reference answer, so this rule can never fire",
            id="the reference written otherwise equals it",
        ),
    ],
)
def test_a_misconception_read_as_the_reference_is_refused_saying_what_grading_does(answer, problem):
    text = RUBRIC.source_text + (
        f"        misconceptions:\n          - {{answer: '{answer}', feedback: Not G., marks: 1}}\n"
    )
    rubric = load_rubric_text(text, "renamed.yaml")
    said = [p.message for p in check_rubric(rubric) if "never fire" in p.message]
    assert [m[: len(problem)] for m in said] == [problem]


@pytest.mark.parametrize(
    ("misconception", "problem"),
    [
        pytest.param(
            True,
            "this rule can never fire: U = Xᵀ·Gᵀ needs G to be D×N, which matrices declares N×D",
            id="a misconception's answer that needs G in another shape is a rule that never fires",
        ),
        pytest.param(
            False,
            "The shapes do not fit: U = Xᵀ·Gᵀ needs G to be D×N, but G is N×D.",
            id="an answer the rubric accepts that needs G in another shape does not fit",
        ),
    ],
)
def test_a_formula_rubric_answer_is_read_as_a_misconception_s_by_its_flag_not_its_key(
    misconception, problem
):
    """Which kind of rubric answer it is was told by the key path containing
    `.misconceptions[`: the kind is told so, whatever the key."""
    item = RUBRIC.items["a.formula"]
    problems = []
    reading = FORMULA.read_answer(
        "U = X^T G^T",
        7,
        "any.key",
        RUBRIC.context,
        item.spec,
        problems,
        misconception=misconception,
    )
    assert reading is None
    assert [p.message[: len(problem)] for p in problems] == [problem]


@pytest.mark.parametrize(
    "answer",
    [
        pytest.param("Y = " + " + ".join(["XW"] * 65), id="a matrix form"),
        pytest.param("Y = XW + " + " + ".join(["b"] * 64), id="a matrix form's biases"),
    ],
)
def test_a_matrix_form_of_more_than_64_terms_is_refused_as_too_large(answer):
    # Bounded work on hostile input: the matrix form read any number of terms, where index
    # and vector forms stop at 64 (they now share the reading of signed products).
    rubric = load_rubric(Path(__file__).resolve().parent.parent / "rubrics" / "22-52-q4.yaml")
    with pytest.raises(AnswerTooLargeError) as raised:
        parse_formula(answer, rubric.symbol_table, rubric.items["d.formula"].spec.layer)
    assert raised.value.message == "this formula has more than 64 terms"


LAYOUT = """
id: LAYOUT
title: a weight's layout left open
symbols:
  N: {meaning: rows, example: 4}
  C: {meaning: input features, example: 2}
  D: {meaning: output features, example: 3}
parts:
  a:
    marks: 2
    prompt: The layer, as a matrix product.
    items:
      formula:
        type: formula
        marks: 2
        input: {name: X, shape: [N, C]}
        output: {name: Y, shape: [N, D]}
        partial_credit:
          bias_missing: 1
        answer: 'Y = XW + b'
"""
TRANSPOSED_REFERENCE = load_rubric_text(
    LAYOUT.replace("'Y = XW + b'", "'Y = XW^T + b'"), "transposed-reference.yaml"
)
PROJECTION = load_rubric_text(
    LAYOUT.replace("'Y = XW + b'", "'Y = X W_Q'")
    .replace("          bias_missing: 1\n", "")
    .replace("        partial_credit:\n", ""),
    "projection.yaml",
)
CREDITED = load_rubric_text(
    LAYOUT.replace(
        "          bias_missing: 1\n", "          bias_missing: 1\n          layout: 1\n"
    ),
    "credited.yaml",
)
OPEN_CALL = "whether the question lets W be stored so is an instructor's call."


@pytest.mark.parametrize(
    ("rubric", "answer", "expected"),
    [
        pytest.param(
            TRANSPOSED_REFERENCE,
            "Y = XW + b",
            (
                "needs_review",
                0,
                (
                    "Your formula needs W to be C×D, where the answer's W is D×C. Read with W "
                    f"stored that way, it defines the right layer; {OPEN_CALL}",
                    REVIEW,
                ),
                ("read W as a C×D matrix, so that X·W is N×D",),
            ),
            id="XW for the reference XWᵀ: not told it uses W transposed, which it does not",
        ),
        pytest.param(
            PROJECTION,
            "Y^T = W_Q X^T",
            (
                "needs_review",
                0,
                (
                    "Your formula needs W_Q to be D×C, where the answer's W_Q is C×D. Read with "
                    "W_Q stored that way, it defines the right layer; whether the question lets "
                    "W_Q be stored so is an instructor's call.",
                    REVIEW,
                ),
                ("read W_Q as a D×C matrix, so that W_Q·Xᵀ is D×N",),
            ),
            id="Yᵀ = W_Q Xᵀ writes no transpose on W_Q: told the shape it needs",
        ),
        pytest.param(
            CREDITED,
            "Y = XW^T + b",
            (
                "partial",
                1,
                (
                    "Your formula needs W to be D×C, where the answer's W is C×D. Read with W "
                    "stored that way, it defines the right layer.",
                ),
                ("read W as a D×C matrix, so that X·Wᵀ is N×D",),
            ),
            id="partial_credit: {layout: 1} gives its mark where the reading is right",
        ),
        pytest.param(
            CREDITED,
            "Y = XW^T",
            (
                "needs_review",
                0,
                (
                    "Your formula needs W to be D×C, where the answer's W is C×D. Read with W "
                    f"stored that way, it would earn 1 of 2 marks; {OPEN_CALL}",
                    "Your formula has no bias; this layer has one: each output column has one, "
                    "shared by every row.",
                    REVIEW,
                ),
                ("read W as a D×C matrix, so that X·Wᵀ is N×D",),
            ),
            id="with the layout credit, a reading also wrong otherwise is still a person's",
        ),
        pytest.param(
            CREDITED,
            "Y = XW + b",
            ("correct", 2, ("Correct: your formula defines the same layer.",), ()),
            id="the reference's own layout is still full marks",
        ),
    ],
)
def test_the_layout_finding_says_what_the_formula_needs_and_earns_the_rubrics_credit(
    rubric, answer, expected
):
    result = grade_answer(rubric, rubric.items["a.formula"], answer)
    assert (result.verdict, result.marks, result.feedback, tuple(result.reading_notes)) == expected
    assert result.diagnosis == (None if result.verdict == "correct" else "layout")


MISCONCEIVED = LAYOUT.replace("'Y = XW + b'", "'Y = XW'") + (
    "        misconceptions:\n"
    "          - answer: 'Y = XW^T'\n"
    "            feedback: W is C×D; it is not transposed.\n"
    "            marks: 1\n"
)


def test_a_rule_equal_to_the_reference_in_the_other_layout_points_at_the_keys_that_settle_it():
    problems = [p.message for p in check_rubric(load_rubric_text(MISCONCEIVED, "rule.yaml"))]
    assert (
        "'Y = XW^T' equals the reference answer, so this rule can never fire: it is the "
        "reference with W stored D×C (the reference's W is C×D). Say what that layout earns with "
        "matrices: {W: any} (right), matrices: {W: [C, D]} (the question fixes the shape: a "
        "shape finding) or partial_credit: {layout: N}"
    ) in problems


def test_a_rule_that_needs_a_declared_matrix_in_another_shape_is_refused_in_words_that_help():
    text = MISCONCEIVED.replace(
        "        input: {name: X", "        matrices: {W: [C, D]}\n        input: {name: X"
    )
    with pytest.raises(RubricError) as raised:
        load_rubric_text(text, "rule.yaml")
    assert (
        "misconceptions[0].answer: this rule can never fire: Y = X·Wᵀ needs W to be D×C, which "
        "matrices declares C×D, so an answer written so is graded as a shape finding "
        "(partial_credit: {shape: N} gives every shape finding marks), not by this rule"
    ) in str(raised.value)


@pytest.mark.parametrize(
    ("matrices", "answer", "verdict"),
    [
        pytest.param("{'W_{Q}': [C, D]}", "Y = X W_Q^T", "incorrect", id="W_{Q}: [C, D] fixes W_Q"),
        pytest.param("{'W_{Q}': [C, D]}", "Y = X W_{Q}", "correct", id="which XW_{Q} fits"),
        pytest.param("{'W_{Q}': any}", "Y = X W_Q^T", "correct", id="W_{Q}: any frees W_Q"),
        pytest.param("{W_Q: any}", "Y = X W_{Q}^T", "correct", id="as W_Q: any does"),
    ],
)
def test_a_matrix_is_declared_with_its_subscript_in_braces_or_not(matrices, answer, verdict):
    text = LAYOUT.replace("'Y = XW + b'", "'Y = X W_Q + b'").replace(
        "        input: {name: X", f"        matrices: {matrices}\n        input: {{name: X"
    )
    rubric = load_rubric_text(text, "braces.yaml")
    result = grade_answer(rubric, rubric.items["a.formula"], answer + " + b")
    assert result.verdict == verdict


@pytest.mark.parametrize(
    ("matrices", "problem"),
    [
        pytest.param(
            "{G: [D, N]}",
            "u-index.yaml:19: parts.a.items.formula.matrices.G: G is declared D×N, but the "
            "answer's g is N×D; declare the shape the answer uses",
            id="g_{n,d} is N×D: G declared D×N is refused at its line (U = XᵀG got 0)",
        ),
        pytest.param(
            "{G: [N, D], V: [C, C]}",
            None,
            id="a matrix the index answer does not use, and one it uses in its shape, pass",
        ),
    ],
)
def test_declared_matrices_are_checked_against_an_index_form_answer(matrices, problem):
    text = INDEX_RUBRIC.source_text.replace("{G: [N, D]}", matrices, 1)
    if problem is None:
        load_rubric_text(text, "u-index.yaml")
        return
    with pytest.raises(RubricError) as raised:
        load_rubric_text(text, "u-index.yaml")
    assert problem in str(raised.value)


@pytest.mark.parametrize(
    ("rubric", "item_id", "answer", "verdict"),
    [
        pytest.param(
            load_rubric_text(LAYOUT, "layout.yaml"),
            "a.formula",
            "Y = XA + b",
            "correct",
            id="Y = XA for Y = XW, nothing declared: a renaming, as documented",
        ),
        pytest.param(
            INDEX_RUBRIC,
            "a.formula",
            "U = X^T A",
            "needs_review",
            id="G given, the reference written with indices (g_{n,d}): XᵀA is a person's too",
        ),
        pytest.param(
            RUBRIC,
            "a.formula",
            "u_{c,d} = \\sum_{n=1}^{N} x_{n,c} a_{n,d}",
            "correct",
            id="an index form writes its own letters (w_{k,e} for W_Q): not held to the names",
        ),
    ],
)
def test_only_a_matrix_form_that_leaves_out_a_given_matrix_goes_to_a_person(
    rubric, item_id, answer, verdict
):
    assert grade_answer(rubric, rubric.items[item_id], answer).verdict == verdict


@pytest.mark.parametrize(
    ("rubric", "answer", "verdict", "feedback"),
    [
        pytest.param(
            RUBRIC,
            r"u_{c,d} = \sum_{n=1}^{N} x_{n,c} g_{d,n}",
            "incorrect",
            ("The shapes do not fit: your formula indexes g as D×N, but G is N×D.",),
            id="issue 16 with indices: g_{d,n} reads the given N×D G as D×N (it had full marks)",
        ),
        pytest.param(
            INDEX_RUBRIC,
            r"u_{c,d} = \sum_{n=1}^{N} g_{d,n} x_{n,c}",
            "incorrect",
            ("The shapes do not fit: your formula indexes g as D×N, but G is N×D.",),
            id="the same where the reference is written with indices",
        ),
        pytest.param(
            RUBRIC,
            r"u_{i,j} = \sum_{m=1}^{N} x_{m,i} g_{m,j}",
            "correct",
            ("Correct: your formula defines the same layer.",),
            id="g_{m,j} with other letters is N×D: right",
        ),
    ],
)
def test_an_index_form_uses_a_declared_matrix_in_its_shape(rubric, answer, verdict, feedback):
    result = grade_answer(rubric, rubric.items["a.formula"], answer)
    assert (result.verdict, result.feedback) == (verdict, feedback)


G_OPEN = load_rubric_text(RUBRIC.source_text.replace("{G: [N, D]}", "{G: any}", 1), "u-open.yaml")
G_STORED = (  # g as the student writes it, G as the answer does
    "Your formula needs g to be D×N, where the answer's G is N×D. Read with g stored that way, "
)
G_READ = ("read g as a D×N matrix, as your formula indexes it",)
ATTN = load_rubric(Path(__file__).resolve().parent.parent / "rubrics" / "attn-q1.yaml")


@pytest.mark.parametrize(
    ("rubric", "item_id", "answer", "expected"),
    [
        pytest.param(
            UNDECLARED,
            "a.formula",
            r"u_{c,d} = \sum_{n} x_{n,c} g_{d,n}",
            (
                "needs_review",
                0,
                "layout",
                (
                    G_STORED + "it defines the right layer; whether the question lets g be "
                    "stored so is an instructor's call.",
                    REVIEW,
                ),
                G_READ,
            ),
            id="G not declared: g_{d,n} is U = XᵀGᵀ with indices, for a person as that is "
            "(it had full marks)",
        ),
        pytest.param(
            UNDECLARED,
            "a.formula",
            r"u_{c,d} = \sum_{n=1}^{N} g_{d,n} x_{n,c} + b_d",
            (
                "incorrect",
                0,
                "bias_extra",
                ("This part asks for the layer without a bias, but your formula adds one.",),
                G_READ,
            ),
            id="wrong otherwise, earning nothing either way: said, with how g was read",
        ),
        pytest.param(
            UNDECLARED,
            "a.formula",
            r"u_{c,d} = \sum_{n=1}^{N} x_{n,c} g_{n,d}",
            ("correct", 2, None, RIGHT, ()),
            id="g_{n,d}, the reference's layout, is right with no note",
        ),
        pytest.param(
            G_OPEN,
            "a.formula",
            r"u_{c,d} = \sum_{n=1}^{N} x_{n,c} g_{d,n}",
            ("correct", 2, None, RIGHT, G_READ),
            id="matrices: {G: any}: right, with the note, as XᵀGᵀ is",
        ),
        pytest.param(
            ATTN,
            "e.formula",
            r"q_{t,d} = \sum_{j=1}^{E} W_{d,j} X_{t,j} + b_d",
            (
                "needs_review",
                0,
                "layout",
                (
                    "Your formula needs W to be K×E, where the answer's w is E×K. Read with W "
                    "stored that way, it defines the right layer; whether the question lets W "
                    "be stored so is an instructor's call.",
                    REVIEW,
                ),
                ("read W as a K×E matrix, as your formula indexes it",),
            ),
            id="a weight the reference names, indexed the other way: as Q = XWᵀ is, quoted as "
            "the student writes it (W) and the answer does (w)",
        ),
        pytest.param(
            Q4,
            "c.formula",
            r"y_{i,j,k} = \sum_{l=1}^{C} w_{k,l} x_{i,j,l} + b_k",
            ("correct", 3, None, RIGHT, ()),
            id="a layer no matrix form writes (x is P×Q×C) has no matrix layout to hold",
        ),
    ],
)
def test_an_index_form_is_held_to_the_references_layout_as_a_matrix_form_is(
    rubric, item_id, answer, expected
):
    result = grade_answer(rubric, rubric.items[item_id], answer)
    assert outcome(result) == expected


RIGHT_WITH_G = "With G as the answer has it, your formula defines the right layer."
TWICE_G = (
    "Your formula has 2·G where the answer has G: G is the question's N×D matrix, not one of "
    "your own, so 2·G is not G. " + RIGHT_WITH_G
)
# U-Q giving a scaled G partial credit: loaded in the test, since a rubric naming a diagnosis
# the grader does not know is refused.
G_CREDIT = RUBRIC.source_text.replace(
    "        answer: 'U = X^T G'\n",
    "        answer: 'U = X^T G'\n        partial_credit: {given_scaled: 1}\n",
    1,
)
assert RUBRIC.source_text != G_CREDIT
TWICE_IN_ANSWER = RUBRIC.source_text.replace("answer: 'U = X^T G'", "answer: 'U = 2 X^T G'", 1)


@pytest.mark.parametrize(
    ("rubric", "answer", "expected"),
    [
        pytest.param(
            RUBRIC,
            "U = 2 X^T G",
            ("incorrect", 0, "given_scaled", (TWICE_G,), ()),
            id="U = 2XᵀG, G given: 2·G is not G (it had full marks)",
        ),
        pytest.param(
            RUBRIC,
            "U = -X^T G",
            (
                "incorrect",
                0,
                "given_scaled",
                (
                    "Your formula has -G where the answer has G: G is the question's N×D "
                    "matrix, not one of your own, so -G is not G. " + RIGHT_WITH_G,
                ),
                (),
            ),
            id="U = -XᵀG: the gradient's sign turned",
        ),
        pytest.param(
            RUBRIC,
            "U^T = 2 G^T X",
            ("incorrect", 0, "given_scaled", (TWICE_G,), ()),
            id="the transposed form, scaled",
        ),
        pytest.param(
            RUBRIC,
            r"u_{c,d} = \sum_{n=1}^{N} 2 x_{n,c} g_{n,d}",
            ("incorrect", 0, "given_scaled", (TWICE_G,), ()),
            id="with indices: g is the given G (held to its shape, and to its numbers)",
        ),
        pytest.param(
            RUBRIC,
            "U = X^T G + X^T G",
            (
                "incorrect",
                0,
                "given_scaled",
                (
                    "Your formula's terms in G add up to 2·G where the answer has G: G is the "
                    "question's N×D matrix, not one of your own, so 2·G is not G. " + RIGHT_WITH_G,
                ),
                (),
            ),
            id="the same term twice is 2·G",
        ),
        pytest.param(
            G_CREDIT,
            "U = 2 X^T G",
            ("partial", 1, "given_scaled", (TWICE_G,), ()),
            id="partial_credit: {given_scaled: 1} credits it",
        ),
        pytest.param(
            TWICE_IN_ANSWER,
            "U = X^T G",
            (
                "incorrect",
                0,
                "given_scaled",
                (
                    "Your formula has G where the answer has 2·G: G is the question's N×D "
                    "matrix, not one of your own, so G is not 2·G. With 2·G as the answer has "
                    "it, your formula defines the right layer.",
                ),
                (),
            ),
            id="held to the answer's own number: G where the answer has 2·G",
        ),
        pytest.param(
            UNDECLARED,
            "U = 2 X^T G",
            (
                "correct",
                2,
                None,
                RIGHT,
                (
                    "read 2·G as your weights: a number times a weight is a weight too, so 2·G "
                    "is as good a weight as G",
                ),
            ),
            id="G not declared: a parameter of the student's own, scaled, with a note",
        ),
    ],
)
def test_a_number_times_a_given_matrix_is_another_matrix(rubric, answer, expected):
    if isinstance(rubric, str):
        rubric = load_rubric_text(rubric, "u-credit.yaml")
    result = grade_answer(rubric, rubric.items["a.formula"], answer)
    assert outcome(result) == expected


# Found by a probe: a misconception that is the reference with a given matrix scaled (a sign
# error, `U = -XᵀG`) could not be written: the rubric check said it "equals the reference", and
# an answer written so was told only given_scaled.
@pytest.mark.parametrize(
    ("misconception", "answer", "expected"),
    [
        pytest.param(
            "U = -X^T G",
            "U = -X^T G",
            ("partial", 1, "misconception 1", "Scaled."),
            id="a sign error",
        ),
        pytest.param(
            "U = -X^T G",
            "U^T = -G^T X",
            ("partial", 1, "misconception 1", "Scaled."),
            id="a sign error, written transposed",
        ),
        pytest.param(
            "U = 2 X^T G",
            "U = X^T G + X^T G",
            ("partial", 1, "misconception 1", "Scaled."),
            id="twice G",
        ),
        pytest.param(
            "U = -X^T G",
            "U = 2 X^T G",
            ("incorrect", 0, "given_scaled", TWICE_G),
            id="scaled otherwise: given_scaled as before",
        ),
    ],
)
def test_a_misconception_that_scales_a_given_matrix_can_be_written_and_is_found(
    misconception, answer, expected
):
    text = RUBRIC.source_text + (
        f"        misconceptions:\n          - {{answer: '{misconception}', feedback: Scaled., "
        "marks: 1}\n"
    )
    rubric = load_rubric_text(text, "scaled.yaml")
    assert [p.message for p in check_rubric(rubric) if "never fire" in p.message] == []
    result = grade_answer(rubric, rubric.items["a.formula"], answer)
    assert (result.verdict, result.marks, result.diagnosis, result.feedback[0]) == expected


ATTN_ROWS = load_rubric(Path(__file__).resolve().parent.parent / "rubrics" / "attn-q1.yaml")
ATTN_COLUMNS = load_rubric(
    Path(__file__).resolve().parent.parent / "rubrics" / "attn-columns-q1.yaml"
)
READ_AS_W_Q_ROWS = "read W as the question's W_Q (E×K), written without its subscript"
READ_AS_W_Q_COLUMNS = "read W as the question's W_Q (K×E), written without its subscript"


@pytest.mark.parametrize(
    ("rubric", "item_id", "answer", "verdict", "diagnosis", "notes"),
    [
        pytest.param(
            ATTN_ROWS,
            "e.formula",
            "Q = XW + b",
            "correct",
            None,
            (READ_AS_W_Q_ROWS,),
            id="attn-q1: W for W_Q read as it, with a note (was full marks with none)",
        ),
        pytest.param(
            ATTN_ROWS,
            "e.formula",
            "Q = Xw + b_Q",
            "correct",
            None,
            ("read w as the question's W_Q (E×K), written without its subscript",),
            id="attn-q1: w for W_Q likewise",
        ),
        pytest.param(
            ATTN_COLUMNS,
            "a.formula",
            "Q = W X + b_Q",
            "correct",
            None,
            (READ_AS_W_Q_COLUMNS,),
            id="attn-columns-q1: W for W_Q read as it, with a note (was given_matrix)",
        ),
        pytest.param(
            ATTN_ROWS,
            "e.formula",
            "Q = XA + b",
            "needs_review",
            "given_matrix",
            (),
            id="attn-q1: another letter for W_Q to a person (was full marks, a renaming)",
        ),
        pytest.param(
            ATTN_COLUMNS,
            "a.formula",
            "Q = A X + b_Q",
            "needs_review",
            "given_matrix",
            (),
            id="attn-columns-q1: another letter for W_Q to a person, as in attn-q1",
        ),
        pytest.param(
            ATTN_ROWS,
            "e.formula",
            "Q = 2XW + b",
            "incorrect",
            "given_scaled",
            (READ_AS_W_Q_ROWS,),
            id="attn-q1: W read as W_Q, so 2W is the given matrix scaled, as 2W_Q is",
        ),
        pytest.param(
            ATTN_COLUMNS,
            "a.formula",
            "Q = W^T X + b_Q",
            "needs_review",
            "given_matrix",
            (),
            id="attn-columns-q1: W in another shape than W_Q's is not read as it",
        ),
        pytest.param(
            ATTN_ROWS,
            "e.formula",
            "q_t = W^T x_t + b",
            "correct",
            None,
            (READ_AS_W_Q_ROWS,),
            id="attn-q1 with vectors: W for W_Q read as it, with a note (had none)",
        ),
        pytest.param(
            ATTN_ROWS,
            "e.formula",
            "q_t = A^T x_t + b",
            "needs_review",
            "given_matrix",
            (),
            id="attn-q1 with vectors: another letter for W_Q to a person (was full marks)",
        ),
        pytest.param(
            ATTN_ROWS,
            "e.formula",
            "q_t = 2W^T x_t + b",
            "incorrect",
            "given_scaled",
            (READ_AS_W_Q_ROWS,),
            id="attn-q1 with vectors: 2W is W_Q scaled, as in Q = 2XW + b (was full marks)",
        ),
        pytest.param(
            ATTN_ROWS,
            "e.formula",
            "q_t = W x_t + b",
            "needs_review",
            "given_matrix",
            ("read W as a K×E matrix, as your formula uses it",),
            id="attn-q1 with vectors: W in W_Q's transposed shape as Q = XW^T + b (was layout)",
        ),
        pytest.param(
            ATTN_COLUMNS,
            "a.formula",
            "q_t = W x_t + b_Q",
            "correct",
            None,
            (READ_AS_W_Q_COLUMNS,),
            id="attn-columns-q1 with vectors: W for W_Q read as it, with a note (had none)",
        ),
        pytest.param(
            ATTN_COLUMNS,
            "a.formula",
            "q_t = A x_t + b_Q",
            "needs_review",
            "given_matrix",
            (),
            id="attn-columns-q1 with vectors: another letter to a person (was full marks)",
        ),
        pytest.param(
            ATTN_COLUMNS,
            "a.formula",
            "q_n = W x_n + b_n",
            "partial",
            "bias_unshared",
            (READ_AS_W_Q_COLUMNS,),
            id="attn-columns-q1 with vectors: a bias per token is no matrix for W_Q",
        ),
        pytest.param(
            ATTN_ROWS,
            "e.formula",
            "q_{n,k} = \\sum_e A_{e,k} x_{n,e} + b_k",
            "correct",
            None,
            (),
            id="attn-q1 with indices: the student's own letter, capital or not, as before",
        ),
    ],
)
def test_the_given_matrix_without_its_subscript_is_read_as_it_in_both_layouts(
    rubric, item_id, answer, verdict, diagnosis, notes
):
    result = grade_answer(rubric, rubric.items[item_id], answer)
    assert (result.verdict, result.diagnosis, result.reading_notes) == (verdict, diagnosis, notes)
