"""The plain values that pass between the stages of the pipeline:

    load rubric → load submission → parse each answer → check it → score the part → render

Each stage takes and returns these frozen dataclasses and never reaches back into an earlier
stage. What is particular to one kind of item (a count's bias, a formula's tensors, an
explanation's concepts) is that kind's `spec`, defined in its folder under `grader/kinds/`;
what a kind reads an answer into (a parsed count, a formula) is its `reading`.
"""

from __future__ import annotations

import copyreg
import operator
from collections.abc import Callable
from dataclasses import dataclass, field, fields
from enum import StrEnum
from functools import cached_property
from typing import Any, Generic, TypeVar

import sympy

from grader.errors import Problem

VERDICTS = ("correct", "partial", "incorrect", "invalid", "missing", "needs_review", "error")
SizeSets = tuple[tuple[tuple[str, int], ...], ...]


# --- The rubric ----------------------------------------------------------------------------


@dataclass(frozen=True)
class SymbolSpec:
    name: str
    meaning: str
    assumptions: tuple[str, ...]
    example: int | None
    symbol: sympy.Symbol
    multiple_of: tuple[str, ...] = ()  # `multiple_of: G`: the symbols whose value divides its own


@dataclass(frozen=True)
class Relation:
    """A rubric's `relations:` entry, `d_k: d/h`: `symbol` always equals `expr`. Counts are
    compared with `eliminated` replaced by `by` (d_k by d/h)."""

    symbol: sympy.Symbol
    expr: sympy.Expr
    text: str
    eliminated: sympy.Symbol
    by: sympy.Expr
    line: int


@dataclass(frozen=True)
class Context:
    """What every answer of a question is read and checked against: the symbols the rubric
    declares, in its order, and the sizes at which formulas are compared."""

    symbols: tuple[SymbolSpec, ...]
    size_sets: SizeSets = ()
    # Every item of the question, so that a check can tell an answer that belongs to another
    # part; filled in by the rubric loader once its parts are read.
    items: tuple[Item, ...] = field(default=(), compare=False, repr=False)
    relations: tuple[Relation, ...] = ()  # `relations:` between symbols (d_k = d/h)

    @cached_property
    def substitutions(self) -> tuple[tuple[sympy.Symbol, sympy.Expr], ...]:
        """What comparing applies for the relations: each eliminated symbol and its value."""
        return tuple((r.eliminated, r.by) for r in self.relations)

    @cached_property
    def symbol_table(self) -> dict[str, sympy.Symbol]:
        """Each declared name and its sympy symbol."""
        return {spec.name: spec.symbol for spec in self.symbols}

    @cached_property
    def order(self) -> tuple[sympy.Symbol, ...]:
        """The declared symbols in the rubric's order."""
        return tuple(spec.symbol for spec in self.symbols)


@dataclass(frozen=True)
class Misconception:
    """A wrong answer the rubric anticipates, with the feedback and marks it earns."""

    answer_text: str
    reading: Any  # the answer as the item's kind reads it; None where it is not read
    feedback: str
    marks: float
    line: int


def item_name(name: str) -> str:
    """An item's name as submissions and rubrics are compared by it: its key, a label or an
    alias, in any case, its runs of white space one space."""
    return " ".join(name.split()).casefold()


@dataclass(frozen=True)
class Item:
    """One answer a question asks for. `type` names its kind (`grader.kinds.KINDS`), whose
    `spec` holds what only that kind has."""

    id: str  # "a.params"
    part: str
    key: str
    type: str
    marks: float
    answer_text: str
    reference: Any  # the reference answer as the kind reads it (None for explanations)
    misconceptions: tuple[Misconception, ...]
    line: int
    spec: Any = None
    partial_credit: dict[str, float] = field(default_factory=dict)  # diagnosis -> marks
    labels: tuple[str, ...] = ()  # how submissions may name it: its key, label and aliases
    label: str = ""  # the rubric's `label` as written ("Formula"), to head the item on pages
    # The other answers a rubric accepts (`answer:` as a list), each (text, reading); the
    # first answer is `answer_text` and `reference`.
    accepted: tuple[tuple[str, Any], ...] = ()
    # The line of each answer in the rubric (`answer_text`'s, then each accepted one's), where
    # the rubric check names a problem with one; `line` where it is not known.
    answer_lines: tuple[int, ...] = ()

    def answer_line(self, index: int) -> int:
        """The line of answer `index` (0 the reference, then the accepted ones)."""
        return self.answer_lines[index] if index < len(self.answer_lines) else self.line

    @property
    def key_path(self) -> str:
        """Where the item is in its rubric, as a problem with its rules names it:
        `parts.a.items.params`, as loading names the keys under it."""
        return f"parts.{self.part}.items.{self.key}"

    @property
    def heading(self) -> str:
        """How pages head the item: its part and label, "(a) Formula" (the key without one)."""
        return f"({self.part}) {self.label or self.key}"

    def answers_to(self, name: str) -> bool:
        """Whether a submission's `name` for an answer (any case) means this item."""
        folded = item_name(name)
        return folded == self.key.casefold() or folded in self.labels


