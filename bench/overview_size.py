"""Benchmark: the class overview of a class of 500 (issue 19): its size in bytes, how long it
takes to render, where the review queue and the student table start, and, where Debian's
Chromium is installed, how long a browser takes to load it and how far down the page the
review queue is. It prints figures; nothing is asserted.

Run from the repository root:

    .venv/bin/python bench/overview_size.py
    .venv/bin/python bench/overview_size.py --students 1000 --keep /tmp/overview

It writes a class of submissions to 22-52-Q4 with `bench/class_of_1000.py`'s generator
(seeded: the same class every time for the same --seed), grades it with `grader grade --out`
(the real command line, in this process), then renders the overview again from the graded
batch, timing `render_index` alone (best of --rounds), and reports the student pages' sizes
too.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from class_of_1000 import write_class  # noqa: E402  (the same generated class)

from grader import gradebook  # noqa: E402
from grader.cli import main as grader_main  # noqa: E402
from grader.html_report import page_names, render_index  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
RUBRIC = ROOT / "rubrics" / "22-52-q4.yaml"


def in_browser(index: Path) -> dict | None:
    """Load time and layout in headless Chromium, or None where it is not installed."""
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        return None
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, args=["--no-sandbox"])
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        start = time.perf_counter()
        page.goto(index.as_uri(), wait_until="load")
        page.evaluate("document.fonts.ready")
        loaded = time.perf_counter() - start
        layout = page.evaluate(
            """() => ({
                 height: document.documentElement.scrollHeight,
                 queue: document.getElementById('review-queue').getBoundingClientRect().top,
                 table: document.getElementById('student-table').getBoundingClientRect().top,
                 rows: [...document.querySelectorAll('#students tbody tr')]
                        .filter(row => !row.hidden).length,
               })"""
        )
        browser.close()
    return {"seconds": loaded, **layout}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--students", type=int, default=500)
    parser.add_argument("--seed", type=int, default=2252)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--keep", metavar="DIR", help="write the class and reports here, kept")
    args = parser.parse_args()

    work = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="overview-"))
    submissions, out = work / "submissions", work / "out"
    submissions.mkdir(parents=True, exist_ok=True)
    write_class(submissions, args.students, args.seed)
    start = time.perf_counter()
    code = grader_main(["grade", str(submissions), "--rubric", str(RUBRIC), "--out", str(out)])
    print(f"graded {args.students} students in {time.perf_counter() - start:.1f} s (exit {code})")

    index = out / "instructor" / "index.html"
    html = index.read_text(encoding="utf-8")
    pages = sorted((out / "students").glob("*.html"))
    sizes = [page.stat().st_size for page in pages]
    print(f"overview: {len(html.encode('utf-8')):,} bytes for {args.students} students")
    queue = html.index('<section id="review-queue">')
    table = html.index('<section id="student-table">')
    print(f"  review queue starts at byte {queue:,}, student table at byte {table:,}")
    print(
        f"student pages: {len(pages)}, median {statistics.median(sizes):,.0f} bytes, "
        f"largest {max(sizes):,} bytes"
    )

    connection = gradebook.connect(out / "gradebook.sqlite")
    run = gradebook.latest_run(connection)
    batch = gradebook.load_batch(connection, run)
    links = {student: f"../students/{name}" for student, name in page_names(batch).items()}
    times = []
    for _ in range(args.rounds):
        start = time.perf_counter()
        render_index(run.rubric, batch, links)
        times.append(time.perf_counter() - start)
    print(f"render_index: best {min(times) * 1000:.0f} ms of {args.rounds} rounds")

    browser = in_browser(index)
    if browser is None:
        print("chromium: not installed, no browser figures")
    else:
        print(
            f"chromium: loaded in {browser['seconds'] * 1000:.0f} ms; page {browser['height']:,} px "
            f"tall; review queue at {browser['queue']:.0f} px, student table at "
            f"{browser['table']:,.0f} px, {browser['rows']} rows shown at once"
        )
    if not args.keep:
        shutil.rmtree(work)


if __name__ == "__main__":
    main()
