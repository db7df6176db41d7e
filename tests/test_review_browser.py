"""`grader serve` in a real browser: Debian's headless Chromium, driven by Playwright.

The keyboard path of a TA: open the queue, go to the largest group, set its marks and apply
them to all its students with the keys alone, then see the decision in the student's history
and in the rebuilt pages. Skipped, with the reason, only where Chromium is not installed.
"""

import shutil
import sqlite3
import threading
from pathlib import Path

import pytest
import yaml
from werkzeug.serving import make_server

from grader.cli import main
from grader.report import page_name
from grader.review_app import create_app

ROOT = Path(__file__).resolve().parent.parent
RUBRIC = ROOT / "rubrics" / "22-52-q4.yaml"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
TOKEN = "a-browser-test-token"

pytestmark = pytest.mark.skipif(
    CHROMIUM is None, reason="Chromium is not installed here (apt-get install chromium)"
)

ANSWERS = {
    **{f"big-{n}": "token pixel channel embedding transformer linear" for n in range(3)},
    "small-0": "pixel token channel embedding",
}


@pytest.fixture
def served(tmp_path, capsys):
    subs = tmp_path / "subs"
    subs.mkdir()
    for number, (student, explanation) in enumerate(ANSWERS.items()):
        document = {
            "student": student,
            "question": "22-52-Q4",
            "answers": {"e": {"explanation": explanation}},
        }
        (subs / f"s{number}.yaml").write_text(yaml.safe_dump(document), encoding="utf-8")
    out = tmp_path / "out"
    assert main(["grade", str(subs), "--rubric", str(RUBRIC), "--out", str(out)]) == 0
    capsys.readouterr()
    db = out / "gradebook.sqlite"
    server = make_server("127.0.0.1", 0, create_app(db, "Ada", TOKEN, out), threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}", db, out
    server.shutdown()
    server.server_close()


@pytest.fixture
def page():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-sync"],
        )
        page = browser.new_page()
        problems = []
        page.on("pageerror", lambda error: problems.append(str(error)))
        # A refused request (the test of the token) is logged as "Failed to load resource";
        # anything else, a CSP violation or a script error, is a problem.
        page.on(
            "console",
            lambda m: (
                problems.append(m.text)
                if m.type == "error" and not m.text.startswith("Failed to load resource")
                else None
            ),
        )
        yield page
        assert problems == []
        browser.close()


def test_a_group_is_decided_with_the_keyboard_alone(served, page):
    base, db, out = served
    page.goto(f"{base}/?token={TOKEN}")
    assert page.url == f"{base}/queue"  # the token has left the address bar
    assert "4 answers in 2 groups" in page.inner_text("body")
    page.keyboard.press("j")  # to the first (largest) group
    page.wait_for_url(f"{base}/group/*")
    assert "3 students wrote this answer" in page.inner_text("h1")
    page.keyboard.press("m")
    page.keyboard.type("2.5")
    page.keyboard.press("Escape")
    page.keyboard.press("a")
    page.wait_for_selector("p.notice")
    assert "Decision recorded for 3 answers" in page.inner_text("p.notice")
    assert "1 student wrote this answer" in page.inner_text("h1")  # the next group
    with sqlite3.connect(db) as connection:
        rows = connection.execute("SELECT student, marks, reviewer FROM decisions").fetchall()
    assert sorted(rows) == [(f"big-{n}", 2.5, "Ada") for n in range(3)]

    page.goto(f"{base}/student/{page_name('big-1')}")
    history = page.inner_text("#item-e\\.explanation table.history")
    assert "Ada" in history and "2.5" in history

    queue_before = _review_table(out)
    assert all(f"big-{n}" in queue_before for n in range(3)) and "small-0" in queue_before
    page.click("text=Rebuild pages and CSV")
    page.wait_for_selector("text=Pages rebuilt")
    student_page = (out / "students" / page_name("big-1")).read_text(encoding="utf-8")
    assert "Marks set by an instructor: 2.5/3" in student_page
    # The class overview's review queue has lost the decided group, not the other one.
    queue_after = _review_table(out)
    assert not any(f"big-{n}" in queue_after for n in range(3)) and "small-0" in queue_after


def _review_table(out: Path) -> str:
    overview = (out / "instructor" / "index.html").read_text(encoding="utf-8")
    start = overview.index('<table id="review">')
    return overview[start : overview.index("</table>", start)]


def test_the_browsers_requests_without_host_or_csrf_are_refused(served, page):
    base, db, _ = served
    page.goto(f"{base}/?token={TOKEN}")  # the session cookie is set
    page.keyboard.press("j")
    page.wait_for_url(f"{base}/group/*")
    group = page.url
    foreign = page.request.get(f"{base}/queue", headers={"Host": "attacker.example"})
    assert foreign.status == 400
    forged = page.request.post(group, form={"marks": "3", "note": "", "students": "big-0"})
    assert forged.status == 403
    with sqlite3.connect(db) as connection:
        assert connection.execute("SELECT COUNT(*) FROM decisions").fetchone() == (0,)


def test_the_browser_without_the_token_is_refused(served, page):
    base, _, _ = served
    response = page.goto(f"{base}/queue")
    assert response.status == 403
    assert "carries the access token" in page.inner_text("body")