@dataclass(frozen=True)
class RubricTest:
    """A self-test: grading `answer` for `item_id` must give this verdict (and marks, rule)."""

    item_id: str
    answer: str
    verdict: str
    marks: float | None
    misconception: int | None  # 1-based, as results name them
    diagnosis: str | None
    line: int


@dataclass(frozen=True)
class Part:
    key: str
    marks: float
    prompt: str
    items: tuple[Item, ...]


MOST_KEYS = 1024  # answers' keys as written a rubric remembers (`Rubric.items_named`)


@dataclass(frozen=True)
class Rubric:
    id: str
    title: str
    path: str
    context: Context
    parts: tuple[Part, ...]
    sha256: str
    source_text: str = field(default="", repr=False, compare=False)
    tests: tuple[RubricTest, ...] = ()
    # What loading found worth a look but not wrong (`Caution`s): `grader rubric check`
    # prints them as warnings.
    warnings: tuple[Problem, ...] = ()

    @property
    def symbols(self) -> tuple[SymbolSpec, ...]:
        return self.context.symbols

    @property
    def size_sets(self) -> SizeSets:
        return self.context.size_sets

    @property
    def symbol_table(self) -> dict[str, sympy.Symbol]:
        return self.context.symbol_table

    @cached_property
    def items(self) -> dict[str, Item]:
        """Every item by its id, in the rubric's order: made once (a class asks for it for
        every answer), so never to be changed."""
        return {item.id: item for part in self.parts for item in part.items}

    def item_for(self, part: str, name: str) -> Item | None:
        """The item of `part` that a submission calls `name` (its key, label or an alias):
        of the first part so called (any case), its first item that `answers_to` the name."""
        items = self.items_for(part, name)
        return items[0] if items else None

    def items_for(self, part: str, name: str) -> tuple[Item, ...]:
        """Every item of `part` that a submission may mean by `name`: more than one where
        items share an alias (`Entry` for two entries of a matrix)."""
        names = self._names.get(part.casefold())
        return () if names is None else names.get(item_name(name), ())

    def items_named(self, key: str) -> tuple[Item, ...]:
        """`items_for` an answer's key as written ("part.name"), remembered for the first
        `MOST_KEYS` keys asked: a class writes the same few keys in every file (a look-up
        that cost the reader and the planner 20 us a file of a class), a made-up key in a file
        costs its own look-up, not memory."""
        known = self._named_keys
        found = known.get(key)
        if found is None:
            part, _, name = key.partition(".")
            found = self.items_for(part, name)
            if len(known) < MOST_KEYS:
                known[key] = found
        return found

    @cached_property
    def _named_keys(self) -> dict[str, tuple[Item, ...]]:
        return {}

    @cached_property
    def _names(self) -> dict[str, dict[str, tuple[Item, ...]]]:
        """`items_for`'s look-up, made once: each part's key (folded) -> each name an item
        answers to (folded) -> the items that do, in their order."""
        names: dict[str, dict[str, tuple[Item, ...]]] = {}
        for part in self.parts:
            if part.key.casefold() in names:
                continue
            by_name = names[part.key.casefold()] = {}
            for item in part.items:
                for name in dict.fromkeys((item.key.casefold(), *item.labels)):
                    by_name[name] = (*by_name.get(name, ()), item)
        return names

    @property
    def max_total(self) -> float:
        return sum(part.marks for part in self.parts)


T = TypeVar("T")


class PerRubric(Generic[T]):
    """What `make` gives for a rubric, made once for the rubric object itself (`is`: a rubric
    is frozen, and an entry holds it, so it is never another's) and kept for the last `kept`
    rubrics a process used: work that is the same for every student of a class. `made` holds
    them, the latest first."""

    def __init__(self, make: Callable[[Rubric], T], kept: int):
        self.make, self.kept = make, kept
        self.made: list[tuple[Rubric, T]] = []

    def __call__(self, rubric: Rubric) -> T:
        for known, value in self.made:
            if known is rubric:
                return value
        value = self.make(rubric)
        self.made.insert(0, (rubric, value))
        del self.made[self.kept :]
        return value


# --- Submissions ---------------------------------------------------------------------------


