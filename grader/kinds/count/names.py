"""Names in a count: a run of letters such as `PQCD` read over the rubric's declared symbols.
Shared by the parser and by the lenient steps that must know what a declared name is."""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import lru_cache


def normal_name(raw: str) -> str:
    """`d_{k}` and `d_k` name the same symbol."""
    if "_{" not in raw:
        return raw
    return re.sub(r"_\{(.*)\}$", r"_\1", raw)


def cover(name: str, vocabulary: Mapping[str, str]) -> list[str] | None:
    """Split `name` into the fewest declared names, or None. `vocabulary` maps key → name."""
    # No piece is longer than the longest key: looking only that far keeps a long run of
    # letters (a sentence written as an answer) to work that grows with its length. Each
    # place keeps only how many pieces cover the rest from there and where its first piece
    # ends, not the pieces themselves: memory that grows with the length too.
    longest = max(map(len, vocabulary), default=0)
    fewest: list[int | None] = [None] * (len(name) + 1)  # pieces covering name[start:]
    first_end = [0] * (len(name) + 1)
    fewest[len(name)] = 0
    for start in range(len(name) - 1, -1, -1):
        for end in range(min(len(name), start + longest), start, -1):
            rest = fewest[end]
            shorter = rest is not None and (fewest[start] is None or rest + 1 < fewest[start])
            if shorter and name[start:end] in vocabulary:
                fewest[start], first_end[start] = rest + 1, end
    if fewest[0] is None:
        return None
    pieces, start = [], 0
    while start < len(name):
        pieces.append(name[start : first_end[start]])
        start = first_end[start]
    return pieces


@lru_cache(maxsize=4096)
def declared_pieces(name: str, symbols: tuple[str, ...]) -> tuple[str, ...] | None:
    pieces = cover(name, {s: s for s in symbols})
    return None if pieces is None else tuple(pieces)
