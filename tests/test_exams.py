"""Whole exams: several questions graded into one gradebook, an exam overview and one page per
student, `--question` on every command (issue 19, part 1)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from grader.cli import main
from grader.exam import ExamError, load_exam
from grader.report import page_name

ROOT = Path(__file__).resolve().parent.parent
Q4 = ROOT / "rubrics" / "22-52-q4.yaml"
DW = ROOT / "rubrics" / "dw-sep-q1.yaml"
EXAM = ROOT / "exams" / "midterm.yaml"
Q4_FILES = [
    ROOT / "submissions" / "22-52-q4" / f"{name}.yaml"
    for name in ("seed-student-1", "seed-student-2", "model-answer", "typical-mistakes")
]
DW_FOLDER = ROOT / "submissions" / "exam-midterm" / "dw-sep-q1"
STUDENTS = ("seed-student-1", "seed-student-2", "model-answer", "typical-mistakes")


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main([str(a) for a in argv])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@pytest.fixture(scope="module")
def one_by_one(tmp_path_factory):
    """The issue's TA: 22-52-Q4 graded into a folder, then DW-SEP-Q1 into the same one."""
    out = tmp_path_factory.mktemp("exam") / "out"
    assert main(["grade", *map(str, Q4_FILES), "--rubric", str(Q4), "--out", str(out)]) == 0
    assert main(["grade", str(DW_FOLDER), "--rubric", str(DW), "--out", str(out)]) == 0
    return out


# --- the failures the issue lists, reproduced -------------------------------------------------


def test_a_second_question_does_not_overwrite_the_first_ones_overview_and_csv(one_by_one):
    instructor = one_by_one / "instructor"
    q4 = (instructor / "22-52-Q4" / "grades.csv").read_text(encoding="utf-8")
    dw = (instructor / "DW-SEP-Q1" / "grades.csv").read_text(encoding="utf-8")
    assert q4.splitlines()[0].startswith('"student","part a (5)"')
    assert dw.splitlines()[0].startswith('"student","part a (2)"')
    assert {line.split(",")[0].strip('"') for line in q4.splitlines()[1:]} == set(STUDENTS)
    assert "Parameters of fully connected" in (instructor / "22-52-Q4" / "index.html").read_text(
        encoding="utf-8"
    )
    assert "depthwise-separable" in (instructor / "DW-SEP-Q1" / "index.html").read_text(
        encoding="utf-8"
    )


def test_review_lists_the_flagged_answers_of_every_question(one_by_one, capsys):
    code, out, _ = run(capsys, "review", "--db", one_by_one / "gradebook.sqlite", "--json")
    assert code == 0
    queue = json.loads(out)
    questions = {group["question"] for group in queue["groups"]}
    assert questions == {"22-52-Q4", "DW-SEP-Q1"}
    flagged = {
        (group["question"], group["item"], student)
        for group in queue["groups"]
        for student in group["students"]
    }
    # seed-student-2's unreadable formula and keyword list, and the DW-SEP-Q1 explanation
    # seed-student-2 wrote as a list of keywords
    assert ("22-52-Q4", "d.formula", "seed-student-2") in flagged
    assert ("22-52-Q4", "e.explanation", "seed-student-2") in flagged
    assert ("DW-SEP-Q1", "e.explanation", "seed-student-2") in flagged


def test_review_without_json_names_each_question(one_by_one, capsys):
    code, out, _ = run(capsys, "review", "--db", one_by_one / "gradebook.sqlite")
    assert code == 0
    assert "nothing needs review" not in out
    assert "22-52-Q4 d.formula (1): seed-student-2" in out
    assert "DW-SEP-Q1 e.explanation (1): seed-student-2" in out


def test_review_and_export_take_question(one_by_one, capsys, tmp_path):
    db = one_by_one / "gradebook.sqlite"
    code, out, _ = run(capsys, "review", "--db", db, "--json", "--question", "DW-SEP-Q1")
    assert code == 0
    assert {group["question"] for group in json.loads(out)["groups"]} == {"DW-SEP-Q1"}
    target = tmp_path / "dw.csv"
    code, _, err = run(capsys, "export", "--db", db, "--csv", target, "--question", "DW-SEP-Q1")
    assert code == 0, err
    assert target.read_text(encoding="utf-8").splitlines()[0].startswith('"student","part a (2)"')
    code, _, err = run(capsys, "review", "--db", db, "--question", "NOPE")
    assert code == 2
    assert "no question 'NOPE' in" in err and "22-52-Q4, DW-SEP-Q1" in err
