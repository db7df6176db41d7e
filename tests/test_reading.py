"""How answers are read: a table of plain text, Unicode and LaTeX, right and wrong."""

import pytest
import sympy

from grader.kinds.count.check import counts_equal
from grader.kinds.count.parse import parse

P, Q, C, D = (sympy.Symbol(n, positive=True, integer=True) for n in "PQCD")
SYMBOLS = {"P": P, "Q": Q, "C": C, "D": D}
FC = P * Q * C * P * Q * D + P * Q * D  # the fully connected count of 22-52-Q4 (a)
CONV3 = 9 * C * D + D

READS = [
    # plain text
    pytest.param("P*Q*C*D + P*Q*D", P * Q * C * D + P * Q * D, id="plain products and a sum"),
    pytest.param("P Q C D + P Q D", P * Q * C * D + P * Q * D, id="spaces as multiplication"),
    pytest.param("PQCPQD+PQD", FC, id="a run of letters split over the symbols"),
    pytest.param("9CD+D", CONV3, id="a number before a run of letters"),
    pytest.param("9CD^2", 9 * C * D**2, id="a power on a run of letters is on its last letter"),
    pytest.param("(PQ)^2 CD", P**2 * Q**2 * C * D, id="a bracketed power then letters"),
    pytest.param("D(9C+1)", CONV3, id="implicit multiplication by a bracket"),
    pytest.param("P**2", P**2, id="python power"),
    pytest.param("P^2^1", P**2, id="powers associate to the right"),
    pytest.param("2^3^2", sympy.Integer(512), id="a tower of numbers to the right"),
    pytest.param("P/Q/C", P / (Q * C), id="division associates to the left"),
    pytest.param("P/(Q C)", P / (Q * C), id="division by a bracketed product"),
    pytest.param("-P-Q", -P - Q, id="a leading minus"),
    pytest.param("P -Q", P - Q, id="a spaced minus is subtraction"),
    pytest.param("P*-Q", -P * Q, id="a signed factor after an operator"),
    pytest.param("--P", P, id="two minus signs cancel"),
    pytest.param("+P", P, id="a leading plus"),
    pytest.param("0.5P", P / 2, id="a decimal is read exactly"),
    pytest.param("0.1+0.2", sympy.Rational(3, 10), id="decimals add exactly"),
    pytest.param("P^-1", 1 / P, id="a negative exponent"),
    pytest.param("P^(1+1)", P**2, id="a bracketed numeric exponent"),
    pytest.param("[P+Q]C", (P + Q) * C, id="square brackets group"),
    pytest.param("{P+Q}C", (P + Q) * C, id="braces group"),
    pytest.param("9CD + D = D(9C+1)", CONV3, id="a chain of equal working"),
    pytest.param("PQCD", P * Q * C * D, id="four symbols run together"),
    pytest.param("  9CD+D  ", CONV3, id="surrounding spaces"),
    pytest.param("9 * C * D + 1 * D", CONV3, id="a coefficient of one"),
    pytest.param("(P)(Q)", P * Q, id="two bracketed factors"),
    pytest.param("3(3CD)+D", CONV3, id="a number before a bracket"),
    pytest.param("P*Q*C*P*Q*D+P*Q*D", FC, id="the fully connected count spelled out"),
    pytest.param("PQD(PQC+1)", FC, id="the fully connected count factored"),
    # Unicode
    pytest.param("P×Q×C×D + P×Q×D", P * Q * C * D + P * Q * D, id="multiplication signs"),
    pytest.param("P·Q·C", P * Q * C, id="middle dots"),
    pytest.param("P⋅Q", P * Q, id="dot operators"),
    pytest.param("P − Q", P - Q, id="a Unicode minus"),
    pytest.param("P – Q", P - Q, id="an en dash as minus"),
    pytest.param("P ÷ Q", P / Q, id="a division sign"),
    pytest.param("P²Q²CD + PQD", FC, id="superscript squares"),
    pytest.param("P³", P**3, id="a superscript cube"),
    pytest.param("P⁻¹", 1 / P, id="a superscript minus one"),
    pytest.param("P¹⁰", P**10, id="a two-digit superscript"),
    pytest.param("ＰＱ", P * Q, id="fullwidth letters"),
    pytest.param("P\u200b+Q", P + Q, id="a zero-width space"),
    pytest.param("\ufeffP+Q", P + Q, id="a byte-order mark"),
    pytest.param("P\u00a0Q", P * Q, id="a no-break space"),
    pytest.param("P\tQ", P * Q, id="a tab"),
    pytest.param("9CD\n+ D", CONV3, id="a line break"),
    # LaTeX
    pytest.param(r"$P \times Q$", P * Q, id="latex times in dollars"),
    pytest.param(r"$$9 \cdot C \cdot D + D$$", CONV3, id="latex cdot in display dollars"),
    pytest.param(r"\(P + Q\)", P + Q, id="latex inline delimiters"),
    pytest.param(r"\[P + Q\]", P + Q, id="latex display delimiters"),
    pytest.param(r"P^{2}Q^{2}CD + PQD", FC, id="latex braced exponents"),
    pytest.param(r"\frac{PQ}{2}", P * Q / 2, id="a latex fraction"),
    pytest.param(r"\dfrac{P}{Q}", P / Q, id="a display fraction"),
    pytest.param(r"\tfrac{P}{Q}", P / Q, id="a text fraction"),
    pytest.param(r"\frac{P+Q}{C+D}", (P + Q) / (C + D), id="a fraction of sums"),
    pytest.param(r"\left( P + Q \right)^{2}", (P + Q) ** 2, id="left and right brackets"),
    pytest.param(r"\left[ P + Q \right] C", (P + Q) * C, id="left and right square brackets"),
    pytest.param(r"P \, Q", P * Q, id="a thin space"),
    pytest.param(r"P \; Q \quad C", P * Q * C, id="wider spaces"),
    pytest.param(r"P \ast Q", P * Q, id="latex ast"),
    pytest.param(r"P \div Q", P / Q, id="latex div"),
    pytest.param(r"{P}^{-1}", 1 / P, id="a braced base and negative exponent"),
    pytest.param(
        r"3 \times 3 \times C \times D + D = 9 \times C \times D + D",
        CONV3,
        id="the seed student's chain",
    ),
    pytest.param(
        r"P \times Q \times C \times P \times Q \times D + P \times Q \times D",
        FC,
        id="the fully connected count in latex",
    ),
    pytest.param(r"PQC \cdot PQD + PQD", FC, id="the rubric's reference"),
    pytest.param(r"\left(PQ\right)^2 CD + PQD", FC, id="a latex bracketed square"),
    pytest.param(r"\frac{9CD + D}{1}", CONV3, id="a fraction over one"),
    pytest.param(r"$3^2 C D + D$", CONV3, id="three squared"),
]


