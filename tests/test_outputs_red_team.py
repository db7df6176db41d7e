"""What the grader writes (pages, CSV, JSON, gradebook) and instructors' overrides, against the
red-team list of issue 12: items 6, 7, 9, 10, 11, 14, 16, 18, 24, 25, 26 and the extras
(--no-cache, sympy's version in the cache key, fsync before replace).

Tests find pages through the folders and the pages' own titles, never by a computed name, so
each one says what a reader of the folder would see.
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
import sqlite3
import stat
from html.parser import HTMLParser
from pathlib import Path

import pytest

from grader import gradebook, report
from grader.cli import main
from grader.html_report import MATH_FONT
from grader.rubric import load_rubric

ROOT = Path(__file__).resolve().parent.parent
RUBRIC_PATH = ROOT / "rubrics" / "22-52-q4.yaml"
RUBRIC_TEXT = RUBRIC_PATH.read_text(encoding="utf-8")
FORMULA_START = ("=", "+", "-", "@")


def submission(student: str, params: str = "PQD(PQC+1)") -> str:
    return (
        f"student: {json.dumps(student)}\nquestion: 22-52-Q4\n"
        f"answers:\n  a:\n    params: '{params}'\n"
    )


def write_class(folder: Path, students: dict[str, str]) -> Path:
    """Files named by the keys, each a submission for the student named by the value."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, student in students.items():
        (folder / name).write_text(submission(student), encoding="utf-8")
    return folder


def grade(*args: str) -> int:
    return main(["grade", *args, "--jobs", "1"])


def rubric_version(tmp_path: Path, name: str, edit=lambda text: text) -> Path:
    """A copy of the 22-52-Q4 rubric, edited; its self-tests left out (they name marks)."""
    path = tmp_path / name
    path.write_text(edit(RUBRIC_TEXT).split("\ntests:")[0] + "\n", encoding="utf-8")
    return path


def a_params_worth_one(text: str) -> str:
    edited = text.replace("  a:\n    marks: 5", "  a:\n    marks: 4", 1).replace(
        "marks: 2\n        answer: 'PQC", "marks: 1\n        answer: 'PQC", 1
    )
    assert edited != text
    return edited


def reworded_feedback(text: str) -> str:
    edited = text.replace("You counted P×P×C×D weights.", "You counted P·P·C·D weights.", 1)
    assert edited != text
    return edited


class Links(HTMLParser):
    def __init__(self, html: str):
        super().__init__(convert_charrefs=True)
        self.hrefs: list[str] = []
        self.title = ""
        self._in_title = False
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        self._in_title = tag == "title"
        if tag == "a":
            self.hrefs.append(dict(attrs).get("href") or "")

    def handle_endtag(self, tag):
        self._in_title = False

    def handle_data(self, data):
        if self._in_title:
            self.title += data


def student_pages(out: Path) -> dict[str, Path]:
    """Every student page under `out`, by the student its title names."""
    pages = {}
    for path in out.rglob("*.html"):
        title = Links(path.read_text(encoding="utf-8")).title
        if ": feedback for " in title:
            pages[title.split(": feedback for ", 1)[1]] = path
    return pages


def csv_rows(path: Path) -> list[list[str]]:
    return list(csv.reader(io.StringIO(path.read_text(encoding="utf-8"))))


def instructor(out: Path) -> Path:
    return out / "instructor"


# --- 6: an override that no longer fits the item --------------------------------------------


