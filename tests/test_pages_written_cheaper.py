"""A report's pages written with fewer system calls (branch `pwrite`): `report.write_beside` and
`report.PagesBeside` open the old page once (no look first), or not at all in a folder its
writer found without pages; temporary files are named without `tempfile.mkstemp` and are still
found and tidied as a killed run's; a folder in a page's place is refused with the same words
either way. `FolderWriter.start_sync` has another program sync the pages while the report
goes on, and leaving syncs only what it did not. `ClassRenderer` renders a page's head once
for the students who share it, every page byte for byte the one rendered whole."""

from __future__ import annotations

import errno
import os
from dataclasses import replace
from pathlib import Path

import pytest
from report_files import Syncs, drawn_class, files, temporaries, write_pages

from grader import html_report, report
from grader.html_report import ClassRenderer, render_student, write_html_report
from grader.report import (
    FolderWriter,
    OutputError,
    PagesBeside,
    _is_our_temporary,
    page_name,
    write_beside,
)

PAGE = page_name("student-1")
DATA = b"<!doctype html>\n<p>a page</p>\n"


# --- a page written beside ---------------------------------------------------------------


@pytest.mark.parametrize("fresh", [False, True], ids=["looked at", "fresh"])
def test_a_page_is_written_to_a_temporary_file_named_as_ours(tmp_path, fresh):
    temporary = write_beside(tmp_path, PAGE, DATA, fresh=fresh)
    assert temporary is not None
    assert Path(temporary).parent == tmp_path
    assert Path(temporary).read_bytes() == DATA
    assert _is_our_temporary(Path(temporary).name, "")  # a killed run's would be tidied
    assert os.stat(temporary).st_mode & 0o777 == 0o600  # as mkstemp made it
    assert sorted(path.name for path in tmp_path.iterdir()) == [Path(temporary).name]


@pytest.mark.parametrize(
    "old, written",
    [
        (DATA, False),
        (DATA + b"more", True),
        (DATA[:-1], True),
        (b"", True),
        (b"x" * len(DATA), True),
    ],
    ids=["the same", "longer", "shorter", "empty", "as long, different"],
)
def test_an_old_page_is_left_alone_only_when_it_holds_exactly_the_page(tmp_path, old, written):
    (tmp_path / PAGE).write_bytes(old)
    temporary = write_beside(tmp_path, PAGE, DATA)
    assert (temporary is not None) == written
    assert (tmp_path / PAGE).read_bytes() == old
    assert len(temporaries(tmp_path)) == written


def test_a_link_in_the_pages_place_is_written_over_not_followed(tmp_path):
    target = tmp_path / "elsewhere.html"
    target.write_bytes(DATA)  # holds the page, but through a link: not ours to leave alone
    (tmp_path / PAGE).symlink_to(target)
    assert write_beside(tmp_path, PAGE, DATA) is not None


@pytest.mark.parametrize("link", [False, True], ids=["a folder", "a link to a folder"])
def test_a_folder_in_the_pages_place_is_refused_naming_the_page(tmp_path, link):
    if link:
        (tmp_path / "real").mkdir()
        (tmp_path / PAGE).symlink_to(tmp_path / "real")
    else:
        (tmp_path / PAGE).mkdir()
    with pytest.raises(OutputError) as raised:
        write_beside(tmp_path, PAGE, DATA)
    assert str(raised.value) == f"cannot write {tmp_path / PAGE}: it is a folder"
    assert temporaries(tmp_path) == []


def test_a_folder_the_writer_found_in_a_pages_place_is_refused_as_before(tmp_path):
    (tmp_path / PAGE).mkdir()
    with pytest.raises(OutputError) as raised, FolderWriter(tmp_path) as pages:
        assert not pages.without_pages  # a folder named as a page counts
        pages.write(PAGE, DATA)
    assert str(raised.value) == f"cannot write {tmp_path / PAGE}: it is a folder"
    assert temporaries(tmp_path) == []


