"""Written explanations: concepts, doubts, the review queue and instructors' overrides."""

import csv
import io
import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from grader.cli import main
from grader.grade import grade_answer
from grader.kinds.text.concepts import Pattern, find, read_pairs, sentences, stem
from grader.report import page_name
from grader.rubric import load_rubric

ROOT = Path(__file__).resolve().parent.parent
RUBRIC_PATH = ROOT / "rubrics" / "22-52-q4.yaml"
RUBRIC = load_rubric(RUBRIC_PATH)
ITEM = RUBRIC.items["e.explanation"]

STRONG = (
    "A 1x1 convolution applies the same weights at every pixel: it is a position-wise linear "
    "layer. The pixels play the role of tokens and the channels the embedding dimension, so "
    "it is exactly the Q = XW_Q projection in a Transformer. Attention mixes all positions "
    "with data-dependent weights, while a convolution uses fixed local ones."
)

EXPLANATIONS = [
    # strong
    (STRONG, "correct", 3, "a complete answer"),
    (
        "The 1x1 conv shares one weight matrix across all positions, a pointwise linear map. "
        "Treat pixels as tokens and channels as embedding features: the Transformer's linear "
        "projections do the same. The difference is that attention combines tokens dynamically "
        "whereas convolutions are local.",
        "correct",
        3,
        "a complete answer in other words",
    ),
    (
        "Each position is transformed by an identical matrix W. Tokens correspond to pixels and "
        "the hidden dimension to channels. Transformers compute Q = XW_Q, K = XW_K and V = XW_V "
        "the same way. Attention aggregates information over all tokens, but convolution has a "
        "fixed receptive field.",
        "correct",
        3,
        "a complete answer with the projections",
    ),
    # partial
    ("Y = XW is a position-wise linear layer.", "partial", 1, "only the position-wise map"),
    (
        "Pixels are like tokens and channels are like the embedding dimension.",
        "partial",
        1,
        "only the token analogy",
    ),
    (
        "It is the same as the linear projection layers in a Transformer.",
        "partial",
        0.5,
        "only the projections",
    ),
    (
        "The weights are shared across every position, like the feed-forward layer of a "
        "Transformer which is also linear.",
        "partial",
        1.5,
        "shared map and feed-forward layer",
    ),
    (
        "Attention mixes tokens with weights that depend on the input, while a convolution uses "
        "fixed local weights.",
        "partial",
        0.5,
        "only the difference",
    ),
    (
        "A CNN with a 1x1 kernel uses the same parameters at each location, and pixels act as "
        "tokens with channel features.",
        "partial",
        2,
        "two concepts in one sentence",
    ),
    (
        "Both architectures apply matrix multiplications to process input. Y = XW shows the CNN "
        "perform a linear transformation on the input features at each spatial position, "
        "identical across all position. It is similar to the linear layers used in Transformer, "
        "where input are transformed via weight matrices.",
        "partial",
        1.5,
        "the first seed student",
    ),
    (
        "The convolution applies an identical linear map for each pixel.",
        "partial",
        1,
        "inflections and synonyms",
    ),
    (
        "Because W is shared by every location, Y=XW is token-wise.",
        "partial",
        1,
        "a terse but complete sentence",
    ),
    # wrong or off-topic
    ("CNNs and Transformers are unrelated architectures.", "incorrect", 0, "a wrong claim"),
    (
        "Convolutions are used for images and Transformers for text.",
        "incorrect",
        0,
        "a true statement that misses the point",
    ),
    ("I do not know.", "incorrect", 0, "no knowledge"),
    ("The learning rate should be small and the batch size large.", "incorrect", 0, "off-topic"),
    ("Matrix multiplication is associative.", "incorrect", 0, "an unrelated fact"),
    ("Transformers are better than CNNs because they are newer.", "incorrect", 0, "an opinion"),
    # empty
    ("", "missing", 0, "an empty answer"),
    ("   \n  ", "missing", 0, "only white space"),
    # negated, contradicted
    (
        "The weights are not the same at every position.",
        "needs_review",
        0,
        "a negation of the key concept",
    ),
    ("Pixels are never treated as tokens.", "needs_review", 0, "a negated analogy"),
    (
        "The 1x1 convolution uses different weights for each position, like a linear layer "
        "applied to each token.",
        "needs_review",
        0,
        "a contradiction beside a match",
    ),
    (
        "There is no shared weight matrix across positions.",
        "needs_review",
        0,
        "a negation before the match",
    ),
    (
        "Each pixel has its own weight matrix, so tokens are not like pixels.",
        "needs_review",
        0,
        "a contradiction and a negation",
    ),
    # the analogy the wrong way round: a contradiction, never credited
    (
        "Channels play the role of tokens and pixels the role of the embedding dimension.",
        "needs_review",
        0,
        "channels as tokens and pixels as the embedding",
    ),
    (
        "Pixels are like channels and tokens are like the embedding dimension.",
        "needs_review",
        0,
        "pixels paired with channels and tokens with the embedding",
    ),
    ("Tokens play the role of channels.", "needs_review", 0, "tokens paired with channels"),
    (
        "The same weight matrix is applied at every position and the channels act as the "
        "embedding dimension.",
        "partial",
        2,
        "a position beside a channel is no pairing",
    ),
    # the convolution named by its role's other words, attention's mixing said with "attends"
    # (textrather 2); before, 0 with nothing flagged
    (
        "A CNN uses a local window, whereas attention attends to all tokens.",
        "partial",
        0.5,
        "a CNN's local window and attention attending to all tokens",
    ),
    # keyword lists
    (
        "shared weights position token pixel channel embedding transformer linear",
        "needs_review",
        0,
        "a list of keywords",
    ),
    (
        "token pixel; channel embedding; Q = XW_Q",
        "needs_review",
        0,
        "keywords separated by semicolons",
    ),
    (
        "position-wise linear, tokens pixels, channels embeddings",
        "needs_review",
        0,
        "a comma-separated list of concepts",
    ),
    # long answers that match little
    (
        " ".join(["Neural networks learn representations from data through training."] * 10)
        + " The weights are shared across positions.",
        "needs_review",
        0,
        "a long answer with one matching sentence",
    ),
    (
        " ".join(["Deep learning has many applications in vision and language."] * 12),
        "needs_review",
        0,
        "a long answer with nothing matching",
    ),
    # The position-wise map said of another layer (a 3x3 convolution shares its weights too, but
    # is not position-wise; the softmax is not linear) earned it; said of the 1x1 convolution,
    # or of nothing named, it keeps its mark
    ("A 3x3 convolution uses the same weights at every pixel.", "needs_review", 0, "3x3 shared"),
    ("A 5x5 convolution shares its weights across all pixels.", "needs_review", 0, "5x5 shared"),
    ("A KxK convolution uses the same weights at every position.", "needs_review", 0, "KxK"),
    ("The softmax is a position-wise linear layer.", "needs_review", 0, "softmax position-wise"),
    ("Attention is a position-wise linear layer.", "needs_review", 0, "attention position-wise"),
    ("Attention uses the same weights at every pixel.", "needs_review", 0, "attention shared"),
    ("A 1x1 convolution uses the same weights at every pixel.", "partial", 1, "1x1 shared"),
    (
        "Each pixel is multiplied by the same W, like a position-wise linear layer.",
        "partial",
        1,
        "the same W at each pixel, no layer named",
    ),
    (
        "Unlike a 3x3 convolution, a 1x1 convolution is a position-wise linear layer.",
        "partial",
        1,
        "the 3x3 convolution compared with",
    ),
    (
        "A 1x1 convolution, unlike a 3x3 one, uses the same weights at every pixel.",
        "partial",
        1,
        "the 3x3 convolution compared with, put in",
    ),
    # (tmarks) of two layers neither of them the 1x1 convolution, it is still a person's, with
    # no credit (of the 1x1 convolution and another: see SAID_OF_BOTH)
    (
        "Both the 3x3 and 5x5 convolutions use the same weights at every pixel.",
        "needs_review",
        0,
        "both the 3x3 and 5x5 convolutions",
    ),
    (
        "Both the 1x1 and 3x3 convolutions use different weights at every pixel.",
        "needs_review",
        0,
        "both use different weights",
    ),
    (
        "The 3x3 convolution shares weights too, but the 1x1 convolution is a position-wise "
        "linear layer.",
        "partial",
        1,
        "the 3x3 in a clause of its own",
    ),
    (
        "The same W is applied to every token, just like the projections in attention.",
        "partial",
        1.5,
        "attention compared with",
    ),
    (
        "The 1x1 conv applies one shared weight matrix at every pixel, whereas attention mixes "
        "all tokens with data-dependent weights.",
        "partial",
        1.5,
        "attention in the clause after",
    ),
    # a statement said again of the other one ("…, and so is attention") says it of both: the
    # difference contradicted, as with "both"
    ("A convolution is local, and so is attention.", "needs_review", 0, "and so is attention"),
    ("A convolution is local, as is attention.", "needs_review", 0, "as is attention"),
    ("A convolution is local and so is attention.", "needs_review", 0, "so is, no comma"),
    ("A convolution is local, and attention too.", "needs_review", 0, "and attention too"),
    # (tmarks) "…, and attention is too" said it of attention alone, a clause of its own: 0 with
    # nothing flagged; "…, and attention as well" earned the difference
    ("A convolution is local, and attention is too.", "needs_review", 0, "attention is too"),
    ("A convolution is local and attention is also.", "needs_review", 0, "attention is also"),
    (
        "A convolution uses fixed weights, and attention as well.",
        "needs_review",
        0,
        "and attention as well",
    ),
    (
        "A convolution is local, and attention is as well.",
        "needs_review",
        0,
        "attention is as well",
    ),
    (
        "A convolution is local, and attention is global too.",
        "partial",
        0.5,
        "'attention is global too' is a statement of its own",
    ),
    (
        "A convolution uses fixed weights, and so does attention.",
        "needs_review",
        0,
        "and so does attention",
    ),
    (
        "Attention mixes all tokens with data-dependent weights, and so does a CNN.",
        "needs_review",
        0,
        "and so does a CNN",
    ),
    ("Attention, like a convolution, is local.", "needs_review", 0, "like a convolution"),
    ("Both are local.", "incorrect", 0, "both, no role named"),
    (
        "A convolution is local, and so attention mixes all tokens.",
        "partial",
        0.5,
        "'so' that begins a statement of its own",
    ),
    # "weights" the verb, straight before all, every or each, is attention's weighting of all
    # positions (half the difference, as "attends to all tokens" is); the noun is not
    ("Attention weights all tokens by the softmax.", "partial", 0.5, "weights all tokens"),
    (
        "Attention weights all tokens by softmax scores computed from the data.",
        "partial",
        0.5,
        "weights all tokens by softmax scores",
    ),
    ("Self-attention weights each token by its score.", "partial", 0.5, "weights each token"),
    ("Attention uses weights that are all learned.", "incorrect", 0, "weights, all learned"),
    (
        "The attention weights are the same for all tokens.",
        "needs_review",
        0,
        "attention weights the same for all tokens",
    ),
    # textD (probe A, F2): "weights" after "the attention", or with nothing weighed after all,
    # every or each, is the noun; weighting every token equally is no data-dependent mixing
    ("The attention weights all sum to one.", "incorrect", 0, "the attention weights all sum"),
    ("Attention weights all sum to one.", "incorrect", 0, "attention weights all sum"),
    (
        "The attention weights every position uses are learned once.",
        "incorrect",
        0,
        "the attention weights every position uses",
    ),
    ("Attention weights every token equally.", "needs_review", 0, "weights every token equally"),
    (
        "Attention weights all tokens equally, like an average pooling.",
        "needs_review",
        0,
        "weights all tokens equally, like average pooling",
    ),
    ("Attention weights all the tokens by the softmax.", "partial", 0.5, "weights all the tokens"),
    (
        "Attention weights every token differently, depending on the input.",
        "partial",
        0.5,
        "weights every token differently",
    ),
    # (F3) "…, and so is X" with X a noun phrase naming another role: of the 1x1 convolution
    # and another, see SAID_OF_BOTH
    (
        "A 1x1 convolution is a position-wise linear layer, and so is the linear projection in "
        "attention.",
        "partial",
        1.5,
        "so is … in attention: attention named after 'in'",
    ),
    (
        "A convolution is local, and attention mixes tokens too.",
        "partial",
        0.5,
        "'attention mixes tokens too' is a statement of its own",
    ),
    # (F9) a convolution's kernels, self-attention's projections; a 3x3 convolution's
    # neighbourhood alone is no difference from attention
    (
        "Attention weights are computed from the data and cover all tokens; convolution kernels "
        "are fixed and local.",
        "partial",
        0.5,
        "convolution kernels are fixed and local",
    ),
    (
        "The 1x1 conv is a token-wise linear layer, like the linear projections used in "
        "self-attention.",
        "partial",
        1.5,
        "the linear projections used in self-attention",
    ),
    (
        "The 1x1 conv is a token-wise linear layer, and the attention projections do that too.",
        "partial",
        1.5,
        "the attention projections",
    ),
    (
        "The 1x1 convolution applies the same weight matrix at every pixel, whereas a 3x3 "
        "convolution looks at a neighbourhood.",
        "partial",
        1,
        "a 3x3 convolution looks at a neighbourhood",
    ),
    (
        "A convolution mixes a local neighbourhood of pixels.",
        "partial",
        0.5,
        "a convolution's local neighbourhood",
    ),
    # (F12) a role word after no, not, instead of, rather than (in brackets too) is denied,
    # compared with: the statement is not said of it, and a negation in brackets stays there
    (
        "The same weights are applied at each pixel (no 3x3 neighbourhood).",
        "partial",
        1,
        "(no 3x3 neighbourhood)",
    ),
    (
        "With a 1x1 kernel (instead of 3x3) the same weights are applied at each pixel "
        "independently.",
        "partial",
        1,
        "(instead of 3x3)",
    ),
    (
        "The same weights are applied at each pixel (not a 3x3 window).",
        "partial",
        1,
        "(not a 3x3 window)",
    ),
    (
        "The same weight matrix is used at every pixel (not different ones).",
        "partial",
        1,
        "(not different ones)",
    ),
    (
        "The weights are not (as some think) shared by every pixel.",
        "needs_review",
        0,
        "a negation before brackets reaches past them",
    ),
    (
        "A 3x3 convolution (not a 1x1 one) uses the same weights at every pixel.",
        "needs_review",
        0,
        "3x3, the 1x1 denied in brackets",
    ),
    # (F13) a semicolon or a dash ends the statement of a role, for a contradiction too
    (
        "Attention is global and data-dependent; a convolution is local and fixed.",
        "partial",
        0.5,
        "data-dependent; a convolution",
    ),
    (
        "Attention is global and data-dependent - a convolution is local and fixed.",
        "partial",
        0.5,
        "data-dependent - a convolution",
    ),
    # attention called global (every position reaches every other) is the difference's
    # attention side, as "mixes all tokens" is; a convolution called global says it the wrong
    # way round. "…, and attention is global" earned nothing, "…; attention is global" 0.5 only
    # from the word attention after "local"
    ("A convolution is local, and attention is global.", "partial", 0.5, "local, and global"),
    ("Attention is global while a convolution is local.", "partial", 0.5, "global while local"),
    ("Attention is global.", "partial", 0.5, "attention global alone"),
    ("Attention gives a global view, while convolutions are local.", "partial", 0.5, "view"),
    ("A convolution is global.", "needs_review", 0, "the convolution called global"),
    ("A convolution is global, attention is local.", "needs_review", 0, "global the wrong way"),
    ("Attention is not global.", "needs_review", 0, "attention's globality denied"),
    (
        "A convolution's weights are data-dependent; attention is global.",
        "needs_review",
        0,
        "convolution's weights data-dependent, before a semicolon",
    ),
    (
        "Attention is global; attention uses fixed local weights.",
        "needs_review",
        0,
        "attention fixed local, after a semicolon",
    ),
]


