"""A question's outputs are written student by student from an iterator, never holding the
class (issue 20): the overview accumulated one result at a time equals the class computed
whole, the writer reads a result only once the one before is written and keeps none, the
files streamed equal those built from the whole batch, the gradebook is read back a chunk at
a time, and an interrupted stream leaves the old file whole. The memory itself is measured by
`bench/class_of_1000.py`, not asserted here."""

from __future__ import annotations

import csv
import gc
import io
import json
import weakref
from collections import Counter
from dataclasses import replace
from pathlib import Path

import pytest
from report_files import drawn_class

from grader import answer_groups as grouping
from grader import gradebook, html_report
from grader.html_report import (
    MEMBERS_SHOWN,
    ClassOverview,
    page_names,
    render_index,
    render_student,
    summarise,
    summary_of,
    write_html_report,
)
from grader.lms_csv import grades_csv
from grader.model import Batch, FailureKind, FileFailure, SubmissionResult
from grader.report import FolderWriter, batch_json, part_marks
from grader.rubric import load_rubric

ROOT = Path(__file__).resolve().parent.parent
RUBRIC = ROOT / "rubrics" / "22-52-q4.yaml"


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_the_overview_accumulated_one_student_at_a_time_equals_the_class_computed_whole(
    seed_class, seed
):
    run, example = seed_class
    results = drawn_class(example, seed, 150)
    batch = Batch(results=results)
    pages = {student: f"pages/{name}" for student, name in page_names(batch).items()}
    overview = ClassOverview(run.rubric)
    for result in results:
        overview.add(result, pages[result.student])

    assert summary_of(overview.totals, overview.review) == summarise(batch)
    assert [
        (row.student, row.page, row.parts, row.total, row.review) for row in overview.students
    ] == [
        (
            r.student,
            pages[r.student],
            tuple(part_marks(run.rubric, r)),
            r.total,
            sum(1 for item in r.items.values() if item.needs_person),
        )
        for r in results
    ]
    # the review queue as `grader review` builds it from the whole class
    whole_queue = grouping.review_queue(grouping.answer_groups(batch))
    assert [
        (e.item_id, e.answer, e.reasons, [(m.student, m.page, m.found) for m in e.members])
        for e in overview.review_queue()
    ] == [
        (
            g.item_id,
            (g.shown.answer or "").strip(),
            g.shown.feedback[:1],
            [(s, pages[s], item.found) for s, item in g.members if item.needs_person],
        )
        for g in whole_queue
    ]
    # answer groups: every member counted, the first MEMBERS_SHOWN named, in class order
    members: dict[tuple[str, str], list[str]] = {}
    for result in results:
        for item_id, item in result.items.items():
            if item.answer_group is not None:
                members.setdefault((item_id, item.answer_group), []).append(result.student)
    accumulated = sorted(
        (item_id, group.text, group.count, [m.student for m in group.members])
        for item_id, groups in overview.answer_groups()
        for group in groups
    )
    whole = []
    for (item_id, _), students in members.items():
        # the group's first answer gives its text
        first = next(r.items[item_id] for r in results if r.student == students[0])
        text = (first.answer or "").strip()
        whole.append((item_id, text, len(students), students[:MEMBERS_SHOWN]))
    assert accumulated == sorted(whole)
    assert sum(count for _, _, count, _ in accumulated) == sum(
        1 for r in results for item in r.items.values() if item.answer_group is not None
    )
    # unreadable answers: every student of each, grouped as the review queue groups them
    unreadable: dict[tuple[str, str], list[str]] = {}
    for result in results:
        for item_id, item in result.items.items():
            if item.verdict == "invalid":
                unreadable.setdefault((item_id, item.same_answer_key), []).append(result.student)
    assert sorted(
        (g.item_id, [m.student for m in g.members]) for g in overview.unreadable_groups()
    ) == sorted((item_id, students) for (item_id, _), students in unreadable.items())
    # the most common mistakes, counted
    diagnoses = Counter(
        (item_id, item.diagnosis)
        for r in results
        for item_id, item in r.items.items()
        if item.diagnosis
    )
    assert [(m.item_id, m.count) for m in overview.mistakes()] == [
        (item_id, count) for (item_id, _), count in diagnoses.most_common()
    ]
    assert overview.notes == [
        {"student": r.student, "page": pages[r.student], "note": note}
        for r in results
        for note in r.warnings
    ]