@pytest.mark.parametrize(("text", "expected"), READS)
def test_answers_are_read_as_meant(text, expected):
    parsed = parse(text, SYMBOLS)
    assert sympy.cancel(parsed.expr - expected) == 0


@pytest.mark.parametrize(
    ("text", "reading"),
    [
        pytest.param("9CD+D", "9·C·D + D", id="implicit products are made explicit"),
        pytest.param("(PQ)^2 CD", "(P·Q)²·C·D", id="a bracketed power"),
        pytest.param("DC^2", "D·C²", id="a power on a run of letters raises its last"),
        pytest.param("PQ²CD", "P·Q²·C·D", id="a superscript on a run of letters raises its last"),
        pytest.param("CD^{2} D", "C·D²·D", id="a run with a power, then a factor"),
        pytest.param("D(9C+1)", "D·(9·C + 1)", id="a bracket keeps its brackets"),
        pytest.param("PQCPQD+PQD", "P·Q·C·P·Q·D + P·Q·D", id="a run of letters"),
        pytest.param("P^-1", "P⁻¹", id="a negative exponent"),
        pytest.param(r"\frac{P+Q}{C}", "(P + Q)/C", id="a fraction of a sum"),
        pytest.param("P-(Q-C)", "P - (Q - C)", id="a subtracted bracket"),
        pytest.param("9CD + D = D(9C+1)", "9·C·D + D = D·(9·C + 1)", id="a chain"),
        pytest.param("0.5P", "0.5·P", id="a decimal as written"),
        pytest.param("2^3^2", "2^(3²)", id="a tower"),
    ],
)
def test_the_reading_says_how_the_answer_was_understood(text, reading):
    assert parse(text, SYMBOLS).interpretation == reading


