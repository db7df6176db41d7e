"""`grader serve`: the review queue and every student's answers in a local web app.

A Flask app over the gradebook, its pages rendered on the server from
`grader/templates/review/` with `autoescape=True` (student text is only ever escaped; the
MathML of a reading goes through `html_report.trusted_mathml`, as on the static pages). Every
page works without script; `keys.js` adds keyboard shortcuts.

Safe by default: it listens on 127.0.0.1 only and answers only requests naming a local host
(no DNS rebinding); every request must carry the random token of the URL it printed (the
first visit trades it for a cookie, so it leaves the address bar); every form carries a CSRF
token and a cross-site Origin is refused. Decisions are appended to the gradebook's audit
trail (`gradebook.record_overrides`), signed with the reviewer's name.

Several TAs on a network is explicit (`grader serve --host ADDRESS --reviewers A,B`): one token
per TA, whose name signs the decisions made with it, and one more Host name allowed, the
address chosen.
"""

from __future__ import annotations

import hashlib
import hmac
import math
import re
import secrets
import sqlite3
import sys
import threading
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path

from flask import Flask, Response, abort, g, redirect, request
from jinja2 import Environment, PackageLoader
from werkzeug.exceptions import HTTPException

from grader import gradebook
from grader.answer_groups import (
    AnswerGroup,
    ReviewQueue,
    WaitingGroup,
    key_group_id,
)
from grader.errors import GraderError, counted, printable
from grader.html_report import (
    FONT_FILES,
    FONT_FOLDER,
    MATH_FONT,
    VERDICT_WORDS,
    student_pages,
    trusted_mathml,
)
from grader.model import Rubric, SubmissionResult, answer_group_key
from grader.overrides import current
from grader.report import marks_text

GROUP_ID = re.compile("[0-9a-f]{16}")  # `answer_groups.group_id`
MAX_NOTE = 2000  # characters, as the forms say
STUDENTS_A_PAGE = 500  # rows of the students page: a class of 50,000 is a hundred pages
MAX_FIND = 200  # characters of the students page's search
LOCAL_HOSTS = {"127.0.0.1", "localhost", "[::1]"}
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; script-src 'self'; style-src 'unsafe-inline'; font-src 'self'; "
        "img-src data:; "
        "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    # The first URL carries the token: never sent to another site. (Not "no-referrer": then
    # Chromium sends even a same-origin form's Origin as "null".)
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
}


@cache
def _environment() -> Environment:
    environment = Environment(
        loader=PackageLoader("grader", "templates/review"),
        autoescape=True,  # always, whatever a template is named
        trim_blocks=True,
        lstrip_blocks=True,
    )
    environment.globals.update(
        marks=marks_text, counted=counted, mathml=trusted_mathml, verdict_words=VERDICT_WORDS
    )
    return environment


