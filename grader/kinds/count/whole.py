"""Whether a count item's answer is a whole number at every size its symbols may take: a
count counts whole things, so a rubric's `(K-1)/2` for a padding is right only where K is
declared odd. `grader rubric check` names an answer that is not, at its line, with the sizes
that show it and what would do (declare K odd, or round it). A count that divides by a size
(9CD/G + D) is judged at the sizes the rubric's `multiple_of` allows: whole where C is declared
a multiple of G, and named otherwise, with that declaration as the advice.

The sizes tried are every combination of small sizes each symbol may take (1 to 12, fewer
with more symbols): they cover each remainder modulo 2, 3, 4, 6 and 12, which is where a
count's fractions such as (K-1)/2 or PQ/4 repeat. With more than six symbols (1 to 4 each),
every combination is too many to wait for (4^8 for eight): the sizes tried are then every
combination of two symbols' sizes, the others all 1 or all 2 (all of the smallest two sizes
each may take), and each symbol at the same place in its sizes (all 1, all 2, ...): a
fraction in one or two symbols, or in all of them at once (ABCDEFGH/2), is still found. The
rubric's relations hold at each (d_k takes the value d/h has there; sizes where that is no
size d_k may take are passed over), and so do its multiples (C a multiple of G: sizes where G
does not divide C are passed over).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping, Sequence

import sympy

from grader.errors import Problem, quoted
from grader.kinds.count.polynomials import evaluate
from grader.model import Context, Item
from grader.symbol_values import PARITIES, admits, multiples, parity, undivided

MAX_POINTS = 4096


def _judged(expr: sympy.Expr) -> bool:
    """Whether the check judges `expr`: a count with a fraction such as (K-1)/2 or PQ/4 in
    it, or a division by a size such as C/G (whole where C is declared a multiple of G),
    outside its floors (which are whole)."""
    plain = _unrounded(expr)
    if _divisors(plain):
        return True
    return any(not number.is_Integer for number in plain.atoms(sympy.Rational))


def _unrounded(expr: sympy.Expr) -> sympy.Expr:
    """`expr` with each floor and ceiling 1: what of it may be a fraction."""
    return expr.xreplace({r: sympy.Integer(1) for r in expr.atoms(sympy.floor, sympy.ceiling)})


def _divisors(expr: sympy.Expr) -> list[sympy.Symbol]:
    """The symbols `expr` divides by (G of 9CD/G), outside its floors, by name."""
    plain = _unrounded(expr)
    under = {s for p in plain.atoms(sympy.Pow) if p.exp.is_negative for s in p.base.free_symbols}
    return sorted(under, key=lambda s: s.name)


def fractional_at(
    expr: sympy.Expr,
    context: Context,
    parities: Mapping[sympy.Symbol, str] | None = None,
    more_multiples: tuple[tuple[str, str], ...] = (),
) -> tuple[tuple[str, int], ...] | None:
    """Small sizes the symbols may take at which `expr` is not a whole number (each symbol of
    `parities` taken of that parity instead of its own, and each symbol the rubric declares a
    multiple of another, or `more_multiples` (C, G) say is one, a multiple of its value), or
    None where there are none."""
    pairs = multiples(context.symbols) + more_multiples
    relate = dict(context.substitutions)
    related = expr.xreplace(relate)
    if not _judged(related):
        return None
    free = sorted(related.free_symbols, key=lambda s: s.name)
    if not free:
        return None if related.is_Integer else ()
    top = max(4, min(12, int(MAX_POINTS ** (1 / len(free)))))
    choices = [[v for v in range(1, top + 1) if _takes(s, v, parities)] for s in free]
    for point in sorted(_points(choices), key=lambda p: (sum(p), p)):
        values = dict(zip(free, point, strict=True))
        sizes = _related_sizes(values, context, parities)
        if sizes is None or undivided({s.name: v for s, v in sizes.items()}, pairs):
            continue
        value = evaluate(related, values)
        if value is not None and value.denominator != 1:
            return tuple(
                (spec.name, sizes[spec.symbol]) for spec in context.symbols if spec.symbol in sizes
            )
    return None


def _points(choices: list[list[int]]) -> set[tuple[int, ...]]:
    """Every combination of the symbols' sizes where they are at most MAX_POINTS; else every
    combination of two symbols' sizes with the others at their first or second, and each
    symbol at its first, second, ... size at once (a few hundred points for eight symbols)."""
    if math.prod(len(c) for c in choices) <= MAX_POINTS:
        return set(itertools.product(*choices))
    points = {tuple(c[min(k, len(c) - 1)] for c in choices) for k in range(max(map(len, choices)))}
    for i, j in itertools.combinations(range(len(choices)), 2):
        for rest in (0, 1):
            background = [c[min(rest, len(c) - 1)] for c in choices]
            for a, b in itertools.product(choices[i], choices[j]):
                background[i], background[j] = a, b
                points.add(tuple(background))
    return points


def _takes(symbol: sympy.Symbol, value: int, parities) -> bool:
    wanted = (parities or {}).get(symbol)
    if wanted is not None and value % 2 != (1 if wanted == "odd" else 0):
        return False
    return admits(symbol, value)


def _related_sizes(values, context: Context, parities) -> dict | None:
    """`values` with each symbol the relations define (d_k = d/h) at its value there, or None
    where one is not a size it may take."""
    sizes = dict(values)
    for relation in context.relations:
        if not relation.by.free_symbols <= values.keys():
            continue
        value = evaluate(relation.by, values)
        if (
            value is None
            or value.denominator != 1
            or not _takes(relation.eliminated, value, parities)
        ):
            return None
        sizes[relation.eliminated] = int(value)
    return sizes


def whole_answer_problems(item: Item, context: Context) -> list[Problem]:
    """A problem for each answer of a count item (the reference, then each accepted answer)
    that is not a whole number at some sizes its symbols may take."""
    answers: Sequence[tuple[str, object]] = [
        (item.answer_text, item.reference),
        *item.accepted,
    ]
    problems = []
    for number, (text, reading) in enumerate(answers, start=1):
        if reading is None:
            continue
        expr = reading.expr
        sizes = fractional_at(expr, context)
        if sizes is None:
            continue
        what = "answer" if number == 1 else f"accepted answer {number}"
        at = ", ".join(f"{name}={value}" for name, value in sizes)
        where = f" at {at}" if at else ""
        problems.append(
            Problem(
                item.answer_line(number - 1),
                f"{item.key_path}.answer" + ("" if number == 1 else f"[{number - 1}]"),
                f"{item.id}'s {what} {quoted(text)} is not a whole number{where}; "
                f"{_advice(expr, context)}",
            )
        )
    return problems


def _advice(expr: sympy.Expr, context: Context) -> str:
    """ "declare K odd, or round it" where declaring one symbol's parity makes the answer
    whole; "declare C a multiple of G (multiple_of: G under symbols.C), or round it" where
    declaring the sizes it is multiplied by multiples of one it divides by does; "round it"
    otherwise."""
    related = expr.xreplace(dict(context.substitutions))
    for symbol in sorted(related.free_symbols, key=lambda s: s.name):
        if parity(symbol) is not None:
            continue
        for wanted in PARITIES:
            if fractional_at(expr, context, {symbol: wanted}) is None:
                return f"declare {symbol.name} {wanted}, or round it"
    declared = multiples(context.symbols)
    for divisor in _divisors(related):
        sizes = [
            s
            for s in sorted(related.free_symbols, key=lambda s: s.name)
            if s != divisor
            and s.is_integer
            and s.is_positive
            and (s.name, divisor.name) not in declared
        ]
        for chosen in [[s] for s in sizes] + ([sizes] if len(sizes) > 1 else []):
            pairs = tuple((s.name, divisor.name) for s in chosen)
            if fractional_at(expr, context, more_multiples=pairs) is None:
                return _multiple_advice([s.name for s in chosen], divisor.name)
    return "round it"


def _multiple_advice(names: list[str], divisor: str) -> str:
    """ "declare C a multiple of G (multiple_of: G under symbols.C), or round it"."""
    if len(names) == 1:
        return (
            f"declare {names[0]} a multiple of {divisor} (multiple_of: {divisor} under "
            f"symbols.{names[0]}), or round it"
        )
    both = f"{', '.join(names[:-1])} and {names[-1]}"
    under = " and ".join(f"symbols.{n}" for n in names)
    return (
        f"declare {both} multiples of {divisor} (multiple_of: {divisor} under {under}), or round it"
    )
