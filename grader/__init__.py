"""grader: checks written exam answers against YAML rubrics, safely, and explains the marks.

The public verbs, in pipeline order:

- `load_rubric(path)`: a validated `Rubric`;
- `parse(text, symbols)`: a student's maths read into sympy, with how it was read;
- `grade_answer(rubric, item, text)`: one answer's verdict, marks and feedback;
- `grade_paths(rubric, paths)`: a batch of submission files.
"""

__version__ = "0.1.0"

# The verbs are imported when first asked for (PEP 562), not with the package: a command
# imports only what it uses (`grader check` needs no report, gradebook or web module).
_VERBS = {
    "grade_answer": "grader.grade",
    "grade_paths": "grader.grade",
    "parse": "grader.kinds.count.parse",
    "load_rubric": "grader.rubric",
}

__all__ = ["__version__", "grade_answer", "grade_paths", "load_rubric", "parse"]


def __getattr__(name: str):
    if name not in _VERBS:
        raise AttributeError(f"module 'grader' has no attribute {name!r}")
    import importlib

    return getattr(importlib.import_module(_VERBS[name]), name)
