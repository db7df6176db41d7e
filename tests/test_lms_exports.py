"""LMS quiz exports: Moodle's Responses report and Canvas's Student Analysis report, as CSV and
.xlsx, one submission per row; mapping files; hostile cells and files."""

from __future__ import annotations

import csv
import io
import re
import zipfile
from pathlib import Path

import openpyxl
import pytest

from grader.cli import main
from grader.errors import SubmissionError
from grader.grade import grade_paths
from grader.model import Submission
from grader.roster import RosterMatcher, read_roster
from grader.rubric import load_rubric
from grader.submissions import collect_submission_files, load_submissions
from grader.submissions.lms_export import (
    MAX_CELL_CHARS,
    ColumnMapError,
    html_text,
    load_export,
    read_column_map,
)
from grader.submissions.tables import MAX_EXPORT_BYTES, MAX_XLSX_UNPACKED

ROOT = Path(__file__).resolve().parent.parent
RUBRIC_PATH = ROOT / "rubrics" / "22-52-q4.yaml"
RUBRIC = load_rubric(RUBRIC_PATH)
CLASS = ROOT / "submissions" / "22-52-q4"
LMS = ROOT / "submissions" / "22-52-q4-lms"
MOODLE = LMS / "moodle-responses.csv"
CANVAS = LMS / "canvas-student-analysis.csv"
ROSTER = LMS / "roster.csv"
ITEMS = list(RUBRIC.items)
MOODLE_HEAD = ["Last name", "First name", "Email address", "State", "Grade/25.00"]


def write_csv(path: Path, rows: list[list[str]], **options) -> Path:
    with open(path, "w", newline="", encoding=options.pop("encoding", "utf-8")) as handle:
        csv.writer(handle, **options).writerows(rows)
    return path


def moodle_rows(*students: tuple[str, list[str]]) -> list[list[str]]:
    """A Moodle Responses report: a header and one row per (email, answers)."""
    header = [*MOODLE_HEAD, *(f"Response {n}" for n in range(1, len(ITEMS) + 1))]
    rows = [header]
    for email, answers in students:
        rows.append(["Doe", "Jo", email, "Finished", "-", *answers, *[""] * (10 - len(answers))])
    return rows


def as_xlsx(rows: list[list[object]], path: Path) -> Path:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    workbook.save(path)
    return path


def outcome(batch) -> dict[str, dict[str, tuple]]:
    """What each student got for each item: verdict, marks and feedback."""
    return {
        result.student: {
            item_id: (item.verdict, item.marks, item.feedback, item.interpretation)
            for item_id, item in result.items.items()
        }
        for result in batch.results
    }


def graded(*paths: Path, roster: Path | None = None, mapping=None):
    identify = RosterMatcher(read_roster(roster)).identify if roster else None
    return grade_paths(RUBRIC, list(paths), columns=mapping, identify=identify)


# --- The same class, three ways ------------------------------------------------------------


@pytest.fixture(scope="module")
def from_yaml():
    batch = grade_paths(RUBRIC, sorted(CLASS.glob("*.yaml")))
    assert not batch.failures
    return outcome(batch)


@pytest.fixture(scope="module")
def moodle_xlsx(tmp_path_factory) -> Path:
    with open(MOODLE, newline="", encoding="utf-8-sig") as handle:
        rows = list(csv.reader(handle))
    return as_xlsx(rows, tmp_path_factory.mktemp("xlsx") / "moodle-responses.xlsx")


@pytest.mark.parametrize(
    "export",
    ["moodle CSV", "moodle xlsx", "canvas CSV"],
    ids=lambda name: f"a {name} export of the class grades as its YAML files do",
)
def test_an_export_of_the_class_gives_the_results_of_its_yaml_files(export, from_yaml, moodle_xlsx):
    path = {"moodle CSV": MOODLE, "moodle xlsx": moodle_xlsx, "canvas CSV": CANVAS}[export]
    batch = graded(path, roster=ROSTER)
    assert not batch.failures
    assert outcome(batch) == from_yaml


@pytest.mark.parametrize(
    ("path", "students"),
    [
        (
            MOODLE,
            [
                "ada.model@uni.example",
                "wei.zhang@uni.example",
                "jose.nunez@uni.example",
                "sam.oneil@uni.example",
            ],
        ),
        (CANVAS, ["s1001", "s1002", "s1003", "s1004"]),
    ],
    ids=[
        "without a roster a moodle row is its email",
        "without a roster a canvas row is its sis_id",
    ],
)
def test_without_a_roster_the_student_is_the_reports_id(path, students):
    batch = graded(path)
    assert [result.student for result in batch.results] == students
    assert [result.source for result in batch.results] == [f"{path} row {n}" for n in range(2, 6)]


def test_a_canvas_row_without_a_sis_id_is_its_canvas_id(tmp_path):
    with open(CANVAS, newline="", encoding="utf-8") as handle:
        rows = list(csv.reader(handle))
    rows[1][2] = ""
    batch = graded(write_csv(tmp_path / "canvas.csv", rows))
    assert batch.results[0].student == "4101"


# --- Rows ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("email", "message"),
    [
        ("", "does not say who the student is"),
        ("jo\x1b[2J@uni.example", "control character"),
        ("jo\n@uni.example", "line break"),
    ],
    ids=["a row naming no one", "an id with an escape sequence", "an id with a line break"],
)
def test_one_bad_row_is_reported_with_its_row_number_and_costs_no_other(tmp_path, email, message):
    rows = moodle_rows(("a@uni.example", ["", "9CD+D"]), (email, ["", "CD"]), ("c@x", ["", "D"]))
    batch = graded(write_csv(tmp_path / "export.csv", rows))
    assert [result.student for result in batch.results] == ["a@uni.example", "c@x"]
    (failure,) = batch.failures
    assert "row 3" in failure.source and message in failure.message


@pytest.mark.parametrize(
    ("delimiter", "bad_row", "cells"),
    [
        (",", "Doe,Jo,b@x,Finished,-,y_{i,j,k} = x_{i,j,k},CD,,,,,,,,", 19),
        (";", "Doe;Jo;b@x;Finished;-;y_{i;k};CD;;;;;;;;", 16),
        (",", "Doe,Jo,b@x,Finished,-,,CD,,,,,,,", 14),
    ],
    ids=[
        "an answer holding a comma unquoted splits the row into more cells than the header",
        "an answer holding a semicolon unquoted in a semicolon file does the same",
        "a row with a cell fewer than the header",
    ],
)
def test_a_row_whose_cells_do_not_match_the_header_is_refused_alone(
    tmp_path, delimiter, bad_row, cells
):
    rows = moodle_rows(("a@x", ["", "", "", "9CD+D"]), ("c@x", ["", "D"]))
    lines = [delimiter.join(row) for row in rows]
    lines.insert(2, bad_row)
    path = tmp_path / "export.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    batch = graded(path)
    assert [result.student for result in batch.results] == ["a@x", "c@x"]
    assert batch.results[0].items["b.params"].verdict == "correct"
    (failure,) = batch.failures
    assert failure.source.endswith("export.csv row 3")
    assert f"has {cells} cells where the header has 15" in failure.message