class Class:
    """The gradebook as the app shows it, kept between requests (`Served`): the latest run's
    question (or the one chosen), its students' results read once, a chunk at a time, into
    what the pages show (the review queue, `queue`; each student's marks and answers waiting,
    `totals`), overrides applied, never the class held whole; the students' ids, stored rows
    and page names held. A decision made here changes it in place (`decide`). A student whose
    stored rows are damaged is left out, said once in `warnings`."""

    def __init__(self, connection: sqlite3.Connection, run: gradebook.StoredRun):
        self.rubric: Rubric = run.rubric
        self._connection, self._run = connection, run
        self._overrides = gradebook.load_overrides(connection, run.rubric.id)
        self._holds = gradebook.load_holds(connection, run)
        self._rows = {
            row[0]: row for row in gradebook.stored_submissions(connection, run.rubric.id)
        }
        self.pages = student_pages(self._rows)  # student -> their page name
        self._students = {page: student for student, page in self.pages.items()}
        self._order = {student: place for place, student in enumerate(self._rows)}
        self.warnings: list[str] = []
        self.stale = False  # to be read again (a decision the queue could not follow)
        self.queue = ReviewQueue(spellings=False)
        # student -> (their total, the most they could get, how many answers wait for a person)
        self.totals: dict[str, tuple[float, float, int]] = {}
        for result in self.results():
            self.queue.add(result)
            self.totals[result.student] = _totals(result)

    def _damaged(self, text: str) -> None:
        if text not in self.warnings:
            self.warnings.append(text)

    def results(self) -> Iterator[SubmissionResult]:
        """Every student's result, in the class's order, a chunk of students read at a time."""
        for result in gradebook.iter_results(self._connection, self._run, self._damaged):
            yield self._current(result)

    def _stored(self, students: Iterable[str]) -> Iterator[SubmissionResult]:
        """The results of `students` as stored (no override applied), in the order given, a
        chunk at a time; a damaged one left out, said in `warnings`."""
        rows = [self._rows[student] for student in students]
        for start in range(0, len(rows), gradebook.READ_CHUNK):
            chunk = rows[start : start + gradebook.READ_CHUNK]
            for found in gradebook.stored_results(self._connection, self.rubric, chunk):
                if isinstance(found, str):
                    self._damaged(found)
                else:
                    yield found

    def members(self, digest: str) -> tuple[str, list[SubmissionResult]] | None:
        """The item of the group `digest` and its members' results as stored (no override
        applied), in the class's order, their rows alone read: told by the stored answers of
        the group's item for a group of the queue, of every item for another (decided
        already). None when no answer is in it."""
        if not GROUP_ID.fullmatch(digest):
            return None
        waiting = self.queue.waiting_group(digest)
        answers = gradebook.item_answers(
            self._connection, self.rubric.id, waiting.item_id if waiting else None
        )
        written = {
            student: item_id
            for student, item_id, group, answer in answers
            if student in self._order
            and item_id in self.rubric.items  # not an item of an earlier rubric
            and key_group_id(item_id, answer_group_key(group, answer)) == digest
        }
        items = set(written.values())
        if len(items) != 1:  # none; or two items' answers with one id (a digest's collision)
            return None
        stored = list(self._stored(sorted(written, key=self._order.__getitem__)))
        return (items.pop(), stored) if stored else None

    def group(self, digest: str) -> AnswerGroup | None:
        """Every member of the group `digest`, their results as they stand (`members`)."""
        found = self.members(digest)
        if found is None:
            return None
        item_id, stored = found
        chosen = AnswerGroup(digest, item_id)
        for result in stored:
            chosen.members.append((result.student, self._current(result).items[item_id]))
        return chosen

    def _current(self, stored: SubmissionResult) -> SubmissionResult:
        return current(stored, self._overrides, self._holds)

    def decide(
        self,
        targets: list[tuple[str, str]],
        marks: float,
        note: str,
        reviewer: str,
        stored: Iterable[SubmissionResult] | None = None,
    ) -> None:
        """Record one decision for `targets` ((student, item id) pairs) in the gradebook, and
        change the queue and totals as a new read of the class would show them (the stored
        results are as they were: only the overrides changed). `stored`: the results of the
        targets' students as stored, if read already. If following the decision fails once it
        is recorded, the class is `stale`: read again on the next page."""
        if stored is None:
            stored = self._stored(dict.fromkeys(student for student, _ in targets))
        before = {result.student: result for result in stored}
        made = gradebook.record_overrides(
            self._connection, self.rubric.id, targets, marks, note, reviewer
        )
        try:
            overrides = {**self._overrides, **dict(zip(targets, made, strict=True))}
            changes = [
                (self._current(result), current(result, overrides, self._holds))
                for result in before.values()
            ]
            followed = self.queue.replace(changes, self._order)
            for _, new in changes:
                self.totals[new.student] = _totals(new)
            self._overrides = overrides
        except BaseException:
            self.stale = True
            raise
        self.stale = not followed

    def result(self, page: str) -> SubmissionResult:
        """The result of the student whose page is `page`, that student's rows alone read."""
        student = self._students.get(page)
        if student is None:
            abort(404)
        (found,) = gradebook.stored_results(self._connection, self.rubric, [self._rows[student]])
        if isinstance(found, str):  # damaged: left out of the class, said why
            self._damaged(found)
            abort(404, found)
        return self._current(found)

    def prompt(self, item_id: str) -> str:
        item = self.rubric.items.get(item_id)
        if item is None:
            return ""
        return next((p.prompt for p in self.rubric.parts if p.key == item.part), "")


