"""The warm checker: a long-lived process of the user's that answers `grader check --warm`.

It imports the grader once, then for each request (a `grader check` command line, the folder
it was typed in, the client's stream encodings and terminal width) forks a child that runs
`grader check` with its stdout and stderr captured and sends back the exit code and the bytes
written, in the order written. The child checks as `grader check` does, through the bounded
workers of grader/workers.py forked from it, so a check is bounded in time and memory exactly
as without `--warm`; one request cannot disturb the next (each child is a copy that is thrown
away), and a crash costs one request.

Rubrics are loaded in this process, so that each child starts from a loaded, warmed one: by
the file's resolved path, the path as typed (the rubric's messages quote it) and the SHA-256
of its bytes, which are read again for every request. A changed file is loaded again; the
least recently used of more than `MAX_RUBRICS` is forgotten. A rubric that fails to load is
not kept: the child loads it again and reports the error as `grader check` does.

The checker stops after `GRADER_WARM_IDLE` seconds (default 900) with no request and no check
running, on a stop request (`grader check --warm --stop`) or on SIGTERM. It is started by
grader/warm.py as `main([socket_path, fingerprint])`; see that module for the folder, the
fingerprint and the messages.
"""

from __future__ import annotations

import contextlib
import fcntl
import functools
import hashlib
import io
import os
import selectors
import signal
import socket
import sys
import time
import traceback
from collections import OrderedDict

from grader import warm

MAX_RUBRICS = 16
MAX_RUBRIC_BYTES = 1 << 22  # past it, the rubric is left to the child (which refuses it)
REQUEST_WAIT = 10.0  # seconds a connected client has to send its request
LOCK_WAIT = 10.0  # seconds a starting checker waits for one that is stopping


def main(argv: list[str] | None = None) -> int:
    path, print_ = (sys.argv[1:] if argv is None else argv)[:2]
    # Started by a client holding back Ctrl-C (warm._ask_warm), whose mask it inherits.
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})
    try:
        warm.safe_folder(os.path.dirname(path))
    except warm.Unavailable as why:
        _log(f"not started: {why}")
        return 1
    lock = _lock(path)
    if lock is None:
        return 0  # another checker serves this socket
    if warm.fingerprint() != print_:
        _log("not started: the grader's files changed since the client looked at them")
        return 1
    _tidy(os.path.dirname(path), print_)
    _warm_up()
    idle = warm.idle_seconds()
    listener = _listen(path)
    _log(f"listening on {path} (process {os.getpid()}, idle exit after {idle:g} s)")
    WarmChecker(listener, path, print_, idle, lock).serve()
    return 0


def _log(message: str) -> None:
    stamp = time.strftime("%Y-%m-%d %H:%M:%S")
    print(f"{stamp} warm checker {os.getpid()}: {message}", file=sys.stderr, flush=True)


def _lock(path: str) -> int | None:
    """A lock on this socket's name (the descriptor holding it), so that one checker serves
    it; None when another checker already listens there. Waits a while for a checker that
    is stopping to let go. A checker of another version may remove the lock file of a
    checker that has stopped (`_tidy`, holding the lock as it does), so a lock taken on a
    file the name no longer gives is let go and the file the name gives now is locked."""
    lock_path = path.removesuffix(".sock") + ".lock"
    deadline = time.monotonic() + LOCK_WAIT
    while True:
        fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            if _listening(path) or time.monotonic() > deadline:
                return None
            time.sleep(0.05)
            continue
        if _names(lock_path, fd):
            return fd
        os.close(fd)


def _names(path: str, fd: int) -> bool:
    """Whether `path` still names the file open as `fd`."""
    try:
        named = os.stat(path)
    except FileNotFoundError:
        return False
    held = os.fstat(fd)
    return (named.st_dev, named.st_ino) == (held.st_dev, held.st_ino)


