"""The pages in a real browser: Debian's headless Chromium, driven by Playwright.

Skipped, with the reason, only where Chromium is not installed (`.ci/run` installs it).
"""

import shutil
from pathlib import Path

import pytest

from grader.cli import main
from grader.report import page_name

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")

pytestmark = pytest.mark.skipif(
    CHROMIUM is None, reason="Chromium is not installed here (apt-get install chromium)"
)


@pytest.fixture(scope="module")
def pages(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("html")
    rubric = ROOT / "rubrics" / "22-52-q4.yaml"
    assert (
        main(
            [
                "grade",
                str(ROOT / "submissions" / "22-52-q4"),
                "--rubric",
                str(rubric),
                "--out",
                str(out),
            ]
        )
        == 0
    )
    return out


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
            ],
        )
        yield browser
        browser.close()


@pytest.mark.parametrize(
    "name",
    ["instructor/index.html", f"students/{page_name('seed-student-1')}"],
    ids=["the class overview", "a student's page"],
)
def test_the_page_renders_its_maths_as_mathml_without_console_errors(
    browser, pages, name, tmp_path
):
    page = browser.new_page()
    problems = []
    page.on(
        "console", lambda m: problems.append(m.text) if m.type in ("error", "warning") else None
    )
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.goto((pages / name).as_uri())
    rendered = page.evaluate(
        """() => [...document.querySelectorAll('math')].map(m => {
             const box = m.getBoundingClientRect();
             return [m.constructor.name, box.width, box.height];
           })"""
    )
    assert rendered, "the page has maths"
    for element, width, height in rendered:
        assert element == "MathMLElement"
        assert width > 0 and height > 0
    screenshot = tmp_path / "page.png"
    page.screenshot(path=str(screenshot), full_page=True)
    assert screenshot.stat().st_size > 10_000
    assert problems == []
    page.close()


# --- issue 19: the pages a student reads and the overview at class scale ---------------------

FONT_LOADED = """async () => {
    await document.fonts.ready;
    return [...document.fonts].map(face => [face.family.replace(/"/g, ''), face.status]);
}"""


def test_a_student_page_typesets_prompts_and_answers_in_the_bundled_math_font(
    browser, pages, tmp_path
):
    page = browser.new_page()
    problems = []
    page.on(
        "console", lambda m: problems.append(m.text) if m.type in ("error", "warning") else None
    )
    page.goto((pages / "students" / page_name("seed-student-1")).as_uri())
    assert page.evaluate(FONT_LOADED) == [["Grader Math", "loaded"]]
    maths = page.evaluate(
        """() => [...document.querySelectorAll('math')].map(m => [
             m.constructor.name, m.getAttribute('alttext'), getComputedStyle(m).fontFamily])"""
    )
    assert maths
    for element, alttext, family in maths:
        assert element == "MathMLElement" and alttext and alttext.strip()
        assert family.startswith('"Grader Math"')
    prompts = page.evaluate(
        """() => [...document.querySelectorAll('p.prompt')].map(p => [
             p.innerText, p.querySelectorAll('math').length])"""
    )
    assert len(prompts) == 5 and prompts[0][1] == 2  # y_{i,j,k} and x_{i,j,k} typeset
    for text, _ in prompts:
        assert "_{" not in text and "\\" not in text and "^" not in text, text
    # A formula with sums is display maths: each range under and over its Σ, not beside it.
    limits = page.evaluate(
        """() => {
             const sum = document.querySelector('math[display=block] munderover');
             const [op, under, over] = [...sum.children].map(c => c.getBoundingClientRect());
             return [under.top >= op.bottom - 1, over.bottom <= op.top + 1];
           }"""
    )
    assert limits == [True, True]
    headings = page.evaluate("() => [...document.querySelectorAll('h3')].map(h => h.innerText)")
    assert headings[:2] == ["(a) Formula", "(a) Parameters"]
    assert page.evaluate("() => document.querySelectorAll('main').length") == 1
    screenshot = tmp_path / "student.png"
    page.screenshot(path=str(screenshot), full_page=True)
    assert (
        screenshot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and screenshot.stat().st_size > 10_000
    )
    assert problems == []
    page.close()


