"""Property-based tests: random but valid workspaces, and the invariants noxgraph keeps on them.

A strategy draws a workspace *model*: packages with canonical names, each written in a
random PEP 503 spelling, in folders named unlike them (or after another package, some
inside another member's folder, some with spaces, ``%`` or non-ASCII letters); intended
edges ``(from, to, kind)``, with or without cycles; and for each edge one or two
declarations at random places that the kind allows (PEP 621, PEP 735 with
``include-group``, poetry tables, uv and pdm dev dependencies, build requirements), naming
the sibling by name, by a ``file:`` URL, by a ``[tool.uv.sources]`` path, git or workspace
entry, or by a poetry or pdm path, with extras, markers and specifiers the sibling
satisfies. Foreign requirements, a package naming itself and uv sources nothing declares
are mixed in; none of them is an edge. The model writes the TOML text itself (every string
in a random TOML quoting style), so it knows exactly which edges the files declare, and
every test compares noxgraph's answer with one computed independently from the model.

The budget is fixed (``derandomize=True``: the same examples on every run, so CI is
reproducible) and scaled by ``NOXGRAPH_FUZZ_EXAMPLES``; ``nox -s fuzz`` runs a long budget
by hand. Every test here is marked ``fuzz``.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import os
import posixpath
import re
import runpy
import shutil
import subprocess
import sys
import tempfile
from collections import deque
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from unittest import mock
from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, given, note, settings
from hypothesis import strategies as st
from packaging.specifiers import SpecifierSet
from packaging.utils import canonicalize_name

from noxgraph.changes.affected import compute_affected
from noxgraph.changes.changed_files import changes_from_files
from noxgraph.cli.checks import run_checks
from noxgraph.cli.generate import render_block
from noxgraph.errors import CycleError
from noxgraph.graph import DependencyGraph, build_graph
from noxgraph.kinds import KINDS, Kind
from noxgraph.sessions.declarations import Declarations, declare
from noxgraph.sessions.plan import plan_session
from noxgraph.workspace.load import Workspace, load_workspace
from tests.helpers import cli

pytestmark = pytest.mark.fuzz

# -- budget ------------------------------------------------------------------------------

#: Examples per cheap test; the nox test, which starts processes, runs an eighth as many.
EXAMPLES = int(os.environ.get("NOXGRAPH_FUZZ_EXAMPLES", "60"))
NOX_EXAMPLES = max(8, EXAMPLES // 8)

settings.register_profile(
    "noxgraph-fuzz",
    derandomize=True,  # a fixed seed: CI sees the same examples on every run
    database=None,  # nothing written to .hypothesis/ (derandomized runs do not need it)
    deadline=None,  # file system and subprocess timings vary too much for a deadline
    print_blob=False,
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
        HealthCheck.function_scoped_fixture,  # conftest's autouse parse-cache folder
    ],
)
FUZZ = settings(settings.get_profile("noxgraph-fuzz"), max_examples=EXAMPLES)
FUZZ_NOX = settings(settings.get_profile("noxgraph-fuzz"), max_examples=NOX_EXAMPLES)

# -- vocabulary --------------------------------------------------------------------------

ORDER_KINDS: tuple[Kind, ...] = ("runtime", "build")
#: Replaced by the workspace root's ``file:`` URI when the files are written.
ROOT_URI = "{ROOT_URI}"

#: A small alphabet, so that lookalike names (``a-b`` and ``ab``) turn up often.
NAME_CHARS = "abcxy019"
SEPARATORS = ("-", "_", ".", "__", "-_", "._", "_.-", "--")
RESERVED = frozenset({"all", "affected"})  # session names noxgraph keeps for every task
#: Specifiers that version 1.0.0 satisfies (so ``check`` finds nothing to say).
PEP440 = ("", ">=1.0", ">=0.9,<2", "==1.0.0", "~=1.0", "!=0.5", ">0.1", "<=1.0.0", "==1.*")
POETRY = ("*", "^1.0", "~1.0", ">=1.0,<2.0", "1.0.0", ">= 1.0, < 2", "^1", "~1.0.0")
MARKERS = (
    "python_version >= '3.8'",
    'sys_platform != "win32"',
    "os_name == 'posix' and python_version < '4'",
    'implementation_name == "cpython" or python_version > "3"',
)
REQUIREMENT_EXTRAS = ("cli", "Fast", "all_of_it", "x.y")
EXTRA_KEYS = ("cli", "fast", "all-of-it", "plugins")
GROUP_KEYS = ("test", "lint", "docs", "dev-tools")
#: Requirements on packages outside the workspace: every name has a segment longer than
#: four characters, so it never canonicalizes to a member name.
FOREIGN = (
    "requests>=2",
    "attrs",
    "Typing_Extensions>=4.0 ; python_version < '3.11'",
    "click[extra]>=8",
    "numpy @ https://example.com/numpy-1.0.tar.gz",
    "gitdep @ git+https://example.com/gitdep.git",
)
FOREIGN_POETRY = (
    'requests = "^2.0"',
    'Flask = {version = "^2", extras = ["async"]}',
    'gitdep = {git = "https://example.com/gitdep.git"}',
    '"typing.extensions" = {version = ">=4", markers = "python_version < \'3.11\'"}',
)

#: Where each kind of edge may be declared (see DESIGN.md, "Edges").
SITES: dict[Kind, tuple[str, ...]] = {
    "runtime": ("project", "poetry"),
    "optional": ("extra", "poetry-optional"),
    "group": ("group", "group-include", "poetry-group"),
    "dev": ("uv-dev", "pdm-dev", "pdm-editable", "poetry-dev"),
    "build": ("build",),
}
PEP621_SITES = frozenset({"project", "extra"})
POETRY_SITES = frozenset({"poetry", "poetry-optional", "poetry-group", "poetry-dev"})


# -- TOML text ---------------------------------------------------------------------------


STRING_STYLES = ("basic", "literal", "escaped", "multiline", "multiline-literal", "continued")


def toml_string(text: str, style: str = "basic") -> str:
    """``text`` as a TOML string in ``style``; a style ``text`` cannot take falls back to basic.

    ``literal`` and ``multiline-literal`` need text without quotes or control characters;
    ``escaped`` writes some letters as ``\\uXXXX``; ``continued`` splits the text with a
    line-ending backslash, which TOML removes with the whitespace after it.
    """
    plain = all(ch >= " " and ch != "\x7f" for ch in text)
    if style == "literal" and plain and "'" not in text:
        return f"'{text}'"
    if style == "multiline-literal" and plain and "'" not in text:
        return f"'''{text}'''"
    if style == "multiline":
        return f'"""{_escaped(text, letters=False)}"""'
    if style == "continued":
        cut = next((i for i in range(len(text) // 2, len(text)) if text[i] not in " \t"), 0)
        if cut:
            first, second = _escaped(text[:cut], False), _escaped(text[cut:], False)
            return f'"""{first}\\\n        {second}"""'
    letters = style == "escaped" and ROOT_URI not in text
    return '"' + _escaped(text, letters) + '"'


def _escaped(text: str, letters: bool) -> str:
    """``text`` escaped for a TOML basic string; every other letter too, with ``letters``."""
    short = {'"': '\\"', "\\": "\\\\", "\b": "\\b", "\t": "\\t", "\n": "\\n", "\f": "\\f"}
    short["\r"] = "\\r"
    parts: list[str] = []
    for index, ch in enumerate(text):
        if ch in short:
            parts.append(short[ch])
        elif ch < " " or ch == "\x7f":
            parts.append(f"\\u{ord(ch):04X}")
        elif letters and ch.isalpha() and index % 2 == 0:
            parts.append(f"\\u{ord(ch):04x}")
        else:
            parts.append(ch)
    return "".join(parts)


def test_toml_string_round_trips() -> None:
    """The escaping the strategy relies on reads back as the same text."""
    import tomli

    for text in ['a "b" \\ c', "it's", "tab\there", "\x00\x1f\x7f", "Foo_Bar", "", 'x"']:
        for style in STRING_STYLES:
            assert tomli.loads(f"k = {toml_string(text, style)}")["k"] == text


def toml_key(text: str, bare: bool) -> str:
    """``text`` as a TOML key: bare when it may be and ``bare`` asks for it, else quoted."""
    if bare and re.fullmatch(r"[A-Za-z0-9_-]+", text):
        return text
    return toml_string(text)


def toml_array(items: Iterable[str]) -> str:
    """A TOML array of already-rendered values, one per line, with a trailing comma."""
    listed = list(items)
    if not listed:
        return "[]"
    return "[\n    # a comment\n" + "".join(f"    {item},\n" for item in listed) + "]"


# -- the model -----------------------------------------------------------------------------


@dataclass(frozen=True)
class DeclInfo:
    """What one declaration of an edge says beyond its target: extras and a marker."""

    extras: frozenset[str]
    has_marker: bool


@dataclass
class MemberFile:
    """The tables of one member's ``pyproject.toml``, filled while drawing, then rendered.

    Array items and ``key = value`` lines are kept as TOML text, already quoted.
    """

    name: str
    spelling: str
    folder: str
    poetry: bool
    project_deps: list[str] = field(default_factory=list)
    extras: dict[str, tuple[str, list[str]]] = field(default_factory=dict)
    groups: dict[str, tuple[str, list[str]]] = field(default_factory=dict)
    build: list[str] = field(default_factory=list)
    uv_dev: list[str] | None = None
    pdm_dev: dict[str, tuple[str, list[str]]] = field(default_factory=dict)
    uv_sources: dict[str, str] = field(default_factory=dict)
    poetry_deps: list[str] = field(default_factory=list)
    poetry_extras: dict[str, list[str]] = field(default_factory=dict)
    poetry_groups: dict[str, tuple[str, list[str]]] = field(default_factory=dict)
    poetry_dev: list[str] = field(default_factory=list)
    #: ``(table, canonical name)`` pairs already used in poetry's name-keyed tables.
    keys: set[tuple[str, str]] = field(default_factory=set)
    #: Every member this file names in any way (so stray sources can avoid them).
    named: set[str] = field(default_factory=set)

    def render(self) -> str:
        """The whole ``pyproject.toml``."""
        out: list[str] = []
        backend = "poetry.core.masonry.api" if self.poetry else "hatchling.build"
        base = '"poetry-core>=1.0"' if self.poetry else '"hatchling"'
        out += ["[build-system]", f"requires = {toml_array([base, *self.build])}"]
        out += [f'build-backend = "{backend}"', ""]
        if not self.poetry:
            out += ["[project]", f"name = {toml_string(self.spelling)}", 'version = "1.0.0"']
            out += [f"dependencies = {toml_array(self.project_deps)}", ""]
            if self.extras:
                out.append("[project.optional-dependencies]")
                for written, items in self.extras.values():
                    out.append(f"{toml_key(written, True)} = {toml_array(items)}")
                out.append("")
        if self.groups:
            out.append("[dependency-groups]")
            for written, items in self.groups.values():
                out.append(f"{toml_key(written, True)} = {toml_array(items)}")
            out.append("")
        if self.poetry:
            out += ["[tool.poetry]", f"name = {toml_string(self.spelling)}", 'version = "1.0.0"']
            out += ["", "[tool.poetry.dependencies]", 'python = "^3.8"', *self.poetry_deps, ""]
            if self.poetry_extras:
                out.append("[tool.poetry.extras]")
                for extra, keys in self.poetry_extras.items():
                    out.append(f"{toml_key(extra, True)} = {toml_array(keys)}")
                out.append("")
            for written, lines in self.poetry_groups.values():
                out += [f"[tool.poetry.group.{toml_key(written, True)}.dependencies]", *lines, ""]
            if self.poetry_dev:
                out += ["[tool.poetry.dev-dependencies]", *self.poetry_dev, ""]
        if self.uv_dev is not None:
            out += ["[tool.uv]", f"dev-dependencies = {toml_array(self.uv_dev)}", ""]
        if self.uv_sources:
            out += ["[tool.uv.sources]", *self.uv_sources.values(), ""]
        if self.pdm_dev:
            out.append("[tool.pdm.dev-dependencies]")
            for written, items in self.pdm_dev.values():
                out.append(f"{toml_key(written, True)} = {toml_array(items)}")
            out.append("")
        return "\n".join(out)


def root_pyproject(with_tests: bool) -> str:
    """The workspace configuration: members one or two folders deep, tasks that install nothing.

    ``build`` applies to every package; with ``with_tests``, ``test`` applies to the
    packages that have tests (the default ``test`` task, with a command that does nothing).
    """
    test = '["python -c pass"]' if with_tests else "[]"
    return f"""\
