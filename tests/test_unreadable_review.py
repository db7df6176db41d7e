"""Issue 14, part 1: unreadable is not wrong. A written exam has no second attempt, so an
answer the machine cannot read goes to a person: the review queue with its caret message and
a provisional 0, the table's review column, grouped in the overview and in `grader review`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from grader.answer_groups import answer_groups, review_queue
from grader.cli import main
from grader.grade import grade_answer
from grader.html_report import AWAITING_WORDS
from grader.model import Batch, ItemResult, SubmissionResult
from grader.overrides import Override, apply_override
from grader.rubric import load_rubric
from grader.score import UNREAD_BY_MACHINE

ROOT = Path(__file__).resolve().parent.parent
RUBRIC = str(ROOT / "rubrics" / "22-52-q4.yaml")


@pytest.fixture(scope="module")
def rubric():
    return load_rubric(RUBRIC)


VERDICT_NEEDS_PERSON = {
    "an unreadable answer needs a person": ("invalid", True),
    "an answer sent for review needs a person": ("needs_review", True),
    "a grader failure needs a person": ("error", True),
    "a correct answer does not": ("correct", False),
    "an incorrect answer does not": ("incorrect", False),
    "a missing answer does not": ("missing", False),
}


@pytest.mark.parametrize(
    ("verdict", "expected"), VERDICT_NEEDS_PERSON.values(), ids=VERDICT_NEEDS_PERSON.keys()
)
def test_which_verdicts_need_a_person(verdict, expected):
    result = ItemResult("b.params", verdict, 0.0, 2.0, ())
    assert result.needs_person is expected


UNREADABLE = {
    "a character outside the grammar keeps its caret": ("b.params", "9CD + D ~", 8),
    "an unbalanced bracket keeps its caret": ("b.params", "D(9C+1", 1),
    "hostile code is contained and still goes to a person": (
        "a.params",
        "__import__('os').system('touch /tmp/grader_pwned')",
        None,
    ),
}


@pytest.mark.parametrize(("item_id", "text", "position"), UNREADABLE.values(), ids=UNREADABLE)
def test_an_unreadable_answer_goes_to_review_with_a_provisional_zero(
    rubric, item_id, text, position
):
    result = grade_answer(rubric, rubric.items[item_id], text)
    assert result.verdict == "invalid"
    assert result.marks == 0
    assert result.needs_person
    assert result.feedback[0].startswith("We could not read your answer")
    assert result.feedback[-1] == UNREAD_BY_MACHINE
    assert result.error_caret
    if position is not None:
        assert result.error_position == position
    assert not Path("/tmp/grader_pwned").exists()


def test_identical_unreadable_answers_are_one_group_of_the_review_queue(rubric):
    item = rubric.items["b.params"]
    results = [
        SubmissionResult(student, f"{student}.yaml", {"b.params": grade_answer(rubric, item, text)})
        for student, text in (("ann", "9CD + D ~"), ("bob", "9CD  +  D ~"), ("cy", "D(9C+1"))
    ]
    queue = review_queue(answer_groups(Batch(results=results)))
    assert [(g.item_id, g.flagged) for g in queue] == [
        ("b.params", ["ann", "bob"]),
        ("b.params", ["cy"]),
    ]
    assert queue[0].shown.feedback[0].startswith("We could not read your answer")


def test_an_override_of_an_unreadable_answer_takes_it_out_of_the_queue(rubric):
    result = grade_answer(rubric, rubric.items["b.params"], "9CD + D ~")
    decided = apply_override(result, Override(2.0, "read it", "9CD + D ~", "2026-12-05"))
    assert decided.verdict == "correct"
    assert not decided.needs_person
    assert UNREAD_BY_MACHINE not in decided.feedback


def _write(folder: Path, student: str, params: str) -> None:
    (folder / f"{student}.yaml").write_text(
        f"student: {student}\nquestion: 22-52-Q4\nanswers:\n  b:\n    params: '{params}'\n",
        encoding="utf-8",
    )


def test_grade_counts_unreadable_answers_in_the_review_column_and_review_groups_them(
    tmp_path, capsys
):
    folder = tmp_path / "subs"
    folder.mkdir()
    _write(folder, "ann", "9CD + D ~")
    _write(folder, "bob", "9CD + D ~")
    _write(folder, "cy", "9CD + D")
    db, out = tmp_path / "gb.sqlite", tmp_path / "out"
    code = main(["grade", str(folder), "--rubric", RUBRIC, "--db", str(db), "--out", str(out)])
    captured = capsys.readouterr()
    table = captured.out
    assert code == 0
    rows = {line.split()[0]: line.split() for line in table.splitlines()[2:] if line.strip()}
    assert rows["ann"][-1] == "1" and rows["bob"][-1] == "1"
    assert rows["cy"][-1] == "0"
    assert "2 items need review" in captured.out + captured.err

    assert main(["review", "--db", str(db)]) == 0
    listed = capsys.readouterr().out
    assert listed.count("9CD + D ~") == 1
    assert "ann" in listed and "bob" in listed
    assert "could not read" in listed

    overview = (out / "instructor" / "index.html").read_text(encoding="utf-8")
    unreadable = overview[overview.index('id="unreadable"') :]
    unreadable = unreadable[: unreadable.index("</table>")]
    assert unreadable.count("<tr><td>b.params</td>") == 1
    assert ">ann</a>, <a" in unreadable and "bob" in unreadable
    page = next((out / "students").glob("ann-*.html")).read_text(encoding="utf-8")
    # The student reads that an instructor will decide; "its 0 marks are provisional" is the
    # instructor's to read (issue 19: never 0 on an item awaiting review).
    assert AWAITING_WORDS in page and UNREAD_BY_MACHINE not in page


def test_the_json_of_an_unreadable_answer_says_its_zero_is_provisional(tmp_path, capsys):
    code = main(["check", RUBRIC, "b.params", "9CD + D ~", "--json"])
    data = json.loads(capsys.readouterr().out)
    assert code == 0
    assert data["verdict"] == "invalid"
    assert data["feedback"][-1] == UNREAD_BY_MACHINE