@pytest.mark.parametrize(
    ("answer", "verdict", "marks"),
    [pytest.param(a, v, m, id=i) for a, v, m, i in EXPLANATIONS],
)
def test_explanations_get_the_marks_a_teacher_would_give(answer, verdict, marks):
    result = grade_answer(RUBRIC, ITEM, answer)
    assert (result.verdict, result.marks) == (verdict, marks), result.feedback


# Explanations to the other rubrics' text items that were marked wrongly: a semicolon ended a
# sentence (the concept's subject before it, "it" after it, was lost), the fraction of DW-SEP-Q1
# was the letters 1, D and K anywhere in a sentence, and "factorized into a depthwise and a
# pointwise convolution" was not the factored kernel.
MISMARKED = [
    (
        "attn-q1",
        "d.explanation",
        "The attention matrix is not a learnable parameter; it is computed from Q and K.",
        "partial",
        1,
        "attention computed, after a semicolon",
    ),
    (
        "attn-q1",
        "d.explanation",
        "The attention matrix is not a learnable parameter - it is computed from Q and K.",
        "partial",
        1,
        "attention computed, after a dash",
    ),
    (
        "attn-q1",
        "d.explanation",
        "The attention matrix is not a learnable parameter, it is computed from Q and K.",
        "partial",
        1,
        "attention computed, after a comma",
    ),
    (
        "22-52-q4",
        "e.explanation",
        "W is the same matrix; it is used at every pixel.",
        "partial",
        1,
        "the same matrix, after a semicolon",
    ),
    (
        "22-52-q4",
        "e.explanation",
        "W is the same matrix, it is used at every pixel.",
        "partial",
        1,
        "the same matrix, after a comma",
    ),
    (
        "dw-sep-q1",
        "e.explanation",
        "About 1/D + 1/K, because the kernel is factored into spatial and channel parts.",
        "partial",
        1,
        "1/K for 1/K^2",
    ),
    (
        "dw-sep-q1",
        "e.explanation",
        "For K = 1 and D = 1 both are the same size; the kernel is factored.",
        "partial",
        1,
        "the letters 1, D and K",
    ),
    (
        "dw-sep-q1",
        "e.explanation",
        "It needs about D + K^2 times as many, plus 1, because the kernel is factored.",
        "partial",
        1,
        "the inverse",
    ),
    (
        "dw-sep-q1",
        "e.explanation",
        "It needs about 1/D + 1/K^3, because the kernel is factored.",
        "partial",
        1,
        "1/K^3 for 1/K^2",
    ),
    (
        "dw-sep-q1",
        "e.explanation",
        "About 1/D + 1/K^2 of the parameters, because the kernel is factored.",
        "correct",
        2,
        "1/D + 1/K^2",
    ),
    (
        "dw-sep-q1",
        "e.explanation",
        "about 1/D + 1/K², because the kernel is factored.",
        "correct",
        2,
        "1/D + 1/K², a superscript",
    ),
    (
        "dw-sep-q1",
        "e.explanation",
        r"It is \frac{1}{D} + \frac{1}{K^2} of them, because the kernel is factored.",
        "correct",
        2,
        "LaTeX fractions",
    ),
    (
        "dw-sep-q1",
        "e.explanation",
        r"About D^{-1} + K^{-2}; the kernel is factored.",
        "correct",
        2,
        "negative powers",
    ),
    (
        "dw-sep-q1",
        "e.explanation",
        "about 1/D+1/K^2 - the kernel is factored",
        "correct",
        2,
        "a dash after the fraction",
    ),
    (
        "dw-sep-q1",
        "e.explanation",
        "It needs (K^2 C + C D)/(K^2 C D) of them.",
        "partial",
        1,
        "the fraction unreduced",
    ),
    (
        "dw-sep-q1",
        "e.explanation",
        "It is factorized into a depthwise convolution and a pointwise convolution.",
        "partial",
        1,
        "factorized into depthwise and pointwise",
    ),
    (
        "dw-sep-q1",
        "e.explanation",
        "It is not split into depthwise and pointwise steps.",
        "needs_review",
        0,
        "not factored",
    ),
]


# Words of a concept that said something else in 22-52-Q4 (e) and ATTN-Q1 (d): one matrix per
# pixel or token (a matrix for each), the letters X, W and Q of "P x Q" and "Y = XW" (Q is the
# image's width), "the key point", "a fixed number of parameters".
MISMARKED += [
    (
        "22-52-q4",
        "e.explanation",
        "There is one weight matrix per pixel.",
        "needs_review",
        0,
        "one matrix per pixel",
    ),
    (
        "22-52-q4",
        "e.explanation",
        "For a P x Q image with C channels, Y = XW.",
        "incorrect",
        0,
        "Q of P x Q and XW",
    ),
    (
        "22-52-q4",
        "e.explanation",
        "The key point is that it is linear.",
        "incorrect",
        0,
        "the key point",
    ),
    (
        "22-52-q4",
        "e.explanation",
        "The 1x1 convolution has a fixed number of parameters.",
        "incorrect",
        0,
        "a fixed number",
    ),
    (
        "22-52-q4",
        "e.explanation",
        "It is the Transformer projection Q = XW_Q.",
        "partial",
        0.5,
        "XW_Q",
    ),
    ("22-52-q4", "e.explanation", "It computes XW_{K} for every pixel.", "partial", 0.5, "XW_{K}"),
    (
        "22-52-q4",
        "e.explanation",
        "Like the key and value matrices of attention.",
        "partial",
        0.5,
        "key and value matrices",
    ),
    (
        "22-52-q4",
        "e.explanation",
        "A convolution mixes pixels with fixed weights.",
        "partial",
        0.5,
        "fixed weights",
    ),
    (
        "attn-q1",
        "d.explanation",
        "There is one parameter per token.",
        "needs_review",
        0,
        "one parameter per token",
    ),
    (
        "attn-q1",
        "d.explanation",
        "The weights only act on the embedding dimension, and are shared by all tokens",
        "partial",
        1,
        "', and are shared' goes on speaking of the weights",
    ),
    (
        "attn-q1",
        "d.explanation",
        "The weights only act on the embedding dimension and are shared by all tokens",
        "partial",
        1,
        "'and are shared' without a comma",
    ),
    (
        "attn-q1",
        "d.explanation",
        "The weights only act on the embedding dimension; they are shared by all tokens.",
        "partial",
        1,
        "'; they are shared' goes on speaking of the weights",
    ),
    (
        "attn-q1",
        "d.explanation",
        "The projection matrices depend only on E and K, and are applied to every token in the "
        "same way.",
        "partial",
        1,
        "'and are applied' speaks of the matrices, not of 'and K'",
    ),
    (
        "attn-q1",
        "d.explanation",
        "The weights only act on the embedding dimension of every head in the model, and the "
        "layer norm is shared by all tokens.",
        "incorrect",
        0,
        "', and the layer norm is shared' has its own subject",
    ),
    (
        "attn-q1",
        "d.explanation",
        "The weights of the output layer act on the embedding dimension, while the positional "
        "encoding is shared by all tokens.",
        "incorrect",
        0,
        "', while … is shared' has its own subject",
    ),
    (
        "attn-q1",
        "d.explanation",
        "The weights only act on the embedding dimension, which is shared by all tokens.",
        "incorrect",
        0,
        "', which is shared' speaks of the embedding dimension",
    ),
    (
        "attn-q1",
        "d.explanation",
        "The weights only act on the embedding dimension because it is shared by all tokens.",
        "incorrect",
        0,
        "'because it is shared' is another statement",
    ),
    (
        "attn-q1",
        "d.explanation",
        "The weights only act on the embedding dimension, and then the output is shared by all "
        "tokens.",
        "incorrect",
        0,
        "', and then the output is shared' has its own subject",
    ),
    (
        "22-52-q4",
        "e.explanation",
        "Attention has a fixed number of parameters but data-dependent weights.",
        "partial",
        0.5,
        "a fixed number of parameters is no fixed weights",
    ),
    (
        "22-52-q4",
        "e.explanation",
        "Attention has a fixed number of parameters.",
        "incorrect",
        0,
        "a fixed number of parameters alone",
    ),
    (
        "22-52-q4",
        "e.explanation",
        "The 1x1 convolution has the same number of parameters at every pixel.",
        "incorrect",
        0,
        "the same number of parameters is no shared weights",
    ),
    (
        "attn-q1",
        "d.explanation",
        "Every token has the same number of parameters.",
        "incorrect",
        0,
        "the same number of parameters per token",
    ),
    (
        "attn-q1",
        "d.explanation",
        "The same number of weights is used for every token.",
        "incorrect",
        0,
        "the same number of weights per token",
    ),
    (
        "attn-q1",
        "d.explanation",
        "The weight matrices have the same size for every token.",
        "incorrect",
        0,
        "the same size is no shared weights",
    ),
    (
        "dw-sep-q1",
        "e.explanation",
        "The separable convolution has the same number of parameters as the standard one.",
        "needs_review",
        0,
        "'same number of parameters' is the contradiction that names the number",
    ),
    (
        "22-52-q4",
        "e.explanation",
        "A CNN attends only to a local window.",
        "partial",
        0.5,
        "attending to a local window is the convolution's",
    ),
    (
        "22-52-q4",
        "e.explanation",
        "A convolution uses fixed local weights, while attention attends to all tokens with "
        "data-dependent weights.",
        "partial",
        0.5,
        "'while attention attends to all tokens' said of attention",
    ),
    (
        "22-52-q4",
        "e.explanation",
        "Attention, unlike a convolution, has dynamic weights.",
        "partial",
        0.5,
        "'unlike a convolution' denies the convolution's dynamic weights",
    ),
    (
        "22-52-q4",
        "e.explanation",
        "Compared to a convolution, attention has data-dependent weights.",
        "partial",
        0.5,
        "the convolution compared with",
    ),
    (
        "22-52-q4",
        "e.explanation",
        "A convolution does not attend to all tokens.",
        "incorrect",
        0,
        "denied, no contradiction",
    ),
    (
        "22-52-q4",
        "e.explanation",
        "Attention weights depend on the input, while convolution weights are fixed.",
        "partial",
        0.5,
        "'while convolution weights are fixed' said of the convolution",
    ),
    (
        "22-52-q4",
        "e.explanation",
        "Attention weights depend on the input.",
        "partial",
        0.5,
        "attention's weights depend on the input",
    ),
    (
        "22-52-q4",
        "e.explanation",
        "Self-attention lets every token attend to every other token with weights computed from "
        "the data.",
        "partial",
        0.5,
        "self-attention, one word without its hyphen",
    ),
]

