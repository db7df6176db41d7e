"""A text item's rubric keys: the concepts an explanation should state, each with the patterns
that are evidence of it and those that contradict it."""

from __future__ import annotations

from dataclasses import dataclass

from grader.errors import Problem
from grader.kinds.text.concepts import Concept, Pattern
from grader.yaml_source import Fields, Scalar


@dataclass(frozen=True)
class TextSpec:
    """What only a text item has: the concepts an explanation is scored by."""

    concepts: tuple[Concept, ...] = ()


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


def _read_roles(fields: Fields) -> tuple[tuple[str, ...], ...]:
    """A concept's roles: two or more word groups, each one group of alternatives
    ('attention|self-attention'); the first is who the concept's statements are about."""
    entry = fields.sequence("roles", required=False)
    if entry is None:
        return ()
    roles = []
    for child in entry[1].items:
        pattern = None
        if isinstance(child, Scalar) and isinstance(child.value, str):
            pattern = Pattern.compile(child.value)
        if pattern is None or len(pattern.groups) != 1 or pattern.pairing:
            fields.problem(
                child.line, "roles", "a role is one word group, e.g. 'attention|self-attention'"
            )
            continue
        roles.append(pattern.groups[0])
    if len(entry[1].items) < 2:
        fields.problem(entry[0], "roles", "give at least two roles, the concept's own first")
    return tuple(roles)


def read_concepts(fields: Fields, marks: float | None, problems: list[Problem]) -> list[Concept]:
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
        roles = _read_roles(concept)
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
                    roles,
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
