# ruff: noqa: E501  (the table holds whole sentences of feedback)
"""Feedback for wrong counts no rubric rule names: the weights and the biases compared term by
term, counts that belong to another part, and marks carried forward from the student's own
formula (`follow_through`)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from grader.grade import grade_answer, grade_submission
from grader.kinds.count.check import DIAGNOSES
from grader.rubric import load_rubric, load_rubric_text
from grader.rubric_check import check_rubric
from grader.submissions import load_submission

ROOT = Path(__file__).resolve().parent.parent
RUBRICS = {
    name: load_rubric(ROOT / "rubrics" / f"{name}.yaml")
    for name in ("22-52-q4", "dw-sep-q1", "attn-q1", "mha-q1")
}
Q4 = RUBRICS["22-52-q4"]

CASES = [
    pytest.param(
        "22-52-q4",
        "a.params",
        "PQC \\cdot PQD + D",
        "term_factor",
        "Your weights, P²·Q²·C·D, are right. Your biases: D, one per output channel; this layer has a bias for every output, one per position and output channel: P·Q·D.",
        id="a.params PQC cdot PQD + D is a term off by a factor",
    ),
    pytest.param(
        "22-52-q4",
        "a.params",
        "PQC \\cdot PQD + PQC",
        "symbols_swapped",
        "Your weights, P²·Q²·C·D, are right. Your biases: P·Q·C, one per position and input channel; the biases belong to the outputs, not the inputs: P·Q·D, one per position and output channel.",
        id="a.params PQC cdot PQD + PQC is two sizes swapped",
    ),
    pytest.param(
        "22-52-q4",
        "a.params",
        "PQCD + PQD",
        "term_factor",
        "Your weights: P·Q·C·D, missing a factor of P·Q: every output position has its own weights, so P²·Q²·C·D. Your biases, P·Q·D, are right.",
        id="a.params PQCD + PQD is a term off by a factor",
    ),
    pytest.param(
        "22-52-q4",
        "a.params",
        "9CD + D",
        "other_part",
        "Your weights: 9·C·D, off by a factor of (9)/(P²·Q²): missing P²·Q², with an extra 9; the correct weights are P²·Q²·C·D. Your biases: D, one per output channel; this layer has a bias for every output, one per position and output channel: P·Q·D.",
        id="a.params 9CD + D is the answer to another part",
    ),
    pytest.param(
        "22-52-q4",
        "a.params",
        "PQCD + PQC",
        "several_terms",
        "Your weights: P·Q·C·D, missing a factor of P·Q: every output position has its own weights, so P²·Q²·C·D. Your biases: P·Q·C, one per position and input channel; the biases belong to the outputs, not the inputs: P·Q·D, one per position and output channel.",
        id="a.params PQCD + PQC is two mistakes at once",
    ),
    pytest.param(
        "22-52-q4",
        "a.params",
        "0",
        "several_terms",
        "You left out the weights: P²·Q²·C·D. You left out the biases: this layer has P·Q·D, one per position and output channel.",
        id="a.params 0 is two mistakes at once",
    ),
    pytest.param(
        "22-52-q4",
        "a.params",
        "PQC \\cdot PQD + 9PQD",
        "biases_wrong",
        "Your weights, P²·Q²·C·D, are right. Your biases: 9·P·Q·D, 9 per position and output channel, 9 times the correct P·Q·D.",
        id="a.params PQC cdot PQD + 9PQD is wrong biases",
    ),
    pytest.param(
        "22-52-q4",
        "a.params",
        "P^2Q^2CD + C",
        "term_factor",
        "Your weights, P²·Q²·C·D, are right. Your biases: C, one per input channel, off by a factor of (C)/(P·Q·D): missing P·Q·D, with an extra C; the correct biases are P·Q·D.",
        id="a.params P^2Q^2CD + C is a term off by a factor",
    ),
    pytest.param(
        "22-52-q4",
        "a.params",
        "P^2Q^2CD + CD",
        "term_factor",
        "Your weights, P²·Q²·C·D, are right. Your biases: C·D, one per input channel and output channel, off by a factor of (C)/(P·Q): missing P·Q, with an extra C; the correct biases are P·Q·D.",
        id="a.params P^2Q^2CD + CD is a term off by a factor",
    ),
    pytest.param(
        "22-52-q4",
        "a.params",
        "2P^2Q^2CD + PQD",
        "weights_wrong",
        "Your weights: 2·P²·Q²·C·D, 2 times the correct P²·Q²·C·D. Your biases, P·Q·D, are right.",
        id="a.params 2P^2Q^2CD + PQD is wrong weights",
    ),
    pytest.param(
        "22-52-q4",
        "a.params",
        "PQCD",
        "other_part",
        "Your weights: P·Q·C·D, missing a factor of P·Q: every output position has its own weights, so P²·Q²·C·D. You left out the biases: this layer has P·Q·D, one per position and output channel.",
        id="a.params PQCD is the answer to another part",
    ),
    pytest.param(
        "22-52-q4",
        "a.params",
        "P^2Q^2C^2D^2 + PQD",
        "term_factor",
        "Your weights: P²·Q²·C²·D², with an extra factor of C·D; the correct weights are P²·Q²·C·D. Your biases, P·Q·D, are right.",
        id="a.params P^2Q^2C^2D^2 + PQD is a term off by a factor",
    ),
    pytest.param(
        "22-52-q4",
        "a.params",
        "PQC + PQD",
        "term_factor",
        "Your weights: P·Q·C, missing a factor of P·Q·D: the correct weights are P²·Q²·C·D. Your biases, P·Q·D, are right.",
        id="a.params PQC + PQD is a term off by a factor",
    ),
    pytest.param(
        "22-52-q4",
        "a.params",
        "P^2Q^2CD + PQCD",
        "term_factor",
        "Your weights, P²·Q²·C·D, are right. Your biases: P·Q·C·D, one per position and input channel and output channel; the biases belong to the outputs, not the inputs: P·Q·D, one per position and output channel.",
        id="a.params P^2Q^2CD + PQCD is a term off by a factor",
    ),
    pytest.param(
        "22-52-q4",
        "b.params",
        "4CD + D",
        "kernel_size",
        "Your weights: 4·C·D, as for a 2×2 kernel; a 3×3 kernel has 9 weights for each pair of an input channel and an output channel, so 9·C·D. Your biases, D, are right.",
        id="b.params 4CD + D is another kernel size",
    ),
    pytest.param(
        "22-52-q4",
        "b.params",
        "CD + D",
        "other_part",
        "Your weights: C·D, as for a 1×1 kernel; a 3×3 kernel has 9 weights for each pair of an input channel and an output channel, so 9·C·D. Your biases, D, are right.",
        id="b.params CD + D is the answer to another part",
    ),
    pytest.param(
        "22-52-q4",
        "b.params",
        "9(C+1)D",
        "bias_per_tap",
        "Your weights, 9·C·D, are right. Your biases: 9·D, one for each of the 3×3 kernel taps as well; a filter has one bias, not one per weight, so D, one per output channel.",
        id="b.params 9(C+1)D is a bias per kernel tap",
    ),
    pytest.param(
        "22-52-q4",
        "b.params",
        "4CD",
        "several_terms",
        "Your weights: 4·C·D, as for a 2×2 kernel; a 3×3 kernel has 9 weights for each pair of an input channel and an output channel, so 9·C·D. You left out the biases: this layer has D, one per output channel.",
        id="b.params 4CD is two mistakes at once",
    ),
    pytest.param(
        "22-52-q4",
        "b.params",
        "D",
        "term_missing",
        "You left out the weights: 9·C·D. Your biases, D, are right.",
        id="b.params D is a term missing",
    ),
    pytest.param(
        "22-52-q4",
        "b.params",
        "9CD + PQD",
        "term_factor",
        "Your weights, 9·C·D, are right. Your biases: P·Q·D, one per position and output channel; this layer has one per output channel, shared by every position: D.",
        id="b.params 9CD + PQD is a term off by a factor",
    ),
    pytest.param(
        "22-52-q4",
        "b.params",
        "25CD + D",
        "kernel_size",
        "Your weights: 25·C·D, as for a 5×5 kernel; a 3×3 kernel has 9 weights for each pair of an input channel and an output channel, so 9·C·D. Your biases, D, are right.",
        id="b.params 25CD + D is another kernel size",
    ),
    pytest.param(
        "22-52-q4",
        "b.params",
        "9PQCD + D",
        "term_factor",
        "Your weights: 9·P·Q·C·D, a set of weights for every position (an extra factor of P·Q); this layer uses the same weights at every position, so 9·C·D. Your biases, D, are right.",
        id="b.params 9PQCD + D is a term off by a factor",
    ),
    pytest.param(
        "22-52-q4",
        "b.params",
        "18CD + 2D",
        "constant_factor",
        "Your weights: 18·C·D, 2 times the correct 9·C·D. Your biases: 2·D, 2 per output channel, 2 times the correct D.",
        id="b.params 18CD + 2D is off by a constant",
    ),
    pytest.param(
        "22-52-q4",
        "b.params",
        "9CD + 9CD",
        "term_factor",
        "Your weights: 18·C·D, 2 times the correct 9·C·D. You left out the biases: this layer has D, one per output channel.",
        id="b.params 9CD + 9CD is a term off by a factor",
    ),
    pytest.param(
        "22-52-q4",
        "b.params",
        "9CD + CD",
        "term_factor",
        "Your weights, 9·C·D, are right. Your biases: C·D, one per input channel and output channel; the biases belong to the outputs, not the inputs: D, one per output channel.",
        id="b.params 9CD + CD is a term off by a factor, its two terms explained as written",
    ),
    pytest.param(
        "22-52-q4",
        "b.params",
        "3CD + D",
        "weights_wrong",
        "Your weights: 3·C·D, 1/3 of the correct 9·C·D. Your biases, D, are right.",
        id="b.params 3CD + D is wrong weights",
    ),
    pytest.param(
        "22-52-q4",
        "b.params",
        "9C + D",
        "term_factor",
        "Your weights: 9·C, missing a factor of D: the correct weights are 9·C·D. Your biases, D, are right.",
        id="b.params 9C + D is a term off by a factor",
    ),
    pytest.param(
        "22-52-q4",
        "b.params",
        "9CD + 2D",
        "biases_wrong",
        "Your weights, 9·C·D, are right. Your biases: 2·D, 2 per output channel, 2 times the correct D.",
        id="b.params 9CD + 2D is wrong biases",
    ),
    pytest.param(
        "22-52-q4",
        "b.params",
        "0",
        "several_terms",
        "You left out the weights: 9·C·D. You left out the biases: this layer has D, one per output channel.",
        id="b.params 0 is two mistakes at once",
    ),
    pytest.param(
        "22-52-q4",
        "b.params",
        "9CD + C",
        "symbols_swapped",
        "Your weights, 9·C·D, are right. Your biases: C, one per input channel; the biases belong to the outputs, not the inputs: D, one per output channel.",
        id="b.params 9CD + C is two sizes swapped",
    ),
    pytest.param(
        "22-52-q4",
        "b.params",
        "4CD + PQD",
        "several_terms",
        "Your weights: 4·C·D, as for a 2×2 kernel; a 3×3 kernel has 9 weights for each pair of an input channel and an output channel, so 9·C·D. Your biases: P·Q·D, one per position and output channel; this layer has one per output channel, shared by every position: D.",
        id="b.params 4CD + PQD is two mistakes at once",
    ),
    pytest.param(
        "22-52-q4",
        "b.params",
        "9CD + 9PQD",
        "term_factor",
        "Your weights, 9·C·D, are right. Your biases: 9·P·Q·D, 9 per position and output channel, with an extra factor of 9·P·Q; the correct biases are D.",
        id="b.params 9CD + 9PQD is a term off by a factor",
    ),
    pytest.param(
        "22-52-q4",
        "c.params",
        "CD + 9D",
        "biases_wrong",
        "Your weights, C·D, are right. Your biases: 9·D, 9 per output channel, 9 times the correct D.",
        id="c.params CD + 9D is wrong biases",
    ),
    pytest.param(
        "22-52-q4",
        "c.params",
        "4CD + D",
        "kernel_size",
        "Your weights: 4·C·D, as for a 2×2 kernel; a 1×1 kernel has 1 weight for each pair of an input channel and an output channel, so C·D. Your biases, D, are right.",
        id="c.params 4CD + D is another kernel size",
    ),
    pytest.param(
        "22-52-q4",
        "c.params",
        "C + D",
        "term_factor",
        "Your weights: C, missing a factor of D: the correct weights are C·D. Your biases, D, are right.",
        id="c.params C + D is a term off by a factor",
    ),
    pytest.param(
        "22-52-q4",
        "c.params",
        "PQCD + D",
        "term_factor",
        "Your weights: P·Q·C·D, a set of weights for every position (an extra factor of P·Q); this layer uses the same weights at every position, so C·D. Your biases, D, are right.",
        id="c.params PQCD + D is a term off by a factor",
    ),
    pytest.param(
        "22-52-q4",
        "c.params",
        "CD + C",
        "symbols_swapped",
        "Your weights, C·D, are right. Your biases: C, one per input channel; the biases belong to the outputs, not the inputs: D, one per output channel.",
        id="c.params CD + C is two sizes swapped",
    ),
    pytest.param(
        "22-52-q4",
        "c.params",
        "2CD + D",
        "weights_wrong",
        "Your weights: 2·C·D, 2 times the correct C·D. Your biases, D, are right.",
        id="c.params 2CD + D is wrong weights",
    ),
    pytest.param(
        "22-52-q4",
        "c.params",
        "CD + CD",
        "term_factor",
        "Your weights: 2·C·D, 2 times the correct C·D. You left out the biases: this layer has D, one per output channel.",
        id="c.params CD + CD is a term off by a factor",
    ),
    pytest.param(
        "22-52-q4",
        "c.params",
        "D",
        "term_missing",
        "You left out the weights: C·D. Your biases, D, are right.",
        id="c.params D is a term missing",
    ),
    pytest.param(
        "22-52-q4",
        "c.params",
        "PQCD + PQD",
        "factor_extra",
        "Your weights: P·Q·C·D, a set of weights for every position (an extra factor of P·Q); this layer uses the same weights at every position, so C·D. Your biases: P·Q·D, one per position and output channel; this layer has one per output channel, shared by every position: D.",
        id="c.params PQCD + PQD is an extra factor",
    ),
    pytest.param(
        "22-52-q4",
        "c.params",
        "9CD",
        "term_factor",
        "Your weights: 9·C·D, as for a 3×3 kernel; a 1×1 kernel has 1 weight for each pair of an input channel and an output channel, so C·D. You left out the biases: this layer has D, one per output channel.",
        id="c.params 9CD is a term off by a factor",
    ),
    pytest.param(
        "22-52-q4",
        "c.params",
        "CD + 2D",
        "biases_wrong",
        "Your weights, C·D, are right. Your biases: 2·D, 2 per output channel, 2 times the correct D.",
        id="c.params CD + 2D is wrong biases",
    ),
    pytest.param(
        "22-52-q4",
        "d.params",
        "CD + PQD",
        "other_part",
        "Your weights, C·D, are right. Your biases, P·Q·D, should not be counted: this part asks for the layer without a bias.",
        id="d.params CD + PQD is the answer to another part",
    ),
    pytest.param(
        "22-52-q4",
        "d.params",
        "9CD",
        "constant_factor",
        "Your weights: 9·C·D, as for a 3×3 kernel; a 1×1 kernel has 1 weight for each pair of an input channel and an output channel, so C·D.",
        id="d.params 9CD is off by a constant",
    ),
    pytest.param(
        "22-52-q4",
        "d.params",
        "2CD",
        "constant_factor",
        "Your weights: 2·C·D, 2 times the correct C·D.",
        id="d.params 2CD is off by a constant",
    ),
    pytest.param(
        "22-52-q4",
        "d.params",
        "C",
        "factor_missing",
        "Your weights: C, missing a factor of D: the correct weights are C·D.",
        id="d.params C is missing a factor",
    ),
    pytest.param(
        "22-52-q4",
        "d.params",
        "D",
        "factor_missing",
        "Your weights: D, missing a factor of C: the correct weights are C·D.",
        id="d.params D is missing a factor",
    ),
    pytest.param(
        "22-52-q4",
        "d.params",
        "CD + C",
        "biases_wrong",
        "Your weights, C·D, are right. Your biases, C, should not be counted: this part asks for the layer without a bias.",
        id="d.params CD + C is wrong biases",
    ),
    pytest.param(
        "22-52-q4",
        "d.params",
        "PQC \\cdot PQD",
        "factor_extra",
        "Your weights: P²·Q²·C·D, a set of weights for every position (an extra factor of P²·Q²); this layer uses the same weights at every position, so C·D.",
        id="d.params PQC cdot PQD is an extra factor",
    ),
    pytest.param(
        "dw-sep-q1",
        "a.params",
        "9CD + D",
        "term_factor",
        "Your weights: 9·C·D, as for a 3×3 kernel; a K×K kernel has K² weights for each pair of an input channel and an output channel, so K²·C·D. Your biases, D, are right.",
        id="a.params 9CD + D is a term off by a factor",
    ),
    pytest.param(
        "dw-sep-q1",
        "a.params",
        "K^2CD + KD",
        "term_factor",
        "Your weights, K²·C·D, are right. Your biases: K·D, one per value of K and output channel, with an extra factor of K; the correct biases are D.",
        id="a.params K^2CD + KD is a term off by a factor",
    ),
    pytest.param(
        "dw-sep-q1",
        "a.params",
        "K^2CD + CD",
        "term_factor",
        "Your weights, K²·C·D, are right. Your biases: C·D, one per input channel and output channel; the biases belong to the outputs, not the inputs: D, one per output channel.",
        id="a.params K^2CD + CD is a term off by a factor",
    ),
    pytest.param(
        "dw-sep-q1",
        "a.params",
        "K^2 CD + C",
        "symbols_swapped",
        "Your weights, K²·C·D, are right. Your biases: C, one per input channel; the biases belong to the outputs, not the inputs: D, one per output channel.",
        id="a.params K^2 CD + C is two sizes swapped",
    ),
    pytest.param(
        "dw-sep-q1",
        "a.params",
        "K^2CD + K^2D",
        "term_factor",
        "Your weights, K²·C·D, are right. Your biases: K²·D, one for each of the K×K kernel taps as well; a filter has one bias, not one per weight, so D, one per output channel.",
        id="a.params K^2CD + K^2D is a term off by a factor",
    ),
    pytest.param(
        "dw-sep-q1",
        "a.params",
        "K^3CD + D",
        "term_factor",
        "Your weights: K³·C·D, with an extra factor of K; the correct weights are K²·C·D. Your biases, D, are right.",
        id="a.params K^3CD + D is a term off by a factor",
    ),
    pytest.param(
        "dw-sep-q1",
        "a.params",
        "K^2 PQ CD + D",
        "term_factor",
        "Your weights: K²·P·Q·C·D, a set of weights for every position (an extra factor of P·Q); this layer uses the same weights at every position, so K²·C·D. Your biases, D, are right.",
        id="a.params K^2 PQ CD + D is a term off by a factor",
    ),
    pytest.param(
        "dw-sep-q1",
        "b.params",
        "K^2 C + K^2 C",
        "term_factor",
        "Your weights: 2·K²·C, 2 times the correct K²·C. You left out the biases: this layer has C, one per input channel.",
        id="b.params K^2 C + K^2 C is a term off by a factor",
    ),
    pytest.param(
        "dw-sep-q1",
        "b.params",
        "KC + C",
        "term_factor",
        "Your weights: K·C, missing a factor of K: the correct weights are K²·C. Your biases, C, are right.",
        id="b.params KC + C is a term off by a factor",
    ),
    pytest.param(
        "dw-sep-q1",
        "b.params",
        "K^2 C + PQC",
        "term_factor",
        "Your weights, K²·C, are right. Your biases: P·Q·C, one per position and input channel; this layer has one per input channel, shared by every position: C.",
        id="b.params K^2 C + PQC is a term off by a factor",
    ),
    pytest.param(
        "dw-sep-q1",
        "b.params",
        "K^2C + D",
        "term_factor",
        "Your weights, K²·C, are right. Your biases: D, one per output channel, off by a factor of D/C: missing C, with an extra D; the correct biases are C.",
        id="b.params K^2C + D is a term off by a factor",
    ),
    pytest.param(
        "dw-sep-q1",
        "b.params",
        "K^2D + D",
        "symbols_swapped",
        "Your weights: K²·D, off by a factor of D/C: missing C, with an extra D; the correct weights are K²·C. Your biases: D, one per output channel, off by a factor of D/C: missing C, with an extra D; the correct biases are C.",
        id="b.params K^2D + D is two sizes swapped",
    ),
    pytest.param(
        "dw-sep-q1",
        "c.params",
        "CD + C",
        "symbols_swapped",
        "Your weights, C·D, are right. Your biases: C, one per input channel; the biases belong to the outputs, not the inputs: D, one per output channel.",
        id="c.params CD + C is two sizes swapped",
    ),
    pytest.param(
        "dw-sep-q1",
        "c.params",
        "CD + PQD",
        "term_factor",
        "Your weights, C·D, are right. Your biases: P·Q·D, one per position and output channel; this layer has one per output channel, shared by every position: D.",
        id="c.params CD + PQD is a term off by a factor",
    ),
    pytest.param(
        "dw-sep-q1",
        "c.params",
        "9CD + D",
        "kernel_size",
        "Your weights: 9·C·D, as for a 3×3 kernel; a 1×1 kernel has 1 weight for each pair of an input channel and an output channel, so C·D. Your biases, D, are right.",
        id="c.params 9CD + D is another kernel size",
    ),
    pytest.param(
        "dw-sep-q1",
        "d.params",
        "K^2 C + C + CD",
        "bias_missing",
        "Your weights, K²·C + C·D, are right, but you left out some of the biases: you count C of this layer's C + D biases, and leave out D. The biases are learnable parameters too.",
        id="d.params K^2 C + C + CD leaves out some of the biases",
    ),
    pytest.param(
        "dw-sep-q1",
        "d.params",
        "K^2C + C + CD + C",
        "term_factor",
        "Your weights, K²·C + C·D, are right. Your biases: 2·C, with C (the number of input channels) where D belongs; the correct biases are C + D.",
        id="d.params K^2C + C + CD + C is a term off by a factor",
    ),
    pytest.param(
        "attn-q1",
        "a.params",
        "3EK + 3E",
        "symbols_swapped",
        "Your weights, 3·E·K, are right. Your biases: 3·E, 3 per value of E, off by a factor of E/K: missing K, with an extra E; the correct biases are 3·K.",
        id="a.params 3EK + 3E is two sizes swapped",
    ),
    pytest.param(
        "attn-q1",
        "a.params",
        "2EK + 2K",
        "constant_factor",
        "Your weights: 2·E·K, 2/3 of the correct 3·E·K. Your biases: 2·K, 2 per value of K, 2/3 of the correct 3·K.",
        id="a.params 2EK + 2K is off by a constant",
    ),
    pytest.param(
        "attn-q1",
        "a.params",
        "3EK + 3NK",
        "term_factor",
        "Your weights, 3·E·K, are right. Your biases: 3·N·K, 3 per token and value of K; this layer has 3 per value of K, shared by every position: 3·K.",
        id="a.params 3EK + 3NK is a term off by a factor",
    ),
    pytest.param(
        "attn-q1",
        "b.params",
        "4EK + 4K",
        "term_factor",
        "Your weights, 4·E·K, are right. Your biases: 4·K, with K (the dimension of queries, keys and values) where E belongs; the correct biases are E + 3·K.",
        id="b.params 4EK + 4K is a term off by a factor",
    ),
    pytest.param(
        "attn-q1",
        "b.params",
        "3EK + 3K + KE",
        "bias_missing",
        "Your weights, 4·E·K, are right, but you left out some of the biases: you count 3·K of this layer's E + 3·K biases, and leave out E. The biases are learnable parameters too.",
        id="b.params 3EK + 3K + KE leaves out some of the biases",
    ),
]


@pytest.mark.parametrize(("rubric", "item", "answer", "diagnosis", "words"), CASES)
def test_a_wrong_count_no_rubric_rule_names_is_explained_by_its_weights_and_biases(
    rubric, item, answer, diagnosis, words
):
    result = grade_answer(RUBRICS[rubric], RUBRICS[rubric].items[item], answer)
    assert result.verdict != "correct"
    assert result.diagnosis == diagnosis
    assert words in result.feedback
    assert "Your count is not equal to the correct count." not in result.feedback


# Terms the student wrote apart that the count merges (9·C + C is 10·C): each is explained as
# written, never as the merged count with its biases "left out".
WRITTEN_TERMS = [
    pytest.param(
        "dw-sep-q1",
        "a.params",
        "9C + C",
        "Your weights: 9·C, off by a factor of (9)/(K²·D): missing K²·D, with an extra 9; the correct weights are K²·C·D. Your biases: C, one per input channel; the biases belong to the outputs, not the inputs: D, one per output channel.",
        id="dw-sep a.params 9C + C: 9C weights and C biases",
    ),
    pytest.param(
        "22-52-q4",
        "b.params",
        "CD + C",
        "Your weights: C·D, as for a 1×1 kernel; a 3×3 kernel has 9 weights for each pair of an input channel and an output channel, so 9·C·D. Your biases: C, one per input channel; the biases belong to the outputs, not the inputs: D, one per output channel.",
        id="22-52 b.params CD + C: CD weights and C biases",
    ),
    pytest.param(
        "22-52-q4",
        "b.params",
        "9CD + CD",
        "Your weights, 9·C·D, are right. Your biases: C·D, one per input channel and output channel; the biases belong to the outputs, not the inputs: D, one per output channel.",
        id="22-52 b.params 9CD + CD: 9CD weights and CD biases",
    ),
    pytest.param(
        "dw-sep-q1",
        "b.params",
        "9C + C",
        "Your weights: 9·C, as for a 3×3 kernel; a K×K kernel has K² weights for each input channel, so K²·C. Your biases, C, are right.",
        id="dw-sep b.params 9C + C: 9C weights and C biases",
    ),
    pytest.param(
        "22-52-q4",
        "c.params",
        "CD + CD",
        "Your weights: 2·C·D, 2 times the correct C·D. You left out the biases: this layer has D, one per output channel.",
        id="22-52 c.params CD + CD: the same term twice is one piece",
    ),
    pytest.param(
        "22-52-q4",
        "b.params",
        "9CD weights + 9CD biases",
        "Your weights, 9·C·D, are right. Your biases: 9·C·D, 9 per input channel and output channel, with an extra factor of 9·C; the correct biases are D.",
        id="22-52 b.params 9CD weights + 9CD biases: the words say which term is which "
        "(was told 18CD weights and biases left out)",
    ),
    pytest.param(
        "22-52-q4",
        "c.params",
        "CD biases plus CD weights",
        "Your weights, C·D, are right. Your biases: C·D, one per input channel and output channel; the biases belong to the outputs, not the inputs: D, one per output channel.",
        id="22-52 c.params CD biases plus CD weights: named in either order",
    ),
    pytest.param(
        "22-52-q4",
        "b.params",
        "9CD weights + D biases + D",
        "Your weights, 9·C·D, are right. Your biases: 2·D, 2 per output channel, 2 times the correct D.",
        # The named terms leave out the last D: the words do not decide the split, which is
        # searched, and the D they leave out is not lost (the biases are not "right").
        id="22-52 b.params 9CD weights + D biases + D: a term left unnamed is still counted",
    ),
    pytest.param(
        "22-52-q4",
        "b.params",
        "9CD weights + CD/P weights + -CD/P biases + 2D biases",
        "Your weights, 9·C·D, are right. Your biases: 2·D, 2 per output channel, 2 times the correct D.",
        # Named terms over a size (CD/P) are no polynomials: the words do not decide the
        # split, which is searched on the count, 9CD + 2D (the sizes' quotients cancel).
        id="22-52 b.params named terms divided by a size are not taken as the split",
    ),
]


@pytest.mark.parametrize(("rubric", "item", "answer", "words"), WRITTEN_TERMS)
def test_terms_written_apart_are_explained_as_written_not_merged(rubric, item, answer, words):
    result = grade_answer(RUBRICS[rubric], RUBRICS[rubric].items[item], answer)
    assert result.verdict != "correct"
    assert result.feedback[0] == words


# A count in d_k is compared in d (the rubric's relation d_k = d/h): the words that follow speak
# of its rewritten form, so they say the rewrite first, in the student's symbols.
RELATED = [
    pytest.param("a.params", "hN^2 d_k", "With d_k = d/h, your h·N²·d_k is N²·d.", id="hN^2 d_k"),
    pytest.param("a.params", "hN d_k", "With d_k = d/h, your h·N·d_k is N·d.", id="hN d_k"),
    pytest.param("a.params", "3 d_k^2", "With d_k = d/h, your 3·d_k² is (3·d²)/(h²).", id="3d_k^2"),
    pytest.param("b.params", "d_k", "With d_k = d/h, your d_k is d/h.", id="b.params d_k"),
]


@pytest.mark.parametrize(("item", "answer", "rewrite"), RELATED)
def test_a_count_rewritten_by_a_relation_is_told_the_rewrite_before_its_explanation(
    item, answer, rewrite
):
    rubric = RUBRICS["mha-q1"]
    result = grade_answer(rubric, rubric.items[item], answer)
    said = [line for line in result.feedback if "Your count is not equal" not in line]
    assert said[0].startswith(rewrite)


def test_a_count_the_relations_do_not_rewrite_says_no_rewrite():
    rubric = RUBRICS["mha-q1"]
    result = grade_answer(rubric, rubric.items["a.params"], "N^2 d")
    assert not any("d_k = d/h" in line for line in result.feedback)


# Words naming the terms of a sum (`CD weights + D biases`) are set aside and the sum read,
# with a note, where they agree with what the item counts; words naming something else leave
# the answer unread, for a person.
TERM_WORDS = [
    pytest.param(
        "CD weights + D biases",
        "C·D + D",
        'set aside "weights" and "biases", words naming the terms',
        id="weights + biases",
    ),
    pytest.param(
        "9CD weights and D biases",
        "9·C·D + D",
        'set aside "weights" and "biases", words naming the terms, and read "and" as +',
        id="weights and biases",
    ),
    pytest.param(
        "9CD weights plus D biases",
        "9·C·D + D",
        'set aside "weights" and "biases", words naming the terms, and read "plus" as +',
        id="weights plus biases",
    ),
    pytest.param(
        "9CD weights, plus D biases",
        "9·C·D + D",
        'set aside "weights" and "biases", words naming the terms, and read "plus" as +',
        id="a comma before plus, as a transcript reads it (was unread: the comma is followed by words)",
    ),
    pytest.param(
        "9CD weights; plus D biases",
        "9·C·D + D",
        'set aside "weights" and "biases", words naming the terms, and read "plus" as +',
        id="a semicolon before plus (was unread)",
    ),
    pytest.param(
        "$CD$ weights (plus $D$ biases)",
        "C·D + D",
        'set aside "weights" and "biases", words naming the terms, and read "plus" as +, with '
        '"plus $D$ biases" in brackets read as a term of the sum',
        id="plus and a term in brackets, in LaTeX (was unread)",
    ),
    pytest.param(
        "9CD weights (and D biases)",
        "9·C·D + D",
        'set aside "weights" and "biases", words naming the terms, and read "and" as +, with '
        '"and D biases" in brackets read as a term of the sum',
        id="and and a term in brackets (was unread)",
    ),
    pytest.param(
        "9CD weights (+ D biases)",
        "9·C·D + D",
        'set aside "weights" and "biases", words naming the terms, with "+ D biases" in '
        "brackets read as a term of the sum",
        id="+ and a term in brackets (was unread)",
    ),
    pytest.param(
        "9CD weights + D",
        "9·C·D + D",
        'set aside "weights", words naming the terms',
        id="only the first term named",
    ),
]


@pytest.mark.parametrize(("answer", "reading", "note"), TERM_WORDS)
def test_words_naming_the_terms_of_a_sum_are_set_aside_with_a_note(answer, reading, note):
    result = grade_answer(Q4, Q4.items["b.params"], answer)
    assert result.verdict in ("correct", "incorrect")
    assert (result.interpretation, result.reading_notes) == (reading, (note,))


@pytest.mark.parametrize("answer", ["9CD FLOPs + D", "9CD and D", "9CD entries + D biases"])
def test_words_between_terms_that_name_no_part_of_the_count_leave_it_unread(answer):
    result = grade_answer(Q4, Q4.items["b.params"], answer)
    assert result.verdict == "invalid"

    assert len(CASES) >= 60
    assert {case.values[0] for case in CASES} == set(RUBRICS) - {"mha-q1"}


@pytest.mark.parametrize(
    ("answer", "words"),
    [
        pytest.param(
            "P^2Q^2CD + P^2Q^2D",
            "Your weights, P²·Q²·C·D, are right. Your biases: P²·Q²·D, P·Q times as many as one per output; this layer has one per output: P·Q·D.",
            id="P^2Q^2D biases",
        ),
        pytest.param(
            "PQ(C+1)PQD",
            "Your weights, P²·Q²·C·D, are right. Your biases: P²·Q²·D, P·Q times as many as one per output; this layer has one per output: P·Q·D.",
            id="PQ(C+1)PQD",
        ),
        pytest.param(
            "P^2Q^2CD + PQD^2",
            "Your weights, P²·Q²·C·D, are right. Your biases: P·Q·D², D times as many as one per output; this layer has one per output: P·Q·D.",
            id="PQD^2 biases",
        ),
    ],
)
def test_biases_a_factor_more_than_one_per_output_are_described_truly(answer, words):
    result = grade_answer(Q4, Q4.items["a.params"], answer)
    assert words in result.feedback
    text = " ".join(result.feedback)
    assert "shared by every position" not in text
    assert "P²·Q²·D, one per" not in text


# Some of the biases left out, the weights right: at least the marks for leaving out all of
# them (each pair: some of the biases left out, then all of them), and the biases missing said.
SOME_BIASES_LEFT_OUT = [
    pytest.param("attn-q1", "b.params", "3EK+3K+KE", "4EK", "leave out E.", id="attn b: E"),
    pytest.param("attn-q1", "a.params", "3EK + K", "3EK", "leave out 2·K.", id="attn a: 2K"),
    pytest.param("attn-q1", "a.params", "3EK + 2K", "3EK", "leave out K.", id="attn a: K"),
    pytest.param(
        "dw-sep-q1", "d.params", "K^2C + CD + D", "K^2C + CD", "leave out C.", id="dw-sep d: C"
    ),
    pytest.param(
        "mha-q1",
        "a.params",
        "3d^2 + 3d_k",
        "3d^2",
        "3·d/h of this layer's 3·d biases, 1/h of them",
        id="mha a: one head's biases",
    ),
]


@pytest.mark.parametrize(("rubric", "item", "some", "none", "words"), SOME_BIASES_LEFT_OUT)
def test_leaving_out_some_of_the_biases_earns_at_least_leaving_out_all_of_them(
    rubric, item, some, none, words
):
    it = RUBRICS[rubric].items[item]
    partly = grade_answer(RUBRICS[rubric], it, some)
    wholly = grade_answer(RUBRICS[rubric], it, none)
    assert wholly.diagnosis == "bias_missing" and wholly.marks > 0
    assert partly.diagnosis == "bias_missing"
    assert partly.marks >= wholly.marks
    assert any(words in line and "left out some of the biases" in line for line in partly.feedback)


@pytest.mark.parametrize(
    ("rubric", "item", "answer", "diagnosis"),
    [
        pytest.param("22-52-q4", "a.params", "PQC \\cdot PQD + D", "term_factor", id="shared"),
        pytest.param("attn-q1", "a.params", "3EK + 4K", None, id="more biases than the layer's"),
        pytest.param("attn-q1", "b.params", "3EK + 3K", "misconception 1", id="a misconception"),
        pytest.param("dw-sep-q1", "d.params", "K^2C + D", None, id="weights wrong too"),
    ],
)
def test_biases_that_are_not_a_part_of_the_right_ones_are_not_some_biases_left_out(
    rubric, item, answer, diagnosis
):
    result = grade_answer(RUBRICS[rubric], RUBRICS[rubric].items[item], answer)
    assert result.diagnosis != "bias_missing"
    if diagnosis is not None:
        assert result.diagnosis == diagnosis


NUMBERS_FOR_A_FORMULA = [
    pytest.param("95", "95, which is the count at the question's sizes C=2, D=5", id="right"),
    pytest.param(
        r"9 \cdot 2 \cdot 5 + 5 = 95",
        "95, which is the count at the question's sizes C=2, D=5",
        id="working in numbers",
    ),
]


@pytest.mark.parametrize(("answer", "words"), NUMBERS_FOR_A_FORMULA)
def test_a_number_for_a_count_in_symbols_is_said_to_be_one_and_goes_to_a_person(answer, words):
    result = grade_answer(Q4, Q4.items["b.params"], answer)
    assert result.verdict == "needs_review"
    assert result.feedback == (
        "The question asks for a count in its symbols (C, D), and your answer is a number, "
        f"{words}{', but not the formula' if ' is the count' in words else ''}; "
        "an instructor will decide what it earns.",
    )
    assert result.interpretation.endswith(answer[-2:])


def test_a_number_that_is_not_the_count_at_the_questions_sizes_is_graded_wrong():
    # only a number that is the count at the example sizes is a person's to weigh
    result = grade_answer(Q4, Q4.items["b.params"], "96")
    assert (result.verdict, result.marks) == ("incorrect", 0)


# A wrong number for a count in symbols has no weights or biases to compare: it is told that a
# formula is asked for, and the count at the question's example sizes; graded wrong.
WRONG_NUMBERS = [
    pytest.param(
        "c.params",
        "40",
        "40",
        "C=2, D=5 your count gives 40; the correct count is 15",
        id="c.params 40",
    ),
    pytest.param(
        "d.params",
        "20",
        "20",
        "C=2, D=5 your count gives 20; the correct count is 10",
        id="d.params 20",
    ),
    pytest.param(
        "b.params",
        "9*2*5 = 90",
        "90",
        "C=2, D=5 your count gives 90; the correct count is 95",
        id="working 90",
    ),
    pytest.param(
        "a.params",
        "600",
        "600",
        "P=4, Q=3, C=2, D=5 your count gives 600; the correct count is 1500",
        id="a.params 600",
    ),
]


@pytest.mark.parametrize(("item", "answer", "number", "sizes"), WRONG_NUMBERS)
def test_a_wrong_number_for_a_count_in_symbols_is_told_plainly_what_is_asked(
    item, answer, number, sizes
):
    result = grade_answer(Q4, Q4.items[item], answer)
    assert (result.verdict, result.marks) == ("incorrect", 0)
    symbols = "P, Q, C, D" if item == "a.params" else "C, D"
    assert result.feedback == (
        f"The question asks for a count in its symbols ({symbols}), and your answer is a "
        f"number, {number}, not a formula in them.",
        f"With {sizes}.",
    )


GROUPED = load_rubric(ROOT / "rubrics" / "grouped-q1.yaml")
DIVIDED_PRODUCTS = [
    pytest.param(
        "9 C/G D + D",
        "needs_review",
        "Your answer can be read as 9·C/(G·D) + D (it would earn 0 of 2 marks), or as "
        "9·C/G·D + D (correct)",
        id="spaced: the readings earn differently",
    ),
    pytest.param(
        "9C/GD + D",
        "needs_review",
        "Your answer can be read as 9·C/(G·D) + D (it would earn 0 of 2 marks), or as "
        "9·C/G·D + D (correct)",
        id="run together: the readings earn differently",
    ),
    pytest.param(
        "9C/2D + D",
        "incorrect",
        "The rest of your count is right",
        id="both readings wrong: the first stands, with a note",
    ),
    pytest.param(
        "9C/(GD) + D",
        "incorrect",
        "The rest of your count is right",
        id="a divisor in brackets is one reading only",
    ),
]


@pytest.mark.parametrize(("answer", "verdict", "words"), DIVIDED_PRODUCTS)
def test_a_slash_before_factors_side_by_side_is_read_both_ways(answer, verdict, words):
    result = grade_answer(GROUPED, GROUPED.items["b.params"], answer)
    assert result.verdict == verdict
    assert result.feedback[0].startswith(words)
    if "(" in answer:
        assert result.reading_notes == ()
    elif verdict != "needs_review":
        assert result.reading_notes[-1].endswith(
            ", dividing by the first, it would also earn 0 of 2 marks"
        )


def _feedback(item: str, answer: str, rubric=Q4) -> tuple[str | None, tuple[str, ...]]:
    result = grade_answer(rubric, rubric.items[item], answer)
    return result.diagnosis, result.feedback


# --- Each new diagnosis, with its whole feedback ----------------------------------------------


def test_weights_of_another_kernel_size_are_named_with_the_kernel():
    assert _feedback("b.params", "4CD + D") == (
        "kernel_size",
        (
            "Your weights: 4·C·D, as for a 2×2 kernel; a 3×3 kernel has 9 weights for each pair "
            "of an input channel and an output channel, so 9·C·D. Your biases, D, are right.",
            "With C=2, D=5 your count gives 45; the correct count is 95.",
        ),
    )


def test_a_bias_per_kernel_tap_is_named_as_such():
    assert _feedback("b.params", "9(C+1)D") == (
        "bias_per_tap",
        (
            "Your weights, 9·C·D, are right. Your biases: 9·D, one for each of the 3×3 kernel "
            "taps as well; a filter has one bias, not one per weight, so D, one per output "
            "channel.",
            "With C=2, D=5 your count gives 135; the correct count is 95.",
        ),
    )


def test_two_mistakes_at_once_are_each_named():
    assert _feedback("b.params", "4CD + PQD") == (
        "several_terms",
        (
            "Your weights: 4·C·D, as for a 2×2 kernel; a 3×3 kernel has 9 weights for each pair "
            "of an input channel and an output channel, so 9·C·D. Your biases: P·Q·D, one per "
            "position and output channel; this layer has one per output channel, shared by every "
            "position: D.",
            "With P=4, Q=3, C=2, D=5 your count gives 100; the correct count is 95.",
        ),
    )


def test_a_bias_per_output_channel_where_every_output_has_one_keeps_its_rule_with_new_words():
    # term_factor fired here before, and still does (so its marks are unchanged); its words
    # were "where the correct count has P·Q·D you have D", without the word bias.
    assert _feedback("a.params", r"PQC \cdot PQD + D") == (
        "term_factor",
        (
            "Your weights, P²·Q²·C·D, are right. Your biases: D, one per output channel; this "
            "layer has a bias for every output, one per position and output channel: P·Q·D.",
            "With P=4, Q=3, C=2, D=5 your count gives 1445; the correct count is 1500.",
        ),
    )


def test_a_bias_per_input_is_named_where_two_sizes_swapped_fired_before():
    assert _feedback("a.params", r"PQC \cdot PQD + PQC") == (
        "symbols_swapped",
        (
            "Your weights, P²·Q²·C·D, are right. Your biases: P·Q·C, one per position and input "
            "channel; the biases belong to the outputs, not the inputs: P·Q·D, one per position "
            "and output channel.",
            "With P=4, Q=3, C=2, D=5 your count gives 1464; the correct count is 1500.",
        ),
    )


def test_new_bias_findings_have_their_own_names_where_no_generic_diagnosis_fired():
    assert _feedback("a.params", "PQCD + PQC") == (
        "several_terms",
        (
            "Your weights: P·Q·C·D, missing a factor of P·Q: every output position has its own "
            "weights, so P²·Q²·C·D. Your biases: P·Q·C, one per position and input channel; the "
            "biases belong to the outputs, not the inputs: P·Q·D, one per position and output "
            "channel.",
            "With P=4, Q=3, C=2, D=5 your count gives 144; the correct count is 1500.",
        ),
    )
    assert _feedback("b.params", "9CD + 2D") == (
        "biases_wrong",
        (
            "Your weights, 9·C·D, are right. Your biases: 2·D, 2 per output channel, 2 times the "
            "correct D.",
            "With C=2, D=5 your count gives 100; the correct count is 95.",
        ),
    )
    assert _feedback("b.params", "3CD + D") == (
        "weights_wrong",
        (
            "Your weights: 3·C·D, 1/3 of the correct 9·C·D. Your biases, D, are right.",
            "With C=2, D=5 your count gives 35; the correct count is 95.",
        ),
    )


@pytest.mark.parametrize(
    ("item", "answer", "diagnosis", "words"),
    [
        pytest.param(
            "a.params",
            "9CD+D",
            "bias_shared",
            "Your biases: D, one per output channel; this layer has a bias for every output, one per position and output channel: P·Q·D.",
            id="one bias per output channel where every output has one is bias_shared",
        ),
        pytest.param(
            "b.params",
            "9CD+PQD",
            "bias_per_position",
            "Your biases: P·Q·D, one per position and output channel; this layer has one per output channel, shared by every position: D.",
            id="a bias at every position of a convolution is bias_per_position",
        ),
        pytest.param(
            "b.params",
            "9CD+C",
            "bias_per_input",
            "Your biases: C, one per input channel; the biases belong to the outputs, not the inputs: D, one per output channel.",
            id="a bias per input channel is bias_per_input",
        ),
    ],
)
def test_each_bias_finding_names_the_biases_and_what_they_should_be(item, answer, diagnosis, words):
    from grader.kinds.count.check import _Case, _rubric_fraction
    from grader.kinds.count.parse import parse
    from grader.kinds.count.polynomials import as_fraction
    from grader.kinds.count.terms import compare_terms

    it = Q4.items[item]
    order = Q4.context.order
    case = _Case(
        as_fraction(parse(answer, Q4.symbol_table).expr, order),
        _rubric_fraction(it.reference.expr, order),
        it,
        Q4.symbols,
    )
    comparison = compare_terms(case)
    assert diagnosis in [f.kind for f in comparison.findings]
    assert words in comparison.words


def test_a_count_that_is_another_parts_answer_says_so_and_compares_the_terms():
    assert _feedback("b.params", "CD + D") == (
        "other_part",
        (
            "Your count, C·D + D, is the answer to part (c), not to this part.",
            "Your weights: C·D, as for a 1×1 kernel; a 3×3 kernel has 9 weights for each pair "
            "of an input channel and an output channel, so 9·C·D. Your biases, D, are right.",
            "With C=2, D=5 your count gives 15; the correct count is 95.",
        ),
    )


def test_a_count_that_is_a_mistake_expected_in_another_part_says_so():
    assert _feedback("d.params", "CD + PQD") == (
        "other_part",
        (
            "Your count, P·Q·D + C·D, is a mistake the rubric also expects in part (c), where it "
            "is wrong too.",
            "Your weights, C·D, are right. Your biases, P·Q·D, should not be counted: this part "
            "asks for the layer without a bias.",
            "With P=4, Q=3, C=2, D=5 your count gives 70; the correct count is 10.",
        ),
    )


def test_the_generic_line_comes_only_with_a_term_by_term_comparison_under_it():
    diagnosis, feedback = _feedback("b.params", "9CD + D^2 + 1")
    assert diagnosis is None
    assert feedback[0] == "Your count is not equal to the correct count."
    assert feedback[1] == (
        "Your weights, 9·C·D, are right. Your biases: D² + 1; the correct biases are D."
    )


def test_a_count_of_too_many_terms_to_split_is_compared_as_a_whole():
    diagnosis, feedback = _feedback("b.params", "9CD + D + C^2 + C^3 + C^4 + C^5 + C^6")
    assert diagnosis is None
    assert feedback[:2] == (
        "Your count is not equal to the correct count.",
        "The correct count is 9·C·D weights plus D biases; yours is "
        "C⁶ + C⁵ + C⁴ + C³ + C² + 9·C·D + D.",
    )


# --- Counterexamples ---------------------------------------------------------------------------

CONSTANT = """\
id: CONST
symbols:
  C: {meaning: the number of input channels, example: 2}
