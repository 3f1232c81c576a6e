from __future__ import annotations

from pathlib import Path

import pytest

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


@pytest.fixture
def write_spec(tmp_path: Path):  # type: ignore[no-untyped-def]
    """Write a spec into tmp_path and return its path."""

    def write(text: str, name: str = "team.rally.yaml") -> Path:
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        return path

    return write
