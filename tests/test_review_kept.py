"""`grader serve` keeps the class between pages (`review_app.Served`): a page reads the class
again only when another connection changed the gradebook, and a decision made in the app
changes the kept queue and totals in place. Every page is then what a fresh read of the
gradebook shows, byte for byte (CSRF tokens aside)."""

from __future__ import annotations

import re
import shutil
import sqlite3
import threading
from pathlib import Path

import pytest
from test_review_app import CLASS, KEYWORDS, REVIEWER, TOKEN, csrf_of, grade, group_ids, stored

from grader import gradebook
from grader.answer_groups import ReviewQueue, answer_group, group_id, key_group_id
from grader.cli import main
from grader.model import answer_group_key
from grader.review_app import Class, create_app

ROOT = Path(__file__).resolve().parent.parent
RUBRIC = ROOT / "rubrics" / "22-52-q4.yaml"


def open_client(db: Path):
    client = create_app(db, REVIEWER, token=TOKEN).test_client()
    assert client.get(f"/queue?token={TOKEN}").status_code == 302
    return client


def pages(client) -> dict[str, str]:
    """Every page a TA reads: the queue, the students, each group of the queue and each
    student's page, CSRF tokens aside."""
    shown = {path: client.get(path).get_data(as_text=True) for path in ("/queue", "/students")}
    for group in group_ids(shown["/queue"]):
        shown[f"/group/{group}"] = client.get(f"/group/{group}").get_data(as_text=True)
    for page in re.findall(r'href="(/student/[^"#]+)"', shown["/students"]):
        shown[page] = client.get(page).get_data(as_text=True)
    return {
        path: re.sub(r'name="csrf" value="[0-9a-f]+"', "", text) for path, text in shown.items()
    }


def group_of(client, answer: str) -> tuple[str, str, list[str]]:
    """The group of `answer` in the queue: its id, its page's CSRF token, its students."""
    for group in group_ids(client.get("/queue").get_data(as_text=True)):
        page = client.get(f"/group/{group}").get_data(as_text=True)
        if f'<span class="answer written">{answer}</span>' in page:
            students = re.findall(r'name="student" value="([^"]+)"', page)
            return group, csrf_of(page), students
    raise AssertionError(f"no group for {answer!r}")


def page_of(client, student: str) -> str:
    students = client.get("/students").get_data(as_text=True)
    return re.search(rf'<a href="(/student/[^"]+)">{re.escape(student)}</a>', students).group(1)


@pytest.fixture
def held_db(tmp_path, capsys) -> Path:
    """The class of test_review_app, then g2-s0's own file could not be read in a later run:
    their result is held for a person, each item waiting."""
    db = grade(tmp_path, CLASS)
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "g2-s0.yaml").write_text("student: [unclosed\n", encoding="utf-8")
    command = ["grade", str(broken), "--rubric", str(RUBRIC), "--out", str(db.parent)]
    main(command)
    capsys.readouterr()
    return db


def decide_group(client, answer: str, marks: str, chosen: slice = slice(None)) -> int:
    group, csrf, students = group_of(client, answer)
    form = {"csrf": csrf, "marks": marks, "student": students[chosen]}
    return client.post(f"/group/{group}", data=form).status_code


def decide_item(client, student: str, item_id: str, marks: str) -> int:
    path = page_of(client, student)
    csrf = csrf_of(client.get(path).get_data(as_text=True))
    return client.post(f"{path}/{item_id}", data={"csrf": csrf, "marks": marks}).status_code


def decide_again(client, group: str, marks: str) -> int:
    """The group `group`, no longer in the queue, decided again from its page."""
    page = client.get(f"/group/{group}").get_data(as_text=True)
    students = re.findall(r'name="student" value="([^"]+)"[^>]* checked>', page)
    form = {"csrf": csrf_of(page), "marks": marks, "student": students}
    return client.post(f"/group/{group}", data=form).status_code


FIRST = {}  # the id of the group of KEYWORDS[0], once decided


