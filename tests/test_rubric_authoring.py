"""New questions without new code: scaffold, self-test, Markdown submissions."""

from pathlib import Path

import pytest

from grader.cli import main
from grader.errors import RubricError
from grader.grade import grade_paths
from grader.rubric import load_rubric
from grader.submissions import answer_names
from grader.submissions.markdown_submission import load_markdown_submission

ROOT = Path(__file__).resolve().parent.parent
RUBRICS = sorted((ROOT / "rubrics").glob("*.yaml"))


@pytest.mark.parametrize("rubric", RUBRICS, ids=[r.stem for r in RUBRICS])
def test_every_bundled_rubric_passes_its_check(rubric, capsys):
    assert main(["rubric", "check", str(rubric)]) == 0
    assert "self-tests passed" in capsys.readouterr().out


def test_a_fresh_scaffold_passes_the_check(tmp_path, capsys):
    out = tmp_path / "new.yaml"
    assert main(["rubric", "new", "23-10-Q2", "--out", str(out)]) == 0
    assert main(["rubric", "check", str(out)]) == 0
    assert "rubric 23-10-Q2 is valid" in capsys.readouterr().out


def test_the_scaffold_never_overwrites_a_file(tmp_path, capsys):
    out = tmp_path / "new.yaml"
    out.write_text("keep me", encoding="utf-8")
    assert main(["rubric", "new", "X1", "--out", str(out)]) == 2
    assert out.read_text(encoding="utf-8") == "keep me"
    assert "exists already" in capsys.readouterr().err


def test_a_question_id_cannot_smuggle_yaml(tmp_path):
    assert main(["rubric", "new", "x\nid: other", "--out", str(tmp_path / "r.yaml")]) == 2


def _scaffold(tmp_path: Path, edit) -> Path:
    out = tmp_path / "rubric.yaml"
    assert main(["rubric", "new", "Q-1", "--out", str(out)]) == 0
    out.write_text(edit(out.read_text(encoding="utf-8")), encoding="utf-8")
    return out


@pytest.mark.parametrize(
    ("edit", "line_text", "message"),
    [
        pytest.param(
            lambda t: t.replace("- answer: '9CD + D'", "- answer: 'D + CD'"),
            "- answer: 'D + CD'",
            "equals the reference answer, so this rule can never fire",
            id="a misconception equal to the reference is refused",
        ),
        pytest.param(
            lambda t: t.replace("verdict: correct\n    marks: 2", "verdict: correct\n    marks: 1"),
            "answer: 'D(C + 1)'",
            "marks 2, expected 1",
            id="a test expecting the wrong marks fails",
        ),
        pytest.param(
            lambda t: t.replace("    misconception: 1\n", ""),
            "- answer: '9CD + D'",
            "no test exercises this rule",
            id="a rule that no test exercises is reported",
        ),
        pytest.param(
            lambda t: t.replace(
                "            marks: 0\n",
                "            marks: 0\n"
                "          - answer: '9DC + D'\n"
                "            feedback: again\n",
                1,
            ),
            "- answer: '9DC + D'",
            "equals misconception 1",
            id="a rule shadowed by an earlier equivalent rule is reported",
        ),
        pytest.param(
            lambda t: t.replace("verdict: partial", "verdict: incorrect"),
            "answer: 'CD'",
            "verdict partial, expected incorrect",
            id="a test expecting the wrong verdict fails",
        ),
        pytest.param(
            # Found by a rubric author: a test failing as invalid did not say why
            lambda t: t.replace("answer: 'D(C + 1)'", "answer: 'D(C +* 1)'"),
            "answer: 'D(C +* 1)'",
            "expected 2; the grader says: We could not read your answer: unexpected '*'",
            id="a failing test says what the grader said",
        ),
    ],
)
def test_the_check_fails_clearly_on_a_broken_rubric(tmp_path, capsys, edit, line_text, message):
    rubric = _scaffold(tmp_path, edit)
    assert main(["rubric", "check", str(rubric)]) == 1
    out = capsys.readouterr().out
    assert message in out
    lines = rubric.read_text(encoding="utf-8").splitlines()
    expected_line = next(i for i, line in enumerate(lines, 1) if line_text in line)
    reported = [line for line in out.splitlines() if message in line][0]
    reported_line = int(reported.split(":")[1])
    # The test's own line, or for a test entry the line its list item starts on.
    assert abs(reported_line - expected_line) <= 3, (reported, expected_line)
    assert str(rubric) in reported


