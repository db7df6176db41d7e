"""`grader serve` through Flask's test client: the token, Host and CSRF checks, group
decisions, the audit trail, escaping, and the re-grade report (`grader grade` too)."""

import csv
import dataclasses
import http.client
import io
import json
import re
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from grader import gradebook
from grader.cli import main
from grader.review_app import create_app

ROOT = Path(__file__).resolve().parent.parent
RUBRIC = ROOT / "rubrics" / "22-52-q4.yaml"
TOKEN = "the-token-for-these-tests"
REVIEWER = "Ada TA"

# Four distinct answers, each sent to review ("a list of keywords"), five students each.
KEYWORDS = [
    "token pixel channel embedding transformer linear",
    "pixel token channel embedding",
    "shared weights tokens pixels attention",
    "linear layer tokens channels transformer",
]
HOSTILE_ID = '"><script>alert("id")</script>'
HOSTILE_ANSWER = "<img src=x onerror=alert(1)> token pixel channel embedding"


def write_submissions(folder: Path, answers: dict[str, str]) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for number, (student, explanation) in enumerate(answers.items()):
        document = {
            "student": student,
            "question": "22-52-Q4",
            "answers": {"a": {"params": "PQD(PQC+1)"}, "e": {"explanation": explanation}},
        }
        (folder / f"s{number}.yaml").write_text(yaml.safe_dump(document), encoding="utf-8")


def grade(tmp_path: Path, answers: dict[str, str]) -> Path:
    write_submissions(tmp_path / "subs", answers)
    out = tmp_path / "out"
    assert main(["grade", str(tmp_path / "subs"), "--rubric", str(RUBRIC), "--out", str(out)]) == 0
    return out / "gradebook.sqlite"


CLASS = {f"g{group}-s{n}": KEYWORDS[group] for group in range(4) for n in range(5)}


@pytest.fixture
def db(tmp_path, capsys) -> Path:
    path = grade(tmp_path, {**CLASS, HOSTILE_ID: HOSTILE_ANSWER})
    capsys.readouterr()
    return path


@pytest.fixture
def client(db, tmp_path):
    app = create_app(db, REVIEWER, token=TOKEN, out=tmp_path / "rebuilt")
    client = app.test_client()
    assert client.get(f"/queue?token={TOKEN}").status_code == 302  # the token for a cookie
    return client


def csrf_of(page: str) -> str:
    return re.search(r'name="csrf" value="([^"]+)"', page).group(1)


def group_ids(page: str) -> list[str]:
    return re.findall(r'href="/group/([0-9a-f]{16})"', page)


def group_for(client, answer: str) -> tuple[str, str]:
    """The id of the group of `answer` in the queue, and the CSRF token of the page."""
    queue = client.get("/queue").get_data(as_text=True)
    for group_id in group_ids(queue):
        page = client.get(f"/group/{group_id}").get_data(as_text=True)
        if f'<span class="answer written">{answer}</span>' in page:
            return group_id, csrf_of(page)
    raise AssertionError(f"no group for {answer!r}")


def stored(db: Path, query: str, *parameters) -> list[tuple]:
    with sqlite3.connect(db) as connection:
        return connection.execute(query, parameters).fetchall()


# --- the token, the Host header and CSRF ---------------------------------------------------

ROUTES = [
    ("get", "/"),
    ("get", "/queue"),
    ("get", "/students"),
    ("get", "/changes"),
    ("get", "/keys.js"),
    ("get", "/fonts/STIXMath-Regular.woff2"),
    ("get", "/group/0123456789abcdef"),
    ("get", "/student/x.html"),
    ("post", "/group/0123456789abcdef"),
    ("post", "/student/x.html/e.explanation"),
    ("post", "/rebuild"),
]


@pytest.mark.parametrize(("method", "path"), ROUTES, ids=[f"{m} {p}" for m, p in ROUTES])
def test_every_route_refuses_a_request_without_the_token(db, method, path):
    client = create_app(db, REVIEWER, token=TOKEN).test_client()
    assert getattr(client, method)(path).status_code == 403
    assert getattr(client, method)(f"{path}?token=wrong").status_code == 403


def test_the_token_is_traded_for_a_cookie_and_leaves_the_address(db):
    client = create_app(db, REVIEWER, token=TOKEN).test_client()
    response = client.get(f"/students?token={TOKEN}")
    assert response.status_code == 302
    assert response.headers["Location"] == "/students"
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie
    page = client.get("/students")
    assert page.status_code == 200
    assert page.headers["Referrer-Policy"] == "same-origin"
    assert "script-src 'self'" in page.headers["Content-Security-Policy"]


def test_a_request_for_another_host_is_refused_even_with_the_token(client):
    # DNS rebinding: a page of evil.example whose name now points at 127.0.0.1.
    url = f"/queue?token={TOKEN}"
    assert client.get(url, headers={"Host": "evil.example:8765"}).status_code == 400
    assert client.get(url, headers={"Host": "127.0.0.1:8765"}).status_code == 302
    assert client.get(url, headers={"Host": "[::1]:8765"}).status_code == 302


