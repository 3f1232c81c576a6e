"""`lint --fix` in rounds gives exactly what taking one fix at a time gives, with one lint per round.

Random small teams (reads that race, `after` chains, flow and block layouts,
misspelled keys, globs with `**` inside a segment, suppressed races) are fixed
both ways and must come out byte for byte the same, with the same fixes applied
and refused in the same order.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rallyc.config import Settings
from rallyc.fix import FileFix, fix_text
from rallyc.fix import state as fix_state
from tests.conftest import ROOT

sys.path.insert(0, str(ROOT / "bench"))
from fix_speed import wide_spec  # noqa: E402  (the benchmark's spec: every teammate reads everything)

NO_REPO = Settings(repo=False)


def both_ways(text: str, tmp_path: Path) -> tuple[FileFix, FileFix]:
    path = tmp_path / "team.rally.yaml"
    return fix_text(path, "team.rally.yaml", text, NO_REPO), fix_text(path, "team.rally.yaml", text, NO_REPO, in_rounds=False)


@st.composite
def teams(draw: Any) -> str:
    """A small team whose fixes interact: races ordered by `after`, refusals, renames and glob fixes."""
    size = draw(st.integers(2, 5), label="teammates")
    globs = [f"src/m{i}/**" for i in range(size)] + ["**", "docs/**", "src/**"]
    lines = ["rally: 1", "team: {name: t, goal: Do it all at once.}", "budget: {max_usd: 1000}"]
    if draw(st.booleans(), label="reads in defaults"):
        lines.append(f"defaults: {{reads: ['{draw(st.sampled_from(globs))}']}}")
    lines.append("teammates:")
    earlier: list[str] = []
    for i in range(size):
        owns = f"src/m{i}/**" if draw(st.integers(0, 4)) else f"src/m{i}/**.py"  # RY004 with a fix
        lines += [f"  - name: m{i}", f"    role: role {i}", f"    owns: ['{owns}']"]
        reads = draw(st.lists(st.sampled_from(globs), max_size=2, unique=True), label="reads")
        if reads:
            key = "reds" if not draw(st.integers(0, 5)) else "reads"  # RY002 with a rename fix
            silence = "  # rallyc: ignore[RY201]" if not draw(st.integers(0, 5)) else ""
            lines.append(f"    {key}: [{', '.join(repr(r) for r in reads)}]{silence}")
        lines.append("    tasks:")
        for k in range(draw(st.integers(1, 3), label="tasks")):
            task = f"t{i}{k}"
            after = draw(st.lists(st.sampled_from(earlier), max_size=1), label="after") if earlier else []
            waits = f", after: [{after[0]}]" if after else draw(st.sampled_from(["", ", after: []"]))
            state = ", shared_state: [db]" if not draw(st.integers(0, 4)) else ""
            if draw(st.booleans(), label="flow task"):
                lines.append(f"      - {{id: {task}, do: Task {task}.{waits}{state}, estimate: 10m}}")
            else:
                lines += [f"      - id: {task}", f"        do: Task {task}."]
                lines += [f"        after:\n          - {after[0]}"] if after else []
            earlier.append(task)
    newline = "\r\n" if draw(st.booleans(), label="CRLF") else "\n"
    return newline.join(lines) + newline


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(teams())
def test_rounds_give_what_one_fix_at_a_time_gives(tmp_path: Path, text: str) -> None:
    in_rounds, one_by_one = both_ways(text, tmp_path)
    assert in_rounds == one_by_one, text


@pytest.mark.parametrize("teammates", [3, 8])
def test_every_teammate_reading_everything(teammates: int, tmp_path: Path) -> None:
    in_rounds, one_by_one = both_ways(wide_spec(teammates), tmp_path)
    assert in_rounds == one_by_one
    pairs = teammates * (teammates - 1) // 2
    assert len(in_rounds.applied) == pairs - 1  # the last would chain every task into one line (RY206)


def test_a_round_takes_one_lint(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """16 teammates need 119 fixes: one lint before, one for the round, and one for each of the two refusals."""
    calls = []
    real = fix_state.lint_state

    def counted(*args: Any) -> fix_state.State:
        calls.append(1)
        return real(*args)

    for module in ("rallyc.fix.state", "rallyc.fix.rounds", "rallyc.fix"):
        monkeypatch.setattr(f"{module}.lint_state", counted, raising=False)
    result = fix_text(tmp_path / "team.rally.yaml", "team.rally.yaml", wide_spec(16), NO_REPO)
    assert len(result.applied) == 119
    assert len(calls) == 4, len(calls)