@dataclass(frozen=True)
class SubmittedAnswer:
    text: str | None  # None when the item was left empty
    line: int
    problem: str | None = None  # set when the value is not an answer at all (a list, say)
    found: str | None = None  # where a transcript's answer was found: "from line 14: ..."
    # Other, different answers a transcript gives the same item, each (text, line, quote):
    # the item goes to a person with all of them shown, never a silent pick.
    alternatives: tuple[tuple[str, int, str], ...] = ()
    # How many more different answers, and chains of working, the transcript gives the item
    # than are held here (only the first `transcript.MOST_ANSWERS` of each are checked): the
    # item goes to a person, with how many said.
    unchecked_answers: int = 0
    unchecked_chains: int = 0
    # The chains of working among them (`3 \times 3 \times C \times D = 9CD + D`), each
    # (line, its steps): a chain whose steps disagree goes to a person, showing the steps.
    chains: tuple[tuple[int, tuple[str, ...]], ...] = ()
    # Why a transcript's answer may be another item's (two items it could answer, no words
    # saying which): the item goes to a person with this said.
    unsure: str | None = None
    # Taken for its item by its place among answers that several items could take: unless it
    # is right for the item, a person checks that it is not another item's answer.
    by_place: bool = False
    # How a transcript's answer was read that the check does not say: words after the maths
    # set aside ('set aside "where σ is the sigmoid", words after the answer'). Shown with
    # the result's own notes.
    reading_notes: tuple[str, ...] = ()
    # Why a transcript's text for this item could not be read as its answer, `text` being
    # that text: the item goes to a person, shown it, never "missing".
    unread: str | None = None
    # Why it goes to a person, as the review records it ("the student disowned the answer
    # …"); None: text for this item that could not be read.
    unread_why: str | None = None
    # Whether its lines are those of the answer itself (an LMS cell's paragraphs, a YAML
    # answer's lines), numbered from 1, rather than a script's: said so in its notes.
    lines_within: bool = False
    # What the answer comes with that the grader does not read, beside its text (an LMS cell's
    # "an image (IMG_2041.jpg)", a recording, an attached file): the text is graded, and the
    # item goes to a person, saying so, since the photo may hold the working or the answer.
    attachment: str | None = None
    # A line of the script whose words say this answer is wrong (`On reflection my formula
    # $Y = XW$ is wrong …`), (its number, its text): the student retracts it, so the item goes
    # to a person, the line quoted.
    retracted: tuple[int, str] | None = None

    def __reduce__(self):
        """Pickled (a class's answers cross from the reader process to the main one, a file at
        a time) as its text and line alone where every other field is as a new answer's: a
        third of the bytes, unpickled without its sixteen fields named (19 us a file of a
        class, in the main process). Any other answer is pickled as a dataclass is."""
        state = self.__dict__
        if _rest_of(state) == _PLAIN_REST:
            return written_answer, (self.text, self.line)
        return copyreg.__newobj__, (SubmittedAnswer,), state


# The fields of a `SubmittedAnswer` besides its text and line (its first two), and their values
# in a new one.
_rest_of = operator.itemgetter(*[f.name for f in fields(SubmittedAnswer)][2:])
_PLAIN_STATE = dict(vars(SubmittedAnswer(None, 0)))
_PLAIN_REST = _rest_of(_PLAIN_STATE)


def written_answer(text: str | None, line: int) -> SubmittedAnswer:
    """`SubmittedAnswer(text, line)`, made without `__init__` setting its sixteen fields one
    by one (0.6 us against 2.3: a class's reader makes ten a file); what a plain answer is
    unpickled as (`SubmittedAnswer.__reduce__`)."""
    answer = object.__new__(SubmittedAnswer)
    answer.__dict__.update(_PLAIN_STATE, text=text, line=line)
    return answer


@dataclass(frozen=True)
class Submission:
    student: str
    question: str
    source: str
    answers: dict[str, SubmittedAnswer]  # "part.name" -> answer, name as the student gave it
    unassigned: tuple[tuple[int, str], ...] = ()  # (line, what) content no answer claims
    # Ids an LMS export gives besides `student` (("email", ...), ("canvas_id", ...)), which
    # a roster may match (`grader.roster`).
    identities: tuple[tuple[str, str], ...] = ()
    question_line: int | None = None  # where the file names its question, if it does
    # The LMS report an export's row comes from (its title), None for a file: what an empty
    # submission is said to be.
    lms_report: str | None = None
    # Why an instructor decides whether this submission is graded at all (an LMS attempt
    # never submitted): every item goes to a person, saying so and what it would earn.
    held: str | None = None
    # How it was taken that the student and instructor are told (another attempt of the
    # student's, not graded): shown with the result's warnings.
    notes: tuple[str, ...] = ()


