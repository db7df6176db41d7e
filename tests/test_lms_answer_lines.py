"""An answer as written (a YAML answer, a Moodle cell, a Canvas cell, `grader check`'s) is read
one way, wherever it comes from: its lines are pieces of their own, never one product across
a line break, and a label or words around the maths are set aside with a note, as `grader
check` sets them aside. Each case is graded in all four and must give the same result."""

from __future__ import annotations

import csv
import html
import json
from pathlib import Path

import pytest

from grader.cli import main
from grader.grade import grade_paths, grade_submission
from grader.rubric import load_rubric
from grader.submissions import load_submissions

ROOT = Path(__file__).resolve().parent.parent


def _yaml_file(tmp_path: Path, rubric, item: str, text: str) -> Path:
    part, key = item.split(".")
    block = "\n".join(f"      {line}" for line in text.splitlines())
    path = tmp_path / "s1.yaml"
    path.write_text(
        f"student: s1\nquestion: {rubric.id}\nanswers:\n  {part}:\n    {key}: |\n{block}\n",
        encoding="utf-8",
    )
    return path


def _moodle_file(tmp_path: Path, rubric, item: str, text: str, raw: bool = False) -> Path:
    items = list(rubric.items)
    path = tmp_path / "moodle.csv"
    with path.open("w", encoding="utf-8", newline="") as file:
        writer = csv.writer(file)
        writer.writerow(
            ["Email address", "State", *(f"Response {n + 1}" for n in range(len(items)))]
        )
        writer.writerow(["s1@x", "Finished", *(text if i == item else "-" for i in items)])
    return path


def _canvas_file(tmp_path: Path, rubric, item: str, text: str, raw: bool = False) -> Path:
    items = list(rubric.items)
    cell = text if raw else "".join(f"<p>{html.escape(line)}</p>" for line in text.splitlines())
    path = tmp_path / "canvas.csv"
    with path.open("w", encoding="utf-8", newline="") as file:
        writer = csv.writer(file)
        head = [f"{9000 + n}: question" for n in range(len(items))]
        writer.writerow(["name", "id", "sis_id", *(h for q in head for h in (q, "1.0"))])
        writer.writerow(
            ["S", "1", "s1", *(c for i in items for c in (cell if i == item else "", ""))]
        )
    return path


def _graded(path: Path, rubric, item: str):
    (submission,) = load_submissions(path, rubric)
    return grade_submission(rubric, submission).items[item]


def _checked(capsys, rubric_path: Path, item: str, text: str) -> dict:
    assert main(["check", "--no-warm", str(rubric_path), item, text, "--json"]) == 0
    return json.loads(capsys.readouterr().out)


