"""Markdown submissions: where an answer ends, and what is reported instead of graded."""

from __future__ import annotations

from pathlib import Path

import pytest

from grader.grade import grade_paths, grade_submission
from grader.rubric import load_rubric
from grader.submissions import answer_names, answer_slot
from grader.submissions.markdown_submission import load_markdown_submission

ROOT = Path(__file__).resolve().parent.parent
RUBRIC = load_rubric(ROOT / "rubrics" / "22-52-q4.yaml")
FRONT_MATTER = "---\nstudent: s\nquestion: 22-52-Q4\n---\n"  # the body starts at line 5


# The importer is given the rubric's items (so it knows which answers are prose) by a caller
# that passes `item_for`; an older caller passes only the labels. Both must read these alike.
def _slots(rubric):
    return lambda part, name: answer_slot(rubric, part, name)


SLOTS = _slots(RUBRIC)
WITH_TYPES = pytest.param(SLOTS, id="with item types")
WITHOUT_TYPES = pytest.param(None, id="without item types")


def _load(tmp_path: Path, body: str, item_for=SLOTS, rubric=RUBRIC):
    path = tmp_path / "s.md"
    path.write_text(FRONT_MATTER + body, encoding="utf-8")
    if item_for is None:
        return load_markdown_submission(path, answer_names(rubric))
    return load_markdown_submission(path, answer_names(rubric), item_for=item_for)


def _notes(submission) -> list[str]:
    return [f"line {line}: {note}" for line, note in submission.unassigned]


@pytest.mark.parametrize("item_for", [WITH_TYPES, WITHOUT_TYPES])
@pytest.mark.parametrize(
    ("body", "key", "answer"),
    [
        pytest.param(
            "## (a)\nParameters:\n$$PQC \\cdot PQD + PQD$$\n\nSo that is the count.\n",
            "a.Parameters",
            "PQC \\cdot PQD + PQD",
            id="a sentence after a display-maths answer is not part of it",
        ),
        pytest.param(
            "## (b)\nParameters: $9CD+D$ parameters in total\n",
            "b.Parameters",
            "9CD+D",
            id="words after inline maths on the same line are not part of it",
        ),
        pytest.param(
            "## (d)\nFormula: $$ y_{i,k} = \\sum_{l=1}^{C} w_{l,k} x_{i,l} $$ where w is C×D\n",
            "d.Formula",
            "y_{i,k} = \\sum_{l=1}^{C} w_{l,k} x_{i,l}",
            id="a where-clause after a formula is not part of it",
        ),
        pytest.param(
            "## (b)\nParameters: $$9CD\n+ D$$ since the kernel is 3x3\n",
            "b.Parameters",
            "9CD + D",
            id="display maths over two lines, then words",
        ),
        pytest.param(
            "## (b)\nParameters: 9CD + D\n",
            "b.Parameters",
            "9CD + D",
            id="a plain answer without dollars still works",
        ),
        pytest.param(
            "## (b)\nParameters: 9CD\n+ D\n## (c)\n",
            "b.Parameters",
            "9CD + D",
            id="a plain answer runs over lines until the next heading",
        ),
        pytest.param(
            "## (b)\nParameters: $9CD + D$ Formula: $y_{i,j,k} = b_k$\n",
            "b.Formula",
            "y_{i,j,k} = b_k",
            id="a second label after maths on a line starts its own answer (was missing)",
        ),
        pytest.param(
            "## (b)\nParameters: $9CD + D$; Formula: $y_{i,j,k} = b_k$\n",
            "b.Parameters",
            "9CD + D",
            id="the answer before a second label on its line ends at the label",
        ),
        pytest.param(
            "## (e)\nExplanation: the same $W$ is used at every position.\n\n"
            "Like the linear layers of a Transformer.\n",
            "e.Explanation",
            "the same $W$ is used at every position. Like the linear layers of a Transformer.",
            id="an explanation is kept whole, maths and paragraphs included",
        ),
    ],
)
def test_the_answer_is_the_maths_and_not_the_prose_around_it(tmp_path, item_for, body, key, answer):
    submission = _load(tmp_path, body, item_for)
    assert submission.answers[key].text == answer


