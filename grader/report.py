"""Render results for people and programs: a terminal table, per-student text and JSON."""

from __future__ import annotations

import contextlib
import ctypes
import errno
import fcntl
import hashlib
import itertools
import json
import os
import re
import sys
import tempfile
import unicodedata
from collections.abc import Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import TextIO

from grader.errors import GraderError
from grader.model import Batch, ItemResult, Rubric, SubmissionResult


def marks_text(value: float) -> str:
    """2.0 → '2', 1.5 → '1.5'."""
    return f"{value:g}"


def format_item(result: ItemResult, indent: str = "") -> str:
    """One item's verdict, marks, reading and feedback, for a terminal."""
    lines = [
        f"{indent}{result.item_id}: {result.verdict} "
        f"({marks_text(result.marks)}/{marks_text(result.max_marks)} marks)"
    ]
    if result.answer is not None:
        lines.append(f"{indent}  answer:  {result.answer.strip()}")
    if result.interpretation is not None:
        lines.append(f"{indent}  read as: {result.interpretation}")
    for note in result.reading_notes:
        lines.append(f"{indent}  note:    {note}")
    if result.error_caret:
        for caret_line in result.error_caret.splitlines():
            lines.append(f"{indent}    {caret_line}")
    for message in result.feedback:
        lines.append(f"{indent}  - {message}")
    return "\n".join(lines)


def item_json(result: ItemResult) -> dict:
    return {
        "verdict": result.verdict,
        "marks": result.marks,
        "max_marks": result.max_marks,
        "feedback": list(result.feedback),
        "interpretation": result.interpretation,
        "answer": result.answer,
        "diagnosis": result.diagnosis,
        "error_position": result.error_position,
        "found": result.found,
        "reading_notes": list(result.reading_notes),
    }


def batch_json(rubric: Rubric, batch: Batch, versions: Mapping[str, str] | None = None) -> dict:
    """Every result; each names the rubric version (SHA-256) it was graded under: `versions`
    maps students to it (from the gradebook), by default `rubric`'s for all."""
    return {
        "question": rubric.id,
        "rubric": rubric.path,
        "rubric_sha256": rubric.sha256,
        "results": [result_json(rubric, result, versions) for result in batch.results],
        "errors": [{"source": f.source, "message": f.message} for f in batch.failures],
    }


def result_json(
    rubric: Rubric, result: SubmissionResult, versions: Mapping[str, str] | None = None
) -> dict:
    """One student's entry of `batch_json`'s results."""
    return {
        "student": result.student,
        "source": result.source,
        "rubric_sha256": (versions or {}).get(result.student, rubric.sha256),
        "total": result.total,
        "max_total": result.max_total,
        "items": {item_id: item_json(item) for item_id, item in result.items.items()},
        "warnings": list(result.warnings),
    }


_encode_json = json.JSONEncoder(ensure_ascii=False).encode  # json.dumps(..., ensure_ascii=False)


def item_json_text(result: ItemResult) -> str:
    """`item_json` as results.json holds it (`json.dumps(..., ensure_ascii=False)`)."""
    return _encode_json(item_json(result))


def result_json_text(
    rubric: Rubric,
    result: SubmissionResult,
    versions: Mapping[str, str] | None = None,
    item_texts: Iterable[str] | None = None,
) -> str:
    """`result_json` as results.json holds it, the text `json.dumps(..., ensure_ascii=False)`
    gives; `item_texts`: each item's `item_json_text`, in the order of `result.items`, where
    the caller has them (`html_report.ClassRenderer` keeps those of items met before)."""
    encode = _encode_json
    if item_texts is None:
        item_texts = map(item_json_text, result.items.values())
    items = ", ".join(
        f"{encode(item_id)}: {text}" for item_id, text in zip(result.items, item_texts, strict=True)
    )
    return (
        f'{{"student": {encode(result.student)}, "source": {encode(result.source)}, '
        f'"rubric_sha256": {encode((versions or {}).get(result.student, rubric.sha256))}, '
        f'"total": {encode(result.total)}, "max_total": {encode(result.max_total)}, '
        f'"items": {{{items}}}, "warnings": {encode(list(result.warnings))}}}'
    )