def test_the_writer_reads_a_result_only_once_the_one_before_is_written_and_keeps_none(
    seed_class, tmp_path
):
    run, example = seed_class
    results = drawn_class(example, 7, 60)
    students = tmp_path / "students"
    alive: list[weakref.ref] = []
    pages_when_asked: list[int] = []

    def one_at_a_time():
        for number, result in enumerate(results):
            gc.collect()
            # the writer still holds the result before (its loop variable), none earlier
            assert [ref() is None for ref in alive[: max(0, number - 1)]] == [True] * max(
                0, number - 1
            )
            # every page before this one is written (to its temporary file) already
            pages_when_asked.append(sum(1 for p in students.glob(".student-*.html.*")))
            fresh = replace(result)  # a result of its own, referenced by nothing else here
            alive.append(weakref.ref(fresh))
            yield fresh

    # what is alive before the report (the rubric, sympy, the drawn results) is set aside from
    # the collector, so that each collection walks only what the report made: the same
    # findings, without walking the whole process sixty times (42 s of a CI run)
    gc.collect()
    gc.freeze()
    try:
        count, written = write_html_report(run.rubric, one_at_a_time(), [], tmp_path)
    finally:
        gc.unfreeze()
    assert pages_when_asked == list(range(len(results)))
    assert written == [r.student for r in results]
    assert count == len(results) + 4 + 3  # pages, two fonts twice, overview, CSV and JSON
    gc.collect()
    assert all(ref() is None for ref in alive)


@pytest.mark.parametrize(
    "spilled, merged",
    [(7, False), (7, True), (1, False), (40, True)],
    ids=[
        "rows set aside seven at a time as they are added",
        "rows set aside seven at a time as parts are merged",
        "every row set aside as it comes",
        "no row set aside",
    ],
)
def test_the_overview_keeps_a_bounded_number_of_its_students_rows_and_renders_the_same_page(
    seed_class, monkeypatch, spilled, merged
):
    # the table's rows beyond the last few go to a temporary file as they come, and the page
    # is given out in pieces around them: the same page, never one row a student in memory
    run, example = seed_class
    results = drawn_class(example, 11, 40)
    pages = {student: f"pages/{name}" for student, name in page_names(Batch(results)).items()}
    whole = ClassOverview.of(run.rubric, Batch(results=results), pages)
    expected = whole.render(example.failures)  # every row kept: fewer than SPILLED_ROWS
    monkeypatch.setattr(html_report, "SPILLED_ROWS", spilled)
    overview, most = ClassOverview(run.rubric), 0
    for start in range(0, len(results), 5):
        if merged:
            part = ClassOverview(run.rubric)
            for result in results[start : start + 5]:
                part.add(result, pages[result.student])
            overview.merge(part.part(set()))
        else:
            for result in results[start : start + 5]:
                overview.add(result, pages[result.student])
        most = max(most, len(overview._rows._recent))
    assert most <= max(spilled, 5) and (most < len(results) or spilled >= len(results))
    assert overview.students == whole.students
    pieces = list(overview.render_pieces(example.failures))
    assert "".join(pieces) == expected
    assert overview.render(example.failures) == expected  # read back again, the same
    assert max(map(len, pieces)) < len(expected)  # never the page whole in one piece


@pytest.mark.parametrize("size", [0, 1, 40])
def test_the_streamed_files_equal_those_built_from_the_whole_batch(seed_class, tmp_path, size):
    run, example = seed_class
    results = drawn_class(example, size, size)
    failures = [FileFailure("broken.yaml", "broken.yaml: not YAML, line 1")]
    batch = Batch(results=results, failures=failures)
    versions = {results[0].student: "0" * 64} if results else {}
    write_html_report(run.rubric, iter(results), failures, tmp_path, versions)

    instructor = tmp_path / "instructor"
    text = (instructor / "results.json").read_text("utf-8")
    assert json.loads(text) == batch_json(run.rubric, batch, versions)
    assert (instructor / "grades.csv").read_text("utf-8") == grades_csv(run.rubric, batch, versions)
    links = {s: f"../students/{name}" for s, name in page_names(batch).items()}
    assert (instructor / "index.html").read_text("utf-8") == render_index(run.rubric, batch, links)
    for student, name in page_names(batch).items():
        result = next(r for r in results if r.student == student)
        assert (tmp_path / "students" / name).read_text("utf-8") == render_student(
            run.rubric, result
        )
    assert not list(tmp_path.rglob(".*.*"))  # no temporary file left


