"""Recognise the concepts of a written explanation, and know when not to trust the result.

A concept's evidence is a list of patterns. A pattern is a few word groups, each a set of
alternatives (`same|shared|identical weights|matrix position|pixel`): it matches a sentence
in which every group has a word, in any order, within a window of words. Words are compared
by a light stem (weights ~ weight, shared ~ share), so inflection does not matter, and a word
ending in `*` matches any word it begins. A negation shortly before a matched word ("not the
same weights") turns the match into a negated one, which never earns marks.

The grader scores what it recognises and says why; when it cannot be sure (a contradiction, a
negation near a match, a list of keywords instead of sentences, an answer much longer than
what matched) the verdict is `needs_review`, for a person to decide.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

WINDOW = 12  # words a pattern may spread over within one sentence
NEGATION_REACH = 3  # words before a match in which a negation counts
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
}
_FUNCTION_WORD_LIST = """
    the a an is are was be been of to in on into and or with as by for that this it its
    which at from so can has have each every same both where i we you they do does not will
    would should there their than then but while because if also like uses use
"""
_FUNCTION_WORDS = frozenset(_FUNCTION_WORD_LIST.split())
_WORD = re.compile(r"[A-Za-z0-9]+(?:['’-][A-Za-z0-9]+)*")
_SENTENCE_END = re.compile(r"[.!?;\n]+|\s[-–—]\s|\(\d\)|①|②|③")


def stem(word: str) -> str:
    """A light, predictable stem: lower case, no hyphens or apostrophes, common suffixes off."""
    word = re.sub(r"['’-]", "", word.lower())
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
    return word


@dataclass(frozen=True)
class Pattern:
    """Word groups that must all occur near each other; each group lists alternatives."""

    text: str
    groups: tuple[tuple[str, ...], ...]

    @classmethod
    def compile(cls, text: str) -> Pattern:
        groups = tuple(
            tuple(_alternative(alt) for alt in group.split("|") if alt.strip("*"))
            for group in text.split()
        )
        return cls(text, groups)


@dataclass(frozen=True)
class Word:
    text: str
    stem: str
    start: int  # character position in the answer
    end: int


@dataclass(frozen=True)
class Match:
    pattern: str
    words: tuple[Word, ...]
    negated: bool

    def quote(self, answer: str) -> str:
        start = min(w.start for w in self.words)
        end = max(w.end for w in self.words)
        return answer[start:end]


def sentences(answer: str) -> list[list[Word]]:
    """The answer's sentences as lists of words, with positions in the answer."""
    result: list[list[Word]] = []
    position = 0
    for piece in [*_SENTENCE_END.split(answer), ""]:
        found = answer.find(piece, position) if piece else position
        offset = max(found, 0)
        words = [
            Word(m.group(0), stem(m.group(0)), offset + m.start(), offset + m.end())
            for m in _WORD.finditer(piece)
        ]
        if words:
            result.append(words)
        position = offset + len(piece)
    return result


def _alternative(word: str) -> str:
    """A pattern word as compared: a stem, or a prefix followed by `*`."""
    if word.endswith("*"):
        return re.sub(r"['’-]", "", word[:-1].lower()) + "*"
    return stem(word)


def _fits(alternative: str, word: Word) -> bool:
    if alternative.endswith("*"):
        prefix = alternative[:-1]
        return word.stem.startswith(prefix) or re.sub(r"['’-]", "", word.text.lower()).startswith(
            prefix
        )
    return word.stem == alternative


def find(pattern: Pattern, sentence: list[Word]) -> Match | None:
    """The first window of the sentence where every group of the pattern has a word."""
    for start in range(len(sentence)):
        window = sentence[start : start + WINDOW]
        chosen: list[Word] = []
        for group in pattern.groups:
            word = next((w for w in window if any(_fits(a, w) for a in group)), None)
            if word is None:
                break
            chosen.append(word)
        else:
            return Match(pattern.text, tuple(chosen), _negated(sentence, chosen))
    return None


def _negated(sentence: list[Word], chosen: list[Word]) -> bool:
    indexes = {id(w): i for i, w in enumerate(sentence)}
    for word in chosen:
        index = indexes[id(word)]
        before = sentence[max(0, index - NEGATION_REACH) : index]
        if any(w.stem in _NEGATIONS or w.text.lower().endswith("n't") for w in before):
            return True
    return False


def find_all(patterns: tuple[Pattern, ...], answer: str) -> list[Match]:
    matches = []
    for sentence in sentences(answer):
        for pattern in patterns:
            match = find(pattern, sentence)
            if match is not None:
                matches.append(match)
    return matches


def looks_like_keywords(answer: str) -> bool:
    """Several words but hardly a function word: a list of keywords, not sentences."""
    words = [w for s in sentences(answer) for w in s]
    if len(words) < 4:
        return False
    function = sum(1 for w in words if w.text.lower() in _FUNCTION_WORDS)
    return function / len(words) < 0.08


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


@dataclass(frozen=True)
class ConceptFinding:
    concept: Concept
    evidence: Match | None  # the first plain (not negated) match
    negated: Match | None  # a negated match, when there is no plain one
    contradiction: Match | None


@dataclass(frozen=True)
class TextCheck:
    findings: tuple[ConceptFinding, ...]
    marks: float
    confidence: float
    doubts: tuple[str, ...]  # why a person should look; empty when the grader is sure


LONG_ANSWER_WORDS = 60


def check_text(concepts: tuple[Concept, ...], max_marks: float, answer: str) -> TextCheck:
    """Which concepts the answer states, the marks they earn, and any reason for doubt."""
    findings = []
    matched_words = 0
    doubts = []
    for concept in concepts:
        evidence = find_all(concept.evidence, answer)
        plain = next((m for m in evidence if not m.negated), None)
        negated = next((m for m in evidence if m.negated), None) if plain is None else None
        contradiction = next(
            (m for m in find_all(concept.contradictions, answer) if not m.negated), None
        )
        findings.append(ConceptFinding(concept, plain, negated, contradiction))
        if plain is not None:
            matched_words += len({w.start for m in evidence for w in m.words})
        if contradiction is not None:
            doubts.append(
                f"the answer also says {contradiction.quote(answer)!r}, which "
                f"contradicts: {concept.description}"
            )
        elif negated is not None:
            doubts.append(f"a negation near {negated.quote(answer)!r}")
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
    confidence = max(0.0, 1.0 - 0.35 * len(doubts))
    return TextCheck(tuple(findings), marks, confidence, tuple(doubts))
