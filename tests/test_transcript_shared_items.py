"""A part with two items of one kind, in a script: each piece of maths goes to the item a
marker would give it. Words beside it that name an item decide ("Off-diagonal: $…$", the
longest name winning, so "Off-diagonal" is not "Diagonal"); unnamed pieces as many as the
items still without an answer are taken in the order of the items, the answer saying so, and
one so taken that is not right for its item goes to a person (it may be another item's);
anything else goes to a person, saying why. (Before, the part's first item took every piece,
and the second item was left without an answer.)"""

from __future__ import annotations

from pathlib import Path

import pytest

from grader.grade import grade_paths
from grader.rubric import load_rubric

RUBRIC = """\
id: JAC-Q1
title: The softmax's Jacobian
symbols:
  s_i:
    meaning: the i-th output of the softmax
    assumptions: [positive]
  s_j:
    meaning: the j-th output of the softmax
    assumptions: [positive]
parts:
  a:
    marks: 4
    prompt: >
      The softmax s = softmax(z) has outputs s_i. Give the diagonal entry ds_i/dz_i and, for
      i != j, the off-diagonal entry ds_i/dz_j of its Jacobian.
    items:
      diagonal:
        type: expression
        label: Diagonal
        aliases: [Entry]
        marks: 2
        answer: 's_i(1 - s_i)'
      offdiagonal:
        type: expression
        label: Off diagonal
        aliases: [Offdiagonal, Entry]
        marks: 2
        answer: '-s_i s_j'
"""

DIAGONAL, OFF = "a.diagonal", "a.offdiagonal"
FIRST_BY_PLACE = (
    "taken for Diagonal by its place: the first of 2 answers in part a that could be "
    "Diagonal or Off diagonal, in the order of the items"
)
SECOND_BY_PLACE = (
    "taken for Off diagonal by its place: the second of 2 answers in part a that could be "
    "Diagonal or Off diagonal, in the order of the items"
)
ONE_LEFT = "taken for Off diagonal: the one item of part a it could answer that has no other answer"
UNSURE_ONE = (
    "Part a of your script gives 1 answer that could be its Diagonal or Off diagonal, and no "
    "words say which is which; an instructor will decide which item this answers."
)
BY_PLACE_AND_WRONG = (
    "No words in your script say which item this answers: it was taken for this item by its "
    "place, and it is not right for it, so an instructor will check whether it answers "
    "another item."
)

CASES = [
    # (script, {item: (verdict, marks, found, first line of feedback)})
    pytest.param(
        "(a) Diagonal: $s_i(1-s_i)$\n\nOff-diagonal: $-s_i s_j$\n",
        {
            DIAGONAL: ("correct", 2, "from line 1: Diagonal: s_i(1-s_i)", "Correct."),
            OFF: ("correct", 2, "from line 3: Off-diagonal: -s_i s_j", "Correct."),
        },
        id="words name each item: the longest name wins, Off-diagonal is not Diagonal",
    ),
    pytest.param(
        "(a) off diagonal: $-s_i s_j$\n\ndiagonal: $s_i(1-s_i)$\n",
        {
            DIAGONAL: ("correct", 2, "from line 3: diagonal: s_i(1-s_i)", "Correct."),
            OFF: ("correct", 2, "from line 1: off diagonal: -s_i s_j", "Correct."),
        },
        id="named items in the other order",
    ),
    pytest.param(
        "(a)\n$$s_i(1-s_i)$$\n$$-s_i s_j$$\n",
        {
            DIAGONAL: ("correct", 2, f"from line 2 ({FIRST_BY_PLACE}): s_i(1-s_i)", "Correct."),
            OFF: ("correct", 2, f"from line 3 ({SECOND_BY_PLACE}): -s_i s_j", "Correct."),
        },
        id="unnamed, as many as the items: taken in the order of the items, saying so",
    ),
    pytest.param(
        "(a)\n$$-s_i s_j$$\n$$s_i(1-s_i)$$\n",
        {
            DIAGONAL: (
                "needs_review",
                0,
                f"from line 2 ({FIRST_BY_PLACE}): -s_i s_j",
                BY_PLACE_AND_WRONG,
            ),
            OFF: (
                "needs_review",
                0,
                f"from line 3 ({SECOND_BY_PLACE}): s_i(1-s_i)",
                BY_PLACE_AND_WRONG,
            ),
        },
        id="unnamed in the other order: taken by place, wrong there, so a person checks",
    ),
    pytest.param(
        "(a) Diagonal: $s_i(1-s_i)$\n\n$$-s_i s_j$$\n",
        {
            DIAGONAL: ("correct", 2, "from line 1: Diagonal: s_i(1-s_i)", "Correct."),
            OFF: ("correct", 2, f"from line 3 ({ONE_LEFT}): -s_i s_j", "Correct."),
        },
        id="one named, the other unnamed: the unnamed one is the other item's",
    ),
    pytest.param(
        "(a) Diagonal: $s_i(1-s_i)$, so again $s_i(1 - s_i)$\n\n$$-s_i s_j$$\n",
        {
            DIAGONAL: ("correct", 2, "from line 1: Diagonal: s_i(1-s_i)", "Correct."),
            OFF: ("correct", 2, f"from line 3 ({ONE_LEFT}): -s_i s_j", "Correct."),
        },
        id="an answer written again goes with the item that has it, not to the other item",
    ),
    pytest.param(
        "(a)\n$$s_i(1-s_i)$$\n",
        {
            DIAGONAL: ("needs_review", 0, "from line 2: s_i(1-s_i)", UNSURE_ONE),
            OFF: ("needs_review", 0, "from line 2: s_i(1-s_i)", UNSURE_ONE),
        },
        id="one unnamed answer for two items: a person decides whose it is",
    ),
    pytest.param(
        "(a) Entry: $s_i(1-s_i)$\n",
        {
            DIAGONAL: ("needs_review", 0, "from line 1: Entry: s_i(1-s_i)", UNSURE_ONE),
            OFF: ("needs_review", 0, "from line 1: Entry: s_i(1-s_i)", UNSURE_ONE),
        },
        id="a name both items answer to names neither",
    ),
]


