"""Carrying out a session's plan: uv's builds and installs, and nothing left behind.

Imported only when a package session runs: loading a noxfile never pays for it.

- A sibling's wheel is built once for its content (:mod:`noxgraph.changes.content`),
  by uv (pip without it), and kept in noxgraph's cache folder, which outlives
  ``.nox`` as uv's cache outlives a ``.venv``; a few of each package's latest are kept.
- A session's virtualenv is installed in one call of nox's installer (``uv pip install``
  with the uv backend); a session that installs nothing has no virtualenv, and runs
  ``uv`` as nox's own.
- A build writes into the folder it builds (setuptools' ``build/`` and ``*.egg-info``,
  pdm-backend's ``.pdm-build/``, ``__pycache__``): what a build or a session's commands
  leave of those in a package
  folder is removed after them (:meth:`Installer.leaves_nothing`), one at a time in a
  folder.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
import sys
from collections.abc import Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from noxgraph._files import SKIP_DIRS, is_build_output

if TYPE_CHECKING:
    import nox

    from noxgraph.sessions.plan import Lock, SessionPlan, Sibling

__all__ = ["Installer", "expand"]

#: The wheels of one package kept in the cache, newest first: the content of a few
#: branches, not every content a package ever had.
_KEPT_WHEELS = 4


def expand(argv: Sequence[str], values: Mapping[str, str], posargs: Sequence[str]) -> list[str]:
    """Fill a command's placeholders; ``{posargs}`` becomes zero or more arguments."""
    expanded: list[str] = []
    for arg in argv:
        if arg == "{posargs}":
            expanded.extend(posargs)
        else:
            expanded.append(arg.format_map(values))
    return expanded