def test_a_rubric_written_from_scratch_grades_a_submission_through_the_cli(tmp_path, capsys):
    rubric = tmp_path / "lin.yaml"
    rubric.write_text(
        """id: LIN-1
title: A linear layer
symbols:
  M: {meaning: inputs, example: 3}
  H: {meaning: outputs, example: 2}
parts:
  a:
    marks: 4
    prompt: How many parameters does a linear layer from M inputs to H outputs have?
    items:
      n:
        type: count
        label: Answer
        marks: 4
        answer: 'MH + H'
        bias: 'H'
        partial_credit: {bias_missing: 2}
        misconceptions:
          - {answer: 'M + H', feedback: Every output has its own weight for every input., marks: 0}
tests:
  - {item: a.n, answer: 'H(M+1)', verdict: correct}
  - {item: a.n, answer: 'MH', verdict: partial, marks: 2, diagnosis: bias_missing}
  - {item: a.n, answer: 'M+H', verdict: incorrect, misconception: 1}
""",
        encoding="utf-8",
    )
    assert main(["rubric", "check", str(rubric)]) == 0
    folder = tmp_path / "subs"
    folder.mkdir()
    (folder / "x.md").write_text(
        "---\nstudent: x\nquestion: LIN-1\n---\n## (a)\nanswer: $MH$\n", encoding="utf-8"
    )
    (folder / "y.yaml").write_text(
        "student: y\nquestion: LIN-1\nanswers:\n  a:\n    n: 'M \\times H + H'\n",
        encoding="utf-8",
    )
    out = tmp_path / "out"
    assert main(["grade", str(folder), "--rubric", str(rubric), "--out", str(out)]) == 0
    table = capsys.readouterr().out
    assert "x" in table and "y" in table
    rows = (out / "instructor" / "grades.csv").read_text(encoding="utf-8").splitlines()
    sha = load_rubric(rubric).sha256
    assert rows[1:] == [f'"x","2","2","0","{sha}"', f'"y","4","4","0","{sha}"']


SEEDS = ROOT / "submissions" / "22-52-q4"


@pytest.mark.parametrize("student", ["seed-student-1", "seed-student-2"])
def test_markdown_and_yaml_submissions_of_the_same_answers_get_the_same_results(student):
    rubric = load_rubric(ROOT / "rubrics" / "22-52-q4.yaml")
    yaml_result = grade_paths(rubric, [SEEDS / f"{student}.yaml"]).results[0]
    markdown_result = grade_paths(rubric, [SEEDS / "markdown" / f"{student}.md"]).results[0]
    assert markdown_result.items == yaml_result.items
    assert markdown_result.warnings == ()


NAMES = {"a": {"formula", "params", "parameters"}, "b": {"params", "parameters"}}


def _markdown(tmp_path: Path, body: str):
    path = tmp_path / "s.md"
    path.write_text("---\nstudent: s\nquestion: Q\n---\n" + body, encoding="utf-8")
    return load_markdown_submission(path, NAMES)


@pytest.mark.parametrize(
    ("body", "answers"),
    [
        pytest.param(
            "## (a)\nParameters: 9CD\n", {"a.Parameters": "9CD"}, id="a parenthesised heading"
        ),
        pytest.param("## a)\nparams: 9CD\n", {"a.params": "9CD"}, id="a heading with a bracket"),
        pytest.param(
            "## Part A\nPARAMS: 9CD\n", {"a.PARAMS": "9CD"}, id="a Part heading, any case"
        ),
        pytest.param(
            "## (a)\n**Parameters:** $9CD$\n",
            {"a.Parameters": "9CD"},
            id="a bold label and inline maths",
        ),
        pytest.param(
            "## (a)\nFormula: $$y = \\sum_l\nw_l x_l$$\n",
            {"a.Formula": "y = \\sum_l w_l x_l"},
            id="display maths over two lines",
        ),
        pytest.param(
            "## (a)\nFormula:\n$$\nTransformer: y\n$$\n",
            {"a.Formula": "Transformer: y"},
            id="a colon inside display maths is not a label",
        ),
        pytest.param(
            "## (a)\nParams: 9CD\nand more\n## (b)\nParams: D\n",
            {"a.Params": "9CD and more", "b.Params": "D"},
            id="an answer runs on until the next heading",
        ),
        pytest.param("## (a)\nParams:\n", {"a.Params": None}, id="an empty label is missing"),
    ],
)
def test_markdown_answers_are_read_as_written(tmp_path, body, answers):
    submission = _markdown(tmp_path, body)
    assert {k: v.text for k, v in submission.answers.items()} == answers


