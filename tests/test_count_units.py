# ruff: noqa: E501  (the table holds whole sentences of feedback)
"""Unit words set aside around a count (`9CD + D weights`, `N^2 parameters`) are weighed
against what the item counts, as its label names it: words that agree are set aside with a
note; words naming part of the parameters ("weights", "biases") are set aside with a note that
says the count is graded as the number of parameters; words naming something else ("biases"
where the item counts weights, "parameters" where it counts FLOPs) send the answer to a person,
told what its reading would earn."""

from __future__ import annotations

from pathlib import Path

import pytest

from grader.grade import grade_answer
from grader.kinds.count.steps import units_against_item
from grader.rubric import load_rubric, load_rubric_text

ROOT = Path(__file__).resolve().parent.parent
RUBRICS = {
    name: load_rubric(ROOT / "rubrics" / f"{name}.yaml")
    for name in ("conv1d-q1", "attention-q2", "attn-q1", "linear-backward-q1", "22-52-q4")
}
RUBRICS["weights"] = load_rubric_text(
    "id: UNITS\ntitle: units\nsymbols:\n  C: {meaning: inputs}\n  D: {meaning: outputs}\n"
    "parts:\n  a:\n    marks: 4\n    prompt: How many weights does the layer have?\n    items:\n"
    "      weights:\n        type: count\n        label: Weights\n        marks: 2\n"
    "        answer: 'CD'\n"
    "      ops:\n        type: count\n        label: OPs\n        marks: 2\n"
    "        answer: 'CD'\n",
    "units.yaml",
)
FACTOR = "(these differ: a multiply-add is one multiplication and one addition, 2 FLOPs)"
PART = (
    "which names part of what the question counts: your count is graded as the number of parameters"
)

SWAPPED = (
    "Your answer calls D weights and 9CD biases, but this layer has D biases: its words name the "
    "terms the other way round; read as a sum, your count is correct."
)


def _misnamed(term: str, kind: str) -> str:
    return (
        f"Your answer calls {term} {kind}, but this layer has D biases: its words name that "
        "term wrongly; read as a sum, your count is correct."
    )


