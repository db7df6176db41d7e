"""The report's serial tail, shorter (branch `tail`): what the main process does once the page
children have finished. The overview's student table is made by `html_report.student_rows`,
the same text the template's loop made, a row rendered once with marks in place of its texts
and each student's texts put in, escaped; a `FolderWriter`'s files are synced by `sync -f`
programs started while they are still being added (`sync_meanwhile`, from `PageProcesses`),
so that the last sync has little to write, none counted after one that failed; and they are
renamed into place by their names in the folder the writer holds."""

from __future__ import annotations

import multiprocessing

import pytest
from report_files import PAGE_BYTES, Syncs, drawn_class, temporaries, write_pages

from grader import html_report, report
from grader.html_report import StudentRow, _environment, student_rows
from grader.model import Batch
from grader.page_processes import PageProcesses
from grader.report import FolderWriter, page_name

# index.html's student table as the template's own loop rendered it before `student_rows`
# (copied from grader/templates/index.html as it was): the rows must stay these, byte for byte.
LOOP = """\
  <tbody>
  {% for row in students %}
  <tr><td><a href="{{ row.page }}">{{ row.student }}</a></td>
    {% for value in row.parts %}<td class="num">{{ marks(value) }}</td>{% endfor %}
    <td class="num">{{ marks(row.total) }}</td><td class="num">{{ row.review }}</td></tr>
  {% endfor %}
  </tbody>"""


def rows_by_the_loop(rows: list[StudentRow]) -> str:
    return _environment().from_string(LOOP).render(students=rows)


def rows_now(rows: list[StudentRow]) -> str:
    return "  <tbody>\n" + str(student_rows(rows)) + "  </tbody>"


ROWS = [
    StudentRow("s1", "../students/s1-0123456789.html", (1.0, 0.5, 2.0), 3.5, 0),
    StudentRow("<script>alert(1)</script>", "../students/script-1.html", (0.0,), 0.0, 2),
    StudentRow("a \"quoted\" & 'odd' id", "../students/a-b.html?x=1&y=2", (1, 2), 3, 1),
    StudentRow("minus zero", "p.html", (-0.0, 0.0), -0.0, 0),  # "-0", not "0"
    StudentRow("true", "p.html", (True, 1.0, 1), 1e21, 0),  # 1, 1, 1 and 1e+21
    StudentRow("no parts", "p.html", (), 0.25, 3),
    StudentRow("é ü 漢字", "../students/e-u-0123456789.html", (1.25, 2.125), 3.375, 0),
    StudentRow("s1", "../students/s1-0123456789.html", (1.0, 0.5, 2.0), 3.5, 0),  # again
]


@pytest.mark.parametrize("index", range(len(ROWS)), ids=[row.student for row in ROWS])
def test_a_row_is_the_one_the_templates_loop_made(index):
    assert rows_now([ROWS[index]]) == rows_by_the_loop([ROWS[index]])


def test_rows_of_every_shape_together_are_those_the_loop_made():
    assert rows_now(ROWS) == rows_by_the_loop(ROWS)


def test_a_student_who_writes_a_rows_mark_gets_it_escaped():
    marked = StudentRow("<grader-text-1-of-this-row>", "<grader-text-0-of-this-row>", (1,), 1, 0)
    made = rows_now([marked, ROWS[0]])
    assert made == rows_by_the_loop([marked, ROWS[0]])
    assert "&lt;grader-text-1-of-this-row&gt;" in made and "<grader-text-" not in made


def test_rows_are_rendered_by_the_template_when_its_marks_are_not_found(monkeypatch):
    monkeypatch.setattr(html_report, "_row_frame", lambda row_of, parts: None)
    assert rows_now(ROWS) == rows_by_the_loop(ROWS)


def test_the_overview_is_the_one_rendered_with_the_templates_loop(seed_class, monkeypatch):
    run, example = seed_class
    results = drawn_class(example, seed=7, size=40, ids=[f"<i>{n}</i> & co" for n in range(40)])
    pages = {result.student: f"../students/{page_name(result.student)}" for result in results}
    overview = html_report.ClassOverview.of(run.rubric, Batch(results=results), pages)
    made = overview.render([])
    monkeypatch.setattr(
        html_report, "student_rows", lambda rows: html_report.Markup(_by_the_loop_alone(rows))
    )
    assert made == overview.render([])


def _by_the_loop_alone(rows) -> str:
    """The rows between the loop's <tbody> lines (which index.html keeps)."""
    return rows_by_the_loop(list(rows)).removeprefix("  <tbody>\n").removesuffix("  </tbody>")


# --- the files synced while they are still being added ----------------------------------

needs_sync = pytest.mark.skipif(report._sync_program() is None, reason="needs sync -f (Linux)")


