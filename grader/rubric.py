"""Load a question's rubric from YAML into plain dataclasses, validating everything.

Every reference and misconception answer goes through the same parser as students' answers
(`grader.parse`), so a rubric that would mis-read its own answer is refused when it is loaded,
with the file, line and key of the problem. The format is documented in README.md.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path

import sympy

from grader.concepts import Concept, Pattern
from grader.errors import AnswerError, Problem, RubricError
from grader.formula import Formula, LayerSpec, TensorSpec, parse_formula
from grader.layer import instantiate
from grader.parse import ParsedAnswer, parse
from grader.yaml_source import Fields, Mapping, Scalar, load_yaml, read_bounded_text

ITEM_TYPES = ("count", "formula", "text")
ASSUMPTIONS = {"positive", "nonnegative", "integer", "real", "nonzero"}
DEFAULT_ASSUMPTIONS = ("positive", "integer")
# Generic diagnoses of a wrong count (see grader.check); a rubric may award marks for each.
DIAGNOSES = (
    "bias_missing",
    "bias_extra",
    "symbols_swapped",
    "symbol_replaced",
    "constant_factor",
    "factor_missing",
    "factor_extra",
    "term_missing",
    "term_factor",
)
# What can be wrong with a layer formula (see grader.formula_check); marks for each likewise.
FORMULA_DIAGNOSES = (
    "not_fully_connected",
    "fully_connected",
    "kernel_size",
    "connectivity",
    "channel_independent",
    "unshared_weights",
    "shared_weights",
    "weight_sharing",
    "bias_missing",
    "bias_extra",
    "bias_shared",
    "bias_unshared",
    "fixed_term",
    "range",
    "reads_outside",
    "shape",
    "different",
)
COUNT_KEYS = ("bias", "bias_included", "partial_credit", "concepts", "input", "output", "padding")
PADDING = ("zero", "none")
SizeSets = tuple[tuple[tuple[str, int], ...], ...]
_FIRST_SIZES = (5, 4, 3, 2, 6, 7, 8, 9)
_SECOND_SIZES = (6, 7, 2, 3, 5, 4, 9, 8)


def default_size_sets(names: list[str]) -> tuple[tuple[tuple[str, int], ...], ...]:
    """Two sets of small sizes at which formulas are compared, unless the rubric gives its own.

    For 22-52-Q4 (P, Q, C, D) they are P=5, Q=4, C=3, D=2 and P=6, Q=7, C=2, D=3: the sizes
    differ within each set, and C and D swap order between them, so a formula that mixes two
    sizes up is caught in at least one.
    """
    return tuple(
        tuple((name, base[k % len(base)] + 10 * (k // len(base))) for k, name in enumerate(names))
        for base in (_FIRST_SIZES, _SECOND_SIZES)
    )


_SYMBOL_NAME = re.compile(r"[A-Za-z][A-Za-z0-9]*(_[A-Za-z0-9]+)?")
_PART_KEY = re.compile(r"[A-Za-z0-9]+")


@dataclass(frozen=True)
class SymbolSpec:
    name: str
    meaning: str
    assumptions: tuple[str, ...]
    example: int | None
    symbol: sympy.Symbol


@dataclass(frozen=True)
class Misconception:
    answer_text: str
    answer: ParsedAnswer | None  # a count's answer; None for other item types
    feedback: str
    marks: float
    line: int
    formula: Formula | None = None  # a formula item's answer


@dataclass(frozen=True)
class Item:
    id: str  # "a.params"
    part: str
    key: str
    type: str
    marks: float
    answer_text: str
    answer: ParsedAnswer | None
    misconceptions: tuple[Misconception, ...]
    line: int
    bias: ParsedAnswer | None = None
    bias_included: bool = True
    partial_credit: dict[str, float] = field(default_factory=dict)
    labels: tuple[str, ...] = ()  # how submissions may name it: its key, label and aliases
    concepts: tuple[Concept, ...] = ()  # text items: what an explanation should say
    formula: Formula | None = None  # formula items: the reference, read like students' answers
    layer: LayerSpec | None = None  # formula items: the input and output tensors

    def answers_to(self, name: str) -> bool:
        """Whether a submission's `name` for an answer (any case) means this item."""
        folded = " ".join(name.split()).casefold()
        return folded == self.key.casefold() or folded in self.labels