def test_markdown_content_that_belongs_nowhere_is_reported_not_reassigned(tmp_path):
    submission = _markdown(
        tmp_path,
        "stray words\n## (a)\nsome thought\nParams: 9CD\nNote: extra words\n"
        "## (a)\nParams: again\n",
    )
    # "Note:" is not a label the rubric knows, so it stays with the answer it follows.
    assert submission.answers["a.Params"].text == "9CD Note: extra words"
    notes = " ".join(note for _, note in submission.unassigned)
    assert "before the first part heading" in notes and "stray words" in notes
    assert "some thought" in notes
    # The second "Params:" of part (a) is a second answer to it, kept for a person to weigh.
    assert [text for text, _, _ in submission.answers["a.Params"].alternatives] == ["again"]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        pytest.param("## (a)\nParams: 1\n", "starts with front matter", id="no front matter"),
        pytest.param("---\nstudent: s\n## (a)\n", "never closed", id="front matter never closed"),
        pytest.param("---\nstudent: s\n---\n", "question: is required", id="no question"),
    ],
)
def test_malformed_markdown_is_a_clear_submission_error(tmp_path, text, message):
    from grader.errors import SubmissionError

    path = tmp_path / "bad.md"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(SubmissionError) as caught:
        load_markdown_submission(path, NAMES)
    assert message in str(caught.value)
    assert str(path) in str(caught.value)


def test_answer_names_come_from_keys_labels_and_aliases():
    rubric = load_rubric(ROOT / "rubrics" / "22-52-q4.yaml")
    names = answer_names(rubric)
    assert {"params", "parameters", "number of parameters", "formula"} <= names["a"]


TEXT_RUBRIC = """\
id: TXT-1
title: Why a convolution has few parameters
symbols:
  C: {meaning: the number of input channels, example: 2}
parts:
  a:
    marks: 2
    prompt: Why does a convolution have so few parameters?
    items:
      why:
        type: text
        marks: 2
        answer: The same weights are used at every position, and each filter is local.
        concepts:
          - name: shared weights
            marks: 1
            description: the same weights are used at every position
            evidence:
              - 'same|shared weight* position*'
            contradictions:
              - 'own|different weight* each|every position*'
          - name: local filters
            marks: 1
            description: each filter sees only a small neighbourhood
            evidence:
              - 'local|small filter*|kernel*|neighbourhood'
tests:
  - {item: a.why, answer: 'Shared weights at every position, and local filters.', verdict: correct}
  - {item: a.why, answer: 'Every position has its own weights.', verdict: needs_review, marks: 0}
  - {item: a.why, answer: 'Each filter is local.', verdict: partial, marks: 1}
"""


def test_a_rubric_with_a_well_tested_text_item_passes_the_check(tmp_path, capsys):
    rubric = tmp_path / "text.yaml"
    rubric.write_text(TEXT_RUBRIC, encoding="utf-8")
    assert main(["rubric", "check", str(rubric)]) == 0
    assert "3 self-tests passed" in capsys.readouterr().out


def _without(text: str, start: str, end: str) -> str:
    """`text` without the lines from the one containing `start` up to the one before `end`."""
    lines = text.splitlines(keepends=True)
    first = next(i for i, line in enumerate(lines) if start in line)
    last = next(i for i, line in enumerate(lines) if end in line and i > first)
    return "".join(lines[:first] + lines[last:])


