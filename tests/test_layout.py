"""The invariants ARCHITECTURE.md states, held to the code: imports run one way through
the stages, and only the command line (and, inside nox, the registry) prints or exits."""

from __future__ import annotations

import ast
from pathlib import Path

SOURCE = Path(__file__).resolve().parent.parent / "src" / "noxgraph"

#: The stages, in the order data flows through them.
STAGES = ("floor", "workspace", "graph", "changes", "sessions", "cli")


def _module(path: Path) -> str:
    parts = path.relative_to(SOURCE).with_suffix("").parts
    return ".".join(("noxgraph", *parts)).removesuffix(".__init__")


def _stage(module: str) -> str:
    parts = module.split(".")
    if len(parts) == 1:
        return "floor"
    if parts[1] in ("workspace", "changes", "sessions", "cli"):
        return parts[1]
    if parts[1] == "graph":
        return "graph"
    if parts[1] in ("nox", "__main__"):
        return "sessions" if parts[1] == "nox" else "cli"
    return "floor"


def _modules() -> dict[str, ast.Module]:
    return {_module(path): ast.parse(path.read_text()) for path in SOURCE.rglob("*.py")}


def _imported(node: ast.AST) -> list[str]:
    """The noxgraph modules an import statement names (``from noxgraph.x import y``,
    ``import noxgraph.x``)."""
    if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module is not None:
        names = [node.module]
    elif isinstance(node, ast.Import):
        names = [alias.name for alias in node.names]
    else:
        return []
    return [name for name in names if name == "noxgraph" or name.startswith("noxgraph.")]


def test_imports_run_one_way_through_the_stages() -> None:
    upward = []
    for module, tree in _modules().items():
        own = STAGES.index(_stage(module))
        for node in ast.walk(tree):
            for imported in _imported(node):
                if STAGES.index(_stage(imported)) > own:
                    upward.append(f"{module} imports {imported}")
    assert upward == []


def test_an_import_of_either_form_is_held_to_the_stages() -> None:
    both = ast.parse("import noxgraph.cli.main\nfrom noxgraph.sessions import plan\n")
    assert [name for node in ast.walk(both) for name in _imported(node)] == [
        "noxgraph.cli.main",
        "noxgraph.sessions",
    ]


def test_the_layout_has_every_stage_and_no_loose_modules() -> None:
    loose = sorted(path.name for path in SOURCE.glob("*.py"))
    assert loose == [
        "__init__.py",
        "__main__.py",
        "_files.py",
        "_git.py",
        "_names.py",
        "_text.py",
        "errors.py",
        "generated.py",
        "graph.py",
        "kinds.py",
        "nox.py",
    ]
    for stage in ("workspace", "changes", "sessions", "cli"):
        assert (SOURCE / stage / "__init__.py").is_file()


def _prints_or_exits(tree: ast.Module) -> list[str]:
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            name = ast.unparse(node.func)
            if name in ("print", "sys.exit", "exit", "os._exit") or name.startswith(
                ("sys.stdout.", "sys.stderr.")
            ):
                found.append(f"line {node.lineno}: {name}")
        if isinstance(node, ast.Raise) and node.exc is not None:
            raised = node.exc.func if isinstance(node.exc, ast.Call) else node.exc
            if ast.unparse(raised) == "SystemExit":
                found.append(f"line {node.lineno}: raise SystemExit")
    return found


def test_only_the_command_line_and_the_registry_print_or_exit() -> None:
    allowed = ("noxgraph.cli", "noxgraph.__main__", "noxgraph.sessions.registry")
    offenders = {
        module: found
        for module, tree in _modules().items()
        if not module.startswith(allowed) and (found := _prints_or_exits(tree))
    }
    assert offenders == {}
