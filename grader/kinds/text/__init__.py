"""Written explanations (`type: text`): scored by the concepts they state, found by word
patterns with negation and contradictions; whatever the grader is unsure of goes to a person."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from grader.errors import Problem
from grader.kinds.text.concepts import check_text
from grader.kinds.text.rubric import TextSpec, read_concepts
from grader.kinds.text.score import score_text
from grader.kinds.text.selftest import check_text_item
from grader.model import Context, Item, ItemResult, Rubric
from grader.score import score_needs_review
from grader.yaml_source import Fields

MAX_EXPLANATION_LENGTH = 5000  # characters; a longer answer goes to a person, unscored
_NO_CONCEPTS = (
    "This explanation is not scored automatically (the rubric lists no concepts for it); "
    "an instructor will review it."
)


class TextKind:
    name = "text"
    keys = ("concepts",)
    diagnoses: tuple[str, ...] = ()
    keeps_prose = True
    part_diagnoses = ()
    count_role = None

    def advice(self, item: Item, context: Context) -> None:
        return None  # prose is always read

    def describe_diagnosis(self, name: str) -> str:
        return name.replace("_", " ")  # explanations have no diagnoses of their own

    def read_spec(
        self, fields: Fields, marks: float | None, context: Context, problems: list[Problem]
    ) -> TextSpec:
        return TextSpec(tuple(read_concepts(fields, marks, problems)))

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
    ) -> None:
        return None  # an explanation is scored by its concepts, not compared as a whole

    def grade(self, item: Item, text: str, context: Context) -> ItemResult:
        if len(text) > MAX_EXPLANATION_LENGTH:
            return score_needs_review(
                item,
                text,
                f"This explanation is {len(text)} characters long, more than the "
                f"{MAX_EXPLANATION_LENGTH} that are scored automatically; an instructor will "
                "read it.",
            )
        if not item.spec.concepts:
            return score_needs_review(item, text, _NO_CONCEPTS, why="item type text")
        return score_text(item, text, check_text(item.spec.concepts, item.marks, text))

    def carry_forward(
        self, item: Item, count: ItemResult, formula: ItemResult, context: Context
    ) -> ItemResult | None:
        return None  # it states no count

    def recognises(self, item: Item, text: str, context: Context) -> bool:
        return False  # an explanation is the part's prose, not a piece of maths

    def same_answer(self, item: Item, first: Any, second: Any, context: Context) -> bool:
        return first == second

    def self_test(
        self, rubric: Rubric, item: Item, grade: Callable[[Item, str], ItemResult]
    ) -> list[Problem]:
        return check_text_item(rubric, item, grade)


TEXT = TextKind()
