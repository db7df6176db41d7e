"""Recognise the concepts of a written explanation, and know when not to trust the result.

A concept's evidence is a list of patterns. A pattern is a few word groups, each a set of
alternatives (`same|shared|identical weights|matrix position|pixel`): it matches a sentence
in which every group has a word, in any order, within a window of words. Words are compared
by a light stem (weights ~ weight, shared ~ share), so inflection does not matter, and a word
ending in `*` matches any word it begins. An alternative with an operator in it (`1/d+1/k^2`)
is maths: it fits the word where the same quantity, however written, begins (see `maths`). A
semicolon or a dash joins two clauses of one sentence: a pattern may take words from both (a
contradiction that names a role may not). A
negation in the clause of a matched word ("the same weights are not used at every pixel"; a
clause ends at a comma, a colon, "and", "but", "because" ...) turns the match into a negated
one, which never earns marks. A word before "number", "size" … qualifies that quantity ("a
fixed number of parameters" is no fixed weights), and a clause with no subject of its own ("…,
and are shared by all tokens") goes on speaking of the subject of the clause before it. Nor
does a match the sentence may deny without a negation ("It is
false that ...", "Someone might say ...", a question), nor, for a concept with roles (attention
and convolution), one said of the other role ("Convolution mixes all tokens with
data-dependent weights"): that is the concept the wrong way round, a contradiction.

A pattern of two groups joined by `~` (`token* ~ pixel*|position*`) is a pairing: an analogy
whose two sides must be stated as a pair. Within each clause, the words of a concept's pairings
are read in order, two by two ("pixels are tokens and channels the embedding" pairs pixels with
tokens and channels with the embedding), so the pairing matches only where its own two words
are read as a pair. A pair that joins words of two different pairings ("channels play the role
of tokens") states the analogy the wrong way round: it is a contradiction.

The grader scores what it recognises and says why; when it cannot be sure (a contradiction, a
negation or a denial of a match, a statement the wrong way round, a list of keywords instead of
sentences, an answer much longer than what matched) the verdict is `needs_review`, for a person
to decide.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from functools import cached_property, lru_cache
from itertools import pairwise
from math import ceil, floor
from typing import Any

from grader.kinds.text import maths

WINDOW = 12  # words a pattern may spread over within one sentence
_NEGATIONS = {
    "not",
    "no",
    "never",
    "without",
    "cannot",
    "neither",
    "nor",
    "isnt",
    "arent",
    "doesnt",
    "dont",
    "wont",
    "unlike",
    "nothing",
    "none",
    # adverbs that all but deny: "the weights are hardly shared at every position"
    "hardly",
    "barely",
    "scarcely",
    "rarely",
    "seldom",
}
# Negations that deny what follows them ("not the same", "no shared weights", "without") and
# those that also deny what came before them in their clause ("the steps are not separated",
# "attention mixes nothing").
_VERBAL_NEGATIONS = _NEGATIONS - {"no", "without", "unlike"}  # "mixes nothing", "shares none"
_NOTHING = frozenset(["nothing", "none"])  # just after a word of a match, they deny it
# A negation's scope is its clause, from where the clause begins (a comma, a colon, a
# semicolon, a dash) or one of these words begins a new one ("…does not mix tokens, and it
# uses the same weights", "not learned but computed", "no difference except that attention …",
# "data-dependent weights rather than fixed ones").
_SCOPE_BREAK_LIST = """
    and but while whilst whereas although though however yet because since so which who unless
    instead rather except
"""
_SCOPE_BREAKS = frozenset(_SCOPE_BREAK_LIST.split())
# Words that deny what follows them in their scope, as "no" and "without" do, when the next word
# is the one given: "data-dependent weights rather than fixed ones", "a full kernel is learned
# instead of being factored" deny the fixed weights and the factoring (what comes before is
# stated: "rather" and "instead" begin a scope of their own).
_CONTRASTS = {"rather": "than", "instead": "of"}
# "X is different from Y" denies that X is Y, as "not" does, before and after it in its scope
# ("A position-wise linear layer is different from a 1x1 convolution"); "different weights" is
# no negation.
_DIFFERING = {
    "different": frozenset(["from", "to", "than"]),
    "distinct": frozenset(["from"]),
    "unrelated": frozenset(["to"]),
}
# "replaces fixed weights with data-dependent ones" denies what it replaces, up to the "with"
# or "by" that begins a scope of its own.
_REPLACING = frozenset(["replace", "replaces", "replacing"])
_REPLACED_WITH = frozenset(["with", "by"])
# A negation after the words of a match stops at these: "weights that are not learned".
_AFTER_NEGATION_STOP_LIST = "that or than rather"
_AFTER_NEGATION_STOPS = frozenset(_AFTER_NEGATION_STOP_LIST.split())
# Words that may deny a statement without a negation word before it ("It is false that …",
# "…, but that is wrong", "… is a common misconception"): a match in the same part of a
# sentence (as far as a semicolon or a dash) is not credited, and a person decides.
_DENIAL_LIST = """
    false wrong incorrect untrue misconception misconceptions myth mistake mistaken erroneous
    fallacy nonsense
"""
_DENIALS = frozenset(_DENIAL_LIST.split())
# "Someone might say …", "Some people think …": what follows is another's claim.
_ATTRIBUTION_VERB_LIST = """
    say says said claim claims claimed think thinks thought believe believes assume assumes
    argue argues suggest suggests
"""
_ATTRIBUTION_VERBS = frozenset(_ATTRIBUTION_VERB_LIST.split())
_ATTRIBUTION_BY_LIST = "might may could would someone somebody people some many others"
_ATTRIBUTION_BY = frozenset(_ATTRIBUTION_BY_LIST.split())
# "Only one pixel …": a limit that may undo "every pixel".
_LIMITED_LIST = "one a an single some few certain two several"
_LIMITED = frozenset(_LIMITED_LIST.split())
_ONLY = frozenset(["only"])
_UNIVERSAL = frozenset(["all", "every", "each", "any"])
# A short sentence that answers the one before it with a denial: "No.", "That is wrong."
_SHORT_DENIAL_WORD_LIST = """
    no not nope wrong false incorrect untrue that thats this is it its true so really actually
    the case correct but and which however
"""
# The first word of a part of a sentence that speaks of what came before: "…; that is wrong".
_REFERRING_BACK = frozenset(["that", "thats", "this", "which", "it", "its", "but"])
_SHORT_DENIAL_WORDS = frozenset(_SHORT_DENIAL_WORD_LIST.split())
# A denial followed by these in its clause speaks of what follows ("it is wrong to think …", "it
# is false that …"), not of what came before it.
_LOOKING_FORWARD = frozenset(["to", "that"])
# The statement a forward denial introduces goes on past a comma while what it has read so far
# is only an opening phrase ("It is a myth that in a 1x1 conv, the same weights …", "It is false
# that, as in a dense layer, …"), or when the next clause is put in ("… that a 1x1 conv, like a
# dense layer, uses …"); a clause after a whole statement is another ("it is wrong to think it
# learns a full kernel, the kernel is factored").
_OPENING_LIST = """
    in for at on with within across as like unlike when whenever if after before during by from
    under over per given since because although though while once
"""
_OPENINGS = frozenset(_OPENING_LIST.split())
_PUT_IN = frozenset(["like", "unlike", "as", "which", "who", "whose", "including"])
# The first word of a part of a question that asks it ("…; is that not much fewer?"): a part
# before the last is asked only when it begins so.
_QUESTION_WORD_LIST = """
    is are was were do does did can could would should will why how what when isnt arent
    doesnt dont
"""
_QUESTION_WORDS = frozenset(_QUESTION_WORD_LIST.split())
# The first word of a clause that speaks of the thing named in the clause before ("a standard
# convolution, which needs …").
_RELATIVE = frozenset(["which", "who", "whose"])
# The first words of a clause that names what the sentence compares with ("Unlike a fully
# connected layer, which has different weights …, a 1x1 convolution …").
_COMPARED_OPENINGS = (("unlike",), ("compared", "with"), ("compared", "to"), ("in", "contrast"))
_COMPARED_FIRST = frozenset(opening[0] for opening in _COMPARED_OPENINGS)
# A word just before one of these qualifies the quantity, not what is counted: "a fixed number of
# parameters" is no fixed weights, "the same number of weights" no shared weights (a pattern
# that names the quantity, `same number parameter*`, still reads it).
_QUANTITY_LIST = "number numbers amount count quantity size shape"
_QUANTITIES = frozenset(_QUANTITY_LIST.split())
_QUANTITY_SKIPPED = frozenset(["total", "overall"])  # "the same total number of parameters"
# A clause without a subject of its own goes on speaking of the subject of the clause before:
# "The weights only act on the embedding dimension, and are shared by all tokens" says that the
# weights are shared. Such a clause begins (after and, but …, and an adverb) with one of these
# verbs, with a past participle ("…, and shared by all tokens"), or with "they".
_GOING_ON = frozenset(["and", "but", "yet", "so", "then"])
_GOING_ON_ADVERBS = frozenset(["also", "only", "then", "thus", "therefore", "hence", "still"])
_SUBJECTLESS_VERB_LIST = """
    are is was were be been has have had can could will would may might must do does did get
    gets remain remains stay stays
"""
_SUBJECTLESS_VERBS = frozenset(_SUBJECTLESS_VERB_LIST.split())
_CARRYING_PRONOUNS = frozenset(["they"])
# A sentence may begin with its verb denied, its subject after a colon: "Not learned but
# computed: the attention weights" (see `Sentence.carried`).
_LEADING_NEGATIONS = frozenset(["not", "never"])
# A subject that refers back to what came before ("…; it is used at every pixel"): the clause
# may go on with the words of the clause before (see `Sentence.walls`).
_REFERRING = frozenset(["it", "they", "them", "this", "these", "those", "its", "their"])
# A sentence that begins with one of these goes on speaking of the subject of the sentence
# before ("Attention is computed from data. Its weights are learned."): a contradiction may take
# that subject's words (see `_referring_back`). "This" and "that" are left out: they speak of
# what the sentence before says ("This is why …"), not of its subject.
_NEXT_SENTENCE_REFERRING = frozenset(["it", "its", "they", "their", "these", "those"])
_DETERMINERS = frozenset(["the", "a", "an", "every", "each", "all", "any", "some", "one"])
# The subject of a clause is read as its first words (at most `_SUBJECT_WORDS`), up to one of
# these or a verb above: "The weights only act …" has the subject "The weights".
_SUBJECT_END_LIST = """
    only also just not never no of on in for to with by at from across over per that which who
    whose
"""
_SUBJECT_ENDS = frozenset(_SUBJECT_END_LIST.split())
_SUBJECT_WORDS = 4
_SHORT_DENIAL_LIST = "no not nope wrong false incorrect untrue"
_SHORT_DENIALS = frozenset(_SHORT_DENIAL_LIST.split())
# The words of a clause that denies what came before by a negation at its end: "but here they
# are not", "which it is not", "and in practice it does not".
_ELLIPTICAL = frozenset(
    [*_REFERRING_BACK, *_SUBJECTLESS_VERBS, "they", "these", "those", "here", "so", "and"]
    + ["really", "actually", "in", "fact", "practice", "reality", "general"]
)
# A role word just after these is what the statement compares with, not what it is about:
# "1/D + 1/K² of the standard one's", "unlike convolution", "compared with attention"; so is
# one just after a "/" ("separable/standard": the denominator).
_OBJECT_MARKER_LIST = "of than to from unlike versus vs with compared against over as like into"
_OBJECT_MARKERS = frozenset(_OBJECT_MARKER_LIST.split())
_FUNCTION_WORD_LIST = """
    the a an is are was be been of to in on into and or with as by for that this it its
    which at from so can has have each every same both where i we you they do does not will
    would should there their than then but while because if also like uses use
