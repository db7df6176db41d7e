"""Load a question's rubric from YAML into plain dataclasses (`grader.model`), validating
everything.

What every item has (its type, marks, answer, misconceptions, partial credit, labels) is read
here; what only its kind has is read by the kind (`grader.kinds`), which also reads every
reference and misconception answer as students' answers are read, so a rubric that would
mis-read its own answer is refused when it is loaded, with the file, line and key of the
problem. The format is documented in docs/rubrics.md.
"""

from __future__ import annotations

import hashlib
import math
import re
from dataclasses import replace
from pathlib import Path

import sympy

from grader.errors import Caution, Problem, RubricError, WholeProblem
from grader.kinds import KINDS, all_diagnoses, kind_keys, kind_of
from grader.kinds.base import read_misconceptions, read_partial_credit
from grader.kinds.count.relations import read_relations, related_size_sets, size_set_problems
from grader.model import (
    VERDICTS,
    Context,
    Item,
    Part,
    Rubric,
    RubricTest,
    SizeSets,
    SymbolSpec,
    item_name,
)
from grader.symbol_values import PARITIES, admits, multiples, parity, undivided, wrong_parity
from grader.yaml_source import (
    Fields,
    Mapping,
    Scalar,
    Sequence,
    describe_value,
    load_yaml,
    read_bounded_text,
    unknown_choice,
)

ASSUMPTIONS = {"positive", "nonnegative", "integer", "real", "nonzero", *PARITIES}
DEFAULT_ASSUMPTIONS = ("positive", "integer")
_FIRST_SIZES = (5, 4, 3, 2, 6, 7, 8, 9)
_SECOND_SIZES = (6, 7, 2, 3, 5, 4, 9, 8)