@pytest.mark.parametrize(
    ("body", "key", "answer"),
    [
        pytest.param(
            "## (b)\nParameters: 9CD + D\n\nBecause the kernel is 3x3.\n",
            "b.Parameters",
            "9CD + D",
            id="a plain count ends at the first blank line",
        ),
        pytest.param(
            "## (b)\nParameters: the total is $9CD + D$\n",
            "b.Parameters",
            "9CD + D",
            id="words before the maths of a count are not part of it",
        ),
        pytest.param(
            "## (b)\nParameters: 9CD + D\n\nCompare $CD + D$ for a 1x1 convolution.\n",
            "b.Parameters",
            "9CD + D",
            id="maths in a later paragraph does not replace a plain count",
        ),
        pytest.param(
            "## (e)\nExplanation: $Y = XW$ applies one W at every position.\n",
            "e.Explanation",
            "$Y = XW$ applies one W at every position.",
            id="an explanation that starts with maths is kept whole",
        ),
    ],
)
def test_item_types_decide_answers_that_could_be_prose(tmp_path, body, key, answer):
    assert _load(tmp_path, body).answers[key].text == answer


@pytest.mark.parametrize(
    ("body", "note"),
    [
        pytest.param(
            "## (a)\nParameters:\n$$PQC \\cdot PQD + PQD$$\n\nSo that is the count.\n",
            "line 9: text after the answer to a.params was not graded: 'So that is the count.'",
            id="a sentence after the maths",
        ),
        pytest.param(
            "## (b)\nParameters: $9CD+D$ parameters in total\n",
            "line 6: text after the answer to b.params was not graded: 'parameters in total'",
            id="words on the same line as the maths",
        ),
        pytest.param(
            "## (b)\nParameters: the total is $9CD + D$\n",
            "line 6: text before the answer to b.params was not graded: 'the total is'",
            id="words before the maths",
        ),
        pytest.param(
            "## (c)\nParameters: $CD$ weights, $D$ biases, so $CD + D$\n",
            "line 6: text after the answer to c.params was not graded: 'weights,'; 'biases, so'",
            id="the words among several pieces of maths are said once, together",
        ),
        pytest.param(
            "## (b)\nParameters: 9CD + D\n\nBecause the kernel is 3x3.\n\nAnd one bias each.\n",
            "line 10: text after the answer to b.params was not graded: 'And one bias each.'",
            id="each paragraph after a plain answer, with its own line",
        ),
        pytest.param(
            "## (b)\nParameters: $9CD + D$\n" + "and " * 40 + "\n",
            "line 7: text after the answer to b.params was not graded: '" + "and " * 14 + "and…'",
            id="a long text is quoted short",
        ),
        pytest.param(
            "## (b)\nParameters: ~~$9CD$~~\n",
            "line 6: text struck out in the answer to b.params was not graded: '~~$9CD$~~'",
            id="an answer struck out whole",
        ),
        pytest.param(
            "## (a)\nI was not sure\nabout this part.\n\nParameters: PQD\n",
            "line 6: text in part 'a' under no answer label was not graded: "
            "'I was not sure about this part.'",
            id="consecutive stray lines make one note",
        ),
        pytest.param(
            "## (f)\nParameters: 12\n",
            "line 6: text under heading 'f', a part the question does not have, was not "
            "graded: 'Parameters: 12'",
            id="a part the question does not have",
        ),
    ],
)
def test_content_that_is_not_graded_is_reported_with_its_line_and_a_quote(tmp_path, body, note):
    assert note in _notes(_load(tmp_path, body))


@pytest.mark.parametrize(
    ("body", "note"),
    [
        pytest.param(
            "## (a)\nParameters:\n$$PQC \\cdot PQD + PQD$$\n\nSo that is the count.\n",
            "line 9: text after the answer labelled 'Parameters' in part 'a' was not graded: "
            "'So that is the count.'",
            id="text after the answer",
        ),
    ],
)
def test_without_item_types_the_notes_name_the_label(tmp_path, body, note):
    assert _notes(_load(tmp_path, body, item_for=None)) == [note]