"""
_FUNCTION_WORDS = frozenset(_FUNCTION_WORD_LIST.split())
_WORD = re.compile(r"[A-Za-z0-9]+(?:['’-][A-Za-z0-9]+)*")
# In a sentence with a full stop inside: a word, or an abbreviation that only joins ("e.g.",
# "i.e.", "cf."), read as no word, as punctuation is (`_Shape` leaves it out): "Pixels, i.e.
# tokens" reads as "Pixels, tokens". (Three times the cost of `_WORD`: most sentences have no
# full stop inside.)
_WORD_OR_JOINING = re.compile(
    r"(?<![A-Za-z0-9.])(?i:e\.g|i\.e|eg|ie|cf|viz|w\.r\.t|a\.k\.a)\."
    rf"|{_WORD.pattern}"
)
# A line break ends a sentence only after . ! ? or :, before a blank line or a list item ("- …",
# "2. …", "(2) …"): a break inside a sentence (a YAML `|` block or an LMS cell wrapped at 70
# columns, "applied to every\ntoken") is read through, as a marker reads it. A full stop ends
# one before a space, a line's end or the text's end (after a closing quote or bracket too),
# or between two words run together ("local.It", "local.A 1x1", "local...“It"): not inside a
# number or a name ("3.5", "x.T", "nn.linear", the first dot of "e.g"), nor at the end of an
# abbreviation (`_goes_on`). What follows a full stop is looked at a few characters far: a
# run of 5,000 dots costs what one does.
_SENTENCE_END = re.compile(
    r"[!?][.!?\n]*"
    r"|\.(?=[.!?\"'”’)\]]{0,8}(?:\s|\Z))[.!?]*"
    r"|(?<=[a-z][a-z])\.{1,3}(?=[A-Z][a-z]|[A-Z]\s|[\"“«][A-Za-z])"
    r"|(?<=:)[ \t\r]*\n+"
    r"|\n(?=[ \t\r]*(?:\n|[-*•–]|\d+[.)]\s|\(\d\)))\n*"
    r"|\(\d\)|①|②|③"
)
# Abbreviations a sentence goes on after ("a 1x1 convolution, i.e. a linear layer per pixel");
# then those it goes on after unless the next word starts with a capital ("pixels, channels
# etc. The weights …", "as in Fig. 2", "Eq. 3 shows"). Not "No.": "No. It is local" and "No. 2
# pixels share weights" are a short denial and its reason.
_ABBREVIATED = re.compile(
    r"(?:^|[^A-Za-z.])(?:(e\.g|i\.e|eg|ie|cf|vs|viz|resp|w\.r\.t|a\.k\.a|mrs?|dr|prof)"
    r"|etc|i\.i\.d|et al|approx|incl|esp|figs?|eqs?|eqn|sec|ch|pp?)\Z",
    re.IGNORECASE,
)
_ABBREVIATION_REACH = 7  # characters before a full stop: "approx" and the one before it
# The first character after a full stop and the spaces, line breaks and closing marks after it.
_NEXT = re.compile(r"[\s\"'”’)\]]*(.)", re.DOTALL)


def _goes_on(answer: str, end: re.Match) -> bool:
    """Whether the full stop `end` ends an abbreviation the sentence goes on after
    (`_ABBREVIATED`). A blank line or a list item after it ends the sentence all the same:
    `_SENTENCE_END` finds it next."""
    stop = end.start()
    found = answer[stop] == "." and _ABBREVIATED.search(
        answer, max(0, stop - _ABBREVIATION_REACH), stop
    )
    if not found:
        return False
    following = _NEXT.match(answer, end.end())
    return found.group(1) is not None or following is None or not following.group(1).isupper()


def _pieces(answer: str) -> list[str]:
    """The answer's texts between its sentences' ends (`_SENTENCE_END`, `_goes_on`)."""
    pieces, start = [], 0
    for end in _SENTENCE_END.finditer(answer):
        if not _goes_on(answer, end):
            pieces.append(answer[start : end.start()])
            start = end.end()
    pieces.append(answer[start:])
    return pieces


# A semicolon or a dash joins two clauses of one sentence ("W is the same matrix; it is used
# at every pixel"): a pattern may take words from both, but a negation does not reach across
# it and the pairs of an analogy are read in each clause apart.
_PART_END = re.compile(r";|—|\s-{1,2}\s|\s–\s")
_CLAUSE_END = re.compile(rf"[,:]|{_PART_END.pattern}")  # a part's end ends a clause too
_BRACKETS = re.compile(r"[()]")
# Words that state an analogy ("pixels are like tokens", "channels play the role of tokens",
# "position ~ channel"), as opposed to words that merely describe ("the features at each
# position", "pixels of all channels").
_RELATION = re.compile(
    r"~|=|↔|→|->|\b(?:like|as|is|are|be|become|becomes|role|roles|play|plays|act|acts|"
    r"correspond|corresponds|treat|treated|take|taken|map|maps|mapped|analogous|analogue|"
    r"analog|equivalent|equal|equals|same|match|matches|represent|represents|means)\b",
    re.IGNORECASE,
)
PAIRING = "~"  # joins the two groups of a pairing pattern
# ` > ` joins two groups of which the first's word comes before the second's in one clause (up
# to and, but, so, which …): `1/d+1/k^2 > fewer` is "1/D + 1/K² fewer parameters", not "fewer
# parameters: about 1/D + 1/K² of them"
BEFORE = ">"
# A group beginning with `!` lists words that, just before a word of the match in its clause,
# make that word theirs: `!attention|softmax same|shared weight*|matri* token*` takes the weights
# of "the same weights for every token", not those of "the attention weights are the same for
# every token" (attention's weights, not the projections').
NOT_AFTER = "!"
_JOINERS = re.compile(r"['’-]")


@lru_cache(maxsize=16384)
def _plain(word: str) -> str:
    """Lower case, without hyphens or apostrophes: `Position-wise` is `positionwise`."""
    return _JOINERS.sub("", word.lower())


_KEPT_WHOLE = frozenset(["ones", "separately"])


@lru_cache(maxsize=16384)
def stem(word: str) -> str:
    """A light, predictable stem: lower case, no hyphens or apostrophes, common suffixes off,
    and a final e (of five letters or more), so that a verb's forms are one stem ("share",
    "shares", "shared"). "ones" is kept whole: it stands for a noun ("fixed ones"), and is not
    the number one; so is
    "separately": it says how one thing is applied ("to each token separately, with the same
    matrix"), not that there are separate ones, so it fits no `separate` (`separat*` still fits
    it)."""
    word = _plain(word)
    if word in _KEPT_WHOLE:
        return word
    for suffix, replacement in (
        ("ies", "y"),
        ("ing", ""),
        ("ed", ""),
        ("es", ""),
        ("s", ""),
        ("ly", ""),
    ):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            return word[: -len(suffix)] + replacement
    if word.endswith("e") and len(word) >= 5:
        return word[:-1]  # "share" as "shared" and "shares" are, "shar"; "compute", "comput"
    return word


@dataclass(frozen=True)
class Pattern:
    """Word groups that must all occur near each other; each group lists alternatives."""

    text: str
    groups: tuple[tuple[str, ...], ...]
    pairing: bool = False  # `a ~ b`: the two groups must be stated as a pair
    ordered: bool = False  # `a > b`: a's word before b's, in one clause (see `BEFORE`)
    # `c a > b d`: in a pattern of more groups, the index of each group whose word comes before
    # the next group's in one clause (a's before b's); `a > b c > d` orders a, b and c, d, and
    # `a > b > c` a, b and b, c; empty: none
    order: tuple[int, ...] = ()
    # `!a|b`: words that, just before a word of the match, make it theirs (see `NOT_AFTER`)
    not_after: tuple[str, ...] = ()

    @classmethod
    def compile(cls, text: str) -> Pattern:
        tokens = text.replace(PAIRING, f" {PAIRING} ").split()
        not_after = tuple(
            _alternative(alt)
            for t in tokens
            if t.startswith(NOT_AFTER)
            for alt in t[len(NOT_AFTER) :].split("|")
            if alt.strip("*")
        )
        tokens = [t for t in tokens if not t.startswith(NOT_AFTER)]
        words = [t for t in tokens if t not in (PAIRING, BEFORE)]
        groups = tuple(
            tuple(_alternative(alt) for alt in group.split("|") if alt.strip("*"))
            for group in words
        )
        pairing = tokens[1:2] == [PAIRING] and len(tokens) == 3
        ordered = tokens[1:2] == [BEFORE] and len(tokens) == 3
        order: tuple[int, ...] = ()
        at = [i for i, t in enumerate(tokens) if t == BEFORE]
        if (
            not ordered
            and PAIRING not in tokens
            and at
            and at[0] > 0
            and at[-1] < len(tokens) - 1
            and all(b - a > 1 for a, b in pairwise(at))
        ):
            # the k-th `>` stands after k earlier ones: the group before it is at - k - 1
            order = tuple(a - k - 1 for k, a in enumerate(at))
        return cls(text, groups, pairing, ordered, order, not_after)

    @cached_property
    def needs(self) -> frozenset[tuple[str, ...]]:
        """The groups that must each have a word in a sentence for the pattern to match it."""
        return frozenset(self.groups)

    @property
    def malformed_pairing(self) -> bool:
        """A `~` that does not join exactly two groups; such a pattern is read as a plain one."""
        return PAIRING in self.text and not self.pairing

    @property
    def malformed_order(self) -> bool:
        """A ` > ` that does not stand between two groups (first or last, two together, in a
        pairing); such a pattern is read as a plain one."""
        return BEFORE in self.text.split() and not self.ordered and not self.order

    @property
    def malformed_not_after(self) -> bool:
        """A `!` group in a pattern of no other group, or in a pairing: it is read as none."""
        return any(t.startswith(NOT_AFTER) for t in self.text.split()) and (
            not self.not_after or not self.groups or PAIRING in self.text
        )


@dataclass(frozen=True)
class Word:
    text: str
    stem: str
    start: int  # character position in the answer
    end: int
    clause: int = 0  # which clause of its sentence (clauses end at , : ; and dashes)
    before: str = ""  # the text between the sentence's previous word and this one
    part: int = 0  # which part of its sentence (parts end at semicolons and dashes)


def _made_word(
    text: str, word_stem: str, start: int, end: int, clause: int, before: str, part: int
) -> Word:
    """`Word(text, word_stem, start, end, clause, before, part)`, made without the frozen
    dataclass's `__init__`, which sets each field by `object.__setattr__` (1.5 us a word, 0.5 us
    so): a sentence read once makes all its words anew, 39 an answer. The same value, field for
    field, in the same order."""
    word = _NEW(Word)
    fields = word.__dict__
    fields["text"] = text
    fields["stem"] = word_stem
    fields["start"] = start
    fields["end"] = end
    fields["clause"] = clause
    fields["before"] = before
    fields["part"] = part
    return word


_NEW = object.__new__


@dataclass(frozen=True)
class Match:
    pattern: str
    words: tuple[Word, ...]
    negated: bool
    crossed: bool = False  # a pair joining two different pairings (see `crossed_pairs`)
    # Why the sentence may not assert what matched ("the sentence also says \"wrong\"", "it is
    # asked as a question"): the grader cannot tell, a person decides. None when it does.
    doubt: str | None = None
    # The role word the match is said of, when it is another role's than the pattern's
    # ("Convolution mixes all tokens …" for attention's mixing); `said_of_sure` when that word
    # is in the match's own clause, else it is only the nearest and a person decides.
    said_of: Word | None = None
    said_of_sure: bool = False
    reach: tuple[Word, ...] = ()  # words the quote reaches to besides those matched
    # all its words are in clauses that name or describe what the sentence compares with
    # ("Unlike a fully connected layer, which has different weights …"): said of that
    compared: bool = False
    # its role words are all what the sentence compares with, none what it speaks of ("Unlike
    # attention, a convolution mixes positions …")
    role_compared: bool = False
    # a word of it that is no role word is said of no role word: none in its clause, nor in one
    # its clause goes on from ("…, whereas attention, being data-dependent, …")
    unattributed: bool = False
    # the role word it is said of and one of another role joined to it by "both" ("Both CNNs
    # and attention mix positions …"): said of both (see `Sentence.both`); else empty
    joined: tuple[Word, ...] = ()
    # the two role words it is said of, joined by "both" or by a statement that says it again
    # (`said_of` or `joined`'s first, and its partner), where one is of the pattern's own role:
    # that one first ("Both the 1x1 and 3x3 convolutions use …", "A 1x1 convolution is …, and
    # so is a 3x3 convolution"); else empty
    with_own: tuple[Word, ...] = ()

    @property
    def clean(self) -> bool:
        """Whether the match states its words plainly: not negated, doubted or reversed, nor
        said of two roles at once."""
        return not self.negated and self.doubt is None and self.said_of is None and not self.joined

    def quote(self, answer: str) -> str:
        words = (*self.words, *self.reach)
        start = min(w.start for w in words)
        end = max(w.end for w in words)
        return answer[start:end]


class _Kept:
    """What a sentence's words alone give (never the words themselves, whose places in the
    answer differ): the memos of `Sentence` and the values of its `_kept` properties. One per
    text kept by `_shape`, `shared` by every sentence of that text in every answer, so that
    each is worked out once (and what `find` finds in it too: `_find_kept`); one of its own for
    any other sentence, which keeps no more than the sentence did."""

    __slots__ = (
        "shared",
        "properties",
        "roles",
        "joined",
        "prefixes",
        "groups",
        "sides",
        "fitting",
        "subjects",
        "lacking",
        "present",
        "absent",
        "may_match",
        "found",
        "crossed",
    )

    def __init__(self, shared: bool) -> None:
        self.shared = shared
        self.properties: dict[str, object] = {}
        # by the id of the roles or pairings, kept beside (see `_keep`)
        self.roles: dict[int, tuple] = {}
        self.joined: dict[int, tuple] = {}
        self.prefixes: dict[int, dict[str, list[int]]] = {}  # by length
        self.groups: dict[tuple[str, ...], list[int]] = {}
        self.sides: dict[int, tuple] = {}
        self.fitting: dict[int, tuple] = {}  # the role each word fits (see `_fitting`)
        self.subjects: dict[int, tuple] = {}  # what each word is said of (see `_subject`)
        self.lacking: dict[tuple[tuple[str, ...], ...], bool] = {}
        # the groups with a word and those with none, as far as `Sentence.read` read them
        self.present: frozenset[tuple[str, ...]] = frozenset()
        self.absent: frozenset[tuple[str, ...]] = frozenset()
        self.may_match: dict[int, tuple] = {}  # the patterns that may match (`_may_match`)
        self.found: dict[tuple, tuple] = {}  # what `find` finds (see `_find_kept`)
        self.crossed: dict[int, tuple] = {}  # the crossed pairs (see `_crossed_in`)


class _kept:  # noqa: N801 (a decorator, named as `cached_property` is)
    """A cached property of a `Sentence` that its words alone give, as indexes: worked out once
    per `_Kept` (every sentence of the same text), then kept in each sentence as
    `cached_property` keeps it."""

    def __init__(self, func):
        self.func = func
        self.__doc__ = func.__doc__

    def __set_name__(self, owner, name: str) -> None:
        self.name = name

    def __get__(self, sentence, owner=None):
        if sentence is None:
            return self
        kept = sentence.kept.properties
        found = kept.get(self.name, kept)
        if found is kept:
            found = kept[self.name] = self.func(sentence)
        sentence.__dict__[self.name] = found
        return found


class Sentence(tuple):
    """A sentence's words (a tuple of `Word`), with what the patterns read from it worked out
    once and kept: where each word group has a word, the pairing sides of each word, the pairs
    each concept's pairings read. Those memos are bounded by the rubric (one entry per word
    group or set of pairings looked for); those that the words alone give (all but the pairs,
    which are words) are shared by the sentences of the same text (`_Kept`), the others live
    as long as the sentence, which `sentences` keeps for at most its bounded number of
    answers."""

    def __new__(
        cls, words: Sequence[Word], text: str | None = None, shape: _Shape | None = None
    ) -> Sentence:
        self = super().__new__(cls, words)
        # the sentence's text, for its maths; when not given, rebuilt from the words (up to the
        # end of the last one)
        self.text = "".join(w.before + w.text for w in self) if text is None else text
        self.offset = self[0].start - len(self[0].before) if self else 0
        # what the words' text, stems and clauses alone give: the same for the same sentence in
        # every answer that writes it (see `_reading`); with the text's shape, read with it
        if shape is None:
            reading = _reading(tuple((word.text, word.stem, word.clause) for word in self))
            kept = _Kept(shared=False)
        else:
            reading, kept = shape.reading, shape.kept
        self.by_stem, self.plain, self.negations, self.verbal, self.scopes = reading
        self.kept = kept
        self.question = False  # set by `sentences`: the sentence ends with "?"
        self.answered: Word | None = None  # set by `sentences`: "No." after it
        self.roles = kept.roles
        self.joined = kept.joined
        self.prefixes = kept.prefixes
        self.groups = kept.groups
        self.sides = kept.sides
        self.lacking = kept.lacking
        self.pairs: dict[int, tuple] = {}  # by the pairings' id, kept beside (see `_keep`)
        return self

    def places(self, group: tuple[str, ...]) -> list[int]:
        """The indexes of the words that are one of the group's alternatives, in order."""
        found = self.groups.get(group)
        if found is None:
            exact, prefixes = _split_group(group)
            hits = {i for alternative in exact for i in self.by_stem.get(alternative, ())}
            for prefix in prefixes:
                hits.update(self._beginning(len(prefix)).get(prefix, ()))
            for alternative in exact:
                if alternative.startswith(MATHS):
                    hits.update(self.maths.get(alternative, {}))
            found = self.groups[group] = sorted(hits)
        return found

    def lacks(self, groups: tuple[tuple[str, ...], ...]) -> bool:
        """Whether some group has no word in the sentence (see `places`), so that no pattern of
        these groups matches it: worked out once per pattern's groups, not per concept."""
        found = self.lacking.get(groups)
        if found is None:
            found = self.lacking[groups] = not all(self.places(group) for group in groups)
        return found

    def may_match(self, pattern: Pattern) -> bool:
        """Whether every group of the pattern has a word in the sentence (`lacks` none): told
        by the groups `read` found with and without words, without a look at any group's
        places, for every pattern of the rubric it was read for."""
        if pattern.needs <= self.kept.present:
            return True
        return pattern.needs.isdisjoint(self.kept.absent) and not self.lacks(pattern.groups)

    @cached_property
    def maths(self) -> dict[str, dict[int, tuple[int, int]]]:
        """The maths of the sentence, by form (`=` and its canonical form, as a maths
        alternative is compared): the index of the first word of each stretch or term of that
        form, and where in the answer it begins and ends. Read only for a rubric with maths."""
        offset = self.offset
        return {
            form: {at: (offset + start, offset + end) for at, (start, end) in spans.items()}
            for form, spans in self._maths_in_text.items()
        }

    @_kept
    def _maths_in_text(self) -> dict[str, dict[int, tuple[int, int]]]:
        """The maths of the sentence as `maths` gives it, with where each begins and ends in
        the sentence's text (the same wherever the text stands in an answer)."""
        found: dict[str, dict[int, tuple[int, int]]] = {}
        read = maths.forms(self.text)
        if not read:  # most sentences
            return found
        starts = [word.start - self.offset for word in self]
        for start, end, form in read:
            at = bisect_left(starts, start)
            if at < len(self) and starts[at] < end:
                found.setdefault(MATHS + form, {}).setdefault(at, (start, end))
        return found

    @_kept
    def _plain_words(self) -> frozenset[str]:
        """The plain forms of the sentence's words (see `_may_say`)."""
        return frozenset(plain for _, plain in self.plain)

    def _may_say(self, words: frozenset[str]) -> bool:
        """Whether one of these words is in the sentence (by its plain form): a reading that
        needs one ("only" for a limit, "false" or a negation for a denial) is worked out only
        then, and is otherwise what it would find in a sentence with none."""
        return not words.isdisjoint(self._plain_words)

    def _may_negate(self, verbal: bool = False) -> bool:
        """Whether a word of the sentence negates (or, `verbal`, denies what came before it):
        a reading of negations is worked out only then (see `_may_say`)."""
        return any(self.verbal if verbal else self.negations)

    def _may_name(self) -> bool:
        """Whether a name is written with "_" in the sentence ("W_Q"): a reading of names is
        worked out only then (see `_may_say`)."""
        return any(word.before == "_" for word in self)

    @_kept
    def spread(self) -> tuple[int, ...]:
        """For each word, how many words a pattern's window counts up to it: a name written
        with "_" is one word, and so is a list of them ("W_Q, W_K and W_V"), which names one
        thing, so that "The same matrices W_Q, W_K, W_V and W_O are used for all the tokens"
        is no wider than "The same matrices are used for all the tokens"."""

        if not self._may_name():  # every word counts
            return tuple(range(1, len(self) + 1))

        def name_start(at: int) -> bool:
            return at + 1 < len(self) and self[at + 1].before == "_"

        def name_end(at: int) -> bool:
            return at > 0 and self[at].before == "_" and not name_start(at)

        found = []
        counted = 0
        for at, word in enumerate(self):
            listed = (
                word.before == "_"
                or (name_start(at) and name_end(at - 1))
                or (self.plain[at][1] in ("and", "or") and name_end(at - 1) and name_start(at + 1))
                or (
                    name_start(at)
                    and at > 1
                    and self.plain[at - 1][1] in ("and", "or")
                    and name_end(at - 2)
                )
            )
            counted += 0 if listed and at else 1
            found.append(counted)
        return tuple(found)

    @_kept
    def quantified(self) -> dict[int, int]:
        """The words that qualify a quantity ("fixed" in "a fixed number of parameters", "same"
        in "the same size"), by index: the index of the quantity word."""
        found: dict[int, int] = {}
        if not self._may_say(_QUANTITIES):
            return found
        for index in range(len(self) - 1):
            at = index + 1
            if self.plain[at][1] in _QUANTITY_SKIPPED and at + 1 < len(self):
                at += 1
            if self.plain[at][1] in _QUANTITIES and self.scopes[at] == self.scopes[index]:
                found[index] = at
        return found

    @_kept
    def carried(self) -> dict[int, tuple[int, ...]]:
        """The scopes that go on without a subject of its own (see `_GOING_ON`), by the index of
        their first word: the indexes of the words of the subject they go on speaking of, that
        of the nearest scope before with a subject of its own, when that scope is no clause
        beginning with because, which, while … or on what the sentence compares with; with none
        before, the noun phrase after the sentence's last colon ("Computed, not learned: the
        attention weights")."""
        starts = [i for i in range(len(self)) if not i or self.scopes[i] != self.scopes[i - 1]]
        # each scope's subject, by its first word; a clause's own read only when a scope after
        # it goes on without one (where it begins its words, until then)
        subjects: dict[int, tuple[int, ...] | None] = {}
        begins: dict[int, int] = {}
        found = {}
        for start in starts:
            at = start
            if self.plain[at][1] in _GOING_ON:
                at += 1
            while at < len(self) and self.plain[at][1] in _GOING_ON_ADVERBS:
                at += 1
            if at >= len(self) or self.scopes[at] != self.scopes[start]:
                continue
            plain = self.plain[at][1]
            denied_first = not start and plain in _LEADING_NEGATIONS and at + 1 < len(self)
            if denied_first and self.scopes[at + 1] == self.scopes[start]:
                plain = self.plain[at + 1][1]  # "Not learned but computed: the …"
            subjectless = (
                plain in _SUBJECTLESS_VERBS
                or plain in _CARRYING_PRONOUNS
                or (plain.endswith("ed") and len(plain) > 4)
            )
            if subjectless:
                # "… act on E and K, and are applied …": the subject of a clause, not of "and K"
                earlier = [s for s in subjects if s < start]
                subject = subjects[earlier[-1]] if earlier else self._named_after_colon
                if subject is None:
                    subject = subjects[earlier[-1]] = self._subject_words(
                        earlier[-1], begins[earlier[-1]]
                    )
                subjects[start] = subject
                if subject:
                    found[start] = subject
                continue
            if start in self.clause_starts.values():
                subjects[start], begins[start] = None, at
        return found

    @_kept
    def _named_after_colon(self) -> tuple[int, ...]:
        """The words after the sentence's last colon when they are only a noun phrase (no verb,
        negation, or and, but, which …): what a sentence that begins without a subject speaks
        of ("Computed, not learned: the attention weights"); none otherwise."""
        colon = next((at for at in range(len(self) - 1, 0, -1) if ":" in self[at].before), None)
        if colon is None or len(self) - colon > 2 * _SUBJECT_WORDS:
            return ()
        named = range(colon, len(self))
        if any(
            self.plain[at][1] in _SUBJECTLESS_VERBS
            or self.plain[at][1] in _SCOPE_BREAKS
            or self.negations[at]
            for at in named
        ):
            return ()
        return tuple(named)

    @_kept
    def walls(self) -> tuple[tuple[int, int], ...]:
        """Where a clause with a subject of its own begins, after and, but, while, because …
        ("…, and the tokens are shared by all heads", "…, while the encoding is shared …"), or
        a clause on the word before it (", which is shared …"): (the index of its first word,
        the index of the word a "which" clause speaks of, else -1). A pattern takes no words
        from both sides of it (see `_straddles`). A subject that refers back ("…, and it is
        used at every pixel") is none of its own, and a clause without one goes on speaking of
        the clause before (see `carried`). (A semicolon or a dash is no wall: "W is the same
        matrix; every pixel uses it".)"""
        found = []
        for start in range(1, len(self)):
            plain = self.plain[start][1]
            if self.scopes[start] == self.scopes[start - 1]:
                continue
            if (
                plain in _RELATIVE
                and self.plain[start + 1 :][:1]
                and (self.plain[start + 1][1] in _SUBJECTLESS_VERBS)
            ):
                found.append((start, start - 1))
                continue
            if plain not in _SCOPE_BREAKS or plain in _RELATIVE:
                continue
            # without a comma, "the depthwise and pointwise steps are" joins two words of one
            # subject: a subject of its own begins with the, a, every … or is one word
            joined = self[start].clause == self[start - 1].clause
            at = start + (plain in _SCOPE_BREAKS)
            while at < len(self) and self.plain[at][1] in _GOING_ON_ADVERBS:
                at += 1
            # its subject: a few words ("the output of the layer") before is, are, has …
            subject = [
                i
                for i in range(at, min(at + 2 * _SUBJECT_WORDS, len(self)))
                if self.scopes[i] == self.scopes[start]
            ]
            for rank, i in enumerate(subject):
                word = self.plain[i][1]
                if word in _SUBJECTLESS_VERBS:
                    own = rank == 1 or (rank and self.plain[subject[0]][1] in _DETERMINERS)
                    # "…, and every token is projected by them" speaks of the clause before
                    refers = any(
                        self.plain[j][1] in _REFERRING
                        for j in range(start, len(self))
                        if self.scopes[j] == self.scopes[start]
                    )
                    # "…, and attention is too" says the clause before again of its subject
                    if (own or (rank and not joined)) and not refers and not self._echo_rest(i):
                        found.append((start, -1))
                    break
                if (word in _SUBJECT_ENDS and word != "of") or self.negations[i]:
                    break
        return tuple(found)

    def _echo_rest(self, verb: int) -> bool:
        """Whether all that follows the verb at the index in its scope says "too" ("…, and
        attention is too", "… does as well"): the clause only says the one before again of its
        subject (see `_echoes`), and a pattern may take the words of both."""
        rest = [
            self.plain[at][1]
            for at in range(verb + 1, len(self))
            if self.scopes[at] == self.scopes[verb]
        ]
        return bool(rest) and _too_words(rest) == len(rest)

    def _subject_words(self, start: int, at: int) -> tuple[int, ...]:
        """The words of the subject of the scope that begins at `start` (its first words from
        `at`, see `_SUBJECT_ENDS`); none for a scope that begins with because, which, while …
        or that is on what the sentence compares with."""
        first = self.plain[start][1]
        if (first in _SCOPE_BREAKS and first not in _GOING_ON) or self[
            start
        ].clause in self.compared:
            return ()
        words = []
        while (
            at < len(self)
            and len(words) < _SUBJECT_WORDS
            and self.scopes[at] == self.scopes[start]
            and self.plain[at][1] not in _SUBJECT_ENDS
            and self.plain[at][1] not in _SUBJECTLESS_VERBS
            and not self.negations[at]
        ):
            words.append(at)
            at += 1
        return tuple(words)

    def read(self, index: _Index) -> None:
        """Find the places of every word group of a rubric's patterns in one pass over the
        words (each word's groups are looked up once per rubric, not once per group; the
        places among the same words once per rubric, `_Index.places_of`). Then every group
        found so far is either `present` or `absent` (see `may_match`)."""
        if not index.groups <= self.groups.keys():
            self._read_groups(index)
        kept = self.kept
        if len(kept.present) + len(kept.absent) != len(self.groups):  # groups found since
            kept.present = frozenset(filter(self.groups.__getitem__, self.groups))
            kept.absent = frozenset(self.groups.keys() - kept.present)

    def _read_groups(self, index: _Index) -> None:
        found = {**index.nowhere, **index.places_of(self.plain)}
        maths_places: dict[tuple[str, ...], list[int]] = {}
        for form, groups in index.maths.items():
            for at in self.maths.get(form, ()) if groups else ():
                for group in groups:
                    maths_places.setdefault(group, []).append(at)
        for group in index.maths_groups:
            found[group] = sorted({*found[group], *maths_places.get(group, ())})
        self.groups.update(found)

    def _beginning(self, length: int) -> dict[str, list[int]]:
        """The words by how their stems and their plain forms begin, `length` letters of each
        (a prefix of that length fits a word whose stem or plain form begins with it)."""
        found = self.prefixes.get(length)
        if found is None:
            found = self.prefixes[length] = {}
            for index, (word_stem, plain) in enumerate(self.plain):
                found.setdefault(word_stem[:length], []).append(index)
                found.setdefault(plain[:length], []).append(index)
        return found

    @_kept
    def negation_before(self) -> tuple[int, ...]:
        """For each word, the index of the last negation before it in its scope (-1: none). A
        negation in brackets denies nothing after them: "With a 1x1 kernel (instead of 3x3) the
        same weights are applied …" applies them."""
        if not self._may_negate():
            return (-1,) * len(self)
        found: list[int] = []
        opened: list[int] = []  # the last negation before each bracket still open
        for index in range(len(self)):
            last = -1
            if index and self.scopes[index - 1] == self.scopes[index]:
                last = index - 1 if self.negations[index - 1] else found[-1]
            for mark in _BRACKETS.findall(self[index].before):
                if mark == "(":
                    opened.append(last)
                elif opened:
                    outside = opened.pop()
                    last = (
                        outside if outside < 0 or self.scopes[outside] == self.scopes[index] else -1
                    )
            found.append(last)
        return tuple(found)

    @_kept
    def negation_after(self) -> tuple[int, ...]:
        """For each word, the index of the first "not", "never", "n't" … after it in its scope,
        before a "that" or an "or" (-1: none)."""
        found = [-1] * len(self)
        if not self._may_negate(verbal=True):
            return tuple(found)
        for index in range(len(self) - 2, -1, -1):
            following = index + 1
            # nor one in brackets after it: "… at each pixel (not a 3x3 window)"
            if self.scopes[following] != self.scopes[index] or "(" in self[following].before:
                continue
            if self.verbal[following]:
                found[index] = following
            elif self.plain[following][1] not in _AFTER_NEGATION_STOPS:
                found[index] = found[following]
        return tuple(found)

    @_kept
    def limit_before(self) -> tuple[int, ...]:
        """For each word, the index of the last "only one", "only a" … before it in its scope
        (-1: none)."""
        if not self._may_say(_ONLY):
            return (-1,) * len(self)
        found: list[int] = []
        for index in range(len(self)):
            last = -1
            if index and self.scopes[index - 1] == self.scopes[index]:
                last = found[-1]
                at = index - 2
                if (
                    at >= 0
                    and self.plain[at][1] == "only"
                    and self.scopes[at] == self.scopes[index]
                ):
                    last = at if self.plain[at + 1][1] in _LIMITED else last
            found.append(last)
        return tuple(found)

    @_kept
    def clause_starts(self) -> dict[int, int]:
        """The index of the first word of each clause, by clause."""
        found: dict[int, int] = {}
        for index, word in enumerate(self):
            found.setdefault(word.clause, index)
        return found

    def _ends_clause(self, index: int) -> bool:
        return index + 1 == len(self) or self[index + 1].clause != self[index].clause

    def _is_denial(self, index: int) -> bool:
        """Whether the word may deny what its clause says: "false", "wrong", "misconception", or
        a negation before "true", "the case" … or before a "so" that ends the clause ("that is
        not so", not "not so different"), or one that ends a clause of only words that speak
        of what came before ("…, but here they are not", "…, which it is not"; not "…, but
        attention does not")."""
        if self.plain[index][1] in _DENIALS:
            return True
        if not self.verbal[index]:
            return False
        if self._ends_clause(index) and all(
            self.plain[at][1] in _ELLIPTICAL or self.verbal[at]
            for at in range(self.clause_starts[self[index].clause], index)
        ):
            return True  # "…, but they are not", "…, which it is not"
        for after in range(index + 1, min(index + 4, len(self))):
            if self[after].clause != self[index].clause:
                return False
            plain = self.plain[after][1]
            if plain in ("true", "case", "correct", "right", "accurate"):
                return True
            if plain == "so" and self._ends_clause(after):
                return True
        return False

    def _introduced(self, forward: int) -> set[int]:
        """The clauses of the statement a denial introduces with the word at `forward` ("that",
        "to"): its own clause, and the clauses after it in its part while the statement read so
        far is only an opening phrase, or the next clause is put in, with more after it (see
        `_OPENINGS`)."""
        clause, part = self[forward].clause, self[forward].part
        at = forward + 1  # where the statement begins: after "(to say) that", if it follows
        for after in range(forward + 1, min(forward + 4, len(self))):
            if self[after].clause == clause and self.plain[after][1] == "that":
                at = after + 1
                break
        opening = self.plain[at][1] if at < len(self) and self[at].clause == clause else None
        later = [
            c for c, start in self.clause_starts.items() if c > clause and self[start].part == part
        ]
        found = {clause}
        for index, following in enumerate(later):
            first = self.plain[self.clause_starts[following]][1]
            if not (
                opening is None
                or opening in _OPENINGS
                or (first in _PUT_IN and index + 1 < len(later))
            ):
                break
            found.add(following)
            opening = first
        return found

    @cached_property
    def denials(self) -> tuple[tuple[Word, frozenset[int]], ...]:
        """The words that may deny what the sentence says, each with the clauses it governs:
        its own; when it speaks of what follows ("it is false that", "wrong to"), those of the
        statement it introduces ("It is false that, in a 1x1 conv, …"; see `_introduced`); when
        its clause speaks of what came before ("…, but that is wrong", "…; that is wrong", "…,
        wrong") and it does not look forward, every clause before it."""
        found = []
        if not (self._may_say(_DENIALS) or self._may_negate(verbal=True)):
            return ()  # `_is_denial` needs one or the other
        for index, word in enumerate(self):
            if not self._is_denial(index):
                continue
            clauses = {word.clause}
            forward = next(
                (
                    after
                    for after in range(index + 1, min(index + 4, len(self)))
                    if self[after].clause == word.clause
                    and self.plain[after][1] in _LOOKING_FORWARD
                ),
                None,
            )
            start = self.clause_starts[word.clause]
            if forward is not None:
                clauses |= self._introduced(forward)
            elif forward is None and (
                self.plain[start][1] in _REFERRING_BACK
                or all(
                    self.plain[at][1] in _SHORT_DENIAL_WORDS or self.verbal[at]
                    for at in range(start, len(self))
                    if self[at].clause == word.clause
                )
            ):
                clauses |= set(range(word.clause))
            found.append((word, frozenset(clauses)))
        return tuple(found)

    @cached_property
    def asked(self) -> frozenset[int]:
        """The parts of the sentence a question asks: the last part of a sentence that ends
        with "?", and a part before it that begins with "is", "does", "why" …"""
        if not self.question:
            return frozenset()
        last = self[-1].part
        return frozenset(
            word.part
            for index, word in enumerate(self)
            if word.part == last
            or (
                (not index or self[index - 1].part != word.part)
                and self.plain[index][1] in _QUESTION_WORDS
            )
        )

    @_kept
    def compared(self) -> frozenset[int]:
        """The clauses that name what the sentence compares with ("Unlike a fully connected
        layer"), and the clauses just after them that describe it (", which has …")."""
        found: set[int] = set()
        if not self._may_say(_COMPARED_FIRST):  # a clause that describes follows one that names
            return frozenset(found)
        for clause, start in self.clause_starts.items():
            opening = tuple(p for _, p in self.plain[start : start + 2])
            if any(opening[: len(o)] == o for o in _COMPARED_OPENINGS) or (
                clause - 1 in found and opening[0] in _RELATIVE
            ):
                found.add(clause)
        return frozenset(found)

    @_kept
    def attributions(self) -> tuple[tuple[int, int], ...]:
        """Where the sentence reports another's claim ("someone might say", "people think"):
        (index of the first word, index of the verb)."""
        found: list[tuple[int, int]] = []
        if not self._may_say(_ATTRIBUTION_VERBS):
            return ()
        for index, (_, plain) in enumerate(self.plain):
            if plain in _ATTRIBUTION_VERBS:
                by = [
                    at
                    for at in range(max(0, index - 3), index)
                    if self.plain[at][1] in _ATTRIBUTION_BY
                ]
                if by:
                    found.append((by[0], index))
        return tuple(found)

    @cached_property
    def index_of(self) -> dict[int, int]:
        """The index of each word, by the word's id (see `_index_of`)."""
        return _index_of(self)

    @_kept
    def clause_sizes(self) -> tuple[int, ...]:
        """How many words each clause has."""
        return tuple(Counter(word.clause for word in self).values())

    @_kept
    def function_words(self) -> int:
        """How many of the words are function words (the, is, of …: see `looks_like_keywords`)."""
        return sum(1 for word in self if word.text.lower() in _FUNCTION_WORDS)

    @_kept
    def short_denial(self) -> bool:
        """Whether the sentence is a short answer that denies the one before: "No.", "That is
        wrong." """
        if len(self) > 5:
            return False
        plain = [p for _, p in self.plain]
        return all(
            p in _SHORT_DENIAL_WORDS or n for p, n in zip(plain, self.verbal, strict=True)
        ) and any(p in _SHORT_DENIALS or n for p, n in zip(plain, self.verbal, strict=True))


