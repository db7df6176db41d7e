"""`grader export --format canvas|moodle|blackboard|gradescope`: each file checked against the
rules its LMS documents for an import (issue 19, part 3), on the two-question example exam,
where seed-student-2 has answers awaiting review.

The rules, as the LMSs document them:
- Canvas, Gradebook import (CSV): the columns `Student`, `ID`, `SIS User ID`, `SIS Login ID`,
  `Section`, then one column per assignment; an optional second row `Points Possible`; a row
  is matched by ID, SIS User ID or SIS Login ID; any other column is read as an assignment.
- Moodle, "Import grades from CSV": any columns; one is mapped to a user field (email address
  or ID number) to identify the user, each other to a grade item or its feedback, or ignored.
- Blackboard Grade Center, Work Offline > Upload: `Username` identifies the student; every
  other column is a grade column (matched by the column id after `|` in its header, a new
  column without one); in a comma-delimited file every field is enclosed in quotes.
- Gradescope's score export: `Name`, `SID`, `Email`, `Sections`, a column per question,
  `Total Score`, `Max Points`, `Status`.
"""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import pytest

from grader.cli import main

ROOT = Path(__file__).resolve().parent.parent
EXAM = ROOT / "exams" / "midterm.yaml"
ROSTER = ROOT / "submissions" / "exam-midterm" / "roster.csv"
QUESTIONS = ["22-52-Q4", "DW-SEP-Q1"]
PENDING = "jose.nunez@uni.example"  # seed-student-2, with answers awaiting review
ROSTER_ROWS = list(csv.DictReader(ROSTER.open(encoding="utf-8")))


@pytest.fixture(scope="module")
def gradebook(tmp_path_factory) -> Path:
    db = tmp_path_factory.mktemp("lms") / "gradebook.sqlite"
    assert main(["grade", "--exam", str(EXAM), "--db", str(db)]) == 0
    return db


@pytest.fixture(scope="module")
def final_marks(gradebook, tmp_path_factory) -> dict[str, list[str]]:
    """Each student's weighted marks per question, from grader's own exam CSV."""
    target = tmp_path_factory.mktemp("ours") / "grades.csv"
    assert main(["export", "--db", str(gradebook), "--csv", str(target)]) == 0
    rows = list(csv.reader(io.StringIO(target.read_text(encoding="utf-8"))))
    assert rows[0][:4] == ["student", "22-52-Q4 (25)", "DW-SEP-Q1 (30)", "total (55)"]
    return {row[0]: row[1:3] for row in rows[1:]}


def export(gradebook: Path, tmp_path: Path, layout: str, capsys) -> tuple[str, str]:
    target = tmp_path / f"{layout}.csv"
    code = main(
        ["export", "--db", str(gradebook), "--format", layout, "--csv", str(target),
         "--roster", str(ROSTER)]
    )  # fmt: skip
    err = capsys.readouterr().err
    assert code == 0, err
    return target.read_text(encoding="utf-8"), err


def rows_of(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text)))


def roster(key: str, value: str) -> dict[str, str]:
    return next(row for row in ROSTER_ROWS if row[key] == value)


def assert_pending_flagged(err: str) -> None:
    assert (
        "note: seed-student-2: 22-52-Q4 left empty, awaiting review (d.formula, e.explanation)"
        in err
    )
    assert "note: seed-student-2: DW-SEP-Q1 left empty, awaiting review (e.explanation)" in err


def test_canvas_gradebook_import(gradebook, final_marks, tmp_path, capsys):
    text, err = export(gradebook, tmp_path, "canvas", capsys)
    rows = rows_of(text)
    # the five columns Canvas reads as the student, then one assignment per question
    assert rows[0] == ["Student", "ID", "SIS User ID", "SIS Login ID", "Section", *QUESTIONS]
    assert rows[1] == ["Points Possible", "", "", "", "", "25", "30"]
    assert len(rows) == 2 + len(ROSTER_ROWS)
    for row in rows[2:]:
        assert len(row) == len(rows[0])
        entry = roster("canvas_id", row[1])  # matched by Canvas's own id, and by the SIS ids
        assert row[:5] == [
            entry["name"],
            entry["canvas_id"],
            entry["sis_id"],
            entry["username"],
            entry["section"],
        ]
        if entry["id"] == "seed-student-2":
            assert row[5:] == ["", ""]  # provisional: no mark goes to Canvas
        else:
            assert row[5:] == final_marks[entry["id"]]
            assert all(float(cell) >= 0 for cell in row[5:])
    assert_pending_flagged(err)


