"""Whole exams: several questions graded into one gradebook, an exam overview and one page per
student, `--question` on every command (issue 19, part 1)."""

from __future__ import annotations

import contextlib
import csv
import dataclasses
import html
import io
import json
import os
import re
import sqlite3
from html.parser import HTMLParser
from pathlib import Path

import pytest

from grader import gradebook
from grader.cli import main
from grader.exam import ExamError, ExamQuestion, QuestionClass, load_exam
from grader.lms_csv import exam_grades_csv
from grader.model import Batch, FailureKind, FileFailure, SubmissionResult
from grader.report import page_name
from grader.rubric import load_rubric

ROOT = Path(__file__).resolve().parent.parent
Q4 = ROOT / "rubrics" / "22-52-q4.yaml"
DW = ROOT / "rubrics" / "dw-sep-q1.yaml"
EXAM = ROOT / "exams" / "midterm.yaml"
Q4_FILES = [
    ROOT / "submissions" / "22-52-q4" / f"{name}.yaml"
    for name in ("seed-student-1", "seed-student-2", "model-answer", "typical-mistakes")
]
Q4_SHA = load_rubric(Q4).sha256
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


# --- an exam file: one gradebook, the exam overview and one page per student -------------------


@pytest.fixture(scope="module")
def exam_out(tmp_path_factory):
    out = tmp_path_factory.mktemp("midterm") / "out"
    assert main(["grade", "--exam", str(EXAM), "--out", str(out)]) == 0
    return out


def question_results(out: Path, question: str) -> dict:
    """Each student's result of one question, from the question's own results.json."""
    data = json.loads((out / "instructor" / question / "results.json").read_text("utf-8"))
    return {result["student"]: result for result in data["results"]}


def table_rows(page: str, table_id: str) -> list[list[str]]:
    """The text of each cell of each data row of the table with `table_id`."""
    parser = _Table(table_id)
    parser.feed(page)
    return parser.rows[1:]


class _Table(HTMLParser):
    def __init__(self, table_id: str):
        super().__init__()
        self.table_id, self.inside, self.rows, self.cell = table_id, False, [], None

    def handle_starttag(self, tag, attrs):
        if tag == "table" and dict(attrs).get("id") == self.table_id:
            self.inside = True
        elif self.inside and tag == "tr":
            self.rows.append([])
        elif self.inside and tag in ("td", "th"):
            self.cell = ""

    def handle_endtag(self, tag):
        if tag == "table":
            self.inside = False
        elif self.inside and tag in ("td", "th") and self.cell is not None:
            self.rows[-1].append(" ".join(self.cell.split()))
            self.cell = None

    def handle_data(self, data):
        if self.cell is not None:
            self.cell += data


def test_the_exam_overview_totals_each_student_across_the_weighted_questions(exam_out):
    q4, dw = question_results(exam_out, "22-52-Q4"), question_results(exam_out, "DW-SEP-Q1")
    page = (exam_out / "instructor" / "index.html").read_text("utf-8")
    expected = []
    for student in q4:  # the first question's order
        review = sum(
            1
            for result in (q4[student], dw[student])
            for item in result["items"].values()
            if item["verdict"] in ("needs_review", "invalid", "error")
        )
        mark = lambda total, pending: f"{total:g}" + (" *" if pending else "")  # noqa: E731
        q4_pending = any(
            i["verdict"] in ("needs_review", "invalid") for i in q4[student]["items"].values()
        )
        dw_pending = any(
            i["verdict"] in ("needs_review", "invalid") for i in dw[student]["items"].values()
        )
        total = q4[student]["total"] + 2 * dw[student]["total"]
        expected.append(
            [
                student,
                mark(q4[student]["total"], q4_pending),
                mark(2 * dw[student]["total"], dw_pending),
                f"{total:g}",
                str(review),
            ]
        )
    assert table_rows(page, "exam-students") == expected
    assert [row[0] for row in expected] == list(STUDENTS[2:3] + STUDENTS[0:2] + STUDENTS[3:])
    stats = table_rows(page, "question-stats")
    assert [row[:4] for row in stats] == [
        [
            "22-52-Q4: Parameters of fully connected and convolutional layers, and Y = XW",
            "25",
            "× 1",
            "25",
        ],
        [
            "DW-SEP-Q1: Parameters of a standard and a depthwise-separable convolution",
            "15",
            "× 2",
            "30",
        ],
    ]
    assert [row[8] for row in stats] == ["2", "1"]  # answers awaiting review, per question
    assert '<a href="22-52-Q4/index.html">' in page and '<a href="DW-SEP-Q1/index.html">' in page


def test_each_student_has_one_page_for_the_whole_exam(exam_out):
    pages = sorted(p.name for p in (exam_out / "students").iterdir())
    assert pages == sorted([*(page_name(student) for student in STUDENTS), "fonts"])
    page = (exam_out / "students" / page_name("seed-student-1")).read_text("utf-8")
    assert table_rows(page, "questions") == [
        [
            "22-52-Q4: Parameters of fully connected and convolutional layers, and Y = XW",
            "16.5 / 25",
            "× 1",
            "16.5 / 25",
        ],
        [
            "DW-SEP-Q1: Parameters of a standard and a depthwise-separable convolution",
            "11 / 15",
            "× 2",
            "22 / 30",
        ],
    ]
    assert 'Total: <strong id="total">38.5 / 55</strong>' in page
    ids = re.findall(r'\bid="([^"]*)"', page)
    assert len(ids) == len(set(ids)), "two questions' parts share an id"
    assert {"q1-item-a.params", "q2-item-a.params", "q1-part-e", "q2-part-e"} <= set(ids)


def test_answers_awaiting_review_count_for_nothing_on_the_exam_page(exam_out):
    """seed-student-2: two answers of 22-52-Q4 and one of DW-SEP-Q1 await review. The page
    says so, question by question, and its total counts only the marks that are final."""
    q4, dw = question_results(exam_out, "22-52-Q4"), question_results(exam_out, "DW-SEP-Q1")
    pending = ("needs_review", "invalid", "error")

    def settled(result):
        return sum(i["marks"] for i in result["items"].values() if i["verdict"] not in pending)

    q4_mark, dw_mark = settled(q4["seed-student-2"]), settled(dw["seed-student-2"])
    page = (exam_out / "students" / page_name("seed-student-2")).read_text("utf-8")
    assert [row[1] for row in table_rows(page, "questions")] == [
        f"{q4_mark:g} / 25 so far awaiting review",
        f"{dw_mark:g} / 15 so far awaiting review",
    ]
    assert f'Total so far: <strong id="total">{q4_mark + 2 * dw_mark:g} / 55</strong>' in page
    assert "3 answers awaiting review" in page
    assert "Awaiting review: (d) formula, (e) explanation." in page
    assert "Awaiting review: (e) explanation." in page


def test_report_rebuilds_the_exam_and_grade_takes_question(exam_out, capsys, tmp_path):
    db = exam_out / "gradebook.sqlite"
    code, _, err = run(capsys, "report", "--db", db, "--out", tmp_path / "again")
    assert code == 0, err
    for name in ("index.html", "grades.csv", "results.json"):
        assert (tmp_path / "again" / "instructor" / name).read_bytes() == (
            exam_out / "instructor" / name
        ).read_bytes()
    code, out, err = run(
        capsys, "grade", "--exam", EXAM, "--question", "DW-SEP-Q1", "--db", tmp_path / "dw.sqlite"
    )
    assert code == 0, err
    assert out.splitlines()[0].split() == [
        "student",
        "a/2",
        "b/5",
        "c/4",
        "d/2",
        "e/2",
        "total/15",
        "review",
    ]
    assert "22-52-Q4" not in out


