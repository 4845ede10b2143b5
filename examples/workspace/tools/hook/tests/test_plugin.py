"""Tests of the hatchling plugin of ex_hook, with a minimal fake of hatchling's inputs."""

from __future__ import annotations

from importlib.metadata import entry_points
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from ex_hook import plugin
from ex_hook.plugin import ExHookBuildHook, hatch_register_build_hook


def make_hook(
    tmp_path: Path, target: str = "wheel", config: dict[str, Any] | None = None
) -> ExHookBuildHook:
    metadata = SimpleNamespace(name="ex-app", version="1.0.0")
    return ExHookBuildHook(
        root=str(tmp_path),
        config=config or {},
        build_config=None,
        metadata=metadata,  # type: ignore[arg-type]
        directory=str(tmp_path / "dist"),
        target_name=target,
    )


def test_registered_with_hatchling() -> None:
    assert hatch_register_build_hook() is ExHookBuildHook
    assert ExHookBuildHook.PLUGIN_NAME == "ex-hook"
    found = [ep for ep in entry_points(group="hatch") if ep.name == "ex-hook"]
    assert [ep.value for ep in found] == ["ex_hook.plugin"]
    assert found[0].load() is plugin


def test_wheel_gets_build_info(tmp_path: Path) -> None:
    hook = make_hook(tmp_path)
    build_data: dict[str, Any] = {"force_include": {}}
    hook.initialize("standard", build_data)
    [(source, target)] = build_data["force_include"].items()
    assert target == "ex_app/_build_info.py"
    namespace: dict[str, object] = {}
    exec(Path(source).read_text(encoding="utf-8"), namespace)
    assert namespace["BUILT_BY"] == "ex-hook"
    assert namespace["VERSION"] == "1.0.0"
    hook.finalize("standard", build_data, str(tmp_path / "x.whl"))
    assert not Path(source).exists()


def test_module_option(tmp_path: Path) -> None:
    hook = make_hook(tmp_path, config={"module": "other_pkg"})
    build_data: dict[str, Any] = {"force_include": {}}
    hook.initialize("standard", build_data)
    assert list(build_data["force_include"].values()) == ["other_pkg/_build_info.py"]
    hook.finalize("standard", build_data, "")


def test_bad_module_option(tmp_path: Path) -> None:
    hook = make_hook(tmp_path, config={"module": "not a module"})
    with pytest.raises(TypeError, match="must be a module name"):
        hook.initialize("standard", {"force_include": {}})
    hook.finalize("standard", {}, "")


@pytest.mark.parametrize(("target", "version"), [("sdist", "standard"), ("wheel", "editable")])
def test_other_builds_unchanged(tmp_path: Path, target: str, version: str) -> None:
    hook = make_hook(tmp_path, target=target)
    build_data: dict[str, Any] = {"force_include": {}}
    hook.initialize(version, build_data)
    assert build_data["force_include"] == {}