# Over-credit and review noise left by textwide (textover): two words side by side are one
# name, not an analogy; a clause with its own subject takes no words of the clause before; the
# words beside "/" are read as numerator over denominator; "separately" and "depends on … its
# weights" are no contradictions.
MISMARKED += [
    (
        "22-52-q4",
        "e.explanation",
        "A 1x1 conv mixes along the channel dimension",
        "incorrect",
        0,
        "'channel dimension' is one name, no analogy",
    ),
    (
        "22-52-q4",
        "e.explanation",
        "Token positions are mixed by attention.",
        "partial",
        0.5,
        "'token positions' is one name, no analogy",
    ),
    (
        "22-52-q4",
        "e.explanation",
        "The channel dimension plays the role of the embedding.",
        "partial",
        1,
        "'the channel dimension' named together still pairs with the embedding",
    ),
    (
        "22-52-q4",
        "e.explanation",
        "token pixel channel embedding",
        "needs_review",
        0,
        "a list of keywords with pairing words side by side goes to a person",
    ),
    (
        "attn-q1",
        "d.explanation",
        "The weights only act on the embedding dimension, and the tokens are shared by all heads",
        "incorrect",
        0,
        "', and the tokens are shared' has its own subject",
    ),
    (
        "attn-q1",
        "d.explanation",
        "The weights act, and the same softmax is used by all tokens",
        "incorrect",
        0,
        "', and the same softmax is used' has its own subject",
    ),
    (
        "attn-q1",
        "d.explanation",
        "The weights act on E and the norm is shared by all tokens",
        "incorrect",
        0,
        "'and the norm is shared' without a comma has its own subject",
    ),
    (
        "attn-q1",
        "d.explanation",
        "The weights act on E, while the encoding is shared by all tokens",
        "incorrect",
        0,
        "', while the encoding is shared' has its own subject",
    ),
    (
        "attn-q1",
        "d.explanation",
        "The weights act on E, which is shared by all tokens",
        "incorrect",
        0,
        "', which is shared' speaks of E",
    ),
    (
        "attn-q1",
        "d.explanation",
        "The weights, which are shared by all tokens, act on E",
        "partial",
        1,
        "', which are shared' speaks of the weights",
    ),
    (
        "attn-q1",
        "d.explanation",
        "The weights are the same, and every token uses them",
        "partial",
        1,
        "', and every token uses them' has no verb the wall knows",
    ),
    (
        "attn-q1",
        "d.explanation",
        "The same query and key matrices are used for every token",
        "partial",
        1,
        "'query and key matrices' is one subject",
    ),
    (
        "attn-q1",
        "d.explanation",
        "W_Q is applied to each token separately, with the same matrix",
        "partial",
        1,
        "'separately' says how the same matrix is applied, no separate matrices",
    ),
    (
        "attn-q1",
        "d.explanation",
        "There is a separate weight matrix for each token.",
        "needs_review",
        0,
        "a separate matrix for each token still contradicts",
    ),
    (
        "22-52-q4",
        "e.explanation",
        "W is applied to each pixel separately, with the same weights",
        "partial",
        1,
        "'each pixel separately' with the same weights",
    ),
    (
        "22-52-q4",
        "e.explanation",
        "The convolution's output depends on the input and its weights",
        "incorrect",
        0,
        "the output depends on the weights: the weights depend on nothing",
    ),
    (
        "22-52-q4",
        "e.explanation",
        "The convolution's kernel depends on the data.",
        "needs_review",
        0,
        "the kernel depends on the data: still a contradiction",
    ),
    (
        "22-52-q4",
        "e.explanation",
        "In a CNN, the weights depend on the input.",
        "needs_review",
        0,
        "the weights depend on the input, the CNN named in the clause before",
    ),
    # adversarial answers to the three text items (textover 5)
    (
        "22-52-q4",
        "e.explanation",
        "A position-wise linear layer is different from a 1x1 convolution.",
        "needs_review",
        0,
        "'is different from' denies what it says, as 'not' does",
    ),
    (
        "attn-q1",
        "d.explanation",
        "The position-wise layer is different from the attention layer.",
        "needs_review",
        0,
        "'is different from' denies the position-wise layer",
    ),
    (
        "22-52-q4",
        "e.explanation",
        "Each pixel has weights different from the other pixels.",
        "needs_review",
        0,
        "'different' of the contradiction does not deny itself",
    ),
    (
        "22-52-q4",
        "e.explanation",
        "Attention is different from convolution: it mixes all positions with data-dependent "
        "weights.",
        "partial",
        0.5,
        "'different from' denies nothing past its clause",
    ),
    (
        "22-52-q4",
        "e.explanation",
        "Attention mixes nothing; it only scales positions.",
        "needs_review",
        0,
        "'mixes nothing' denies the mixing",
    ),
    (
        "22-52-q4",
        "e.explanation",
        "Shared weights at every position would make it a position-wise linear layer, but here "
        "they are not.",
        "needs_review",
        0,
        "', but here they are not' denies what came before",
    ),
    (
        "22-52-q4",
        "e.explanation",
        "The same weights would only be used at every pixel if the kernel were 1x1, which it is "
        "not.",
        "needs_review",
        0,
        "', which it is not' denies what came before",
    ),
    (
        "attn-q1",
        "d.explanation",
        "If the projection matrices were the same for every token, the count would not depend on "
        "N, but they are not.",
        "needs_review",
        0,
        "', but they are not' denies the shared matrices",
    ),
    (
        "22-52-q4",
        "e.explanation",
        "It uses the same weights at every pixel, but attention does not.",
        "partial",
        1,
        "', but attention does not' speaks of attention",
    ),
    (
        "22-52-q4",
        "e.explanation",
        "Attention mixes positions; a convolution does not.",
        "partial",
        0.5,
        "'; a convolution does not' speaks of the convolution",
    ),
    (
        "attn-q1",
        "d.explanation",
        "Tokens, same, weights, shared, attention, computed, data.",
        "needs_review",
        0,
        "a list of one-word items is a list of keywords",
    ),
    (
        "22-52-q4",
        "e.explanation",
        "Same weights, every pixel.",
        "partial",
        1,
        "two short items are no list of keywords",
    ),
    (
        "dw-sep-q1",
        "e.explanation",
        "The saving is 1/D + 1/K^2.",
        "needs_review",
        0,
        "the saving is 1 minus the fraction",
    ),
    (
        "dw-sep-q1",
        "e.explanation",
        "It saves 1/D + 1/K^2 of the parameters.",
        "needs_review",
        0,
        "it saves 1 minus the fraction",
    ),
    (
        "dw-sep-q1",
        "e.explanation",
        "It saves parameters: it needs about 1/D + 1/K^2 of them, because the kernel is factored.",
        "correct",
        2,
        "saves parameters, then the fraction in another clause",
    ),
    (
        "22-52-q4",
        "e.explanation",
        "Pixels and tokens are different things, as are channels and embeddings.",
        "needs_review",
        0,
        "'pixels and tokens are different' lists them, no analogy; 'as are' for a person",
    ),
    (
        "22-52-q4",
        "e.explanation",
        "Pixels and tokens are unrelated.",
        "incorrect",
        0,
        "'pixels and tokens are unrelated'",
    ),
    (
        "22-52-q4",
        "e.explanation",
        "Tokens have positions, and pixels have channels.",
        "incorrect",
        0,
        "'tokens have positions' gives one to the other",
    ),
    (
        "22-52-q4",
        "e.explanation",
        "Pixels and tokens play the same role, as do channels and the embedding.",
        "partial",
        1,
        "'pixels and tokens play the same role' relates them",
    ),
    (
        "22-52-q4",
        "e.explanation",
        "Pixels and tokens are alike.",
        "partial",
        1,
        "'pixels and tokens are alike'",
    ),
    # (nor, said of attention, the 1x1 convolution's position-wise map: a person decides)
    (
        "22-52-q4",
        "e.explanation",
        "Attention uses the same weights at every pixel.",
        "needs_review",
        0,
        "'attention … weights' is no weighing of all positions",
    ),
    (
        "22-52-q4",
        "e.explanation",
        "Attention computes a weighted sum of all tokens.",
        "partial",
        0.5,
        "'a weighted sum of all tokens' is attention's mixing",
    ),
    (
        "22-52-q4",
        "e.explanation",
        "The weights are hardly shared at every position.",
        "needs_review",
        0,
        "'hardly' all but denies",
    ),
    (
        "22-52-q4",
        "e.explanation",
        "The weights are rarely the same at every pixel.",
        "needs_review",
        0,
        "'rarely' all but denies",
    ),
    # walls (textover 2) that must not stand
    (
        "attn-q1",
        "d.explanation",
        "The projection matrices W_Q, W_K and W_V, which are the same for every token, do not "
        "depend on N.",
        "partial",
        1,
        "', which are the same' speaks of W_V, a name of the pattern",
    ),
    (
        "attn-q1",
        "d.explanation",
        "W_Q, which is shared by every token, is E x K.",
        "partial",
        1,
        "'W_Q, which is shared': W_Q is one word",
    ),
    (
        "attn-q1",
        "d.explanation",
        "The weights are shared, and every token is projected by them.",
        "partial",
        1,
        "', and every token is projected by them' refers back",
    ),
    (
        "22-52-q4",
        "e.explanation",
        "The same weights are used at every pixel; none differ.",
        "partial",
        1,
        "'none' in the next part denies nothing before it",
    ),
    (
        "22-52-q4",
        "e.explanation",
        "Tokens and pixels, channels and embeddings: the same roles.",
        "needs_review",
        0,
        "listed words related only in another clause go to a person",
    ),
    # "both" says a statement of both roles, where the concept gives it to one (texts3 1;
    # before: 0.5, attention's mixing credited)
    (
        "22-52-q4",
        "e.explanation",
        "Both CNNs and attention mix positions with data-dependent weights.",
        "needs_review",
        0,
        "'Both CNNs and attention' mix with data-dependent weights",
    ),
    (
        "22-52-q4",
        "e.explanation",
        "Convolution and attention both mix all positions with data-dependent weights.",
        "needs_review",
        0,
        "'Convolution and attention both' mix with data-dependent weights",
    ),
    (
        "22-52-q4",
        "e.explanation",
        "Attention and convolution both use fixed local weights.",
        "needs_review",
        0,
        "'Attention and convolution both' use fixed local weights",
    ),
    (
        "22-52-q4",
        "e.explanation",
        "In both attention and CNNs the mixing weights are fixed and local.",
        "needs_review",
        0,
        "'In both attention and CNNs' the weights are fixed",
    ),
    (
        "22-52-q4",
        "e.explanation",
        "Both the CNN and the attention layer mix all positions with data-dependent weights.",
        "needs_review",
        0,
        "'Both the CNN and the attention layer': determiners between",
    ),
    # guards: both roles named without "both", or "both" with one role
    (
        "22-52-q4",
        "e.explanation",
        "Attention and convolution differ: attention mixes all positions with data-dependent "
        "weights, a convolution uses fixed local ones.",
        "partial",
        0.5,
        "attention and convolution named together without 'both'",
    ),
    (
        "22-52-q4",
        "e.explanation",
        "Attention mixes both near and far positions with data-dependent weights.",
        "partial",
        0.5,
        "'both' of the positions, not of two roles",
    ),
    # the attention weights are no projection (texts3 2; before: 1, 2 and 2 marks)
    (
        "attn-q1",
        "d.explanation",
        "The attention weights are the same for every token.",
        "incorrect",
        0,
        "the attention weights called the same for every token",
    ),
    (
        "attn-q1",
        "d.explanation",
        "The attention matrix is computed from the data, and is shared by all tokens.",
        "partial",
        1,
        "the attention matrix, carried into ', and is shared'",
    ),
    (
        "attn-q1",
        "d.explanation",
        "The attention weights are shared by all tokens and computed from the data.",
        "partial",
        1,
        "the attention weights called shared by all tokens",
    ),
    (
        "attn-q1",
        "d.explanation",
        "The softmax weights are identical for each position.",
        "incorrect",
        0,
        "the softmax weights called identical",
    ),
    # guards: the projections' weights keep their credit
    (
        "attn-q1",
        "d.explanation",
        "The projection weights are shared by all tokens.",
        "partial",
        1,
        "the projection weights shared",
    ),
    (
        "attn-q1",
        "d.explanation",
        "W_Q is the same for every token.",
        "partial",
        1,
        "W_Q the same for every token",
    ),
    (
        "attn-q1",
        "d.explanation",
        "In self-attention, the same weights are applied to every token.",
        "partial",
        1,
        "the same weights, after 'In self-attention,'",
    ),
    (
        "attn-q1",
        "d.explanation",
        "The attention layer uses the same projection matrices for every token.",
        "partial",
        1,
        "the attention layer's same projection matrices",
    ),
    (
        "attn-q1",
        "d.explanation",
        "The weights are shared by all tokens.",
        "partial",
        1,
        "the weights shared, unqualified",
    ),
    # the factoring given to the standard convolution (texts3 3; before: 2)
    (
        "dw-sep-q1",
        "e.explanation",
        "About 1/D + 1/K^2 of them; the standard convolution factors the kernel into depthwise "
        "and pointwise parts.",
        "needs_review",
        0,
        "the standard convolution factors the kernel",
    ),
    (
        "dw-sep-q1",
        "e.explanation",
        "The regular convolution decomposes the kernel into a spatial filter and a channel "
        "mixing; 1/D + 1/K^2.",
        "needs_review",
        0,
        "the regular convolution decomposes the kernel",
    ),
    # guards: the standard one named beside the separable one's factoring
    (
        "dw-sep-q1",
        "e.explanation",
        "About 1/D + 1/K^2 of them; the separable convolution factors the standard kernel into "
        "depthwise and pointwise parts.",
        "correct",
        2,
        "the separable convolution factors the standard kernel",
    ),
    (
        "dw-sep-q1",
        "e.explanation",
        "A standard convolution learns a full kernel, whereas the separable one splits it into "
        "depthwise and pointwise parts; about 1/D + 1/K^2 of them.",
        "correct",
        2,
        "a standard one learns a full kernel, whereas the separable one splits it",
    ),
    (
        "dw-sep-q1",
        "e.explanation",
        "About 1/D + 1/K^2 of them: unlike a standard convolution, the separable one factors the "
        "kernel.",
        "correct",
        2,
        "unlike a standard convolution, the separable one factors",
    ),
    # what attention is called comes after it in its clause (texts3 4; before: to a person,
    # "contradicts … 'parameters; the attention'")
    (
        "attn-q1",
        "d.explanation",
        "The projections have a fixed number of parameters; the attention weights are computed "
        "from the data.",
        "partial",
        1,
        "parameters; the attention weights are computed",
    ),
    (
        "attn-q1",
        "d.explanation",
        "The projections hold all the parameters: the attention is computed from the data.",
        "partial",
        1,
        "parameters: the attention is computed",
    ),
    # guards: attention called a parameter in its clause is still a contradiction
    (
        "attn-q1",
        "d.explanation",
        "The attention matrix is a learnable parameter.",
        "needs_review",
        0,
        "the attention matrix called a learnable parameter",
    ),
    (
        "attn-q1",
        "d.explanation",
        "Attention is trained with the model.",
        "needs_review",
        0,
        "attention called trained",
    ),
]

# Probe 10: the verb "share" had the stem "share", "shared" and "shares" the stem "shar", so a
# rubric's `shared` did not fit "share": right answers got 0.
MISMARKED += [
    ("attn-q1", "d.explanation", "Tokens share the weights.", "partial", 1, "'share', a verb"),
    (
        "attn-q1",
        "d.explanation",
        "All tokens share the projection matrices.",
        "partial",
        1,
        "'share' the projection matrices",
    ),
]

# Probe 10: "attention … computed … data" in any order credited "X is computed from attention"
# (the attention weights called learned in a "which" clause too); "computed, not learned"
# without "from …" earned nothing.
MISMARKED += [
    (
        "attn-q1",
        "d.explanation",
        "Tokens are computed from the attention weights, which are learned.",
        "incorrect",
        0,
        "tokens computed from the attention weights, called learned",
    ),
    (
        "attn-q1",
        "d.explanation",
        "The tokens are computed from the attention weights.",
        "incorrect",
        0,
        "tokens computed from the attention weights",
    ),
    (
        "attn-q1",
        "d.explanation",
        "Data is computed from attention.",
        "incorrect",
        0,
        "data from attention",
    ),
    (
        "attn-q1",
        "d.explanation",
        "The attention matrix is computed, not learned, and the projection weights don't "
        "depend on N.",
        "partial",
        1,
        "computed, not learned",
    ),
    (
        "attn-q1",
        "d.explanation",
        "The attention matrix is computed rather than learned.",
        "partial",
        1,
        "computed rather than learned",
    ),
    (
        "attn-q1",
        "d.explanation",
        "The attention weights are not learned but computed.",
        "partial",
        1,
        "not learned but computed",
    ),
    # (tmarks) the subject after a colon, of a sentence that begins without one (was 0)
    (
        "attn-q1",
        "d.explanation",
        "Computed, not learned: the attention weights.",
        "partial",
        1,
        "computed, not learned: the attention weights",
    ),
    (
        "attn-q1",
        "d.explanation",
        "Computed from the data: the attention weights.",
        "partial",
        1,
        "computed from the data: the attention weights",
    ),
    (
        "attn-q1",
        "d.explanation",
        "Computed, not learned: the tokens.",
        "incorrect",
        0,
        "computed, not learned: the tokens",
    ),
    # (marks) "Not X but Y:" reads the subject after the colon as "X, not Y:" does (was 0), and
    # the attention weights called learned before the colon are the contradiction they are
    # without it ("The attention weights are learned, not computed": a person; was a silent 0)
    (
        "attn-q1",
        "d.explanation",
        "Not learned but computed: the attention weights.",
        "partial",
        1,
        "not learned but computed: the attention weights",
    ),
    (
        "attn-q1",
        "d.explanation",
        "Never learned, always computed: the attention weights.",
        "partial",
        1,
        "never learned, always computed: the attention weights",
    ),
    (
        "attn-q1",
        "d.explanation",
        "Not learned but computed: the tokens.",
        "incorrect",
        0,
        "not learned but computed: the tokens",
    ),
    (
        "attn-q1",
        "d.explanation",
        "Learned, not computed: the attention weights.",
        "needs_review",
        0,
        "learned, not computed: the attention weights",
    ),
    (
        "attn-q1",
        "d.explanation",
        "The attention weights are learned, not computed.",
        "needs_review",
        0,
        "the attention weights are learned, not computed",
    ),
    (
        "attn-q1",
        "d.explanation",
        "Not computed but learned: the attention weights.",
        "needs_review",
        0,
        "not computed but learned: the attention weights",
    ),
    # guards: attention computed from the data, in its order, keeps its credit; "not computed
    # but learned" earns none, and calls the attention weights learned: a person, as "are
    # learned, not computed" (the carried subject, marks)
    (
        "attn-q1",
        "d.explanation",
        "The attention weights are computed from Q and K.",
        "partial",
        1,
        "attention computed from Q and K",
    ),
    (
        "attn-q1",
        "d.explanation",
        "Attention is computed from the input.",
        "partial",
        1,
        "attention computed from the input",
    ),
    (
        "attn-q1",
        "d.explanation",
        "The attention weights are not computed but learned.",
        "needs_review",
        0,
        "not computed but learned",
    ),
]

