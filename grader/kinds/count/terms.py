"""Explain a wrong count by its parts, as a marker does: its weights and its biases, each
compared with the correct ones, and a count that is the answer to another part.

The rubric names a count's biases (`bias`); the rest of the reference is its weights. The
student's count is split into weights and biases in the way that explains it best: every
split of its terms is tried, and each side is compared with the correct one by the same
relations the generic diagnoses use (right, left out, off by a constant or a product of sizes,
a size swapped or written for another, a term left out or added). "Your weights: 4·C·D, as
for a 2×2 kernel; a 3×3 kernel has 9 weights for each pair of an input channel and an output
channel, so 9·C·D. Your biases, D, are right." Each side's mistake is named, so two mistakes
at once are two sentences.

What a size stands for is read from its `meaning`: "the number of output channels" gives
"one per output channel"; a height, width, length or token is a position; a kernel or filter
side is a kernel's. Only wrong counts come here: a correct answer never pays for this.
"""

from __future__ import annotations

import itertools
import math
import os
import re
import threading
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from functools import cached_property, lru_cache

import sympy

from grader.kinds.count.check import (
    DIAGNOSES,
    _Case,
    _first_value,
    _is_one,
    _matches,
    _may_match,
    _monomial_ratio,
    _polynomial_ratio,
    _quotient_number,
    _quotient_shown,
    _renamed,
    _rubric_fraction,
    _rubric_rational,
    show_fraction,
    show_number,
)
from grader.kinds.count.parse import ParsedAnswer
from grader.kinds.count.polynomials import Fraction_, exactly_equal, subtract
from grader.model import Diagnosis, Item, SymbolSpec

MAX_SPLIT_TERMS = 6  # a student's count of more terms is compared as a whole (2^6 splits)

# The existing diagnoses whose words a term-by-term comparison replaces when it explains the
# count (their kind, and so their marks, stay): "C and D the wrong way round" for a count whose
# biases are one per input is true, but a marker says what the biases are.
_REWORDED = ("symbols_swapped", "symbol_replaced", "term_factor")
# Those it follows with a comparison of the weights and the biases.
_FOLLOWED = ("constant_factor", "factor_missing", "factor_extra", "term_missing")


# --- What each size stands for -------------------------------------------------------------

_POSITION = re.compile(r"\b(height|width|length|position|pixel|row|column|token)s?\b")
_KERNEL = re.compile(r"\b(kernel|filter)s?\b")


@dataclass(frozen=True)
class Sizes:
    """The rubric's sizes and what each stands for, read from their meanings."""

    specs: tuple[SymbolSpec, ...]

    def __hash__(self) -> int:  # in the key of every side compared: the sizes' hash, once
        return self._hash

    @cached_property
    def _hash(self) -> int:
        return hash(self.specs)

    def _meaning(self, index: int) -> str:
        return self.specs[index].meaning.strip().lower()

    def is_position(self, index: int) -> bool:
        meaning = self._meaning(index)
        return bool(_POSITION.search(meaning)) and not _KERNEL.search(meaning)

    def is_kernel(self, index: int) -> bool:
        return bool(_KERNEL.search(self._meaning(index)))

    def is_input(self, index: int) -> bool:
        return "input" in self._meaning(index) and not self.is_kernel(index)

    def is_output(self, index: int) -> bool:
        return "output" in self._meaning(index) and not self.is_kernel(index)

    @cached_property  # asked for every split of a count's terms
    def positions(self) -> frozenset[int]:
        return frozenset(i for i in range(len(self.specs)) if self.is_position(i))

    def noun(self, index: int) -> str:
        """One thing a size counts: "output channel" for "the number of output channels"."""
        meaning = self._meaning(index)
        match = re.match(r"the number of (.+)", meaning)
        if match:
            words = match.group(1).split()
            last = words[-1]
            words[-1] = last[:-1] if last.endswith("s") and not last.endswith("ss") else last
            return " ".join(words)
        return f"value of {self.specs[index].name}"

    def nouns(self, exponents: Sequence[int]) -> list[str]:
        """What a product of sizes counts, one noun per size ("position" for all the
        positional sizes together)."""
        used = [i for i, power in enumerate(exponents) if power]
        positions = self.positions
        nouns = []
        if (
            positions
            and positions <= set(used)
            and not any(re.match(r"the number of", self._meaning(i)) for i in positions)
        ):
            nouns.append("position")
            used = [i for i in used if i not in positions]
        nouns.extend(self.noun(i) for i in used)
        return nouns

    def per(self, exponents: Sequence[int], coefficient: int = 1) -> str:
        """ "one per position and output channel", "9 per output channel"; "" for a product
        with a size squared (P²·Q²·D is not one per anything a size counts)."""
        if any(power > 1 for power in exponents):
            return ""
        nouns = self.nouns(exponents)
        amount = "one" if coefficient == 1 else show_number(coefficient)
        return f"{amount} per {' and '.join(nouns)}" if nouns else f"{amount} in all"

    def each(self, exponents: Sequence[int]) -> str:
        """ "each pair of an input channel and an output channel", "each output channel"."""
        nouns = self.nouns(exponents)
        if len(nouns) == 2:
            return f"each pair of {_article(nouns[0])} and {_article(nouns[1])}"
        return "each " + " and ".join(nouns) if nouns else "the layer"