def first_group(client) -> int:
    FIRST["id"] = group_of(client, KEYWORDS[0])[0]
    return decide_group(client, KEYWORDS[0], "1", slice(0, 2))


DECISIONS = [
    ("two students of a group", first_group, 303),
    ("the rest of that group", lambda c: decide_group(c, KEYWORDS[0], "2"), 303),
    ("a whole group, the held student in it", lambda c: decide_group(c, KEYWORDS[2], "3"), 303),
    ("an answer on a page", lambda c: decide_item(c, "g1-s3", "e.explanation", "1"), 303),
    ("an answer no one waited on", lambda c: decide_item(c, "g3-s1", "a.params", "0"), 303),
    ("the held student's other answer", lambda c: decide_item(c, "g2-s0", "a.params", "1"), 303),
    ("refused: more than the item is worth", lambda c: decide_group(c, KEYWORDS[1], "9"), 400),
    ("an answer decided again", lambda c: decide_item(c, "g1-s3", "e.explanation", "2"), 303),
    ("marks of -0", lambda c: decide_item(c, "g3-s2", "e.explanation", "-0"), 303),
    ("a group out of the queue decided again", lambda c: decide_again(c, FIRST["id"], "0"), 303),
]


def test_after_each_decision_every_page_is_what_a_fresh_read_shows(held_db, monkeypatch):
    client = open_client(held_db)
    assert pages(client) == pages(open_client(held_db))
    held = client.get(page_of(client, "g2-s0")).get_data(as_text=True)
    assert "g2-s0.yaml, could not be graded" in held
    passes = []
    iter_results = gradebook.iter_results

    def counted(*args, **kwargs):
        passes.append(1)
        return iter_results(*args, **kwargs)

    monkeypatch.setattr(gradebook, "iter_results", counted)
    for name, decide, status in DECISIONS:
        before = len(passes)
        assert decide(client) == status, name
        kept = pages(client)
        assert len(passes) == before, f"{name}: the kept class was read again"
        assert kept == pages(open_client(held_db)), name
    decided = 2 + 5 + 5 + 1 + 1 + 1 + 0 + 1 + 1 + 5  # students, decision by decision
    assert stored(held_db, "SELECT COUNT(*) FROM decisions") == [(decided,)]
    assert "Nothing needs review" not in client.get("/queue").get_data(as_text=True)


def test_an_unchanged_gradebook_is_not_read_again_and_a_group_reads_its_members(
    held_db, chunks_read
):
    client = open_client(held_db)
    client.get("/queue")
    chunks_read.clear()
    for path in ("/queue", "/students", "/changes", "/queue"):
        client.get(path)
    assert chunks_read == []
    group, _, students = group_of(client, KEYWORDS[1])
    chunks_read.clear()
    client.get(f"/group/{group}")
    assert sum(chunks_read) == len(students) == 5  # its members' rows alone


def test_a_change_made_elsewhere_shows_on_the_next_page(held_db, tmp_path, capsys):
    client = open_client(held_db)
    before = pages(client)
    # a decision from the command line, another connection: the class is read again
    assert main(["override", "--db", str(held_db), "g1-s0", "e.explanation", "1"]) == 0
    after = pages(client)
    assert after != before and after == pages(open_client(held_db))
    # a student graded meanwhile
    late = tmp_path / "late"
    late.mkdir()
    (late / "late.yaml").write_text(
        "student: late\nquestion: 22-52-Q4\nanswers: {e: {explanation: pixel token}}\n",
        encoding="utf-8",
    )
    command = ["grade", str(late), "--rubric", str(RUBRIC), "--out", str(held_db.parent)]
    assert main(command) == 0
    assert ">late<" in client.get("/students").get_data(as_text=True)
    assert pages(client) == pages(open_client(held_db))
    capsys.readouterr()


