"""The kinds of answer item, one folder each, and the one table that names them.

Adding a kind is one folder here, providing what `grader.kinds.base.ItemKind` lists, and one
line in `KINDS`; no other module knows a kind by its name.
"""

from __future__ import annotations

from grader.kinds.base import ItemKind
from grader.kinds.count import COUNT
from grader.kinds.expression import EXPRESSION
from grader.kinds.formula import FORMULA
from grader.kinds.matrix import MATRIX
from grader.kinds.text import TEXT
from grader.model import Item

KINDS: dict[str, ItemKind] = {
    "count": COUNT,
    "formula": FORMULA,
    "text": TEXT,
    "expression": EXPRESSION,
    "matrix": MATRIX,
}


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