def part_marks(rubric: Rubric, result: SubmissionResult) -> list[float]:
    # An item may be absent from a result graded under another version of the rubric.
    return [
        sum(result.items[item.id].marks for item in part.items if item.id in result.items)
        for part in rubric.parts
    ]


def format_table(rubric: Rubric, batch: Batch) -> str:
    """Students down, parts across, then the total and how many items await a person."""
    rows = [table_row(rubric, result) for result in batch.results]
    return "\n".join(table_lines(rubric, rows, rows))


def table_row(rubric: Rubric, result: SubmissionResult) -> list[str]:
    """One student's row of `format_table`: their id, marks per part, total and how many of
    their items await a person."""
    return [
        printable(result.student),
        *(marks_text(m) for m in part_marks(rubric, result)),
        marks_text(result.total),
        str(result.awaiting_review),
    ]


def table_lines(
    rubric: Rubric, rows: Iterable[Sequence[str]], again: Iterable[Sequence[str]]
) -> Iterator[str]:
    """`format_table`'s lines, from `table_row`'s rows given twice (the same rows: the first
    time to size the columns, the second to write them), so that they can be read from a
    file rather than held."""
    header = [
        "student",
        *(f"{p.key}/{marks_text(p.marks)}" for p in rubric.parts),
        f"total/{marks_text(rubric.max_total)}",
        "review",
    ]
    widths = [len(cell) for cell in header]
    for row in rows:
        widths = [max(width, len(cell)) for width, cell in zip(widths, row, strict=True)]
    for number, row in enumerate(itertools.chain([header], again)):
        yield "  ".join(
            cell.ljust(w) if i == 0 else cell.rjust(w)
            for i, (cell, w) in enumerate(zip(row, widths, strict=True))
        )
        if number == 0:
            yield "  ".join("-" * w for w in widths)


def printable(text: str, keep_newlines: bool = False) -> str:
    """`text` safe for a terminal: every control or invisible character (escape sequences, a
    carriage return, a bell) shown as "?", as `ls` does. Student ids, paths and messages come
    from files, which must never drive the terminal. `keep_newlines` keeps the line breaks of
    a message of several lines."""
    if keep_newlines:
        return "\n".join(printable(line) for line in text.split("\n"))
    return "".join(ch if ch.isprintable() else "?" for ch in text)


def safe_file_stem(student: str) -> str:
    """A file name from a student id that cannot escape the folder or confuse a shell: ASCII
    letters, digits, '.', '_' and '-', never starting with '.' or '-' (`chmod 644 *`)."""
    stem = re.sub(r"[^A-Za-z0-9._-]+", "_", student).strip("._-") or "student"
    return stem[:80].rstrip("._-") or "student"


PAGE_DIGEST_LENGTH = 10
# A page's name; the whole digest only when two ids' first digits agree (see page_names).
PAGE_NAME = re.compile(
    rf"[A-Za-z0-9_][A-Za-z0-9._-]*-(?:[0-9a-f]{{{PAGE_DIGEST_LENGTH}}}|[0-9a-f]{{64}})\.html"
)


def page_name(student: str, digest_length: int = PAGE_DIGEST_LENGTH) -> str:
    """The student's page: a readable stem and a digest of the id, so that the name depends on
    the student alone (never on the other files of a batch) and ids that share a stem (`x y`,
    `x_y`) do not share a page. Ids are compared as the gradebook does: case does not matter."""
    normalised = unicodedata.normalize("NFC", student).casefold()
    digest = hashlib.sha256(normalised.encode("utf-8", "surrogatepass")).hexdigest()
    return f"{safe_file_stem(student)}-{digest[:digest_length]}.html"


class OutputError(GraderError):
    """An output file that cannot be written, named as the user gave it."""