def test_a_form_without_the_csrf_token_is_refused_and_changes_nothing(client, db):
    group_id, csrf = group_for(client, KEYWORDS[0])
    decision = {"marks": "2", "note": "", "student": ["g0-s0"]}
    assert client.post(f"/group/{group_id}", data=decision).status_code == 403
    assert client.post(f"/group/{group_id}", data={**decision, "csrf": "x"}).status_code == 403
    cross_site = client.post(
        f"/group/{group_id}",
        data={**decision, "csrf": csrf},
        headers={"Origin": "http://evil.example"},
    )
    assert cross_site.status_code == 403
    assert stored(db, "SELECT COUNT(*) FROM decisions") == [(0,)]


# --- group decisions -----------------------------------------------------------------------


def test_the_queue_shows_each_group_once_with_its_item_and_reference(client):
    queue = client.get("/queue").get_data(as_text=True)
    assert "21 answers in 5 groups need a decision" in queue
    group_id, _ = group_for(client, KEYWORDS[1])
    page = client.get(f"/group/{group_id}").get_data(as_text=True)
    assert "5 students wrote this answer" in page
    assert "Arrange all x_{i,k} in part (d)" in page  # the part's prompt
    assert "A 1x1 convolution is Y = XW" in page  # the reference
    # the machine's reason (the two words are a pairing's, side by side, in a list of keywords)
    assert "they stand side by side in a list of keywords" in page
    assert page.count('name="student"') == 5


def test_one_decision_applies_to_the_whole_group_and_lands_in_the_gradebook(client, db, tmp_path):
    group_id, csrf = group_for(client, KEYWORDS[0])
    students = [f"g0-s{n}" for n in range(5)]
    response = client.post(
        f"/group/{group_id}",
        data={
            "csrf": csrf,
            "marks": "2",
            "note": "keywords, but the right ones",
            "student": students,
        },
    )
    assert response.status_code == 303
    assert "decided=5" in response.headers["Location"]
    rows = stored(
        db, "SELECT student, marks, note, reviewer FROM overrides WHERE item_id = 'e.explanation'"
    )
    assert sorted(rows) == [(s, 2.0, "keywords, but the right ones", REVIEWER) for s in students]
    assert "16 answers in 4 groups" in client.get("/queue").get_data(as_text=True)
    out = tmp_path / "report"
    assert main(["report", "--db", str(db), "--out", str(out)]) == 0
    grades = list(csv.DictReader(io.StringIO((out / "instructor" / "grades.csv").read_text())))
    by_student = {row["student"]: row for row in grades}
    assert all(by_student[s]["part e (5)"] == "2" for s in students)
    assert by_student["g1-s0"]["part e (5)"] == "0"


def test_a_decision_can_apply_to_chosen_students_of_a_group_only(client, db):
    group_id, csrf = group_for(client, KEYWORDS[2])
    client.post(f"/group/{group_id}", data={"csrf": csrf, "marks": "3", "student": ["g2-s1"]})
    assert stored(db, "SELECT student FROM overrides") == [("g2-s1",)]
    page = client.get(f"/group/{group_id}").get_data(as_text=True)
    assert page.count('name="student"') == 5  # the group is still there, four to decide
    assert page.count(" checked>") == 4


def test_twenty_flagged_answers_in_four_groups_take_four_decisions(tmp_path, capsys):
    db = grade(tmp_path, CLASS)
    client = create_app(db, REVIEWER, token=TOKEN).test_client()
    location = client.get(f"/queue?token={TOKEN}").headers["Location"]
    decisions = 0
    while True:
        queue = client.get(location).get_data(as_text=True)
        ids = group_ids(queue)
        if not ids:
            break
        page = client.get(f"/group/{ids[0]}").get_data(as_text=True)
        students = re.findall(r'name="student" value="([^"]+)"[^>]* checked>', page)
        response = client.post(
            f"/group/{ids[0]}", data={"csrf": csrf_of(page), "marks": "1", "student": students}
        )
        assert response.status_code == 303
        decisions += 1
        location = "/queue"
        assert decisions <= 4
    assert decisions == 4
    assert "Nothing needs review" in client.get("/queue").get_data(as_text=True)
    assert stored(db, "SELECT COUNT(*) FROM decisions") == [(20,)]


@pytest.mark.parametrize(
    ("form", "message"),
    [
        ({"marks": "4", "student": ["g0-s0"]}, "marks must be between 0 and 3"),
        ({"marks": "nan", "student": ["g0-s0"]}, "marks must be a number"),
        ({"marks": "1", "student": ["g1-s0"]}, "did not write this group"),
        ({"marks": "1"}, "choose at least one student"),
        ({"marks": "1", "student": ["g0-s0"], "note": "x" * 2001}, "a note is at most 2000"),
    ],
    ids=[
        "more than the item is worth",
        "not a number",
        "a student of another group",
        "nobody",
        "a note too long",
    ],
)
def test_an_impossible_decision_is_refused_and_records_nothing(client, db, form, message):
    group_id, csrf = group_for(client, KEYWORDS[0])
    response = client.post(f"/group/{group_id}", data={**form, "csrf": csrf})
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert stored(db, "SELECT COUNT(*) FROM decisions") == [(0,)]