def test_several_rubrics_take_the_files_that_name_their_question(capsys, tmp_path):
    """`--rubric` twice over one folder holding both questions' files: each file goes to the
    question it names; a transcript names none and is refused, saying what to do."""
    folder = tmp_path / "both"
    folder.mkdir()
    for path in [*Q4_FILES, *sorted(DW_FOLDER.iterdir())]:
        (folder / f"{path.parent.name}-{path.name}").write_bytes(path.read_bytes())
    (folder / "raw.md").write_text("(b) 9CD + D\n", encoding="utf-8")  # no front matter
    code, out, err = run(
        capsys, "grade", folder, "--rubric", Q4, "--rubric", DW, "--db", tmp_path / "g.sqlite"
    )
    assert code == 0, err
    tables = out.split("\n\n")
    assert [t.splitlines()[0] for t in tables if t.strip()] == [
        "22-52-Q4: Parameters of fully connected and convolutional layers, and Y = XW",
        "DW-SEP-Q1: Parameters of a standard and a depthwise-separable convolution",
    ]
    for table in (t for t in tables if t.strip()):
        assert sorted(line.split()[0] for line in table.splitlines()[3:]) == sorted(STUDENTS)
    assert f"error: {folder / 'raw.md'} names no question (a transcript or an LMS export)" in err
    assert "answers another question" not in err and "but the rubric is for" not in err


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("questions: []\n", "exam.yaml:1: questions: names no question"),
        ("id: x\n", "exam.yaml:1: questions: is required"),
        (
            "questions:\n  - rubric: {q4}\n    weigth: 2\n",
            "exam.yaml:3: questions[0].weigth: unknown key; did you mean weight?",
        ),
        (
            "questions:\n  - rubric: {q4}\n  - rubric: {q4}\n",
            "exam.yaml:3: questions[1].rubric: question '22-52-Q4' is in the exam twice",
        ),
        (
            "questions:\n  - rubric: {q4}\n    weight: 0\n",
            "exam.yaml:2: questions[0].weight: must be more than 0",
        ),
        (
            "questions:\n  - rubric: {q4}\n    weight: -1\n",
            "exam.yaml:3: questions[0].weight: must not be negative, found -1",
        ),
        (
            "questions:\n  - rubric: {q4}\n    submissions: [1]\n",
            "exam.yaml:3: questions[0].submissions[0]: expected a path",
        ),
        ("questions:\n  - !!python/object:os.system x\n", "YAML tag"),
        (
            "questions:\n  - rubric: {q4}\n    name: Q1\n  - rubric: {dw}\n    name: Q1\n",
            "exam.yaml:4: questions[1]: 'Q1' names another question too",
        ),
    ],
    ids=[
        "an exam without questions",
        "an exam file without its questions key",
        "a misspelt key is named with a suggestion",
        "a question given twice",
        "a weight of zero",
        "a negative weight",
        "a submission that is not a path",
        "a python tag is refused",
        "two questions of one name",
    ],
)
def test_an_exam_file_that_cannot_be_used_names_its_line_and_key(tmp_path, text, problem):
    path = tmp_path / "exam.yaml"
    path.write_text(text.replace("{q4}", str(Q4)).replace("{dw}", str(DW)), encoding="utf-8")
    with pytest.raises(ExamError) as raised:
        load_exam(path)
    assert problem in str(raised.value).replace(str(tmp_path) + "/", "")


def test_an_override_in_an_exam_names_its_question_when_the_item_is_in_two(
    one_by_one, capsys, tmp_path
):
    db = tmp_path / "gradebook.sqlite"  # a copy: the other tests keep the answers flagged
    with sqlite3.connect(one_by_one / "gradebook.sqlite") as source, sqlite3.connect(db) as copy:
        source.backup(copy)
    code, _, err = run(capsys, "override", "--db", db, "seed-student-2", "a.params", "1")
    assert code == 2
    assert (
        "'seed-student-2' answered 'a.params' in 22-52-Q4, DW-SEP-Q1; choose with --question" in err
    )
    code, out, err = run(
        capsys, "override", "--db", db, "seed-student-2", "d.formula", "2", "--note", "ok"
    )
    assert code == 0, err  # only 22-52-Q4 has d.formula
    code, out, _ = run(capsys, "review", "--db", db, "--json", "--question", "22-52-Q4")
    flagged = {(g["item"], s) for g in json.loads(out)["groups"] for s in g["students"]}
    assert ("d.formula", "seed-student-2") not in flagged


def test_one_question_of_an_exam_graded_alone_into_a_folder(capsys, tmp_path):
    """The exam names two questions; only one is graded yet: the folder is that question's."""
    out = tmp_path / "out"
    code, _, err = run(capsys, "grade", "--exam", EXAM, "--question", "DW-SEP-Q1", "--out", out)
    assert code == 0, err
    assert (
        (out / "instructor" / "grades.csv").read_text("utf-8").startswith('"student","part a (2)"')
    )
    code, _, err = run(capsys, "grade", "--exam", EXAM, "--question", "22-52-Q4", "--out", out)
    assert code == 0, err
    header = (out / "instructor" / "grades.csv").read_text("utf-8").splitlines()[0]
    assert header.startswith('"student","22-52-Q4 (25)","DW-SEP-Q1 (30)","total (55)"')


def test_a_file_listed_under_the_wrong_question_is_reported_not_passed_over(capsys, tmp_path):
    folder = tmp_path / "dw"
    folder.mkdir()
    for path in [*sorted(DW_FOLDER.iterdir()), Q4_FILES[0]]:
        (folder / f"{path.parent.name}-{path.name}").write_bytes(path.read_bytes())
    exam = tmp_path / "exam.yaml"
    exam.write_text(
        f"questions:\n  - rubric: {Q4}\n    submissions: [{Q4_FILES[1]}]\n"
        f"  - rubric: {DW}\n    submissions: [{folder}]\n",
        encoding="utf-8",
    )
    code, _, err = run(capsys, "grade", "--exam", exam)
    assert code == 0
    assert "question: is '22-52-Q4', but the rubric is for 'DW-SEP-Q1'" in err


@pytest.mark.parametrize(
    ("question", "shown", "absent"),
    [
        ("22-52-Q4", "22-52-Q4", "DW-SEP-Q1"),
        ("DW-SEP-Q1", "DW-SEP-Q1", "22-52-Q4"),
    ],
    ids=["serve reviews 22-52-Q4", "serve reviews DW-SEP-Q1"],
)
def test_serve_reviews_the_question_chosen(one_by_one, tmp_path, question, shown, absent):
    from grader.review_app import create_app

    client = create_app(
        one_by_one / "gradebook.sqlite", "Ada", token="t", out=tmp_path, question=question
    ).test_client()
    assert client.get("/queue?token=t").status_code == 302
    page = client.get("/queue").get_data(as_text=True)
    assert shown in page
    assert absent not in page
    # its rebuild writes the whole exam, as `grader report` does
    csrf = re.search(r'name="csrf" value="([^"]+)"', page).group(1)
    assert client.post("/rebuild", data={"csrf": csrf}).status_code == 200
    overview = (tmp_path / "instructor" / "index.html").read_text("utf-8")
    assert "exam overview" in overview
    assert (tmp_path / "instructor" / "DW-SEP-Q1" / "index.html").is_file()


def test_changes_of_an_exam_name_each_items_question(capsys, tmp_path):
    out = tmp_path / "out"
    assert main(["grade", "--exam", str(EXAM), "--out", str(out)]) == 0
    edited = tmp_path / "dw"
    edited.mkdir()
    for path in DW_FOLDER.iterdir():
        text = path.read_text("utf-8")
        if path.stem == "typical-mistakes":
            text = text.replace("params: 'K C D + D'", "params: 'K^2 C D + D'")
        (edited / path.name).write_text(text, encoding="utf-8")
    changes = tmp_path / "changes.csv"
    code, _, err = run(
        capsys, "grade", *Q4_FILES, edited, "--rubric", Q4, "--rubric", DW, "--out", out,
        "--changes", changes,
    )  # fmt: skip
    assert code == 0, err
    assert changes.read_text("utf-8").splitlines() == [
        '"student","item","change","old marks","new marks","old answer","new answer"',
        # (an apostrophe before `+`, as in every CSV: no cell can start a formula)
        '"typical-mistakes","DW-SEP-Q1 a.params","marks","1","2","K C D \'+ D","K^2 C D \'+ D"',
    ]
    assert "DW-SEP-Q1: re-grade: 1 student's marks changed (1 item)" in err