# "plus" read as + and a word naming part of the count set aside, as `9CD + D weights` is
PLUS_AND_PART = 'read "plus" as +; set aside "%s", which names part of what the question counts'
COMMA_AND_PART = (
    'read past the "," before "+"; set aside "%s", which names part of what the question counts'
)
CASES = [
    # (rubric, item, answer, verdict, marks, words in a note or the feedback)
    # F7: lines are pieces, never one product
    (
        "activations-q1",
        "a.derivative",
        "σ(x)(1-σ(x))\nσ(x) - σ(x)^2",
        "correct",
        3,
        "2 lines as one answer",
    ),
    (
        "activations-q1",
        "b.derivative",
        "1 - tanh^2(x)\nsech^2(x)",
        "correct",
        2,
        "2 lines as one answer",
    ),
    (
        "activations-q1",
        "e.offdiagonal",
        "s_i(1-s_j)\n-s_i s_j",
        "needs_review",
        0,
        "2 different answers",
    ),
    ("strided-q1", "a.length", "P/2\n⌈P/2⌉", "needs_review", 0, "2 different answers"),
    ("strided-q1", "a.length", "⌈P/2⌉\nfloor((P-1)/2)+1", "correct", 2, "2 lines as one answer"),
    ("strided-q1", "c.params", "3CD + D\nD(3C+1)", "correct", 2, "2 lines as one answer"),
    ("rnn-q1", "b.params", "H(E+H+1)\nHE + H^2 + H", "correct", 2, "2 lines as one answer"),
    ("mha-q1", "b.params", "d^2 + d\nd(d+1)", "correct", 2, "2 lines as one answer"),
    (
        "rnn-q1",
        "a.formula",
        "h_t = tanh(W_x x_t + W_h h_{t-1} + b)\nh_t = tanh(W_h h_{t-1} + W_x x_t + b)",
        "correct",
        3,
        "2 lines as one answer",
    ),
    ("linear-backward-q1", "a.dW", "X^T G\nG^T X", "needs_review", 0, "2 different answers"),
    ("22-52-q4", "b.params", "9CD + D\nD(9C+1)", "correct", 2, "2 lines as one answer"),
    (
        "activations-q1",
        "a.derivative",
        "Derivative:\nσ(x)(1-σ(x))",
        "correct",
        3,
        'set aside line 1 of your answer, "Derivative:"',
    ),
    # F4: the item's label, a few words, a `where` after it: set aside with a note
    ("strided-q1", "a.length", "Length: ⌈P/2⌉", "correct", 2, 'set aside "Length:"'),
    ("strided-q1", "a.length", "I think it is ⌈P/2⌉", "correct", 2, 'set aside "I think it is"'),
    ("strided-q1", "c.params", "Count: 3CD + D", "correct", 2, 'set aside "Count:"'),
    ("rnn-q1", "b.params", "Count: H(E+H+1)", "correct", 2, 'set aside "Count:"'),
    (
        "activations-q1",
        "a.derivative",
        "Derivative: σ(x)(1-σ(x))",
        "correct",
        3,
        'set aside "Derivative:"',
    ),
    (
        "activations-q1",
        "e.offdiagonal",
        "Off diagonal: -s_i s_j",
        "correct",
        1.5,
        'set aside "Off diagonal:"',
    ),
    (
        "activations-q1",
        "a.derivative",
        "σ(x)(1-σ(x)) where σ is the sigmoid",
        "correct",
        3,
        'set aside "where σ is the sigmoid"',
    ),
    # a comma before "plus" between named terms, as a transcript reads it (was unread)
    (
        "22-52-q4",
        "b.params",
        "9CD weights, plus D biases",
        "correct",
        2,
        'read "plus" as +',
    ),
    # "plus" between two counts, no words naming the terms: + (was "unknown symbol plus", and
    # "the comma is followed by words")
    ("22-52-q4", "b.params", "9CD plus D", "correct", 2, 'read "plus" as +'),
    ("22-52-q4", "b.params", "9CD, plus D", "correct", 2, 'read "plus" as +'),
    # and with a word naming the whole count after it (was "unknown symbol plus")
    ("22-52-q4", "b.params", "9CD plus D params", "correct", 2, 'set aside "params"'),
    ("22-52-q4", "b.params", "9CD plus D FLOPs", "needs_review", 0, "the question counts"),
    # a word after the last term naming part of the count is set aside as after "+" (`9CD +
    # D weights`), both notes given (was "unknown symbol plus")
    ("22-52-q4", "b.params", "9CD plus D weights", "correct", 2, PLUS_AND_PART % "weights"),
    ("22-52-q4", "b.params", "9CD plus D biases", "correct", 2, PLUS_AND_PART % "biases"),
    ("22-52-q4", "b.params", "D plus 9CD biases", "correct", 2, PLUS_AND_PART % "biases"),
    # and with a comma before "plus" (was "the comma is followed by words")
    ("22-52-q4", "b.params", "9CD, plus D biases", "correct", 2, PLUS_AND_PART % "biases"),
    # (marks) a comma before "+" is read past as before "plus" (was "commas are not part of a
    # count", and "the comma is followed by words"), and "and" before words alone joins the
    # last term's words (was "unknown symbol plus")
    ("22-52-q4", "b.params", "9CD, + D", "correct", 2, 'read past the "," before "+"'),
    ("22-52-q4", "b.params", "9CD; +D", "correct", 2, 'read past the ";" before "+"'),
    ("22-52-q4", "b.params", "9CD, + D biases", "correct", 2, COMMA_AND_PART % "biases"),
    (
        "22-52-q4",
        "b.params",
        "9CD weights, + D biases",
        "correct",
        2,
        'words naming the terms, and read past the "," before "+"',
    ),
    (
        "22-52-q4",
        "b.params",
        "9CD plus D weights and biases",
        "correct",
        2,
        'read "plus" as +; set aside "weights and biases"',
    ),
    ("22-52-q4", "b.params", "9CD and D weights and biases", "invalid", 0, '"and" is a word'),
]


