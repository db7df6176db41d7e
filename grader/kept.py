"""What the main process makes of a result, kept by the result itself.

A class repeats its answers, and the run shares the result of each answer it checked among
every student who wrote it (`grade_paths` remembers them). What is made of a result for each
student (a note added to it, its gradebook row) is therefore mostly made already, for the same
object: `KeptFor` keeps it by the object's identity, and by a key of what else it was made
from. Each entry holds the object it was made from, so an id is never read for another object
(one made after the first was collected); and at most `most` entries are kept, all forgotten
at once when full, so a class of distinct answers costs a look-up, not memory.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

Value = TypeVar("Value")


class KeptFor(Generic[Value]):
    def __init__(self, most: int):
        self.most = most
        self._kept: dict[tuple[int, Hashable], tuple[object, Value]] = {}

    def get(
        self, source: object, key: Hashable, make: Callable[..., Value], *arguments: object
    ) -> Value:
        """What `make(*arguments)` makes of `source` and `key`, made once while kept."""
        kept = self._kept.get((id(source), key))
        if kept is not None and kept[0] is source:
            return kept[1]
        value = make(*arguments)
        if len(self._kept) >= self.most:
            self._kept.clear()
        self._kept[id(source), key] = (source, value)
        return value

    def __len__(self) -> int:
        return len(self._kept)

    def clear(self) -> None:
        self._kept.clear()