# A sentence's reading is about 4.5 KB: 4,096 of them held 18 MB in each check worker, where a
# class writing its own sentences met one again one time in ten (one in twenty-eight with
# 1,024), and a class drawn from few sentences needs a few dozen.
READINGS_KEPT = 1024


@lru_cache(maxsize=READINGS_KEPT)
def _reading(
    key: tuple[tuple[str, str, int], ...],
) -> tuple[
    dict[str, list[int]],
    tuple[tuple[str, str], ...],
    tuple[bool, ...],
    tuple[bool, ...],
    tuple[int, ...],
]:
    """What a sentence's words (text, stem and clause of each: all it reads) give, remembered
    (a class writes the same sentences in many answers): the indexes of each stem, each word's
    stem and plain form, which words negate (`negations`) and which also deny what came before
    (`verbal`), and each word's scope. Shared by the sentences of the same words: read only."""
    plain_forms = tuple((word_stem, _plain(text)) for text, word_stem, _ in key)
    following = [*(p for _, p in plain_forms[1:]), ""]
    by_stem: dict[str, list[int]] = {}
    negations: list[bool] = []
    verbal: list[bool] = []
    # the scope of a negation: its clause, which also ends before "and", "but", "while" …,
    # and before the "with" of "replaces … with"
    scopes: list[int] = []
    replacing = False
    # one pass over the words (a sentence read once is read here in full)
    for index, (text, word_stem, clause) in enumerate(key):
        by_stem.setdefault(word_stem, []).append(index)
        plain, after = plain_forms[index][1], following[index]
        differ = after in _DIFFERING.get(plain, ())
        negations.append(
            _is_negation(text) or _CONTRASTS.get(plain) == after or plain in _REPLACING or differ
        )
        verbal.append(_is_verbal_negation(text) or differ)
        new_scope = index and (
            clause != key[index - 1][2]
            or plain in _SCOPE_BREAKS
            or (replacing and plain in _REPLACED_WITH)
        )
        replacing = plain in _REPLACING or (replacing and not new_scope)
        scopes.append(scopes[-1] + 1 if new_scope else (scopes[-1] if scopes else 0))
    return by_stem, plain_forms, tuple(negations), tuple(verbal), tuple(scopes)