[tool.noxgraph]
members = ["pkgs/*", "pkgs/*/*"]
venv-backend = "none"

[tool.noxgraph.tasks]
test = {test}

[tool.noxgraph.tasks.build]
commands = ["python -c pass"]
install = []
package = false
"""


@dataclass(frozen=True)
class Model:
    """A drawn workspace: its members, the edges its files declare, and the files.

    ``folders`` are relative to the root (``pkgs/a``, or ``pkgs/a/b`` inside member ``a``);
    ``declared`` holds, for each intended edge, what each of its declarations says;
    ``tested`` are the packages with a ``tests`` folder (``None``: no test task at all).
    """

    names: tuple[str, ...]
    folders: tuple[str, ...]
    edges: frozenset[tuple[str, str, Kind]]
    declared: Mapping[tuple[str, str, Kind], tuple[DeclInfo, ...]]
    files: tuple[tuple[str, str], ...]
    tested: frozenset[str] | None = None

    def __repr__(self) -> str:
        edges = ", ".join(f"{s}->{t}:{k}" for s, t, k in sorted(self.edges))
        return f"Model(names={list(self.names)}, folders={list(self.folders)}, edges=[{edges}])"

    def pairs(self, kinds: Iterable[Kind] = KINDS) -> set[tuple[str, str]]:
        """``(dependent, dependency)`` for the intended edges of ``kinds``."""
        wanted = set(kinds)
        return {(s, t) for s, t, k in self.edges if k in wanted}

    def folder_of(self, name: str) -> str:
        return self.folders[self.names.index(name)]

    def owner(self, path: str) -> str | None:
        """The package whose folder is the deepest one holding ``path``."""
        holding = [n for n in self.names if inside(path, self.folder_of(n))]
        return max(holding, key=lambda n: len(self.folder_of(n)), default=None)

    def write(self, root: Path) -> None:
        """Write every file under ``root``, with ``file:`` URLs made absolute."""
        for relpath, text in self.files:
            path = root / relpath
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text.replace(ROOT_URI, root.as_uri()), encoding="utf-8")

    def note(self) -> None:
        """Show every file when an example fails, so it can be reproduced by hand."""
        note(repr(self))
        for relpath, text in self.files:
            note(f"--- {relpath}\n{text}")


def inside(path: str, folder: str) -> bool:
    """Whether the POSIX ``path`` is ``folder`` or lies in it."""
    return path == folder or path.startswith(folder + "/")


@contextlib.contextmanager
def materialized(model: Model) -> Iterator[Path]:
    """A fresh folder holding the model's files (hypothesis reuses no fixture per example)."""
    root = Path(tempfile.mkdtemp(prefix="noxgraph-fuzz-")).resolve()
    try:
        model.write(root)
        yield root
    finally:
        shutil.rmtree(root, ignore_errors=True)


