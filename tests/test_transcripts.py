"""Scripts as students write them (issue 13): the two seed scripts, cut from the seed as they
stand, grade as their hand transcriptions do, with the second student's double counts sent
to a person showing both; every answer says where it was found."""

from __future__ import annotations

import re
import sqlite3
from pathlib import Path

import pytest

from grader import gradebook
from grader.grade import grade_paths
from grader.rubric import load_rubric
from grader.submissions import load_submission
from grader.submissions.transcript import MOST_ANSWERS, MOST_TERMS_JOINED, answer_among_words

ROOT = Path(__file__).resolve().parent.parent
RUBRIC = load_rubric(ROOT / "rubrics" / "22-52-q4.yaml")
FOLDER = ROOT / "submissions" / "22-52-q4"
DOUBLE_COUNTS = {"a.params", "b.params", "c.params", "d.params"}


def _graded(*paths: Path) -> dict:
    return {result.student: result for result in grade_paths(RUBRIC, list(paths)).results}


@pytest.mark.parametrize("number", [1, 2])
def test_a_seed_script_as_it_stands_grades_as_its_hand_transcription(number):
    raw = FOLDER / "raw" / f"seed-student-{number}-raw.md"
    graded = _graded(raw, FOLDER / f"seed-student-{number}.yaml")
    script, hand = graded[f"seed-student-{number}-raw"], graded[f"seed-student-{number}"]
    for item_id, expected in hand.items.items():
        got = script.items[item_id]
        if number == 2 and item_id in DOUBLE_COUNTS:
            assert got.verdict == "needs_review", item_id
            continue
        assert (got.verdict, got.marks) == (expected.verdict, expected.marks), item_id


@pytest.mark.parametrize(
    ("item_id", "shown"),
    [
        (
            "a.params",
            [
                "line 9: CD + D (the machine's reading earns 0 of 2)",
                "line 11: C \\times D (the machine's reading earns",
            ],
        ),
        (
            "b.params",
            [
                "9CD (the machine's reading earns 0 of 2)",
                "line 15: 9CD + D (the machine's reading earns 2 of 2)",
            ],
        ),
        (
            "c.params",
            [
                "line 17: CD (the machine's reading earns 0 of 2)",
                "CD + D (the machine's reading earns 2 of 2)",
            ],
        ),
        (
            "d.params",
            [
                "line 19: CD (the machine's reading earns 2 of 2)",
                "CD + D (the machine's reading earns 0 of 2)",
            ],
        ),
    ],
)
def test_the_second_students_double_counts_go_to_a_person_with_both_shown(item_id, shown):
    result = _graded(FOLDER / "raw" / "seed-student-2-raw.md")["seed-student-2-raw"]
    item = result.items[item_id]
    assert item.verdict == "needs_review" and item.marks == 0
    assert item.feedback[0].startswith(
        "Your script gives 2 different answers to this item; an instructor will decide "
        "which is yours: "
    )
    for words in shown:
        assert words in item.feedback[0]
    assert "Correct." not in item.feedback  # of one line's answer, not of the item's


def test_every_answer_taken_from_a_script_says_where_it_was_found():
    result = _graded(FOLDER / "raw" / "seed-student-1-raw.md")["seed-student-1-raw"]
    assert result.items["a.params"].found == (
        "from line 18: parameters P \\times P \\times C \\times D + P \\times Q \\times…"
    )
    assert result.items["d.params"].found == "from line 35: C \\times D"
    assert result.items["e.formula"].found == "from line 40: Y = XW"
    assert result.items["c.params"].verdict == "missing" and result.items["c.params"].found is None
    assert result.warnings == (
        "line 10: text in part 'a' that no item took: 'Solution ① understand'",
    )


def test_the_restated_question_and_the_matrix_picture_are_not_answers():
    submission = load_submission(FOLDER / "raw" / "seed-student-1-raw.md", RUBRIC)
    formula = submission.answers["a.formula"]
    assert formula.text.startswith("y_{ijk} = \\sum_{l=1}^C")
    assert formula.alternatives == ()
    assert "bmatrix" not in " ".join(a.text or "" for a in submission.answers.values())


def test_a_script_without_front_matter_is_the_student_its_file_is_named_after(tmp_path):
    text = (FOLDER / "raw" / "seed-student-1-raw.md").read_text(encoding="utf-8")
    body = text.split("---\n", 2)[2]
    path = tmp_path / "ann-lee.md"
    path.write_text(body, encoding="utf-8")
    tex = tmp_path / "bo.tex"
    tex.write_text(body, encoding="utf-8")
    graded = _graded(path, tex)
    assert set(graded) == {"ann-lee", "bo"}
    assert graded["ann-lee"].total == graded["bo"].total == 16.5


def test_a_gradebook_written_before_answers_were_found_gets_the_column(tmp_path):
    path = tmp_path / "old.sqlite"
    old_schema = gradebook.SCHEMA.replace("    found TEXT,\n", "")
    assert old_schema != gradebook.SCHEMA
    connection = sqlite3.connect(path)
    connection.executescript(old_schema)
    connection.close()
    connection = gradebook.connect(path)
    columns = {row[1] for row in connection.execute("PRAGMA table_info(item_results)")}
    connection.close()
    assert "found" in columns


def test_the_review_queue_shows_where_each_answer_was_found(tmp_path, capsys):
    from grader.cli import main

    out = tmp_path / "out"
    raw = FOLDER / "raw" / "seed-student-2-raw.md"
    assert main(["grade", str(raw), "--rubric", str(ROOT / "rubrics" / "22-52-q4.yaml"),
                 "--out", str(out), "--jobs", "1"]) == 0  # fmt: skip
    capsys.readouterr()
    assert main(["review", "--db", str(out / "gradebook.sqlite")]) == 0
    review = capsys.readouterr().out
    assert "a.params (1): seed-student-2-raw\n  answer: CD + D\n" in review
    assert "  seed-student-2-raw: from line 9: bias: CD + D\n" in review
    overview = (out / "instructor" / "index.html").read_text(encoding="utf-8")
    assert 'seed-student-2-raw</a> <span class="muted">(from line 9: bias: CD + D)</span>' in (
        overview
    )


@pytest.mark.parametrize(
    "answer",
    [
        pytest.param("9cd + d", id="lower-case symbols"),
        pytest.param("9𝐶𝐷 + 𝐷", id="maths letters copied from a PDF"),
    ],
)
def test_an_answer_read_leniently_reads_the_same_from_yaml_and_from_a_script(tmp_path, answer):
    (tmp_path / "typed.yaml").write_text(
        f"student: typed\nquestion: 22-52-Q4\nanswers:\n  b:\n    params: '{answer}'\n",
        encoding="utf-8",
    )
    (tmp_path / "script.md").write_text(
        f"(b) the 3x3 convolution\n\nparameters: ${answer}$\n", encoding="utf-8"
    )
    graded = _graded(tmp_path / "typed.yaml", tmp_path / "script.md")
    typed, script = graded["typed"].items["b.params"], graded["script"].items["b.params"]
    assert typed.verdict == "correct" and typed.reading_notes
    assert (script.verdict, script.marks, script.reading_notes) == (
        typed.verdict,
        typed.marks,
        typed.reading_notes,
    )


def _script(tmp_path: Path, name: str, lines: list[str]) -> Path:
    path = tmp_path / f"{name}.md"
    head = ["---", f"student: {name}", "question: 22-52-Q4", "---", "(b) CNN?", ""]
    path.write_text("\n".join(head + lines) + "\n", encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("lines", "verdict", "notes"),
    [
        # thousands of different counts: the first 12 checked, how many said, a person decides
        (
            [f"parameters ${n}CD + D$" for n in range(4000)],
            "needs_review",
            [
                "Your script gives 4000 different answers to this item, of which the first 12 "
                "were checked; an instructor will decide which is yours: line 7: 0CD + D"
            ],
        ),
        # thirteen: one more than is checked
        (
            [f"parameters ${n}CD + D$" for n in range(13)],
            "needs_review",
            ["Your script gives 13 different answers to this item, of which the first 12"],
        ),
        # the same answer written many times is one answer, however spaced
        ([f"parameters $9CD{' ' * (n % 3)}+ D$" for n in range(40)], "correct", []),
        # the same chain of working written many times is one chain
        (["parameters $3 \\times 3 \\times C \\times D + D = 9CD + D$"] * 20, "correct", []),
        # twenty different chains: the first 12 checked, a person reads the rest
        (
            [f"parameters $3 \\times 3 \\times C \\times D + D = 9CD+D+{n}$" for n in range(20)],
            "needs_review",
            [
                "Your script gives 20 different answers to this item, of which the first 12",
                "Your script gives 20 chains of working for this item, of which the first 12 "
                "were checked; an instructor will read the rest.",
            ],
        ),
    ],
)
def test_many_answers_to_one_item_are_checked_up_to_a_dozen_and_counted(
    tmp_path, lines, verdict, notes
):
    item = _graded(_script(tmp_path, "many", lines))["many"].items["b.params"]
    assert item.verdict == verdict
    for note in notes:
        assert any(feedback.startswith(note) for feedback in item.feedback), item.feedback
    if len(set(lines)) > 12:
        submission = load_submission(_script(tmp_path, "many", lines), RUBRIC)
        assert len(submission.answers["b.params"].alternatives) == 11


ACTIVATIONS = load_rubric(ROOT / "rubrics" / "activations-q1.yaml")
LONG = "σ(1-σ) " * 400
SYMBOLS = "the symbols of this question are x, d_k, s_i, s_j."
# An answer just under the length limit (1,000 characters), right: σ(x)(1-σ(x)) + 0 + 0 …
NEAR_LIMIT = "σ(x)(1-σ(x))" + " + 0" * 245
UNREAD = (
    "Your script has text in part a that could not be read as an answer to this item (shown "
    "as your answer); an instructor will read it."
)


