"""`grader review` reads a class a chunk at a time and keeps only the groups someone waits on
(`answer_groups.waiting_groups`): the same queue as `review_queue(answer_groups(batch))` of the
class held whole, printed the same, whatever the chunk."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from grader import exam_report
from grader.answer_groups import (
    ReviewQueue,
    answer_groups,
    group_id,
    review_queue,
    waiting_groups,
)
from grader.cli import main
from grader.model import Batch, ItemResult, SubmissionResult

ROOT = Path(__file__).resolve().parent.parent
RUBRIC = ROOT / "rubrics" / "22-52-q4.yaml"
# Each sent to review ("a list of keywords"), written by several students, spaced differently
# by some (one group, two spellings).
KEYWORDS = ["pixel token channel embedding", "shared weights tokens pixels attention"]


@pytest.fixture
def db(tmp_path, capsys) -> Path:
    folder = tmp_path / "subs"
    folder.mkdir()
    answers = {f"s{n}": KEYWORDS[n % 2] for n in range(7)}
    answers["s5"] = KEYWORDS[1].replace(" ", "  ")  # s5 writes KEYWORDS[1] with more spaces
    for student, explanation in answers.items():
        document = {
            "student": student,
            "question": "22-52-Q4",
            "answers": {"a": {"params": "PQD(PQC+1)"}, "e": {"explanation": explanation}},
        }
        (folder / f"{student}.yaml").write_text(yaml.safe_dump(document), encoding="utf-8")
    out = tmp_path / "out"
    assert main(["grade", str(folder), "--rubric", str(RUBRIC), "--out", str(out)]) == 0
    db = out / "gradebook.sqlite"
    # one student of KEYWORDS[1]'s group decided: the group keeps its other members waiting,
    # and its spellings count every member
    assert main(["override", "--db", str(db), "s1", "e.explanation", "2", "--note", "fine"]) == 0
    capsys.readouterr()
    return db


def review(db: Path, capsys, *options: str) -> tuple[str, str]:
    capsys.readouterr()
    assert main(["review", "--db", str(db), *options]) == 0
    captured = capsys.readouterr()
    return captured.out, captured.err


def test_review_reads_the_class_a_chunk_at_a_time_and_prints_the_same(
    db, capsys, monkeypatch, chunks_read
):
    whole = review(db, capsys), review(db, capsys, "--json")
    assert max(chunks_read) == 7
    chunks_read.clear()
    monkeypatch.setattr(exam_report, "EXAM_CHUNK", 2)
    assert (review(db, capsys), review(db, capsys, "--json")) == whole
    assert chunks_read and max(chunks_read) == 2
    groups = {group["answer"]: group for group in json.loads(whole[1][0])["groups"]}
    mixed = groups[KEYWORDS[1]]
    assert mixed["students"] == ["s3", "s5"]  # s1 decided
    assert mixed["spellings"] == [
        {"answer": KEYWORDS[1], "students": 2},
        {"answer": KEYWORDS[1].replace(" ", "  "), "students": 1},
    ]
    assert groups[KEYWORDS[0]]["students"] == ["s0", "s2", "s4", "s6"]


def test_review_holds_no_class_whole(db, capsys, monkeypatch):
    # every answer group of the class (`answer_groups`, which keeps every member of a class
    # held whole): the review builds none
    def refused(*args, **kwargs):
        raise AssertionError("the review held every answer group")

    monkeypatch.setattr("grader.answer_groups.answer_groups", refused)
    out, _ = review(db, capsys)
    assert f"answer: {KEYWORDS[0]}" in out


# --- The same queue as the class's answer groups ---------------------------------------------

ITEMS = ("a.params", "e.explanation")
VERDICTS = ("correct", "incorrect", "needs_review", "invalid", "error")
TEXTS = ("9CD", "9CD ", " 9 CD", "PQD", "a list", "a  list", "")
# a count's equivalence class of a text, as its kind gives it (the group is else the text, its
# spaces evened out)
CLASSES = {"9CD": "9*C*D", "9CD ": "9*C*D", " 9 CD": "9*C*D", "PQD": "P*Q*D"}


@st.composite
def classes(draw) -> list[SubmissionResult]:
    results = []
    for number in range(draw(st.integers(0, 12))):
        items = {}
        for item_id in ITEMS:
            if draw(st.booleans()):
                answer = draw(st.sampled_from(TEXTS))
                # a kind's equivalence class of the text, or none (a check that failed): two
                # groups of the same text then, alike in the queue's order but for the class's
                classed = item_id == ITEMS[0] and draw(st.booleans())
                items[item_id] = ItemResult(
                    item_id,
                    draw(st.sampled_from(VERDICTS)),
                    0.0,
                    2.0,
                    (f"reason {number}",),
                    answer=answer,
                    answer_group=CLASSES.get(answer) if classed else None,
                )
        results.append(SubmissionResult(f"s{number}", f"s{number}.yaml", items))
    return results


@settings(max_examples=200, deadline=None)
@given(classes())
def test_waiting_groups_are_the_review_queue_of_the_class_held_whole(results):
    held = review_queue(answer_groups(Batch(results, [])))
    streamed = waiting_groups(iter(results))
    assert [(g.id, g.item_id, g.flagged, g.spellings) for g in streamed] == [
        (g.id, g.item_id, g.flagged, g.spellings) for g in held
    ]
    assert all(s.shown is h.shown for s, h in zip(streamed, held, strict=True))
    waiting = [(student, item) for g in held for student, item in g.members if item.needs_person]
    assert [member for g in streamed for member in g.waiting] == waiting


def test_without_spellings_a_group_no_one_waits_on_is_not_kept():
    results = [
        SubmissionResult(
            f"s{n}", "x", {"a.params": ItemResult("a.params", verdict, 0.0, 1.0, (), answer="9CD")}
        )
        for n, verdict in enumerate(["correct", "needs_review", "correct"])
    ]
    (group,) = waiting_groups(results, spellings=False)
    assert (group.flagged, group.spellings) == (["s1"], [])
    assert waiting_groups(results[::2], spellings=False) == []


def test_serve_checks_its_question_without_reading_a_result(db, capsys, monkeypatch, chunks_read):
    # the app reads the class when it serves it (not here: `serve` stands in for it)
    served = []
    monkeypatch.setattr("grader.review_app.serve", lambda *args, **kwargs: served.append(kwargs))
    assert main(["serve", "--db", str(db), "--question", "NOPE"]) == 2
    assert "no question 'NOPE'" in capsys.readouterr().err
    assert main(["serve", "--db", str(db), "--question", "22-52-Q4"]) == 0
    assert [kwargs["question"] for kwargs in served] == ["22-52-Q4"]
    assert chunks_read == []


def test_override_answer_group_reads_a_chunk_at_a_time(db, capsys, monkeypatch, chunks_read):
    group = next(
        g
        for g in json.loads(review(db, capsys, "--json")[0])["groups"]
        if g["answer"] == KEYWORDS[1]
    )
    monkeypatch.setattr(exam_report, "EXAM_CHUNK", 2)
    monkeypatch.setattr("grader.answer_groups.answer_groups", None)  # no class's groups whole
    chunks_read.clear()
    assert main(["override", "--db", str(db), "--answer-group", group["id"], "1"]) == 0
    assert "for 2 students" in capsys.readouterr().out  # s3 and s5: s1 was decided
    assert chunks_read and max(chunks_read) == 2
    assert main(["override", "--db", str(db), "--answer-group", group["id"], "2"]) == 0
    assert capsys.readouterr().out.endswith(": s1, s3, s5\n")  # none waits: every member
    assert main(["override", "--db", str(db), "--answer-group", "0123456789abcdef", "1"]) == 2
    assert "no answer group '0123456789abcdef'" in capsys.readouterr().err


def test_the_review_app_reads_a_chunk_at_a_time_and_shows_the_same(
    db, tmp_path, monkeypatch, chunks_read
):
    """`grader serve` reads the students a chunk at a time for each page (never the class
    whole: no `load_batch`), and a student's page reads that student alone; the same pages
    whatever the chunk."""
    import re

    from grader import gradebook
    from grader.review_app import create_app

    def pages() -> list[str]:
        client = create_app(db, "Ada", token="t").test_client()
        client.get("/queue?token=t")
        queue = client.get("/queue").get_data(as_text=True)
        groups = re.findall(r'href="/group/([0-9a-f]{16})"', queue)
        listed = client.get("/students").get_data(as_text=True)
        chunks_read.clear()
        student = client.get("/student/" + re.findall(r'href="/student/([^"#]+)', listed)[1])
        assert chunks_read[0] == 1  # that student's rows alone (then the queue's size)
        shown = [queue, listed, student.get_data(as_text=True)]
        shown += [client.get(f"/group/{group}").get_data(as_text=True) for group in groups]
        return [re.sub(r'name="csrf" value="[0-9a-f]+"', "", page) for page in shown]

    whole = pages()
    assert KEYWORDS[1] in whole[0] and "s6" in whole[1]
    monkeypatch.setattr(gradebook, "READ_CHUNK", 2)
    monkeypatch.setattr(gradebook, "load_batch", None)  # never the class whole
    chunks_read.clear()
    assert pages() == whole
    assert max(chunks_read) == 2


def test_a_page_of_the_review_app_reads_one_state_of_the_gradebook(
    db, tmp_path, monkeypatch, capsys
):
    """A student graded while a page is being read (a grading run committing between the
    page's reads) shows on the next page, not half on this one (a link with no page name)."""
    from grader import gradebook
    from grader.review_app import create_app

    late = tmp_path / "late"
    late.mkdir()
    document = {"student": "s9", "question": "22-52-Q4", "answers": {"a": {"params": "9CD"}}}
    (late / "s9.yaml").write_text(yaml.safe_dump(document), encoding="utf-8")
    iter_results = gradebook.iter_results
    graded = []

    def grading_meanwhile(*args, **kwargs):
        if not graded:  # the first read of the class's results, its rows already read
            graded.append(True)
            out = db.parent
            command = ["grade", str(late), "--rubric", str(RUBRIC), "--out", str(out)]
            assert main(command) == 0
        return iter_results(*args, **kwargs)

    client = create_app(db, "Ada", token="t").test_client()
    client.get("/queue?token=t")
    monkeypatch.setattr(gradebook, "iter_results", grading_meanwhile)
    listed = client.get("/students").get_data(as_text=True)
    assert graded and 'href="/student/"' not in listed and ">s9<" not in listed
    assert ">s9<" in client.get("/students").get_data(as_text=True)
    capsys.readouterr()


# --- A queue kept, a student's result replaced (what `grader serve` keeps between pages) -----


def queue_shown(queue: ReviewQueue) -> list[tuple]:
    groups = [
        (g.id, g.item_id, g.flagged, g.spellings, [i for _, i in g.waiting]) for g in queue.groups()
    ]
    whole = None if queue.group is None else (queue.group.id, queue.group.members)
    return [groups, whole, len(queue)]


@settings(max_examples=300, deadline=None)
@given(classes(), st.data())
def test_results_replaced_leave_the_queue_of_the_class_read_with_them(results, data):
    """Students' results replaced by others with other verdicts (a decision: an override
    changes marks and verdicts, never an answer) and maybe another spelling of the same
    group's answer leave the queue a read of the class with the new results would give:
    groups, waiting members in the class's order, spellings, the whole group asked for, the
    queue's order."""
    if not results:
        return
    places = data.draw(st.sets(st.integers(0, len(results) - 1), min_size=1))
    changed = list(results)
    for place in places:
        old = results[place]
        items = {}
        for item_id, item in old.items.items():
            if data.draw(st.booleans()):  # the very result: an answer not decided now
                items[item_id] = item
                continue
            digest = group_id(item_id, item)
            spelt = [
                r.items[item_id]
                for r in results
                if item_id in r.items and group_id(item_id, r.items[item_id]) == digest
            ]
            like = data.draw(st.sampled_from(spelt))  # often its own spelling
            verdict = data.draw(st.sampled_from(VERDICTS))
            items[item_id] = dataclasses.replace(
                item, verdict=verdict, answer=like.answer, answer_group=like.answer_group
            )
        changed[place] = dataclasses.replace(old, items=items)
    changes = [(results[place], changed[place]) for place in places]
    digests = [group_id(i, item) for r in results for i, item in r.items.items()] or [""]
    whole = data.draw(st.sampled_from(digests))
    order = {result.student: n for n, result in enumerate(results)}
    for spellings in (True, False):
        kept = ReviewQueue(spellings, whole).read(results)
        assert kept.replace(changes, order)
        assert queue_shown(kept) == queue_shown(ReviewQueue(spellings, whole).read(changed))


def test_a_result_with_an_answer_in_another_group_is_not_replaced():
    item = ItemResult("a.params", "needs_review", 0.0, 1.0, (), answer="9CD")
    old = SubmissionResult("s0", "x", {"a.params": item})
    other = SubmissionResult("s1", "x", {"a.params": dataclasses.replace(item, answer="PQD")})
    new = SubmissionResult("s0", "x", {"a.params": dataclasses.replace(item, answer="PQD")})
    kept = ReviewQueue().read([old, other])
    before = queue_shown(kept)
    assert not kept.replace([(old, new)], {"s0": 0, "s1": 1})
    assert queue_shown(kept) == before
