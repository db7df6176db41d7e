"""The HTML pages, the class overview, the CSV and the gradebook, read back and checked."""

import base64
import csv
import hashlib
import io
import json
import re
import sqlite3
from html.parser import HTMLParser
from pathlib import Path

import pytest

from grader.cli import main
from grader.errors import counted
from grader.html_report import table_script, trusted_mathml
from grader.report import page_name

ROOT = Path(__file__).resolve().parent.parent
RUBRIC = ROOT / "rubrics" / "22-52-q4.yaml"


def page(out: Path, student: str) -> Path:
    """A student's page: in the folder that may be released to students."""
    return out / "students" / page_name(student)


def overview(out: Path, name: str = "index.html") -> Path:
    """The class overview, the CSV or the JSON: in the instructor's folder."""
    return out / "instructor" / name


class Page(HTMLParser):
    """Collects the elements of a page: tags with attributes, text, and text by element id."""

    def __init__(self, html: str):
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict]] = []
        self.text: list[str] = []
        self.by_id: dict[str, list[str]] = {}
        self._open_ids: list[tuple[str, str]] = []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        self.tags.append((tag, attributes))
        if "id" in attributes:
            self._open_ids.append((tag, attributes["id"]))
            self.by_id[attributes["id"]] = []

    def handle_endtag(self, tag):
        if self._open_ids and self._open_ids[-1][0] == tag:
            self._open_ids.pop()

    def handle_data(self, data):
        self.text.append(data)
        for _, element_id in self._open_ids:
            self.by_id[element_id].append(data)

    def content(self, element_id: str) -> str:
        return " ".join(" ".join(self.by_id[element_id]).split())

    def tag_names(self) -> set[str]:
        return {tag for tag, _ in self.tags}