@pytest.mark.parametrize(
    ("script", "verdict", "answer", "notes", "feedback"),
    [
        pytest.param(
            "(a) σ(x)(1-σ(x)) where σ is the sigmoid",
            "correct",
            "σ(x)(1-σ(x))",
            ('set aside "where σ is the sigmoid", words after the answer',),
            ("Correct.",),
            id="maths before words that qualify it is read, the words set aside with a note",
        ),
        pytest.param(
            "(a) Derivative of σ: σ(x)(1-σ(x)) since σ is the sigmoid.",
            "correct",
            "σ(x)(1-σ(x))",
            ('set aside "since σ is the sigmoid.", words after the answer',),
            ("Correct.",),
            id="a label, maths and words after it: the maths is read",
        ),
        pytest.param(
            "(a) σ = 1/(1+e^{-x})\n\nσ'(x) = σ(x)(1-σ(x))",
            "correct",
            "σ'(x) = σ(x)(1-σ(x)), where σ = 1/(1+e^{-x})",
            (
                'set aside "σ\'(x) =" before the answer',
                'set aside "where σ = 1/(1+e^{-x})", a definition',
            ),
            ("Correct.",),
            id="the sigmoid defined on the line before is no second answer",
        ),
        pytest.param(
            "(a)\n$$\\sigma(x) = \\frac{1}{1+e^{-x}}$$\n$$\\sigma(x)(1-\\sigma(x))$$",
            "correct",
            "\\sigma(x)(1-\\sigma(x)), where \\sigma(x) = \\frac{1}{1+e^{-x}}",
            ('set aside "where \\sigma(x) = \\frac{1}{1+e^{-x}}", a definition',),
            ("Correct.",),
            id="sigma(x) defined in a display before the answer is no second answer",
        ),
        pytest.param(
            "(a) $\\sigma(x)(1-\\sigma(x))$, where $\\sigma(x) = \\tanh(x)$",
            "needs_review",
            "\\sigma(x)(1-\\sigma(x)), where \\sigma(x) = \\tanh(x)",
            ('set aside "where \\sigma(x) = \\tanh(x)", a definition',),
            None,
            id="a definition that is not the question's sigmoid goes to a person",
        ),
        pytest.param(
            "(a) The derivative with respect to $x$ is $\\sigma(x)(1-\\sigma(x))$.",
            "correct",
            "\\sigma(x)(1-\\sigma(x))",
            ('set aside "x" on line 3, a name in a sentence, not an answer',),
            ("Correct.",),
            id="a lone name in a sentence is no second answer beside another",
        ),
        pytest.param(
            "(a) I think it is $x$",
            "incorrect",
            "x",
            (),
            None,
            id="a lone name that is the part's only answer is its answer",
        ),
        pytest.param(
            "(a) σ = 1/(1+e^{-x})\n\ne^{-x}/(1+e^{-x})^2",
            "correct",
            "e^{-x}/(1+e^{-x})^2",
            (
                'set aside "σ = 1/(1+e^{-x})" on line 3, a definition of a name the answer '
                "does not use",
            ),
            ("Correct.",),
            id="a definition of a name the answer does not use is not read with it",
        ),
        pytest.param(
            f"(a) σ = 1/(1+e^{{-x}})\n\n{NEAR_LIMIT}",
            "correct",
            f"{NEAR_LIMIT}, where σ = 1/(1+e^{{-x}})",
            ('set aside "where σ = 1/(1+e^{-x})", a definition',),
            ("Correct.",),
            id="a definition does not count against the length of the answer it is read with",
        ),
        pytest.param(
            "(a) σ = 1/(1+e^{-x})",
            "needs_review",
            "line 3: σ = 1/(1+e^{-x})",
            (),
            (UNREAD,),
            id="a definition with no answer goes to a person with the text shown",
        ),
        pytest.param(
            "(a) I think it is σ times σ.\nit is σ minus σ squared, or maybe not",
            "needs_review",
            "line 3: I think it is σ times σ.\nline 4: it is σ minus σ squared, or maybe not",
            (),
            (
                f"{UNREAD} Read as maths, line 3 stops at \"…it is σ times σ.\": unexpected '.'. "
                "Read as maths, line 4 stops at \"…minus σ squared,\": unexpected ',': a list "
                "of values is only a function's arguments, as in max(a, b).",
            ),
            id="words no item reads go to a person with the text shown, never missing",
        ),
        pytest.param(
            "(a) it is σ - σ² I believe",
            "correct",
            "σ - σ²",
            (
                'set aside "it is", words before the answer',
                'set aside "I believe", words after the answer',
                "read σ as σ(x)",
            ),
            ("Correct.",),
            id="words, maths, then how sure: the maths is read, both words set aside",
        ),
        pytest.param(
            "(a) I think the answer is σ(x)(1-σ(x))",
            "correct",
            "σ(x)(1-σ(x))",
            ('set aside "I think the answer is", words before the answer',),
            ("Correct.",),
            id="words before the maths are set aside with a note",
        ),
        pytest.param(
            "(a) I'm fairly sure it's σ(x)(1+σ(x)), but not sure",
            "partial",
            "σ(x)(1+σ(x))",
            (
                "set aside \"I'm fairly sure it's\", words before the answer",
                'set aside "but not sure", words after the answer',
            ),
            None,
            id="words before a wrong answer: it is graded as written, the words set aside",
        ),
        pytest.param(
            "(a) the output y is σ(x)(1-σ(x))",
            "needs_review",
            "line 3: the output y is σ(x)(1-σ(x))",
            (),
            (f'{UNREAD} Read as maths, line 3 stops at "the": unknown name the; {SYMBOLS}',),
            id="words with two pieces of maths among them go to a person",
        ),
        pytest.param(
            "(a) the answer is σ(x)(1-σ(x)) is what I got",
            "needs_review",
            "line 3: the answer is σ(x)(1-σ(x)) is what I got",
            (),
            (f'{UNREAD} Read as maths, line 3 stops at "the": unknown name the; {SYMBOLS}',),
            id="maths inside a sentence of its own goes to a person",
        ),
        pytest.param(
            f"(a) Derivative: {LONG}",
            "needs_review",
            f"line 3: Derivative: {LONG.strip()}"[:2000]
            + f"… ({len('line 3: Derivative: ' + LONG.strip()) - 2000} more characters, "
            "in the script)",
            (),
            (
                f"{UNREAD} Read as maths, line 3: this answer is "
                f"{len(f'Derivative: {LONG}')} characters long; the limit is 1000.",
            ),
            id="an answer too long to read goes to a person with its start shown",
        ),
        pytest.param(
            "(a) σ(x)(1-σ(x)) or maybe σ(x)(1+σ(x))",
            "needs_review",
            "line 3: σ(x)(1-σ(x)) or maybe σ(x)(1+σ(x))",
            (),
            None,
            id="two answers joined by or go to a person, not the first read, the second set aside",
        ),
        pytest.param(
            "(a) σ(x)(1-σ(x)) and σ - σ^2",
            "needs_review",
            "line 3: σ(x)(1-σ(x)) and σ - σ^2",
            (),
            None,
            id="two answers joined by and go to a person",
        ),
        pytest.param(
            "(a) it is not σ(x)(1-σ(x))",
            "needs_review",
            "line 3: it is not σ(x)(1-σ(x))",
            (),
            None,
            id="words denying the maths are not set aside: for a person (it was full marks)",
        ),
        pytest.param(
            "(a) it is not $\\sigma(x)(1-\\sigma(x))$",
            "needs_review",
            "line 3: it is not $\\sigma(x)(1-\\sigma(x))$",
            (),
            None,
            id="the same with the maths in dollars",
        ),
        pytest.param(
            "(a) no σ(x)(1-σ(x))",
            "needs_review",
            "line 3: no σ(x)(1-σ(x))",
            (),
            None,
            id="no right before the maths denies it: for a person ('no' was set aside)",
        ),
        pytest.param(
            "(a) half of $\\sigma(x)(1-\\sigma(x))$",
            "needs_review",
            "line 3: half of $\\sigma(x)(1-\\sigma(x))$",
            (),
            None,
            id="words that make the maths part of other maths: for a person",
        ),
        pytest.param(
            "(a) $\\sigma(x)(1-\\sigma(x))$ is wrong",
            "needs_review",
            "line 3: $\\sigma(x)(1-\\sigma(x))$ is wrong",
            (),
            None,
            id="maths the words after it deny: for a person",
        ),
        pytest.param(
            "(a) σ(x)(1-σ(x)) or so I believe",
            "correct",
            "σ(x)(1-σ(x))",
            ('set aside "or so I believe", words after the answer',),
            ("Correct.",),
            id="or followed by words only is set aside",
        ),
        # Found by a probe: the remark's closing bracket was set aside with its words and the
        # opening one kept with the maths, "'[' is never closed".
        pytest.param(
            "(a) σ(x)(1-σ(x)) [by the quotient rule]",
            "correct",
            "σ(x)(1-σ(x))",
            ('set aside "[by the quotient rule]", words after the answer',),
            ("Correct.",),
            id="a remark in square brackets after the maths is set aside whole",
        ),
        pytest.param(
            "(a) σ(x)(1-σ(x)) (by the chain rule).",
            "correct",
            "σ(x)(1-σ(x))",
            ('set aside "(by the chain rule).", words after the answer',),
            ("Correct.",),
            id="a remark in round brackets after the maths is set aside whole",
        ),
        pytest.param(
            "(a) $\\sigma(1-\\sigma) = \\sigma - \\sigma^2$",
            "correct",
            "\\sigma(1-\\sigma) = \\sigma - \\sigma^2",
            (
                "read σ as σ(x)",
                "the bracket after a function written alone read as a factor; read as its "
                "argument, σ(1 - σ(x)) = σ(x) - σ(x)², the working would not hold",
            ),
            ("Correct.",),
            id="working whose steps hold is read by its last side",
        ),
    ],
)
def test_what_a_student_writes_for_a_part_is_read_or_goes_to_a_person(
    tmp_path, script, verdict, answer, notes, feedback
):
    (tmp_path / "kim.md").write_text(f"Name: kim\n\n{script}\n", encoding="utf-8")
    (result,) = grade_paths(ACTIVATIONS, [tmp_path]).results
    item = result.items["a.derivative"]
    assert (item.verdict, item.answer, item.reading_notes) == (verdict, answer, notes)
    if feedback is not None:
        assert item.feedback == feedback


