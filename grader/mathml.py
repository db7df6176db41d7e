"""Presentation MathML for an answer as we read it: the element every kind's reading goes in.

Browsers render MathML Core natively, so pages need no script and no network. Each kind
generates its markup from its own parsed nodes (symbol names declared by the rubric, numbers
we read), never copied from a student's text, and escapes every piece of text all the same;
`grader.html_report` checks it against an allow-list before trusting it.
"""

from __future__ import annotations

NAMESPACE = "http://www.w3.org/1998/Math/MathML"


def math_element(inner: str) -> str:
    """One inline `<math>` element around a row of MathML."""
    return f'<math xmlns="{NAMESPACE}" display="inline"><mrow>{inner}</mrow></math>'
