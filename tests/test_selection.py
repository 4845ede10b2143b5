"""What an affected run queues: the posargs it reads, the nox command line it reads,
and which sessions run or only skip (``noxgraph.sessions.selection``)."""

from __future__ import annotations

import pytest

from noxgraph.errors import UsageError
from noxgraph.sessions.declarations import Declarations, PackageSession
from noxgraph.sessions.nox_command import read_nox_command
from noxgraph.sessions.selection import (
    ENV_SELECTION,
    Selection,
    affected_options,
    not_affected_reason,
    save,
    saved,
    select,
    without_no_cache,
)

#: core <- lib <- app, and a lone tool; build waits for each dependency's build.
DECLARED = Declarations(
    folders={"core": "core", "lib": "lib", "app": "app", "tool": "tool"},
    tasks={
        "build": (
            PackageSession("build", "core"),
            PackageSession("build", "tool"),
            PackageSession("build", "lib", ("core",)),
            PackageSession("build", "app", ("lib",)),
        ),
        "test": (PackageSession("test", "lib", requires=("build-lib",)),),
    },
)


def test_an_affected_session_reads_its_options_and_passes_the_rest_after_a_second_dashdash() -> (
    None
):
    options, rest, no_cache = affected_options(
        "build-affected", ["--base", "main", "--no-cache", "--", "-k", "slow"]
    )
    assert (options.base, options.head, options.files) == ("main", None, None)
    assert rest == ["-k", "slow"]
    assert no_cache is True


def test_an_unknown_option_names_the_session_and_its_options() -> None:
    with pytest.raises(UsageError, match=r"^build-affected: .*--verbose.*posargs are --base"):
        affected_options("build-affected", ["--verbose"])


def test_files_exclude_the_git_options() -> None:
    with pytest.raises(UsageError, match="--files names the changes itself"):
        affected_options("build-affected", ["--files", "core", "--base", "main"])


def test_a_leading_no_cache_is_noxgraphs_and_the_rest_are_the_sessions() -> None:
    assert without_no_cache(["--no-cache", "-x"]) == (["-x"], True)
    assert without_no_cache(["-x", "--no-cache"]) == (["-x", "--no-cache"], False)


def test_nox_command_lines_name_sessions_noxfile_posargs_and_listing() -> None:
    command = read_nox_command(
        ["-f", "ci/noxfile.py", "-s", "build-affected", "test-lib", "-j", "2", "--", "-x"], {}
    )
    assert command.sessions == ("build-affected", "test-lib")
    assert command.noxfile == "ci/noxfile.py"
    assert command.posargs == ("-x",)
    assert not command.listing
    assert read_nox_command(["-l"], {"NOXSESSION": "a,b"}).sessions == ("a", "b")
    assert read_nox_command(["-l"], {}).listing


def test_affected_packages_run_in_order_and_their_upstream_only_skips() -> None:
    chosen = select(DECLARED, "build", ["app", "lib"], "not affected since main")
    assert chosen.run == ("build-lib", "build-app")
    assert chosen.skip == {"build-core": "not affected since main"}
    assert "build-tool" not in chosen.skip
    assert chosen.summary == (
        "build: 2 affected sessions, 1 upstream session queued only to skip"
        " (not affected since main)"
    )


def test_nothing_affected_runs_nothing_and_says_so() -> None:
    chosen = select(DECLARED, "build", [], "not affected")
    assert chosen.run == () and chosen.skip == {}
    assert chosen.summary == "build: no package is affected; nothing to do"
    unread = select(DECLARED, "build", [], "not affected", unread=["sdk/python/kfp.py"])
    assert unread.summary == (
        "build: no package is affected; nothing to do (1 changed file in setuptools projects"
        " noxgraph does not read, counted for nothing: sdk/python/kfp.py)"
    )


def test_affected_packages_without_a_session_of_the_task_are_named() -> None:
    chosen = select(DECLARED, "test", ["app", "core"], "not affected")
    assert chosen.run == () and chosen.skip == {}
    assert chosen.summary == (
        "test: 2 packages affected (app, core), none with a test session; nothing to do"
    )


def test_a_selection_survives_the_trip_to_the_worker_processes() -> None:
    environ: dict[str, str] = {}
    chosen = select(DECLARED, "build", ["lib"], "not affected", ["-x"], cache=False)
    save([chosen], environ)
    assert saved(environ) == [chosen]
    assert saved({ENV_SELECTION: "{not json"}) is None
    assert saved({ENV_SELECTION: '[{"task": 1}]'}) is None
    assert saved({}) is None
    assert Selection.decode(chosen.encode()) == chosen


def test_the_reason_names_every_base() -> None:
    assert not_affected_reason(["main", None, "develop", "main"]) == (
        "not affected since develop, main"
    )
    assert not_affected_reason([None]) == "not affected"
