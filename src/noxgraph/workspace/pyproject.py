"""Read one ``pyproject.toml`` into a :class:`Package`.

Every place a package can declare another is read here, and only here:
PEP 621 dependencies and extras, PEP 735 dependency groups (with
``include-group`` resolved), ``build-system.requires``, poetry's dependency
tables, ``tool.uv.dev-dependencies``, ``tool.pdm.dev-dependencies``, and the
path sources of uv, poetry and pdm. Requirement strings are parsed with
:mod:`packaging`; nothing here guesses with a regular expression.

A declaration is not yet an edge: whether it names a sibling is decided by
:mod:`noxgraph.graph`, which knows every member.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from noxgraph._files import relative
from noxgraph._names import InvalidName, canonicalize_name
from noxgraph.errors import PyprojectError
from noxgraph.kinds import Kind
from noxgraph.workspace.toml import Table, describe

if TYPE_CHECKING:
    from packaging.specifiers import SpecifierSet

    from noxgraph.workspace.versions import SideFileReader

__all__ = [
    "Declaration",
    "Document",
    "InvalidRequirementError",
    "NoPackage",
    "Package",
    "ParsedRequirement",
    "Source",
    "Sources",
    "any_marker",
    "has_tests",
    "is_template_path",
    "is_test_module",
    "looks_like_template",
    "normalize_group",
    "package_name",
    "parse_requirement",
    "read_package",
    "uv_sources",
]

SourceKind = Literal["path", "workspace", "git", "url", "index"]

_TEST_DIRS = ("tests", "test")


@dataclass(frozen=True, slots=True)
class Source:
    """Where a declared name is taken from, when it is not simply an index.

    ``path`` is absolute and lexically normalized (symlinks are not followed,
    so it compares equal to a member folder found under the root). ``url`` is
    what pip installs for a ``git`` or ``url`` source (``git+URL@rev#subdirectory=...``);
    ``index`` names the index of an ``index`` source.
    """

    kind: SourceKind
    text: str
    where: str
    path: Path | None = None
    url: str | None = None
    index: str | None = None


Sources = Mapping[str, Source]


@dataclass(frozen=True, slots=True)
class Declaration:
    """One requirement of a package, as written, with the place it was written.

    ``name`` is canonical (PEP 503), or ``""`` for an entry that names only a
    path (pdm's ``-e file:///${PROJECT_ROOT}/../b``). ``group`` is the extra or
    dependency group the entry belongs to, for optional, group and dev kinds.
    ``requirement`` is PEP 508 text that pip accepts (built from poetry's
    tables when the file is poetry's).
    """

    name: str
    kind: Kind
    where: str
    requirement: str
    specifier: str = ""
    extras: tuple[str, ...] = ()
    marker: str | None = None
    group: str | None = None
    source: Source | None = None
    constraint_note: str | None = None


@dataclass(frozen=True)
class Document:
    """A parsed ``pyproject.toml`` before it is known to be a package."""

    folder: Path
    display: str
    data: Mapping[str, Any]

    @functools.cached_property
    def table(self) -> Table:
        """The whole document, as a :class:`Table` that names this file in errors."""
        return Table(self.data, self.display)


@dataclass(frozen=True)
class Package:
    """A member of the workspace: one folder whose ``pyproject.toml`` names a package."""

    name: str
    display_name: str
    version: str | None
    path: Path
    relpath: str
    pyproject: str
    dynamic: tuple[str, ...]
    declarations: tuple[Declaration, ...]
    extras: tuple[str, ...]
    groups: tuple[str, ...]
    tool_config: Mapping[str, Any] | None = field(default=None, compare=False)
    version_from: str | None = None
    #: ``[project].requires-python``, as written.
    requires_python: str | None = None
    #: The groups uv installs for this member by default (``[tool.uv] default-groups``;
    #: uv's own default is ``dev``), normalized; only those the package has.
    default_groups: tuple[str, ...] = ()
    #: The groups uv installs on some interpreters only (``[tool.uv.dependency-groups]``
    #: with a ``requires-python``), normalized.
    python_bound_groups: tuple[str, ...] = ()
    #: The lock the edges of the dependencies ``[project].dynamic`` leaves to the build
    #: backend were read from (:mod:`noxgraph.workspace.uv_lock`), else ``None``.
    dependencies_from: str | None = None

    @functools.cached_property
    def has_tests(self) -> bool:
        """Whether the package has tests; looked up on first use (a folder listing)."""
        return has_tests(self.path)

    @property
    def version_from_backend(self) -> bool:
        """Whether only the build backend knows the version (``[project].dynamic``, not
        read from a file here): setuptools-scm, hatch-vcs and their kind make it from
        git, so it changes with every commit."""
        return self.version is None and "version" in self.dynamic

    def python_specifier(self) -> SpecifierSet | None:
        """``[project].requires-python`` as a specifier set, ``None`` where there is none."""
        if self.requires_python is None:
            return None
        from packaging.specifiers import InvalidSpecifier, SpecifierSet

        try:
            return SpecifierSet(self.requires_python)
        except InvalidSpecifier:
            raise PyprojectError(
                self.pyproject,
                f"[project].requires-python: {self.requires_python!r} is not a version specifier",
            ) from None

    @property
    def dynamic_dependencies(self) -> tuple[str, ...]:
        """The dependency fields ``[project].dynamic`` leaves to the build backend: the
        edges it adds are in no file, so not in the graph."""
        return tuple(f for f in self.dynamic if f in ("dependencies", "optional-dependencies"))


def any_marker(markers: Iterable[str]) -> str:
    """The marker true when any of ``markers`` is, in packaging's normal form (so the
    same text comes back however often it is parsed and written)."""
    from packaging.markers import Marker  # only merges need it

    distinct = list(dict.fromkeys(markers))
    if len(distinct) == 1:
        return distinct[0]
    return str(Marker(" or ".join(f"({m})" for m in distinct)))


def normalize_group(name: str) -> str:
    """Dependency group and extra names compare normalized, as PEP 735 and 685 say."""
    return canonicalize_name(name)


def is_template_path(display: str) -> bool:
    """A path with Jinja or cookiecutter braces in it belongs to a template."""
    return "{{" in display or "{%" in display


def looks_like_template(data: bytes) -> bool:
    """A Jinja statement (``{% ... %}``), or a placeholder where a key goes (a line
    starting ``{{ name }}``), in a file that is not valid TOML marks a project
    template. ``{{`` elsewhere does not: a broken inline table has it too."""
    import re

    return b"{%" in data or re.search(rb"(?m)^[ \t]*\{\{[^{}\n]*\}\}", data) is not None


@dataclass(frozen=True, slots=True)
class NoPackage:
    """Why a ``pyproject.toml`` names no package; ``code`` says which case it is:
    ``nameless`` is a ``[project]`` table without a name (most likely a mistake),
    ``no-package`` anything else (configuration only, a template, never built)."""

    reason: str
    code: Literal["no-package", "nameless"]
    #: The valid name it gives all the same (canonical): a project never built.
    name: str | None = None


def package_name(doc: Document) -> tuple[str, str] | NoPackage:
    """``(canonical, as written)`` for the package ``doc`` names, or why it names none.

    The name comes from ``[project].name``, else ``[tool.poetry].name``. A name
    that is not a valid PEP 508 name (``$pkg``, ``{{ cookiecutter.name }}``)
    names no package: the file is a template, not a member.
    """
    top = doc.table
    project = top.table("project")
    written: str | None = None
    where = ""
    if project is not None:
        written = project.string("name")
        where = "[project].name"
    if written is None:
        tool = top.table("tool")
        poetry = tool.table("poetry") if tool is not None else None
        if poetry is not None:
            written = poetry.string("name")
            where = "[tool.poetry].name"
    if written is None:
        if project is not None:
            return NoPackage(_nameless(project), "nameless")
        return NoPackage(
            "names no package (no [project] or [tool.poetry] name): configuration only",
            "no-package",
        )
    try:
        canonical = canonicalize_name(written, validate=True)
    except InvalidName:
        return NoPackage(
            f"{where} {written!r} is not a valid package name (a template?)", "no-package"
        )
    tool = top.table("tool")
    uv = tool.table("uv") if tool is not None else None
    if uv is not None and uv.boolean("package") is False:
        return NoPackage(
            f"{where} {written!r} is never built ([tool.uv] package = false)",
            "no-package",
            canonical,
        )
    return canonical, written


def _nameless(project: Table) -> str:
    """Why a ``[project]`` table names no package, with the key that was likely meant."""
    import difflib  # only for a nameless project

    close = difflib.get_close_matches("name", [str(key) for key in project.data], n=1)
    meant = f" ({close[0]!r} is likely a misspelling of 'name')" if close else ""
    return f"[project] has no 'name'{meant}: the package and its edges are left out"


@dataclass(frozen=True, slots=True)
class ParsedRequirement:
    """The parts of a parsed requirement noxgraph keeps, already as text."""

    name: str
    specifier: str
    extras: tuple[str, ...]
    marker: str | None
    url: str | None

    def encode(self) -> list[Any]:
        """A JSON-ready form, for the parse cache."""
        return [self.name, self.specifier, list(self.extras), self.marker, self.url]

    @classmethod
    def decode(cls, value: Any) -> ParsedRequirement:
        name, specifier, extras, marker, url = value
        if not all(isinstance(v, str) or v is None for v in (marker, url)):
            raise TypeError("a cached marker or URL is not text")
        return cls(str(name), str(specifier), tuple(map(str, extras)), marker, url)


RequirementParser = Callable[[str], ParsedRequirement]


class InvalidRequirementError(ValueError):
    """A string that is no PEP 508 requirement; the message is packaging's."""


@functools.lru_cache(maxsize=65536)
def parse_requirement(text: str) -> ParsedRequirement:
    """``text`` parsed by packaging; workspaces repeat the same strings in package
    after package, so each is parsed once."""
    from packaging.requirements import InvalidRequirement, Requirement

    try:
        req = Requirement(text)
    except InvalidRequirement as exc:
        raise InvalidRequirementError(str(exc)) from None
    return ParsedRequirement(
        canonicalize_name(req.name),
        str(req.specifier),
        tuple(sorted(req.extras)),
        str(req.marker) if req.marker else None,
        req.url,
    )


def _requirement(
    text: str, table: Table, key: str, parse: RequirementParser = parse_requirement
) -> ParsedRequirement:
    """``text`` parsed by ``parse``; an invalid one is an error naming ``table``'s ``key``."""
    try:
        return parse(text)
    except InvalidRequirementError as exc:
        detail = str(exc).splitlines()[0] if str(exc) else "invalid"
        raise table.error(key, f"invalid requirement {text!r}: {detail}") from None


def _lexical(folder: Path, text: str) -> Path:
    """``text`` (relative to ``folder`` or absolute) as an absolute, normalized path."""
    return Path(os.path.normpath(os.path.join(folder, text)))  # hot path


def _file_url_path(url: str, folder: Path) -> Path | None:
    """The local path of a ``file:`` URL, with pdm's ``${PROJECT_ROOT}`` expanded."""
    expanded = url.replace("${PROJECT_ROOT}", folder.as_posix())
    if not expanded.lower().startswith("file:"):
        return None
    from urllib.parse import unquote, urlsplit  # file URLs are rare

    parts = urlsplit(expanded)
    if parts.netloc not in ("", "localhost"):
        return None
    path = unquote(parts.path)
    if expanded[5:7] == "//" or path.startswith("/"):
        return Path(os.path.normpath("/" + path.lstrip("/")))
    return _lexical(folder, path)


def _url_source(url: str, folder: Path, where: str) -> Source:
    local = _file_url_path(url, folder)
    if local is not None:
        return Source("path", url, where, local)
    if url.startswith("git+"):
        return Source("git", url, where, url=url)
    return Source("url", url, where, url=url)


def _one_uv_source(entry: Any, folder: Path, where: str, table: Table, key: str) -> Source:
    if not isinstance(entry, dict):
        raise table.error(key, f"expected a table, got {describe(entry)}")
    path = entry.get("path")
    if path is not None:
        if not isinstance(path, str):
            raise table.error(key, f"path: expected a string, got {describe(path)}")
        return Source("path", path, where, _lexical(folder, path))
    if entry.get("workspace") is True:
        return _workspace_source(where)
    git = entry.get("git")
    if isinstance(git, str):
        return Source("git", git, where, url=_git_url(entry, git))
    url = entry.get("url")
    if isinstance(url, str):
        return Source("url", url, where, url=url)
    index = entry.get("index")
    return Source("index", describe(entry), where, index=index if isinstance(index, str) else None)


@functools.lru_cache(maxsize=65536)
def _workspace_source(where: str) -> Source:
    # The members of a uv workspace name a sibling with the same entry: one Source
    # (immutable) serves them all.
    return Source("workspace", "workspace = true", where)


def _git_url(entry: Mapping[str, Any], git: str) -> str:
    """A uv git source as the URL pip installs: ``git+URL@ref#subdirectory=...``."""
    url = git if git.startswith("git+") else f"git+{git}"
    ref = next(
        (entry[key] for key in ("rev", "tag", "branch") if isinstance(entry.get(key), str)), None
    )
    if ref:
        url += f"@{ref}"
    subdirectory = entry.get("subdirectory")
    if isinstance(subdirectory, str):
        url += f"#subdirectory={subdirectory}"
    return url


def uv_sources(doc: Document) -> dict[str, Source]:
    """``[tool.uv.sources]`` of ``doc``, keyed by canonical name, paths made absolute."""
    tool = doc.table.table("tool")
    return _sources_in(tool.table("uv") if tool is not None else None, doc.folder)


def _sources_in(uv: Table | None, folder: Path) -> dict[str, Source]:
    """:func:`uv_sources`, from the ``[tool.uv]`` table of the document in ``folder``."""
    sources = uv.table("sources") if uv is not None else None
    if sources is None:
        return {}
    result: dict[str, Source] = {}
    for key, entry in sources.items():
        where = sources.location(key)
        if isinstance(entry, list):
            if not entry:
                raise sources.error(key, "expected at least one source")
            chosen = [_one_uv_source(item, folder, where, sources, key) for item in entry]
            paths = [source for source in chosen if source.kind == "path"]
            result[canonicalize_name(key)] = paths[0] if paths else chosen[0]
        else:
            result[canonicalize_name(key)] = _one_uv_source(entry, folder, where, sources, key)
    return result


class _Reader:
    """Collects the declarations of one document; one instance per file."""

    def __init__(self, doc: Document, sources: Sources, parse: RequirementParser) -> None:
        self.doc = doc
        self.parse = parse
        self.sources = sources
        self.declarations: list[Declaration] = []
        self.extras: list[str] = []
        self.groups: list[str] = []

    def pep508(
        self,
        text: str,
        kind: Kind,
        table: Table,
        key: str,
        group: str | None = None,
        where: str | None = None,
    ) -> None:
        """Record one PEP 508 string found at ``table``'s ``key``."""
        req = _requirement(text, table, key, self.parse)
        location = where or table.location(key)
        source: Source | None = None
        if req.url:
            source = self.url_source(req.url, table, key, location)
        else:
            source = self.sources.get(req.name)
        self.declarations.append(
            Declaration(
                req.name,
                kind,
                location,
                text,
                req.specifier,
                req.extras,
                req.marker,
                group,
                source,
            )
        )

    def url_source(self, url: str, table: Table, key: str, where: str) -> Source:
        try:
            return _url_source(url, self.doc.folder, where)
        except ValueError as exc:
            raise table.error(key, f"invalid URL {url!r}: {exc}") from None

    def pep508_list(self, table: Table, key: str, kind: Kind, group: str | None = None) -> None:
        values = table.strings(key)
        if values:
            where = table.location(key)
            for text in values:
                self.pep508(text, kind, table, key, group, where)

    # -- PEP 621, PEP 735, PEP 518 -------------------------------------------------

    def project(self, project: Table | None) -> None:
        if project is None:
            return
        self.pep508_list(project, "dependencies", "runtime")
        optional = project.table("optional-dependencies")
        if optional is not None:
            for extra, _ in optional.items():
                self.extras.append(normalize_group(extra))
                self.pep508_list(optional, extra, "optional", normalize_group(extra))

    def build_system(self) -> None:
        build = self.doc.table.table("build-system")
        if build is not None:
            self.pep508_list(build, "requires", "build")

    def dependency_groups(self) -> None:
        groups = self.doc.table.table("dependency-groups")
        if groups is None:
            return
        for group, entries in _resolve_groups(groups).items():
            self.groups.append(group)
            for text, origin in entries:
                self.pep508(text, "group", groups, origin, group)

    # -- uv and pdm ------------------------------------------------------------------

    def uv_dev(self, uv: Table | None) -> None:
        if uv is not None and "dev-dependencies" in uv:
            self.groups.append("dev")
            self.pep508_list(uv, "dev-dependencies", "dev", "dev")

    def pdm_dev(self, tool: Table) -> None:
        pdm = tool.table("pdm")
        dev = pdm.table("dev-dependencies") if pdm is not None else None
        if dev is None:
            return
        for group, _ in dev.items():
            normalized = normalize_group(group)
            self.groups.append(normalized)
            for text in dev.strings(group) or ():
                self.pdm_entry(text, dev, group, normalized)

    def pdm_entry(self, text: str, table: Table, key: str, group: str) -> None:
        """One pdm dev entry: PEP 508, or ``-e <path or file URL>[#egg=name]``."""
        body = text.strip()
        for flag in ("-e ", "--editable "):
            if body.startswith(flag):
                body = body[len(flag) :].strip()
                break
        else:
            self.pep508(text, "dev", table, key, group)
            return
        if not (body.startswith((".", "/")) or "://" in body or body.startswith("file:")):
            self.pep508(body, "dev", table, key, group)
            return
        location, _, fragment = body.partition("#")
        name = ""
        for part in fragment.split("&"):
            if part.startswith("egg="):
                name = canonicalize_name(part[4:])
        where = table.location(key)
        if "://" in location or location.startswith("file:"):
            source = self.url_source(location, table, key, where)
        else:
            source = Source("path", location, where, _lexical(self.doc.folder, location))
        if source.kind == "path" and source.path is not None:
            requirement = f"{name} @ {source.path.as_uri()}" if name else str(source.path)
        else:
            requirement = location
        self.declarations.append(
            Declaration(
                name=name,
                kind="dev",
                where=where,
                requirement=requirement,
                group=group,
                source=source,
            )
        )

    # -- poetry ----------------------------------------------------------------------

    def poetry(self, tool: Table) -> None:
        poetry = tool.table("poetry")
        if poetry is None:
            return
        extras_of = _poetry_extras(poetry)
        named_extras = poetry.table("extras")
        if named_extras is not None:
            self.extras.extend(normalize_group(extra) for extra, _ in named_extras.items())
        deps = poetry.table("dependencies")
        if deps is not None:
            self.poetry_table(deps, "runtime", None, extras_of)
        dev = poetry.table("dev-dependencies")
        if dev is not None:
            self.groups.append("dev")
            self.poetry_table(dev, "dev", "dev", {})
        groups = poetry.table("group")
        if groups is not None:
            for group, _ in groups.items():
                group_table = groups.table(group)
                members = group_table.table("dependencies") if group_table else None
                if members is not None:
                    self.groups.append(normalize_group(group))
                    self.poetry_table(members, "group", normalize_group(group), {})

    def poetry_table(
        self, table: Table, kind: Kind, group: str | None, extras_of: Mapping[str, list[str]]
    ) -> None:
        for key, value in table.items():
            if key.lower() == "python":
                continue
            entries = value if isinstance(value, list) else [value]
            for entry in entries:
                self.poetry_entry(key, entry, table, kind, group, extras_of)

    def poetry_entry(
        self,
        key: str,
        entry: Any,
        table: Table,
        kind: Kind,
        group: str | None,
        extras_of: Mapping[str, list[str]],
    ) -> None:
        try:
            name = canonicalize_name(key, validate=True)
        except InvalidName:
            raise table.error(key, f"{key!r} is not a valid package name") from None
        where = table.location(key)
        spec_text = ""
        extras: tuple[str, ...] = ()
        marker: str | None = None
        source: Source | None = None
        entry_kind = kind
        entry_groups: list[str | None] = [group]
        if isinstance(entry, str):
            spec_text = entry
        elif isinstance(entry, dict):
            entry_table = Table(entry, table.file, f"{table.where}.{key}")
            spec_text = entry_table.string("version") or ""
            extras = tuple(sorted(entry_table.strings("extras") or ()))
            marker = entry_table.string("markers")
            path = entry_table.string("path")
            if path is not None:
                source = Source("path", path, where, _lexical(self.doc.folder, path))
            elif (git := entry_table.string("git")) is not None:
                source = Source("git", git, where, url=_git_url(entry, git))
            elif (url := entry_table.string("url")) is not None:
                source = Source("url", url, where, url=url)
            elif (index := entry_table.string("source")) is not None:
                source = Source("index", index, where, index=index)
            if entry_table.boolean("optional") and kind == "runtime":
                # One declaration for each extra that names it, as [project] extras give.
                entry_kind = "optional"
                entry_groups = [*extras_of.get(name, [])] or [None]
        else:
            raise table.error(key, f"expected a version string or a table, got {describe(entry)}")
        if source is None and name in self.sources:
            source = self.sources[name]
        specifier, note = _poetry_specifier(spec_text, table, key)
        requirement = name + (f"[{','.join(extras)}]" if extras else "")
        if source is not None and source.kind == "path" and source.path is not None:
            requirement += f" @ {source.path.as_uri()}"
        else:
            requirement += specifier
        if marker:
            requirement += f" ; {marker}"
        marker = _requirement(requirement, table, key).marker
        self.declarations += (
            Declaration(
                name=name,
                kind=entry_kind,
                where=where,
                requirement=requirement,
                specifier=specifier,
                extras=extras,
                marker=marker,
                group=entry_group,
                source=source,
                constraint_note=note,
            )
            for entry_group in entry_groups
        )


def _poetry_extras(poetry: Table) -> dict[str, list[str]]:
    """Map each optional dependency to the extras that name it in ``[tool.poetry.extras]``."""
    extras = poetry.table("extras")
    result: dict[str, list[str]] = {}
    if extras is None:
        return result
    for extra, _ in extras.items():
        for dep in extras.strings(extra) or ():
            result.setdefault(canonicalize_name(dep), []).append(normalize_group(extra))
    return result


def _bump(parts: list[int], index: int) -> str:
    upper = [*parts[:index], parts[index] + 1]
    return ".".join(str(p) for p in upper)


def _poetry_clause(clause: str) -> str:
    """One poetry constraint clause as PEP 440 (``^1.2`` -> ``>=1.2,<2``)."""
    if clause in ("*", ""):
        return ""
    if clause[0] in "^~" and not clause.startswith("~="):
        from packaging.version import Version  # poetry files only

        base = clause[1:].strip()
        # Poetry's caret and tilde take any PEP 440 version (1.0b1, 2.7.post1); the
        # bound they set is counted in its release numbers only.
        parts = list(Version(base).release)
        if clause[0] == "^":
            index = next((i for i, p in enumerate(parts) if p != 0), len(parts) - 1)
        else:
            index = 0 if len(parts) == 1 else 1
        return f">={base},<{_bump(parts, index)}"
    if clause[0].isdigit():
        return f"=={clause}"
    return clause


def _poetry_specifier(text: str, table: Table, key: str) -> tuple[str, str | None]:
    """A poetry version constraint as a PEP 440 specifier, and a note when it cannot be one."""
    from packaging.specifiers import InvalidSpecifier, SpecifierSet  # poetry files only
    from packaging.version import InvalidVersion

    text = text.strip()
    if "||" in text or "|" in text:
        return "", f"poetry constraint {text!r} (an 'or') has no PEP 440 form; not checked"
    # Poetry allows ">= 1.2, < 2" and ">=1.2 <2": glue lone operators to their version.
    clauses: list[str] = []
    operator = ""
    for token in text.replace(",", " ").split():
        if set(token) <= set("<>=!~^"):
            operator += token
            continue
        clauses.append(operator + token)
        operator = ""
    try:
        if operator:
            raise ValueError(operator)
        pep440 = ",".join(filter(None, (_poetry_clause(clause) for clause in clauses)))
        return str(SpecifierSet(pep440)), None
    except (ValueError, InvalidSpecifier, InvalidVersion):
        raise table.error(key, f"invalid version constraint {text!r}") from None


def _resolve_groups(groups: Table) -> dict[str, list[tuple[str, str]]]:
    """PEP 735 groups with ``include-group`` expanded: group -> [(requirement, key)].

    ``key`` is the group (as written) whose list holds the requirement, so an
    included requirement still points at the line that declares it.
    """
    written: dict[str, str] = {}
    for key, _ in groups.items():
        normalized = normalize_group(key)
        if normalized in written:
            raise groups.error(
                key, f"duplicates group {written[normalized]!r} (names compare normalized)"
            )
        written[normalized] = key
    for key, entries in groups.items():
        if not isinstance(entries, list):
            raise groups.error(key, f"expected an array, got {describe(entries)}")
        for item in entries:
            if isinstance(item, str):
                continue
            if (
                isinstance(item, dict)
                and list(item) == ["include-group"]
                and isinstance(item["include-group"], str)
            ):
                if normalize_group(item["include-group"]) not in written:
                    raise groups.error(key, f"includes unknown group {item['include-group']!r}")
                continue
            raise groups.error(
                key, f"expected a string or {{include-group = ...}}, got {describe(item)}"
            )

    resolved: dict[str, list[tuple[str, str]]] = {}
    for start, start_key in written.items():
        if start in resolved:
            continue
        # Iterative depth-first expansion; ``path`` holds the include chain so
        # that a cycle is reported with every group in it.
        path: list[str] = [start]
        cursors: list[int] = [0]
        while path:
            group = path[-1]
            entries = groups.raw(written[group])
            index = cursors[-1]
            if index == len(entries):
                out: list[tuple[str, str]] = []
                for item in entries:
                    if isinstance(item, str):
                        out.append((item, written[group]))
                    else:
                        out.extend(resolved[normalize_group(item["include-group"])])
                resolved[group] = out
                path.pop()
                cursors.pop()
                continue
            cursors[-1] += 1
            item = entries[index]
            if isinstance(item, str):
                continue
            target = normalize_group(item["include-group"])
            if target in resolved:
                continue
            if target in path:
                chain = " -> ".join(written[g] for g in [*path[path.index(target) :], target])
                raise groups.error(start_key, f"include-group cycle: {chain}")
            path.append(target)
            cursors.append(0)
    return {group: resolved[group] for group in written}


def has_tests(folder: Path) -> bool:
    """A package has tests when it has a tests folder or test modules at its top."""
    try:
        with os.scandir(folder) as entries:
            for entry in entries:
                name = entry.name
                if name in _TEST_DIRS and entry.is_dir(follow_symlinks=False):
                    return True
                if is_test_module(name):
                    return True
    except OSError:
        return False
    return False


def is_test_module(name: str) -> bool:
    """Whether a file called ``name`` is a test module by pytest's default names (and
    Django's ``tests.py``)."""
    return name.endswith(".py") and (
        name.startswith("test_") or name.endswith("_test.py") or name == "tests.py"
    )


def read_package(
    doc: Document,
    *,
    root: Path,
    names: tuple[str, str],
    inherited_sources: Sources = {},  # noqa: B006 - read-only default
    parse: RequirementParser = parse_requirement,
    side_file: SideFileReader | None = None,
) -> Package:
    """Build the :class:`Package` that ``doc`` names (``names`` from :func:`package_name`).

    ``inherited_sources`` are the ``[tool.uv.sources]`` of the uv workspace root
    that holds this package; the package's own entries win over them. ``side_file``
    reads the files beside it a backend reads for a dynamic version (``hatch.toml``).
    """
    canonical, written = names
    top = doc.table
    tool = top.table("tool")
    uv = tool.table("uv") if tool is not None else None
    sources: dict[str, Source] = {**inherited_sources, **_sources_in(uv, doc.folder)}
    project = top.table("project")
    reader = _Reader(doc, sources, parse)
    reader.project(project)
    reader.dependency_groups()
    reader.build_system()
    if tool is not None:
        reader.poetry(tool)
        reader.uv_dev(uv)
        reader.pdm_dev(tool)

    dynamic: tuple[str, ...] = ()
    version: str | None = None
    requires_python: str | None = None
    if project is not None:
        dynamic = tuple(project.strings("dynamic") or ())
        version = project.string("version")
        requires_python = project.string("requires-python")
    if version is None and "version" not in dynamic and tool is not None:
        poetry = tool.table("poetry")
        version = poetry.string("version") if poetry is not None else None
    version_from: str | None = None
    if version is None and "version" in dynamic:
        from noxgraph.workspace.versions import read_side_file, static_version

        found = static_version(doc.folder, doc.data, canonical, side_file or read_side_file)
        if found is not None:
            version, version_from = found

    tool_config: Mapping[str, Any] | None = None
    if tool is not None:
        own = tool.table("noxgraph")
        tool_config = own.data if own is not None else None

    groups = tuple(dict.fromkeys(reader.groups))
    relpath = relative(doc.folder, root)
    return Package(
        name=canonical,
        display_name=written,
        version=version,
        path=doc.folder,
        relpath=relpath,
        pyproject=doc.display,
        dynamic=dynamic,
        declarations=tuple(reader.declarations),
        extras=tuple(dict.fromkeys(reader.extras)),
        groups=groups,
        tool_config=tool_config,
        version_from=version_from,
        requires_python=requires_python,
        default_groups=_default_groups(uv, groups),
        python_bound_groups=_python_bound_groups(uv),
    )


def _python_bound_groups(uv: Table | None) -> tuple[str, ...]:
    """The groups ``[tool.uv.dependency-groups]`` gives a ``requires-python``: uv leaves
    them out of an environment on any other interpreter."""
    settings = uv.raw("dependency-groups") if uv is not None else None
    if not isinstance(settings, dict):
        return ()
    return tuple(
        normalize_group(name)
        for name, value in settings.items()
        if isinstance(value, dict) and "requires-python" in value
    )


def _default_groups(uv: Table | None, groups: tuple[str, ...]) -> tuple[str, ...]:
    """``[tool.uv] default-groups`` (a list of groups, or ``"all"``; uv's default is
    ``dev``), limited to the groups the package has."""
    if uv is not None and uv.raw("default-groups") == "all":
        return groups
    listed = uv.strings("default-groups") if uv is not None else None
    wanted = ("dev",) if listed is None else tuple(normalize_group(name) for name in listed)
    return tuple(name for name in dict.fromkeys(wanted) if name in groups)