STUDENTS_FOLDER = "students"  # what may be released to students: their pages, nothing else
INSTRUCTOR_FOLDER = "instructor"  # the class overview, the CSV and the JSON

# Fixed names of what we write; pages match PAGE_NAME; any other name only when it is the file
# being written (`--json FILE`, `export --csv FILE`).
OUTPUT_NAMES = ("index.html", "grades.csv", "results.json")
_TEMPORARY = re.compile(r"\.(?P<name>.+)\.[a-z0-9_]{8}")  # tempfile.mkstemp(prefix=".NAME.")


def _is_our_temporary(name: str, target: str) -> bool:
    match = _TEMPORARY.fullmatch(name)
    if match is None:
        return False
    of = match.group("name")
    return of == target or of in OUTPUT_NAMES or PAGE_NAME.fullmatch(of) is not None


def _remove_stale_temporaries(
    folder: Path, target: str, keep: frozenset[str] | set[str] = frozenset()
) -> None:
    """Temporary files of ours left by a killed run (the folder is locked: none is in use),
    but those named in `keep`."""
    with os.scandir(folder) as entries:
        for entry in entries:
            if entry.name in keep or not _is_our_temporary(entry.name, target):
                continue
            if entry.is_file(follow_symlinks=False):
                with contextlib.suppress(FileNotFoundError):
                    os.unlink(entry.path)


@contextlib.contextmanager
def _locked_folder(folder: Path) -> Iterator[None]:
    """The folder, locked against our other writers (another `grader` writing there too), so
    that a temporary file of ours found in it is never one being written."""
    fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # releases the lock


def check_writable(path: Path) -> None:
    """Raise OutputError now if `path` could not be written later (before hours of grading)."""
    try:
        if path.is_dir():
            raise IsADirectoryError(errno.EISDIR, "it is a folder")
        folder = path.parent  # the nearest folder that exists: nothing is created here
        while not folder.exists() and folder != folder.parent:
            folder = folder.parent
        if not folder.is_dir():
            raise NotADirectoryError(errno.ENOTDIR, f"{folder} is not a folder")
        fd, probe = tempfile.mkstemp(dir=folder, prefix=f".{path.name}.")
        os.close(fd)
        os.unlink(probe)
    except OSError as error:
        raise OutputError(f"cannot write {path}: {_why(error)}") from None


def _why(error: OSError) -> str:
    if isinstance(error, IsADirectoryError):
        return "it is a folder"
    return error.strerror or type(error).__name__


def say_untidied(what: str, error: OSError) -> None:
    """A file of ours that could not be removed (`what`: the file or folder, and what is left
    there) while another exception is on its way (Ctrl-C, a failed write): said on stderr,
    never raised in that exception's place (the user gets the interruption and its exit
    status, and the cleanup after this goes on). A temporary file left is removed by the next
    report or write into its folder."""
    print(f"warning: cannot tidy {printable(what)}: {_why(error)}", file=sys.stderr, flush=True)


def _discard(temporary: str | Path) -> None:
    """Remove a temporary file of ours while an exception is on its way (`say_untidied`)."""
    try:
        Path(temporary).unlink(missing_ok=True)
    except OSError as error:
        say_untidied(f"{temporary} (a temporary file, left there)", error)


def write_atomically(path: Path, text: str | bytes | Iterable[str]) -> None:
    """Write `text` (UTF-8) or bytes via a temporary file, synced to disk, then os.replace, so
    that neither a reader nor a power cut ever sees half a file. `text` may be pieces of text
    (an iterable of strings), written one after another: a file too large to hold. Temporary
    files a killed run left beside it are removed. A failure is an OutputError naming `path`,
    never the temporary file."""
    try:
        if path.is_dir():
            raise IsADirectoryError(errno.EISDIR, "it is a folder")
        path.parent.mkdir(parents=True, exist_ok=True)
        with _locked_folder(path.parent):
            _remove_stale_temporaries(path.parent, path.name)
            fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
            try:
                with os.fdopen(fd, "wb") as handle:
                    pieces = [text] if isinstance(text, str | bytes) else text
                    for piece in pieces:
                        handle.write(piece.encode("utf-8") if isinstance(piece, str) else piece)
                    handle.flush()
                    os.fsync(handle.fileno())
                os.replace(temporary, path)
            except BaseException:
                _discard(temporary)
                raise
    except OSError as error:
        raise OutputError(f"cannot write {path}: {_why(error)}") from None