def test_a_folder_put_in_a_pages_place_after_the_writer_found_none_is_refused_in_the_same_words(
    tmp_path,
):
    with pytest.raises(OutputError) as raised, FolderWriter(tmp_path) as pages:
        assert pages.without_pages
        (tmp_path / PAGE).mkdir()  # not looked at: the writer found no page
        pages.write(PAGE, DATA)
    assert str(raised.value) == f"cannot write {tmp_path / PAGE}: it is a folder"
    assert temporaries(tmp_path) == []
    assert (tmp_path / PAGE).is_dir()


@pytest.mark.parametrize(
    "present, without_pages",
    [
        ([], True),
        ([".index.html.abcd1234", "notes.txt", "fonts/"], True),
        ([PAGE], False),
        ([f"{PAGE}/"], False),
        ([f".{PAGE}.abcd1234"], True),  # a killed run's temporary: tidied, not a page
    ],
    ids=["empty", "no page", "a page", "a folder named as a page", "a stale temporary"],
)
def test_a_writer_says_whether_it_found_the_folder_without_pages(tmp_path, present, without_pages):
    for name in present:
        if name.endswith("/"):
            (tmp_path / name).mkdir()
        else:
            (tmp_path / name).write_bytes(b"x")
    with FolderWriter(tmp_path) as pages:
        assert pages.without_pages == without_pages
    assert temporaries(tmp_path) == []


def test_in_a_fresh_folder_the_old_page_is_not_looked_at(tmp_path, monkeypatch):
    opened = []
    real_open = os.open

    def open_(path, flags, *args, **kwargs):
        opened.append((os.fspath(path), flags & os.O_CREAT != 0))
        return real_open(path, flags, *args, **kwargs)

    monkeypatch.setattr(report.os, "open", open_)
    with PagesBeside(tmp_path, fresh=True) as beside:
        opened.clear()
        temporary = beside.write(PAGE, DATA)
        other = beside.write("notes.txt", DATA)  # not a page's name: looked at all the same
    assert opened == [
        (Path(temporary).name, True),
        ("notes.txt", False),
        (Path(other).name, True),
    ]


def test_a_taken_temporary_name_is_skipped(tmp_path, monkeypatch):
    names = iter(["0000000a", "0000000a", "0000000b"])
    monkeypatch.setattr(report._temporary_names, "next", lambda: next(names))
    first = write_beside(tmp_path, PAGE, DATA)
    second = write_beside(tmp_path, PAGE, DATA + b"2")
    assert Path(first).name == f".{PAGE}.0000000a"
    assert Path(second).name == f".{PAGE}.0000000b"
    assert Path(second).read_bytes() == DATA + b"2"


def test_a_page_that_cannot_be_written_whole_leaves_no_temporary_file(tmp_path, monkeypatch):
    def full(fd, data):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(report.os, "write", full)
    with pytest.raises(OutputError) as raised:
        write_beside(tmp_path, PAGE, DATA, fresh=True)
    assert str(raised.value) == f"cannot write {tmp_path / PAGE}: No space left on device"
    assert list(tmp_path.iterdir()) == []


def test_a_short_write_is_written_on(tmp_path, monkeypatch):
    real_write = os.write
    monkeypatch.setattr(report.os, "write", lambda fd, data: real_write(fd, data[:5]))
    temporary = write_beside(tmp_path, PAGE, DATA, fresh=True)
    assert Path(temporary).read_bytes() == DATA


def test_temporary_names_differ_in_a_forked_child(tmp_path):
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child
        os.write(write, report._temporary_names.next().encode())
        os._exit(0)
    os.close(write)
    child = os.read(read, 64).decode()
    os.close(read)
    os.waitpid(pid, 0)
    ours = report._temporary_names.next()
    assert report._TEMPORARY.fullmatch(f".{PAGE}.{child}")
    assert child != ours


def test_a_killed_runs_temporaries_are_tidied_by_the_next_writer(tmp_path):
    left = [write_beside(tmp_path, page_name(f"s{n}"), DATA) for n in range(3)]
    (tmp_path / "mine.txt").write_bytes(b"not ours")
    with FolderWriter(tmp_path) as pages:
        assert pages.without_pages
    assert all(not Path(temporary).exists() for temporary in left)
    assert sorted(path.name for path in tmp_path.iterdir()) == ["mine.txt"]


# --- the pages synced by another program ---------------------------------------------------


