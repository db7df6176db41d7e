"""`grader check` at a terminal, or with `--warm`: the thin client of the user's warm checker
(grader/warm_checker.py).

A `grader check` process spends most of its time importing sympy and the grader, which no
change to the check itself can save. The warm checker is a long-lived process of the user's
that has imported everything once and checks each answer it is sent exactly as `grader check`
would, in a child process of its own. This module is the other end: it imports only the
standard library, so that a check costs the start of a small Python process, a connection and
the check itself.

- The socket lives in a folder only the user may use: `$XDG_RUNTIME_DIR/grader`, or
  `grader-<uid>` in `$TMPDIR` (else `/tmp`), created with mode 0700. A folder owned by another
  user or open to others is refused; each end checks the other's user id (SO_PEERCRED).
- The socket's name carries a fingerprint of the installed grader (each of its files' path,
  size and modification time, the interpreter, and the modification times of the
  site-packages folders, which installing a package changes): a checker started from another
  version of the code has another name and is never asked; it stops after its idle time.
- Messages are JSON framed by their length, bounded in size; no pickle.
- When no checker runs, the client starts one (detached, in a session of its own, its errors
  to a log file beside the socket) and waits a bounded time for it. When none can be reached
  or started, the client says why on stderr in one line and checks in this process, as
  `grader check` does without `--warm`.
- Who asks: `grader check --warm`, and a `grader check` of an answer whose output goes to a
  terminal (a person at a prompt, trying answers one after another), unless it says
  `--no-warm`, `GRADER_WARM=0` is set or `CI` is. A command whose output is not a terminal (a
  pipe, a file, a test) checks in its own process and leaves no process behind; so does a
  command line that is not an answer to check as typed (a mistake, a request for help), which
  the command answers itself. A checker started without `--warm` is said on stderr, once, with
  how to stop it and how to do without it; one started by a call that is interrupted or cannot
  use it is stopped.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import signal
import socket
import stat
import struct
import sys
import time

PROTOCOL = 1
MAX_REQUEST_BYTES = 1 << 24  # an answer is bounded far below this by the reader
MAX_REPLY_BYTES = 1 << 28
START_WAIT = 30.0  # seconds a client waits for the checker it started to listen
IDLE_VARIABLE = "GRADER_WARM_IDLE"  # seconds without a request before the checker exits
DEFAULT_IDLE = 900.0
WARM_VARIABLE = "GRADER_WARM"  # 0 (false, no, off): at a terminal too, check in the process
_HEADER = struct.Struct(">I")
_PEER = struct.Struct("3i")  # struct ucred: pid, uid, gid


class Unavailable(Exception):
    """The warm checker cannot be used; the message says why, in one line."""


class _NotListening(Exception):
    """No warm checker listens on the socket (yet)."""


# --- the command line -------------------------------------------------------------------------


def _options(argv: list[str]) -> list[str]:
    """The arguments of `grader check` before a `--` (after it, all are positional)."""
    rest = argv[1:]
    return rest[: rest.index("--")] if "--" in rest else rest


def wants_warm(argv: list[str], at_terminal: bool | None = None) -> bool:
    """Whether the command line goes to the warm checker: `grader check --warm ...`, or
    `grader check RUBRIC ITEM ANSWER` when `at_terminal` (by default: whether our stdout is a
    terminal) and nothing says otherwise (`--no-warm`, GRADER_WARM=0, CI); never a call for
    help. (`check` takes no abbreviated option: grader/command_line.py.)"""
    if not argv or argv[0] != "check":
        return False
    options = _options(argv)
    if {"-h", "--help", "--no-warm"} & set(options):
        return False  # with `--warm` too, argparse says the two do not go together
    if "--warm" in options:
        return True
    return _an_answer_to_check(argv) and by_default(at_terminal)


_WITH_VALUE = ("--timeout", "--memory")
_OFF = ("0", "false", "no", "off")


def _an_answer_to_check(argv: list[str]) -> bool:
    """Whether `grader check ...` names a rubric, an item and an answer, with no option but
    `--json`, `--timeout` and `--memory`: anything else (a word missing or too many, another
    option, `--stop` without `--warm`) is a mistake, for the command itself to explain
    without starting a checker."""
    words, rest = 0, iter(argv[1:])
    for word in rest:
        if word == "--":
            words += sum(1 for _ in rest)
        elif word in _WITH_VALUE:
            if next(rest, None) is None:
                return False
        elif word == "--json" or word.startswith(tuple(f"{name}=" for name in _WITH_VALUE)):
            continue
        elif _an_option(word, words):
            return False
        else:
            words += 1
    return words == 3


def _an_option(word: str, words_before: int) -> bool:
    """Whether a word of `grader check`'s command line, after `words_before` words that are
    not options, is an option. A word that starts with `-` is one, except the answer's:
    `check` has no short option but `-h`, so after the rubric and the item, `-D` or
    `-\\sigma(x)` is the answer (argparse alone would take it for an unknown option)."""
    if not word.startswith("-") or word in ("-", "--"):
        return False
    return word == "-h" or word.startswith("--") or words_before != 2


def answers_as_words(argv: list[str]) -> list[str]:
    """`grader check`'s command line as argparse must be given it, an answer that starts with
    `-` (see `_an_option`) moved after a `--`: the options first, then `--`, then the words in
    their order. Any other command line as it is."""
    if argv[:1] != ["check"] or "--" in argv:
        return list(argv)
    options, words, rest = [], [], iter(argv[1:])
    for word in rest:
        if word in _WITH_VALUE:
            options += [word, *([] if (value := next(rest, None)) is None else [value])]
        elif _an_option(word, len(words)):
            options.append(word)
        else:
            words.append(word)
    if not any(word.startswith("-") and word != "-" for word in words):
        return list(argv)
    return ["check", *options, "--", *words]


def by_default(at_terminal: bool | None = None) -> bool:
    """Whether a `grader check` that does not say goes to the warm checker: at a terminal,
    unless GRADER_WARM is 0 (false, no, off) or CI is set (a runner that gives its jobs a
    terminal must not be left a process)."""
    if at_terminal is None:
        at_terminal = _stdout_is_a_terminal()
    if os.environ.get(WARM_VARIABLE, "").strip().lower() in _OFF:
        return False
    return at_terminal and os.environ.get("CI", "").strip().lower() in ("", *_OFF)


def _stdout_is_a_terminal() -> bool:
    try:
        return sys.stdout is not None and sys.stdout.isatty()
    except (AttributeError, ValueError, OSError):  # a replaced or closed stream
        return False


def wants_stop(argv: list[str]) -> bool:
    """`grader check --warm --stop`: stop the user's warm checkers."""
    return argv[:1] == ["check"] and sorted(argv[1:]) == ["--stop", "--warm"]