# What a label with more than one answer gives its item, through grading: two different
# answers go to a person with both shown, never a silent pick of one.
@pytest.mark.parametrize(
    ("body", "item", "shown"),
    [
        pytest.param(
            "## (b)\nParameters: $9CD + D$ is what I first thought, but it is really $10CD$\n",
            "b.params",
            [
                "line 6: 9CD + D (the machine's reading earns 2 of 2)",
                "line 6: 10CD (the machine's reading earns 0 of 2)",
            ],
            id="a first thought, then a correction",
        ),
        pytest.param(
            "## (b)\nParameters: $9CD + D$ or $9CD$\n",
            "b.params",
            [
                "line 6: 9CD + D (the machine's reading earns 2 of 2",
                "line 6: 9CD (the machine's reading earns 0 of 2",
            ],
            id="two answers joined by or",
        ),
        pytest.param(
            "## (b)\nParams: $9CD+D$\nParams: $10CD$\n",
            "b.params",
            [
                "line 6: 9CD+D (the machine's reading earns 2 of 2",
                "line 7: 10CD (the machine's reading earns 0 of 2",
            ],
            id="a label answered twice",
        ),
        pytest.param(
            "## (b)\nParameters: 9CD + D\n## (b)\nParams: $9CD$ I think\n",
            "b.params",
            [
                "line 6: 9CD + D (the machine's reading earns 2 of 2",
                "line 8: 9CD (the machine's reading earns 0 of 2",
            ],
            id="an item answered under two of its labels",
        ),
        pytest.param(
            "## (a)\nParameters: $PQD$ is wrong, the answer is $PQC \\cdot PQD + PQD$\n",
            "a.params",
            [
                "line 6: PQD (the machine's reading earns 0 of 2",
                "line 6: PQC \\cdot PQD + PQD (the machine's reading earns 2 of 2",
            ],
            id="a disowned answer, then another",
        ),
        pytest.param(
            "## (d)\nParameters: not $CD + D$ but $CD$\n",
            "d.params",
            [
                "line 6: CD + D (the machine's reading earns 0 of 2",
                "line 6: CD (the machine's reading earns 2 of 2",
            ],
            id="not one but another",
        ),
        pytest.param(
            "## (c)\nParameters: $CD + D$ = 12\n",
            "c.params",
            ["the formula gives 15, not 12"],
            id="a value after the maths is part of the answer, as grader check reads it",
        ),
    ],
)
def test_a_label_with_different_answers_goes_to_a_person_with_all_shown(
    tmp_path, body, item, shown
):
    # Part (e) answered correctly beside it keeps its own result.
    body += "## (e)\nExplanation: the same weights are shared across every position\n"
    result = grade_submission(RUBRIC, _load(tmp_path, body))
    assert result.items[item].verdict == "needs_review"
    feedback = " ".join(result.items[item].feedback)
    assert all(each in feedback for each in shown)
    assert result.items["e.explanation"].verdict != "needs_review"