UNITS = [
    pytest.param(
        "22-52-q4",
        "b.params",
        "D weights + 9CD biases",
        "needs_review",
        ('set aside "weights" and "biases", words naming the terms',),
        (SWAPPED, "An instructor will review it."),
        id="terms named the other way round: a person decides (was 2/2, nothing said)",
    ),
    pytest.param(
        "22-52-q4",
        "b.params",
        "9CD biases + D weights",
        "needs_review",
        ('set aside "biases" and "weights", words naming the terms',),
        (SWAPPED, "An instructor will review it."),
        id="terms named the other way round, biases first (was 2/2, nothing said)",
    ),
    pytest.param(
        "22-52-q4",
        "a.params",
        "PQD weights plus PQC \\cdot PQD biases",
        "needs_review",
        ('set aside "weights" and "biases", words naming the terms, and read "plus" as +',),
        (
            "Your answer calls PQD weights and PQC \\cdot PQD biases, but this layer has PQD "
            "biases: its words name the terms the other way round; read as a sum, your count "
            "is correct.",
            "An instructor will review it.",
        ),
        id="terms in LaTeX named the other way round: a person decides (was unread, 0)",
    ),
    pytest.param(
        "22-52-q4",
        "b.params",
        "D weights (plus 9CD biases)",
        "needs_review",
        (
            'set aside "weights" and "biases", words naming the terms, and read "plus" as +, '
            'with "plus 9CD biases" in brackets read as a term of the sum',
        ),
        (SWAPPED, "An instructor will review it."),
        id="terms named the other way round, the last in brackets: a person decides (was unread)",
    ),
    pytest.param(
        "22-52-q4",
        "b.params",
        "9(C D) weights + D biases",
        "correct",
        ('set aside "weights" and "biases", words naming the terms',),
        ("Correct.",),
        id="a term in brackets named: read (was unread, 0)",
    ),
    pytest.param(
        "22-52-q4",
        "b.params",
        "D biases + 9CD weights",
        "correct",
        ('set aside "biases" and "weights", words naming the terms',),
        ("Correct.",),
        id="terms named rightly, biases first: correct",
    ),
    pytest.param(
        "22-52-q4",
        "b.params",
        "9CD biases + D biases",
        "needs_review",
        ('set aside "biases" and "biases", words naming the terms',),
        (_misnamed("9CD", "biases"), "An instructor will review it."),
        id="the weights called biases beside the biases: a person decides (was 2/2, nothing said)",
    ),
    pytest.param(
        "22-52-q4",
        "b.params",
        "9CD weights + D weights",
        "needs_review",
        ('set aside "weights" and "weights", words naming the terms',),
        (_misnamed("D", "weights"), "An instructor will review it."),
        id="the biases called weights: a person decides (was 2/2, nothing said)",
    ),
    pytest.param(
        "22-52-q4",
        "c.params",
        "CD weights + D weights",
        "needs_review",
        ('set aside "weights" and "weights", words naming the terms',),
        (_misnamed("D", "weights"), "An instructor will review it."),
        id="the biases called weights in part c: a person decides (was 2/2, nothing said)",
    ),
    pytest.param(
        "22-52-q4",
        "b.params",
        "9CD weights + C biases",
        "incorrect",
        ('set aside "weights" and "biases", words naming the terms',),
        (
            "Your weights, 9·C·D, are right. Your biases: C, one per input channel; the biases "
            "belong to the outputs, not the inputs: D, one per output channel.",
            "With C=2, D=5 your count gives 92; the correct count is 95.",
        ),
        id="biases of a wrong count, named rightly: graded, not a wrong word",
    ),
    pytest.param(
        "conv1d-q1",
        "b.params",
        "KCD + D parameters",
        "correct",
        ('set aside "parameters"',),
        ("Correct.",),
        id="parameters for parameters: set aside",
    ),
    pytest.param(
        "conv1d-q1",
        "b.params",
        "KCD + D weights",
        "correct",
        (f'set aside "weights", {PART}',),
        ("Correct.",),
        id="weights for parameters: graded as parameters, saying so",
    ),
    pytest.param(
        "conv1d-q1",
        "b.params",
        "KCD + D biases",
        "correct",
        (f'set aside "biases", {PART}',),
        ("Correct.",),
        id="biases for parameters: graded as parameters, saying so",
    ),
    pytest.param(
        "conv1d-q1",
        "b.params",
        "Weights: KCD + D",
        "correct",
        (f'set aside "Weights:", {PART}',),
        ("Correct.",),
        id="a label of weights before a count of parameters: saying so",
    ),
    pytest.param(
        "conv1d-q1",
        "b.params",
        "Total: KCD + D weights",
        "correct",
        (f'set aside "Total:" and "weights", {PART}',),
        ("Correct.",),
        id="words at both ends, one of them part of the parameters: saying so",
    ),
    pytest.param(
        "conv1d-q1",
        "b.params",
        "The answer is KCD + D parameters.",
        "correct",
        ('read past the "." at the end', 'set aside "The answer is" and "parameters"'),
        ("Correct.",),
        id="words before the count with no colon, and after it (was unreadable)",
    ),
    pytest.param(
        "conv1d-q1",
        "b.params",
        "KCD + D (weights + biases)",
        "correct",
        ('set aside "(weights + biases)"',),
        ("Correct.",),
        id="weights + biases in brackets are the parameters (was unreadable)",
    ),
    pytest.param(
        "attn-q1",
        "c.count",
        "Total: N^2 weights",
        "needs_review",
        ('set aside "Total:" and "weights"',),
        (
            'Your answer calls its count "weights", but the question counts entries; read as a count of entries, your count is correct.',
            "An instructor will review it.",
        ),
        id="words at both ends, one of them weights for entries: a person decides",
    ),
    pytest.param(
        "weights",
        "a.ops",
        "CD parameters",
        "needs_review",
        ('set aside "parameters"',),
        (
            'Your answer calls its count "parameters", but the question counts OPs; read as a count of OPs, your count is correct.',
            "An instructor will review it.",
        ),
        id="a label with capitals inside is named as written",
    ),
    pytest.param(
        "conv1d-q1",
        "b.params",
        "KCD + D weights and biases",
        "correct",
        ('set aside "weights and biases"',),
        ("Correct.",),
        id="weights and biases are the parameters",
    ),
    pytest.param(
        "conv1d-q1",
        "b.params",
        "KCD + D multiplications",
        "needs_review",
        ('set aside "multiplications"',),
        (
            'Your answer calls its count "multiplications", but the question counts parameters; read as a count of parameters, your count is correct.',
            "An instructor will review it.",
        ),
        id="multiplications for parameters: a person decides",
    ),
    pytest.param(
        "conv1d-q1",
        "b.params",
        "KCD FLOPs",
        "needs_review",
        ('set aside "FLOPs"',),
        (
            'Your answer calls its count "FLOPs", but the question counts parameters; read as a count of parameters, it would earn 1 of 2 marks.',
            "Your count leaves out the biases: this layer has D learnable biases, one per output, and they are learnable parameters too.",
            "With K=3, C=2, D=4 your count gives 24; the correct count is 28.",
            "An instructor will review it.",
        ),
        id="a wrong count of FLOPs for parameters: a person decides, told what it earns",
    ),
    pytest.param(
        "attention-q2",
        "b.flops",
        "2N^2 d_k FLOPs",
        "correct",
        ('set aside "FLOPs"',),
        ("Correct.",),
        id="FLOPs for FLOPs: set aside",
    ),
    pytest.param(
        "attention-q2",
        "b.flops",
        "2N^2 d_k parameters",
        "needs_review",
        ('set aside "parameters"',),
        (
            'Your answer calls its count "parameters", but the question counts FLOPs; read as a count of FLOPs, your count is correct.',
            "An instructor will review it.",
        ),
        id="parameters for FLOPs: a person decides",
    ),
    pytest.param(
        "attention-q2",
        "b.flops",
        "2N^2 d_k MACs",
        "needs_review",
        ('set aside "MACs"',),
        (
            f'Your answer calls its count "MACs", but the question counts FLOPs {FACTOR}; read as a count of FLOPs, your count is correct.',
            "An instructor will review it.",
        ),
        id="MACs for FLOPs, a count twice the FLOPs: a person decides",
    ),
    pytest.param(
        "attention-q2",
        "b.flops",
        "N^2 d_k MACs",
        "needs_review",
        ('set aside "MACs"',),
        (
            f'Your answer calls its count "MACs", but the question counts FLOPs {FACTOR}; read as a count of FLOPs, it would earn 1 of 2 marks.',
            "That counts the N·N·d_k multiply-adds; at 2 FLOPs each, Q Kᵀ takes 2·N²·d_k.",
            "With N=10, d_k=64 your count gives 6400; the correct count is 12800.",
            "An instructor will review it.",
        ),
        id="MACs for FLOPs, right in MACs: a person decides",
    ),
    pytest.param(
        "attention-q2",
        "b.flops",
        "$N^2 d_k$ MACs",
        "needs_review",
        ('set aside "MACs"',),
        (
            f'Your answer calls its count "MACs", but the question counts FLOPs {FACTOR}; read as a count of FLOPs, it would earn 1 of 2 marks.',
            "That counts the N·N·d_k multiply-adds; at 2 FLOPs each, Q Kᵀ takes 2·N²·d_k.",
            "With N=10, d_k=64 your count gives 6400; the correct count is 12800.",
            "An instructor will review it.",
        ),
        id="MACs after maths in dollars: the note quotes the word, not the dollar (was '$ MACs')",
    ),
    pytest.param(
        "linear-backward-q1",
        "d.count",
        "NCD multiply-adds",
        "needs_review",
        ('set aside "multiply-adds"',),
        (
            f'Your answer calls its count "multiply-adds", but the question counts multiplications {FACTOR}; read as a count of multiplications, your count is correct.',
            "An instructor will review it.",
        ),
        id="multiply-adds, a hyphenated word, are MACs (was 'unknown symbol multipl')",
    ),
    pytest.param(
        "attention-q2",
        "b.flops",
        "2N^2 d_k multiplications",
        "needs_review",
        ('set aside "multiplications"',),
        (
            f'Your answer calls its count "multiplications", but the question counts FLOPs {FACTOR}; read as a count of FLOPs, your count is correct.',
            "An instructor will review it.",
        ),
        id="multiplications for FLOPs: a person decides",
    ),
    pytest.param(
        "attention-q2",
        "b.flops",
        "2N^2 d_k operations",
        "correct",
        ('set aside "operations"',),
        ("Correct.",),
        id="operations, no unit, for FLOPs: set aside",
    ),
    pytest.param(
        "linear-backward-q1",
        "d.count",
        "NCD FLOPs",
        "needs_review",
        ('set aside "FLOPs"',),
        (
            f'Your answer calls its count "FLOPs", but the question counts multiplications {FACTOR}; read as a count of multiplications, your count is correct.',
            "An instructor will review it.",
        ),
        id="FLOPs for multiplications: a person decides",
    ),
    pytest.param(
        "linear-backward-q1",
        "d.count",
        "2NCD FLOPs",
        "needs_review",
        ('set aside "FLOPs"',),
        (
            f'Your answer calls its count "FLOPs", but the question counts multiplications {FACTOR}; read as a count of multiplications, it would earn 0 of 1 marks.',
            "Your count is off by a constant factor: it is 2 times the correct count.",
            "With N=32, C=8, D=4 your count gives 2048; the correct count is 1024.",
            "An instructor will review it.",
        ),
        id="twice the multiplications in FLOPs: a person decides",
    ),
    pytest.param(
        "linear-backward-q1",
        "d.count",
        "NCD mults",
        "correct",
        ('set aside "mults"',),
        ("Correct.",),
        id="mults for multiplications: set aside",
    ),
    pytest.param(
        "attn-q1",
        "c.count",
        "N^2 weights",
        "needs_review",
        ('set aside "weights"',),
        (
            'Your answer calls its count "weights", but the question counts entries; read as a count of entries, your count is correct.',
            "An instructor will review it.",
        ),
        id="weights for entries: a person decides",
    ),
    pytest.param(
        "attn-q1",
        "c.count",
        "N^2 entries",
        "correct",
        ('set aside "entries"',),
        ("Correct.",),
        id="entries for entries: set aside",
    ),
    pytest.param(
        "weights",
        "a.weights",
        "CD biases",
        "needs_review",
        ('set aside "biases"',),
        (
            'Your answer calls its count "biases", but the question counts weights; read as a count of weights, your count is correct.',
            "An instructor will review it.",
        ),
        id="biases for weights: a person decides",
    ),
    pytest.param(
        "weights",
        "a.weights",
        "CD parameters",
        "correct",
        ('set aside "parameters"',),
        ("Correct.",),
        id="parameters for weights is wider, not wrong: set aside",
    ),
]


