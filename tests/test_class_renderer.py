"""`html_report.ClassRenderer` (a report's pages and results.json entries, with what students
share made once) writes exactly what `render_student` and `result_json` write, page for page
and entry for entry, whatever the class: drawn from the example class, drawn by hypothesis
with hostile text and numbers that are equal but written differently, with a memory too small
to keep anything; what it keeps stays within its bound; a chunk's outputs and a whole
report's files are the same with it."""

from __future__ import annotations

import io
import json
from dataclasses import replace

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from markupsafe import Markup
from report_files import drawn_class, files

from grader import html_report
from grader.html_report import (
    ChunkOutputs,
    ClassRenderer,
    Remembered,
    bytes_in,
    item_key,
    render_student,
    write_html_report,
)
from grader.lms_csv import grades_csv_row, grades_csv_writer, no_formula
from grader.model import VERDICTS, SubmissionResult
from grader.report import item_json, item_json_text, result_json, result_json_text


def whole_page(rubric, result) -> bytes:
    """A student's page rendered whole, as its file holds it."""
    return render_student(rubric, result).encode("utf-8")


def whole_entry(rubric, result, versions=None) -> str:
    """A student's results.json entry as it was written before `result_json_text`."""
    return json.dumps(result_json(rubric, result, versions), ensure_ascii=False)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_every_page_and_entry_of_a_drawn_class_is_the_one_rendered_whole(seed_class, seed):
    run, example = seed_class
    renderer = ClassRenderer(run.rubric)
    for result in drawn_class(example, seed, 200):
        assert renderer.page(result) == whole_page(run.rubric, result)
        assert renderer.result_json(result) == whole_entry(run.rubric, result)
    assert len(renderer._articles) < 10 * 200  # students shared articles


def test_a_renderer_that_can_keep_nothing_writes_the_same_pages(seed_class):
    run, example = seed_class
    renderer = ClassRenderer(run.rubric, items=16, articles=16, sections=16)
    for result in drawn_class(example, 4, 60):
        assert renderer.page(result) == whole_page(run.rubric, result)
        assert renderer.result_json(result) == whole_entry(run.rubric, result)
    assert (len(renderer._items), len(renderer._articles), len(renderer._sections)) == (0, 0, 0)


HOSTILE = [
    "2*w + b",
    "<script>alert(1)</script>",
    "\"quoted\" & 'single' </article>",
    "{{ result.student }} {% if 1 %}x{% endif %}",
    "é ∑ ½ \U0001f600",
    "<grader-sections-of-this-page>",  # the mark where ClassRenderer puts a page's sections
    "",
]
MARKS = [0.0, -0.0, 0, 1, 1.0, 0.5, 2.0, -1.0]


@st.composite
def item_variants(draw, item):
    """An item result of the example class with some of its fields drawn anew, from small
    pools, so that drawn students share some results and differ in others."""
    changes = {}
    if draw(st.booleans()):
        changes["verdict"] = draw(st.sampled_from(VERDICTS))
    if draw(st.booleans()):
        changes["marks"] = draw(st.sampled_from(MARKS))
    if draw(st.booleans()):
        changes["max_marks"] = draw(st.sampled_from(MARKS))
    if draw(st.booleans()):
        changes["answer"] = draw(st.sampled_from([None, *HOSTILE]))
    if draw(st.booleans()):
        changes["feedback"] = tuple(draw(st.lists(st.sampled_from(HOSTILE), max_size=2)))
    if draw(st.booleans()):
        changes["instructor_decision"] = draw(st.sampled_from([None, *HOSTILE[1:3]]))
    if draw(st.booleans()):
        changes["found"] = draw(st.sampled_from([None, *HOSTILE[1:3]]))
    if draw(st.booleans()):
        changes["error_caret"] = draw(st.sampled_from([None, "2*w +\n    ^", HOSTILE[1]]))
    if draw(st.booleans()):
        changes["reading_notes"] = tuple(draw(st.lists(st.sampled_from(HOSTILE), max_size=2)))
    if draw(st.booleans()):
        changes["error_position"] = draw(st.sampled_from([None, 0, 3, True]))
    if draw(st.booleans()):
        changes["interpretation"] = draw(st.sampled_from([None, *HOSTILE]))
    if draw(st.booleans()):
        changes["reading_mathml"] = None
    return replace(item, **changes)