def _sentence(words: Sequence[Word]) -> Sentence:
    return words if isinstance(words, Sentence) else Sentence(words)


@lru_cache(maxsize=4096)
def _maths_alternatives(group: tuple[str, ...]) -> tuple[str, ...]:
    """The group's maths alternatives (see `_alternative`), in order: looked at once per group,
    not once per word a match quotes (`_quoted`)."""
    return tuple(alternative for alternative in group if alternative.startswith(MATHS))


@lru_cache(maxsize=4096)
def _split_group(group: tuple[str, ...]) -> tuple[frozenset[str], tuple[str, ...]]:
    """A group's alternatives compared whole (stems), and its prefixes (`word*`)."""
    exact = frozenset(a for a in group if not a.endswith("*"))
    return exact, tuple(a[:-1] for a in group if a.endswith("*"))


class _Index:
    """The word groups of a rubric's patterns, by the stems and beginnings that fit them."""

    MEMO = 65536  # words remembered, then forgotten all at once
    PLACES_MEMO = 1024  # sentences' words remembered (`places_of`), then forgotten all at once

    def __init__(self, concepts: tuple[Concept, ...]):
        patterns = [p for c in concepts for p in (*c.evidence, *c.contradictions)]
        self.groups = frozenset(group for p in patterns for group in p.groups)
        self.exact: dict[str, list[tuple[str, ...]]] = {}
        self.prefixes: dict[int, dict[str, list[tuple[str, ...]]]] = {}
        self.maths: dict[str, list[tuple[str, ...]]] = {}  # the groups of each maths form
        for group in self.groups:
            exact, prefixes = _split_group(group)
            for alternative in exact:
                if alternative.startswith(MATHS):
                    self.maths.setdefault(alternative, []).append(group)
                    continue
                self.exact.setdefault(alternative, []).append(group)
            for prefix in prefixes:
                table = self.prefixes.setdefault(len(prefix), {})
                table.setdefault(prefix, []).append(group)
        self.memo: dict[tuple[str, str], tuple[tuple[str, ...], ...]] = {}
        self.maths_groups = frozenset(group for groups in self.maths.values() for group in groups)
        # each group with no word: one empty list, read only, as every list `places_of` gives
        self.nowhere: dict[tuple[str, ...], list[int]] = dict.fromkeys(self.groups, [])
        self.places_memo: dict[tuple[tuple[str, str], ...], dict[tuple[str, ...], list[int]]] = {}

    def places_of(self, plain: tuple[tuple[str, str], ...]) -> dict[tuple[str, ...], list[int]]:
        """Where each group that has a word among these words (each word's stem and plain
        form) has it, maths aside (see `Sentence.read`): remembered by the words (a class
        writes the same sentences in many answers), and so shared by the sentences of the same
        words: read only."""
        found = self.places_memo.get(plain)
        if found is None:
            found = {}
            for at, key in enumerate(plain):
                for group in self.groups_of(key):
                    found.setdefault(group, []).append(at)
            if len(self.places_memo) >= self.PLACES_MEMO:
                self.places_memo.clear()
            self.places_memo[plain] = found
        return found

    def groups_of(self, key: tuple[str, str]) -> tuple[tuple[str, ...], ...]:
        """The groups a word (its stem and plain form) is one of the alternatives of."""
        found = self.memo.get(key)
        if found is None:
            word_stem, plain = key
            fits = list(self.exact.get(word_stem, ()))
            for length, table in self.prefixes.items():
                fits += table.get(word_stem[:length], ())
                fits += table.get(plain[:length], ())
            if len(self.memo) >= self.MEMO:
                self.memo.clear()
            found = self.memo[key] = tuple(dict.fromkeys(fits))
        return found


_INDEXES = 32  # sets of concepts whose `_Index` is kept, then forgotten all at once
_indexes: dict[int, tuple] = {}


def _index(concepts: tuple[Concept, ...]) -> _Index:
    """The concepts' `_Index`, kept by the id of their tuple (see `_keep`): hashing them, every
    field of every pattern, took 12 to 16 us an answer."""
    found = _looked_up(_indexes, concepts)
    if found is None:
        found = _keep(_indexes, concepts, _Index(concepts), _INDEXES)
    return found


def _forget_indexes() -> None:
    """Forget every rubric's `_Index` and what it remembers (for tests)."""
    _indexes.clear()


# Answers whose sentences (and readings with the subject before: `_referring_back`) are kept:
# every step of one answer's check reads them again. An answer met again is not checked again
# (`grade.REMEMBERED`); kept for more answers, a class of its own sentences' words and readings
# outlived the young generation, and the collector's passes over them cost a tenth of the check
# (0.24 s of 3.2 s for the 3,199 spaced explanations, 0.03 s so).
_ANSWERS_KEPT = 4


@lru_cache(maxsize=_ANSWERS_KEPT)
def sentences(answer: str) -> tuple[Sentence, ...]:
    """The answer's sentences as words, with positions in the answer (read once per answer:
    every pattern of every concept is looked for in the same sentences; a text read once for
    all the answers that write it, see `_shape`)."""
    result: list[Sentence] = []
    position = 0
    for piece in [*_pieces(answer), ""]:
        found = answer.find(piece, position) if piece else position
        offset = max(found, 0)
        shape = _shape(piece)
        if shape.words:
            sentence = Sentence(shape.placed(offset), piece, shape)
            end = _SENTENCE_END.match(answer, offset + len(piece))
            sentence.question = end is not None and "?" in end.group(0)
            if result and sentence.short_denial:
                result[-1].answered = sentence[0]
            result.append(sentence)
        position = offset + len(piece)
    return tuple(result)


class _Shape:
    """A sentence's text as `sentences` reads it, the same wherever it stands in an answer: its
    words (text, stem, where each begins and ends in the text, clause, the text before it,
    part), their reading (see `_reading`) and what is worked out from them (`_Kept`)."""

    __slots__ = ("words", "reading", "kept", "places")

    def __init__(self, piece: str, kept: bool):
        words = []
        key = []  # what `_reading` reads of each word
        previous_end = 0
        clause = 0
        part = 0
        for m in (_WORD_OR_JOINING if "." in piece else _WORD).finditer(piece):
            if m.group(0)[-1] == ".":  # an abbreviation: part of the gap before the next word
                continue
            start = m.start()
            gap = piece[previous_end:start]
            if gap and not gap.isspace():  # spaces alone end no clause
                clause += len(_CLAUSE_END.findall(piece, previous_end, start))
                part += len(_PART_END.findall(piece, previous_end, start))
            text = m.group(0)
            word_stem = stem(text)
            previous_end = m.end()
            words.append((text, word_stem, start, previous_end, clause, gap, part))
            key.append((text, word_stem, clause))
        self.words = tuple(words)
        self.reading = _reading(tuple(key)) if key else ()  # no words: no sentence
        self.kept = _Kept(shared=kept)
        self.places: dict[int, tuple[Word, ...]] = {}  # the words, by where the text begins

    def placed(self, offset: int) -> tuple[Word, ...]:
        """The words of the text where it begins at `offset` in an answer, made once per place
        (words are values: answers that write the same text at the same place share them)."""
        found = self.places.get(offset)
        if found is None:
            found = tuple(
                _made_word(text, word_stem, offset + start, offset + end, clause, before, part)
                for text, word_stem, start, end, clause, before, part in self.words
            )
            if self.kept.shared:
                if (len(self.places) + 1) * len(self.words) > _PLACED_WORDS:
                    self.places.clear()
                self.places[offset] = found
        return found


_SHAPES = 256  # texts whose shape `_shape` keeps, and texts it remembers having seen
_SHAPES_TEXT = 1 << 18  # characters of the texts it keeps and remembers, of each
_PLACED_WORDS = 128  # words a shape keeps of the places it was read at (`_Shape.placed`)


class _Texts(dict):
    """Texts (the keys), at most `_SHAPES` of them and `_SHAPES_TEXT` characters in all: full,
    they are forgotten all at once."""

    size = 0

    def keep(self, text: str, value: object) -> None:
        if len(self) >= _SHAPES or self.size + len(text) > _SHAPES_TEXT:
            self.clear()
            self.size = 0
        self[text] = value
        self.size += len(text)


_shapes = _Texts()  # the texts read twice or more, by text: their shapes
_seen = _Texts()  # the texts read once


def _shape(piece: str) -> _Shape:
    """The shape of a sentence's text: kept, with what is worked out from it, from the second
    time the text is read (a class writes the same sentences in many answers; a text written
    once is not worth keeping, and keeping it costs the garbage collector dear)."""
    shape = _shapes.get(piece)
    if shape is not None:
        return shape
    if piece not in _seen:
        _seen.keep(piece, None)
        return _Shape(piece, kept=False)
    shape = _Shape(piece, kept=True)
    _shapes.keep(piece, shape)
    return shape


def _forget_shapes() -> None:
    """Forget every text's shape, and that any was seen (for tests)."""
    for texts in (_shapes, _seen):
        texts.clear()
        texts.size = 0


MATHS = "="  # begins a maths alternative as compared: `=` and its canonical form (no stem has it)


def _alternative(word: str) -> str:
    """A pattern word as compared: a stem, a prefix followed by `*`, or a maths alternative
    (`1/k^2`: `=` and its canonical form; see `maths`)."""
    if maths.is_maths(word):
        form = maths.canonical(word)
        return MATHS + form if form is not None else MATHS + word  # unread: fits nothing
    if word.endswith("*"):
        return _plain(word[:-1]) + "*"
    return stem(word)


def _fits(alternative: str, word: Word) -> bool:
    return _fits_text(alternative, word.stem, word.text)


@lru_cache(maxsize=65536)
def _fits_text(alternative: str, word_stem: str, text: str) -> bool:
    if alternative.endswith("*"):
        prefix = alternative[:-1]
        return word_stem.startswith(prefix) or _plain(text).startswith(prefix)
    return word_stem == alternative


def find(
    pattern: Pattern,
    sentence: Sequence[Word],
    pairings: tuple[Pattern, ...] = (),
    roles: tuple[tuple[str, ...], ...] = (),
) -> Match | None:
    """The first window of the sentence where every group of the pattern has a word.

    A pairing pattern matches where its two words are read as a pair; `pairings` are all the
    pairings of its concept, whose words take part in the reading (the pattern alone if empty).
    `roles` are the concept's roles (see `Concept.roles`).
    """
    sentence = _sentence(sentence)
    if not pattern.groups:  # only a `!` group: nothing to match (`rubric check` reports it)
        return None
    # a group with no word in the sentence: no window, no ordered pair, and no pair the pattern
    # pairs (a word `_pairs_as` fits to a group is one of the group's `places`)
    if not sentence.may_match(pattern):
        return None
    if pattern.pairing:
        pairs = read_pairs(pairings or (pattern,), sentence)
        pair = next((p for p in pairs if _pairs_as(pattern, p)), None)
        if pair is None:
            return None
        indexes = {id(w): i for i, w in enumerate(sentence)}
        return _match(pattern.text, sentence, pair, [indexes[id(word)] for word in pair])
    if pattern.ordered:
        return _ordered(pattern, sentence, roles)
    # Where each group has a word; then the first window in which every group has one, each
    # group taking its first word in that window. Of the windows that state their words plainly
    # (not negated, doubted or said of another role), the tightest: one not all in a clause on
    # what the sentence compares with, in the fewest parts, over the fewest words, the first of
    # equals (its quote shows what earned it); else the first window.
    # A subject carried into a clause that goes on without one ("The weights only act on …, and
    # are shared by all tokens") also stands where that clause begins (see `Sentence.carried`).
    places: list[list[float]] = list(_pattern_places(pattern, sentence))
    if not all(places):
        return None
    word_at: dict[float, int] = {}
    for start, subject in sentence.carried.items():
        for rank, index in enumerate(subject):
            word_at[start - 1 + (rank + 1) / (len(subject) + 1)] = index
    if word_at:
        places = [
            sorted([*indexes, *(at for at, index in word_at.items() if index in indexes)])
            for indexes in places
        ]
    first = None
    best: tuple[tuple[bool, int, float], Match] | None = None
    seen = set()
    for positions in _windows(places, sentence.spread):
        if positions is _LATER:  # the windows after it are tried only when none stated it plainly
            if best is not None:
                break
            continue
        chosen = [word_at.get(at, at) for at in positions]
        if _straddles(sentence, chosen, pattern) or not _in_order(pattern, sentence, positions):
            continue
        if tuple(chosen) not in seen:
            seen.add(tuple(chosen))
            tightness = (
                _in_compared(sentence, chosen),
                len({sentence[at].part for at in chosen}),
                max(positions) - min(positions),
            )
            if best is not None and best[0] <= tightness:
                continue
            groups = zip(pattern.groups, chosen, strict=True)
            words = tuple(_quoted(sentence, group, at) for group, at in groups)
            match = _match(pattern.text, sentence, words, chosen, roles)
            if match.clean:
                best = (tightness, match)
            first = first or match
    return best[1] if best is not None else first