def _article(noun: str) -> str:
    return ("an " if noun[0] in "aeiou" else "a ") + noun


# --- One side of a count: the weights or the biases -----------------------------------------


@dataclass(frozen=True)
class _Side:
    """What the student has for one side (weights, biases) against what is correct, and how
    well that is explained: 0 right, 1 a mistake a marker names (a kernel size, a bias per
    position), 1.5 one off by a factor or a size, 2 left out, or a term out or in, 3 not at
    all. A side with a `finding` is explained. Every split of a count is compared, and only
    the best is said: its words are written only when asked for (`say`)."""

    cost: float
    say: Callable[[], str]
    # The named mistake, from the words, for the diagnosis and the marks; None if none.
    name: Callable[[str], Diagnosis] | None = None

    @cached_property
    def words(self) -> str:
        return self.say()

    @property
    def finding(self) -> Diagnosis | None:
        return None if self.name is None else self.name(self.words)


def _single_term(polynomial) -> tuple[tuple[int, ...], int] | None:
    """(exponents, whole coefficient) of a polynomial of one term, else None."""
    if len(polynomial) != 1:
        return None
    (exponents, coefficient), *_ = polynomial.items()
    if coefficient.denominator != 1:
        return None
    return exponents, int(coefficient.numerator)


def _square_side(value: int) -> int | None:
    side = math.isqrt(value) if value > 0 else 0
    return side if side and side * side == value else None


def _kernel_taps(weights, sizes: Sizes) -> tuple[str, sympy.Expr] | None:
    """The side of the kernel and its number of taps, read from the correct weights: a square
    number (9 = 3×3) or a kernel size squared (K²). None when the weights show no kernel."""
    term = _single_term(weights)
    if term is None:
        return None
    exponents, coefficient = term
    kernel = [i for i, power in enumerate(exponents) if power and sizes.is_kernel(i)]
    if kernel:
        if len(kernel) == 1 and exponents[kernel[0]] == 2 and coefficient == 1:
            spec = sizes.specs[kernel[0]]
            return f"{spec.name}×{spec.name}", spec.symbol**2
        return None
    side = _square_side(coefficient)
    if side is None or not sizes.positions:
        return None  # a kernel only where the question has positions for it to slide over
    return f"{side}×{side}", sympy.Integer(coefficient)


def _compare_weights(mine, correct, case: _Case, sizes: Sizes) -> _Side:
    show = _shower(case)
    if mine == correct:
        return _Side(0, lambda: f"Your weights, {show(mine)}, are right.")
    if not mine:
        return _Side(
            2,
            lambda: f"You left out the weights: {show(correct)}.",
            lambda words: DIAGNOSES.make("weights_wrong", words),
        )
    ratio = _polynomial_ratio(mine, correct)
    if ratio is not None:
        kernel = _correct_kernel_taps(correct, sizes)
        theirs = _kernel_taps(mine, sizes) if kernel else None
        if kernel and theirs and _only_kernel(ratio, sizes):

            def kernel_words() -> str:
                exponents, _ = _single_term(correct)
                without_kernel = [
                    0 if sizes.is_kernel(i) else power for i, power in enumerate(exponents)
                ]
                taps = "1 weight" if kernel[1] == 1 else f"{_show_expr(kernel[1])} weights"
                return (
                    f"Your weights: {show(mine)}, as for a {theirs[0]} kernel; a {kernel[0]} "
                    f"kernel has {taps} for {sizes.each(without_kernel)}, so {show(correct)}."
                )

            return _Side(1, kernel_words, lambda words: DIAGNOSES.make("kernel_size", words))
        return _Side(
            1.5,
            lambda: (
                f"Your weights: {show(mine)}, {_weight_factor_words(ratio, case, sizes, correct)}"
            ),
            lambda words: DIAGNOSES.make("weights_wrong", words),
        )
    side = _renamed_side("weights", mine, correct, case)
    if side is not None:
        return _Side(1.5, side, lambda words: DIAGNOSES.make("weights_wrong", words))
    return _term_difference("weights", mine, correct, case)