@pytest.mark.parametrize(("rubric", "item", "answer", "verdict", "notes", "feedback"), UNITS)
def test_unit_words_are_weighed_against_what_the_item_counts(
    rubric, item, answer, verdict, notes, feedback
):
    result = grade_answer(RUBRICS[rubric], RUBRICS[rubric].items[item], answer)
    assert result.verdict == verdict, result.feedback
    assert result.reading_notes == notes
    assert result.feedback == feedback
    if verdict == "needs_review":
        assert result.marks == 0
        # the decision records the reading and why a person decides, not what it would earn
        reason = feedback[0].rsplit(", ", 1)[0]
        assert result.decision == (
            f"read as {result.interpretation}",
            f"{reason}: sent for review",
        )


RELATIONS = [
    pytest.param("params", "Parameters", None, id="the same kind"),
    pytest.param("weights", "Parameters", ("part", "weights"), id="part of the parameters"),
    pytest.param("weights and biases", "Parameters", None, id="both parts are the parameters"),
    pytest.param(
        "weights and biases", "Entries", ("other", "weights"), id="the parameters for entries"
    ),
    pytest.param("weights FLOPs", "Parameters", ("other", "FLOPs"), id="the other word is named"),
    pytest.param("multiplications", "FLOPs", ("other", "multiplications"), id="mults for FLOPs"),
    pytest.param("MACs", "FLOPs", ("other", "MACs"), id="MACs for FLOPs"),
    pytest.param("FLOPs", "Multiplications", ("other", "FLOPs"), id="FLOPs for multiplications"),
    pytest.param("additions", "Multiplications", ("other", "additions"), id="adds for mults"),
    pytest.param("operations", "FLOPs", None, id="operations, no unit, for FLOPs"),
    pytest.param("MACs", "Operations", None, id="a unit of work for operations"),
    pytest.param("weights", "Biases", ("other", "weights"), id="weights for biases"),
    pytest.param("total number of", "Parameters", None, id="words of no kind"),
    pytest.param("positions", "Length", None, id="positions for a length"),
    pytest.param("parameters", "Length", ("other", "parameters"), id="parameters for a length"),
    pytest.param("parameters", "Pooling", None, id="a label of no known kind"),
    pytest.param("parameters", "", None, id="no label"),
]