def test_an_answer_splitting_a_row_of_the_class_export_costs_no_other_student(tmp_path, from_yaml):
    """The class's Moodle export, one student's first answer typed `y_{i,j,k} = x_{i,j,k}`
    and left unquoted: its commas moved every later answer of that row onto the next item
    (a.params's answer graded as c.params, incorrect), silently."""
    with open(MOODLE, newline="", encoding="utf-8-sig") as handle:
        rows = list(csv.reader(handle))
    assert rows[2][2] == "wei.zhang@uni.example"  # seed-student-1 on the roster

    def line(cells: list[str]) -> str:
        written = io.StringIO()
        csv.writer(written, lineterminator="").writerow(cells)
        return written.getvalue()

    lines = [line(row) for row in rows]
    lines[2] = ",".join([*rows[2][:8], "y_{i,j,k} = x_{i,j,k}"]) + "," + line(rows[2][9:])
    path = tmp_path / "moodle-responses.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")

    batch = graded(path, roster=ROSTER)
    (failure,) = batch.failures
    assert failure.source.endswith("moodle-responses.csv row 3")
    assert "has 22 cells where the header has 18" in failure.message
    assert outcome(batch) == {s: r for s, r in from_yaml.items() if s != "seed-student-1"}


def test_a_row_spanning_lines_names_its_row_and_the_line_it_starts_on(tmp_path):
    rows = moodle_rows(
        ("a@x", ["", "9CD+D", "", "", "", "", "", "", "", "first line\nsecond line"]),
        ("", ["", "CD"]),
    )
    (failure,) = graded(write_csv(tmp_path / "export.csv", rows)).failures
    assert failure.source.endswith("export.csv row 3 (line 4)")


def test_an_overall_average_row_and_blank_rows_are_not_students(tmp_path):
    rows = moodle_rows(("a@x", ["", "9CD+D"]))
    rows += [[""] * len(rows[0]), ["Overall average", "", "", "", "7.50", *[""] * 10]]
    batch = graded(write_csv(tmp_path / "export.csv", rows))
    assert [result.student for result in batch.results] == ["a@x"]
    assert not batch.failures


def test_a_moodle_dash_is_no_response(tmp_path):
    rows = moodle_rows(("a@x", ["-", "9CD+D"]))
    (result,) = graded(write_csv(tmp_path / "export.csv", rows)).results
    assert result.items["a.formula"].verdict == "missing"


def test_two_rows_of_one_student_send_the_student_to_review(tmp_path):
    rows = moodle_rows(("a@x", ["", "9CD+D"]), ("A@X", ["", "CD"]))
    batch = graded(write_csv(tmp_path / "export.csv", rows))
    (result,) = batch.results
    assert {item.verdict for item in result.items.values()} == {"needs_review"}
    assert "row 3" in batch.failures[0].message


# --- Which attempts are submissions --------------------------------------------------------


def model_rows(path: Path, *states: str) -> list[list[str]]:
    """The export's header and its first row (the model answer, full marks) once per state,
    in the report's state column (Moodle's `State`, Canvas's `submitted`)."""
    with open(path, newline="", encoding="utf-8-sig") as handle:
        header, first, *_ = list(csv.reader(handle))
    column = header.index("State" if "State" in header else "submitted")
    return [header, *([*first[:column], state, *first[column + 1 :]] for state in states)]


SUBMITTED = {MOODLE: "Finished", CANVAS: "2026-05-12 10:40:00 UTC"}


@pytest.mark.parametrize(
    ("path", "state", "said"),
    [
        (MOODLE, "Never submitted", "Moodle records this attempt as 'Never submitted'"),
        (MOODLE, "In progress", "Moodle records this attempt as 'In progress'"),
        (MOODLE, "Overdue", "Moodle records this attempt as 'Overdue'"),
        (MOODLE, "Not yet started", "Moodle records this attempt as 'Not yet started'"),
        # Moodle's own words on a French, German, Spanish, Italian, Portuguese, Dutch site
        (MOODLE, "En cours", "Moodle records this attempt as 'En cours'"),
        (MOODLE, "Überfällig", "Moodle records this attempt as 'Überfällig'"),
        (MOODLE, "Nunca envió", "Moodle records this attempt as 'Nunca envió'"),
        (MOODLE, "Mai inviati", "Moodle records this attempt as 'Mai inviati'"),
        (MOODLE, "Em progresso", "Moodle records this attempt as 'Em progresso'"),
        (MOODLE, "Te laat", "Moodle records this attempt as 'Te laat'"),
        (MOODLE, "Zakończone", "Moodle's State column says 'Zakończone' for this attempt, a "
         "word the grader does not know (it knows Moodle's words in English, French, German, "
         "Spanish, Italian, Portuguese and Dutch): whether it was submitted is not known (where "
         "it is the site's word for 'Finished', writing Finished in the export's State column "
         "and grading it again grades it)"),
        (MOODLE, "", "Moodle's State column says nothing for this attempt"),
        (CANVAS, "", "Canvas gives this attempt no submission time"),
    ],
    ids=["never submitted", "in progress", "overdue", "not yet started", "french, in progress",
         "german, overdue", "spanish, never submitted", "italian, never submitted",
         "portuguese, in progress", "dutch, overdue", "a state not known names it and what to do",
         "no state", "canvas, not submitted"],
)  # fmt: skip
def test_an_attempt_never_submitted_goes_to_a_person_with_its_state(tmp_path, path, state, said):
    export = write_csv(tmp_path / "export.csv", model_rows(path, state))
    batch = graded(export)
    (result,) = batch.results
    (submitted,) = graded(
        write_csv(tmp_path / "submitted.csv", model_rows(path, SUBMITTED[path]))
    ).results
    assert not batch.failures
    assert {item.verdict for item in result.items.values()} == {"needs_review"}
    assert result.total == 0
    for item in result.items.values():
        assert item.feedback[0].startswith(said)
        assert "Whether its answers are graded is your instructor's decision" in item.feedback[0]
        # what it would earn, graded as it stands (as a submitted attempt is), is shown as
        # every review shows the machine's provisional result
        marks = submitted.items[item.item_id].marks
        assert item.feedback[1] == (
            f"Graded as it stands, the machine's reading earns {marks:g} of "
            f"{item.max_marks:g}; provisional until a person confirms."
        )
    assert any(w.startswith(said) and f"{submitted.total:g}/25 marks" in w for w in result.warnings)