@pytest.mark.parametrize(("folder", "anchor"), [("22-52-Q4", "q1-"), ("DW-SEP-Q1", "q2-")])
def test_a_questions_overview_links_to_the_item_on_the_exam_page(exam_out, folder, anchor):
    # It once linked to #item-..., an id the exam page does not have (its ids carry the
    # question's anchor), so the link landed at the top of the page.
    overview = (exam_out / "instructor" / folder / "index.html").read_text("utf-8")
    links = re.findall(r'href="\.\./\.\./students/([^"#]+)#([^"]+)"', overview)
    assert links
    for page, target in links:
        assert target.startswith(f"{anchor}item-"), target
        student_page = (exam_out / "students" / page).read_text("utf-8")
        assert f'id="{target}"' in student_page, (page, target)


LATIN = "is not valid UTF-8 (byte 16); save it as UTF-8"


@pytest.mark.parametrize(
    ("q4_failures", "dw_failures", "rows"),
    [
        pytest.param(
            [],
            [FileFailure("dw/carol.md", f"dw/carol.md:2: {LATIN}")],
            [["ann", "0", "", "0", "0", Q4_SHA, ""], ["carol", "", "", "", "7", "", ""]],
            id="a Latin-1 file: its student's row, marks empty, items awaiting (had no row)",
        ),
        pytest.param(
            [FileFailure("q4/Carol.md", f"q4/Carol.md:2: {LATIN}")],
            [FileFailure("dw/carol.md", "dw/carol.md: could not be read")],
            [["ann", "0", "", "0", "0", Q4_SHA, ""], ["Carol", "", "", "", "17", "", ""]],
            id="a student whose files failed in both questions: one row, both awaiting",
        ),
        pytest.param(
            [],
            [FileFailure("dw/ann.md", f"dw/ann.md:2: {LATIN}")],
            [["ann", "0", "", "0", "7", Q4_SHA, ""]],
            id="a result in one question, a Latin-1 file in another: its items await review",
        ),
        pytest.param(
            [],
            [FileFailure("dw/ANN.tex", "dw/ANN.tex: could not be read")],
            [["ann", "0", "", "0", "7", Q4_SHA, ""]],
            id="likewise, the file naming them otherwise cased",
        ),
        pytest.param(
            [FileFailure("q4/ann.md", f"q4/ann.md:2: {LATIN}")],
            [],
            [["ann", "0", "", "0", "0", Q4_SHA, ""]],
            id="a result in the question the file failed in: that result's row stands",
        ),
        pytest.param(
            [],
            [
                FileFailure(
                    "dw/c2.md",
                    "submission dw/c2.md: it claims student 'carol', as …",
                    FailureKind.CLAIMED,
                )
            ],
            [["ann", "0", "", "0", "0", Q4_SHA, ""]],
            id="a second file claiming a student: no row",
        ),
    ],
)
def test_the_exam_csv_has_a_row_for_a_file_that_could_not_be_graded(q4_failures, dw_failures, rows):
    q4, dw = load_rubric(Q4), load_rubric(DW)
    classes = [
        QuestionClass(
            ExamQuestion(q4.id), q4, Batch([SubmissionResult("ann", "a.yaml", {})], q4_failures)
        ),
        QuestionClass(ExamQuestion(dw.id, 2.0), dw, Batch([], dw_failures)),
    ]
    lines = list(csv.reader(io.StringIO(exam_grades_csv(classes))))
    assert lines[1:] == rows


# --- the students of several LMS exports, without a roster (probe 8's F8) ----------------------

LMS_IDS = ROOT / "tests" / "data" / "lms-ids"
STRIDED = ROOT / "rubrics" / "strided-q1.yaml"
ACT = ROOT / "rubrics" / "activations-q1.yaml"
PROBE_STUDENTS = {"u1@uni.ex", "u2@uni.ex", "U3@Uni.EX", "u4@uni.ex", "s001", "9002", "s003"}


@pytest.mark.parametrize(
    ("suffix", "extra", "students", "row", "said", "unsaid"),
    [
        pytest.param(
            "-all-ids", [], {"s001", "s002", "s003", "s004", "s005"}, ("s001", "7", "20", "27"),
            ["students: the LMS exports name students by different columns",
             "strided-moodle-all-ids.csv by its column 'ID number'",
             "act-canvas-all-ids.csv by its column 'sis_id'"],
            ["warning"],
            id="every row of both exports gives an id: one student, one row, the whole total",
        ),
        pytest.param(
            "-all-ids", ["--question", "STRIDED-Q1"], {"s001", "s002", "s003", "s004"}, None,
            ["by its column 'ID number'"], ["warning"],
            id="one question graded alone is keyed as the whole exam is",
        ),
        pytest.param(
            "", [], PROBE_STUDENTS | {"s005"}, ("s001", "", "20", "20"),
            ["warning: the LMS exports name students by different columns",
             "strided-moodle.csv (Moodle's quiz Responses report) by 'Email address' (else "
             "'ID number')", "act-canvas.csv (Canvas's quiz Student Analysis report) by 'sis_id' "
             "(else 'id')", "strided-moodle.csv's column 'ID number' is empty in 1 of its 4 rows",
             "give --roster FILE"],
            ["students: "],
            id="an id column partly empty: nothing guessed, today's keys kept, a warning",
        ),
        pytest.param(
            "", ["--roster", LMS_IDS / "roster.csv"], {"u1", "u2", "u3", "u4", "u5"},
            ("u1", "7", "20", "27"), [], ["different columns"],
            id="a roster joins the rows instead",
        ),
    ],
)  # fmt: skip
def test_the_students_of_a_moodle_and_a_canvas_export_without_a_roster(
    capsys, tmp_path, suffix, extra, students, row, said, unsaid
):
    for name in (f"strided-moodle{suffix}.csv", f"act-canvas{suffix}.csv"):
        (tmp_path / name).write_bytes((LMS_IDS / name).read_bytes())
    exam = tmp_path / "exam.yaml"
    exam.write_text(
        f"id: PROBE-EXAM\nquestions:\n"
        f"  - {{rubric: '{STRIDED}', submissions: [strided-moodle{suffix}.csv]}}\n"
        f"  - {{rubric: '{ACT}', weight: 2, submissions: [act-canvas{suffix}.csv]}}\n",
        encoding="utf-8",
    )
    out = tmp_path / "out"
    code, _, err = run(capsys, "grade", "--exam", exam, "--out", out, "--jobs", "1", *extra)
    assert code == 0, err
    with open(out / "instructor" / "grades.csv", encoding="utf-8", newline="") as handle:
        rows = {line["student"]: line for line in csv.DictReader(handle)}
    assert set(rows) == students
    if row is not None:
        marks = rows[row[0]]
        assert (marks["STRIDED-Q1 (7)"], marks["ACT-Q1 (20)"], marks["total (27)"]) == row[1:]
    flat = " ".join(err.split())
    for text in said:
        assert text in flat
    for text in unsaid:
        assert text not in flat
    overview = html.unescape((out / "instructor" / "index.html").read_text("utf-8"))
    for text in said:
        assert text.removeprefix("students: ").removeprefix("warning: ") in " ".join(
            overview.split()
        )


@pytest.mark.parametrize(
    ("dw_failures", "listed"),
    [
        pytest.param(
            [FileFailure("dw/carol.md", f"dw/carol.md:2: {LATIN}")],
            {"ann": ["0", "–", "0", "0"], "carol": ["–", "?", "–", "7"]},
            id="a student whose only file failed: listed, awaiting review (was left out)",
        ),
        pytest.param(
            [FileFailure("dw/ann.md", f"dw/ann.md:2: {LATIN}")],
            {"ann": ["0", "?", "0", "7"]},
            id="a result in one question, a Latin-1 file in another: awaiting (was 0 and –)",
        ),
    ],
)
def test_the_exam_overview_lists_a_file_that_could_not_be_graded(tmp_path, dw_failures, listed):
    from grader.exam_report import write_exam_report

    q4, dw = load_rubric(Q4), load_rubric(DW)
    classes = [
        QuestionClass(ExamQuestion(q4.id), q4, Batch([SubmissionResult("ann", "a.yaml", {})])),
        QuestionClass(ExamQuestion(dw.id, 2.0), dw, Batch([], dw_failures)),
    ]
    exam = load_exam(ROOT / "exams" / "midterm.yaml")[0]
    write_exam_report(exam, classes, tmp_path)
    page = (tmp_path / "instructor" / "index.html").read_text("utf-8")
    table = page[
        page.index('id="exam-students"') : page.index("</table>", page.index("exam-students"))
    ]
    rows = {}
    for row in re.findall(r"<tr><td>(.*?)</tr>", table, re.S):
        name = re.sub(r"<[^>]+>", "", row.split("</td>")[0]).strip()
        cells = [re.sub(r"<[^>]+>", "", c).strip() for c in row.split("</td>")[1:-1]]
        rows[name] = [re.sub(r"\s*\*$", "", c) for c in cells]
    assert rows == listed
    # no page for a student with no result; their name is not a dead link
    assert "carol.html" not in page