def test_6_an_override_above_the_items_new_marks_is_capped_and_sent_for_review(tmp_path, capsys):
    subs = tmp_path / "subs"
    subs.mkdir()
    (subs / "s.yaml").write_text(submission("s", "P*P*C*D + P*Q*D"), encoding="utf-8")
    out, db = tmp_path / "out", tmp_path / "out" / "gradebook.sqlite"
    assert grade(str(subs), "--rubric", str(RUBRIC_PATH), "--out", str(out)) == 0
    assert main(["override", "--db", str(db), "s", "a.params", "2", "--note", "fine"]) == 0
    edited = rubric_version(tmp_path, "edited.yaml", a_params_worth_one)
    assert grade(str(subs), "--rubric", str(edited), "--out", str(out)) == 0
    capsys.readouterr()

    page = student_pages(out)["s"].read_text(encoding="utf-8")
    assert "2/1" not in page
    # The student reads that the item awaits review; why (the cap) is the instructor's to read.
    assert 'data-verdict="awaiting_review"' in page and "now worth 1" not in page
    rows = csv_rows(next(out.rglob("grades.csv")))
    assert rows[1][1] == "1"  # part a: the capped mark, never more than the item is worth
    results = json.loads(next(out.rglob("results.json")).read_text(encoding="utf-8"))
    item = results["results"][0]["items"]["a.params"]
    assert (item["verdict"], item["marks"], item["max_marks"]) == ("needs_review", 1, 1)
    assert "now worth 1" in item["feedback"][0] and "capped at 1" in item["feedback"][0]
    assert main(["review", "--db", str(db)]) == 0
    assert "a.params (1): s" in capsys.readouterr().out


def test_6_an_override_that_still_fits_is_applied_as_before(tmp_path, capsys):
    subs = tmp_path / "subs"
    subs.mkdir()
    (subs / "s.yaml").write_text(submission("s", "P*P*C*D + P*Q*D"), encoding="utf-8")
    out, db = tmp_path / "out", tmp_path / "out" / "gradebook.sqlite"
    assert grade(str(subs), "--rubric", str(RUBRIC_PATH), "--out", str(out)) == 0
    assert main(["override", "--db", str(db), "s", "a.params", "1"]) == 0
    edited = rubric_version(tmp_path, "edited.yaml", a_params_worth_one)
    assert grade(str(subs), "--rubric", str(edited), "--out", str(out)) == 0
    page = student_pages(out)["s"].read_text(encoding="utf-8")
    assert "Marks set by an instructor: 1/1" in page and "capped" not in page


# --- 7: which rubric each CSV row was graded under ------------------------------------------


def test_7_every_csv_row_names_the_rubric_version_it_was_graded_under(tmp_path):
    subs = write_class(tmp_path / "subs", {"a.yaml": "alice", "b.yaml": "bob"})
    out = tmp_path / "out"
    assert grade(str(subs), "--rubric", str(RUBRIC_PATH), "--out", str(out)) == 0
    rows = csv_rows(next(out.rglob("grades.csv")))
    assert rows[0][-1] == "rubric sha256"
    sha = load_rubric(RUBRIC_PATH).sha256
    assert [row[-1] for row in rows[1:]] == [sha, sha]
    results = json.loads(next(out.rglob("results.json")).read_text(encoding="utf-8"))
    assert {r["rubric_sha256"] for r in results["results"]} == {sha}


def test_7_a_late_file_graded_into_the_same_folder_keeps_the_class_in_the_csv(tmp_path):
    out = tmp_path / "out"
    early = write_class(tmp_path / "early", {"a.yaml": "alice", "b.yaml": "bob"})
    late = write_class(tmp_path / "late", {"c.yaml": "carol"})
    assert grade(str(early), "--rubric", str(RUBRIC_PATH), "--out", str(out)) == 0
    assert grade(str(late), "--rubric", str(RUBRIC_PATH), "--out", str(out)) == 0
    rows = csv_rows(next(out.rglob("grades.csv")))
    assert sorted(row[0] for row in rows[1:]) == ["alice", "bob", "carol"]
    assert set(student_pages(out)) == {"alice", "bob", "carol"}
    exported = tmp_path / "marks.csv"
    assert main(["export", "--db", str(out / "gradebook.sqlite"), "--csv", str(exported)]) == 0
    assert exported.read_text(encoding="utf-8") == next(out.rglob("grades.csv")).read_text(
        encoding="utf-8"
    )