@pytest.mark.parametrize(
    ("body", "item", "answer", "note"),
    [
        pytest.param(
            "## (c)\nParameters: ~~$PQCD + PQD$~~ $CD + D$\n",
            "c.params",
            "CD + D",
            'set aside "~~$PQCD + PQD$~~" on line 6, struck out',
            id="struck out with tildes",
        ),
        pytest.param(
            "## (b)\nParameters: <del>$9CD$</del> $9CD + D$\n",
            "b.params",
            "9CD + D",
            'set aside "<del>$9CD$</del>" on line 6, struck out',
            id="struck out with del",
        ),
        pytest.param(
            "## (b)\nParameters: <s>$10CD$</s> $9CD + D$\n",
            "b.params",
            "9CD + D",
            'set aside "<s>$10CD$</s>" on line 6, struck out',
            id="struck out with s",
        ),
        pytest.param(
            "## (b)\nParameters: $9CD + D$, i.e. $D(9C + 1)$\n",
            "b.params",
            "9CD + D",
            "read as one answer: the 2 answers given (line 6: 9CD + D; line 6: D(9C + 1)) "
            "are the same",
            id="two ways of writing one answer",
        ),
        pytest.param(
            "## (b)\nParameters: $3 \\times 3 \\times C \\times D + D$ = $9CD + D$\n",
            "b.params",
            "3 \\times 3 \\times C \\times D + D = 9CD + D",
            None,
            id="two pieces of maths that an = joins are one chain of working",
        ),
        pytest.param(
            "## (c)\nParameters: $CD + D$ = 15 since each output has a bias\n",
            "c.params",
            "CD + D = 15",
            'set aside "since each output has a bias", words after the answer',
            id="words after a value after the maths, as grader check reads them",
        ),
        pytest.param(
            "## (a)\nParameters: $PQC \\cdot PQD + PQD$ ($PQD$ biases)\n",
            "a.params",
            "PQC \\cdot PQD + PQD",
            'set aside "PQD" on line 6, which the words beside it call weights or biases: a '
            "share of the count",
            id="a share in brackets annotates the count",
        ),
        pytest.param(
            "## (c)\nParameters: $CD$ weights and $D$ biases, so $CD + D$\n",
            "c.params",
            "CD + D",
            'read "$CD$ weights and $D$" as one answer, CD + D: its pieces of maths are joined '
            'by "and", and the words beside them name them as terms of one count',
            id="shares joined by and, then the total",
        ),
        pytest.param(
            "## (d)\nParameters: $C \\times D$ where $C$ is the input channels\n",
            "d.params",
            "C \\times D",
            'set aside "C" on line 6, a name in a sentence, not an answer',
            id="a lone name after where",
        ),
        pytest.param(
            "## (b)\nParameters: $9CD + D$, where $C$ = input channels and $D$ = output channels\n",
            "b.params",
            "9CD + D",
            'set aside "D" on line 6, a name in a sentence, not an answer',
            id="names defined in words after where",
        ),
        pytest.param(
            "## (e)\nFormula: $Y = XW$, where $X$ is $PQ \\times C$\n",
            "e.formula",
            "Y = XW",
            'set aside "$PQ \\times C$" on line 6, maths that describes a name, not an answer',
            id="a shape of a name after where",
        ),
        pytest.param(
            "## (b)\nParameters: $9CD$ + $D$\n",
            "b.params",
            "9CD + D",
            "read \"$9CD$ + $D$\" as one answer, 9CD + D: its pieces of maths are joined by '+'",
            id="two pieces joined only by an operator are one answer",
        ),
        # (marks) a comma or semicolon before the operator changes nothing (was 9CD, for a
        # person, and 9CD, 0, with D set aside as a name in a sentence)
        pytest.param(
            "## (b)\nParameters: $9CD$, + $D$\n",
            "b.params",
            "9CD + D",
            "read \"$9CD$, + $D$\" as one answer, 9CD + D: its pieces of maths are joined by '+'",
            id="two pieces joined by a comma and an operator are one answer",
        ),
        pytest.param(
            "## (b)\nParameters: $9CD$; + $D$ biases\n",
            "b.params",
            "9CD + D",
            "read \"$9CD$; + $D$\" as one answer, 9CD + D: its pieces of maths are joined by '+'",
            id="two pieces joined by a semicolon and an operator are one answer",
        ),
        pytest.param(
            "## (b)\nParameters: $9CD$ weights plus $D$ biases\n",
            "b.params",
            "9CD weights plus D biases",
            'read "$9CD$ weights plus $D$" as one answer, 9CD + D: its pieces of maths are '
            'joined by "plus"',
            id="pieces joined by plus are their sum, as in a transcript (was 9CD, 0)",
        ),
        pytest.param(
            "## (c)\nParameters: $CD$ weights and $D$ biases\n",
            "c.params",
            "CD weights and D biases",
            'read "$CD$ weights and $D$" as one answer, CD + D: its pieces of maths are joined '
            'by "and", and the words beside them name them as terms of one count',
            id="weights and biases joined by and are their sum, as in a transcript (was CD, 0)",
        ),
    ],
)
def test_an_answer_read_beside_what_is_set_aside_says_so(tmp_path, body, item, answer, note):
    result = grade_submission(RUBRIC, _load(tmp_path, body)).items[item]
    assert (result.verdict, result.answer) == ("correct", answer)
    assert note is None or note in result.reading_notes