@pytest.mark.parametrize("source", ["yaml", "moodle", "canvas"])
@pytest.mark.parametrize(("name", "item", "answer", "verdict", "marks", "said"), CASES)
def test_an_answer_as_written_is_read_as_check_reads_it(
    tmp_path, capsys, source, name, item, answer, verdict, marks, said
):
    rubric_path = ROOT / "rubrics" / f"{name}.yaml"
    rubric = load_rubric(rubric_path)
    write = {"yaml": _yaml_file, "moodle": _moodle_file, "canvas": _canvas_file}[source]
    result = _graded(write(tmp_path, rubric, item, answer), rubric, item)
    assert (result.verdict, result.marks) == (verdict, marks)
    assert any(said in text for text in (*result.reading_notes, *result.feedback))
    checked = _checked(capsys, rubric_path, item, answer)
    assert (checked["verdict"], checked["marks"]) == (verdict, marks)


MATHML = (
    '<math xmlns="http://www.w3.org/1998/Math/MathML"><mn>9</mn><mi>C</mi><mi>D</mi><mo>/</mo>'
    "<mi>G</mi><mo>+</mo><mi>D</mi></math>"
)
IMAGE = (
    '<p><img class="equation_image" title="-s_i s_j" src="/equation_images/x" alt="LaTeX: -s_i '
    's_j" data-equation-content="-s_i s_j" /><span class="hidden-readable"><math xmlns="http://'
    'www.w3.org/1998/Math/MathML"><mo>-</mo><msub><mi>s</mi><mi>i</mi></msub><msub><mi>s</mi>'
    "<mi>j</mi></msub></math></span></p>"
)
CELLS = [
    # (export, rubric, item, the cell as the export holds it, verdict, marks, words said)
    (
        "moodle",
        "rnn-q1",
        "a.formula",
        "h<sub>t</sub> = tanh(W<sub>x</sub>x<sub>t</sub> + W<sub>h</sub>h<sub>t-1</sub> + b)",
        "correct",
        3,
        "Correct",
    ),
    ("moodle", "strided-q1", "c.params", "3CD&nbsp;+&nbsp;D", "correct", 2, "Correct"),
    ("canvas", "grouped-q1", "b.params", "<h2>9CD/G + D</h2>", "correct", 2, "Correct"),
    ("canvas", "grouped-q1", "b.params", MATHML, "correct", 2, "read the MathML"),
    ("canvas", "grouped-q1", "b.params", f"<p>{MATHML}</p>", "correct", 2, "read the MathML"),
    ("moodle", "grouped-q1", "b.params", MATHML, "correct", 2, "read the MathML"),
    ("canvas", "activations-q1", "e.offdiagonal", IMAGE, "correct", 1.5, "Correct"),
]