@dataclass(frozen=True)
class StudentsPage:
    """One page of the students table: the students whose id holds `find` (any case), only
    those with answers waiting for a person if `waiting`, `size` a page, in the class's order."""

    rows: list[tuple[str, float, float, int]]  # student, total, most they could get, waiting
    number: int  # this page, from 1
    pages: int  # pages of the students matched (at least 1)
    matched: int  # students that match
    first: int  # the place of the page's first row among those matched, from 1
    find: str
    waiting: bool


def students_page(
    totals: Mapping[str, tuple[float, float, int]],
    find: str,
    waiting: bool,
    asked: str,
    size: int = STUDENTS_A_PAGE,
) -> StudentsPage:
    """The page `asked` (its number as the address gives it: a number out of range is the
    nearest page, anything else the first) of the students `totals` holds, filtered."""
    wanted = find.casefold()
    matched = [
        (student, *marks)
        for student, marks in totals.items()
        if wanted in student.casefold() and (marks[2] or not waiting)
    ]
    pages = max(1, math.ceil(len(matched) / size))
    if asked.isascii() and asked.isdigit():
        digits = asked.lstrip("0") or "0"  # more than 18 are past any page (and int()'s limit)
        number = min(max(int(digits), 1), pages) if len(digits) <= 18 else pages
    else:
        number = 1
    start = (number - 1) * size
    return StudentsPage(
        matched[start : start + size], number, pages, len(matched), start + 1, find, waiting
    )


def _totals(result: SubmissionResult) -> tuple[float, float, int]:
    waiting = sum(item.needs_person for item in result.items.values())
    return result.total, result.max_total, waiting


class Served:
    """The class of the gradebook `db` (`Class`) kept between requests, one request at a time:
    read again when another connection (a grading run, `grader override`, another server) has
    committed since, which SQLite's `data_version` of the connection kept here tells (a
    checkpoint may tell it too), when the gradebook's file was replaced, or when a decision
    could not be followed in place; a decision made through it changes the class in place, in
    the same transaction that checked the class was current."""

    def __init__(self, db: Path, question: str | None = None):
        self._db, self._question = db, question
        self._lock = threading.Lock()
        self._connection: sqlite3.Connection | None = None
        self._file: tuple[int, int] | None = None  # the gradebook file it has open
        self._class: Class | None = None
        self._version = -1  # the data_version the class was read at

    @contextmanager
    def reading(self) -> Iterator[tuple[sqlite3.Connection, Class]]:
        """The class as the gradebook stands, every read within in that one state."""
        with self._lock:
            connection = self._connect()
            with gradebook.one_state(connection):
                yield connection, self._current(connection)

    @contextmanager
    def writing(self) -> Iterator[tuple[sqlite3.Connection, Class]]:
        """The class as the gradebook stands, no other connection writing until the decision
        made within (`Class.decide`) is committed; nothing written if it raises."""
        with self._lock:
            connection = self._connect()
            with gradebook.one_state(connection):  # read again, if need be, before writing
                self._current(connection)
            connection.execute("BEGIN IMMEDIATE")
            try:  # read again only if another connection committed in between
                yield connection, self._current(connection)
            finally:
                if connection.in_transaction:
                    connection.rollback()

    def _connect(self) -> sqlite3.Connection:
        try:
            status = self._db.stat()
            file = (status.st_dev, status.st_ino)
        except OSError:
            file = None
        if self._connection is None or file != self._file:  # first, or the file replaced
            if self._connection is not None:
                self._connection.close()
            self._connection = self._class = self._file = None  # as new, should connect fail
            connection = gradebook.connect(self._db, threads=True)
            status = self._db.stat()
            self._connection, self._file = connection, (status.st_dev, status.st_ino)
        return self._connection

    def _current(self, connection: sqlite3.Connection) -> Class:
        version = gradebook.data_version(connection)
        if self._class is None or self._class.stale or version != self._version:
            self._class = None  # not kept if reading fails
            if self._question is None:
                run = gradebook.latest_run(connection)
            else:
                run = gradebook.latest_run_of(connection, self._question)
            self._class, self._version = Class(connection, run), version
        return self._class