@pytest.mark.parametrize("name", ["Q", "E", "I", "N", "S", "O"])
def test_declared_names_are_plain_symbols_never_sympy_constants(name):
    symbol = sympy.Symbol(name, positive=True, integer=True)
    parsed = parse(f"2*{name} + {name}", {name: symbol})
    assert parsed.expr == 3 * symbol
    assert parsed.expr.free_symbols == {symbol}


@pytest.mark.parametrize(
    ("text", "symbols", "expected"),
    [
        pytest.param(
            "hd_k", ["h", "d_k"], lambda s: s["h"] * s["d_k"], id="a subscripted symbol in a run"
        ),
        pytest.param("d_{k}^2", ["d_k"], lambda s: s["d_k"] ** 2, id="a braced subscript"),
        pytest.param(
            "PQ + P", ["PQ", "P", "Q"], lambda s: s["PQ"] + s["P"], id="a declared longer name wins"
        ),
        pytest.param("EN", ["E", "N"], lambda s: s["E"] * s["N"], id="E and N run together"),
    ],
)
def test_declared_names_with_subscripts_and_longer_names(text, symbols, expected):
    table = {name: sympy.Symbol(name) for name in symbols}
    assert parse(text, table).expr == expected(table)


EQUIVALENCES = [
    ("PQC*PQD + PQD", "PQD(PQC+1)", True, "expanded and factored"),
    ("9CD+D", "D(9C+1)", True, "the 3x3 count two ways"),
    ("P²Q²CD+PQD", "(PQ)^2CD+PQD", True, "superscripts and a bracketed power"),
    ("(P^2-Q^2)/(P-Q)", "P+Q", True, "a rational function that cancels"),
    ("1/P + 1/Q", "(P+Q)/(PQ)", True, "fractions over a common denominator"),
    ("CD + D", "D(C+1)", True, "the 1x1 count two ways"),
    ("(P+Q)^2", "P^2 + 2PQ + Q^2", True, "a binomial square"),
    ("2^10", "1024", True, "a numeric power"),
    ("P/2 + P/2", "P", True, "halves"),
    ("3*3*C*D + D", "9CD + D", True, "three times three"),
    ("P²CD+PQD", "P²Q²CD+PQD", False, "P·P written for P·Q·P·Q"),
    ("CD+D", "CD", False, "a bias more"),
    ("9DC+C", "9CD+D", False, "C and D swapped"),
    ("18CD+2D", "9CD+D", False, "twice the count"),
    ("PQCD + D", "PQCPQD + PQD", False, "weights shared across outputs"),
    ("(P+Q)^2", "P^2 + Q^2", False, "a square without its cross term"),
    ("P/Q", "Q/P", False, "a reciprocal"),
    ("9CD + D", "9CD + D + 1", False, "off by one"),
    ("P^2", "2P", False, "equal only at P=2"),
    ("PQ", "P+Q", False, "equal only at P=Q=2"),
]


@pytest.mark.parametrize(
    ("first", "second", "equal"),
    [pytest.param(a, b, e, id=i) for a, b, e, i in EQUIVALENCES],
)
def test_equivalence_of_counts(first, second, equal):
    a, b = parse(first, SYMBOLS).expr, parse(second, SYMBOLS).expr
    assert counts_equal(a, b) is equal
    assert counts_equal(b, a) is equal