def test_the_gradebook_is_read_back_a_chunk_at_a_time_in_source_order(
    seed_class, tmp_path, monkeypatch
):
    run, example = seed_class
    results = drawn_class(example, 11, 10)
    # sources in the reverse order of the students: the order read is the sources'
    results = [replace(r, source=f"s{99 - n}.yaml") for n, r in enumerate(results)]
    connection = gradebook.connect(tmp_path / "gradebook.sqlite")
    run_id = gradebook.start_run(connection, run.rubric, run.rubric.source_text)
    gradebook.store_submissions(connection, run_id, run.rubric.id, results)
    with connection:
        connection.execute(
            "UPDATE item_results SET feedback = 'not a list' WHERE student = ? AND item_id = ?",
            ("student-004", "a.params"),
        )
    monkeypatch.setattr(gradebook, "READ_CHUNK", 3)
    damaged: list[str] = []
    read = gradebook.iter_results(
        connection, gradebook.current_run(run_id, run.rubric), damaged.append
    )
    first = next(read)  # read before the rest is asked for
    assert first.student == "student-009"
    back = [first, *read]
    expected = [r for r in reversed(results) if r.student != "student-004"]
    assert back == [results_in_rubric_order(r, run.rubric) for r in expected]
    assert damaged == [
        "the gradebook's row for student 'student-004', item 'a.params' is damaged (its "
        "feedback is not valid JSON); the student is left out: grade their submission "
        "again to repair it"
    ]
    connection.close()


def results_in_rubric_order(result: SubmissionResult, rubric) -> SubmissionResult:
    """`result` with its items in the rubric's order, as the gradebook gives them back."""
    items = {i: result.items[i] for i in rubric.items if i in result.items}
    return replace(result, items=items)


def test_an_interrupted_stream_leaves_the_old_file_whole_and_no_temporary(tmp_path):
    (tmp_path / "results.json").write_text('{"old": true}\n', "utf-8")
    with pytest.raises(KeyboardInterrupt), FolderWriter(tmp_path) as writer:
        handle = writer.stream("results.json")
        handle.write('{"results": [\n  {"student": "a"}')
        raise KeyboardInterrupt
    assert (tmp_path / "results.json").read_text("utf-8") == '{"old": true}\n'
    assert [p.name for p in tmp_path.iterdir()] == ["results.json"]

    with FolderWriter(tmp_path) as writer:
        writer.stream("results.json").write('{"new": true}\n')
    assert (tmp_path / "results.json").read_text("utf-8") == '{"new": true}\n'
    assert [p.name for p in tmp_path.iterdir()] == ["results.json"]


@pytest.mark.parametrize(
    ("failures", "rows"),
    [
        pytest.param(
            [FileFailure("subs/carol.md", "subs/carol.md:1: is not valid UTF-8 (byte 4)")],
            [["carol", "", "", "", "", "", "", "5", ""]],
            id="a Latin-1 file: its student's row, awaiting review, no marks (had no row)",
        ),
        pytest.param(
            [FileFailure("subs/dave.tex", "subs/dave.tex: could not be read")],
            [["dave", "", "", "", "", "", "", "5", ""]],
            id="a transcript that could not be read: likewise",
        ),
        pytest.param(
            [FileFailure("subs/export.csv", "subs/export.csv: no student column")],
            [],
            id="an LMS export is no one student's: no row",
        ),
        pytest.param(
            [FileFailure("subs/zoe.md", "subs/zoe.md does not exist", FailureKind.MISSING)],
            [],
            id="a path that does not exist: no row",
        ),
        pytest.param(
            [
                FileFailure(
                    "subs/alice-2.md",
                    "submission subs/alice-2.md: it claims student 'alice', as a.md does; …",
                    FailureKind.CLAIMED,
                )
            ],
            [],
            id="a second file claiming a student: that student's row is theirs already",
        ),
    ],
)
def test_a_file_that_could_not_be_graded_has_a_row_awaiting_review(failures, rows):
    rubric = load_rubric(ROOT / "rubrics" / "linear-backward-q1.yaml")
    lines = list(csv.reader(io.StringIO(grades_csv(rubric, Batch(failures=failures)))))
    assert lines[1:] == rows