def _in_order(pattern: Pattern, sentence: Sentence, positions: list[float]) -> bool:
    """Whether the words at these places (see `find`) have the word of the group before each of
    the pattern's `>` before that of the group after it, in one clause (up to and, but, so …):
    in `convolution* weight* > depend* input*`, "a convolution's weights depend on the input",
    not "the convolution's output depends on the input and its weights"."""
    for group in pattern.order:
        first, second = positions[group], positions[group + 1]
        if not (first < second and sentence.scopes[ceil(first)] == sentence.scopes[ceil(second)]):
            return False
    return True


def _straddles(sentence: Sentence, chosen: list[int], pattern: Pattern) -> bool:
    """Whether the words take the words of a clause with a subject of its own and words of the
    clause before it ("The weights act on E, and the tokens are shared by all heads" shares no
    weights), except for a "which" clause on a word of the pattern ("The weights, which are
    shared by all tokens", "W_Q, which is shared by every token": a name written with "_" is
    one word)."""
    for start, antecedent in sentence.walls:
        if not min(chosen) < start <= max(chosen):
            continue
        if antecedent >= 0:
            named = [antecedent]
            while named[0] > 0 and sentence[named[0]].before == "_":
                named.insert(0, named[0] - 1)
            if any(at in sentence.places(group) for group in pattern.groups for at in named):
                continue
        return True
    return False


def _ordered(
    pattern: Pattern, sentence: Sentence, roles: tuple[tuple[str, ...], ...]
) -> Match | None:
    """The first place where a word of the pattern's first group comes before one of its second
    in the same clause (up to and, but, so …), one that states them plainly if any. A subject
    carried into a clause (see `Sentence.carried`) stands where that clause begins, as in
    `find`: "Learned, not computed: the attention weights" calls attention learned."""
    first = None
    earlier, later = _pattern_places(pattern, sentence)
    for place, at in _with_carried(sentence, earlier):
        after = bisect_right(later, place)
        if after == len(later) or sentence.scopes[later[after]] != sentence.scopes[ceil(place)]:
            continue
        chosen = [at, later[after]]
        groups = zip(pattern.groups, chosen, strict=True)
        words = tuple(_quoted(sentence, group, index) for group, index in groups)
        match = _match(pattern.text, sentence, words, chosen, roles)
        if match.clean:
            return match
        first = first or match
    return first


def _with_carried(sentence: Sentence, indexes: list[int]) -> list[tuple[float, int]]:
    """The words at these indexes, each as (its place, its index), and those of them carried
    as a subject into a clause, also just before where that clause begins; by place."""
    carried = [
        (start - 0.5, index)
        for start, subject in sentence.carried.items()
        for index in subject
        if index in indexes
    ]
    return sorted([*((float(at), at) for at in indexes), *carried])


def _pattern_places(pattern: Pattern, sentence: Sentence) -> list[list[int]]:
    """Where each group of the pattern has a word, leaving out a word that qualifies a quantity
    ("fixed" in "a fixed number of parameters") unless a group of the pattern has that quantity
    (`same number parameter*`), and a word just after one of the pattern's `!` words in its
    clause ("weights" in "the attention weights" under `!attention`)."""
    places = [sentence.places(group) for group in pattern.groups]
    if not all(places):  # a group with no word: leaving words out leaves it none still
        return places
    if pattern.not_after:
        places = [
            [at for at in indexes if not _after_any(sentence, at, pattern.not_after)]
            for indexes in places
        ]
    quantified = sentence.quantified
    if not quantified:
        return places
    named = {index for indexes in places for index in indexes}
    return [
        [at for at in indexes if at not in quantified or quantified[at] in named]
        for indexes in places
    ]


def _after_any(sentence: Sentence, index: int, words: tuple[str, ...]) -> bool:
    """Whether the word before the one at the index, in its clause, is one of these words."""
    before = index - 1
    return (
        before >= 0
        and sentence[before].clause == sentence[index].clause
        and _fits_group(words, sentence[before].stem, sentence[before].text)
    )


_LATER: list[float] = []  # `_windows` yields it between its two sweeps


def _windows(places: list[list[float]], spread: tuple[int, ...]) -> Iterator[list[float]]:
    """The windows where every group has a word (`places`: each group's word positions, an index
    or, for a carried subject, a place between two; see `find`): from each
    word on, each group's first word in the window; then `_LATER`, and up to each word, each
    group's last word in the window ("a convolution does not mix positions …; its weights are
    fixed" states `convolution* fixed weight*` plainly only with the later "weights"). A window
    spans `WINDOW` words as `spread` (see `Sentence.spread`) counts them.

    Only the starts and ends where the window can differ from the one before are tried: from
    every start up to the next place, each group's first word is the same and the span widest
    from the earliest, so the last such start (the floor of a place) stands for them all; up to
    every end from a place on, likewise the first (the ceiling of a place). What is left out is
    only the same window again."""

    def span(first: float, last: float) -> int:
        return spread[ceil(last)] - spread[ceil(first)]

    every = [at for indexes in places for at in indexes]
    starts = sorted({floor(at) for at in every if at >= 0})
    for start in starts:
        chosen = []
        for indexes in places:
            at = bisect_left(indexes, start)
            if at == len(indexes) or span(start, indexes[at]) >= WINDOW:
                break
            chosen.append(indexes[at])
        else:
            yield chosen
    yield _LATER  # `find` mostly stops here: the ends are sorted only after it
    ends = sorted({ceil(at) for at in every})
    for end in ends:
        chosen = []
        for indexes in places:
            at = bisect_right(indexes, end) - 1
            if at < 0 or span(indexes[at], end) >= WINDOW:
                break
            chosen.append(indexes[at])
        else:
            yield chosen


def _match(
    pattern: str,
    sentence: Sentence,
    words: tuple[Word, ...],
    chosen: list[int],
    roles: tuple[tuple[str, ...], ...] = (),
) -> Match:
    """A match of these words of the sentence: whether a negation denies it, whether the
    sentence may deny it otherwise, and, for a concept with roles, what it is said of."""
    said_of, sure, whole, unattributed = (
        _said_of(sentence, chosen, roles) if roles else (None, False, False, False)
    )
    # "Unlike attention, convolution mixes all positions …": the negation is of the pattern's
    # role word, and what the match says is all said of the other role, the wrong way round
    fitting = _fitting(sentence, roles)
    stated = [i for i in chosen if fitting[i] is None] if whole else chosen
    negation = _negation_of(sentence, stated)
    reach: tuple[Word, ...] = ()
    if negation is not None and negation > max(stated):  # "… are not separated"
        reach = tuple(sentence[negation : min(negation + 2, len(sentence))])
    if said_of is not None:
        reach = (*reach, said_of)
    role_words = [i for i in chosen if fitting[i] is not None]
    role_of = _roles_of(sentence, roles) if role_words else {}
    joined = _joined(sentence, chosen, roles) if roles and said_of is None else ()
    reach = (*reach, *joined[1:], *_echo_end(sentence, chosen, joined))
    return Match(
        pattern,
        words,
        negation is not None,
        doubt=_doubt_of(sentence, chosen),
        said_of=said_of,
        said_of_sure=sure,
        reach=reach,
        compared=_in_compared(sentence, chosen),
        role_compared=bool(role_words) and not any(i in role_of for i in role_words),
        unattributed=unattributed,
        joined=joined,
        with_own=_with_own(sentence, chosen, roles, said_of or next(iter(joined), None)),
    )


def _with_own(
    sentence: Sentence, chosen: list[int], roles: tuple[tuple[str, ...], ...], said_of: Word | None
) -> tuple[Word, ...]:
    """The role word a match is said of and the one `_both` joins to it ("both", or a statement
    that says it again), the one of the pattern's own role first, where one is: "Both the 1x1
    and 3x3 convolutions use the same weights at every pixel" and "A 1x1 convolution is a
    position-wise linear layer, and so is a 3x3 convolution" say it of the 1x1 convolution too.
    Empty otherwise."""
    partner_at = None if said_of is None else _both(sentence, roles).get(sentence.index(said_of))
    if partner_at is None:
        return ()
    partner = sentence[partner_at]
    own = _own_role(sentence, chosen, roles)
    if _role_fitting(said_of, roles) == own:
        return said_of, partner
    if _role_fitting(partner, roles) == own:
        return partner, said_of
    return ()


def _echo_end(sentence: Sentence, chosen: list[int], joined: tuple[Word, ...]) -> tuple[Word, ...]:
    """The last word of the statement that says the match again of a role word after it ("…,
    and attention is too"), for the quote to show all it says; none for a role word among the
    match's words ("Both CNNs and attention mix …")."""
    if not joined:
        return ()
    partner = sentence.index(joined[1])
    if partner < max(chosen):
        return ()
    scope = sentence.scopes[partner]
    return (
        sentence[max(at for at in range(partner, len(sentence)) if sentence.scopes[at] == scope)],
    )


def _in_compared(sentence: Sentence, chosen: list[int]) -> bool:
    if not sentence.compared:  # most sentences compare with nothing
        return not chosen
    return all(sentence[index].clause in sentence.compared for index in chosen)


def _quoted(sentence: Sentence, group: tuple[str, ...], index: int) -> Word:
    """The word at the index, reaching to the end of the maths it begins when the group fits it
    by a maths alternative (so that a quote shows all of "1/K^2", not "1")."""
    word = sentence[index]
    for alternative in _maths_alternatives(group):  # most groups have none
        if index in sentence.maths.get(alternative, {}):
            start, end = sentence.maths[alternative][index]
            return replace(word, start=min(start, word.start), end=max(end, word.end))
    return word


def _negated(sentence: Sentence, chosen: list[Word]) -> bool:
    indexes = {id(w): i for i, w in enumerate(sentence)}
    return _negation_of(sentence, [indexes[id(word)] for word in chosen]) is not None


def _negation_of(sentence: Sentence, chosen: list[int]) -> int | None:
    """The index of a negation that denies the words at these indexes, if any: one before any
    of them in its scope (its clause, up to an "and", "but", "because" …: "not used at every
    pixel", "does not split the kernel into depthwise and pointwise parts"), or a "not",
    "never", "n't" after the last of them in its scope ("the steps are not separated")."""
    for index in chosen:
        if sentence.negation_before[index] >= 0 and sentence.negation_before[index] not in chosen:
            return sentence.negation_before[index]
        # "Attention mixes nothing; it only scales positions": nothing is mixed
        following = index + 1
        if (
            following < len(sentence)
            and sentence.plain[following][1] in _NOTHING
            and sentence.scopes[following] == sentence.scopes[index]
        ):
            return following
    after = sentence.negation_after[max(chosen)]
    return after if after >= 0 and after not in chosen else None


def _doubt_of(sentence: Sentence, chosen: list[int]) -> str | None:
    """Why the sentence may not assert the words at these indexes, though no negation denies
    them: a word that may deny their clause ("It is false that …", "…, but that is wrong"; see
    `Sentence.denials`), another's claim ("Someone might say …"), a limit ("Only one pixel …"),
    a question that asks their part, or a short denial after it ("… every pixel? No.")."""
    clauses = {sentence[index].clause for index in chosen}
    for denial, denied in sentence.denials:
        if clauses & denied:
            return f'the sentence also says "{denial.text}"'
    first = min(chosen)
    for by, verb in sentence.attributions:
        if verb < first:
            said = sentence.text[
                sentence[by].start - sentence.offset : sentence[verb].end - sentence.offset
            ]
            return f'it is what "{said}"'
    for index in chosen:
        at = sentence.limit_before[index]
        if at < 0:
            continue
        universal = any(  # "only one matrix is used for all pixels" limits nothing matched
            sentence.plain[after][1] in _UNIVERSAL
            for after in range(at + 2, len(sentence))
            if sentence.scopes[after] == sentence.scopes[at]
        )
        if not universal:
            return f'it says "{sentence[at].text} {sentence[at + 1].text}"'
    if any(sentence[index].part in sentence.asked for index in chosen):
        return "it is asked as a question"
    if sentence.answered is not None:
        return f'the next sentence begins "{sentence.answered.text}"'
    return None


def _said_of(
    sentence: Sentence, chosen: list[int], roles: tuple[tuple[str, ...], ...]
) -> tuple[Word | None, bool, bool, bool]:
    """The role word the match is said of when it is not the pattern's own role, whether that
    is sure (the word is in the match's clause) or only the nearest one, whether every word
    of the match that is no role word is surely said of that role, and whether some word of the
    match that is no role word is said of no role word at all.

    The pattern's role is that of its first word that is a role word ("attention" in
    `attention mix* token*`), else the concept's first role. Each other word of the match is
    said of the nearest role word in its own clause, before it, else after it (see `_subject`);
    a role word in another clause is not what it speaks of. A role word that the sentence
    compares with ("of the standard one", "unlike convolution") is no subject.
    """
    role_of = _roles_of(sentence, roles)
    role = _fitting(sentence, roles)
    fitting = [(index, role[index]) for index in chosen]
    own = _own_role(sentence, chosen, roles)
    subjects = [_subject(sentence, index, role_of) for index, role in fitting if role is None]
    unattributed = any(subject is None for subject, _ in subjects)
    for subject, sure in subjects:  # a role word of the match itself is named beside it
        if subject is not None and role_of[subject] != own:
            whole = all(
                other is not None and sure_too and role_of[other] == role_of[subject]
                for other, sure_too in subjects
            )
            return sentence[subject], sure, whole, unattributed
    return None, False, False, unattributed


def _own_role(sentence: Sentence, chosen: list[int], roles: tuple[tuple[str, ...], ...]) -> int:
    """The role of a match's pattern: that of its first word that is a role word, else the
    concept's first."""
    fitting = _fitting(sentence, roles)
    return next((fitting[index] for index in chosen if fitting[index] is not None), 0)


_BOTH = "both"
_JOINING = frozenset(["and", *_DETERMINERS])  # "both the CNN and the attention layer"


def _both(sentence: Sentence, roles: tuple[tuple[str, ...], ...]) -> dict[int, int]:
    """Role words of two roles joined by "and" and said of together by "both", each by the index
    of the other: "Both CNNs and attention …", "In both attention and CNNs …", "Convolution and
    attention both …", "… are both …". Between them, in one clause, an "and", and at most
    two more words, none a verb or a negation ("attention layers and CNNs"); "both" just before
    the first (past a determiner) or within three words after the second. So are those of a
    statement that says the one before again (see `_echoes`)."""
    found = _looked_up(sentence.joined, roles)
    if found is not None:
        return found
    found = {}
    fitting = _fitting(sentence, roles)
    named = [i for i, role in enumerate(fitting) if role is not None]
    for first, second in zip(named, named[1:], strict=False):
        between = [sentence.plain[at][1] for at in range(first + 1, second)]
        if (
            fitting[first] == fitting[second]
            or sentence[first].clause != sentence[second].clause
            or between.count("and") != 1
            or len(between) > 3
            or any(word in _SUBJECTLESS_VERBS for word in between)
            or any(sentence.negations[at] for at in range(first + 1, second))
        ):
            continue
        before = first - 1
        if before > 0 and sentence.plain[before][1] in _DETERMINERS:
            before -= 1
        after = range(second + 1, min(second + 4, len(sentence)))
        if (
            before >= 0
            and sentence[before].clause == sentence[first].clause
            and sentence.plain[before][1] == _BOTH
        ) or any(
            sentence.plain[at][1] == _BOTH and sentence[at].clause == sentence[second].clause
            for at in after
        ):
            found[first], found[second] = second, first
    role_of = _roles_of(sentence, roles)
    for second in named:
        first = next(
            (
                at
                for at in reversed(named[: named.index(second)])
                if at in role_of and role_of[at] != fitting[second]
            ),
            None,
        )
        if first is not None and second not in found and _echoes(sentence, first, second):
            found[first], found[second] = second, first
    return _keep(sentence.joined, roles, found)


_ECHOING = frozenset(["so", "as"])  # "…, and so is attention", "…, as does attention"
_TOO = frozenset(["too", "also"])  # "…, and attention is too", "…, and attention too"
_AS_WELL = ["as", "well"]  # "…, and attention as well", "…, and attention is as well"
_LEADING = frozenset(["and", "but", "yet"])
_NOUN_PHRASE_WORDS = 2  # words of the noun phrase on either side of its role word


def _noun_phrase(words: list[str]) -> bool:
    """Whether these words may stand beside a role word in its noun phrase: a few determiners,
    adjectives, numbers or nouns ("a 3x3", "max", "the … layer"), no verb, negation or word
    that begins what the phrase is said of (of, in, with …)."""
    return len(words) <= _NOUN_PHRASE_WORDS and not any(
        word in _SUBJECTLESS_VERBS
        or word in _SUBJECT_ENDS
        or word in _SCOPE_BREAKS
        or word in _NEGATIONS
        or word in _TOO
        for word in words
    )


