"""The class overview's answer groups, counted in bounded memory.

The overview shows, for each item, its largest answer groups (`shown`: each with how its first
student's answer was read, its verdict and marks, how many students wrote it and the first
of them) and counts the rest. A class that writes its explanations in its own words makes a
group of nearly every student's explanation: 46,101 groups of 50,000 students, about 45 MB
in the process that renders the overview. So an item's groups are held in memory up to
`GROUPS_HELD`; past it, that item's groups go to a private temporary SQLite database (on
disk, its page cache bounded), where they are counted the same way. The page is the same
either way: the groups in the same order (the most students first, then by the answer's
text, then in the order the class first showed them), with the same counts and members.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import NamedTuple

GROUPS_HELD = 4096  # an item's answer groups held in memory; past it, they are kept on disk
CACHE_KIB = 2048  # the on-disk groups' page cache, in KiB


class Member(NamedTuple):
    # a tuple: thousands of them go from the children to the main process (`OverviewPart`),
    # and a tuple is quick to pickle
    student: str
    page: str
    found: str | None = None  # where a transcript's answer was found


@dataclass
class AnswerGroup:
    mathml: str | None
    text: str
    verdict: str
    marks: float
    members: list[Member]  # the first `members_shown` students of the group, in class order
    count: int = 0  # how many students the group has


@dataclass(frozen=True)
class ShownGroups:
    """An item's largest groups, as the overview shows them, and the rest counted."""

    item_id: str
    groups: list[AnswerGroup]
    more_answers: int  # the groups not shown
    more_students: int  # and their students


def _blob(text: str) -> bytes:
    """`text` as bytes whose order (SQLite compares blobs byte by byte) is the order of the
    strings: UTF-8 keeps the order of code points, lone surrogates (which a student's text
    may hold) among them."""
    return text.encode("utf-8", "surrogatepass")


def _text(blob: bytes) -> str:
    return blob.decode("utf-8", "surrogatepass")


_SCHEMA = """
CREATE TABLE groups (
    item TEXT NOT NULL,
    key BLOB NOT NULL,
    seen INTEGER NOT NULL,
    count INTEGER NOT NULL,
    text BLOB NOT NULL,
    mathml BLOB,
    verdict TEXT NOT NULL,
    marks REAL NOT NULL,
    members TEXT NOT NULL,
    PRIMARY KEY (item, key)
) WITHOUT ROWID
"""