@pytest.fixture
def mixed_gradebook(tmp_path, capsys) -> tuple[Path, str, str]:
    """alice graded under the rubric, then bob under an edited version, into one folder."""
    out = tmp_path / "out"
    early = write_class(tmp_path / "early", {"a.yaml": "alice"})
    late = write_class(tmp_path / "late", {"b.yaml": "bob"})
    edited = rubric_version(tmp_path, "edited.yaml", reworded_feedback)
    assert grade(str(early), "--rubric", str(RUBRIC_PATH), "--out", str(out)) == 0
    code = grade(str(late), "--rubric", str(edited), "--out", str(out))
    err = capsys.readouterr().err
    assert code == 2, err
    assert "alice" in err and "--mixed-rubrics" in err and "stored" in err
    return out, load_rubric(RUBRIC_PATH).sha256, load_rubric(edited).sha256


def test_7_grade_refuses_to_write_outputs_that_mix_rubric_versions(mixed_gradebook):
    out, old, _ = mixed_gradebook
    rows = csv_rows(next(out.rglob("grades.csv")))
    assert [row[0] for row in rows[1:]] == ["alice"]  # the previous outputs, untouched
    assert rows[1][-1] == old
    with sqlite3.connect(out / "gradebook.sqlite") as connection:  # bob's grades are stored
        assert connection.execute("SELECT COUNT(*) FROM submissions").fetchone() == (2,)


@pytest.mark.parametrize("command", ["export", "report"])
def test_7_export_and_report_refuse_mixed_rubric_versions_unless_told(
    mixed_gradebook, tmp_path, capsys, command
):
    out, old, new = mixed_gradebook
    target = tmp_path / ("marks.csv" if command == "export" else "again")
    where = ["--csv", str(target)] if command == "export" else ["--out", str(target)]
    db = ["--db", str(out / "gradebook.sqlite")]
    assert main([command, *db, *where]) == 2
    err = capsys.readouterr().err
    assert "alice" in err and "--mixed-rubrics" in err and old[:12] in err
    assert not target.exists()
    assert main([command, *db, *where, "--mixed-rubrics"]) == 0
    assert "warning" in capsys.readouterr().err
    written = target if command == "export" else next(target.rglob("grades.csv"))
    assert {row[0]: row[-1] for row in csv_rows(written)[1:]} == {"alice": old, "bob": new}


# --- 9, 26: page names --------------------------------------------------------------------


def test_9_a_students_page_name_does_not_depend_on_the_other_files(tmp_path):
    alone = write_class(tmp_path / "alone", {"b.yaml": "x y"})
    both = write_class(tmp_path / "both", {"a.yaml": "x_y", "b.yaml": "x y"})
    assert grade(str(alone), "--rubric", str(RUBRIC_PATH), "--out", str(tmp_path / "o1")) == 0
    assert grade(str(both), "--rubric", str(RUBRIC_PATH), "--out", str(tmp_path / "o2")) == 0
    first, second = student_pages(tmp_path / "o1"), student_pages(tmp_path / "o2")
    assert first["x y"].name == second["x y"].name
    assert second["x_y"].name != second["x y"].name


def test_9_stale_pages_of_ours_are_removed_and_nothing_else(tmp_path):
    out = tmp_path / "out"
    first = write_class(tmp_path / "first", {"a.yaml": "alice", "b.yaml": "bob"})
    second = write_class(tmp_path / "second", {"c.yaml": "carol"})
    assert grade(str(first), "--rubric", str(RUBRIC_PATH), "--db", str(tmp_path / "1.sqlite")) == 0
    assert grade(str(second), "--rubric", str(RUBRIC_PATH), "--db", str(tmp_path / "2.sqlite")) == 0
    assert main(["report", "--db", str(tmp_path / "1.sqlite"), "--out", str(out)]) == 0
    pages = out / "students"
    old = student_pages(out)
    assert set(old) == {"alice", "bob"}
    mine = {
        "notes.html": "<p>my notes</p>",
        "keep.txt": "keep",
        old["alice"].name.replace(".html", ".txt"): "keep",
        re.sub(r"-[0-9a-f]+\.html", "-0123456789.html", old["alice"].name): "<p>mine</p>",
    }
    for name, text in mine.items():
        (pages / name).write_text(text, encoding="utf-8")
    assert main(["report", "--db", str(tmp_path / "2.sqlite"), "--out", str(out)]) == 0
    assert set(student_pages(out)) == {"carol"}
    assert {p.name for p in pages.iterdir()} == set(mine) | {
        student_pages(out)["carol"].name,
        "fonts",  # the math font the pages load
    }
    for name, text in mine.items():
        assert (pages / name).read_text(encoding="utf-8") == text