def load(root: Path) -> tuple[Workspace, DependencyGraph]:
    workspace = load_workspace(root)
    return workspace, build_graph(workspace)


# -- strategies ---------------------------------------------------------------------------


canonical_names = st.lists(st.text(NAME_CHARS, min_size=1, max_size=4), min_size=1, max_size=3).map(
    "-".join
)


@st.composite
def spellings(draw: st.DrawFn, canonical: str) -> str:
    """Any PEP 508 spelling of ``canonical``: case changes and runs of ``- _ .``."""
    out: list[str] = []
    for index, segment in enumerate(canonical.split("-")):
        if index:
            out.append(draw(st.sampled_from(SEPARATORS)))
        case = draw(st.sampled_from(("lower", "upper", "mixed")))
        written = segment
        if case == "upper":
            written = segment.upper()
        elif case == "mixed":
            mask = draw(st.integers(0, 2 ** len(segment) - 1))
            written = "".join(ch.upper() if mask >> i & 1 else ch for i, ch in enumerate(segment))
        out.append(written)
    return "".join(out)


def quoted(draw: st.DrawFn, text: str) -> str:
    """``text`` as a TOML string in a randomly chosen style."""
    return toml_string(text, draw(st.sampled_from(STRING_STYLES)))


def relative_folder(draw: st.DrawFn, source: str, target: str) -> str:
    """A relative path from member folder ``source`` to member folder ``target``."""
    rel = posixpath.relpath(target, source)
    via_root = "../" * len(source.split("/")) + target
    return draw(st.sampled_from((rel, f"{rel}/", f"./{rel}", via_root)))


def pep508(
    spelling: str,
    extras: Iterable[str],
    spec: str,
    marker: str | None,
    url: str | None,
    layout: int = 0,
) -> str:
    """A PEP 508 requirement string from its parts; ``layout`` bits choose the spacing.

    1: spaces around the extras; 2: the specifier in parentheses (``name (>=1)``);
    4: a space before the specifier; 8: no space before the ``;`` of a marker (a URL
    always needs one).
    """
    text = spelling
    listed = list(extras)
    if listed:
        text += " [ " + " , ".join(listed) + " ]" if layout & 1 else "[" + ",".join(listed) + "]"
    if url:
        text += f" @ {url}"
    elif spec:
        text += f" ({spec})" if layout & 2 else f" {spec}" if layout & 4 else spec
    if marker:
        text += f";{marker}" if layout & 8 and not url else f" ; {marker}"
    return text