@pytest.mark.skipif(report._sync_program() is None, reason="needs sync -f (Linux)")
def test_pages_synced_by_the_program_are_not_synced_again(tmp_path, monkeypatch):
    syncs = Syncs(monkeypatch)
    with FolderWriter(tmp_path) as pages:
        names = write_pages(pages, report.SYNC_EACH + 5)
        pages.start_sync()
        assert pages._syncing
    assert syncs.calls == []
    assert {name: (tmp_path / name).read_bytes() for name in names} == {
        name: DATA + name.encode() for name in names
    }
    assert temporaries(tmp_path) == []


@pytest.mark.skipif(report._sync_program() is None, reason="needs sync -f (Linux)")
@pytest.mark.parametrize("added", [2, report.SYNC_EACH + 1], ids=["a few", "many"])
def test_pages_added_after_the_programs_sync_are_synced_on_leaving(tmp_path, monkeypatch, added):
    syncs = Syncs(monkeypatch)
    with FolderWriter(tmp_path) as pages:
        write_pages(pages, report.SYNC_EACH + 1)
        pages.start_sync()
        later = write_pages(pages, added, start=100)
    if added > report.SYNC_EACH:
        assert syncs.calls == ["fs"]
    else:  # each of the files added, its temporary file synced
        assert [call.rsplit(".", 1)[0] for call in syncs.calls] == [f".{name}" for name in later]
    assert temporaries(tmp_path) == []


@pytest.mark.parametrize("program", ["/bin/false", None], ids=["it fails", "no program"])
def test_without_the_programs_sync_leaving_syncs_every_page(tmp_path, monkeypatch, program):
    report._sync_program.cache_clear()
    monkeypatch.setattr(report.shutil, "which", lambda name, path=None: program)
    try:
        syncs = Syncs(monkeypatch)
        with FolderWriter(tmp_path) as pages:
            names = write_pages(pages, report.SYNC_EACH + 1)
            pages.start_sync()
        assert syncs.calls == ["fs"]
        assert all((tmp_path / name).exists() for name in names)
    finally:
        report._sync_program.cache_clear()


def test_a_few_pages_are_synced_each_as_before_with_no_program(tmp_path, monkeypatch):
    syncs = Syncs(monkeypatch)
    with FolderWriter(tmp_path) as pages:
        names = write_pages(pages, 3)
        pages.start_sync()
        assert pages._syncing == []  # a few files: each synced on leaving, no program
    assert [call.rsplit(".", 1)[0] for call in syncs.calls] == [f".{name}" for name in names]


def test_no_program_syncs_while_a_stream_is_still_written(tmp_path, monkeypatch):
    syncs = Syncs(monkeypatch)
    with FolderWriter(tmp_path) as pages:
        write_pages(pages, report.SYNC_EACH + 1)
        stream = pages.stream("grades.csv")
        pages.start_sync()
        assert pages._syncing == []
        stream.write("written after the sync would have begun\n")
    assert syncs.calls == ["fs"]
    assert (tmp_path / "grades.csv").read_text() == "written after the sync would have begun\n"


@pytest.mark.skipif(report._sync_program() is None, reason="needs sync -f (Linux)")
def test_a_report_failing_while_the_program_syncs_replaces_nothing_and_reaps_it(tmp_path):
    (tmp_path / PAGE).write_bytes(b"old")
    with pytest.raises(RuntimeError), FolderWriter(tmp_path) as pages:
        write_pages(pages, report.SYNC_EACH + 1)
        pages.write(PAGE, DATA)
        pages.start_sync()
        process = pages._syncing[0][0]
        raise RuntimeError("the overview failed")
    assert process.returncode is not None  # reaped
    assert sorted(path.name for path in tmp_path.iterdir()) == [PAGE]
    assert (tmp_path / PAGE).read_bytes() == b"old"


# --- a page's head, rendered once for the students who share it -------------------------


def test_students_who_differ_only_by_id_share_one_head(seed_class):
    run, example = seed_class
    renderer = ClassRenderer(run.rubric)
    first = example.results[0]
    for student in ("a", "b <b>", "c & d", '"quoted"', "é"):
        result = replace(first, student=student)
        assert renderer.page(result) == render_student(run.rubric, result).encode("utf-8")
    assert len(renderer._heads) == 1