def test_moodle_grade_import(gradebook, final_marks, tmp_path, capsys):
    text, err = export(gradebook, tmp_path, "moodle", capsys)
    rows = rows_of(text)
    # an identifier column to map to the user's email or ID number; per question a grade and
    # a feedback column to map to the grade item; a status column left unmapped
    assert rows[0] == [
        "Full name", "Email address", "ID number",
        "22-52-Q4", "22-52-Q4 feedback", "DW-SEP-Q1", "DW-SEP-Q1 feedback", "Status",
    ]  # fmt: skip
    assert len(set(rows[0])) == len(rows[0])
    for row in rows[1:]:
        entry = roster("email", row[1])
        assert row[2] == entry["sis_id"]
        if row[1] == PENDING:
            assert [row[3], row[5]] == ["", ""]
            assert row[4] == "awaiting review: d.formula, e.explanation; the marks will follow"
            assert row[7] == (
                "awaiting review (22-52-Q4: d.formula, e.explanation; DW-SEP-Q1: e.explanation)"
            )
        else:
            assert [row[3], row[5]] == final_marks[entry["id"]]
            assert row[7] == "graded"
            assert re.fullmatch(r"(\(\w\) [\d.]+/[\d.]+, )*\(\w\) [\d.]+/[\d.]+", row[4])
    assert_pending_flagged(err)


def test_blackboard_grade_center_upload(gradebook, final_marks, tmp_path, capsys):
    text, err = export(gradebook, tmp_path, "blackboard", capsys)
    # every field in quotes, as Blackboard requires of a comma-delimited file
    field = r'"(?:[^"]|"")*"'
    for line in text.splitlines():
        assert re.fullmatch(rf"{field}(,{field})*", line), line
    rows = rows_of(text)
    assert rows[0] == ["Username", *QUESTIONS]  # no column id: each makes a new column
    assert all("|" not in header for header in rows[0])
    assert sorted(row[0] for row in rows[1:]) == sorted(r["username"] for r in ROSTER_ROWS)
    for row in rows[1:]:
        entry = roster("username", row[0])
        expected = ["", ""] if entry["id"] == "seed-student-2" else final_marks[entry["id"]]
        assert row[1:] == expected
    assert_pending_flagged(err)


def test_gradescope_layout(gradebook, final_marks, tmp_path, capsys):
    text, err = export(gradebook, tmp_path, "gradescope", capsys)
    rows = rows_of(text)
    assert rows[0] == [
        "Name", "SID", "Email", "Sections", "22-52-Q4 (25 pts)", "DW-SEP-Q1 (30 pts)",
        "Total Score", "Max Points", "Status",
    ]  # fmt: skip
    for row in rows[1:]:
        entry = roster("sis_id", row[1])
        if entry["id"] == "seed-student-2":
            assert row[4:] == [
                "", "", "", "55",
                "awaiting review (22-52-Q4: d.formula, e.explanation; DW-SEP-Q1: e.explanation)",
            ]  # fmt: skip
        else:
            marks = final_marks[entry["id"]]
            total = f"{float(marks[0]) + float(marks[1]):g}"
            assert row[4:] == [*marks, total, "55", "graded"]
    assert_pending_flagged(err)


def test_refuse_pending_writes_nothing_while_a_mark_awaits_review(gradebook, tmp_path, capsys):
    target = tmp_path / "canvas.csv"
    code = main(
        ["export", "--db", str(gradebook), "--format", "canvas", "--csv", str(target),
         "--roster", str(ROSTER), "--refuse-pending"]
    )  # fmt: skip
    err = capsys.readouterr().err
    assert code == 2
    assert "3 marks await review" not in err  # counted per question, not per answer
    assert "2 marks await review; nothing was written (--refuse-pending)" in err
    assert not target.exists()


def test_an_lms_layout_needs_the_roster_and_a_question_can_be_chosen(gradebook, tmp_path, capsys):
    target = tmp_path / "bb.csv"
    code = main(["export", "--db", str(gradebook), "--format", "blackboard", "--csv", str(target)])
    assert code == 2
    assert "--format blackboard needs --roster FILE" in capsys.readouterr().err
    code = main(
        ["export", "--db", str(gradebook), "--format", "blackboard", "--csv", str(target),
         "--roster", str(ROSTER), "--question", "DW-SEP-Q1"]
    )  # fmt: skip
    assert code == 0
    assert rows_of(target.read_text(encoding="utf-8"))[0] == ["Username", "DW-SEP-Q1"]


def test_a_student_the_lms_cannot_match_is_left_out_and_named(gradebook, tmp_path, capsys):
    partial = tmp_path / "roster.csv"
    lines = ROSTER.read_text(encoding="utf-8").splitlines()
    partial.write_text(
        "\n".join(line.replace(",soneil,", ",,") for line in lines) + "\n", encoding="utf-8"
    )
    target = tmp_path / "bb.csv"
    code = main(
        ["export", "--db", str(gradebook), "--format", "blackboard", "--csv", str(target),
         "--roster", str(partial)]
    )  # fmt: skip
    err = capsys.readouterr().err
    assert code == 0
    assert (
        "note: typical-mistakes: left out, Blackboard cannot match them: the roster gives them "
        "no username" in err
    )
    assert "soneil" not in target.read_text(encoding="utf-8")
    assert len(rows_of(target.read_text(encoding="utf-8"))) == len(ROSTER_ROWS)
    # the count said is the rows written, the header aside
    assert f"wrote {len(ROSTER_ROWS) - 1} students to {target} (1 left out, above)" in err