@pytest.mark.parametrize(
    ("path", "state"),
    [(MOODLE, "Finished"), (MOODLE, "Submitted"), (CANVAS, "2026-05-12 10:40:00 UTC"),
     (MOODLE, "Terminé"), (MOODLE, "Beendet"), (MOODLE, "Finalizado"), (MOODLE, "Completato"),
     (MOODLE, "Terminada"), (MOODLE, "Beëindigd"), (MOODLE, "Bee\u0308indigd")],
    ids=["finished", "submitted (Moodle 4.4)", "canvas, submitted", "french", "german",
         "spanish", "italian", "portuguese", "dutch", "dutch, its accent a combining mark"],
)  # fmt: skip
def test_a_submitted_attempt_is_graded(tmp_path, path, state):
    (result,) = graded(write_csv(tmp_path / "export.csv", model_rows(path, state))).results
    assert result.warnings == ()
    assert not any(item.verdict == "needs_review" for item in result.items.values())
    assert result.total > 0


@pytest.mark.parametrize(
    "others",
    [("In progress",), ("Never submitted", "Overdue"), ("In progress",)],
    ids=["in progress", "two unfinished", "unfinished first"],
)
def test_a_finished_attempt_beside_unfinished_ones_is_the_submission(tmp_path, others, request):
    first = request.node.callspec.id == "unfinished first"
    states = (*others, "Finished") if first else ("Finished", *others)
    export = write_csv(tmp_path / "export.csv", model_rows(MOODLE, *states))
    batch = graded(export)
    (result,) = batch.results
    finished = 2 + states.index("Finished")
    assert not batch.failures  # not two submissions claiming one student
    assert result.source == f"{export} row {finished}"
    assert not any(item.verdict == "needs_review" for item in result.items.values())
    unfinished = [n for n, state in enumerate(states, start=2) if state != "Finished"]
    assert len(result.warnings) == len(unfinished)
    for number, warning in zip(unfinished, result.warnings, strict=True):
        assert warning.startswith(f"{export} row {number} is another attempt of this student's")
        assert f"({export} row {finished}, a submitted attempt, is graded instead)" in warning


# An item a person decides for its submission's sake (two rows claim the student; an attempt
# never submitted) showed its answer's own "Correct." bare, as though the item's: it is said
# of what it is of. A held row claiming the student was said to "have 0/25 marks" (its held
# items' 0s) with nothing of what it earns graded as it stands (F10).
@pytest.mark.parametrize(
    ("states", "of", "warned"),
    [
        (("Finished", "Finished"), "Of the answer in ", ("would have {total}/25 marks",)),
        (("Never submitted",), "Graded as it stands: ", ("would have {total}/25 marks",)),
        (
            ("Never submitted", "Never submitted"),
            "Graded as it stands: ",
            (
                "would have 0/25 marks, 10 of its 10 items awaiting a person",
                "row 3: Moodle records this attempt as 'Never submitted'",
            ),
        ),
    ],
    ids=["two rows claim the student", "never submitted", "a held row claims the student too"],
)
def test_an_items_own_feedback_under_a_submissions_review_is_said_of_what_it_is_of(
    tmp_path, states, of, warned
):
    (result,) = graded(write_csv(tmp_path / "export.csv", model_rows(MOODLE, *states))).results
    (alone,) = graded(write_csv(tmp_path / "alone.csv", model_rows(MOODLE, "Finished"))).results
    feedback = [line for item in result.items.values() for line in item.feedback]
    assert "Correct." not in feedback
    assert any(line.startswith(of) and line.endswith(": Correct.") for line in feedback)
    for words in warned:
        words = words.format(total=f"{alone.total:g}")
        assert any(words in warning for warning in result.warnings), result.warnings


def test_a_blank_row_is_told_it_is_an_empty_row_of_the_export_not_a_file(tmp_path):
    export = write_csv(tmp_path / "export.csv", moodle_rows(("a@x", ["-"] * len(ITEMS))))
    (result,) = graded(export).results
    feedback = result.items["a.formula"].feedback[0]
    assert feedback == (
        "No answer was read in your row of the LMS export (Moodle's quiz Responses report): "
        "every answer cell is empty; an instructor will check it."
    )


# --- Recognising an export -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        ([["student", "answer"], ["a", "9CD"]], "neither Moodle's quiz Responses report"),
        (
            [["student", "part a (5)", "total (25)", "rubric sha256"], ["a", "5", "5", "ab"]],
            "is a grades.csv written by grader",
        ),
        (
            [
                [*MOODLE_HEAD, "Response 1", "Response 2"],
                ["D", "J", "a@x", "Finished", "-", "x", "y"],
            ],
            "has 2 answer columns ('Response 1', 'Response 2') but the rubric has 10 items",
        ),
        (
            [["Last name", "First name", "Response 1"], ["D", "J", "x"]],
            "neither",
        ),
        ([], "is empty"),
    ],
    ids=[
        "a CSV of another shape is refused, naming the two reports",
        "grader's own grades.csv is named as such",
        "a Moodle export with fewer questions than items asks for a mapping",
        "a Moodle export naming students only by name is refused",
        "an empty file is refused",
    ],
)
def test_a_file_that_is_not_a_known_export_is_one_clear_failure(tmp_path, rows, message):
    path = write_csv(tmp_path / "export.csv", rows)
    (entry,) = load_submissions(path, RUBRIC)
    assert isinstance(entry, SubmissionError)
    assert message in str(entry)


@pytest.mark.parametrize(
    ("name", "message"),
    [("old.xls", "old Excel workbook"), ("calc.ods", "OpenDocument spreadsheet")],
    ids=["an .xls asks for .xlsx or CSV", "an .ods asks for .xlsx or CSV"],
)
def test_spreadsheets_we_do_not_read_are_named(tmp_path, name, message):
    path = tmp_path / name
    path.write_bytes(b"\xd0\xcf\x11\xe0")
    (entry,) = load_submissions(path, RUBRIC)
    assert message in str(entry) and "save the export as .xlsx or CSV" in str(entry)


def test_a_folder_never_grades_a_csv_found_in_it(tmp_path):
    (tmp_path / "instructor").mkdir()
    write_csv(tmp_path / "instructor" / "grades.csv", [["student", "rubric sha256"]])
    write_csv(tmp_path / "export.csv", moodle_rows(("a@x", ["", "9CD+D"])))
    (tmp_path / "a.yaml").write_text(
        "student: a\nquestion: 22-52-Q4\nanswers: {b: {params: 9CD + D}}\n", encoding="utf-8"
    )
    files, unusable = collect_submission_files([tmp_path])
    assert list(files) == [tmp_path / "a.yaml"] and not unusable


def test_a_folder_holding_only_an_export_says_to_name_it(tmp_path):
    write_csv(tmp_path / "export.csv", moodle_rows(("a@x", ["", "9CD+D"])))
    _, ((_, why),) = collect_submission_files([tmp_path])
    assert "read only when named" in why and str(tmp_path / "export.csv") in why


# --- Mapping files -------------------------------------------------------------------------


def mapping(tmp_path: Path, text: str):
    path = tmp_path / "columns.yaml"
    path.write_text(text, encoding="utf-8")
    return read_column_map(path, RUBRIC)


