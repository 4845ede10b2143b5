"""Carrying out a session's plan with the nox session's own installers.

Imported only when a package session runs: loading a noxfile never pays for it.
"""

from __future__ import annotations

import contextlib
import os
import shutil
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import nox

    from noxgraph.sessions.plan import Lock, SessionPlan, Sibling

__all__ = ["Installer", "expand"]


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


class Installer:
    """Carries out a session's plan with the nox session's own installers."""

    def __init__(self, session: nox.Session, wheelhouse: Path) -> None:
        self.session = session
        self.wheelhouse = wheelhouse
        self.uv = session.venv_backend == "uv"

    def install(self, plan: SessionPlan) -> None:
        if not self.session.virtualenv.is_sandboxed:
            if plan.install or plan.siblings or plan.lock:
                self.session.log("venv-backend is none: using this environment as it is")
            return
        built = self._wheels(plan.wheels)
        links = [*dict.fromkeys(path.parent for path in built.values()), self.wheelhouse]
        self._set_links(links)
        if plan.lock is not None:
            self._install_locked(plan.lock, plan.editable)
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
            self.session.install(*requirements)

    def _install_locked(self, lock: Lock, editable: bool) -> None:
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
        # members whose files changed since the wheel uv has was built.
        from noxgraph.changes.content import folder_key  # only when installing

        record = (self.session.cache_dir / "noxgraph-uv").resolve()
        keys = {member.name: folder_key(member.folder) for member in lock.members}
        for name, key in keys.items():
            known = record / name
            if not known.is_file() or known.read_text(encoding="utf-8") != key:
                args += ["--reinstall-package", name]
        location = str(self.session.virtualenv.location)
        with self.session.chdir(lock.root):
            self.session.run_install(*args, env={"UV_PROJECT_ENVIRONMENT": location})
        record.mkdir(parents=True, exist_ok=True)
        for name, key in keys.items():
            (record / name).write_text(key, encoding="utf-8")

    def _wheels(self, siblings: Sequence[Sibling]) -> dict[str, Path]:
        """A wheel of each sibling (dependencies first), each built once for its
        content and kept in nox's shared cache folder."""
        from noxgraph.changes.content import folder_key  # only when building
        from noxgraph.sessions.session_cache import WHEEL_CACHE

        built: dict[str, Path] = {}
        cache = (self.session.cache_dir / WHEEL_CACHE).resolve()
        for sibling in siblings:
            name = sibling.name
            folder = cache / f"{name}-{folder_key(sibling.folder)}"
            with _exclusive(cache / f"{folder.name}.lock"):
                found = sorted(folder.glob("*.whl"))
                if not found:
                    self._build(name, sibling.folder, folder, list(built.values()))
                    found = sorted(folder.glob("*.whl"))
                else:
                    self.session.log(f"reusing the wheel of {name} ({found[0].name})")
            if not found:
                self.session.error(f"building {name} left no wheel in {folder}")
            built[name] = found[0]
        return built

    def _build(self, name: str, source: Path, folder: Path, needed: Sequence[Path]) -> None:
        partial = folder.with_name(f"{folder.name}.partial")
        shutil.rmtree(partial, ignore_errors=True)
        partial.mkdir(parents=True)
        links = [str(path.parent) for path in needed]
        self.session.log(f"building a wheel of {name}")
        if self.uv:
            args = ["uv", "build", "--wheel", "--out-dir", str(partial), str(source)]
            for link in dict.fromkeys(links):
                args += ["--find-links", link]
            self.session.run_install(*args, silent=True)
        else:
            self.session.run_install(
                "python",
                "-m",
                "pip",
                "wheel",
                "--no-deps",
                "--wheel-dir",
                str(partial),
                str(source),
                env={"PIP_FIND_LINKS": " ".join(dict.fromkeys(links))} if links else None,
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