# --- every item of every student -----------------------------------------------------------


def student_page(client, student: str) -> str:
    students = client.get("/students").get_data(as_text=True)
    link = re.search(rf'<a href="(/student/[^"]+)">{re.escape(student)}</a>', students)
    return link.group(1)


def test_any_item_of_any_student_can_be_overridden_and_the_history_is_kept(client, db):
    path = student_page(client, "g3-s4")
    page = client.get(path).get_data(as_text=True)
    assert 'id="item-a.params"' in page and 'id="item-e.explanation"' in page
    csrf = csrf_of(page)
    # a.params was marked correct by the machine: overridable all the same.
    assert client.post(f"{path}/a.params", data={"csrf": csrf, "marks": "1"}).status_code == 303
    for marks, note in (("1", "first look"), ("2.5", "on second thoughts")):
        response = client.post(
            f"{path}/e.explanation", data={"csrf": csrf, "marks": marks, "note": note}
        )
        assert response.status_code == 303
    history = stored(
        db,
        "SELECT marks, previous_marks, note, reviewer FROM decisions WHERE student = 'g3-s4'"
        " AND item_id = 'e.explanation' ORDER BY id",
    )
    assert history == [
        (1.0, 0.0, "first look", REVIEWER),
        (2.5, 1.0, "on second thoughts", REVIEWER),
    ]
    assert stored(
        db, "SELECT marks FROM overrides WHERE student = 'g3-s4' AND item_id = 'a.params'"
    )
    page = client.get(path).get_data(as_text=True)
    assert "first look" in page and "on second thoughts" in page
    assert "Marks set by an instructor: 2.5/3: on second thoughts" in page  # the latest applies


def test_the_cli_override_signs_and_appends_to_the_same_trail(db, capsys):
    for marks in ("1", "2"):
        assert (
            main(["override", "--db", str(db), "g0-s0", "e.explanation", marks, "--reviewer", "Bo"])
            == 0
        )
    assert main(["override", "--db", str(db), "g0-s1", "e.explanation", "1"]) == 0
    rows = stored(db, "SELECT student, marks, previous_marks, reviewer FROM decisions ORDER BY id")
    assert rows[:2] == [("g0-s0", 1.0, 0.0, "Bo"), ("g0-s0", 2.0, 1.0, "Bo")]
    assert rows[2][0] == "g0-s1" and rows[2][3] not in ("", "Bo")  # the OS user


def test_an_older_gradebook_gets_the_trail_with_its_overrides_in_it(db, capsys):
    assert main(["override", "--db", str(db), "g0-s0", "e.explanation", "2"]) == 0
    with sqlite3.connect(db) as connection:  # as a gradebook written before the trail
        connection.execute("DROP VIEW final_marks")
        connection.execute("DROP TABLE decisions")
        connection.execute("DROP TABLE regrade_changes")
        connection.execute("ALTER TABLE overrides DROP COLUMN reviewer")
    assert main(["review", "--db", str(db)]) == 0
    rows = stored(db, "SELECT student, marks, reviewer, previous_marks FROM decisions")
    assert len(rows) == 1 and rows[0][:2] == ("g0-s0", 2.0) and rows[0][3] is None
    assert rows[0][2].startswith("unknown")


# --- escaping ------------------------------------------------------------------------------


def test_hostile_student_ids_and_answers_are_escaped_on_every_page(client):
    path = student_page(client, "&#34;&gt;&lt;script&gt;alert(&#34;id&#34;)&lt;/script&gt;")
    group_id, _ = group_for(
        client, "&lt;img src=x onerror=alert(1)&gt; token pixel channel embedding"
    )
    pages = ["/queue", "/students", path, f"/group/{group_id}"]
    for url in pages:
        page = client.get(url).get_data(as_text=True)
        assert "<script>alert" not in page and "<img src=x" not in page, url
    group = client.get(f"/group/{group_id}").get_data(as_text=True)
    assert 'value="&#34;&gt;&lt;script&gt;alert(&#34;id&#34;)&lt;/script&gt;"' in group
    # Decided by its escaped id, the hostile student gets the marks.
    csrf = csrf_of(group)
    client.post(f"/group/{group_id}", data={"csrf": csrf, "marks": "1", "student": [HOSTILE_ID]})
    assert "Marks set by an instructor: 1/3" in client.get(path).get_data(as_text=True)


# --- rebuilding the pages ------------------------------------------------------------------


def test_the_rebuild_button_writes_the_pages_with_the_decisions(client, tmp_path):
    group_id, csrf = group_for(client, KEYWORDS[0])
    client.post(f"/group/{group_id}", data={"csrf": csrf, "marks": "2", "student": ["g0-s0"]})
    assert client.post("/rebuild", data={"csrf": csrf}).status_code == 200
    grades = (tmp_path / "rebuilt" / "instructor" / "grades.csv").read_text(encoding="utf-8")
    assert '"g0-s0"' in grades
    row = next(r for r in csv.DictReader(io.StringIO(grades)) if r["student"] == "g0-s0")
    assert row["part e (5)"] == "2"