def test_a_mapping_names_the_column_of_each_item_in_any_order(tmp_path):
    rows = [
        [*MOODLE_HEAD, "Response 1", "Response 2"],
        ["D", "J", "a@x", "Finished", "-", "9CD+D", "Y=XW"],
    ]
    columns = mapping(
        tmp_path,
        "report: moodle\ncolumns:\n  Response 2: e.formula\n  response 1: b.params\n",
    )
    (result,) = graded(write_csv(tmp_path / "e.csv", rows), mapping=columns).results
    assert result.items["b.params"].verdict == "correct"
    assert result.items["e.formula"].verdict == "correct"
    assert result.items["a.params"].verdict == "missing"


def test_a_mapping_names_a_canvas_question_by_its_id(tmp_path):
    columns = mapping(tmp_path, "report: canvas\ncolumns:\n  '88413': b.params\n")
    (first, *_) = graded(CANVAS, mapping=columns).results
    assert first.items["b.params"].verdict == "correct"
    assert first.items["a.params"].verdict == "missing"


def test_a_mapping_reads_an_export_of_any_shape(tmp_path):
    rows = [["Student number", "Mail", "Q3"], ["u1", "u1@x", "9CD + D"]]
    columns = mapping(
        tmp_path, "student: Student number\nids: {email: Mail}\ncolumns: {Q3: b.params}\n"
    )
    (submission,) = load_export(write_csv(tmp_path / "any.csv", rows), RUBRIC, columns)
    assert isinstance(submission, Submission)
    assert submission.student == "u1" and ("email", "u1@x") in submission.identities
    assert submission.answers["b.params"].text == "9CD + D"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("report: moodle\ncolumns: {Response 1: z.params}\n", "expected an item of the rubric"),
        (
            "report: moodle\ncolumns: {Response 1: a.params, Response 2: a.params}\n",
            "a.params is given column 'Response 1' too",
        ),
        ("columns: {Q1: a.params}\n", "give `student:`"),
        ("report: blackboard\n", "unknown report 'blackboard'"),
        ("report: moodle\nids: {phone: Phone}\n", "use one of email, username"),
        ("report: moodle\ncolum: {}\n", "did you mean columns?"),
    ],
    ids=[
        "an item the rubric lacks",
        "two columns for one item",
        "no report and no student column",
        "an unknown report",
        "an id a roster cannot match",
        "a misspelt key",
    ],
)
def test_a_mapping_that_cannot_be_used_lists_its_problems(tmp_path, text, message):
    with pytest.raises(ColumnMapError) as raised:
        mapping(tmp_path, text)
    assert message in str(raised.value)


def test_a_column_the_mapping_names_but_the_export_lacks_fails_that_export(tmp_path):
    columns = mapping(tmp_path, "report: moodle\ncolumns: {Response 9: a.params}\n")
    rows = [[*MOODLE_HEAD, "Response 1"], ["D", "J", "a@x", "Finished", "-", "x"]]
    path = write_csv(tmp_path / "e.csv", rows)
    (entry,) = load_export(path, RUBRIC, columns)
    assert "has no column 'Response 9', which the mapping file names" in str(entry)


# --- Hostile cells and files ---------------------------------------------------------------


def test_a_formula_cell_is_never_evaluated_nor_its_cached_value_taken(tmp_path):
    rows = moodle_rows(("a@x", ["", "=9*C*D+D"]), ("b@x", ["", "", "", "9CD + D"]))
    path = as_xlsx(rows, tmp_path / "e.xlsx")
    first, second = graded(path).results
    item = first.items["a.params"]
    assert item.verdict == "invalid"
    assert "spreadsheet formula" in item.feedback[0] and "not evaluated" in item.feedback[0]
    assert second.items["b.params"].verdict == "correct"


def test_a_formula_in_an_id_cell_fails_that_row_alone(tmp_path):
    rows = moodle_rows(("=A1", ["", "9CD+D"]), ("b@x", ["", "9CD + D"]))
    batch = graded(as_xlsx(rows, tmp_path / "e.xlsx"))
    assert [r.student for r in batch.results] == ["b@x"]
    assert (
        "row 2" in batch.failures[0].source and "spreadsheet formula" in batch.failures[0].message
    )


@pytest.mark.parametrize(
    ("email", "save", "message"),
    [
        ("=A1", lambda rows, folder: as_xlsx(rows, folder / "e.xlsx"), "is a spreadsheet formula"),
        ("jo\x00@x", lambda rows, folder: write_csv(folder / "e.csv", rows), "control character"),
    ],
    ids=["an email that is a formula is said once", "an email holding a NUL is said once"],
)
def test_a_bad_id_cell_read_for_the_student_and_for_the_roster_is_one_problem(
    tmp_path, email, save, message
):
    # Moodle's `Email address` both names the student and is an id a roster can match.
    batch = graded(save(moodle_rows((email, ["", "9CD+D"]), ("b@x", ["", "CD"])), tmp_path))
    assert [result.student for result in batch.results] == ["b@x"]
    (failure,) = batch.failures
    assert "row 2 has 1 problem:" in failure.message
    assert failure.message.count(message) == 1


def test_a_numeric_xlsx_cell_reads_as_typed(tmp_path):
    rows = moodle_rows(("a@x", ["", 600.0]))
    (submission,) = load_export(as_xlsx(rows, tmp_path / "e.xlsx"), RUBRIC)
    assert submission.answers["a.params"].text == "600"


def test_a_five_megabyte_cell_is_refused_alone_and_the_csv_limit_restored(tmp_path):
    huge = "9" * 5_000_000
    rows = moodle_rows(("a@x", ["", huge, "", "9CD+D"]), ("b@x", ["", "CD"]))
    before = csv.field_size_limit()
    first, second = graded(write_csv(tmp_path / "e.csv", rows)).results
    assert csv.field_size_limit() == before
    assert first.items["a.params"].verdict == "invalid"
    assert f"the limit is {MAX_CELL_CHARS}" in first.items["a.params"].feedback[0]
    assert first.items["b.params"].verdict == "correct"
    assert second.student == "b@x"


@pytest.mark.parametrize(
    "answer",
    ["9CD\x00+D", "9CD\x1b[31m+D", "\u202e9CD+D", "9CD\r\n+D"],
    ids=["a NUL", "an escape sequence", "a right-to-left override", "a line break"],
)
def test_control_characters_in_an_answer_are_graded_not_fatal(tmp_path, answer):
    rows = moodle_rows(("a@x", ["", answer]))
    (result,) = graded(write_csv(tmp_path / "e.csv", rows)).results
    # (a line break makes two pieces, `9CD` and `+D`: two answers, for a person)
    verdicts = {"invalid", "incorrect", "partial", "correct", "needs_review"}
    assert result.items["a.params"].verdict in verdicts


