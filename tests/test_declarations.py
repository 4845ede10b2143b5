"""Every place a package can declare a sibling becomes the right edge, with its details."""

from __future__ import annotations

from pathlib import Path

import pytest

from noxgraph.sessions.declarations import declare, start_order
from tests.helpers import edges, load, package, pyproject, write


def _uv_root(root: Path, members: str = '"libs/*"', extra: str = "") -> None:
    pyproject(root, ".", f"[tool.uv.workspace]\nmembers = [{members}]\n{extra}")


def test_pep621_dependencies_are_runtime_edges_with_specifier_extras_and_marker(
    tmp_path: Path,
) -> None:
    _uv_root(tmp_path)
    package(tmp_path, "libs/b", "b")
    package(tmp_path, "libs/a", "a", "B[fast,cli]>=1.0,<2 ; python_version >= '3.10'", "requests")
    _, graph = load(tmp_path)
    [edge] = graph.edges
    assert (edge.source, edge.target, edge.kind) == ("a", "b", "runtime")
    assert edge.specifier == "<2,>=1.0"
    assert edge.extras == ("cli", "fast")
    assert edge.marker == 'python_version >= "3.10"'
    assert edge.declared_in == "libs/a/pyproject.toml"
    assert edge.where == "[project].dependencies"


def test_optional_dependencies_are_optional_edges_and_remember_the_extra(tmp_path: Path) -> None:
    _uv_root(tmp_path)
    package(tmp_path, "libs/b", "b")
    package(
        tmp_path,
        "libs/a",
        "a",
        extra="""
        [project.optional-dependencies]
        Fast_Mode = ["b>=1"]
        all = ["b"]
    """,
    )
    _, graph = load(tmp_path)
    [edge] = graph.edges
    assert edge.kind == "optional"
    assert {d.group for d in edge.declarations} == {"fast-mode", "all"}
    assert edge.specifier == ">=1"


def test_dependency_groups_resolve_include_group(tmp_path: Path) -> None:
    _uv_root(tmp_path)
    package(tmp_path, "libs/b", "b")
    package(tmp_path, "libs/c", "c")
    package(
        tmp_path,
        "libs/a",
        "a",
        extra="""
        [dependency-groups]
        test = ["pytest", "b"]
        Dev = [{include-group = "test"}, "c"]
    """,
    )
    workspace, graph = load(tmp_path)
    assert {(e.target, e.kind) for e in graph.edges} == {("b", "group"), ("c", "group")}
    a = workspace.get("a")
    assert a is not None
    assert a.groups == ("test", "dev")
    groups_of_b = {d.group for d in a.declarations if d.name == "b"}
    assert groups_of_b == {"test", "dev"}


@pytest.mark.parametrize(
    ("groups", "message"),
    [
        (
            'a = [{include-group = "b"}]\nb = [{include-group = "a"}]',
            "[dependency-groups].a: include-group cycle: a -> b -> a",
        ),
        ('a = [{include-group = "missing"}]', "includes unknown group 'missing'"),
        ('a = "pytest"', "[dependency-groups].a: expected an array, got string 'pytest'"),
        ('a = [{include = "b"}]', "expected a string or {include-group = ...}"),
        ('a = ["x"]\nA = ["y"]', "duplicates group 'a'"),
    ],
)
def test_dependency_group_errors_name_file_table_and_value(
    tmp_path: Path, groups: str, message: str
) -> None:
    package(tmp_path, ".", "a", extra=f"[dependency-groups]\n{groups}\n")
    with pytest.raises(Exception, match=r"^pyproject\.toml: ") as info:
        load(tmp_path)
    assert message in str(info.value)


def test_build_system_requires_is_a_build_edge(tmp_path: Path) -> None:
    _uv_root(tmp_path)
    package(tmp_path, "libs/plugin", "plugin")
    pyproject(
        tmp_path,
        "libs/app",
        """
        [build-system]
        requires = ["hatchling", "plugin>=0.5"]
        build-backend = "hatchling.build"
        [project]
        name = "app"
        version = "1"
    """,
    )
    assert edges(tmp_path) == {("app", "plugin", "build")}


