"""Read YAML safely into nodes that remember their line, and validate them field by field.

PyYAML is used only to *compose* the document with its SafeLoader (no Python object is ever
constructed from a tag). Walking the nodes ourselves lets us report duplicate keys, unknown keys
and wrong types with the file, line and key, notice YAML 1.1 surprises (`0123` read as 83,
`yes` as true, `1:30` as 90) where an answer string was meant, and bound the work an
alias-heavy document can cause.
"""

from __future__ import annotations

import difflib
import functools
import math
import os
import re
import stat
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from grader.errors import FileProblemsError, Problem, writable_as_utf8

MAX_FILE_BYTES = 1_000_000
MAX_NODES = 50_000
MAX_DEPTH = 100

_STR = STR_TAG = "tag:yaml.org,2002:str"
_INT = "tag:yaml.org,2002:int"
_FLOAT = "tag:yaml.org,2002:float"
_BOOL = "tag:yaml.org,2002:bool"
_NULL = "tag:yaml.org,2002:null"
_SCALAR_TAGS = {_STR, _INT, _FLOAT, _BOOL, _NULL, "tag:yaml.org,2002:timestamp"}
_MAP = MAP_TAG = "tag:yaml.org,2002:map"
_SEQ = "tag:yaml.org,2002:seq"


@dataclass(frozen=True)
class Scalar:
    line: int
    value: object  # what YAML 1.1 makes of it: str, int, float, bool, None, date
    raw: str  # the characters as written
    plain: bool  # written without quotes or a block indicator


@dataclass(frozen=True)
class Sequence:
    line: int
    items: tuple[YamlNode, ...]


@dataclass(frozen=True)
class Mapping:
    line: int
    entries: dict[str, tuple[int, YamlNode]]  # key as written -> (line of the key, value)


YamlNode = Scalar | Sequence | Mapping


def read_bounded_text(
    path: Path, error: type[FileProblemsError], follow_links: bool = False
) -> str:
    """Read a regular file as UTF-8 (a BOM allowed), refusing devices and huge files, and
    symbolic links unless `follow_links` (a rubric an instructor links on purpose; never a
    student's file)."""
    try:
        info = os.stat(path) if follow_links else os.lstat(path)
    except OSError as exc:
        raise error(path, [Problem(None, "", f"cannot read it: {exc.strerror}")]) from None
    if stat.S_ISLNK(info.st_mode):
        raise error(path, [Problem(None, "", "is a symbolic link; links are not followed")])
    if not stat.S_ISREG(info.st_mode):
        raise error(path, [Problem(None, "", "is not a regular file")])
    if info.st_size > MAX_FILE_BYTES:
        raise error(
            path,
            [Problem(None, "", f"is {info.st_size} bytes; the limit is {MAX_FILE_BYTES}")],
        )
    try:
        no_follow = 0 if follow_links else getattr(os, "O_NOFOLLOW", 0)
        fd = os.open(path, os.O_RDONLY | no_follow | getattr(os, "O_NONBLOCK", 0))
        with os.fdopen(fd, "rb") as handle:
            # A read of the size the file has, not of the limit: a read of MAX_FILE_BYTES
            # allocates that much for every small file. One that has grown since is read on,
            # up to the limit.
            size = min(os.fstat(fd).st_size, MAX_FILE_BYTES) + 1
            data = handle.read(size) or b""  # None: nothing to read yet (O_NONBLOCK)
            if len(data) == size:
                data += handle.read(MAX_FILE_BYTES + 1 - size) or b""
    except OSError as exc:
        raise error(path, [Problem(None, "", f"cannot read it: {exc.strerror}")]) from None
    if len(data) > MAX_FILE_BYTES:
        raise error(path, [Problem(None, "", f"is larger than {MAX_FILE_BYTES} bytes")])
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        if data.startswith((b"\xff\xfe", b"\xfe\xff")):  # Excel's "Unicode text", for one
            message = (
                "is UTF-16 text, not UTF-8: save it as UTF-8 (an LMS export saved as text is "
                "read when it is named .csv)"
            )
            raise error(path, [Problem(None, "", message)]) from None
        raise error(
            path, [Problem(line, "", f"is not valid UTF-8 (byte {exc.start}); save it as UTF-8")]
        ) from None


