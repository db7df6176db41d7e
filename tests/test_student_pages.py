"""The pages a student reads (issue 19, part 5): prompts typeset as the answers are, items
headed by their labels, hints in the question's own symbols, items awaiting review said to be
so, an instructor's decision shown alone, alt text on every formula, a `<main>` landmark, and
the bundled math font beside the pages."""

import contextlib
import json
import re
import tomllib
from fnmatch import fnmatch
from html.parser import HTMLParser
from importlib import resources
from pathlib import Path

import pytest
from markupsafe import escape

from grader import gradebook
from grader.cli import main
from grader.grade import grade_answer
from grader.html_report import AWAITING_WORDS, MATH_FONT, ClassRenderer, render_student
from grader.overrides import Hold, held
from grader.prompt_maths import latex_to_mathml, typeset
from grader.report import page_name
from grader.rubric import load_rubric
from grader.score import UNREAD_BY_MACHINE

ROOT = Path(__file__).resolve().parent.parent
RUBRIC = ROOT / "rubrics" / "22-52-q4.yaml"


class Elements(HTMLParser):
    """Each element's tag, attributes and the text inside it, outside any `<math>`."""

    def __init__(self, html: str):
        super().__init__(convert_charrefs=True)
        self.elements: list[tuple[str, dict, list[str]]] = []
        self._open: list[tuple[str, dict, list[str]]] = []
        self._math = 0
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        element = (tag, dict(attrs), [])
        self.elements.append(element)
        self._open.append(element)
        self._math += tag == "math"

    def handle_endtag(self, tag):
        self._math -= tag == "math"
        while self._open:
            if self._open.pop()[0] == tag:
                break

    def handle_data(self, data):
        if not self._math:
            for _, _, text in self._open:
                text.append(data)

    def find(self, tag: str, **attributes) -> list[tuple[dict, str]]:
        return [
            (attrs, " ".join("".join(text).split()))
            for name, attrs, text in self.elements
            if name == tag and all(attrs.get(k) == v for k, v in attributes.items())
        ]