def create_app(
    db: Path,
    reviewer: str,
    token: str | None = None,
    out: Path | None = None,
    reviewers: dict[str, str] | None = None,
    host: str | None = None,
    question: str | None = None,
) -> Flask:
    """The app over the gradebook `db`; decisions are signed `reviewer`. `token` (default:
    a new random one) must come with every request; `out` is the folder the rebuild button
    writes, as `grader report --out` would.

    For several TAs, `reviewers` maps each TA's token to their name (instead of `reviewer`
    and `token`): a request is signed by the TA whose token it carries. `host` is one more
    name requests may be addressed to (the address the server listens on), beside the local
    ones. `question` is the question of the gradebook to review (default: the latest graded)."""
    app = Flask(__name__)
    if reviewers is None:
        reviewers = {token or secrets.token_urlsafe(32): reviewer}
    if not reviewers:
        raise ValueError("at least one reviewer")
    app.config.update(GRADER_REVIEWERS=dict(reviewers), MAX_CONTENT_LENGTH=1 << 20)
    secret = secrets.token_bytes(32)
    hosts = LOCAL_HOSTS | ({_host_name(host)} if host else set())
    served = Served(db, question)
    cookie = "grader-" + hashlib.sha256("\0".join(sorted(reviewers)).encode()).hexdigest()[:12]

    def csrf_for(token: str) -> str:
        # One CSRF token per TA: a form one TA was served cannot be posted with another's.
        return hmac.new(secret, token.encode(), hashlib.sha256).hexdigest()

    def signed_by(supplied: str) -> str | None:
        """The token `supplied` is, compared with every token in constant time."""
        found = None
        for token in reviewers:
            if hmac.compare_digest(supplied.encode(), token.encode()):
                found = token
        return found

    def render(name: str, klass: Class, status: int = 200, **context) -> Response:
        page = (
            _environment()
            .get_template(name)
            .render(
                csrf=g.csrf,
                klass=klass,
                queue_size=len(klass.queue),
                out=out,
                reviewer=g.reviewer,
                **context,
            )
        )
        return Response(page, status, mimetype="text/html")

    @app.before_request
    def guard():
        host = request.host.rsplit(":", 1)[0] if not request.host.endswith("]") else request.host
        if host.lower() not in hosts:
            abort(400, f"this server answers only requests to {', '.join(sorted(hosts))}")
        token = signed_by(request.args.get("token") or request.cookies.get(cookie) or "")
        if token is None:
            abort(403, "open the URL `grader serve` printed: it carries the access token")
        g.reviewer, g.csrf = reviewers[token], csrf_for(token)
        if request.method == "POST":
            origin = request.headers.get("Origin")
            if origin is not None and origin != request.host_url.rstrip("/"):
                abort(403, "a form from another site was refused")
            if not hmac.compare_digest(request.form.get("csrf", "").encode(), g.csrf.encode()):
                abort(403, "the form is out of date (its CSRF token is wrong): reload the page")
        elif "token" in request.args:
            # Trade the token for a cookie, so it leaves the address bar and the history.
            response = redirect(request.path)
            response.set_cookie(cookie, token, httponly=True, samesite="Strict")
            return response
        return None

    @app.after_request
    def headers(response: Response) -> Response:
        response.headers.update(SECURITY_HEADERS)
        return response

    @app.errorhandler(HTTPException)
    def refused(error: HTTPException):
        page = _environment().get_template("error.html").render(error=error)
        return Response(page, error.code or 500, mimetype="text/html")

    @app.errorhandler(GraderError)
    def unusable(error: GraderError):
        page = (
            _environment()
            .get_template("error.html")
            .render(error={"code": 400, "name": "Cannot do that", "description": str(error)})
        )
        return Response(page, 400, mimetype="text/html")

    @app.get("/")
    def home():
        return redirect("/queue")

    @app.get("/keys.js")
    def keys():
        text = resources.files("grader").joinpath("templates/review/keys.js").read_text()
        return Response(text, mimetype="text/javascript")

    @app.get(f"/{FONT_FOLDER}/<name>")
    def font(name: str):
        """The bundled math font (and its licence), as the static pages have it beside them."""
        if name not in FONT_FILES:
            abort(404)
        data = resources.files("grader").joinpath(FONT_FOLDER, name).read_bytes()
        return Response(data, mimetype="font/woff2" if name == MATH_FONT else "text/plain")

    @app.get("/queue")
    def queue():
        with served.reading() as (_, klass):
            groups = klass.queue.groups()
            return render(
                "queue.html",
                klass,
                groups=groups,
                decided=request.args.get("decided", type=int),
            )

    @app.get("/group/<group_id>")
    def group(group_id: str):
        with served.reading() as (connection, klass):
            chosen = klass.group(group_id) or abort(404)
            members = {student for student, _ in chosen.members}
            history = [
                entry
                for entry in gradebook.decisions(connection, klass.rubric.id)
                if entry.item_id == chosen.item_id and entry.student in members
            ]
            queue = klass.queue.groups()
            return render(
                "group.html",
                klass,
                group=chosen,
                item=klass.rubric.items.get(chosen.item_id),
                prompt=klass.prompt(chosen.item_id),
                history=history,
                next_group=_next(queue, chosen),
                pages=klass.pages,
                decided=request.args.get("decided", type=int),
            )

    @app.post("/group/<group_id>")
    def decide_group(group_id: str):
        marks, note = _marks(request.form.get("marks")), _note()
        students = list(dict.fromkeys(request.form.getlist("student")))  # each once
        # The group's members are read before the gradebook's write lock is taken (a group of
        # 12,500 takes seconds to read: a grading run would wait on it), and read again under
        # it only if another connection changed the gradebook in between (a class read anew).
        with served.reading() as (_, klass):
            read, found = klass, klass.members(group_id)
        with served.writing() as (_, klass):
            if klass is not read:
                found = klass.members(group_id)
            item_id, stored = found or abort(404)
            written = {result.student: result for result in stored}
            if not students:
                abort(400, "choose at least one student to apply the decision to")
            if not written.keys() >= set(students):
                abort(400, "a chosen student did not write this group's answer")
            targets = [(student, item_id) for student in students]
            klass.decide(targets, marks, note, g.reviewer, [written[s] for s in students])
        with served.reading() as (_, klass):  # read again only if the queue could not follow
            following = _next(klass.queue.groups(), None)
        target = f"/group/{following.id}" if following else "/queue"
        return redirect(f"{target}?decided={len(students)}", 303)

    @app.get("/students")
    def students():
        find = request.args.get("find", "").strip()[:MAX_FIND]
        waiting = request.args.get("waiting") == "1"
        asked = request.args.get("page", "1")
        with served.reading() as (_, klass):
            shown = students_page(klass.totals, find, waiting, asked, STUDENTS_A_PAGE)
            return render("students.html", klass, shown=shown, everyone=len(klass.totals))

    @app.get("/student/<page>")
    def student(page: str):
        with served.reading() as (connection, klass):
            result = klass.result(page)
            history: dict[str, list] = {}
            for entry in gradebook.decisions(connection, klass.rubric.id, result.student):
                history.setdefault(entry.item_id, []).append(entry)
            return render(
                "student.html",
                klass,
                result=result,
                page=page,
                history=history,
                decided=request.args.get("decided", type=int),
            )

    @app.post("/student/<page>/<item_id>")
    def decide_item(page: str, item_id: str):
        marks, note = _marks(request.form.get("marks")), _note()
        with served.writing() as (_, klass):
            result = klass.result(page)
            if item_id not in result.items:
                abort(404)
            klass.decide([(result.student, item_id)], marks, note, g.reviewer)
        return redirect(f"/student/{page}?decided=1#item-{item_id}", 303)

    @app.get("/changes")
    def changes():
        with served.reading() as (connection, klass):
            started, listed = gradebook.latest_changes(connection, klass.rubric.id)
            return render("changes.html", klass, started=started, changes=listed)

    @app.post("/rebuild")
    def rebuild():
        if out is None:
            abort(400, "start `grader serve` with --out DIR to rebuild the pages from here")
        from grader import cli  # the very code `grader report` runs

        try:
            cli.rebuild_outputs(db, out)
        except GraderError as error:
            with served.reading() as (_, klass):
                return render("rebuilt.html", klass, 409, error=str(error))
        with served.reading() as (_, klass):
            return render("rebuilt.html", klass, error=None)

    return app


