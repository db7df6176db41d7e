"""Render results for people and programs: a terminal table, per-student text and JSON."""

from __future__ import annotations

import contextlib
import ctypes
import errno
import fcntl
import functools
import hashlib
import itertools
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import unicodedata
from collections.abc import Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import TextIO

from grader.errors import GraderError, printable
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
        "total": result.final_total,  # null when held: its marks are not final
        "max_total": result.max_total,
        "items": {item_id: item_json(item) for item_id, item in result.items.items()},
        "warnings": list(result.warnings),
        **({"held": result.held} if result.held else {}),  # its marks are not this run's
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
    encode, few = _encode_json, _encode_few
    if item_texts is None:
        item_texts = map(item_json_text, result.items.values())
    items = ", ".join(
        f"{few(item_id)}: {text}" for item_id, text in zip(result.items, item_texts, strict=True)
    )
    warnings = encode(list(result.warnings)) if result.warnings else "[]"
    held = f', "held": {encode(result.held)}' if result.held else ""
    return (
        f'{{"student": {encode(result.student)}, "source": {encode(result.source)}, '
        f'"rubric_sha256": {few((versions or {}).get(result.student, rubric.sha256))}, '
        f'"total": {encode(result.final_total)}, "max_total": {encode(result.max_total)}, '
        f'"items": {{{items}}}, "warnings": {warnings}{held}}}'
    )


