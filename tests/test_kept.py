"""`grader.kept.KeptFor`: what is made of an object, kept by the object (and a key), is made
once, is never another object's, and stays within its bound."""

from __future__ import annotations

from grader.kept import KeptFor


class Source:
    """An object that is equal to nothing but itself, as a result shared by a class is."""


def test_made_once_for_the_same_object_and_key():
    kept: KeptFor[list] = KeptFor(most=8)
    source, made = Source(), []
    first = kept.get(source, "k", lambda: made.append(1) or ["value"])
    again = kept.get(source, "k", lambda: made.append(1) or ["other"])
    assert first is again and made == [1]
    assert kept.get(source, "other key", lambda: ["other"]) == ["other"]


def test_an_entry_is_never_another_objects():
    """An entry under an id made from another object (the id of an object since collected,
    reused) is not taken for it."""
    kept: KeptFor[str] = KeptFor(most=8)
    source, other = Source(), Source()
    kept._kept[id(source), None] = (other, "made from the other")
    assert kept.get(source, None, lambda: "made from the source") == "made from the source"


def test_the_entries_stay_within_their_bound():
    kept: KeptFor[int] = KeptFor(most=2)
    sources = [Source() for _ in range(5)]
    for n, source in enumerate(sources):
        assert kept.get(source, None, lambda n=n: n) == n
        assert len(kept) <= 2
    assert kept.get(sources[-1], None, lambda: -1) == 4  # the last one is still kept


def test_forgotten_only_when_full_or_cleared():
    kept: KeptFor[str] = KeptFor(most=2)
    first, second = Source(), Source()
    kept.get(first, None, lambda: "first")
    kept.get(second, None, lambda: "second")
    assert kept.get(first, None, lambda: "made again") == "first"
    kept.clear()
    assert len(kept) == 0
    assert kept.get(first, None, lambda: "made again") == "made again"