@pytest.mark.parametrize(
    ("rubric_text", "line_text", "message"),
    [
        pytest.param(
            _without(TEXT_RUBRIC, "        concepts:", "tests:").replace(
                "  - {item: a.why, answer: 'Every",
                "  - {item: a.why, answer: 'x', verdict: "
                "needs_review}\n  - {item: a.why, answer: 'Every",
            ),
            "answer: The same weights",
            "the reference answer is graded needs_review (0/2), not correct: the item has no "
            "concepts",
            id="a text item without concepts is reported: its reference would go to review",
        ),
        pytest.param(
            TEXT_RUBRIC.replace(
                "answer: The same weights are used at every position, and each filter is local.",
                "answer: The same weights are used at every position.",
            ),
            "answer: The same weights",
            "no evidence of concept 'local filters'",
            id="a reference answer that misses a concept is reported",
        ),
        pytest.param(
            TEXT_RUBRIC.replace(
                "answer: The same weights are used at every position, and each filter is local.",
                "answer: The same weights are used at every position, and each filter is local. "
                "Yet every position has its own weights.",
            ),
            "answer: The same weights",
            "concept 'shared weights' is contradicted",
            id="a reference answer that contradicts itself is reported",
        ),
        pytest.param(
            TEXT_RUBRIC.replace("'Every position has its own weights.'", "'Weights.'").replace(
                "verdict: needs_review, marks: 0", "verdict: incorrect, marks: 0"
            ),
            "- 'own|different weight* each|every position*'",
            "no test exercises this contradiction",
            id="a contradiction that no test exercises is reported at its line",
        ),
        pytest.param(
            TEXT_RUBRIC.replace(
                "'Shared weights at every position, and local filters.', verdict: correct",
                "'Shared weights at every position.', verdict: partial",
            ).replace("'Each filter is local.', verdict: partial", "'Eh.', verdict: incorrect"),
            "- name: local filters",
            "no test exercises this concept (local filters)",
            id="a concept that no test exercises is reported at its line",
        ),
        pytest.param(
            TEXT_RUBRIC.replace(
                "              - 'local|small filter*|kernel*|neighbourhood'\n",
                "              - 'local|small filter*|kernel*|neighbourhood'\n"
                "              - 'filter* ~ local ~ small'\n",
            ),
            "- 'filter* ~ local ~ small'",
            "a pairing joins exactly two word groups",
            id="a pairing of three groups is reported",
        ),
        pytest.param(
            TEXT_RUBRIC.replace(
                "              - 'local|small filter*|kernel*|neighbourhood'\n",
                "              - 'local|small filter*|kernel*|neighbourhood'\n"
                "              - 'filter* > > local'\n",
            ),
            "- 'filter* > > local'",
            "> stands between two word groups",
            id="two > together are reported",
        ),
        pytest.param(
            TEXT_RUBRIC.replace(
                "              - 'local|small filter*|kernel*|neighbourhood'\n",
                "              - 'local|small filter*|kernel*|neighbourhood'\n"
                "              - '!global|large'\n",
            ),
            "- '!global|large'",
            "a ! group lists words that may not stand just before a word of the match",
            id="a ! group with no word group beside it is reported",
        ),
    ],
)
def test_the_check_of_text_items_fails_clearly(tmp_path, capsys, rubric_text, line_text, message):
    rubric = tmp_path / "text.yaml"
    rubric.write_text(rubric_text, encoding="utf-8")
    assert main(["rubric", "check", str(rubric)]) == 1
    out = capsys.readouterr().out
    assert message in out
    expected_line = next(
        i for i, line in enumerate(rubric_text.splitlines(), 1) if line_text in line
    )
    reported = [line for line in out.splitlines() if message in line][0]
    assert reported.startswith(f"{rubric}:{expected_line}:"), (reported, expected_line)


@pytest.mark.parametrize(
    ("roles", "line_text", "message"),
    [
        pytest.param(
            "              - 'convolution* filter*'\n              - 'dense'\n",
            "- 'convolution* filter*'",
            "a role is one word group",
            id="a role of two word groups",
        ),
        pytest.param(
            "              - 'convolution*'\n",
            "            roles:",
            "give at least two roles",
            id="a single role",
        ),
    ],
)
def test_roles_that_are_not_two_word_groups_are_refused(tmp_path, roles, line_text, message):
    text = TEXT_RUBRIC.replace(
        "              - 'local|small filter*|kernel*|neighbourhood'\n",
        "              - 'local|small filter*|kernel*|neighbourhood'\n            roles:\n" + roles,
    )
    path = tmp_path / "text.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(RubricError) as caught:
        load_rubric(path)
    line = next(i for i, t in enumerate(text.splitlines(), 1) if line_text in t)
    assert f"{path}:{line}:" in str(caught.value)
    assert message in str(caught.value)


