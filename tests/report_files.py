"""What the report tests share: a class drawn from the example class, every file of an
output folder, the temporary files left in one, a page that fails to render (by
`render_student` or by `ClassRenderer.page`), and pages written by a `FolderWriter` with the
syncs it makes recorded."""

from __future__ import annotations

import os
import random
import signal
import time
from pathlib import Path

from grader import html_report, report
from grader.model import Batch, SubmissionResult
from grader.report import FolderWriter, page_name


def drawn_class(batch: Batch, seed: int, size: int, ids=None) -> list[SubmissionResult]:
    """A class of `size` whose every item result is drawn from a random student of the example
    class (groups, the review queue, unreadable answers, mistakes and notes mixed), each
    under an id of its own (`ids`, else student-NNN); some answer nothing to an item, some
    carry a note."""
    rng = random.Random(seed)
    ids = ids or [f"student-{number:03d}" for number in range(size)]
    results = []
    for number, student in enumerate(ids):
        items = {}
        for item_id in batch.results[0].items:
            donor = rng.choice(batch.results)
            if item_id in donor.items and rng.random() > 0.05:
                items[item_id] = donor.items[item_id]
        warnings = ("a line no item took",) if rng.random() < 0.1 else ()
        results.append(SubmissionResult(student, f"s{number:03d}.yaml", items, warnings))
    return results


def files(folder: Path) -> dict[str, bytes]:
    """Every file under `folder`, by its path inside it, with its bytes."""
    return {
        str(path.relative_to(folder)): path.read_bytes()
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


def temporaries(folder: Path) -> list[Path]:
    """The temporary files (hidden, as ours are) anywhere under `folder`."""
    return [path for path in folder.rglob(".*") if path.is_file()]


def fail_on(student: str, how):
    """`render_student` that does `how` for `student`'s page (in the child that renders it)."""
    render = html_report.render_student

    def render_student(rubric, result):
        if result.student == student:
            how()
        return render(rubric, result)

    return render_student


def fail_page_on(student: str, how):
    """`ClassRenderer.page` (what the children of a report read from the gradebook render a
    page with) that does `how` for `student`'s page."""
    page = html_report.ClassRenderer.page

    def failing_page(self, result):
        if result.student == student:
            how()
        return page(self, result)

    return failing_page


def kill_self():
    os.kill(os.getpid(), signal.SIGKILL)


def raise_error():
    raise RuntimeError("the template broke")


PAGE_BYTES = b"<!doctype html>\n<p>a page</p>\n"  # what `write_pages` writes, then the name


class Syncs:
    """Records the syncs `FolderWriter` makes itself: of its file system, of a file."""

    def __init__(self, monkeypatch):
        self.calls: list[str] = []
        real_system, real_file = report._sync_file_system, report._sync_file
        monkeypatch.setattr(
            report, "_sync_file_system", lambda fd: (self.calls.append("fs"), real_system(fd))
        )
        monkeypatch.setattr(
            report, "_sync_file", lambda path: (self.calls.append(Path(path).name), real_file(path))
        )


def write_pages(pages: FolderWriter, count: int, start: int = 0) -> list[str]:
    """`count` pages written, of students s<start> on: their names."""
    names = [page_name(f"s{n}") for n in range(start, start + count)]
    for name in names:
        pages.write(name, PAGE_BYTES + name.encode())
    return names


def close_pipes_then_die():
    """A child's descriptors closed (its pipe to the main process among them), then, a moment
    later, its end: what the main process sees of a child killed or crashed, slowed down."""
    os.closerange(3, 4096)
    time.sleep(0.3)
    os.kill(os.getpid(), signal.SIGKILL)