@dataclass(frozen=True)
class RubricTest:
    """A self-test: grading `answer` for `item_id` must give this verdict (and marks, rule)."""

    item_id: str
    answer: str
    verdict: str
    marks: float | None
    misconception: int | None  # 1-based, as results name them
    diagnosis: str | None
    line: int


@dataclass(frozen=True)
class Part:
    key: str
    marks: float
    prompt: str
    items: tuple[Item, ...]


@dataclass(frozen=True)
class Rubric:
    id: str
    title: str
    path: str
    symbols: tuple[SymbolSpec, ...]
    parts: tuple[Part, ...]
    sha256: str
    source_text: str = field(default="", repr=False, compare=False)
    tests: tuple[RubricTest, ...] = ()
    size_sets: tuple[tuple[tuple[str, int], ...], ...] = ()  # where formulas are compared

    @property
    def symbol_table(self) -> dict[str, sympy.Symbol]:
        return {spec.name: spec.symbol for spec in self.symbols}

    @property
    def items(self) -> dict[str, Item]:
        return {item.id: item for part in self.parts for item in part.items}

    def item_for(self, part: str, name: str) -> Item | None:
        """The item of `part` that a submission calls `name` (its key, label or an alias)."""
        for candidate in self.parts:
            if candidate.key.casefold() == part.casefold():
                return next((i for i in candidate.items if i.answers_to(name)), None)
        return None

    @property
    def max_total(self) -> float:
        return sum(part.marks for part in self.parts)


def _make_symbol(name: str, assumptions: tuple[str, ...]) -> sympy.Symbol:
    return sympy.Symbol(name, **dict.fromkeys(assumptions, True))


def _read_symbols(fields: Fields, problems: list[Problem]) -> list[SymbolSpec]:
    entry = fields.mapping("symbols")
    if entry is None:
        return []
    _, node = entry
    specs = []
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
        example = symbol_fields.integer("example", required=False)
        if example is not None and example < 1:
            example_line = symbol_fields.node.entries["example"][0]
            problems.append(Problem(example_line, f"{path}.example", "must be a positive integer"))
            example = None
        symbol_fields.finish()
        specs.append(
            SymbolSpec(name, meaning, assumptions, example, _make_symbol(name, assumptions))
        )
    if not specs:
        problems.append(Problem(fields.line, "symbols", "declare at least one symbol"))
    return specs


def _parse_answer(
    text: str, line: int, path: str, symbols: dict[str, sympy.Symbol], problems: list[Problem]
) -> ParsedAnswer | None:
    try:
        parsed = parse(text, symbols)
    except AnswerError as error:
        caret = error.caret()
        detail = f"\n      {caret.replace(chr(10), chr(10) + '      ')}" if caret else ""
        problems.append(Problem(line, path, f"cannot read {text!r}: {error}{detail}"))
        return None
    if len(parsed.sides) > 1:
        problems.append(Problem(line, path, "a rubric answer is one expression, not a chain"))
        return None
    return parsed


def _parse_formula(
    text: str,
    line: int,
    path: str,
    symbols: dict[str, sympy.Symbol],
    layer: LayerSpec,
    problems: list[Problem],
    size_sets: SizeSets,
) -> Formula | None:
    """A rubric's formula, read like a student's and instantiated at the sizes it will be
    checked at, so that one too large to check is refused here, not blamed on students."""
    try:
        formula = parse_formula(text, symbols, layer)
    except AnswerError as error:
        caret = error.caret()
        detail = f"\n      {caret.replace(chr(10), chr(10) + '      ')}" if caret else ""
        problems.append(Problem(line, path, f"cannot read {text!r}: {error}{detail}"))
        return None
    if formula.shape_problem is not None:
        problems.append(Problem(line, path, formula.shape_problem))
        return None
    for sizes in size_sets:
        try:
            instantiate(formula, layer, dict(sizes))
        except AnswerError as error:
            problems.append(Problem(line, path, f"cannot check {text!r}: {error.message}"))
            return None
    return formula


