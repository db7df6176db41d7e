"""Presentation MathML for an answer as we read it: the element every kind's reading goes in.

Browsers render MathML Core natively, so pages need no script and no network. Each kind
generates its markup from its own parsed nodes (symbol names declared by the rubric, numbers
we read), never copied from a student's text, and escapes every piece of text all the same;
`grader.html_report` checks it against an allow-list before trusting it. Every `<math>`
carries `alttext`, the same maths as plain text, for screen readers and for copying.
"""

from __future__ import annotations

import re
from functools import lru_cache
from html import escape

from markupsafe import Markup
from markupsafe import escape as escape_markup

NAMESPACE = "http://www.w3.org/1998/Math/MathML"


def math_element(inner: str, alttext: str, display: str = "inline") -> str:
    """One `<math>` element around a row of MathML, with `alttext` (escaped here) saying the
    same in plain text; `display` is "inline" or "block" (a formula with sums, set apart)."""
    if display not in ("inline", "block"):
        raise ValueError(f"display is inline or block, not {display!r}")
    alt = escape(" ".join(alttext.split()), quote=True)
    return (
        f'<math xmlns="{NAMESPACE}" display="{display}" alttext="{alt}"><mrow>{inner}</mrow></math>'
    )


_MATHML_ELEMENTS = {
    "math", "mrow", "mi", "mn", "mo", "msup", "msub", "msubsup", "mfrac", "msqrt", "mroot",
    "munderover", "munder", "mover",
}  # fmt: skip
# Our markup whole: text without "<" or ">", then tags of the elements above whose only
# attributes are xmlns, display and alttext (their values without quotes or angle brackets),
# each followed by such text. One match of the whole markup, its runs possessive (no
# backtracking into a run that cannot give anything back): a tenth of the time of checking it
# tag by tag, which an all-distinct class pays for every reading of every page.
_TRUSTED_MATHML = re.compile(
    r"(?:[^<>]*+</?(?:"
    + "|".join(sorted(_MATHML_ELEMENTS))  # sorted: the same pattern in every process
    + r')(?:\s+(?:xmlns|display|alttext)="[^"<>]*+")*+\s*+>)*+[^<>]*+'
)


@lru_cache(maxsize=4096)  # a class writes the same answers often: check each reading once
def trusted_mathml(markup: str | None) -> Markup:
    """Our generated MathML as markup, or escaped text if it contains anything unexpected."""
    if not markup:
        return Markup("")
    if _TRUSTED_MATHML.fullmatch(markup) is None:
        return escape_markup(markup)
    return Markup(markup)