def _q4_file(folder: Path, name: str, student: str) -> None:
    seed = ROOT / "submissions" / "22-52-q4" / "seed-student-1.yaml"
    text = seed.read_text("utf-8").replace("student: seed-student-1", f"student: {student}")
    (folder / name).write_text(text, "utf-8")


@pytest.mark.parametrize(
    ("second", "warned"),
    [
        pytest.param(
            {"ann.yaml": "ann", "bob.yaml": "s002"},
            "1 student in the gradebook was not in this run's files: bob.",
            id="a student keyed otherwise now: the old row warned of (was silent)",
        ),
        pytest.param(
            {"ann.yaml": "ann"},
            "1 student in the gradebook was not in this run's files: bob.",
            id="a student whose file is gone: likewise",
        ),
        pytest.param(
            {"ann.yaml": "ann", "bob.md": None},
            "1 student in the gradebook was not in this run's files (1 of them: their file "
            "could not be graded now): bob.",
            id="a student whose file could not be graded now: their earlier row stands, said",
        ),
        pytest.param(
            {"ann.yaml": "ann", "bob.yaml": "bob"}, None, id="the same students: no warning"
        ),
    ],
)
def test_students_an_earlier_run_left_in_the_gradebook_are_warned_of(
    tmp_path, capsys, second, warned
):
    first, again, out = tmp_path / "first", tmp_path / "again", tmp_path / "out"
    first.mkdir()
    again.mkdir()
    _q4_file(first, "ann.yaml", "ann")
    _q4_file(first, "bob.yaml", "bob")
    for name, student in second.items():
        if student is None:
            (again / name).write_bytes(b"---\nquestion: 22-52-Q4\n---\nb: caf\xe9\n")
        else:
            _q4_file(again, name, student)
    assert main(["grade", str(first), "--rubric", str(Q4), "--out", str(out)]) == 0
    capsys.readouterr()
    main(["grade", str(again), "--rubric", str(Q4), "--out", str(out)])
    graded = capsys.readouterr().err
    overview = (out / "instructor" / "index.html").read_text("utf-8")
    main(["export", "--db", str(out / "gradebook.sqlite"), "--csv", str(tmp_path / "g.csv")])
    exported = capsys.readouterr().err
    if warned is None:
        assert "not in this run's files" not in graded + overview + exported
        return
    assert f"warning: {warned}" in graded
    assert warned.replace("'", "&#39;") in overview
    assert f"warning: {warned}" in exported
    for said in (graded, exported):
        assert "Nothing was removed; to leave them out, grade the class into a fresh" in said


LATIN_1 = b"---\nquestion: 22-52-Q4\n---\nb: caf\xe9\n"


@pytest.mark.parametrize(
    ("second", "note"),
    [
        pytest.param(
            {"ann.yaml": "ann", "bob.md": LATIN_1},
            "The latest file for this question, bob.md, could not be graded",
            id="bob's file is Latin-1 now: his earlier marks were exported as this run's",
        ),
        pytest.param(
            {"ann.yaml": "ann", "bob.md": b"\x00\x01\x02binary\xff\xfe"},
            "The latest file for this question, bob.md, could not be graded",
            id="bob's file is binary now: likewise",
        ),
        pytest.param(
            {"ann.yaml": "ann", "bob.yaml": "bob", "bob.md": LATIN_1},
            "A second file named after this student, bob.md, could not be graded",
            id="two files of bob's, one graded, one failing: his marks were final",
        ),
    ],
)
def test_a_student_whose_latest_file_failed_is_held_for_review_not_exported(
    tmp_path, capsys, second, note
):
    first, again, out = tmp_path / "first", tmp_path / "again", tmp_path / "out"
    first.mkdir()
    again.mkdir()
    _q4_file(first, "ann.yaml", "ann")
    _q4_file(first, "bob.yaml", "bob")
    for name, student in second.items():
        if isinstance(student, bytes):
            (again / name).write_bytes(student)
        else:
            _q4_file(again, name, student)
    assert main(["grade", str(first), "--rubric", str(Q4), "--out", str(out)]) == 0
    main(["grade", str(again), "--rubric", str(Q4), "--out", str(out)])
    exported = tmp_path / "g.csv"
    db = str(out / "gradebook.sqlite")
    main(["export", "--db", db, "--csv", str(exported), "--format", "grades"])
    capsys.readouterr()
    items = len(load_rubric(Q4).items)
    for text in ((out / "instructor" / "grades.csv").read_text("utf-8"), exported.read_text()):
        rows = {row["student"]: row for row in csv.DictReader(io.StringIO(text))}
        assert rows["ann"]["total (25)"] != ""  # a control: ann's marks are this run's
        assert rows["ann"]["awaiting review"] == "0"
        marks = [value for key, value in rows["bob"].items() if key.startswith(("part", "total"))]
        assert marks == [""] * len(marks)  # never the earlier marks, as if this run's
        assert rows["bob"]["awaiting review"] == str(items)
    overview = (out / "instructor" / "index.html").read_text("utf-8")
    page = (out / "students" / page_name("bob")).read_text("utf-8")
    assert note in overview and note in page
    held = json.loads((out / "instructor" / "results.json").read_text("utf-8"))
    by_student = {result["student"]: result for result in held["results"]}
    assert by_student["bob"]["held"].startswith(note)
    assert "held" not in by_student["ann"]
    # the earlier result is kept: a person's decision on each item makes it current again
    with contextlib.closing(gradebook.connect(out / "gradebook.sqlite")) as connection:
        for item_id in load_rubric(Q4).items:
            gradebook.record_override(connection, "22-52-Q4", "bob", item_id, 0, "read it")
    main(["report", "--db", db, "--out", str(out)])
    rows = {r["student"]: r for r in csv.DictReader((out / "instructor" / "grades.csv").open())}
    assert (rows["bob"]["total (25)"], rows["bob"]["awaiting review"]) == ("0", "0")


@pytest.mark.parametrize(
    ("first", "second", "roster", "held"),
    [
        pytest.param(
            {"ann.yaml": "ann", "sub-017.yaml": "bob"},
            {"ann.yaml": "ann", "sub-017.yaml": LATIN_1},
            None,
            ["bob"],
            id="sub-017.yaml, bob's, fails: bob's marks were final and sub-017 a new row",
        ),
        pytest.param(
            {"s1002.yaml": "s1002", "ann@uni.ex.yaml": "ann@uni.ex"},
            {"s1002.md": LATIN_1, "ann@uni.ex.md": LATIN_1},
            "id,name,email,sis_id\nwei,Wei Z,wei@uni.ex,s1002\nann,Ann,ann@uni.ex,s1003\n",
            ["ann", "wei"],
            id="--roster, files named by sis_id and email fail: each student was two rows",
        ),
    ],
)
def test_a_failing_file_known_to_be_a_students_holds_them(
    tmp_path, capsys, first, second, roster, held
):
    # the failing file is not named after its student: the gradebook knows the path of the
    # result it stored (sub-017.yaml was bob's), the roster knows whose sis_id or email it is
    folder, out = tmp_path / "cls", tmp_path / "out"
    folder.mkdir()
    options = []
    if roster is not None:
        (tmp_path / "roster.csv").write_text(roster, "utf-8")
        options = ["--roster", str(tmp_path / "roster.csv")]
    for files in (first, second):
        for name in os.listdir(folder):
            (folder / name).unlink()
        for name, student in files.items():
            if isinstance(student, bytes):
                (folder / name).write_bytes(student)
            else:
                _q4_file(folder, name, student)
        main(["grade", str(folder), "--rubric", str(Q4), "--out", str(out), *options])
    capsys.readouterr()
    items = len(load_rubric(Q4).items)
    rows = {r["student"]: r for r in csv.DictReader((out / "instructor/grades.csv").open())}
    assert sorted(rows) == sorted({*held, "ann"})  # no row for a file's name
    for student in held:
        assert rows[student]["total (25)"] == ""
        assert rows[student]["awaiting review"] == str(items)
    results = json.loads((out / "instructor/results.json").read_text("utf-8"))["results"]
    assert sorted(r["student"] for r in results if r.get("held")) == held