def _only_kernel(ratio, sizes: Sizes) -> bool:
    """Whether a ratio of weights is a number or a power of the kernel's size alone."""
    for polynomial in (ratio.numerator, ratio.denominator):
        (exponents, _), *_ = polynomial.items()
        if any(power and not sizes.is_kernel(i) for i, power in enumerate(exponents)):
            return False
    return True


def _compare_biases(mine, correct, weights, case: _Case, sizes: Sizes) -> _Side:
    show = _shower(case)
    if mine == correct:
        return _Side(0, lambda: f"Your biases, {show(mine)}, are right." if mine else "")
    if not correct:
        return _Side(
            1,
            lambda: (
                f"Your biases, {show(mine)}, should not be counted: this part asks for the "
                "layer without a bias."
            ),
            lambda words: DIAGNOSES.make("biases_wrong", words),
        )
    correct_term = _single_term(correct)

    def per_correct() -> str:
        return sizes.per(*correct_term) if correct_term else ""

    def right() -> str:
        return f"{show(correct)}, {per_correct()}" if per_correct() else show(correct)

    if not mine:
        return _Side(
            1,
            lambda: f"You left out the biases: this layer has {right()}.",
            lambda words: DIAGNOSES.make("biases_wrong", words),
        )
    mine_term = _single_term(mine)

    def yours() -> str:
        per = sizes.per(*mine_term) if mine_term else ""
        return f"{show(mine)}, {per}" if per else show(mine)

    ratio = _polynomial_ratio(mine, correct)
    if ratio is not None and correct_term is not None:
        extra, missing, plain = _ratio_sizes(ratio)
        positions = sizes.positions
        taps = _correct_kernel_taps(weights, sizes)
        if taps is not None and _is_taps(ratio, taps[1], case):
            return _Side(
                1,
                lambda: (
                    f"Your biases: {show(mine)}, one for each of the {taps[0]} kernel taps as "
                    f"well; a filter has one bias, not one per weight, so {right()}."
                ),
                lambda words: DIAGNOSES.make("bias_per_tap", words),
            )
        correct_used = {i for i, power in enumerate(correct_term[0]) if power}
        if (
            plain
            and positions
            and extra == set(positions)
            and not missing
            and not (positions & correct_used)
        ):
            return _Side(
                1,
                lambda: (
                    f"Your biases: {yours()}; this layer has {per_correct()}, shared by every "
                    f"position: {show(correct)}."
                ),
                lambda words: DIAGNOSES.make("bias_per_position", words),
            )
        if plain and positions and missing == set(positions) and not extra:
            return _Side(
                1,
                lambda: (
                    f"Your biases: {yours()}; this layer has a bias for every output, "
                    f"{per_correct()}: {show(correct)}."
                ),
                lambda words: DIAGNOSES.make("bias_shared", words),
            )
        if (
            plain
            and extra
            and all(sizes.is_input(i) for i in extra)
            and (not missing or all(sizes.is_output(i) for i in missing))
        ):
            return _Side(
                1,
                lambda: (
                    f"Your biases: {yours()}; the biases belong to the outputs, not the "
                    f"inputs: {right()}."
                ),
                lambda words: DIAGNOSES.make("bias_per_input", words),
            )
        if plain and positions and positions <= correct_used and extra and not missing:
            # The layer has a bias for every output already (one per position and channel):
            # the student's are a product of sizes times as many, not a bias per position.
            return _Side(
                1.5,
                lambda: (
                    f"Your biases: {show(mine)}, {case.show_polynomial(ratio.numerator)} "
                    f"times as many as one per output; this layer has one per output: "
                    f"{show(correct)}."
                ),
                lambda words: DIAGNOSES.make("biases_wrong", words),
            )
        return _Side(
            1.5,
            lambda: f"Your biases: {yours()}, {_factor_words('biases', ratio, case, correct)}",
            lambda words: DIAGNOSES.make("biases_wrong", words),
        )
    side = _renamed_side("biases", mine, correct, case)
    if side is not None:
        return _Side(1.5, side, lambda words: DIAGNOSES.make("biases_wrong", words))
    return _term_difference("biases", mine, correct, case)


def _ratio_sizes(ratio) -> tuple[set[int], set[int], bool]:
    """The sizes a ratio of monomials has too many and too few of, and whether it is those
    sizes alone (no number besides)."""
    (top, over), *_ = ratio.numerator.items()
    (bottom, under), *_ = ratio.denominator.items()
    extra = {i for i, power in enumerate(top) if power}
    missing = {i for i, power in enumerate(bottom) if power}
    return extra, missing, over == 1 and under == 1


