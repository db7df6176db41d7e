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
    # letters (a sentence written as an answer) to work that grows with its length.
    longest = max(map(len, vocabulary), default=0)
    best: list[list[str] | None] = [None] * (len(name) + 1)
    best[len(name)] = []
    for start in range(len(name) - 1, -1, -1):
        for end in range(min(len(name), start + longest), start, -1):
            rest = best[end]
            piece = name[start:end]
            if piece in vocabulary and rest is not None:
                candidate = [piece, *rest]
                if best[start] is None or len(candidate) < len(best[start]):
                    best[start] = candidate
    return best[0]


@lru_cache(maxsize=4096)
def declared_pieces(name: str, symbols: tuple[str, ...]) -> tuple[str, ...] | None:
    pieces = cover(name, {s: s for s in symbols})
    return None if pieces is None else tuple(pieces)
