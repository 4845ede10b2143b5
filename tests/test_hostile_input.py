"""Hostile input for the readers: every broken file ends in a result or a one-line error.

The contract: fuzzing the readers with broken input (random bytes,
truncated TOML, wrong types for every key, BOMs, non-UTF-8, deep nesting, 10 MB files)
has only two allowed outcomes: a result, or a one-line error naming the file (exit 2).
No traceback in any of them.

In-process that means :func:`load_workspace` returns a :class:`Workspace` (which
:func:`build_graph` accepts), or raises :class:`NoxgraphError` whose ``str()`` is one
line naming the file. Through the command line, ``graph --format json`` exits 0 with
JSON (or 1 with JSON and one error line, for a cycle) or 2 with exactly one
``noxgraph: error: `` line; ``check`` exits 0 or 1 with its findings, or 2 with one line.

Every check collects breaches instead of stopping at the first, so a failure lists
every case that broke the contract. Randomized and expensive tests carry
``@pytest.mark.fuzz`` (``nox -s fuzz`` runs them with a long budget);
``NOXGRAPH_FUZZ_EXAMPLES`` sets the number of hypothesis examples.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import tomli
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from noxgraph.errors import NoxgraphError
from noxgraph.graph import build_graph
from noxgraph.workspace.load import load_workspace
from tests.helpers import cli, cli_process, write

FUZZ_EXAMPLES = int(os.environ.get("NOXGRAPH_FUZZ_EXAMPLES", "50"))

#: Hypothesis settings for every randomized test here: reproducible, and no database.
FUZZ_SETTINGS = settings(
    max_examples=FUZZ_EXAMPLES,
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
    ],
)

MEMBER = "pkgs/m/pyproject.toml"
ROOT = "pyproject.toml"
ROOT_MEMBERS = '[tool.noxgraph]\nmembers = ["pkgs/*"]\n'

# -- realistic, valid documents -----------------------------------------------------------
# ``@NAME@`` is the package's own name and ``@UP@`` the way from its folder to the
# sibling folders, so each document serves as a member (pkgs/m) and as the root.

PEP621 = """\
[build-system]
requires = ["hatchling>=1.26", "editables ; python_version >= '3.10'"]
build-backend = "hatchling.build"

[project]
name = "@NAME@"
version = "1.2.3"
description = "Ünïcödé 包 description, with \\"quotes\\" and a tab\\t"
requires-python = ">=3.10"
dynamic = ["readme"]
dependencies = [
    "b>=1.0,<2 ; python_version >= '3.10'",
    "requests[socks]~=2.31",
    "c @ file:///${PROJECT_ROOT}/@UP@c",
]

[project.optional-dependencies]
fast = ["b[speed]>=1", "orjson"]
all = ["@NAME@[fast]"]

[dependency-groups]
test = ["pytest>=8", "b"]
dev = [{include-group = "test"}, "ruff"]
"""

POETRY = """\
[tool.poetry]
name = "@NAME@"
version = "0.4.0"
description = "A poetry package with path dependencies"
authors = ["Somebody <somebody@example.com>"]

[tool.poetry.dependencies]
python = "^3.10"
b = { path = "@UP@b", develop = true }
c = { version = "^1.2", optional = true, extras = ["x"], markers = "sys_platform == 'linux'" }
d = [{ version = "<2", python = "<3.11" }, { version = ">=2", python = ">=3.11" }]
e = { git = "https://example.com/e.git", branch = "main" }
f = { url = "https://example.com/f-1.0.tar.gz" }

[tool.poetry.group.test.dependencies]
pytest = "^8.0"
b = { path = "@UP@b" }

[tool.poetry.dev-dependencies]
black = "*"

[tool.poetry.extras]
cee = ["c"]

[build-system]
requires = ["poetry-core>=1.0.0"]
build-backend = "poetry.core.masonry.api"
"""

UV = """\
[project]
name = "@NAME@"
version = "3.0.0"
dependencies = ["b", "c>=1", "d"]

[tool.uv]
dev-dependencies = ["pytest>=8", "b"]

[tool.uv.sources]
b = { workspace = true }
c = { path = "@UP@c", editable = true }
d = [{ path = "@UP@d", marker = "sys_platform == 'linux'" }, { index = "pypi" }]

[tool.pdm.dev-dependencies]
lint = ["ruff", "-e file:///${PROJECT_ROOT}/@UP@b#egg=b"]
test = ["-e @UP@c#egg=c", "pytest"]

[tool.noxgraph.tasks]
test = ["pytest -q {posargs}"]
lint = { commands = ["ruff check {package}"], install = ["ruff"], package = false, \
groups = ["lint"], needs-tests = false }
"""

#: The workspace keys of ``[tool.noxgraph]`` (or ``noxgraph.toml``), every one set.
WORKSPACE_CONFIG = """\
members = ["pkgs/*"]
exclude = ["pkgs/ignored"]
base = "main"
global-files = ["uv.lock", ".github/workflows/**"]
ignore = ["**/*.md", "docs/**"]
order-kinds = ["runtime", "optional", "build"]
affected-kinds = ["runtime", "optional", "build", "group", "dev"]
venv-backend = "uv|virtualenv"
wheelhouse = "dist"

[tasks]
build = ["python -m build --outdir {wheelhouse} {package}"]
lint = { commands = ["ruff check {package}"], install = ["ruff"], package = false, \
groups = ["lint"], needs-tests = false }
"""

UV_WORKSPACE = '\n[tool.uv.workspace]\nmembers = ["pkgs/*"]\nexclude = ["pkgs/ignored"]\n'

WRKNV = """\
[[repos]]
path = "pkgs/b"
name = "b"

[[repos]]
path = "pkgs/c"

[[repos]]
path = "pkgs/d"