class _Composer:
    def __init__(self, path: Path | str, error: type[FileProblemsError]):
        self.path = path
        self.error = error
        self.problems: list[Problem] = []
        self.visited = 0
        self.open_nodes: set[int] = set()
        self.constructor = yaml.constructor.SafeConstructor()

    def convert(self, node: yaml.Node, key: str) -> YamlNode:
        # An alias may refer to a collection that contains it (`a: &x [*x]`); walking it would
        # never end, so a node met again inside itself is a problem, not a recursion. A
        # scalar contains nothing, so it is never met inside itself and is not marked open
        # (most nodes are scalars: issue 20 made reading a submission cheaper).
        scalar = isinstance(node, yaml.ScalarNode)
        if not scalar and id(node) in self.open_nodes:
            line = node.start_mark.line + 1
            self.problems.append(Problem(line, key, "an alias refers to a value containing it"))
            return Scalar(line, None, "", False)
        if len(self.open_nodes) >= MAX_DEPTH:
            raise self.error(
                self.path,
                [
                    Problem(
                        node.start_mark.line + 1,
                        key,
                        f"values are nested more than {MAX_DEPTH} deep",
                    )
                ],
            )
        if scalar:
            return self._convert(node, key)
        self.open_nodes.add(id(node))
        try:
            return self._convert(node, key)
        finally:
            self.open_nodes.discard(id(node))

    def _convert(self, node: yaml.Node, key: str) -> YamlNode:
        self.visited += 1
        if self.visited > MAX_NODES:
            raise self.error(
                self.path,
                [
                    Problem(
                        node.start_mark.line + 1,
                        key,
                        f"the document has more than {MAX_NODES} values (aliases expanding?)",
                    )
                ],
            )
        line = node.start_mark.line + 1
        if isinstance(node, yaml.ScalarNode):
            if node.tag not in _SCALAR_TAGS:
                self.problems.append(Problem(line, key, f"YAML tag {node.tag} is not allowed"))
                return Scalar(line, node.value, node.value, False)
            return self._scalar(node, key, line)
        if isinstance(node, yaml.SequenceNode):
            if node.tag != _SEQ:
                self.problems.append(Problem(line, key, f"YAML tag {node.tag} is not allowed"))
            items = tuple(
                self.convert(child, f"{key}[{index}]") for index, child in enumerate(node.value)
            )
            return Sequence(line, items)
        if isinstance(node, yaml.MappingNode):
            if node.tag != _MAP:
                self.problems.append(Problem(line, key, f"YAML tag {node.tag} is not allowed"))
            entries: dict[str, tuple[int, YamlNode]] = {}
            for key_node, value_node in node.value:
                key_line = key_node.start_mark.line + 1
                if not isinstance(key_node, yaml.ScalarNode):
                    self.problems.append(Problem(key_line, key, "keys must be plain text"))
                    continue
                name = key_node.value
                if not whole_characters(key_node):
                    self.problems.append(Problem(key_line, key, _HALF_A_PAIR))
                    continue
                path = f"{key}.{name}" if key else name
                if name in entries:
                    self.problems.append(
                        Problem(
                            key_line,
                            path,
                            f"duplicate key (first given at line {entries[name][0]})",
                        )
                    )
                    continue
                entries[name] = (key_line, self.convert(value_node, path))
            return Mapping(line, entries)
        raise AssertionError(f"unknown YAML node {node!r}")

    def _scalar(self, node: yaml.ScalarNode, key: str, line: int) -> Scalar:
        plain = node.style in (None, "")  # libyaml says "" where PyYAML says None
        if not whole_characters(node):
            self.problems.append(Problem(line, key, _HALF_A_PAIR))
            return Scalar(line, None, "", False)
        if node.tag == _STR:  # what SafeConstructor makes of a text: the text itself
            return Scalar(line, node.value, node.value, plain)
        try:
            value = self.constructor.construct_object(node)
        except (ValueError, KeyError, TypeError, OverflowError, yaml.YAMLError):
            if plain and node.tag == _implicit_tag(node.value):
                # YAML 1.1 guessed a type that the text does not fit (a date 2000-20-40, a
                # number of 5000 digits): it is the text as written.
                return Scalar(line, node.value, node.value, plain)
            kind = node.tag.rsplit(":", 1)[-1]
            self.problems.append(
                Problem(
                    line, key, f"the YAML tag !!{kind} cannot be given {_shorten(node.value)!r}"
                )
            )
            return Scalar(line, node.value, node.value, False)
        return Scalar(line, value, node.value, plain)