@pytest.mark.parametrize(
    ("encoding", "delimiter"),
    [("utf-8-sig", ","), ("utf-16", "\t"), ("utf-8", ";")],
    ids=[
        "UTF-8 with a byte-order mark",
        "UTF-16 tab-separated, as Excel saves Unicode text",
        "semicolons, as a spreadsheet saves in some locales",
    ],
)
def test_encodings_and_separators_a_spreadsheet_writes_are_read(tmp_path, encoding, delimiter):
    rows = moodle_rows(("josé@x", ["", "", "", "9CD + D"]))
    path = write_csv(tmp_path / "e.csv", rows, encoding=encoding, delimiter=delimiter)
    (result,) = graded(path).results
    assert result.student == "josé@x"
    assert result.items["b.params"].verdict == "correct"


COMMAS = "Express y_{i,j,k} in terms of x_{i,j,l}, the weights w, and the bias b"


def canvas_questions_reading(text: str) -> list[list[str]]:
    """The class's Canvas export, each question's header `<id>: ` then `text`."""
    with open(CANVAS, newline="", encoding="utf-8") as handle:
        rows = list(csv.reader(handle))
    rows[0] = [re.sub(r"^(\d+): .*", rf"\1: {text}", name, flags=re.S) for name in rows[0]]
    return rows


@pytest.mark.parametrize(
    ("encoding", "delimiter", "question"),
    [
        ("utf-16", "\t", COMMAS),
        ("utf-8", "\t", COMMAS),
        ("utf-8-sig", ";", COMMAS),
        ("utf-8", ",", "Express y_{i,j,k}; use x_{i,j,l}\tand w; then b; write it out"),
    ],
    ids=[
        "a UTF-16 tab-separated export whose questions hold commas is read at its tabs",
        "a UTF-8 tab-separated export whose questions hold commas is read at its tabs",
        "a semicolon-separated export whose questions hold commas is read at its semicolons",
        "a comma-separated export whose questions hold semicolons and a tab stays at its commas",
    ],
)
def test_the_separator_is_the_one_the_rows_agree_with_the_header_on(
    tmp_path, from_yaml, encoding, delimiter, question
):
    rows = canvas_questions_reading(question)
    path = write_csv(tmp_path / "canvas.csv", rows, encoding=encoding, delimiter=delimiter)
    batch = graded(path, roster=ROSTER)
    assert not batch.failures
    assert outcome(batch) == from_yaml


def test_a_file_that_is_not_utf8_is_one_failure_naming_the_line(tmp_path):
    path = tmp_path / "e.csv"
    path.write_bytes(b"Email address,Response 1\na@x,\xff\n")
    (entry,) = load_submissions(path, RUBRIC)
    assert "e.csv:2: is not valid UTF-8" in str(entry)


def test_a_file_over_the_limit_is_refused_before_it_is_read(tmp_path):
    path = tmp_path / "e.csv"
    with open(path, "wb") as handle:
        handle.truncate(MAX_EXPORT_BYTES + 1)
    (entry,) = load_submissions(path, RUBRIC)
    assert f"the limit for an export is {MAX_EXPORT_BYTES}" in str(entry)


def test_a_zip_bomb_is_refused_before_it_is_opened(tmp_path):
    path = tmp_path / "bomb.xlsx"
    chunk = b"\0" * 1_000_000
    with (
        zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive,
        archive.open("xl/worksheets/sheet1.xml", "w") as member,
    ):
        for _ in range(MAX_XLSX_UNPACKED // len(chunk) + 1):
            member.write(chunk)
    (entry,) = load_submissions(path, RUBRIC)
    assert f"the limit is {MAX_XLSX_UNPACKED}" in str(entry)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"Email address,Response 1\n", "not a zip archive"),
        (b"PK\x05\x06" + b"\0" * 18, "cannot be read as an .xlsx workbook"),
    ],
    ids=["a CSV named .xlsx", "an empty zip named .xlsx"],
)
def test_a_damaged_workbook_is_one_failure(tmp_path, content, message):
    path = tmp_path / "e.xlsx"
    path.write_bytes(content)
    (entry,) = load_submissions(path, RUBRIC)
    assert message in str(entry)


def test_a_symbolic_link_to_an_export_is_not_followed(tmp_path):
    target = write_csv(tmp_path / "real.csv", moodle_rows(("a@x", ["", "9CD+D"])))
    link = tmp_path / "link.csv"
    link.symlink_to(target)
    (entry,) = load_export(link, RUBRIC)
    assert "symbolic link" in str(entry)


# --- Canvas's rich text --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("cell", "text"),
    [
        ("<p>9CD + D</p>", "9CD + D\n"),
        ("<p>first</p><p>second<br>third</p>", "first\nsecond\nthird\n"),
        (
            '<p><img class="equation_image" data-equation-content="9CD + D" alt="x"> params</p>',
            " 9CD + D  params\n",
        ),
        ("<p>P&nbsp;&times;&nbsp;Q &lt;b&gt;</p>", "P × Q <b>\n"),
        ("a < b and c > d", "a < b and c > d"),
        ("<p>" + "<" * 5000 + "</p>", "<" * 5000 + "\n"),
        ("<p>P<sup>2</sup>Q<SUP>2</SUP>CD + PQD</p>", "P^{2}Q^{2}CD + PQD\n"),
        ("<p>(PQ)<sup>2</sup>C + b<sub>k</sub></p>", "(PQ)^{2}C + b_{k}\n"),
        ("h<sub>t</sub> = W<sub>x</sub>x<sub>t</sub>", "h_{t} = W_{x}x_{t}"),
        ("3CD + D &amp; bias", "3CD + D & bias"),
        ("<h3>9CD/G + D</h3><h2>D</h2>", "9CD/G + D\nD\n"),
    ],
    ids=[
        "a paragraph is its text",
        "paragraphs and breaks are lines",
        "an equation image is the LaTeX it shows",
        "entities are decoded once, never read as tags",
        "a cell that does not start with a tag is kept",
        "a run of angle brackets is text, read in linear time",
        "a superscript is a power, as a marker reads it (P2 before)",
        "a subscript is an index",
        "a tag after the start (a Moodle cell in HTML)",
        "an entity without a tag",
        "a heading is a line, whatever tag the cell starts with",
    ],
)
def test_canvas_rich_text_reads_as_its_text(cell, text):
    assert html_text(cell) == text


DATA = ROOT / "tests" / "data" / "lms"
ACTIVATIONS = load_rubric(ROOT / "rubrics" / "activations-q1.yaml")
GROUPED = load_rubric(ROOT / "rubrics" / "grouped-q1.yaml")
MATHML = "read the MathML in your answer as "
IMAGE = "which the grader does not read: an instructor will look at it"


