"""The CPU a report's page child spends per student, measured in one process.

What `page_processes._class_child_main` does for each student of a class read from the
gradebook, run here over the first N students of a gradebook: the chunk's results made of the
rows the main process sends (`gradebook.results_of_rows`, CHUNK students at a time; those rows
read beforehand, untimed; a grader without it reads them on its own connection, timed, as its
children did), the overrides applied, the page
rendered and written beside (`report.write_beside`, into an empty folder, as a cold report
writes), and the chunk's grades.csv lines, results.json entries and overview part made
(`html_report.ChunkOutputs`). Where the grader imported has `html_report.ClassRenderer` (a
renderer a child keeps for the whole report), the pages come from it, as a child holding one
would render them; else from `render_student`, as before.

Run it for two versions side by side, alternating, with PYTHONPATH picking the version:

    for round in 1 2 3; do
      PYTHONPATH=/tmp/pmemo-start .venv/bin/python bench/page_children.py --db COPY -n 10000
      .venv/bin/python bench/page_children.py --db COPY -n 10000
    done

It prints the CPU time (best of --rounds), per student. `--profile FILE` writes a cProfile of
one more round instead. The gradebook is only read (copy it: its journal may be written).
"""

from __future__ import annotations

import argparse
import cProfile
import os
import shutil
import sqlite3
import tempfile
from pathlib import Path

from grader import gradebook, html_report
from grader.overrides import overridden
from grader.report import write_beside

CHUNK = 64  # html_report.CLASS_CHUNK: students a chunk


def load(db: Path, students: int):
    connection = sqlite3.connect(db)
    (question,) = gradebook.stored_exam(connection).questions
    run = gradebook.latest_run_of(connection, question.question)
    overrides = gradebook.load_overrides(connection, question.question)
    versions, _ = gradebook.other_versions(connection, question.question, run.rubric.sha256)
    rows = list(gradebook.stored_submissions(connection, question.question))[:students]
    connection.close()
    return run.rubric, overrides, versions, rows


def item_rows(db: Path, question: str, rows) -> list | None:
    """Each chunk's item rows, read as the main process reads them for the children
    (`gradebook.stored_item_rows`), untimed: a child is sent them. None where the grader
    imported has no such function (a child then read them itself)."""
    if not hasattr(gradebook, "results_of_rows"):
        return None
    connection = sqlite3.connect(f"{db.resolve().as_uri()}?mode=ro", uri=True)
    try:
        return [
            gradebook.stored_item_rows(connection, question, rows[start : start + CHUNK])
            for start in range(0, len(rows), CHUNK)
        ]
    finally:
        connection.close()


def chunk_results(reading, rubric, chunk_rows, sent_rows):
    """A chunk's results as the child makes them: from the rows it is sent, or (an earlier
    grader) read on its own connection."""
    if sent_rows is not None:
        return gradebook.results_of_rows(rubric, chunk_rows, sent_rows)
    return gradebook.stored_results(reading, rubric, chunk_rows)


def child_work(db: Path, rubric, overrides, versions, rows, sent_rows, folder: Path | None) -> int:
    """The child's loop over `rows` (and their `item_rows`, where it is sent them); returns
    the bytes of the chunks made (so nothing is optimised away)."""
    reading = sqlite3.connect(f"{db.resolve().as_uri()}?mode=ro", uri=True)
    sent: set = set()
    made = 0
    pages = html_report.ClassRenderer(rubric) if hasattr(html_report, "ClassRenderer") else None
    for number, start in enumerate(range(0, len(rows), CHUNK)):
        chunk_rows = rows[start : start + CHUNK]
        chunk_items = None if sent_rows is None else sent_rows[number]
        if pages is not None:
            outputs = html_report.ChunkOutputs(rubric, versions, None, sent, pages)
        else:
            outputs = html_report.ChunkOutputs(rubric, versions, None, sent)
        for row, result in zip(
            chunk_rows, chunk_results(reading, rubric, chunk_rows, chunk_items), strict=True
        ):
            name = f"{row[0]}.html"
            result = overridden(result, overrides)
            if pages is not None:
                data = pages.page(result)  # UTF-8, as the file holds it
            else:
                data = html_report.render_student(rubric, result).encode("utf-8")
            if folder is not None:
                write_beside(folder, name, data)
            outputs.add(result, name)
        chunk = outputs.chunk([])
        made += len(chunk.csv) + len(chunk.json)
    reading.close()
    return made


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", type=Path, required=True)
    parser.add_argument("-n", "--students", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--profile", type=Path)
    parser.add_argument(
        "--no-write",
        action="store_true",
        help="pages encoded, not written (the file system's time varies most under load)",
    )
    options = parser.parse_args()
    rubric, overrides, versions, rows = load(options.db, options.students)
    sent_rows = item_rows(options.db, rubric.id, rows)
    best = None
    for _ in range(1 if options.profile else options.rounds):
        folder = Path(tempfile.mkdtemp(prefix="page-children-"))
        target = None if options.no_write else folder
        try:
            if options.profile:
                profile = cProfile.Profile()
                profile.runcall(
                    child_work, options.db, rubric, overrides, versions, rows, sent_rows, target
                )
                profile.dump_stats(options.profile)
                return
            began = os.times()
            child_work(options.db, rubric, overrides, versions, rows, sent_rows, target)
            ended = os.times()
            user, system = ended.user - began.user, ended.system - began.system
            spent = user + system
        finally:
            shutil.rmtree(folder)
        if best is None or spent < best:
            best, best_user, best_system = spent, user, system
    where = Path(html_report.__file__).parent.parent
    print(
        f"{where}: {len(rows)} students{' (no write)' if options.no_write else ''}, "
        f"child CPU {best:.2f} s (best of {options.rounds}; user {best_user:.2f}, system "
        f"{best_system:.2f}), {best / len(rows) * 1e3:.3f} ms a student"
    )


if __name__ == "__main__":
    main()