# A double-quoted text's escape can name half of a UTF-16 pair (\\ud800), which is no
# character: no file, page or gradebook can hold it, so it is refused where it is written.
_HALF_A_PAIR = (
    "holds an escape such as \\ud800, half of a UTF-16 pair, which is no character: write the "
    "character itself, or its \\U escape"
)


def whole_characters(node: yaml.ScalarNode) -> bool:
    """Whether a scalar's text holds no lone half of a UTF-16 pair: only the escape of a
    double-quoted text can put one there (the file itself was read as UTF-8)."""
    return node.style != '"' or writable_as_utf8(node.value)


_RESOLVER = yaml.resolver.Resolver()


def _implicit_tag(text: str) -> str:
    """The tag YAML 1.1 gives `text` written plain, without a tag."""
    return _RESOLVER.resolve(yaml.ScalarNode, text, (True, False))


def _shorten(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _nesting_line(text: str) -> int | None:
    """The line where collections first nest more than MAX_DEPTH deep, found by the scanner
    (which, unlike the composer, does not recurse); None if they never do."""
    depth = 0
    openers = (yaml.BlockMappingStartToken, yaml.BlockSequenceStartToken)
    openers += (yaml.FlowMappingStartToken, yaml.FlowSequenceStartToken)
    closers = (yaml.BlockEndToken, yaml.FlowMappingEndToken, yaml.FlowSequenceEndToken)
    try:
        for token in yaml.scan(text, Loader=yaml.SafeLoader):
            if isinstance(token, openers):
                depth += 1
                if depth > MAX_DEPTH:
                    return token.start_mark.line + 1
            elif isinstance(token, closers):
                depth -= 1
    except yaml.YAMLError:
        return None
    return None


# libyaml's safe loader where PyYAML was built with it: the same safe schema, many times faster.
# A file it refuses is read again by the pure-Python loader, whose messages and lines we report.
class _FastLoader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):
    """That loader, remembering the tag it resolves for a short plain text: the tag YAML 1.1
    gives a scalar is found by trying a list of regular expressions, in Python, for every
    scalar, and a class writes the same keys and short answers in every file. The safe
    schema has no path resolvers, so the tag depends on the text and its style alone."""

    def resolve(self, kind, value, implicit):
        if kind is yaml.ScalarNode and len(value) <= _REMEMBERED_LENGTH:
            return _scalar_tag(value, implicit)
        return super().resolve(kind, value, implicit)


_REMEMBERED_LENGTH = 64  # characters: the cache holds at most 4096 texts this short


@functools.lru_cache(maxsize=4096)
def _scalar_tag(value: str, implicit: tuple[bool, bool]) -> str:
    return _RESOLVER.resolve(yaml.ScalarNode, value, implicit)


_FAST_LOADER = _FastLoader


def load_yaml(path: Path | str, text: str, error: type[FileProblemsError]) -> YamlNode:
    """Compose one YAML document into located nodes, or raise `error` listing what is wrong."""
    return located(path, compose_yaml(path, text, error), error)