@pytest.mark.parametrize(
    ("script", "warnings"),
    [
        pytest.param(
            "(a) I think it is σ times σ.",
            (),
            id="text shown as an item's unread answer is not said again as a warning",
        ),
        pytest.param(
            "(a) I think it is σ times σ.\n$$\\sigma(x)(1-\\sigma(x))$$",
            ("line 3: text in part 'a' that no item took: 'I think it is σ times σ.'",),
            id="text beside an answer, shown nowhere else, is a warning",
        ),
    ],
)
def test_text_no_item_took_is_said_once(tmp_path, script, warnings):
    (tmp_path / "kim.md").write_text(f"Name: kim\n\n{script}\n", encoding="utf-8")
    (result,) = grade_paths(ACTIVATIONS, [tmp_path]).results
    assert result.warnings == warnings


@pytest.mark.parametrize(
    ("rubric", "script", "item"),
    [
        pytest.param(
            "activations-q1",
            "(b) 1 - tanh²(x) for x ≥ 0 and 1 + tanh²(x) for x < 0",
            "b.derivative",
            id="a case split after the maths: not its first case alone (was correct, 2/2)",
        ),
        pytest.param(
            "activations-q1",
            "(a) σ(x)(1-σ(x)) if x > 0, otherwise 0",
            "a.derivative",
            id="a condition and another case after the maths (was correct, 3/3)",
        ),
        pytest.param(
            "22-52-q4",
            "(b) I think it is 9CD + D if bias is used",
            "b.params",
            id="a condition after maths that words come before (was correct, 2/2)",
        ),
        pytest.param(
            "22-52-q4",
            "(b) Parameters: 9CD + D if bias is used, otherwise 9CD",
            "b.params",
            id="a hedge between two counts (was correct, 2/2)",
        ),
        pytest.param(
            "22-52-q4",
            "(a) Parameters: PQD(PQC+1), which for P=4, Q=3, C=2, D=5 is 1600",
            "a.params",
            id="a value after the count, in words (was correct, 2/2, the wrong value set aside)",
        ),
    ],
)
def test_words_after_the_maths_that_condition_it_or_hold_maths_send_it_to_a_person(
    tmp_path, rubric, script, item
):
    (tmp_path / "kim.md").write_text(f"Name: kim\n\n{script}\n", encoding="utf-8")
    (result,) = grade_paths(load_rubric(ROOT / "rubrics" / f"{rubric}.yaml"), [tmp_path]).results
    graded = result.items[item]
    assert graded.verdict == "needs_review", graded.feedback
    assert graded.answer == f"line 3: {script[4:]}"


@pytest.mark.parametrize(
    ("line", "verdict", "answer"),
    [
        pytest.param(
            "(c) Parameters: $CD$ weights and $D$ biases, so $CD + D$",
            "correct",
            "CD + D",
            id="words right after a piece say it is a share, over the line's label (was CD, 0)",
        ),
        pytest.param(
            "(b) Parameters: $9CD$ + $D$",
            "needs_review",
            "line 3: Parameters: $9CD$ + $D$",
            id="two pieces joined by + are not two answers: for a person (it was D, 0)",
        ),
        # (marks) a comma or semicolon before the + changes nothing (was 9CD, 0, D dropped)
        pytest.param(
            "(b) Parameters: $9CD$, + $D$",
            "needs_review",
            "line 3: Parameters: $9CD$, + $D$",
            id="two pieces joined by a comma and + are not two answers: for a person",
        ),
        pytest.param(
            "(b) The weights are $9CD$; + $D$ biases",
            "needs_review",
            "line 3: The weights are $9CD$; + $D$ biases",
            id="two pieces joined by a semicolon and + are not two answers: for a person",
        ),
        pytest.param(
            "(c) Parameters: $CD$ and $D$",
            "needs_review",
            "line 3: Parameters: $CD$ and $D$",
            id="two pieces joined by and: parts of one count or two answers, for a person "
            "(it was CD, 0, D dropped)",
        ),
        pytest.param(
            "(c) Parameters: $CD$ or $D$",
            "needs_review",
            "line 3: Parameters: $CD$ or $D$",
            id="two pieces joined by or: two answers, for a person (it was CD, 0, D dropped)",
        ),
        pytest.param(
            "(c) Parameters: $CD + D$, or maybe $CD$",
            "needs_review",
            "line 3: Parameters: $CD + D$, or maybe $CD$",
            id="or maybe between two pieces: two answers, for a person (it was 2/2)",
        ),
        pytest.param(
            "(b) Parameters: I first wrote $9CD + D$ but that is wrong",
            "needs_review",
            "line 3: Parameters: I first wrote $9CD + D$ but that is wrong",
            id="but that is wrong after the maths denies it: for a person (it was 2/2)",
        ),
        pytest.param(
            "(b) Parameters: $9CD + D$, which is wrong",
            "needs_review",
            "line 3: Parameters: $9CD + D$, which is wrong",
            id="which is wrong after a comma denies it: for a person (it was 2/2)",
        ),
        pytest.param(
            "(b) Parameters: $9CD + D$, but I am not sure",
            "correct",
            "9CD + D",
            id="not sure after the maths is a hedge: read",
        ),
        pytest.param(
            "(c) Parameters: $CD$ weights plus $D$ biases",
            "correct",
            "CD weights plus D biases",
            id="two pieces joined by words with plus are their sum (was CD, 0)",
        ),
        pytest.param(
            "(b) Parameters: $D$ weights plus $9CD$ biases",
            "needs_review",
            "D weights plus 9CD biases",
            id="plus between pieces whose words name the terms the other way round: for a "
            "person, as check sends it (was 2/2)",
        ),
        pytest.param(
            "(b) $9CD$ weights, plus $D$ biases",
            "correct",
            "9CD weights, plus D biases",
            id="a comma before plus joins the pieces as plus alone does (was 9CD, 0, no note)",
        ),
        pytest.param(
            "(c) $CD$ weights; plus $D$ biases",
            "correct",
            "CD weights; plus D biases",
            id="a semicolon before plus joins the pieces (was CD, 0, no note)",
        ),
        pytest.param(
            "(c) There are $CD$ weights, plus $D$ biases.",
            "correct",
            "CD weights, plus D biases.",
            id="a comma before plus in a sentence (was CD, 0, no note)",
        ),
        pytest.param(
            "(c) $CD$ weights, plus one bias per filter, $D$",
            "correct",
            "CD + D",
            id="a comma before plus and words after it (was CD, 0, no note)",
        ),
        pytest.param(
            "(b) The weights are $9CD$, plus $D$ biases",
            "correct",
            "9CD, plus D biases",
            id="a comma right after the maths, before plus, read with its word as `9CD, plus D "
            "biases` is (was a line for a person, then 9CD + D)",
        ),
        pytest.param(
            "(b) $D$ weights, plus $9CD$ biases",
            "needs_review",
            "D weights, plus 9CD biases",
            id="a comma before plus, the terms named the other way round: for a person, as "
            "without the comma (was D, 0)",
        ),
        pytest.param(
            "(c) The number of parameters is $CD$ weights plus $D$ biases.",
            "correct",
            "CD weights plus D biases.",
            id="plus in a sentence (was CD, 0)",
        ),
        pytest.param(
            "(a) Parameters: $PQC \\cdot PQD$ weights plus $PQD$ biases",
            "correct",
            "PQC \\cdot PQD weights plus PQD biases",
            id="plus after a product in LaTeX: read with its words (was PQC·PQD, 0; then the "
            "sum without them)",
        ),
        pytest.param(
            "(a) Parameters: $PQD$ weights plus $PQC \\cdot PQD$ biases",
            "needs_review",
            "PQD weights plus PQC \\cdot PQD biases",
            id="terms in LaTeX named the other way round: for a person, as check sends it "
            "(was 2/2)",
        ),
        pytest.param(
            "(b) Parameters: $D$ weights plus $3 \\times 3 \\times C \\times D$ biases",
            "needs_review",
            "D weights plus 3 \\times 3 \\times C \\times D biases",
            id="terms with \\times named the other way round: for a person (was 2/2)",
        ),
        pytest.param(
            "(b) $9CD$ weights plus one bias per filter, $D$",
            "correct",
            "9CD + D",
            id="plus before words and a comma (was 9CD, 0)",
        ),
        pytest.param(
            "(c) Parameters: $CD$ weights plus half of $D$ biases",
            "needs_review",
            "line 3: Parameters: $CD$ weights plus half of $D$ biases",
            id="plus and words that change the maths: for a person (was CD, 0)",
        ),
        pytest.param(
            "(c) Parameters: $CD + D$ (weights plus biases)",
            "correct",
            "CD + D",
            id="plus in a remark in brackets after the count: read as before",
        ),
        pytest.param(
            "(b) Parameters: $9CD$ weights plus one bias per filter",
            "needs_review",
            "line 3: Parameters: $9CD$ weights plus one bias per filter",
            id="plus and a sum in words after the count: for a person (was 9CD, 0)",
        ),
    ],
)
def test_a_count_among_several_pieces_is_the_one_its_words_name(tmp_path, line, verdict, answer):
    (tmp_path / "kim.md").write_text(f"Name: kim\n\n{line}\n", encoding="utf-8")
    (result,) = grade_paths(RUBRIC, [tmp_path]).results
    item = result.items[f"{line[1]}.params"]
    assert (item.verdict, item.answer) == (verdict, answer)
    if "plus" in line and "(weights" not in line and verdict != "needs_review":
        # the sum is said, in the words the student wrote; words naming its terms are read
        # by the count, which says so
        total = " + ".join(re.findall(r"\$([^$]*)\$", line))
        (note,) = [note for note in item.reading_notes if "pieces of maths" in note]
        assert note.startswith('read "$') and note.endswith(
            f'as one answer, {total}: its pieces of maths are joined by "plus"'
        )