@pytest.mark.parametrize(("export", "name", "item", "cell", "verdict", "marks", "said"), CELLS)
def test_a_cell_of_either_lms_is_cleaned_by_one_cleaner(
    tmp_path, export, name, item, cell, verdict, marks, said
):
    rubric = load_rubric(ROOT / "rubrics" / f"{name}.yaml")
    write = {"moodle": _moodle_file, "canvas": _canvas_file}[export]
    result = _graded(write(tmp_path, rubric, item, cell, raw=True), rubric, item)
    assert (result.verdict, result.marks) == (verdict, marks)
    assert any(said in text for text in (*result.reading_notes, *result.feedback))


READ_AS_WRITTEN = [
    # (rubric, item, answer, verdict, marks, words in a note or the feedback)
    ("strided-q1", "c.params", "3 x C x D + D", "correct", 2, 'read "x" as ×'),
    ("rnn-q1", "b.params", "4 x H(E+H+1)", "incorrect", 0, 'read "x" as ×'),
    ("mha-q1", "c.entries", "h x N x N", "correct", 2, 'read "x" as ×'),
    ("strided-q1", "a.length", "P/2 (rounded up)", "invalid", 0, "An instructor will read it"),
    ("strided-q1", "a.length", "(P+1)/2 (rounded down)", "invalid", 0, "An instructor will"),
    # the reason says what the words mean (was "unknown symbol rounded")
    ("strided-q1", "a.length", "P/2 (rounded up)", "invalid", 0, "says your answer is ⌈P/2⌉"),
    ("strided-q1", "a.length", "P/2 rounded up", "invalid", 0, "write ⌈P/2⌉ for it to be read"),
    ("strided-q1", "a.length", "(P+1)/2 (rounded down)", "invalid", 0, "is ⌊(P+1)/2⌋"),
    ("strided-q1", "a.length", "⌈P/2⌉ (rounded up)", "correct", 2, 'set aside "(rounded up)"'),
    ("strided-q1", "a.length", "P/2 (rounded down)", "invalid", 0, "write ⌊P/2⌋ for it"),
    # the words before the maths say it too (was "unknown symbol rounded")
    ("strided-q1", "a.length", "rounded up P/2", "invalid", 0, "write ⌈P/2⌉ for it to be read"),
    ("strided-q1", "a.length", "rounded down (P+1)/2", "invalid", 0, "is ⌊(P+1)/2⌋"),
    ("strided-q1", "a.length", "rounded P/2", "invalid", 0, "rounded but not which way"),
    # rounded, but which way: a person reads it, and the student is asked for one of them (was
    # "unknown symbol rounded", "unknown symbol round")
    ("strided-q1", "a.length", "P/2 (rounded)", "invalid", 0, "write ⌈P/2⌉ (rounded up) or ⌊P/2⌋"),
    ("strided-q1", "a.length", "P/2 rounded", "invalid", 0, "rounded but not which way"),
    ("strided-q1", "a.length", "round(P/2)", "invalid", 0, "write ⌈P/2⌉ (rounded up) or ⌊P/2⌋"),
    ("strided-q1", "a.length", "round((P+1)/2)", "invalid", 0, "write ⌈(P+1)/2⌉ (rounded up)"),
    # another unknown name before a bracket is no rounding
    ("strided-q1", "a.length", "rnd(P/2)", "invalid", 0, "unknown symbol rnd"),
    # "round" before maths with no rounding of its own is not set aside (was read as P/2 + 1)
    ("strided-q1", "a.length", "round (P/2) + 1", "invalid", 0, "round does not say which way"),
    # words that round, before a colon, are no label to set aside (was graded P/2, 1 of 2)
    ("strided-q1", "a.length", "rounded up: P/2", "invalid", 0, "An instructor will read it"),
    ("strided-q1", "a.length", "rounded: P/2", "invalid", 0, "An instructor will read it"),
    ("strided-q1", "a.length", "rounded up: ⌈P/2⌉", "correct", 2, 'set aside "rounded up:"'),
    # and they say what they mean, as without the colon (was "character ':' (COLON) is not
    # allowed in an answer")
    ("strided-q1", "a.length", "rounded up: P/2", "invalid", 0, "to be read (at column 1)"),
    ("strided-q1", "a.length", "rounded up:P/2", "invalid", 0, "write ⌈P/2⌉ for it to be read"),
    ("strided-q1", "a.length", "Rounded down: P/2", "invalid", 0, "write ⌊P/2⌋ for it to be"),
    ("strided-q1", "a.length", "rounded: P/2", "invalid", 0, "rounded but not which way"),
    ("strided-q1", "a.length", "round: (P+1)/2", "invalid", 0, "write ⌈(P+1)/2⌉ (rounded up)"),
    ("strided-q1", "a.length", "ceil: P/2", "invalid", 0, "e.g. ceil(P/2) (at column 1)"),
    ("strided-q1", "a.length", "floor: P/2", "invalid", 0, "floor is a function here"),
    # (marks) with what it rounds in brackets after the colon, the function is a label all
    # the same, told as the words are (was "put what it rounds in brackets")
    ("strided-q1", "a.length", "ceil: (P/2)", "invalid", 0, '"ceil" says your answer is ⌈P/2⌉'),
    ("strided-q1", "a.length", "ceil:(P/2)", "invalid", 0, "write ⌈P/2⌉ for it to be read"),
    ("strided-q1", "a.length", "ceiling: [P/2]", "invalid", 0, "write ⌈P/2⌉ for it to be read"),
    ("strided-q1", "a.length", "floor: ((P-1)/2 + 1)", "invalid", 0, "write ⌊(P-1)/2 + 1⌋ for"),
    # words that round maths all in one bracket: the bracket is not shown inside ⌈…⌉ (was
    # "write ⌈(P/2)⌉")
    ("strided-q1", "a.length", "rounded up: (P/2)", "invalid", 0, "write ⌈P/2⌉ for it to be"),
    ("strided-q1", "a.length", "rounded down [P/2]", "invalid", 0, "write ⌊P/2⌋ for it to be"),
    ("strided-q1", "a.length", "(P/2) (rounded)", "invalid", 0, "write ⌈P/2⌉ (rounded up) or"),
    ("strided-q1", "a.length", "rounded up: (P/2) + 1", "invalid", 0, "write ⌈(P/2) + 1⌉ for"),
    # guards: a bracket that holds only part of the maths, or nothing, is no argument
    ("strided-q1", "a.length", "floor: ((P-1)/2) + 1", "invalid", 0, "floor is a function here"),
    ("strided-q1", "a.length", "ceil: ()", "invalid", 0, "ceil is a function here"),
]
# A time step in round brackets (`h_(t-1)`), as typed for `h_{t-1}`.
ROUND_STEPS = [
    ("rnn-q1", "a.formula", "h_t = tanh(W_x x_t + W_h h_(t-1) + b)", "correct", 3, "read _(t-1)"),
    ("rnn-q1", "a.formula", "h_t = tanh(W_x x_t + W_h h_(t) + b)", "partial", 1, "read _(t)"),
]


