"""Exams: several questions, each with its rubric and weight, graded into one gradebook.

An exam file (YAML, read with the project's safe loader) names the questions:

    id: ML-midterm
    title: Machine learning midterm
    questions:
      - rubric: ../rubrics/22-52-q4.yaml     # relative to the exam file
        weight: 1                            # default 1
        name: Q1                             # optional: how outputs name the question
        lms_column: 'Q1 (123456)'            # optional: its column's header in LMS files
        submissions: [../submissions/q1]     # optional: what `grader grade --exam` grades

`grader grade --rubric A --rubric B` is an exam too, of weight 1 each. The gradebook remembers
the exam it was graded for (`grader.gradebook.save_exam`), so `report`, `export`, `review` and
`release` need only the gradebook. Everything here is plain values: the class of each question
(its rubric, the students' results with overrides applied) and each student's sheet across the
questions, joined by student id as an LMS compares ids (case aside).
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from grader.errors import FileProblemsError, Problem
from grader.model import Batch, FileFailure, Rubric, SubmissionResult
from grader.roster import fold
from grader.rubric import load_rubric
from grader.submissions import failed_student
from grader.yaml_source import Fields, Scalar, read_yaml_file


class ExamError(FileProblemsError):
    """An exam file that cannot be used; nothing is graded."""

    kind = "exam"
    exit_code = 3


@dataclass(frozen=True)
class ExamQuestion:
    question: str  # the rubric's id
    weight: float = 1.0
    name: str = ""  # how outputs name it; the question id when empty
    rubric_path: str = ""
    submissions: tuple[Path, ...] = ()
    lms_column: str = ""  # the header of its column in an LMS file; its label when empty

    @property
    def label(self) -> str:
        return self.name or self.question

    @property
    def column(self) -> str:
        """Its column's header in an LMS import file: the LMS's own header for an existing
        column (Canvas `Midterm Q1 (123456)`, Blackboard `Q1 [Total Pts: 25 Score] |123`),
        else its label, which makes a new column."""
        return self.lms_column or self.label


@dataclass(frozen=True)
class Exam:
    id: str
    title: str
    questions: tuple[ExamQuestion, ...]

    @property
    def question_ids(self) -> tuple[str, ...]:
        return tuple(q.question for q in self.questions)

    def weight(self, question: str) -> float:
        return next((q.weight for q in self.questions if q.question == question), 1.0)


def load_exam(path: Path | str) -> tuple[Exam, dict[str, Rubric]]:
    """Read an exam file and the rubrics it names, or raise `ExamError` listing every problem
    with its line and key (a rubric's own problems are its `RubricError`)."""
    path = Path(path)
    root = read_yaml_file(path, ExamError)
    problems: list[Problem] = []
    fields = Fields(root, "", problems)
    exam_id = fields.text("id", required=False, default="") or ""
    title = fields.text("title", required=False, default="") or ""
    questions: list[ExamQuestion] = []
    rubrics: dict[str, Rubric] = {}
    entry = fields.sequence("questions")
    fields.finish()
    if entry is not None:
        line, sequence = entry
        if not sequence.items:
            problems.append(Problem(line, "questions", "names no question"))
        for index, node in enumerate(sequence.items):
            key = f"questions[{index}]"
            read = _read_question(path, node, key, problems)
            if read is None:
                continue
            question, rubric = read
            if question.question in rubrics:
                problems.append(
                    Problem(
                        node.line,
                        f"{key}.rubric",
                        f"question {question.question!r} is in the exam twice",
                    )
                )
                continue
            if any(q.label == question.label or q.column == question.column for q in questions):
                problems.append(
                    Problem(
                        node.line,
                        key,
                        f"{question.label!r} names another question too: outputs name each "
                        "question by its name (or id) and LMS column, so they must differ",
                    )
                )
                continue
            rubrics[question.question] = rubric
            questions.append(question)
    if problems:
        raise ExamError(path, problems)
    return Exam(exam_id, title, tuple(questions)), rubrics


def _read_question(path: Path, node, key: str, problems: list[Problem]):
    fields = Fields(node, key, problems)
    rubric_path = fields.text("rubric")
    weight = fields.number("weight", required=False, default=1.0)
    name = fields.text("name", required=False, default="") or ""
    lms_column = fields.text("lms_column", required=False, default="") or ""
    listed = fields.sequence("submissions", required=False)
    fields.finish()
    submissions: list[Path] = []
    if listed is not None:
        for index, item in enumerate(listed[1].items):
            if isinstance(item, Scalar) and isinstance(item.value, str) and item.value:
                submissions.append(path.parent / item.value)
            else:
                problems.append(
                    Problem(item.line, f"{key}.submissions[{index}]", "expected a path")
                )
    if rubric_path is None:
        return None
    if weight is not None and weight == 0:
        problems.append(Problem(node.line, f"{key}.weight", "must be more than 0"))
        return None
    rubric = load_rubric(path.parent / rubric_path)
    question = ExamQuestion(
        rubric.id,
        weight or 1.0,
        name,
        str(path.parent / rubric_path),
        tuple(submissions),
        lms_column,
    )
    return question, rubric


def exam_of(rubrics: list[Rubric]) -> Exam:
    """The exam `--rubric` given several times makes: each question of weight 1."""
    return Exam("", "", tuple(ExamQuestion(r.id, 1.0, "", r.path) for r in rubrics))


# --- a graded exam -----------------------------------------------------------------------------


@dataclass(frozen=True)
class QuestionClass:
    """One question of the exam as the gradebook holds it: its rubric (the latest run's), every
    student's result with overrides applied, and the rubric version each was graded under."""

    question: ExamQuestion
    rubric: Rubric
    batch: Batch
    versions: dict[str, str] = field(default_factory=dict)
    notes: tuple[str, ...] = ()  # what its latest run said of the class (`student_keys`)

    @property
    def max_total(self) -> float:
        return self.rubric.max_total * self.question.weight


@dataclass(frozen=True)
class Sheet:
    """One student across the exam: their result for each question (None: no submission, or
    a file that could not be graded: `unread` holds that question's items)."""

    student: str
    results: dict[str, SubmissionResult | None]
    unread: dict[str, tuple[str, ...]] = field(default_factory=dict)

    def pending(self, question: str) -> list[str]:
        """The items of `question` awaiting a person (their marks are provisional): every item
        of a question whose file could not be graded."""
        result = self.results.get(question)
        if result is None:
            return list(self.unread.get(question, ()))
        return [item_id for item_id, item in result.items.items() if item.needs_person]

    def settled(self, question: str) -> float:
        """The marks of `question` that are final: its items not awaiting a person."""
        result = self.results.get(question)
        if result is None:
            return 0.0
        return sum(item.marks for item in result.items.values() if not item.needs_person)

    @property
    def awaiting_review(self) -> int:
        return sum(len(self.pending(question)) for question in self.results)


def sheets(classes: list[QuestionClass], unread: bool = False) -> list[Sheet]:
    """Each student of any question, in the order first met, with their result for every
    question; a student is the same in two questions when their ids are (case aside). A
    question whose file of theirs could not be graded (`unread_students`) and that has no
    result of theirs has all its items pending. With `unread`, a student whose every file
    failed has a sheet too, after the others: no result, every such question pending."""
    spelled: dict[str, str] = {}
    found: dict[str, dict[str, SubmissionResult]] = {}
    for klass in classes:
        for result in klass.batch.results:
            key = fold(result.student)
            spelled.setdefault(key, result.student)
            found.setdefault(key, {})[klass.question.question] = result
    failed: dict[str, dict[str, tuple[str, ...]]] = {}
    for klass in classes:
        items = tuple(item.id for part in klass.rubric.parts for item in part.items)
        for student in unread_students(klass.batch.failures, ()):
            key = fold(student)
            if key not in spelled and not unread:
                continue
            spelled.setdefault(key, student)
            failed.setdefault(key, {})[klass.question.question] = items
    return [
        Sheet(
            spelled[key],
            {k.question.question: found.get(key, {}).get(k.question.question) for k in classes},
            {
                question: items
                for question, items in failed.get(key, {}).items()
                if found.get(key, {}).get(question) is None
            },
        )
        for key in spelled
    ]


def unread_students(failures: Sequence[FileFailure], graded: Collection[str]) -> list[str]:
    """The students whose file could not be graded (`failed_student`), each once, in the
    order met, but for those in `graded` (casefolded) who have a row of their own."""
    students, seen = [], set(graded)
    for failure in failures:
        student = failed_student(failure)
        if student is None or student.casefold() in seen:
            continue
        seen.add(student.casefold())
        students.append(student)
    return students


def weighted_total(sheet: Sheet, classes: list[QuestionClass]) -> float:
    """The exam marks so far: a question with no result, or a held one (`result.held`: not
    this run's marks), counts nothing."""
    results = [(sheet.results[k.question.question], k.question.weight) for k in classes]
    return sum(result.total * weight for result, weight in results if result and not result.held)


def exam_total(sheet: Sheet, classes: list[QuestionClass]) -> float | None:
    """The exam total as every output gives it (`weighted_total`), or None when it is not
    final: no result in any question, or a question held for review (`result.held`, whose
    `final_total` is None: grades.csv of that question leaves it empty), so that neither
    the overview nor the exam CSV shows a partial sum as the student's total."""
    results = [result for result in sheet.results.values() if result is not None]
    if not results or any(result.final_total is None for result in results):
        return None
    return weighted_total(sheet, classes)


def settled_total(sheet: Sheet, classes: list[QuestionClass]) -> float:
    """The exam marks that are final (no provisional mark of an answer awaiting review)."""
    return sum(sheet.settled(k.question.question) * k.question.weight for k in classes)


def exam_max_total(classes: list[QuestionClass]) -> float:
    return sum(klass.max_total for klass in classes)


def select(classes: list[QuestionClass], question: str | None) -> list[QuestionClass]:
    """The classes of `question` only (all when None); `KeyError` naming the known ones."""
    if question is None:
        return classes
    chosen = [k for k in classes if k.question.question == question]
    if not chosen:
        raise KeyError(question)
    return chosen
