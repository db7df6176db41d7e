"""Parameter counts (`type: count`): a formula in the question's size symbols, such as
PQC·PQD + PQD, judged equal to the reference as a rational function of the sizes, with
misconceptions, generic diagnoses and a counterexample when it is not."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any

import sympy

from grader.definitions import Definition, split_definitions, unread_without
from grader.errors import AnswerError, AnswerTooLargeError, AnswerTooLongError, Problem
from grader.kinds.base import check_rules
from grader.kinds.count.check import (
    DIAGNOSES,
    CheckDisagreement,
    answer_symbols,
    check_count,
    counts_equal,
    formula_before_its_value,
    number_for_formula,
    show_count,
    symbol_before_answer,
)
from grader.kinds.count.parse import ParsedAnswer, parse
from grader.kinds.count.polynomials import Undecidable
from grader.kinds.count.rubric import CountSpec, read_count, read_count_spec
from grader.kinds.count.score import (
    carry_forward,
    follow_through_problems,
    review_reading,
    score_count,
)
from grader.kinds.count.steps import units_against_item
from grader.kinds.count.terms import explain_wrong_count  # registers its diagnoses
from grader.kinds.count.whole import whole_answer_problems
from grader.model import Context, Item, ItemResult, Rubric
from grader.score import earned, score_needs_review, sent_for_review
from grader.symbol_values import multiples
from grader.yaml_source import Fields

_LETTER_STEPS = ("compatibility", "case", "zero_words")

# Each diagnosis in words, for the class overview's most common mistakes (a student is told
# the diagnosis's own message, with their sizes).
DESCRIPTIONS = {
    "bias_missing": "the biases are left out",
    "bias_extra": "biases counted where the part asks for the layer without a bias",
    "symbols_swapped": "two sizes swapped",
    "symbol_replaced": "one size written where another belongs",
    "constant_factor": "off by a constant factor",
    "factor_missing": "a factor missing",
    "factor_extra": "an extra factor",
    "term_missing": "a term of the count missing",
    "term_factor": "one term of the count wrong, the rest right",
    "follow_through": "the count follows the student's own wrong formula",
    "other_part": "the count of another part of the question",
    "kernel_size": "the wrong kernel size",
    "weights_wrong": "the weights counted wrong",
    "bias_per_position": "a bias for every position instead of one per output channel",
    "bias_shared": "too few biases: one shared where each output has its own",
    "bias_per_input": "a bias per input instead of per output",
    "bias_per_tap": "a bias for every kernel tap instead of one per filter",
    "biases_wrong": "the biases counted wrong",
    "several_terms": "several terms of the count wrong",
}


class CountKind:
    name = "count"
    keys = ("bias", "bias_included", "follow_through", "strict", "integer_division")
    part_diagnoses = ("follow_through",)  # given by the part, so no one-answer test gives it
    diagnoses = DIAGNOSES.names
    keeps_prose = False
    count_role = "states"

    def advice(self, item: Item, context: Context) -> str:
        """How to write a count, with an example in the question's own symbols (those of the
        item's answer, in the rubric's order) that is not the answer itself."""
        used = item.reference.expr.free_symbols if item.reference is not None else set()
        names = [s.name for s in context.symbols if s.symbol in used] or [
            s.name for s in context.symbols
        ]
        example = count_example(names, 2)
        reference = item.reference.expr if item.reference is not None else None
        if reference is not None and counts_equal(
            parse(example, context.symbol_table).expr, reference
        ):
            example = count_example(names, 3)
        return f"Write the count as a formula in the question's symbols, e.g. {example}."

    def describe_diagnosis(self, name: str) -> str:
        return DESCRIPTIONS.get(name, name.replace("_", " "))

    def read_spec(
        self, fields: Fields, marks: float | None, context: Context, problems: list[Problem]
    ) -> CountSpec:
        return read_count_spec(fields, context.symbol_table, problems)

    def read_answer(
        self,
        text: str,
        line: int,
        path: str,
        context: Context,
        spec: Any,
        problems,
        *,
        misconception: bool,
    ) -> ParsedAnswer | None:
        return read_count(
            text,
            line,
            path,
            context.symbol_table,
            problems,
            spec.integer_division,
            multiples(context.symbols),
        )

    def grade(self, item: Item, text: str, context: Context) -> ItemResult:
        read = lambda written, symbols=context.symbol_table: parse(  # noqa: E731
            written,
            symbols,
            item.spec.lenient,
            reference_is_zero=item.reference is not None and item.reference.expr == 0,
            integer_division=item.spec.integer_division,
            counts=item.label,
            bias=item.spec.bias,
        )
        try:
            parsed = read(text)
        except AnswerError as error:
            if isinstance(error, (AnswerTooLargeError, AnswerTooLongError)):
                raise
            review = _definition_review(item, text, read, context)
            if review is None:
                raise
            return review
        return _graded(item, text, parsed, context)

    def recognises(self, item: Item, text: str, context: Context) -> bool:
        """A count is what reads as one over the question's symbols, as a marker reads it:
        with the item's lenient steps for letters (case, copied maths letters), and an answer
        that is only "none" or "no parameters" (grading then reads it as 0 where the reference
        is 0, and sends it to a person elsewhere, as from YAML), but not the steps that set
        words aside, which the transcript reader weighs itself ("none" in a sentence is not
        0: only a whole answer in words is)."""
        return self.reading_error(item, text, context) is None

    def reads_with_words(self, item: Item, text: str, context: Context) -> bool:
        """Whether `text` reads as a count for `item` with all the item's lenient steps, the
        words step among them, as `grade` (and `grader check`) reads it: a transcript's line
        without `$` that has a word around its maths (`3EK + 3K parameters`) is then the
        item's answer, graded with the words set aside and weighed against its label."""
        if "words" not in item.spec.lenient:
            return False
        try:
            parse(
                text,
                context.symbol_table,
                item.spec.lenient,
                reference_is_zero=True,  # words for 0 are an answer; grading weighs them
                integer_division=item.spec.integer_division,
                counts=item.label,
            )
        except AnswerError:
            return False
        return True

    def names_other_unit(self, item: Item, words: str) -> bool:
        """Whether `words` beside a count name something other than what the item counts
        (`units_against_item`: "MACs" or "parameters" where it counts FLOPs), where the item
        weighs the words it sets aside (its `words` step)."""
        if "words" not in item.spec.lenient:
            return False
        found = units_against_item(words, item.label or "")
        return found is not None and found[0] == "other"

    def reading_error(self, item: Item, text: str, context: Context) -> AnswerError | None:
        """Why `text` cannot be read as a count for `item`, as `recognises` reads it (what a
        transcript's unread text shows a person), or None when it can."""
        letters = tuple(step for step in item.spec.lenient if step in _LETTER_STEPS)
        try:
            parse(
                text,
                context.symbol_table,
                letters,
                reference_is_zero=True,  # words for 0 are an answer; grading weighs them
                integer_division=item.spec.integer_division,
            )
        except AnswerError as error:
            return error
        return None

    def same_answer(self, item: Item, first: Any, second: Any, context: Context) -> bool:
        relate = dict(context.substitutions)
        try:
            return counts_equal(
                first.expr.xreplace(relate), second.expr.xreplace(relate), context.order
            )
        except Undecidable:
            return False

    def self_test(
        self, rubric: Rubric, item: Item, grade: Callable[[Item, str], ItemResult]
    ) -> list[Problem]:
        same = lambda a, b: self.same_answer(item, a, b, rubric.context)  # noqa: E731
        return [
            *whole_answer_problems(item, rubric.context),
            *check_rules(item, grade, same),
            *follow_through_problems(item),
        ]

    def carry_forward(
        self, item: Item, count: ItemResult, formula: ItemResult, context: Context
    ) -> ItemResult | None:
        return carry_forward(item, count, formula, context)


