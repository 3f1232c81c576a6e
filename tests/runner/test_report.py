"""TES arithmetic, the run status, the coloured graph and report validity, on hand-made states."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest

from rallyc.compile import lint_clean
from rallyc.documents import handoff
from rallyc.plan import Plan
from rallyc.runner.compiled import compile_for_run
from rallyc.runner.report import (
    coloured_graph,
    report_document,
    report_markdown,
    run_status,
    tes,
)
from rallyc.runner.state import Check, Conflict, RunState, TaskState, Violation
from rallyc.tes import grade_of
from tests.conftest import ROOT, SMALL_SPEC

SPEC = SMALL_SPEC.replace("{id: pages, do: Add the pages., estimate: 20m, verify: [npm test]}",
                          "{id: pages, do: Add the pages., estimate: 20m, verify: [npm test]}\n"
                          "      - {id: more-pages, do: Add more pages., estimate: 20m, tokens: 50k}")  # fmt: skip


@pytest.fixture
def plan(write_spec) -> Plan:  # type: ignore[no-untyped-def]
    lowered, _ = compile_for_run(lint_clean(write_spec(SPEC)), "claude-subagents")
    return lowered


def state_for(plan: Plan, **changes: object) -> RunState:
    state = RunState(run_id="small-20260101T000000Z-abcd", team="small", spec="team.rally.yaml", top="/r", prefix="",
                     base="HEAD", base_commit="a" * 40, backend="shell", concurrency=2, retries=1, max_usd=40,
                     max_tokens=None, tasks={t.id: TaskState(t.id, t.teammate) for t in plan.tasks})  # fmt: skip
    for key, value in changes.items():
        setattr(state, key, value)
    return state


def test_tes_follows_the_formula(plan: Plan) -> None:
    # 3 tasks; planned speedup = (20+20+20)m / 40m = 1.5
    assert plan.speedup == pytest.approx(1.5)
    state = state_for(plan, task_wall_s=10.0)
    routes, pages, more = (state.tasks[i] for i in ("routes", "pages", "more-pages"))
    routes.status, routes.duration_s, routes.attempts, routes.input_tokens = "done", 6.0, 2, 600_000
    pages.status, pages.duration_s, pages.attempts, pages.escalations = "done", 4.0, 1, 1
    more.status, more.duration_s, more.attempts = "failed", 2.0, 1
    state.violations = [Violation("more-pages", 1, ["src/x"], [], "violations/more-pages.1.patch")]
    state.conflicts = [Conflict("fan-in", "web", ["web/a"])]
    state.checks = [Check("pytest -q", "routes", 0), Check("npm test", "pages", 1), Check("npm test", "pages", 0),
                    Check("make", "team", 0)]  # fmt: skip
    score = tes(plan, state)
    parallel = min(1, (12 / 10) / 1.5)  # 0.8
    economy = 2 / 3 * min(1, plan.budget.estimated_tokens / 600_000)  # estimate 350k x 1.75 = 612.5k > used
    conflicts = 1 - 2 / 3
    integration = 3 / 4
    autonomy = 1 - (1 + 1) / 3
    expected = 0.3 * parallel + 0.2 * economy + 0.2 * conflicts + 0.2 * integration + 0.1 * autonomy
    assert score.parts == pytest.approx({"parallel_efficiency": 0.8, "task_economy": round(economy, 4),
                                         "conflict_prevention": round(conflicts, 4), "integration_quality": 0.75,
                                         "user_autonomy": round(autonomy, 4)}, abs=1e-4)  # fmt: skip
    assert score.score == pytest.approx(expected, abs=1e-4)
    assert score.grade == grade_of(expected) == "D"


def test_tes_edges(plan: Plan) -> None:
    state = state_for(plan)  # nothing ran: no wall time, no tokens, no checks
    score = tes(plan, state)
    assert score.parts == {"parallel_efficiency": 0.0, "task_economy": 0.0, "conflict_prevention": 1.0,
                           "integration_quality": 1.0, "user_autonomy": 1.0}  # fmt: skip
    state.violations = [Violation("routes", n, ["x"], [], "p") for n in range(1, 6)]
    state.tasks["routes"].attempts = 9
    assert tes(plan, state).parts["conflict_prevention"] == 0 and tes(plan, state).parts["user_autonomy"] == 0
    state.task_wall_s = 1.0
    state.tasks["routes"].duration_s = 100.0
    assert tes(plan, state).parts["parallel_efficiency"] == 1  # capped


@pytest.mark.parametrize(("score", "grade"), [(1.0, "A"), (0.9, "A"), (0.8999, "B"), (0.8, "B"), (0.7, "C"),
                                              (0.6, "D"), (0.5999, "F"), (0.0, "F")])  # fmt: skip
def test_grades(score: float, grade: str) -> None:
    assert grade_of(score) == grade


def test_status_words(plan: Plan) -> None:
    state = state_for(plan)
    assert run_status(plan, state) == "failed"
    for task in state.tasks.values():
        task.status = "done"
    assert run_status(plan, state) == "passed"
    state.checks = [Check("make", "team", 2)]
    assert run_status(plan, state) == "partial"
    state.checks = [Check("make", "routes", 2), Check("make", "routes", 0, 2)]  # a retried check that then passed
    assert run_status(plan, state) == "passed"
    state.conflicts = [Conflict("fan-in", "web", ["web/a"])]
    assert run_status(plan, state) == "partial"
    state.status = "interrupted"
    assert run_status(plan, state) == "interrupted"


def test_reports_are_valid_and_say_everything(plan: Plan) -> None:
    state = state_for(plan, task_wall_s=3.0, wall_s=4.0)
    state.tasks["routes"].status = "done"
    state.tasks["routes"].commit = "b" * 40
    state.tasks["pages"].status, state.tasks["pages"].reason = "failed", "check `npm test` exited 1"
    state.tasks["more-pages"].status, state.tasks["more-pages"].reason = "skipped", "after pages failed"
    doc = report_document(plan, state)
    jsonschema.validate(doc, json.loads((ROOT / "schemas" / "report.schema.json").read_text()))
    assert doc["status"] == "partial" and doc["counts"] == {"total": 3, "done": 1, "failed": 1, "skipped": 1}
    assert any("pages failed" in risk for risk in doc["risks"]) and "--resume" in doc["next_step"]
    text = report_markdown(plan, state, doc, "flowchart LR\n")
    for words in ("## Tasks", "## Team and ownership", "## Ownership violations", "## Checks", "## Fan-in",
                  "## Remaining risks", "## Recommended next step", "TES"):
        assert words in text
    handoff_text = handoff(plan, doc)
    assert "Status: PARTIAL" in handoff_text and "failed: `pages` (check `npm test` exited 1)" in handoff_text


def test_the_graph_is_coloured_by_outcome(plan: Plan) -> None:
    state = state_for(plan)
    state.tasks["routes"].status = "done"
    state.tasks["pages"].status = "failed"
    graph = coloured_graph("flowchart LR\n  t_routes[\"routes\"]\n", state)
    assert "class t_routes done" in graph and "class t_pages failed" in graph and "class t_more_pages pending" in graph
    assert graph.index("classDef done") < graph.index("class t_routes done")


def test_schema_is_a_valid_draft_7_schema() -> None:
    jsonschema.Draft7Validator.check_schema(json.loads((ROOT / "schemas" / "report.schema.json").read_text()))
    assert Path(ROOT / "rallyc" / "schemas" / "report.schema.json").is_file()  # shipped in the wheel
