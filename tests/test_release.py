"""`grader release --to DIR`: the students' pages only, each holding its own student's data and
no one else's, a student with answers awaiting review withheld unless asked, and a manifest
for the upload (issue 19, part 2)."""

from __future__ import annotations

import csv
import html
import json
import re
from pathlib import Path

import pytest

from grader.cli import main
from grader.report import page_name

ROOT = Path(__file__).resolve().parent.parent
EXAM = ROOT / "exams" / "midterm.yaml"
ROSTER = ROOT / "submissions" / "exam-midterm" / "roster.csv"
STUDENTS = ("model-answer", "seed-student-1", "seed-student-2", "typical-mistakes")
PENDING = "seed-student-2"


@pytest.fixture(scope="module")
def gradebook(tmp_path_factory) -> Path:
    base = tmp_path_factory.mktemp("release")
    assert main(["grade", "--exam", str(EXAM), "--out", str(base / "out")]) == 0
    return base / "out" / "gradebook.sqlite"


@pytest.fixture(scope="module")
def answers(gradebook) -> dict[str, set[str]]:
    """Every answer each student wrote, as written, from the gradebook's results."""
    instructor = gradebook.parent / "instructor"
    written: dict[str, set[str]] = {student: set() for student in STUDENTS}
    for question in ("22-52-Q4", "DW-SEP-Q1"):
        data = json.loads((instructor / question / "results.json").read_text("utf-8"))
        for result in data["results"]:
            for item in result["items"].values():
                if item["answer"] and item["answer"].strip():
                    written[result["student"]].add(item["answer"].strip())
    return written


def release(gradebook: Path, to: Path, capsys, *extra: str) -> str:
    code = main(["release", "--db", str(gradebook), "--to", str(to), *extra])
    err = capsys.readouterr().err
    assert code == 0, err
    return err


def roster_rows() -> list[dict[str, str]]:
    return list(csv.DictReader(ROSTER.open(encoding="utf-8")))


def assert_only_own_data(folder: Path, answers: dict[str, set[str]]) -> None:
    """Scan every released page for any other student's id, name, email and LMS ids; every
    answer shown as written on it must be its student's own."""
    people = {row["id"]: row for row in roster_rows()}
    for page in folder.glob("*.html"):
        raw = page.read_text(encoding="utf-8")
        text = html.unescape(raw)
        (owner,) = [s for s in STUDENTS if page.name == page_name(s)]
        assert f"<strong>{owner}</strong>" in text
        for other in STUDENTS:
            if other == owner:
                continue
            assert other not in text, f"{page.name} names {other}"
            for column in ("name", "email", "username", "sis_id", "canvas_id"):
                assert people[other][column] not in text, f"{page.name} holds {other}'s {column}"
        # every answer shown as written is the owner's
        shown = re.findall(r'<span class="answer">(.*?)</span>', raw, flags=re.S)
        assert shown and {html.unescape(a).strip() for a in shown} <= answers[owner]
        # a page links to no other page: only to places in itself
        assert re.findall(r'href="([^"#][^"]*)"', text) == []


def test_release_writes_the_students_pages_only_and_withholds_pending_ones(
    gradebook, answers, tmp_path, capsys
):
    to = tmp_path / "release"
    err = release(gradebook, to, capsys, "--roster", str(ROSTER))
    released = [s for s in STUDENTS if s != PENDING]
    assert sorted(p.name for p in to.iterdir()) == sorted(
        [*(page_name(s) for s in released), "fonts", "manifest.csv", "manifest.json"]
    )
    assert sorted(p.name for p in (to / "fonts").iterdir()) == ["OFL.txt", "STIXMath-Regular.woff2"]
    assert "withheld 1 student with answers awaiting review: seed-student-2" in err
    assert_only_own_data(to, answers)
    with (to / "manifest.csv").open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    people = {row["id"]: row for row in roster_rows()}
    assert rows == [
        {
            "student": student,
            "file": page_name(student),
            "status": "final",
            **{
                c: people[student][c]
                for c in ("name", "email", "username", "sis_id", "canvas_id", "section")
            },
        }
        for student in sorted(released, key=lambda s: (s != "model-answer", s))
    ]
    manifest = json.loads((to / "manifest.json").read_text("utf-8"))
    assert manifest["withheld"] == [
        {
            "student": PENDING,
            "awaiting_review": [
                "22-52-Q4 d.formula",
                "22-52-Q4 e.explanation",
                "DW-SEP-Q1 e.explanation",
            ],
        }
    ]


def test_release_with_pending_shows_them_as_awaiting_review(gradebook, answers, tmp_path, capsys):
    to = tmp_path / "release"
    release(gradebook, to, capsys, "--include-pending")
    assert sorted(p.name for p in to.glob("*.html")) == sorted(page_name(s) for s in STUDENTS)
    assert_only_own_data(to, answers)
    page = (to / page_name(PENDING)).read_text(encoding="utf-8")
    assert "3 answers awaiting review" in page
    assert page.count('so far <span class="verdict needs_review">awaiting review</span>') == 2
    with (to / "manifest.csv").open(encoding="utf-8") as handle:
        status = {row["student"]: row["status"] for row in csv.DictReader(handle)}
    assert status[PENDING] == "3 awaiting review"
    # released again without --include-pending: the earlier page of a withheld student goes
    release(gradebook, to, capsys)
    assert not (to / page_name(PENDING)).exists()
    assert (to / page_name("seed-student-1")).exists()