@pytest.mark.parametrize(("words", "label", "found"), RELATIONS)
def test_how_unit_words_stand_against_the_label(words, label, found):
    assert units_against_item(words, label) == found


# Every word of each kind, written out here so that a word dropped from the table fails: it
# agrees with a label of its kind and is named where the item counts something else.
KINDS = {
    "Parameters": "param params parameter parameters",
    "Weights": "weight weights",
    "Biases": "bias biases",
    "Entries": "entry entries element elements value values output outputs position positions "
    "unit units neuron neurons activation activations length",
    "Multiplications": "multiplication multiplications mult mults multiply multiplies",
    "Additions": "addition additions add adds",
    "FLOPs": "flop flops",
    "MACs": "mac macs multiply-add multiply-adds",
    "Operations": "operation operations op ops",
}
OTHER_LABEL = {
    "Parameters": "Entries",
    "Weights": "Biases",
    "Biases": "Weights",
    "Entries": "FLOPs",
    "FLOPs": "Entries",
    "Multiplications": "FLOPs",
    "Additions": "MACs",
    "MACs": "Multiplications",
    "Operations": "Entries",
}


@pytest.mark.parametrize(
    ("label", "word"), [(label, word) for label, words in KINDS.items() for word in words.split()]
)
def test_each_unit_word_agrees_with_its_kind_and_is_named_against_another(label, word):
    assert units_against_item(word, label) is None
    assert units_against_item(word, OTHER_LABEL[label]) == ("other", word)