def _tidy(folder: str, print_: str) -> None:
    """Remove the files checkers of other versions of the grader left in `folder` (their
    lock and log, and the socket of one that was killed) when no checker holds their lock:
    each upgrade of the grader would otherwise leave them behind for good. A checker's own
    files stay when it stops (the next checker of its version uses them again)."""
    ours = f"check-{print_}.lock"
    for name in os.listdir(folder):
        if not (name.startswith("check-") and name.endswith(".lock")) or name == ours:
            continue
        lock_path = os.path.join(folder, name)
        try:
            fd = os.open(lock_path, os.O_RDWR | os.O_NOFOLLOW)
        except OSError:
            continue
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            if _names(lock_path, fd):
                stem = lock_path.removesuffix(".lock")
                for suffix in (".sock", ".log", ".lock"):  # the lock last, still held
                    with contextlib.suppress(FileNotFoundError):
                        os.unlink(stem + suffix)
        except BlockingIOError:
            pass  # that version's checker runs; a later checker tidies once it has stopped
        finally:
            os.close(fd)


def _listening(path: str) -> bool:
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as probe:
        try:
            probe.connect(path)
        except OSError:
            return False
    return True


def _warm_up() -> None:
    """Import what every check needs, once."""
    import grader.cli  # noqa: F401
    import grader.workers  # noqa: F401
    from grader.kinds import KINDS

    tuple(KINDS.values())  # each kind's folder, else imported when a rubric first asks for it


def _listen(path: str) -> socket.socket:
    """A socket listening at `path`, put there in one step (a client never finds it bound and
    not yet listening), readable by this user only."""
    temporary = f"{path}.{os.getpid()}"
    with contextlib.suppress(FileNotFoundError):
        os.unlink(temporary)
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(temporary)
    os.chmod(temporary, 0o600)
    listener.listen(64)
    os.replace(temporary, path)
    return listener


class RubricCache:
    """Loaded rubrics by (resolved path, path as typed, SHA-256 of the file's bytes)."""

    def __init__(self, limit: int = MAX_RUBRICS):
        self.limit = limit
        self._rubrics: OrderedDict[tuple[str, str, str], object] = OrderedDict()
        self.loads = 0  # rubrics loaded, for the tests

    def rubric_for(self, argv: list[str], cwd: str):
        """(the rubric path as typed, the loaded rubric) that the command `argv` typed in `cwd`
        checks with, or None when it is not a check or the rubric does not load (the child
        then does what `grader check` does: loads it and reports)."""
        from grader import cli

        try:
            with (
                contextlib.redirect_stderr(io.StringIO()),
                contextlib.redirect_stdout(io.StringIO()),
            ):
                args = cli.parse_args(argv)
        except SystemExit:
            return None
        if args.run is not cli._check:
            return None
        given = args.rubric
        try:
            data = _read_regular(os.path.join(cwd, given))
            if data is None:
                return None
            digest = hashlib.sha256(data).hexdigest()
            key = (os.path.realpath(os.path.join(cwd, given)), given, digest)
            if key in self._rubrics:
                self._rubrics.move_to_end(key)
                return given, self._rubrics[key]
            rubric = _load_in(cwd, given)
        except Exception:  # the child meets it again and reports it as `grader check` does
            return None
        self.loads += 1
        if rubric.sha256 == hashlib.sha256(data.removeprefix(b"\xef\xbb\xbf")).hexdigest():
            for old in [old for old in self._rubrics if old[:2] == key[:2]]:
                del self._rubrics[old]  # that file's earlier contents
            self._rubrics[key] = rubric
            while len(self._rubrics) > self.limit:
                self._rubrics.popitem(last=False)
        return given, rubric


def _read_regular(path: str) -> bytes | None:
    """The bytes of `path` if it is a regular file of a rubric's size (never blocking on a
    pipe or a device), else None."""
    import stat

    info = os.stat(path)
    if not stat.S_ISREG(info.st_mode) or info.st_size > MAX_RUBRIC_BYTES:
        return None
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    with os.fdopen(fd, "rb") as handle:
        return handle.read(MAX_RUBRIC_BYTES + 1)


