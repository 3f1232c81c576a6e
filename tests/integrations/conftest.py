"""Shared set-up for the tests that drive real tools (pre-commit, yaml-language-server, sarif-multitool).

The npm tools are pinned in tests/integrations/package.json and package-lock.json and installed by
`make test` (`npm ci --prefix tests/integrations`) before pytest starts; no test body touches the
network. Run outside `make test` without them, these tests skip and say how to install them.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

INTEGRATIONS = Path(__file__).resolve().parent
NODE_MODULES = INTEGRATIONS / "node_modules"
INSTALL_HINT = "run `npm ci --prefix tests/integrations` (make test does it)"


def node_package(name: str) -> Path:
    """The installed npm package folder, or skip when the test set-up has not installed it."""
    folder = NODE_MODULES / name
    missing = "node is not installed" if shutil.which("node") is None else None
    if missing is None and not (folder / "package.json").is_file():
        missing = f"npm package {name} is not installed: {INSTALL_HINT}"
    if missing and os.environ.get("CI"):
        pytest.fail(missing)  # CI installs them: a skip there would hide a broken set-up
    if missing:
        pytest.skip(missing)
    return folder


def git(*args: str, cwd: Path) -> str:
    """Run git with a fixed identity and no signing, whatever the user's config says."""
    command = ["git", "-c", "user.name=rallyc tests", "-c", "user.email=tests@rallyc.invalid",
               "-c", "commit.gpgsign=false", "-c", "init.defaultBranch=main", *args]  # fmt: skip
    env = {**os.environ, "GIT_CONFIG_NOSYSTEM": "1"}
    return subprocess.run(command, cwd=cwd, env=env, check=True, capture_output=True, text=True).stdout