# Canvas cells holding MathML (m1: pasted from a page of maths; m2: equation images, each with
# the hidden MathML copy Canvas puts after it), and answers that are a photo or a recording.
# Each was graded as the text left when its tags were dropped, or `missing`, silently.
@pytest.mark.parametrize(
    ("export", "student", "item", "verdict", "marks", "said"),
    [
        ("act-mathml.csv", "m1", "c.scale", "correct", 2, MATHML + r"\frac{1}{\sqrt{d_{k}}}"),
        ("act-mathml.csv", "m1", "b.derivative", "correct", 2, MATHML + "1-tanh^{2}(x)"),
        ("act-mathml.csv", "m1", "e.offdiagonal", "correct", 1.5, MATHML + "-s_{i} s_{j}"),
        ("act-mathml.csv", "m2", "a.derivative", "correct", 3, None),
        ("act-mathml.csv", "m2", "e.offdiagonal", "correct", 1.5, None),
        ("canvas-media.csv", "h1", "a.formula", "needs_review", 0, "an image (IMG_2041.jpg), "),
        ("canvas-media.csv", "h5", "a.formula", "needs_review", 0, "a recording, "),
        (
            "canvas-media.csv",
            "h4",
            "a.formula",
            "needs_review",
            0,
            "an attached file (answer.pdf), ",
        ),
    ],
    ids=[
        "an mfrac of an msqrt is a fraction of a root (was 1dk, 0)",
        "an msup on a function is its power (was tanh2(x), 0)",
        "two msubs side by side are a product",
        "an equation image and its hidden MathML copy are one answer (was their product, 0)",
        "one copy, not twice the answer (was 'a constant factor is wrong', 0)",
        "a photo is for a person (was missing)",
        "a recording is for a person (was missing)",
        "a file-upload link is for a person (was 'could not read your answer', at its '.')",
    ],
)
def test_canvas_maths_as_mathml_or_an_image_is_read_or_sent_to_a_person(
    export, student, item, verdict, marks, said
):
    rubric = ACTIVATIONS if export.startswith("act") else GROUPED
    results = grade_paths(rubric, [DATA / export]).results
    (result,) = [result for result in results if result.student == student]
    got = result.items[item]
    assert (got.verdict, got.marks) == (verdict, marks)
    if verdict == "needs_review":
        assert got.needs_person
        assert got.feedback[0] == f"Your answer is {said}{IMAGE}"
    elif said is None:
        assert not got.reading_notes
    else:
        assert said in got.reading_notes


def canvas_cells(tmp_path: Path, *cells: str) -> Path:
    """A Canvas export of GROUPED's two items, one student a cell, answering b.params."""
    head = ["name", "id", "sis_id", "submitted", "3001: (a) q", "1.0", "3002: (b) q", "1.0"]
    rows = [head, *([f"s{n}", f"{n}", f"s{n}", "2026-05-12", "", "", cell, ""] for n, cell in
                    enumerate(cells))]  # fmt: skip
    return write_csv(tmp_path / "canvas.csv", rows)


IMG = '<img src="https://canvas.example/users/5/files/9/preview" alt="IMG_2041.jpg">'
BESIDE = ", which the grader does not read: a person should look at it. Your text alone: "
PROVISIONAL = "; provisional until a person confirms."


# Typed text beside a photo, a recording or an attached file was graded on the text alone,
# silently: the photo may hold the working or the real answer. The text is graded and the
# item goes to a person, naming what is beside it and what the text alone earns.
@pytest.mark.parametrize(
    ("cell", "said"),
    [
        (f"<p>9CD/G + D</p><p>{IMG}</p>", "an image (IMG_2041.jpg)"),
        ('<p>9CD/G + D</p><img src="/files/1000/preview" alt="">', "an image"),
        ('<p>9CD/G + D</p><audio src="/media/1.mp3"></audio>', "a recording"),
        ('<p>9CD/G + D</p><video src="/media/1.mp4"></video>', "a recording"),
        ('<p>9CD/G + D<iframe src="/media_objects_iframe/m-1"></iframe></p>', "a recording"),
        (
            '<p>9CD/G + D</p><p><a class="instructure_file_link" '
            'href="/courses/1/files/1001/download?wrap=1">working.pdf</a></p>',
            "an attached file (working.pdf)",
        ),
    ],
    ids=[
        "text and a photo (was graded on the text, correct)",
        "text and a photo with no name",
        "text and an audio recording",
        "text and a video",
        "text and a media comment",
        "text and an attached file (was invalid: its name read as maths)",
    ],
)
def test_text_beside_a_photo_or_a_file_is_graded_and_goes_to_a_person(tmp_path, cell, said):
    (result,) = grade_paths(GROUPED, [canvas_cells(tmp_path, cell)]).results
    got = result.items["b.params"]
    assert (got.verdict, got.marks, got.answer) == ("needs_review", 0, "9CD/G + D")
    assert got.feedback[0] == (
        f"Your answer also has {said}{BESIDE}the machine's reading earns 2 of 2{PROVISIONAL}"
    )
    assert got.decision[-1] == f"sent for review: the answer also has {said}"
    assert got.feedback[1:] == ("Of your text alone: Correct.",)  # not of the whole answer


@pytest.mark.parametrize(
    ("cell", "verdict", "said"),
    [
        (
            f"<p>10CD</p>{IMG}",
            "needs_review",
            f"Your answer also has an image (IMG_2041.jpg){BESIDE}the machine's reading earns "
            f"0 of 2{PROVISIONAL}",
        ),
        (
            f"<p>9CD/G +</p>{IMG}",
            "needs_review",
            f"Your answer also has an image (IMG_2041.jpg){BESIDE}the machine could not read "
            f"it: 0 of 2{PROVISIONAL}",
        ),
        (
            f"<p>I think it is 9CD/G + D</p>{IMG}",
            "needs_review",
            f"Your answer also has an image (IMG_2041.jpg){BESIDE}the machine's reading earns "
            f"2 of 2{PROVISIONAL}",
        ),
        (
            f"<p>Parameters: 9CD/G + D</p>{IMG}",
            "needs_review",
            f"Your answer also has an image (IMG_2041.jpg){BESIDE}the machine's reading earns "
            f"2 of 2{PROVISIONAL}",
        ),
        (
            '<p>params <img class="equation_image" data-equation-content="9CD/G + D" '
            'alt="9CD/G+D"></p>',
            "correct",
            "Correct.",
        ),
        (
            '<p>9CD/G + D (<a href="https://en.wikipedia.org/wiki/Convolution">see</a>)</p>',
            "correct",
            "Correct.",
        ),
    ],
    ids=[
        "a wrong text beside a photo says what it earns",
        "an unreadable text beside a photo says the machine could not read it",
        "words before the answer beside a photo are set aside as in a cell alone (F5)",
        "a label beside a photo is set aside as in a cell alone",
        "an equation image is read, not a photo",
        "a link to a page is its text, not a file",
    ],
)
def test_what_the_text_beside_an_attachment_earns_is_said_truly(tmp_path, cell, verdict, said):
    (result,) = grade_paths(GROUPED, [canvas_cells(tmp_path, cell)]).results
    got = result.items["b.params"]
    assert got.verdict == verdict
    assert got.feedback[0] == said