def _load_in(cwd: str, given: str):
    from grader.rubric import load_rubric

    previous = os.getcwd()
    os.chdir(cwd)
    try:
        return load_rubric(given)
    finally:
        os.chdir(previous)


class WarmChecker:
    """The serving loop: accept, read the request, fork a child to answer it; stop a child
    whose client hung up (Ctrl-C), so that its check does not run on for no one."""

    def __init__(self, listener: socket.socket, path: str, print_: str, idle: float, lock: int):
        self.listener = listener
        self.path = path
        self.print_ = print_
        self.idle = idle
        self.lock = lock
        self.rubrics = RubricCache()
        self.children: dict[int, socket.socket] = {}
        self.selector = selectors.DefaultSelector()
        self.stopping = False

    def serve(self) -> None:
        signal.signal(signal.SIGTERM, self._stop_on_signal)
        self.selector.register(self.listener, selectors.EVENT_READ)
        last = time.monotonic()
        while not self.stopping:
            self._reap()
            if self.children:
                last = time.monotonic()  # a check running is not idleness
            left = last + self.idle - time.monotonic()
            if left <= 0:
                _log("no request for a while: stopping")
                break
            for key, _ in self.selector.select(timeout=min(0.2, left)):
                if key.fileobj is self.listener:
                    self._accept()
                    last = time.monotonic()
                else:
                    self._hung_up(key.fileobj, key.data)
        # Once the name is gone no client can connect; answer those already queued.
        with contextlib.suppress(FileNotFoundError):
            os.unlink(self.path)
        self.listener.setblocking(False)
        while True:
            try:
                connection, _ = self.listener.accept()
            except OSError:
                break
            self._answer(connection)
        self.listener.close()

    def _stop_on_signal(self, _signum, _frame) -> None:
        self.stopping = True

    def _reap(self) -> None:
        while self.children:
            try:
                pid, _ = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                return
            if pid == 0:
                return
            connection = self.children.pop(pid, None)
            if connection is not None:
                with contextlib.suppress(KeyError, ValueError):
                    self.selector.unregister(connection)
                connection.close()

    def _hung_up(self, connection: socket.socket, pid: int) -> None:
        """The client of child `pid` closed its end (or wrote out of turn): stop the child."""
        with contextlib.suppress(OSError):
            connection.recv(4096)
        self.selector.unregister(connection)
        if pid in self.children:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGTERM)

    def _accept(self) -> None:
        try:
            connection, _ = self.listener.accept()
        except OSError:
            return
        self._answer(connection)

    def _answer(self, connection: socket.socket) -> None:
        if warm.peer_uid(connection) != os.getuid():
            connection.close()
            return
        connection.settimeout(REQUEST_WAIT)
        try:
            request = warm.receive_message(connection, warm.MAX_REQUEST_BYTES)
            refusal = self._refusal(request)
            if request.get("stop") and refusal is None:
                warm.send_message(connection, {"stopped": os.getpid()})
                self.stopping = True
                _log("asked to stop: stopping")
            elif refusal is not None:
                warm.send_message(connection, {"refused": refusal})
            else:
                rubric = self.rubrics.rubric_for(request["argv"], request["cwd"])
                connection.settimeout(None)
                self._fork(connection, request, rubric)
                return
        except (EOFError, OSError, ValueError):
            pass
        connection.close()

    def _refusal(self, request: dict) -> str | None:
        """Why `request` cannot be answered, or None."""
        if request.get("protocol") != warm.PROTOCOL:
            return "another version of the grader"
        if request.get("stop"):
            return None
        if request.get("fingerprint") != self.print_:
            return "another version of the grader"
        argv, cwd, columns = request.get("argv"), request.get("cwd"), request.get("columns")
        streams = [request.get("stdout"), request.get("stderr")]
        well_formed = (
            isinstance(argv, list)
            and all(isinstance(word, str) for word in argv)
            and argv[:1] == ["check"]
            and isinstance(cwd, str)
            and os.path.isabs(cwd)
            and isinstance(columns, int)
            and all(
                isinstance(s, list) and len(s) == 2 and all(isinstance(x, str) for x in s)
                for s in streams
            )
        )
        return None if well_formed else "a malformed request"

    def _fork(self, connection: socket.socket, request: dict, rubric) -> None:
        pid = os.fork()
        if pid == 0:  # the child: answer, and go without running any of the parent's cleanup
            try:
                self._become_child(connection)
                header, body = answer(request, rubric)
                warm.send_message(connection, {**header, "checker": os.getppid()})
                connection.sendall(body)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client is gone (Ctrl-C): no one to answer
            except BaseException:
                with contextlib.suppress(BaseException):
                    traceback.print_exc()
            finally:
                os._exit(0)
        self.children[pid] = connection
        self.selector.register(connection, selectors.EVENT_READ, pid)

    def _become_child(self, connection: socket.socket) -> None:
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        self.selector.close()
        self.listener.close()
        os.close(self.lock)
        for other in self.children.values():
            if other is not connection:
                other.close()