class FolderWriter:
    """Writes many files of ours into one folder, each as `write_if_changed` would (a file
    already holding the content is left alone; else the new content goes to a temporary file,
    synced to disk before os.replace puts it in place), but cheaper for many files: the folder
    is locked and tidied of a killed run's temporaries once, not for every file, and the
    temporary files are synced together, by one sync of their file system when the writer is
    left (each by itself when there are a few, SYNC_EACH), then renamed. Until then readers
    see the old files; if it is left by an exception, the temporary files are removed and
    nothing is replaced. Use it as a context manager. No thread: a thread's malloc arena
    would count against the workers' memory limit."""

    def __init__(self, folder: Path):
        self.folder = folder
        self._pending: list[tuple[str, Path]] = []  # (temporary file, its final path)
        self._streams: list[tuple[TextIO, Path]] = []  # `stream`'s, closed on leaving

    def __enter__(self) -> FolderWriter:
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            self._lock = os.open(self.folder, os.O_RDONLY | os.O_DIRECTORY)
        except OSError as error:
            raise OutputError(f"cannot write to {self.folder}: {_why(error)}") from None
        try:
            fcntl.flock(self._lock, fcntl.LOCK_EX)
            _remove_stale_temporaries(self.folder, "")
        except BaseException as error:
            os.close(self._lock)
            if isinstance(error, OSError):
                raise OutputError(f"cannot tidy {self.folder}: {_why(error)}") from None
            raise
        return self

    def write(self, name: str, text: str | bytes) -> Path:
        data = text.encode("utf-8") if isinstance(text, str) else text
        temporary = write_beside(self.folder, name, data)
        if temporary is not None:
            self.adopt(temporary, name)
        return self.folder / name

    def adopt(self, temporary: str, name: str) -> None:
        """A temporary file of `write_beside`, written into the folder by another process
        while this writer holds it, put in place as `name` with the writer's own files (and
        removed with them if the writer is left by an exception)."""
        self._pending.append((temporary, self.folder / name))

    def remove_strays(self) -> None:
        """Remove every temporary file of ours in the folder but this writer's own (written or
        adopted, still to be put in place): what processes writing into it for this writer
        (`write_beside`) left when they were stopped before their files were adopted. The
        folder is locked: none is another writer's. Called while the exception that stopped
        them is on its way: what cannot be removed is said (`say_untidied`), never raised in
        that exception's place; the next writer of the folder removes it."""
        own = {Path(temporary).name for temporary, _ in self._pending}
        try:
            _remove_stale_temporaries(self.folder, "", keep=own)
        except OSError as error:
            say_untidied(
                f"{self.folder} (temporary files of the stopped report may be left there)", error
            )

    def stream(self, name: str) -> TextIO:
        """A file of the folder written piece by piece (UTF-8 text): the caller writes to the
        handle returned and leaves it open; it is closed, synced and put in place with the
        other files when the writer is left, always replacing the file (no comparison). Until
        then readers see the old file whole, and an interruption leaves it as it was."""
        path = self.folder / name
        try:
            if path.is_dir():
                raise IsADirectoryError(errno.EISDIR, "it is a folder")
            fd, temporary = tempfile.mkstemp(dir=self.folder, prefix=f".{name}.")
            self._pending.append((temporary, path))
            handle = open(fd, "w", encoding="utf-8", newline="")  # noqa: SIM115  closed on leaving
        except OSError as error:
            raise OutputError(f"cannot write {path}: {_why(error)}") from None
        self._streams.append((handle, path))
        return handle

    def __exit__(self, exc_type, *_exc_info) -> None:
        try:
            streams, self._streams = self._streams, []
            failed = None
            for handle, path in streams:
                try:
                    handle.close()
                except OSError as error:
                    failed = failed or OutputError(f"cannot write {path}: {_why(error)}")
            if failed is not None and exc_type is None:
                raise failed
            if exc_type is None and self._pending:
                try:
                    if len(self._pending) <= SYNC_EACH:
                        for temporary, _ in self._pending:
                            _sync_file(temporary)
                    else:
                        _sync_file_system(self._lock)
                    while self._pending:
                        temporary, path = self._pending[0]
                        os.replace(temporary, path)
                        self._pending.pop(0)
                except OSError as error:
                    where = self._pending[0][1] if self._pending else self.folder
                    raise OutputError(f"cannot write {where}: {_why(error)}") from None
        finally:
            # Only when an exception is on its way (`exc_type`, or raised above): each file
            # that cannot be removed is said, never raised in its place, and the lock is let go.
            for temporary, _ in self._pending:
                _discard(temporary)
            self._pending = []
            with contextlib.suppress(OSError):  # a folder's descriptor: nothing was written
                os.close(self._lock)  # and with it the lock