class Drawer:
    """Writes declarations into :class:`MemberFile` objects, drawing every free choice."""

    def __init__(self, draw: st.DrawFn, names: tuple[str, ...], folders: tuple[str, ...]):
        self.draw = draw
        self.names = names
        self.folders = folders

    def spelled(self, canonical: str) -> str:
        return self.draw(spellings(canonical))

    def group_key(self, table: dict[str, tuple[str, list[str]]], normalized: str) -> list[str]:
        """The item list of the group (or extra) ``normalized``, made with a random spelling."""
        if normalized not in table:
            table[normalized] = (self.spelled(normalized), [])
        return table[normalized][1]

    def folder(self, name: str) -> str:
        return self.folders[self.names.index(name)]

    def add_source(self, file: MemberFile, target: str, how: str) -> None:
        """A ``[tool.uv.sources]`` entry for ``target`` (one per name and file).

        ``how``: ``path`` (to the target's folder), ``git`` or ``workspace``; the member is
        the edge's target in each case.
        """
        if target in file.uv_sources:
            return
        key = toml_key(self.spelled(target), self.draw(st.booleans()))
        if how == "git":
            value = f"{{ git = {quoted(self.draw, f'https://example.com/{target}.git')} }}"
        elif how == "workspace":
            value = "{ workspace = true }"
        else:
            rel = relative_folder(self.draw, file.folder, self.folder(target))
            path = quoted(self.draw, rel)
            value = self.draw(
                st.sampled_from(
                    (
                        f"{{ path = {path} }}",
                        f"{{ path = {path}, editable = true }}",
                        f"[{{ path = {path}, marker = \"sys_platform != 'win32'\" }},"
                        ' { index = "pypi" }]',
                    )
                )
            )
        file.uv_sources[target] = f"{key} = {value}"

    def sites(self, file: MemberFile, kind: Kind, target: str) -> list[str]:
        """The sites where ``file`` may still declare ``target`` with ``kind``."""
        allowed: list[str] = []
        for site in SITES[kind]:
            if (site in POETRY_SITES and not file.poetry) or (site in PEP621_SITES and file.poetry):
                continue
            if site in ("poetry", "poetry-optional") and ("deps", target) in file.keys:
                continue
            if site == "poetry-dev" and ("dev", target) in file.keys:
                continue
            if site == "poetry-group" and all(
                ("group:" + g, target) in file.keys for g in GROUP_KEYS
            ):
                continue
            allowed.append(site)
        return allowed

    def declare(self, file: MemberFile, target: str, kind: Kind) -> list[DeclInfo]:
        """One or two declarations of ``file -> target`` with ``kind``; none if impossible."""
        infos: list[DeclInfo] = []
        for _ in range(self.draw(st.integers(1, 2))):
            sites = self.sites(file, kind, target)
            if not sites:
                break
            site = self.draw(st.sampled_from(sites))
            if site in POETRY_SITES:
                infos.append(self.poetry_entry(file, site, target))
            elif site == "pdm-editable":
                infos.append(self.pdm_editable(file, target))
            else:
                infos.append(self.pep508_entry(file, site, target))
            file.named.add(target)
        return infos

    def place(self, file: MemberFile, site: str, item: str) -> None:
        """Put a quoted PEP 508 item at ``site``."""
        draw = self.draw
        if site == "project":
            file.project_deps.append(item)
        elif site == "extra":
            extra = draw(st.sampled_from(EXTRA_KEYS))
            self.group_key(file.extras, extra).append(item)
        elif site in ("group", "group-include"):
            group = draw(st.sampled_from(GROUP_KEYS))
            self.group_key(file.groups, group).append(item)
            if site == "group-include":
                includer = self.group_key(file.groups, f"ci-{group}")
                include = f"{{include-group = {quoted(draw, self.spelled(group))}}}"
                if not any(entry.startswith("{include-group") for entry in includer):
                    includer.append(include)
        elif site == "uv-dev":
            if file.uv_dev is None:
                file.uv_dev = []
            file.uv_dev.append(item)
        elif site == "pdm-dev":
            group = draw(st.sampled_from(GROUP_KEYS))
            self.group_key(file.pdm_dev, group).append(item)
        elif site == "build":
            file.build.append(item)
        else:  # pragma: no cover - every site is listed above
            raise AssertionError(site)

    def pep508_entry(self, file: MemberFile, site: str, target: str) -> DeclInfo:
        draw = self.draw
        extras = draw(st.lists(st.sampled_from(REQUIREMENT_EXTRAS), max_size=2, unique=True))
        marker = draw(st.none() | st.sampled_from(MARKERS))
        naming = draw(st.sampled_from(("name", "name", "url", "path", "git", "workspace")))
        url = None
        if naming == "url":
            url = f"{ROOT_URI}/{quote(self.folder(target))}"
        elif naming != "name":
            self.add_source(file, target, naming)
        spec = draw(st.sampled_from(PEP440))
        layout = draw(st.integers(0, 15))
        text = pep508(self.spelled(target), extras, spec, marker, url, layout)
        self.place(file, site, quoted(draw, text))
        return DeclInfo(frozenset(canonicalize_name(e) for e in extras), marker is not None)

    def pdm_editable(self, file: MemberFile, target: str) -> DeclInfo:
        draw = self.draw
        rel = relative_folder(draw, file.folder, self.folder(target))
        flag = draw(st.sampled_from(("-e", "--editable")))
        if not rel.startswith("."):
            rel = f"./{rel}"  # pdm takes a path that starts with "." or "/"
        location = draw(st.sampled_from((f"file:///${{PROJECT_ROOT}}/{quote(rel)}", rel)))
        egg = draw(st.none() | spellings(target))
        text = f"{flag} {location}" + (f"#egg={egg}" if egg else "")
        group = draw(st.sampled_from(GROUP_KEYS))
        self.group_key(file.pdm_dev, group).append(quoted(draw, text))
        return DeclInfo(frozenset(), has_marker=False)

    def poetry_entry(self, file: MemberFile, site: str, target: str) -> DeclInfo:
        draw = self.draw
        optional = site == "poetry-optional"
        spelling = self.spelled(target)
        key = toml_key(spelling, draw(st.booleans()))
        variants = ["table", "path", "multi"] if optional else ["string", "table", "path", "multi"]
        variant = draw(st.sampled_from(variants))
        tail = ", optional = true" if optional else ""
        extras: list[str] = []
        marker: str | None = None
        if variant == "string":
            value = quoted(draw, draw(st.sampled_from(POETRY)))
        elif variant == "multi":
            old, new = "python_version < '3.10'", "python_version >= '3.10'"
            value = (
                f"[{{version = {quoted(draw, '^1.0')}, markers = {quoted(draw, old)}{tail}}},"
                f" {{version = {quoted(draw, '>=1.0')}, markers = {quoted(draw, new)}{tail}}}]"
            )
            marker = old
        else:
            parts: list[str] = []
            if variant == "path":
                rel = relative_folder(draw, file.folder, self.folder(target))
                parts.append(f"path = {quoted(draw, rel)}")
                if draw(st.booleans()):
                    parts.append("develop = true")
            elif draw(st.booleans()):
                parts.append(f"version = {quoted(draw, draw(st.sampled_from(POETRY)))}")
            extras = draw(st.lists(st.sampled_from(REQUIREMENT_EXTRAS), max_size=2, unique=True))
            if extras:
                parts.append(f"extras = [{', '.join(quoted(draw, e) for e in extras)}]")
            marker = draw(st.none() | st.sampled_from(MARKERS))
            if marker:
                parts.append(f"markers = {quoted(draw, marker)}")
            if optional:
                parts.append("optional = true")
            value = "{" + ", ".join(parts) + "}"
        line = f"{key} = {value}"
        if site in ("poetry", "poetry-optional"):
            file.keys.add(("deps", target))
            file.poetry_deps.append(line)
            if optional:
                extra = draw(st.sampled_from(EXTRA_KEYS))
                file.poetry_extras.setdefault(extra, []).append(quoted(draw, spelling))
        elif site == "poetry-dev":
            file.keys.add(("dev", target))
            file.poetry_dev.append(line)
        else:
            free = [g for g in GROUP_KEYS if ("group:" + g, target) not in file.keys]
            group = draw(st.sampled_from(free))
            file.keys.add(("group:" + group, target))
            self.group_key(file.poetry_groups, group).append(line)
        return DeclInfo(frozenset(canonicalize_name(e) for e in extras), marker is not None)

    def foreign(self, file: MemberFile) -> None:
        """Requirements on packages outside the workspace, and the package naming itself."""
        draw = self.draw
        for text in draw(st.lists(st.sampled_from(FOREIGN), max_size=3, unique=True)):
            sites = ["group", "uv-dev", "pdm-dev", "build"]
            if not file.poetry:
                sites += ["project", "extra"]
            self.place(file, draw(st.sampled_from(sites)), quoted(draw, text))
        if file.poetry:
            file.poetry_deps += draw(st.lists(st.sampled_from(FOREIGN_POETRY), unique=True))
        if draw(st.booleans()):
            # A package may name itself (``pkg[test]``), by name or by its own folder:
            # never an edge.
            extra = draw(st.sampled_from(EXTRA_KEYS))
            url = f"{ROOT_URI}/{quote(file.folder)}" if draw(st.booleans()) else None
            itself = pep508(self.spelled(file.name), [extra], "", None, url)
            sites = ["group"] if file.poetry else ["group", "extra"]
            self.place(file, draw(st.sampled_from(sites)), quoted(draw, itself))
        if draw(st.booleans()):
            group = draw(st.sampled_from(GROUP_KEYS))
            self.group_key(file.pdm_dev, group).append(quoted(draw, "-e ."))

    def stray_source(self, file: MemberFile) -> None:
        """A ``[tool.uv.sources]`` entry for a sibling the file never declares: no edge."""
        others = [n for n in self.names if n != file.name and n not in file.named]
        if others and self.draw(st.booleans()):
            how = self.draw(st.sampled_from(("path", "path", "git", "workspace")))
            self.add_source(file, self.draw(st.sampled_from(others)), how)