def test_a_student_who_writes_the_student_mark_gets_it_escaped(seed_class):
    run, example = seed_class
    mark = str(html_report._STUDENT_MARK)
    result = replace(example.results[0], student=mark, warnings=(mark,))
    page = ClassRenderer(run.rubric).page(result)
    assert page == render_student(run.rubric, result).encode("utf-8")
    assert mark.encode("utf-8") not in page


@pytest.mark.parametrize("heads", [16, html_report.HEADS_KEPT], ids=["none kept", "kept"])
def test_heads_kept_or_not_give_the_pages_rendered_whole(seed_class, heads):
    run, example = seed_class
    renderer = ClassRenderer(run.rubric, heads=heads)
    for result in drawn_class(example, 5, 120):
        assert renderer.page(result) == render_student(run.rubric, result).encode("utf-8")
    assert (len(renderer._heads) == 0) == (heads == 16)
    assert renderer._heads.held <= heads


def test_a_head_without_the_student_mark_gives_the_page_rendered_whole(seed_class, monkeypatch):
    run, example = seed_class
    head_of = html_report._HeadOf
    # a head that does not show the id where the renderer looks for it
    monkeypatch.setattr(
        html_report, "_HeadOf", lambda _, *rest: head_of(html_report.Markup("someone"), *rest)
    )
    result = example.results[0]
    renderer = ClassRenderer(run.rubric)
    assert renderer.page(result) == render_student(run.rubric, result).encode("utf-8")
    assert len(renderer._heads) == 0


# --- a whole report ------------------------------------------------------------------------


def test_a_report_written_twice_into_its_folder_is_the_same_and_leaves_pages_alone(
    seed_class, tmp_path
):
    run, example = seed_class
    results = drawn_class(example, 6, 40)
    first, second = tmp_path / "first", tmp_path / "second"
    write_html_report(run.rubric, results, [], first, processes=0)
    write_html_report(run.rubric, results, [], second, processes=2, processes_from=5)
    assert files(first) == files(second)
    pages = sorted((second / "students").glob("*.html"))
    before = {page: page.stat().st_ino for page in pages}
    write_html_report(run.rubric, results, [], second, processes=2, processes_from=5)
    assert files(first) == files(second)
    assert {page: page.stat().st_ino for page in pages} == before  # unchanged: left alone
    assert temporaries(tmp_path) == []


# --- a part's section: its articles in a frame rendered once ------------------------------


@pytest.mark.parametrize(
    "frames, sections",
    [(16, 16), (html_report.FRAMES_KEPT, 16), (html_report.FRAMES_KEPT, html_report.SECTIONS_KEPT)],
    ids=["nothing kept", "frames kept, no section", "both kept"],
)
def test_sections_made_of_frames_kept_or_not_give_the_pages_rendered_whole(
    seed_class, frames, sections
):
    run, example = seed_class
    renderer = ClassRenderer(run.rubric, frames=frames, sections=sections)
    for result in drawn_class(example, 7, 120):
        assert renderer.page(result) == render_student(run.rubric, result).encode("utf-8")
    assert (len(renderer._frames) == 0) == (frames == 16)
    assert renderer._frames.held <= frames


def test_a_student_who_writes_the_article_mark_gets_it_escaped(seed_class):
    run, example = seed_class
    mark = str(html_report._ARTICLE_MARK)
    first = example.results[0]
    item_id, item = next(iter(first.items.items()))
    result = replace(
        first,
        student=mark,
        items={**first.items, item_id: replace(item, answer=mark, feedback=(mark,))},
    )
    page = ClassRenderer(run.rubric, sections=16).page(result)
    assert page == render_student(run.rubric, result).encode("utf-8")
    assert mark.encode("utf-8") not in page


def test_a_frame_the_mark_cannot_split_gives_the_section_rendered_whole(seed_class, monkeypatch):
    run, example = seed_class
    # a mark each section holds besides the articles: it cannot say where they go
    monkeypatch.setattr(html_report, "_ARTICLE_MARK_UTF8", b"<")
    renderer = ClassRenderer(run.rubric, sections=16)
    for result in drawn_class(example, 8, 20):
        assert renderer.page(result) == render_student(run.rubric, result).encode("utf-8")
    assert len(renderer._frames) == 0