@pytest.mark.parametrize(
    ("at", "held"),
    [
        pytest.param(None, True, id="a cell too many after its id cells: its student is held"),
        pytest.param(0, False, id="a cell too many before them: who it is is warned of"),
    ],
)
def test_an_export_row_that_can_no_longer_be_read_holds_its_student_or_is_warned_of(
    tmp_path, capsys, at, held
):
    # row 3 (wei's) got a cell too many in the re-graded export: his earlier marks stayed
    # final in grades.csv, and the run only said he was not in its files
    export, out = tmp_path / "moodle.csv", tmp_path / "out"
    moodle = ROOT / "submissions" / "22-52-q4-lms" / "moodle-responses.csv"
    with open(moodle, newline="", encoding="utf-8-sig") as handle:
        rows = list(csv.reader(handle))
    student = rows[2][rows[0].index("Email address")]
    for _ in (1, 2):
        with open(export, "w", newline="", encoding="utf-8") as handle:
            csv.writer(handle).writerows(rows)
        main(["grade", str(export), "--rubric", str(Q4), "--out", str(out)])
        rows[2].insert(len(rows[2]) if at is None else at, "stray")
    said = capsys.readouterr().err
    grades = {r["student"]: r for r in csv.DictReader((out / "instructor/grades.csv").open())}
    items = len(load_rubric(Q4).items)
    assert (grades[student]["total (25)"] == "") is held
    assert (grades[student]["awaiting review"] == str(items)) is held
    warned = f"warning: {export} row 3 cannot be read, and which student it is cannot be told"
    assert (warned in said) is not held


def _graded_failures(folder: Path, files: dict) -> list[FileFailure]:
    """The failures `grade_paths` gives for `files` (name -> a student's YAML, or bytes)."""
    from grader.grade import grade_paths

    folder.mkdir()
    for name, student in files.items():
        if isinstance(student, bytes):
            (folder / name).write_bytes(student)
        else:
            _q4_file(folder, name, student)
    return grade_paths(load_rubric(Q4), [folder]).failures


@pytest.mark.parametrize(
    ("files", "students"),
    [
        pytest.param(
            {"ann.yaml": "ann", "ann-2.yaml": "ann"},
            [None],
            id="a second readable file claiming ann: no one student's failure",
        ),
        pytest.param(
            {"bob: it claims student ann.md": LATIN_1},
            ["bob: it claims student ann"],
            id="a failing file whose name reads like a claim: its student's (was no one's)",
        ),
        pytest.param({"carol.md": LATIN_1}, ["carol"], id="a failing file: its student's"),
    ],
)
def test_a_failure_says_what_it_is_by_its_kind_not_its_message(tmp_path, files, students):
    from grader.submissions import failed_student

    failures = _graded_failures(tmp_path / "subs", files)
    assert [failed_student(failure) for failure in failures] == students


def test_a_gradebook_stored_before_failures_had_a_kind_tells_them_by_their_message(
    tmp_path, capsys
):
    out = tmp_path / "out"
    subs = tmp_path / "subs"
    subs.mkdir()
    _q4_file(subs, "ann.yaml", "ann")
    _q4_file(subs, "bob-1.yaml", "bob")
    _q4_file(subs, "bob-2.yaml", "bob")  # claims bob, who has a result: not held
    (subs / "carol.md").write_bytes(LATIN_1)
    main(["grade", str(subs), "--rubric", str(Q4), "--out", str(out)])
    db = out / "gradebook.sqlite"
    with contextlib.closing(sqlite3.connect(db)) as connection, connection:
        connection.execute("ALTER TABLE failures DROP COLUMN kind")  # as an older grader wrote it
    with contextlib.closing(gradebook.connect(db)) as connection:
        run = gradebook.latest_run(connection)
        kinds = {Path(f.source).name: f.kind for f in gradebook.load_failures(connection, run)}
    assert kinds == {"bob-2.yaml": FailureKind.CLAIMED, "carol.md": FailureKind.FILE}
    assert main(["report", "--db", str(db), "--out", str(out)]) == 0
    capsys.readouterr()
    results = json.loads((out / "instructor" / "results.json").read_text("utf-8"))
    assert [r["student"] for r in results["results"] if "held" in r] == []
    rows = {r["student"]: r for r in csv.DictReader((out / "instructor" / "grades.csv").open())}
    assert rows["carol"]["total (25)"] == ""  # a control: carol's failure still gives a row


def _grade_folder(tmp_path: Path, name: str, files: dict, *options: str) -> None:
    """`grade` on a new folder tmp_path/name of `files` (name -> a student's YAML, or
    bytes) into tmp_path/out."""
    folder = tmp_path / name
    folder.mkdir()
    for file, student in files.items():
        if isinstance(student, bytes):
            (folder / file).write_bytes(student)
        else:
            _q4_file(folder, file, student)
    main(["grade", str(folder), "--rubric", str(Q4), "--out", str(tmp_path / "out"), *options])


@pytest.mark.parametrize(
    "earlier",
    [
        pytest.param(None, id="one run: bob.yaml graded beside bob.md failing"),
        pytest.param({"ann.yaml": "ann", "bob.yaml": "bob"}, id="a re-grade likewise"),
    ],
)
def test_grades_own_table_and_json_hold_what_grades_csv_holds(tmp_path, capsys, earlier):
    # the table and --json of `grade` printed bob's marks from bob.yaml as final while
    # grades.csv held them for review (a second file named after him could not be graded)
    if earlier is not None:
        _grade_folder(tmp_path, "first", earlier)
    capsys.readouterr()
    shown = tmp_path / "shown.json"
    files = {"ann.yaml": "ann", "bob.yaml": "bob", "bob.md": LATIN_1}
    _grade_folder(tmp_path, "again", files, "--json", str(shown))
    said = capsys.readouterr()
    items = len(load_rubric(Q4).items)
    rows = {
        r["student"]: r for r in csv.DictReader((tmp_path / "out/instructor/grades.csv").open())
    }
    assert rows["bob"]["total (25)"] == "" and rows["bob"]["awaiting review"] == str(items)
    table = {line.split()[0]: line.split() for line in said.out.splitlines()[2:]}
    assert table["bob"][1:] == ["held", str(items)]  # no marks, as grades.csv
    assert table["ann"][-2:] == [rows["ann"]["total (25)"], "0"]  # a control
    results = {r["student"]: r for r in json.loads(shown.read_text("utf-8"))["results"]}
    note = "A second file named after this student, bob.md, could not be graded"
    assert results["bob"]["held"].startswith(note)
    assert {item["verdict"] for item in results["bob"]["items"].values()} == {"needs_review"}
    assert "held" not in results["ann"]
    assert f"note: bob: {note}" in said.err