def compose_yaml(path: Path | str, text: str, error: type[FileProblemsError]) -> yaml.Node:
    """PyYAML's nodes of one YAML document (no Python object constructed from a tag), or
    raise `error` saying why it cannot be read: what `located` makes located nodes of."""
    try:
        try:
            node = yaml.compose(text, Loader=_FAST_LOADER)
        except yaml.YAMLError:
            node = yaml.compose(text, Loader=yaml.SafeLoader)
    except RecursionError:
        # PyYAML's composer recurses once per level: a document nested deeper than Python's
        # stack cannot be composed at all. Say where, as the composed limit would.
        line = _nesting_line(text)
        raise error(
            path, [Problem(line, "", f"values are nested more than {MAX_DEPTH} deep")]
        ) from None
    except yaml.MarkedYAMLError as exc:
        raise error(path, [_invalid(text, exc)]) from None
    except yaml.YAMLError as exc:
        raise error(path, [Problem(None, "", f"is not valid YAML: {exc}")]) from None
    if node is None:
        raise error(path, [Problem(None, "", "is empty")])
    return node


def _invalid(text: str, exc: yaml.MarkedYAMLError) -> Problem:
    """What PyYAML found wrong, at the line and key it found it, or, when a line before it
    opens a quote it does not close (the usual cause: YAML reads on, to the next quote),
    at that line and key, saying so."""
    mark = exc.problem_mark or exc.context_mark
    line = mark.line + 1 if mark else None
    found = exc.problem or str(exc)
    if exc.context:
        context_line = exc.context_mark.line + 1 if exc.context_mark else None
        at = f" (from line {context_line})" if context_line not in (None, line) else ""
        found = f"{exc.context}{at}: {found}"
    if line is None:
        return Problem(None, "", f"is not valid YAML: {found}")
    lines = text.splitlines()
    first = exc.context_mark.line + 1 if exc.context_mark else line
    opened = next((n for n in range(first, line + 1) if _opens_a_quote(lines, n)), None)
    if opened is not None:
        return Problem(
            opened,
            _key_path_at(lines, opened),
            f"is not valid YAML: this line opens a quote it does not close (YAML then reads on, "
            f"and at line {line} finds: {found})",
        )
    flow = next((name for name in _FLOWS if exc.context == f"while parsing a {name}"), None)
    if flow is not None and first != line:
        return Problem(
            first,
            _key_path_at(lines, first),
            f"is not valid YAML: the {_FLOWS[flow]} opened on this line is not closed (at line "
            f"{line}: {exc.problem})",
        )
    under = _under_a_value(lines, line) if any(p in found for p in _UNDER_A_VALUE) else None
    if under is not None:
        return under
    hint = next((hint for problem, hint in _HINTS.items() if problem in found), "")
    return Problem(line, _key_path_at(lines, line), f"is not valid YAML: {found}{hint}")


# PyYAML's words for a line indented under a key that has its value on its own line (YAML
# reads it as more of that value, or as a mapping where a value already stands).
_UNDER_A_VALUE = ("but found '<block mapping start>'", "mapping values are not allowed here")
_A_KEY = re.compile(r"([\w-]+)\s*:(?:\s|$)")  # a key as a rubric's or a submission's are
_KEY_AND_VALUE = re.compile(r"((?:-\s+)*)([^\s'\"#{\[][^:#]*?)\s*:\s+([^\s#|>].*)")


def _content_lines(lines: list[str], before: int) -> list[int]:
    """The numbers (from 1) of the lines before line `before` that hold more than blanks or
    a comment, nearest first."""
    return [
        n for n in range(before - 1, 0, -1) if lines[n - 1].strip() and not _comment(lines[n - 1])
    ]


def _comment(line: str) -> bool:
    return line.lstrip().startswith("#")


def _key_column(line: str) -> int:
    """Where a block line's key starts: after its indentation and any `- ` of a list."""
    content = line.lstrip(" ")
    while content.startswith("- "):
        content = content[2:].lstrip(" ")
    return len(line) - len(content)