parts:
  a:
    marks: 1
    prompt: How many?
    items:
      n: {type: count, marks: 1, answer: '7'}
"""


def test_two_constant_counts_are_compared_without_an_empty_list_of_sizes():
    rubric = load_rubric_text(CONSTANT, "const.yaml")
    result = grade_answer(rubric, rubric.items["a.n"], "0")
    assert result.feedback[-1] == "Your count is 0; the correct count is 7."
    assert not any(line.startswith("With ") for line in result.feedback)


def test_a_constant_count_against_sized_one_gives_the_sizes_that_tell_them_apart():
    result = grade_answer(Q4, Q4.items["b.params"], "0")
    assert result.feedback[-1] == "With C=2, D=5 your count gives 0; the correct count is 95."


# --- Marks carried forward ---------------------------------------------------------------------


def _with_follow_through(marks: float = 1) -> str:
    text = (ROOT / "rubrics" / "22-52-q4.yaml").read_text(encoding="utf-8")
    anchor = "        bias: 'PQD'\n"
    assert text.count(anchor) == 1
    return text.replace(
        anchor,
        anchor
        + f"        follow_through: true\n        partial_credit:\n          follow_through: {marks}\n",
    )


SEED_1 = ROOT / "submissions" / "22-52-q4" / "seed-student-1.yaml"


def test_the_first_seed_students_count_earns_marks_carried_forward_from_their_own_formula():
    rubric = load_rubric_text(_with_follow_through(), "ft.yaml")
    result = grade_submission(rubric, load_submission(SEED_1, rubric))
    count = result.items["a.params"]
    assert (count.verdict, count.marks, count.diagnosis) == ("partial", 1.0, "follow_through")
    assert count.feedback[1] == (
        "Your count is right for your own formula of part (a), which writes P²·C·D + P·Q·D "
        "parameters: 1 of the 2 marks is carried forward from it. Your formula is not the layer "
        "the question asks for, and loses its own marks. Only P·Q·D + C·D of those parameters "
        "act independently, though: weights that are only ever added together count as one."
    )
    assert count.feedback[0].startswith("You counted P×P×C×D weights.")  # the rule still speaks
    assert result.items["a.formula"].marks == 0  # the formula keeps its own marks
    assert count.decision[-2:] == (
        "right for the student's formula a.formula: marks carried forward",
        "marks 1",
    )


def test_without_follow_through_the_seed_students_results_are_unchanged():
    plain = grade_submission(Q4, load_submission(SEED_1, Q4))
    rubric = load_rubric_text(_with_follow_through(), "ft.yaml")
    carried = grade_submission(rubric, load_submission(SEED_1, rubric))
    assert plain.items["a.params"].marks == 0
    assert plain.items["a.params"].diagnosis == "misconception 1"
    assert {k: v for k, v in plain.items.items() if k != "a.params"} == {
        k: v for k, v in carried.items.items() if k != "a.params"
    }
    assert carried.total == plain.total + 1


def test_follow_through_needs_the_count_to_be_exactly_the_formulas_own():
    rubric = load_rubric_text(_with_follow_through(), "ft.yaml")
    submission = load_submission(SEED_1, rubric)
    answers = dict(submission.answers)
    answers["a.params"] = type(answers["a.params"])("P*P*C*D + P*Q*D + 1", answers["a.params"].line)
    from dataclasses import replace

    result = grade_submission(rubric, replace(submission, answers=answers))
    assert result.items["a.params"].marks == 0
    assert result.items["a.params"].diagnosis != "follow_through"


def test_follow_through_and_its_marks_come_together_in_the_self_test():
    rubric = load_rubric_text(_with_follow_through(), "ft.yaml")
    assert check_rubric(rubric) == []
    without_marks = _with_follow_through().replace(
        "        partial_credit:\n          follow_through: 1\n", ""
    )
    problems = check_rubric(load_rubric_text(without_marks, "ft.yaml"))
    assert [p.key for p in problems] == ["parts.a.items.params.follow_through"]
    without_flag = _with_follow_through().replace("        follow_through: true\n", "")
    problems = check_rubric(load_rubric_text(without_flag, "ft.yaml"))
    assert [p.key for p in problems] == ["parts.a.items.params.partial_credit.follow_through"]


def test_follow_through_is_a_registered_diagnosis():
    assert "follow_through" in DIAGNOSES.names


# --- A count followed by its value at the question's sizes ------------------------------------

FORMULA_THEN_VALUE = [
    pytest.param(
        "b.params",
        "9CD + D = 95",
        "correct",
        ("read 9·C·D + D as the answer: 95 is its value at C=2, D=5",),
        id="the value at the example sizes: the formula is read",
    ),
    pytest.param(
        "b.params",
        r"3 \times 3 \times C \times D + D = 9CD + D = 95",
        "correct",
        ("read 9·C·D + D as the answer: 95 is its value at C=2, D=5",),
        id="after a chain of working",
    ),
    pytest.param(
        "b.params",
        r"9CD + D = 9 \cdot 2 \cdot 5 + 5 = 95",
        "correct",
        ("read 9·C·D + D as the answer: 95 is its value at C=2, D=5",),
        id="with the arithmetic written out",
    ),
    pytest.param(
        "b.params",
        "9CD = 90",
        "incorrect",
        ("read 9·C·D as the answer: 90 is its value at C=2, D=5",),
        id="a wrong formula is graded as a formula",
    ),
    pytest.param("b.params", "9CD + D = 96", "needs_review", (), id="another value: review"),
    pytest.param("b.params", "95 = 9CD + D", "correct", (), id="the formula last: as before"),
]


@pytest.mark.parametrize(("item", "answer", "verdict", "notes"), FORMULA_THEN_VALUE)
def test_a_count_followed_by_its_value_is_read_as_the_formula_or_sent_for_review(
    item, answer, verdict, notes
):
    result = grade_answer(Q4, Q4.items[item], answer)
    assert result.verdict == verdict, result.feedback
    assert tuple(result.reading_notes or ()) == notes
    if verdict == "needs_review":
        assert result.needs_person
        assert "the formula gives 95, not 96" in result.feedback[0]


def test_a_count_followed_by_a_number_without_example_sizes_goes_for_review():
    text = RUBRIC_WITHOUT_EXAMPLES
    rubric = load_rubric_text(text, "no-examples.yaml")
    result = grade_answer(rubric, rubric.items["a.params"], "9CD + D = 95")
    assert result.verdict == "needs_review"
    assert "gives no sizes" in result.feedback[0]


RUBRIC_WITHOUT_EXAMPLES = """\
id: NOEX
title: no example sizes
symbols:
  C: {meaning: the number of input channels}
  D: {meaning: the number of output channels}