HOSTILE_IDS = ["-rf", "--", "-", "-.x", "_-y", "..", "x;=cmd|' /C calc'!A0", "José", "\u200b"]


def test_9_26_page_names_are_safe_distinct_and_never_start_with_a_dash(tmp_path):
    subs = write_class(
        tmp_path / "subs", {f"s{n}.yaml": student for n, student in enumerate(HOSTILE_IDS)}
    )
    out = tmp_path / "out"
    assert grade(str(subs), "--rubric", str(RUBRIC_PATH), "--out", str(out)) == 0
    pages = student_pages(out)
    assert set(pages) == set(HOSTILE_IDS)
    names = [page.name for page in pages.values()]
    assert len({name.casefold() for name in names}) == len(names)
    for name in names:
        assert re.fullmatch(r"[A-Za-z0-9_][A-Za-z0-9._-]*\.html", name), name


# --- 10: student pages can be published alone ---------------------------------------------


def test_10_student_pages_are_alone_in_their_folder_and_link_nowhere(tmp_path):
    subs = write_class(tmp_path / "subs", {"a.yaml": "alice", "b.yaml": "bob"})
    out = tmp_path / "out"
    assert grade(str(subs), "--rubric", str(RUBRIC_PATH), "--out", str(out)) == 0
    students = out / "students"
    # The pages, and the math font they load with its licence: nothing else.
    assert {p.name for p in (students / "fonts").iterdir()} == {MATH_FONT, "OFL.txt"}
    assert {p.suffix for p in students.glob("*.*")} == {".html"}
    assert {p.name for p in students.iterdir()} - {p.name for p in students.glob("*.html")} == {
        "fonts"
    }
    assert len(list(students.glob("*.html"))) == 2
    for page in students.glob("*.html"):
        html = page.read_text(encoding="utf-8")
        assert all(href.startswith("#") for href in Links(html).hrefs), page
        assert "index.html" not in html
    assert {p.name for p in instructor(out).iterdir()} == {
        "index.html",
        "grades.csv",
        "results.json",
        "fonts",
    }
    links = Links((instructor(out) / "index.html").read_text(encoding="utf-8")).hrefs
    targets = {
        (instructor(out) / href.split("#")[0]).resolve() for href in links if href[:1] != "#"
    }
    assert targets == {p.resolve() for p in students.glob("*.html")}


# --- 11: no live formula in the CSV, whatever the delimiter ---------------------------------


# (An id with a tab or a line break is refused where it is read: tests/test_hostile_inputs.py.)
CSV_IDS = [
    "x;=cmd|' /C calc'!A0",
    "x,=1+1",
    "x =1+1",
    "a b; +1",
    '=HYPERLINK("http://x")',
    "@SUM(A1)",
    "-2+3",
    'x";=1',
    "x|=1",
]