@pytest.fixture(scope="module")
def graded(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("out")
    assert (
        main(
            [
                "grade",
                str(ROOT / "submissions" / "22-52-q4"),
                "--rubric",
                str(RUBRIC),
                "--out",
                str(out),
            ]
        )
        == 0
    )
    return out


def test_grading_writes_a_page_per_student_the_overview_the_csv_and_the_gradebook(graded):
    assert {p.name for p in graded.iterdir()} >= {"students", "instructor", "gradebook.sqlite"}
    assert {p.name for p in (graded / "instructor").iterdir()} == {
        "index.html",
        "grades.csv",
        "results.json",
        "fonts",  # the math font and its licence, which the overview loads
    }
    for folder in ("students", "instructor"):
        assert {p.name for p in (graded / folder / "fonts").iterdir()} == {
            "STIXMath-Regular.woff2",
            "OFL.txt",
        }
    names = {p.name for p in (graded / "students").iterdir() if p.is_file()}
    assert {page_name(s) for s in ("seed-student-1", "seed-student-2", "model-answer")} <= names
    assert all(name.startswith(("seed-student-", "model-answer-", "typical-")) for name in names)


def page_of_seed_student_1(graded: Path) -> str:
    return page(graded, "seed-student-1").read_text(encoding="utf-8")


def test_a_student_page_shows_each_item_with_its_reading_verdict_marks_and_feedback(graded):
    page = Page(page_of_seed_student_1(graded))
    assert page.content("total") == "16.5 / 25"
    item = page.content("item-a.params")
    assert "incorrect" in item and "0 / 2 marks" in item
    assert "P \\times P \\times C \\times D" in item  # the answer as the student wrote it
    assert "P×P×C×D" in item  # the rubric's feedback
    assert "With P=4, Q=3, C=2, D=5 your count gives 220" in item
    assert "math" in page.tag_names() and "mi" in page.tag_names()
    assert "missing" in page.content("item-c.params")
    formula = page.content("item-a.formula")
    assert "incorrect" in formula and "not a fully connected layer" in formula
    assert "munderover" in page.tag_names()  # the sums of the formula as read, in MathML


def inline_scripts(html: str) -> list[str]:
    return re.findall(r"<script>(.*?)</script>", html, flags=re.S)


def test_pages_need_no_network_and_only_the_overview_runs_a_script_of_ours(graded):
    """Student pages run no script. The overview runs one inline script, ours (sorting and
    paging the student table), which its policy allows by hash and nothing else."""
    for path in graded.rglob("*.html"):
        html = path.read_text(encoding="utf-8")
        page = Page(html)
        policy = [a["content"] for t, a in page.tags if t == "meta" and a.get("http-equiv")]
        assert policy and "default-src 'none'" in policy[0]
        if path.name == "index.html":
            scripts = inline_scripts(html)
            assert scripts == [str(table_script().text)]
            digest = base64.b64encode(hashlib.sha256(scripts[0].encode()).digest()).decode()
            assert f"script-src 'sha256-{digest}';" in policy[0]
            assert "unsafe-inline' ;" not in policy[0] and "script-src 'unsafe" not in policy[0]
        else:
            assert "script" not in page.tag_names()
            assert "script-src" not in policy[0]
        assert all("src" not in attributes for tag, attributes in page.tags if tag == "script")
        for tag, attributes in page.tags:
            for name in ("src", "href"):
                value = attributes.get(name) or ""
                assert not value.startswith(("http:", "https:", "//")), (path, tag, value)


def test_the_overview_has_the_histogram_items_mistakes_groups_and_review_queue(graded):
    html = overview(graded).read_text(encoding="utf-8")
    page = Page(html)
    assert "svg" in page.tag_names() and "rect" in page.tag_names()
    students = page.content("students")
    for name in ("seed-student-1", "seed-student-2", "model-answer", "typical-mistakes"):
        assert name in students
    assert "a.params" in page.content("items")
    mistakes = page.content("mistakes")
    assert "P*P*C*D + P*Q*D" in mistakes and "C*D + D" in mistakes
    assert f"../students/{page_name('seed-student-1')}#item-a.formula" in html
    links = {a.get("href") for t, a in page.tags if t == "a"}
    assert f"../students/{page_name('seed-student-2')}" in links


def test_equivalent_answers_form_one_group(graded):
    html = overview(graded).read_text(encoding="utf-8")
    # b.params: "9CD + D", "D(9C+1)" and the chain ending in 9×C×D + D are one group.
    section = html.split("<h3>b.params</h3>", 1)[1].split("</table>", 1)[0]
    rows = section.split("<tr>")
    together = [
        row
        for row in rows
        if all(
            f'href="../students/{page_name(name)}#item-b.params"' in row
            for name in ("model-answer", "seed-student-1", "seed-student-2")
        )
    ]
    assert len(together) == 1


def test_the_csv_has_one_row_per_student_with_part_marks_total_and_what_awaits_review(graded):
    """An LMS import must not take provisional marks as final: each row says how many of the
    student's items await review (seed-student-2's two unreadable answers)."""
    rows = list(csv.reader(io.StringIO(overview(graded, "grades.csv").read_text(encoding="utf-8"))))
    assert rows[0] == [
        "student",
        "part a (5)",
        "part b (5)",
        "part c (5)",
        "part d (5)",
        "part e (5)",
        "total (25)",
        "awaiting review",
        "rubric sha256",
    ]
    by_student = {row[0]: row[:-1] for row in rows[1:]}
    assert by_student["seed-student-1"] == [
        "seed-student-1",
        "0",
        "5",
        "3",
        "5",
        "3.5",
        "16.5",
        "0",
    ]
    assert by_student["seed-student-2"][-2:] == ["10", "2"]
    results = json.loads(overview(graded, "results.json").read_text(encoding="utf-8"))["results"]
    to_a_person = ("needs_review", "error", "invalid")
    waiting = {
        r["student"]: sum(i["verdict"] in to_a_person for i in r["items"].values()) for r in results
    }
    assert {student: int(row[-1]) for student, row in by_student.items()} == waiting
    assert len(rows) == 1 + len(list((ROOT / "submissions" / "22-52-q4").rglob("*.*")))


def _rows(db: Path) -> list[tuple]:
    with sqlite3.connect(db) as connection:
        return connection.execute(
            "SELECT student, item_id, verdict, marks FROM item_results ORDER BY student, item_id"
        ).fetchall()


def test_regrading_gives_the_same_rows_not_duplicates(tmp_path):
    out = tmp_path / "out"
    args = [
        "grade",
        str(ROOT / "submissions" / "22-52-q4"),
        "--rubric",
        str(RUBRIC),
        "--out",
        str(out),
    ]
    assert main(args) == 0
    first = _rows(out / "gradebook.sqlite")
    assert main(args) == 0
    second = _rows(out / "gradebook.sqlite")
    students = len(list((ROOT / "submissions" / "22-52-q4").rglob("*.yaml"))) + len(
        list((ROOT / "submissions" / "22-52-q4").rglob("*.md"))
    )
    assert first == second and len(first) == students * 10
    with sqlite3.connect(out / "gradebook.sqlite") as connection:
        assert connection.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        assert connection.execute("PRAGMA journal_mode").fetchone() == ("wal",)
        runs = connection.execute("SELECT rubric_sha256, grader_version, sympy_version FROM runs")
        assert len(runs.fetchall()) == 2
        decision = connection.execute(
            "SELECT decision FROM item_results"
            " WHERE student = 'seed-student-1' AND item_id = 'a.params'"
        ).fetchone()[0]
        assert "misconception 1" in " ".join(json.loads(decision))


def test_report_and_export_rebuild_the_outputs_from_the_gradebook_alone(graded, tmp_path):
    again = tmp_path / "again"
    assert main(["report", "--db", str(graded / "gradebook.sqlite"), "--out", str(again)]) == 0
    for path in (overview(graded), page(graded, "seed-student-1"), overview(graded, "grades.csv")):
        name = path.relative_to(graded)
        assert (again / name).read_text(encoding="utf-8") == path.read_text(encoding="utf-8"), name
    exported = tmp_path / "marks.csv"
    assert main(["export", "--db", str(graded / "gradebook.sqlite"), "--csv", str(exported)]) == 0
    assert exported.read_text(encoding="utf-8") == overview(graded, "grades.csv").read_text(
        encoding="utf-8"
    )


def test_report_on_a_missing_gradebook_is_a_usage_error(tmp_path, capsys):
    assert main(["report", "--db", str(tmp_path / "none.sqlite"), "--out", str(tmp_path)]) == 2
    assert "no gradebook" in capsys.readouterr().err


HOSTILE = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    '"><svg onload=alert(1)>',
    r"\href{javascript:alert(1)}{x}",
]