def _read_misconceptions(
    fields: Fields,
    item_type: str,
    marks: float | None,
    symbols: dict[str, sympy.Symbol],
    problems: list[Problem],
    layer: LayerSpec | None = None,
    size_sets: SizeSets = (),
) -> list[Misconception]:
    entry = fields.sequence("misconceptions", required=False)
    if entry is None:
        return []
    _, sequence = entry
    result = []
    for index, node in enumerate(sequence.items):
        path = f"{fields.path}.misconceptions[{index}]"
        rule = Fields(node, path, problems)
        answer = rule.answer("answer")
        feedback = (rule.text("feedback") or "").strip()
        rule_marks = rule.number("marks", required=False, default=0.0)
        rule.finish()
        if answer is None:
            continue
        text, line = answer
        if marks is not None and rule_marks is not None and rule_marks >= marks:
            problems.append(
                Problem(
                    node.line,
                    f"{path}.marks",
                    f"a misconception must earn less than the item's {marks:g} marks",
                )
            )
        parsed = (
            _parse_answer(text, line, f"{path}.answer", symbols, problems)
            if item_type == "count"
            else None
        )
        formula = (
            _parse_formula(text, line, f"{path}.answer", symbols, layer, problems, size_sets)
            if item_type == "formula" and layer is not None
            else None
        )
        result.append(Misconception(text, parsed, feedback, rule_marks or 0.0, node.line, formula))
    return result


def _read_patterns(fields: Fields, key: str, required: bool) -> list[Pattern]:
    entry = fields.sequence(key, required=required)
    if entry is None:
        return []
    patterns = []
    for child in entry[1].items:
        if isinstance(child, Scalar) and isinstance(child.value, str) and child.value.split():
            patterns.append(Pattern.compile(child.value))
        else:
            fields.problem(child.line, key, "a pattern is some words, e.g. 'same|shared weight'")
    if required and not entry[1].items:
        fields.problem(entry[0], key, "give at least one pattern")
    return patterns


def _read_concepts(fields: Fields, marks: float | None, problems: list[Problem]) -> list[Concept]:
    entry = fields.sequence("concepts", required=False)
    if entry is None:
        return []
    concepts = []
    for index, node in enumerate(entry[1].items):
        concept = Fields(node, f"{fields.path}.concepts[{index}]", problems)
        name = concept.text("name", required=False, default=f"concept {index + 1}")
        concept_marks = concept.number("marks")
        description = (concept.text("description") or "").strip()
        evidence = _read_patterns(concept, "evidence", required=True)
        contradictions = _read_patterns(concept, "contradictions", required=False)
        concept.finish()
        if concept_marks is not None and evidence:
            concepts.append(
                Concept(
                    name or "",
                    concept_marks,
                    description,
                    tuple(evidence),
                    tuple(contradictions),
                    node.line,
                )
            )
    total = sum(c.marks for c in concepts)
    if (
        marks is not None
        and concepts
        and len(concepts) == len(entry[1].items)
        and (abs(total - marks) > 1e-9)
    ):
        fields.problem(
            entry[0],
            "concepts",
            f"the concepts' marks add up to {total:g}, not the item's {marks:g}",
        )
    return concepts


def _read_partial_credit(
    fields: Fields, kinds: tuple[str, ...], marks: float | None, problems: list[Problem]
) -> dict[str, float]:
    credit = fields.mapping("partial_credit", required=False)
    if credit is None:
        return {}
    credit_fields = Fields(credit[1], f"{fields.path}.partial_credit", problems)
    partial_credit = {}
    for diagnosis in kinds:
        value = credit_fields.number(diagnosis, required=False)
        if value is not None:
            if marks is not None and value >= marks:
                credit_fields.problem(
                    credit[1].entries[diagnosis][0],
                    diagnosis,
                    f"must be less than the item's {marks:g} marks",
                )
            partial_credit[diagnosis] = value
    credit_fields.finish()
    return partial_credit