@pytest.mark.parametrize(
    ("text", "maths"),
    [
        pytest.param(
            r"X^T \delta, where \delta = dL/dY, \delta being N x D",
            None,
            id="a definition after the maths is the answer's own, read with it",
        ),
        pytest.param(
            "X^T δ with δ = dL/dY and δ is the upstream gradient",
            None,
            id="a definition after 'with'",
        ),
        pytest.param(
            "σ(x)(1-σ(x)) where σ is the sigmoid",
            "σ(x)(1-σ(x))",
            id="words saying what a name is are still set aside",
        ),
    ],
)
def test_words_after_the_maths_that_define_a_name_are_not_set_aside(text, maths):
    among = answer_among_words(text)
    assert (among and among.maths) == maths


# Words beside maths that neither deny it nor join it to other maths by "and" alone: the
# maths is read as before (the first change for "$CD$ and $D$" took this line from e.formula,
# which was then missing).
@pytest.mark.parametrize(
    ("line", "item", "answer"),
    [
        pytest.param(
            "(e) $Y = XW$ and $W$ is $C \\times D$",
            "e.formula",
            "Y = XW",
            id="and, then a sentence about a name",
        ),
        pytest.param(
            "(e) $Y = XW$, which is not a convolution",
            "e.formula",
            "Y = XW",
            id="which is not, then more words: a description",
        ),
    ],
)
def test_words_that_neither_deny_nor_join_leave_the_maths_read(tmp_path, line, item, answer):
    (tmp_path / "kim.md").write_text(f"Name: kim\n\n{line}\n", encoding="utf-8")
    (result,) = grade_paths(RUBRIC, [tmp_path]).results
    assert (result.items[item].verdict, result.items[item].answer) == ("correct", answer)


Q4_A = "Parameters: $PQC \\cdot PQD + PQD$"
Q4_B = "Parameters: $9CD + D$"
Q4_C = "Parameters: $CD + D$"
DENYING_SENTENCE = (
    "This is not $Y = XW + b$ because a 1x1 convolution shares its weights across all pixels."
)


@pytest.mark.parametrize(
    ("rubric", "script", "item_id", "verdict", "answer"),
    [
        pytest.param(
            "attn-q1", "(c) $N^2$", "c.count", "correct", "N^2",
            id="a count of one letter alone after the marker of a part of one item (was missing)",
        ),
        pytest.param(
            "attn-q1", "(c)\n$N^2$", "c.count", "correct", "N^2",
            id="a count of one letter alone on the line after the marker (was missing)",
        ),
        pytest.param(
            "mha-q1", "(b) $d^2$", "b.params", "correct", "d^2",
            id="a right count d^2 alone after its marker (was missing)",
        ),
        pytest.param(
            "mha-q1", "(b) $N^2$", "b.params", "incorrect", "N^2",
            id="a wrong count of one letter is graded, not 'No answer was given'",
        ),
        pytest.param(
            "22-52-q4", "(c) $D$", "c.params", "needs_review", "line 1: $D$",
            id="inline maths no item of a part of two takes goes to a person (was missing)",
        ),
        *(
            pytest.param(
                "22-52-q4", f"{marker}\n{Q4_C}", "c.params", "correct", "CD + D",
                id=f"{marker!r} is a part marker (was missing)",
            )
            for marker in (
                "Part (c)", "Part (c):", "### Part (c)", "PART (C)", "Q4(c)", "Q4 (c)", "Q4c)",
                "c:", "c -",
            )
        ),
        *(
            pytest.param(
                "22-52-q4", f"{marker}\n{Q4_C}", "c.params", "correct", "CD + D",
                id=f"{marker!r}, the question's number written so, is a part marker (was missing)",
            )
            for marker in (
                "Q1. (c)", "Q4: (c)", "Question 4. (c)", "Question 4, part (c)", "4. (c)",
                "4.(c)", "Problem 4 (c)",
            )
        ),
        *(
            pytest.param(
                "22-52-q4", f"{marker}\n{Q4_C}", "c.params", "correct", "CD + D",
                id=f"{marker!r} is a part marker",
            )
            for marker in ("4(c)", "4 (c)", "Question 4 (c):", "Question 4(c)", "Q4 part (c)")
        ),
        pytest.param(
            "22-52-q4", f"(b)\n{Q4_B}\n1. c) the weights are shared\n(c)\n{Q4_C}",
            "b.formula", "needs_review", "line 3: 1. c) the weights are shared",
            id="'1. c)', a numbered list's item, is no marker",
        ),
        pytest.param(
            "22-52-q4", "c: $CD + D$", "c.params", "correct", "CD + D",
            id="'c:' before maths on its line is a part marker",
        ),
        pytest.param(
            "22-52-q4", f"(b)\nParameters: $9CD + D$\nC: $3$\n(c)\n{Q4_C}", "b.formula",
            "needs_review", "line 3: C: $3$",
            id="'C:' in capitals is a name of the maths, not a part marker",
        ),
        pytest.param(
            "22-52-q4", f"(c)\n{Q4_C}\n(d)\nc: $CD + 5$", "c.params", "correct", "CD + D",
            id="'c:' after part c is no marker: its maths is not a second answer to c",
        ),
        pytest.param(
            "22-52-q4", f"(b)\nParameters: $9CD + D$\nSection C\n{Q4_C}", "c.params",
            "needs_review", "line 3: Section C",
            id="a part without answers whose name is in text no item took goes to a person",
        ),
        pytest.param(
            "22-52-q4", Q4_C, "c.params", "needs_review", "line 1: Parameters: $CD + D$",
            id="a script with no marker read goes to a person, shown its text (was missing)",
        ),
        pytest.param(
            "activations-q1", "(d) $s_i(1-s_i)$ and (e) $-s_is_j$", "e.offdiagonal", "correct",
            "-s_is_j",
            id="a marker in the middle of a line starts its part (was missing)",
        ),
        pytest.param(
            "activations-q1", "(d) $s_i(1-s_i)$ and (e) $-s_is_j$", "d.diagonal", "correct",
            "s_i(1-s_i)",
            id="the part before a marker in the middle of a line keeps its answer",
        ),
        pytest.param(
            "22-52-q4", "(b) $9CD + D$, as in (a)", "b.params", "correct", "9CD + D",
            id="an earlier part named in the middle of a line is no marker",
        ),
        pytest.param(
            "22-52-q4", f"(a)\n{Q4_A}\n(b)\n{Q4_B}\n(e) $Y = XW$\nTwo observations:\n"
            "a. A 1x1 convolution applies the same linear map at every position.\n"
            "b. The PQ positions play the role of tokens.",
            "e.explanation", "partial",
            "Two observations: a. A 1x1 convolution applies the same linear map at every "
            "position. b. The PQ positions play the role of tokens.",
            id="a lettered list inside a later part stays its text (was cut into parts a, b)",
        ),
        pytest.param(
            "22-52-q4", f"(a)\n{Q4_A}\n(b)\na. k. a. a 3x3 convolution; {Q4_B}",
            "a.params", "correct", "PQC \\cdot PQD + PQD",
            id="'a. k. a.' in part b does not reopen part a (was a second answer to a)",
        ),
        pytest.param(
            "22-52-q4", f"(a)\n{Q4_A}\n(b)\n{Q4_B}\n(a)\nParameters: $CD$",
            "a.params", "needs_review", "PQC \\cdot PQD + PQD",
            id="'(a)' again reopens part a: its two answers go to a person",
        ),
        pytest.param(
            "22-52-q4", f"(b)\nc: $C$ input channels\n{Q4_B}\n(c)\n{Q4_C}",
            "b.params", "correct", "9CD + D",
            id="'c:' before a part's own '(c)' marker is no marker (was missing)",
        ),
        pytest.param(
            "22-52-q4", f"(b)\nc: $C$ input channels\n{Q4_B}", "b.params", "correct",
            "9CD + D",
            id="'c:' before a lone name and words defines the name (was missing)",
        ),
        pytest.param(
            "22-52-q4", f"### Part (c) The 1x1 layer\n{Q4_C}", "c.params", "correct", "CD + D",
            id="'Part (c)' in a heading is a marker, whatever title follows it",
        ),
        pytest.param(
            "22-52-q4", f"(a)\nPart (b) shares weights, but here nothing is shared:\n{Q4_A}\n"
            f"(b)\n{Q4_B}",
            "a.params", "correct", "PQC \\cdot PQD + PQD",
            id="'Part (b)' and the words of a sentence is no marker (was missing)",
        ),
        *(
            pytest.param(
                "22-52-q4", f"(c)\n$y = x$ {words}\n{Q4_C}\n(d)\nParameters: $CD$",
                "c.params", "correct", "CD + D",
                id=f"{words!r} in the middle of a line is no marker (was missing)",
            )
            for words in ("; (d) is the same without the bias", "and (d) drops the bias")
        ),
        pytest.param(
            "activations-q1", "(d) $s_i(1-s_i)$ and (e) is $-s_is_j$",
            "e.offdiagonal", "correct", "-s_is_j",
            id="a marker in the middle of a line, 'is' and maths starts its part",
        ),
        pytest.param(
            "22-52-q4", f"(c)\n$y = x$; (d) is the same without the bias\n{Q4_C}", "d.params",
            "needs_review", "line 2: $y = x$; (d) is the same without the bias",
            id="an item with no answer goes to a person shown a line naming its part in the "
            "middle (was graded on the part before's count)",
        ),
        pytest.param(
            "22-52-q4", f"(c)\n$y = x$ and (d) drops the bias\n{Q4_C}", "c.params", "correct",
            "CD + D",
            id="a marker in the middle of a line with words after it is no marker (was missing)",
        ),
        pytest.param(
            "22-52-q4", f"(b)\n$y = x$\n(c)\n{Q4_C}\nfor part (b) the count is $9CD + D$",
            "b.params", "needs_review", "line 5: for part (b) the count is $9CD + D$",
            id="an item with no answer goes to a person shown a line naming its part "
            "(was missing)",
        ),
        *(
            pytest.param(
                "22-52-q4", f"(b)\n$y = x$\n(c)\n{Q4_C}\n{back} parameters $9CD + D$\n(d)",
                item_id, "correct", answer,
                id=f"{back!r} returns to part b: {item_id} (was {was})",
            )
            for back in ("back to part (b):", "Returning to b:")
            for item_id, answer, was in (
                ("b.params", "9CD + D", "missing"),
                ("c.params", "CD + D", "a second answer"),
            )
        ),
        *(
            pytest.param(
                "22-52-q4", f"(e) $Y = XW$\nIt is a position-wise linear layer.\n{eg} the "
                "Transformer projections.", "e.explanation", "partial",
                f"It is a position-wise linear layer. {eg} the Transformer projections.",
                id=f"{eg!r} at the start of a line in part e is no marker (was read as (e))",
            )
            for eg in ("e. g.", "E. g.")
        ),
        pytest.param(
            "22-52-q4", f"(b)\n{Q4_B}\ne. g. the weights are shared.\n(e) $Y = XW$",
            "e.explanation", "missing", None,
            id="'e. g.' in part b does not start part e (its words were e's explanation)",
        ),
        *(
            pytest.param(
                "22-52-q4", f"(e) $Y = XW$\n{denied}\n{prose}", "e.explanation", verdict,
                prose or None,
                id=f"{denied!r}, denied maths, is not the explanation (was its prose)",
            )
            for denied, prose, verdict in (
                ("not $Y = XW + b$", "It is a position-wise linear layer.", "partial"),
                ("$Y = XW + b$ is wrong", "It is a position-wise linear layer.", "partial"),
            )
        ),
        *(
            pytest.param(
                "22-52-q4", f"(e)\n{line}", "e.explanation", "partial",
                line.replace("$", ""),
                id=f"{line[:30]!r}…: the part's only prose denies its maths: the explanation still",
            )
            for line in (
                "This is not $Y = XW + b$ because a 1x1 convolution shares its weights across all "
                "pixels, like a linear layer applied to each token.",
                "A 1x1 convolution is not $Y = XW + b$ per pixel; it shares the same weights at "
                "every pixel, like a per-token linear map in a Transformer.",
            )
        ),
        *(
            pytest.param(
                "22-52-q4", f"(e) $Y = XW$\n{first}\n{second}", "e.explanation", "partial",
                f"{first} {second}".replace("$", ""),
                id=f"{line[:30]!r}…: a sentence denying its maths beside other prose is part "
                "of the explanation (was left out, for a person)",
            )
            for line, first, second in (
                (
                    DENYING_SENTENCE,
                    DENYING_SENTENCE,
                    "It is a position-wise linear layer.",
                ),
                (
                    "A 1x1 convolution is not $Y = XW + b$ per pixel; it shares the same weights.",
                    "It is a position-wise linear layer.",
                    "A 1x1 convolution is not $Y = XW + b$ per pixel; it shares the same weights.",
                ),
            )
        ),
        pytest.param(
            "22-52-q4", "(e) $Y = XW$\nNot $CD + D$, since there is no bias.", "e.explanation",
            "incorrect", "Not CD + D , since there is no bias.",
            id="a part's only prose denies its maths: graded as the explanation, never missing",
        ),
        pytest.param(
            "22-52-q4", "(e)\n$Y = XW + b$ is wrong\nIt is a position-wise linear layer.",
            "e.formula", "needs_review", "line 2: $Y = XW + b$ is wrong",
            id="denied maths in a part with an explanation goes to a person (was its prose)",
        ),
        pytest.param(
            "22-52-q4", "c: $CD + D$\nd: $CD$", "c.formula", "missing", None,
            id="an item no line could answer is not sent to a person for a 'd:' that ended its "
            "part (a count is no formula; was needs_review)",
        ),
        pytest.param(
            "22-52-q4", "a: $$y_{i,j,k} = \\sum_{l=1}^C w_{l,k} x_{i,j,l}$$\n"
            "b: $$y_{i,j,k} = \\sum_{l=1}^C w_{l,k} x_{i,j,l} + b_k$$", "a.params", "missing",
            None,
            id="a count is not sent to a person for a 'b:' that ended its part with a formula "
            "(was needs_review)",
        ),
        pytest.param(
            "22-52-q4", "c: $y = x$\nd: $CD$", "c.params", "needs_review", "line 2: d: $CD$",
            id="an item goes to a person shown a 'd:' that ended its part with maths it could "
            "take",
        ),
        pytest.param(
            "22-52-q4", "(e) $Y = XW$\nA 1x1 convolution is a position-wise linear layer.",
            "a.params", "missing", None,
            id="an explanation's prose ('A 1x1 …') is no unread text naming part a (was "
            "needs_review)",
        ),
        *(
            pytest.param(
                "attn-q1", f"(a) $3EK + 3K$ {arrow} (b) $4EK + 3K + E$", "b.params", "correct",
                "4EK + 3K + E",
                id=f"a marker after {arrow!r} starts the next part (was missing, (a) two answers)",
            )
            for arrow in ("->", "→", "⇒")
        ),
        pytest.param(
            "22-52-q4", "(c)\n$y = x$ and (d) $CD$", "c.params", "needs_review",
            "line 2: $y = x$ and (d) $CD$",
            id="an item with no answer goes to a person shown a marker that ended its part "
            "in the middle of a line (was missing)",
        ),
    ],
)  # fmt: skip
def test_each_part_is_read_whatever_marker_the_script_writes(
    tmp_path, rubric, script, item_id, verdict, answer
):
    (tmp_path / "kim.md").write_text(f"{script}\n", encoding="utf-8")
    rubric = load_rubric(ROOT / "rubrics" / f"{rubric}.yaml")
    (result,) = grade_paths(rubric, [tmp_path]).results
    item = result.items[item_id]
    assert (item.verdict, item.answer) == (verdict, answer)


