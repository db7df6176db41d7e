"""A rubric's `relations:` between symbols, such as `d_k: d/h` (the size of one attention
head is the model's width over the number of heads).

A count written with d_k where the rubric writes d/h is right, and a counterexample's sizes
must satisfy the relation. Both follow from one substitution: comparing replaces the
relation's symbol by its value (d_k by d/h) in every count, the student's and the rubric's, so
the comparison and the feedback are in the rubric's own terms; a counterexample gives d_k the
value d/h has at its sizes, and passes over sizes where that is not a whole number.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping

import sympy

from grader.errors import Problem
from grader.kinds.count.rubric import read_count
from grader.model import Relation, SizeSets, SymbolSpec
from grader.symbol_values import admits, undivided
from grader.yaml_source import Fields, Scalar


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
        relations.append(Relation(symbol, parsed.expr, str(node.value), symbol, parsed.expr, line))
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


def related_size_sets(
    size_sets: SizeSets,
    relations: tuple[Relation, ...],
    pairs: tuple[tuple[str, str], ...] = (),
) -> SizeSets:
    """Default size sets changed to satisfy the relations: each related symbol takes its value
    from the others (d_k = d/h); where that is no whole number, the others move to the nearest
    small sizes that give one (d = 6, h = 2 rather than d = 7, h = 2), keeping each symbol
    declared a multiple of another one (`pairs`: C a multiple of d_k)."""
    symbols = {s.name: s for r in relations for s in r.expr.free_symbols}
    free = sorted(set(symbols) - {r.symbol.name for r in relations})
    result = []
    for sizes in size_sets:
        values = dict(sizes)
        candidates = itertools.product(
            *(
                sorted(
                    (v for v in range(2, 13) if admits(symbols[name], v)),
                    key=lambda v, n=name: abs(v - values[n]),
                )
                for name in free
            )
        )
        for choice in itertools.chain([tuple(values[n] for n in free)], candidates):
            trial = {**values, **dict(zip(free, choice, strict=True))}
            if (
                _relate(trial, relations)
                and len(set(trial.values())) == len(trial)
                and undivided(trial, pairs) is None
            ):
                values = trial
                break
        result.append(tuple((name, values[name]) for name, _ in sizes))
    return tuple(result)


def _relate(values: dict[str, int], relations: tuple[Relation, ...]) -> bool:
    """Set each related symbol from the others; False if one is not a positive whole number
    the symbol may take (of its parity, where it is declared odd or even)."""
    for relation in relations:
        at = {s: sympy.Integer(values[s.name]) for s in relation.expr.free_symbols}
        value = relation.expr.xreplace(at)
        if not (value.is_Integer and value > 1):  # a size of 1 hides what it multiplies
            return False
        if not admits(relation.symbol, int(value)):
            return False
        values[relation.symbol.name] = int(value)
    return True


def size_set_problems(
    size_sets: SizeSets, relations: tuple[Relation, ...], line: int | None
) -> list[Problem]:
    """Each set of `check_sizes` (at its `line`; None for the default sets) must satisfy the
    relations."""
    problems = []
    for index, sizes in enumerate(size_sets):
        values = {name: sympy.Integer(value) for name, value in sizes}
        for relation in relations:
            at = {s: values[s.name] for s in relation.expr.free_symbols}
            if relation.expr.xreplace(at) == values[relation.symbol.name]:
                continue
            if line is None:
                problems.append(
                    Problem(
                        relation.line,
                        f"relations.{relation.symbol}",
                        "the default check sizes cannot satisfy it: give check_sizes that do",
                    )
                )
                return problems
            problems.append(
                Problem(
                    line,
                    f"check_sizes[{index}]",
                    f"does not satisfy the relation {relation.symbol} = {relation.text}",
                )
            )
    return problems