def test_release_of_one_question_uses_its_student_pages(gradebook, answers, tmp_path, capsys):
    to = tmp_path / "dw"
    release(gradebook, to, capsys, "--question", "DW-SEP-Q1")
    assert sorted(p.name for p in to.glob("*.html")) == sorted(
        page_name(s) for s in STUDENTS if s != PENDING
    )
    page = (to / page_name("seed-student-1")).read_text(encoding="utf-8")
    assert "DW-SEP-Q1: Parameters of a standard and a depthwise-separable convolution" in page
    assert "22-52-Q4" not in page
    assert_only_own_data(to, answers)


def test_a_released_page_is_the_same_whoever_else_is_in_the_class(gradebook, tmp_path, capsys):
    """Each student graded alone gives, byte for byte, the page released for the class: nothing
    on a page comes from another student."""
    to = tmp_path / "class"
    release(gradebook, to, capsys, "--include-pending")
    for student in STUDENTS:
        exam = tmp_path / f"{student}.yaml"
        exam.write_text(
            EXAM.read_text(encoding="utf-8").split("questions:")[0]  # its id and title
            + "questions:\n"
            f"  - rubric: {ROOT}/rubrics/22-52-q4.yaml\n"
            f"    submissions: [{ROOT}/submissions/22-52-q4/{student}.yaml]\n"
            f"  - rubric: {ROOT}/rubrics/dw-sep-q1.yaml\n"
            "    weight: 2\n"
            f"    submissions: [{ROOT}/submissions/exam-midterm/dw-sep-q1/{student}.yaml]\n",
            encoding="utf-8",
        )
        alone = tmp_path / student
        assert main(["grade", "--exam", str(exam), "--db", str(alone / "g.sqlite")]) == 0
        release(alone / "g.sqlite", alone / "release", capsys, "--include-pending")
        assert (alone / "release" / page_name(student)).read_bytes() == (
            to / page_name(student)
        ).read_bytes()


def test_one_questions_released_pages_are_its_reports_pages(tmp_path, capsys):
    """A question's released page is its student page as `grader grade` writes it, byte for
    byte (both rendered by `html_report.ClassRenderer`)."""
    out, to = tmp_path / "out", tmp_path / "release"
    rubric = ROOT / "rubrics" / "22-52-q4.yaml"
    assert main(["grade", str(ROOT / "submissions" / "22-52-q4"), "--rubric", str(rubric),
                 "--out", str(out)]) == 0  # fmt: skip
    release(out / "gradebook.sqlite", to, capsys, "--include-pending")
    pages = sorted(path.name for path in (out / "students").glob("*.html"))
    assert pages and pages == sorted(path.name for path in to.glob("*.html"))
    for name in pages:
        assert (to / name).read_bytes() == (out / "students" / name).read_bytes()


def test_a_release_scans_its_folder_a_fixed_number_of_times(
    gradebook, tmp_path, capsys, monkeypatch
):
    """The folder is locked and tidied of a killed run's temporary files once for the pages
    (`report.FolderWriter`), not once for each page: each scan reads the whole folder, so a
    release of 10,000 pages took a minute, most of it scanning (n^2 entries read)."""
    from grader import report

    scans = []
    tidy = report._remove_stale_temporaries
    monkeypatch.setattr(
        report, "_remove_stale_temporaries", lambda *a, **k: scans.append(a[0]) or tidy(*a, **k)
    )
    counted = {}
    for extra in ((), ("--include-pending",)):  # three pages, then four, each a new folder
        scans.clear()
        release(gradebook, tmp_path / str(len(counted)), capsys, *extra)
        counted[extra] = len(scans)
    assert counted[()] == counted[("--include-pending",)]  # the same for three pages as four


def test_a_release_that_fails_leaves_the_last_one_whole(gradebook, tmp_path, capsys, monkeypatch):
    """Pages are put in place together once all are written: a release stopped half-way (a
    page that cannot be rendered, Ctrl-C) leaves the pages of the last release as they were,
    and no temporary file."""
    from grader import release as releasing

    to = tmp_path / "whole"
    release(gradebook, to, capsys)
    before = {path.name: path.read_bytes() for path in to.iterdir() if path.is_file()}
    rendered = []
    render = releasing.render_exam_student

    def fails_on_the_last(*args):
        rendered.append(args)
        if len(rendered) == len(STUDENTS):
            raise OSError(28, "No space left on device")
        return render(*args)

    monkeypatch.setattr(releasing, "render_exam_student", fails_on_the_last)
    assert main(["release", "--db", str(gradebook), "--to", str(to), "--include-pending"]) != 0
    assert "No space left on device" in capsys.readouterr().err
    assert len(rendered) == len(STUDENTS)
    after = {path.name: path.read_bytes() for path in to.iterdir() if path.is_file()}
    assert after == before


def test_a_release_reads_its_students_a_chunk_at_a_time(
    gradebook, tmp_path, capsys, monkeypatch, chunks_read
):
    """The students' results are read from the gradebook a chunk at a time
    (`exam_report.EXAM_CHUNK`), as the exam's report reads them, never a class whole; the
    same pages and manifests whatever the chunk."""
    from grader import exam_report

    asked = chunks_read
    release(gradebook, tmp_path / "whole", capsys, "--include-pending")
    assert max(asked) == len(STUDENTS)
    asked.clear()
    monkeypatch.setattr(exam_report, "EXAM_CHUNK", 1)
    release(gradebook, tmp_path / "ones", capsys, "--include-pending")
    assert asked and max(asked) == 1
    for path in (tmp_path / "whole").rglob("*"):
        if path.is_file():
            assert (
                path.read_bytes()
                == (tmp_path / "ones" / path.relative_to(tmp_path / "whole")).read_bytes()
            )