@pytest.mark.parametrize(
    "later",
    [
        pytest.param({"ann.yaml": "ann", "bob.md": LATIN_1}, id="bob's only file fails now"),
        pytest.param({"ann.yaml": "ann"}, id="a later run with no file of bob's"),
    ],
)
def test_grades_table_and_json_show_a_held_student_with_no_result_of_the_run(
    tmp_path, capsys, later
):
    # bob's only file failed in the re-grade: grades.csv held his earlier marks, but grade's
    # table and --json left him out and the summary counted none of his items for review
    _grade_folder(tmp_path, "first", {"ann.yaml": "ann", "bob.yaml": "bob"})
    if "bob.md" not in later:
        _grade_folder(tmp_path, "second", {"ann.yaml": "ann", "bob.md": LATIN_1})
    _grade_folder(tmp_path, "third", later, "--json", str(tmp_path / "shown.json"))
    said = capsys.readouterr()
    items = len(load_rubric(Q4).items)
    table = {line.split()[0]: line.split() for line in said.out.splitlines()[2:]}
    assert table["bob"][1:] == ["held", str(items)]
    results = {
        r["student"]: r for r in json.loads((tmp_path / "shown.json").read_text())["results"]
    }
    assert results["bob"]["held"] and results["bob"]["total"] is None
    assert "held" not in results["ann"]  # a control
    assert f"{items} items need review" in said.err + said.out
    assert "(mean over 1 graded; 1 held for review)" in said.err + said.out
    # the overview's Students table: no marks for bob, as grades.csv (it showed them)
    overview = (tmp_path / "out/instructor/index.html").read_text("utf-8")
    students = overview[overview.index('<table id="students"') :]
    row = re.search(r">bob</a></td>(.*?)</tr>", students, re.S).group(1)
    assert re.findall(r'<td class="num">([^<]*)</td>', row) == [""] * 5 + ["held", str(items)]


@pytest.mark.parametrize("exam", [False, True], ids=["question page", "exam page"])
def test_a_held_results_part_headers_show_no_marks_as_earned(tmp_path, capsys, exam):
    # bob's page said his held marks count for nothing, then headed each part with them as
    # earned: "Part (b) · 5 / 5 (2 awaiting review)"
    folder, out = tmp_path / "cls", tmp_path / "out"
    folder.mkdir()
    how = ["--rubric", str(Q4)]
    if exam:
        spec = tmp_path / "exam.yaml"
        spec.write_text(
            f"id: EX\nquestions:\n  - rubric: {Q4}\n    submissions: [{folder}]\n", "utf-8"
        )
        how = ["--exam", str(spec)]
    _q4_file(folder, "ann.yaml", "ann")
    _q4_file(folder, "bob.yaml", "bob")
    main(["grade", *([] if exam else [str(folder)]), *how, "--out", str(out)])
    (folder / "bob.yaml").unlink()
    (folder / "bob.md").write_bytes(LATIN_1)
    main(["grade", *([] if exam else [str(folder)]), *how, "--out", str(out)])
    capsys.readouterr()
    parts = len(load_rubric(Q4).parts)
    for student, held in (("bob", True), ("ann", False)):
        [page] = (out / "students").glob(f"{student}-*.html")
        headers = re.findall(r"<h2>Part \(\w\) · (.*?)</h2>", page.read_text("utf-8"))
        assert len(headers) == parts
        earned = [h for h in headers if not h.startswith("awaiting review / ")]
        assert earned == ([] if held else headers)  # ann's, a control: her marks are final
        if held:
            assert all("provisionally" in h and "held marks, not final" in h for h in headers)


def test_a_hold_stands_and_is_named_when_a_later_run_has_no_file_of_the_student(tmp_path, capsys):
    # bob's file failed in the second run (his first run's marks held); a third run without
    # any file of his made those marks final again, silently
    _grade_folder(tmp_path, "first", {"ann.yaml": "ann", "bob.yaml": "bob"})
    _grade_folder(tmp_path, "second", {"ann.yaml": "ann", "bob.md": LATIN_1})
    capsys.readouterr()
    _grade_folder(tmp_path, "third", {"ann.yaml": "ann"})
    said = capsys.readouterr().err
    assert (
        "warning: 1 student in the gradebook was not in this run's files (1 of them: still "
        "held for review, their file could not be graded in an earlier run: bob (bob.md)): bob."
    ) in said
    items = len(load_rubric(Q4).items)
    rows = {
        r["student"]: r for r in csv.DictReader((tmp_path / "out/instructor/grades.csv").open())
    }
    assert rows["bob"]["total (25)"] == "" and rows["bob"]["awaiting review"] == str(items)
    results = json.loads((tmp_path / "out/instructor/results.json").read_text("utf-8"))
    [bob] = [r for r in results["results"] if r["student"] == "bob"]
    assert bob["held"].startswith("The latest file for this question, bob.md, could not be")
    assert "The latest run" in bob["held"] and "had no file of this student's" in bob["held"]
    # a file of his graded again ends the hold
    _grade_folder(tmp_path, "fourth", {"ann.yaml": "ann", "bob.yaml": "bob"})
    rows = {
        r["student"]: r for r in csv.DictReader((tmp_path / "out/instructor/grades.csv").open())
    }
    assert rows["bob"]["total (25)"] != "" and rows["bob"]["awaiting review"] == "0"


def test_grade_without_a_gradebook_holds_a_result_beside_a_failing_file_alike(tmp_path, capsys):
    # without --out or --db, bob.yaml's marks were printed as final beside a failing bob.md
    subs, shown = tmp_path / "subs", tmp_path / "shown.json"
    subs.mkdir()
    _q4_file(subs, "ann.yaml", "ann")
    _q4_file(subs, "bob.yaml", "bob")
    (subs / "bob.md").write_bytes(LATIN_1)
    main(["grade", str(subs), "--rubric", str(Q4), "--json", str(shown)])
    said = capsys.readouterr()
    items = len(load_rubric(Q4).items)
    table = {line.split()[0]: line.split() for line in said.out.splitlines()[2:]}
    assert table["bob"][1:] == ["held", str(items)]
    assert table["ann"][-1] == "0"  # a control
    results = {r["student"]: r for r in json.loads(shown.read_text("utf-8"))["results"]}
    note = "A second file named after this student, bob.md, could not be graded"
    assert results["bob"]["held"].startswith(note) and "held" not in results["ann"]
    assert f"note: bob: {note}" in said.err


@pytest.mark.parametrize(
    "earlier",
    [
        pytest.param(None, id="one run: bob.yaml graded beside bob.md failing"),
        pytest.param({"ann.yaml": "ann", "bob.yaml": "bob"}, id="a re-grade likewise"),
    ],
)
def test_a_held_total_counts_in_no_statistic_and_is_null_in_json(tmp_path, capsys, earlier):
    # grade's summary line, the overview's summary and --json counted bob's held total (25,
    # the model answer's) as final, while grades.csv left it empty
    if earlier is not None:
        _grade_folder(tmp_path, "first", earlier)
    capsys.readouterr()
    folder, shown = tmp_path / "again", tmp_path / "shown.json"
    folder.mkdir()
    _q4_file(folder, "ann.yaml", "ann")
    model = (ROOT / "submissions" / "22-52-q4" / "model-answer.yaml").read_text("utf-8")
    (folder / "bob.yaml").write_text(re.sub(r"(?m)^student: .*$", "student: bob", model), "utf-8")
    (folder / "bob.md").write_bytes(LATIN_1)
    out = tmp_path / "out"
    main(["grade", str(folder), "--rubric", str(Q4), "--out", str(out), "--json", str(shown)])
    said = capsys.readouterr().err
    rows = {r["student"]: r for r in csv.DictReader((out / "instructor/grades.csv").open())}
    ann = float(rows["ann"]["total (25)"])
    assert rows["bob"]["total (25)"] == ""
    assert f"2 students; mean {ann:.1f}, median {ann:g}, range {ann:g}-{ann:g} of 25 " in said
    assert "(mean over 1 graded; 1 held for review)" in said
    for written in (shown, out / "instructor" / "results.json"):
        results = {r["student"]: r for r in json.loads(written.read_text("utf-8"))["results"]}
        assert results["bob"]["total"] is None and results["bob"]["held"]
        assert results["ann"]["total"] == ann  # a control
    overview = (out / "instructor" / "index.html").read_text("utf-8")
    assert f"mean {ann:.1f} / 25" in overview
    assert "(mean over 1 graded; 1 held for review)" in overview