@pytest.mark.parametrize(
    ("name", "item", "answer", "verdict", "marks", "said"), READ_AS_WRITTEN + ROUND_STEPS
)
def test_words_and_letters_a_marker_reads_are_read_or_sent_to_a_person(
    tmp_path, capsys, name, item, answer, verdict, marks, said
):
    rubric_path = ROOT / "rubrics" / f"{name}.yaml"
    rubric = load_rubric(rubric_path)
    result = _graded(_yaml_file(tmp_path, rubric, item, answer), rubric, item)
    assert (result.verdict, result.marks) == (verdict, marks)
    assert any(said in text for text in (*result.reading_notes, *result.feedback))
    checked = _checked(capsys, rubric_path, item, answer)
    assert (checked["verdict"], checked["marks"]) == (verdict, marks)


@pytest.mark.parametrize(
    ("symbols", "text", "read"),
    [
        (("C", "D"), "3 x C x D + D", "3 × C × D + D"),
        (("C", "D"), "3xCxD + D", "3xCxD + D"),
        (("x", "C", "D"), "3 x C x D + D", "3 x C x D + D"),
        (("X", "C", "D"), "3 x C x D + D", "3 x C x D + D"),
    ],
    ids=["x between factors", "no spaces: not read", "x a symbol", "X a symbol"],
)
def test_x_is_a_times_sign_only_where_the_question_has_no_symbol_x(symbols, text, read):
    from grader.kinds.count.steps import Question, read_x_as_times

    assert read_x_as_times(text, Question(symbols))[0] == read