# A line whose words deny the maths another item took as its answer: the student retracts
# it, so that item goes to a person, the line quoted; a sentence denying maths no item took
# is the explanation's (above).
@pytest.mark.parametrize(
    ("script", "item_id", "line", "explanation"),
    [
        pytest.param(
            "(e) $Y = XW$\nPixels are tokens and channels are the embedding dimension.\n"
            "On reflection my formula $Y = XW$ is wrong because the bias must be included too.",
            "e.formula",
            3,
            "Pixels are tokens and channels are the embedding dimension.",
            id="a sentence of its own retracting the formula (was 2/2, joined the explanation)",
        ),
        pytest.param(
            "(e) Formula: $Y = XW$\nExplanation: pixels are tokens and channels are the "
            "embedding dimension. $Y = XW$ is wrong.",
            "e.formula",
            2,
            None,
            id="'$Y = XW$ is wrong.' in the explanation's line (was 2/2, silent)",
        ),
        pytest.param(
            "(e) $Y = XW$\nPixels are tokens and channels are the embedding dimension. This "
            "is not $Y = XW$ since we have a bias.",
            "e.formula",
            2,
            None,
            id="'This is not $Y = XW$' of the formula given (was 2/2, silent)",
        ),
        pytest.param(
            "(c) $y_{i,j,k} = \\sum_{l=1}^{C} w_{l,k} x_{i,j,l} + b_k$\nparameters $CD + D$\n"
            "I am not sure, it is not $CD + D$ since each position has its own bias.",
            "c.params",
            3,
            None,
            id="a count retracted on a later line (was 2/2 with a warning only)",
        ),
    ],
)
def test_a_line_denying_an_answer_an_item_took_sends_it_to_a_person(
    tmp_path, script, item_id, line, explanation
):
    (tmp_path / "kim.md").write_text(f"{script}\n", encoding="utf-8")
    (result,) = grade_paths(RUBRIC, [tmp_path]).results
    item = result.items[item_id]
    assert item.verdict == "needs_review", item.feedback
    words = script.split("\n")[line - 1]
    assert item.feedback[0].startswith(
        f'Line {line} of your script says this answer is wrong ("{words}"); an instructor '
        "will decide whether it is still your answer: the machine's reading earns"
    )
    if explanation is not None:
        assert result.items["e.explanation"].answer == explanation


def test_a_sentence_denying_maths_no_item_took_leaves_the_answer_graded(tmp_path):
    script = f"(e) $Y = XW$\n{DENYING_SENTENCE}\nIt is a position-wise linear layer."
    (tmp_path / "kim.md").write_text(f"{script}\n", encoding="utf-8")
    (result,) = grade_paths(RUBRIC, [tmp_path]).results
    assert result.items["e.formula"].verdict == "correct"
    assert DENYING_SENTENCE.replace("$", "") in result.items["e.explanation"].answer


@pytest.mark.parametrize(
    ("script", "item_id", "note"),
    [
        pytest.param(
            f"(b)\n$y = x$\n(c)\n{Q4_C}\nback to part (b): {Q4_B}",
            "b.params",
            'read "back to part (b):" on line 5 as a return to part b: what follows it is '
            "part b's answer",
            id="an answer after a return to its part says it was read so",
        ),
    ],
)
def test_a_return_to_a_part_is_said(tmp_path, script, item_id, note):
    (tmp_path / "kim.md").write_text(f"{script}\n", encoding="utf-8")
    (result,) = grade_paths(RUBRIC, [tmp_path]).results
    assert note in result.items[item_id].reading_notes