# Review feedback untrue of the item (F10), an image joined into one product (F13), a linked
# file dropped silently (F13): each cell of c.params (CD + D is right) says what is true.
@pytest.mark.parametrize(
    ("cell", "verdict", "said", "unsaid"),
    [
        (
            "<p>C x D → CD + D</p>",
            "needs_review",
            "If CD + D is your answer: Correct.",
            "Correct.",
        ),
        (
            f"<p>CD + D</p><p>P/2</p>{IMG}",
            "needs_review",
            "a person should look at it, and at your text, which gives different answers (above).",
            f"Your answer also has an image (IMG_2041.jpg){BESIDE}the machine's reading earns 2 "
            f"of 2{PROVISIONAL}",
        ),
        (
            "<p>CD + D</p><p>CD + D</p>",
            "correct",
            'read line 2 of your answer, "CD + D", as line 1 again: it repeats the answer',
            'set aside line 2 of your answer, "CD + D": it holds no answer to read',
        ),
        (
            f"<p>9CD + D {IMG} CD + D</p>",
            "needs_review",
            "If line 1 (9CD + D) is your answer: With C=2, D=5 your count gives 95; the correct "
            "count is 15.",
            "Of your text alone: With C=2, D=5 your count gives 145; the correct count is 15.",
        ),
        (
            f"<p>CD + D {IMG} D(C+1)</p>",
            "needs_review",
            "read your 2 lines as one answer written 2 ways (line 1: CD + D; line 2: D(C+1)): "
            "they are the same",
            "Of your text alone: Your count is not equal to the correct count.",
        ),
        (
            '<p>CD + D</p><p><a href="https://drive.google.com/file/d/abc/view">working</a></p>',
            "correct",
            "did not open the link in your answer (https://drive.google.com/file/d/abc/view): "
            "what it links to was not read",
            "",
        ),
    ],
    ids=[
        "steps that disagree: the last step's Correct. is of that step",
        "text giving two answers beside a photo earns nothing alone",
        "a line repeating the answer holds it again",
        "an image between two answers parts them, never one product",
        "an image between one answer written two ways parts them",
        "a link to a drive's file says it was not read",
    ],
)
def test_review_feedback_of_a_cell_is_true_of_it(tmp_path, cell, verdict, said, unsaid):
    (result,) = grade_paths(RUBRIC, [one_cell_export(tmp_path, RUBRIC, "c.params", cell)]).results
    got = result.items["c.params"]
    told = (*got.feedback, *got.reading_notes)
    assert got.verdict == verdict
    assert any(said in line for line in told), told
    assert unsaid not in told


FILE_ONLY = "Your answer is an attached file (answer.pdf), which the grader does not read: an "


# A Canvas file-upload answer (a link to the file, its name as text) was read as the maths
# "answer.pdf", and told it could not be read at its '.': it is for a person, saying so.
@pytest.mark.parametrize(
    "cell",
    [
        '<p><a href="https://canvas.example/files/1001/download">answer.pdf</a></p>',
        '<a class="instructure_file_link" href="/courses/1/files/7?wrap=1">answer.pdf</a>',
        '<p><a href="https://box.example/s/answer.pdf">answer.pdf</a>&nbsp;</p>',
        '<p><a title="answer.pdf" href="/files/1001/download"><span>Download</span></a></p>',
        '<p><a href="/files/1001/download">answer.pdf',
    ],
    ids=[
        "a course file's link",
        "canvas's file link class",
        "a link to a file by its name",
        "its title names it",
        "a link never closed",
    ],
)
def test_an_attached_file_alone_goes_to_a_person_saying_so(tmp_path, cell):
    (submission,) = load_export(canvas_cells(tmp_path, cell), GROUPED)
    answer = submission.answers["b.params"]
    assert answer.unread == FILE_ONLY + "instructor will look at it"
    (result,) = grade_paths(GROUPED, [canvas_cells(tmp_path, cell)]).results
    got = result.items["b.params"]
    assert (got.verdict, got.marks) == ("needs_review", 0)
    assert got.feedback[0].startswith(FILE_ONLY)


def mathml(*tokens: str) -> str:
    return "<math>" + "".join(tokens) + "</math>"


NINE = "<mn>9</mn>"
OVER_G_PLUS_D = "<mo>/</mo><mi>G</mi><mo>+</mo><mi>D</mi>"
TANH2 = "<mn>1</mn><mo>-</mo><msup><mi>tanh</mi><mn>2</mn></msup>"


# How a marker reads MathML's identifiers: single letters side by side (`<mi>C</mi><mi>D</mi>`,
# rendered CD) are a product; one `<mi>` of several letters is one name as written: `CD`, which
# a count reads as C·D, as a marker reads the CD it renders; `tanh`, `sin`, a function.
@pytest.mark.parametrize(
    ("rubric", "item", "cell", "read", "verdict", "marks"),
    [
        (GROUPED, "b.params", mathml(NINE, "<mi>C</mi><mi>D</mi>", OVER_G_PLUS_D),
         "9 C D/G+D", "correct", 2),
        (GROUPED, "b.params", mathml(NINE, "<mi>CD</mi>", OVER_G_PLUS_D),
         "9 CD/G+D", "correct", 2),
        (GROUPED, "b.params", mathml("<mi>CD</mi>"), "CD", "incorrect", 0),
        (ACTIVATIONS, "b.derivative", mathml(TANH2, "<mo>(</mo><mi>x</mi><mo>)</mo>"),
         "1-tanh^{2}(x)", "correct", 2),
        (ACTIVATIONS, "b.derivative", mathml(TANH2, "<mo>&#x2061;</mo><mi>x</mi>"),
         "1-tanh^{2}x", "correct", 2),
        (ACTIVATIONS, "b.derivative",
         mathml("<mn>1</mn><mo>-</mo><msup><mi>sin</mi><mn>2</mn></msup><mi>x</mi>"),
         "1-sin^{2} x", "incorrect", 0),
    ],
    ids=["single letters side by side are a product", "one mi of two letters, in a count",
         "one mi CD alone is C·D, not another name", "a function's name with brackets",
         "a function's name applied", "sin is a function, not s·i·n"],
)  # fmt: skip
def test_mathml_identifiers_are_read_as_a_marker_reads_them(
    tmp_path, rubric, item, cell, read, verdict, marks
):
    (result,) = grade_paths(rubric, [one_cell_export(tmp_path, rubric, item, cell)]).results
    got = result.items[item]
    assert MATHML + read in got.reading_notes
    assert (got.verdict, got.marks) == (verdict, marks)


def one_cell_export(tmp_path: Path, rubric, item: str, cell: str) -> Path:
    """A Canvas export of one student answering `item` of `rubric` with `cell`."""
    questions = [name for n, _ in enumerate(rubric.items) for name in (f"{n + 1}: q", "1.0")]
    answers = ["" if each != item else cell for each in rubric.items for _ in (0, 1)]
    answers = [a if n % 2 == 0 else "" for n, a in enumerate(answers)]
    rows = [["name", "id", "sis_id", "submitted", *questions], ["m", "9", "m9", "x", *answers]]
    return write_csv(tmp_path / "one.csv", rows)