def _without_column(column: str):
    def edit(rows: list[list[str]]) -> list[list[str]]:
        keep = [i for i, name in enumerate(rows[0]) if name != column]
        return [[row[i] for i in keep] for row in rows]

    return edit


def _emptied(column: str):
    def edit(rows: list[list[str]]) -> list[list[str]]:
        at = rows[0].index(column)
        return [rows[0], *([*row[:at], "", *row[at + 1 :]] for row in rows[1:])]

    return edit


@pytest.mark.parametrize(
    ("edit", "layout", "missing"),
    [
        (_without_column("username"), "blackboard", "the roster {roster} has no `username` column"),
        (_emptied("username"), "blackboard", "the roster {roster} gives none of them `username`"),
        (
            _without_column("email"),
            "moodle",
            None,  # `sis_id` is there: every student is written
        ),
        (
            lambda rows: _without_column("sis_id")(_without_column("email")(rows)),
            "moodle",
            "the roster {roster} has no `email` or `sis_id` column",
        ),
    ],
    ids=["blackboard, no username column", "blackboard, usernames empty",
         "moodle, no email column", "moodle, neither id column"],
)  # fmt: skip
def test_the_count_written_is_true_and_no_student_written_fails(
    gradebook, tmp_path, capsys, edit, layout, missing
):
    rows = edit(rows_of(ROSTER.read_text(encoding="utf-8")))
    edited = tmp_path / "roster.csv"
    with edited.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows(rows)
    target = tmp_path / f"{layout}.csv"
    code = main(
        ["export", "--db", str(gradebook), "--format", layout, "--csv", str(target),
         "--roster", str(edited)]
    )  # fmt: skip
    err = capsys.readouterr().err
    if missing is None:
        assert code == 0, err
        written = len(rows_of(target.read_text(encoding="utf-8"))) - 1
        assert written == len(ROSTER_ROWS)
        assert f"wrote {written} students to" in err
    else:
        assert code == 2, err
        assert "no student could be written" in err
        assert missing.format(roster=edited) in err
        assert "wrote" not in err.replace("nothing was written", "")
        assert not target.exists()


def test_no_cell_of_any_layout_can_start_a_spreadsheet_formula(tmp_path, capsys):
    student = '=HYPERLINK("http://evil.example","x")'
    source = ROOT / "submissions" / "exam-midterm" / "dw-sep-q1" / "seed-student-1.yaml"
    submission = tmp_path / "evil.yaml"
    submission.write_text(
        source.read_text("utf-8").replace("student: seed-student-1", f"student: '{student}'"),
        encoding="utf-8",
    )
    roster_file = tmp_path / "roster.csv"
    with roster_file.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows(
            [
                ["id", "name", "email", "section", "username", "sis_id", "canvas_id"],
                [student, "@SUM(A1)", "+x@evil.example", "-Tutorial", "=user", "-1+1", "+4"],
            ]
        )
    db = tmp_path / "g.sqlite"
    assert main(["grade", str(submission), "--rubric", str(ROOT / "rubrics" / "dw-sep-q1.yaml"),
                 "--db", str(db)]) == 0  # fmt: skip
    for layout in ("grades", "canvas", "moodle", "blackboard", "gradescope"):
        target = tmp_path / f"{layout}.csv"
        assert main(["export", "--db", str(db), "--format", layout, "--csv", str(target),
                     "--roster", str(roster_file)]) == 0  # fmt: skip
        cells = [cell for row in rows_of(target.read_text("utf-8")) for cell in row]
        assert not [cell for cell in cells if cell[:1] in ("=", "+", "-", "@")], layout
        # the student's own cells are there, neutralised
        assert any(cell[:1] == "'" and cell[1:2] in ("=", "+", "-", "@") for cell in cells), layout
    capsys.readouterr()


