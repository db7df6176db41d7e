"""A student's page and an exam's question, byte for byte (golden files): every branch of
`_items.html` (each verdict, an item awaiting review, an instructor's decision, where an
answer was found, reading notes, a caret, the reading as MathML and MathML that is not ours,
no feedback, an item the student did not answer) with student text that must be escaped.

The golden files were written by the templates as they were before `_items.html` became one
macro with filters (issue 20): the pages must not change by a byte. To write them again
after a change to what a page shows on purpose: `GRADER_WRITE_GOLDEN=1 pytest
tests/test_page_golden.py`, and read the diff."""

import os
from pathlib import Path

import pytest

from grader.exam import ExamQuestion, QuestionClass, Sheet
from grader.exam_report import render_parts
from grader.html_report import render_student
from grader.model import Batch, ItemResult, SubmissionResult
from grader.rubric import load_rubric

ROOT = Path(__file__).resolve().parent.parent
GOLDEN = Path(__file__).resolve().parent / "golden"
RUBRIC = load_rubric(ROOT / "rubrics" / "22-52-q4.yaml")
HOSTILE = "<script>alert('x')</script> & \"quoted\" </span>"
OUR_MATHML = (
    '<math xmlns="http://www.w3.org/1998/Math/MathML"><mi>C</mi><mo>+</mo><mn>1</mn></math>'
)
NOT_OUR_MATHML = '<math><mi onclick="steal()">x</mi><img src=x></math>'


def item(item_id: str, verdict: str, marks: float, **fields) -> ItemResult:
    return ItemResult(
        item_id=item_id,
        verdict=verdict,
        marks=marks,
        max_marks=fields.pop("max_marks", 2.0),
        feedback=fields.pop("feedback", (f"feedback for {item_id} {HOSTILE}",)),
        **fields,
    )


RESULT = SubmissionResult(
    student=f"stu<dent> & {HOSTILE}",
    source="class/student.yaml",
    items={
        "a.formula": item(
            "a.formula",
            "correct",
            2,
            answer=f"C+1 {HOSTILE}",
            reading_mathml=OUR_MATHML,
            reading_notes=("read p as P", f"dropped {HOSTILE}"),
        ),
        "a.params": item(
            "a.params",
            "partial",
            0.5,
            max_marks=1.5,
            answer="9CD",
            found=f"from line 14: {HOSTILE}",
            reading_mathml=NOT_OUR_MATHML,
        ),
        "b.formula": item(
            "b.formula",
            "incorrect",
            0,
            answer="C-1",
            feedback=("one", "two", HOSTILE),
            decision=("step 1", "step 2"),
        ),
        "b.params": item(
            "b.params",
            "invalid",
            0,
            answer="9C$D",
            error_position=2,
            error_caret=f"9C$D\n  ^ {HOSTILE}",
            feedback=("The grader could not read this answer.", "Write it as 9CD."),
        ),
        "c.formula": item("c.formula", "needs_review", 1, answer=HOSTILE),
        "c.params": item("c.params", "error", 0, answer="x", feedback=("crashed",)),
        "d.formula": item("d.formula", "missing", 0, feedback=()),
        "d.params": item(
            "d.params",
            "incorrect",
            0,
            answer="12",
            instructor_decision=f"Marks set by an instructor: 1/2: {HOSTILE}",
        ),
        # e.formula is not in the result at all: the page leaves it out
        "e.explanation": item("e.explanation", "correct", 3, max_marks=3, answer="", feedback=()),
    },
    warnings=(f"a warning {HOSTILE}",),
)

PAGES = {
    "student-page.html": lambda: render_student(RUBRIC, RESULT),
    "exam-question-parts.html": lambda: str(
        render_parts(
            QuestionClass(ExamQuestion(RUBRIC.id), RUBRIC, Batch([RESULT])),
            Sheet(RESULT.student, {RUBRIC.id: RESULT}),
            "q2",
        )
    ),
}


@pytest.mark.parametrize("name", sorted(PAGES))
def test_the_page_is_byte_for_byte_the_golden_file(name):
    page = PAGES[name]()
    if os.environ.get("GRADER_WRITE_GOLDEN"):
        (GOLDEN / name).write_bytes(page.encode("utf-8"))
    assert page == (GOLDEN / name).read_bytes().decode("utf-8")


def test_student_text_in_the_golden_page_is_escaped_everywhere():
    page = (GOLDEN / "student-page.html").read_text(encoding="utf-8")
    assert "<script>" not in page
    assert "onclick" not in page.replace("onclick=&#34;", "")
    assert page.count("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;") >= 12
