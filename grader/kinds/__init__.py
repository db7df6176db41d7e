"""The kinds of answer item, one folder each, and the one table that names them.

Adding a kind is one folder here, providing what `grader.kinds.base.ItemKind` lists, and one
line in `KINDS` (its name, its folder's module and the name of its `ItemKind` there); no other
module knows a kind by its name.

A kind's folder is imported when the kind is first asked for (`KINDS[name]`), not with this
table: a rubric of counts is loaded and checked without importing the formula, expression,
matrix and text kinds (a tenth of a second of `grader check` in its own process). What asks
for every kind (`kind_keys`, `all_diagnoses`, iterating `KINDS.values()`) imports them all;
the rubric loader does so only to explain a mistake.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterator, MutableMapping

from grader.kinds.base import ItemKind
from grader.model import Item


class _Kinds(MutableMapping[str, ItemKind]):
    """The kinds by name, in the order given, each given as where it is (its module and the
    name of its `ItemKind` there) and imported when first looked up. A kind may also be set
    by name as an object (a test's kind of its own)."""

    def __init__(self, where: dict[str, tuple[str, str]]) -> None:
        self._entries: dict[str, ItemKind | tuple[str, str]] = dict(where)

    def __getitem__(self, name: str) -> ItemKind:
        entry = self._entries[name]  # KeyError for a name that is no kind
        if isinstance(entry, tuple):
            module, attribute = entry
            entry = self._entries[name] = getattr(importlib.import_module(module), attribute)
        return entry

    def __setitem__(self, name: str, kind: ItemKind) -> None:
        self._entries[name] = kind

    def __delitem__(self, name: str) -> None:
        del self._entries[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._entries)

    def __len__(self) -> int:
        return len(self._entries)


KINDS: MutableMapping[str, ItemKind] = _Kinds(
    {
        "count": ("grader.kinds.count", "COUNT"),
        "formula": ("grader.kinds.formula", "FORMULA"),
        "text": ("grader.kinds.text", "TEXT"),
        "expression": ("grader.kinds.expression", "EXPRESSION"),
        "matrix": ("grader.kinds.matrix", "MATRIX"),
    }
)


def kind_of(item: Item) -> ItemKind:
    """The kind of an item of a loaded rubric."""
    return KINDS[item.type]


def kind_keys() -> tuple[str, ...]:
    """Every rubric key some kind reads, `partial_credit` included."""
    keys = {key: None for kind in KINDS.values() for key in kind.keys}
    return (*keys, "partial_credit")


def all_diagnoses() -> tuple[str, ...]:
    """Every diagnosis name some kind registers, each once, in the kinds' order."""
    return tuple({name: None for kind in KINDS.values() for name in kind.diagnoses})