# Probe 10: dw-sep-q1 e had no evidence for the inverse ratio said of the standard convolution,
# and "D K^2/(D + K^2)" was read as K^2/(D + K^2) (the space ended the maths); a role word after
# "/" and a word of its noun phrase ("/ parameters standard") was not read as the denominator.
MISMARKED += [
    (
        "dw-sep-q1",
        "e.explanation",
        "The standard one needs about D K^2/(D + K^2) times as many, because the kernel is "
        "factored.",
        "correct",
        2,
        "the inverse ratio said of the standard convolution",
    ),
    (
        "dw-sep-q1",
        "e.explanation",
        "Parameters separable / parameters standard = (K^2 C + CD)/(K^2 C D) = 1/D + 1/K^2; the "
        "kernel is factored.",
        "correct",
        2,
        "'/ parameters standard': the denominator",
    ),
    # guard: the fraction without the D is another quantity
    (
        "dw-sep-q1",
        "e.explanation",
        "The standard one with D channels needs K^2/(D+K^2) times as many.",
        "incorrect",
        0,
        "K^2/(D + K^2), a D elsewhere",
    ),
]


# textA: wrong marks that remained after session 16 in attn-q1 (d) and dw-sep-q1 (e): each
# case, then the right statements beside it that keep their marks.
MISMARKED += [
    (
        "attn-q1",
        "d.explanation",
        "The tokens are computed from the attention weights, not learned.",
        "incorrect",
        0,
        "computed from the attention weights, not learned: the tokens'",
    ),
    (
        "attn-q1",
        "d.explanation",
        "Projection matrices are the same for every token, so the count grows with N",
        "needs_review",
        0,
        "shared projections, so the count grows with N",
    ),
    (
        "attn-q1",
        "d.explanation",
        "Projection matrices are the same for every token, so the parameters depend on N",
        "needs_review",
        0,
        "shared projections, so the parameters depend on N",
    ),
    (
        "attn-q1",
        "d.explanation",
        "Attention is computed from data. Its weights are learned.",
        "needs_review",
        0,
        "the next sentence: its weights are learned",
    ),
    (
        "attn-q1",
        "d.explanation",
        "The attention weights are computed from the data. They are learned parameters.",
        "needs_review",
        0,
        "the next sentence: they are learned",
    ),
    (
        "attn-q1",
        "d.explanation",
        "The learned attention weights are computed from the data.",
        "needs_review",
        0,
        "the learned attention weights",
    ),
    (
        "dw-sep-q1",
        "e.explanation",
        "The depthwise convolution alone needs 1/D + 1/K^2 of the parameters",
        "needs_review",
        0,
        "the fraction of the depthwise convolution alone",
    ),
    (
        "dw-sep-q1",
        "e.explanation",
        "The pointwise layer alone needs 1/D + 1/K^2 of the parameters.",
        "needs_review",
        0,
        "the fraction of the pointwise layer alone",
    ),
    (
        "dw-sep-q1",
        "e.explanation",
        "It reduces the parameters by 1/D + 1/K^2 because the kernel is factored",
        "needs_review",
        0,
        "reduces by the fraction",
    ),
    (
        "dw-sep-q1",
        "e.explanation",
        "The separable one is cheaper, since the standard kernel is split into a depthwise and "
        "a pointwise part.",
        "partial",
        1,
        "the standard kernel is split",
    ),
    # guards
    (
        "attn-q1",
        "d.explanation",
        "The attention matrix is computed, not learned.",
        "partial",
        1,
        "attention computed, not learned",
    ),
    (
        "attn-q1",
        "d.explanation",
        "The attention matrix is not a learnable parameter; it is computed from Q and K.",
        "partial",
        1,
        "not a learnable parameter; it is computed",
    ),
    (
        "attn-q1",
        "d.explanation",
        "Projection matrices are the same for every token, so the count does not grow with N",
        "partial",
        1,
        "shared projections, so the count does not grow with N",
    ),
    (
        "attn-q1",
        "d.explanation",
        "The attention matrix grows with N, but the same projections are used for every token.",
        "partial",
        1,
        "the attention matrix grows with N",
    ),
    (
        "attn-q1",
        "d.explanation",
        "Attention is computed from data. They are not learned.",
        "partial",
        1,
        "the next sentence: they are not learned",
    ),
    (
        "attn-q1",
        "d.explanation",
        "Attention is computed from data. This is why the parameters are fixed.",
        "partial",
        1,
        "the next sentence: 'this' is what the sentence before says",
    ),
    (
        "dw-sep-q1",
        "e.explanation",
        "The depthwise separable convolution needs 1/D + 1/K^2 of the parameters, since the "
        "kernel is factored.",
        "correct",
        2,
        "the depthwise separable convolution",
    ),
    (
        "dw-sep-q1",
        "e.explanation",
        "The depthwise and pointwise convolutions together need 1/D + 1/K^2 of the parameters, "
        "since the kernel is factored.",
        "correct",
        2,
        "the depthwise and pointwise convolutions together",
    ),
    (
        "dw-sep-q1",
        "e.explanation",
        "It reduces the parameters to 1/D + 1/K^2 of the standard ones because the kernel is "
        "factored",
        "correct",
        2,
        "reduces to the fraction",
    ),
    (
        "dw-sep-q1",
        "e.explanation",
        "The parameters are reduced by a factor of 1/D + 1/K^2, since the kernel is factored.",
        "correct",
        2,
        "reduced by a factor of the fraction",
    ),
    (
        "dw-sep-q1",
        "e.explanation",
        "About 1/D + 1/K^2 of them; the standard convolution factors the kernel into depthwise "
        "and pointwise parts.",
        "needs_review",
        0,
        "the standard convolution factors the kernel",
    ),
    # F6: a list of names (W_Q, W_K and W_V) before the verb is one subject, one word wide
    (
        "attn-q1",
        "d.explanation",
        "The same projection matrices W_Q, W_K and W_V are applied to every token.",
        "partial",
        1,
        "same matrices, a list of names with and",
    ),
    (
        "attn-q1",
        "d.explanation",
        "The same projection matrices W_Q, W_K, W_V are applied to every token.",
        "partial",
        1,
        "same matrices, a list of names",
    ),
    (
        "attn-q1",
        "d.explanation",
        "The same matrices W_Q, W_K, W_V and W_O are used for all the tokens in the sequence.",
        "partial",
        1,
        "same matrices, four names",
    ),
    # a one-word subject after a verb is still a clause of its own
    (
        "attn-q1",
        "d.explanation",
        "The projection is fixed and W is applied to every token.",
        "incorrect",
        0,
        "a verb before and: W is a subject of its own",
    ),
    # F7: self-attention is attention
    (
        "attn-q1",
        "d.explanation",
        "Self-attention is computed from the input tokens.",
        "partial",
        1,
        "self-attention computed",
    ),
    (
        "attn-q1",
        "d.explanation",
        "The self-attention weights are computed from the data, not learned.",
        "partial",
        1,
        "self-attention weights computed, not learned",
    ),
    (
        "attn-q1",
        "d.explanation",
        "The self-attention weights are learned parameters.",
        "needs_review",
        0,
        "self-attention weights learned",
    ),
    # F5: a right second sentence beginning They/It is read with the subject before it, when the
    # pronoun agrees with it in number
    (
        "attn-q1",
        "d.explanation",
        "The attention weights are not learned. They are computed from Q and K.",
        "partial",
        1,
        "They: the attention weights computed",
    ),
    (
        "attn-q1",
        "d.explanation",
        "The attention weights aren't parameters. They are computed on the fly.",
        "partial",
        1,
        "They: the attention weights computed on the fly",
    ),
    (
        "attn-q1",
        "d.explanation",
        "Attention weights are not stored. They are computed from the input each time.",
        "partial",
        1,
        "They: attention weights computed from the input",
    ),
    (
        "attn-q1",
        "d.explanation",
        "The projection matrices do not depend on N. They are the same for every token.",
        "partial",
        1,
        "They: the projection matrices the same for every token",
    ),
    (
        "attn-q1",
        "d.explanation",
        "The same projection matrices are used for every token. The attention matrix is N x N. "
        "It is computed from the data, not learned.",
        "correct",
        2,
        "It: the attention matrix computed",
    ),
    (
        "dw-sep-q1",
        "e.explanation",
        "The standard convolution learns a full K x K kernel for every pair of channels. It "
        "needs D K^2/(D + K^2) times more parameters, because the separable one splits the "
        "kernel into depthwise and pointwise parts.",
        "correct",
        2,
        "It: the standard convolution needs the inverse",
    ),
    # guards: a pronoun that does not agree with the subject before it refers to something else
    (
        "attn-q1",
        "d.explanation",
        "The attention weights are not learned. It is computed from Q and K.",
        "incorrect",
        0,
        "It after a plural subject: not carried",
    ),
    (
        "attn-q1",
        "d.explanation",
        "The attention matrix is N x N. They are computed from the data.",
        "incorrect",
        0,
        "They after a singular subject: not carried",
    ),
    (
        "attn-q1",
        "d.explanation",
        "The tokens are embedded. They are computed from the data.",
        "incorrect",
        0,
        "They: the tokens, not attention",
    ),
    (
        "attn-q1",
        "d.explanation",
        "Attention is computed from data. They are learned parameters.",
        "needs_review",
        0,
        "They learned: a contradiction read whatever the number",
    ),
    # F4: a fraction said of It after a sentence about the standard convolution is the standard
    # convolution's, the wrong way round
    (
        "dw-sep-q1",
        "e.explanation",
        "The standard convolution learns a full kernel. It needs only 1/D + 1/K^2 of the "
        "parameters.",
        "needs_review",
        0,
        "It: the standard convolution needs the fraction",
    ),
    (
        "dw-sep-q1",
        "e.explanation",
        "The standard convolution is expensive. It needs about 1/D + 1/K^2 of the separable "
        "one's parameters.",
        "needs_review",
        0,
        "It: the standard convolution needs the fraction of the separable one's",
    ),
    (
        "dw-sep-q1",
        "e.explanation",
        "The separable convolution factors the kernel. It needs only 1/D + 1/K^2 of the "
        "parameters.",
        "correct",
        2,
        "It: the separable convolution needs the fraction",
    ),
    # F1 guards: the attention matrix's size grows with N; the projections' does not
    (
        "attn-q1",
        "d.explanation",
        "The size of the attention matrix grows with N, but the projections are shared by all "
        "tokens.",
        "partial",
        1,
        "the size of the attention matrix grows with N",
    ),
    (
        "attn-q1",
        "d.explanation",
        "The attention matrix is N x N, so its size grows with N. The projections are the same "
        "for every token.",
        "partial",
        1,
        "its size: the attention matrix's",
    ),
    (
        "attn-q1",
        "d.explanation",
        "The projections are the same for every token. The attention matrix is N x N, so it "
        "grows with N.",
        "partial",
        1,
        "it grows: the attention matrix",
    ),
    (
        "attn-q1",
        "d.explanation",
        "The projections are shared by all tokens. Their size does not depend on N.",
        "partial",
        1,
        "their size does not depend on N",
    ),
    # F8: a line break inside a sentence is read through; one after . ! ? :, before a blank line or
    # a list item ends it
    (
        "attn-q1",
        "d.explanation",
        "The same projection matrices are applied to every\ntoken.",
        "partial",
        1,
        "a break inside a sentence",
    ),
    (
        "attn-q1",
        "d.explanation",
        "The projection matrices are shared: the same W_Q, W_K, W_V act on\nevery token. The "
        "attention weights are computed from the data, not\nlearned.",
        "correct",
        2,
        "an explanation wrapped at 70 columns",
    ),
    (
        "attn-q1",
        "d.explanation",
        "The attention weights are computed\n\nthe same for every token",
        "incorrect",
        0,
        "a blank line ends a sentence",
    ),
    (
        "attn-q1",
        "d.explanation",
        "The attention weights are computed from:\n- the same matrices for every token",
        "partial",
        1,
        "a break after a colon ends a sentence",
    ),
    # F11: depthwise then pointwise convolutions are the separable one, not the depthwise one alone
    (
        "dw-sep-q1",
        "e.explanation",
        "Depthwise then pointwise convolutions factor the kernel. Their parameter count is about "
        "1/D + 1/K^2 of the standard one's.",
        "correct",
        2,
        "depthwise then pointwise convolutions, Their count",
    ),
    (
        "dw-sep-q1",
        "e.explanation",
        "Depthwise then pointwise convolutions need about 1/D + 1/K^2 of the parameters, since "
        "the kernel is factored.",
        "correct",
        2,
        "depthwise then pointwise convolutions need the fraction",
    ),
    (
        "dw-sep-q1",
        "e.explanation",
        "The pointwise convolution alone needs 1/D + 1/K^2 of the parameters.",
        "needs_review",
        0,
        "the pointwise convolution alone",
    ),
]