def test_poetry_tables_with_path_optional_extras_markers_groups_and_dev(tmp_path: Path) -> None:
    _uv_root(tmp_path)
    package(tmp_path, "libs/core", "core")
    package(tmp_path, "libs/extra", "extra-lib")
    package(tmp_path, "libs/grp", "grp")
    package(tmp_path, "libs/old", "old")
    pyproject(
        tmp_path,
        "libs/poet",
        """
        [tool.poetry]
        name = "Poet"
        version = "2.1.0"
        [tool.poetry.dependencies]
        python = "^3.10"
        renamed-core = { path = "../core", develop = true }
        requests = "*"
        [tool.poetry.dependencies.extra-lib]
        version = "^1.2"
        optional = true
        extras = ["x"]
        markers = "os_name == 'posix'"
        [tool.poetry.extras]
        fancy = ["extra-lib"]
        [tool.poetry.group.test.dependencies]
        grp = [{ version = "<2", python = "<3.12" }, { version = ">=1" }]
        [tool.poetry.dev-dependencies]
        old = "~1.4"
    """,
    )
    workspace, graph = load(tmp_path)
    poet = workspace.get("poet")
    assert poet is not None
    assert (poet.display_name, poet.version) == ("Poet", "2.1.0")
    found = {(e.target, e.kind): e for e in graph.edges}
    assert set(found) == {
        ("core", "runtime"),
        ("extra-lib", "optional"),
        ("grp", "group"),
        ("old", "dev"),
    }
    optional = found["extra-lib", "optional"]
    assert optional.specifier == "<2,>=1.2"
    assert optional.extras == ("x",)
    assert optional.marker == 'os_name == "posix"'
    assert [d.group for d in optional.declarations] == ["fancy"]
    assert found["old", "dev"].specifier == "<1.5,>=1.4"
    assert found["grp", "group"].specifier == "<2,>=1"
    # The path names the folder of package "core", whatever the key says.
    assert any("is package 'core'" in note.message for note in graph.notes)


@pytest.mark.parametrize(
    ("constraint", "expected"),
    [
        ("^1.2.3", "<2,>=1.2.3"),
        ("^0.2.3", "<0.3,>=0.2.3"),
        ("^0.0.3", "<0.0.4,>=0.0.3"),
        ("~1.2.3", "<1.3,>=1.2.3"),
        ("~1", "<2,>=1"),
        ("1.4.0", "==1.4.0"),
        (">= 1.2, < 2", "<2,>=1.2"),
        (">=1.2 <2", "<2,>=1.2"),
        ("~=1.2", "~=1.2"),
        ("*", ""),
        # Pre- and post-releases, as langgraph's scheduler-kafka had ("crc32c = ^2.7.post1").
        ("^2.7.post1", "<3,>=2.7.post1"),
        ("^1.0b1", "<2,>=1.0b1"),
        ("~1.2rc1", "<1.3,>=1.2rc1"),
    ],
)
def test_poetry_constraints_become_pep440(tmp_path: Path, constraint: str, expected: str) -> None:
    package(tmp_path, "b", "b")
    pyproject(
        tmp_path,
        "a",
        f"""
        [tool.poetry]
        name = "a"
        [tool.poetry.dependencies]
        b = "{constraint}"
    """,
    )
    [edge] = load(tmp_path)[1].edges
    assert edge.specifier == expected


def test_poetry_or_constraint_is_kept_as_an_edge_and_reported(tmp_path: Path) -> None:
    package(tmp_path, "b", "b")
    pyproject(
        tmp_path, "a", '[tool.poetry]\nname = "a"\n[tool.poetry.dependencies]\nb = "^1 || ^2"\n'
    )
    [edge] = load(tmp_path)[1].edges
    assert edge.specifier == ""
    assert "has no PEP 440 form" in (edge.declarations[0].constraint_note or "")