def _is_taps(ratio, taps: sympy.Expr, case: _Case) -> bool:
    """Whether a ratio of monomials is the kernel's number of taps (9, or K²). Both are
    quotients of monomials, compared exactly as polynomials (a·d = c·b); sympy's `simplify`
    did it at 85% of the time of a wrong count's check, and `expand` at a tenth of it."""
    if taps.is_Integer and not ratio.is_number:
        return False  # sizes over sizes in lowest terms are never a number
    if ratio.numerator == ratio.denominator:
        return False  # in lowest terms, only 1/1 is 1
    return exactly_equal((ratio.numerator, ratio.denominator), _rubric_fraction(taps, case.order))


def _weight_factor_words(ratio, case: _Case, sizes: Sizes, correct) -> str:
    """How the weights are off by a product of sizes, with the why where it is a matter of
    positions: weights shared by every position, or every position with its own."""
    positions = sizes.positions
    extra, missing, plain = _ratio_sizes(ratio)
    show = _shower(case)
    factor = case.show_polynomial(ratio.numerator if extra else ratio.denominator)
    if plain and positions and extra == set(positions) and not missing:
        return (
            f"a set of weights for every position (an extra factor of {factor}); this layer "
            f"uses the same weights at every position, so {show(correct)}."
        )
    if plain and positions and missing == set(positions) and not extra:
        return (
            f"missing a factor of {factor}: every output position has its own weights, so "
            f"{show(correct)}."
        )
    return _factor_words("weights", ratio, case, correct)


def _factor_words(name: str, ratio, case: _Case, correct) -> str:
    """How a side is off by a factor, and what it should be."""
    show = _shower(case)
    numerator, denominator = ratio.numerator, ratio.denominator
    if ratio.is_number:
        value = _quotient_number(ratio)
        how = f"{value} times" if value > 1 else f"{value} of"
        return f"{how} the correct {show(correct)}."
    top, bottom = (case.show_polynomial(p) for p in (ratio.numerator, ratio.denominator))
    if denominator == 1:
        return f"with an extra factor of {top}; the correct {name} are {show(correct)}."
    if numerator == 1:
        return f"missing a factor of {bottom}: the correct {name} are {show(correct)}."
    return (
        f"off by a factor of {_quotient_shown(ratio)}: missing {bottom}, "
        f"with an extra {top}; the correct {name} are {show(correct)}."
    )


def _renamed_side(name: str, mine, correct, case: _Case) -> Callable[[], str] | None:
    """One size swapped with, or written for, another on this side: how to say so."""
    found = _renamings(correct).get(mine)
    if found is None:
        return None
    swap, i, j = found
    a, b = case.order[i], case.order[j]
    show = _shower(case)
    if swap:
        return lambda: (
            f"Your {name}: {show(mine)}, with {a} and {b} the wrong way round; "
            f"the correct {name} are {show(correct)}."
        )
    return lambda: (
        f"Your {name}: {show(mine)}, with {case.named(b)} where {a} belongs; "
        f"the correct {name} are {show(correct)}."
    )


@lru_cache(maxsize=256)
def _renamings(correct) -> dict:
    """Each polynomial a correct side becomes with two sizes swapped, or with one size
    written for another, and the first (swap, i, j) that makes it, swaps first, in
    `_renamed`'s order: what `_renamed_side` looked for one by one. The correct sides are
    the same objects for every answer (`_correct_sides`), so this is made once per item."""
    one = correct.ring.one
    found: dict = {}
    for swap in (True, False):
        for i, j, renamed in _renamed((correct, one), swap):
            found.setdefault(renamed[0], (swap, i, j))
    return found


def _term_difference(name: str, mine, correct, case: _Case) -> _Side:
    """A side that differs by one whole term, or otherwise."""
    show = _shower(case)
    difference = correct - mine
    if len(difference) == 1 and all(c > 0 for c in difference.values()):
        return _Side(
            2,
            lambda: (
                f"Your {name}: {show(mine)}; the correct {name} also have {show(difference)}: "
                f"{show(correct)}."
            ),
        )
    if len(difference) == 1:
        return _Side(
            2,
            lambda: (
                f"Your {name}: {show(mine)}, with {show(-difference)} too many; the correct "
                f"{name} are {show(correct)}."
            ),
        )
    if mine.is_ground and not correct.is_ground:
        return _Side(
            3,
            lambda: (
                f"Your {name}, {show(mine)}, are a fixed number; the correct {name}, "
                f"{show(correct)}, grow with the sizes."
            ),
        )
    return _Side(3, lambda: f"Your {name}: {show(mine)}; the correct {name} are {show(correct)}.")