# Pieces of maths that words join as a sum are given to a count with their words where it
# reads them so, as a transcript gives them (`transcript.with_its_words`), so that its check
# weighs the words naming the terms; otherwise it is given the sum.
@pytest.mark.parametrize(
    ("body", "item", "verdict", "answer"),
    [
        pytest.param(
            "## (b)\nParameters: $D$ weights plus $9CD$ biases\n",
            "b.params",
            "needs_review",
            "D weights plus 9CD biases",
            id="terms named the other way round: a person, as in a transcript (was 2/2)",
        ),
        pytest.param(
            "## (a)\nParameters: $PQD$ weights plus $PQC \\cdot PQD$ biases\n",
            "a.params",
            "needs_review",
            "PQD weights plus PQC \\cdot PQD biases",
            id="terms in LaTeX named the other way round: a person (was 2/2)",
        ),
        pytest.param(
            "## (b)\nParameters: $9CD$ weights plus one bias per filter, $D$\n",
            "b.params",
            "correct",
            "9CD + D",
            id="words the count cannot read with the maths: the sum, as before",
        ),
    ],
)
def test_pieces_joined_by_words_are_read_with_them_as_in_a_transcript(
    tmp_path, body, item, verdict, answer
):
    result = grade_submission(RUBRIC, _load(tmp_path, body)).items[item]
    assert (result.verdict, result.answer) == (verdict, answer)


def test_prose_after_a_count_no_longer_makes_it_invalid_and_is_a_warning(tmp_path):
    # Through grade_paths, as `grader grade` reads a Markdown file.
    path = tmp_path / "s.md"
    path.write_text(
        FRONT_MATTER + "## (a)\nParameters:\n$$PQC \\cdot PQD + PQD$$\n\nSo that is the count.\n",
        encoding="utf-8",
    )
    result = grade_paths(RUBRIC, [path]).results[0]
    assert result.items["a.params"].verdict == "correct"
    assert len(result.warnings) == 1
    assert result.warnings[0].startswith("line 9: text after the answer")
    assert result.warnings[0].endswith("'So that is the count.'")


# Our own Markdown; the raw scripts in `raw/` are transcripts (tests/test_transcripts.py).
BUNDLED = sorted(p for p in (ROOT / "submissions").rglob("*.md") if p.parent.name != "raw")


@pytest.mark.parametrize("path", BUNDLED, ids=[p.stem for p in BUNDLED])
def test_the_bundled_markdown_submissions_read_alike_with_and_without_item_types(path):
    question_folder = path.relative_to(ROOT / "submissions").parts[0]
    rubric = load_rubric(ROOT / "rubrics" / f"{question_folder}.yaml")
    plain = load_markdown_submission(path, answer_names(rubric))
    typed = load_markdown_submission(path, answer_names(rubric), item_for=_slots(rubric))
    assert plain == typed
    assert plain.unassigned == ()
    assert grade_submission(rubric, plain).warnings == ()


DENIED = (
    "The words beside the maths of your answer may deny it or make it part of other maths, "
    "so it was not graded as written (shown as your answer); an instructor will read it."
)
JOINED_BY_AND = (
    "Your answer joins pieces of maths with 'and': they may be parts of one answer or "
    "different answers, so it was not graded (shown as your answer); an instructor will read it."
)
# Why the review has it, as recorded (was "text for this item that could not be read")
DISOWNED = "the student disowned the answer: words beside its maths deny it"
CHANGED = "the words beside the answer make its maths part of other maths"
AND = "its pieces of maths are joined by 'and': one answer, or several?"