def _read_tensor(
    fields: Fields, key: str, symbols: dict[str, sympy.Symbol], problems: list[Problem]
) -> TensorSpec | None:
    """`input: {name: x, shape: [P, Q, C]}`: a tensor's name and its sizes, one per axis."""
    entry = fields.mapping(key)
    if entry is None:
        return None
    tensor = Fields(entry[1], fields.key_path(key), problems)
    name = tensor.text("name")
    shape_entry = tensor.sequence("shape")
    tensor.finish()
    if name is not None and not re.fullmatch(r"[A-Za-z]", name):
        tensor.problem(entry[1].entries["name"][0], "name", "a tensor's name is one letter, e.g. x")
        name = None
    if shape_entry is None or name is None:
        return None
    shape = []
    for child in shape_entry[1].items:
        value = getattr(child, "value", None)
        if isinstance(value, bool) or not isinstance(value, (str, int)):
            tensor.problem(
                child.line, "shape", "a size is a symbol, a product such as PQ, or a number"
            )
            return None
        parsed = _parse_answer(str(value), child.line, tensor.key_path("shape"), symbols, problems)
        if parsed is None:
            return None
        shape.append(parsed.expr)
    if not shape:
        tensor.problem(shape_entry[0], "shape", "give at least one size")
        return None
    return TensorSpec(name, tuple(shape))


def _read_layer(
    fields: Fields, symbols: dict[str, sympy.Symbol], problems: list[Problem]
) -> LayerSpec | None:
    source = _read_tensor(fields, "input", symbols, problems)
    target = _read_tensor(fields, "output", symbols, problems)
    padding = fields.choice("padding", PADDING, "padding", required=False) or "zero"
    if source is None or target is None:
        return None
    if source.name.casefold() == target.name.casefold():
        line = fields.node.entries["output"][0]
        fields.problem(line, "output", "the input and the output need different names")
        return None
    return LayerSpec(source, target, padding)


def _read_item(
    part: str,
    key: str,
    line: int,
    node: Mapping,
    symbols: dict[str, sympy.Symbol],
    problems: list[Problem],
    size_sets: SizeSets,
) -> Item | None:
    path = f"parts.{part}.items.{key}"
    fields = Fields(node, path, problems, key_line=line)
    item_type = fields.choice("type", ITEM_TYPES, "item type")
    marks = fields.number("marks")
    answer = fields.answer("answer")
    layer = _read_layer(fields, symbols, problems) if item_type == "formula" else None
    misconceptions = _read_misconceptions(
        fields, item_type or "", marks, symbols, problems, layer, size_sets
    )
    bias = None
    bias_included = True
    partial_credit: dict[str, float] = {}
    if item_type is None:
        # The type is wrong or missing: do not also call its type's keys unknown.
        fields.seen.update(COUNT_KEYS)
    concepts = _read_concepts(fields, marks, problems) if item_type == "text" else []
    if item_type == "count":
        bias_answer = fields.answer("bias", required=False)
        if bias_answer is not None:
            bias = _parse_answer(*bias_answer, f"{path}.bias", symbols, problems)
        bias_included = fields.boolean("bias_included", default=True)
    if item_type in ("count", "formula"):
        kinds = DIAGNOSES if item_type == "count" else FORMULA_DIAGNOSES
        partial_credit = _read_partial_credit(fields, kinds, marks, problems)
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
    if item_type is None or marks is None or answer is None:
        return None
    text, answer_line = answer
    parsed = (
        _parse_answer(text, answer_line, f"{path}.answer", symbols, problems)
        if item_type == "count"
        else None
    )
    formula = None
    if item_type == "formula":
        if layer is None:
            return None
        formula = _parse_formula(
            text, answer_line, f"{path}.answer", symbols, layer, problems, size_sets
        )
    return Item(
        id=f"{part}.{key}",
        part=part,
        key=key,
        type=item_type,
        marks=marks,
        answer_text=text.strip(),
        answer=parsed,
        misconceptions=tuple(misconceptions),
        line=node.line,
        bias=bias,
        bias_included=bias_included,
        partial_credit=partial_credit,
        labels=tuple(" ".join(a.split()).casefold() for a in aliases),
        concepts=tuple(concepts),
        formula=formula,
        layer=layer,
    )