class _Captured(io.RawIOBase):
    """A binary stream that keeps each write, tagged with the stream it stands for."""

    def __init__(self, chunks: list[tuple[int, bytes]], stream: int):
        self.chunks = chunks
        self.stream = stream

    def writable(self) -> bool:
        return True

    def write(self, data) -> int:
        data = bytes(data)
        if self.chunks and self.chunks[-1][0] == self.stream:
            self.chunks[-1] = (self.stream, self.chunks[-1][1] + data)
        else:
            self.chunks.append((self.stream, data))
        return len(data)


def answer(request: dict, preloaded) -> tuple[dict, bytes]:
    """Run the request's `grader check` here, as the client's process would have: (the reply's
    header, the bytes written to stdout and stderr, in the order written)."""
    try:
        os.chdir(request["cwd"])
    except OSError as error:
        return {"refused": f"cannot enter the folder {request['cwd']}: {error.strerror}"}, b""
    os.environ["COLUMNS"] = str(request["columns"])
    chunks: list[tuple[int, bytes]] = []
    streams = []
    for number, (encoding, errors) in ((1, request["stdout"]), (2, request["stderr"])):
        streams.append(
            io.TextIOWrapper(
                _Captured(chunks, number), encoding=encoding, errors=errors, write_through=True
            )
        )
    sys.stdout, sys.stderr = streams
    try:
        code = run_check(request["argv"], preloaded)
    finally:
        for stream in streams:
            with contextlib.suppress(Exception):
                stream.flush()
        sys.stdout, sys.stderr = sys.__stdout__, sys.__stderr__
    header = {"exit": code, "chunks": [[stream, len(data)] for stream, data in chunks]}
    return header, b"".join(data for _, data in chunks)


def run_check(argv: list[str], preloaded) -> int:
    """`grader check` with the command line `argv`, its exit code as the process's would be;
    `preloaded`, (path as typed, rubric) that this process loaded, or None."""
    from grader import cli

    try:
        args = cli.parse_args(argv)
        if preloaded is not None and args.run is cli._check:
            given, rubric = preloaded
            args.run = functools.partial(cli._check, load=_loader(given, rubric))
        return cli._run(args)
    except SystemExit as done:  # argparse's usage errors, as the process would exit
        if done.code is None or isinstance(done.code, int):
            return done.code or 0
        print(done.code, file=sys.stderr)
        return 1
    except BaseException:  # what the interpreter prints for an uncaught exception
        traceback.print_exc()
        return 1


def _loader(given: str, rubric):
    from grader.rubric import load_rubric

    def load(path):
        return rubric if str(path) == given else load_rubric(path)

    return load