DIFFERING_LINES = [
    # (rubric, item, answer, words said, a line of feedback that must not be there)
    pytest.param(
        "strided-q1",
        "a.length",
        "⌈P/2⌉\n(P+1)/2",
        "line 2 of your answer: (P+1)/2 (the machine's reading earns 1 of 2)",
        "Correct.",
        id="a right line then a partly right one: not told Correct.",
    ),
    pytest.param(
        "strided-q1",
        "a.length",
        "⌈P/2⌉\n(P+1)/",
        'Read as maths, line 2 stops at "(P+1)/"',
        "Correct.",
        id="a right line then an unreadable one: for a person, not set aside",
    ),
    pytest.param(
        "strided-q1",
        "a.length",
        "(P+1)/\n⌈P/2⌉",
        'Read as maths, line 1 stops at "(P+1)/"',
        "Correct.",
        id="an unreadable line then a right one: for a person, not set aside",
    ),
    pytest.param(
        "attn-q1",
        "c.count",
        "N x K -> " * 13 + "N^2",
        "Your answer has 13 steps of working before its answer, more than are checked",
        "Correct.",
        id="a chain too long to check: for a person, not its last step graded (was Correct)",
    ),
    pytest.param(
        "attn-q1",
        "c.count",
        "N x K + 0 ⇒ " * 300 + "N^2",
        "Your answer has 300 steps of working before its answer, more than are checked",
        "Correct.",
        id="300 steps split within one line: for a person (was 301 checks)",
    ),
    pytest.param(
        "attn-q1",
        "c.count",
        "$N \\times K$ \\Rightarrow " * 13 + "$N^2$",
        "Your answer has 13 steps of working before its answer, more than are checked",
        "Correct.",
        id="13 pieces, \\Rightarrow between: for a person (was 'unsupported LaTeX command')",
    ),
    pytest.param(
        "attn-q1",
        "c.count",
        "$N \\times K$ = " * 13 + "$N^2$",
        "Your answer has 13 steps of working before its answer, more than are checked",
        "Correct.",
        id="13 pieces, = between: for a person, as a transcript's line (was 2/2)",
    ),
]


@pytest.mark.parametrize("source", ["yaml", "moodle", "canvas"])
@pytest.mark.parametrize(("name", "item", "answer", "said", "unsaid"), DIFFERING_LINES)
def test_lines_that_differ_go_to_a_person_told_of_each_line_not_of_one(
    tmp_path, capsys, source, name, item, answer, said, unsaid
):
    rubric_path = ROOT / "rubrics" / f"{name}.yaml"
    rubric = load_rubric(rubric_path)
    write = {"yaml": _yaml_file, "moodle": _moodle_file, "canvas": _canvas_file}[source]
    result = _graded(write(tmp_path, rubric, item, answer), rubric, item)
    assert (result.verdict, result.marks) == ("needs_review", 0)
    assert any(said in text for text in (*result.reading_notes, *result.feedback))
    assert unsaid not in result.feedback
    checked = _checked(capsys, rubric_path, item, answer)
    assert (checked["verdict"], checked["marks"]) == ("needs_review", 0)
    assert unsaid not in checked["feedback"]