def test_a_student_whose_only_file_failed_keeps_a_row_when_a_later_run_has_no_file_of_theirs(
    tmp_path, capsys
):
    # carol's only file failed in the first run (a row awaiting review); a second run with no
    # file of hers dropped the row from grades.csv and every export, with no warning
    _grade_folder(tmp_path, "first", {"ann.yaml": "ann", "carol.md": LATIN_1})
    capsys.readouterr()
    shown = tmp_path / "shown.json"
    _grade_folder(tmp_path, "second", {"ann.yaml": "ann"}, "--json", str(shown))
    said = capsys.readouterr().err
    assert (
        "warning: 1 student in the gradebook was not in this run's files (1 of them: still "
        "awaiting review, their only file could not be graded in an earlier run: carol "
        "(carol.md)): carol."
    ) in said
    out = tmp_path / "out"
    exported = tmp_path / "g.csv"
    main(["export", "--db", str(out / "gradebook.sqlite"), "--csv", str(exported)])
    items = str(len(load_rubric(Q4).items))
    for text in ((out / "instructor" / "grades.csv").read_text("utf-8"), exported.read_text()):
        rows = {row["student"]: row for row in csv.DictReader(io.StringIO(text))}
        assert (rows["carol"]["total (25)"], rows["carol"]["awaiting review"]) == ("", items)
        assert rows["ann"]["total (25)"] != ""  # a control
    overview = (out / "instructor" / "index.html").read_text("utf-8")
    assert "carol.md" in overview and "their only file could not be graded" in overview
    for written in (shown, out / "instructor" / "results.json"):
        errors = json.loads(written.read_text("utf-8"))["errors"]
        assert [Path(error["source"]).name for error in errors] == ["carol.md"]
    # a file of hers graded ends it
    _grade_folder(tmp_path, "third", {"ann.yaml": "ann", "carol.yaml": "carol"})
    rows = {r["student"]: r for r in csv.DictReader((out / "instructor/grades.csv").open())}
    assert rows["carol"]["total (25)"] != "" and rows["carol"]["awaiting review"] == "0"
    assert "carol.md" not in (out / "instructor" / "index.html").read_text("utf-8")


@pytest.mark.parametrize(
    ("held", "total", "shown"),
    [
        pytest.param("", "0", "0", id="no question held: the total stands (a control)"),
        pytest.param(
            "a second file could not be graded",
            "",
            "held",
            id="a question held: no total (was the sum of the others, as if final)",
        ),
    ],
)
def test_a_held_question_leaves_the_exam_total_empty_in_the_csv_and_overview(
    tmp_path, held, total, shown
):
    from grader.exam_report import write_exam_report

    q4, dw = load_rubric(Q4), load_rubric(DW)
    classes = [
        QuestionClass(ExamQuestion(q4.id), q4, Batch([SubmissionResult("ann", "a.yaml", {})])),
        QuestionClass(
            ExamQuestion(dw.id, 2.0), dw, Batch([SubmissionResult("ann", "a.md", {}, held=held)])
        ),
    ]
    lines = list(csv.reader(io.StringIO(exam_grades_csv(classes))))
    assert lines[1][3] == total  # student, q4, dw, total
    write_exam_report(load_exam(ROOT / "exams" / "midterm.yaml")[0], classes, tmp_path)
    page = (tmp_path / "instructor" / "index.html").read_text("utf-8")
    table = page[page.index('id="exam-students"') : page.index("</table>", page.index("exam-"))]
    row = re.search(r"<tr><td>.*?ann.*?</tr>", table, re.S).group(0)
    cells = [re.sub(r"<[^>]+>", "", c).strip() for c in row.split("</td>")[1:-1]]
    assert cells[2] == shown


def test_an_exam_reports_links_are_found_once_per_student_not_once_per_pair(tmp_path, monkeypatch):
    """Each question's overview links a student to their exam page by the sheet's spelling of
    their id: found by a scan of every sheet for each result, that was n^2 folds of an id
    (9 million at 3,000 students, half of the report's time); now a few per student."""
    from grader import exam_report, roster

    q4, dw = load_rubric(Q4), load_rubric(DW)
    students = [f"Student-{n:03d}" for n in range(120)]
    classes = [
        QuestionClass(
            ExamQuestion(q4.id), q4, Batch([SubmissionResult(s, "a.yaml", {}) for s in students])
        ),
        # the second question spells the ids otherwise: linked to the first one's pages
        QuestionClass(
            ExamQuestion(dw.id, 2.0),
            dw,
            Batch([SubmissionResult(s.lower(), "b.yaml", {}) for s in students]),
        ),
    ]
    folds = []

    def counted_fold(text: str) -> str:
        folds.append(text)
        return roster.fold(text)

    monkeypatch.setattr(exam_report, "fold", counted_fold)
    exam = load_exam(ROOT / "exams" / "midterm.yaml")[0]
    exam_report.write_exam_report(exam, classes, tmp_path)
    assert len(folds) <= 4 * len(students)
    overview = (tmp_path / "instructor" / "DW-SEP-Q1" / "index.html").read_text("utf-8")
    assert f'href="../../students/{page_name("Student-007")}' in overview