def write_beside(folder: Path, name: str, data: bytes) -> str | None:
    """What `FolderWriter.write` does with a file, up to its temporary file, for any process
    writing into a writer's folder while the writer holds it: None when `folder/name`
    already holds exactly `data` (left alone); else a new temporary file in `folder` holding
    `data`, which the writer puts in place (`FolderWriter.adopt`). A failure is an OutputError
    naming the file, and leaves no temporary file."""
    path = folder / name
    try:
        if path.is_dir():
            raise IsADirectoryError(errno.EISDIR, "it is a folder")
        if _holds(path, data):
            return None
        fd, temporary = tempfile.mkstemp(dir=folder, prefix=f".{name}.")
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
        except BaseException:
            _discard(temporary)
            raise
    except OSError as error:
        raise OutputError(f"cannot write {path}: {_why(error)}") from None
    return temporary


def _holds(path: Path, data: bytes) -> bool:
    """Whether `path` (not through a symbolic link) holds exactly `data`."""
    try:
        with open(os.open(path, os.O_RDONLY | os.O_NOFOLLOW), "rb") as handle:
            return handle.read(len(data) + 1) == data  # a longer file is not the same
    except OSError:
        return False


# Up to this many files are synced one by one: a sync of the whole file system also waits for
# whatever else is being written to it (another program's files), which a few files of ours
# need not wait for; more are synced together.
SYNC_EACH = 8


def _sync_file(path: str) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _sync_file_system(fd: int) -> None:
    """Everything written to the file system holding `fd` reaches the disk: syncfs(2) on
    Linux, sync(2) elsewhere."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        syncfs = libc.syncfs
    except (OSError, AttributeError):
        os.sync()
        return
    if syncfs(fd) != 0:
        number = ctypes.get_errno()
        raise OSError(number, os.strerror(number))


def tidy_folder(folder: Path) -> None:
    """Remove the temporary files of our outputs (pages, index.html, grades.csv, results.json)
    that a killed run left in `folder`: `write_atomically` does so for the file it writes,
    but `write_if_changed` may write nothing there."""
    if not folder.is_dir():
        return
    try:
        with _locked_folder(folder):
            _remove_stale_temporaries(folder, "")
    except OSError as error:
        raise OutputError(f"cannot tidy {folder}: {_why(error)}") from None


def write_if_changed(path: Path, text: str | bytes) -> bool:
    """`write_atomically`, unless `path` already holds exactly `text`: a re-run leaves a page
    it would write unchanged alone (no new file, no sync). Whether it wrote."""
    data = text.encode("utf-8") if isinstance(text, str) else text
    # not through a symbolic link: that is replaced by our file, as write_atomically does;
    # absent or unreadable: written (or refused) by write_atomically
    if _holds(path, data):
        return False
    write_atomically(path, data)
    return True