def _under_a_value(lines: list[str], number: int) -> Problem | None:
    """A line (`number`, from 1) indented more than the key above it, whose value is already
    on that key's line, said so: at that key's line instead, where it is the one out of
    line (indented less than the lines on both sides of it, which agree)."""
    above = _content_lines(lines, number)
    if not above or not 1 <= number <= len(lines):
        return None
    holder = above[0]
    text = lines[holder - 1].rstrip()
    parts = _KEY_AND_VALUE.fullmatch(text.lstrip(" "))
    column = len(lines[number - 1]) - len(lines[number - 1].lstrip(" "))
    own = _A_KEY.match(lines[number - 1].lstrip(" -"))
    if parts is None or own is None or column <= _key_column(text):
        # (a line of words with ': ' in them is more likely a value that wants quotes)
        return None
    key = parts.group(2)
    before = above[1] if len(above) > 1 else None
    if before is not None and _key_column(lines[before - 1]) == column:
        # the key is the one out of line: it belongs beside the lines around it
        parent = _key_path_at(lines, before).rpartition(".")[0]
        return Problem(
            holder,
            f"{parent}.{key}" if parent else key,
            f"is not valid YAML: this line is indented less than the lines on both sides of it "
            f"({before} and {number}); indent `{key}` as they are",
        )
    parent = _key_path_at(lines, holder).rpartition(".")[0]
    return Problem(
        number,
        f"{parent}.{own.group(1)}" if parent else own.group(1),
        f"is not valid YAML: this line is indented more than line {holder} above it, whose key "
        f"`{key}` already has its value there, so nothing can be nested under it; indent this "
        f"line as the keys beside it",
    )


_FLOWS = {"flow sequence": "[", "flow mapping": "{"}

# What PyYAML's words for a problem usually mean in a rubric or a submission.
_HINTS = {
    "mapping values are not allowed here": (
        " (a value that holds ': ' must be quoted; or a line above lacks its ':')"
    ),
    "but found '<block mapping start>'": " (is this line indented as the keys beside it?)",
    "found character '\\t'": " (indent with spaces: YAML does not allow tabs)",
}


_QUOTED_START = re.compile(r"\s*(?:-\s+)*(?:[^\s'\"#{\[-][^:#]*:\s+)?(['\"])(.*)")
_CLOSED = {"'": re.compile(r"(?:[^']|'')*'.*"), '"': re.compile(r'(?:[^"\\]|\\.)*".*')}


def _opens_a_quote(lines: list[str], number: int) -> bool:
    """Whether line `number` (from 1) starts a quoted value, after its key, that it does not
    close."""
    if not 1 <= number <= len(lines):
        return False
    start = _QUOTED_START.fullmatch(lines[number - 1].rstrip())
    return start is not None and not _CLOSED[start.group(1)].fullmatch(start.group(2))


_BLOCK_KEY = re.compile(r"([^\s'\"#{\[][^:#]*?)\s*:(?:\s|$)")


def _key_path_at(lines: list[str], number: int) -> str:
    """The key path of line `number` (from 1) of a block-style YAML text, found by indentation
    alone (the text could not be composed): `parts.a.items.params.answer`, `tests[3]`; "" at
    the top or where the lines above are not block style."""
    stack: list[list] = []  # [indent, name, items of its sequence so far]
    for raw in lines[:number]:
        content = raw.lstrip(" ")
        if not content.strip() or content.startswith("#"):
            continue
        depth = len(raw) - len(content)
        is_item = content.startswith("- ") or content.rstrip() == "-"
        while stack and (
            stack[-1][0] > depth
            or (stack[-1][0] == depth and not (is_item and not stack[-1][1].startswith("[")))
        ):
            stack.pop()
        while content.startswith("- ") or content.rstrip() == "-":
            owner = stack[-1] if stack else None
            index = owner[2] if owner is not None else 0
            if owner is not None:
                owner[2] += 1
            stack.append([depth, f"[{index}]", 0])
            rest = content[1:].lstrip(" ")
            depth += len(content) - len(rest)
            content = rest
        key = _BLOCK_KEY.match(content)
        if key:
            stack.append([depth, key.group(1), 0])
    path = ""
    for _, name, _ in stack:
        path += name if name.startswith("[") or not path else f".{name}"
    return path