def _too_words(words: list[str]) -> int:
    """How many of the last of these words say "too": one ("too", "also"), two ("as well"),
    or none."""
    if words[-2:] == _AS_WELL:
        return 2
    return 1 if words[-1:] and words[-1] in _TOO else 0


def _echoes(sentence: Sentence, first: int, second: int) -> bool:
    """Whether the role word at `second` stands in a statement of its own, after the one of
    `first`, that only says that one again of it: "A convolution is local, and so is attention",
    "…, as is attention", "…, and attention is too" (or "as well") say it of both, as "both"
    does; so do "…, and so is a 3x3 convolution", "…, as does max pooling", "…, and a 3x3
    convolution too", the role word in a noun phrase (see `_noun_phrase`)."""
    scope = sentence.scopes[second]
    if scope == sentence.scopes[first]:
        return False
    within = [at for at in range(len(sentence)) if sentence.scopes[at] == scope]
    before = [sentence.plain[at][1] for at in within if at < second]
    after = [sentence.plain[at][1] for at in within if at > second]
    while before and before[0] in _LEADING:
        before.pop(0)
    ending = _too_words(after)
    too = ending > 0
    del after[len(after) - ending :]
    if before[:1] and before[0] in _ECHOING and before[1:2] and before[1] in _SUBJECTLESS_VERBS:
        # "so is a 3x3 convolution (too)", "as does max pooling"
        return _noun_phrase(before[2:]) and _noun_phrase(after)
    # "attention is too", "a 3x3 convolution too": the noun phrase, then a verb or none; a word
    # after the role word only after a determiner or modifier before it ("and attention mixes
    # too" is a statement of its own)
    if after and after[-1] in _SUBJECTLESS_VERBS:
        after.pop()
    return too and _noun_phrase(before) and len(after) <= (1 if before else 0)


def _joined(
    sentence: Sentence, chosen: list[int], roles: tuple[tuple[str, ...], ...]
) -> tuple[Word, ...]:
    """The role word the match is said of and one of another role that "both" joins to it (see
    `_both`): the statement is said of both, where the concept gives it to one. Empty when
    none is."""
    partners = _both(sentence, roles)
    if not partners:
        return ()
    role = _fitting(sentence, roles)
    fitting = [(index, role[index]) for index in chosen]
    own = _own_role(sentence, chosen, roles)
    role_of = _roles_of(sentence, roles)
    named = [index for index, role in fitting if role is not None]
    named += [
        subject
        for index, role in fitting
        if role is None
        for subject in (_subject(sentence, index, role_of)[0],)
        if subject is not None
    ]
    for index in named:
        partner = partners.get(index)
        if partner is not None and _fitting(sentence, roles)[partner] != own:
            return sentence[index], sentence[partner]
    return ()


def _role_fitting(word: Word, roles: tuple[tuple[str, ...], ...]) -> int | None:
    return _role_fitting_text(word.stem, word.text, roles)


def _fitting(sentence: Sentence, roles: tuple[tuple[str, ...], ...]) -> tuple[int | None, ...]:
    """The role each word of the sentence fits first (`_role_fitting`), by index: looked up
    once per text of sentence and roles, not once per word each match asks it of (the roles,
    hashed whole at each look-up by word, 71 times an answer)."""
    if not roles:
        return (None,) * len(sentence)
    found = _looked_up(sentence.kept.fitting, roles)
    if found is None:
        fitting = tuple(_role_fitting(word, roles) for word in sentence)
        found = _keep(sentence.kept.fitting, roles, fitting)
    return found


@lru_cache(maxsize=65536)
def _role_fitting_text(word_stem: str, text: str, roles: tuple[tuple[str, ...], ...]) -> int | None:
    """The first role a word (its stem and text, all `_fits` looks at) fits, once per word and
    roles: the matches of every pattern of a concept ask it of the same words."""
    return next(
        (
            n
            for n, group in enumerate(roles)
            if any(_fits_text(alt, word_stem, text) for alt in group)
        ),
        None,
    )


_SLASH_WORDS = 2  # words of a denominator's noun phrase before its role word


def _after_slash(sentence: Sentence, index: int) -> bool:
    """Whether the word at the index is in the denominator of a "/": just after it
    ("separable/standard"), or after a word or two of a noun phrase with only spaces between
    ("parameters separable / parameters standard", "/ the standard one"); not a symbol of the
    maths ("1/D standard")."""
    for at in range(index, max(-1, index - _SLASH_WORDS - 1), -1):
        if sentence[at].before.strip() == "/":
            return True
        word = sentence[at - 1] if at > 0 else None
        if (
            sentence[at].before.strip()
            or word is None
            or len(word.text) < 2
            or not word.text.isalpha()
        ):
            return False
    return False


def _roles_of(sentence: Sentence, roles: tuple[tuple[str, ...], ...]) -> dict[int, int]:
    """The sentence's role words that can be what a statement is about, by index: their role."""
    found = _looked_up(sentence.roles, roles)
    if found is None:
        found = {}
        for index, role in enumerate(_fitting(sentence, roles)):
            if role is None:
                continue
            word = sentence[index]
            # "standard/separable": the word after the "/" is the denominator, compared with
            # "no 3x3 neighbourhood", "(not a 3x3 window)", "rather than a 3x3 one": denied,
            # what the statement is compared with
            compared = _after_slash(sentence, index) or any(
                (sentence.plain[at][1] in _OBJECT_MARKERS or sentence.negations[at])
                and sentence[at].clause == word.clause
                for at in range(max(0, index - 2), index)
            )
            if not compared:
                found[index] = role
        _keep(sentence.roles, roles, found)
    return found


def _subject(sentence: Sentence, index: int, role_of: dict[int, int]) -> tuple[int | None, bool]:
    """The role word a word of a match is said of (see `_read_subject`), worked out once per
    text of sentence, word and role words (`role_of`, from `_roles_of`, kept by its id): the
    matches of a concept's patterns ask it of the same words, `_said_of` and `_joined` of each
    match (a quarter of the asks, for the 3,199 spaced explanations)."""
    subjects = _looked_up(sentence.kept.subjects, role_of)
    if subjects is None:
        subjects = _keep(sentence.kept.subjects, role_of, {})
    found = subjects.get(index)
    if found is None:
        found = subjects[index] = _read_subject(sentence, index, role_of)
    return found


def _read_subject(
    sentence: Sentence, index: int, role_of: dict[int, int]
) -> tuple[int | None, bool]:
    """The role word a word of a match is said of: one in its scope (sure), else the nearest in
    its clause, or in the clause before when its clause begins with "which", "who" … (a person
    decides); else, for a word in a clause that names none and goes on from the one before (see
    `_continued`), the role that clause is about (sure). A role word in a later clause, or in one
    the word's clause does not go on from, is not what it speaks of."""
    scope = sentence.scopes[index]
    clauses = {sentence[index].clause}
    if sentence.plain[sentence.clause_starts[sentence[index].clause]][1] in _RELATIVE:
        clauses.add(sentence[index].clause - 1)
    near = [at for at in role_of if sentence[at].clause in clauses]
    before = [at for at in near if at < index]
    after = [at for at in near if at > index]
    for at in (*reversed(before), *after):
        if sentence.scopes[at] == scope:
            return at, True
    if before:
        return before[-1], False
    if after:
        return after[0], False
    continued = _continued(sentence, index, role_of)
    return continued, continued is not None


def _continued(sentence: Sentence, index: int, role_of: dict[int, int]) -> int | None:
    """The role word the clause of a word goes on speaking of, when the word is in the first
    statement of its clause and the clause begins with no and, but, because, which … ("The
    standard convolution needs fewer parameters: about 1/D + 1/K² of them", ", and are …" is a
    statement of its own): the first role word of the nearest clause before it in its part that
    has one, passing over clauses on what the sentence compares with ("Attention, unlike
    convolution, mixes …") and role words a negation denies ("Attention, not convolution, mixes
    …"). A clause that begins with such a word is another statement, where the search stops
    ("Since the full kernel is factored, it needs …", "…, whereas attention, being …, mixes")."""
    clause = sentence[index].clause
    start = sentence.clause_starts[clause]
    if (
        sentence.scopes[start] != sentence.scopes[index]
        or sentence.plain[start][1] in _SCOPE_BREAKS
    ):
        return None
    for earlier in range(clause - 1, -1, -1):
        first = sentence.clause_starts.get(earlier)
        if first is None or sentence[first].part != sentence[index].part:
            return None
        if sentence.plain[first][1] in _SCOPE_BREAKS:
            return None
        if earlier in sentence.compared:
            continue
        named = [
            at
            for at in role_of
            if sentence[at].clause == earlier and sentence.negation_before[at] < 0
        ]
        if named:
            return min(named)
    return None


@lru_cache(maxsize=16384)  # a sentence read once is made of words read before
def _is_negation(text: str) -> bool:
    """`not`, `isn't`, ... compared as written: a stem would make `nothing` `noth`."""
    return _plain(text) in _NEGATIONS or text.lower().endswith("n't")


@lru_cache(maxsize=16384)
def _is_verbal_negation(text: str) -> bool:
    """A negation that also denies what came before it in its clause: `not`, `never`, `n't`
    (a word's text)."""
    return _plain(text) in _VERBAL_NEGATIONS or text.lower().endswith("n't")


def _sides(pairings: tuple[Pattern, ...], sentence: Sentence) -> tuple[frozenset, ...]:
    """The (pairing, group) sides each word belongs to; empty for a word of no pairing."""
    found = _looked_up(sentence.sides, pairings)
    if found is None:
        sides: list[set[tuple[int, int]]] = [set() for _ in sentence]
        for index, pairing in enumerate(pairings):
            for side, group in enumerate(pairing.groups):
                for at in sentence.places(group):
                    sides[at].add((index, side))
        found = _keep(sentence.sides, pairings, tuple(map(frozenset, sides)))
    return found


def read_pairs(pairings: tuple[Pattern, ...], sentence: Sequence[Word]) -> list[tuple[Word, Word]]:
    """The pairs a sentence states, read in order, two by two, within each clause.

    Only words of the pairings count. A word on the same side as the one just before it is a
    restatement ("positions (pixels)", "embedding dimension"), not a new member of a pair. Two
    words that no pairing joins form a pair only when a relation links them ("pixels are like
    channels"); otherwise they merely occur together ("the features at each position") and
    the reading goes on from the later word. (Read once per sentence and pairings: every
    pairing pattern of a concept, and its crossed pairs, look at the same pairs.)
    """
    sentence = _sentence(sentence)
    found = _looked_up(sentence.pairs, pairings)
    if found is None:
        found = _keep(sentence.pairs, pairings, _read_pairs(pairings, sentence))
    return found


def _read_pairs(pairings: tuple[Pattern, ...], sentence: Sentence) -> list[tuple[Word, Word]]:
    pairs: list[tuple[Word, Word]] = []
    clause = None
    pending: int | None = None  # the index of the first word of a pair being read
    previous: frozenset = frozenset()  # the sides of the word read last
    every_sides = _sides(pairings, sentence)
    for index, word in enumerate(sentence):
        if word.clause != clause:
            clause, pending, previous = word.clause, None, frozenset()
        sides = every_sides[index]
        if not sides or sides & previous:
            continue
        if pending is not None and _named_together(sentence, pending, index, pairings):
            continue  # "the channel dimension": one name, read as its first word
        previous = sides
        if pending is None:
            pending = index
            continue
        pair = (sentence[pending], word)
        if (
            any(_pairs_as(p, pair) for p in pairings) and not _only_listed(sentence, pending, index)
        ) or _RELATION.search(_between(sentence, pending, index)):
            pairs.append(pair)
            pending = None
        else:
            pending = index
    return pairs


def _named_together(
    sentence: Sequence[Word], first: int, second: int, pairings: tuple[Pattern, ...]
) -> bool:
    """Whether two words that a pairing joins stand side by side with only a space between them
    ("the channel dimension", "pixel tokens"): one name, or two keywords, that states no
    analogy (see `_unread_pair` for a list of keywords)."""
    return (
        second == first + 1
        and not sentence[second].before.strip()
        and any(_pairs_as(p, (sentence[first], sentence[second])) for p in pairings)
    )


# Words between two words of a pairing that only list them ("pixels and tokens") or give one to
# the other ("tokens have positions", "tokens with their positions"): no analogy by themselves.
_LISTING = frozenset(["and", "or", "both", "either"])
_HAVING = frozenset(["have", "has", "had", "with", "of"])
_ARTICLES = frozenset(["their", "its", "the", "a", "an"])
_COPULAS = frozenset(["is", "are", "be"])
_ALIKE = re.compile(r"\b(?:alike|similar|interchangeable)\b", re.IGNORECASE)


def _only_listed(sentence: Sequence[Word], first: int, second: int) -> bool:
    """Whether two words of a pairing are only listed together or one given to the other, with
    no word between them that relates them: "Pixels and tokens are unrelated", "Tokens have
    positions". Listed words are a pair when the rest of their clause says how they relate, by
    more than is or are ("Pixels and tokens play the same role", "… are alike")."""
    between = [_plain(sentence[at].text) for at in range(first + 1, second)]
    text = _between(sentence, first, second)
    if not between or _RELATION.search(text) or not set(between) <= _LISTING | _HAVING | _ARTICLES:
        return False
    if not _LISTING & set(between):
        return bool(_HAVING & set(between))
    clause = sentence[second].clause
    rest = "".join(
        sentence[at].before + sentence[at].text
        for at in range(second + 1, len(sentence))
        if sentence[at].clause == clause
    )
    related = [m.group(0).lower() for m in _RELATION.finditer(rest)]
    return not (_ALIKE.search(rest) or any(word not in _COPULAS for word in related))


def _between(sentence: Sequence[Word], first: int, last: int) -> str:
    """The text of the sentence strictly between two of its words."""
    parts = []
    for index in range(first + 1, last + 1):
        parts.append(sentence[index].before)
        if index < last:
            parts.append(sentence[index].text)
    return "".join(parts)


def _pairs_as(pattern: Pattern, pair: tuple[Word, Word]) -> bool:
    """Whether the pair joins a word of the pattern's first group with one of its second."""
    first, second = pattern.groups
    a, b = pair
    return (_fits_group(first, a.stem, a.text) and _fits_group(second, b.stem, b.text)) or (
        _fits_group(second, a.stem, a.text) and _fits_group(first, b.stem, b.text)
    )


@lru_cache(maxsize=65536)
def _fits_group(group: tuple[str, ...], word_stem: str, text: str) -> bool:
    """Whether a word (its stem and text) fits one of the group's alternatives (see `_fits`)."""
    return any(_fits_text(alt, word_stem, text) for alt in group)


def find_all(
    patterns: tuple[Pattern, ...],
    answer: str,
    pairings: tuple[Pattern, ...] = (),
    roles: tuple[tuple[str, ...], ...] = (),
) -> list[Match]:
    matches = []
    for sentence in sentences(answer):
        for pattern in patterns:
            match = find(pattern, sentence, pairings, roles)
            if match is not None:
                matches.append(match)
    return matches


def crossed_pairs(pairings: tuple[Pattern, ...], answer: str) -> list[Match]:
    """Pairs that join words of two different pairings: the analogy stated the wrong way round.

    "Channels play the role of tokens" pairs a word of `token* ~ pixel*` with one of
    `channel* ~ embed*`. A pair that some pairing allows is never crossed.
    """
    if len(pairings) < 2:
        return []
    matches = []
    for sentence in sentences(answer):
        for first, second, negated in _crossed_in(pairings, sentence):
            pair = (sentence[first], sentence[second])
            matches.append(Match(f"{pair[0].text} ~ {pair[1].text}", pair, negated, crossed=True))
    return matches


def _crossed_in(
    pairings: tuple[Pattern, ...], sentence: Sentence
) -> tuple[tuple[int, int, bool], ...]:
    """The sentence's crossed pairs (see `crossed_pairs`), each as the indexes of its two words
    and whether it is negated: worked out once per text of sentence (`_Kept`) and pairings (by
    id, the pairings kept beside so that no id is reused). A pair of two words of one pairing
    is read only where they are of its two sides (see `read_pairs`), which that pairing joins:
    a sentence with words of fewer than two pairings crosses none, and is not read."""
    absent = sentence.kept.absent
    if sum(not pairing.needs <= absent for pairing in pairings) < 2:
        return ()
    kept = sentence.kept.crossed
    found = kept.get(id(pairings))
    if found is None:
        index_of = _index_of(sentence)
        crossed = tuple(
            (index_of[id(pair[0])], index_of[id(pair[1])], _negated(sentence, list(pair)))
            for pair in read_pairs(pairings, sentence)
            if not any(_pairs_as(p, pair) for p in pairings)
        )
        if not sentence.kept.shared:
            return crossed
        found = _remember(kept, id(pairings), (pairings, crossed))
    return found[1]