parts:
  a:
    marks: 2
    prompt: count
    items:
      params: {type: count, marks: 2, label: Parameters, answer: '9CD + D', bias: D}
"""


# --- A count followed by a definition (grader.definitions) ------------------------------------


def _followed(written, why, shown="your count is correct"):
    return f'Your answer is followed by "{written}"{why}; read as shown, {shown}.'


COUNT_THEN_DEFINITION = [
    pytest.param(
        "9CD + D, where C = 3",
        "needs_review",
        "9·C·D + D",
        ('set aside "where C = 3", a definition',),
        _followed(
            "where C = 3",
            ": it gives C, a symbol of the question, a value of its own, so your answer may not "
            "be the one asked for",
        ),
        id="a size given a value: a person decides, told why",
    ),
    pytest.param(
        r"9CD + D \text{ with } D = 5",
        "needs_review",
        "9·C·D + D",
        ('set aside "\\text{ with } D = 5", a definition',),
        _followed(
            r"\text{ with } D = 5",
            ": it gives D, a symbol of the question, a value of its own, so your answer may not "
            "be the one asked for",
        ),
        id="in LaTeX text",
    ),
    pytest.param(
        "9CD + D, where x = 3",
        "needs_review",
        "9·C·D + D",
        ('set aside "where x = 3", a definition',),
        _followed("where x = 3", ", which defines x, a name your answer does not use"),
        id="a name the count does not use",
    ),
    pytest.param(
        "9D + D, where C = 3",
        "needs_review",
        "9·D + D",
        ('set aside "where C = 3", a definition',),
        _followed(
            "where C = 3",
            ", which defines C, a name your answer does not use",
            "it would earn 0 of 2 marks",
        ),
        id="a wrong count: what it earns read as shown",
    ),
    pytest.param(
        "9KD + D, where K = x",
        "invalid",
        None,
        (),
        "We could not read your answer: unknown symbol K; the symbols of this question are P, "
        'Q, C, D (read without "where K = x", a definition after it) (at column 2).',
        id="a count unreadable before it says the definition was set aside",
    ),
    # A name the question does not declare, given a number or a count in its symbols by the
    # definition after it, is read as a marker reads it: the value put in, with a note.
    pytest.param(
        "K^2CD + D, where K = 3",
        "correct",
        "K²·C·D + D",
        ('read K as 3, as "where K = 3" defines it: K²·C·D + D is 9·C·D + D',),
        "Correct.",
        id="an unknown name given a number: read with it",
    ),
    pytest.param(
        "9KD + D, where K = C",
        "correct",
        "9·K·D + D",
        ('read K as C, as "where K = C" defines it: 9·K·D + D is 9·C·D + D',),
        "Correct.",
        id="an unknown name given a count in the question's symbols: read with it",
    ),
    pytest.param(
        "K^2CD + D where K = 2",
        "incorrect",
        "K²·C·D + D",
        ('read K as 2, as "where K = 2" defines it: K²·C·D + D is 4·C·D + D',),
        "Your weights: 4·C·D, as for a 2×2 kernel; a 3×3 kernel has 9 weights for each pair of "
        "an input channel and an output channel, so 9·C·D. Your biases, D, are right.",
        id="an unknown name given a wrong number: graded as read with it",
    ),
    pytest.param(
        "9CD + D, where C = input channels",
        "correct",
        "9·C·D + D",
        ('set aside "where C = input channels", words saying what C is',),
        "Correct.",
        id="words saying what a size is: set aside, the count read",
    ),
    pytest.param(
        "9CD + D, where C = input channels and D = output channels",
        "correct",
        "9·C·D + D",
        (
            'set aside "where C = input channels", words saying what C is',
            'set aside "and D = output channels", words saying what D is',
        ),
        "Correct.",
        id="words for each size: both set aside",
    ),
    pytest.param(
        "9CD + D, where C = input channels, D = 5",
        "needs_review",
        "9·C·D + D",
        (
            'set aside "where C = input channels", words saying what C is',
            'set aside "D = 5", a definition',
        ),
        _followed(
            "D = 5",
            ": it gives D, a symbol of the question, a value of its own, so your answer may not "
            "be the one asked for",
        ),
        id="words for one size and a value for another: the value goes to a person",
    ),
    pytest.param(
        "9CD + D ≈ 95 for C=2",
        "invalid",
        None,
        (),
        "We could not read your answer: character '≈' (ALMOST EQUAL TO) is not allowed in an "
        'answer (read without "for C=2", a value of C after it) (at column 9).',
        id="a size given a number is said to be a value, not a definition",
    ),
]


@pytest.mark.parametrize(
    ("answer", "verdict", "reading", "notes", "feedback"), COUNT_THEN_DEFINITION
)
def test_a_count_followed_by_a_definition_says_so(answer, verdict, reading, notes, feedback):
    result = grade_answer(Q4, Q4.items["b.params"], answer)
    assert (result.verdict, result.interpretation, result.reading_notes, result.feedback[0]) == (
        verdict,
        reading,
        notes,
        feedback,
    )


def test_a_count_followed_by_a_definition_says_what_else_was_found():
    # read as shown, 9D + D is the rubric's misconception: its feedback follows the reason
    result = grade_answer(Q4, Q4.items["b.params"], "9D + D, where C = 3")
    assert (result.marks, result.feedback[1:]) == (
        0.0,
        (
            "Each of the D filters spans all C input channels, so it has 3·3·C weights, not "
            "3·3: the count is 9·C·D weights plus D biases.",
            "With C=2, D=5 your count gives 50; the correct count is 95.",
            "An instructor will review it.",
        ),
    )


# --- What follows a comma after a count, said as it is ------------------------------------------


@pytest.mark.parametrize(
    ("item", "answer", "message"),
    [
        pytest.param(
            "d.params",
            "CD, with no bias",
            "the comma is followed by words, which are not part of a count; write the count alone",
            id="words after a comma",
        ),
        pytest.param(
            "b.params",
            r"9CD + D, where 9 = 3 \times 3",
            "the comma is followed by 9 = …, working for a number, which is not part of a count; "
            "write the count alone",
            id="working for a number after a comma",
        ),
        pytest.param(
            "b.params",
            "9CD + D, 1,000",
            "the character , is not allowed: commas are not part of a count; write 1000, not "
            "1,000, and one answer only",
            id="a second answer after a comma is still told one answer only",
        ),
        pytest.param(
            "a.params",
            "PQCPQD weights plus PQD biases, total = PQC·PQD+PQD",
            "the comma is followed by words, which are not part of a count; write the count alone",
            id="a total after a comma is the answer again, not a definition set aside",
        ),
    ],
)
def test_a_comma_after_a_count_is_told_for_what_follows_it(item, answer, message):
    result = grade_answer(Q4, Q4.items[item], answer)
    assert (result.verdict, result.feedback[0]) == (
        "invalid",
        f"We could not read your answer: {message} (at column {answer.index(',') + 1}).",
    )


# A count with a long number (more digits than an answer may write) names it by its first and
# last digits and how many it has, never 300 digits each time the feedback says it.
@pytest.mark.parametrize(
    ("answer", "digits"),
    [
        pytest.param("9CD + 10^299", 300, id="biases of 300 digits (was written out 3 times)"),
        pytest.param("10^299", 300, id="a number alone, in the count it gives"),
        pytest.param("9^300 + D", 287, id="weights of 287 digits"),
    ],
)
def test_a_long_number_in_the_feedback_is_shortened_with_its_digit_count(answer, digits):
    result = grade_answer(Q4, Q4.items["b.params"], answer)
    said = " ".join(result.feedback)
    assert re.search(r"\d{31,}", said) is None
    assert f"({digits} digits)" in said