@functools.lru_cache(maxsize=4096)
def _encode_few(text: str) -> str:
    """`_encode_json(text)` of a text a class repeats (an item's id, a rubric's version),
    remembered. Texts only: a cache takes 1, 1.0 and True, or 0.0 and -0.0, for the same."""
    return _encode_json(text)


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
    their items await a person. A held result's marks (`result.held`) are not shown, as
    grades.csv leaves them empty (`lms_csv.grades_csv_row`): its total says `held`."""
    if result.held:
        return [printable(result.student), *held_marks(len(rubric.parts), result.awaiting_review)]
    return [
        printable(result.student),
        *(marks_text(m) for m in part_marks(rubric, result)),
        marks_text(result.total),
        str(result.awaiting_review),
    ]


def held_marks(parts: int, review: int) -> list[str]:
    """A held student's marks texts (`table_row`, the overview's rows): each of `parts`
    blank, the total `held`, then how many items await a person."""
    return ["" for _ in range(parts)] + ["held", str(review)]


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
# tempfile.mkstemp(prefix=".NAME.")'s names, and `_TemporaryNames`'
_TEMPORARY = re.compile(r"\.(?P<name>.+)\.[a-z0-9_]{8}")


def _is_our_temporary(name: str, target: str) -> bool:
    match = _TEMPORARY.fullmatch(name)
    if match is None:
        return False
    of = match.group("name")
    return of == target or of in OUTPUT_NAMES or PAGE_NAME.fullmatch(of) is not None


def _remove_stale_temporaries(
    folder: Path, target: str, keep: frozenset[str] | set[str] = frozenset()
) -> bool:
    """Temporary files of ours left by a killed run (the folder is locked: none is in use),
    but those named in `keep`. Whether the folder holds anything named as a page is
    (`PAGE_NAME`: a file, a folder, a link), seen on the way."""
    pages = False
    with os.scandir(folder) as entries:
        for entry in entries:
            if not pages and PAGE_NAME.fullmatch(entry.name) is not None:
                pages = True
            if entry.name in keep or not _is_our_temporary(entry.name, target):
                continue
            if entry.is_file(follow_symlinks=False):
                with contextlib.suppress(FileNotFoundError):
                    os.unlink(entry.path)
    return pages


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
        self._pending: list[tuple[str, str]] = []  # (temporary file, its final name)
        self._streams: list[tuple[TextIO, Path]] = []  # `stream`'s, closed on leaving
        # each program `start_sync` started, and how many of the first files pending it syncs
        self._syncing: list[tuple[subprocess.Popen, int]] = []
        # Whether the folder held nothing named as a page (`PAGE_NAME`) when the writer
        # found it: a page written then has no old page to compare with, none is looked at
        # (`write_beside`'s `fresh`). Set on entering.
        self.without_pages = False

    def __enter__(self) -> FolderWriter:
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            self._lock = os.open(self.folder, os.O_RDONLY | os.O_DIRECTORY)
        except OSError as error:
            raise OutputError(f"cannot write to {self.folder}: {_why(error)}") from None
        try:
            fcntl.flock(self._lock, fcntl.LOCK_EX)
            self.without_pages = not _remove_stale_temporaries(self.folder, "")
        except BaseException as error:
            os.close(self._lock)
            if isinstance(error, OSError):
                raise OutputError(f"cannot tidy {self.folder}: {_why(error)}") from None
            raise
        return self

    def write(self, name: str, text: str | bytes) -> Path:
        data = text.encode("utf-8") if isinstance(text, str) else text
        temporary = _write_beside(self.folder, self._lock, name, data, self.without_pages)
        if temporary is not None:
            self.adopt(temporary, name)
        return self.folder / name

    def start_sync(self) -> None:
        """Have the files pending now (each written and closed) synced to the disk by
        another process while this one works on (a report renders its overview meanwhile):
        their file system's sync, `sync -f` (GNU coreutils, Linux), a small
        program of its own, not a fork of this process (whose pages it would hold while this
        one changes them) nor a thread (whose malloc arena later workers would inherit).
        Called again, it starts another for the files added since the last (which need not
        have ended). Leaving waits for them, then syncs only the files added since the last
        (as it does without: one by one when few, else their file system). Where the program
        cannot be started, or it fails, or a file of `stream` is still open, leaving syncs
        every file from the first a failed program should have synced, as without."""
        if self._streams or len(self._pending) <= SYNC_EACH:
            return  # a stream is still being written: synced on leaving, with the rest
        if self._syncing and self._syncing[-1][1] == len(self._pending):
            return  # nothing added since the last
        program = _sync_program()
        if program is None:
            return
        try:
            process = subprocess.Popen(
                [program, "-f", "--", os.fspath(self.folder)],
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                start_new_session=True,  # not stopped by Ctrl-C: this process decides
            )
        except OSError:  # not started (memory, a limit): synced on leaving
            return
        self._syncing.append((process, len(self._pending)))

    def sync_meanwhile(self) -> None:
        """`start_sync` while files are still being added (a report's pages, adopted as its
        children write them), once the last program started has ended (or none has been)
        and at least SYNC_AGAIN files have been added since: the disk is written while the
        work goes on, and the last sync, once every file is written, has little left to
        write where it would have had all (a class of 10,000 writes 200 MB of pages: a
        second's wait for the disk, one core idle). A program that has not ended is never
        waited for here."""
        if self._syncing:
            process, count = self._syncing[-1]
            if process.poll() is None or len(self._pending) - count < SYNC_AGAIN:
                return
        elif len(self._pending) < SYNC_AGAIN:
            return
        self.start_sync()

    def _synced_beside(self) -> int:
        """How many of the first files pending `start_sync`'s programs synced, each waited
        for: as many as the last program of those that all succeeded (0 when the first
        failed, or none was started). A failed program's file system may have failed to
        write a file the programs after it were not told of (each is told of the errors
        since it began), so none after it counts. When an exception is on its way, the
        programs are stopped."""
        syncing, self._syncing = self._syncing, []
        synced, failed = 0, False
        try:
            for process, count in syncing:
                if process.wait() == 0 and not failed:
                    synced = count
                else:
                    failed = True
            return synced
        finally:
            for process, _ in syncing:
                if process.returncode is None:  # interrupted while waiting
                    process.kill()
                    process.wait()

    def adopt(self, temporary: str, name: str) -> None:
        """A temporary file of `write_beside` (its path, in the folder), written into the
        folder by another process while this writer holds it, put in place as `name` with
        the writer's own files (and removed with them if the writer is left by an
        exception)."""
        self._pending.append((os.path.basename(temporary), name))

    def remove_strays(self) -> None:
        """Remove every temporary file of ours in the folder but this writer's own (written or
        adopted, still to be put in place): what processes writing into it for this writer
        (`write_beside`) left when they were stopped before their files were adopted. The
        folder is locked: none is another writer's. Called while the exception that stopped
        them is on its way: what cannot be removed is said (`say_untidied`), never raised in
        that exception's place; the next writer of the folder removes it."""
        own = {temporary for temporary, _ in self._pending}
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
            self._pending.append((os.path.basename(temporary), name))
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
                self._put_in_place()
        finally:
            # Only when an exception is on its way (`exc_type`, or raised above): each file
            # that cannot be removed is said, never raised in its place, and the lock is let go.
            for process, _ in self._syncing:
                process.kill()
                process.wait()
            self._syncing = []
            for temporary, _ in self._pending:
                _discard_at(self.folder, self._lock, temporary)
            self._pending = []
            with contextlib.suppress(OSError):  # a folder's descriptor: nothing was written
                os.close(self._lock)  # and with it the lock

    def _put_in_place(self) -> None:
        """Every file pending synced (what `start_sync`'s programs did not), then each renamed
        into place: by its name in the folder held open (`_lock`), no path walked for each.
        A failure is an OutputError naming the file (the folder, for a sync); the files not
        yet in place stay pending, removed on leaving."""
        pending, done, fd = self._pending, 0, self._lock
        try:
            unsynced = pending[self._synced_beside() :]
            if len(unsynced) <= SYNC_EACH:
                for temporary, _ in unsynced:
                    _sync_file(os.path.join(self.folder, temporary))
            else:
                _sync_file_system(fd)
            replace = os.replace
            for temporary, name in pending:
                replace(temporary, name, src_dir_fd=fd, dst_dir_fd=fd)
                done += 1
        except OSError as error:
            where = self.folder / pending[done][1] if done < len(pending) else self.folder
            raise OutputError(f"cannot write {where}: {_why(error)}") from None
        finally:
            # the files put in place are no longer ours to remove
            self._pending = pending[done:]