def without_warm(argv: list[str]) -> list[str]:
    """The command line as `grader check` without `--warm` takes it."""
    options = _options(argv)
    if "--warm" not in options:
        return list(argv)  # a plain `grader check` at a terminal
    index = argv.index("--warm")  # found before any `--`
    return argv[:index] + argv[index + 1 :]


def idle_seconds() -> float:
    """How long a checker started now waits for a request before it exits."""
    try:
        return max(0.0, float(os.environ.get(IDLE_VARIABLE, DEFAULT_IDLE)))
    except ValueError:
        return DEFAULT_IDLE


# --- where the checker listens ------------------------------------------------------------------


def socket_folder() -> str:
    """The folder of the user's warm checkers (not yet checked: see `safe_folder`)."""
    runtime = os.environ.get("XDG_RUNTIME_DIR")
    if runtime:
        return os.path.join(runtime, "grader")
    return os.path.join(os.environ.get("TMPDIR") or "/tmp", f"grader-{os.getuid()}")


def safe_folder(folder: str) -> str:
    """`folder`, created with mode 0700 if missing; `Unavailable` unless it is a folder (not
    a link) of this user's that no other user may enter."""
    try:
        os.mkdir(folder, 0o700)
    except FileExistsError:
        pass
    except OSError as error:
        raise Unavailable(f"cannot create the folder {folder}: {error.strerror}") from None
    try:
        info = os.lstat(folder)
    except OSError as error:
        raise Unavailable(f"cannot use the folder {folder}: {error.strerror}") from None
    if not stat.S_ISDIR(info.st_mode):
        raise Unavailable(f"{folder} is not a folder")
    if info.st_uid != os.getuid():
        raise Unavailable(f"the folder {folder} belongs to another user")
    if info.st_mode & 0o077:
        mode = oct(stat.S_IMODE(info.st_mode))[2:]
        raise Unavailable(f"the folder {folder} is open to other users (mode {mode}; want 700)")
    return folder