def _shower(case: _Case):
    one = None

    def show(polynomial) -> str:
        nonlocal one
        one = polynomial.ring.one if one is None else one
        return show_fraction((polynomial, one))

    return show


def _show_expr(expr: sympy.Expr) -> str:
    return str(expr).replace("**2", "²")


# --- The comparison of a whole count -------------------------------------------------------


@dataclass(frozen=True)
class TermComparison:
    """The weights and the biases of a wrong count, each compared with the correct ones."""

    words: str  # one paragraph: a sentence for each side
    findings: tuple[Diagnosis, ...]  # the mistakes named, one per side at most
    explained: bool  # every side that is wrong is named
    weights_right: bool


def _sides(case: _Case):
    """The correct weights and biases as polynomials, or None where the rubric names no
    biases or the reference is not a polynomial."""
    bias = case.bias()
    if bias is None:
        return None
    return _correct_sides(case.reference, bias, case.item.spec.bias_included)


@lru_cache(maxsize=256)
def _correct_sides(reference, bias, bias_included: bool):
    """`_sides` from the rubric's reference and biases (as `_rubric_fraction` gives them, the
    same objects for every answer): made once per item, the same objects every time."""
    if not reference[1].is_ground or not bias[1].is_ground:
        return None
    whole = reference[0] * (1 / reference[1].LC)
    biases = bias[0] * (1 / bias[1].LC)
    if bias_included:
        return whole - biases, biases
    return whole, whole.ring.zero


# A side compared, by (which side, the student's, the correct one(s), the rubric's sizes):
# what a side is told depends on nothing else, and a class writes the same terms again and
# again (the biases D, the weights 9CD) beside different others. Its words, written when
# first asked for, are kept with it.
SIDE_MEMO = 2048
_side_memo: OrderedDict[tuple, _Side] = OrderedDict()
_side_lock = threading.RLock()


def _remembered_side(compare: Callable[..., _Side], *sides, case: _Case, sizes: Sizes) -> _Side:
    """`compare(*sides, case, sizes)`, remembered by the sides and the rubric's sizes."""
    key = (compare.__name__, *sides, sizes)  # the sizes stand for the rubric's specs
    with _side_lock:  # grade_answer may be called from several threads
        side = _side_memo.get(key)
        if side is not None:
            _side_memo.move_to_end(key)
            return side
        side = _side_memo[key] = compare(*sides, case, sizes)
        if len(_side_memo) > SIDE_MEMO:
            _side_memo.popitem(last=False)
        return side


def compare_terms(case: _Case) -> TermComparison | None:
    """Split the student's count into weights and biases in the way that explains it best,
    and say what is right and wrong with each. None when the rubric names no biases or the
    count is not a polynomial of a few terms."""
    sides = _sides(case)
    student = case.student
    if sides is None or not student[1].is_ground:
        return None
    weights, biases = sides
    mine = _over_number(student)
    sizes = _sizes(case.specs)
    named = _named_split(case, mine)
    if named is None:
        terms = _written_units(case, mine)
    else:
        # `9CD weights + D`: the terms the student's words name stay on the side they name;
        # only the rest (none where every term is named) is split
        terms = list((mine - named[0] - named[1]).items())
    if len(terms) > MAX_SPLIT_TERMS:
        return None
    degrees = [sum(exponents) for exponents, _ in terms]
    splits = list(itertools.product((True, False), repeat=len(terms)))
    best = None
    for index in _splits_in_turn(splits, terms, biases):
        chosen = splits[index]
        # The student's terms split into weights and biases, as polynomials
        picked = [t for t, w in zip(terms, chosen, strict=True) if w]
        left = [t for t, w in zip(terms, chosen, strict=True) if not w]
        mine_weights, mine_biases = _polynomial(mine, picked), _polynomial(mine, left)
        if named is not None:  # the named terms, on their sides
            mine_weights, mine_biases = named[0] + mine_weights, named[1] + mine_biases
        least_biases = _least_cost(mine_biases, biases)
        if best is not None and _least_cost(mine_weights, weights) + least_biases > best[0][0]:
            continue  # worse than the best already found, whatever its sides are told
        first = _remembered_side(_compare_weights, mine_weights, weights, case=case, sizes=sizes)
        if best is not None and first.cost + least_biases > best[0][0]:
            continue
        second = _remembered_side(
            _compare_biases, mine_biases, biases, weights, case=case, sizes=sizes
        )
        # Prefer the best-explained split; of equals, the one that merges none of the terms
        # the student wrote apart (9·C + C is 9·C weights and C biases, not 10·C weights),
        # then the one with the weights right, then the one whose weights are the student's
        # terms of highest degree, then the first in `splits`.
        degree = sum(d for d, w in zip(degrees, chosen, strict=True) if w)
        merged = _merged(picked) + _merged(left)
        key = (first.cost + second.cost, merged, first.cost, -degree, index)
        if best is None or key < best[0]:
            best = (key, first, second)
    _, first, second = best
    return _comparison(first, second)