@pytest.mark.parametrize("separator", [",", ";", "\t", "|", " ", "\n"])
def test_11_no_cell_of_the_csv_starts_a_formula_whatever_splits_it(tmp_path, separator):
    subs = write_class(
        tmp_path / "subs", {f"s{n}.yaml": student for n, student in enumerate(CSV_IDS)}
    )
    out = tmp_path / "out"
    assert grade(str(subs), "--rubric", str(RUBRIC_PATH), "--out", str(out)) == 0
    text = next(out.rglob("grades.csv")).read_text(encoding="utf-8")
    for line in re.split(r"[\r\n]", text):
        for cell in line.split(separator):
            assert not cell.strip().lstrip('"').lstrip().startswith(FORMULA_START), (cell, line)
    rows = csv_rows(next(out.rglob("grades.csv")))
    quoted = io.StringIO()
    csv.writer(quoted, quoting=csv.QUOTE_ALL, lineterminator="\n").writerows(rows)
    assert text == quoted.getvalue()  # every field quoted
    shown = {row[0] for row in rows[1:]}
    assert len(shown) == len(CSV_IDS)
    for student in CSV_IDS:  # still readable: only an apostrophe added before a formula
        assert student.replace("'", "") in {s.replace("'", "") for s in shown}


# --- 14: control bytes from file names never reach the terminal -----------------------------


def test_14_control_bytes_in_a_file_name_are_escaped_on_stderr(tmp_path, capsys):
    subs = write_class(tmp_path / "subs", {"good.yaml": "good"})
    (subs / "t\x1b]0;pwned\x07\x1b[2J\r.yaml").write_text("student: [\n", encoding="utf-8")
    assert grade(str(subs), "--rubric", str(RUBRIC_PATH)) == 0
    err = capsys.readouterr().err
    assert "is not valid YAML" in err
    for byte in ("\x1b", "\x07", "\r"):
        assert byte not in err
    assert "t?]0;pwned??[2J?.yaml" in err


def test_14_there_is_one_helper_for_printable_text():
    from grader import cli

    assert not hasattr(cli, "_printable") and not hasattr(report, "_printable")
    assert report.printable("a\x1bb\nc") == "a?b?c"
    assert report.printable("a\x1bb\nc", keep_newlines=True) == "a?b\nc"


# --- 16: a damaged gradebook row ---------------------------------------------------------------


@pytest.fixture
def damaged(tmp_path, capsys) -> Path:
    subs = write_class(tmp_path / "subs", {"a.yaml": "alice", "b.yaml": "bob"})
    db = tmp_path / "gradebook.sqlite"
    assert grade(str(subs), "--rubric", str(RUBRIC_PATH), "--db", str(db)) == 0
    with sqlite3.connect(db) as connection:
        connection.execute(
            "UPDATE item_results SET feedback = '[\"cut' WHERE student = 'bob'"
            " AND item_id = 'a.params'"
        )
        connection.execute("UPDATE check_cache SET result = '{\"item_id\": ' WHERE 1")
    capsys.readouterr()
    return db


@pytest.mark.parametrize("command", ["report", "review", "export"])
def test_16_a_damaged_row_is_skipped_with_its_key(damaged, tmp_path, capsys, command):
    where = {
        "report": ["--out", str(tmp_path / "again")],
        "review": [],
        "export": ["--csv", str(tmp_path / "marks.csv")],
    }[command]
    assert main([command, "--db", str(damaged), *where]) == 0
    err = capsys.readouterr().err
    assert "Traceback" not in err
    assert "'bob'" in err and "'a.params'" in err and "damaged" in err
    if command == "export":
        assert [row[0] for row in csv_rows(tmp_path / "marks.csv")[1:]] == ["alice"]


def test_16_the_review_app_warns_of_a_damaged_row_and_says_why_its_page_is_missing(damaged):
    from grader.review_app import create_app

    client = create_app(damaged, "Ada", token="t").test_client()
    client.get("/students?token=t")
    listed = client.get("/students").get_data(as_text=True)
    assert "Warning:" in listed and "bob" in listed and "a.params" in listed
    assert ">alice<" in listed and ">bob<" not in listed  # left out of the class
    bob = next(page for student, page in _pages(damaged).items() if student == "bob")
    missing = client.get(f"/student/{bob}")
    assert missing.status_code == 404
    text = missing.get_data(as_text=True)
    assert "is damaged" in text and "grade their submission again to repair it" in text


