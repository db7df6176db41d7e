"""The overview's answer groups counted in bounded memory (grader/overview_groups.py): an
item's groups past `held` go to disk, and are counted, ordered and shown exactly as those
held in memory."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from grader import html_report
from grader.overview_groups import AnswerGroup, GroupTally, Member

MEMBERS = 3

# Texts whose order is easy to get wrong: accents, a character past the BMP, lone surrogates
# (a student's file may hold them), prefixes of one another.
texts = st.sampled_from(["a", "ab", "b", "B", "é", "z", "\U0001d400", "\ud800", "\udfff", ""])
keys = st.sampled_from(["k1", "k2", "k3", "k4", "k5", "k6", "\udc80", "text:é"])
members = st.builds(
    Member,
    st.sampled_from(["s1", "s2", "s\udc80", "é"]),
    st.sampled_from(["p1.html", "p2.html"]),
    st.none() | st.just("page 2"),
)


def _group(text: str, mathml: str | None, count: int, shown: list[Member]) -> AnswerGroup:
    return AnswerGroup(mathml, text, "partial", 0.5, shown[:MEMBERS], count)


operations = st.lists(
    st.one_of(
        st.tuples(st.just("member"), st.sampled_from(["a", "b"]), keys, members, texts),
        st.tuples(
            st.just("group"),
            st.sampled_from(["a", "b"]),
            keys,
            st.integers(1, 5),
            st.lists(members, max_size=5),
            texts,
            st.none() | st.just("<mi>x</mi>"),
        ),
        st.tuples(
            st.just("more"),
            st.sampled_from(["a", "b"]),
            keys,
            st.integers(1, 5),
            st.lists(members, max_size=5),
        ),
    ),
    max_size=40,
)


def _apply(tally: GroupTally, ops, seen: set) -> None:
    for op in ops:
        kind, item_id, key = op[:3]
        if kind == "member":
            member, text = op[3:]
            tally.add_member(item_id, key, member, lambda text=text: _group(text, None, 0, []))
        elif kind == "group":
            count, shown, text, mathml = op[3:]
            tally.add_group(item_id, key, _group(text, mathml, count, list(shown)))
        elif (item_id, key) in seen:  # "more" only for a group met before, as the children send
            count, shown = op[3:]
            tally.add_more(item_id, key, count, list(shown))
        else:
            continue
        seen.add((item_id, key))


def _everything(tally: GroupTally, shown: int):
    return [
        (
            [(key, vars(group)) for key, group in tally.groups(item_id)],
            tally.shown(item_id, shown),
            tally.shown(item_id),
        )
        for item_id in tally.items()
    ]


@settings(max_examples=300, deadline=None)
@given(operations, st.integers(0, 4), st.integers(0, 6))
def test_groups_on_disk_are_counted_ordered_and_shown_as_those_in_memory(ops, held, shown):
    in_memory, on_disk = GroupTally(MEMBERS, held=10_000), GroupTally(MEMBERS, held=held)
    try:
        _apply(in_memory, copy.deepcopy(ops), set())
        _apply(on_disk, copy.deepcopy(ops), set())
        assert _everything(on_disk, shown) == _everything(in_memory, shown)
    finally:
        on_disk.close()


def test_the_largest_groups_are_shown_most_students_first_then_by_text_then_as_first_met():
    for held in (10_000, 0):
        tally = GroupTally(MEMBERS, held=held)
        for key, text, count in [
            ("k1", "b", 1),
            ("k2", "a", 1),
            ("k3", "c", 4),
            ("k4", "a", 1),
            ("k5", "\ud800", 2),
            ("k6", "\U0001d400", 2),
        ]:
            tally.add_group("a", key, _group(text, None, count, []))
        shown = tally.shown("a", 4)
        assert [g.text for g in shown.groups] == ["c", "\ud800", "\U0001d400", "a"], held
        assert (shown.more_answers, shown.more_students) == (2, 2)
        every = tally.shown("a")
        assert [g.text for g in every.groups] == ["c", "\ud800", "\U0001d400", "a", "a", "b"]
        assert (every.more_answers, every.more_students) == (0, 0)
        assert [key for key, _ in tally.groups("a")] == ["k1", "k2", "k3", "k4", "k5", "k6"]
        tally.close()


def test_an_items_groups_past_its_bound_are_not_held_in_memory():
    tally = GroupTally(MEMBERS, held=100)
    for n in range(1000):
        tally.add_member(
            "e", f"text:{n}", Member(f"s{n}", f"p{n}.html"), lambda n=n: _group(str(n), None, 0, [])
        )
        tally.add_member(
            "a", "count:1", Member(f"s{n}", f"p{n}.html"), lambda: _group("1", None, 0, [])
        )
    assert tally._memory == {"e": {}, "a": {"count:1": tally._memory["a"]["count:1"]}}
    assert sum(1 for _ in tally.groups("e")) == 1000
    shown = tally.shown("e", 20)
    assert (len(shown.groups), shown.more_answers, shown.more_students) == (20, 980, 980)
    assert tally.shown("a", 20).groups[0].count == 1000
    assert [m.student for m in tally.shown("a", 20).groups[0].members] == ["s0", "s1", "s2"]
    tally.close()


def test_more_students_in_a_group_never_met_is_an_error_on_disk_as_in_memory():
    for held in (10_000, 0):
        tally = GroupTally(MEMBERS, held=held)
        tally.add_group("a", "k1", _group("x", None, 1, []))
        with pytest.raises(KeyError):
            tally.add_more("a", "k2", 1, [])
        tally.close()


def test_the_overview_page_is_the_same_with_its_groups_on_disk(monkeypatch, tmp_path):
    """A class whose explanations are all distinct: the overview page with every item's
    groups on disk is the page with them in memory, byte for byte."""
    from grader.model import Batch, ItemResult, SubmissionResult
    from grader.rubric import load_rubric

    rubric = load_rubric(Path(__file__).parent.parent / "rubrics" / "22-52-q4.yaml")
    results = []
    for n in range(60):
        items = {}
        for item_id, item in rubric.items.items():
            answer = f"answer {n % (7 if item_id.endswith('params') else 60)} <b>&"
            items[item_id] = ItemResult(
                item_id=item_id,
                verdict="partial" if n % 3 else "correct",
                marks=0.5 if n % 3 else item.marks,
                max_marks=item.marks,
                feedback=(),
                answer=answer,
                answer_group="text:" + answer,
            )
        results.append(SubmissionResult(f"student-{n:02}", f"student-{n:02}.md", items))
    batch = Batch(results)

    def page() -> str:
        overview = html_report.ClassOverview.of(
            rubric, batch, {r.student: f"{r.student}.html" for r in results}
        )
        return overview.render([])

    in_memory = page()
    monkeypatch.setattr("grader.overview_groups.GROUPS_HELD", 5)
    on_disk = page()
    assert "and 40 more distinct answers, from 40 students" in in_memory
    assert on_disk == in_memory


def test_groups_on_disk_are_read_from_another_thread_than_the_one_that_counted_them():
    import threading

    tally = GroupTally(MEMBERS, held=0)
    tally.add_group("a", "k1", _group("x", None, 2, []))
    found = []
    reader = threading.Thread(target=lambda: found.append(tally.shown("a", 20)))
    reader.start()
    reader.join()
    assert [g.text for g in found[0].groups] == ["x"]
    tally.close()