def _unread_pair(pairings: tuple[Pattern, ...], answer: str) -> Match | None:
    """Two words of a pairing side by side with only a colon between them ("Pixels: tokens"),
    or, in a list of keywords, with only a space ("token pixel channel embedding"): perhaps
    the analogy, but nothing says how they relate, so a person reads it. (In sentences, two
    words with only a space between them are one name: "the channel dimension".)"""
    if not pairings:
        return None
    keywords = looks_like_keywords(answer)
    for sentence in sentences(answer):
        # only two words of pairings may be a pair: a word of none has no sides (see `_sides`)
        paired = [bool(sides) for sides in _sides(pairings, sentence)]
        for index in range(1, len(sentence)):
            if not (paired[index - 1] and paired[index]):
                continue
            pair = (sentence[index - 1], sentence[index])
            between = pair[1].before
            if not any(_pairs_as(p, pair) for p in pairings):
                continue
            if ":" in between and not between.strip(" :"):
                joined = "only a colon joins them"
            elif keywords and not between.strip():
                joined = "they stand side by side in a list of keywords"
            else:
                continue
            return _unrelated_pair(pair, joined)
        # "Tokens and pixels, channels and embeddings: the same roles": listed, related (if at
        # all) only outside their clause
        for index in range(2, len(sentence)):
            if not (paired[index - 2] and paired[index]):
                continue
            pair = (sentence[index - 2], sentence[index])
            if (
                any(_pairs_as(p, pair) for p in pairings)
                and sentence.plain[index - 1][1] in _LISTING
                and _only_listed(sentence, index - 2, index)
                and any(
                    _RELATION.search(w.before + w.text) or _ALIKE.search(w.text)
                    for w in sentence[index + 1 :]
                    if w.clause != sentence[index].clause
                )
            ):
                joined = f'only "{sentence[index - 1].text}" joins them'
            else:
                continue
            return _unrelated_pair(pair, joined)
    return None


def _unrelated_pair(pair: tuple[Word, Word], joined: str) -> Match:
    """A pairing's two words that the sentence does not relate (`joined` says how they stand
    together), for a person: a doubtful match."""
    return Match(
        f"{pair[0].text} ~ {pair[1].text}",
        pair,
        False,
        doubt=f"{joined}, which does not say how they relate",
    )


_KEYWORD_ITEMS = 4  # at least so many items of a list of one or two words each


@lru_cache(maxsize=256)  # asked once per concept with pairings (`_unread_pair`), and once more
def looks_like_keywords(answer: str) -> bool:
    """Several words but hardly a function word, or a list (items ended by commas, semicolons,
    full stops …) of one or two words each ("Tokens, same, weights, shared, attention,
    computed, data."): a list of keywords, not sentences."""
    read = sentences(answer)
    words = sum(len(sentence) for sentence in read)
    if words < 4:
        return False
    items = [size for sentence in read for size in sentence.clause_sizes]
    if len(items) >= _KEYWORD_ITEMS and max(items) <= 2:
        return True
    return sum(sentence.function_words for sentence in read) / words < 0.08


def word_count(answer: str) -> int:
    return sum(len(s) for s in sentences(answer))


@dataclass(frozen=True)
class Concept:
    name: str
    marks: float
    description: str  # shown to the student, found or missing
    evidence: tuple[Pattern, ...]
    contradictions: tuple[Pattern, ...]
    line: int
    # Who the concept's statements are about, and who else they may be said of (`roles:`), each
    # a group of alternatives; the first is the role of a pattern that names none.
    roles: tuple[tuple[str, ...], ...] = ()

    @cached_property
    def pairings(self) -> tuple[Pattern, ...]:
        """The pairing patterns (`a ~ b`) of the concept, read together in each sentence."""
        return tuple(p for p in (*self.evidence, *self.contradictions) if p.pairing)

    @cached_property
    def compares(self) -> bool:
        """Whether the concept also says something of a role other than its first (some
        evidence names one): a statement said of another role is then the concept the wrong way
        round; under roles that only name what it is not said of ("3x3", "softmax"), it is
        said of the wrong one."""
        return any(
            any(a in role for group in p.groups for a in group)
            for role in self.roles[1:]
            for p in self.evidence
        )


def _may_match(
    patterns: tuple[Pattern, ...],
    sentence: Sentence,
    possible: tuple[Pattern, ...] | None = None,
) -> tuple[Pattern, ...]:
    """The patterns (a concept's evidence or contradictions) that may match the sentence: those
    each of whose groups has a word in it. `find` finds nothing for another (see
    `Sentence.lacks`); this asks once per text of sentence (`_Kept`) and patterns (by id, the
    patterns kept with what is remembered so that no id is reused), not per pattern and answer,
    and only of the patterns `possible` in the answer, when given (see `_possible`): no other
    has all its groups' words in one of its sentences."""
    kept = sentence.kept.may_match
    found = kept.get(id(patterns))
    if found is None:
        looked_at = patterns if possible is None else possible
        may = tuple(pattern for pattern in looked_at if sentence.may_match(pattern))
        if not sentence.kept.shared:
            return may
        found = _remember(kept, id(patterns), (patterns, may))
    return found[1]


def _said(read: Sequence[Sentence]) -> frozenset[tuple[str, ...]]:
    """The groups with a word in some sentence of an answer, each sentence `read` for the
    rubric (see `Sentence.read`): every group of its patterns is `present` or `absent` then."""
    return frozenset().union(*(sentence.kept.present for sentence in read))


def _possible(patterns: tuple[Pattern, ...], said: frozenset) -> tuple[Pattern, ...]:
    """The patterns each of whose groups has a word somewhere in the answer (`said`, see
    `_said`): the only ones that may match one of its sentences, or a sentence read with the
    subject of the one before (its words are words of the two, its maths that of the second:
    see `_referring_back`). Worked out once per answer, not per sentence."""
    return tuple(pattern for pattern in patterns if pattern.needs <= said)


_FOUND_MEMO = 512  # what `_find_kept`, `_may_match` remember per text, then forget at once


def _remember(memo: dict, key: object, value: tuple, size: int = _FOUND_MEMO) -> tuple:
    """`value`, kept in `memo` (a text's, see `_Kept`) under `key`: a memo of `size` entries
    is forgotten at once first."""
    if len(memo) >= size:
        memo.clear()
    memo[key] = value
    return value


def _keep(memo: dict, key: object, value: Any, size: int = _FOUND_MEMO) -> Any:
    """`value`, kept in `memo` (a sentence's or its text's, or `_indexes`) by the id of `key` (a
    concept's roles or pairings, a rubric's concepts), with the key beside it so that no other
    takes its id while it is kept: a tuple of tuples or patterns is hashed whole at every
    look-up, an id is not. Asked again by `_looked_up`; `size` entries kept at most."""
    _remember(memo, id(key), (key, value), size)
    return value


def _looked_up(memo: dict, key: object) -> Any:
    """What `_keep` kept in `memo` for this very `key` (kept, no other object has its id), else
    None."""
    found = memo.get(id(key))
    return None if found is None else found[1]


def _find_kept(
    pattern: Pattern,
    sentence: Sentence,
    pairings: tuple[Pattern, ...],
    roles: tuple[tuple[str, ...], ...],
) -> Match | None:
    """`find`, worked out once per text of sentence (`_Kept`) and all else it reads: the
    pattern, pairings and roles (the same objects, kept with the match, so that their ids
    stand for them), whether the sentence is asked and the word that answers it, where it
    stands beside the sentence. A sentence of the same text in another answer takes the match
    of the first, placed where it stands (see `_placed`): a class writes the same sentences.
    (A sentence whose text is not kept, `_Kept.shared`, keeps nothing: it is asked once.)"""
    if not sentence.kept.shared:
        return find(pattern, sentence, pairings, roles)
    answered = sentence.answered
    if answered is not None:  # the next sentence's word, placed beside this one
        answered = _moved(answered, -sentence.offset)
    key = (id(pattern), id(pairings), id(roles), sentence.question, answered)
    found = sentence.kept.found
    kept = found.get(key)
    if kept is None:
        match = find(pattern, sentence, pairings, roles)
        kept = _remember(found, key, (match, sentence, pattern, pairings, roles))
    match, first = kept[0], kept[1]
    if match is None or first[0] is sentence[0]:  # the same words (`_Shape.placed`): as found
        return match
    return _placed(match, first.index_of, sentence.offset - first.offset, sentence)


def _index_of(sentence: Sentence) -> dict[int, int]:
    """The index of each of the sentence's words, by the word's id (see `Sentence.index_of`)."""
    return {id(word): at for at, word in enumerate(sentence)}


def _placed(match: Match, index_of: dict[int, int], shift: int, sentence: Sentence) -> Match:
    """A match of the words of another sentence of the same text (`index_of`: their indexes,
    see `Sentence.index_of`), `shift` characters before this one, as the same match of this one:
    each of its words that is one of the other's is this one's word at the same index, and one
    made for the match (a word reaching to the end of its maths, see `_quoted`) is moved."""

    def place(word: Word) -> Word:
        at = index_of.get(id(word))
        return _moved(word, shift) if at is None else sentence[at]

    return replace(
        match,
        words=tuple(map(place, match.words)),
        said_of=None if match.said_of is None else place(match.said_of),
        reach=tuple(map(place, match.reach)),
        joined=tuple(map(place, match.joined)),
        with_own=tuple(map(place, match.with_own)),
    )


def _moved(word: Word, shift: int) -> Word:
    return replace(word, start=word.start + shift, end=word.end + shift)


@dataclass(frozen=True)
class ConceptFinding:
    concept: Concept
    evidence: Match | None  # the first match stated plainly (not negated, doubted, reversed)
    # a match not stated plainly (negated, doubted, or perhaps said of another role), when there
    # is no plain one
    negated: Match | None
    # a contradiction, a crossed pair, or a match said of another role in its own clause
    contradiction: Match | None


@dataclass(frozen=True)
class TextCheck:
    findings: tuple[ConceptFinding, ...]
    marks: float
    confidence: float
    doubts: tuple[str, ...]  # why a person should look; empty when the grader is sure


LONG_ANSWER_WORDS = 60

# An explanation is read against concepts written in English. One in another language earns
# nothing from them, which is no reason for a 0: a person reads it. Two signs: most of its
# letters are not in the Latin script (Chinese, Russian), or words that are common in other
# languages written in it, and are not English, outnumber the English function words.
_LATIN_LETTER = re.compile(r"[A-Za-z\u00C0-\u024F]")
_UNREAD_SCRIPT_LETTERS = 20  # at least this many letters, most not Latin
_LETTERS = re.compile(r"[^\W\d_]+")  # a word of letters, in any script: más, não
_OTHER_LANGUAGES_WORD_LIST = """
    el la los las del que es una por con para un lo se al como más pero
    le les des du et est une dans pour sur pas au aux avec sont qui
    der das und ist ein eine mit nicht zu dem den von sich auf wird
    il di che sono della gli nel
    os não uma são pelo
"""
_OTHER_LANGUAGES_WORDS = frozenset(_OTHER_LANGUAGES_WORD_LIST.split())


def other_language(answer: str) -> str | None:
    """Why the answer seems not to be written in English, the concepts' language; None if it
    seems to be."""
    # (every letter of an ASCII answer is Latin)
    letters = 0 if answer.isascii() else sum(map(str.isalpha, answer))
    if letters >= _UNREAD_SCRIPT_LETTERS and len(_LATIN_LETTER.findall(answer)) * 2 < letters:
        return "the answer is written mostly in another alphabet, which the checker cannot read"
    words = _LETTERS.findall(answer.lower())
    other = len([word for word in words if word in _OTHER_LANGUAGES_WORDS])
    if other < 3:  # too few to say, whatever the English words
        return None
    if other > len([word for word in words if word in _FUNCTION_WORDS]):
        return (
            "the answer seems to be in a language other than English, which the checker cannot read"
        )
    return None


def _unclean_doubt(match: Match, answer: str, denied_too: bool) -> str:
    """Why a match that is not stated plainly sends the answer to a person."""
    quote = match.quote(answer)
    if match.negated:
        said = f"a negation near {quote!r}"
    elif match.doubt is not None:
        said = f"whether the answer states {quote!r} ({match.doubt})"
    else:  # said of another role, as far as the sentence shows
        assert match.said_of is not None
        said = f"{quote!r} may be said of {match.said_of.text!r}, the nearest of its kind"
    return f"{said}, beside a plain statement of it" if denied_too else said


@lru_cache(maxsize=_ANSWERS_KEPT)
def _referring_back(answer: str) -> tuple[tuple[Sentence, frozenset[int]], ...]:
    """Each sentence that begins with a word referring back (it, its, they …: see
    `_NEXT_SENTENCE_REFERRING`), after a sentence with a subject, read with that subject's
    words before its own, and the positions in the answer of those words: "Attention is
    computed from data. Its weights are learned." is also read as "Attention Its weights are
    learned"."""
    found = []
    read = sentences(answer)
    for before, sentence in pairwise(read):
        if sentence.plain[0][1] not in _NEXT_SENTENCE_REFERRING or before.question:
            continue
        chosen = before._subject_words(0, 0)
        # a verb the subject's first words reach to, before its object ("The standard
        # convolution learns a full kernel"), is not the subject's
        after = chosen[-1] + 1 if chosen else 0
        if len(chosen) > 1 and after < len(before) and before.plain[after][1] in _DETERMINERS:
            chosen = chosen[:-1]
        subject = [before[at] for at in chosen]
        if not subject:
            continue
        first = replace(sentence[0], before=" ", clause=subject[-1].clause, part=subject[-1].part)
        words = [*subject, first, *sentence[1:]]
        # its maths is the sentence's own, where it stands in the answer ("1/D + 1/K^2" whole)
        read_so = Sentence(words, sentence.text)
        read_so.offset = sentence.offset
        found.append((read_so, frozenset(word.start for word in subject)))
    return tuple(found)


_SINGULAR_REFERRING = frozenset(["it", "its"])


def _agrees(sentence: Sentence, subject: frozenset[int]) -> bool:
    """Whether the word that refers back, first after the subject read before it (see
    `_referring_back`), agrees with that subject in number: it and its with one thing ("The
    attention matrix … It is computed …"), they, their, these and those with several ("The
    attention weights …", "Depthwise then pointwise convolutions …"), so that it may refer to
    it."""
    words = [word for word in sentence if word.start in subject]
    return _agree(words, _plain(sentence[len(words)].text))


def _agree(words: Sequence[Word], pronoun: str) -> bool:
    """Whether a word that refers back agrees in number with a subject's words (see `_agrees`)."""
    head = _plain(words[-1].text)
    plural = (head.endswith("s") and not head.endswith("ss")) or any(
        _plain(word.text) in ("and", "both") for word in words
    )
    return plural != (pronoun in _SINGULAR_REFERRING)


def _takes_subject(match: Match, subject: frozenset[int]) -> bool:
    """Whether a match of a sentence read with the subject before it takes a word of that
    subject, or is said of one (a role word)."""
    return any(word.start in subject for word in match.words) or (
        match.said_of is not None and match.said_of.start in subject
    )


def _evidence(concept: Concept, answer: str, said: frozenset) -> list[Match]:
    """The matches of the concept's evidence. A sentence that refers back to the subject of
    the one before, and agrees with it in number, is read with that subject where a match takes
    its words or is said of it: "The attention weights are not learned. They are computed from
    Q and K." states that the attention weights are computed, and "The standard convolution
    learns a full kernel. It needs 1/D + 1/K^2 of the parameters." says the fraction of the
    standard convolution, the wrong way round. (`said`: the groups with a word in the answer,
    see `_said`.)"""
    possible = _possible(concept.evidence, said)
    if not possible:
        return []
    pairings, roles = concept.pairings, concept.roles
    carried = {
        sentence[-1].start: (sentence, subject)
        for sentence, subject in _referring_back(answer)
        if _agrees(sentence, subject)
    }
    found = []
    for sentence in sentences(answer):
        reading = carried.get(sentence[-1].start)
        # a pattern may match the reading (the sentence's words and its subject's) or not at all
        read = sentence if reading is None else reading[0]
        for pattern in _may_match(concept.evidence, read, possible):
            match = None
            if reading is not None:
                match = _find_kept(pattern, reading[0], pairings, roles)
                if match is not None and not _takes_subject(match, reading[1]):
                    match = None
            if match is None:
                match = _find_kept(pattern, sentence, pairings, roles)
            if match is not None:
                found.append(match)
    return found