@pytest.fixture(scope="module")
def unread_exam(tmp_path_factory) -> tuple[Path, Path]:
    """An exam where ann's Q4 is graded but her DW file is Latin-1, and carol's only file (Q4)
    is Latin-1: the gradebook and a roster of both."""
    folder = tmp_path_factory.mktemp("unread")
    (folder / "q4").mkdir()
    (folder / "dw").mkdir()
    seed = ROOT / "submissions" / "22-52-q4" / "seed-student-1.yaml"
    (folder / "q4" / "ann.yaml").write_text(
        seed.read_text("utf-8").replace("student: seed-student-1", "student: ann"), "utf-8"
    )
    latin = b"---\nquestion: 22-52-Q4\n---\nb: caf\xe9 $9CD + D$\n"
    (folder / "q4" / "carol.md").write_bytes(latin)
    (folder / "dw" / "ann.md").write_bytes(latin.replace(b"22-52-Q4", b"DW-SEP-Q1"))
    exam = folder / "exam.yaml"
    exam.write_text(
        f"id: unread\nquestions:\n"
        f"  - rubric: {ROOT / 'rubrics' / '22-52-q4.yaml'}\n    submissions: [q4]\n"
        f"  - rubric: {ROOT / 'rubrics' / 'dw-sep-q1.yaml'}\n    submissions: [dw]\n",
        "utf-8",
    )
    db = folder / "gradebook.sqlite"
    main(["grade", "--exam", str(exam), "--db", str(db)])
    roster_file = folder / "roster.csv"
    with roster_file.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows(
            [
                ["id", "name", "email", "section", "username", "sis_id", "canvas_id"],
                ["ann", "Ann", "ann@uni.example", "T1", "ann1", "s1", "41"],
                ["carol", "Carol", "carol@uni.example", "T1", "carol1", "s2", "42"],
            ]
        )
    return db, roster_file


# Each layout's rows of ann (graded in Q4, her DW file unread) and carol (her only file
# unread): carol is there, and neither's unread question has a mark; its status says why.
UNREAD = "awaiting review (DW-SEP-Q1: the file could not be graded)"


@pytest.mark.parametrize(
    ("layout", "ann", "carol"),
    [
        pytest.param(
            "grades",
            ["ann", "Ann", "ann@uni.example", "T1", "ann1", "s1", "41", "{q4}", "", "{q4}", "7"],
            ["carol", "Carol", "carol@uni.example", "T1", "carol1", "s2", "42", "", "", "", "10"],
            id="grades: carol had a row, but 'wrote' counted 1 student; ann's 0 awaiting",
        ),
        pytest.param(
            "canvas", ["Ann", "41", "s1", "ann1", "T1", "{q4}", ""],
            ["Carol", "42", "s2", "carol1", "T1", "", ""],
            id="canvas: carol had no row",
        ),
        pytest.param(
            "moodle",
            ["Ann", "ann@uni.example", "s1", "{q4}", None, "",
             "awaiting review: the file could not be graded; the marks will follow", UNREAD],
            ["Carol", "carol@uni.example", "s2", "",
             "awaiting review: the file could not be graded; the marks will follow", "",
             "no submission",
             "awaiting review (22-52-Q4: the file could not be graded)"],
            id="moodle: carol had no row, ann's DW said 'no submission', her status 'missing'",
        ),
        pytest.param(
            "blackboard", ["ann1", "{q4}", ""], ["carol1", "", ""],
            id="blackboard: carol had no row",
        ),
        pytest.param(
            "gradescope",
            ["Ann", "s1", "ann@uni.example", "T1", "{q4}", "", "", "40", UNREAD],
            ["Carol", "s2", "carol@uni.example", "T1", "", "", "", "40",
             "awaiting review (22-52-Q4: the file could not be graded)"],
            id="gradescope: carol had no row; ann's total was final, her status 'missing'",
        ),
    ],
)  # fmt: skip
def test_a_student_whose_file_could_not_be_graded_is_in_every_layout(
    unread_exam, tmp_path, capsys, layout, ann, carol
):
    db, roster_file = unread_exam
    capsys.readouterr()
    ours = tmp_path / "ours.csv"
    assert main(["export", "--db", str(db), "--csv", str(ours)]) == 0
    q4 = rows_of(ours.read_text("utf-8"))[1][1]  # ann's Q4 marks, as grader's CSV gives them
    target = tmp_path / f"{layout}.csv"
    capsys.readouterr()
    code = main(["export", "--db", str(db), "--format", layout, "--csv", str(target),
                 "--roster", str(roster_file)])  # fmt: skip
    err = capsys.readouterr().err
    assert code == 0, err
    rows = {row[0]: row for row in rows_of(target.read_text("utf-8"))}
    for expected in (ann, carol):
        got = rows.get(expected[0], [])[: len(expected)]
        # None: a cell this test does not decide (ann's Q4 feedback)
        want = [got[i] if cell is None else cell.format(q4=q4) for i, cell in enumerate(expected)]
        assert got == want, err
    assert "wrote 2 students to" in err, err
    if layout != "grades":
        assert "carol: 22-52-Q4 left empty, awaiting review (the file could not be graded)" in err
        assert "ann: DW-SEP-Q1 left empty, awaiting review (the file could not be graded)" in err
