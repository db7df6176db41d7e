"""Size sets at which a formula's index arithmetic is whole.

A centred kernel of general size runs from -(K-1)/2 to (K-1)/2, and a grouped convolution's
filter reads C/G channels: both are whole numbers only at some sizes (K odd, G dividing C).
`whole_conditions` lists what must be whole for a formula to be checked (its sums' bounds, the
sizes of its tensors, and each coefficient of its indices outside a floor); `whole_size_sets`
moves the default sizes, as little as it can, to sizes where all of them are. A rubric that
gives its own `check_sizes` is never changed: where those make the arithmetic fractional, the
rubric check says so at the formula's line and key, with sizes that would do.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterable, Mapping

import sympy

from grader.kinds.formula.terms import Formula, LayerSpec
from grader.model import SizeSets
from grader.symbol_values import admits, parity, undivided

MAX_MOVED = 4  # sizes moved at once when looking for whole arithmetic
_MOST_TRIED = 4096  # sizes tried to show that arithmetic is never whole
_CANDIDATES = range(2, 13)


def whole_conditions(formula: Formula, layer: LayerSpec) -> frozenset[sympy.Expr]:
    """Expressions in the sizes that must be whole numbers for `formula` to be checked."""
    found: set[sympy.Expr] = set()
    for tensor in (*layer.inputs, layer.output):
        found.update(tensor.shape)
    indices = set(formula.free)
    for s in formula.enumerates:
        found.update((s.low, s.high))
    for index in formula.output.indices:
        found.update(_coefficients(index, indices))
    for term in formula.terms:
        variables = indices | {s.variable for s in term.sums}
        for s in term.sums:
            found.update((s.low, s.high))
        for access in term.factors:
            for index in access.indices:
                found.update(_coefficients(index, variables))
    return frozenset(c for c in found if _may_be_fractional(c))


def _may_be_fractional(condition: sympy.Expr) -> bool:
    """Whether a size expression can be a fraction: not a polynomial with whole coefficients."""
    if not condition.free_symbols:
        return not condition.is_Integer
    try:
        poly = sympy.Poly(condition, *sorted(condition.free_symbols, key=str))
    except sympy.PolynomialError:
        return True
    return not poly.domain.is_ZZ


def _coefficients(index: sympy.Expr, variables: set[sympy.Symbol]) -> list[sympy.Expr]:
    """The coefficients of an index's variables, floors and constant: sizes only."""
    rounded = {
        atom: sympy.Dummy()
        for atom in index.atoms(sympy.floor, sympy.ceiling)
        if atom.free_symbols & variables
    }
    flat = sympy.expand(index.xreplace(rounded))
    generators = sorted((flat.free_symbols & variables) | set(rounded.values()), key=str)
    if not generators:
        return [flat]
    try:
        return sympy.Poly(flat, *generators).coeffs()
    except sympy.PolynomialError:
        return []


def is_whole(conditions: Iterable[sympy.Expr], sizes: Mapping[str, int]) -> bool:
    for condition in conditions:
        value = condition.xreplace(
            {s: sympy.Integer(sizes[s.name]) for s in condition.free_symbols}
        )
        if not value.is_Integer:
            return False
    return True


def whole_size_sets(
    size_sets: SizeSets,
    conditions: frozenset[sympy.Expr],
    pairs: tuple[tuple[str, str], ...] = (),
) -> SizeSets | None:
    """`size_sets` with the sizes the conditions use moved to the nearest small values at which
    every condition is whole (distinct from the set's other sizes where possible, of a
    symbol's declared parity, and keeping each symbol declared a multiple of another one:
    `pairs`, as `grader.symbol_values.multiples` gives them); None when no such values are
    found among 2..12."""
    symbols = {s.name: s for c in conditions for s in c.free_symbols}
    names = sorted(symbols)
    if len(names) > MAX_MOVED:
        return None
    # Only sizes each symbol may take: a kernel size declared odd is moved to 3 or 5, never 4.
    candidates = [[v for v in _CANDIDATES if admits(symbols[n], v)] for n in names]
    result = []
    for sizes in size_sets:
        values = dict(sizes)
        if is_whole(conditions, values):
            result.append(sizes)
            continue
        others = {v for n, v in values.items() if n not in names}
        choices = sorted(
            itertools.product(*candidates),
            key=lambda c: (
                sum(abs(v - values[n]) for n, v in zip(names, c, strict=True))
                + 2 * (len(c) - len(set(c) - others)),
                c,
            ),
        )
        for choice in choices:
            trial = {**values, **dict(zip(names, choice, strict=True))}
            if is_whole(conditions, trial) and undivided(trial, pairs) is None:
                result.append(tuple((name, trial[name]) for name, _ in sizes))
                break
        else:
            return None
    return tuple(result)