def _splits_in_turn(splits: list[tuple[bool, ...]], terms, biases) -> list[int]:
    """The order in which `compare_terms` tries the `splits` (their indices): first the one
    a marker would try first, each term among the biases where the correct biases have its
    monomial and among the weights otherwise (`2·C·D + D`: 2·C·D weights, D biases), then
    the others as `splits` has them. The best split found first lets the others be passed
    over unasked (`_least_cost`); which split is best does not depend on the order, as ties
    go to the first in `splits`."""
    guess = tuple(exponents not in biases for exponents, _ in terms)
    first = splits.index(guess)
    return [first, *(index for index in range(len(splits)) if index != first)]


def _least_cost(mine, correct) -> float:
    """The least cost a side compared can have (`_compare_weights`, `_compare_biases`): 0
    only where the student's side is the correct one; every mistake costs at least 1."""
    return 0 if mine == correct else 1


def _over_number(fraction: Fraction_):
    """A quotient over a number (no size) as one polynomial: the numerator times 1 over the
    number, or the numerator itself over 1, as most counts are."""
    top, bottom = fraction
    return top if _is_one(bottom) else top * (1 / bottom.LC)


def _comparison(first: _Side, second: _Side) -> TermComparison:
    """What the weights compared (`first`) and the biases compared (`second`) tell."""
    findings = tuple(f for f in (first.finding, second.finding) if f is not None)
    return TermComparison(
        words=" ".join(w for w in (first.words, second.words) if w),
        findings=findings,
        explained=all(side.cost == 0 or side.name is not None for side in (first, second)),
        weights_right=first.cost == 0,
    )


def _named_split(case: _Case, mine):
    """(the terms the student's words name weights, those they name biases) as polynomials in
    `mine`'s ring, each side none where no term is named so (`9CD weights + D biases`,
    `9C weights + D weights`, `9CD weights + D`); None where the words name no term, or a term
    as something else, or a term is no polynomial (the split is then searched as a whole)."""
    if not case.term_names or {kind for _, kind in case.term_names} - {"weights", "biases"}:
        return None
    sides = {"weights": mine.ring.zero, "biases": mine.ring.zero}
    for (top, bottom), kind in case.term_names:
        if not bottom.is_ground:
            return None
        sides[kind] = sides[kind] + top * (1 / bottom.LC)
    return sides["weights"], sides["biases"]


def _written_units(case: _Case, mine) -> list[tuple[tuple[int, ...], object]]:
    """The pieces a count is split into weights and biases by: the monomials of each term the
    student wrote, kept apart where two terms give the same monomial (9·C + C: 9·C and C,
    which the count merges into 10·C). Terms written the same twice (9·C·D + 9·C·D) are
    one piece: nothing in what was written tells them apart. The count's own monomials where
    its written terms are not polynomials, or do not add up to it."""
    own = list(mine.items())  # (exponents, coefficient), each monomial once
    written = []
    for top, bottom in case.written:
        if not bottom.is_ground:
            return own
        polynomial = top * (1 / bottom.LC)
        same = next((i for i, other in enumerate(written) if other == polynomial), None)
        if same is None:
            written.append(polynomial)
        else:
            written[same] = written[same] + polynomial
    units = [term for polynomial in written for term in polynomial.items()]
    if len(units) == len(own) or _polynomial(mine, units) != mine:
        return own  # nothing merged (or cancelled) across terms: as the count has them
    return units


def _polynomial(mine, terms):
    """The polynomial of `terms` (exponents, coefficient), in `mine`'s ring, added up: term by
    term as the ring adds them (a coefficient that comes to 0 leaves the polynomial), without
    making a polynomial of each term."""
    total = {}
    zero = mine.ring.domain.zero
    for exponents, coefficient in terms:
        coefficient = total.get(exponents, zero) + coefficient
        if coefficient:
            total[exponents] = coefficient
        else:
            total.pop(exponents, None)
    return mine.new(total)


