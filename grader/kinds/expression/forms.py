"""The forms a rubric may ask an answer to be written in: expanded, factored, in lowest terms,
simplified. Each check looks at the answer as written (its sympy tree, and our AST for the
fractions of numbers that sympy reduces as it builds them), within the same bounds as the
exact comparison, and says None when it cannot tell."""

from __future__ import annotations

import math

import sympy

from grader.kinds.expression.equivalence import (
    MAX_CANCEL_OPS,
    MAX_EXPANDED_TERMS,
    expanded_terms,
    is_rational_function,
)
from grader.kinds.expression.parse import Call, Negate, Node, Number, Power, Product, Sum

FORM_WORDS = {
    "expanded": "expanded (multiplied out)",
    "factored": "fully factored",
    "lowest_terms": "in lowest terms",
    "simplified": "simplified",
    "equation": "as any equation equivalent to the correct one",
}


def _small_polynomial(expr: sympy.Expr) -> bool:
    return (
        sympy.count_ops(expr) <= MAX_CANCEL_OPS
        and is_rational_function(expr)
        and expanded_terms(expr) <= MAX_EXPANDED_TERMS
    )


def is_expanded(expr: sympy.Expr) -> bool | None:
    if sympy.count_ops(expr) > MAX_CANCEL_OPS or expanded_terms(expr) > MAX_EXPANDED_TERMS:
        return None
    return sympy.expand_multinomial(sympy.expand_mul(expr)) == expr


def is_factored(expr: sympy.Expr) -> bool | None:
    if not _small_polynomial(expr):
        return None
    numerator, denominator = sympy.fraction(expr)
    for part in (numerator, denominator):
        factors = part.args if part.is_Mul else (part,)
        for factor in factors:
            base = factor.base if factor.is_Pow else factor
            if base.is_Add and sympy.factor(base) != base:
                return False
    return True


def _number_fractions(node: Node):
    """Every fraction of two whole numbers written in the answer (`4/6`, `\\frac{4}{6}`)."""
    if isinstance(node, Product):
        numbers = [(op, f) for op, f in node.factors if isinstance(f, Number)]
        tops = [f.value for op, f in numbers if op != "/" and f.value.is_Integer]
        bottoms = [f.value for op, f in numbers if op == "/" and f.value.is_Integer]
        if tops and bottoms:
            yield int(math.prod(tops)), int(math.prod(bottoms))
        children = [f for _, f in node.factors]
    elif isinstance(node, Sum):
        children = [t for _, t in node.terms]
    elif isinstance(node, Negate):
        children = [node.operand]
    elif isinstance(node, Power):
        children = [node.base, node.exponent]
    elif isinstance(node, Call):
        children = list(node.arguments)
    else:
        children = []
    for child in children:
        yield from _number_fractions(child)


def in_lowest_terms(expr: sympy.Expr, tree: Node) -> bool | None:
    if any(math.gcd(p, q) != 1 for p, q in _number_fractions(tree)):
        return False
    if not _small_polynomial(expr):
        return None
    numerator, denominator = sympy.fraction(sympy.together(expr))
    if denominator.is_number:
        return True
    return sympy.gcd(numerator, denominator).is_number


def _size(node: Node) -> int:
    """The numbers, names and operations of an answer as written (sympy's tree would already
    have combined `x + x` into 2·x); a product written by juxtaposition, `2x`, costs no
    operation, as a coefficient is part of its term."""
    if isinstance(node, Product):
        written = sum(1 for op, _ in node.factors[1:] if op)
        return written + sum(_size(f) for _, f in node.factors)
    if isinstance(node, Sum):
        return len(node.terms) - 1 + sum(_size(t) for _, t in node.terms)
    if isinstance(node, Negate):
        return 1 + _size(node.operand)
    if isinstance(node, Power):
        return 1 + _size(node.base) + _size(node.exponent)
    if isinstance(node, Call):
        return 1 + sum(_size(a) for a in node.arguments)
    return 1


def is_simplified(tree: Node, reference: Node) -> bool:
    """No more parts than the reference answer has, as written."""
    return _size(tree) <= _size(reference)


def check_form(form: str, expr: sympy.Expr, tree: Node, reference: Node) -> bool | None:
    """Whether `expr` (read from `tree`) is in `form` (`reference`: the reference answer's
    tree); None when that cannot be told. `equation` asks for no form: any equivalent
    equation is right, even one not solved for the name the reference is solved for."""
    if form == "equation":
        return True
    if form == "expanded":
        return is_expanded(expr)
    if form == "factored":
        return is_factored(expr)
    if form == "lowest_terms":
        return in_lowest_terms(expr, tree)
    return is_simplified(tree, reference)