[[repos]]
path = "pkgs/m"
"""

SIMPLE_MEMBER = '[project]\nname = "m"\nversion = "1"\ndependencies = ["b"]\n'


def as_member(template: str) -> str:
    """``template`` as the document of the member ``m`` in ``pkgs/m``."""
    return template.replace("@NAME@", "m").replace("@UP@", "../")


def as_root(template: str) -> str:
    """``template`` as the document of the root package, whose siblings are in ``pkgs/``."""
    return template.replace("@NAME@", "root-app").replace("@UP@", "./pkgs/")


def _nested(config: str, table: str) -> str:
    """``config`` (top-level keys and a ``[tasks]`` table) moved under ``[table]``."""
    return f"\n[{table}]\n" + config.replace("[tasks]", f"[{table}.tasks]")


#: The valid documents by label: (the file each one is, its text).
DOCUMENTS: dict[str, tuple[str, str]] = {
    "member-pep621": (MEMBER, as_member(PEP621)),
    "member-poetry": (MEMBER, as_member(POETRY)),
    "member-uv": (MEMBER, as_member(UV)),
    "root-pep621+config": (ROOT, as_root(PEP621) + _nested(WORKSPACE_CONFIG, "tool.noxgraph")),
    "root-poetry+members": (ROOT, as_root(POETRY) + '\n[tool.noxgraph]\nmembers = ["pkgs/*"]\n'),
    "root-uv+uv-workspace": (ROOT, as_root(UV) + UV_WORKSPACE),
    "noxgraph.toml": ("noxgraph.toml", WORKSPACE_CONFIG),
    "wrknv": (".wrknv/workspace.toml", WRKNV),
}


def make_workspace(root: Path, label: str, data: str | bytes) -> str:
    """Lay out a workspace in which ``data`` stands for document ``label``.

    The siblings ``b``, ``c`` and ``d`` are valid packages, and so is ``pkgs/m`` unless
    it is the document under test; member documents get a root that declares
    ``pkgs/*``. Returns the file the document is, the one an error must name.
    """
    file = DOCUMENTS[label][0]
    write(root / "pkgs/b/pyproject.toml", '[project]\nname = "b"\nversion = "1.5"\n')
    write(root / "pkgs/c/pyproject.toml", '[project]\nname = "c"\nversion = "1.3"\n')
    write(root / "pkgs/d/pyproject.toml", '[project]\nname = "d"\nversion = "2"\n')
    if file == MEMBER:
        write(root / ROOT, ROOT_MEMBERS)
    else:
        write(root / MEMBER, SIMPLE_MEMBER)
    path = root / file
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
    return file


@pytest.mark.parametrize("label", sorted(DOCUMENTS))
def test_the_documents_are_valid(tmp_path: Path, label: str) -> None:
    """Every document the hostile tests start from loads, with every member, both as
    written and as rewritten by :func:`toml_document`: breaking them means something."""
    for name, text in (("as written", DOCUMENTS[label][1]), ("rewritten", _rewritten(label))):
        root = tmp_path / name.replace(" ", "-")
        make_workspace(root, label, text)
        workspace = load_workspace(root)
        assert {"b", "c", "d", "m"} <= set(workspace.names), name
        # Only a configuration-only root is skipped (it names no package).
        assert {s.path for s in workspace.skipped} <= {"pyproject.toml"}, name


# -- the outcome rule ---------------------------------------------------------------------


@dataclass
class Tally:
    """How many cases ended in a result, how many in an error, and every breach."""

    results: int = 0
    errors: int = 0
    breaches: list[str] = field(default_factory=list)

    @property
    def cases(self) -> int:
        return self.results + self.errors + len(self.breaches)

    def summary(self, what: str) -> str:
        return (
            f"{what}: {self.cases} cases, {self.results} results, {self.errors} one-line"
            f" errors, {len(self.breaches)} breaches"
        )

    def assert_clean(self, what: str) -> None:
        print(self.summary(what))
        shown = "\n".join(self.breaches[:40])
        assert not self.breaches, f"{self.summary(what)}:\n{shown}"


def _line_problem(text: str, blamed: str, prefix: str = "") -> str | None:
    """What is wrong with an error message, or ``None`` when it keeps the rule."""
    if "\n" in text.rstrip("\n") or "\r" in text:
        return f"more than one line: {text[:300]!r}"
    if "Traceback" in text:
        return f"a traceback: {text[:300]!r}"
    if prefix and not text.startswith(prefix):
        return f"does not start with {prefix!r}: {text[:300]!r}"
    if blamed not in text:
        return f"does not name {blamed}: {text[:300]!r}"
    return None


def _crash(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {str(exc)[:300]!r}"


def judge(root: Path, blamed: str, case: str, tally: Tally, *, cli_too: bool = True) -> str:
    """Apply the outcome rule to the workspace at ``root``; record it in ``tally``.

    In-process strict and tolerant loads, then ``graph --format json`` and ``check``
    through the command line (in this process). Returns ``"result"``, ``"error"``
    or ``"breach"``.
    """
    breaches: list[str] = []
    verdict = "result"
    try:
        build_graph(load_workspace(root))
    except NoxgraphError as exc:
        verdict = "error"
        problem = _line_problem(str(exc), blamed)
        if problem:
            breaches.append(f"load_workspace error {problem}")
    except Exception as exc:
        breaches.append(f"load_workspace raised {_crash(exc)}")
    try:
        tolerant = load_workspace(root, tolerant=True)
        build_graph(tolerant)
        for collected in tolerant.problems:
            problem = _line_problem(str(collected), "")
            if problem:
                breaches.append(f"Workspace.problems entry {problem}")
    except NoxgraphError as exc:
        problem = _line_problem(str(exc), blamed)
        if problem:
            breaches.append(f"load_workspace(tolerant=True) error {problem}")
    except Exception as exc:
        breaches.append(f"load_workspace(tolerant=True) raised {_crash(exc)}")
    if cli_too:
        breaches += _cli_breaches(root, blamed)
    if breaches:
        tally.breaches.append(f"[{case}] " + "; ".join(breaches))
        return "breach"
    if verdict == "result":
        tally.results += 1
    else:
        tally.errors += 1
    return verdict


def _cli_breaches(root: Path, blamed: str) -> list[str]:
    """``graph --format json`` and ``check`` in this process, against the rule."""
    breaches: list[str] = []
    try:
        graph = cli("graph", "--root", root, "--format", "json")
    except Exception as exc:
        return [f"graph raised {_crash(exc)}"]
    breaches += [f"graph {p}" for p in _graph_problems(graph.code, graph.out, graph.err, blamed)]
    try:
        check = cli("check", "--root", root)
    except Exception as exc:
        return [*breaches, f"check raised {_crash(exc)}"]
    breaches += [f"check {p}" for p in _check_problems(check.code, check.out, check.err, blamed)]
    return breaches


def _graph_problems(code: int, out: str, err: str, blamed: str) -> list[str]:
    """What is wrong with one ``graph --format json`` outcome."""
    if code in (0, 1):
        try:
            json.loads(out)
        except ValueError:
            return [f"exit {code} without JSON on stdout: {out[:200]!r}"]
        if code == 0 and err:
            return [f"exit 0 with stderr {err[:200]!r}"]
        if code == 1:
            problem = _line_problem(err, "", "noxgraph: error: ")
            return [f"exit 1 stderr {problem}"] if problem else []
        return []
    if code == 2:
        problem = _line_problem(err, blamed, "noxgraph: error: ")
        return [f"exit 2 stderr {problem}"] if problem else []
    return [f"exit {code}: {err[:300]!r}"]


def _check_problems(code: int, out: str, err: str, blamed: str) -> list[str]:
    """What is wrong with one ``check`` outcome."""
    if code in (0, 1):
        if err:
            return [f"exit {code} with stderr {err[:200]!r}"]
        if not out.strip():
            return [f"exit {code} without findings on stdout"]
        return []
    if code == 2:
        problem = _line_problem(err, blamed, "noxgraph: error: ")
        return [f"exit 2 stderr {problem}"] if problem else []
    return [f"exit {code}: {err[:300]!r}"]


def judge_process(root: Path, blamed: str, *, timeout: float = 300) -> list[str]:
    """``python -m noxgraph graph --format json`` and ``check`` as real processes."""
    env = {**os.environ, "NOXGRAPH_NO_CACHE": "1"}
    graph = cli_process("graph", "--root", root, "--format", "json", env=env, timeout=timeout)
    check = cli_process("check", "--root", root, env=env, timeout=timeout)
    return [f"process graph {p}" for p in _graph_problems(*_run(graph), blamed)] + [
        f"process check {p}" for p in _check_problems(*_run(check), blamed)
    ]


def _run(run: Any) -> tuple[int, str, str]:
    return run.code, run.out, run.err


# -- random bytes ------------------------------------------------------------------------

#: Pieces of TOML and of pyproject files, for text that is nearly a pyproject.
_WORDS = """
    [project] [tool.poetry] [tool.poetry.dependencies] [tool.uv.sources] [dependency-groups]
    [build-system] [tool.noxgraph] [tool.noxgraph.tasks] [[tool.x]] [tool.pdm.dev-dependencies]
    [project.optional-dependencies] name version dependencies requires path workspace
    include-group optional extras markers git url members tasks commands dynamic = . , [ ] { }
    # " ' \"\"\" \'\'\' \\ "m" "b>=1" "../b" "-e" "../b#egg=b" true false 1 -0 1e999 nan inf
    0x1F 1979-05-27T07:32:00Z 07:32:00 "{package}" "^1.2" "~1" "*" "$pkg" "{{" "}}" \u00fc
"""
TOKENS = (
    *_WORDS.split(),
    " = ",
    '"b @ file:../b"',
    "\n",
    "\r\n",
    " ",
    "\t",
    "\u5305",
    "\x00",
    "\ufeff",
)


def _write_member(root: Path, data: bytes) -> None:
    """Replace the declared member's ``pyproject.toml`` with ``data``."""
    (root / MEMBER).write_bytes(data)


@pytest.fixture
def member_workspace(tmp_path: Path) -> Path:
    """A workspace whose member ``pkgs/m`` is declared by ``[tool.noxgraph].members``."""
    make_workspace(tmp_path, "member-pep621", as_member(PEP621))
    return tmp_path


@pytest.mark.fuzz
@FUZZ_SETTINGS
@given(data=st.binary(max_size=4096))
def test_random_bytes_as_a_declared_member(member_workspace: Path, data: bytes) -> None:
    """Arbitrary bytes in a declared member's pyproject.toml: a result or a one-line error."""
    _write_member(member_workspace, data)
    tally = Tally()
    judge(member_workspace, MEMBER, f"bytes {data[:60]!r}", tally)
    assert not tally.breaches, tally.breaches


@pytest.mark.fuzz
@FUZZ_SETTINGS
@given(pieces=st.lists(st.sampled_from(TOKENS), max_size=80))
def test_nearly_toml_text_as_a_declared_member(member_workspace: Path, pieces: list[str]) -> None:
    """Text glued from TOML and pyproject tokens reaches the semantic checks, not only
    the parser; it must still end in a result or a one-line error."""
    text = "".join(pieces)
    _write_member(member_workspace, text.encode("utf-8", "surrogatepass"))
    tally = Tally()
    judge(member_workspace, MEMBER, f"text {text[:80]!r}", tally)
    assert not tally.breaches, tally.breaches


@pytest.mark.fuzz
@FUZZ_SETTINGS
@given(
    label=st.sampled_from(sorted(DOCUMENTS)),
    edits=st.lists(
        st.tuples(st.floats(0, 1), st.sampled_from(("flip", "drop", "insert"))), max_size=8
    ),
    byte=st.integers(0, 255),
)
def test_mutated_valid_documents(
    tmp_path: Path, label: str, edits: list[tuple[float, str]], byte: int
) -> None:
    """A few random byte edits to each realistic document (member, root, noxgraph.toml,
    wrknv): valid-looking input that is almost right is where readers crash."""
    data = bytearray(DOCUMENTS[label][1].encode())
    for where, edit in edits:
        at = min(int(where * len(data)), len(data) - 1)
        if edit == "flip":
            data[at] ^= byte or 1
        elif edit == "drop":
            del data[at]
        else:
            data.insert(at, byte)
    root = tmp_path / f"w{len(list(tmp_path.iterdir()))}"
    blamed = make_workspace(root, label, bytes(data))
    tally = Tally()
    judge(root, blamed, f"{label} {bytes(data)[:60]!r}", tally)
    assert not tally.breaches, tally.breaches


SAMPLE_BYTES = (
    b"",
    b"\x00" * 64,
    b"\xff\xfe\xfd",
    bytes(range(256)),
    b"[project\n",
    b"[project]\nname = ",
    b'[project]\nname = "m"\nversion = 1\n',
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR",
    b"PK\x03\x04" + b"\x00" * 26,
)


@pytest.mark.parametrize("data", SAMPLE_BYTES, ids=lambda d: repr(d[:12]))
def test_sample_random_bytes_through_a_real_process(member_workspace: Path, data: bytes) -> None:
    """A few fixed byte strings through ``python -m noxgraph`` as a real process: the
    exit code and the stderr line are what a shell sees, with no traceback."""
    _write_member(member_workspace, data)
    assert judge_process(member_workspace, MEMBER) == []


# -- truncated TOML ----------------------------------------------------------------------

TRUNCATED = ("member-pep621", "member-poetry", "member-uv", "root-pep621+config", "noxgraph.toml")


#: In the default run the command line sees every CLI_STRIDE-th cut (and the whole
#: document); the fuzz run sends every cut through it.
CLI_STRIDE = 8


def _truncations(tmp_path: Path, label: str, stride: int) -> Tally:
    """Cut document ``label`` at every byte offset; the command line sees every
    ``stride``-th cut, the in-process loads every one."""
    file, text = DOCUMENTS[label]
    data = text.encode("utf-8")
    make_workspace(tmp_path, label, data)
    tally = Tally()
    for offset in range(len(data) + 1):
        (tmp_path / file).write_bytes(data[:offset])
        through_cli = offset % stride == 0 or offset == len(data)
        judge(tmp_path, file, f"{label}[:{offset}]", tally, cli_too=through_cli)
    tally.assert_clean(f"truncated {label} ({len(data)} bytes, command line every {stride})")
    assert tally.cases == len(data) + 1
    assert tally.results >= 1, "the whole document must load"
    return tally


@pytest.mark.parametrize("label", TRUNCATED)
def test_truncated_at_every_byte_offset(tmp_path: Path, label: str) -> None:
    """Each realistic document cut at every byte offset (0 to its whole length),
    including in the middle of multi-byte UTF-8 characters."""
    _truncations(tmp_path, label, CLI_STRIDE)


@pytest.mark.fuzz
@pytest.mark.parametrize("label", TRUNCATED)
def test_truncated_at_every_byte_offset_through_the_command_line(
    tmp_path: Path, label: str
) -> None:
    """The same cuts, every one through ``graph --format json`` and ``check`` too."""
    _truncations(tmp_path, label, 1)


# -- wrong types for every key -----------------------------------------------------------

WRONG_VALUES: dict[str, Any] = {
    "integer": 7,
    "float": 2.5,
    "boolean": True,
    "string": "hostile value",
    "array of integers": [1, 2, 3],
    "table": {"key": "value"},
    "array of tables": [{"key": 1}, {"key": "two"}],
    "datetime": dt.datetime(1979, 5, 27, 7, 32, tzinfo=dt.timezone.utc),
}

KeyPath = tuple[str | int, ...]


def _toml_string(text: str) -> str:
    """A TOML basic string; JSON's escapes are a subset of TOML's (ensure_ascii off)."""
    return json.dumps(text, ensure_ascii=False).replace("\x7f", "\\u007f")


def toml_value(value: Any) -> str:
    """``value`` as an inline TOML value (single line, so tables are inline tables)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, str):
        return _toml_string(value)
    if isinstance(value, (dt.datetime, dt.date, dt.time)):
        return value.isoformat()
    if isinstance(value, list):
        return "[" + ", ".join(toml_value(item) for item in value) + "]"
    if isinstance(value, dict):
        inner = ", ".join(f"{_toml_string(k)} = {toml_value(v)}" for k, v in value.items())
        return "{" + inner + "}"
    raise TypeError(type(value))


def toml_document(document: Mapping[str, Any]) -> str:
    """A whole document as one ``key = inline value`` line per top-level key."""
    return "".join(f"{_toml_string(k)} = {toml_value(v)}\n" for k, v in document.items())


def key_paths(value: Any, path: KeyPath = ()) -> Iterator[KeyPath]:
    """Every path to a table value or an array item in ``value``, outermost first."""
    if isinstance(value, dict):
        for key, item in value.items():
            yield (*path, key)
            yield from key_paths(item, (*path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield (*path, index)
            yield from key_paths(item, (*path, index))


def dotted(path: KeyPath) -> str:
    """``project.dependencies[0]`` for ``("project", "dependencies", 0)``."""
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else part)
    return text


def replaced(document: Any, path: KeyPath, value: Any) -> Any:
    """A copy of ``document`` with the value at ``path`` replaced by ``value``."""
    if not path:
        return value
    head, rest = path[0], path[1:]
    if isinstance(document, dict):
        return {k: replaced(v, rest, value) if k == head else v for k, v in document.items()}
    return [replaced(v, rest, value) if i == head else v for i, v in enumerate(document)]


def _parsed(label: str) -> dict[str, Any]:
    return tomli.loads(DOCUMENTS[label][1])


def _rewritten(label: str) -> str:
    """Document ``label`` as the wrong-type matrix writes it, with nothing replaced."""
    return toml_document(_parsed(label))


#: Every key path noxgraph reads, and the documents that must hold it: the matrix
#: below covers exactly the paths of the documents, so this proves it covers these.
REQUIRED_PATHS: dict[str, tuple[str, ...]] = {
    label: paths
    for label, paths in {
        "member-pep621": (
            "project.name",
            "project.version",
            "project.dynamic",
            "project.dependencies",
            "project.dependencies[0]",
            "project.optional-dependencies",
            "project.optional-dependencies.fast",
            "project.optional-dependencies.fast[0]",
            "dependency-groups",
            "dependency-groups.test",
            "dependency-groups.dev[0]",
            "dependency-groups.dev[0].include-group",
            "build-system.requires",
            "build-system.requires[0]",
        ),
        "member-poetry": (
            "tool.poetry.name",
            "tool.poetry.version",
            "tool.poetry.dependencies",
            "tool.poetry.dependencies.b",
            "tool.poetry.dependencies.b.path",
            "tool.poetry.dependencies.c.version",
            "tool.poetry.dependencies.c.optional",
            "tool.poetry.dependencies.c.extras",
            "tool.poetry.dependencies.c.markers",
            "tool.poetry.dependencies.d[0]",
            "tool.poetry.dependencies.e.git",
            "tool.poetry.dependencies.f.url",
            "tool.poetry.group",
            "tool.poetry.group.test",
            "tool.poetry.group.test.dependencies",
            "tool.poetry.group.test.dependencies.pytest",
            "tool.poetry.dev-dependencies",
            "tool.poetry.dev-dependencies.black",
            "tool.poetry.extras",
            "tool.poetry.extras.cee",
        ),
        "member-uv": (
            "tool.uv.dev-dependencies",
            "tool.uv.sources",
            "tool.uv.sources.b",
            "tool.uv.sources.b.workspace",
            "tool.uv.sources.c.path",
            "tool.uv.sources.d[0]",
            "tool.uv.sources.d[0].path",
            "tool.pdm.dev-dependencies",
            "tool.pdm.dev-dependencies.lint",
            "tool.pdm.dev-dependencies.lint[1]",
            "tool.noxgraph",
            "tool.noxgraph.tasks",
            "tool.noxgraph.tasks.test",
            "tool.noxgraph.tasks.test[0]",
            "tool.noxgraph.tasks.lint.commands",
            "tool.noxgraph.tasks.lint.install",
            "tool.noxgraph.tasks.lint.package",
            "tool.noxgraph.tasks.lint.groups",
            "tool.noxgraph.tasks.lint.needs-tests",
        ),
        "root-pep621+config": (
            "project.name",
            "project.dependencies",
            "dependency-groups.dev[0].include-group",
            "tool.noxgraph.members",
            "tool.noxgraph.members[0]",
            "tool.noxgraph.exclude",
            "tool.noxgraph.base",
            "tool.noxgraph.global-files",
            "tool.noxgraph.ignore",
            "tool.noxgraph.order-kinds",
            "tool.noxgraph.affected-kinds",
            "tool.noxgraph.venv-backend",
            "tool.noxgraph.wheelhouse",
            "tool.noxgraph.tasks",
            "tool.noxgraph.tasks.build",
            "tool.noxgraph.tasks.lint.commands",
            "tool.noxgraph.tasks.lint.needs-tests",
        ),
        "root-poetry+members": (
            "tool.poetry.name",
            "tool.poetry.dependencies.b.path",
            "tool.poetry.group.test.dependencies",
            "tool.poetry.extras.cee",
        ),
        "root-uv+uv-workspace": (
            "tool.uv.workspace",
            "tool.uv.workspace.members",
            "tool.uv.workspace.members[0]",
            "tool.uv.workspace.exclude",
            "tool.uv.sources.b.workspace",
            "tool.uv.sources.c.path",
            "tool.pdm.dev-dependencies",
            "tool.noxgraph.tasks",
        ),
        "noxgraph.toml": (
            "members",
            "exclude",
            "base",
            "global-files",
            "ignore",
            "order-kinds",
            "affected-kinds",
            "venv-backend",
            "wheelhouse",
            "tasks",
            "tasks.lint.groups",
        ),
        "wrknv": ("repos", "repos[0]", "repos[0].path", "repos[0].name"),
    }.items()
}


def test_the_matrix_covers_every_key_path_noxgraph_reads() -> None:
    """The wrong-type matrix replaces every path of the documents; check that those
    documents hold every key path noxgraph reads, in the root and in a member."""
    missing = [
        f"{label}: {path}"
        for label, paths in REQUIRED_PATHS.items()
        for path in paths
        if path not in {dotted(p) for p in key_paths(_parsed(label))}
    ]
    assert missing == []


def _wrong_type_cases() -> list[Any]:
    cases = []
    for label in DOCUMENTS:
        for path in key_paths(_parsed(label)):
            cases.append(pytest.param(label, path, id=f"{label}:{dotted(path)}"))
    return cases


WRONG_TYPE_CASES = _wrong_type_cases()


@pytest.mark.parametrize(("label", "path"), WRONG_TYPE_CASES)
def test_wrong_type_for_every_key(tmp_path: Path, label: str, path: KeyPath) -> None:
    """The value at one key path replaced by each of eight TOML types in turn."""
    document = _parsed(label)
    blamed = make_workspace(tmp_path, label, _rewritten(label))
    tally = Tally()
    for kind, value in WRONG_VALUES.items():
        text = toml_document(replaced(document, path, value))
        (tmp_path / blamed).write_text(text, encoding="utf-8")
        judge(tmp_path, blamed, f"{dotted(path)} = {kind}", tally)
    assert not tally.breaches, "\n".join(tally.breaches)


def test_wrong_type_matrix_size() -> None:
    """The size of the matrix, for the report: paths per document times eight types."""
    per_document = {label: len(list(key_paths(_parsed(label)))) for label in DOCUMENTS}
    total = sum(per_document.values()) * len(WRONG_VALUES)
    print(f"wrong types: {per_document} paths x {len(WRONG_VALUES)} types = {total}")
    assert total == len(WRONG_TYPE_CASES) * len(WRONG_VALUES)


# -- encodings: BOM, UTF-16, Latin-1, surrogates, NUL ------------------------------------

VALID = as_member(PEP621).encode()
ENCODINGS: dict[str, bytes] = {
    "utf-8 BOM": b"\xef\xbb\xbf" + VALID,
    "utf-8 BOM only": b"\xef\xbb\xbf",
    "utf-8 BOM twice": b"\xef\xbb\xbf\xef\xbb\xbf" + VALID,
    "utf-16 with BOM": as_member(PEP621).encode("utf-16"),
    "utf-16-le without BOM": as_member(PEP621).encode("utf-16-le"),
    "utf-16-be without BOM": as_member(PEP621).encode("utf-16-be"),
    "utf-32": as_member(PEP621).encode("utf-32"),
    "latin-1 in a string": b'[project]\nname = "m"\ndescription = "caf\xe9"\n',
    "latin-1 in a comment": b'# caf\xe9\n[project]\nname = "m"\n',
    "latin-1 in a key": b'[project]\nname = "m"\n[tool.caf\xe9]\nx = 1\n',
    "latin-1 whole file": as_member(PEP621).encode("latin-1", "replace"),
    "cp1252 quotes": b"[project]\nname = \x93m\x94\n",
    "overlong utf-8": b'[project]\nname = "\xc0\xafm"\n',
    "utf-8 surrogate bytes (CESU-8)": b'[project]\nname = "m"\ndescription = "\xed\xa0\x80"\n',
    "lone surrogate escape in a string": b'[project]\nname = "m"\ndescription = "\\uD800"\n',
    "lone surrogate escape in a name": b'[project]\nname = "m\\uDFFF"\n',
    "lone surrogate escape in a key": b'[project]\nname = "m"\n[tool."\\uD83D"]\nx = 1\n',
    "surrogate pair escape": b'[project]\nname = "m"\ndescription = "\\uD83D\\uDE00"\n',
    "NUL byte at the start": b"\x00" + VALID,
    "NUL byte at the end": VALID + b"\x00",
    "NUL byte in a string": b'[project]\nname = "m\x00"\n',
    "NUL byte in a comment": b'# \x00\n[project]\nname = "m"\n',
    "NUL escape in the name": b'[project]\nname = "m\\u0000"\nversion = "1"\n',
    "NUL escape in a requirement": b'[project]\nname = "m"\ndependencies = ["b\\u0000"]\n',
    "NUL escape in a file URL": b'[project]\nname = "m"\ndependencies = ["b @ file:../b\\u0000"]\n',
    "NUL escape in a uv path": (
        b'[project]\nname = "m"\ndependencies = ["b"]\n[tool.uv.sources]\nb = {path = "\\u0000"}\n'
    ),
    "NUL escape in a poetry path": (
        b'[tool.poetry]\nname = "m"\n[tool.poetry.dependencies]\nb = {path = "../b\\u0000"}\n'
    ),
    "NUL escape in a pdm path": (
        b'[project]\nname = "m"\n[tool.pdm.dev-dependencies]\nd = ["-e ../b\\u0000#egg=b"]\n'
    ),
    "CRLF line endings": VALID.replace(b"\n", b"\r\n"),
    "lone CR": VALID.replace(b"\n", b"\r"),
    "form feed and vertical tab": b'[project]\x0c\nname = "m"\x0b\n',
    "DEL in a string": b'[project]\nname = "m"\ndescription = "\x7f"\n',
    "zero-width and RTL marks in the name": '[project]\nname = "m\u200b\u202e"\n'.encode(),
    "BOM inside a string": '[project]\nname = "\ufeffm"\n'.encode(),
}


@pytest.mark.parametrize("label", ["member", "root", "noxgraph.toml", "wrknv"])
def test_encodings(tmp_path: Path, label: str) -> None:
    """Each encoding problem as a member, as the root pyproject.toml, as noxgraph.toml
    and as .wrknv/workspace.toml."""
    target = {
        "member": "member-pep621",
        "root": "root-pep621+config",
        "noxgraph.toml": "noxgraph.toml",
        "wrknv": "wrknv",
    }[label]
    tally = Tally()
    for name, data in ENCODINGS.items():
        root = tmp_path / f"case{len(tally.breaches) + tally.results + tally.errors}"
        blamed = make_workspace(root, target, data)
        judge(root, blamed, name, tally)
    tally.assert_clean(f"encodings as {label}")


@pytest.mark.parametrize(
    "name", ["utf-8 BOM", "utf-16 with BOM", "latin-1 in a string", "NUL byte in a string"]
)
def test_encodings_through_a_real_process(tmp_path: Path, name: str) -> None:
    """The commonest encoding mistakes through ``python -m noxgraph``: exit 2, one line
    naming the file, whatever the terminal's encoding."""
    make_workspace(tmp_path, "member-pep621", ENCODINGS[name])
    assert judge_process(tmp_path, MEMBER) == []


def test_a_bom_is_an_error_that_says_so(tmp_path: Path) -> None:
    """Pinning today's answer for a BOM: an error naming the file, and what to do."""
    make_workspace(tmp_path, "member-pep621", ENCODINGS["utf-8 BOM"])
    with pytest.raises(NoxgraphError, match=r"pkgs/m/pyproject\.toml: .*byte-order mark"):
        load_workspace(tmp_path)


# -- deep nesting ------------------------------------------------------------------------


def _deep(kind: str, depth: int) -> str:
    if kind == "array":
        return "[" * depth + "]" * depth
    if kind == "array with values":
        return "[1, " * depth + "2" + "]" * depth
    return "{a = " * depth + "1" + "}" * depth


NESTING = [
    pytest.param(kind, depth, where, id=f"{kind}-{depth}-{where}")
    for kind in ("array", "array with values", "inline table")
    for depth in (10, 399, 401, 1000, 10_000, 100_000)
    for where in ("tool.other", "project.dependencies", "tool.noxgraph.tasks.x")
]


@pytest.mark.parametrize(("kind", "depth", "where"), NESTING)
def test_deep_nesting_as_a_member(tmp_path: Path, kind: str, depth: int, where: str) -> None:
    """Arrays and inline tables nested up to 100,000 deep, in a table noxgraph ignores
    and in two it reads: a result or a one-line error, and quickly."""
    table, _, key = where.rpartition(".")
    text = f'[project]\nname = "m"\nversion = "1"\n\n[{table}]\n{key} = {_deep(kind, depth)}\n'
    if table == "project":
        text = f'[project]\nname = "m"\nversion = "1"\n{key} = {_deep(kind, depth)}\n'
    make_workspace(tmp_path, "member-pep621", text)
    tally = Tally()
    started = time.perf_counter()
    judge(tmp_path, MEMBER, f"{kind} x{depth} at {where}", tally)
    assert time.perf_counter() - started < 60
    tally.assert_clean(f"nesting {kind} x{depth} at {where}")


@pytest.mark.parametrize("parts", [10, 500, 5_000])
def test_long_dotted_keys_and_table_headers(tmp_path: Path, parts: int) -> None:
    """A table header or a dotted key with thousands of parts: deep tables, no arrays."""
    key = ".".join(["a"] * parts)
    tally = Tally()
    for name, tail in (("header", f"[tool.{key}]\nx = 1\n"), ("dotted", f"[tool]\n{key} = 1\n")):
        root = tmp_path / name
        make_workspace(root, "member-pep621", f'[project]\nname = "m"\n\n{tail}')
        judge(root, MEMBER, f"{name} with {parts} parts", tally)
    tally.assert_clean(f"keys with {parts} parts")


def test_deep_tables_from_long_keys_do_not_crash_the_parse_cache(tmp_path: Path) -> None:
    """Nesting ~1,200 tables deep with keys tomli accepts: a result or a one-line error.

    Once a bug: each key stays under tomli's limit of
    ``sys.getrecursionlimit()`` parts, so the document parses; ParseCache.document()
    then ran ``json.dumps()`` on it suppressing only TypeError and ValueError, and a
    RecursionError traceback escaped load_workspace, ``graph`` and ``check`` (with
    ``NOXGRAPH_NO_CACHE=1`` too).
    """
    header = ".".join(["h"] * 600)
    dotted_key = ".".join(["d"] * 600)
    make_workspace(
        tmp_path, "member-pep621", f'[project]\nname = "m"\n\n[tool.{header}]\n{dotted_key} = 1\n'
    )
    tally = Tally()
    judge(tmp_path, MEMBER, "600-part header holding a 600-part dotted key", tally)
    tally.assert_clean("deep tables from long keys")


def test_deep_tables_from_long_keys_through_a_real_process(tmp_path: Path) -> None:
    """The same document through ``python -m noxgraph`` (a traceback, exit 1, before 438462d)."""
    header = ".".join(["h"] * 600)
    make_workspace(
        tmp_path,
        "member-pep621",
        f'[project]\nname = "m"\n\n[tool.{header}]\n{".".join(["d"] * 600)} = 1\n',
    )
    assert judge_process(tmp_path, MEMBER) == []


# -- ten megabytes -----------------------------------------------------------------------

TEN_MB = 10 * 2**20
HEAD = '[project]\nname = "m"\nversion = "1"\ndependencies = ["b>=1"]\n'


def _big_table() -> str:
    lines = [HEAD, "\n[tool.other]\n"]
    size, index = sum(map(len, lines)), 0
    while size < TEN_MB:
        line = f'key_{index} = "value number {index}, padded to look like real data"\n'
        lines.append(line)
        size += len(line)
        index += 1
    return "".join(lines)


BIG_DOCUMENTS: dict[str, Callable[[], str]] = {
    "huge [tool.other] table": _big_table,
    "10 MB string": lambda: HEAD + '\n[tool.other]\nblob = "' + "x" * TEN_MB + '"\n',
    "10 MB requirement": lambda: HEAD.replace('"b>=1"', '"' + "a" * TEN_MB + '"'),
    "10 MB of garbage after valid TOML": lambda: HEAD + "\x01" * TEN_MB,
}
SLOW_BIG_DOCUMENTS: dict[str, Callable[[], str]] = {
    "3.5 million integers": lambda: (
        HEAD + "\n[tool.other]\nlist = [" + "1, " * (TEN_MB // 3) + "]\n"
    ),
    "500,000 distinct requirements": lambda: HEAD.replace(
        'dependencies = ["b>=1"]',
        "dependencies = [\n" + "".join(f'  "dep-{i:08d}>=1",\n' for i in range(TEN_MB // 21)) + "]",
    ),
    "a 10 MB marker": lambda: HEAD.replace(
        '"b>=1"', '"b>=1 ; ' + " and ".join(["python_version > '3'"] * (TEN_MB // 23)) + '"'
    ),
    "500,000 [[tool.other.arr]] tables": lambda: (
        HEAD + "".join(f"[[tool.other.arr]]\nk = {i}\n" for i in range(TEN_MB // 20))
    ),
}


def _load_big(tmp_path: Path, name: str, text: str, limit: float) -> None:
    make_workspace(tmp_path, "member-pep621", text)
    tally = Tally()
    started = time.perf_counter()
    verdict = judge(tmp_path, MEMBER, name, tally, cli_too=False)
    elapsed = time.perf_counter() - started
    print(f"10 MB: {name}: {len(text) / 2**20:.1f} MiB, {verdict} in {elapsed:.2f} s")
    tally.assert_clean(f"10 MB {name}")
    assert elapsed < limit, f"{name} took {elapsed:.1f} s"


@pytest.mark.parametrize("name", sorted(BIG_DOCUMENTS))
def test_ten_megabyte_files(tmp_path: Path, name: str) -> None:
    """A 10 MB pyproject.toml loads in a sane time (two loads here, strict and tolerant,
    the second served by the parse cache) or fails with the one-line error."""
    _load_big(tmp_path, name, BIG_DOCUMENTS[name](), limit=60)


@pytest.mark.fuzz
@pytest.mark.parametrize("name", sorted(SLOW_BIG_DOCUMENTS))
def test_ten_megabyte_files_that_are_slow_to_parse(tmp_path: Path, name: str) -> None:
    """10 MB of many small values: correct, but tens of seconds of parsing."""
    _load_big(tmp_path, name, SLOW_BIG_DOCUMENTS[name](), limit=180)


def test_a_ten_megabyte_file_through_a_real_process(tmp_path: Path) -> None:
    """The huge-table file through ``python -m noxgraph`` (no cache): exit 0, JSON."""
    make_workspace(tmp_path, "member-pep621", _big_table())
    started = time.perf_counter()
    assert judge_process(tmp_path, MEMBER) == []
    print(f"10 MB through two processes: {time.perf_counter() - started:.2f} s")


# -- .wrknv/workspace.toml and noxgraph.toml ---------------------------------------------


@pytest.mark.fuzz
@FUZZ_SETTINGS
@given(data=st.binary(max_size=2048), which=st.sampled_from(["wrknv", "noxgraph.toml"]))
def test_random_bytes_as_wrknv_or_noxgraph_toml(tmp_path: Path, data: bytes, which: str) -> None:
    """Arbitrary bytes in the other two readers' files."""
    root = tmp_path / f"w{len(list(tmp_path.iterdir()))}"
    blamed = make_workspace(root, which, data)
    tally = Tally()
    judge(root, blamed, f"{which}: {data[:60]!r}", tally)
    assert not tally.breaches, tally.breaches


# The wrong-type matrix above covers both files ("wrknv" and "noxgraph.toml" are among
# DOCUMENTS), and so do the truncation and encoding tests. Below: values of the right
# type that lead somewhere hostile.

PATH_VALUES: dict[str, str] = {
    "empty": "",
    "dot": ".",
    "root": "/",
    "climbing": "../../../../../../..",
    "a file": "pkgs/b/pyproject.toml",
    "spaces and non-ASCII": "pkgs/mein paket \u00fc",
    "glob characters": "pkgs/[*?]",
    "Jinja": "{{ cookiecutter.name }}",
    "backslashes": "pkgs\\\\b",
    "long, within PATH_MAX": "/".join(["a"] * 1000),
}

#: Values that reach the file system and break today, with the bug each shows.
BAD_PATH_VALUES: dict[str, tuple[str, str]] = {
    "NUL": ("pk\\u0000gs/*", "ValueError('embedded null byte') from glob.glob()"),
    "name longer than NAME_MAX": ("a" * 300, "OSError(ENAMETOOLONG) from Path.is_file()"),
    "path longer than PATH_MAX": (
        "/".join(["a"] * 2100),
        "OSError(ENAMETOOLONG) from Path.is_file()",
    ),
}


def _path_workspace(root: Path, where: str, value: str) -> str:
    """A workspace whose member list (in ``where``) holds the TOML string ``value``."""
    if where == "wrknv":
        text = f'[[repos]]\npath = "pkgs/b"\n[[repos]]\npath = "{value}"\n'
        return make_workspace(root, "wrknv", text)
    if where == "noxgraph.members":
        text = f'[tool.noxgraph]\nmembers = ["pkgs/*", "{value}"]\n'
    elif where == "noxgraph.exclude":
        text = f'[tool.noxgraph]\nmembers = ["pkgs/*"]\nexclude = ["{value}"]\n'
    elif where == "uv.members":
        text = f'[project]\nname = "r"\n[tool.uv.workspace]\nmembers = ["pkgs/*", "{value}"]\n'
    else:
        text = (
            f'[project]\nname = "r"\n[tool.uv.workspace]\nmembers = ["pkgs/*"]\n'
            f'exclude = ["{value}"]\n'
        )
    make_workspace(root, "root-pep621+config", text)
    return "pyproject.toml" if where != "wrknv" else ".wrknv/workspace.toml"


MEMBER_LISTS = ("wrknv", "noxgraph.members", "noxgraph.exclude", "uv.members", "uv.exclude")


@pytest.mark.parametrize("where", MEMBER_LISTS)
def test_hostile_member_paths(tmp_path: Path, where: str) -> None:
    """Member lists (wrknv repos, [tool.noxgraph] and [tool.uv.workspace] members and
    exclude) holding paths that lead nowhere good."""
    tally = Tally()
    for name, value in PATH_VALUES.items():
        root = tmp_path / name.replace(" ", "-").replace(",", "")
        blamed = _path_workspace(root, where, value.replace("\\", "\\\\").replace('"', '\\"'))
        judge(root, blamed, f"{where} = {name}", tally)
    tally.assert_clean(f"member paths in {where}")


@pytest.mark.parametrize(
    ("where", "name"),
    [
        pytest.param(where, name, id=f"{where}-{name.replace(' ', '-')}")
        for where in MEMBER_LISTS
        for name in BAD_PATH_VALUES
    ],
)
def test_member_paths_the_file_system_rejects(tmp_path: Path, where: str, name: str) -> None:
    """A NUL, or a name or path too long for the file system, in each member list:
    a result or a one-line error.

    Once a bug: these reached the file system unchecked, through
    glob.glob() in workspace._expand/_members_from_globs and Path.is_file() in
    workspace._expand/_wrknv_members (which re-raises every OSError but ENOENT, ENOTDIR,
    EBADF and ELOOP), and escaped as ValueError or OSError(ENAMETOOLONG) tracebacks for
    [tool.noxgraph].members and exclude, [tool.uv.workspace].members and exclude, and
    .wrknv/workspace.toml repos.
    """
    blamed = _path_workspace(tmp_path, where, BAD_PATH_VALUES[name][0])
    tally = Tally()
    judge(tmp_path, blamed, f"{where} = {name}", tally)
    tally.assert_clean(f"{name} in {where}")


# -- requirement URLs ---------------------------------------------------------------------

HOSTILE_URLS = {
    "file URL with a host": "b @ file://host/x",
    "file URL with a huge port": "b @ file://localhost:99999999/x",
    "percent-encoded NUL": "b @ file:///tmp/%00",
    "relative file URL": "b @ file:../b",
    "git URL": "b @ git+https://example.com/b.git",
}
BAD_URLS = {
    "PEP 508 file URL with an unclosed IPv6 bracket": (
        '[project]\nname = "m"\ndependencies = ["b @ file://[x"]\n'
    ),
    "pdm editable file URL with an unclosed IPv6 bracket": (
        '[project]\nname = "m"\n[tool.pdm.dev-dependencies]\ndev = ["-e file://[x"]\n'
    ),
}


def test_hostile_requirement_urls(tmp_path: Path) -> None:
    """``name @ URL`` requirements that are odd but parse."""
    tally = Tally()
    for name, requirement in HOSTILE_URLS.items():
        root = tmp_path / name.replace(" ", "-")
        text = f'[project]\nname = "m"\ndependencies = ["{requirement}"]\n'
        judge(root, make_workspace(root, "member-pep621", text), name, tally)
    tally.assert_clean("hostile requirement URLs")


@pytest.mark.parametrize("name", sorted(BAD_URLS))
def test_file_urls_with_a_bad_host(tmp_path: Path, name: str) -> None:
    """A file URL whose host part does not parse: a one-line error naming the file.

    Once a bug: pyproject._file_url_path() called
    urllib.parse.urlsplit() without catching its ValueError('Invalid IPv6 URL').
    """
    make_workspace(tmp_path, "member-pep621", BAD_URLS[name])
    tally = Tally()
    judge(tmp_path, MEMBER, name, tally)
    tally.assert_clean(name)


def test_a_file_url_with_a_bad_host_through_a_real_process(tmp_path: Path) -> None:
    """Through ``python -m noxgraph`` (a traceback and exit 1 before 438462d)."""
    make_workspace(tmp_path, "member-pep621", BAD_URLS[sorted(BAD_URLS)[0]])
    assert judge_process(tmp_path, MEMBER) == []