def test_without_an_output_folder_the_app_says_which_command_rebuilds(db):
    client = create_app(db, REVIEWER, token=TOKEN).test_client()
    client.get(f"/queue?token={TOKEN}")
    page = client.get("/queue").get_data(as_text=True)
    assert "/rebuild" not in page
    group_id = group_ids(page)[0]
    group = client.get(f"/group/{group_id}").get_data(as_text=True)
    student = re.search(r'name="student" value="([^"]+)"', group).group(1)
    response = client.post(
        f"/group/{group_id}",
        data={"csrf": csrf_of(group), "marks": "1", "student": [student]},
        follow_redirects=True,
    )
    assert "grader report --db FILE --out DIR" in response.get_data(as_text=True)
    assert client.post("/rebuild", data={"csrf": csrf_of(group)}).status_code == 400


# --- the re-grade report -------------------------------------------------------------------


def test_a_regrade_reports_changed_marks_and_a_lapsed_override(tmp_path, capsys):
    answers = {"kept": KEYWORDS[0], "lapses": KEYWORDS[1], "untouched": KEYWORDS[2]}
    db = grade(tmp_path, answers)
    assert main(["override", "--db", str(db), "kept", "e.explanation", "2"]) == 0
    assert main(["override", "--db", str(db), "lapses", "e.explanation", "3"]) == 0
    capsys.readouterr()
    answers["lapses"] = "something else entirely"
    write_submissions(tmp_path / "subs", answers)
    # untouched's a.params answer changes too: its marks change, no override involved.
    (tmp_path / "subs" / "s2.yaml").write_text(
        (tmp_path / "subs" / "s2.yaml").read_text().replace("PQD(PQC+1)", "PQD"), encoding="utf-8"
    )
    out = tmp_path / "out"
    assert main(["grade", str(tmp_path / "subs"), "--rubric", str(RUBRIC), "--out", str(out)]) == 0
    err = capsys.readouterr().err
    assert "1 student's marks changed (1 item), 1 override kept, 1 lapsed" in err
    assert "lapses e.explanation: the override (3 marks) lapsed" in err
    assert "untouched a.params: 2 -> 0 marks" in err
    client = create_app(db, REVIEWER, token=TOKEN).test_client()
    client.get(f"/changes?token={TOKEN}")
    page = client.get("/changes").get_data(as_text=True)
    assert page.count('<tr class="lapsed">') == 1 and page.count('<tr class="marks">') == 1
    assert "something else entirely" in page
    assert "something else entirely" in client.get("/queue").get_data(as_text=True)


def test_a_regrade_that_changes_nothing_says_nothing(tmp_path, capsys):
    grade(tmp_path, {"s": KEYWORDS[0]})
    capsys.readouterr()
    out = tmp_path / "out"
    assert main(["grade", str(tmp_path / "subs"), "--rubric", str(RUBRIC), "--out", str(out)]) == 0
    assert "re-grade" not in capsys.readouterr().err


# --- the command ---------------------------------------------------------------------------


def test_serve_listens_on_localhost_and_prints_a_url_with_a_fresh_token(db):
    command = [sys.executable, "-m", "grader", "serve", "--db", str(db), "--port", "0"]
    server = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        server.stdout.readline()
        url = server.stdout.readline().strip()
        match = re.fullmatch(r"http://127\.0\.0\.1:(\d+)/\?token=([\w-]{40,})", url)
        assert match, url
        port, token = match.groups()
        assert token != TOKEN

        def status(path: str) -> int:
            connection = http.client.HTTPConnection("127.0.0.1", int(port))
            connection.request("GET", path)
            return connection.getresponse().status

        assert status("/queue") == 403
        assert status("/queue?token=" + token[:-1]) == 403
        assert status("/queue?token=" + token) == 302
    finally:
        server.terminate()
        server.wait()


def test_serve_refuses_a_missing_gradebook(tmp_path, capsys):
    assert main(["serve", "--db", str(tmp_path / "none.sqlite")]) == 2
    assert "no gradebook at" in capsys.readouterr().err


# --- group decisions from the command line -------------------------------------------------


def review_json(db: Path, capsys) -> dict:
    capsys.readouterr()
    assert main(["review", "--db", str(db), "--json"]) == 0
    return json.loads(capsys.readouterr().out)


def test_review_json_lists_each_group_with_the_id_the_app_uses(client, db, capsys):
    queue = review_json(db, capsys)
    assert queue["question"] == "22-52-Q4"
    by_answer = {group["answer"]: group for group in queue["groups"]}
    assert set(by_answer) == {*KEYWORDS, HOSTILE_ANSWER}
    group = by_answer[KEYWORDS[1]]
    assert group["item"] == "e.explanation"
    assert group["students"] == [f"g1-s{n}" for n in range(5)]
    assert group["verdict"] == "needs_review" and group["max_marks"] == 3
    assert any("they stand side by side in a list of keywords" in r for r in group["reasons"])
    assert group["id"] == group_for(client, KEYWORDS[1])[0]
    assert [g["id"] for g in queue["groups"]] == group_ids(client.get("/queue").get_data(True))


