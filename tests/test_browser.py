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