def _merged(terms) -> int:
    """How many of `terms` share a monomial with one before them: each is merged into it."""
    seen = set()
    merged = 0
    for exponents, _ in terms:
        merged += exponents in seen
        seen.add(exponents)
    return merged


# --- A count that is the answer to another part ---------------------------------------------


def answer_elsewhere(case: _Case, items: Sequence[Item]) -> str | None:
    """When the count is another part's reference, or a mistake a rubric anticipates there,
    say so."""
    first = _first_value(case.student)
    for mistake, part, fraction, value in _other_counts(case, items):
        if _may_match(first, value) and _matches(case.student, fraction):
            if not mistake:
                return (
                    f"Your count, {show_fraction(case.student)}, is the answer to part "
                    f"({part}), not to this part."
                )
            return (
                f"Your count, {show_fraction(case.student)}, is a mistake the rubric also "
                f"expects in part ({part}), where it is wrong too."
            )
    return None


# The other parts' counts a wrong count is compared with, by (this part, the question's items,
# the rubric's sizes and relations): worked out from the rubric once, not for every answer.
# The items are known by their identity, and kept with the entry, so that no other object can
# take their id while it is remembered.
OTHER_COUNTS_MEMO = 64
_other_counts_memo: OrderedDict[tuple, tuple] = OrderedDict()
_other_counts_lock = threading.Lock()


def _new_locks_in_child() -> None:
    """A process forked while another thread held a memo's lock (in the middle of a check)
    would wait for it for ever: that thread is not in the child. The child's locks are new.
    The memos are whole: each change to them is one step, under the GIL (at worst one holds
    an entry over its bound)."""
    global _side_lock, _other_counts_lock
    _side_lock, _other_counts_lock = threading.RLock(), threading.Lock()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_new_locks_in_child)


def _other_counts(case: _Case, items: Sequence[Item]) -> tuple:
    """(a mistake?, part, count, its first sampled value) for each other part's reference,
    then each mistake a rubric anticipates there, in `answer_elsewhere`'s order."""
    key = (case.item.part, id(items), case.order, case.substitutions)
    with _other_counts_lock:
        entry = _other_counts_memo.get(key)
        if entry is not None and entry[0] is items:
            _other_counts_memo.move_to_end(key)
            return entry[1]
    counts = []
    for other in items:
        if other.part == case.item.part or not isinstance(other.reference, ParsedAnswer):
            continue
        reference = case.relate(other.reference.expr)
        if not _rubric_rational(reference):
            continue  # a count with floors is no rational function to compare with
        fraction = _rubric_fraction(reference, case.order)
        counts.append((False, other.part, fraction, _first_value(fraction)))
    for other in items:
        if other.part == case.item.part or not isinstance(other.reference, ParsedAnswer):
            continue
        for rule in other.misconceptions:
            if isinstance(rule.reading, ParsedAnswer) and _rubric_rational(
                case.relate(rule.reading.expr)
            ):
                fraction = _rubric_fraction(case.relate(rule.reading.expr), case.order)
                counts.append((True, other.part, fraction, _first_value(fraction)))
    found = tuple(counts)
    with _other_counts_lock:
        _other_counts_memo[key] = (items, found)
        if len(_other_counts_memo) > OTHER_COUNTS_MEMO:
            _other_counts_memo.popitem(last=False)
    return found


# --- Putting it together -------------------------------------------------------------------


@DIAGNOSES.produces(
    "other_part",
    "kernel_size",
    "weights_wrong",
    "bias_per_position",
    "bias_shared",
    "bias_per_input",
    "bias_per_tap",
    "biases_wrong",
    "several_terms",
    "bias_missing",
)
def explain_wrong_count(
    case: _Case, items: Sequence[Item], found: Diagnosis | None
) -> tuple[Diagnosis | None, tuple[str, ...]]:
    """The diagnosis of a wrong count that no misconception names, and the lines that follow
    it, given the generic diagnosis `found` (None if none applied). A generic diagnosis keeps
    its kind, so its marks never change; only its words may."""
    elsewhere = answer_elsewhere(case, items)
    comparison = compare_terms(case)
    notes = (elsewhere,) if elsewhere else ()
    some_left_out = _some_biases_left_out(case, comparison, found)
    if some_left_out is not None:
        return some_left_out, notes
    if found is not None:
        if comparison is None or found.kind in ("bias_missing", "bias_extra"):
            return found, notes
        if found.kind in _REWORDED and comparison.explained:
            return replace(found, message=comparison.words), notes
        if found.kind in _FOLLOWED or found.kind in _REWORDED:
            return found, (*notes, comparison.words)
        return found, notes
    if elsewhere is not None:
        details = (comparison.words,) if comparison is not None else ()
        return DIAGNOSES.make("other_part", elsewhere), details
    if comparison is None:
        return None, (_whole_words(case),)
    if comparison.explained and len(comparison.findings) == 1:
        return replace(comparison.findings[0], message=comparison.words), ()
    if comparison.explained and comparison.findings:
        return DIAGNOSES.make("several_terms", comparison.words), ()
    return None, (comparison.words,)


