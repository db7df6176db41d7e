"""`Rubric.item_for`: the item a submission's (part, name) means, by its key, label or an
alias, in any case and spacing, from a look-up made once per rubric; it agrees with
`Item.answers_to`, part by part, on every rubric of the repository."""

from __future__ import annotations

from pathlib import Path

import pytest

from grader.rubric import load_rubric

ROOT = Path(__file__).resolve().parent.parent
RUBRIC = load_rubric(ROOT / "rubrics" / "22-52-q4.yaml")


@pytest.mark.parametrize(
    ("part", "name", "item"),
    [
        ("a", "params", "a.params"),
        ("A", "PARAMS", "a.params"),
        ("a", "  params ", "a.params"),
        ("b", "formula", "b.formula"),
        ("e", "explanation", "e.explanation"),
        ("a", "explanation", None),  # an item of another part
        ("z", "params", None),  # no such part
        ("a", "", None),
    ],
)
def test_item_for(part, name, item):
    found = RUBRIC.item_for(part, name)
    assert (found.id if found is not None else None) == item


def _answering(rubric, part: str, name: str):
    """What `item_for` gives, found the slow way: the first part so called, its first item
    that answers to the name."""
    for candidate in rubric.parts:
        if candidate.key.casefold() == part.casefold():
            return next((i for i in candidate.items if i.answers_to(name)), None)
    return None


@pytest.mark.parametrize("path", sorted((ROOT / "rubrics").glob("*.yaml")), ids=lambda p: p.name)
def test_item_for_agrees_with_answers_to(path):
    rubric = load_rubric(path)
    names = {"", " x ", "Formula", "PARAMS"}
    for part in rubric.parts:
        for item in part.items:
            names.update((item.key, item.key.upper(), f" {item.key}  ", *item.labels))
    for part in [*(p.key for p in rubric.parts), *(p.key.upper() for p in rubric.parts), "zz"]:
        for name in sorted(names):
            assert rubric.item_for(part, name) is _answering(rubric, part, name), (part, name)