@st.composite
def workspaces(draw: st.DrawFn, acyclic_order: bool | None = None, max_packages: int = 10) -> Model:
    """A model workspace of 1..``max_packages`` members.

    ``acyclic_order``: ``True`` keeps the edges of ``runtime`` and ``build`` (the
    default ``order-kinds``) acyclic (``optional``, ``group`` and ``dev`` edges still
    form cycles freely), ``False`` may add a ring of them, ``None`` chooses at random.
    """
    count = draw(st.integers(1, max_packages))
    names = tuple(
        draw(
            st.lists(
                canonical_names.filter(lambda n: n not in RESERVED),
                min_size=count,
                max_size=count,
                unique=True,
            )
        )
    )
    if count > 1 and draw(st.booleans()):
        # Folders named after *other* packages: a trap for resolving names by folder.
        shift = draw(st.integers(1, count - 1))
        leaves = [names[(i + shift) % count] for i in range(count)]
    else:
        # Characters that a path, a TOML string and a file: URL each treat differently.
        tags = draw(st.lists(st.text("kq_ é%+@;.", max_size=3), min_size=count, max_size=count))
        leaves = [f"f_{i}{tag}_" for i, tag in enumerate(tags)]
    folders: list[str] = []
    for leaf in leaves:
        # Some members live inside another member's folder: a file there is theirs.
        outer = [f for f in folders if f.count("/") == 1]
        if outer and draw(st.integers(0, 3)) == 0:
            folders.append(f"{draw(st.sampled_from(outer))}/{leaf}")
        else:
            folders.append(f"pkgs/{leaf}")
    acyclic = draw(st.booleans()) if acyclic_order is None else acyclic_order

    wanted: dict[tuple[int, int, Kind], None] = {}
    index = st.integers(0, count - 1)
    for a, b, kind in draw(st.lists(st.tuples(index, index, st.sampled_from(KINDS)), max_size=25)):
        if a == b:
            continue
        # In an acyclic workspace, order edges only point from a higher index to a lower.
        flip = acyclic and kind in ORDER_KINDS and a < b
        wanted[(b, a, kind) if flip else (a, b, kind)] = None
    if not acyclic and count > 1 and draw(st.booleans()):
        ring = draw(st.lists(index, min_size=2, max_size=count, unique=True))
        for a, b in itertools.pairwise([*ring, ring[0]]):
            wanted[(a, b, draw(st.sampled_from(ORDER_KINDS)))] = None

    drawer = Drawer(draw, names, tuple(folders))
    files = [
        MemberFile(name, drawer.spelled(name), folder, draw(st.booleans()))
        for name, folder in zip(names, folders, strict=True)
    ]
    edges: set[tuple[str, str, Kind]] = set()
    declared: dict[tuple[str, str, Kind], tuple[DeclInfo, ...]] = {}
    # Runtime before optional: in a poetry file both take the one key of the sibling, so
    # an optional edge next to a runtime one cannot be written there and is dropped.
    for a, b, kind in sorted(wanted, key=lambda e: (e[0], e[1], KINDS.index(e[2]))):
        infos = drawer.declare(files[a], names[b], kind)
        if infos:
            edges.add((names[a], names[b], kind))
            declared[(names[a], names[b], kind)] = tuple(infos)
    for file in files:
        drawer.foreign(file)
        drawer.stray_source(file)
    with_tests = draw(st.booleans())
    written = [("pyproject.toml", root_pyproject(with_tests))]
    written += [(f"{file.folder}/pyproject.toml", file.render()) for file in files]
    tested: frozenset[str] | None = None
    if with_tests:
        tested = frozenset(draw(st.sets(st.sampled_from(names), min_size=1)))
        written += [(f"{folders[names.index(n)]}/tests/test_it.py", "") for n in sorted(tested)]
    return Model(names, tuple(folders), frozenset(edges), declared, tuple(written), tested)