# What a marker would not take for the student's answer as it stands, as a transcript's line
# whose words deny its maths is not (transcript._CHANGED_BEFORE, _CHANGED_AFTER): graded on
# its maths, these were marked as if the student asserted them, with only a warning.
@pytest.mark.parametrize(
    ("body", "item", "shown", "feedback", "why"),
    [
        pytest.param(
            "## (c)\nParameters: not $CD + D$\n",
            "c.params",
            "line 6: not $CD + D$",
            DENIED,
            DISOWNED,
            id="not before the only answer (it was 2/2)",
        ),
        pytest.param(
            "## (a)\nParameters: $PQD$ is wrong\n",
            "a.params",
            "line 6: $PQD$ is wrong",
            DENIED,
            DISOWNED,
            id="is wrong after the only answer",
        ),
        pytest.param(
            "## (b)\nParameters: I first wrote $9CD + D$ but that is wrong\n",
            "b.params",
            "line 6: I first wrote $9CD + D$ but that is wrong",
            DENIED,
            DISOWNED,
            id="but that is wrong after the only answer (it was 2/2)",
        ),
        pytest.param(
            "## (b)\nParameters: $9CD + D$, which is wrong\n",
            "b.params",
            "line 6: $9CD + D$, which is wrong",
            DENIED,
            DISOWNED,
            id="which is wrong after a comma (it was 2/2)",
        ),
        pytest.param(
            "## (d)\nParameters: twice $CD$\n",
            "d.params",
            "line 6: twice $CD$",
            DENIED,
            CHANGED,
            id="words that make the maths part of other maths (it was 2/2)",
        ),
        pytest.param(
            "## (c)\nParameters: $CD$ weights and $D$ biases, so $CD + D$ is wrong\n",
            "c.params",
            "line 6: $CD$ weights and $D$ biases, so $CD + D$ is wrong",
            DENIED,
            DISOWNED,
            id="shares set aside and the total denied (it was 2/2)",
        ),
        pytest.param(
            "## (c)\nParameters: $CD$ and $D$\n",
            "c.params",
            "line 6: $CD$ and $D$",
            JOINED_BY_AND,
            AND,
            id="two pieces joined by and (D was dropped as a name in a sentence)",
        ),
        pytest.param(
            "## (b)\nParameters:\n$9CD$\nand $D$\n",
            "b.params",
            "line 7: $9CD$\nline 8: and $D$",
            JOINED_BY_AND,
            AND,
            id="two pieces joined by and over two lines",
        ),
    ],
)
def test_an_answer_its_words_deny_or_join_goes_to_a_person(
    tmp_path, body, item, shown, feedback, why
):
    result = grade_submission(RUBRIC, _load(tmp_path, body)).items[item]
    assert (result.verdict, result.answer, result.feedback, result.decision) == (
        "needs_review",
        shown,
        (feedback,),
        (f"sent for review: {why}",),
    )


def test_the_review_queue_says_why_a_disowned_answer_is_there(tmp_path, capsys):
    from grader.cli import main

    path = tmp_path / "kim.md"
    path.write_text(f"{FRONT_MATTER}## (c)\nParameters: not $CD + D$\n", encoding="utf-8")
    rubric = str(ROOT / "rubrics" / "22-52-q4.yaml")
    out = tmp_path / "out"
    assert main(["grade", str(path), "--rubric", rubric, "--out", str(out), "--jobs", "1"]) == 0
    capsys.readouterr()
    assert main(["review", "--db", str(out / "gradebook.sqlite")]) == 0
    assert f"  - {DENIED}\n  why: {DISOWNED}\n" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("body", "item", "answer"),
    [
        pytest.param(
            "## (b)\nParameters: $9CD + D$, but I am not sure\n",
            "b.params",
            "9CD + D",
            id="not sure is a hedge, not a denial",
        ),
        pytest.param(
            "## (c)\nParameters: $CD + D$ and that is all\n",
            "c.params",
            "CD + D",
            id="and after the only answer, no maths after it",
        ),
        pytest.param(
            "## (c)\nParameters: $CD + D$ since the bias is not shared\n",
            "c.params",
            "CD + D",
            id="a denial in a reason after the answer is not of the answer",
        ),
        pytest.param(
            "## (e)\nFormula: $Y = XW$, which is not a convolution\n",
            "e.formula",
            "Y = XW",
            id="which is not, then more words: a description, not a denial",
        ),
        pytest.param(
            "## (e)\nFormula: $Y = XW$ and $W$ is $C \\times D$\n",
            "e.formula",
            "Y = XW",
            id="and, then a sentence about a name: not two pieces joined by and",
        ),
    ],
)
def test_words_beside_an_answer_that_do_not_deny_it_leave_it_read(tmp_path, body, item, answer):
    result = grade_submission(RUBRIC, _load(tmp_path, body)).items[item]
    assert (result.verdict, result.answer) == ("correct", answer)