def _pages(db: Path) -> dict[str, str]:
    from grader.html_report import student_pages

    with sqlite3.connect(db) as connection:
        rows = connection.execute("SELECT student FROM submissions ORDER BY source").fetchall()
    return student_pages(student for (student,) in rows)


def test_16_grade_checks_again_an_answer_whose_cached_check_is_damaged(damaged, capsys):
    subs = damaged.parent / "subs"
    assert grade(str(subs), "--rubric", str(RUBRIC_PATH), "--db", str(damaged)) == 0
    captured = capsys.readouterr()
    assert "damaged" in captured.err and "a.params" in captured.err
    assert "PQD(PQC+1)" in captured.err
    with sqlite3.connect(damaged) as connection:
        verdicts = connection.execute(
            "SELECT student, verdict FROM item_results WHERE item_id = 'a.params'"
        ).fetchall()
        cached = connection.execute("SELECT result FROM check_cache").fetchall()
    assert sorted(verdicts) == [("alice", "correct"), ("bob", "correct")]
    assert all(json.loads(result)["verdict"] for (result,) in cached)  # repaired


# --- 18: outputs that cannot be written, noticed before grading ------------------------------


@pytest.fixture
def unwritable(tmp_path) -> Path:
    """A folder in which nothing can be created (as root, a path under /proc)."""
    if os.geteuid() == 0:
        yield Path("/proc") / f"grader-{os.getpid()}-{tmp_path.name}"
        return
    folder = tmp_path / "read-only"
    folder.mkdir()
    folder.chmod(0o555)
    yield folder / "inside"
    folder.chmod(0o755)


@pytest.mark.parametrize("option", ["--json", "--out"])
def test_18_an_unwritable_output_is_refused_before_grading(tmp_path, capsys, unwritable, option):
    subs = write_class(tmp_path / "subs", {"a.yaml": "alice"})
    db = tmp_path / "gradebook.sqlite"
    target = unwritable / "results.json" if option == "--json" else unwritable / "out"
    code = grade(str(subs), "--rubric", str(RUBRIC_PATH), "--db", str(db), option, str(target))
    captured = capsys.readouterr()
    assert code == 1, captured.err
    assert captured.out == ""  # no table: nothing was graded
    assert str(unwritable) in captured.err and "cannot write" in captured.err
    assert not re.search(r"/\.[^/\s]+\.[a-z0-9_]{8}\b", captured.err), captured.err
    if db.exists():
        with sqlite3.connect(db) as connection:
            assert connection.execute("SELECT COUNT(*) FROM submissions").fetchone() == (0,)


def test_18_writing_a_file_over_a_folder_names_the_folder(tmp_path, capsys):
    subs = write_class(tmp_path / "subs", {"a.yaml": "alice"})
    db = tmp_path / "gradebook.sqlite"
    assert grade(str(subs), "--rubric", str(RUBRIC_PATH), "--db", str(db)) == 0
    folder = tmp_path / "folder"
    folder.mkdir()
    capsys.readouterr()
    assert main(["export", "--db", str(db), "--csv", str(folder)]) == 1
    err = capsys.readouterr().err
    assert f"cannot write {folder}: it is a folder" in err, err
    assert not list(folder.iterdir())
    code = grade(str(subs), "--rubric", str(RUBRIC_PATH), "--db", str(db), "--json", str(folder))
    assert code == 1
    assert f"cannot write {folder}: it is a folder" in capsys.readouterr().err


# --- 24: temporary files left by a kill ----------------------------------------------------