def suggestion(
    conditions: frozenset[sympy.Expr],
    size_sets: SizeSets,
    pairs: tuple[tuple[str, str], ...] = (),
) -> str:
    """Advice for a rubric whose `check_sizes` make the arithmetic fractional: sizes that
    would do (keeping the declared multiples, `pairs`), or, where the symbols' parities make
    some of it whole at no sizes (-K/2 for an odd K), to round it."""
    chosen = whole_size_sets(size_sets, conditions, pairs)
    if chosen is None:
        never = sorted((c for c in conditions if _never_whole(c)), key=sympy.default_sort_key)
        if never:
            return "; " + _round_advice(never)
        return "; give check_sizes at which it is a whole number"
    moved = sorted(
        {
            f"{n}={v}"
            for new, old in zip(chosen, size_sets, strict=True)
            for (n, v), (_, w) in zip(new, old, strict=True)
            if v != w
        }
    )
    return f"; give check_sizes at which it is a whole number (such as {', '.join(moved)})"


def _never_whole(condition: sympy.Expr) -> bool:
    """Whether `condition` is a whole number at no sizes its symbols may take, as their
    declared parities make -K/2 for an odd K. A polynomial whose coefficients' denominators
    divide M is whole or not alike at sizes M apart, so the sizes 1 to 2M of each symbol
    (every remainder modulo M, of either parity) try them all."""
    symbols = sorted(condition.free_symbols, key=lambda s: s.name)
    if not any(parity(s) for s in symbols):
        return False
    try:
        poly = sympy.Poly(condition, *symbols)
    except sympy.PolynomialError:
        return False
    if not all(c.is_Rational for c in poly.coeffs()):
        return False
    period = math.lcm(*(int(c.q) for c in poly.coeffs()))
    choices = [[v for v in range(1, 2 * period + 1) if admits(s, v)] for s in symbols]
    if math.prod(len(c) for c in choices) > _MOST_TRIED:
        return False
    return not any(
        is_whole([condition], {s.name: v for s, v in zip(symbols, point, strict=True)})
        for point in itertools.product(*choices)
    )


def _round_advice(never: list[sympy.Expr]) -> str:
    """ "-K/2 is never a whole number for an odd K: round it, e.g. \\lfloor K/2 \\rfloor":
    the example rounds a term that is never whole (K/2), else the whole expression."""
    symbols = sorted({s for c in never for s in c.free_symbols if parity(s)}, key=lambda s: s.name)
    kinds = " and ".join(f"an {parity(s)} {s.name}" for s in symbols)
    named = " and ".join(_plain(c) for c in never)
    if len(never) == 1:
        advice = f"{named} is never a whole number for {kinds}: round it"
    else:
        advice = f"{named} are never whole numbers for {kinds}: round them"
    terms = [
        term if term.as_coeff_Mul()[0] > 0 else -term
        for term in sympy.Add.make_args(sympy.expand(never[0]))
        if term.free_symbols and _never_whole(term)
    ]
    rounded = _plain(min(terms, key=sympy.default_sort_key)) if terms else _plain(never[0])
    return f"{advice}, e.g. \\lfloor {rounded} \\rfloor"


def _plain(expr: sympy.Expr) -> str:
    """A size expression as a rubric writes it: K/2 - 1, 3K/2."""
    return sympy.sstr(expr).replace("**", "^").replace("*", "")
