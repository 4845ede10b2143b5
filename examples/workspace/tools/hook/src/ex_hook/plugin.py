"""The ex-hook hatchling build hook, registered through the ``hatch`` entry point.

Enable it in a project built with hatchling::

    [build-system]
    requires = ["hatchling>=1.26", "ex-hook>=1.0"]

    [tool.hatch.build.hooks.ex-hook]
    # module = "my_pkg"   # optional; derived from the project name by default

Standard wheels then contain ``<module>/_build_info.py`` (see render_build_info).
Sdists and editable wheels are left unchanged.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path
from typing import Any

from hatchling.builders.hooks.plugin.interface import BuildHookInterface
from hatchling.plugin import hookimpl

from ex_hook import BUILD_INFO_FILE, BUILT_BY, module_name, render_build_info

__all__ = ["ExHookBuildHook", "hatch_register_build_hook"]


class ExHookBuildHook(BuildHookInterface):  # type: ignore[type-arg]
    """Write ``_build_info.py`` to a temporary folder and force-include it in the wheel."""

    PLUGIN_NAME = BUILT_BY

    _tempdir: str | None = None

    def target_module(self) -> str:
        """The package that receives the generated module: option ``module`` or the project name."""
        configured = self.config.get("module")
        if configured is None:
            return module_name(self.metadata.name)
        if not isinstance(configured, str) or not configured.isidentifier():
            raise TypeError(
                f"option `module` of [tool.hatch.build.hooks.{self.PLUGIN_NAME}] "
                f"must be a module name, got {configured!r}"
            )
        return configured

    def initialize(self, version: str, build_data: dict[str, Any]) -> None:
        """Generate the module and add it to the wheel being built."""
        if self.target_name != "wheel" or version == "editable":
            return
        target = f"{self.target_module()}/{BUILD_INFO_FILE}"
        source = render_build_info(self.metadata.name, self.metadata.version)
        self._tempdir = tempfile.mkdtemp(prefix="ex-hook-")
        path = Path(self._tempdir) / BUILD_INFO_FILE
        path.write_text(source, encoding="utf-8")
        build_data["force_include"][str(path)] = target

    def finalize(self, version: str, build_data: dict[str, Any], artifact_path: str) -> None:
        """Remove the temporary folder once the wheel is written."""
        if self._tempdir is not None:
            shutil.rmtree(self._tempdir, ignore_errors=True)
            self._tempdir = None


@hookimpl
def hatch_register_build_hook() -> type[BuildHookInterface]:  # type: ignore[type-arg]
    """Register ExHookBuildHook with hatchling."""
    return ExHookBuildHook