def _in_a_transcript(tmp_path: Path, rubric, item: str, answer: str):
    """`answer` on its part's line of a transcript, graded: what answers alone must match."""
    folder = tmp_path / "transcript"
    folder.mkdir()
    (folder / "kim.md").write_text(f"Name: kim\n\n({item.split('.')[0]}) {answer}\n", "utf-8")
    (result,) = grade_paths(rubric, [folder]).results
    return result.items[item]


# An answer given alone with an arrow is read as a transcript reads the line (trans17): the
# step after the arrow is the answer, said in a note, and working before it that differs
# goes to a person, both steps shown.
WORKING = "The steps of your working on line"
ARROWS = [
    # (rubric, item, answer, verdict, note)
    pytest.param(
        "attn-q1", "c.count", "N x K -> N^2", "needs_review",
        'read N^2 as the answer: it follows "->"; N x K before it is working',
        id="N x K -> N^2 (was 2/2)",
    ),
    pytest.param(
        "attn-q1", "c.count", "N × K → N^2", "needs_review",
        'read N^2 as the answer: it follows "→"; N × K before it is working',
        id="N × K → N^2 (was 2/2)",
    ),
    pytest.param(
        "attn-q1", "c.count", "QK^T is N × K → N^2", "needs_review",
        'read N^2 as the answer: it follows "→"; QK^T is N × K before it is working',
        id="QK^T is N × K → N^2 (was 2/2)",
    ),
    pytest.param(
        "attn-q1", "c.count", "N \\times K \\Rightarrow N^2", "needs_review",
        'read N^2 as the answer: it follows "⇒"; N \\times K before it is working',
        id="N \\times K \\Rightarrow N^2 (was invalid)",
    ),
    pytest.param(
        "attn-q1", "c.count", "$N \\times N \\Rightarrow N^2$", "correct",
        'read N^2 as the answer: it follows "⇒"; N \\times N before it is working',
        id="$N \\times N \\Rightarrow N^2$ (was invalid)",
    ),
    pytest.param(
        "attn-q1", "c.count", "N x N => N^2", "correct",
        'read N^2 as the answer: it follows "=>"; N x N before it is working',
        id="N x N => N^2 (was invalid)",
    ),
    pytest.param(
        "attn-q1", "c.count", "N x K, so N^2", "needs_review",
        'read N^2 as the answer: it follows "so"; N x K before it is working',
        id="N x K, so N^2 (was 2/2)",
    ),
    pytest.param(
        "attn-q1", "c.count", "QK^T is N × K, so N^2", "needs_review",
        'read N^2 as the answer: it follows "so"; QK^T is N × K before it is working',
        id="QK^T is N × K, so N^2: 'is' before the maths (was 2/2)",
    ),
    pytest.param(
        "attn-q1", "c.count", "N x K -> N x K -> N^2", "needs_review",
        'read N^2 as the answer: it follows "->"; N x K -> N x K before it is working',
        id="N x K -> N x K -> N^2: every step checked (was 2/2)",
    ),
    pytest.param(
        "22-52-q4", "d.formula",
        "Y = XW \\Rightarrow y_{i,k} = \\sum_{l=1}^C w_{l,k} x_{i,l}", "correct",
        'read y_{i,k} = \\sum_{l=1}^C w_{l,k} x_{i,l} as the answer: it follows "⇒"; Y = XW '
        "before it is working",
        id="a formula after \\Rightarrow (was invalid)",
    ),
    # conclusions between pieces of maths, as a transcript's `_roles` reads them (arrows4)
    pytest.param(
        "attn-q1", "c.count", "$N \\times K$ = $N^2$", "needs_review",
        'read $N^2$ as the answer: it follows "="; $N \\times K$ before it is working',
        id="$N \\times K$ = $N^2$ (was 2/2)",
    ),
    pytest.param(
        "attn-q1", "c.count", "$N \\times K$ \\to $N^2$", "needs_review",
        'read $N^2$ as the answer: it follows "→"; $N \\times K$ before it is working',
        id="$N \\times K$ \\to $N^2$ (was invalid)",
    ),
    pytest.param(
        "attn-q1", "c.count", "$N \\times K$ \\rightarrow $N^2$", "needs_review",
        'read $N^2$ as the answer: it follows "→"; $N \\times K$ before it is working',
        id="$N \\times K$ \\rightarrow $N^2$ (was invalid)",
    ),
    pytest.param(
        "attn-q1", "c.count", "$N \\times K$, so $N^2$", "needs_review",
        'read $N^2$ as the answer: it follows "so"; $N \\times K$ before it is working',
        id="$N \\times K$, so $N^2$ (was invalid)",
    ),
]  # fmt: skip


