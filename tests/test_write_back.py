"""A page written beside the writer (`report.write_beside`) has the system start writing it
to the disk at once (`_start_writing_back`, Linux's sync_file_range), so that the writer's
sync when it is left waits only for what is still being written. A hint only: the files are
the same with it or without it, and where the system has none. What it saves is measured in
docs/performance.md, not here."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from grader import report


@pytest.fixture
def hinted(monkeypatch):
    """Every hint given, as (the bytes the file held then, the flags)."""
    given = []

    def sync_file_range(fd, offset, length, flags):
        given.append((os.pread(fd, 1 << 20, 0), offset, length, flags))
        return 0

    monkeypatch.setattr(report, "_sync_file_range", lambda: sync_file_range)
    return given


def test_a_page_written_is_hinted_whole_once_its_bytes_are_written(tmp_path, hinted):
    data = b"<p>a page</p>\n" * 100  # less than the file's buffer: flushed for the hint
    temporary = report.write_beside(tmp_path, "page.html", data)
    assert temporary is not None
    assert Path(temporary).read_bytes() == data
    # the whole file, from its start, started and not waited for (SYNC_FILE_RANGE_WRITE)
    assert hinted == [(data, 0, 0, 2)]


def test_a_page_left_alone_is_not_hinted(tmp_path, hinted):
    (tmp_path / "page.html").write_bytes(b"the same")
    assert report.write_beside(tmp_path, "page.html", b"the same") is None
    assert hinted == []


def test_without_the_hint_the_page_is_written_the_same(tmp_path, monkeypatch):
    monkeypatch.setattr(report, "_sync_file_range", lambda: None)
    temporary = report.write_beside(tmp_path, "page.html", b"written all the same")
    assert Path(temporary).read_bytes() == b"written all the same"


@pytest.mark.skipif(os.uname().sysname != "Linux", reason="sync_file_range is Linux's")
def test_the_hint_is_found_on_linux_and_takes_a_real_file(tmp_path):
    start = report._sync_file_range()
    path = tmp_path / "page.html"
    path.write_bytes(b"on the disk soon")
    fd = os.open(path, os.O_RDONLY)
    try:
        # the call as `_start_writing_back` makes it, taken by the system (0: no error)
        assert start(fd, 0, 0, report._SYNC_FILE_RANGE_WRITE) == 0
    finally:
        os.close(fd)