def write_beside(folder: Path, name: str, data: bytes, fresh: bool = False) -> str | None:
    """What `FolderWriter.write` does with a file, up to its temporary file, for any process
    writing into a writer's folder while the writer holds it: None when `folder/name`
    already holds exactly `data` (left alone); else a new temporary file in `folder` holding
    `data`, which the writer puts in place (`FolderWriter.adopt`). `fresh`: the writer found
    the folder without pages (`FolderWriter.without_pages`), so when `name` is a page's
    (`PAGE_NAME`) there is no old file to compare with: none is looked at (a folder put in
    the page's place since is refused when the writer puts the page in place, with the same
    words). A failure is an
    OutputError naming the file, and leaves no temporary file. A process writing many files
    keeps a `PagesBeside`."""
    with PagesBeside(folder, fresh) as beside:
        return beside.write(name, data)


class PagesBeside:
    """`write_beside` for a process writing many files into one folder (a report's page
    children): the folder opened once, each file opened from it (`dir_fd`), no path walked
    again. Use it as a context manager, or `close` it."""

    def __init__(self, folder: Path, fresh: bool = False):
        self.folder = folder
        self.fresh = fresh
        try:
            self._fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
        except OSError as error:
            raise OutputError(f"cannot write to {folder}: {_why(error)}") from None

    def write(self, name: str, data: bytes) -> str | None:
        """`write_beside(folder, name, data, fresh)`."""
        return _write_beside(self.folder, self._fd, name, data, self.fresh)

    def sync(self) -> None:
        """Everything written to the folder's file system reaches the disk
        (`_sync_file_system`); a failure is an OutputError naming the folder."""
        try:
            _sync_file_system(self._fd)
        except OSError as error:
            raise OutputError(f"cannot write to {self.folder}: {_why(error)}") from None

    def close(self) -> None:
        os.close(self._fd)

    def __enter__(self) -> PagesBeside:
        return self

    def __exit__(self, *_exc_info) -> None:
        self.close()