@st.composite
def classes(draw, example):
    """A class whose students each take, for every item, one of a few drawn results of it
    (or none), under hostile ids and with hostile notes."""
    first = example.results[0]
    pools = {
        item_id: draw(st.lists(item_variants(item), min_size=1, max_size=3))
        for item_id, item in first.items.items()
    }
    students = []
    for number in range(draw(st.integers(1, 8))):
        items = {}
        for item_id, pool in pools.items():
            choice = draw(st.integers(-1, len(pool) - 1))
            if choice >= 0:
                items[item_id] = pool[choice]
        warnings = tuple(draw(st.lists(st.sampled_from(HOSTILE), max_size=1)))
        student = draw(st.sampled_from(HOSTILE[1:])) + str(number)
        students.append(SubmissionResult(student, f"{student}.yaml", items, warnings))
    return students


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_drawn_classes_with_hostile_text_are_rendered_as_whole_pages_are(seed_class, data):
    run, example = seed_class
    renderer = ClassRenderer(run.rubric)
    for result in data.draw(classes(example)):
        page = renderer.page(result)
        assert page == whole_page(run.rubric, result)
        assert b"<script>" not in page  # escaped, as on a page rendered whole
        assert renderer.result_json(result) == whole_entry(run.rubric, result)


def test_a_student_who_writes_the_sections_mark_gets_it_escaped(seed_class):
    run, example = seed_class
    mark = "<grader-sections-of-this-page>"
    result = replace(example.results[0], student=mark, warnings=(mark,))
    page = ClassRenderer(run.rubric).page(result)
    assert page == whole_page(run.rubric, result)
    assert mark.encode("utf-8") not in page


def test_a_head_the_mark_cannot_split_in_two_gives_the_page_rendered_whole(seed_class, monkeypatch):
    run, example = seed_class
    # a mark the head holds more than once: it cannot say where the sections go
    monkeypatch.setattr(html_report, "_SECTIONS_MARK", Markup("<meta "))
    result = example.results[0]
    assert ClassRenderer(run.rubric).page(result) == whole_page(run.rubric, result)


@pytest.mark.parametrize(
    "first, second",
    [(0.0, -0.0), (1, 1.0), (True, 1)],
    ids=["a zero and a negative zero", "an int and a float", "a bool and an int"],
)
def test_numbers_equal_but_written_differently_are_never_taken_for_each_other(
    seed_class, first, second
):
    run, example = seed_class
    result = example.results[0]
    item_id, item = next(iter(result.items.items()))
    renderer = ClassRenderer(run.rubric)
    for marks in (first, second):
        other = replace(result, items={**result.items, item_id: replace(item, marks=marks)})
        assert renderer.page(other) == whole_page(run.rubric, other)
        assert renderer.result_json(other) == whole_entry(run.rubric, other)
    assert item_key(replace(item, marks=first)) != item_key(replace(item, marks=second))


def test_an_item_entry_is_the_json_of_the_item():
    from grader.model import ItemResult

    item = ItemResult("a", "correct", 1.0, 2.0, ("é <b>",), answer="½", reading_notes=("x",))
    assert item_json_text(item) == json.dumps(item_json(item), ensure_ascii=False)


def test_a_result_entry_without_items_or_notes_is_the_json_of_the_result(seed_class):
    run, _ = seed_class
    empty = SubmissionResult("s", "s.yaml", {}, ())
    assert result_json_text(run.rubric, empty, {"s": "abc"}) == whole_entry(
        run.rubric, empty, {"s": "abc"}
    )


def test_what_is_remembered_stays_within_its_bound_least_recently_used_forgotten_first():
    kept = Remembered(6400)  # entries of 100 + 100 + 200 (_ENTRY_BYTES) bytes: sixteen
    for number in range(14):
        kept.keep(number, f"text {number}", 100, 100)
    assert (kept.held, len(kept)) == (5600, 14)
    assert kept.get(0) == "text 0"  # used: now the most recent
    for number in range(14, 18):  # two more than it can hold: the two least recent go
        kept.keep(number, f"text {number}", 100, 100)
    assert kept.held == 6400
    assert [kept.get(number) for number in (0, 1, 2, 3)] == ["text 0", None, None, "text 3"]
    kept.keep("large", "x", 1, 300)  # more than a sixteenth of the bound: never kept
    assert kept.get("large") is None
    assert kept.held <= kept.limit


