"""grader: checks written exam answers against YAML rubrics, safely, and explains the marks.

The public verbs, in pipeline order:

- `load_rubric(path)`: a validated `Rubric`;
- `parse(text, symbols)`: a student's maths read into sympy, with how it was read;
- `grade_answer(rubric, item, text)`: one answer's verdict, marks and feedback;
- `grade_paths(rubric, paths)`: a batch of submission files.
"""

__version__ = "0.1.0"

from grader.grade import grade_answer, grade_paths  # noqa: E402
from grader.kinds.count.parse import parse  # noqa: E402
from grader.rubric import load_rubric  # noqa: E402

__all__ = ["__version__", "grade_answer", "grade_paths", "load_rubric", "parse"]