# -- independent answers ---------------------------------------------------------------------


def reachable(names: Iterable[str], pairs: set[tuple[str, str]]) -> dict[str, set[str]]:
    """For each name, what it reaches over ``pairs`` in one step or more."""
    out: dict[str, set[str]] = {n: set() for n in names}
    for source, target in pairs:
        out[source].add(target)
    result: dict[str, set[str]] = {}
    for start, direct in out.items():
        seen: set[str] = set()
        stack = list(direct)
        while stack:
            node = stack.pop()
            if node not in seen:
                seen.add(node)
                stack.extend(out[node])
        result[start] = seen
    return result


def components(names: Iterable[str], pairs: set[tuple[str, str]]) -> list[list[str]]:
    """Strongly connected components of more than one name, by mutual reachability."""
    reach = reachable(names, pairs)
    found = {frozenset({a} | {b for b in reach[a] if a in reach[b]}) for a in reach}
    return sorted(sorted(c) for c in found if len(c) > 1)


def is_cycle_free(model: Model) -> bool:
    return not components(model.names, model.pairs(ORDER_KINDS))


# -- edges -------------------------------------------------------------------------------


@FUZZ
@given(model=workspaces())
def test_every_declared_sibling_edge_appears_once_per_kind(model: Model) -> None:
    """Each intended ``(from, to, kind)`` is exactly one edge, and nothing else is one.

    However the sibling is spelled or located (name, ``file:`` URL, uv source, poetry or
    pdm path, an included dependency group), and however often it is declared with one
    kind, the graph has one edge for it; foreign requirements, a package naming itself and
    a uv source with no declaration behind it are no edges. The merged edge keeps the union
    of the extras, and a marker only when every declaration has one.
    """
    model.note()
    with materialized(model) as root:
        workspace, graph = load(root)
        findings = run_checks(workspace, graph)
    assert workspace.names == tuple(sorted(model.names))
    assert not workspace.problems
    triples = [(e.source, e.target, e.kind) for e in graph.edges]
    assert len(triples) == len(set(triples)), "an edge appears twice"
    assert set(triples) == model.edges
    for edge in graph.edges:
        infos = model.declared[(edge.source, edge.target, edge.kind)]
        assert {canonicalize_name(e) for e in edge.extras} == set().union(
            *(info.extras for info in infos)
        ), edge
        assert (edge.marker is not None) == all(info.has_marker for info in infos), edge
        assert SpecifierSet(edge.specifier).contains("1.0.0"), edge
    # Every path and name resolves to the member it means: nothing for check to warn about,
    # and every specifier is satisfied by the sibling's version.
    assert [n.message for n in graph.notes if n.severity != "info"] == []
    loud = [(f.code, f.message) for f in findings if f.severity != "note" and f.code != "cycle"]
    # The only warning: a member pattern that matches no package folder of this model.
    depths = {folder.count("/") for folder in model.folders}
    unmatched = [
        pattern for pattern, depth in (("pkgs/*", 1), ("pkgs/*/*", 2)) if depth not in depths
    ]
    assert loud == [
        (
            "no-match",
            f"[tool.noxgraph].members: pattern {pattern!r} matches no folder with a pyproject.toml",
        )
        for pattern in unmatched
    ]


# -- order, levels, cycles ---------------------------------------------------------------


@FUZZ
@given(model=workspaces())
def test_order_levels_and_cycles_agree_with_the_edges(model: Model) -> None:
    """Build order and levels respect every ordering edge; cycles are the real SCCs.

    Without a cycle over the order kinds, ``order()`` is a permutation that puts every
    dependency first and ``levels()`` partition the packages into waves (each package one
    level above its highest dependency). With one, both raise a one-line
    :class:`CycleError` whose ``cycles`` are the strongly connected components, and each
    described cycle is a closed path of real edges. ``cycles()`` over all kinds matches an
    independent computation, and so do transitive dependencies and dependents.
    """
    model.note()
    with materialized(model) as root:
        _, graph = load(root)
    names = model.names
    order_pairs = model.pairs(ORDER_KINDS)
    assert graph.cycles() == components(names, model.pairs())
    expected_cycles = components(names, order_pairs)
    assert graph.cycles(ORDER_KINDS) == expected_cycles

    reach = reachable(names, model.pairs())
    for name in names:
        assert graph.dependencies(name, transitive=True) == sorted(reach[name] - {name})
        dependents = {n for n in names if name in reach[n] and n != name}
        assert graph.dependents(name, transitive=True) == sorted(dependents)

    if expected_cycles:
        with pytest.raises(CycleError) as raised:
            graph.order()
        assert raised.value.cycles == expected_cycles
        assert "\n" not in str(raised.value)
        with pytest.raises(CycleError):
            graph.levels()
        for component in expected_cycles:
            path = graph.cycle_path(component, ORDER_KINDS)
            assert path[0] == path[-1] == component[0]
            assert set(path) <= set(component)
            assert all(pair in order_pairs for pair in itertools.pairwise(path)), path
        return

    order = graph.order()
    assert sorted(order) == sorted(names) and len(order) == len(names)
    position = {name: i for i, name in enumerate(order)}
    for source, target in order_pairs:
        assert position[target] < position[source], (source, target)
    levels = graph.levels()
    assert [n for level in levels for n in level] == order
    assert all(level and level == sorted(level) for level in levels)
    level_of = {name: i for i, level in enumerate(levels) for name in level}
    assert len(level_of) == len(names)
    for source, target in order_pairs:
        assert level_of[source] > level_of[target], (source, target)
    for name, level in level_of.items():
        below = [level_of[t] for s, t in order_pairs if s == name]
        assert level == (max(below) + 1 if below else 0), name