def test_24_stale_temporary_files_of_ours_are_removed_at_the_next_write(tmp_path):
    subs = write_class(tmp_path / "subs", {"a.yaml": "alice"})
    out = tmp_path / "out"
    assert grade(str(subs), "--rubric", str(RUBRIC_PATH), "--out", str(out)) == 0
    page = student_pages(out)["alice"]
    ours = [
        instructor(out) / ".index.html.k2x9_q0a",
        instructor(out) / ".grades.csv.abcdefgh",
        page.parent / f".{page.name}.zz0_1234",
        page.parent / ".gone-0123456789.html.qqqqqqqq",
        tmp_path / ".marks.csv.a1b2c3d4",
    ]
    others = [
        instructor(out) / ".notes.txt.abcdefgh",
        instructor(out) / ".index.html.bak",
        page.parent / ".index.html.TOOLONG99",
    ]
    for path in ours + others:
        path.write_text("", encoding="utf-8")
    assert grade(str(subs), "--rubric", str(RUBRIC_PATH), "--out", str(out)) == 0
    exported = tmp_path / "marks.csv"
    assert main(["export", "--db", str(out / "gradebook.sqlite"), "--csv", str(exported)]) == 0
    assert [p for p in ours if p.exists()] == []
    assert all(p.exists() for p in others)


def test_24_a_write_syncs_the_file_before_it_replaces_the_old_one(tmp_path, monkeypatch):
    events = []
    real_fsync, real_replace = os.fsync, os.replace

    def fsync(fd):
        events.append(("fsync", os.readlink(f"/proc/self/fd/{fd}")))
        real_fsync(fd)

    def replace(source, target):
        events.append(("replace", str(source)))
        real_replace(source, target)

    monkeypatch.setattr(os, "fsync", fsync)
    monkeypatch.setattr(os, "replace", replace)
    report.write_atomically(tmp_path / "f.txt", "text")
    assert (tmp_path / "f.txt").read_text(encoding="utf-8") == "text"
    replaced = next(i for i, (what, _) in enumerate(events) if what == "replace")
    assert ("fsync", events[replaced][1]) in events[:replaced]


# --- 25: the gradebook is private ----------------------------------------------------------


def test_25_the_gradebook_and_its_wal_and_shm_are_readable_by_their_owner_only(tmp_path):
    previous = os.umask(0o022)
    try:
        db = tmp_path / "gradebook.sqlite"
        connection = gradebook.connect(db)
        try:
            gradebook.start_run(connection, load_rubric(RUBRIC_PATH), RUBRIC_TEXT)
            files = [db, Path(f"{db}-wal"), Path(f"{db}-shm")]
            assert all(path.exists() for path in files)
            for path in files:
                assert stat.S_IMODE(path.stat().st_mode) == 0o600, path
        finally:
            connection.close()
    finally:
        os.umask(previous)


# --- extras: --no-cache, the cache key ---------------------------------------------------------


def test_no_cache_checks_every_answer_again(tmp_path, capsys):
    subs = write_class(tmp_path / "subs", {"a.yaml": "alice"})
    db = tmp_path / "gradebook.sqlite"
    assert grade(str(subs), "--rubric", str(RUBRIC_PATH), "--db", str(db)) == 0
    with sqlite3.connect(db) as connection:  # a cached check that says something else
        (result,) = connection.execute(
            "SELECT result FROM check_cache WHERE item_id = 'a.params'"
        ).fetchone()
        forged = {**json.loads(result), "verdict": "incorrect", "marks": 0.0}
        connection.execute("UPDATE check_cache SET result = ?", (json.dumps(forged),))

    def verdict() -> str:
        with sqlite3.connect(db) as connection:
            return connection.execute(
                "SELECT verdict FROM item_results WHERE item_id = 'a.params'"
            ).fetchone()[0]

    assert grade(str(subs), "--rubric", str(RUBRIC_PATH), "--db", str(db)) == 0
    assert verdict() == "incorrect"  # the cache is used...
    assert grade(str(subs), "--rubric", str(RUBRIC_PATH), "--db", str(db), "--no-cache") == 0
    assert verdict() == "correct"  # ...and --no-cache checks again


def test_the_cache_key_changes_with_sympys_version(monkeypatch):
    import sympy

    before = gradebook.code_fingerprint()
    monkeypatch.setattr(sympy, "__version__", sympy.__version__ + ".other")
    assert gradebook.code_fingerprint() != before