# (textE) "its" after a semicolon or a dash refers back to the part before's subject, as "Its"
# does across sentences; "learned" before another noun describes that noun; a possessive is
# not the subject; maths in prose (QK^T) is one symbol.
MISMARKED += [
    (
        "22-52-q4",
        "e.explanation",
        "A convolution is local; its weights are data-dependent.",
        "needs_review",
        0,
        "the convolution's weights data-dependent, its after a semicolon",
    ),
    (
        "22-52-q4",
        "e.explanation",
        "A convolution is local - its weights are data-dependent.",
        "needs_review",
        0,
        "the convolution's weights data-dependent, its after a dash",
    ),
    (
        "22-52-q4",
        "e.explanation",
        "Attention is global; its weights are data-dependent.",
        "partial",
        0.5,
        "attention's weights data-dependent, its after a semicolon",
    ),
    (
        "attn-q1",
        "d.explanation",
        "Attention is computed from the queries and keys. "
        "They come from learned projections W_Q and W_K.",
        "partial",
        1,
        "learned projections, the next sentence",
    ),
    (
        "attn-q1",
        "d.explanation",
        "The attention weights are computed from the learned projections of the tokens.",
        "partial",
        1,
        "computed from the learned projections",
    ),
    (
        "attn-q1",
        "d.explanation",
        "Attention weights are computed from the input. "
        "They depend on the learned matrices W_Q and W_K, not on N.",
        "partial",
        1,
        "depend on the learned matrices",
    ),
    (
        "attn-q1",
        "d.explanation",
        "The attention weights are learned from the data.",
        "needs_review",
        0,
        "attention weights learned from the data",
    ),
    (
        "attn-q1",
        "d.explanation",
        "The attention weights are the learned matrices.",
        "needs_review",
        0,
        "attention weights are the learned matrices",
    ),
    (
        "attn-q1",
        "d.explanation",
        "The attention weights are computed from the learned weights.",
        "needs_review",
        0,
        "computed from the learned weights, the subject's noun",
    ),
    (
        "dw-sep-q1",
        "e.explanation",
        "The standard convolution's kernel is split into a depthwise and a pointwise part.",
        "partial",
        1,
        "the standard convolution's kernel is split, a possessive",
    ),
    (
        "dw-sep-q1",
        "e.explanation",
        "The standard convolution splits the kernel into depthwise and pointwise parts.",
        "needs_review",
        0,
        "the standard convolution splits",
    ),
    (
        "dw-sep-q1",
        "e.explanation",
        "The depthwise convolution's cost is 1/D + 1/K^2 of the standard one's.",
        "needs_review",
        0,
        "the depthwise convolution's cost, a possessive",
    ),
    (
        "attn-q1",
        "d.explanation",
        "The softmax is computed from QK^T.",
        "partial",
        1,
        "the softmax computed from QK^T",
    ),
    (
        "attn-q1",
        "d.explanation",
        "The QK^T is computed from the attention weights.",
        "incorrect",
        0,
        "QK^T computed from the attention weights",
    ),
    (
        "22-52-q4",
        "e.explanation",
        "Attention does not weight all tokens equally.",
        "partial",
        0.5,
        "does not weight all tokens equally",
    ),
    (
        "22-52-q4",
        "e.explanation",
        "Attention does not weight all tokens.",
        "needs_review",
        0,
        "does not weight all tokens",
    ),
    (
        "22-52-q4",
        "e.explanation",
        "Attention weights every token equally.",
        "needs_review",
        0,
        "weights every token equally",
    ),
    # a denial said of what the position-wise concept is not about (attention, a 3x3
    # convolution) is no denial of it: was for a person, "a negation near …", +0.5 shown
    (
        "22-52-q4",
        "e.explanation",
        "Attention does not weight every token the same.",
        "partial",
        0.5,
        "does not weight every token the same",
    ),
    (
        "22-52-q4",
        "e.explanation",
        "A 3x3 convolution does not use the same weights at every pixel.",
        "incorrect",
        0,
        "a 3x3 convolution's weights denied",
    ),
    # the attention layer's (module's, head's) parameters are its projections, not attention
    # weights called parameters (was for a person)
    (
        "attn-q1",
        "d.explanation",
        "The attention layer's parameters are W_Q, W_K and W_V, the same for every token.",
        "partial",
        1,
        "the attention layer's parameters",
    ),
    # (tmarks) so are self-attention's (multi-head attention's) parameters, in the possessive
    # (was for a person)
    (
        "attn-q1",
        "d.explanation",
        "Self-attention's parameters are W_Q, W_K and W_V; the attention weights are computed "
        "from the input, not learned.",
        "partial",
        1,
        "self-attention's parameters",
    ),
    (
        "attn-q1",
        "d.explanation",
        "Multi-head attention's parameters are W_Q, W_K, W_V and W_O; the attention weights are "
        "computed from the input, not learned.",
        "partial",
        1,
        "multi-head attention's parameters",
    ),
    (
        "attn-q1",
        "d.explanation",
        "Self-attention's weights are learned.",
        "needs_review",
        0,
        "self-attention's weights called learned",
    ),
    (
        "attn-q1",
        "d.explanation",
        "The attention weights are parameters.",
        "needs_review",
        0,
        "attention weights called parameters",
    ),
    # (marks) the parameters, whoever's, called the attention weights: the same misconception
    # with or without the possessive, for a person (the possessive's was a silent 0), and not
    # where the parameters are the projections or the attention weights are denied
    (
        "attn-q1",
        "d.explanation",
        "The attention's parameters are the attention weights.",
        "needs_review",
        0,
        "the attention's parameters called the attention weights",
    ),
    (
        "attn-q1",
        "d.explanation",
        "Self-attention's parameters are the attention weights.",
        "needs_review",
        0,
        "self-attention's parameters called the attention weights",
    ),
    (
        "attn-q1",
        "d.explanation",
        "The self-attention parameters are the attention weights.",
        "needs_review",
        0,
        "the self-attention parameters called the attention weights",
    ),
    (
        "attn-q1",
        "d.explanation",
        "The parameters of self-attention are the attention weights.",
        "needs_review",
        0,
        "the parameters of self-attention called the attention weights",
    ),
    (
        "attn-q1",
        "d.explanation",
        "The parameters are the projection matrices, not the attention weights.",
        "incorrect",
        0,
        "the parameters are the projections, not the attention weights",
    ),
    (
        "attn-q1",
        "d.explanation",
        "The parameters are not the attention weights.",
        "incorrect",
        0,
        "the parameters are not the attention weights",
    ),
    # (marks) the parameters just after (self-)attention are the layer's, as in the possessive
    # (was for a person: attention weights called parameters)
    (
        "attn-q1",
        "d.explanation",
        "The self-attention parameters are W_Q, W_K and W_V; the attention weights are "
        "computed from the input, not learned.",
        "partial",
        1,
        "the self-attention parameters",
    ),
    (
        "attn-q1",
        "d.explanation",
        "The attention parameters are the projection matrices.",
        "incorrect",
        0,
        "the attention parameters",
    ),
    (
        "attn-q1",
        "d.explanation",
        "The attention scores are parameters.",
        "needs_review",
        0,
        "attention scores called parameters",
    ),
    # denied of the 1x1 convolution (or of nothing named), it is still a person's
    (
        "22-52-q4",
        "e.explanation",
        "The 1x1 convolution does not use the same weights at every pixel.",
        "needs_review",
        0,
        "the 1x1 convolution's weights denied",
    ),
]
# An abbreviation ends no sentence, and its letters are no words: "i.e." was read as the end
# of a sentence "… i", a sentence "e", and the rest, so a concept stated across it was missed
# (0 marks where the answer without it earned them).
MISMARKED += [
    (
        "22-52-q4",
        "e.explanation",
        "The attention weights, i.e. the softmax scores, are computed from the input.",
        "partial",
        0.5,
        "attention's weights computed from the input, across i.e.",
    ),
    (
        "22-52-q4",
        "e.explanation",
        "Y = XW is a position-wise, i.e. per-pixel, linear layer.",
        "partial",
        1,
        "a position-wise linear layer, across i.e.",
    ),
    (
        "22-52-q4",
        "e.explanation",
        "Y = XW is a position-wise (e.g. per-pixel) linear layer.",
        "partial",
        1,
        "a position-wise linear layer, across e.g.",
    ),
    (
        "22-52-q4",
        "e.explanation",
        "A convolution's weights (i.e. its kernel) are computed from the input.",
        "needs_review",
        0,
        "the convolution's weights data-dependent, across i.e.: a person reads it",
    ),
]


@pytest.mark.parametrize(
    ("rubric", "item", "answer", "verdict", "marks"),
    [pytest.param(*row[:5], id=row[5]) for row in MISMARKED],
)
def test_explanations_to_other_rubrics_get_the_marks_of_the_concepts_they_state(
    rubric, item, answer, verdict, marks
):
    loaded = load_rubric(ROOT / "rubrics" / f"{rubric}.yaml")
    result = grade_answer(loaded, loaded.items[item], answer)
    assert (result.verdict, result.marks) == (verdict, marks), result.feedback


# Statements that deny or reverse a concept, credited before (probe findings 1a): a negation
# later in the clause than three words before a match, "false", "wrong", "someone might say",
# "only one", a question, and a statement said of convolution that the concept says of
# attention (or of the standard convolution, of the separable one). None is credited: each goes
# to a person, and the feedback says why, in words true of the answer.
DENIED = [
    ("22-52-q4", "The same weight matrix is not used at every pixel.", "which denies it"),
    ("22-52-q4", "The same weights aren't used at every pixel.", "which denies it"),
    ("22-52-q4", "The same weights are never reused at another pixel.", "which denies it"),
    ("22-52-q4", "It is false that the same weights are used at every pixel.", 'says "false"'),
    (
        "22-52-q4",
        "Someone might say the same weights are used at every pixel, but that is wrong.",
        'says "wrong"',
    ),
    ("22-52-q4", "Some people think the same weights are used at every pixel.", "people think"),
    (
        "22-52-q4",
        "Using the same weights at every pixel is a common misconception.",
        'says "misconception"',
    ),
    ("22-52-q4", "The same weights are used at every pixel; that is wrong.", 'says "wrong"'),
    # A denial that looks ahead governs the whole statement it introduces, past the commas of
    # an opening phrase or of a phrase put in (textdeny 1); before, only its own clause.
    (
        "22-52-q4",
        "It is a myth that in a 1x1 conv, the same weights are used at every position.",
        'says "myth"',
    ),
    (
        "22-52-q4",
        "It is not true that in a 1x1 conv, the same weights are used at every position.",
        'says "not"',
    ),
    (
        "22-52-q4",
        "It is wrong to say that, in a 1x1 conv, the same weights are used at every position.",
        'says "wrong"',
    ),
    (
        "22-52-q4",
        "It is wrong to say that for a 1x1 conv, with C channels, the same weights are used at "
        "every position.",
        'says "wrong"',
    ),
    (
        "22-52-q4",
        "It is a myth that a 1x1 conv, like a dense layer, uses the same weights at every "
        "position.",
        'says "myth"',
    ),
    ("22-52-q4", "The same weights at every pixel? No.", "asked as a question"),
    ("22-52-q4", "The same weights are used at every pixel. That is not true.", "next sentence"),
    ("22-52-q4", "Only one pixel uses the same weights.", 'says "Only one"'),
    (
        "22-52-q4",
        "Convolution mixes all tokens with data-dependent weights, while attention uses fixed "
        "local weights.",
        'says it of "Convolution", the wrong way round',
    ),
    (
        "22-52-q4",
        "A convolution is data-dependent and attention is fixed.",
        # "and attention is fixed" has a subject of its own: its "attention" is not read with
        # the clause before (as "attention … data-dependent" said of the convolution)
        '"attention is fixed", which says otherwise',
    ),
    (
        "22-52-q4",
        "Attention uses fixed local weights while a convolution mixes all tokens with "
        "data-dependent weights.",
        "the wrong way round",
    ),
    ("22-52-q4", "Attention does not mix tokens with data-dependent weights.", "which denies it"),
    (
        "22-52-q4",
        "Convolution, unlike attention, mixes positions with data-dependent weights.",
        'says it of "Convolution", the wrong way round',
    ),
    (
        "22-52-q4",
        "Unlike attention, a convolution does not use fixed local weights; its weights mix "
        "positions by content.",
        "which denies it",
    ),
    (
        "22-52-q4",
        "The pixels are like tokens but the channels are not like the embedding dimension.",
        "beside a plain statement of it",
    ),
    (
        "dw-sep-q1",
        "The standard convolution needs about 1/D + 1/K^2 of the separable one's parameters, "
        "since the kernel is factored.",
        'says it of "standard", the wrong way round',
    ),
    (
        "dw-sep-q1",
        "It needs 1/D + 1/K^2 more parameters, since the kernel is factored.",
        '"1/D + 1/K^2 more", which says otherwise',
    ),
    (
        "dw-sep-q1",
        "Because the kernel is factored, it needs about 1/D + 1/K^2 fewer parameters than the "
        "standard one.",
        '"1/D + 1/K^2 fewer", which says otherwise',
    ),
    ("dw-sep-q1", "It needs 1/D + 1/K^2 times fewer parameters.", "which says otherwise"),
    ("dw-sep-q1", "It needs more parameters: about 1/D + 1/K^2 of them.", "which says otherwise"),
    (
        "dw-sep-q1",
        "the fraction is 1/D + 1/K^2 because the depthwise and pointwise steps are not separated",
        '"depthwise and pointwise steps are not separated", which denies it',
    ),
    (
        "dw-sep-q1",
        "It does not split the kernel into depthwise and pointwise parts; about 1/D + 1/K^2.",
        "which denies it",
    ),
    # Said of the wrong layer (textroles): the fraction in a clause that goes on from one about
    # the standard convolution (1); attention given the convolution's weights, with or without
    # naming the convolution (2); the pattern's role word after "unlike" is no negation of what
    # is said of the other (3). Before: credited (1, 2), or "a negation near …" (3).
    (
        "dw-sep-q1",
        "The standard convolution needs fewer parameters: about 1/D + 1/K^2 of them, because the "
        "kernel is factored.",
        'says it of "standard", the wrong way round',
    ),
    (
        "dw-sep-q1",
        "A standard convolution needs fewer parameters, about 1/D + 1/K^2 of them; the separable "
        "kernel is factored.",
        'says it of "standard", the wrong way round',
    ),
    (
        "22-52-q4",
        "Attention mixes positions with fixed, local weights.",
        '"Attention mixes positions with fixed", which says otherwise',
    ),
    (
        "22-52-q4",
        "Unlike a convolution, attention mixes positions with fixed, local weights.",
        'says it of "attention", the wrong way round',
    ),
    (
        "22-52-q4",
        "Unlike attention, convolution mixes all positions with data-dependent weights.",
        'says it of "convolution", the wrong way round',
    ),
    (
        "22-52-q4",
        "Unlike a convolution, attention has fixed local weights.",
        'says it of "attention", the wrong way round',
    ),
    # A statement the sentence denies ("a myth") is not said the wrong way round either: before,
    # "…, which says it of "attention", the wrong way round", untrue of the answer
    (
        "22-52-q4",
        "It is a myth that attention uses fixed weights, but in a 1x1 convolution the same "
        "weights are used at every position.",
        'the sentence also says "myth"',
    ),
    # What follows "rather than", "instead of" or "replaces … with" is denied, as after "no"
    # (textrather 1); before, it was credited as stated.
    (
        "dw-sep-q1",
        "The kernel is kept whole rather than factored; about 1/D + 1/K^2 of the parameters.",
        '"kernel is kept whole rather than factored", which denies it',
    ),
    (
        "dw-sep-q1",
        "About 1/D + 1/K^2 of the parameters, as a full kernel is learned instead of being "
        "factored.",
        'instead of being factored", which denies it',
    ),
    (
        "dw-sep-q1",
        "About 1/D + 1/K^2 of the parameters; it learns a full K x K kernel per channel pair "
        "rather than a depthwise and a pointwise part.",
        'rather than a depthwise and a pointwise", which denies it',
    ),
    (
        "attn-q1",
        "The projection matrices grow with N rather than being shared across tokens.",
        'rather than being shared across tokens", which denies it',
    ),
    # attention's mixing given to the convolution, "attention" unnamed (textwide 1); before: 0
    # with no word
    (
        "22-52-q4",
        "A conv attends to all tokens with data-dependent weights.",
        '"conv attends to all tokens with data-dependent", which says otherwise',
    ),
    ("22-52-q4", "CNNs attend to every position.", '"CNNs attend to every", which says otherwise'),
    (
        "22-52-q4",
        "A convolution's weights depend on the input.",
        '"convolution\'s weights depend on the input", which says otherwise',
    ),
    (
        "22-52-q4",
        "The convolution's weights are data-dependent.",
        '"convolution\'s weights are data-dependent", which says otherwise',
    ),
    (
        "22-52-q4",
        "A convolution has dynamic weights.",
        '"convolution has dynamic", which says otherwise',
    ),
    # …and what they state of the convolution is attention's, the wrong way round: named first
    # (textwide 1)
    (
        "22-52-q4",
        "Convolution uses data-dependent weights rather than fixed local ones.",
        '"Convolution uses data-dependent", which says otherwise',
    ),
    (
        "22-52-q4",
        "Convolution uses data-dependent weights instead of fixed local ones.",
        '"Convolution uses data-dependent", which says otherwise',
    ),
    (
        "22-52-q4",
        "Convolution replaces fixed local weights with data-dependent ones.",
        '"Convolution replaces fixed local weights with data-dependent", which says otherwise',
    ),
    # the words beside "/" are numerator over denominator: standard/separable is the wrong way
    # round (textover 3; before: 1 mark, and separable/standard went to a person)
    (
        "dw-sep-q1",
        "The ratio standard/separable is 1/D + 1/K^2",
        'which says it of "standard", the wrong way round',
    ),
    (
        "dw-sep-q1",
        "standard/separable = 1/D + 1/K^2",
        'which says it of "standard", the wrong way round',
    ),
    # said of two roles joined by "both", and the factoring of the standard convolution
    # (texts3 1, 3; before: 0.5 and 2 marks)
    (
        "22-52-q4",
        "Both CNNs and attention mix positions with data-dependent weights.",
        'which says it of both "attention" and "CNNs", the wrong way round for one of them',
    ),
    (
        "22-52-q4",
        "Attention and convolution both use fixed local weights.",
        'which says it of both "convolution" and "Attention", the wrong way round for one',
    ),
    (
        "dw-sep-q1",
        "About 1/D + 1/K^2 of them; the standard convolution factors the kernel into depthwise "
        "and pointwise parts.",
        '"standard convolution factors", which says otherwise',
    ),
    # the inverse ratio said of the separable convolution, or the standard one's "fewer"
    # (probe 10)
    (
        "dw-sep-q1",
        "The separable one needs D K^2/(D+K^2) times as many, because the kernel is factored.",
        '"separable one needs D K^2/(D+K^2) times as", which says otherwise',
    ),
    (
        "dw-sep-q1",
        "The standard one needs about D K^2/(D + K^2) times fewer, because the kernel is factored.",
        'times fewer", which says otherwise',
    ),
    # "/ parameters separable" is the denominator: the fraction is said of the standard one
    (
        "dw-sep-q1",
        "Parameters standard / parameters separable = 1/D + 1/K^2; the kernel is factored.",
        'which says it of "standard", the wrong way round',
    ),
    # said of a layer the concept does not speak of: said so, not "the wrong way round"
    ("22-52-q4", "The softmax is a position-wise linear layer.", 'which says it of "softmax")'),
    (
        "22-52-q4",
        "A 3x3 convolution uses the same weights at every pixel.",
        'at every pixel", which says it of "3x3")',
    ),
    (
        "22-52-q4",
        "A convolution is local, and so is attention.",
        'of both "convolution" and "attention", the wrong way round for one of them',
    ),
    # (tmarks) the statement said again is quoted whole
    (
        "22-52-q4",
        "A convolution is local, and attention is too.",
        '"convolution is local, and attention is too", which says it of both "convolution" and '
        '"attention", the wrong way round for one of them',
    ),
    # textD: equal weighting contradicts data-dependent mixing (a noun phrase after "so is":
    # see SAID_OF_BOTH)
    (
        "22-52-q4",
        "Attention weights every token equally.",
        '"Attention weights every token equally", which says otherwise',
    ),
]