@pytest.fixture(scope="module")
def class_of_120(pages, tmp_path_factory) -> Path:
    """The overview of a class of 120: the example class over and over under new names."""
    from dataclasses import replace

    from grader import gradebook
    from grader.html_report import copy_math_font, page_names, render_index
    from grader.model import Batch

    connection = gradebook.connect(pages / "gradebook.sqlite")
    run = gradebook.latest_run(connection)
    seed = gradebook.load_batch(connection, run)
    results = [
        replace(seed.results[n % len(seed.results)], student=f"student-{n:03d}") for n in range(120)
    ]
    batch = Batch(results=results)
    out = tmp_path_factory.mktemp("class") / "instructor"
    out.mkdir()
    copy_math_font(out)
    links = {student: f"../students/{name}" for student, name in page_names(batch).items()}
    (out / "index.html").write_text(render_index(run.rubric, batch, links), encoding="utf-8")
    return out / "index.html"


ROWS = """() => [...document.querySelectorAll('#students tbody tr')]
    .filter(row => !row.hidden).map(row => [row.cells[0].innerText, row.cells[6].innerText])"""


def test_the_overview_sorts_and_pages_its_student_table(browser, class_of_120, tmp_path):
    page = browser.new_page()
    problems = []
    page.on(
        "console", lambda m: problems.append(m.text) if m.type in ("error", "warning") else None
    )
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.goto(class_of_120.as_uri())
    assert page.evaluate(FONT_LOADED) == [["Grader Math", "loaded"]]
    assert page.evaluate(
        "() => [...document.querySelectorAll('math')].every(m => m.getAttribute('alttext'))"
    )
    shown = page.evaluate(ROWS)
    assert [name for name, _ in shown] == [f"student-{n:03d}" for n in range(50)]
    assert page.inner_text(".pager span") == "Students 1–50 of 120"
    page.click(".pager button:has-text('Next')")
    page.click(".pager button:has-text('Next')")
    assert [name for name, _ in page.evaluate(ROWS)] == [
        f"student-{n:03d}" for n in range(100, 120)
    ]
    page.click("#students th:nth-child(7) button")  # Total, ascending, back to the first page
    totals = [float(total) for _, total in page.evaluate(ROWS)]
    assert len(totals) == 50 and totals == sorted(totals) and totals[0] == 2
    assert page.get_attribute("#students th:nth-child(7)", "aria-sort") == "ascending"
    page.click("#students th:nth-child(7) button")
    page.click(".pager button:has-text('Show all')")
    totals = [float(total) for _, total in page.evaluate(ROWS)]
    assert len(totals) == 120 and totals == sorted(totals, reverse=True) and totals[0] == 24.5
    page.click("#students th:nth-child(1) button")
    names = [name for name, _ in page.evaluate(ROWS)]
    assert names == sorted(names)
    # What needs an instructor is on the first screen, above the student table.
    top = page.evaluate(
        "() => ['review-queue', 'common-mistakes', 'student-table'].map("
        "id => document.getElementById(id).getBoundingClientRect().top + window.scrollY)"
    )
    assert top == sorted(top) and top[0] < 1000
    screenshot = tmp_path / "overview.png"
    page.screenshot(path=str(screenshot), full_page=True)
    assert (
        screenshot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and screenshot.stat().st_size > 10_000
    )
    assert problems == []
    page.close()


def test_without_script_the_overview_is_a_plain_table_of_every_student(browser, class_of_120):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(class_of_120.as_uri())
    rows = page.locator("#students tbody tr")
    assert rows.count() == 120
    assert page.locator("#students tbody tr:visible").count() == 120
    assert page.locator("#students button, .pager").count() == 0
    context.close()