@pytest.mark.parametrize(
    ("text", "warning"),
    [
        pytest.param("", "line 1: the file is empty", id="an empty file"),
        pytest.param(" \n\n\t\n", "line 1: the file is empty", id="a file of blank lines"),
        pytest.param(
            "---\nstudent: kim\nquestion: 22-52-Q4\n---\n\n",
            "line 5: the file is empty after its front matter",
            id="front matter alone",
        ),
    ],
)
def test_an_empty_script_goes_to_a_person_saying_so(tmp_path, text, warning):
    (tmp_path / "kim.md").write_text(text, encoding="utf-8")
    (result,) = grade_paths(RUBRIC, [tmp_path]).results
    assert {item.verdict for item in result.items.values()} == {"needs_review"}
    assert all("the file is empty" in item.feedback[0] for item in result.items.values())
    assert [w.split(":", 2)[0] + ":" + w.split(":", 2)[1] for w in result.warnings] == [warning]


@pytest.mark.parametrize(
    ("rubric", "script", "item"),
    [
        pytest.param(
            "mha-q1",
            "(a)\n$3h(d d_k + d_k) = 3d^2 + 3d$",
            "a.params",
            id="steps equal under the rubric's relation d_k = d/h (was review, 'do not agree')",
        ),
        pytest.param(
            "strided-q1",
            "(a)\n$$\\lfloor (P+2-3)/2 \\rfloor + 1 = \\lceil P/2 \\rceil$$",
            "a.length",
            id="steps equal with floors compared exactly (was review, 'do not agree')",
        ),
    ],
)
def test_working_whose_steps_the_items_check_equates_is_graded(tmp_path, rubric, script, item):
    (tmp_path / "kim.md").write_text(f"Name: kim\n\n{script}\n", encoding="utf-8")
    (result,) = grade_paths(load_rubric(ROOT / "rubrics" / f"{rubric}.yaml"), [tmp_path]).results
    graded = result.items[item]
    assert (graded.verdict, graded.marks) == ("correct", graded.max_marks), graded.feedback
    assert not any("do not agree" in line for line in graded.feedback)


@pytest.mark.parametrize(
    ("rubric", "script", "item", "verdict", "notes"),
    [
        pytest.param(
            "attn-q1",
            "(a)\n3 × (E·K + K) = 3EK + 3K parameters",
            "a.params",
            "correct",
            ('set aside "parameters"',),
            id="a unit word after a count without $, read as check reads it (was review)",
        ),
        pytest.param(
            "attention-q2",
            "(b)\n2N^2 d_k MACs",
            "b.flops",
            "needs_review",
            ('set aside "MACs"',),
            id="its unit weighed against the item's, as check does (was review, unreadable)",
        ),
        pytest.param(
            "22-52-q4",
            "(a)\nThe answer is PQC·PQD + PQD parameters.",
            "a.params",
            "correct",
            ('read past the "." at the end', 'set aside "The answer is" and "parameters"'),
            id="words before and after a count in a sentence, as check reads it (was review)",
        ),
    ],
)
def test_a_line_without_dollars_is_read_with_its_words_as_check_reads_it(
    tmp_path, rubric, script, item, verdict, notes
):
    (tmp_path / "kim.md").write_text(f"Name: kim\n\n{script}\n", encoding="utf-8")
    (result,) = grade_paths(load_rubric(ROOT / "rubrics" / f"{rubric}.yaml"), [tmp_path]).results
    graded = result.items[item]
    assert (graded.verdict, graded.answer, graded.reading_notes) == (
        verdict,
        script.split("\n", 1)[1],
        notes,
    ), graded.feedback


@pytest.mark.parametrize(
    ("script", "answer", "verdict"),
    [
        pytest.param(
            "(b) FLOPs: $2N^2 d_k$ MACs",
            "2N^2 d_k MACs",
            "needs_review",
            id="MACs for FLOPs in words after the maths: a person decides (was correct, 2/2)",
        ),
        pytest.param(
            "(b) $2N^2 d_k$ multiplications",
            "2N^2 d_k multiplications",
            "needs_review",
            id="multiplications for FLOPs (was correct, 2/2)",
        ),
        pytest.param(
            "(b) $2N^2 d_k$ FLOPs", "2N^2 d_k", "correct", id="FLOPs for FLOPs: read as before"
        ),
    ],
)
def test_unit_words_after_a_count_are_weighed_as_check_weighs_them(
    tmp_path, script, answer, verdict
):
    (tmp_path / "kim.md").write_text(f"Name: kim\n\n{script}\n", encoding="utf-8")
    (result,) = grade_paths(load_rubric(ROOT / "rubrics" / "attention-q2.yaml"), [tmp_path]).results
    graded = result.items["b.flops"]
    assert (graded.verdict, graded.answer) == (verdict, answer), graded.feedback
    if verdict == "needs_review":
        assert graded.feedback[0].startswith("Your answer calls its count")


# A sum in words longer than MOST_TERMS_JOINED pieces is left to a person (the work stays
# linear); the person is told that, not what the parser says of its words.
@pytest.mark.parametrize(
    ("line", "pieces"),
    [
        pytest.param(
            "(b) $C$ weights plus $C$ weights plus $C$ weights plus $C$ weights plus $C$ weights "
            "plus $C$ weights plus $3CD$ weights plus $D$ biases",
            8,
            id="eight pieces named weights and biases (was told 'weights' is no symbol)",
        ),
        pytest.param(
            "(b) $1$ plus $1$ plus $1$ plus $1$ plus $1$ plus $9CD$ plus $D$",
            7,
            id="seven pieces (was told 'plus' is an unknown symbol)",
        ),
    ],
)
def test_a_sum_in_words_too_long_to_read_says_so(tmp_path, line, pieces):
    (tmp_path / "kim.md").write_text(f"Name: kim\n\n{line}\n", encoding="utf-8")
    (result,) = grade_paths(RUBRIC, [tmp_path]).results
    item = result.items["b.params"]
    assert item.verdict == "needs_review"
    (said,) = item.feedback
    assert said.endswith(
        f"Line 3 is a sum of {pieces} pieces of maths joined by words, too long to read in "
        f"words: at most {MOST_TERMS_JOINED} pieces are read as one sum."
    )


# A line of maths without `$` read as `grader check` reads it (`answer_among_words`): an arrow
# or a word of conclusion before the last piece makes it the answer, with a note.
@pytest.mark.parametrize(
    ("line", "answer", "note"),
    [
        pytest.param(
            "(c) N × N → N^2 entries",
            "N^2 entries",
            'read N^2 entries as the answer: it follows "→"; N × N before it is working',
            id="an arrow, then the count and its unit (was for a person: → not allowed)",
        ),
        pytest.param(
            "(c) N × N → N^2",
            "N^2",
            'read N^2 as the answer: it follows "→"; N × N before it is working',
            id="an arrow before the last piece (was for a person)",
        ),
        pytest.param(
            "(c) N x N, so N^2",
            "N^2",
            'read N^2 as the answer: it follows "so"; N x N before it is working',
            id="so before the last piece (was for a person)",
        ),
        pytest.param(
            "(c) QK^T is N × N → N^2",
            "N^2",
            'read N^2 as the answer: it follows "→"; QK^T is N × N before it is working',
            id="words and maths before an arrow (was for a person: → not allowed)",
        ),
        pytest.param(
            "(c) QK^T is N × N ⇒ N^2",
            "N^2",
            'read N^2 as the answer: it follows "⇒"; QK^T is N × N before it is working',
            id="words and maths before ⇒, no step read (was for a person)",
        ),
        pytest.param(
            "(c) QK^T is N x N => N^2",
            "N^2",
            'read N^2 as the answer: it follows "=>"; QK^T is N x N before it is working',
            id="words and maths before => (was for a person: > not allowed)",
        ),
    ],
)
def test_a_conclusion_in_a_line_without_dollars_gives_the_answer(tmp_path, line, answer, note):
    (tmp_path / "kim.md").write_text(f"Name: kim\n\n{line}\n", encoding="utf-8")
    rubric = load_rubric(ROOT / "rubrics" / "attn-q1.yaml")
    (result,) = grade_paths(rubric, [tmp_path]).results
    item = result.items["c.count"]
    assert (item.verdict, item.answer) == ("correct", answer)
    assert note in item.reading_notes


# A line of maths alone split by ⇒, =>, \Rightarrow or \implies: the last step is the
# answer, the steps before it working, said in a note; steps a count reads that disagree in
# value go to a person, both shown.
@pytest.mark.parametrize(
    ("rubric", "line", "item_id", "verdict", "answer", "note"),
    [
        pytest.param(
            "attn-q1",
            "(c) $N \\times N \\Rightarrow N^2$",
            "c.count",
            "correct",
            "N^2",
            'read N^2 as the answer: it follows "⇒"; N \\times N before it is working',
            id="\\Rightarrow, N^2 after it (was read as N \\times N, no note)",
        ),
        pytest.param(
            "attn-q1",
            "(c) $N \\times N \\implies N^2$",
            "c.count",
            "correct",
            "N^2",
            'read N^2 as the answer: it follows "⇒"; N \\times N before it is working',
            id="\\implies, N^2 after it (was read as N \\times N, no note)",
        ),
        pytest.param(
            "attn-q1",
            "(c) N x N => N^2",
            "c.count",
            "correct",
            "N^2",
            'read N^2 as the answer: it follows "=>"; N x N before it is working',
            id="=> without $ (was read as N x N, no note)",
        ),
        pytest.param(
            "attn-q1",
            "(c) $N \\times K \\Rightarrow N^2$",
            "c.count",
            "needs_review",
            "N^2",
            'read N^2 as the answer: it follows "⇒"; N \\times K before it is working',
            id="wrong working before \\Rightarrow goes to a person (was N \\times K, 0/2)",
        ),
        pytest.param(
            "attn-q1",
            "(c) N x K => N^2",
            "c.count",
            "needs_review",
            "N^2",
            'read N^2 as the answer: it follows "=>"; N x K before it is working',
            id="wrong working before => goes to a person (was N x K, 0/2)",
        ),
        pytest.param(
            "22-52-q4",
            "(b) Parameters: $3 \\times 3 \\times C \\times D + D \\Rightarrow 9CD + D$",
            "b.params",
            "correct",
            "9CD + D",
            'read 9CD + D as the answer: it follows "⇒"; 3 \\times 3 \\times C \\times D + D '
            "before it is working",
            id="working that agrees: the answer after \\Rightarrow, said (was read with no note)",
        ),
    ],
)
def test_the_step_after_an_arrow_in_maths_is_the_answer(
    tmp_path, rubric, line, item_id, verdict, answer, note
):
    (tmp_path / "kim.md").write_text(f"Name: kim\n\n{line}\n", encoding="utf-8")
    (result,) = grade_paths(load_rubric(ROOT / "rubrics" / f"{rubric}.yaml"), [tmp_path]).results
    item = result.items[item_id]
    assert (item.verdict, item.answer) == (verdict, answer), item.feedback
    assert note in item.reading_notes
    if verdict == "needs_review":
        assert item.feedback[0].startswith("The steps of your working on line 3 do not agree")