def test_student_text_appears_only_escaped(tmp_path):
    submission = tmp_path / "subs" / "x.yaml"
    submission.parent.mkdir()
    answers = "\n".join(
        f"  {part}:\n    params: {json.dumps(text)}\n    formula: {json.dumps(text)}"
        for part, text in zip("abcd", HOSTILE, strict=True)
    )
    submission.write_text(
        f'student: "<img src=x onerror=alert(2)>"\nquestion: 22-52-Q4\nanswers:\n{answers}\n'
        f"  e:\n    explanation: {json.dumps(HOSTILE[0])}\n",
        encoding="utf-8",
    )
    out = tmp_path / "out"
    assert main(["grade", str(submission.parent), "--rubric", str(RUBRIC), "--out", str(out)]) == 0
    pages = list(out.rglob("*.html"))
    assert len(pages) == 2
    for path in pages:
        html = path.read_text(encoding="utf-8")
        page = Page(html)
        assert "img" not in page.tag_names()
        if path.name != "index.html":
            assert "svg" not in page.tag_names() and "script" not in page.tag_names()
        assert inline_scripts(html) in ([], [str(table_script().text)])  # only ours
        html = html.replace(f"<script>{table_script().text}</script>", "")
        assert "<script" not in html and "<img" not in html and "<svg onload" not in html
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
        for tag, attributes in page.tags:
            assert not any(name.startswith("on") for name in attributes), (tag, attributes)
            assert "javascript:" not in (attributes.get("href") or "")
    index = Page(overview(out).read_text(encoding="utf-8"))
    assert {tag for tag, _ in index.tags if tag == "svg"} == {"svg"}  # only our histogram


def test_only_our_own_mathml_is_trusted():
    ours = '<math xmlns="http://www.w3.org/1998/Math/MathML" display="inline"><mi>P</mi></math>'
    assert str(trusted_mathml(ours)) == ours
    for forged in (
        '<math><mi onclick="x">P</mi></math>',
        "<math><script>alert(1)</script></math>",
        "<math><mi>P</mi></math><img src=x onerror=alert(1)>",
        "<math><mtext>a</mtext></math>",
    ):
        assert "<" not in str(trusted_mathml(forged))


def test_each_section_of_the_overview_appears_once(graded):
    html = overview(graded).read_text(encoding="utf-8")
    for heading in (
        "Score distribution",
        "Students",
        "Items",
        "Most common mistakes",
        "Answer groups",
        "Review queue",
        "Answers that could not be read",
    ):
        assert html.count(f"<h2>{heading}</h2>") == 1, heading
    assert html.count("<svg") == 1


def test_content_the_importer_could_not_assign_is_listed_in_the_overview(tmp_path, capsys):
    subs, out = tmp_path / "subs", tmp_path / "out"
    subs.mkdir()
    (subs / "pat.md").write_text(
        "---\nstudent: pat\nquestion: 22-52-Q4\n---\n## (b)\n"
        "Parameters: $9CD + D$ parameters <b>in total</b>\n",
        encoding="utf-8",
    )
    assert main(["grade", str(subs), "--rubric", str(RUBRIC), "--out", str(out)]) == 0
    html = overview(out).read_text(encoding="utf-8")
    page = Page(html)
    notes = page.content("notes")
    assert "pat" in notes and "was not graded" in notes and "<b>in total</b>" in notes
    assert "<b>" not in html  # shown as text, escaped, never as markup


def test_a_class_of_one_is_counted_in_the_singular(tmp_path, capsys):
    """ "1 student", "1 item needs review": the overview and the summary line count in the
    singular where the count is one (they said "1 students")."""
    one = tmp_path / "subs"
    one.mkdir()
    source = ROOT / "submissions" / "22-52-q4" / "seed-student-1.yaml"
    (one / source.name).write_text(source.read_text(encoding="utf-8"), encoding="utf-8")
    out = tmp_path / "out"
    assert main(["grade", str(one), "--rubric", str(RUBRIC), "--out", str(out)]) == 0
    summary = Page(overview(out).read_text(encoding="utf-8")).content("summary")
    assert summary.startswith("1 student ·")
    said = capsys.readouterr()
    assert "1 student;" in said.out + said.err
    assert "1 students" not in summary + said.out + said.err


@pytest.mark.parametrize(
    ("count", "singular", "plural", "said"),
    [
        (0, "student", None, "0 students"),
        (1, "student", None, "1 student"),
        (2, "student", None, "2 students"),
        (1, "item needs", "items need", "1 item needs"),
        (3, "item needs", "items need", "3 items need"),
    ],
)
def test_a_count_is_said_with_its_noun_in_number(count, singular, plural, said):
    assert counted(count, singular, plural) == said