def _contradicting(
    concept: Concept, answer: str, said: frozenset
) -> list[tuple[Sentence, Pattern, Match]]:
    """Each match of the concept's contradictions in the answer's sentences, with its sentence
    and pattern: found once, for both `_qualifier_denied` and `_contradictions`. (`said`: the
    groups with a word in the answer, see `_said`.)"""
    possible = _possible(concept.contradictions, said)
    if not possible:
        return []
    return [
        (sentence, pattern, match)
        for sentence in sentences(answer)
        for pattern in _may_match(concept.contradictions, sentence, possible)
        if (match := _find_kept(pattern, sentence, concept.pairings, concept.roles)) is not None
    ]


def _contradictions(
    concept: Concept,
    answer: str,
    evidence: list[Match],
    contradicting: list[tuple[Sentence, Pattern, Match]],
    said: frozenset,
) -> list[Match]:
    """The matches of the concept's contradictions that are the concept's: not said of what the
    sentence compares with ("Unlike a fully connected layer, which has different weights for
    every position, …"), and, for one that names a role (`attention fixed`), not said of another
    role in its own clause ("compared to attention a convolution has fixed weights" says it of
    the convolution, as the concept does), nor where a word of it is said of no role word ("The
    convolution is fixed, whereas attention, being data-dependent, mixes …" gives the
    convolution no data-dependence), nor where a possessive of it owns a word of the concept's
    `evidence` (see `_owns_evidence`). Each is a contradiction of the concept, whatever role the
    nearest role word is. (`contradicting`: the matches of its sentences, see `_contradicting`;
    `said`: the groups with a word in the answer, see `_said`.)"""
    possible = _possible(concept.contradictions, said)
    if not possible:
        return []
    found = []
    roles = concept.roles
    matches: list[tuple[Match, Word | None]] = [
        (match, None)
        for sentence, pattern, match in contradicting
        if not _describes_another(sentence, match, pattern)
        and not _owns_evidence(sentence, match, evidence)
    ]
    # a sentence that refers back, with the subject it refers to: only where a word of that
    # subject and one of its own are in the match ("Attention is computed from data. Its
    # weights are learned."), quoted from the word that refers back ("Its weights are learned")
    for sentence, subject in _referring_back(answer):
        referring = next(word for word in sentence if word.start not in subject)
        for pattern in _may_match(concept.contradictions, sentence, possible):
            match = _find_kept(pattern, sentence, concept.pairings, roles)
            if (
                match is not None
                and len({word.start in subject for word in match.words}) == 2
                and not _describes_another(sentence, match, pattern)
            ):
                matches.append((match, referring))
    for match, referring in matches:
        names_role = any(_role_fitting(word, roles) is not None for word in match.words)
        # a semicolon or a dash ends the statement of a role: "Attention is global and
        # data-dependent; a convolution is local" gives the convolution no data-dependence;
        # but "its" after it refers back to the role (see `_refers_across`)
        across = referring is None and len({word.part for word in match.words}) > 1
        if across and names_role and not _refers_across(match, answer):
            continue
        unattributed = match.unattributed and not across
        if match.compared or (names_role and (match.said_of_sure or unattributed)):
            continue
        reach = tuple(word for word in match.reach if word is not match.said_of)
        if referring is not None:
            reach = (*reach, referring)
            words = tuple(word for word in match.words if word.start >= referring.start)
            match = replace(match, words=words)
        found.append(replace(match, said_of=None, said_of_sure=False, reach=reach, joined=()))
    return found


_POSSESSIVE = re.compile(r"(?:['’]s|s['’])$", re.IGNORECASE)


def _owns_evidence(sentence: Sentence, match: Match, evidence: list[Match]) -> bool:
    """Whether a possessive word of the match ("convolution's") owns the word just after it,
    and that word is one of a statement of the concept (evidence not negated) that does not
    take the possessive: the statement is that word's, not the possessive's. "The standard
    convolution's kernel is split into a depthwise and a pointwise part" says the kernel is
    split (`split* kernel*`), as "the standard kernel is split" does, not that the standard
    convolution splits (`standard > conv* > split*`)."""
    at_of = {word.start: at for at, word in enumerate(sentence)}
    for word in match.words:
        at = at_of.get(word.start)
        if at is None or at + 1 >= len(sentence) or not _POSSESSIVE.search(word.text):
            continue
        owned = sentence[at + 1]
        if owned.clause == word.clause and any(
            not other.negated
            and any(w.start == owned.start for w in other.words)
            and all(w.start != word.start for w in other.words)
            for other in evidence
        ):
            return True
    return False


# A participle of a match just after one of these (and any determiners) describes the noun
# after it, what the subject is computed from or depends on: "… from the learned projections".
_SOURCE_PREPOSITIONS = frozenset(["from", "of", "on", "by", "through", "via", "using"])


def _describes_another(sentence: Sentence, match: Match, pattern: Pattern) -> bool:
    """Whether a participle of the match (learned, trained, learnable), after a preposition of
    what the subject comes from (see `_SOURCE_PREPOSITIONS`) and any determiners, stands
    directly before a noun that is no word of the pattern nor of the sentence's subject, so that
    it describes that noun and says nothing of the subject: "The attention weights are
    computed from the learned projections" (the projections are learned); not "The attention
    weights are (the) learned matrices" (after a verb), "… mix positions with fixed weights"
    (with: the subject's own), "… from learned parameters" (the pattern's word) nor "… from the
    learned weights" (the subject's noun)."""
    at_of = {word.start: at for at, word in enumerate(sentence)}
    subject = {sentence.plain[at][0] for at in sentence._subject_words(0, 0)}
    alternatives = [alternative for group in pattern.groups for alternative in group]
    for word in match.words:
        at = at_of[word.start]
        if at == 0 or at + 1 >= len(sentence) or sentence[at + 1].clause != word.clause:
            continue
        back = at - 1
        while back > 0 and sentence.plain[back][1] in _DETERMINERS:
            back -= 1
        after = sentence.plain[at + 1]
        if (
            sentence.plain[at][1].endswith(("ed", "able"))
            and sentence.plain[back][1] in _SOURCE_PREPOSITIONS
            and after[1] not in _FUNCTION_WORDS
            and after[1] not in _SUBJECT_ENDS
            and after[1] not in _SUBJECTLESS_VERBS
            and not sentence.negations[at + 1]
            and not any(_fits(alternative, sentence[at + 1]) for alternative in alternatives)
            and after[0] not in subject
        ):
            return True
    return False


def _refers_across(match: Match, answer: str) -> bool:
    """Whether a match that takes words from two parts of a sentence joins them by a word
    referring back, first in the later part, to the subject of the one before, which the match
    takes: "A convolution is local; its weights are data-dependent" says the convolution's
    weights are, as "A convolution is local. Its weights are …" does (see `_referring_back`)."""
    parts = sorted({word.part for word in match.words})
    if len(parts) != 2 or parts[1] != parts[0] + 1:
        return False
    sentence = next(s for s in sentences(answer) if match.words[0] in s)
    first = {}
    for at, word in enumerate(sentence):
        first.setdefault(word.part, at)
    if sentence.plain[first[parts[1]]][1] not in _NEXT_SENTENCE_REFERRING:
        return False
    subject = [sentence[at] for at in sentence._subject_words(first[parts[0]], first[parts[0]])]
    before = [word for word in match.words if word.part == parts[0]]
    return (
        bool(subject)
        and all(word in subject for word in before)
        and _agree(subject, sentence.plain[first[parts[1]]][1])
    )


def _qualifier_denied(
    evidence: list[Match], contradicting: list[tuple[Sentence, Pattern, Match]]
) -> list[Match]:
    """The evidence, with a match negated only as part of a negated contradiction read as
    stated, quoted up to the contradiction's last word: one that shares the match's words but
    for what it adds after them ("Attention does not weight all tokens equally" denies the
    equal weighting, `attention weight* > all > equal*`, not that attention weights all
    tokens, which it states). (`contradicting`: the contradictions' matches, see
    `_contradicting`.)"""
    denied = [match for _, _, match in contradicting if match.negated]
    read = []
    for match in evidence:
        starts = {word.start for word in match.words}
        last = max(starts)
        denying = next(
            (
                other
                for other in denied
                if match.negated
                and match.doubt is None
                and len(starts & {word.start for word in other.words}) >= 2
                and any(word.start > last for word in other.words)
                and all(word.start > last for word in other.words if word.start not in starts)
            ),
            None,
        )
        if denying is not None:
            extra = tuple(word for word in denying.words if word.start > last)
            match = replace(match, negated=False, reach=(*match.reach, *extra))
        read.append(match)
    return read


def _denied_of_another(concept: Concept, match: Match, answer: str) -> bool:
    """Whether `match` is denied of a role the concept is not about, in a sentence that does
    not name the role it is about: "Attention does not weight every token the same" neither
    states nor denies that the 1x1 convolution shares its weights ("A 3x3 convolution (not a
    1x1 one) uses …" names it, and is a person's). Not where the concept compares two roles:
    what is denied of the other is a person's there."""
    if not (match.negated and match.said_of_sure) or concept.compares:
        return False
    sentence = next(s for s in sentences(answer) if match.words[0] in s)
    return not any(_role_fitting(word, concept.roles) == 0 for word in sentence)


def _said_rightly(match: Match, evidence: list[Match], roles: tuple[tuple[str, ...], ...]) -> bool:
    """Whether a match said of another role than its pattern's, whose own role word is only
    compared with, is said of the role word of a plain statement of the concept (its first role
    word): in "Unlike attention, a convolution mixes positions with fixed local weights", the
    convolution mixes positions with its own weights, as the concept says, not attention's."""
    return match.role_compared and any(
        other.clean
        and next((w for w in other.words if _role_fitting(w, roles) is not None), None)
        == match.said_of
        for other in evidence
    )


def _said_of_own_role(match: Match) -> Match:
    """A match said of two role words joined by "both" or said again of the second as said of
    the one of its own role (see `Match.with_own`), quoted with both."""
    reach = (*match.reach, *match.with_own)
    return replace(match, said_of=None, said_of_sure=False, joined=(), reach=reach)


def _said_of_both_doubt(match: Match, concept: Concept, answer: str) -> str:
    """Why a match credited for its own role, said of another too (see `Match.with_own`), goes
    to a person: the machine cannot tell whether it is true of the other."""
    own, other = match.with_own
    return (
        f"the answer says {match.quote(answer)!r} of both {own.text!r} and {other.text!r}, "
        f"credited for {own.text!r}; a person checks whether it is true of {other.text!r} too: "
        f"{concept.description}"
    )


def _wrong_role(concept: Concept, joined: bool) -> str:
    """How a statement said of another role (or of two) is wrong: the wrong way round, where
    the concept gives each role its own; else said of what the concept does not say it of ("The
    softmax is a position-wise linear layer")."""
    if concept.compares:
        return "the wrong way round for one of them" if joined else "the wrong way round for"
    return "where the concept says it of one" if joined else "where the concept says it of another"


def check_text(concepts: tuple[Concept, ...], max_marks: float, answer: str) -> TextCheck:
    """Which concepts the answer states, the marks they earn, and any reason for doubt."""
    findings = []
    matched_words = 0
    doubts = []
    index = _index(concepts)
    read = sentences(answer)
    for sentence in read:
        sentence.read(index)
    said = _said(read)
    for concept in concepts:
        pairings = concept.pairings
        pairing_texts = {p.text for p in pairings}
        contradicting = _contradicting(concept, answer, said)
        evidence = _qualifier_denied(_evidence(concept, answer, said), contradicting)
        # where the concept only names what it is not said of, a statement of its own role and
        # another joined by "both" (or said again of the other) is one of its own ("Both the 1x1
        # and 3x3 convolutions use the same weights at every pixel"), credited provisionally:
        # whether it is true of the other is a person's
        if not concept.compares:
            evidence = [_said_of_own_role(m) if m.with_own else m for m in evidence]
        plain = next((m for m in evidence if m.clean), None)
        said_of_both = next((m for m in evidence if m.clean and m.with_own), None)
        # A statement said of another role than the pattern's, in its own clause, says the
        # concept the wrong way round ("Convolution mixes all tokens with data-dependent
        # weights"): a contradiction, whatever else the answer says.
        # "Unlike attention, a convolution mixes positions with fixed local weights": what is
        # said of the convolution is the convolution's, not attention's the wrong way round
        evidence = [m for m in evidence if not _said_rightly(m, evidence, concept.roles)]
        # so is one said of both roles ("Both CNNs and attention mix positions with
        # data-dependent weights")
        reversed_ = next(
            (
                m
                for m in evidence
                if (m.said_of_sure or m.joined) and not m.negated and m.doubt is None
            ),
            None,
        )
        # a denial said of what the concept is not about ("Attention does not weight every
        # token the same", of the 1x1 convolution's shared weights) neither states nor denies
        # it; where the concept compares two roles, what is denied of the other is a person's
        unclean = next(
            (
                m
                for m in evidence
                if not m.clean and m is not reversed_ and not _denied_of_another(concept, m, answer)
            ),
            None,
        )
        # the statement the wrong way round is named first ("Unlike a convolution, attention has
        # fixed local weights" gives attention the convolution's, whatever else it contradicts);
        # a contradiction the sentence denies, asks or reports is not stated ("It is a myth …")
        contradictions = [
            *_contradictions(concept, answer, evidence, contradicting, said),
            *crossed_pairs(pairings, answer),
        ]
        contradiction = reversed_ or next((m for m in contradictions if m.clean), None)
        if plain is None and unclean is None and contradiction is None:
            unclean = _unread_pair(pairings, answer)
        elif not (unclean is not None and unclean.negated and unclean.pattern in pairing_texts):
            # one half of an analogy denied beside the other ("pixels are like tokens but the
            # channels are not like the embedding") is doubtful; a negated alternative beside a
            # plain statement ("Attention, unlike convolution, mixes …") is not
            unclean = unclean if plain is None else None
        findings.append(
            ConceptFinding(concept, plain, unclean if plain is None else None, contradiction)
        )
        if plain is not None:
            matched_words += len({w.start for m in evidence for w in m.words})
        if contradiction is not None and contradiction.crossed:
            doubts.append(
                f"the answer pairs {contradiction.words[0].text!r} with "
                f"{contradiction.words[1].text!r} ({contradiction.quote(answer)!r}), the wrong "
                f"way round for: {concept.description}"
            )
        elif contradiction is not None and contradiction.joined:
            doubts.append(
                f"the answer says {contradiction.quote(answer)!r} of both "
                f"{contradiction.joined[0].text!r} and {contradiction.joined[1].text!r}, "
                f"{_wrong_role(concept, joined=True)}: {concept.description}"
            )
        elif contradiction is not None and contradiction.said_of is not None:
            doubts.append(
                f"the answer says {contradiction.quote(answer)!r} of "
                f"{contradiction.said_of.text!r}, {_wrong_role(concept, joined=False)}: "
                f"{concept.description}"
            )
        elif contradiction is not None:
            doubts.append(
                f"the answer also says {contradiction.quote(answer)!r}, which "
                f"contradicts: {concept.description}"
            )
        elif unclean is not None:
            doubts.append(_unclean_doubt(unclean, answer, denied_too=plain is not None))
        if said_of_both is not None and contradiction is None:
            doubts.append(_said_of_both_doubt(said_of_both, concept, answer))
    marks = min(
        max_marks,
        sum(
            f.concept.marks for f in findings if f.evidence is not None and f.contradiction is None
        ),
    )
    if matched_words and looks_like_keywords(answer):  # keywords earning marks, unread
        doubts.append("the answer is a list of keywords rather than sentences")
    words = word_count(answer)
    if words > LONG_ANSWER_WORDS and matched_words * 6 < words:
        doubts.append(f"the answer has {words} words and only a few of them matched")
    language = other_language(answer)
    if language is not None:
        doubts.append(language)
    confidence = max(0.0, 1.0 - 0.35 * len(doubts))
    return TextCheck(tuple(findings), marks, confidence, tuple(doubts))