def test_a_gradebook_made_anew_in_its_place_is_the_one_shown(tmp_path, capsys):
    db = grade(tmp_path, CLASS)
    client = open_client(db)
    assert "g0-s0" in client.get("/students").get_data(as_text=True)
    shutil.rmtree(db.parent)
    shutil.rmtree(tmp_path / "subs")
    assert grade(tmp_path, {"only-one": KEYWORDS[3]}) == db
    students = client.get("/students").get_data(as_text=True)
    assert "only-one" in students and "g0-s0" not in students
    assert pages(client) == pages(open_client(db))
    capsys.readouterr()


def test_decisions_from_several_tas_at_once_are_each_kept(held_db):
    """The server answers TAs in threads: the kept class is used by one request at a time."""
    client = open_client(held_db)
    students = [f"g{group}-s{n}" for group in (0, 1, 3) for n in range(5)]
    paths = {student: page_of(client, student) for student in students}
    csrf = csrf_of(client.get(paths[students[0]]).get_data(as_text=True))
    statuses = []

    def decide(student: str) -> None:
        own = client.application.test_client()  # each thread its own client of the one app
        own.get(f"/queue?token={TOKEN}")
        form = {"csrf": csrf, "marks": "1"}
        statuses.append(own.post(f"{paths[student]}/e.explanation", data=form).status_code)

    threads = [threading.Thread(target=decide, args=(student,)) for student in students]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert statuses == [303] * len(students)
    assert stored(held_db, "SELECT COUNT(*) FROM decisions") == [(len(students),)]
    assert pages(client) == pages(open_client(held_db))


def test_a_group_is_every_member_a_pass_over_the_class_finds(held_db, capsys):
    """`Class.group` reads a group's members from the stored answers (of its item, or every
    item's for a group out of the queue): the same members, results and order as a pass over
    the whole class; any other id is no group."""
    for student in [f"g0-s{n}" for n in range(5)] + ["g1-s1"]:  # one group decided, one begun
        assert main(["override", "--db", str(held_db), student, "e.explanation", "1"]) == 0
    connection = gradebook.connect(held_db)
    klass = Class(connection, gradebook.latest_run(connection))
    digests = {group_id(i, item) for r in klass.results() for i, item in r.items.items()}
    waiting = {group.id for group in klass.queue.groups()}
    assert waiting and digests - waiting  # groups in the queue and out of it
    for digest in digests:
        assert klass.group(digest) == answer_group(klass.results(), digest), digest
    for other in ("0123456789abcdef", "0123", "../../etc", next(iter(digests)).upper()):
        assert klass.group(other) is None
    capsys.readouterr()


def test_a_decision_the_queue_cannot_follow_reads_the_class_again(held_db, monkeypatch):
    client = open_client(held_db)
    pages(client)
    monkeypatch.setattr(ReviewQueue, "replace", lambda *args: False)
    assert decide_group(client, KEYWORDS[1], "1") == 303
    assert pages(client) == pages(open_client(held_db))


def test_a_decision_that_fails_once_recorded_reads_the_class_again(held_db, monkeypatch):
    client = open_client(held_db)
    pages(client)

    def broken(*args):
        raise RuntimeError("the queue could not follow")

    monkeypatch.setattr(ReviewQueue, "replace", broken)
    assert decide_item(client, "g1-s0", "e.explanation", "1") == 500
    monkeypatch.undo()
    assert stored(held_db, "SELECT COUNT(*) FROM decisions") == [(1,)]  # recorded
    assert pages(client) == pages(open_client(held_db))


def test_a_gradebook_that_could_not_be_opened_for_a_moment_is_opened_again(held_db, monkeypatch):
    client = open_client(held_db)
    before = pages(client)
    away = held_db.with_suffix(".away")
    held_db.rename(away)  # gone for a moment, and could not be opened meanwhile

    def refused(*args, **kwargs):
        raise gradebook.GradebookError("cannot open the gradebook")

    monkeypatch.setattr(gradebook, "connect", refused)
    assert client.get("/queue").status_code == 400
    monkeypatch.undo()
    away.rename(held_db)  # back, the same file
    assert pages(client) == before


