"""The class overview at the scale of a real class (issue 19, part 4): what needs an
instructor first, with a table of contents; most common mistakes in words; the student table
sortable and paged by a script of ours, a plain table without it; answer groups that name a
few students, not all 500. Sizes and times for 500 students are printed by
`bench/overview_size.py`, not asserted here."""

import re
from dataclasses import replace
from pathlib import Path

import pytest

from grader.html_report import (
    GROUPS_SHOWN,
    MEMBERS_SHOWN,
    STUDENTS_PER_PAGE,
    common_mistakes,
    page_names,
    render_index,
)
from grader.kinds import KINDS
from grader.model import Batch

ROOT = Path(__file__).resolve().parent.parent
RUBRIC = ROOT / "rubrics" / "22-52-q4.yaml"
CLASS_SIZE = 500


@pytest.fixture(scope="module")
def large_overview(seed_class) -> tuple[Batch, str]:
    """The overview of a class of 500: the example class's results over and over, each
    under a student's own name."""
    run, batch = seed_class
    results = [
        replace(batch.results[n % len(batch.results)], student=f"student-{n:03d}")
        for n in range(CLASS_SIZE)
    ]
    large = Batch(results=results)
    pages = {student: f"../students/{name}" for student, name in page_names(large).items()}
    return large, render_index(run.rubric, large, pages)


def section_starts(html: str) -> dict[str, int]:
    return {m.group(1): m.start() for m in re.finditer(r'<section id="([^"]+)">', html)}


def test_what_needs_an_instructor_comes_first_in_the_order_of_the_contents(large_overview):
    _, html = large_overview
    starts = section_starts(html)
    assert list(starts) == [
        "summary", "review-queue", "unreadable-answers", "not-graded", "common-mistakes",
        "distribution",
        "item-statistics", "student-table", "answer-groups",
    ]  # fmt: skip
    contents = html[html.index('<nav class="contents"') : html.index("</nav>")]
    anchors = re.findall(r'href="#([^"]+)"', contents)
    assert anchors == [name for name in starts if name != "summary"]
    assert starts["review-queue"] < 5_000  # the first screen, not 50,000 px down


def test_the_student_table_is_a_plain_table_a_script_of_ours_sorts_and_pages(large_overview):
    batch, html = large_overview
    table = html[html.index('<table id="students"') :]
    table = table[: table.index("</table>")]
    assert f'data-sortable data-page-size="{STUDENTS_PER_PAGE}"' in table
    head, body = table.split("<tbody>")
    assert re.findall(r"<th[^>]*>([^<]*)</th>", head) == [
        "Student", "a / 5", "b / 5", "c / 5", "d / 5", "e / 5", "Total", "Review",
    ]  # fmt: skip
    assert body.count("<tr>") == CLASS_SIZE  # every student is there without the script
    assert "hidden" not in body


def test_answer_groups_name_a_few_students_and_count_the_rest(large_overview):
    batch, html = large_overview
    groups = html[html.index('<section id="answer-groups">') :]
    rows = re.findall(r"<tr><td>.*?</tr>", groups, flags=re.S)
    assert rows
    for row in rows:
        members = int(re.findall(r'<td class="num">(\d+)</td>', row)[-1])
        links = row.count("<a href=")
        assert links == min(members, MEMBERS_SHOWN)
        if members > MEMBERS_SHOWN:
            assert f"and {members - MEMBERS_SHOWN} more" in row


def test_the_most_common_mistakes_are_described_in_words_not_by_diagnosis_ids(seed_class):
    run, batch = seed_class
    mistakes = common_mistakes(run.rubric, batch)
    ids = {name for kind in KINDS.values() for name in kind.diagnoses}
    assert mistakes
    for mistake in mistakes:
        assert not ids & set(re.findall(r"\b\w+_\w+\b", mistake.description)), mistake
        assert not mistake.description.startswith("misconception "), mistake
    by_item = {(m.item_id, m.description): (m.example, m.count) for m in mistakes}
    nine = "3 \\times 3 \\times C \\times D = 9CD"
    assert by_item[("b.params", "The biases are left out.")] == (nine, 2)
    assert by_item[("c.formula", "The bias is left out.")][1] == 3
    assert by_item[("e.formula", "The output or input indexed with the wrong shape.")] == (
        "Y = WX",
        1,
    )
    params = next(m for m in mistakes if m.item_id == "a.params")
    rule = run.rubric.items["a.params"].misconceptions[0]
    assert (params.description, params.example) == (rule.feedback, rule.answer_text)


@pytest.mark.parametrize("kind", list(KINDS.values()), ids=lambda kind: kind.name)
def test_every_diagnosis_a_kind_can_make_has_a_description_in_words(kind):
    for name in kind.diagnoses:
        description = kind.describe_diagnosis(name)
        assert description and "_" not in description and description != name.replace("_", " ")


def test_an_item_with_hundreds_of_distinct_answers_shows_its_largest_groups_and_counts_the_rest(
    seed_class,
):
    run, batch = seed_class
    model = next(r for r in batch.results if r.student == "model-answer")
    explanation = model.items["e.explanation"]
    results = [
        replace(
            model,
            student=f"student-{n:03d}",
            items={
                **model.items,
                "e.explanation": replace(
                    explanation, answer=f"answer {n % 300}", answer_group=f"text:answer {n % 300}"
                ),
            },
        )
        for n in range(CLASS_SIZE)
    ]
    large = Batch(results=results)
    pages = {student: f"../students/{name}" for student, name in page_names(large).items()}
    html = render_index(run.rubric, large, pages)
    section = html[html.index("<h3>e.explanation</h3>") :]
    section = section[: section.index("</section>")]
    assert section.count("<tr><td>") == GROUPS_SHOWN
    # 200 answers were written by two students each, 100 by one: the 20 largest are shown.
    assert re.findall(r'<td class="num">(\d+)</td>\s*<td>', section) == ["2"] * GROUPS_SHOWN
    shown = GROUPS_SHOWN * 2
    assert (
        f"and {300 - GROUPS_SHOWN} more distinct answers, from {CLASS_SIZE - shown} students"
        in (section)
    )