def test_group_ids_are_the_same_after_a_regrade(db, tmp_path, capsys):
    before = [group["id"] for group in review_json(db, capsys)["groups"]]
    out = tmp_path / "out"
    assert main(["grade", str(tmp_path / "subs"), "--rubric", str(RUBRIC), "--out", str(out)]) == 0
    assert [group["id"] for group in review_json(db, capsys)["groups"]] == before


def test_override_answer_group_decides_every_student_of_the_group(db, capsys):
    group = next(g for g in review_json(db, capsys)["groups"] if g["answer"] == KEYWORDS[2])
    command = ["override", "--db", str(db), "--answer-group", group["id"], "2.5"]
    assert main([*command, "--note", "fair", "--reviewer", "Bo"]) == 0
    assert "2.5 marks for 5 students" in capsys.readouterr().out
    rows = stored(
        db, "SELECT student, item_id, marks, previous_marks, note, reviewer FROM decisions"
    )
    assert sorted(rows) == [(f"g2-s{n}", "e.explanation", 2.5, 0.0, "fair", "Bo") for n in range(5)]
    answers = [g["answer"] for g in review_json(db, capsys)["groups"]]
    assert KEYWORDS[2] not in answers and len(answers) == 4


def test_twenty_flagged_answers_in_four_groups_take_four_commands(tmp_path, capsys):
    db = grade(tmp_path, CLASS)
    commands = 0
    while groups := review_json(db, capsys)["groups"]:
        assert main(["override", "--db", str(db), "--answer-group", groups[0]["id"], "1"]) == 0
        commands += 1
        assert commands <= 4
    assert commands == 4
    assert stored(db, "SELECT COUNT(*) FROM decisions") == [(20,)]


def test_a_group_already_decided_can_be_decided_again_for_all_its_students(db, capsys):
    group = review_json(db, capsys)["groups"][0]
    assert main(["override", "--db", str(db), "--answer-group", group["id"], "1"]) == 0
    assert main(["override", "--db", str(db), "--answer-group", group["id"], "2"]) == 0
    latest = stored(
        db, "SELECT DISTINCT marks, previous_marks FROM decisions WHERE marks = 2 ORDER BY id"
    )
    assert latest == [(2.0, 1.0)]
    assert stored(db, "SELECT COUNT(*) FROM decisions") == [(2 * len(group["students"]),)]


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--answer-group", "0123456789abcdef", "1"], "no answer group '0123456789abcdef'"),
        (["--answer-group", "GROUP", "4"], "marks must be between 0 and 3"),
        (["--answer-group", "GROUP", "nan"], "marks must be a number"),
        (["--answer-group", "GROUP", "g0-s0", "e.explanation", "1"], "takes only MARKS"),
        (["g0-s0", "1"], "STUDENT ITEM MARKS"),
    ],
    ids=[
        "an unknown group",
        "more than the item is worth",
        "not a number",
        "a student with a group",
        "a student without an item",
    ],
)
def test_an_impossible_group_override_is_refused_and_records_nothing(
    db, capsys, arguments, message
):
    group = next(g for g in review_json(db, capsys)["groups"] if g["answer"] == KEYWORDS[0])
    arguments = [group["id"] if a == "GROUP" else a for a in arguments]
    assert main(["override", "--db", str(db), *arguments]) == 2
    assert message in capsys.readouterr().err
    assert stored(db, "SELECT COUNT(*) FROM decisions") == [(0,)]


def test_review_text_names_each_group_id(db, capsys):
    ids = [group["id"] for group in review_json(db, capsys)["groups"]]
    assert main(["review", "--db", str(db)]) == 0
    assert re.findall(r"^  group: ([0-9a-f]{16})$", capsys.readouterr().out, re.M) == ids


# --- the final_marks view ------------------------------------------------------------------


def final_marks(db: Path) -> dict[tuple[str, str], tuple]:
    rows = stored(db, "SELECT student, item_id, marks, verdict, decided_by FROM final_marks")
    return {(student, item): (marks, verdict, how) for student, item, marks, verdict, how in rows}


def report_of(db: Path, out: Path) -> tuple[dict, dict]:
    """`grader report`'s grades.csv rows by student, and its results.json items."""
    assert main(["report", "--db", str(db), "--out", str(out)]) == 0
    grades = (out / "instructor" / "grades.csv").read_text(encoding="utf-8")
    rows = {row["student"]: row for row in csv.DictReader(io.StringIO(grades))}
    results = json.loads((out / "instructor" / "results.json").read_text(encoding="utf-8"))
    items = {
        (result["student"], item_id): item
        for result in results["results"]
        for item_id, item in result["items"].items()
    }
    return rows, items


def assert_view_agrees_with_report(db: Path, out: Path) -> dict:
    rows, items = report_of(db, out)
    view = final_marks(db)
    assert set(view) == set(items)
    for key, item in items.items():
        assert view[key][:2] == (item["marks"], item["verdict"]), key
    for student, row in rows.items():
        part_e = sum(
            marks for (s, i), (marks, _, _) in view.items() if s == student and i[0] == "e"
        )
        assert row["part e (5)"] == f"{part_e:g}", student
        total = sum(marks for (s, _), (marks, _, _) in view.items() if s == student)
        assert row["total (25)"] == f"{total:g}", student
    return view


