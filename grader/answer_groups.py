"""Answer groups: the answers to one item that are the same, decided once.

Shared by `grader serve`, `grader review`, `grader override --answer-group` and the class
overview's review queue (no Flask here), so that a group has one id everywhere: a digest of
the item id and the group's key, stable across runs and re-grades as long as the answer is.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from grader.model import Batch, ItemResult, SubmissionResult


@dataclass
class AnswerGroup:
    """Answers to one item that are the same (equivalent, or identical once spaces are
    evened out): decided once. `id` is stable across requests and re-grades."""

    id: str
    item_id: str
    members: list[tuple[str, ItemResult]] = field(default_factory=list)

    @property
    def flagged(self) -> list[str]:
        return [student for student, item in self.members if item.needs_person]

    @property
    def to_decide(self) -> list[str]:
        """The students a decision on the group applies to unless some are chosen: those
        waiting for a person, or every member when none is (a group decided again)."""
        return self.flagged or [student for student, _ in self.members]

    @property
    def shown(self) -> ItemResult:
        """The result shown for the group: a flagged member's if any."""
        return next((i for _, i in self.members if i.needs_person), self.members[0][1])

    @property
    def spellings(self) -> list[tuple[str, int]]:
        counts: dict[str, int] = {}
        for _, item in self.members:
            text = (item.answer or "").strip()
            counts[text] = counts.get(text, 0) + 1
        return _most_first(counts)


def _most_first(counts: dict[str, int]) -> list[tuple[str, int]]:
    """A group's spellings and how many wrote each, the most written first, then by text."""
    return sorted(counts.items(), key=lambda pair: (-pair[1], pair[0]))


def group_key(item: ItemResult) -> str:
    """The kind's equivalence class, else the answer with its spaces evened out
    (`ItemResult.same_answer_key`)."""
    return item.same_answer_key


def group_id(item_id: str, item: ItemResult) -> str:
    """The id of the group `item` (an answer to `item_id`) belongs to."""
    return key_group_id(item_id, group_key(item))


def key_group_id(item_id: str, key: str) -> str:
    """The id of the group of the answers to `item_id` whose `group_key` is `key`."""
    return hashlib.sha256(f"{item_id}\0{key}".encode()).hexdigest()[:16]


def answer_groups(batch: Batch) -> dict[str, AnswerGroup]:
    """Every answer of the batch in its group, by group id."""
    groups: dict[str, AnswerGroup] = {}
    for result in batch.results:
        for item_id, item in result.items.items():
            digest = group_id(item_id, item)
            group = groups.setdefault(digest, AnswerGroup(digest, item_id))
            group.members.append((result.student, item))
    return groups


def review_queue(groups: dict[str, AnswerGroup]) -> list[AnswerGroup]:
    """The groups with an answer waiting for a person, largest first."""
    waiting = [group for group in groups.values() if group.flagged]
    return sorted(waiting, key=_queue_order)


def _queue_order(group: AnswerGroup | WaitingGroup) -> tuple:
    return -len(group.flagged), group.item_id, (group.shown.answer or "").strip()


@dataclass
class WaitingGroup:
    """A group of the review queue as `grader review` shows it, without the members no one
    needs to look at: the members waiting for a person (`waiting`, each with their result, in
    the class's order) and, when counted, how many students wrote each spelling of the answer
    (`spellings`, every member's, waiting or not)."""

    id: str
    item_id: str
    waiting: list[tuple[str, ItemResult]] = field(default_factory=list)
    spellings: list[tuple[str, int]] = field(default_factory=list)

    @property
    def flagged(self) -> list[str]:
        return [student for student, _ in self.waiting]

    @property
    def shown(self) -> ItemResult:
        """The result shown for the group: its first waiting member's."""
        return self.waiting[0][1]