def fingerprint() -> str:
    """A digest of the grader this process runs: its package files (path, size, modification
    time), the interpreter and environment, and the site-packages folders' modification times
    (installing or upgrading a package changes them). Cheap: it reads no file's contents."""
    package = os.path.dirname(os.path.abspath(__file__))
    interpreter = os.path.realpath(sys.executable)  # `python` and `python3` of a venv alike
    digest = hashlib.sha256(f"{PROTOCOL}\0{interpreter}\0{sys.prefix}\0{sys.version}".encode())
    for path, info in sorted(_package_files(package)):
        digest.update(f"{path}\0{info.st_size}\0{info.st_mtime_ns}\0".encode())
    # Each folder once, in one order: the warm checker puts the grader's own folder first on
    # its path, which for an installed (not editable) grader is site-packages again.
    packages = {os.path.realpath(folder) for folder in sys.path if folder}
    for folder in sorted(packages):
        if os.path.basename(folder) in ("site-packages", "dist-packages"):
            with contextlib.suppress(OSError):
                digest.update(f"{folder}\0{os.stat(folder).st_mtime_ns}\0".encode())
    return digest.hexdigest()[:24]


def _package_files(folder: str):
    with os.scandir(folder) as entries:
        for entry in entries:
            if entry.is_dir(follow_symlinks=False):
                if entry.name != "__pycache__":
                    yield from _package_files(entry.path)
            else:
                yield entry.path, entry.stat(follow_symlinks=False)


def socket_path(folder: str, print_: str) -> str:
    path = os.path.join(folder, f"check-{print_}.sock")
    if len(os.fsencode(path)) > 100:  # sun_path holds 108 bytes on Linux, fewer elsewhere
        raise Unavailable(f"the socket path {path} is too long for a Unix socket")
    return path


# --- messages -----------------------------------------------------------------------------------


def send_message(connection: socket.socket, message: dict) -> None:
    body = json.dumps(message).encode("utf-8")
    connection.sendall(_HEADER.pack(len(body)) + body)


def receive_exactly(connection: socket.socket, size: int) -> bytes:
    """`size` bytes, or EOFError if the other end closes first."""
    parts, left = [], size
    while left:
        part = connection.recv(min(left, 1 << 20))
        if not part:
            raise EOFError
        parts.append(part)
        left -= len(part)
    return b"".join(parts)


def receive_message(connection: socket.socket, limit: int) -> dict:
    """One JSON object; ValueError if it is larger than `limit` bytes or not an object."""
    (size,) = _HEADER.unpack(receive_exactly(connection, _HEADER.size))
    if size > limit:
        raise ValueError(f"a message of {size} bytes; the limit is {limit}")
    message = json.loads(receive_exactly(connection, size))
    if not isinstance(message, dict):
        raise ValueError("a message that is not a JSON object")
    return message


def peer_uid(connection: socket.socket) -> int:
    """The user id of the process at the other end (Linux; elsewhere, ours: the folder's
    mode is then what keeps other users out)."""
    option = getattr(socket, "SO_PEERCRED", None)
    if option is None:
        return os.getuid()
    _pid, uid, _gid = _PEER.unpack(connection.getsockopt(socket.SOL_SOCKET, option, _PEER.size))
    return uid


# --- the client ---------------------------------------------------------------------------------