# textA: the contradiction of a sentence that refers back, quoted from its own words; the
# fraction of one layer alone; the conclusion the other way round
DENIED += [
    (
        "attn-q1",
        "Attention is computed from data. Its weights are learned.",
        '"Its weights are learned", which says otherwise',
    ),
    (
        "attn-q1",
        "Projection matrices are the same for every token, so the count grows with N",
        '"count grows with N", which says otherwise',
    ),
    (
        "dw-sep-q1",
        "The depthwise convolution alone needs 1/D + 1/K^2 of the parameters",
        '"depthwise convolution alone needs 1/D + 1/K^2", which says otherwise',
    ),
    # F1: the projections' count said to grow with N by their size, they or it
    (
        "attn-q1",
        "The projection matrices are shared by all tokens, so their size grows with N.",
        '"matrices are shared by all tokens, so their size grows with N", which says otherwise',
    ),
    (
        "attn-q1",
        "The same projection matrices are used for every token. Their size grows with N.",
        '"Their size grows with N", which says otherwise',
    ),
    (
        "attn-q1",
        "The same projection matrices are used for every token. They scale with N.",
        '"They scale with N", which says otherwise',
    ),
    (
        "attn-q1",
        "The projections are shared by all tokens, so they grow with N.",
        '"projections are shared by all tokens, so they grow with N", which says otherwise',
    ),
    (
        "attn-q1",
        "W_Q is the same for every token. It depends on N.",
        '"It depends on N", which says otherwise',
    ),
    # F15: the quote of a next sentence's contradiction is its words, not only the pronoun
    (
        "dw-sep-q1",
        "The depthwise convolution filters each channel. It needs 1/D + 1/K^2 of the parameters.",
        '"It needs 1/D + 1/K^2", which says otherwise',
    ),
    # F11: nor cut mid-word
    (
        "dw-sep-q1",
        "A depthwise conv then a pointwise conv: the kernel is factored. Their ratio to the "
        "standard conv is 1/D + 1/K^2.",
        '"Their ratio to the standard conv is 1/D + 1/K^2", which says otherwise',
    ),
]

# The explanation item of each rubric, when it is not e.explanation
EXPLANATION = {"attn-q1": "d.explanation"}


@pytest.mark.parametrize(("rubric", "answer", "said"), DENIED)
def test_a_statement_that_denies_or_reverses_a_concept_goes_to_a_person(rubric, answer, said):
    loaded = load_rubric(ROOT / "rubrics" / f"{rubric}.yaml")
    result = grade_answer(loaded, loaded.items[EXPLANATION.get(rubric, "e.explanation")], answer)
    assert (result.verdict, result.marks) == ("needs_review", 0), result.feedback
    assert any(said in line for line in result.feedback), result.feedback
    assert not any(line.startswith("Found") and said in line for line in result.feedback)


# Right answers that the grader marked low without a word (probe findings 1b), and right
# answers with a negation, or a role word, elsewhere than in the statement: the statement keeps
# its credit.
NOT_DENIED = [
    (
        "22-52-q4",
        "A convolution does not mix all tokens; it uses the same weights at every pixel.",
        "partial",
        1,
        "a negation in the clause before the statement",
    ),
    (
        "22-52-q4",
        "A convolution does not mix all tokens, and it uses the same weights at every pixel.",
        "partial",
        1,
        "a negation before ', and'",
    ),
    (
        "22-52-q4",
        "No, the same weights are used at every pixel.",
        "partial",
        1,
        "a 'No,' before the statement",
    ),
    (
        "22-52-q4",
        "Using different weights would be wrong; the same weights are used at every pixel.",
        "partial",
        1,
        "'wrong' in the part before the statement",
    ),
    (
        "22-52-q4",
        "Only one weight matrix is used for all pixels.",
        "partial",
        1,
        "'only one' before 'all' limits nothing",
    ),
    (
        "22-52-q4",
        "A 1x1 convolution is nothing but a position-wise linear layer.",
        "partial",
        1,
        "'nothing but' states it",
    ),
    (
        "22-52-q4",
        "Pixels: tokens. Channels: embedding.",
        "needs_review",
        0,
        "an analogy written with colons goes to a person",
    ),
    (
        "dw-sep-q1",
        "The ratio is (K^2C + C + CD + D)/(K^2CD + D), since the kernel is factored.",
        "correct",
        2,
        "the exact fraction with biases",
    ),
    (
        "dw-sep-q1",
        "It needs about 1/D + 1/K^2 of the parameters of a standard convolution, because the "
        "kernel is factored.",
        "correct",
        2,
        "the standard convolution named as what is compared with",
    ),
    # A negation or a denial word counts against a match only where it governs the match's
    # own clause, and a role word only in the match's own clause (probe2 findings 7).
    (
        "22-52-q4",
        "It is a position-wise linear layer with shared weights, just like the Transformer's "
        "projections Q = XW_Q. Treating pixels as tokens and channels as embedding dimensions, "
        "there is no difference except that attention mixes tokens with data-dependent weights.",
        "correct",
        3,
        "'no difference except that' states what follows",
    ),
    (
        "22-52-q4",
        "Unlike a fully connected layer, which has different weights for every position, a 1x1 "
        "convolution uses the same weights at every position: a position-wise linear layer.",
        "partial",
        1,
        "'unlike …, which …' describes the other layer",
    ),
    (
        "22-52-q4",
        "A CNN is not so different from a Transformer: the 1x1 conv is a position-wise linear "
        "layer with shared weights, as in the Transformer's feed-forward layers.",
        "partial",
        1.5,
        "'not so different' in the clause before the colon",
    ),
    (
        "dw-sep-q1",
        "About 1/D + 1/K^2 of the parameters, because a full K x K x C x D kernel is factored "
        "into depthwise and pointwise parts.",
        "correct",
        2,
        "'full' said of the kernel in another clause",
    ),
    (
        "dw-sep-q1",
        "About 1/D + 1/K^2 of the parameters, because the kernel is factored into a depthwise "
        "and a pointwise step, not one full kernel.",
        "correct",
        2,
        "'not one full kernel' in a clause of its own",
    ),
    (
        "dw-sep-q1",
        "About 1/D + 1/K^2 of the standard convolution's parameters, because a standard "
        "convolution learns a full kernel while the separable one factors it.",
        "correct",
        2,
        "'standard' compared with, then said in another clause",
    ),
    (
        "dw-sep-q1",
        "It needs about 1/D + 1/K^2 of the parameters, because the kernel is factored; is that "
        "not much fewer?",
        "correct",
        2,
        "a question in a part of its own",
    ),
    (
        "dw-sep-q1",
        "About 1/D + 1/K^2 of the parameters; it is wrong to think it learns a full kernel, the "
        "kernel is factored.",
        "correct",
        2,
        "'wrong to think' governs its own clause",
    ),
    (
        "22-52-q4",
        "It is wrong to think convolutions mix positions by content, in a 1x1 conv the same "
        "weights are used at every position.",
        "partial",
        1,
        "'wrong to think' governs a whole statement, not the one after its comma",
    ),
    (
        "22-52-q4",
        "It is a myth that attention uses fixed weights, but in a 1x1 conv the same weights are "
        "used at every position.",
        "partial",
        1,
        "'a myth that' governs its statement, not the one after ', but'",
    ),
    # The fraction in a clause that goes on from one about the separable convolution, or after
    # a clause beginning with "since" (not what the statement is about), keeps its credit; a
    # property of the convolution said of it, with attention only compared or in another
    # statement, is no contradiction (textroles).
    (
        "dw-sep-q1",
        "The separable convolution needs fewer parameters: about 1/D + 1/K^2 of them, because "
        "the kernel is factored.",
        "correct",
        2,
        "the fraction in a clause going on from the separable convolution's",
    ),
    (
        "dw-sep-q1",
        "Since the full kernel is factored, it needs about 1/D + 1/K^2 of the parameters.",
        "correct",
        2,
        "a role word in a 'since' clause is not what the next clause speaks of",
    ),
    (
        "dw-sep-q1",
        "The separable convolution, not the standard one, needs about 1/D + 1/K^2 of the "
        "parameters, because the kernel is factored.",
        "correct",
        2,
        "a clause going on past ', not the standard one,' speaks of the separable convolution",
    ),
    (
        "22-52-q4",
        "Attention, not convolution, mixes positions with data-dependent weights.",
        "partial",
        0.5,
        "a clause going on past ', not convolution,' speaks of attention",
    ),
    (
        "22-52-q4",
        "The convolution is fixed, whereas attention, being data-dependent, mixes all positions.",
        "partial",
        0.5,
        "a clause going on from ', whereas attention,' speaks of attention",
    ),
    (
        "22-52-q4",
        "Compared to attention a convolution has fixed local weights.",
        "partial",
        0.5,
        "fixed weights said of the convolution, attention compared with",
    ),
    (
        "22-52-q4",
        "Attention mixes all positions with data-dependent weights instead of fixed, local "
        "weights.",
        "partial",
        0.5,
        "'instead of fixed, local weights' is another statement than attention's",
    ),
    (
        "22-52-q4",
        "Attention mixes all positions with data-dependent weights rather than fixed local "
        "weights.",
        "partial",
        0.5,
        "'rather than fixed local weights' is another statement than attention's",
    ),
    # "fewer" contradicts the fraction only after it in its clause ("1/D + 1/K^2 fewer"): a
    # share of them is fewer (textdeny 3)
    (
        "dw-sep-q1",
        "It needs fewer parameters: about 1/D + 1/K^2 of them.",
        "partial",
        1,
        "'fewer parameters: about … of them'",
    ),
    (
        "dw-sep-q1",
        "It needs far fewer parameters, about 1/D + 1/K^2 of them, because the kernel is factored.",
        "correct",
        2,
        "'far fewer parameters, about … of them'",
    ),
    (
        "dw-sep-q1",
        "It needs about 1/D + 1/K^2 of the parameters, far fewer than a standard convolution.",
        "partial",
        1,
        "'… of the parameters, far fewer'",
    ),
    # A pattern's words read plainly from a later word of a group ("its weights are fixed")
    # when its first words in the window are denied ("does not mix … weights") (textdeny 2).
    (
        "22-52-q4",
        "Unlike attention, a convolution does not mix positions with data-dependent weights; its "
        "weights are fixed and local.",
        "partial",
        0.5,
        "'unlike …, … does not mix …; its weights are fixed'",
    ),
    (
        "22-52-q4",
        "Unlike attention, a convolution does not mix positions with data-dependent weights, its "
        "weights are fixed and local.",
        "partial",
        0.5,
        "'unlike …, … does not mix …, its weights are fixed'",
    ),
    # attention only compared with, and the convolution's own fixed weights stated plainly:
    # "mixes positions" is said of the convolution rightly (textrather 3); before, to a person
    # as attention's mixing "the wrong way round"
    (
        "22-52-q4",
        "Unlike attention, a convolution mixes positions with fixed local weights.",
        "partial",
        0.5,
        "'unlike attention, a convolution mixes positions with fixed local weights'",
    ),
    (
        "22-52-q4",
        "Compared to attention, a convolution mixes positions with fixed weights.",
        "partial",
        0.5,
        "'compared to attention, a convolution mixes positions with fixed weights'",
    ),
    # "ones" is no "one" of `one weight* position*`: the position-wise map was told denied by
    # "not data-dependent ones", or credited for "fixed local ones" (textrather 4)
    (
        "22-52-q4",
        "A convolution mixes positions with fixed weights, not data-dependent ones.",
        "partial",
        0.5,
        "'not data-dependent ones' denies no position-wise map",
    ),
    (
        "22-52-q4",
        "Attention mixes all positions with data-dependent weights; a convolution instead uses "
        "fixed local ones.",
        "partial",
        0.5,
        "'fixed local ones' is no position-wise map, and 'instead' alone denies nothing",
    ),
    (
        "dw-sep-q1",
        "The ratio separable/standard is 1/D + 1/K^2",
        "partial",
        1,
        "separable/standard: the separable count over the standard one's",
    ),
    (
        "dw-sep-q1",
        "The ratio separable / standard is 1/D + 1/K^2, because the kernel is factored.",
        "correct",
        2,
        "separable / standard, spaced",
    ),
]


@pytest.mark.parametrize(
    ("rubric", "answer", "verdict", "marks"),
    [pytest.param(*row[:4], id=row[4]) for row in NOT_DENIED],
)
def test_a_statement_with_a_negation_elsewhere_keeps_its_credit(rubric, answer, verdict, marks):
    loaded = load_rubric(ROOT / "rubrics" / f"{rubric}.yaml")
    result = grade_answer(loaded, loaded.items["e.explanation"], answer)
    assert (result.verdict, result.marks) == (verdict, marks), result.feedback