@pytest.fixture(scope="module")
def rubric(tmp_path_factory):
    path = tmp_path_factory.mktemp("rubric") / "jac-q1.yaml"
    path.write_text(RUBRIC, encoding="utf-8")
    return load_rubric(path)


def _grade(rubric, folder: Path, script: str):
    path = folder / "student.md"
    path.write_text(script, encoding="utf-8")
    batch = grade_paths(rubric, [path])
    assert not batch.failures
    (result,) = batch.results
    return result


@pytest.mark.parametrize(("script", "expected"), CASES)
def test_each_piece_goes_to_the_item_a_marker_gives_it(rubric, tmp_path, script, expected):
    result = _grade(rubric, tmp_path, script)
    for item_id, (verdict, marks, found, first) in expected.items():
        item = result.items[item_id]
        assert (item.verdict, item.marks, item.found) == (verdict, marks, found), item_id
        assert item.feedback[0] == first, item_id


def test_three_unnamed_answers_for_two_items_go_to_a_person_with_all_shown(rubric, tmp_path):
    result = _grade(rubric, tmp_path, "(a)\n$$s_i(1-s_i)$$\n$$-s_i s_j$$\n$$s_i s_j$$\n")
    for item_id in (DIAGONAL, OFF):
        item = result.items[item_id]
        assert (item.verdict, item.marks) == ("needs_review", 0), item_id
        assert item.feedback[0] == (
            "Part a of your script gives 3 answers that could be its Diagonal or Off diagonal, "
            "and no words say which is which; an instructor will decide which item this answers."
        )
        assert item.feedback[1].startswith("Your script gives 3 different answers to this item")
        assert "sent for review: which item the answer is for is not clear" in item.decision


@pytest.mark.parametrize(
    ("answers", "expected"),
    [
        # the shared name alone: both items go to a person, neither silently takes it
        (
            "Entry: $s_i(1 - s_i)$\n",
            {DIAGONAL: ("needs_review", 0), OFF: ("needs_review", 0)},
        ),
        # an item named by its own label keeps its answer; the shared name goes to the other
        (
            "Diagonal: $s_i(1 - s_i)$\n\nEntry: $-s_i s_j$\n",
            {DIAGONAL: ("correct", 2), OFF: ("needs_review", 0)},
        ),
    ],
    ids=["the shared name alone", "beside the other item's own label"],
)
def test_an_answer_labelled_with_a_name_two_items_share_goes_to_a_person(
    rubric, tmp_path, answers, expected
):
    # Found by a helper: a Markdown answer labelled `Entry` went to the first item silently.
    script = "---\nstudent: s\nquestion: JAC-Q1\n---\n## (a)\n" + answers
    result = _grade(rubric, tmp_path, script)
    for item_id, (verdict, marks) in expected.items():
        item = result.items[item_id]
        assert (item.verdict, item.marks) == (verdict, marks), (item_id, item.feedback)
        if verdict == "needs_review":
            assert (
                "is labelled 'Entry', a name that a.diagonal and a.offdiagonal share"
                in (item.feedback[0])
            )