def run_client(argv: list[str]) -> int:
    """`grader check --warm ...`: the output and exit code of `grader check ...`, from the warm
    checker, or from this process when none can be used."""
    if wants_stop(argv):
        return stop_all()
    asked = "--warm" in _options(argv)
    command = without_warm(argv)
    try:
        reply, body, started = _ask_warm(command)
    except Unavailable as why:
        if asked:
            print(f"warning: --warm: {why}; checking in this process", file=sys.stderr)
        elif hasattr(socket, "AF_UNIX"):  # without them, there is nothing to say
            print(
                f"warning: the warm checker cannot be used: {why}; checking in this process "
                f"(--no-warm or {WARM_VARIABLE}=0: without trying)",
                file=sys.stderr,
            )
        sys.stderr.flush()
        from grader.cli import main  # the whole grader, imported as without --warm

        return main(command)
    except KeyboardInterrupt:  # a checker sees the connection close and stops the check
        print("interrupted", file=sys.stderr)
        return 130
    offset = 0
    for stream, size in reply["chunks"]:
        out = sys.stdout if stream == 1 else sys.stderr
        out.flush()
        out.buffer.write(body[offset : offset + size])
        out.buffer.flush()
        offset += size
    if started is not None and not asked:
        print(_started_note(started), file=sys.stderr, flush=True)
    return reply["exit"]


def _started_note(pid: int) -> str:
    """What a `grader check` that started a warm checker unasked tells its user."""
    idle = idle_seconds()
    after = f"{idle / 60:g} minutes" if idle >= 60 else f"{idle:g} s"
    return (
        f"note: started a warm checker (process {pid}), a process of yours that keeps the "
        f"grader imported so that the next checks take a tenth of a second; it stops after "
        f"{after} unused, or now on `grader check --warm --stop`. To check without it: "
        f"--no-warm, or {WARM_VARIABLE}=0 in the environment"
    )


def _request(command: list[str], print_: str) -> dict:
    """What the checker needs to run `grader check` as this process would: the command line
    as typed (error messages quote it), the folder it is relative to, how our streams encode
    text and how wide the terminal is (argparse wraps its messages to it)."""
    return {
        "protocol": PROTOCOL,
        "fingerprint": print_,
        "argv": command,
        "cwd": os.getcwd(),
        "columns": _columns(),
        "stdout": [sys.stdout.encoding, sys.stdout.errors],
        "stderr": [sys.stderr.encoding, sys.stderr.errors],
    }


def _columns() -> int:
    """The terminal's width as `shutil.get_terminal_size()` would see it here."""
    with contextlib.suppress(ValueError):
        columns = int(os.environ.get("COLUMNS", "0"))
        if columns > 0:
            return columns
    try:
        return os.get_terminal_size(sys.__stdout__.fileno()).columns or 80
    except (AttributeError, ValueError, OSError):
        return 80


def _ask_warm(command: list[str]) -> tuple[dict, bytes, int | None]:
    """The checker's reply and output, and the process id of the checker this call started
    (None when one was running)."""
    if not hasattr(socket, "AF_UNIX"):
        raise Unavailable("this system has no Unix sockets")
    folder = safe_folder(socket_folder())
    try:
        print_ = fingerprint()
        request = _request(command, print_)
    except OSError as error:  # the working folder removed, for one (getcwd names no file)
        what = error.filename or "the working folder"
        raise Unavailable(f"cannot read {what}: {error.strerror}") from None
    path = socket_path(folder, print_)
    body = json.dumps(request).encode("utf-8")
    if len(body) > MAX_REQUEST_BYTES:
        raise Unavailable(f"the request is {len(body)} bytes; the limit is {MAX_REQUEST_BYTES}")
    try:
        return (*_exchange(path, request), None)
    except _NotListening:
        pass
    # A Ctrl-C while the checker's process is created (Popen waits for it to start) would be
    # raised before this call holds the process, leaving the checker to run on unowned: it is
    # held back until then, and raised inside the `try` that stops the checker.
    held = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        process, log = _start(folder, path, print_)
    except BaseException:
        signal.pthread_sigmask(signal.SIG_SETMASK, held)
        raise
    try:
        signal.pthread_sigmask(signal.SIG_SETMASK, held)
        return _ask_started(process, log, path, request)
    except BaseException:  # interrupted, or it cannot be used: nothing of ours is left running
        if process.poll() is None:
            process.terminate()
        raise