@needs_sync
def test_files_are_synced_as_they_are_added_and_leaving_syncs_nothing_more(tmp_path, monkeypatch):
    monkeypatch.setattr(report, "SYNC_AGAIN", 10)
    syncs = Syncs(monkeypatch)
    with FolderWriter(tmp_path) as pages:
        write_pages(pages, 9)
        pages.sync_meanwhile()
        assert pages._syncing == []  # fewer than SYNC_AGAIN
        write_pages(pages, 3, start=9)
        pages.sync_meanwhile()
        assert [count for _, count in pages._syncing] == [12]
        pages._syncing[0][0].wait()
        write_pages(pages, 9, start=12)
        pages.sync_meanwhile()
        assert [count for _, count in pages._syncing] == [12]  # 9 added since: not yet
        write_pages(pages, 1, start=21)
        pages.sync_meanwhile()
        assert [count for _, count in pages._syncing] == [12, 22]
        names = write_pages(pages, 10, start=22)
        pages.sync_meanwhile()  # the last has not been waited for: none started while it runs
        counts = [count for _, count in pages._syncing]
        assert counts in ([12, 22], [12, 22, 32])
        if counts == [12, 22, 32]:  # only once the one for 22 had ended
            assert pages._syncing[1][0].poll() is not None
        pages.start_sync()  # every file written: one more, the one before running or not
        assert [count for _, count in pages._syncing][-1] == 32
    assert syncs.calls == []
    assert (tmp_path / names[-1]).read_bytes() == PAGE_BYTES + names[-1].encode()
    assert len(list(tmp_path.glob("*.html"))) == 32
    assert temporaries(tmp_path) == []


@needs_sync
def test_a_failed_sync_counts_none_of_the_files_for_the_syncs_after_it(tmp_path, monkeypatch):
    # The file system may have failed to write a file of the first program's, which the
    # second is not told of: leaving syncs the file system itself, which it is.
    real = report._sync_program()
    syncs = Syncs(monkeypatch)
    with FolderWriter(tmp_path) as pages:
        write_pages(pages, report.SYNC_EACH + 1)
        monkeypatch.setattr(report, "_sync_program", lambda: "/bin/false")
        pages.start_sync()
        write_pages(pages, report.SYNC_EACH + 1, start=100)
        monkeypatch.setattr(report, "_sync_program", lambda: real)
        pages.start_sync()
        assert len(pages._syncing) == 2
    assert syncs.calls == ["fs"]
    assert len(list(tmp_path.glob("*.html"))) == 2 * (report.SYNC_EACH + 1)


@needs_sync
def test_a_sync_that_failed_after_one_that_did_not_leaves_the_rest_to_leaving(
    tmp_path, monkeypatch
):
    real = report._sync_program()
    syncs = Syncs(monkeypatch)
    with FolderWriter(tmp_path) as pages:
        write_pages(pages, report.SYNC_EACH + 1)
        pages.start_sync()
        added = write_pages(pages, 3, start=100)
        monkeypatch.setattr(report, "_sync_program", lambda: "/bin/false")
        pages.start_sync()
        monkeypatch.setattr(report, "_sync_program", lambda: real)
    # the files the first program synced are not synced again; the three after, each
    assert sorted(call.rsplit(".", 1)[0] for call in syncs.calls) == sorted(
        f".{name}" for name in added
    )


@pytest.mark.skipif("fork" not in multiprocessing.get_all_start_methods(), reason="needs fork")
@needs_sync
def test_page_children_have_their_pages_synced_while_they_write(seed_class, tmp_path, monkeypatch):
    run, example = seed_class
    monkeypatch.setattr(report, "SYNC_AGAIN", 16)
    results = drawn_class(example, seed=3, size=120)
    folder = tmp_path / "students"
    with FolderWriter(folder) as pages, PageProcesses(run.rubric, pages, 2) as children:
        for result in results:
            children.write(page_name(result.student), result)
        children.finish()
        # started as the children's replies came, for the pages adopted by then
        assert pages._syncing and pages._syncing[0][1] < len(results)
    assert len(list(folder.glob("*.html"))) == len(results)
    assert temporaries(folder) == []


# --- the files renamed by their names in the folder held ---------------------------------


def test_files_go_in_place_in_the_folder_held_even_when_it_was_moved(tmp_path):
    # Each file is renamed by its name in the folder the writer opened and locked, where its
    # temporary file is: no path is walked again for each (a moved folder keeps its files).
    folder, moved = tmp_path / "students", tmp_path / "moved"
    with FolderWriter(folder) as pages:
        names = write_pages(pages, report.SYNC_EACH + 2)
        folder.rename(moved)
    assert sorted(path.name for path in moved.iterdir()) == sorted(names)
    assert not folder.exists()


def test_a_rename_that_fails_names_its_file_and_removes_the_temporaries_not_in_place(tmp_path):
    with pytest.raises(report.OutputError) as raised, FolderWriter(tmp_path) as pages:
        names = write_pages(pages, 3)
        (tmp_path / names[1]).mkdir()  # the writer found no page: not looked at until then
        (tmp_path / names[1] / "inside").write_text("kept")
    assert str(raised.value) == f"cannot write {tmp_path / names[1]}: it is a folder"
    # put in place first
    assert (tmp_path / names[0]).read_bytes() == PAGE_BYTES + names[0].encode()
    assert not (tmp_path / names[2]).exists()
    assert (tmp_path / names[1] / "inside").read_text() == "kept"
    assert temporaries(tmp_path) == []
