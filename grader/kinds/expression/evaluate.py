"""The value of an expression at a point, over the reals, in high precision (mpmath).

We walk sympy's tree ourselves rather than call `lambdify` (which writes and runs code) or
`evalf` (slow, and complex-valued where a student means a real number). The reals' rules:
an even root or a logarithm of a negative number has no value (`UNDEFINED`), and an odd root
of a negative number is negative, as students write it: (-8)^(1/3) is -2. A value too large
to hold is `UNDEFINED` too, so no evaluation can run away.
"""

from __future__ import annotations

from collections.abc import Mapping

import mpmath
import sympy

PRECISION = 50  # decimal digits
_HUGE = mpmath.mpf(10) ** 100000
_NEAR_INTEGER = mpmath.mpf(10) ** -30


class Undefined(Exception):
    """The expression has no real value at this point."""


class Unsupported(Exception):
    """An expression we do not know how to evaluate: the check must not guess."""


def _checked(value: mpmath.mpf) -> mpmath.mpf:
    if not mpmath.isfinite(value) or abs(value) > _HUGE:
        raise Undefined
    return value


def _power(base: mpmath.mpf, exponent_expr: sympy.Expr, exponent: mpmath.mpf) -> mpmath.mpf:
    if base > 0:
        if abs(exponent * mpmath.log(base)) > 230000:
            raise Undefined  # beyond 10^100000
        return base**exponent
    if base == 0:
        if exponent > 0:
            return mpmath.mpf(0)
        raise Undefined
    if exponent_expr.is_Rational:
        p, q = int(exponent_expr.p), int(exponent_expr.q)
        if q % 2 == 0:
            raise Undefined
        magnitude = mpmath.root(-base, q) ** p
        return -magnitude if p % 2 else magnitude
    nearest = mpmath.nint(exponent)
    if abs(exponent - nearest) < _NEAR_INTEGER:
        return base ** int(nearest)
    raise Undefined


_PERIODIC = {"sin", "cos", "tan", "sec", "csc", "cot", "floor", "ceiling"}
_BEYOND_PRECISION = mpmath.mpf(10) ** (PRECISION - 20)


def _one(name: str, x: mpmath.mpf) -> mpmath.mpf:
    if name in _PERIODIC and abs(x) > _BEYOND_PRECISION:
        # sin(10^40) needs the argument's digits beyond our precision: any value computed
        # would be noise, and two noises agreeing would prove nothing.
        raise Unsupported(f"{name} of a number too large for {PRECISION} digits")
    if name == "exp":
        if x > 230000:
            raise Undefined
        return mpmath.exp(x)
    if name == "log":
        if x <= 0:
            raise Undefined
        return mpmath.log(x)
    if name in ("asin", "acos") and abs(x) > 1:
        raise Undefined
    if name in ("tan", "sec") and abs(mpmath.cos(x)) < _NEAR_INTEGER:
        raise Undefined
    if name in ("cot", "csc") and abs(mpmath.sin(x)) < _NEAR_INTEGER:
        raise Undefined
    if name in ("coth", "csch") and x == 0:
        raise Undefined
    function = _MPMATH.get(name)
    if function is None:
        raise Unsupported(name)
    return function(x)


# The trigonometric and hyperbolic functions, the same over the reals and the complex numbers.
_ELEMENTARY = {
    "sin": mpmath.sin,
    "cos": mpmath.cos,
    "tan": mpmath.tan,
    "sec": mpmath.sec,
    "csc": mpmath.csc,
    "cot": mpmath.cot,
    "asin": mpmath.asin,
    "acos": mpmath.acos,
    "atan": mpmath.atan,
    "sinh": mpmath.sinh,
    "cosh": mpmath.cosh,
    "tanh": mpmath.tanh,
    "coth": mpmath.coth,
    "sech": mpmath.sech,
    "csch": mpmath.csch,
}

_MPMATH = {**_ELEMENTARY, "Abs": abs, "floor": mpmath.floor, "ceiling": mpmath.ceil}