NEVER_READ = "Your answer came as MathML, which the grader did not read: an instructor will read it"


@pytest.mark.parametrize(
    ("cell", "why"),
    [
        ("<p><math><mover><mi>x</mi><mo>^</mo></mover></math></p>", "<mover> is not read"),
        ("<p><math><mfrac><mn>1</mn></mfrac></math></p>", "it holds no maths"),
        ("<p><math><mi>x</mi></p>", "<math> is never closed"),
        ("<p><math>" + "<mrow>" * 30 + "</math></p>", "it is too large"),
        ("<p><math>" + "<mi>x</mi>" * 500 + "</math></p>", "it is too large"),
    ],
    ids=[
        "an element that is not read",
        "a fraction of one part",
        "an unclosed math element",
        "nesting too deep",
        "too many elements",
    ],
)
def test_mathml_that_is_not_read_goes_to_a_person_never_as_its_text(tmp_path, cell, why):
    questions = [name for n in range(1, 6) for name in (f"{n}: ({n}) q", "1.0")]
    rows = [["name", "id", "sis_id", *questions], ["m", "9", "m9", cell, *[""] * 9]]
    (submission,) = load_export(write_csv(tmp_path / "c.csv", rows), ACTIVATIONS)
    answer = submission.answers["a.derivative"]
    assert answer.unread == f"{NEVER_READ} ({why})"
    assert answer.text == cell


# --- The command line ----------------------------------------------------------------------


def test_grade_names_an_export_and_its_mapping_on_the_command_line(capsys, tmp_path):
    columns = tmp_path / "columns.yaml"
    columns.write_text("report: canvas\ncolumns: {'88413': b.params}\n", encoding="utf-8")
    code = main(
        [
            "grade",
            str(CANVAS),
            "--rubric",
            str(RUBRIC_PATH),
            "--columns",
            str(columns),
            "--jobs",
            "1",
        ]
    )
    out = capsys.readouterr().out
    assert code == 0
    assert "s1001" in out and "s1004" in out


def test_grade_refuses_a_mapping_with_problems_before_grading(capsys, tmp_path):
    columns = tmp_path / "columns.yaml"
    columns.write_text("report: moodle\ncolumns: {Response 1: z.q}\n", encoding="utf-8")
    code = main(["grade", str(MOODLE), "--rubric", str(RUBRIC_PATH), "--columns", str(columns)])
    err = capsys.readouterr().err
    assert code == 2
    assert f"column mapping {columns} has 1 problem" in err and "z.q" in err


def test_grading_the_examples_folder_never_reads_the_example_exports(capsys):
    files, _ = collect_submission_files([ROOT / "submissions"])
    assert files and not any(path.parent == LMS for path in files)


def test_two_rows_claiming_one_student_are_told_as_two_submissions_not_two_files(tmp_path):
    export = write_csv(
        tmp_path / "quiz.csv",
        moodle_rows(("sam@x", ["PQC*PQD + PQD"]), ("pat@x", ["1"]), ("SAM@x", ["PQD"])),
    )
    (sam,) = [r for r in grade_paths(RUBRIC, [export]).results if r.student.lower() == "sam@x"]
    note = sam.items["a.params"].feedback[0]
    assert note.startswith("Two submissions claim student 'sam@x': ")
    assert f"{export} row 2 and {export} row 4" in note and "file" not in note.split(":")[0]


@pytest.mark.parametrize(
    ("students", "together"),
    [
        ((("r1@x", "9CD+D"), ("r1@x", "CD"), ("r3@x", "9CD+D"), ("r3@x", "CD")), False),
        ((("r1@x", "9CD+D"), ("r1@x", "CD"), ("r3@x", "9CD+D")), False),
        ((("r1@x", "9CD+D"), ("r3@x", "9CD+D")), True),
    ],
    ids=["two students' conflicts over equal answers", "a conflict and a plain answer",
         "no conflict: equal answers are one group"],
)  # fmt: skip
def test_a_two_submissions_conflict_is_a_review_group_of_its_own(tmp_path, students, together):
    from grader.answer_groups import answer_groups

    rows = moodle_rows(*((email, ["", answer]) for email, answer in students))
    batch = graded(write_csv(tmp_path / "export.csv", rows))
    groups = [
        sorted(student for student, _ in group.members)
        for group in answer_groups(batch).values()
        if group.item_id == "a.params"
    ]
    # a decision on a group never reaches a conflict of another student's
    assert (["r1@x", "r3@x"] in groups) is together
    assert sorted(s for group in groups for s in group) == ["r1@x", "r3@x"]


# --- How several exports' students are keyed without a roster (grader.student_keys) --------

LMS_IDS = ROOT / "tests" / "data" / "lms-ids"
STRIDED = load_rubric(ROOT / "rubrics" / "strided-q1.yaml")
ACT = load_rubric(ROOT / "rubrics" / "activations-q1.yaml")


@pytest.mark.parametrize(
    ("exports", "keyed", "said"),
    [
        pytest.param([(MOODLE, RUBRIC)], None, [], id="one export: its keys kept, nothing said"),
        pytest.param(
            [(LMS_IDS / "act-canvas-all-ids.csv", ACT), (LMS_IDS / "act-canvas.csv", ACT)],
            None, [], id="two exports naming students alike: unchanged",
        ),
        pytest.param(
            [(LMS_IDS / "strided-moodle-all-ids.csv", STRIDED),
             (LMS_IDS / "act-canvas-all-ids.csv", ACT)],
            True, ["by its column 'ID number'", "by its column 'sis_id'"],
            id="different columns, every row an id: keyed by it",
        ),
        pytest.param(
            [(MOODLE, RUBRIC), (CANVAS, RUBRIC)], False,
            ["moodle-responses.csv has no institutional id column", "--roster"],
            id="a moodle export without ID number beside a canvas one: a warning",
        ),
        pytest.param(
            [(LMS_IDS / "strided-moodle-all-ids.csv", STRIDED), (LMS_IDS / "act-canvas.csv", ACT)],
            False, ["act-canvas.csv's column 'sis_id' is empty in 1 of its 4 rows"],
            id="an id column partly empty: a warning",
        ),
    ],
)  # fmt: skip
def test_several_exports_are_keyed_by_an_id_all_give_or_warned_of(exports, keyed, said):
    from grader.student_keys import decide
    from grader.submissions.lms_export import export_ids

    keys = decide(export_ids(path, rubric) for path, rubric in exports)
    assert (keys.keyed if keys is not None else None) is keyed
    for text in said:
        assert text in " ".join(keys.notes)
    if keyed:
        (row,) = [
            entry
            for entry in load_export(LMS_IDS / "strided-moodle-all-ids.csv", STRIDED)
            if entry.student == "u1@uni.ex"
        ]
        assert keys.identify(row).student == "s001"