def _files(folder: Path) -> dict[str, bytes]:
    return {
        str(path.relative_to(folder)): path.read_bytes()
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


def test_an_exams_report_reads_its_students_a_chunk_at_a_time(exam_out, tmp_path, monkeypatch):
    """The exam's report asks the gradebook for a chunk of students' results at a time
    (`exam_report.EXAM_CHUNK`), never a class whole (it held every question's class and
    took 574 MB for 10,000 students), and writes the same files whatever the chunk."""
    from grader import exam_report
    from grader.cli import _stored_exam

    connection = gradebook.connect(exam_out / "gradebook.sqlite")
    try:
        exam, classes, source = _stored_exam(connection, "the gradebook")
        asked = []

        def results(question, rows):
            asked.append(len(rows))
            return source.results(question, rows)

        counting = exam_report.ExamSource(source.rows, results)
        exam_report.write_exam_report(exam, classes, tmp_path / "whole", source=counting)
        assert max(asked) == len(STUDENTS)  # each question's class in one chunk of 256
        asked.clear()
        monkeypatch.setattr(exam_report, "EXAM_CHUNK", 1)
        exam_report.write_exam_report(exam, classes, tmp_path / "ones", source=counting)
        assert asked and max(asked) == 1
    finally:
        connection.close()
    assert _files(tmp_path / "ones") == _files(tmp_path / "whole")


def test_an_exams_report_from_the_gradebook_is_the_report_of_its_classes(exam_out, tmp_path):
    """Read a chunk at a time from the gradebook or from the classes held whole (each
    question's results read in), the same files."""
    from grader.cli import _stored_exam
    from grader.exam_report import write_exam_report

    connection = gradebook.connect(exam_out / "gradebook.sqlite")
    try:
        exam, heads, source = _stored_exam(connection, "the gradebook")
        write_exam_report(exam, heads, tmp_path / "read", source=source)
        classes = [
            dataclasses.replace(
                head,
                batch=Batch(list(source.each(head.question.question)), head.batch.failures),
            )
            for head in heads
        ]
        write_exam_report(exam, classes, tmp_path / "held")
    finally:
        connection.close()
    assert _files(tmp_path / "read") == _files(tmp_path / "held")
    json_files = [name for name in _files(tmp_path / "read") if name.endswith(".json")]
    assert len(json_files) == 3  # the exam's and each question's


def test_a_damaged_row_of_an_exam_is_said_once_and_its_question_left_out(
    exam_out, tmp_path, capsys
):
    """A student's stored row that cannot be read back is said once on stderr, and leaves that
    question of theirs out of the exam's report (as a class held whole left them out), the
    other question shown."""
    db = tmp_path / "gradebook.sqlite"
    db.write_bytes((exam_out / "gradebook.sqlite").read_bytes())
    connection = sqlite3.connect(db)
    with connection:
        connection.execute(
            "UPDATE item_results SET feedback = 'not a list'"
            " WHERE student = 'seed-student-1' AND question = 'DW-SEP-Q1' AND item_id = 'a.params'"
        )
    connection.close()
    out = tmp_path / "out"
    assert main(["report", "--db", str(db), "--out", str(out)]) == 0
    err = capsys.readouterr().err
    assert err.count("seed-student-1") == 1 and "a.params" in err, err
    rows = table_rows((out / "instructor" / "index.html").read_text("utf-8"), "exam-students")
    row = next(r for r in rows if r and r[0] == "seed-student-1")
    assert row[2] == "–"  # no DW-SEP-Q1 result: as without a submission
    assert row[1] not in ("", "–")  # 22-52-Q4's marks
    overview = (out / "instructor" / "DW-SEP-Q1" / "index.html").read_text("utf-8")
    assert "seed-student-1" not in overview


def test_an_exams_pages_rendered_by_children_are_the_same(exam_out, tmp_path, monkeypatch):
    """An exam of `page_processes.PROCESSES_FROM` students or more has its pages rendered and
    written by child processes (`page_processes.ExamPageProcesses`): the same files as
    rendered in this process."""
    from grader import page_processes
    from grader.cli import _stored_exam
    from grader.exam_report import write_exam_report

    if not page_processes.can_fork():
        pytest.skip("no fork here")
    started = []
    enter = page_processes.ExamPageProcesses.__enter__

    def counted(self):
        started.append(self.processes)
        return enter(self)

    monkeypatch.setattr(page_processes.ExamPageProcesses, "__enter__", counted)
    monkeypatch.setattr(page_processes, "PROCESSES_FROM", 2)
    connection = gradebook.connect(exam_out / "gradebook.sqlite")
    try:
        exam, heads, source = _stored_exam(connection, "the gradebook")
        write_exam_report(exam, heads, tmp_path / "alone", source=source, processes=0)
        assert started == []
        write_exam_report(exam, heads, tmp_path / "beside", source=source, processes=2)
        assert started == [2]
    finally:
        connection.close()
    assert _files(tmp_path / "beside") == _files(tmp_path / "alone")


def test_a_child_that_cannot_render_an_exam_page_fails_the_report_leaving_the_last_whole(
    exam_out, tmp_path, monkeypatch
):
    """A page a child cannot render fails the report with an error naming the page; the
    files of the last report stay as they were, and no temporary file is left."""
    from grader import exam_report, page_processes
    from grader.cli import _stored_exam
    from grader.report import OutputError

    if not page_processes.can_fork():
        pytest.skip("no fork here")
    monkeypatch.setattr(page_processes, "PROCESSES_FROM", 2)
    connection = gradebook.connect(exam_out / "gradebook.sqlite")
    try:
        exam, heads, source = _stored_exam(connection, "the gradebook")
        out = tmp_path / "out"
        exam_report.write_exam_report(exam, heads, out, source=source, processes=2)
        before = _files(out)
        render = exam_report.render_exam_student

        def fails_for_seed_student_2(exam, classes, sheet):
            if sheet.student == "seed-student-2":
                raise ValueError("a page that cannot be rendered")
            return render(exam, classes, sheet)

        monkeypatch.setattr(exam_report, "render_exam_student", fails_for_seed_student_2)
        with pytest.raises(OutputError, match="could not be rendered"):
            exam_report.write_exam_report(exam, heads, out, source=source, processes=2)
    finally:
        connection.close()
    assert _files(out) == before


def _two_question_classes(held: str = "", seed_1_marks: float = 1.0) -> list[QuestionClass]:
    """Two questions for ann, bob and carol, every item of theirs in the first worth
    `seed_1_marks`; bob's first question held for review with the note `held`."""
    from dataclasses import replace

    from grader.model import ItemResult

    q4, dw = load_rubric(Q4), load_rubric(DW)

    def result(rubric, student: str, marks: float, note: str = "") -> SubmissionResult:
        items = {
            item.id: ItemResult(item.id, "correct", marks, item.marks, ("ok",))
            for part in rubric.parts
            for item in part.items
        }
        return replace(SubmissionResult(student, f"{student}.yaml", items), held=note)

    students = ("ann", "bob", "carol")
    return [
        QuestionClass(
            ExamQuestion(q4.id),
            q4,
            Batch([result(q4, s, seed_1_marks, held if s == "bob" else "") for s in students]),
        ),
        QuestionClass(ExamQuestion(dw.id, 2.0), dw, Batch([result(dw, s, 0.5) for s in students])),
    ]


def test_an_exam_report_stopped_while_its_pages_are_written_leaves_every_file_as_it_was(
    tmp_path, monkeypatch
):
    """Each question's folder is put in place with the pages and the exam overview, once all
    are written: stopped while the pages are written (a page that cannot be rendered, Ctrl-C),
    the report leaves every file of the last one as it was (each question's overview was put
    in place before the pages were written, and showed the new marks beside the old pages)."""
    from grader import exam_report

    exam = load_exam(ROOT / "exams" / "midterm.yaml")[0]
    out = tmp_path / "out"
    exam_report.write_exam_report(exam, _two_question_classes(), out, processes=0)
    before = _files(out)
    render = exam_report.render_exam_student

    def fails_for_carol(exam, classes, sheet):
        if sheet.student == "carol":
            raise KeyboardInterrupt
        return render(exam, classes, sheet)

    monkeypatch.setattr(exam_report, "render_exam_student", fails_for_carol)
    with pytest.raises(KeyboardInterrupt):
        exam_report.write_exam_report(
            exam, _two_question_classes(seed_1_marks=0.0), out, processes=0
        )
    assert _files(out) == before


def test_a_carriage_return_in_a_note_reaches_the_exam_overview_as_written(tmp_path):
    """The overview's rows are set aside in a temporary file and read back as written: a
    carriage return in a student's note (a held result names a file) is not made a line
    feed."""
    from grader.exam_report import write_exam_report

    exam = load_exam(ROOT / "exams" / "midterm.yaml")[0]
    classes = _two_question_classes(held="the file b\ry.yaml could not be graded")
    write_exam_report(exam, classes, tmp_path)
    page = (tmp_path / "instructor" / "index.html").read_bytes().decode("utf-8")
    assert "b\ry.yaml" in page and "b\ny.yaml" not in page


def test_a_student_whose_every_row_is_damaged_loses_their_old_page(exam_out, tmp_path, capsys):
    """A student every one of whose stored results is damaged is left out of the exam's
    report, as before: their page of an earlier report is removed (the folder students are
    given must not keep old marks), and the damage is said once a question."""
    db = tmp_path / "gradebook.sqlite"
    db.write_bytes((exam_out / "gradebook.sqlite").read_bytes())
    out = tmp_path / "out"
    assert main(["report", "--db", str(db), "--out", str(out)]) == 0
    page = out / "students" / page_name("seed-student-1")
    assert page.is_file()
    connection = sqlite3.connect(db)
    with connection:
        connection.execute(
            "UPDATE item_results SET feedback = 'not a list' WHERE student = 'seed-student-1'"
            " AND item_id = 'a.params'"
        )
    connection.close()
    capsys.readouterr()
    assert main(["report", "--db", str(db), "--out", str(out)]) == 0
    err = capsys.readouterr().err
    assert err.count("seed-student-1") == 2, err  # once a question
    assert not page.exists()
    rows = table_rows((out / "instructor" / "index.html").read_text("utf-8"), "exam-students")
    assert "seed-student-1" not in [row[0] for row in rows if row]


@pytest.mark.parametrize(
    ("question", "layout"),
    [(None, "grades"), ("DW-SEP-Q1", "grades"), (None, "canvas"), (None, "gradescope")],
)
def test_an_export_reads_its_students_a_chunk_at_a_time(
    exam_out, tmp_path, capsys, monkeypatch, chunks_read, question, layout
):
    """`grader export` reads the students' results a chunk at a time
    (`exam_report.EXAM_CHUNK`), as the exam's report does, never a class whole: the same
    file whatever the chunk."""
    from grader import exam_report

    asked = chunks_read
    roster = str(ROOT / "submissions" / "exam-midterm" / "roster.csv")
    chosen = ["--question", question] if question else []
    written = {}
    for chunk in (256, 1):
        monkeypatch.setattr(exam_report, "EXAM_CHUNK", chunk)
        asked.clear()
        out = tmp_path / f"{chunk}.csv"
        argv = ["export", "--db", str(exam_out / "gradebook.sqlite"), "--csv", str(out)]
        assert main([*argv, "--format", layout, "--roster", roster, *chosen]) == 0
        assert asked and max(asked) == min(chunk, len(STUDENTS))
        written[chunk] = out.read_bytes()
    capsys.readouterr()
    assert written[1] == written[256]