def located(path: Path | str, node: yaml.Node, error: type[FileProblemsError]) -> YamlNode:
    """`compose_yaml`'s nodes as located nodes, checked (tags, duplicate keys, aliases, size
    and depth), or raise `error` listing what is wrong."""
    composer = _Composer(path, error)
    result = composer.convert(node, "")
    if composer.problems:
        raise error(path, composer.problems)
    return result


def plain_answer(node: yaml.Node) -> tuple[bool, str | None]:
    """Whether `node`, one of `compose_yaml`'s, is a scalar answer `located` and
    `Fields` read without a problem and without constructing it, and if so its text as
    written (None: empty): a text (any style), or a plain value YAML 1.1 types by itself (a
    number, a boolean, a date, a null). Anything else (a collection, an explicit tag, a tag
    we do not allow) is (False, None): read the general way."""
    if not isinstance(node, yaml.ScalarNode) or not whole_characters(node):
        return False, None
    if node.tag == _STR:
        return True, node.value
    if node.style not in (None, "") or node.tag not in _SCALAR_TAGS:
        return False, None
    if len(node.value) > _REMEMBERED_LENGTH or node.tag != _scalar_tag(node.value, (True, False)):
        return False, None
    return True, None if node.tag == _NULL else node.value


def _scalar_of(node: YamlNode, *types: type) -> bool:
    """A scalar whose YAML value has one of `types` (a boolean is never a number here)."""
    if not isinstance(node, Scalar):
        return False
    if isinstance(node.value, bool) and bool not in types:
        return False
    return isinstance(node.value, types)


def read_yaml_file(path: Path, error: type[FileProblemsError]) -> YamlNode:
    """A bounded, safe read of one YAML file into located nodes."""
    return load_yaml(path, read_bounded_text(path, error), error)


def describe_value(node: YamlNode) -> str:
    if isinstance(node, Mapping):
        return "a mapping"
    if isinstance(node, Sequence):
        return "a list"
    value = node.value
    if value is None:
        return "nothing"
    if isinstance(value, bool):
        return f"the boolean {str(value).lower()} (written {node.raw!r})"
    if isinstance(value, int | float):
        return f"the number {value!r} (written {node.raw!r})"
    if isinstance(value, str):
        return f"the text {_shorten(value)!r}"
    return f"{type(value).__name__} {node.raw!r}"


def unknown_choice(what: str, value: str, allowed: tuple[str, ...] | list[str]) -> str:
    """What is wrong with `value`, which is none of `allowed`: the one it is close to, if one
    is, and every one allowed unless they are too many to read (a dozen)."""
    close = difflib.get_close_matches(value, list(allowed), n=1)
    message = f"unknown {what} {value!r}"
    if close and len(allowed) > 12:
        return f"{message}; did you mean {close[0]}?"
    if close:
        return f"{message}; did you mean {close[0]}? Use one of {', '.join(allowed)}"
    return f"{message}; use one of {', '.join(allowed)}"