@pytest.mark.parametrize(
    "answer", ["no KCD + D", "and KCD + D parameters"], ids=["no before", "and before"]
)
def test_words_before_a_count_that_change_it_are_not_set_aside(answer):
    rubric = RUBRICS["conv1d-q1"]
    result = grade_answer(rubric, rubric.items["b.params"], answer)
    assert result.verdict == "invalid", result.reading_notes


# Unit words where no count reads (`weights and biases`) are said to be words that could not be
# read as a count, not "unknown symbol weights"; a name that could be a symbol still is one.
@pytest.mark.parametrize(
    ("answer", "said", "unsaid"),
    [
        pytest.param(
            "weights and biases",
            'the words could not be read as a count ("weights" is a word',
            "unknown symbol weights",
            id="unit words alone (was unknown symbol weights)",
        ),
        pytest.param(
            "9CD + offsets",
            "unknown symbol offsets",
            "could not be read as a count",
            id="a word that names no unit is still an unknown symbol",
        ),
        pytest.param(
            f"9CD weights + 1{'0' * 30} biases",
            "this number is too large: more than 30 digits",
            "is a word",
            id="unit words read, a number of 31 digits: the number is blamed, not the words "
            '(was "weights" is a word)',
        ),
    ],
)
def test_unit_words_no_count_reads_are_called_words_not_symbols(answer, said, unsaid):
    rubric = RUBRICS["22-52-q4"]
    result = grade_answer(rubric, rubric.items["b.params"], answer)
    assert result.verdict == "invalid"
    assert said in " ".join(result.feedback) and unsaid not in " ".join(result.feedback)


# The words of a wrong count whose terms the student's words name say what the student calls
# weights their weights, and what they call biases their biases: the split that explains the
# count best is searched only among the terms left unnamed.
BY_LABELS = [
    pytest.param(
        "9C weights + D weights",
        "Your weights: 9·C + D; the correct weights are 9·C·D. You left out the biases: this "
        "layer has D, one per output channel.",
        id="every term called weights: no term is called their biases (was 'Your biases, D, are right')",
    ),
    pytest.param(
        "D biases + D biases",
        "You left out the weights: 9·C·D. Your biases: 2·D, 2 per output channel, 2 times the "
        "correct D.",
        id="every term called biases: none is called their weights (was 'Your weights: 2·D')",
    ),
    pytest.param(
        "C biases + D biases",
        "You left out the weights: 9·C·D. Your biases: C + D, with C too many; the correct "
        "biases are D.",
        id="every term called biases, one of them wrong (was 'Your weights: C')",
    ),
    pytest.param(
        "D weights + 9C",
        "Your weights: D, missing a factor of 9·C: the correct weights are 9·C·D. Your biases: "
        "9·C, 9 per input channel, off by a factor of 9·C/D: missing D, with an extra 9·C; the "
        "correct biases are D.",
        id="one term named weights, the other not: the named one stays weights (was 'Your biases, D')",
    ),
    pytest.param(
        "9C weights + D",
        "Your weights: 9·C, missing a factor of D: the correct weights are 9·C·D. Your biases, "
        "D, are right.",
        id="one term named weights: the unnamed one is searched for, as before",
    ),
]


@pytest.mark.parametrize(("answer", "words"), BY_LABELS)
def test_a_wrong_count_is_explained_by_the_names_the_student_gave_its_terms(answer, words):
    rubric = RUBRICS["22-52-q4"]
    result = grade_answer(rubric, rubric.items["b.params"], answer)
    assert result.verdict in ("incorrect", "needs_review")
    assert words in result.feedback, result.feedback