@contextlib.contextmanager
def _exclusive(path: Path) -> Iterator[None]:
    """Hold a lock on ``path`` (sessions of one ``-j`` run build the same wheels)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a") as handle:
        try:
            import fcntl  # POSIX only

            fcntl.flock(handle, fcntl.LOCK_EX)
        except ImportError:  # pragma: no cover - Windows: builds may happen twice
            pass
        yield


def _leftovers(folder: Path) -> set[str]:
    """The folders in ``folder`` a build leaves (:func:`noxgraph._files.is_build_output`),
    not looking into tool folders, virtualenvs or the folders of other projects."""
    found: set[str] = set()
    for current, dirs, _ in os.walk(folder):
        kept = []
        for name in dirs:
            path = os.path.join(current, name)
            if is_build_output(name):
                found.add(path)
            elif not (
                name in SKIP_DIRS
                or os.path.isfile(os.path.join(path, "pyproject.toml"))
                or os.path.isfile(os.path.join(path, "pyvenv.cfg"))
            ):
                kept.append(name)
        dirs[:] = kept
    return found


class Installer:
    """Carries out a session's plan with uv, or the nox session's own installers.

    ``root``: the workspace root, whose sibling wheels the cache keeps; ``python``: the
    interpreter a session without a virtualenv builds with (nox's own when ``None``);
    ``contents``: the content keys of the package folders this nox process has keyed
    already, shared by its sessions (a run builds each sibling from one content).
    """

    def __init__(
        self,
        session: nox.Session,
        root: Path,
        wheelhouse: Path,
        python: str | None = None,
        contents: dict[Path, str] | None = None,
    ) -> None:
        self.session = session
        self.contents = {} if contents is None else contents
        self.root = root
        self.wheelhouse = wheelhouse
        self.sandboxed = session.virtualenv.is_sandboxed
        self.uv = session.venv_backend == "uv" or not self.sandboxed
        self.python = python

    def program(self, argv: Sequence[str]) -> list[str]:
        """``argv`` with ``uv`` as nox's own uv (beside nox or on PATH) in a session
        without a virtualenv, as nox does in a session whose backend is uv."""
        if self.sandboxed or not argv or argv[0] != "uv":
            return list(argv)
        import nox.virtualenv

        if not nox.virtualenv.HAS_UV:
            self.session.error(
                f"{self.session.name} runs uv, which nox cannot find: install uv (or"
                " nox[uv]), or give the task commands of your own"
            )
        return [nox.virtualenv.UV, *argv[1:]]

    def install(self, plan: SessionPlan) -> None:
        if not self.sandboxed and plan.needs_environment:
            self.session.log("venv-backend is none: using this environment as it is")
            return
        built = self._wheels(plan.wheels, plan.versions_from_backend)
        links = [*dict.fromkeys(path.parent for path in built.values()), self.wheelhouse]
        self._set_links(links)
        self._from_wheels(plan.build_needs)
        self._pin_builds({name: built[name] for name in plan.build_needs if name in built})
        if not self.sandboxed:
            if "UV_PYTHON" not in os.environ:
                self.session.env["UV_PYTHON"] = self.python or sys.executable
            return
        if plan.lock is not None:
            self._install_locked(plan.lock, plan.editable, plan.source_folders)
        requirements = [*plan.install]
        for sibling in plan.siblings:
            if plan.editable:
                extras = f"[{','.join(sibling.extras)}]" if sibling.extras else ""
                requirements += ["-e", f"{sibling.folder}{extras}"]
            else:
                from noxgraph.sessions.plan import requirement_text

                wheel = built[sibling.name]
                requirements.append(
                    requirement_text(sibling.name, sibling.extras, sibling.marker, wheel.as_uri())
                )
        for url in plan.index_urls:
            requirements += ["--extra-index-url", url]
        if requirements:
            editable = [s.folder for s in plan.siblings] if plan.editable else []
            with self.leaves_nothing([*editable, *plan.source_folders]):
                self.session.install(*requirements)

    @contextlib.contextmanager
    def leaves_nothing(self, folders: Iterable[Path]) -> Iterator[None]:
        """Remove what a build leaves in ``folders`` (``build/``, ``*.egg-info``,
        ``__pycache__``) that was not there before, holding each folder meanwhile:
        one build or session of a ``-j`` run writes into a folder at a time."""
        chosen = sorted(set(folders))
        if chosen:
            from noxgraph.sessions.session_cache import ignored_by_git

            ignored_by_git(self.session.cache_dir.parent)
        with contextlib.ExitStack() as held:
            for folder in chosen:  # always in one order: no two sessions wait on each other
                digest = hashlib.sha256(os.fsencode(folder)).hexdigest()[:16]
                held.enter_context(
                    _exclusive(self.session.cache_dir / "noxgraph-folders" / f"{digest}.lock")
                )
            before = {folder: _leftovers(folder) for folder in chosen}
            try:
                yield
            finally:
                for folder, had in before.items():
                    for path in sorted(_leftovers(folder) - had):
                        shutil.rmtree(path, ignore_errors=True)

    def _install_locked(self, lock: Lock, editable: bool, source_folders: Sequence[Path]) -> None:
        if not self.uv:
            self.session.error(
                f"{lock.root / 'uv.lock'}: installing the locked versions needs uv, and this"
                f" session's venv backend is {self.session.venv_backend!r}; install uv (or"
                ' nox[uv]), or set [tool.noxgraph].environment = "folders"'
            )
        args = ["uv", "sync", "--locked", "--package", lock.package, "--no-default-groups"]
        for group in lock.groups:
            args += ["--group", group]
        for extra in lock.extras:
            args += ["--extra", extra]
        if not editable:
            args.append("--no-editable")
        # uv reuses a member's wheel until its pyproject.toml changes: rebuild the
        # members whose files changed since the wheel uv has was built. What was built
        # is kept beside the sibling wheels: it is true as long as uv's cache is.
        from noxgraph.changes.content import content_keys  # only when installing

        record = self._kept("uv-builds", "noxgraph-uv")
        folders = content_keys(member.folder for member in lock.members)
        keys = {member.name: folders[member.folder] for member in lock.members}
        for name, key in keys.items():
            known = record / name
            if not known.is_file() or known.read_text(encoding="utf-8") != key:
                args += ["--reinstall-package", name]
        location = str(self.session.virtualenv.location)
        built_here = [*(m.folder for m in lock.members), *source_folders]
        with self.leaves_nothing(built_here), self.session.chdir(lock.root):
            self.session.run_install(*args, env={"UV_PROJECT_ENVIRONMENT": location})
        record.mkdir(parents=True, exist_ok=True)
        for name, key in keys.items():
            (record / name).write_text(key, encoding="utf-8")

    def _kept(self, kind: str, otherwise: str) -> Path:
        """The folder of ``kind`` in noxgraph's cache folder, or of ``otherwise`` in
        nox's when noxgraph's is turned off."""
        from noxgraph.workspace.parse_cache import cache_folder

        kept = cache_folder(kind, self.root)
        return kept if kept is not None else (self.session.cache_dir / otherwise).resolve()

    def _wheels(
        self, siblings: Sequence[Sibling], versions_from_backend: Sequence[str]
    ) -> dict[str, Path]:
        """A wheel of each sibling (dependencies first), each built once for its
        content and kept in the wheel cache. A wheel is kept by its content and by the
        wheels its build took: a build hook that changed makes another wheel. One of
        ``versions_from_backend`` (often made from git) is kept by its commit too."""
        if not siblings:
            return {}
        from noxgraph.changes.content import content_keys, described_commits  # when building

        missing = [s.folder for s in siblings if s.folder not in self.contents]
        if missing:
            self.contents.update(content_keys(missing))
        contents = self.contents
        dynamic = [s.folder for s in siblings if s.name in versions_from_backend]
        described = described_commits(dynamic) if dynamic else {}
        keys: dict[str, str] = {}
        built: dict[str, Path] = {}
        cache = self._kept("wheels", "noxgraph-wheels")
        for sibling in siblings:
            name = sibling.name
            commit = [json.dumps(described[sibling.folder])] if sibling.folder in described else []
            keys[name] = _wheel_key(
                contents[sibling.folder], [keys[n] for n in sibling.needs] + commit
            )
            folder = cache / f"{name}-{keys[name]}"
            with _exclusive(cache / f"{folder.name}.lock"):
                found = sorted(folder.glob("*.whl"))
                if not found:
                    needed = {n: built[n] for n in sibling.needs}
                    self._build(name, sibling.folder, folder, needed)
                    found = sorted(folder.glob("*.whl"))
                    _forget_older(cache, name, folder)
                else:
                    self.session.log(f"reusing the wheel of {name} ({found[0].name})")
            if not found:
                self.session.error(f"building {name} left no wheel in {folder}")
            built[name] = found[0]
        return built

    def _build(self, name: str, source: Path, folder: Path, needed: Mapping[str, Path]) -> None:
        partial = folder.with_name(f"{folder.name}.partial")
        shutil.rmtree(partial, ignore_errors=True)
        partial.mkdir(parents=True)
        links = list(dict.fromkeys(str(path.parent) for path in needed.values()))
        self.session.log(f"building a wheel of {name}")
        with self.leaves_nothing([source]):
            if self.uv:
                args = ["uv", "build", "--wheel", "--out-dir", str(partial), str(source)]
                for link in links:
                    args += ["--find-links", link]
                # Siblings a build needs come from their wheels, not their folders.
                for sibling in needed:
                    args += ["--no-sources-package", sibling]
                if needed:
                    # The option hides uv's variable: the user's files are passed on too.
                    ours = self._constraints(needed)
                    for constraints in _constraint_files(ours, "UV_BUILD_CONSTRAINT"):
                        args += ["--build-constraint", constraints]
                self.session.run_install(*self.program(args), silent=True)
            else:
                env = {}
                if needed:
                    env["PIP_FIND_LINKS"] = " ".join(links)
                    files = _constraint_files(self._constraints(needed), "PIP_CONSTRAINT")
                    env["PIP_CONSTRAINT"] = " ".join(files)
                self.session.run_install(
                    "python",
                    "-m",
                    "pip",
                    "wheel",
                    "--no-deps",
                    "--wheel-dir",
                    str(partial),
                    str(source),
                    env=env or None,
                    silent=True,
                )
        shutil.rmtree(folder, ignore_errors=True)
        partial.rename(folder)

    def _set_links(self, links: Sequence[Path]) -> None:
        """Let pip and uv find the sibling wheels, after any find-links already set."""
        ours = [str(link) for link in links if link.is_dir()]
        if not ours:
            return
        for variable, separator in (("PIP_FIND_LINKS", " "), ("UV_FIND_LINKS", ",")):
            theirs = os.environ.get(variable, "").strip()
            self.session.env[variable] = separator.join([*ours, *([theirs] if theirs else [])])

    def _constraints(self, wheels: Mapping[str, Path]) -> Path:
        """A constraints file that holds each sibling a build needs to its wheel: the
        find-links alone let a newer release on the index, or another wheel of the same
        version, win over the branch's own code. Named by what it holds, so it is
        written once."""
        text = "".join(f"{name} @ {wheel.as_uri()}\n" for name, wheel in sorted(wheels.items()))
        folder = self._kept("build-constraints", "noxgraph-build-constraints")
        path = folder / f"{hashlib.sha256(text.encode()).hexdigest()[:20]}.txt"
        if not path.is_file():
            from noxgraph._files import write_atomic

            folder.mkdir(parents=True, exist_ok=True)
            write_atomic(path, text.encode())
        return path

    def _pin_builds(self, wheels: Mapping[str, Path]) -> None:
        """Hold the siblings the session's own build needs to their wheels, in uv's
        build constraints and in pip's constraints, beside any the user set."""
        if not wheels:
            return
        ours = self._constraints(wheels)
        for variable in ("UV_BUILD_CONSTRAINT", "PIP_CONSTRAINT"):
            self.session.env[variable] = " ".join(_constraint_files(ours, variable))

    def _from_wheels(self, names: Sequence[str]) -> None:
        """Let uv take the siblings a build needs from their wheels, not from the
        folders ``[tool.uv.sources]`` names (it would build them again there)."""
        if not names:
            return
        theirs = os.environ.get("UV_NO_SOURCES_PACKAGE", "").strip()
        self.session.env["UV_NO_SOURCES_PACKAGE"] = " ".join(
            [*names, *([theirs] if theirs else [])]
        )


def _constraint_files(ours: Path, variable: str) -> list[str]:
    """``ours`` (as a URI: uv and pip split their variables on spaces), then the
    constraint files the user gave in ``variable``."""
    return [ours.as_uri(), *os.environ.get(variable, "").split()]


def _wheel_key(content: str, inputs: Sequence[str]) -> str:
    """The key of a wheel: its folder's content and its other ``inputs`` (the keys of
    the wheels its build took; for a version only its backend knows, what
    :func:`~noxgraph.changes.content.described_commits` says, as JSON), in the content
    key's form (20 hex digits)."""
    if not inputs:
        return content
    text = "\0".join([content, *inputs])
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:20]


def _is_key(text: str) -> bool:
    return len(text) == 20 and all(c in "0123456789abcdef" for c in text)


def _forget_older(cache: Path, name: str, newest: Path) -> None:
    """Keep the latest few wheels of ``name`` in the cache (``newest`` among them)."""
    prefix = f"{name}-"
    mine = []
    for entry in cache.iterdir():
        key = entry.name.removeprefix(prefix)
        # A content key is 20 hex digits: "core-" does not take "core-utils-<key>".
        if entry.name.startswith(prefix) and _is_key(key) and entry.is_dir():
            mine.append(entry)
    mine.sort(key=lambda entry: entry.stat().st_mtime, reverse=True)
    for old in mine[_KEPT_WHEELS:]:
        if old != newest:
            shutil.rmtree(old, ignore_errors=True)
            with contextlib.suppress(OSError):
                old.with_name(f"{old.name}.lock").unlink()