def _with_check_sizes(sets: str):
    return lambda t: t.replace("\nparts:", f"\ncheck_sizes: {sets}\n\nparts:", 1)


@pytest.mark.parametrize(
    ("edit", "warnings"),
    [
        pytest.param(
            _with_check_sizes("[{C: 4, D: 4}, {C: 2, D: 2}]"),
            [
                "check_sizes: every set gives C and D the same value (4, 2): a formula that "
                "swaps them is not told apart at these sizes; give them different values in "
                "one set"
            ],
            id="two sizes the same in every set are a warning at check_sizes",
        ),
        pytest.param(
            lambda t: _with_check_sizes("[{C: 4, D: 4, E: 4}, {C: 2, D: 2, E: 2}]")(
                t.replace("  D:\n", "  E: {meaning: the batch}\n  D:\n", 1)
            ),
            [
                "check_sizes: every set gives C, E and D the same value (4, 2): a formula "
                "that swaps any two of them is not told apart at these sizes; give each of "
                "them a different value in one set"
            ],
            id="three sizes the same in every set are one warning",
        ),
        pytest.param(
            _with_check_sizes("[{C: 4, D: 4}, {C: 2, D: 3}]"),
            [],
            id="the same in one set only is no warning: the other set tells them apart",
        ),
        pytest.param(lambda t: t, [], id="the default sizes are no warning"),
    ],
)
def test_rubric_check_warns_and_passes_where_check_sizes_cannot_tell_two_sizes_apart(
    tmp_path, capsys, edit, warnings
):
    rubric = _scaffold(tmp_path, edit)
    assert main(["rubric", "check", str(rubric)]) == 0
    out = capsys.readouterr().out
    line = next(
        n
        for n, text in enumerate(rubric.read_text(encoding="utf-8").splitlines(), 1)
        if text.startswith("check_sizes:") or text.startswith("parts:")
    )
    assert [o for o in out.splitlines() if o.startswith("warning:")] == [
        f"warning: {rubric}:{line}: {warning}" for warning in warnings
    ]
    assert out.rstrip().endswith("passed" + (f"; {len(warnings)} warning" if warnings else ""))


def test_rubric_check_counts_one_item_and_one_self_test_in_the_singular(capsys):
    path = ROOT / "rubrics" / "dense-tanh-q1.yaml"
    assert main(["rubric", "check", str(path)]) == 0
    tests = len(load_rubric(path).tests)  # more than one: only the item is one
    assert f"rubric DENSE-TANH-Q1 is valid; 1 item, {tests} self-tests passed" in (
        capsys.readouterr().out
    )


def _grouped(declared: str):
    """The scaffold's count over G groups: CD/G + D, with D declared as `declared` says."""
    return lambda t: (
        t.replace(
            "    example: 5\n",
            f"    example: 5\n{declared}  G:\n    meaning: the number of groups\n    example: 5\n",
            1,
        )
        .replace("answer: 'CD + D'", "answer: 'CD/G + D'")
        .replace("answer: 'D(C + 1)'", "answer: 'D(C/G + 1)'")
        .replace("answer: 'CD'", "answer: 'CD/G'")
    )


@pytest.mark.parametrize(
    ("declared", "code", "message"),
    [
        pytest.param("    multiple_of: G\n", 0, "rubric Q-1 is valid", id="declared: passes"),
        pytest.param(
            "",
            1,
            "a.params's answer 'CD/G + D' is not a whole number at C=1, D=1, G=2; declare C a "
            "multiple of G (multiple_of: G under symbols.C), or round it",
            id="undeclared: the check names the key that would do",
        ),
        pytest.param(
            "    multiple_of: C\n",
            3,
            "symbols.D.multiple_of: the examples give D=5, which C=2 does not divide",
            id="examples that break it are refused",
        ),
    ],
)
def test_a_count_divided_by_a_size_wants_the_multiple_declared(
    tmp_path, capsys, declared, code, message
):
    rubric = _scaffold(tmp_path, _grouped(declared))
    assert main(["rubric", "check", str(rubric)]) == code
    captured = capsys.readouterr()
    assert message in captured.out + captured.err, captured