def value(expr: sympy.Expr, point: Mapping[sympy.Symbol, mpmath.mpf]) -> mpmath.mpf:
    """The real value of `expr` at `point`; raises `Undefined` where it has none, and
    `Unsupported` for what we cannot evaluate. Call within `mpmath.workdps(PRECISION)`."""
    if expr.is_Symbol:
        return point[expr]
    if expr.is_Rational:
        return mpmath.mpf(int(expr.p)) / int(expr.q)
    if expr.is_Float:
        return mpmath.mpf(str(expr))
    if expr is sympy.pi:
        return +mpmath.pi
    if expr is sympy.E:
        return +mpmath.e
    if expr is sympy.I:
        raise Undefined  # sympy takes i out of sqrt(-x²): no real value
    if expr.is_Add:
        return _checked(mpmath.fsum(value(arg, point) for arg in expr.args))
    if expr.is_Mul:
        result = mpmath.mpf(1)
        for arg in expr.args:
            result = _checked(result * value(arg, point))
        return result
    if expr.is_Pow:
        base, exponent = expr.args
        if exponent == sympy.S.Half:
            b = value(base, point)
            if b < 0:
                raise Undefined
            return mpmath.sqrt(b)
        return _checked(_power(value(base, point), exponent, value(exponent, point)))
    if isinstance(expr, sympy.exp):
        return _checked(_one("exp", value(expr.args[0], point)))
    if isinstance(expr, (sympy.Max, sympy.Min)):
        values = [value(arg, point) for arg in expr.args]
        return max(values) if isinstance(expr, sympy.Max) else min(values)
    if isinstance(expr, sympy.Function) and len(expr.args) == 1:
        return _checked(_one(type(expr).__name__, value(expr.args[0], point)))
    raise Unsupported(type(expr).__name__)


def real_value(expr: sympy.Expr, point: Mapping[sympy.Symbol, mpmath.mpf]) -> mpmath.mpf | None:
    """`value`, or None where the expression has no real value."""
    try:
        return value(expr, point)
    except (Undefined, ZeroDivisionError):
        return None


_COMPLEX = {"exp": mpmath.exp, "log": mpmath.log, **_ELEMENTARY}


def _complex(expr: sympy.Expr, point: Mapping[sympy.Symbol, mpmath.mpf]):
    if expr.is_Symbol or expr.is_Number or expr in (sympy.pi, sympy.E):
        return value(expr, point)
    arguments = [_complex(arg, point) for arg in expr.args]
    if any(abs(a) > _HUGE for a in arguments):
        raise Undefined
    if expr.is_Add:
        return mpmath.fsum(arguments)
    if expr.is_Mul:
        return mpmath.fprod(arguments)
    if expr.is_Pow:
        base, exponent = arguments
        if base == 0:
            raise Undefined
        return mpmath.power(base, exponent)
    if isinstance(expr, sympy.Abs):
        return abs(arguments[0])
    function = _COMPLEX.get(type(expr).__name__)
    if type(expr).__name__ in _PERIODIC and abs(arguments[0]) > _BEYOND_PRECISION:
        raise Undefined
    if function is None or len(arguments) != 1:
        raise Undefined  # max, min, floor of a complex number: no value
    return function(arguments[0])


def real_through_complex(
    expr: sympy.Expr, point: Mapping[sympy.Symbol, mpmath.mpf]
) -> mpmath.mpf | None:
    """Where `expr` has no real value step by step, its value in the complex numbers
    (principal branches) when that is a real number: sqrt(x-3)·sqrt(x-5) at x = 0 is
    i√3·i√5 = -√15. None when it is not real, or has no value at all."""
    try:
        result = _complex(expr, point)
    except (Undefined, ZeroDivisionError, ValueError, TypeError):
        return None
    if abs(mpmath.im(result)) <= _NEAR_INTEGER * max(abs(result), 1):
        return mpmath.re(result)
    return None