def test_uv_and_pdm_dev_dependencies_are_dev_edges(tmp_path: Path) -> None:
    package(tmp_path, "libs/b", "b")
    package(tmp_path, "libs/c", "c")
    package(tmp_path, "libs/d", "d")
    package(
        tmp_path,
        "libs/a",
        "a",
        extra="""
        [tool.uv]
        dev-dependencies = ["b>=1"]
        [tool.pdm.dev-dependencies]
        lint = ["-e file:///${PROJECT_ROOT}/../c#egg=c", "-e ../d"]
    """,
    )
    assert edges(tmp_path) == {("a", "b", "dev"), ("a", "c", "dev"), ("a", "d", "dev")}


def test_pep508_file_urls_with_pdm_project_root_name_a_sibling_by_path(tmp_path: Path) -> None:
    package(tmp_path, "libs/folder-of-b", "b")
    package(tmp_path, "libs/a", "a", "b @ file:///${PROJECT_ROOT}/../folder-of-b")
    package(tmp_path, "libs/e", "e", "b @ file:../folder-of-b")
    assert edges(tmp_path) == {("a", "b", "runtime"), ("e", "b", "runtime")}


def test_uv_path_source_leads_to_the_folder_whatever_it_is_called(tmp_path: Path) -> None:
    _uv_root(tmp_path, '"libs/*", "vendor/*"')
    package(tmp_path, "vendor/bee-checkout", "bee")
    package(
        tmp_path,
        "libs/a",
        "a",
        "bee",
        extra="""
        [tool.uv.sources]
        bee = { path = "../../vendor/bee-checkout", editable = true }
        unused = { path = "../../vendor/bee-checkout" }
    """,
    )
    workspace, graph = load(tmp_path)
    [edge] = graph.edges
    assert (edge.target, edge.kind) == ("bee", "runtime")
    a = workspace.get("a")
    assert a is not None
    [decl] = a.declarations
    assert decl.source is not None and decl.source.kind == "path"


def test_a_uv_path_source_to_the_package_itself_says_no_edge_is_drawn(tmp_path: Path) -> None:
    _uv_root(tmp_path)
    package(tmp_path, "libs/e", "e")
    package(tmp_path, "libs/d", "d", "e", extra='[tool.uv.sources]\ne = { path = "." }\n')
    _, graph = load(tmp_path)
    assert graph.edges == ()
    [note] = graph.notes
    assert (note.code, note.file) == ("path-to-itself", "libs/d/pyproject.toml")
    assert note.message == (
        "[project].dependencies: declares 'e' but its path '.' ([tool.uv.sources].e) is this"
        " package's own folder; no edge is drawn"
    )


def test_uv_sources_are_inherited_from_the_workspace_root(tmp_path: Path) -> None:
    _uv_root(
        tmp_path,
        '"libs/*", "other/*"',
        extra="""
        [tool.uv.sources]
        core = { path = "other/core-src" }
    """,
    )
    package(tmp_path, "other/core-src", "core")
    package(tmp_path, "libs/a", "a", "core")
    workspace, graph = load(tmp_path)
    a = workspace.get("a")
    assert a is not None
    [decl] = a.declarations
    assert decl.source is not None and decl.source.where == "[tool.uv.sources].core"
    assert {(e.source, e.target) for e in graph.edges} == {("a", "core")}


def test_a_uv_source_with_no_declaration_behind_it_is_no_edge(tmp_path: Path) -> None:
    _uv_root(tmp_path)
    package(tmp_path, "libs/b", "b")
    package(tmp_path, "libs/a", "a", extra="[tool.uv.sources]\nb = { workspace = true }\n")
    assert edges(tmp_path) == set()


def test_a_member_named_with_a_git_url_is_an_edge_and_check_says_so(tmp_path: Path) -> None:
    _uv_root(tmp_path)
    package(tmp_path, "libs/b", "b")
    package(tmp_path, "libs/a", "a", "b @ git+https://example.com/b.git")
    _, graph = load(tmp_path)
    assert {(e.source, e.target) for e in graph.edges} == {("a", "b")}
    [note] = graph.notes
    assert note.severity == "info" and "taken from git" in note.message


def test_a_package_naming_itself_is_no_edge(tmp_path: Path) -> None:
    package(tmp_path, "a", "a", extra='[dependency-groups]\ntest = ["A[test]", "pytest"]\n')
    assert edges(tmp_path) == set()