# Answers that Python's str.strip() takes for the same answer and SQL's trim does not. The
# loaders strip what they read, so such an answer reaches the gradebook by another way (a
# future reader, an older gradebook): stored here through the gradebook's own API.
WHITESPACE = {
    "a trailing tab": KEYWORDS[0] + "\t",
    "a trailing newline": KEYWORDS[1] + "\n",
    "a no-break space": "\u00a0" + KEYWORDS[2] + "\u2003",
}


def restore(db: Path, student: str, **changes) -> None:
    """Store `student`'s e.explanation again with `changes`, as a re-grade would."""
    connection = gradebook.connect(db)
    try:
        run = gradebook.latest_run(connection)
        result = next(
            r for r in gradebook.load_batch(connection, run).results if r.student == student
        )
        items = {**result.items}
        items["e.explanation"] = dataclasses.replace(items["e.explanation"], **changes)
        run_id = gradebook.start_run(connection, run.rubric, run.rubric.source_text)
        gradebook.store_submission(
            connection, run_id, run.rubric.id, dataclasses.replace(result, items=items)
        )
    finally:
        connection.close()


def test_final_marks_agrees_with_the_report_when_only_spaces_of_an_answer_change(tmp_path, capsys):
    answers = {student: text.strip() for student, text in WHITESPACE.items()}
    answers.update(changed=KEYWORDS[3], capped=KEYWORDS[3], machine=KEYWORDS[3])
    db = grade(tmp_path, answers)
    for student in [*WHITESPACE, "changed", "capped"]:
        assert main(["override", "--db", str(db), student, "e.explanation", "2.5"]) == 0
    for student, text in WHITESPACE.items():
        restore(db, student, answer=text)
    restore(db, "changed", answer="something else entirely")
    restore(db, "capped", max_marks=2.0)  # as a rubric that made the item worth less
    assert stored(
        db,
        "SELECT answer FROM item_results WHERE student = 'a trailing tab'"
        " AND item_id = 'e.explanation'",
    ) == [(WHITESPACE["a trailing tab"],)]
    capsys.readouterr()
    view = assert_view_agrees_with_report(db, tmp_path / "report")
    for student in WHITESPACE:
        assert view[(student, "e.explanation")] == (2.5, "partial", "override"), student
    assert view[("changed", "e.explanation")] == (
        0.0,
        "needs_review",
        "override lapsed: the answer changed",
    )
    assert view[("capped", "e.explanation")][:2] == (2.0, "needs_review")
    assert view[("machine", "e.explanation")][2] == "machine"
    assert view[("machine", "a.params")][1:] == ("correct", "machine")


def test_final_marks_after_group_decisions_agrees_with_the_report(db, tmp_path, capsys):
    for group in review_json(db, capsys)["groups"][:2]:
        assert main(["override", "--db", str(db), "--answer-group", group["id"], "1.5"]) == 0
    view = assert_view_agrees_with_report(db, tmp_path / "report")
    assert sum(how == "override" for _, _, how in view.values()) == 10


def test_an_older_gradebook_gets_answer_keys_and_the_view(db, capsys):
    assert main(["override", "--db", str(db), "g0-s0", "e.explanation", "2"]) == 0
    with sqlite3.connect(db) as connection:  # as a gradebook written before the view
        connection.execute("DROP VIEW final_marks")
        connection.execute("UPDATE item_results SET answer_key = NULL")
        connection.execute("UPDATE overrides SET answer_key = NULL")
    assert main(["review", "--db", str(db)]) == 0
    assert final_marks(db)[("g0-s0", "e.explanation")] == (2.0, "partial", "override")
    assert stored(db, "SELECT COUNT(*) FROM item_results WHERE answer_key IS NULL") == [(0,)]


# --- the re-grade changes as CSV, and --strict ---------------------------------------------


def regrade_with_a_lapse(tmp_path: Path, capsys) -> tuple[Path, list[str]]:
    """A class graded, one override kept and one lapsing, one answer's marks changing; the
    command line of the re-grade."""
    answers = {"kept": KEYWORDS[0], "lapses": KEYWORDS[1], "untouched": KEYWORDS[2]}
    db = grade(tmp_path, answers)
    assert main(["override", "--db", str(db), "kept", "e.explanation", "2"]) == 0
    assert main(["override", "--db", str(db), "lapses", "e.explanation", "3"]) == 0
    answers["lapses"] = '=HYPERLINK("http://evil.example")'
    write_submissions(tmp_path / "subs", answers)
    capsys.readouterr()
    return db, ["grade", str(tmp_path / "subs"), "--rubric", str(RUBRIC), "--db", str(db)]