# An answer under a label with an arrow is read as a transcript reads the line (trans17), by
# the reader answers given alone share (`answer_lines`): the answer after the arrow, said in a
# note; working before it that differs goes to a person, both steps shown.
@pytest.mark.parametrize(
    ("name", "label", "item", "answer", "verdict", "note"),
    [
        pytest.param(
            "attn-q1", "Entries", "c.count", "N x K -> N^2", "needs_review",
            'read N^2 as the answer: it follows "->"; N x K before it is working',
            id="N x K -> N^2 (was 2/2)",
        ),
        pytest.param(
            "attn-q1", "Entries", "c.count", "N × K → N^2", "needs_review",
            'read N^2 as the answer: it follows "→"; N × K before it is working',
            id="N × K → N^2 (was 2/2)",
        ),
        pytest.param(
            "attn-q1", "Entries", "c.count", "QK^T is N × K → N^2", "needs_review",
            'read N^2 as the answer: it follows "→"; QK^T is N × K before it is working',
            id="QK^T is N × K → N^2 (was 2/2)",
        ),
        pytest.param(
            "attn-q1", "Entries", "c.count", "N \\times K \\Rightarrow N^2", "needs_review",
            'read N^2 as the answer: it follows "⇒"; N \\times K before it is working',
            id="N \\times K \\Rightarrow N^2 (was invalid)",
        ),
        pytest.param(
            "attn-q1", "Entries", "c.count", "$N \\times N \\Rightarrow N^2$", "correct",
            'read N^2 as the answer: it follows "⇒"; N \\times N before it is working',
            id="$N \\times N \\Rightarrow N^2$ (was invalid)",
        ),
        pytest.param(
            "attn-q1", "Entries", "c.count", "N x N => N^2", "correct",
            'read N^2 as the answer: it follows "=>"; N x N before it is working',
            id="N x N => N^2 (was invalid)",
        ),
        pytest.param(
            "attn-q1", "Entries", "c.count", "N x K, so N^2", "needs_review",
            'read N^2 as the answer: it follows "so"; N x K before it is working',
            id="N x K, so N^2 (was 2/2)",
        ),
        pytest.param(
            "22-52-q4", "Formula", "d.formula",
            "Y = XW \\Rightarrow y_{i,k} = \\sum_{l=1}^C w_{l,k} x_{i,l}", "correct",
            'read y_{i,k} = \\sum_{l=1}^C w_{l,k} x_{i,l} as the answer: it follows "⇒"; Y = XW '
            "before it is working",
            id="a formula after \\Rightarrow (was invalid)",
        ),
    ],
)  # fmt: skip
def test_an_answer_under_a_label_with_an_arrow_is_read_as_a_transcript_reads_it(
    tmp_path, name, label, item, answer, verdict, note
):
    rubric = load_rubric(ROOT / "rubrics" / f"{name}.yaml")
    part = item.split(".")[0]
    (tmp_path / "md").mkdir()
    (tmp_path / "md" / "s.md").write_text(
        f"---\nstudent: s\nquestion: {rubric.id}\n---\n## ({part})\n{label}: {answer}\n",
        encoding="utf-8",
    )
    (tmp_path / "transcript").mkdir()
    (tmp_path / "transcript" / "kim.md").write_text(
        f"Name: kim\n\n({part}) {answer}\n", encoding="utf-8"
    )
    (labelled,) = grade_paths(rubric, [tmp_path / "md"]).results
    (line,) = grade_paths(rubric, [tmp_path / "transcript"]).results
    got, want = labelled.items[item], line.items[item]
    assert (got.verdict, got.answer) == (verdict, want.answer) == (want.verdict, want.answer)
    assert note in got.reading_notes and note in want.reading_notes
    if verdict == "needs_review":
        # the transcript's message, of line 1 of the answer rather than line 3 of the script
        working = "The steps of your working on line"
        assert got.feedback[0] == want.feedback[0].replace(
            f"{working} 3 ", f"{working} 1 of your answer "
        )