def test_bytes_in_counts_every_text_of_a_key():
    assert bytes_in(("ab", ("cd", 1), None)) > bytes_in(("ab",)) + bytes_in("cd")


@pytest.mark.parametrize("seed", [5, 6])
def test_a_chunks_outputs_are_the_same_with_a_renderer_kept_for_every_chunk(seed_class, seed):
    run, example = seed_class
    results = drawn_class(example, seed, 90)
    versions = {results[3].student: "0" * 64}
    kept = ClassRenderer(run.rubric)
    made = []
    for renderer in (None, kept):
        chunks = []
        for start in range(0, len(results), 30):
            outputs = ChunkOutputs(run.rubric, versions, None, set(), renderer)
            for result in results[start : start + 30]:
                outputs.add(result, f"{result.student}.html")
            chunk = outputs.chunk([])
            chunks.append((chunk.csv, chunk.json))
        made.append(chunks)
    assert made[0] == made[1]
    expected = io.StringIO()
    writer = grades_csv_writer(expected)
    for result in results[:30]:
        writer.writerow(grades_csv_row(run.rubric, result, versions))
    assert made[1][0][0] == expected.getvalue().encode("utf-8")
    assert made[1][0][1] == ",\n  ".join(
        whole_entry(run.rubric, result, versions) for result in results[:30]
    ).encode("utf-8")


@pytest.mark.parametrize("cell", ["1.5", "-1", "=SUM(A1)", "+2", "@x", "\t3", "0"], ids=repr)
def test_a_grades_row_guards_every_cell_as_before(seed_class, cell):
    run, example = seed_class
    result = example.results[0]
    row = grades_csv_row(run.rubric, result, {result.student: cell})
    assert row[-1] == no_formula(cell)
    negative = replace(result, items={k: replace(v, marks=-1.0) for k, v in result.items.items()})
    *marks, waiting, _ = grades_csv_row(run.rubric, negative)[1:]
    assert all(cell.startswith("'-") for cell in marks) and waiting.isdigit()


def test_a_whole_report_in_this_process_writes_the_pages_rendered_whole(seed_class, tmp_path):
    run, example = seed_class
    results = drawn_class(example, 7, 40)
    write_html_report(run.rubric, results, [], tmp_path, processes=0)
    written = files(tmp_path / "students")
    pages = {name: data for name, data in written.items() if name.endswith(".html")}
    assert sorted(data.decode("utf-8") for data in pages.values()) == sorted(
        render_student(run.rubric, result) for result in results
    )
    entries = json.loads((tmp_path / "instructor" / "results.json").read_text("utf-8"))
    assert entries["results"] == [result_json(run.rubric, result) for result in results]


def test_an_item_result_met_again_as_the_same_object_under_another_id_is_that_items_own(
    seed_class,
):
    run, example = seed_class
    result = example.results[0]
    (first, item), (second, _) = list(result.items.items())[:2]
    renderer = ClassRenderer(run.rubric)
    assert renderer.page(result) == whole_page(run.rubric, result)
    # the first item's very object, now under the second's id too
    shared = replace(result, items={**result.items, second: item})
    assert renderer.page(shared) == whole_page(run.rubric, shared)
    assert renderer.result_json(shared) == whole_entry(run.rubric, shared)


def test_item_results_known_by_identity_stay_within_their_bound(seed_class):
    run, example = seed_class
    renderer = ClassRenderer(run.rubric)
    # every item result its own object, as a class read chunk by chunk gives them
    results = [
        replace(result, items={key: replace(item) for key, item in result.items.items()})
        for result in drawn_class(example, 7, 300)
    ]
    assert sum(len(result.items) for result in results) > html_report.SAME_OBJECTS_KEPT
    for result in results:
        assert renderer.page(result) == whole_page(run.rubric, result)
        assert 0 < len(renderer._same_objects) <= html_report.SAME_OBJECTS_KEPT