def _read_parts(
    fields: Fields,
    symbols: dict[str, sympy.Symbol],
    problems: list[Problem],
    size_sets: SizeSets,
) -> list[Part]:
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
        for item_key, (item_line, item_node) in items_entry[1].entries.items():
            if not _PART_KEY.fullmatch(item_key):
                problems.append(
                    Problem(
                        item_line,
                        f"{path}.items.{item_key}",
                        "an item name is letters and digits, e.g. params",
                    )
                )
                continue
            item = _read_item(key, item_key, item_line, item_node, symbols, problems, size_sets)
            if item is not None:
                items.append(item)
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


VERDICTS = ("correct", "partial", "incorrect", "invalid", "missing", "needs_review", "error")


def _read_tests(
    fields: Fields, items: dict[str, Item], problems: list[Problem]
) -> list[RubricTest]:
    entry = fields.sequence("tests", required=False)
    if entry is None:
        return []
    tests = []
    for index, node in enumerate(entry[1].items):
        path = f"tests[{index}]"
        test = Fields(node, path, problems)
        item_id = test.choice("item", list(items), "item")
        answer = test.answer("answer")
        verdict = test.choice("verdict", VERDICTS, "verdict")
        marks = test.number("marks", required=False)
        misconception = test.integer("misconception", required=False)
        diagnosis = test.choice(
            "diagnosis", DIAGNOSES + FORMULA_DIAGNOSES, "diagnosis", required=False
        )
        test.finish()
        if (
            misconception is not None
            and item_id in items
            and not (1 <= misconception <= len(items[item_id].misconceptions))
        ):
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


def _read_size_sets(
    fields: Fields, names: list[str], problems: list[Problem]
) -> tuple[tuple[tuple[str, int], ...], ...]:
    """`check_sizes`: the sizes at which formulas are compared; two sets by default."""
    entry = fields.sequence("check_sizes", required=False)
    if entry is None:
        return default_size_sets(names)
    sets = []
    for index, node in enumerate(entry[1].items):
        sizes = Fields(node, f"check_sizes[{index}]", problems)
        values = []
        for name in names:
            value = sizes.integer(name)
            if value is not None and not 1 <= value <= 50:
                sizes.problem(node.line, name, "must be a whole number from 1 to 50")
            values.append((name, value or 1))
        sizes.finish()
        sets.append(tuple(values))
    if len(sets) < 2:
        fields.problem(entry[0], "check_sizes", "give at least two sets of sizes")
    return tuple(sets)


def load_rubric(path: Path | str) -> Rubric:
    """Load and validate a rubric file, or raise `RubricError` listing every problem found."""
    path = Path(path)
    return load_rubric_text(read_bounded_text(path, RubricError), str(path))


def load_rubric_text(text: str, path: str) -> Rubric:
    """Validate a rubric given as text; `path` names it in error messages."""
    root = load_yaml(path, text, RubricError)
    problems: list[Problem] = []
    fields = Fields(root, "", problems)
    question_id = fields.text("id")
    title = fields.text("title", required=False, default="") or ""
    specs = _read_symbols(fields, problems)
    symbols = {spec.name: spec.symbol for spec in specs}
    size_sets = _read_size_sets(fields, [spec.name for spec in specs], problems)
    parts = _read_parts(fields, symbols, problems, size_sets)
    tests = _read_tests(fields, {i.id: i for p in parts for i in p.items}, problems)
    fields.finish()
    if problems or question_id is None:
        raise RubricError(path, problems)
    return Rubric(
        id=question_id,
        title=title,
        path=str(path),
        symbols=tuple(specs),
        parts=tuple(parts),
        sha256=hashlib.sha256(text.encode("utf-8")).hexdigest(),
        source_text=text,
        tests=tuple(tests),
        size_sets=size_sets,
    )