@pytest.mark.parametrize("source", ["check", "yaml", "moodle", "canvas"])
@pytest.mark.parametrize(("name", "item", "answer", "verdict", "note"), ARROWS)
def test_an_answer_alone_with_an_arrow_is_read_as_a_transcript_reads_it(
    tmp_path, capsys, source, name, item, answer, verdict, note
):
    rubric_path = ROOT / "rubrics" / f"{name}.yaml"
    rubric = load_rubric(rubric_path)
    line = _in_a_transcript(tmp_path, rubric, item, answer)
    if source == "check":
        checked = _checked(capsys, rubric_path, item, answer)
        got = (checked["verdict"], checked["answer"], checked["reading_notes"], checked["feedback"])
    else:
        write = {"yaml": _yaml_file, "moodle": _moodle_file, "canvas": _canvas_file}[source]
        result = _graded(write(tmp_path, rubric, item, answer), rubric, item)
        got = (result.verdict, result.answer, list(result.reading_notes), list(result.feedback))
    assert (got[0], got[1]) == (verdict, line.answer) == (line.verdict, line.answer), got[3]
    assert note in got[2] and note in line.reading_notes
    if verdict == "needs_review":
        # the transcript's message, of line 1 of the answer rather than line 3 of the script
        assert got[3][0] == line.feedback[0].replace(
            f"{WORKING} 3 ", f"{WORKING} 1 of your answer "
        )


# A line of an answer given alone that says the answer is wrong is told of as the answer's own
# line (not "of your script"), and not also set aside as holding no answer (arrows4).
RETRACTIONS = [
    # (rubric, item, answer, said)
    pytest.param(
        "attn-q1", "c.count", "N^2\nOn reflection $N^2$ is wrong because it ignores K",
        'Line 2 of your answer says this answer is wrong ("On reflection $N^2$ is wrong',
        id="N^2, then a line retracting it (was 'Line 2 of your script', and 'no answer')",
    ),
]  # fmt: skip


@pytest.mark.parametrize("source", ["check", "yaml", "moodle", "canvas"])
@pytest.mark.parametrize(("name", "item", "answer", "said"), RETRACTIONS)
def test_a_line_retracting_an_answer_given_alone_is_told_of_as_its_line(
    tmp_path, capsys, source, name, item, answer, said
):
    rubric_path = ROOT / "rubrics" / f"{name}.yaml"
    rubric = load_rubric(rubric_path)
    if source == "check":
        checked = _checked(capsys, rubric_path, item, answer)
        got = (checked["verdict"], checked["reading_notes"], checked["feedback"])
    else:
        write = {"yaml": _yaml_file, "moodle": _moodle_file, "canvas": _canvas_file}[source]
        result = _graded(write(tmp_path, rubric, item, answer), rubric, item)
        got = (result.verdict, list(result.reading_notes), list(result.feedback))
    assert got[0] == "needs_review"
    assert any(text.startswith(said) for text in got[2]), got[2]
    assert not any("holds no answer" in note for note in got[1]), got[1]
