"""Scripts in the styles students and transcription services write them (issue 13, part 1):
one fixture per style in tests/transcripts/, each with the verdict a careful instructor gives
every item (and the marks, which are the item's full marks for `correct` and none for
`incorrect`, `missing` and `needs_review`). Where the instructor would have to decide (two
answers to one item, working whose steps disagree) the verdict is `needs_review`."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from grader.grade import grade_paths
from grader.rubric import load_rubric
from grader.submissions.transcript import _maths_pieces

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "transcripts"
RUBRICS = {
    name: load_rubric(ROOT / "rubrics" / f"{name}.yaml")
    for name in ("22-52-q4", "dw-sep-q1", "attn-q1")
}
Q4_ITEMS = [item for item in RUBRICS["22-52-q4"].items]


def q4(**verdicts) -> dict:
    """Every item of 22-52-Q4 correct except those named (`e_explanation="missing"`)."""
    expected = {item: "correct" for item in Q4_ITEMS}
    expected.update({name.replace("_", ".", 1): verdict for name, verdict in verdicts.items()})
    return expected


NO_EXPLANATION = {"e_explanation": "missing"}
POSITION_WISE = {"e_explanation": ("partial", 1)}  # "the same weights at every position"

CASES = [
    # (fixture, rubric, what an instructor gives each item, the id: what the script shows)
    (
        "numbered-circles-and-display-blocks",
        "22-52-q4",
        q4(),
        "circled steps with display blocks are read, and every answer is right",
    ),
    (
        "mixed-chinese-and-english",
        "22-52-q4",
        q4(e_explanation=("partial", 2)),
        "参数量 labels in Chinese take their counts",
    ),
    (
        "rightarrow-chains",
        "22-52-q4",
        q4(**POSITION_WISE),
        "Rightarrow chains from formula to count give each step to its item",
    ),
    (
        "boxed-final-answers",
        "22-52-q4",
        q4(**POSITION_WISE),
        "a boxed answer wins over the working before it, and a prose line is the explanation",
    ),
    (
        "crossed-out-work",
        "22-52-q4",
        q4(**POSITION_WISE),
        "crossed-out work in ~~, sout and xcancel is not an answer",
    ),
    (
        "parts-out-of-order",
        "22-52-q4",
        q4(**NO_EXPLANATION),
        "parts answered out of order land on their own items",
    ),
    (
        "question-restated-before-answer",
        "22-52-q4",
        q4(**POSITION_WISE),
        "a part restated as a question is not taken for its answer",
    ),
    (
        "q-and-solution-labels",
        "22-52-q4",
        q4(**POSITION_WISE),
        "(a) Q: ... Solution: answers are read from the solution",
    ),
    (
        "question-number-markers",
        "22-52-q4",
        q4(**NO_EXPLANATION),
        "4(a) markers cut the script into parts",
    ),
    (
        "one-a-markers-with-mistakes",
        "22-52-q4",
        q4(
            a_formula="incorrect",
            a_params="incorrect",
            b_formula=("partial", 2),
            b_params="incorrect",
            c_params=("partial", 1),
            d_formula=("partial", 2),
            d_params="incorrect",
            e_formula="incorrect",
            e_explanation="incorrect",
        ),
        "1(a) markers with the class's usual mistakes earn only their partial credit",
    ),
    (
        "letter-paren-markers",
        "22-52-q4",
        q4(**NO_EXPLANATION),
        "a) markers with bare lines of maths and no dollars",
    ),
    (
        "letter-dot-markers",
        "22-52-q4",
        q4(**POSITION_WISE),
        "a. markers with the count inside a sentence",
    ),
    (
        "part-word-markers",
        "22-52-q4",
        q4(**NO_EXPLANATION),
        "Part a: markers with formula and count on one line",
    ),
    (
        "bold-markers",
        "22-52-q4",
        q4(**NO_EXPLANATION),
        "bold (a) markers with bold labels",
    ),
    (
        "markers-inside-display-blocks",
        "22-52-q4",
        q4(**NO_EXPLANATION),
        "a marker inside a display block followed by a LaTeX space leaves the formula",
    ),
    (
        "words-before-and-after-counts",
        "22-52-q4",
        q4(**POSITION_WISE),
        "words before and after a count say it is one, and a shape is not a count",
    ),
    (
        "bracket-display-maths",
        "22-52-q4",
        q4(**NO_EXPLANATION),
        "LaTeX brackets for display and inline maths, over one or several lines",
    ),
    (
        "matrix-pictures-are-not-answers",
        "22-52-q4",
        q4(**NO_EXPLANATION),
        "matrix pictures are not answers, the formulas beside them are",
    ),
    (
        "two-candidates-for-one-count",
        "22-52-q4",
        q4(b_params="needs_review", c_params="needs_review", **NO_EXPLANATION),
        "two different counts for one item go to a person, two equal ones do not",
    ),
    (
        "disagreeing-chains",
        "22-52-q4",
        q4(b_params="needs_review", c_params="needs_review", **NO_EXPLANATION),
        "working whose steps disagree goes to a person, working that agrees does not",
    ),
    (
        "headings-and-bullet-lists",
        "22-52-q4",
        q4(),
        "headings and bullet lists with labels",
    ),
    (
        "unanswered-parts-are-missing",
        "22-52-q4",
        q4(
            b_formula="needs_review",
            b_params="needs_review",
            c_params="missing",
            d_formula="missing",
            d_params="missing",
            **NO_EXPLANATION,
        ),
        "parts left out are missing, a part whose words no item reads goes to a person",
    ),
    (
        "weights-biases-and-total",
        "22-52-q4",
        q4(**NO_EXPLANATION),
        "a total wins over its weights and biases; weights and biases named so are their sum",
    ),
    (
        "plain-text-without-dollars",
        "22-52-q4",
        q4(**POSITION_WISE),
        "plain text without dollars, labelled counts and a prose line after the formula",
    ),
    (
        "dw-sep-circled-steps",
        "dw-sep-q1",
        {
            "a.params": "correct",
            "b.formula": "correct",
            "b.params": "correct",
            "c.formula": "correct",
            "c.params": "correct",
            "d.params": "correct",
            "e.explanation": "correct",
        },
        "a depthwise-separable script in circled steps is right throughout",
    ),
    (
        "dw-sep-chinese-with-mistakes",
        "dw-sep-q1",
        {
            "a.params": ("partial", 1),
            "b.formula": ("partial", 1),
            "b.params": "incorrect",
            "c.formula": ("partial", 1),
            "c.params": ("partial", 1),
            "d.params": "incorrect",
            "e.explanation": "incorrect",
        },
        "a depthwise-separable script in Chinese with mistakes earns partial credit",
    ),
    (
        "dw-sep-boxed-and-crossed-out",
        "dw-sep-q1",
        {
            "a.params": "correct",
            "b.formula": "correct",
            "b.params": "correct",
            "c.formula": "correct",
            "c.params": "correct",
            "d.params": "correct",
            "e.explanation": "correct",
        },
        "a depthwise-separable script with boxed answers over crossed-out ones",
    ),
    (
        "attn-transcription-service",
        "attn-q1",
        {
            "a.params": "correct",
            "b.params": "correct",
            "c.count": "correct",
            "d.explanation": "correct",
            "e.formula": "correct",
        },
        "a transcription service's textbf markers, and shapes of matrices are not counts",
    ),
    (
        "attn-out-of-order-with-mistakes",
        "attn-q1",
        {
            "a.params": "incorrect",
            "b.params": ("partial", 1),
            "c.count": "incorrect",
            "d.explanation": "needs_review",
            "e.formula": ("partial", 1),
        },
        "an attention script out of order with mistakes, a contradiction for a person",
    ),
    (
        "attn-chinese-and-rightarrow",
        "attn-q1",
        {
            "a.params": "correct",
            "b.params": "correct",
            "c.count": "correct",
            "d.explanation": ("partial", 1),
            "e.formula": ("partial", 1),
        },
        "an attention script in Chinese with Rightarrow to its counts",
    ),
]


def _grade(fixture: str, rubric: str):
    results = grade_paths(RUBRICS[rubric], [FIXTURES / f"{fixture}.md"]).results
    assert len(results) == 1
    return results[0]


def test_every_fixture_is_in_the_table_once():
    listed = [fixture for fixture, *_ in CASES]
    assert len(listed) == len(set(listed)) >= 25
    assert sorted(listed) == sorted(path.stem for path in FIXTURES.glob("*.md"))


@pytest.mark.parametrize(
    ("fixture", "rubric", "expected"),
    [pytest.param(fixture, rubric, expected, id=why) for fixture, rubric, expected, why in CASES],
)
def test_a_transcript_is_graded_as_an_instructor_would(fixture, rubric, expected):
    result = _grade(fixture, rubric)
    assert set(expected) == set(RUBRICS[rubric].items)  # every item is listed
    got, want = {}, {}
    for item_id, verdict in expected.items():
        item = result.items[item_id]
        verdict, marks = verdict if isinstance(verdict, tuple) else (verdict, None)
        if marks is None:
            marks = item.max_marks if verdict == "correct" else 0
        got[item_id] = (item.verdict, item.marks)
        want[item_id] = (verdict, marks)
    assert got == want


@pytest.mark.parametrize(
    ("item_id", "steps"),
    [
        (
            "b.params",
            "3 \\times 3 \\times C \\times D (the machine's reading earns 0 of 2), then 9CD + D",
        ),
        (
            "c.params",
            "C \\times D + D (the machine's reading earns 2 of 2), then CD (the machine's "
            "reading earns 0 of 2)",
        ),
    ],
    ids=["an equals chain shows its sides", "a Rightarrow chain shows its steps"],
)
def test_working_whose_steps_disagree_goes_to_a_person_showing_the_steps(item_id, steps):
    item = _grade("disagreeing-chains", "22-52-q4").items[item_id]
    assert item.verdict == "needs_review" and item.marks == 0
    assert item.feedback[0].startswith("The steps of your working on line ")
    assert steps in item.feedback[0]
    assert item.decision[-1].startswith("sent for review: the steps on line ")


def test_working_whose_steps_agree_is_graded_on_its_last_step():
    result = _grade("disagreeing-chains", "22-52-q4")
    assert result.items["d.params"].answer == "CD"
    assert result.items["d.params"].found == "from line 11: 1 \\times 1 \\times C \\times D ⇒ CD"
    assert result.items["a.params"].answer == "PQC \\times PQD + PQD = PQCPQD + PQD"


# Long lines built to make a backtracking reader work for ever; read in a child process with
# a generous limit, so a reader that hangs fails the test instead of hanging the suite.
ADVERSARIAL = [
    "(a) " + "$ is " * 20000 + "$",
    "(a) $$(a)" + "\\ " * 40000 + "y$$",
    "(a) " + "_{" * 40000 + "x: 9CD",
    "(a) weights " + "Ab" * 40000 + ": " + "=" * 40000,
    "(a) " + "\\textbf{" * 20000 + "(a)",
    "(a) $" + " " * 80000 + "($9CD$",
    # pieces "plus" joins: each sum built anew from the last took work that grew with the square
    "(a) $a$" + " plus $b$" * 40000,
]


def test_long_adversarial_lines_are_read_in_bounded_work(tmp_path):
    for number, line in enumerate(ADVERSARIAL):
        (tmp_path / f"hostile-{number}.md").write_text(line + "\n", encoding="utf-8")
    done = _read_in_a_child(
        tmp_path, "[load_submission(p, rubric) for p in scripts]; print('read')"
    )
    assert done.stdout.strip() == "read", done.stderr


def _read_in_a_child(folder: Path, then: str) -> subprocess.CompletedProcess:
    """Run `then` in a child process, with `rubric` (22-52-Q4) and `scripts` (the `.md` files
    of `folder`) defined: a reader that hangs fails the test after 120 s of CPU time (killed
    by SIGXCPU), however loaded the machine; 600 s on the clock stop a child that waits."""
    code = (
        "import resource; resource.setrlimit(resource.RLIMIT_CPU, (120, 120)); "
        "import json, sys; from pathlib import Path; from grader.rubric import load_rubric; "
        "from grader.submissions import load_submission; "
        f"rubric = load_rubric(Path({str(ROOT / 'rubrics' / '22-52-q4.yaml')!r})); "
        "scripts = sorted(Path(sys.argv[1]).glob('*.md')); " + then
    )
    return subprocess.run(
        [sys.executable, "-c", code, str(folder)], capture_output=True, text=True, timeout=600
    )


# Scripts near the file size limit (1 MB) that the reader took hours over, each with the answer
# it gives: a line of spaces (`^\s*` and `\s*` beside optional groups in the marker split it
# every way), openers of maths never closed (each looked for its closer to the end of the
# part), spaces after "shape" (`\s*(:|is|=|of)?\s*$`), a chain of working of many steps (the
# steps before each step copied again: minutes; now more steps than are checked, for a
# person). Read in a child process with a generous limit, so a reader that hangs fails the test
# instead of hanging the suite.
HEAD = "(a) $9CD+D$ parameters\n"


def _unread(text: str) -> dict[str, str]:
    """The answers of a script whose part (a) has `text` on line 2 that no item reads: the
    count, and the formula, which a person reads shown the text (at most 2,000 characters)."""
    return {"a.params": "9CD+D", "a.formula": _shown(2, text)}


def _shown(line: int, text: str) -> str:
    """Line `line` of a script, `text`, as a person is shown it (at most 2,000 characters)."""
    shown = f"line {line}: {text}"
    if len(shown) > 2000:
        shown = f"{shown[:2000]}… ({len(shown) - 2000} more characters, in the script)"
    return shown


LIMIT_SIZED = {
    "a line of spaces": (HEAD + " " * 990_000 + "x\n", _unread("x")),
    "a list item of spaces": (HEAD + "- " + " " * 990_000 + "x\n", _unread("- x")),
    "a heading of spaces": (HEAD + "#" + " " * 990_000 + "x\n", _unread("# x")),
    "unclosed \\(": (HEAD + "\\(" * 495_000 + "\n", _unread("\\(" * 495_000)),
    "unclosed \\[": (HEAD + "\\[" * 495_000 + "\n", _unread("\\[" * 495_000)),
    "spaces after shape": (
        "(b) shape" + " " * 990_000 + "x: parameters $9CD+D$\n",
        {"b.params": "9CD+D"},
    ),
    # more steps than are checked (`MOST_ANSWERS`): for a person, shown the line (arrows4)
    "a chain of working": (
        "(b) parameters $" + "P⇒" * 240_000 + "9CD+D$\n",
        dict.fromkeys(
            ("b.formula", "b.params"), _shown(1, "parameters $" + "P⇒" * 240_000 + "9CD+D$")
        ),
    ),
}


def test_scripts_of_the_size_limit_are_read_in_bounded_work(tmp_path):
    names = {}
    for number, (name, (script, _)) in enumerate(LIMIT_SIZED.items()):
        (tmp_path / f"script-{number}.md").write_text(script, encoding="utf-8")
        names[f"script-{number}"] = name
    done = _read_in_a_child(
        tmp_path,
        "print(json.dumps({p.stem: {k: a.text for k, a in load_submission(p, rubric).answers"
        ".items()} for p in scripts}))",
    )
    assert done.returncode == 0, done.stderr  # not killed for its CPU time
    read = {names[stem]: answers for stem, answers in json.loads(done.stdout).items()}
    assert read == {name: answers for name, (_, answers) in LIMIT_SIZED.items()}, done.stderr


# The regex the maths of a script was found with: right, but it looked for the closer of every
# opener never closed to the end of the text. On short texts it is the reference.
LAZY_MATHS = re.compile(
    r"\$\$(?P<display>.*?)\$\$|\\\[(?P<bracket>.*?)\\\]|\\\((?P<paren>.*?)\\\)|\$(?P<inline>[^$]+)\$",
    re.DOTALL,
)
DELIMITERS = ["$", "$$", "\\", "[", "]", "(", ")", "\\[", "\\]", "\\(", "\\)", "9CD", " ", "\n"]


@settings(max_examples=500, deadline=None)
@given(st.lists(st.sampled_from(DELIMITERS), max_size=30).map("".join))
def test_the_maths_of_a_script_is_found_as_the_lazy_regex_found_it(text):
    expected = [
        (m.start(), m.end(), m.group(m.lastgroup), m.lastgroup in ("display", "bracket"))
        for m in LAZY_MATHS.finditer(text)
    ]
    found = [(p.start, p.end, p.body, p.displayed) for p in _maths_pieces(text)]
    assert found == expected
