"""Sessions for developing noxgraph itself.

nox -s tests            the whole test suite on each Python the project supports
                        that is installed here (tests-3.12: on one; -- ARGS: pytest's)
nox -s lint             ruff check, ruff format --check, mypy --strict on src/, and the
                        documentation site built with mkdocs --strict
nox -s fuzz             the property-based tests with a long budget (by hand)
"""

from __future__ import annotations

import nox

nox.needs_version = ">=2026.8.10"
nox.options.sessions = ["tests", "lint"]
nox.options.default_venv_backend = "uv|virtualenv"

PYPROJECT = nox.project.load_toml("pyproject.toml")
#: Every Python the classifiers name; one missing here is skipped (an error under CI=true,
#: unless --no-error-on-missing-interpreters).
PYTHONS = nox.project.python_versions(PYPROJECT)
#: mkdocs-material announces MkDocs 2 at every build unless told not to.
_QUIET_MKDOCS = {"NO_MKDOCS_2_WARNING": "1"}


@nox.session(python=PYTHONS)
def tests(session: nox.Session) -> None:
    """Run the test suite against noxgraph installed from this checkout (not editable)."""
    session.install(".", *nox.project.dependency_groups(PYPROJECT, "test"))
    session.run("pytest", *session.posargs)


@nox.session
def lint(session: nox.Session) -> None:
    """ruff check, ruff format --check, mypy --strict on src/, and mkdocs build --strict."""
    session.install(".", *nox.project.dependency_groups(PYPROJECT, "lint", "docs"))
    session.run("ruff", "check", "src", "tests", "benchmarks", "noxfile.py")
    session.run("ruff", "format", "--check", "src", "tests", "benchmarks", "noxfile.py")
    session.run("mypy", "--strict", "src")
    # A broken link or a page missing from the navigation fails the build.
    session.run(
        "mkdocs", "build", "--strict", "--site-dir", session.create_tmp(), env=_QUIET_MKDOCS
    )


@nox.session(default=False)
def fuzz(session: nox.Session) -> None:
    """The property-based and fuzz tests with a long budget: ``nox -s fuzz -- --examples N``."""
    session.install(".", *nox.project.dependency_groups(PYPROJECT, "test"))
    examples = session.posargs[1] if session.posargs[:1] == ["--examples"] else "2000"
    session.run(
        "pytest",
        "-m",
        "fuzz",
        "-p",
        "no:cacheprovider",
        env={"NOXGRAPH_FUZZ_EXAMPLES": examples},
    )