def _next(queue: list[WaitingGroup], current: AnswerGroup | None) -> WaitingGroup | None:
    """The group after `current` in the queue (the first other one if `current` is the last
    or not in it)."""
    ids = [group.id for group in queue]
    if current is not None and current.id in ids:
        after = queue[ids.index(current.id) + 1 :]
        if after:
            return after[0]
    others = [group for group in queue if current is None or group.id != current.id]
    return others[0] if others else None


def _note() -> str:
    note = request.form.get("note", "").strip()
    if len(note) > MAX_NOTE:
        abort(400, f"a note is at most {MAX_NOTE} characters")
    return note


def _marks(text: str | None) -> float:
    try:
        value = float(text or "")
    except ValueError:
        abort(400, "marks must be a number")
    if not math.isfinite(value):
        abort(400, "marks must be a number")
    return value


def _host_name(address: str) -> str:
    """`address` as a Host header names it: an IPv6 address in brackets, lower case."""
    address = address.lower()
    return f"[{address}]" if ":" in address and not address.startswith("[") else address


def serve(
    db: Path,
    reviewer: str,
    port: int,
    out: Path | None = None,
    host: str = "127.0.0.1",
    reviewers: list[str] | None = None,
    question: str | None = None,
) -> None:
    """Serve the app on `host` (127.0.0.1 unless chosen) until interrupted, printing the URL
    with its token: one URL per TA when `reviewers` names several, each signing decisions
    with that TA's name."""
    from werkzeug.serving import make_server

    names = reviewers or [reviewer]
    tokens = {secrets.token_urlsafe(32): name for name in names}
    app = create_app(db, reviewer, out=out, reviewers=tokens, host=host, question=question)
    server = make_server(host.strip("[]"), port, app, threaded=True)
    where = _host_name(host)
    if reviewers is None:
        (token,) = tokens
        print(
            f"reviewing {printable(str(db))} as {printable(reviewer)}; open\n"
            f"    http://{where}:{server.server_port}/?token={token}\n"
            "(Ctrl-C stops the server)",
            flush=True,
        )
    else:
        print(f"reviewing {printable(str(db))}; each TA opens their own URL:", flush=True)
        for token, name in tokens.items():
            print(f"  {printable(name)}: http://{where}:{server.server_port}/?token={token}")
        print("(Ctrl-C stops the server)", flush=True)
    try:
        server.serve_forever()
    finally:
        server.server_close()
        print("stopped", file=sys.stderr)