def _graded(item: Item, text: str, parsed: ParsedAnswer, context: Context) -> ItemResult:
    """A count as read, checked and scored; a person decides where the check cannot. One
    with two readings (`9C/GD`: 9·C/(G·D), or 9·C/G·D) is scored both ways: where they earn
    the same, the first reading stands with a note naming the other; where they differ, a
    person decides, told both."""
    result = _graded_as_read(item, text, parsed, context)
    other = parsed.alternative
    if other is None:
        return result
    other_result = _graded_as_read(item, text, other, context)
    same = (result.verdict, result.marks) == (other_result.verdict, other_result.marks)
    if same and result.verdict != "needs_review":
        also = (
            "it would also be correct"
            if other_result.verdict == "correct"
            else f"it would also earn {other_result.marks:g} of {item.marks:g} marks"
        )
        note = (
            "'/' before factors side by side read as dividing by all of them; read as "
            f"{other.interpretation}, dividing by the first, {also}"
        )
        return replace(result, reading_notes=(*result.reading_notes, note))
    first = earned(result, "correct")
    second = earned(other_result, "correct")
    reason = (
        f"Your answer can be read as {parsed.interpretation} ({first}), or as "
        f"{other.interpretation} ({second}): a '/' before factors written side by side may "
        "divide by all of them or by the first only; an instructor will decide which you meant."
    )
    review = score_needs_review(item, text, reason)
    return replace(review, interpretation=parsed.interpretation, reading_notes=parsed.notes)


def _graded_as_read(item: Item, text: str, parsed: ParsedAnswer, context: Context) -> ItemResult:
    """`_graded` of one reading."""
    parsed, undecided = formula_before_its_value(parsed, item, context.symbols)
    if undecided is None and _other_parts_number(parsed, item, context) is None:
        # a number that is no other part's answer: nothing in it to explain as a formula
        undecided = number_for_formula(parsed, item, context.symbols)
    if undecided is not None:
        review = score_needs_review(item, text, undecided)
        return replace(review, interpretation=parsed.interpretation, reading_notes=parsed.notes)
    try:
        check = check_count(item, parsed, context.symbols, context.items, context.substitutions)
        result = score_count(item, parsed, check, context.size_sets, context.order)
        doubt = parsed.review or symbol_before_answer(parsed)
        return result if doubt is None else review_reading(result, doubt)
    except CheckDisagreement as disagreement:
        return score_needs_review(item, text, f"The automatic check is unsure ({disagreement}).")
    except Undecidable as undecidable:
        return score_needs_review(
            item,
            text,
            f"The automatic check cannot decide this count exactly ({undecidable}).",
        )