# -- affected ----------------------------------------------------------------------------


@st.composite
def changed_workspaces(draw: st.DrawFn) -> tuple[Model, list[str]]:
    """A workspace without order cycles, and changed files in and outside its members."""
    model = draw(workspaces(acyclic_order=True))
    files: list[str] = []
    for name in draw(st.lists(st.sampled_from(model.names), unique=True, max_size=4)):
        folder = model.folder_of(name)
        places = ("pyproject.toml", "src/mod.py", "README.md", "")
        for rest in draw(st.lists(st.sampled_from(places), min_size=1, max_size=2, unique=True)):
            files.append(f"{folder}/{rest}".rstrip("/"))
    files += draw(st.lists(st.sampled_from(("notes.txt", "pkgs/README", "docs/x.md"))))
    return model, files


def stands_for(model: Model, path: str) -> set[str]:
    """The packages a changed path names: a member's folder stands for every member in it,
    nested ones included (as ``--files FOLDER`` takes it); a file for the deepest member
    holding it."""
    if path in {model.folder_of(n) for n in model.names}:
        return {n for n in model.names if inside(model.folder_of(n), path)}
    owner = model.owner(path)
    return set() if owner is None else {owner}


@FUZZ
@given(case=changed_workspaces())
def test_affected_is_closed_under_dependents(case: tuple[Model, list[str]]) -> None:
    """Affected = changed packages + everything that depends on them, over every kind.

    A file belongs to the deepest member folder that holds it (members may be nested);
    files in no member folder are reported as unowned. Each affected package that did not
    change carries a ``via`` chain that is a real, shortest path of edges down to a changed
    package, and the packages come in build order.
    """
    model, files = case
    model.note()
    note(f"files: {files}")
    with materialized(model) as root:
        workspace, graph = load(root)
        affected = compute_affected(workspace, graph, changes_from_files(root, files, root))

    owners = {f: stands_for(model, f) for f in files}
    changed = {name for found in owners.values() for name in found}
    pairs = model.pairs()
    reach = reachable(model.names, pairs)
    expected = changed | {n for n in model.names if reach[n] & changed}
    assert set(affected.names) == expected
    assert len(affected.names) == len(expected)
    assert list(affected.names) == [n for n in graph.order() if n in expected]
    assert set(affected.unowned_files) == {f for f, found in owners.items() if not found}

    # Shortest distance from each package down to a changed one, breadth first.
    distance = dict.fromkeys(sorted(changed), 0)
    queue = deque(sorted(changed))
    while queue:
        current = queue.popleft()
        for source, target in sorted(pairs):
            if target == current and source not in distance:
                distance[source] = distance[current] + 1
                queue.append(source)
    for pkg in affected.packages:
        if pkg.name in changed:
            assert pkg.reason == "changed"
            assert pkg.via == ()
            assert set(pkg.files) == {f for f, found in owners.items() if pkg.name in found}
            continue
        assert pkg.reason == "dependency"
        chain = [pkg.name, *pkg.via]
        assert all(pair in pairs for pair in itertools.pairwise(chain)), chain
        assert pkg.via[-1] in changed
        assert len(pkg.via) == distance[pkg.name], chain


# -- the generated noxfile, listed by the real nox ---------------------------------------


