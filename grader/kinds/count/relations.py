"""A rubric's `relations:` between symbols, such as `d_k: d/h` (the size of one attention
head is the model's width over the number of heads).

A count written with d_k where the rubric writes d/h is right, and a counterexample's sizes
must satisfy the relation. Both follow from one substitution: comparing eliminates one symbol
of each relation. For `d_k: d/h` that is d, replaced by d_k·h, so that every choice of d_k and
h, whole numbers, gives sizes that satisfy the relation, and counts stay polynomials. Where
the relation is not of that shape (`n: 2m + 1`), its own symbol is replaced by its value.
"""

from __future__ import annotations

from collections.abc import Mapping

import sympy

from grader.errors import Problem
from grader.kinds.count.rubric import read_count
from grader.model import Relation, SizeSets, SymbolSpec
from grader.yaml_source import Fields, Scalar


def _elimination(symbol: sympy.Symbol, expr: sympy.Expr) -> tuple[sympy.Symbol, sympy.Expr]:
    """Which symbol comparing replaces, and by what: d by d_k·h for d_k = d/h (the numerator
    a lone symbol over a denominator without it), else the relation's own symbol."""
    numerator, denominator = sympy.fraction(sympy.together(expr))
    if denominator != 1 and numerator.is_Symbol and numerator not in denominator.free_symbols:
        return numerator, symbol * denominator
    return symbol, expr


def read_relations(
    fields: Fields, specs: list[SymbolSpec], problems: list[Problem]
) -> tuple[Relation, ...]:
    """`relations: {d_k: d/h}`: each key a declared symbol, each value a count over the others.
    A symbol is related at most once, and no relation's value uses a symbol another relation
    replaces (they would have to be solved together)."""
    entry = fields.mapping("relations", required=False)
    if entry is None:
        return ()
    table: Mapping[str, sympy.Symbol] = {spec.name: spec.symbol for spec in specs}
    relations: list[Relation] = []
    for name, (line, node) in entry[1].entries.items():
        path = f"relations.{name}"
        if name not in table:
            problems.append(
                Problem(line, path, f"{name} is not a declared symbol; declare it under symbols")
            )
            continue
        if not isinstance(node, Scalar) or isinstance(node.value, bool) or node.value is None:
            problems.append(Problem(line, path, "expected a count such as d/h"))
            continue
        parsed = read_count(str(node.value), line, path, table, problems)
        if parsed is None:
            continue
        symbol = table[name]
        if symbol in parsed.expr.free_symbols:
            problems.append(Problem(line, path, f"{name} cannot be defined by itself"))
            continue
        if not parsed.expr.free_symbols:
            problems.append(
                Problem(line, path, f"{name} is a number here; give it as its example instead")
            )
            continue
        eliminated, by = _elimination(symbol, parsed.expr)
        relations.append(Relation(symbol, parsed.expr, str(node.value), eliminated, by, line))
    replaced = {r.eliminated for r in relations}
    for relation in relations:
        used = (relation.by.free_symbols - {relation.eliminated}) & replaced
        others = [r for r in relations if r is not relation and r.eliminated == relation.eliminated]
        if used or others:
            problems.append(
                Problem(
                    relation.line,
                    f"relations.{relation.symbol}",
                    "relations must not chain: a symbol one relation defines cannot appear "
                    "in another",
                )
            )
            return ()
    _check_examples(relations, specs, problems)
    return tuple(relations)


def _check_examples(
    relations: list[Relation], specs: list[SymbolSpec], problems: list[Problem]
) -> None:
    """The symbols' `example` sizes, shown in counterexamples, must satisfy the relations."""
    examples = {spec.symbol: spec.example for spec in specs}
    for relation in relations:
        symbols = relation.expr.free_symbols | {relation.symbol}
        if any(examples.get(s) is None for s in symbols):
            continue
        value = relation.expr.xreplace({s: sympy.Integer(examples[s]) for s in symbols})
        if value != examples[relation.symbol]:
            problems.append(
                Problem(
                    relation.line,
                    f"relations.{relation.symbol}",
                    f"the examples do not satisfy it: {relation.symbol} = "
                    f"{examples[relation.symbol]}, but {relation.text} = {value}",
                )
            )


def related_size_sets(size_sets: SizeSets, relations: tuple[Relation, ...]) -> SizeSets:
    """Default size sets changed to satisfy the relations: each replaced symbol takes its
    value from the others (d = d_k·h)."""
    result = []
    for sizes in size_sets:
        values = dict(sizes)
        for relation in relations:
            at = {s: sympy.Integer(values[s.name]) for s in relation.by.free_symbols}
            value = relation.by.xreplace(at)
            if value.is_Integer and value > 0:
                values[relation.eliminated.name] = int(value)
        result.append(tuple((name, values[name]) for name, _ in sizes))
    return tuple(result)


def size_set_problems(
    size_sets: SizeSets, relations: tuple[Relation, ...], line: int
) -> list[Problem]:
    """Each of the rubric's own `check_sizes` must satisfy the relations."""
    problems = []
    for index, sizes in enumerate(size_sets):
        values = {name: sympy.Integer(value) for name, value in sizes}
        for relation in relations:
            at = {s: values[s.name] for s in relation.expr.free_symbols}
            if relation.expr.xreplace(at) != values[relation.symbol.name]:
                problems.append(
                    Problem(
                        line,
                        f"check_sizes[{index}]",
                        f"does not satisfy the relation {relation.symbol} = {relation.text}",
                    )
                )
    return problems