def default_size_sets(
    names: list[str],
    symbols: dict[str, sympy.Symbol] | None = None,
    pairs: tuple[tuple[str, str], ...] = (),
) -> SizeSets:
    """Two sets of small sizes at which formulas are compared, unless the rubric gives its own.

    For 22-52-Q4 (P, Q, C, D) they are P=5, Q=4, C=3, D=2 and P=6, Q=7, C=2, D=3: the sizes
    differ within each set, and C and D swap order between them, so a formula that mixes two
    sizes up is caught in at least one; and each symbol differs between the sets, so a formula
    that writes a number for a size (5 for P) is caught in the other. A symbol declared odd or
    even (`symbols`) takes a size of its parity, keeping both properties (`_fit_to_symbols`:
    an odd K after P=5 is 3, not 4). A symbol declared a multiple of another (`pairs`, (C, G)
    for C a multiple of G) takes one of its value (`_fit_to_multiples`).
    """
    sets: list[dict[str, int]] = []
    for base in (_FIRST_SIZES, _SECOND_SIZES):
        values = {name: base[k % len(base)] + 10 * (k // len(base)) for k, name in enumerate(names)}
        if symbols is not None:
            _fit_to_symbols(values, symbols, sets)
            _fit_to_multiples(values, symbols, sets, pairs)
        sets.append(values)
    return tuple(tuple(values.items()) for values in sets)


def _fit_to_multiples(
    values: dict[str, int],
    symbols: dict[str, sympy.Symbol],
    earlier: list[dict[str, int]],
    pairs: tuple[tuple[str, str], ...],
) -> None:
    """Give the symbols of `pairs` (C a multiple of G) sizes that keep them, in one default set:
    a divisor (G) the smallest size it may take, then each multiple (C) the nearest multiple of
    its divisors' sizes to its own size; each a size no earlier set gives it and, where one is
    found below 60, no other symbol of the set has (G=2, C=6 and D=8 beside P=5 and Q=4). A
    size is one that the symbols declared its multiples, directly or not, have a multiple of
    their parity of: an odd K's divisor G is odd."""
    if undivided(values, pairs) is None:
        return
    involved = [n for n in values if any(n in pair for pair in pairs)]
    order: list[str] = []
    while len(order) < len(involved):  # divisors first (`multiple_of` has no cycles)
        ready = [
            n
            for n in involved
            if n not in order and all(d in order for m, d in pairs if m == n and d in values)
        ]
        if not ready:
            return  # a cycle, refused where the rubric is read
        order += ready
    above = {n: {m for m, d in pairs if d == n and m in values} for n in involved}
    for _ in involved:  # the multiples of its multiples too
        above = {n: ms.union(*(above[m] for m in ms)) for n, ms in above.items()}
    used = {v for n, v in values.items() if n not in involved}
    for name in order:
        divisors = [values[d] for m, d in pairs if m == name and d in values]
        step = math.lcm(*divisors) if divisors else 1
        start = values[name] if divisors else 2
        candidates = sorted(
            range(step, 60, step), key=lambda v: (abs(v - start), -v) if divisors else v
        )

        def fits(value: int, name: str = name) -> bool:
            return (
                admits(symbols[name], value)
                and all(e[name] != value for e in earlier)
                and all(any(admits(symbols[m], k * value) for k in (1, 2)) for m in above[name])
            )

        chosen = next((v for v in candidates if v >= 2 and fits(v) and v not in used), None)
        if chosen is None:
            chosen = next((v for v in candidates if v >= 2 and fits(v)), values[name])
        values[name] = chosen
        used.add(chosen)


def _fit_to_symbols(
    values: dict[str, int], symbols: dict[str, sympy.Symbol], earlier: list[dict[str, int]]
) -> None:
    """Give each symbol of `values` (one default set) a size it may take that no earlier set
    gives it, keeping the set's sizes distinct: symbols declared odd or even first, each
    keeping its size where it fits, else taking the nearest that does, by a swap with another
    symbol to which its own size fits or a size the set does not use. Two odd kernel sizes
    are never both 7, and an odd K is not 3 beside a C of 3. Sizes that fit are left alone,
    so the sets of a rubric without odd or even are the plain defaults."""

    def fits(name: str, value: int) -> bool:
        symbol = symbols.get(name)
        return (symbol is None or admits(symbol, value)) and all(e[name] != value for e in earlier)

    names = list(values)
    order = sorted(names, key=lambda n: n not in symbols or parity(symbols[n]) is None)
    for name in order:
        size = values[name]
        if fits(name, size):
            continue
        # (distance, 0 for a swap with a later symbol, 1 for a free size, 2 for a swap with an
        # earlier one, the larger size first): earlier symbols keep their sizes where they can
        choices = [
            (
                abs(values[other] - size),
                2 * (names.index(other) < names.index(name)),
                -values[other],
                other,
            )
            for other in names
            if other != name and fits(name, values[other]) and fits(other, size)
        ]
        used = set(values.values())
        free = next(
            v
            for distance in range(1, 100)
            for v in (size + distance, size - distance)
            if v >= 2 and v not in used and fits(name, v)
        )
        choices.append((abs(free - size), 1, -free, None))
        _, _, _, other = min(choices, key=lambda c: c[:3])
        if other is None:
            values[name] = free
        else:
            values[name], values[other] = values[other], size


_SYMBOL_NAME = re.compile(r"[A-Za-z][A-Za-z0-9]*(_[A-Za-z0-9]+)?")
_PART_KEY = re.compile(r"[A-Za-z0-9]+")


def _make_symbol(name: str, assumptions: tuple[str, ...]) -> sympy.Symbol:
    return sympy.Symbol(name, **dict.fromkeys(assumptions, True))


def _read_symbols(fields: Fields, problems: list[Problem]) -> list[SymbolSpec]:
    entry = fields.mapping("symbols")
    if entry is None:
        return []
    _, node = entry
    specs = []
    declared: list[tuple[str, list[tuple[int, str]]]] = []
    for name, (line, value) in node.entries.items():
        path = f"symbols.{name}"
        if not _SYMBOL_NAME.fullmatch(name):
            problems.append(
                Problem(
                    line,
                    path,
                    "a symbol name is letters and digits, starting "
                    "with a letter, with an optional subscript such as d_k",
                )
            )
            continue
        symbol_fields = Fields(value, path, problems)
        meaning = symbol_fields.text("meaning") or ""
        assumptions: tuple[str, ...] = DEFAULT_ASSUMPTIONS
        listed = symbol_fields.sequence("assumptions", required=False)
        if listed is not None:
            _, sequence = listed
            words = []
            for child in sequence.items:
                word = getattr(child, "value", None)
                if word not in ASSUMPTIONS:
                    problems.append(
                        Problem(
                            child.line,
                            f"{path}.assumptions",
                            f"unknown assumption {word!r}; use any of "
                            + ", ".join(sorted(ASSUMPTIONS)),
                        )
                    )
                else:
                    words.append(word)
            assumptions = tuple(words)
            if set(PARITIES) <= set(words):
                problems.append(
                    Problem(
                        listed[0],
                        f"{path}.assumptions",
                        f"{name} cannot be both odd and even; keep one",
                    )
                )
                assumptions = tuple(w for w in words if w not in PARITIES)
            whole = [w for w in assumptions if w in ("integer", *PARITIES)]
            if "real" in words and whole:
                # `real` is how a rubric says a symbol is not a size (an expression's x): with
                # integer, odd or even it would silently be one
                problems.append(
                    Problem(
                        listed[0],
                        f"{path}.assumptions",
                        f"{name} cannot be both real and {whole[0]}: {whole[0]} makes it a "
                        f"whole number; drop real, or drop {whole[0]} for a symbol that need "
                        "not be whole",
                    )
                )
                assumptions = tuple(w for w in assumptions if w != "real")
        symbol = _make_symbol(name, assumptions)
        example = symbol_fields.integer("example", required=False)
        example_line = symbol_fields.node.entries["example"][0] if example is not None else 0
        if example is not None and example < 1:
            problems.append(Problem(example_line, f"{path}.example", "must be a positive integer"))
            example = None
        elif example is not None and wrong_parity(symbol, example):
            problems.append(
                Problem(
                    example_line,
                    f"{path}.example",
                    f"{name} is declared {wrong_parity(symbol, example)}, but its example is "
                    f"{example}",
                )
            )
            example = None
        divisors = _read_divisor_names(symbol_fields)
        symbol_fields.finish()
        specs.append(SymbolSpec(name, meaning, assumptions, example, symbol))
        if divisors:
            declared.append((name, divisors))
    if not specs:
        problems.append(Problem(fields.line, "symbols", "declare at least one symbol"))
    return _read_multiples(specs, declared, problems)


def _read_divisor_names(fields: Fields) -> list[tuple[int, str]]:
    """`multiple_of: G` or `multiple_of: [G, H]`: each name given, with its line."""
    entry = fields.raw("multiple_of", required=False)
    if entry is None:
        return []
    line, node = entry
    children = node.items if isinstance(node, Sequence) else [node]
    names = []
    for child in children:
        value = getattr(child, "value", None)
        if isinstance(child, Scalar) and isinstance(value, str) and value.strip():
            names.append((child.line or line, value.strip()))
        else:
            fields.problem(
                getattr(child, "line", line) or line,
                "multiple_of",
                f"expected a symbol's name such as G, or a list of them, found "
                f"{describe_value(child)}",
            )
    return names


def _read_multiples(
    specs: list[SymbolSpec],
    declared: list[tuple[str, list[tuple[int, str]]]],
    problems: list[Problem],
) -> list[SymbolSpec]:
    """`specs` with each symbol's `multiple_of` (C a multiple of G: G divides C), once each
    name is checked: a declared size other than the symbol itself, no cycle (C a multiple of
    G, G of C), not an odd multiple of an even symbol, and the examples satisfying it."""
    by_name = {spec.name: spec for spec in specs}
    kept: dict[str, list[tuple[int, str]]] = {}
    for name, divisors in declared:
        path = f"symbols.{name}.multiple_of"
        for line, divisor in divisors:
            message = None
            if divisor not in by_name:
                message = f"{divisor} is not a declared symbol; declare it under symbols"
            elif divisor == name:
                message = f"{name} cannot be a multiple of itself"
            else:
                for other in (name, divisor):
                    symbol = by_name[other].symbol
                    if not (symbol.is_integer and symbol.is_positive):
                        message = (
                            f"{other} is not a size: multiple_of relates symbols declared "
                            "positive and integer (the default)"
                        )
                        break
                else:
                    if (
                        parity(by_name[name].symbol) == "odd"
                        and parity(by_name[divisor].symbol) == "even"
                    ):
                        message = f"{name} is declared odd, so the even {divisor} never divides it"
            if message is not None:
                problems.append(Problem(line, path, message))
                continue
            example, divisor_example = by_name[name].example, by_name[divisor].example
            if example is not None and divisor_example is not None and example % divisor_example:
                problems.append(
                    Problem(
                        line,
                        path,
                        f"the examples give {name}={example}, which {divisor}={divisor_example} "
                        "does not divide",
                    )
                )
            if divisor not in (d for _, d in kept.get(name, [])):
                kept.setdefault(name, []).append((line, divisor))
    for name, divisors in list(kept.items()):
        for line, divisor in divisors:
            cycle = _multiple_cycle(divisor, name, kept)
            if cycle is not None:
                problems.append(
                    Problem(
                        line,
                        f"symbols.{name}.multiple_of",
                        "a cycle: "
                        + ", ".join(f"{a} is a multiple of {b}" for a, b in cycle)
                        + "; drop one",
                    )
                )
                kept.clear()  # said once; the sizes need not honour a cycle
                break
    return [
        replace(spec, multiple_of=tuple(d for _, d in kept.get(spec.name, ()))) for spec in specs
    ]


def _multiple_cycle(
    start: str, goal: str, kept: dict[str, list[tuple[int, str]]]
) -> list[tuple[str, str]] | None:
    """The chain of `multiple_of` from `goal` through `start` back to `goal`, if there is one."""
    path = [(goal, start)]
    seen = {start}

    def walk(name: str) -> bool:
        if name == goal:
            return True
        for _, divisor in kept.get(name, []):
            if divisor in seen and divisor != goal:
                continue
            seen.add(divisor)
            path.append((name, divisor))
            if walk(divisor):
                return True
            path.pop()
        return False

    return path if walk(start) else None


# The keys every item may have (each kind reads more: `kind_keys`).
_ITEM_KEYS = ("type", "marks", "answer", "misconceptions", "label", "aliases")


def _read_item(
    part: str,
    key: str,
    line: int,
    node: Mapping,
    context: Context,
    problems: list[Problem],
) -> Item | None:
    path = f"parts.{part}.items.{key}"
    fields = Fields(node, path, problems, key_line=line)
    kind = KINDS.get(fields.choice("type", tuple(KINDS), "item type") or "")
    marks = fields.number("marks")
    answers = _read_answers(fields)
    answer = answers[0] if answers else None
    spec = None
    if kind is None:
        # The type is wrong or missing: do not also call its type's keys unknown.
        fields.seen.update(kind_keys())
    else:
        spec = kind.read_spec(fields, marks, context, problems)

    def read(text: str, line: int, path: str, misconception: bool = False):
        return kind.read_answer(
            text, line, path, context, spec, problems, misconception=misconception
        )

    usable = kind is not None and spec is not None
    misconceptions = read_misconceptions(fields, marks, problems, read if usable else None)
    partial_credit: dict[str, float] = {}
    if kind is not None and kind.diagnoses:
        partial_credit = read_partial_credit(fields, kind.diagnoses, marks, problems)
    label = fields.text("label", required=False)
    aliases = [label] if label else []
    listed = fields.sequence("aliases", required=False)
    if listed is not None:
        for child in listed[1].items:
            if isinstance(child, Scalar) and isinstance(child.value, str) and child.value.strip():
                aliases.append(child.value)
            else:
                problems.append(Problem(child.line, f"{path}.aliases", "an alias is some text"))
    fields.finish()
    if kind is None or marks is None or answer is None or spec is None:
        return None
    text, answer_line = answer
    reference = read(text, answer_line, f"{path}.answer")
    accepted = []
    answer_lines = [answer_line]
    for index, (other, other_line) in enumerate(answers[1:], start=1):
        before = len(problems)
        reading = read(other, other_line, f"{path}.answer[{index}]")
        if reading is None and len(problems) == before:  # the kind compares no answers
            problems.append(
                Problem(
                    other_line,
                    f"{path}.answer",
                    f"a {kind.name} item takes one answer, not a list",
                )
            )
            break
        accepted.append((other.strip(), reading))
        answer_lines.append(other_line)
    return Item(
        id=f"{part}.{key}",
        part=part,
        key=key,
        type=kind.name,
        marks=marks,
        answer_text=text.strip(),
        reference=reference,
        accepted=tuple(accepted),
        answer_lines=tuple(answer_lines),
        misconceptions=tuple(misconceptions),
        line=node.line,
        spec=spec,
        partial_credit=partial_credit,
        labels=tuple(item_name(a) for a in aliases),
        label=" ".join((label or "").split()),
    )


def _read_answers(fields: Fields) -> list[tuple[str, int]]:
    """`answer:` one answer, or a list of the answers the rubric accepts (the first is the
    one shown as the reference); each (text, line)."""
    entry = fields.raw("answer", required=True)
    if entry is None:
        return []
    line, value = entry
    if not isinstance(value, Sequence):
        answer = fields.answer("answer")
        return [] if answer is None else [answer]
    answers = []
    for child in value.items:
        one = Fields(
            Mapping(child.line, {"answer": (child.line, child)}), fields.path, fields.problems
        )
        answer = one.answer("answer")
        if answer is not None:
            answers.append(answer)
    if not value.items:
        fields.problem(line, "answer", "give at least one answer")
    return answers


def _read_parts(fields: Fields, context: Context, problems: list[Problem]) -> list[Part]:
    entry = fields.mapping("parts")
    if entry is None:
        return []
    parts_line, node = entry
    parts = []
    for key, (line, value) in node.entries.items():
        path = f"parts.{key}"
        if not _PART_KEY.fullmatch(key):
            problems.append(Problem(line, path, "a part name is letters and digits, e.g. a"))
            continue
        part_fields = Fields(value, path, problems)
        marks = part_fields.number("marks")
        prompt = (part_fields.text("prompt") or "").strip()
        items_entry = part_fields.mapping("items")
        part_fields.finish()
        if items_entry is None:
            continue
        items = []
        above = None  # the item before this one
        for item_key, (item_line, item_node) in items_entry[1].entries.items():
            if not isinstance(item_node, Mapping) and item_key in _ITEM_KEYS + kind_keys():
                # an item's key indented as an item, the usual slip
                problems.append(
                    Problem(
                        item_line,
                        f"{path}.items.{item_key}",
                        f"{item_key} is a key of an item, not an item of the part: indent it "
                        "under the item it belongs to" + (f" ({above}, above it)" if above else ""),
                    )
                )
                continue
            above = item_key
            if not _PART_KEY.fullmatch(item_key):
                problems.append(
                    Problem(
                        item_line,
                        f"{path}.items.{item_key}",
                        "an item name is letters and digits, e.g. params",
                    )
                )
                continue
            item = _read_item(key, item_key, item_line, item_node, context, problems)
            if item is not None:
                items.append(item)
        _check_item_names(items_entry[1], path, problems)
        if not items_entry[1].entries:
            problems.append(Problem(items_entry[0], f"{path}.items", "a part needs an item"))
        if marks is not None and items and len(items) == len(items_entry[1].entries):
            item_total = sum(item.marks for item in items)
            if abs(item_total - marks) > 1e-9:
                problems.append(
                    Problem(
                        line,
                        f"{path}.marks",
                        f"the part has {marks:g} marks but its items add up to {item_total:g}",
                    )
                )
        parts.append(Part(key, marks or 0.0, prompt, tuple(items)))
    if not node.entries:
        problems.append(Problem(parts_line, "parts", "a rubric needs at least one part"))
    return parts


def _check_item_names(items: Mapping, path: str, problems: list[Problem]) -> None:
    """Every key and `label` of a part's items (in any case) names one item: a label shared
    by two items, or one that is another item's key or alias, would credit the first item
    with a Markdown answer so labelled and leave the other missing. An alias two items share
    (`Entry` for two entries) is allowed: a script's answer so named goes to a person
    (tests/test_transcript_shared_items.py)."""
    owners: dict[str, tuple[str, str]] = {}  # folded name -> (item key, what it is there)
    for item_key, (item_line, item_node) in items.entries.items():
        names = [(item_line, f"{path}.items.{item_key}", item_key, "key")]
        entries = item_node.entries if isinstance(item_node, Mapping) else {}
        if "label" in entries:
            line, label = entries["label"]
            names.append((line, f"{path}.items.{item_key}.label", label, "label"))
        if "aliases" in entries and isinstance(entries["aliases"][1], Sequence):
            for child in entries["aliases"][1].items:
                names.append((child.line, f"{path}.items.{item_key}.aliases", child, "alias"))
        for line, key, node, what in names:
            value = node if isinstance(node, str) else getattr(node, "value", None)
            if not isinstance(value, str) or not value.strip():
                continue
            folded = item_name(value)
            owner = owners.setdefault(folded, (item_key, what))
            if owner[0] != item_key and (owner[1], what) != ("alias", "alias"):
                problems.append(
                    Problem(
                        line,
                        key,
                        f"{what} {value.strip()!r} is also the {owner[1]} of {path}.items."
                        f"{owner[0]}: a submission's answer so labelled would be credited to "
                        "one item only; give each item its own labels",
                    )
                )


def _read_tests(
    fields: Fields, items: dict[str, Item], problems: list[Problem]
) -> list[RubricTest]:
    entry = fields.sequence("tests", required=False)
    if entry is None:
        return []
    declared = _declared_items(fields)
    tests = []
    for index, node in enumerate(entry[1].items):
        path = f"tests[{index}]"
        test = Fields(node, path, problems)
        item_id = test.text("item")
        if item_id is not None and item_id not in items:
            # An item the parts declare, but with a problem of its own, said already: its tests
            # are not run, and not called tests of an unknown item.
            if item_id not in declared:
                line = test.node.entries["item"][0]
                test.problem(line, "item", unknown_choice("item", item_id, declared))
            item_id = None
        answer = test.answer("answer")
        verdict = test.choice("verdict", VERDICTS, "verdict")
        marks = test.number("marks", required=False)
        misconception = test.integer("misconception", required=False)
        kind = kind_of(items[item_id]) if item_id is not None else None
        if kind is not None and not kind.diagnoses and test.has("diagnosis"):
            line = test.node.entries["diagnosis"][0]
            test.raw("diagnosis", required=False)  # read: not an unknown key as well
            test.problem(line, "diagnosis", f"{item_id} is a {kind.name} item: it has none")
            diagnosis = None
        else:  # the item's kind's diagnoses, or, for an unknown item, any kind's
            named = kind.diagnoses if kind is not None else all_diagnoses()
            diagnosis = test.choice("diagnosis", named, "diagnosis", required=False)
        test.finish()
        if (
            misconception is not None
            and item_id in items
            and not (1 <= misconception <= len(items[item_id].misconceptions))
        ):
            # Where the item's part has a problem said already (`misconception:` for
            # `misconceptions:`, the list indented as an item), the count is that problem's.
            part = f"parts.{items[item_id].part}."
            if not any(problem.key.startswith(part) for problem in problems):
                problems.append(
                    Problem(
                        node.line,
                        f"{path}.misconception",
                        f"{item_id} has {len(items[item_id].misconceptions)} misconceptions; "
                        "number them from 1",
                    )
                )
            continue
        if item_id is None or answer is None or verdict is None:
            continue
        tests.append(
            RubricTest(item_id, answer[0], verdict, marks, misconception, diagnosis, node.line)
        )
    return tests


def _declared_items(fields: Fields) -> list[str]:
    """The id of every item the rubric's parts declare, read or not, in their order."""
    parts = fields.node.entries.get("parts") if isinstance(fields.node, Mapping) else None
    if parts is None or not isinstance(parts[1], Mapping):
        return []
    declared = []
    for part, (_, part_node) in parts[1].entries.items():
        items = part_node.entries.get("items") if isinstance(part_node, Mapping) else None
        if items is not None and isinstance(items[1], Mapping):
            declared += [f"{part}.{key}" for key in items[1].entries]
    return declared


def _read_size_sets(
    fields: Fields,
    symbols: dict[str, sympy.Symbol],
    problems: list[Problem],
    pairs: tuple[tuple[str, str], ...] = (),
) -> SizeSets:
    """`check_sizes`: the sizes at which formulas are compared; two sets by default. A symbol
    that is not a whole number (`x` of an expression item, declared real) need not be given:
    it takes the default sets' value. A size of the wrong parity for a symbol declared odd or
    even is refused at its line, and a set in which a symbol declared a multiple of another
    (`pairs`) is not one at the set's line."""
    entry = fields.sequence("check_sizes", required=False)
    names = list(symbols)
    not_sizes = {name for name, symbol in symbols.items() if not symbol.is_integer}
    defaults = default_size_sets(names, symbols, pairs)
    if entry is None:
        return defaults
    sets = []
    for index, node in enumerate(entry[1].items):
        sizes = Fields(node, f"check_sizes[{index}]", problems)
        values = []
        for name in names:
            if name in not_sizes and not sizes.has(name):
                values.append((name, dict(defaults[index % len(defaults)])[name]))
                continue
            value = sizes.integer(name)
            if value is not None and not 1 <= value <= 50:
                sizes.problem(node.line, name, "must be a whole number from 1 to 50")
            elif value is not None and wrong_parity(symbols[name], value):
                sizes.problem(
                    sizes.node.entries[name][0],
                    name,
                    f"{name} is declared {wrong_parity(symbols[name], value)}, but "
                    f"check_sizes[{index}] gives it {value}",
                )
            values.append((name, value or 1))
        sizes.finish()
        broken = undivided(dict(values), pairs)
        if broken is not None and all(sizes.has(name) for name in broken):
            multiple, divisor = broken
            fields.problem(
                node.line,
                f"check_sizes[{index}]",
                f"check_sizes[{index}] gives {multiple}={dict(values)[multiple]}, which "
                f"{divisor}={dict(values)[divisor]} does not divide ({multiple} is declared a "
                f"multiple of {divisor})",
            )
        sets.append(tuple(values))
    if len(sets) < 2:
        fields.problem(entry[0], "check_sizes", "give at least two sets of sizes")
    return tuple(sets)


def _same_size_warnings(
    fields: Fields, size_sets: SizeSets, symbols: dict[str, sympy.Symbol]
) -> list[Problem]:
    """A warning where the rubric's `check_sizes` give two size symbols the same value in
    every set: formulas are compared at these sets only, so one that swaps the two is taken
    for the same layer. Equal in one set only is not said: another set tells them apart."""
    if not fields.has("check_sizes") or len(size_sets) < 2:
        return []
    line = fields.node.entries["check_sizes"][0]
    alike: dict[tuple[int, ...], list[str]] = {}
    for name, symbol in symbols.items():
        if symbol.is_integer:
            alike.setdefault(tuple(dict(s)[name] for s in size_sets), []).append(name)
    warnings: list[Problem] = []
    for values, names in alike.items():
        if len(names) < 2:
            continue
        both = f"{', '.join(names[:-1])} and {names[-1]}"
        # three or more: two of them apart still leave the third like one of those two
        swapped, fix = (
            ("any two of them", "each of them a different value")
            if len(names) > 2
            else ("them", "them different values")
        )
        warnings.append(
            Caution(
                line,
                "check_sizes",
                f"every set gives {both} the same value ({', '.join(map(str, values))}): a "
                f"formula that swaps {swapped} is not told apart at these sizes; give "
                f"{fix} in one set",
            )
        )
    return warnings


def _read_parts_at_whole_sizes(
    fields: Fields, context: Context, problems: list[Problem]
) -> tuple[list[Part], Context]:
    """The parts, read at default sizes moved where formulas' arithmetic such as (K-1)/2 or
    C/G is whole (`grader.kinds.formula.sizes`), and the context they were read in; sizes the
    rubric gives, or that relations set, are never moved."""
    defaults = context.size_sets
    conditions: frozenset = frozenset()
    for _ in range(3):
        found: list[Problem] = []
        parts = _read_parts(fields, context, found)
        fractional = [p for p in found if isinstance(p, WholeProblem)]
        if not fractional or fields.has("check_sizes") or context.relations:
            break
        from grader.kinds.formula.sizes import whole_size_sets  # the formulas' kind, loaded

        conditions = conditions.union(*(p.conditions for p in fractional))
        chosen = whole_size_sets(defaults, conditions, multiples(context.symbols))
        if chosen is None or chosen == context.size_sets:
            break
        context = replace(context, size_sets=chosen)
    else:
        found = []
        parts = _read_parts(fields, context, found)
    problems.extend(found)
    return parts, context


def load_rubric(path: Path | str) -> Rubric:
    """Load and validate a rubric file, or raise `RubricError` listing every problem found.
    A rubric given as a symbolic link is followed: an instructor links it on purpose."""
    path = Path(path)
    return load_rubric_text(read_bounded_text(path, RubricError, follow_links=True), str(path))


def load_rubric_text(text: str, path: str) -> Rubric:
    """Validate a rubric given as text; `path` names it in error messages."""
    root = load_yaml(path, text, RubricError)
    problems: list[Problem] = []
    fields = Fields(root, "", problems)
    question_id = fields.text("id")
    title = fields.text("title", required=False, default="") or ""
    specs = _read_symbols(fields, problems)
    symbols = {spec.name: spec.symbol for spec in specs}
    size_sets = _read_size_sets(fields, symbols, problems, multiples(specs))
    warnings = _same_size_warnings(fields, size_sets, symbols)
    relations = read_relations(fields, specs, problems)
    if relations:
        if not fields.has("check_sizes"):
            size_sets = related_size_sets(size_sets, relations, multiples(specs))
        line = fields.node.entries["check_sizes"][0] if fields.has("check_sizes") else None
        problems.extend(size_set_problems(size_sets, relations, line))
    context = Context(tuple(specs), size_sets, relations=relations)
    parts, context = _read_parts_at_whole_sizes(fields, context, problems)
    tests = _read_tests(fields, {i.id: i for p in parts for i in p.items}, problems)
    fields.finish()
    if problems or question_id is None:
        raise RubricError(path, problems)
    return Rubric(
        id=question_id,
        title=title,
        path=str(path),
        context=replace(context, items=tuple(item for part in parts for item in part.items)),
        parts=tuple(parts),
        sha256=hashlib.sha256(text.encode("utf-8")).hexdigest(),
        source_text=text,
        tests=tuple(tests),
        warnings=tuple(warnings),
    )