@pytest.mark.parametrize(
    ("written", "same_as"),
    [
        ("1/K^2", "1/k^2"),
        ("1/K²", "1/k^2"),
        ("1/K**2", "1/k^2"),
        ("1/(K*K)", "1/k^2"),
        ("1/K^{2}", "1/k^2"),
        (r"\frac{1}{K^2}", "1/k^2"),
        (r"\dfrac1{K^2}", "1/k^2"),
        ("K^{-2}", "1/k^2"),
        ("1/D + 1/K^2", "1/d+1/k^2"),
        ("1/K^2 + 1/D", "1/d+1/k^2"),
        ("(K^2 + D)/(D K^2)", "1/d+1/k^2"),
        ("(K^2 C + C D)/(K^2 C D)", "1/d+1/k^2"),
        (r"\frac{1}{D}+\frac{1}{K^{2}}", "1/d+1/k^2"),
        ("1/DK", "1/(d*k)"),
        ("D K^2/(D + K^2)", "dk^2/(d+k^2)"),
        ("XW_Q", "xw_q"),
        ("X*W_{Q}", "x*w_q"),
    ],
)
def test_a_maths_alternative_fits_the_same_quantity_however_it_is_written(written, same_as):
    from grader.kinds.text.maths import canonical, forms

    assert canonical(same_as) is not None
    assert canonical(written.replace(" ", "")) == canonical(same_as)
    assert canonical(same_as) in [form for _, _, form in forms(f"It is {written} of them.")]


@pytest.mark.parametrize(
    ("written", "other"),
    [
        ("1/D + 1/K", "1/d+1/k^2"),
        ("1/D - 1/K^2", "1/d+1/k^2"),
        ("D + K^2", "1/d+1/k^2"),
        ("1/K", "1/k^2"),
        ("K^2", "1/k^2"),
        ("1/K^3", "1/k^2"),
        ("1/K^2D", "1/k^2"),
        # a lone capital before the maths is a factor of it (probe 10)
        ("D K^2/(D + K^2)", "k^2/(d+k^2)"),
    ],
)
def test_a_maths_alternative_does_not_fit_another_quantity(written, other):
    from grader.kinds.text.maths import canonical, forms

    assert canonical(other) not in [form for _, _, form in forms(f"It is {written} of them.")]


@pytest.mark.parametrize(
    ("text", "form"),
    [
        # the article A, a lone capital before a number, and a word are no factor of the maths
        ("A K^2/(D + K^2) of them.", "k^2/(d+k^2)"),
        ("For D 1/K^2 of them.", "1/k^2"),
        ("The standard one needs K^2/(D + K^2) of them.", "k^2/(d+k^2)"),
    ],
)
def test_only_a_lone_capital_symbol_before_maths_is_a_factor_of_it(text, form):
    from grader.kinds.text.maths import forms

    assert [found for _, _, found in forms(text)] == [form]


@pytest.mark.parametrize(
    "unread",
    ["k^n", "1/0", "k^99", r"\sqrt{k}", "(k+1", "1/d 1/k^2 = 3"],
)
def test_maths_the_reader_cannot_read_has_no_form(unread):
    from grader.kinds.text.maths import canonical

    assert canonical(unread) is None


@pytest.mark.parametrize(
    "answer",
    [
        "(" * 150 + "K" + ")" * 150,
        "(" * 196 + "K/D",
        "(" * 98 + "K/D" + ")" * 98,
        "(K+D+C+P+Q+1)^8 (K+D+C+P+Q+2)^8 / (K+D)^8",
        "1/" * 300 + "K",
        "K^99999999999 " * 50,
        "1/D + 1/K^2 " * 400,
    ],
)
def test_hostile_maths_in_an_answer_is_read_quickly_or_not_at_all(answer):
    import time

    rubric = load_rubric(ROOT / "rubrics" / "dw-sep-q1.yaml")
    sentences.cache_clear()
    started = time.perf_counter()
    result = grade_answer(rubric, rubric.items["e.explanation"], answer)
    assert result.verdict in ("correct", "partial", "incorrect", "needs_review")
    assert time.perf_counter() - started < 2


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.sampled_from(
            [
                "1",
                "2",
                "K",
                "D",
                "CD",
                "the",
                "kernel",
                "/",
                "^",
                "²",
                "+",
                "-",
                " - ",
                "*",
                "(",
                ")",
                "{",
                "}",
                "\\frac",
                "\\sqrt",
                "_",
                " ",
                "=",
                ",",
                "0",
                "99",
                "-2",
            ]
        ),
        max_size=40,
    ).map("".join)
)
def test_reading_the_maths_of_any_text_never_fails_and_stays_within_it(text):
    from grader.kinds.text.maths import forms

    for start, end, form in forms(text):
        assert 0 <= start < end <= len(text) and form


def test_a_maths_alternative_that_cannot_be_read_is_pointed_out_by_the_rubric_check():
    from grader.rubric import load_rubric_text
    from grader.rubric_check import check_rubric

    path = ROOT / "rubrics" / "dw-sep-q1.yaml"
    text = path.read_text(encoding="utf-8").replace("'1/d+1/k^2'", "'1/d+1/k^n'")
    problems = [p.message for p in check_rubric(load_rubric_text(text, "dw.yaml"))]
    assert any("'1/d+1/k^n' has an operator, so it is maths" in m for m in problems), problems


def test_there_are_at_least_thirty_explanations():
    assert len(EXPLANATIONS) >= 30


def test_feedback_quotes_what_matched_and_names_what_is_missing():
    result = grade_answer(RUBRIC, ITEM, "Y = XW is a position-wise linear layer.")
    found = [f for f in result.feedback if f.startswith("Found")]
    missing = [f for f in result.feedback if f.startswith("Missing")]
    assert len(found) == 1 and '"position-wise linear"' in found[0]
    assert len(missing) == 3
    assert any("tokens" in m for m in missing)


# Of the windows where a pattern matches, the one credited is the tightest: its quote shows the
# words that earned it, not words of another clause (probe2 finding 17).
@pytest.mark.parametrize(
    ("answer", "concept", "quoted"),
    [
        (
            "Both use the same weights at every position, making it a position-wise linear "
            "layer; but attention mixes all tokens with data-dependent weights, and convolution "
            "does not.",
            "the difference: attention mixes positions",
            "attention mixes all",
        ),
        # (tmarks) said of the 1x1 convolution and another joined by "both": quoted with both
        (
            "Both the 1x1 and 3x3 convolutions use the same weights at every pixel.",
            "a 1x1 convolution applies the same linear map",
            "1x1 and 3x3 convolutions use the same weights at every pixel",
        ),
        (
            "The same weights are used at every position; attention weighs all tokens by their "
            "content.",
            "the difference: attention mixes positions",
            "attention weighs all",
        ),
    ],
)
def test_the_quote_of_a_credited_concept_shows_the_words_that_earned_it(answer, concept, quoted):
    result = grade_answer(RUBRIC, ITEM, answer)
    found = [f for f in result.feedback if f.startswith("Found") and concept in f]
    assert found, result.feedback
    assert found[0].endswith(f'("{quoted}")'), found


def test_a_doubtful_answer_shows_its_provisional_marks_and_why():
    result = grade_answer(RUBRIC, ITEM, "The weights are not the same at every position.")
    assert result.feedback[0].startswith("An instructor will check this answer: a negation")
    assert "The machine's reading earns 0 of 3" in result.feedback[0]


# (tboth) A statement of the 1x1 convolution and another layer, joined by "both" or said again of
# the other ("…, and so is X", "as does X", "X too"), earns the 1x1 convolution's concept, but
# the machine cannot tell whether it is true of the other layer: a person checks, the concept
# credited provisionally. True of the other ("a 3x3 convolution uses the same weights at every
# pixel") or not ("a 3x3 convolution is a position-wise linear layer"), alike. Before, "both"
# earned the concept silently (partial, 1) and "and so is …" none (for a person, 0 of 3):
# the rows of tmarks and F3 (and textD's "so is max pooling") moved here from EXPLANATIONS and
# DENIED, which did not look at the provisional marks.
SAID_OF_BOTH = [
    ("Both the 1x1 and 3x3 convolutions use the same weights at every pixel.", "3x3", "both, true"),
    ("Both the 1x1 and 3x3 convolutions are position-wise linear layers.", "3x3", "both, false"),
    (
        "Both the 1x1 convolution and the softmax are position-wise linear layers.",
        "softmax",
        "both, the softmax",
    ),
    (
        "Both the 3x3 and the 1x1 convolutions use the same weights at every pixel.",
        "3x3",
        "both, the 3x3 first",
    ),
    (
        "The 1x1 and 3x3 convolutions both use the same weights at every pixel.",
        "3x3",
        "both after the two",
    ),
    (
        "A 1x1 convolution uses the same weights at every pixel, and so does a 3x3 convolution.",
        "3x3",
        "and so does a 3x3 convolution, true",
    ),
    (
        "A 1x1 convolution is a position-wise linear layer, and so is a 3x3 convolution.",
        "3x3",
        "and so is a 3x3 convolution, false",
    ),
    (
        "A 1x1 convolution is a position-wise linear layer, and so is a 3x3 conv.",
        "3x3",
        "and so is a 3x3 conv",
    ),
    (
        "A 1x1 convolution is a position-wise linear layer, and so is max pooling.",
        "pooling",
        "and so is max pooling",
    ),
    (
        "A 1x1 convolution is a position-wise linear layer, and so is the softmax layer.",
        "softmax",
        "and so is the softmax layer",
    ),
    (
        "A 1x1 convolution uses the same weights at every pixel, and so does the softmax.",
        "softmax",
        "and so does the softmax",
    ),
    (
        "A 1x1 convolution applies the same linear map at every pixel, as does a 3x3 convolution.",
        "3x3",
        "as does a 3x3 convolution",
    ),
    (
        "A 1x1 convolution is a position-wise linear map, and a 3x3 convolution too.",
        "3x3",
        "and a 3x3 convolution too",
    ),
    (
        "A 1x1 convolution uses the same weights at every pixel, and so does a 3x3 convolution, "
        "so both are position-wise.",
        "3x3",
        "and so does a 3x3 convolution, so both",
    ),
]


@pytest.mark.parametrize(
    ("answer", "other"), [pytest.param(a, o, id=i) for a, o, i in SAID_OF_BOTH]
)
def test_a_statement_of_the_1x1_convolution_and_another_is_credited_provisionally(answer, other):
    result = grade_answer(RUBRIC, ITEM, answer)
    assert (result.verdict, result.marks) == ("needs_review", 0), result.feedback
    note = result.feedback[0]
    assert note.startswith("An instructor will check this answer: the answer says '"), note
    assert (
        f"of both '1x1' and '{other}', credited for '1x1'; a person checks whether it is true "
        f"of '{other}' too" in note
    ), note
    assert "The machine's reading earns 1 of 3; provisional" in note, note
    assert any(line.startswith("Found (+1): a 1x1 convolution") for line in result.feedback)


@pytest.mark.parametrize(
    ("word", "stemmed"),
    [
        ("weights", "weight"),
        ("shared", "shar"),
        ("sharing", "shar"),
        ("tokens", "token"),
        ("identities", "identity"),
        ("position-wise", "positionwis"),
        ("mixes", "mix"),
        ("share", "shar"),  # as "shared" and "shares" (probe 10: "Tokens share the weights" was 0)
        ("shares", "shar"),
        ("same", "same"),  # a final e is kept where fewer than four letters would remain
        ("ones", "ones"),  # "fixed ones" is no "one weight matrix" (textrather 4)
    ],
)
def test_stems_are_light_and_predictable(word, stemmed):
    assert stem(word) == stemmed


def test_a_pattern_matches_in_any_order_within_a_sentence():
    pattern = Pattern.compile("same|shared weight* position*")
    assert find(pattern, sentences("At every position the weights are shared.")[0])
    assert find(pattern, sentences("Weights differ. The same position.")[0]) is None


@pytest.mark.parametrize(
    ("sentence", "matched"),
    [
        pytest.param("The same weights for every token.", True, id="no ! word"),
        pytest.param("The attention weights are the same for every token.", False, id="just after"),
        pytest.param("The attention's weights are shared by all tokens.", False, id="possessive"),
        pytest.param(
            "Attention uses the same weights for every token.", True, id="not just before"
        ),
        pytest.param(
            "Unlike attention, weights are the same for every token.", True, id="another clause"
        ),
        pytest.param(
            "The attention weights differ, but the projection weights are the same for every "
            "token.",
            True,
            id="another word of the group",
        ),
    ],
)
def test_a_not_after_group_leaves_out_the_words_just_after_its_words(sentence, matched):
    """`!attention` (texts3 2): a word of the match just after one of its words, in its clause,
    is that word's ("the attention weights"), and fits no group."""
    pattern = Pattern.compile("!attention same|shared weight* token*")
    assert pattern.groups == Pattern.compile("same|shared weight* token*").groups
    assert (find(pattern, sentences(sentence)[0]) is not None) == matched


@pytest.mark.parametrize(
    ("text", "malformed"),
    [
        ("!attention same weight*", False),
        ("same weight* > token* !attention", False),
        ("!attention", True),
        ("!", True),
        ("!attention token* ~ pixel*", True),
        ("same weight*", False),
    ],
)
def test_a_not_after_group_stands_beside_word_groups_outside_a_pairing(text, malformed):
    pattern = Pattern.compile(text)
    assert pattern.malformed_not_after == malformed
    assert not pattern.malformed_order


@pytest.mark.parametrize(
    ("text", "sentence", "matched"),
    [
        pytest.param("a > b c > d", "a b c d", True, id="two > in order"),
        pytest.param("a > b c > d", "c d b a", False, id="the first > out of order"),
        pytest.param("a > b c > d", "a b d c", False, id="the second > out of order"),
        pytest.param("a > b c > d", "d c b a", False, id="both out of order"),
        pytest.param("a > b c > d", "a, b c d", False, id="a > across a clause"),
        pytest.param("a > b > c", "a b c", True, id="a chain in order"),
        pytest.param("a > b > c", "a c b", False, id="a chain out of order"),
        pytest.param("a > b > c", "b a c", False, id="a chain's first two out of order"),
    ],
)
def test_several_orders_each_order_their_two_groups(text, sentence, matched):
    """`a > b c > d` (textA): each `>` orders the groups either side of it, in one clause."""
    pattern = Pattern.compile(text)
    assert not pattern.malformed_order
    assert (find(pattern, sentences(sentence)[0]) is not None) == matched


@pytest.mark.parametrize("text", ["> a b", "a b >", "a > > b", "a > b ~ c", "a ~ b > c", ">"])
def test_an_order_not_between_two_groups_is_malformed(text):
    assert Pattern.compile(text).malformed_order


PAIRINGS = (
    Pattern.compile("token* ~ pixel*|position*"),
    Pattern.compile("channel* ~ embed*|feature*|dimension*"),
)