# A step another item takes before the arrow (a formula, then a count) is no working of the
# count after it: no note says it is (the seed script's line 17).
@pytest.mark.parametrize(
    "line",
    [
        pytest.param(
            "(c) $y_{ijk} = \\sum_{n=1}^C W_{kn} \\cdot x_{ijn} \\Rightarrow CD$ trainable params",
            id="a formula, then a count after \\Rightarrow",
        ),
    ],
)
def test_another_items_step_before_an_arrow_is_not_called_working(tmp_path, line):
    (tmp_path / "kim.md").write_text(f"Name: kim\n\n{line}\n", encoding="utf-8")
    (result,) = grade_paths(RUBRIC, [tmp_path]).results
    assert result.items["c.formula"].answer == "y_{ijk} = \\sum_{n=1}^C W_{kn} \\cdot x_{ijn}"
    assert result.items["c.params"].answer == "CD"
    assert not any("working" in note for note in result.items["c.params"].reading_notes)


# The same where the pieces are apart (`$y = …$ → $CD + D$`): each item's answer is read, and
# neither note calls the other's answer working.
@pytest.mark.parametrize(
    ("line", "formula", "count"),
    [
        pytest.param(
            "(c) $y_{i,j,k} = \\sum_{l=1}^{C} w_{l,k} x_{i,j,l} + b_k$ → $CD + D$",
            "c.formula",
            "c.params",
            id="a formula → a count (the count's note called the formula working)",
        ),
        pytest.param(
            "(c) parameters $CD + D$ ⇒ $y_{i,j,k} = \\sum_{l=1}^{C} w_{l,k} x_{i,j,l} + b_k$",
            "c.formula",
            "c.params",
            id="a count ⇒ a formula (the formula's note called the count working)",
        ),
        pytest.param(
            "(d) $y_{i,k} = \\sum_{l=1}^{C} w_{l,k} x_{i,l}$ so $CD$ parameters",
            "d.formula",
            "d.params",
            id="a formula so a count (the count's note called the formula working)",
        ),
    ],
)
def test_another_items_piece_before_a_conclusion_is_not_called_working(
    tmp_path, line, formula, count
):
    (tmp_path / "kim.md").write_text(f"Name: kim\n\n{line}\n", encoding="utf-8")
    (result,) = grade_paths(RUBRIC, [tmp_path]).results
    for item_id in (formula, count):
        assert result.items[item_id].verdict == "correct", item_id
        assert not any("working" in note for note in result.items[item_id].reading_notes)


# Working before an arrow (or "so" with no words beside the maths) that the count reads and
# that differs from the answer after it (`N x K -> N^2`: N×K is not N²): a person decides,
# shown both; working that agrees is read (`N × N → N^2`, above).
@pytest.mark.parametrize(
    ("line", "working"),
    [
        pytest.param("(c) N x K -> N^2", "N x K", id="N x K -> N^2 (was 2/2)"),
        pytest.param("(c) N × K → N^2", "N × K", id="N × K → N^2 (was 2/2)"),
        pytest.param("(c) QK^T is N × K → N^2", "N × K", id="words, N × K → N^2 (was 2/2)"),
        pytest.param("(c) QK^T is N × K ⇒ N^2", "N × K", id="words, N × K ⇒ N^2 (was 2/2)"),
        pytest.param("(c) N x K, so N^2", "N x K", id="N x K, so N^2 (was 2/2)"),
        pytest.param(
            "(c) $N \\times K$ → $N^2$", "N \\times K", id="$N \\times K$ → $N^2$ (was 2/2)"
        ),
        pytest.param(
            "(c) QK^T is $N \\times K$ → $N^2$",
            "N \\times K",
            id="words, $N \\times K$ → $N^2$ (was 2/2)",
        ),
        pytest.param(
            "(c) $N \\times K$, so $N^2$", "N \\times K", id="$N \\times K$, so $N^2$ (was 2/2)"
        ),
        # an arrow in LaTeX, or "=", between two pieces concludes as ⇒ does (F3)
        *(
            pytest.param(
                f"(c) $N \\times K$ {arrow} $N^2$",
                "N \\times K",
                id=f"$N \\times K$ {arrow} $N^2$ (was N \\times K, 0/2, $N^2$ dropped)",
            )
            for arrow in ("\\implies", "\\Rightarrow", "\\to", "=")
        ),
        pytest.param(
            "(c) $N \\times K$ --> $N^2$",
            "N \\times K",
            id="$N \\times K$ --> $N^2$ (2/2 at 9e00635)",
        ),
        pytest.param(
            "(c) $QK^T$ is $N \\times K$ \\Rightarrow $N^2$",
            "N \\times K",
            id="$QK^T$ is $N \\times K$ \\Rightarrow $N^2$: the maths after 'is' (was unread)",
        ),
        # every step of the working before the answer is checked, not only one (F14)
        pytest.param(
            "(c) N x K -> N x K -> N^2",
            "N x K (the machine's reading earns 0 of 2), then N x K",
            id="N x K -> N x K -> N^2 (was 2/2)",
        ),
        pytest.param(
            "(c) $N \\times N$ ⇒ $N \\times K$ ⇒ $N^2$",
            "N \\times N (the machine's reading earns 2 of 2), then N \\times K",
            id="$N \\times N$ ⇒ $N \\times K$ ⇒ $N^2$ (was 2/2)",
        ),
        pytest.param(
            "(c) N x K, so N x K, so N^2",
            "N x K (the machine's reading earns 0 of 2), then N x K",
            id="N x K, so N x K, so N^2 (was 2/2)",
        ),
        # "so" after "is"/"has" with the answer's noun, or none: the same thing counted (F15)
        pytest.param("(c) QK^T is N × K, so N^2", "N × K", id="QK^T is N × K, so N^2 (was 2/2)"),
        pytest.param(
            "(c) QK^T is N × K so the answer is N^2",
            "N × K",
            id="QK^T is N × K so the answer is N^2 (was 2/2)",
        ),
    ],
)
def test_working_that_differs_from_the_answer_after_an_arrow_goes_to_a_person(
    tmp_path, line, working
):
    (tmp_path / "kim.md").write_text(f"Name: kim\n\n{line}\n", encoding="utf-8")
    (result,) = grade_paths(load_rubric(ROOT / "rubrics" / "attn-q1.yaml"), [tmp_path]).results
    item = result.items["c.count"]
    assert (item.verdict, item.answer) == ("needs_review", "N^2"), item.feedback
    assert item.feedback[0] == (
        "The steps of your working on line 3 do not agree; an instructor will decide which is "
        f"your answer: {working} (the machine's reading earns 0 of 2), then N^2 (the machine's "
        "reading earns 2 of 2); provisional until a person confirms."
    )


# "so" after "has" with the same noun as the answer's: the same thing counted (F15); a
# noun of its own says the maths before counts something else, so it is working only.
@pytest.mark.parametrize(
    ("rubric", "line", "item_id", "verdict", "answer"),
    [
        pytest.param(
            "attn-q1",
            "(c) The matrix QK^T has N x K entries, so N^2 entries",
            "c.count",
            "needs_review",
            "N^2 entries",
            id="has N x K entries, so N^2 entries (was 2/2)",
        ),
        pytest.param(
            "attn-q1",
            "(c) The matrix QK^T has N x N entries, so N^2 entries",
            "c.count",
            "correct",
            "N^2 entries",
            id="has N x N entries, so N^2 entries: working that agrees is read",
        ),
        pytest.param(
            "pool-q1",
            "(b) 4C fixed weights, so 0",
            "b.params",
            "correct",
            "0",
            id="4C fixed weights, so 0: a noun of its own, working only",
        ),
        pytest.param(
            "pool-q1",
            "(b) $4C$ fixed weights, so $0$",
            "b.params",
            "correct",
            "0",
            id="$4C$ fixed weights, so $0$: a noun of its own, working only",
        ),
        pytest.param(
            "22-52-q4",
            "(c) parameters $C \\times D$ \\Rightarrow $CD + D$",
            "c.params",
            "needs_review",
            "CD + D",
            id="parameters $C \\times D$ \\Rightarrow $CD + D$ (was C \\times D, 0/2)",
        ),
        pytest.param(
            "22-52-q4",
            "(c) parameters $CD + D$ \\Rightarrow $9CD + D$",
            "c.params",
            "needs_review",
            "9CD + D",
            id="parameters $CD + D$ \\Rightarrow $9CD + D$ (was CD + D, 2/2)",
        ),
    ],
)
def test_the_maths_a_conclusion_follows_is_checked_where_it_counts_the_same(
    tmp_path, rubric, line, item_id, verdict, answer
):
    (tmp_path / "kim.md").write_text(f"Name: kim\n\n{line}\n", encoding="utf-8")
    (result,) = grade_paths(load_rubric(ROOT / "rubrics" / f"{rubric}.yaml"), [tmp_path]).results
    item = result.items[item_id]
    assert (item.verdict, item.answer) == (verdict, answer), item.feedback
    if verdict == "needs_review":
        assert item.feedback[0].startswith("The steps of your working on line 3 do not agree")