# The bias findings that say what a student's biases are instead (shared, per position, per
# input, per tap): a count with one of them has not merely left some biases out.
_NAMED_BIASES = ("bias_per_position", "bias_shared", "bias_per_input", "bias_per_tap")


def _some_biases_left_out(
    case: _Case, comparison: TermComparison | None, found: Diagnosis | None
) -> Diagnosis | None:
    """`bias_missing` for a count whose weights are right and whose biases are a proper part
    of the correct ones: some of the bias terms left out (3·E·K + K for 3·E·K + 3·K, the
    biases of one of two layers), or a fraction of them (one head's 3·d/h of 3·d). A marker
    gives such a count at least what leaving out all the biases earns, so a generic
    diagnosis `found` is kept only where it earns more. None where this does not apply."""
    if comparison is not None and any(f.kind in _NAMED_BIASES for f in comparison.findings):
        return None
    left_out = _biases_left_out(case)
    if left_out is None:
        return None
    credit = case.item.partial_credit
    if found is not None and credit.get(found.kind, 0.0) > credit.get("bias_missing", 0.0):
        return None
    weights, biases, mine, how = left_out
    return DIAGNOSES.make(
        "bias_missing",
        f"Your weights, {show_fraction(weights)}, are right, but you left out some of the "
        f"biases: you count {show_fraction(mine)} of this layer's {show_fraction(biases)} "
        f"biases, {how}. The biases are learnable parameters too.",
    )


def _biases_left_out(case: _Case):
    """(the correct weights, the correct biases, the student's biases, which are left out)
    when the student's count is the correct weights plus a proper part of the correct biases:
    each of its bias terms at most the correct one's (K of 3·K, C of C + D), or the correct
    biases over a product of sizes that are not positions (3·d/h of 3·d; D of P·Q·D is a
    bias shared by every position, `bias_shared`). None otherwise, and where the student has
    no biases at all (that is `diagnose_bias_missing`'s)."""
    sides = _sides(case)
    if sides is None or not case.item.spec.bias_included:
        return None
    weights, biases = sides
    if not biases:
        return None
    one = weights.ring.one
    mine = subtract(case.student, (weights, one))
    if not mine[0]:
        return None
    correct = (weights, one), (biases, one)
    if mine[1].is_ground:
        terms = _over_number(mine)
        # each term one of the biases' (tested first: most counts have a term that is not)
        if all(0 < c <= biases.get(m, 0) for m, c in terms.items()):
            rest = biases - terms
            if rest and all(c > 0 for c in rest.values()):
                return (*correct, (terms, one), f"and leave out {show_fraction((rest, one))}")
    ratio = _monomial_ratio(mine, (biases, one))
    if ratio is None or not ratio.numerator.is_ground or ratio.denominator.is_ground:
        return None  # a number of the biases (1/3 of 3·K) has its terms compared above
    (exponents, below), *_ = ratio.denominator.items()
    positions = _sizes(case.specs).positions
    share = ratio.numerator.LC / below  # the part of the correct biases counted
    if not 0 < share <= 1:
        return None
    if any(power and i in positions for i, power in enumerate(exponents)):
        return None
    return (*correct, mine, f"{_quotient_shown(ratio)} of them")


def _whole_words(case: _Case) -> str:
    """The comparison of a count that cannot be split into weights and biases."""
    correct = show_fraction(case.reference)
    bias = case.bias()
    if bias is not None and case.item.spec.bias_included:
        weights = show_fraction(subtract(case.reference, bias))
        return (
            f"The correct count is {weights} weights plus {show_fraction(bias)} biases; "
            f"yours is {show_fraction(case.student)}."
        )
    if bias is not None:
        return f"The correct count is {correct} weights, without biases."
    return f"Your count: {show_fraction(case.student)}; the correct count: {correct}."


@lru_cache(maxsize=64)
def _sizes(specs: tuple[SymbolSpec, ...]) -> Sizes:
    """The rubric's sizes, read once per rubric: their positions are asked for every split."""
    return Sizes(specs)


# The correct weights' kernel, asked for by every side compared: the weights are the same
# object for every answer (`_correct_sides`), so this is worked out once per item.
_correct_kernel_taps = lru_cache(maxsize=256)(_kernel_taps)