def test_names_in_every_pep503_spelling_are_one_package(tmp_path: Path) -> None:
    _uv_root(tmp_path)
    package(tmp_path, "libs/b", "Foo.Bar_baz")
    package(tmp_path, "libs/a", "a", "foo-bar-BAZ", "FOO__bar.baz[x]")
    workspace, graph = load(tmp_path)
    assert workspace.names == ("a", "foo-bar-baz")
    [edge] = graph.edges
    assert edge.target == "foo-bar-baz" and len(edge.declarations) == 2


def test_static_version_is_read_and_dynamic_fields_are_recorded(tmp_path: Path) -> None:
    pyproject(tmp_path, "a", '[project]\nname = "a"\ndynamic = ["version", "dependencies"]\n')
    package(tmp_path, "b", "b")
    workspace, _ = load(tmp_path)
    a, b = workspace.get("a"), workspace.get("b")
    assert a is not None and b is not None
    assert (a.version, a.dynamic) == (None, ("version", "dependencies"))
    assert (b.version, b.dynamic) == ("1.0.0", ())


def test_declaring_a_sibling_twice_with_one_kind_is_one_merged_edge(tmp_path: Path) -> None:
    package(tmp_path, "b", "b")
    package(
        tmp_path, "a", "a", "b>=1 ; sys_platform == 'linux'", "b[x]<3 ; sys_platform == 'darwin'"
    )
    [edge] = load(tmp_path)[1].edges
    assert edge.specifier == "<3,>=1"
    assert edge.extras == ("x",)
    assert edge.marker == 'sys_platform == "linux" or sys_platform == "darwin"'


def test_non_sibling_path_sources_draw_no_edge_and_are_reported(tmp_path: Path) -> None:
    package(
        tmp_path,
        "ws/a",
        "a",
        "outside",
        "lost",
        extra="""
        [tool.uv.sources]
        outside = { path = "../../elsewhere" }
        lost = { path = "../not-a-member" }
    """,
    )
    write(tmp_path / "elsewhere" / "setup.py")
    (tmp_path / "ws" / "not-a-member").mkdir()
    _, graph = load(tmp_path / "ws")
    assert graph.edges == ()
    messages = sorted(note.message for note in graph.notes)
    assert "leads outside the workspace" in messages[0] + messages[1]
    assert (
        "[project].dependencies: path '../not-a-member' for 'lost' ([tool.uv.sources].lost)"
        " leads to a folder that is no member (not-a-member); no edge is drawn" in messages
    )


def test_a_path_given_in_its_declaration_is_not_named_twice(tmp_path: Path) -> None:
    pyproject(
        tmp_path,
        "a",
        '[tool.poetry]\nname = "a"\nversion = "1"\n\n'
        '[tool.poetry.group.ci.dependencies]\nlost = { path = "../not-a-member" }\n',
    )
    (tmp_path / "not-a-member").mkdir()
    [note] = load(tmp_path)[1].notes
    assert note.message == (
        "[tool.poetry.group.ci.dependencies].lost: path '../not-a-member' for 'lost' leads to a"
        " folder that is no member (not-a-member); no edge is drawn"
    )


def test_start_order_keeps_requires_and_puts_the_longest_chain_first(tmp_path: Path) -> None:
    _uv_root(tmp_path)
    for name, deps in {"a1": (), "w": (), "x": ("w",), "y": ("x",), "b": ("a1",)}.items():
        package(tmp_path, f"libs/{name}", name, *deps)
    sessions = declare(*load(tmp_path)).nox_sessions()
    names = [s.name for s in sessions if s.session.task == "build"]
    assert names[:2] == ["build-a1", "build-w"]
    # w, on which two sessions wait, first; then a1 and x (one each), in the given order.
    assert start_order(sessions, names) == [
        "build-w",
        "build-a1",
        "build-x",
        "build-b",
        "build-y",
    ]
    # A part of them: only those.
    assert start_order(sessions, ["build-y", "build-a1"]) == ["build-y", "build-a1"]
