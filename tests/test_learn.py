"""`rallyc learn` on real run histories: real `rallyc run`s (the shell backend, its agent reporting usage) in
temporary git repositories, then the learning loop over what they left in `.rally/runs`."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.runner.scripted import install_agent, make_repo, rallyc
from tests.terminal import on_posix, rallyc_on_terminal

# Three teammates on two models; every task estimates 10s and 10k tokens (17.5k with the subagent overhead).
# The agent takes a fraction of a second and reports usage: api and web tasks 35k tokens (2x the estimate),
# the review 12,250 (0.7x). The cap passes at the spec's figures ($0.49 of $0.70) and fails with the tokens
# learned ($0.7525).
TEAM = """\
rally: 1
team: {{name: shop, goal: Build the shop in parallel., runtime: claude-subagents}}
defaults: {{model: sonnet, estimate: 10s, tokens: 10k}}
budget: {{max_usd: 0.7}}
teammates:
  - name: api
    role: implementation
    owns: [src/api/**]
    tasks:
      - {{id: models, do: Write the models., done_when: [the models exist]}}
      - {{id: routes, do: Write the routes., done_when: [the routes exist]}}
  - name: web
    role: front end
    owns: [web/**]
    tasks:
      - {{id: pages, do: Write the pages., done_when: [the pages exist]}}
  - name: review
    role: quality review
    model: opus
    owns: [docs/review.md]
    tasks:
      - {{id: review, do: Review the work., after: [routes, pages], done_when: [a review is written]}}
{extra}run: {{backend: shell, retries: 0, shell: {shell}}}
"""

USAGE_SONNET = "input_tokens=30000 output_tokens=5000"
ACTIONS: dict[str, dict[str, Any]] = {
    "models": {"write": {"src/api/models.py": "M = 1\n"}, "sleep": 0.1, "usage": USAGE_SONNET},
    "routes": {"write": {"src/api/routes.py": "R = 1\n"}, "sleep": 0.1, "usage": USAGE_SONNET},
    "pages": {"write": {"web/index.html": "<p>shop</p>\n"}, "sleep": 0.1, "usage": USAGE_SONNET},
    "review": {"write": {"docs/review.md": "fine\n"}, "sleep": 0.3, "usage": "input_tokens=10000 output_tokens=2250"},
    "flaky": {"exit": 1},
}
FLAKY = """\
  - name: flaky
    role: tests
    model: haiku
    owns: [tests/**]
    tasks:
      - {id: flaky, do: Write the tests., done_when: [the tests pass]}
"""


def make_team(root: Path, *, partial: bool = False) -> tuple[Path, Path]:
    """A repository with the spec; (repo, spec). With `partial`, a teammate whose task always fails and a team
    check that fails too: runs graded below B."""
    repo = make_repo(root / "repo")
    shell = install_agent(root / "agent", ACTIONS)
    text = TEAM.format(extra=FLAKY + 'verify: ["false"]\n' if partial else "", shell=json.dumps(shell))
    spec = repo / "team.rally.yaml"
    spec.write_text(text)
    return repo, spec


def run_team(repo: Path, *args: str) -> None:
    runs = repo / ".rally" / "runs"
    before = len(list(runs.iterdir())) if runs.is_dir() else 0
    code, _, stderr = rallyc("run", str(repo / "team.rally.yaml"), *args)
    assert code in (0, 1) and len(list(runs.iterdir())) == before + 1, stderr


def history(root: Path, runs: int, *, partial: bool = False) -> Path:
    repo, _ = make_team(root, partial=partial)
    for _ in range(runs):
        run_team(repo)
    return repo


@pytest.fixture(scope="module")
def histories(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Built once: two passing runs, then a third (graded A); and three partial runs (graded C at most)."""
    root = tmp_path_factory.mktemp("histories")
    two = history(root / "two", 2)
    three = root / "three"
    shutil.copytree(root / "two", three, symlinks=True)
    run_team(three / "repo")
    return {"two": two, "three": three / "repo", "partial": history(root / "partial", 3, partial=True)}


@pytest.fixture
def fresh(histories: dict[str, Path], tmp_path: Path) -> Iterator[Any]:
    """A copy of a history to change: the module's histories stay as built."""

    def copy(name: str) -> Path:
        shutil.copytree(histories[name].parent, tmp_path / name, symlinks=True)
        return tmp_path / name / "repo"

    yield copy


def learn(repo: Path, *args: str) -> tuple[int, str, str]:
    return rallyc("learn", str(repo / "team.rally.yaml"), *args)


def learn_json(repo: Path, *args: str) -> tuple[int, dict[str, Any]]:
    code, out, err = learn(repo, "--json", *args)
    assert out, err
    found: dict[str, Any] = json.loads(out)
    return code, found


def proposed(doc: dict[str, Any]) -> list[str]:
    return [item["label"] for item in doc["parameters"] if item["proposed"] is not None]


def journal(repo: Path) -> bytes:
    return (repo / ".agents" / "rally.md").read_bytes()


# ---- the 3-data-point rule, the 3-change cap ------------------------------------------------------


def test_two_runs_change_nothing(fresh: Any) -> None:
    repo = fresh("two")
    code, doc = learn_json(repo)
    assert code == 0 and doc["runs"]["used"] == 2
    assert doc["parameters"] and not proposed(doc)
    assert {item["reason"] for item in doc["parameters"]} == {"2 runs: 3 needed"}
    before = journal(repo)
    code, out, _ = learn(repo, "--apply", "--approve")
    assert code == 0 and "Nothing to apply" in out
    assert not (repo / ".agents" / "rally-learned.json").exists() and journal(repo) == before


def test_a_third_run_proposes_at_most_three_changes_largest_errors_first(fresh: Any) -> None:
    repo = fresh("three")
    code, doc = learn_json(repo)
    assert code == 0 and doc["runs"]["used"] == 3
    eligible = [item for item in doc["parameters"] if item["runs"] >= 3 and abs(item["observed"] - 1) >= 0.1]
    assert len(eligible) == 5  # duration x2 models, tokens x2 models, coordination
    changes = [item for item in doc["parameters"] if item["proposed"] is not None]
    assert len(changes) == 3
    errors = [abs(item["current"] / item["observed"] - 1) for item in doc["parameters"]]
    assert errors[:3] == sorted(errors[:3], reverse=True) and min(errors[:3]) >= max(errors[3:])
    assert {item["reason"] for item in doc["parameters"][3:]} == {"beyond the 3 changes a session may make"}
    tokens = {item["model"]: item for item in doc["parameters"] if item["parameter"] == "tokens"}
    assert tokens["sonnet"]["observed"] == pytest.approx(2.0) and tokens["opus"]["observed"] == pytest.approx(0.7)


def test_the_next_session_proposes_what_the_cap_held_back(fresh: Any) -> None:
    repo = fresh("three")
    assert learn(repo, "--apply", "--approve")[0] == 0
    _, doc = learn_json(repo)
    assert sorted(proposed(doc)) == ["token factor, opus on claude-subagents", "token factor, sonnet on claude-subagents"]
    applied = {item["label"] for item in doc["parameters"] if item["reason"] == "within 10% of the current value"}
    assert len(applied) == 3


# ---- approval --------------------------------------------------------------------------------------


def test_runs_graded_b_or_better_need_approval_and_nothing_is_written_without(fresh: Any) -> None:
    repo = fresh("three")
    before = journal(repo)
    code, doc = learn_json(repo, "--apply")
    assert code == 1 and doc["needs_approval"] and doc["applied"] is False
    assert {item["grade"] for item in doc["parameters"]} <= {"A", "B"}
    code, out, _ = learn(repo, "--apply")
    assert code == 1 and "Nothing written" in out and "--approve" in out
    assert not (repo / ".agents" / "rally-learned.json").exists() and journal(repo) == before
    code, out, _ = learn(repo, "--apply", "--approve")
    assert code == 0 and "Applied 3 change(s)" in out
    entry = journal(repo)[len(before):].decode()
    assert "learn: 3 change(s) applied" in entry and "Approved (--approve)" in entry


ASK = "Apply the 3 change(s) to estimates of runs graded B or better? [y/N]: "


@on_posix
def test_on_a_terminal_it_shows_the_proposal_and_asks_for_the_approval(fresh: Any) -> None:
    repo = fresh("three")
    code, shown = rallyc_on_terminal(repo, "learn", "--apply", answers=[(ASK, "n\r")])
    assert code == 1 and shown.index("What it changes for") < shown.index(ASK) < shown.index("Nothing written")
    assert not (repo / ".agents" / "rally-learned.json").exists()
    code, shown = rallyc_on_terminal(repo, "learn", "--apply", answers=[(ASK, "y\r")])
    assert code == 0 and "Applied 3 change(s)" in shown
    assert "Approved (a yes on the terminal)" in journal(repo).decode()


def test_runs_graded_below_b_are_adapted_without_approval(fresh: Any) -> None:
    repo = fresh("partial")
    code, doc = learn_json(repo)
    assert {run["status"] for run in doc["evaluation"]} == {"partial"}
    assert not doc["needs_approval"] and proposed(doc)
    code, out, _ = learn(repo, "--apply")
    assert code == 0 and "Applied" in out
    assert "Approved" not in journal(repo).decode()


# ---- what the learned values change, and rollback ---------------------------------------------------


def outputs(repo: Path, *extra: str) -> dict[str, str]:
    """Everything that estimates, as text: lint (JSON), explain, and compile's plan.json and lead.md."""
    spec = str(repo / "team.rally.yaml")
    out = repo.parent / "build"
    code, _, err = rallyc("compile", spec, "-o", str(out), *extra)
    assert code == 0, err
    return {"lint": rallyc("lint", "--format", "json", spec, *extra)[1], "explain": rallyc("explain", spec, *extra)[1],
            "plan.json": (out / "plan.json").read_text(), "lead.md": (out / "lead.md").read_text()}  # fmt: skip


def test_applied_values_change_every_estimate_and_rollback_restores_them_byte_for_byte(fresh: Any) -> None:
    repo = fresh("three")
    before = outputs(repo)
    assert learn(repo, "--apply", "--approve")[0] == 0
    first = (repo / ".agents" / "rally-learned.json").read_bytes()
    after_first = outputs(repo)
    assert all(after_first[name] != before[name] for name in before)
    plan = json.loads(after_first["plan.json"])
    assert {item["parameter"] for item in plan["learned"]["values"]} == {"duration", "coordination"}
    assert all(item["runs"] == 3 for item in plan["learned"]["values"])
    assert "Estimates use learned values" in after_first["explain"] and "past runs showed" in after_first["lead.md"]
    assert outputs(repo, "--no-learned") == before
    assert learn(repo, "--apply", "--approve")[0] == 0  # the token factors: the estimate is over the cap now
    code, out, _ = rallyc("lint", "--format", "json", str(repo / "team.rally.yaml"))
    assert code == 1 and "RY402" in {item["code"] for item in json.loads(out)["diagnostics"]}
    assert rallyc("lint", "--no-learned", str(repo / "team.rally.yaml"))[0] == 0
    assert learn(repo, "--rollback")[0] == 0
    assert (repo / ".agents" / "rally-learned.json").read_bytes() == first
    assert outputs(repo) == after_first
    code, out, _ = learn(repo, "--rollback")
    assert code == 0 and "no learned values" in out
    assert not (repo / ".agents" / "rally-learned.json").exists()
    assert outputs(repo) == before
    code, _, err = learn(repo, "--rollback")
    assert code == 2 and "nothing to roll back" in err
    assert journal(repo).decode().count("learn: rollback") == 2


def test_the_proposal_shows_what_it_changes_for_the_spec(fresh: Any) -> None:
    repo = fresh("three")
    assert learn(repo, "--apply", "--approve")[0] == 0
    code, out, _ = learn(repo)
    assert code == 0
    rows = {line.split("  ")[0]: line.split() for line in out[out.index("parameter"):].splitlines()}
    assert rows["token factor, sonnet on claude-subagents"][-5:] == ["3", "1", "2", "(2-2)", "2"]
    assert rows["duration factor, sonnet"][-7:] == ["-", "within", "10%", "of", "the", "current", "value"]
    verdicts = {line.split()[0]: line.split()[1:] for line in out.splitlines() if line.strip().startswith("RY4")}
    assert verdicts["RY402"] == ["pass", "error"]
    _, doc = learn_json(repo)
    assert doc["outlook"]["now"]["verdicts"]["RY402"] == "pass"
    assert doc["outlook"]["with_proposal"]["verdicts"]["RY402"] == "error"
    assert doc["outlook"]["with_proposal"]["usd"] == pytest.approx(0.7525, abs=0.01)


# ---- bad files and old reports ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("content", "said"),
    [
        ("{\n  \"version\": 1,\n  oops\n}\n", "rally-learned.json:3:3: learned values are not valid JSON"),
        ('{"generator": "rallyc", "version": 2, "values": []}', "written by a newer rallyc (format version 2"),
        ('{"generator": "rallyc", "version": 1, "values": [{"parameter": "tokens", "value": 2}]}',
         "`values[0]` without its model and runtime"),
        ('{"generator": "rallyc", "version": 1, "values": [{"parameter": "duration", "model": "x", "value": -1}]}',
         "`values[0].value` that is not a positive number"),
        ("[]", "not a rallyc learned-values file"),
    ],
)
def test_a_learned_file_rallyc_cannot_read_is_a_clear_error_naming_it(tmp_path: Path, content: str, said: str) -> None:
    repo, spec = make_team(tmp_path)
    (repo / ".agents").mkdir()
    (repo / ".agents" / "rally-learned.json").write_text(content)
    for command in (["lint"], ["explain"], ["compile", "--check"], ["learn"], ["run", "--dry-run"]):
        code, out, err = rallyc(*command, str(spec))
        assert code == 2, (command, out, err)
        assert said in out + err and "Traceback" not in err + out
    assert rallyc("lint", "--no-learned", str(spec))[0] in (0, 1)
    assert rallyc("explain", "--no-learned", str(spec))[0] == 0


def test_reports_from_older_or_newer_rallyc_and_unfinished_runs_are_skipped_with_a_count(fresh: Any) -> None:
    repo = fresh("three")
    runs = sorted((repo / ".rally" / "runs").iterdir())
    older = json.loads((runs[0] / "report.json").read_text())
    del older["tes"]
    (runs[0] / "report.json").write_text(json.dumps(older))
    newer = json.loads((runs[1] / "report.json").read_text())
    (runs[1] / "report.json").write_text(json.dumps({**newer, "version": 2}))
    plan = json.loads((runs[2] / "plan.json").read_text())
    del plan["tasks"][0]["estimate_seconds"]
    (runs[2] / "plan.json").write_text(json.dumps(plan))
    shutil.copytree(runs[2], runs[2].with_name(runs[2].name[:-4] + "ffff"))
    (runs[2].with_name(runs[2].name[:-4] + "ffff") / "report.json").unlink()
    code, out, err = learn(repo)
    assert code == 0 and "Traceback" not in out + err
    assert "0 finished runs" in out
    assert "skipped 1 unfinished (no report, or interrupted), 2 from an older rallyc or with missing fields, " \
           "1 from a newer rallyc" in out
    _, doc = learn_json(repo)
    assert doc["runs"] == {"used": 0, "unfinished": 1, "outdated": 2, "newer": 1, "untrue": 0}
    assert [item["run"] for item in doc["skipped"]] == [f".rally/runs/{run.name}" for run in [*runs, runs[2].with_name(
        runs[2].name[:-4] + "ffff")]]  # fmt: skip


# ---- overrides in the journal, resume with changed learned values ----------------------------------


def test_a_run_records_the_users_overrides_in_the_journal_and_the_report(tmp_path: Path) -> None:
    repo, spec = make_team(tmp_path)
    text = spec.read_text().replace("budget: {max_usd: 0.7}", "budget: {max_usd: 0.7}\nlint: {ignore: [RY304]}")
    text = text.replace("  - name: web\n", "  - name: web   # rallyc: ignore[RY302] the web needs its own\n")
    text = text.replace("runtime: claude-subagents}", "runtime: claude-subagents,\n  size_justification: one each}")
    spec.write_text(text.replace("backend: shell", "backend: claude"))
    code, _, err = rallyc("run", str(spec), "--backend", "shell", "--max-usd", "2", "--concurrency", "1")
    assert code == 0, err
    entry = journal(repo).decode().rsplit("\n## ", 1)[1]
    line = next(line for line in entry.splitlines() if line.startswith("- Overrides: "))
    for said in ("--max-usd $2.00 (budget.max_usd: $0.70)", "--concurrency 1 (spec: 3)",
                 "--backend shell (run.backend: claude)", "team.size_justification for 3 teammates: one each",
                 "line 14 `# rallyc: ignore[RY302] the web needs its own`", "lint.ignore [RY304]"):  # fmt: skip
        assert said in line
    report = json.loads(next((repo / ".rally" / "runs").iterdir()).joinpath("report.json").read_text())
    assert "--concurrency 1 (spec: 3)" in report["overrides"]
    _, doc = learn_json(repo)
    assert "--concurrency 1 (spec: 3)" in doc["evaluation"][0]["overrides"]


def test_a_run_without_overrides_says_so(fresh: Any) -> None:
    assert "- Overrides: none" in journal(fresh("two")).decode()


def test_a_resumed_run_estimates_with_the_values_it_started_with(tmp_path: Path) -> None:
    repo, spec = make_team(tmp_path, partial=True)
    run_team(repo)
    started = next((repo / ".rally" / "runs").iterdir())
    learned = {"generator": "rallyc", "version": 1, "snapshots": [],
               "values": [{"parameter": "duration", "model": "sonnet", "value": 3, "data_points": []}]}  # fmt: skip
    (repo / ".agents" / "rally-learned.json").write_text(json.dumps(learned))  # the estimates change under the run
    assert "duration factor, sonnet x3" in rallyc("explain", str(spec))[1]
    fixed = {**ACTIONS, "flaky": {"write": {"tests/test_shop.py": "ok = 1\n"}}}
    (tmp_path / "agent" / "actions.json").write_text(json.dumps(fixed))
    code, _, err = rallyc("run", str(spec), "--resume", started.name)
    assert code == 1 and "changed" not in err, err  # the team check still fails; the run went on
    resumed = json.loads((started / "report.json").read_text())
    assert next(task for task in resumed["tasks"] if task["id"] == "flaky")["status"] == "done"
    assert resumed["learned"] == [] and "learned" not in json.loads((started / "plan.json").read_text())
    code, out, _ = rallyc("run", str(spec), "--dry-run")
    assert code == 0 and "duration factor, sonnet x3" in out  # a new run uses them


def test_usage_errors(tmp_path: Path) -> None:
    repo, spec = make_team(tmp_path)
    for args in (["--apply", "--rollback"], ["--approve"], ["--apply", "--no-learned"]):
        code, _, err = rallyc("learn", str(spec), *args)
        assert code == 2 and "Usage" in err