# "=" after a name, or a function of its argument, names the maths after it: no working.
@pytest.mark.parametrize(
    ("rubric", "line", "item_id"),
    [
        pytest.param(
            "activations-q1",
            "(a) $\\sigma'(x)$ = $\\sigma(x)(1-\\sigma(x))$",
            "a.derivative",
            id="$\\sigma'(x)$ = $…$: the derivative named, not working",
        ),
    ],
)
def test_equals_after_a_name_is_no_conclusion(tmp_path, rubric, line, item_id):
    (tmp_path / "kim.md").write_text(f"Name: kim\n\n{line}\n", encoding="utf-8")
    (result,) = grade_paths(load_rubric(ROOT / "rubrics" / f"{rubric}.yaml"), [tmp_path]).results
    item = result.items[item_id]
    assert item.verdict == "correct"
    assert not any("working" in note for note in item.reading_notes)


# A line of working with more steps than are checked goes to a person (never 300 checks),
# told so (was the parser's message: "this answer is 5203 characters long", "the character >
# is not allowed").
@pytest.mark.parametrize(
    ("line", "steps"),
    [
        pytest.param("(c) " + "$N \\times K$ ⇒ " * 300 + "$N^2$", 300, id="300 pieces, ⇒ between"),
        pytest.param("(c) " + "N -> " * 40 + "N^2", 40, id="40 steps without $"),
        pytest.param("(c) " + "N x N -> " * 13 + "N^2", 13, id="13 steps, one more than checked"),
        pytest.param(
            "(c) " + "N x K + 0 ⇒ " * 300 + "N^2",
            300,
            id="300 steps split within one line (was 301 checks)",
        ),
        pytest.param(
            "(c) $" + "N \\times K \\Rightarrow " * 13 + "N^2$",
            13,
            id="13 steps split within one piece of maths (was all checked)",
        ),
        pytest.param(
            "(c) " + "$N \\times K$ \\Rightarrow " * 13 + "$N^2$",
            13,
            id="13 pieces, \\Rightarrow between (was 'unsupported LaTeX command')",
        ),
        pytest.param(
            "(c) " + "$N \\times K$ = " * 13 + "$N^2$",
            13,
            id="13 pieces, = between (was the parser's)",
        ),
    ],
)
def test_a_chain_of_working_too_long_to_check_goes_to_a_person(tmp_path, line, steps):
    (tmp_path / "kim.md").write_text(f"Name: kim\n\n{line}\n", encoding="utf-8")
    (result,) = grade_paths(load_rubric(ROOT / "rubrics" / "attn-q1.yaml"), [tmp_path]).results
    item = result.items["c.count"]
    assert item.verdict == "needs_review"
    (said,) = item.feedback
    assert said.endswith(
        f"Line 3 has {steps} steps of working before its answer, more than are checked: at "
        f"most {MOST_ANSWERS} steps of a chain are checked."
    )


# Probe 10's script (/tmp/probe10/tr/t1.md): (c) with words before its arrow cost 2 marks
# until a person read it.
ATTN_SCRIPT = """Q1. (a) The projections have $3EK + 3K$ parameters.

(b) Adding the output projection, $3EK + 3K + KE + E$.

(c) QK^T is N × N → N^2

(d) The same projection matrices are applied to every token.
e. g. W_Q is used for token 1 and token 2 alike.
The attention weights are computed from the queries and keys, not learned.

(e) $q_{n,k} = \\sum_{e=1}^{E} w_{e,k} x_{n,e} + b_k$
"""


@pytest.mark.parametrize(
    ("script", "verdicts"),
    [
        pytest.param(
            ATTN_SCRIPT,
            dict.fromkeys(["a.params", "b.params", "c.count", "d.explanation", "e.formula"], 2.0),
            id="words before the arrow of (c) (was 8/10, c.count for a person)",
        ),
    ],
)
def test_a_whole_script_with_words_before_an_arrow_is_read(tmp_path, script, verdicts):
    (tmp_path / "t1.md").write_text(script, encoding="utf-8")
    rubric = load_rubric(ROOT / "rubrics" / "attn-q1.yaml")
    (result,) = grade_paths(rubric, [tmp_path]).results
    assert {key: item.marks for key, item in result.items.items()} == verdicts
    assert 'it follows "→"; QK^T is N × N before it is working' in " ".join(
        result.items["c.count"].reading_notes
    )


# A step arrow after words a count reads with its maths stays a chain of checked steps.
@pytest.mark.parametrize(
    ("line", "verdict", "steps"),
    [
        pytest.param(
            "(a) The answer is 3EK + 3K parameters ⇒ 3EK + 2K",
            "needs_review",
            "The steps of your working on line 3 do not agree",
            id="steps that disagree after words still go to a person",
        ),
    ],
)
def test_a_step_arrow_after_words_keeps_its_step_checks(tmp_path, line, verdict, steps):
    (tmp_path / "kim.md").write_text(f"Name: kim\n\n{line}\n", encoding="utf-8")
    rubric = load_rubric(ROOT / "rubrics" / "attn-q1.yaml")
    (result,) = grade_paths(rubric, [tmp_path]).results
    item = result.items["a.params"]
    assert item.verdict == verdict
    assert item.feedback[0].startswith(steps)


@pytest.mark.parametrize(
    ("rubric", "line", "verdict", "answer", "note"),
    [
        pytest.param(
            "22-52-q4",
            "(b) parameters $9D + D$... no, $9CD + D$",
            "correct",
            "9CD + D",
            '"no" before it corrects $9D + D$',
            id="no between two pieces corrects the first (was 9D + D, 0)",
        ),
        pytest.param(
            "22-52-q4",
            "(b) parameters $9D + D$ no wait $9CD + D$",
            "correct",
            "9CD + D",
            '"no wait" before it corrects $9D + D$',
            id="no wait corrects (was 9D + D, 0)",
        ),
        pytest.param(
            "22-52-q4",
            "(b) parameters $9CD$. No: $9CD + D$",
            "correct",
            "9CD + D",
            '"No" before it corrects $9CD$',
            id="No: corrects (was 9CD, 0, leaves out the biases)",
        ),
        pytest.param(
            "22-52-q4",
            "(b) parameters $9CD + D$... no, $9D + D$",
            "incorrect",
            "9D + D",
            '"no" before it corrects $9CD + D$',
            id="a correction to a wrong answer is graded wrong (was 9CD + D, 2/2)",
        ),
        pytest.param(
            "22-52-q4",
            "(b) parameters $3 \\times 3 \\times C$ per filter, hence $9CD + D$",
            "correct",
            "9CD + D",
            'it follows "hence"; $3 \\times 3 \\times C$ before it is working',
            id="hence before the last piece: it is the answer (was 3x3xC, 0)",
        ),
        pytest.param(
            "22-52-q4",
            "(b) weights $9CD$ so total $9CD + D$",
            "correct",
            "9CD + D",
            'it follows "so total"; $9CD$ before it is working',
            id="so total without a comma (was two answers, review)",
        ),
        pytest.param(
            "pool-q1",
            "(b) $4C$ fixed weights, so $0$",
            "correct",
            "0",
            'it follows "so"; $4C$ before it is working',
            id="so before a lone number: it is the answer (was 4C, 0)",
        ),
        pytest.param(
            "pool-q1",
            "(c) $C$ weights and $C$ biases",
            "correct",
            "C weights and C biases",
            'joined by "and", and the words beside them name them as terms of one count',
            id="and between pieces named weights and biases is their sum (was C, 0)",
        ),
        pytest.param(
            "22-52-q4",
            "(b) Parameters: $9CD$ weights + $D$ biases",
            "correct",
            "9CD weights + D biases",
            'joined by "+", and the words beside them name them as terms of one count',
            id="+ between pieces named weights and biases is their sum, as and is (was two "
            "answers, for a person)",
        ),
        pytest.param(
            "22-52-q4",
            "(b) $9CD$ weights, + $D$ biases",
            "correct",
            "9CD weights, + D biases",
            'joined by "+", and the words beside them name them as terms of one count',
            id="a comma before + between pieces so named (was two answers, for a person)",
        ),
        pytest.param(
            "22-52-q4",
            "(b) $9CD$ weights + $D$",
            "needs_review",
            "9CD",
            "",
            id="+ between pieces that words do not both name goes to a person",
        ),
        pytest.param(
            "pool-q1",
            "(c) $C$ weights and $C$ offsets",
            "needs_review",
            "line 3: $C$ weights and $C$ offsets",
            "",
            id="and between pieces named otherwise goes to a person (was C, 0)",
        ),
        pytest.param(
            "22-52-q4",
            "(b) parameters $9CD + D$ if bias is used, otherwise $9CD$",
            "needs_review",
            "line 3: parameters $9CD + D$ if bias is used, otherwise $9CD$",
            "",
            id="cases in maths go to a person (was 9CD + D, 2/2)",
        ),
        pytest.param(
            "22-52-q4",
            "(b) parameters $9CD + D$ unless there is no bias, then $9CD$",
            "needs_review",
            "line 3: parameters $9CD + D$ unless there is no bias, then $9CD$",
            "",
            id="unless … then goes to a person (was 9CD + D, 2/2)",
        ),
        pytest.param(
            "22-52-q4",
            "(b) parameters $9CD$ when there is no bias; otherwise $9CD + D$",
            "needs_review",
            "line 3: parameters $9CD$ when there is no bias; otherwise $9CD + D$",
            "",
            id="when …; otherwise goes to a person (was 9CD, 0)",
        ),
    ],
)
def test_words_between_pieces_correct_conclude_join_or_make_cases(
    tmp_path, rubric, line, verdict, answer, note
):
    (tmp_path / "kim.md").write_text(f"Name: kim\n\n{line}\n", encoding="utf-8")
    rubric = load_rubric(ROOT / "rubrics" / f"{rubric}.yaml")
    (result,) = grade_paths(rubric, [tmp_path]).results
    item = result.items[f"{line[1]}.params"]
    assert (item.verdict, item.answer) == (verdict, answer)
    assert [n for n in item.reading_notes if note and note in n] or not note