class ReviewQueue:
    """`review_queue(answer_groups(batch))` of results met one at a time (`add`: a class read
    from the gradebook a chunk at a time), holding only what the queue shows: each group's
    waiting members and, with `spellings`, each group's spellings counted (one count per
    distinct answer of the class; without, a number per group, its place in the class's
    order); and, when asked for, every member of one group (`whole`, the id of the group
    `group` is then). What `grader review`, `override --answer-group` and `serve` read."""

    def __init__(self, spellings: bool = True, whole: str | None = None):
        self._spellings = spellings
        self._whole = whole
        self.group: AnswerGroup | None = None  # the group `whole`, once an answer is in it
        self._waiting: dict[str, WaitingGroup] = {}
        self._counted: dict[str, dict[str, int]] = {}
        # each group's place in the order the class first showed it (ties of the queue's order
        # go by it, as `answer_groups` leaves them): one number per distinct answer
        self._first: dict[str, int] = {}

    def add(self, result: SubmissionResult) -> None:
        for item_id, item in result.items.items():
            digest = group_id(item_id, item)
            self._first.setdefault(digest, len(self._first))
            if self._spellings:
                counts = self._counted.setdefault(digest, {})
                text = (item.answer or "").strip()
                counts[text] = counts.get(text, 0) + 1
            if digest == self._whole:
                if self.group is None:
                    self.group = AnswerGroup(digest, item_id)
                self.group.members.append((result.student, item))
            if item.needs_person:
                group = self._waiting.get(digest)
                if group is None:
                    group = self._waiting[digest] = WaitingGroup(digest, item_id)
                group.waiting.append((result.student, item))

    def replace(
        self,
        changes: Iterable[tuple[SubmissionResult, SubmissionResult]],
        order: Mapping[str, int],
    ) -> bool:
        """Each `old` of `changes`, a result added before, replaced by its `new`, the same
        student's with each answer in the same group (a decision changes marks and verdicts,
        never an answer), each student once: the queue as if the class had been read with the
        new results in their place, `order` giving each student's place in the class. False,
        the queue unchanged and to be read again, when an answer of a new result is in another
        group than the old one's (what the class first showed is not kept). Each group changed
        is gone through once, whatever the number of its members replaced."""
        pairs = []  # (student, [(item id, old item, new item, group id)]): what changed
        for old, new in changes:
            if old.items.keys() != new.items.keys():
                return False
            changed = []
            for item_id, item in new.items.items():
                before = old.items[item_id]
                if before is item:  # the same answer, not decided now: nothing to change
                    continue
                digest = group_id(item_id, item)
                if digest != group_id(item_id, before):
                    return False
                changed.append((item_id, before, item, digest))
            pairs.append((new.student, changed))
        swapped: dict[str, dict[str, ItemResult]] = {}  # digest -> student -> still waiting
        leaving: dict[str, set[str]] = {}  # digest -> the students no longer waiting
        joining: dict[str, list[tuple[str, ItemResult]]] = {}  # digest -> waiting now
        item_of: dict[str, str] = {}  # digest -> its item's id
        whole: dict[str, ItemResult] = {}  # student -> their answer in the group `whole`
        for student, changed in pairs:
            for item_id, before, item, digest in changed:
                if self._spellings:
                    counts = self._counted[digest]
                    text = (before.answer or "").strip()
                    counts[text] -= 1
                    if not counts[text]:
                        del counts[text]
                    text = (item.answer or "").strip()
                    counts[text] = counts.get(text, 0) + 1
                if digest == self._whole:
                    whole[student] = item
                if before.needs_person and item.needs_person:
                    swapped.setdefault(digest, {})[student] = item
                elif before.needs_person:
                    leaving.setdefault(digest, set()).add(student)
                elif item.needs_person:
                    joining.setdefault(digest, []).append((student, item))
                    item_of[digest] = item_id
        if whole and self.group is not None:
            members = self.group.members
            self.group.members = [(s, whole.get(s, item)) for s, item in members]
        for digest in swapped.keys() | leaving.keys() | joining.keys():
            group = self._waiting.get(digest)
            swaps, gone = swapped.get(digest, {}), leaving.get(digest, set())
            waiting = [
                (student, swaps.get(student, item))
                for student, item in (group.waiting if group else [])
                if student not in gone
            ]
            if digest in joining:
                waiting = sorted(waiting + joining[digest], key=lambda m: order[m[0]])
            if not waiting:
                self._waiting.pop(digest, None)
                continue
            if group is None:
                group = self._waiting[digest] = WaitingGroup(digest, item_of[digest])
            group.waiting = waiting
        return True

    def waiting_group(self, digest: str) -> WaitingGroup | None:
        """The group `digest` if someone waits on it (its spellings not counted here)."""
        return self._waiting.get(digest)

    def __len__(self) -> int:
        """How many groups someone waits on."""
        return len(self._waiting)

    def read(self, results: Iterable[SubmissionResult]) -> ReviewQueue:
        for result in results:
            self.add(result)
        return self

    def groups(self) -> list[WaitingGroup]:
        """The groups someone waits on, in the queue's order: the same groups, ids, members
        and spellings, in the same order, as `review_queue(answer_groups(batch))` (the most
        waiting first, then by item and answer, then as the class first showed them)."""
        for digest, group in self._waiting.items():
            group.spellings = _most_first(self._counted.get(digest, {}))
        ordered = sorted(self._waiting.values(), key=lambda group: self._first[group.id])
        return sorted(ordered, key=_queue_order)


def waiting_groups(
    results: Iterable[SubmissionResult], spellings: bool = True
) -> list[WaitingGroup]:
    """The review queue of `results` (`ReviewQueue`)."""
    return ReviewQueue(spellings).read(results).groups()


def answer_group(results: Iterable[SubmissionResult], digest: str) -> AnswerGroup | None:
    """The group with the id `digest` of `results`, every member of it and nothing else
    kept; None when no answer is in it."""
    return ReviewQueue(spellings=False, whole=digest).read(results).group