def test_the_changes_of_a_regrade_are_written_as_csv(tmp_path, capsys):
    _, command = regrade_with_a_lapse(tmp_path, capsys)
    (tmp_path / "subs" / "s2.yaml").write_text(
        (tmp_path / "subs" / "s2.yaml").read_text().replace("PQD(PQC+1)", "PQD"), encoding="utf-8"
    )
    changes = tmp_path / "changes.csv"
    assert main([*command, "--changes", str(changes)]) == 0
    rows = list(csv.reader(io.StringIO(changes.read_text(encoding="utf-8"))))
    assert rows[0] == [
        "student", "item", "change", "old marks", "new marks", "old answer", "new answer"
    ]  # fmt: skip
    assert sorted(rows[1:]) == [
        ["lapses", "e.explanation", "lapsed", "3", "0", KEYWORDS[1],
         "'=HYPERLINK(\"http://evil.example\")"],
        ["untouched", "a.params", "marks", "2", "0", "PQD(PQC+1)", "PQD"],
    ]  # fmt: skip


def test_a_regrade_that_changes_nothing_writes_a_csv_with_its_header_only(tmp_path, capsys):
    db = grade(tmp_path, {"s": KEYWORDS[0]})
    changes = tmp_path / "changes.csv"
    command = ["grade", str(tmp_path / "subs"), "--rubric", str(RUBRIC), "--db", str(db)]
    assert main([*command, "--changes", str(changes)]) == 0
    assert changes.read_text(encoding="utf-8").splitlines() == [
        '"student","item","change","old marks","new marks","old answer","new answer"'
    ]


def test_changes_without_a_gradebook_is_a_usage_error(tmp_path, capsys):
    write_submissions(tmp_path / "subs", {"s": KEYWORDS[0]})
    command = ["grade", str(tmp_path / "subs"), "--rubric", str(RUBRIC)]
    assert main([*command, "--changes", str(tmp_path / "changes.csv")]) == 2
    assert "--changes needs a gradebook" in capsys.readouterr().err
    assert not (tmp_path / "changes.csv").exists()


def test_strict_fails_a_regrade_in_which_an_override_lapsed(tmp_path, capsys):
    _, command = regrade_with_a_lapse(tmp_path, capsys)
    assert main([*command, "--strict"]) == 5
    assert "strict: 1 override lapsed (exit code 5)" in capsys.readouterr().err


def test_without_strict_a_lapsed_override_is_reported_and_the_exit_code_is_0(tmp_path, capsys):
    _, command = regrade_with_a_lapse(tmp_path, capsys)
    assert main(command) == 0
    assert "1 lapsed" in capsys.readouterr().err


def test_strict_fails_when_two_files_claim_one_student(tmp_path, capsys):
    write_submissions(tmp_path / "subs", {"s": KEYWORDS[0], "S": KEYWORDS[1]})
    command = ["grade", str(tmp_path / "subs"), "--rubric", str(RUBRIC)]
    assert main(command) == 0
    assert main([*command, "--strict"]) == 5
    assert "strict: 1 file skipped or conflicted" in capsys.readouterr().err


def test_strict_fails_when_a_file_cannot_be_read(tmp_path, capsys):
    write_submissions(tmp_path / "subs", {"s": KEYWORDS[0]})
    (tmp_path / "subs" / "broken.yaml").write_text("student: [unclosed\n", encoding="utf-8")
    command = ["grade", str(tmp_path / "subs"), "--rubric", str(RUBRIC), "--strict"]
    assert main(command) == 5
    assert "strict: 1 file skipped or conflicted" in capsys.readouterr().err


def test_strict_passes_a_clean_regrade(tmp_path, capsys):
    db = grade(tmp_path, {"s": KEYWORDS[0]})
    assert main(["override", "--db", str(db), "s", "e.explanation", "2"]) == 0
    command = ["grade", str(tmp_path / "subs"), "--rubric", str(RUBRIC), "--db", str(db)]
    assert main([*command, "--strict"]) == 0


# --- several TAs on a network --------------------------------------------------------------

TAS = {"token-of-ada": "Ada", "token-of-bo": "Bo"}
LAN = "192.168.1.20"


@pytest.fixture
def team(db):
    """The app for two TAs on a network address: a test client per TA, signed in."""
    app = create_app(db, "unused", reviewers=TAS, host=LAN)
    clients = {}
    for token, name in TAS.items():
        clients[name] = app.test_client()
        response = clients[name].get(f"/queue?token={token}", headers={"Host": f"{LAN}:8765"})
        assert response.status_code == 302
    return clients


def lan_get(client, path: str) -> str:
    return client.get(path, headers={"Host": f"{LAN}:8765"}).get_data(as_text=True)


def test_each_ta_signs_decisions_with_the_name_of_their_token(team, db):
    for name, answer in (("Ada", KEYWORDS[0]), ("Bo", KEYWORDS[1])):
        client = team[name]
        assert f"deciding as {name}" in lan_get(client, "/queue")
        group_id = next(
            i for i in group_ids(lan_get(client, "/queue"))
            if f'<span class="answer written">{answer}</span>' in lan_get(client, f"/group/{i}")
        )  # fmt: skip
        page = lan_get(client, f"/group/{group_id}")
        response = client.post(
            f"/group/{group_id}",
            data={
                "csrf": csrf_of(page),
                "marks": "1",
                "student": ["g0-s0" if name == "Ada" else "g1-s0"],
            },
            headers={"Host": f"{LAN}:8765"},
        )
        assert response.status_code == 303
    assert sorted(stored(db, "SELECT student, reviewer FROM decisions")) == [
        ("g0-s0", "Ada"),
        ("g1-s0", "Bo"),
    ]