def _ask_started(process, log: str, path: str, request: dict) -> tuple[dict, bytes, int | None]:
    """The reply to `request` of the checker `process` this call started (or of another
    client's, started at the same time)."""
    deadline = time.monotonic() + START_WAIT
    delay = 0.005
    while True:
        try:
            reply, body = _exchange(path, request)
        except _NotListening:
            pass
        else:  # the checker that answered: ours, or another client's that got there first
            return reply, body, (process.pid if reply.get("checker") == process.pid else None)
        status = process.poll()
        if status not in (None, 0):  # 0: another client's checker got there first
            raise Unavailable(f"the warm checker could not start (exit {status}; see {log})")
        if time.monotonic() > deadline:
            raise Unavailable(f"the warm checker did not start within {START_WAIT:g} s (see {log})")
        time.sleep(delay)
        delay = min(2 * delay, 0.05)


def _connect(path: str) -> socket.socket:
    connection = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        connection.connect(path)
    except (FileNotFoundError, ConnectionRefusedError):
        connection.close()
        raise _NotListening from None
    except OSError as error:
        connection.close()
        raise Unavailable(f"cannot connect to {path}: {error.strerror}") from None
    if peer_uid(connection) != os.getuid():
        connection.close()
        raise Unavailable(f"{path} is served by another user")
    return connection


def _exchange(path: str, request: dict) -> tuple[dict, bytes]:
    """The checker's reply to `request`: its header and the bytes of the output."""
    connection = _connect(path)
    with connection:
        try:
            send_message(connection, request)
            reply = receive_message(connection, MAX_REPLY_BYTES)
            if "refused" in reply:
                raise Unavailable(f"the warm checker refused the request: {reply['refused']}")
            chunks = reply["chunks"]
            body = receive_exactly(connection, sum(size for _, size in chunks))
        except (EOFError, OSError, ValueError, KeyError, TypeError) as error:
            why = "it closed the connection" if isinstance(error, EOFError) else error
            raise Unavailable(f"no answer from the warm checker ({why})") from None
    return reply, body


def _start(folder: str, path: str, print_: str):
    """Start a warm checker for `path`, detached from this process and its terminal."""
    import subprocess  # only when one is started

    log = os.path.join(folder, f"check-{print_}.log")
    package_parent = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    # The checker must import this very grader, whatever folder the user is in.
    code = (
        f"import sys; sys.path.insert(0, {package_parent!r}); "
        "from grader.warm_checker import main; sys.exit(main())"
    )
    try:
        with open(log, "ab") as errors:
            os.chmod(log, 0o600)
            process = subprocess.Popen(
                [sys.executable, "-c", code, path, print_],
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=errors,
                cwd="/",
                start_new_session=True,
                close_fds=True,
            )
    except OSError as error:
        raise Unavailable(f"cannot start the warm checker: {error.strerror}") from None
    return process, log


def stop_all() -> int:
    """`grader check --warm --stop`: stop every warm checker of this user's, of any version."""
    try:
        folder = safe_folder(socket_folder())
    except Unavailable as why:
        print(f"error: --warm --stop: {why}", file=sys.stderr)
        return 1
    stopped = []
    for name in sorted(os.listdir(folder)):
        if not (name.startswith("check-") and name.endswith(".sock")):
            continue
        try:
            connection = _connect(os.path.join(folder, name))
        except (_NotListening, Unavailable):
            continue
        with connection, contextlib.suppress(EOFError, OSError, ValueError):
            send_message(connection, {"protocol": PROTOCOL, "stop": True})
            stopped.append(receive_message(connection, 1 << 10).get("stopped"))
    for pid in stopped:
        print(f"stopped the warm checker (process {pid})", file=sys.stderr)
    if not stopped:
        print("no warm checker was running", file=sys.stderr)
    return 0