def test_a_group_of_an_item_no_longer_in_the_rubric_is_no_group(held_db):
    """A gradebook graded under an earlier rubric keeps that rubric's items' answers: a group
    of an item the rubric no longer has is not found (no page, no decision on it)."""
    with sqlite3.connect(held_db) as connection:
        columns = [row[1] for row in connection.execute("PRAGMA table_info(item_results)")]
        copied = ", ".join("'z.gone'" if column == "item_id" else column for column in columns)
        connection.execute(
            f"INSERT INTO item_results ({', '.join(columns)}) SELECT {copied} FROM item_results"
            " WHERE item_id = 'e.explanation' AND student IN ('g0-s0', 'g0-s1')"
        )
        (group, answer) = connection.execute(
            "SELECT answer_group, answer FROM item_results WHERE item_id = 'z.gone' LIMIT 1"
        ).fetchone()
    gone = key_group_id("z.gone", answer_group_key(group, answer))
    client = open_client(held_db)
    page = client.get(f"/group/{gone}")
    assert page.status_code == 404
    csrf = csrf_of(client.get(page_of(client, "g0-s0")).get_data(as_text=True))
    form = {"csrf": csrf, "marks": "0", "student": ["g0-s0"]}
    assert client.post(f"/group/{gone}", data=form).status_code == 404
    assert stored(held_db, "SELECT COUNT(*) FROM decisions") == [(0,)]


def test_a_group_decision_reads_its_members_before_taking_the_write_lock(held_db, monkeypatch):
    # A group of 12,500 takes seconds to read: meanwhile a grading run must be able to write.
    client = open_client(held_db)
    group, csrf, students = group_of(client, KEYWORDS[1])
    writable = []
    item_answers = gradebook.item_answers

    def while_reading(*args, **kwargs):
        other = sqlite3.connect(held_db, timeout=0)
        try:
            other.execute("BEGIN IMMEDIATE")  # "database is locked" under the app's write lock
            other.rollback()
            writable.append(True)
        except sqlite3.OperationalError:
            writable.append(False)
        finally:
            other.close()
        return item_answers(*args, **kwargs)

    monkeypatch.setattr(gradebook, "item_answers", while_reading)
    form = {"csrf": csrf, "marks": "1", "student": students}
    assert client.post(f"/group/{group}", data=form).status_code == 303
    assert writable == [True]
    assert pages(client) == pages(open_client(held_db))


def test_a_group_changed_between_reading_its_members_and_deciding_is_read_again(
    held_db, tmp_path, monkeypatch, capsys
):
    # g1-s0 re-graded with another answer by a run that commits after the app read the
    # group's members and before it takes the write lock: the members it read are not used.
    client = open_client(held_db)
    group, csrf, students = group_of(client, KEYWORDS[1])
    assert "g1-s0" in students
    regraded = tmp_path / "regraded"
    regraded.mkdir()
    (regraded / "g1-s0.yaml").write_text(
        "student: g1-s0\nquestion: 22-52-Q4\nanswers: {e: {explanation: pixel token}}\n",
        encoding="utf-8",
    )
    reads = []
    members = Class.members

    def then_graded(self, digest):
        found = members(self, digest)
        reads.append(found and [result.student for result in found[1]])
        if len(reads) == 1:
            command = [
                "grade",
                str(regraded),
                "--rubric",
                str(RUBRIC),
                "--out",
                str(held_db.parent),
            ]
            assert main(command) == 0
        return found

    monkeypatch.setattr(Class, "members", then_graded)
    form = {"csrf": csrf, "marks": "1", "student": students}
    refused = client.post(f"/group/{group}", data=form)
    assert refused.status_code == 400
    assert "did not write this group" in refused.get_data(as_text=True)
    assert reads == [students, students[1:]]
    assert stored(held_db, "SELECT COUNT(*) FROM decisions") == [(0,)]
    assert pages(client) == pages(open_client(held_db))
    capsys.readouterr()