@dataclass
class Fields:
    """Reads the keys of one mapping, recording a `Problem` for each thing wrong.

    Call the typed getters for every key the format allows, then `finish()`, which reports any
    key that no getter asked for.
    """

    node: YamlNode
    path: str
    problems: list[Problem]
    seen: set[str] = field(default_factory=set)
    key_line: int | None = None  # the line of the key this mapping belongs to, if known

    def __post_init__(self) -> None:
        if not isinstance(self.node, Mapping):
            self.problems.append(
                Problem(
                    self.node.line,
                    self.path,
                    f"expected a mapping of keys to values, found {describe_value(self.node)}",
                )
            )

    @property
    def line(self) -> int:
        return self.node.line

    def key_path(self, key: str) -> str:
        return f"{self.path}.{key}" if self.path else key

    def has(self, key: str) -> bool:
        return isinstance(self.node, Mapping) and key in self.node.entries

    def raw(self, key: str, required: bool) -> tuple[int, YamlNode] | None:
        self.seen.add(key)
        if not isinstance(self.node, Mapping):
            return None
        entry = self.node.entries.get(key)
        if entry is None and required:
            line = self.key_line or self.node.line
            self.problems.append(Problem(line, self.key_path(key), "is required"))
        return entry

    def problem(self, line: int, key: str, message: str) -> None:
        self.problems.append(Problem(line, self.key_path(key), message))

    def _typed(self, key: str, required: bool, accepts, expected: str):
        """The value at `key` if `accepts(value)`, else None with a problem recorded."""
        entry = self.raw(key, required)
        if entry is None:
            return None
        line, value = entry
        if not accepts(value):
            self.problem(line, key, f"expected {expected}, found {describe_value(value)}")
            return None
        return value

    def text(self, key: str, required: bool = True, default: str | None = None) -> str | None:
        value = self._typed(key, required, lambda v: _scalar_of(v, str), "text")
        return default if value is None else value.value

    def choice(
        self, key: str, allowed: tuple[str, ...] | list[str], what: str, required: bool = True
    ) -> str | None:
        """Text that must be one of `allowed`, e.g. an item type or a verdict."""
        value = self.text(key, required)
        if value is not None and value not in allowed:
            line = self.node.entries[key][0]
            self.problem(line, key, unknown_choice(what, value, allowed))
            return None
        return value

    def answer(self, key: str, required: bool = True) -> tuple[str, int] | None:
        """Text meant to be read as maths: refuse what YAML 1.1 would silently change.

        A plain `600` is kept as the text "600", but `0123` (octal 83), `1:30` (base-60 90),
        `yes` (true), `1e3` and the like must be quoted, because YAML reads them as something
        other than what was written.
        """
        value = self._typed(key, required, lambda v: isinstance(v, Scalar), "the answer as text")
        if value is None:
            return None
        line = self.node.entries[key][0]
        if isinstance(value.value, str):
            return value.value, line
        if value.plain and type(value.value) is int and value.raw == str(value.value):
            return value.raw, line
        if value.value is None:
            self.problem(line, key, "is empty")
            return None
        self.problem(
            line,
            key,
            f"YAML reads {value.raw!r} as {describe_value(value)}, not as the text written; "
            f"quote it: {key}: '{value.raw}'",
        )
        return None

    def number(self, key: str, required: bool = True, default: float | None = None) -> float | None:
        value = self._typed(key, required, lambda v: _scalar_of(v, int, float), "a number")
        if value is None:
            return default
        if not math.isfinite(value.value):
            self.problem(value.line, key, f"must be a finite number, found {value.raw}")
            return default
        if value.value < 0:
            self.problem(value.line, key, f"must not be negative, found {value.value}")
            return default
        return float(value.value)

    def integer(self, key: str, required: bool = True) -> int | None:
        value = self._typed(key, required, lambda v: _scalar_of(v, int), "a whole number")
        return None if value is None else value.value

    def boolean(self, key: str, default: bool) -> bool:
        value = self._typed(key, False, lambda v: _scalar_of(v, bool), "true or false")
        return default if value is None else value.value

    def mapping(self, key: str, required: bool = True) -> tuple[int, Mapping] | None:
        value = self._typed(key, required, lambda v: isinstance(v, Mapping), "a mapping")
        return None if value is None else (self.node.entries[key][0], value)

    def sequence(self, key: str, required: bool = True) -> tuple[int, Sequence] | None:
        value = self._typed(key, required, lambda v: isinstance(v, Sequence), "a list")
        return None if value is None else (self.node.entries[key][0], value)

    def finish(self) -> None:
        """Report every key that the format does not know, with a suggestion if one is close."""
        if not isinstance(self.node, Mapping):
            return
        for key, (line, _) in self.node.entries.items():
            if key in self.seen:
                continue
            close = difflib.get_close_matches(key, sorted(self.seen), n=1)
            hint = (
                f"; did you mean {close[0]}?"
                if close
                else f"; known keys: {', '.join(sorted(self.seen))}"
            )
            self.problem(line, key, f"unknown key{hint}")
