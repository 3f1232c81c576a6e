from __future__ import annotations

import subprocess
from collections.abc import Iterable, Mapping
from pathlib import Path

import pytest
from click.testing import CliRunner

from rallyc.cli import cli

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = sorted((ROOT / "specs" / "examples").glob("*.rally.yaml"))

SMALL_SPEC = """\
rally: 1
team: {name: small, goal: Add routes and tests in parallel.}
budget: {max_usd: 40}
teammates:
  - name: api
    role: implementation
    owns: [src/api/**]
    tasks:
      - {id: routes, do: Add the routes., estimate: 20m, verify: [pytest -q]}
  - name: web
    role: front end
    owns: [web/**]
    tasks:
      - {id: pages, do: Add the pages., estimate: 20m, verify: [npm test]}
"""


def position_of(text: str, value: str) -> tuple[int, int]:
    """Line and column (1-based) where `value` first appears in `text`."""
    before = text[: text.index(value)]
    return before.count("\n") + 1, len(before) - before.rfind("\n")


def rallyc(*args: str, env: Mapping[str, str] | None = None) -> tuple[int, str, str]:
    """The CLI in this process (fast); exit code, stdout, stderr."""
    result = CliRunner().invoke(cli, list(args), catch_exceptions=False, env=dict(env) if env else None)
    return result.exit_code, result.stdout, result.stderr


def git_index(root: Path, tracked: Iterable[str], untracked: Iterable[str] = (), text: str = "") -> Path:
    """A git work tree at `root` whose index holds `tracked` (what `git ls-files` lists; no commit needed),
    with `untracked` files beside them; every file holds `text`."""
    tracked = list(tracked)
    root.mkdir(parents=True, exist_ok=True)
    subprocess.run(["git", "init", "-q", str(root)], check=True)
    for name in [*tracked, *untracked]:
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text, encoding="utf-8")
    if tracked:
        subprocess.run(["git", "-C", str(root), "add", "--", *tracked], check=True)
    return root


@pytest.fixture
def write_spec(tmp_path: Path):  # type: ignore[no-untyped-def]
    """Write a spec into tmp_path and return its path."""

    def write(text: str, name: str = "team.rally.yaml") -> Path:
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        return path

    return write