def _write_beside(folder: Path, fd: int, name: str, data: bytes, fresh: bool) -> str | None:
    """`write_beside` into `folder`, open as `fd`. The old file is opened once (not looked
    at first: a folder in its place is found by reading it), or not at all when `fresh` and
    `name` is a page's; the temporary file is created in one call, with a name of
    `_temporary_names`."""
    try:
        if not (fresh and PAGE_NAME.fullmatch(name)) and _holds_at(folder, fd, name, data):
            return None
        for _ in range(_NAMES_TRIED):
            temporary = f".{name}.{_temporary_names.next()}"
            try:
                out = os.open(temporary, _CREATE, 0o600, dir_fd=fd)
                break
            except FileExistsError:  # a name a killed run left (or another writer's): next
                continue
        else:
            raise FileExistsError(errno.EEXIST, "no name for a temporary file was free")
        try:
            view = memoryview(data)
            while view:
                view = view[os.write(out, view) :]
        except BaseException:
            os.close(out)
            _discard_at(folder, fd, temporary)
            raise
        try:
            os.close(out)
        except BaseException:
            _discard_at(folder, fd, temporary)
            raise
    except OSError as error:
        raise OutputError(f"cannot write {folder / name}: {_why(error)}") from None
    return f"{folder}/{temporary}"


# As `tempfile.mkstemp` creates a file: only if no file has the name (not through a link).
_CREATE = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC
_NAMES_TRIED = 100  # as tempfile.TMP_MAX, roughly: names met taken before giving up


class _TemporaryNames:
    """The last part of a temporary file's name (`.NAME.` then 8 of [0-9a-f], which
    `_TEMPORARY` matches, as it does `tempfile.mkstemp`'s): a number drawn at random when the
    process starts (or is forked) followed by a count. Cheaper than mkstemp's eight random
    letters each time; a name is only ever taken with O_EXCL (a taken one is skipped), and
    two processes write different files (`.NAME.` differs) in a folder tidied when its
    writer took it, so a name is seldom met taken."""

    def __init__(self) -> None:
        self._draw()
        os.register_at_fork(after_in_child=self._draw)

    def _draw(self) -> None:
        self._base = int.from_bytes(os.urandom(4), "big")
        self._count = itertools.count()

    def next(self) -> str:
        return f"{(self._base + next(self._count)) & 0xFFFFFFFF:08x}"


_temporary_names = _TemporaryNames()


def _holds_at(folder: Path, fd: int, name: str, data: bytes) -> bool:
    """Whether the file `name` of the folder open as `fd` (not through a symbolic link)
    holds exactly `data`; IsADirectoryError when a folder is in its place (or a symbolic
    link to one)."""
    try:
        old = os.open(name, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC, dir_fd=fd)
    except FileNotFoundError:
        return False
    except OSError as error:
        if error.errno == errno.ELOOP and os.path.isdir(folder / name):  # a link to a folder
            raise IsADirectoryError(errno.EISDIR, "it is a folder") from None
        return False  # a link to a file, a file not readable: written over
    try:
        wanted, held = len(data) + 1, []  # a longer file is not the same
        while wanted > 0:
            piece = os.read(old, wanted)
            if not piece:
                break
            held.append(piece)
            wanted -= len(piece)
        return b"".join(held) == data
    except IsADirectoryError:
        raise IsADirectoryError(errno.EISDIR, "it is a folder") from None
    except OSError:
        return False
    finally:
        os.close(old)


def _discard_at(folder: Path, fd: int, temporary: str) -> None:
    """`_discard` of a temporary file of the folder open as `fd`."""
    try:
        os.unlink(temporary, dir_fd=fd)
    except FileNotFoundError:
        pass
    except OSError as error:
        say_untidied(f"{folder / temporary} (a temporary file, left there)", error)


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
# Files added, at least, before `FolderWriter.sync_meanwhile` starts another sync: a class of
# 10,000 syncs its pages four times as its children write them (512, twenty times, slowed the
# children by about as much as it saved at the end: docs/performance.md)
SYNC_AGAIN = 2048


def _sync_file(path: str) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


@functools.cache
def _sync_program() -> str | None:
    """The `sync` program (GNU coreutils', whose `-f` syncs a file system), on Linux: the
    system's, not one of that name earlier on the user's PATH (the pages' durability rests
    on what it does)."""
    if not sys.platform.startswith("linux"):
        return None
    return shutil.which("sync", path="/usr/bin:/bin")


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
