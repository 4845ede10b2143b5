"""Tests of the pure helpers of ex_hook."""

from __future__ import annotations

import ast

import pytest

from ex_hook import BUILT_BY, module_name, render_build_info


def test_render_build_info_is_valid_python() -> None:
    source = render_build_info("ex-app", "1.2.3")
    ast.parse(source)
    namespace: dict[str, object] = {}
    exec(compile(source, "_build_info.py", "exec"), namespace)
    assert namespace["BUILT_BY"] == BUILT_BY == "ex-hook"
    assert namespace["PROJECT"] == "ex-app"
    assert namespace["VERSION"] == "1.2.3"


def test_render_build_info_quotes_safely() -> None:
    namespace: dict[str, object] = {}
    exec(render_build_info("odd'name\"", "1.0"), namespace)
    assert namespace["PROJECT"] == "odd'name\""


def test_render_build_info_is_deterministic() -> None:
    assert render_build_info("ex-app", "1.0.0") == render_build_info("ex-app", "1.0.0")


@pytest.mark.parametrize(("project", "version"), [("", "1.0"), ("ex-app", "")])
def test_render_build_info_rejects_empty(project: str, version: str) -> None:
    with pytest.raises(ValueError, match="must not be empty"):
        render_build_info(project, version)


@pytest.mark.parametrize(
    ("project", "module"),
    [("ex-app", "ex_app"), ("Ex.App", "ex_app"), ("ex__app", "ex_app"), ("plain", "plain")],
)
def test_module_name(project: str, module: str) -> None:
    assert module_name(project) == module


def test_module_name_rejects_non_identifiers() -> None:
    with pytest.raises(ValueError, match="cannot derive"):
        module_name("1-app")
