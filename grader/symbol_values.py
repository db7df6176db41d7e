"""Which values a declared symbol may take, as its `assumptions` say (positive, nonnegative,
nonzero, integer, odd, even).

The sympy symbol the rubric makes for a name carries them (`K` declared `[positive, odd]` is
`Symbol("K", positive=True, odd=True)`), and everything that gives a symbol a value asks here:
the rubric's `example` and `check_sizes`, the default size sets, the sizes moved to where a
formula's arithmetic is whole, the points an expression is compared at, the classes of sizes a
count with floors is compared on, and every counterexample. So a kernel size declared odd is
never given 4, and `\\lfloor K/2 \\rfloor` and `(K-1)/2` are the same answer.

A symbol declared a multiple of another (`C: {multiple_of: G}`, G groups of C channels) is a
relation between two values, which no sympy symbol carries: `multiples` lists the pairs the
rubric declares, and `undivided` says which a set of sizes breaks; whatever chooses a whole set
of sizes asks it (the default size sets, the sizes a formula's arithmetic is moved to, the
sizes a count is checked whole at, every counterexample).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from fractions import Fraction

import sympy

PARITIES = ("odd", "even")
_REMAINDER = {"odd": 1, "even": 0}


def parity(symbol: sympy.Symbol) -> str | None:
    """ "odd" or "even" where the symbol is declared so, else None."""
    if symbol.is_odd:
        return "odd"
    if symbol.is_even:
        return "even"
    return None


def _whole(value) -> int | None:
    """`value` (an int, a Fraction, a float, an mpmath number) as an int, if it is whole."""
    if isinstance(value, int):
        return value
    if isinstance(value, Fraction):
        return int(value) if value.denominator == 1 else None
    try:
        whole = int(value)
    except (TypeError, ValueError, OverflowError):
        return None
    return whole if whole == value else None


def admits(symbol: sympy.Symbol, value) -> bool:
    """Whether `symbol` may take `value`: within its sign (positive, nonnegative, nonzero), a
    whole number where it is an integer, and of its parity where it is odd or even."""
    if symbol.is_positive and value <= 0:
        return False
    if symbol.is_nonnegative and value < 0:
        return False
    if symbol.is_nonzero and value == 0:
        return False
    if symbol.is_integer:
        whole = _whole(value)
        if whole is None:
            return False
        wanted = parity(symbol)
        if wanted is not None and whole % 2 != _REMAINDER[wanted]:
            return False
    return True


def wrong_parity(symbol: sympy.Symbol, value: int) -> str | None:
    """ "odd" or "even" where the symbol is declared so and `value` is not, else None."""
    wanted = parity(symbol)
    if wanted is not None and value % 2 != _REMAINDER[wanted]:
        return wanted
    return None


def nearest_size(symbol: sympy.Symbol, value: int) -> int:
    """`value` where the symbol may take it, else the nearest whole number above 1 it may take
    (the larger of two as near). Keeping a set of sizes apart is its caller's work (the
    default size sets: `grader.rubric.default_size_sets`)."""
    if admits(symbol, value):
        return value
    near = sorted(
        (v for v in range(max(2, value - 3), value + 5) if admits(symbol, v)),
        key=lambda v: (abs(v - value), -v),
    )
    return near[0] if near else value


def multiples(specs: Iterable) -> tuple[tuple[str, str], ...]:
    """(C, G) for each symbol C that the rubric's `SymbolSpec`s declare a multiple of G."""
    return tuple((spec.name, divisor) for spec in specs for divisor in spec.multiple_of)


def undivided(
    values: Mapping[str, int], pairs: Iterable[tuple[str, str]]
) -> tuple[str, str] | None:
    """The first (C, G) of `pairs` whose values in `values` (by name) break it, G's value not
    dividing C's; None where every pair given values holds."""
    for multiple, divisor in pairs:
        if multiple in values and divisor in values and values[multiple] % values[divisor]:
            return multiple, divisor
    return None