def test_a_form_served_to_one_ta_cannot_be_posted_with_another_tas_token(team, db):
    page = lan_get(team["Ada"], "/students")
    path = re.search(r'<a href="(/student/[^"]+)">g0-s0</a>', page).group(1)
    response = team["Bo"].post(
        f"{path}/e.explanation",
        data={"csrf": csrf_of(lan_get(team["Ada"], path)), "marks": "1"},
        headers={"Host": f"{LAN}:8765"},
    )
    assert response.status_code == 403
    assert stored(db, "SELECT COUNT(*) FROM decisions") == [(0,)]


@pytest.mark.parametrize(
    ("host", "status"),
    [(f"{LAN}:8765", 302), ("127.0.0.1:8765", 302), ("evil.example:8765", 400),
     ("192.168.1.21:8765", 400)],
    ids=["the chosen address", "the local address", "another name", "another address"],
)  # fmt: skip
def test_the_host_check_allows_the_chosen_address_and_no_other(db, host, status):
    client = create_app(db, "unused", reviewers=TAS, host=LAN).test_client()
    assert client.get("/queue?token=token-of-bo", headers={"Host": host}).status_code == status


def test_without_a_token_of_the_team_a_request_is_refused(db):
    client = create_app(db, "unused", reviewers=TAS, host=LAN).test_client()
    for token in ("", "token-of-ad", "token-of-adaa", TOKEN):
        response = client.get(f"/queue?token={token}", headers={"Host": f"{LAN}:8765"})
        assert response.status_code == 403, token


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--host", "0.0.0.0", "--reviewers", "a,b"], "the address the TAs will type"),
        (["--host", "192.168.1.20"], "needs --reviewers"),
        (["--reviewers", "a,,b"], "distinct names"),
        (["--reviewers", "a,a"], "distinct names"),
        (["--reviewers", "a,b", "--reviewer", "c"], "not both"),
    ],
    ids=["every address", "a network without names", "an empty name", "a name twice", "both"],
)
def test_serve_refuses_an_unsafe_or_unclear_team(db, capsys, arguments, message):
    assert main(["serve", "--db", str(db), *arguments]) == 2
    assert message in capsys.readouterr().err


def test_serve_for_a_team_prints_one_url_per_ta_each_with_its_own_token(db):
    command = [sys.executable, "-m", "grader", "serve", "--db", str(db), "--port", "0"]
    command += ["--host", "127.0.0.2", "--reviewers", "Ada,Bo"]
    server = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        server.stdout.readline()
        urls = dict(server.stdout.readline().strip().split(": ", 1) for _ in range(2))
        assert set(urls) == {"Ada", "Bo"}
        matches = [
            re.fullmatch(r"http://127\.0\.0\.2:(\d+)/\?token=([\w-]{40,})", u)
            for u in urls.values()
        ]
        assert all(matches), urls
        (port,) = {m.group(1) for m in matches}
        tokens = [m.group(2) for m in matches]
        assert tokens[0] != tokens[1]

        def status(path: str) -> int:
            connection = http.client.HTTPConnection("127.0.0.2", int(port))
            connection.request("GET", path)
            return connection.getresponse().status

        assert status("/queue") == 403
        assert [status(f"/queue?token={token}") for token in tokens] == [302, 302]
    finally:
        server.terminate()
        server.wait()


def test_review_says_where_each_transcript_answer_was_found(tmp_path, capsys):
    raw = ROOT / "submissions" / "22-52-q4" / "raw" / "seed-student-2-raw.md"
    out = tmp_path / "out"
    command = ["grade", str(raw), "--rubric", str(RUBRIC), "--out", str(out), "--jobs", "1"]
    assert main(command) == 0
    db = out / "gradebook.sqlite"
    group = next(g for g in review_json(db, capsys)["groups"] if g["item"] == "a.params")
    assert group["students"] == ["seed-student-2-raw"]
    assert group["found"] == ["from line 9: bias: CD + D"]
    assert main(["review", "--db", str(db)]) == 0
    assert "  seed-student-2-raw: from line 9: bias: CD + D\n" in capsys.readouterr().out


def test_the_pages_load_the_bundled_math_font_from_the_server(client):
    page = client.get("/queue")
    assert "font-src 'self'" in page.headers["Content-Security-Policy"]
    assert 'src: url("/fonts/STIXMath-Regular.woff2")' in page.get_data(as_text=True)
    font = client.get("/fonts/STIXMath-Regular.woff2")
    assert font.status_code == 200 and font.mimetype == "font/woff2"
    assert font.data[:4] == b"wOF2"  # a WOFF2 file
    assert "SIL OPEN FONT LICENSE" in client.get("/fonts/OFL.txt").get_data(as_text=True).upper()
    assert client.get("/fonts/..%2Fgradebook.sqlite").status_code == 404
    assert client.get("/fonts/other.woff2").status_code == 404