def nox_list(root: Path, *args: str) -> list[dict[str, Any]]:
    """``nox -l --json ARGS`` on the workspace's noxfile."""
    noxfile = str(root / "noxfile.py")
    done = subprocess.run(
        [sys.executable, "-m", "nox", "--noxfile", noxfile, "-l", "--json", *args],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    listed: list[dict[str, Any]] = json.loads(done.stdout)
    return listed


def loaded_declarations(noxfile: Path) -> Declarations:
    """The sessions a generated noxfile declares when nox loads it.

    The noxfile runs in this process with nox's registry and the environment put back
    afterwards, so no session leaks into other tests.
    """
    import nox
    import nox.registry

    needs = nox.needs_version
    try:
        with mock.patch.dict(os.environ), mock.patch.dict(nox.registry._REGISTRY, clear=True):
            namespace = runpy.run_path(str(noxfile))
    finally:
        nox.needs_version = needs
    declarations: Declarations = namespace["sessions"].declarations
    return declarations


def nearest(task_packages: frozenset[str], name: str, pairs: set[tuple[str, str]]) -> set[str]:
    """The packages with the task that ``name`` reaches through packages without it."""
    found: set[str] = set()
    seen = {name}
    stack = [t for s, t in pairs if s == name]
    while stack:
        node = stack.pop()
        if node in seen:
            continue
        seen.add(node)
        if node in task_packages:
            found.add(node)
        else:
            stack.extend(t for s, t in pairs if s == node)
    return found


def expected_tasks(model: Model) -> dict[str, frozenset[str]]:
    """Each task and the packages that have it: ``build`` all, ``test`` those with tests."""
    tasks = {"build": frozenset(model.names)}
    if model.tested:
        tasks["test"] = model.tested
    return tasks


def expected_sessions(model: Model) -> list[str]:
    """Every session name the workspace should have."""
    names: list[str] = []
    for task, members in expected_tasks(model).items():
        names += [f"{task}-{n}" for n in members]
        names += [f"{task}-all", f"{task}-affected"]
    return names


@FUZZ
@given(model=workspaces(max_packages=8))
def test_generated_noxfile_registers_the_same_sessions_as_register(model: Model) -> None:
    """The generated noxfile compiles and registers exactly the specs :func:`build_specs` makes.

    The sessions are ``<task>-<name>`` for every package that has the task (``build``:
    all; ``test``: those with tests) plus ``<task>-all`` and ``<task>-affected``; each
    package session ``requires`` the nearest order-kind dependencies that have its task
    (for ``build``: every direct one). ``generate`` writes the rendered text as it is and
    ``generate --check`` then finds it current. With a cycle over the order kinds,
    rendering raises :class:`CycleError` and ``noxgraph generate`` exits 2 with a one-line
    message and writes nothing.
    """
    model.note()
    order_pairs = model.pairs(ORDER_KINDS)
    with materialized(model) as root:
        workspace, graph = load(root)
        noxfile = root / "noxfile.py"
        if not is_cycle_free(model):
            with pytest.raises(CycleError):
                render_block(workspace, graph, noxfile)
            run = cli("generate", "--root", root)
            assert run.code == 2, run.out + run.err
            assert run.out == ""
            assert len(run.err.strip().splitlines()) == 1 and "cycle" in run.err, run.err
            assert not noxfile.exists()
            return

        text = render_block(workspace, graph, noxfile).text
        compile(text, str(noxfile), "exec")
        run = cli("generate", "--root", root)
        assert run.code == 0, run.err
        assert noxfile.read_text(encoding="utf-8") == text
        assert cli("generate", "--check", "--root", root).code == 0
        declared = declare(workspace, graph)
        loaded = loaded_declarations(noxfile)

    assert loaded == declared
    names = [s.name for s in declared.sessions()]
    aggregates = [f"{task}-{kind}" for task in declared.tasks for kind in ("all", "affected")]
    assert sorted([*names, *aggregates]) == sorted(expected_sessions(model))
    tasks = expected_tasks(model)
    for session in declared.sessions():
        # build waits for the builds of its dependencies; test, by default, for nothing.
        direct = nearest(tasks["build"], session.package, order_pairs)
        wanted = sorted(direct) if session.task == "build" else []
        assert list(session.after) == wanted, session.name
        assert session.requires == (), session.name


def test_a_merged_sibling_marker_reaches_the_plan(tmp_path: Path) -> None:
    """A sibling whose marker merges two declarations is planned with the merged marker.

    Found by the property test above: poetry's two-constraint form of one dependency merges
    two markers into one, in packaging's normal form.
    """
    (tmp_path / "pyproject.toml").write_text(
        '[tool.noxgraph]\nmembers = ["pkgs/*"]\nvenv-backend = "none"\n\n'
        '[tool.noxgraph.tasks]\ntest = ["python -c pass"]\n',
        encoding="utf-8",
    )
    model = Model(
        names=("app", "lib"),
        folders=("pkgs/app", "pkgs/lib"),
        edges=frozenset({("app", "lib", "runtime")}),
        declared={},
        files=(
            ("pkgs/lib/pyproject.toml", '[project]\nname = "lib"\nversion = "1.0.0"\n'),
            (
                "pkgs/app/pyproject.toml",
                '[tool.poetry]\nname = "app"\nversion = "1.0.0"\n\n'
                '[tool.poetry.dependencies]\npython = "^3.8"\n'
                'lib = [{version = "^1.0", markers = "python_version < \'3.10\'"},'
                ' {version = ">=1.0", markers = "python_version >= \'3.10\'"}]\n',
            ),
            ("pkgs/app/tests/test_it.py", ""),
        ),
    )
    model.write(tmp_path)
    workspace, graph = load(tmp_path)
    plan = plan_session(workspace, graph, "test", "app")
    assert [(s.name, s.marker) for s in plan.siblings] == [
        ("app", None),
        ("lib", 'python_version < "3.10" or python_version >= "3.10"'),
    ]


@FUZZ_NOX
@given(
    model=workspaces(acyclic_order=True, max_packages=8),
    pick=st.integers(0, 7),
    test_task=st.booleans(),
)
def test_nox_lists_exactly_the_sessions_and_requires(
    model: Model, pick: int, test_task: bool
) -> None:
    """The real ``nox -l --json`` lists exactly the expected sessions, dependencies first.

    ``-s <task>-all <task>-affected ...`` lists every session of the workspace; each
    package session carries the tags ``[task, name]``, aggregates ``[task]``. ``-s
    <task>-<x>`` lists that session and the same task of its transitive order-kind
    dependencies, nothing more. Workspaces with an order cycle have no noxfile (see the
    test above), so none are drawn here.
    """
    model.note()
    order_pairs = model.pairs(ORDER_KINDS)
    tasks = expected_tasks(model)
    sessions_wanted = expected_sessions(model)
    with materialized(model) as root:
        run = cli("generate", "--root", root)
        assert run.code == 0, run.err
        aggregates = [name for name in sessions_wanted if name.endswith(("-all", "-affected"))]
        # Bare nox selects every package session (they are nox defaults), in dependency order.
        listed = nox_list(root)
        sessions = [entry["session"] for entry in listed]
        assert sorted(sessions) == sorted(n for n in sessions_wanted if n not in aggregates)
        position = {session: i for i, session in enumerate(sessions)}
        for source, target in order_pairs:
            if {source, target} <= tasks["build"]:
                assert position[f"build-{target}"] < position[f"build-{source}"]
        for entry in listed:
            task, name = entry["session"].split("-", 1)
            assert entry["tags"] == [task, name], entry
        for task in tasks:
            listed = nox_list(root, "-s", f"{task}-all")
            assert [e["session"] for e in listed][-1] == f"{task}-all"
            assert sorted(e["session"] for e in listed[:-1]) == sorted(
                f"{task}-{n}" for n in tasks[task]
            )
            assert listed[-1]["tags"] == [task]

        task = "test" if test_task and "test" in tasks else "build"
        members = tasks[task]
        chosen = sorted(members)[pick % len(members)]
        reach = reachable(model.names, order_pairs)
        listed = nox_list(root, "-s", f"{task}-{chosen}")
        sessions = [entry["session"] for entry in listed]
        wanted = {chosen} | (reach[chosen] & members) if task == "build" else {chosen}
        assert sorted(sessions) == sorted(f"{task}-{n}" for n in wanted)
        assert sessions[-1] == f"{task}-{chosen}"
