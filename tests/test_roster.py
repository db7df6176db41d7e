"""The class roster: reading it, joining submissions to its entries, reporting what cannot be
joined, and carrying its columns into grades.csv."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest

from grader.cli import main
from grader.errors import first_of
from grader.grade import grade_paths
from grader.lms_csv import grades_csv
from grader.model import Submission
from grader.roster import RosterError, RosterMatcher, read_roster
from grader.rubric import load_rubric

ROOT = Path(__file__).resolve().parent.parent
RUBRIC_PATH = ROOT / "rubrics" / "22-52-q4.yaml"
RUBRIC = load_rubric(RUBRIC_PATH)
CLASS = ROOT / "submissions" / "22-52-q4"
LMS = ROOT / "submissions" / "22-52-q4-lms"
MOODLE = LMS / "moodle-responses.csv"
CANVAS = LMS / "canvas-student-analysis.csv"
ROSTER_CSV = LMS / "roster.csv"

HEADER = "id,name,email,section,sis_id,canvas_id\n"
ROSTER = HEADER + (
    "alice,Alice A,alice@uni.example,T1,s1,101\n"
    "bob,Bob B,bob@uni.example,T2,s2,102\n"
    "carol,Carol C,carol@uni.example,T2,s3,103\n"
)


def roster_file(tmp_path: Path, text: str = ROSTER) -> Path:
    path = tmp_path / "roster.csv"
    path.write_text(text, encoding="utf-8")
    return path


def submission(student: str, *identities: tuple[str, str], source: str = "x.yaml") -> Submission:
    return Submission(student, RUBRIC.id, source, {}, identities=identities)


def yaml_file(folder: Path, name: str, student: str, params: str = "9CD + D") -> Path:
    path = folder / name
    path.write_text(
        f"student: {student}\nquestion: 22-52-Q4\nanswers: {{b: {{params: {params}}}}}\n",
        encoding="utf-8",
    )
    return path


# --- Reading a roster ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("name,email\nAlice,a@x\n", "the header has no `id` column"),
        (HEADER + "alice,A,a@x,T1,s1,1\n,B,b@x,T1,s2,2\n", ":3: id: is empty"),
        (HEADER + "alice,A,a@x,T1,s1,1\nALICE,B,b@x,T1,s2,2\n", "'ALICE' is given to 'alice' too"),
        (HEADER + "alice,A,a@x,T1,s1,1\nbob,B,A@X,T1,s2,2\n", ":3: email: 'A@X' is given to"),
        (HEADER + "alice,A,a@x,T1,s1,1\nbob,B,b@x,T1,s1,2\n", ":3: sis_id: 's1' is given to"),
        ("id,name,Name\nalice,A,A\n", "name: is a column twice"),
        (HEADER + "al\x1bice,A,a@x,T1,s1,1\n", "holds a control character"),
        (
            HEADER + "alice,A,a@x,T1,s1,1\nbob,Zhang, Wei,b@x,T2,s2,2\n",
            ":3: has 7 cells where the header has 6",
        ),
    ],
    ids=[
        "a roster without an id column",
        "an entry without an id",
        "two entries with one id in different case",
        "two entries with one email",
        "two entries with one sis_id",
        "a column named twice",
        "an id with an escape sequence",
        "a name holding a comma unquoted, which would move every later column",
    ],
)
def test_a_roster_that_cannot_be_used_lists_its_problems(tmp_path, text, message):
    with pytest.raises(RosterError) as raised:
        read_roster(roster_file(tmp_path, text))
    assert message in str(raised.value)
    assert raised.value.exit_code == 2


def test_a_roster_may_be_a_workbook_and_its_header_any_case(tmp_path):
    import openpyxl

    workbook = openpyxl.Workbook()
    workbook.active.append(["ID", " Name ", "Email"])
    workbook.active.append(["alice", "Alice A", "alice@uni.example"])
    workbook.save(tmp_path / "roster.xlsx")
    roster = read_roster(tmp_path / "roster.xlsx")
    assert roster.columns == ("id", "name", "email")
    assert roster.entry("ALICE").fields["email"] == "alice@uni.example"


def test_a_formula_in_a_roster_workbook_is_refused(tmp_path):
    import openpyxl

    workbook = openpyxl.Workbook()
    workbook.active.append(["id", "name"])
    workbook.active.append(["alice", '=HYPERLINK("http://x")'])
    workbook.save(tmp_path / "roster.xlsx")
    with pytest.raises(RosterError, match="name: is a spreadsheet formula"):
        read_roster(tmp_path / "roster.xlsx")


# --- Joining submissions to entries ---------------------------------------------------------


@pytest.mark.parametrize(
    ("given", "student"),
    [
        (submission("Alice"), "alice"),
        (submission("bob@UNI.example"), "bob"),
        (submission("s3"), "carol"),
        (submission("x@moodle", ("email", "alice@uni.example")), "alice"),
        (submission("4711", ("canvas_id", "102"), ("sis_id", "s2")), "bob"),
    ],
    ids=[
        "a file's student is matched by id in any case",
        "a file named by email is matched by email",
        "a student number is matched by sis_id",
        "a Moodle row is matched by its email",
        "a Canvas row is matched by its canvas id and sis id, which agree",
    ],
)
def test_a_submission_is_matched_to_its_one_roster_entry(tmp_path, given, student):
    matcher = RosterMatcher(read_roster(roster_file(tmp_path)))
    assert matcher.identify(given).student == student
    assert not matcher.unknown and not matcher.ambiguous


def test_a_student_missing_from_the_roster_keeps_their_id_and_is_reported(tmp_path):
    matcher = RosterMatcher(read_roster(roster_file(tmp_path)))
    assert matcher.identify(submission("dave", source="dave.yaml")).student == "dave"
    assert any(
        "dave.yaml: student 'dave' is not on the roster" in line
        for line in matcher.report(["alice", "bob", "carol", "dave"])
    )


def test_a_submission_matching_two_entries_is_never_merged_into_either(tmp_path):
    matcher = RosterMatcher(read_roster(roster_file(tmp_path)))
    both = submission("s9", ("email", "alice@uni.example"), ("canvas_id", "102"), source="r 2")
    assert matcher.identify(both).student == "s9"
    (line,) = [line for line in matcher.report(["alice", "bob", "carol", "s9"]) if "r 2" in line]
    assert "matches 2 roster entries, 'alice' (by email) and 'bob' (by canvas_id)" in line
    assert "not merged" in line


def test_roster_entries_with_no_submission_are_reported(tmp_path):
    matcher = RosterMatcher(read_roster(roster_file(tmp_path)))
    matcher.identify(submission("alice"))
    assert matcher.report(["alice"]) == ["2 roster entries have no submission: 'bob', 'carol'"]


def test_two_submissions_of_one_entry_are_reported_and_sent_to_review(tmp_path):
    yaml_file(tmp_path, "a.yaml", "alice")
    yaml_file(tmp_path, "b.yaml", "alice@uni.example", params="CD")
    matcher = RosterMatcher(read_roster(roster_file(tmp_path)))
    batch = grade_paths(
        RUBRIC, [tmp_path / "a.yaml", tmp_path / "b.yaml"], identify=matcher.identify
    )
    (result,) = batch.results
    assert result.items["b.params"].verdict == "needs_review"
    assert any(
        "roster entry 'alice' is claimed by 2 submissions" in line
        for line in matcher.report(["alice"])
    )


# --- grades.csv ----------------------------------------------------------------------------


def test_grades_csv_carries_the_roster_columns_after_the_student(tmp_path):
    yaml_file(tmp_path, "a.yaml", "alice")
    yaml_file(tmp_path, "d.yaml", "dave")
    roster = read_roster(roster_file(tmp_path))
    batch = grade_paths(RUBRIC, [tmp_path], identify=RosterMatcher(roster).identify)
    rows = list(csv.reader(io.StringIO(grades_csv(RUBRIC, batch, roster=roster))))
    assert rows[0][:6] == ["student", "name", "email", "section", "sis_id", "canvas_id"]
    assert rows[1][:6] == ["alice", "Alice A", "alice@uni.example", "T1", "s1", "101"]
    assert rows[2][:6] == ["dave", "", "", "", "", ""]


def test_grades_csv_without_a_roster_is_unchanged(tmp_path):
    batch = grade_paths(RUBRIC, [yaml_file(tmp_path, "a.yaml", "alice")])
    header = next(csv.reader(io.StringIO(grades_csv(RUBRIC, batch))))
    assert header[:2] == ["student", "part a (5)"]


def test_a_roster_value_cannot_start_a_formula_in_grades_csv(tmp_path):
    roster = read_roster(roster_file(tmp_path, "id,name\nalice,=HYPERLINK(1)\n"))
    batch = grade_paths(RUBRIC, [yaml_file(tmp_path, "a.yaml", "alice")])
    assert '"\'=HYPERLINK(1)"' in grades_csv(RUBRIC, batch, roster=roster)


# --- The command line ----------------------------------------------------------------------


def test_grade_with_a_roster_joins_both_exports_and_writes_its_columns(capsys, tmp_path):
    out = tmp_path / "out"
    code = main(
        [
            "grade",
            str(MOODLE),
            "--rubric",
            str(RUBRIC_PATH),
            "--roster",
            str(ROSTER_CSV),
            "--out",
            str(out),
            "--jobs",
            "1",
        ]
    )
    err = capsys.readouterr().err
    assert code == 0, err
    assert "roster:" not in err  # every row matched, every entry graded
    rows = list(csv.reader((out / "instructor" / "grades.csv").open(encoding="utf-8")))
    assert rows[0][:6] == ["student", "name", "email", "section", "sis_id", "canvas_id"]
    assert [row[0] for row in rows[1:]] == [
        "model-answer",
        "seed-student-1",
        "seed-student-2",
        "typical-mistakes",
    ]
    assert rows[3][1] == "José Núñez"

    # The Canvas export of the same class, graded into the same gradebook, replaces the rows
    # (same students), never adds a second set.
    code = main(
        ["grade", str(CANVAS), "--rubric", str(RUBRIC_PATH), "--roster", str(ROSTER_CSV)]
        + ["--out", str(out), "--jobs", "1"]
    )
    assert code == 0
    again = list(csv.reader((out / "instructor" / "grades.csv").open(encoding="utf-8")))
    assert [row[:-1] for row in again] == [row[:-1] for row in rows]


def test_grade_reports_what_the_roster_cannot_join(capsys, tmp_path):
    yaml_file(tmp_path, "a.yaml", "alice")
    yaml_file(tmp_path, "d.yaml", "dave")
    code = main(
        ["grade", str(tmp_path / "a.yaml"), str(tmp_path / "d.yaml"), "--rubric"]
        + [str(RUBRIC_PATH), "--roster", str(roster_file(tmp_path)), "--jobs", "1"]
    )
    err = capsys.readouterr().err
    assert code == 0
    assert "roster: " + str(tmp_path / "d.yaml") + ": student 'dave' is not on the roster" in err
    assert "roster: 2 roster entries have no submission: 'bob', 'carol'" in err


def test_grade_refuses_a_roster_with_problems_before_grading(capsys, tmp_path):
    path = roster_file(tmp_path, "name\nAlice\n")
    code = main(["grade", str(MOODLE), "--rubric", str(RUBRIC_PATH), "--roster", str(path)])
    err = capsys.readouterr().err
    assert code == 2
    assert f"roster {path} has 1 problem" in err


def test_export_writes_the_roster_columns_from_a_gradebook(capsys, tmp_path):
    db = tmp_path / "gradebook.sqlite"
    args = ["grade", str(MOODLE), "--rubric", str(RUBRIC_PATH), "--roster", str(ROSTER_CSV)]
    assert main([*args, "--db", str(db), "--jobs", "1"]) == 0
    target = tmp_path / "grades.csv"
    code = main(["export", "--db", str(db), "--csv", str(target), "--roster", str(ROSTER_CSV)])
    assert code == 0
    rows = list(csv.reader(target.open(encoding="utf-8")))
    assert rows[1][:3] == ["model-answer", "Ada Model", "ada.model@uni.example"]


def test_a_long_list_of_entries_with_no_submission_names_twenty_and_counts_the_rest(tmp_path):
    rows = "".join(f"s{n:02},S {n},s{n}@uni.example,T1,x{n},{n}\n" for n in range(23))
    matcher = RosterMatcher(read_roster(roster_file(tmp_path, HEADER + rows)))
    named = ", ".join(repr(f"s{n:02}") for n in range(20))
    assert matcher.report([]) == [f"23 roster entries have no submission: {named} and 3 more"]


@pytest.mark.parametrize(
    ("texts", "most", "shown"),
    [
        ([], 20, ""),
        (["a"], 20, "a"),
        (["a", "b", "c"], 3, "a, b, c"),
        (["a", "b", "c", "d"], 3, "a, b, c and 1 more"),
        ([str(n) for n in range(25)], 20, ", ".join(str(n) for n in range(20)) + " and 5 more"),
    ],
)
def test_a_message_names_the_first_of_a_list_and_counts_the_rest(texts, most, shown):
    assert first_of(texts, most) == shown