class GroupTally:
    """Per item, its answer groups keyed by the answer's group, in the order the class first
    showed them. A group is given whole the first time (`add_group`, or `add_member` with
    what makes it) and counted after (`add_more`): `members_shown` members kept, the rest
    counted."""

    def __init__(self, members_shown: int, held: int | None = None):
        """`held`: an item's groups held in memory, `GROUPS_HELD` unless given."""
        self.members_shown = members_shown
        self.held = GROUPS_HELD if held is None else held
        self._memory: dict[str, dict[str, AnswerGroup]] = {}
        self._disk: sqlite3.Connection | None = None
        self._on_disk: set[str] = set()  # the items whose groups are on disk
        self._seen = 0  # groups put on disk so far: their order there

    def items(self) -> list[str]:
        """The items that have groups, in the order their first group came."""
        return list(self._memory)

    def add_member(
        self, item_id: str, key: str, member: Member, new: Callable[[], AnswerGroup]
    ) -> None:
        """One more student, `member`, in the group `key` of `item_id`; `new` makes the
        group, with no members, if it is the first."""
        if not self._more(item_id, key, 1, [member]):
            group = new()
            self._extend(group, 1, [member])
            self._add_new(item_id, key, group)

    def add_group(self, item_id: str, key: str, group: AnswerGroup) -> None:
        """`group` of `item_id` whole (its count and first members), as one process counted
        it: a new group, or more students in a group met before."""
        if not self._more(item_id, key, group.count, group.members):
            self._add_new(item_id, key, group)

    def add_more(self, item_id: str, key: str, count: int, members: list[Member]) -> None:
        """`count` more students, the first of whom are `members`, in a group met before."""
        if not self._more(item_id, key, count, members):
            raise KeyError((item_id, key))

    def groups(self, item_id: str) -> Iterator[tuple[str, AnswerGroup]]:
        """Every group of `item_id` with its key, in the order the class first showed them."""
        if item_id not in self._on_disk:
            yield from self._memory.get(item_id, {}).items()
            return
        rows = self._connection().execute(
            "SELECT key, text, mathml, verdict, marks, members, count FROM groups"
            " WHERE item = ? ORDER BY seen",
            (item_id,),
        )
        for key, *row in rows:
            yield _text(key), self._group(*row)

    def shown(self, item_id: str, shown: int | None = None) -> ShownGroups:
        """The `shown` largest groups of `item_id` (every group if None): the most students
        first, then by the answer's text, then in the order the class first showed them."""
        if item_id not in self._on_disk:
            groups = sorted(self._memory.get(item_id, {}).values(), key=_largest_first)
            if shown is None:
                return ShownGroups(item_id, groups, 0, 0)
            rest = groups[shown:]
            return ShownGroups(item_id, groups[:shown], len(rest), sum(g.count for g in rest))
        connection = self._connection()
        largest = [
            self._group(*row)
            for row in connection.execute(
                "SELECT text, mathml, verdict, marks, members, count FROM groups"
                " WHERE item = ? ORDER BY count DESC, text, seen LIMIT ?",
                (item_id, -1 if shown is None else shown),  # SQLite: -1, no limit
            )
        ]
        answers, students = connection.execute(
            "SELECT COUNT(*), TOTAL(count) FROM groups WHERE item = ?", (item_id,)
        ).fetchone()
        return ShownGroups(
            item_id,
            largest,
            answers - len(largest),
            int(students) - sum(g.count for g in largest),
        )

    def close(self) -> None:
        """Let the groups on disk go (the file was never more than SQLite's own)."""
        if self._disk is not None:
            self._disk.close()
            self._disk = None

    def _extend(self, group: AnswerGroup, count: int, members: list[Member]) -> None:
        """`count` more students in `group`, the first of whom are `members`."""
        if group.count < self.members_shown:
            group.members.extend(members[: self.members_shown - group.count])
        group.count += count

    def _more(self, item_id: str, key: str, count: int, members: list[Member]) -> bool:
        """`count` more students in the group `key` of `item_id`, the first of whom are
        `members`: False if there is no such group."""
        if item_id in self._on_disk:
            return self._more_on_disk(item_id, key, count, members)
        group = self._memory.get(item_id, {}).get(key)
        if group is None:
            return False
        self._extend(group, count, members)
        return True

    def _add_new(self, item_id: str, key: str, group: AnswerGroup) -> None:
        """`group`, new to `item_id`, after its others: in memory, and past `held` of them,
        all of the item's on disk, in the order they came."""
        groups = self._memory.setdefault(item_id, {})
        if item_id in self._on_disk:
            self._insert(item_id, key, group)
            return
        groups[key] = group
        if len(groups) <= self.held:
            return
        self._on_disk.add(item_id)
        for held_key, held in groups.items():
            self._insert(item_id, held_key, held)
        groups.clear()

    def _connection(self) -> sqlite3.Connection:
        if self._disk is None:
            # "": a private temporary database, on disk once its page cache is full, deleted
            # when closed; nothing else opens it, so it is neither journalled nor synced. The
            # overview may be rendered in another thread than the one that counted it (a web
            # server's); one thread at a time uses it.
            self._disk = sqlite3.connect("", isolation_level=None, check_same_thread=False)
            self._disk.execute(f"PRAGMA cache_size = -{CACHE_KIB}")
            self._disk.execute("PRAGMA journal_mode = OFF")
            self._disk.execute("PRAGMA synchronous = OFF")
            self._disk.execute("PRAGMA temp_store = FILE")
            self._disk.execute(_SCHEMA)
        return self._disk

    def _insert(self, item_id: str, key: str, group: AnswerGroup) -> None:
        """`group`, new, on disk: after every group of its item there."""
        self._seen += 1
        self._connection().execute(
            "INSERT INTO groups VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                item_id,
                _blob(key),
                self._seen,
                group.count,
                _blob(group.text),
                None if group.mathml is None else _blob(group.mathml),
                group.verdict,
                group.marks,
                json.dumps(group.members),
            ),
        )

    def _more_on_disk(self, item_id: str, key: str, count: int, members: list[Member]) -> bool:
        """`count` more students in the group `key` of `item_id` on disk, the first of whom
        are `members`: False if there is no such group."""
        connection = self._connection()
        row = connection.execute(
            "SELECT count, members FROM groups WHERE item = ? AND key = ?",
            (item_id, _blob(key)),
        ).fetchone()
        if row is None:
            return False
        have, kept = row
        if have < self.members_shown:
            kept = json.dumps(json.loads(kept) + list(members[: self.members_shown - have]))
        connection.execute(
            "UPDATE groups SET count = ?, members = ? WHERE item = ? AND key = ?",
            (have + count, kept, item_id, _blob(key)),
        )
        return True

    @staticmethod
    def _group(text, mathml, verdict, marks, members, count) -> AnswerGroup:
        return AnswerGroup(
            None if mathml is None else _text(mathml),
            _text(text),
            verdict,
            marks,
            [Member(*member) for member in json.loads(members)],
            count,
        )


def _largest_first(group: AnswerGroup) -> tuple[int, str]:
    return -group.count, group.text