# --- Checks and results --------------------------------------------------------------------


@dataclass(frozen=True)
class Diagnosis:
    """What is wrong with an answer, in words; `kind` is a name its item's kind registers."""

    kind: str
    message: str


@dataclass(frozen=True)
class Task:
    """One answer to check: the unit that is bounded, deduplicated and cached."""

    item_id: str
    text: str | None


@dataclass(frozen=True)
class ItemResult:
    item_id: str
    verdict: str  # one of VERDICTS
    marks: float
    max_marks: float
    feedback: tuple[str, ...]
    answer: str | None = None  # what the student wrote
    interpretation: str | None = None  # how we read it, with every operator explicit
    diagnosis: str | None = None  # "misconception 1", "bias_missing", ... for class statistics
    error_position: int | None = None  # where in `answer` an invalid answer went wrong
    error_caret: str | None = None
    reading_mathml: str | None = None  # the interpretation as MathML, generated from our AST
    answer_group: str | None = None  # equal for equivalent answers, so each is reviewed once
    decision: tuple[str, ...] = ()  # the steps that led to the verdict, for the gradebook
    # Counts at the rubric's size sets, to compare a part's formula with its count: a count
    # item's value; a formula item's effective count, with `nominal_values` the weights written.
    count_values: tuple[int | None, ...] | None = None
    nominal_values: tuple[int, ...] | None = None
    count_shown: str | None = None
    nominal_shown: str | None = None  # a formula item's weights written, as a count
    found: str | None = None  # where the answer was found in a transcript: "from line 14: ..."
    reading_notes: tuple[str, ...] = ()  # how a lenient reading read it: "read p as P"
    # An instructor's decision that applies, as the student is told it ("Marks set by an
    # instructor: 2/3: ..."): student pages show it alone, the machine's reasons stay with
    # the instructor (`grader.overrides`).
    instructor_decision: str | None = None

    @property
    def same_answer_key(self) -> str:
        """What two results share when they are the same answer: the equivalence group where
        the check made one, else the answer as written, spacing aside."""
        return answer_group_key(self.answer_group, self.answer)

    @property
    def needs_person(self) -> bool:
        """Whether an instructor must decide: the machine was unsure, it failed, or it could
        not read the answer (a written exam has no second attempt: what a machine cannot read,
        a person must, and its 0 marks are provisional until they do)."""
        return self.verdict in ("needs_review", "error", "invalid")


def answer_group_key(answer_group: str | None, answer: str | None) -> str:
    """`ItemResult.same_answer_key` of a result with this `answer_group` and `answer`."""
    return answer_group or " ".join((answer or "").split())


# An item result's fields, in their order: each a text, a number, None or a tuple of them, so a
# result is whole as these values (the gradebook's cache of checks, the page processes).
ITEM_RESULT_FIELDS = tuple(f.name for f in fields(ItemResult))


@dataclass(frozen=True)
class SubmissionResult:
    student: str
    source: str
    items: dict[str, ItemResult]
    warnings: tuple[str, ...] = ()
    # Why these marks are not the latest run's (a later file of the student's could not be
    # graded: `overrides.held`): the items await a person, and no export takes the marks.
    held: str = ""

    @property
    def total(self) -> float:
        return sum(result.marks for result in self.items.values())

    @property
    def final_total(self) -> float | None:
        """The total as every output counts it: None for a held result (`held`), whose marks
        are not final: grades.csv leaves it empty, `--json` and results.json give null, and
        no mean, median, range or histogram counts it."""
        return None if self.held else self.total

    @property
    def max_total(self) -> float:
        return sum(result.max_marks for result in self.items.values())

    @property
    def awaiting_review(self) -> int:
        """How many of its items wait for a person."""
        return sum(1 for result in self.items.values() if result.needs_person)


class FailureKind(StrEnum):
    """What a file that could not be graded is (`FileFailure.kind`), as the gradebook stores it."""

    FILE = "file"  # the file itself could not be graded (not UTF-8, binary, malformed, a link)
    MISSING = "missing"  # a path named on the command line that does not exist
    CLAIMED = "claimed"  # a second file claiming a student another file has a result for


@dataclass(frozen=True)
class FileFailure:
    source: str
    message: str
    kind: FailureKind = FailureKind.FILE
    # the student the failing file is known to be of, where its name does not say it: the
    # student a stored result came from this path for, or the roster entry its name names
    student: str | None = None
    # who an LMS export row that cannot be read names in its id cells, unconfirmed: its
    # student (`student`) once the gradebook holds a result of theirs from the same export
    named: str | None = None


@dataclass
class Batch:
    results: list[SubmissionResult] = field(default_factory=list)
    failures: list[FileFailure] = field(default_factory=list)