@pytest.fixture(scope="module")
def graded(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("out")
    code = main(
        ["grade", str(ROOT / "submissions" / "22-52-q4"), "--rubric", str(RUBRIC), "--out",
         str(out), "--jobs", "1"]
    )  # fmt: skip
    assert code == 0
    return out


def student_page(out: Path, student: str) -> str:
    return (out / "students" / page_name(student)).read_text(encoding="utf-8")


def results(out: Path) -> dict[str, dict]:
    data = json.loads((out / "instructor" / "results.json").read_text(encoding="utf-8"))
    return {result["student"]: result["items"] for result in data["results"]}


# --- prompts ------------------------------------------------------------------------------


def test_prompts_are_typeset_as_mathml_with_their_latex_as_alt_text(graded):
    page = Elements(student_page(graded, "seed-student-1"))
    prompts = page.find("p", **{"class": "prompt"})
    assert len(prompts) == 5
    for _, text in prompts:  # the text outside the maths
        assert "_{" not in text and "\\" not in text and "^" not in text, text
    first = student_page(graded, "seed-student-1").split('<p class="prompt">')[1].split("</p>")[0]
    assert re.findall(r'alttext="([^"]*)"', first) == ["y_{i,j,k}", "x_{i,j,k}"]
    assert prompts[0][1] == (
        "Express the output feature maps in terms of the input feature maps via the scalar "
        "network parameters of a layer of fully connected neural network. What is the number "
        "of learnable parameters?"
    )


@pytest.mark.parametrize(
    ("latex", "mathml"),
    [
        pytest.param("y_{i,j,k}", "<msub><mi>y</mi><mrow><mi>i</mi><mo>,</mo><mi>j</mi><mo>,</mo>"
                     "<mi>k</mi></mrow></msub>", id="a subscript of several indices"),
        pytest.param("QK^T", "<mi>Q</mi><msup><mi>K</mi><mi>T</mi></msup>", id="a superscript"),
        pytest.param(r"\sum_{l=1}^{C} w_l", "<munderover><mo>∑</mo><mrow><mi>l</mi><mo>=</mo>"
                     "<mn>1</mn></mrow><mrow><mi>C</mi></mrow></munderover><msub><mi>w</mi>"
                     "<mi>l</mi></msub>", id="a sum with its limits under and over"),
        pytest.param(r"\frac{a}{\sqrt{K}}", "<mfrac><mrow><mi>a</mi></mrow><mrow><msqrt><mrow>"
                     "<mi>K</mi></mrow></msqrt></mrow></mfrac>", id="a fraction and a root"),
        pytest.param(r"\alpha \times 2", "<mi>α</mi><mo>×</mo><mn>2</mn>", id="greek, operators"),
    ],
)  # fmt: skip
def test_the_prompt_reader_builds_mathml_from_latex(latex, mathml):
    element = latex_to_mathml(latex)
    assert element is not None
    inner = element.split("<mrow>", 1)[1].rsplit("</mrow></math>", 1)[0]
    assert inner == mathml
    assert f'alttext="{latex}"' in element


@pytest.mark.parametrize(
    "text",
    [
        pytest.param(r"a $\unknown{x}$ command", id="an unknown command"),
        pytest.param("an open $y_{i$ brace", id="an unbalanced brace"),
        pytest.param("$" + "{" * 40 + "x" + "}" * 40 + "$", id="nested too deeply"),
        pytest.param("$" + "x+" * 300 + "x$", id="a span too long"),
        pytest.param('<b onclick="x">hi</b> $y_{$', id="markup in the prose"),
    ],
)
def test_what_the_prompt_reader_cannot_read_stays_escaped_text(text):
    assert str(typeset(text)) == str(escape(text))


@pytest.mark.parametrize(
    ("text", "alttexts"),
    [
        pytest.param("maps y_{i,j,k}, then W_Q.", ["y_{i,j,k}", "W_Q"], id="words in a sentence"),
        pytest.param("softmax(QK^T / sqrt(K))", ["QK^T"], id="a word inside brackets"),
        pytest.param("the bias_missing rule", [], id="an identifier in prose stays text"),
        pytest.param("$$\\sum_{i=1}^{N} x_i$$ and \\(a\\)", ["\\sum_{i=1}^{N} x_i", "a"],
                     id="delimited spans"),
    ],
)  # fmt: skip
def test_the_maths_in_a_prompt_is_found_in_words_and_delimited_spans(text, alttexts):
    assert re.findall(r'alttext="([^"]*)"', str(typeset(text))) == alttexts


def test_markup_in_a_prompt_is_escaped_around_the_maths_it_has():
    html = str(typeset('<b onclick="x">y_{i}</b> $<i>$'))
    assert html == (
        "&lt;b onclick=&#34;x&#34;&gt;"
        + latex_to_mathml("y_{i}")
        + "&lt;/b&gt; "
        + latex_to_mathml("<i>")
    )
    assert "<mo>&lt;</mo><mi>i</mi><mo>&gt;</mo>" in html and 'alttext="&lt;i&gt;"' in html


# --- items --------------------------------------------------------------------------------


def test_items_are_headed_by_their_labels_not_internal_ids(graded):
    html = student_page(graded, "seed-student-1")
    page = Elements(html)
    headings = [text for _, text in page.find("h3")]
    assert headings == [
        "(a) Formula", "(a) Parameters", "(b) Formula", "(b) Parameters", "(c) Formula",
        "(c) Parameters", "(d) Formula", "(d) Parameters", "(e) Formula", "(e) Explanation",
    ]  # fmt: skip
    visible = " ".join(text for _, text in page.find("main"))
    assert not re.search(r"\b[a-e]\.(formula|params|explanation)\b", visible)


@pytest.mark.parametrize(
    ("rubric", "item", "hint"),
    [
        pytest.param("22-52-q4", "a.params", "Write the count as a formula in the question's "
                     "symbols, e.g. 2*P*Q + D.", id="convolution sizes"),
        pytest.param("attn-q1", "a.params", "Write the count as a formula in the question's "
                     "symbols, e.g. 2*E*K + K.", id="attention sizes"),
        pytest.param("dw-sep-q1", "a.params", "Write the count as a formula in the question's "
                     "symbols, e.g. 2*K*C + D.", id="separable convolution sizes"),
        pytest.param("attn-q1", "e.formula", "Write the formula with indices, e.g. z_{i,k} = "
                     "A_{i} s_{i,k} + c_{i} (another layer: each entry scaled by its position's "
                     "A and shifted by its c); a sum over l from 1 to E is written "
                     "\\sum_{l=1}^{E}, or a matrix form such as Z = A S (a layer that mixes "
                     "the rows).",
                     id="the formula's notation, over another layer's letters"),
    ],
)  # fmt: skip
def test_the_hint_under_an_unreadable_answer_uses_the_questions_own_symbols(rubric, item, hint):
    loaded = load_rubric(ROOT / "rubrics" / f"{rubric}.yaml")
    result = grade_answer(loaded, loaded.items[item], "N + ~")
    assert result.verdict == "invalid"
    assert result.feedback[1:] == (hint, UNREAD_BY_MACHINE)


def test_a_count_hint_is_never_the_answer_itself():
    loaded = load_rubric(RUBRIC)
    for item in loaded.items.values():
        if item.type != "count":
            continue
        example = grade_answer(loaded, item, "~").feedback[1].split("e.g. ")[1].rstrip(".")
        assert grade_answer(loaded, item, example).verdict != "correct", (item.id, example)


def test_items_awaiting_review_say_so_never_their_provisional_marks_or_reasons(graded):
    html = student_page(graded, "seed-student-2-raw")
    page = Elements(html)
    items = results(graded)["seed-student-2-raw"]
    awaiting = [i for i, r in items.items() if r["verdict"] in ("needs_review", "invalid", "error")]
    assert len(awaiting) == 6
    for item_id, result in items.items():
        [(attrs, text)] = page.find("article", id=f"item-{item_id}")
        if item_id not in awaiting:
            assert f"{result['marks']:g} / {result['max_marks']:g} marks" in text
            continue
        assert attrs["data-verdict"] == "awaiting_review"
        assert f"awaiting review worth {result['max_marks']:g} marks" in text
        assert not re.search(r"\b0 / \d", text)
        assert AWAITING_WORDS in text and UNREAD_BY_MACHINE not in text
        for line in result["feedback"]:  # an unreadable answer keeps why, and how to write it
            if result["verdict"] != "invalid" or line == UNREAD_BY_MACHINE:
                assert line not in text, (item_id, line)
            else:
                assert line in text, (item_id, line)
    [(_, total)] = page.find("p")[:1]
    assert "6 items awaiting review" in total


def test_after_an_override_the_student_sees_the_instructors_decision_alone(tmp_path, capsys):
    subs, out = tmp_path / "subs", tmp_path / "out"
    subs.mkdir()
    (subs / "kim.yaml").write_text(
        "student: kim\nquestion: 22-52-Q4\nanswers:\n  b:\n    params: 9CD\n", encoding="utf-8"
    )
    assert main(["grade", str(subs), "--rubric", str(RUBRIC), "--out", str(out)]) == 0
    machine = results(out)["kim"]["b.params"]["feedback"]
    assert machine  # the machine explained its marks: a missing bias
    db = str(out / "gradebook.sqlite")
    note = "the bias is implied by your diagram"
    assert main(["override", "--db", db, "kim", "b.params", "2", "--note", note]) == 0
    assert main(["report", "--db", db, "--out", str(out)]) == 0
    capsys.readouterr()
    page = Elements(student_page(out, "kim"))
    [(_, text)] = page.find("article", id="item-b.params")
    assert [t for _, t in page.find("ul", **{"class": "feedback decision"})] == [
        f"Marks set by an instructor: 2/2: {note}"
    ]
    for line in machine:
        assert line not in text
    assert text == (f"(b) Parameters correct 2 / 2 marks Your answer: 9CD "
                    f"Marks set by an instructor: 2/2: {note}")  # fmt: skip


# --- accessibility and the font -------------------------------------------------------------


def test_every_formula_has_alt_text_and_every_page_a_main_landmark(graded):
    for path in graded.rglob("*.html"):
        page = Elements(path.read_text(encoding="utf-8"))
        maths = page.find("math")
        assert maths, path
        for attributes, _ in maths:
            assert attributes.get("alttext", "").strip(), (path, attributes)
        assert len(page.find("main")) == 1, path


def test_the_math_font_is_package_data_copied_beside_the_pages_and_loaded_relative(graded):
    bundled = resources.files("grader") / "fonts"
    font = (bundled / MATH_FONT).read_bytes()
    assert font[:4] == b"wOF2"
    assert "SIL OPEN FONT LICENSE Version 1.1" in (bundled / "OFL.txt").read_text("utf-8")
    settings = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    patterns = settings["tool"]["setuptools"]["package-data"]["grader"]
    for name in (MATH_FONT, "OFL.txt"):
        assert any(fnmatch(f"fonts/{name}", pattern) for pattern in patterns), name
    for folder in ("students", "instructor"):
        assert (graded / folder / "fonts" / MATH_FONT).read_bytes() == font
        assert (graded / folder / "fonts" / "OFL.txt").is_file()
    for path in graded.rglob("*.html"):
        html = path.read_text(encoding="utf-8")
        assert f'src: url("fonts/{MATH_FONT}") format("woff2")' in html
        assert 'math { font-family: "Grader Math", math;' in html
        assert "font-src 'self'" in html


@pytest.mark.parametrize(
    "render",
    [
        pytest.param(lambda rubric, result: render_student(rubric, result), id="rendered whole"),
        pytest.param(
            lambda rubric, result: ClassRenderer(rubric).page(result).decode("utf-8"),
            id="rendered by a class's renderer",
        ),
    ],
)
def test_a_held_result_shows_its_total_as_awaiting_review_never_as_final(graded, render):
    # a result held for review (a later file of the student's could not be graded) showed
    # its earlier total beside the hold's note, "Total: 19 / 25", as if final
    with contextlib.closing(gradebook.connect(graded / "gradebook.sqlite")) as connection:
        stored = gradebook.stored_result(connection, load_rubric(RUBRIC), "seed-student-1")
    assert stored.total > 0  # a control: there is a total to keep back
    note = "The latest file for this question, seed-student-1.md, could not be graded."
    result = held(stored, Hold(note, "2026-12-06T20:00:00"), {})
    [(_, head)] = Elements(render(load_rubric(RUBRIC), result)).find("p")[:1]
    shown = f"{stored.total:g} / {stored.max_total:g}"
    assert shown not in head
    assert f"awaiting review / {stored.max_total:g}" in head
    assert f"provisionally {stored.total:g}" in head and "not final" in head