def _other_parts_number(parsed: ParsedAnswer, item: Item, context: Context):
    """The check of a count with no symbols, where it is another part's answer (its
    `other_part` diagnosis is true of it, and said as it is), else None."""
    if any(answer_symbols(side) for side in parsed.sides):
        return None
    try:
        check = check_count(item, parsed, context.symbols, context.items, context.substitutions)
    except (CheckDisagreement, Undecidable):
        return None
    found = check.diagnosis
    return check if found is not None and found.kind == "other_part" else None


def _definition_review(
    item: Item, text: str, read: Callable[[str], ParsedAnswer], context: Context
) -> ItemResult | None:
    """A count followed by a definition (`9CD + D, where C = 3`, `grader.definitions`), as an
    expression item holds one: the count before it is read and graded, and a person decides,
    told why (a symbol of the question given a value of its own, or a name the count does not
    use) and what the count earns read as shown. Definitions in words (`CD, where C = input
    channels`) only say what a symbol is: set aside with a note, the count graded as read.
    None when no definition follows the count; an error in the count before it is raised."""
    answer, definitions = split_definitions(text)
    if not definitions:
        return None
    try:
        parsed = read(answer.ljust(len(text)))
        given: tuple[Definition, ...] = ()
    except AnswerError as error:
        found = _read_with_values(answer.ljust(len(text)), definitions, read, context)
        if found is None:
            raise unread_without(error, text, definitions[0]) from None
        parsed, given = found
    notes = tuple(d.note for d in definitions if d not in given)
    result = _graded(item, text, parsed, context)
    result = replace(result, answer=text, reading_notes=(*result.reading_notes, *notes))
    held = [d for d in definitions if not d.gloss and d not in given]
    if not held:  # words saying what a symbol is (`CD, where C = input channels`): read
        return result
    definition = held[0]
    said = f'Your answer is followed by "{definition.shown}"'
    name = "".join(definition.left.split()).replace("{", "").replace("}", "")
    symbol = context.symbol_table.get(name)
    if symbol is not None and symbol in parsed.expr.free_symbols:
        reason = (
            f"{said}: it gives {definition.left}, a symbol of the question, a value of its "
            "own, so your answer may not be the one asked for"
        )
    else:
        reason = f"{said}, which defines {definition.left}, a name your answer does not use"
    result = replace(
        result,
        count_values=None,  # a person's to confirm: not compared with the part's formula
        count_shown=None,
    )
    if result.verdict == "needs_review":  # the count itself is undecided, told why after
        return replace(result, feedback=(f"{reason}.", *result.feedback))
    shown = earned(result, "your count is correct")
    return sent_for_review(
        result, f"{reason}; read as shown, {shown}.", "read, but a definition follows"
    )


def _read_with_values(
    answer: str,
    definitions: tuple[Definition, ...],
    read: Callable[..., ParsedAnswer],
    context: Context,
) -> tuple[ParsedAnswer, tuple[Definition, ...]] | None:
    """A count that uses a name the question does not declare, given a value by a definition
    after it (`K^2CD + D, where K = 3`: a number, or a count in the question's symbols), read
    as a marker reads it, with the value put in and a note saying so (K²·C·D + D read as
    9·C·D + D), and the definitions so used. None where that does not make it readable."""
    table = dict(context.symbol_table)
    values: dict[sympy.Symbol, sympy.Expr] = {}
    given = []
    for definition in definitions:
        name = "".join(definition.left.split()).replace("{", "").replace("}", "")
        if definition.gloss or name in table or "(" in name:
            continue
        try:
            value = parse(definition.right, context.symbol_table).expr
        except AnswerError:
            continue
        stand_in = sympy.Dummy(name, positive=True)
        table[name] = stand_in
        values[stand_in] = value
        given.append(definition)
    if not given:
        return None
    try:
        parsed = read(answer, table)
    except AnswerError:
        return None
    if not parsed.expr.free_symbols & values.keys():
        return None  # the definitions are of names the count does not use
    sides = tuple(side.xreplace(values) for side in parsed.sides)
    shown = show_count(sides[-1], context.order)
    said = ", ".join(f"{d.left} as {d.right}" for d in given)
    note = f'read {said}, as "{given[0].shown}" defines it: {parsed.interpretation} is {shown}'
    plain = replace(parsed, sides=sides, notes=(*parsed.notes, note), alternative=None)
    return plain, tuple(given)


def count_example(names: list[str], factor: int) -> str:
    """A count written as a student should, over `names`: `2*P*Q + D`, `2*N + 1`, `12`."""
    if not names:
        return str(6 * factor)
    if len(names) == 1:
        return f"{factor}*{names[0]} + 1"
    return f"{factor}*{names[0]}*{names[1]} + {names[-1]}"


COUNT = CountKind()
__all__ = ["COUNT", "CountKind", "explain_wrong_count"]
