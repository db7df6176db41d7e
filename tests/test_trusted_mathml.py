"""`trusted_mathml` trusts exactly the markup its allow-list describes: checked in one match of
the whole markup (branch tperf), it must trust and refuse what checking it tag by tag did."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from grader.mathml import trusted_mathml

OURS = '<math xmlns="http://www.w3.org/1998/Math/MathML" display="inline" alttext="P·Q">'

CASES = [
    ("our reading", f"{OURS}<mrow><mi>P</mi><mo>·</mo><mi>Q</mi></mrow></math>", True),
    ("text alone", "P·Q", True),
    ("every element of the list", "".join(f"<{n}></{n}>" for n in ("msubsup", "munderover")), True),
    ("spaces before a tag's end", '<math display="block"  ><mi >x</mi ></math>', True),
    ("an attribute after a line break", '<math\ndisplay="block"><mi>x</mi></math>', True),
    ("an empty attribute value", '<math alttext=""><mi>x</mi></math>', True),
    ("an element not in the list", "<math><mtext>a</mtext></math>", False),
    ("a name that begins like one in the list", "<math><msubx>a</msubx></math>", False),
    ("a name that ends like one in the list", "<math><xmi>a</xmi></math>", False),
    ("an upper-case name", "<MATH><mi>a</mi></MATH>", False),
    ("an event attribute", '<math><mi onclick="x">P</mi></math>', False),
    ("an attribute that begins like ours", '<math xmlnsx="a"><mi>P</mi></math>', False),
    ("an attribute hiding ours", '<math title="a xmlns=" display="b"><mi>P</mi></math>', False),
    ("an attribute without quotes", "<math display=block><mi>P</mi></math>", False),
    ("an attribute in single quotes", "<math display='block'><mi>P</mi></math>", False),
    ("an attribute without a space", '<math display="a"alttext="b"><mi>P</mi></math>', False),
    ("a script", "<math><script>alert(1)</script></math>", False),
    ("an image after the maths", "<math><mi>P</mi></math><img src=x onerror=alert(1)>", False),
    ("a stray <", "<math><mi>P < Q</mi></math>", False),
    ("a stray >", "<math><mi>P > Q</mi></math>", False),
    ("a tag left open", "<math><mi>P</mi", False),
    ("a self-closing tag", "<math><mi/></math>", False),
    ("a space after <", "< math><mi>P</mi></math>", False),
]


@pytest.mark.parametrize(
    "markup, trusted", [case[1:] for case in CASES], ids=[case[0] for case in CASES]
)
def test_markup_is_trusted_only_when_every_tag_is_on_the_list(markup, trusted):
    shown = str(trusted_mathml(markup))
    assert (shown == markup) is trusted
    if not trusted:
        assert "<" not in shown


# The allow-list as it was checked before, a tag at a time: the specification the one match
# must agree with.
_TAG = re.compile(r"<(/?)([a-z]+)((?:\s+[a-z]+=\"[^\"<>]*\")*)\s*>")
_ATTRIBUTES = re.compile(r'\s+(xmlns|display|alttext)="[^"<>]*"')
_ELEMENTS = {"math", "mrow", "mi", "mn", "mo", "msup", "msub", "msubsup", "mfrac", "msqrt"}
_ELEMENTS |= {"mroot", "munderover", "munder", "mover"}


def _trusted_tag_by_tag(markup: str) -> bool:
    position = 0
    for match in _TAG.finditer(markup):
        between = markup[position : match.start()]
        if "<" in between or ">" in between or match.group(2) not in _ELEMENTS:
            return False
        if _ATTRIBUTES.sub("", match.group(3)):
            return False
        position = match.end()
    return "<" not in markup[position:] and ">" not in markup[position:]


_PIECES = st.sampled_from(
    [
        "<", ">", "/", "</", '"', "=", " ", "\n", "x", "P", "·", "math", "mi", "msub", "sup",
        "mtext", "xmlns", "display", "alttext", "onclick", '="', '="a"', "<mi>", "</mi>",
        '<math display="block">', "</math>", "<mrow >", "<msubsup>",
    ]
)  # fmt: skip


@settings(max_examples=400, deadline=None)
@given(st.lists(_PIECES, min_size=1, max_size=14).map("".join))
def test_one_match_trusts_what_the_tag_by_tag_check_trusted(markup):
    assert (str(trusted_mathml(markup)) == markup) is _trusted_tag_by_tag(markup)