@pytest.mark.parametrize(
    ("sentence", "pairs"),
    [
        pytest.param(
            "Pixels play the role of tokens and channels the embedding dimension.",
            [("Pixels", "tokens"), ("channels", "embedding")],
            id="two pairs in order, a restated side absorbed",
        ),
        pytest.param(
            "Channels play the role of tokens and pixels the role of the embedding.",
            [("Channels", "tokens"), ("pixels", "embedding")],
            id="pairs the wrong way round are read as written",
        ),
        pytest.param(
            "The positions (pixels) are the tokens.",
            [("positions", "tokens")],
            id="a restatement of one side is not a pair",
        ),
        pytest.param(
            "The input features at each spatial position are identical.",
            [],
            id="words of two pairings side by side without a relation are no pair",
        ),
        pytest.param(
            "Tokens ~ pixels, position ~ channel.",
            [("Tokens", "pixels"), ("position", "channel")],
            id="a comma ends a clause and its pair",
        ),
    ],
)
def test_pairings_are_read_two_by_two_within_a_clause(sentence, pairs):
    read = read_pairs(PAIRINGS, sentences(sentence)[0])
    assert [(a.text, b.text) for a, b in read] == pairs


@pytest.mark.parametrize(
    ("answer", "pair"),
    [
        pytest.param(
            "Channels play the role of tokens and pixels the role of the embedding dimension.",
            "'Channels' with 'tokens'",
            id="channels as tokens",
        ),
        pytest.param(
            "Pixels are like channels and tokens are like the embedding dimension.",
            "'Pixels' with 'channels'",
            id="pixels as channels",
        ),
        pytest.param(
            "X = [x_1 ... x_P]^T, pixels of all channels. Tokens ~ pixels, position ~ channel. "
            "Transformer: X = [x_1 ... x_N]^T, tokens embedded with position; "
            "Q = XW_Q, K = XW_K, V = XW_V.",
            "'position' with 'channel'",
            id="the seed student 2's mapping, half of it crossed",
        ),
    ],
)
def test_an_analogy_the_wrong_way_round_is_not_credited_but_sent_for_review(answer, pair):
    result = grade_answer(RUBRIC, ITEM, answer)
    assert result.verdict == "needs_review" and result.marks == 0
    assert f"the answer pairs {pair}" in result.feedback[0]
    tokens_concept = "the PQ positions (pixels) play the role of tokens"
    assert any(f.startswith(f"Not credited: {tokens_concept}") for f in result.feedback)
    assert not any(f.startswith("Found") and tokens_concept in f for f in result.feedback)


def _grade(tmp_path, explanation: str, out: Path) -> None:
    folder = tmp_path / "subs"
    folder.mkdir(exist_ok=True)
    (folder / "s.yaml").write_text(
        f"student: s\nquestion: 22-52-Q4\nanswers:\n  e:\n    explanation: '{explanation}'\n",
        encoding="utf-8",
    )
    assert main(["grade", str(folder), "--rubric", str(RUBRIC_PATH), "--out", str(out)]) == 0


def test_an_override_survives_a_regrade_and_shows_in_the_html_and_the_csv(tmp_path, capsys):
    out = tmp_path / "out"
    db = out / "gradebook.sqlite"
    _grade(tmp_path, "token pixel channel embedding transformer linear", out)
    assert main(["review", "--db", str(db)]) == 0
    assert "e.explanation (1): s" in capsys.readouterr().out
    assert (
        main(["override", "--db", str(db), "s", "e.explanation", "2", "--note", "fair, if terse"])
        == 0
    )
    _grade(tmp_path, "token pixel channel embedding transformer linear", out)
    page = (out / "students" / page_name("s")).read_text(encoding="utf-8")
    assert "Marks set by an instructor: 2/3: fair, if terse" in page
    grades = out / "instructor" / "grades.csv"
    rows = list(csv.reader(io.StringIO(grades.read_text(encoding="utf-8"))))
    assert rows[1][5] == "2"
    capsys.readouterr()
    assert main(["review", "--db", str(db)]) == 0
    assert "e.explanation" not in capsys.readouterr().out
    again = tmp_path / "again"
    assert main(["report", "--db", str(db), "--out", str(again)]) == 0
    again_page = again / "students" / page_name("s")
    assert "Marks set by an instructor" in again_page.read_text(encoding="utf-8")


def test_the_review_queue_shows_an_answers_line_breaks_as_breaks_not_question_marks(
    tmp_path, capsys
):
    folder = tmp_path / "subs"
    folder.mkdir()
    (folder / "s.yaml").write_text(
        "student: s\nquestion: 22-52-Q4\nanswers:\n  e:\n    explanation: |\n"
        "      token pixel channel\n      embedding transformer linear\n",
        encoding="utf-8",
    )
    out = tmp_path / "out"
    assert main(["grade", str(folder), "--rubric", str(RUBRIC_PATH), "--out", str(out)]) == 0
    capsys.readouterr()
    assert main(["review", "--db", str(out / "gradebook.sqlite")]) == 0
    shown = capsys.readouterr().out
    assert "answer: token pixel channel ↵ embedding transformer linear" in shown


def test_an_override_is_flagged_not_applied_when_the_answer_changed(tmp_path, capsys):
    out = tmp_path / "out"
    db = out / "gradebook.sqlite"
    _grade(tmp_path, "Y = XW is a position-wise linear layer.", out)
    assert main(["override", "--db", str(db), "s", "e.explanation", "3"]) == 0
    _grade(tmp_path, "Something else entirely.", out)
    page = (out / "students" / page_name("s")).read_text(encoding="utf-8")
    assert 'data-verdict="awaiting_review"' in page  # the student reads that it awaits review
    assert "the answer has changed since" not in page  # why is the instructor's to read
    results = json.loads((out / "instructor" / "results.json").read_text(encoding="utf-8"))
    feedback = results["results"][0]["items"]["e.explanation"]["feedback"]
    assert "the answer has changed since, so it needs review again" in feedback[0]
    capsys.readouterr()
    assert main(["review", "--db", str(db)]) == 0
    assert "Something else entirely." in capsys.readouterr().out
    with sqlite3.connect(db) as connection:
        assert connection.execute("SELECT COUNT(*) FROM overrides").fetchone() == (1,)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["nobody", "e.explanation", "1"], "no result for student 'nobody'"),
        (["s", "e.explanation", "4"], "marks must be between 0 and 3"),
    ],
)
def test_an_impossible_override_is_refused(tmp_path, capsys, args, message):
    out = tmp_path / "out"
    _grade(tmp_path, "anything", out)
    capsys.readouterr()
    assert main(["override", "--db", str(out / "gradebook.sqlite"), *args]) == 2
    assert message in capsys.readouterr().err


NOT_UTF8 = os.fsdecode(b"A\xffda")  # a byte of a command line that is not UTF-8, as Python reads it


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["s", "e.explanation", "1", "--note", NOT_UTF8], "--note A?da: not valid UTF-8 text"),
        (["s", "e.explanation", "1", "--reviewer", NOT_UTF8], "--reviewer A?da: not valid"),
        ([NOT_UTF8, "e.explanation", "1"], "STUDENT ITEM MARKS A?da: not valid UTF-8 text"),
    ],
    ids=["a note", "a reviewer", "a student"],
)
def test_an_override_with_text_that_is_not_utf8_is_a_usage_error(tmp_path, capsys, args, message):
    # Found by the lead: the gradebook could not store the text, and a traceback followed.
    out = tmp_path / "out"
    _grade(tmp_path, "anything", out)
    capsys.readouterr()
    with pytest.raises(SystemExit) as exited:
        main(["override", "--db", str(out / "gradebook.sqlite"), *args])
    assert exited.value.code == 2
    assert message in capsys.readouterr().err


def test_review_into_a_closed_pipe_ends_quietly(tmp_path):
    out = tmp_path / "out"
    _grade(tmp_path, "token pixel channel embedding transformer linear", out)
    read_end, write_end = os.pipe()
    os.close(read_end)  # the reader has gone before the first line, as `| head -1` soon does
    try:
        completed = subprocess.run(
            [sys.executable, "-m", "grader", "review", "--db", str(out / "gradebook.sqlite")],
            stdout=write_end,
            stderr=subprocess.PIPE,
            text=True,
            timeout=300,
            cwd=ROOT,
        )
    finally:
        os.close(write_end)
    assert completed.returncode in (0, 141)
    assert completed.stderr == ""


@pytest.mark.parametrize(
    ("answer", "why"),
    [
        (
            "1x1 卷积在每个位置上使用同一个线性映射（共享的 C×D 权重矩阵 W），"
            "相当于逐位置的线性层。把 PQ 个像素位置看作 token，通道看作嵌入维度。",
            "another alphabet",
        ),
        (
            "Свёртка 1x1 применяет одну и ту же линейную карту в каждой позиции: пиксели играют "
            "роль токенов, а каналы роль эмбеддингов.",
            "another alphabet",
        ),
        (
            "Una convolución 1x1 aplica los mismos pesos en cada posición: es una capa lineal por "
            "posición. Los píxeles son como los tokens y los canales la dimensión del embedding.",
            "a language other than English",
        ),
        (
            "Une convolution 1x1 applique les mêmes poids à chaque position : c'est une couche "
            "linéaire par position. Les pixels sont les tokens et les canaux la dimension.",
            "a language other than English",
        ),
        (
            "Eine 1x1-Faltung wendet an jeder Position dieselben Gewichte an und ist eine "
            "positionsweise lineare Schicht; die Pixel sind die Tokens, die Kanäle das Embedding.",
            "a language other than English",
        ),
    ],
    ids=["Chinese", "Russian", "Spanish", "French", "German"],
)
def test_an_explanation_not_in_english_goes_to_a_person_not_to_0(answer, why):
    # Found by a hostile-input sweep: a right explanation in Chinese, Russian or Spanish was
    # incorrect, 0/3, final: the concepts are read in English.
    result = grade_answer(RUBRIC, ITEM, answer)
    assert result.verdict == "needs_review", result.feedback
    assert why in result.feedback[0]


@pytest.mark.parametrize(
    "answer",
    [
        STRONG,
        STRONG + " As the French say, c'est la vie: le mot juste.",
        "Y = XW: the σ of each row is applied per position, as in a position-wise linear layer.",
    ],
    ids=["English", "English with a French phrase", "English with Greek letters"],
)
def test_an_explanation_in_english_is_not_said_to_be_in_another_language(answer):
    result = grade_answer(RUBRIC, ITEM, answer)
    assert not any("another alphabet" in f or "other than English" in f for f in result.feedback)


@pytest.mark.parametrize(
    ("answer", "read"),
    [
        (
            "Pixels are tokens. Channels are embeddings.",
            ["Pixels are tokens", "Channels are embeddings"],
        ),
        ("Pixels, i.e. tokens, share W.", ["Pixels tokens share W"]),
        (
            "Transformers, e.g. ViT, read pixels as tokens.",
            ["Transformers ViT read pixels as tokens"],
        ),
        ("Transformers, E.g. ViT, eg. DeiT, ie. both", ["Transformers ViT DeiT both"]),
        ("The FFN (cf. Fig. 2) is position-wise.", ["The FFN Fig 2 is position-wise"]),
        ("See Eq. 3 and Fig. 4.", ["See Eq 3 and Fig 4"]),
        ("No. It is local.", ["No", "It is local"]),
        ("Is it global? No. It is local!", ["Is it global", "No", "It is local"]),
        (
            "pixels, channels etc. The weights are shared",
            ["pixels channels etc", "The weights are shared"],
        ),
        ("pixels, channels etc. are shared", ["pixels channels etc are shared"]),
        ("The ratio is 3.5 at x.T here.", ["The ratio is 3 5 at x T here"]),
        ("It is local.It is shared.", ["It is local", "It is shared"]),
        ('He said "local." Then it mixes.', ["He said local", "Then it mixes"]),
        ("It is local...  Then global", ["It is local", "Then global"]),
        ("The end.\nNext line", ["The end", "Next line"]),
        ("weights w.r.t. channels", ["weights channels"]),
        ("Dr. Ng said so", ["Dr Ng said so"]),
        # after a review: wrapped lines, Windows line ends, no-break spaces, milliseconds, "No."
        ("weights, i.e.\nthe softmax scores", ["weights the softmax scores"]),
        ("pixels etc.\r\nThe weights", ["pixels etc", "The weights"]),
        ("pixels etc.\u00a0The weights", ["pixels etc", "The weights"]),
        ("pixels e.g.\n\nThe weights", ["pixels", "The weights"]),
        ("pixels e.g.\n- the weights", ["pixels", "the weights"]),
        ("It runs in 5 ms. Is attention local?", ["It runs in 5 ms", "Is attention local"]),
        ("The same weights. No. 2 pixels differ.", ["The same weights", "No", "2 pixels differ"]),
        ("It is local.A 1x1 conv.", ["It is local", "A 1x1 conv"]),
        ("It is local...It is", ["It is local", "It is"]),
        ("It is local.\u201cIt is", ["It is local", "It is"]),
        ("pixels, channels etc\n\nthe weights", ["pixels channels etc", "the weights"]),
        ("pixels, channels etc.", ["pixels channels etc"]),
        ("E.g. ViT reads pixels approx. as tokens", ["ViT reads pixels approx as tokens"]),
        ("Eq. 3 shows it. As Fig. The", ["Eq 3 shows it", "As Fig", "The"]),
        ("pixels, channels, etc.) are", ["pixels channels etc are"]),
        ("an unknownetc. the", ["an unknownetc", "the"]),
    ],
)
def test_sentences_end_where_a_reader_ends_them(answer, read):
    # a full stop ends a sentence before a space or the end, not inside a number or a name,
    # nor after an abbreviation a sentence goes on after; "e.g." and the like are no words
    assert [" ".join(word.text for word in sentence) for sentence in sentences(answer)] == read


SPLIT_LONG = """
import resource, sys
resource.setrlimit(resource.RLIMIT_CPU, (60, 60))
from grader.kinds.text.concepts import sentences
print(len(sentences(eval(sys.argv[1]))))
"""


@pytest.mark.parametrize(
    "made",
    ['"." * 10**6 + "a"', '".)" * 5 * 10**5 + "x"', '"e.g. " * 2 * 10**5', '"ab...." * 10**5'],
)
def test_a_hostile_run_of_full_stops_is_read_in_bounded_time(made):
    # Each full stop looked ahead to the run's end: the cost grew as the square of the run
    # (100,000 dots took 180 s). A million are read well within the 60 s of CPU given here,
    # a hang guard, not a speed assertion (our own literal, not a student's text, is eval'd).
    done = subprocess.run(
        [sys.executable, "-c", SPLIT_LONG, made],
        capture_output=True,
        text=True,
        timeout=600,
        cwd=ROOT,
    )
    assert done.returncode == 0, done.stderr[-500:]


@given(
    st.lists(
        st.tuples(
            st.sampled_from(["pixels", "Tokens", "share", "W", "3x3", "the", "local", "No"]),
            st.sampled_from([" ", ", ", "; ", ". ", "? "]),
        ),
        min_size=1,
        max_size=12,
    ),
    st.integers(0, 11),
    st.sampled_from(["e.g.", "i.e.", "cf.", "E.g.", "viz.", "w.r.t."]),
)
def test_an_abbreviation_between_two_words_changes_no_sentence(words, at, abbreviation):
    text = "".join(word + gap for word, gap in words).rstrip()
    cut = at % len(words)
    aside = "".join(
        word + (gap if n != cut or gap != " " else f" {abbreviation} ")
        for n, (word, gap) in enumerate(words)
    ).rstrip()

    def read(answer: str) -> list[list[str]]:
        return [[word.text for word in sentence] for sentence in sentences(answer)]

    assert read(aside) == read(text)
