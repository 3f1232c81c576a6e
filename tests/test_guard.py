"""`rallyc guard` fed the hook input the runtimes document, on a team installed into a real repository.

Inputs are built with the fields the documentation lists for each event
(code.claude.com/docs/en/hooks: "Common input fields", "PreToolUse input",
"SubagentStop input", "TaskCompleted input"; Codex: openai/codex
codex-rs/hooks/src/events/pre_tool_use.rs, `command_input_json`).
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path
from typing import Any

import pytest

from rallyc.guard.decision import decide
from rallyc.guard.main import main
from tests.conftest import rallyc

SPEC = """\
rally: 1
team: {name: shop, goal: Add refunds.}
budget: {max_usd: 40}
teammates:
  - name: api
    role: implementation
    owns: [src/api/**, "notebooks/*.ipynb"]
    tasks:
      - {id: routes, do: Add the routes., estimate: 20m, verify: ["test -f src/api/ok"]}
  - name: web
    role: front end
    owns: [web/**]
    tasks:
      - {id: pages, do: Add the pages., estimate: 20m, verify: ["echo web broke; exit 3"]}
  - name: review
    role: quality review
    model: opus
    tasks:
      - {id: check, do: Review., estimate: 10m, after: [routes, pages]}
"""


def install(tmp_path: Path, target: str, spec: str = SPEC) -> Path:
    """A git repository with `spec`'s runtime files installed for `target`; its root."""
    repo = tmp_path / "repo"
    repo.mkdir()
    subprocess.run(["git", "init", "-q", str(repo)], check=True)
    (repo / "team.rally.yaml").write_text(spec, encoding="utf-8")
    code, out, err = rallyc("compile", str(repo / "team.rally.yaml"), "--target", target, "--install")
    assert code == 0, out + err
    return repo


@pytest.fixture
def team(tmp_path: Path) -> Path:
    return install(tmp_path, "claude-agent-teams")


def plan_of(repo: Path, runtime: str = ".claude") -> str:
    return str(repo / runtime / "rally" / "shop.json")


def common(repo: Path, event: str, **fields: Any) -> dict[str, Any]:
    """The common input fields, as the Claude Code docs list them."""
    return {"session_id": "abc123", "prompt_id": "550e8400-e29b-41d4-a716-446655440000",
            "transcript_path": "/home/user/.claude/projects/x/transcript.jsonl", "cwd": str(repo),
            "permission_mode": "default", "hook_event_name": event, **fields}  # fmt: skip


def write(repo: Path, path: str, tool: str = "Write", **identity: str) -> dict[str, Any]:
    field = "notebook_path" if tool == "NotebookEdit" else "file_path"
    tool_input: dict[str, Any] = {field: path if os.path.isabs(path) else str(repo / path)}
    tool_input.update({"Write": {"content": "x"}, "Edit": {"old_string": "a", "new_string": "b", "replace_all": False},
                       "MultiEdit": {"edits": [{"old_string": "a", "new_string": "b"}]},
                       "NotebookEdit": {"new_source": "x", "cell_id": "c1", "edit_mode": "replace"}}[tool])  # fmt: skip
    return common(repo, "PreToolUse", tool_name=tool, tool_input=tool_input, tool_use_id="toolu_01", **identity)


def ask(repo: Path, event: str, hook: dict[str, Any] | bytes, teammate: str | None = None,
        runtime: str = ".claude") -> tuple[int, str]:  # fmt: skip
    data = hook if isinstance(hook, bytes) else json.dumps(hook).encode()
    return decide(event, plan_of(repo, runtime), teammate, data)


TEAMMATE = {"agent_type": "shop-api", "agent_id": "api@session-a1b2c3d4"}


@pytest.mark.parametrize("tool", ["Write", "Edit", "MultiEdit"])
def test_a_teammate_writes_its_own_files(team: Path, tool: str) -> None:
    assert ask(team, "pre-tool-use", write(team, "src/api/routes.py", tool, **TEAMMATE)) == (0, "")


def test_a_notebook_is_judged_by_its_notebook_path(team: Path) -> None:
    assert ask(team, "pre-tool-use", write(team, "notebooks/a.ipynb", "NotebookEdit", **TEAMMATE)) == (0, "")
    code, message = ask(team, "pre-tool-use", write(team, "web/a.ipynb", "NotebookEdit", **TEAMMATE))
    assert code == 2 and "`web/a.ipynb`: it belongs to `web`" in message


def test_a_write_outside_the_owners_files_names_the_owner(team: Path) -> None:
    code, message = ask(team, "pre-tool-use", write(team, "web/app.ts", **TEAMMATE))
    assert code == 2
    assert message == ("`api` may not write `web/app.ts`: it belongs to `web`. api writes only src/api/**, "
                       "notebooks/*.ipynb; if that file must change, ask the lead")  # fmt: skip


def test_dot_dot_is_resolved_before_judging(team: Path) -> None:
    code, message = ask(team, "pre-tool-use", write(team, str(team / "src/api/../../web/app.ts"), **TEAMMATE))
    assert code == 2 and "`web/app.ts`" in message
    assert ask(team, "pre-tool-use", write(team, str(team / "web/../src/api/x.py"), **TEAMMATE)) == (0, "")


def test_outside_the_repository_is_refused(team: Path, tmp_path: Path) -> None:
    code, message = ask(team, "pre-tool-use", write(team, str(tmp_path / "elsewhere.py"), **TEAMMATE))
    assert code == 2 and "is outside the repository" in message


def test_a_symlink_is_judged_by_where_it_leads(team: Path, tmp_path: Path) -> None:
    (team / "src/api").mkdir(parents=True)
    (team / "web").mkdir()
    (team / "src/api/to-web").symlink_to(team / "web")
    (team / "src/api/out").symlink_to(tmp_path)
    code, message = ask(team, "pre-tool-use", write(team, "src/api/to-web/app.ts", **TEAMMATE))
    assert code == 2 and "`web/app.ts`: it belongs to `web`" in message
    code, message = ask(team, "pre-tool-use", write(team, "src/api/out/x.py", **TEAMMATE))
    assert code == 2 and "outside the repository" in message


def test_a_teammate_that_owns_nothing_writes_nothing(team: Path) -> None:
    code, message = ask(team, "pre-tool-use", write(team, "src/api/x.py", agent_type="shop-review", agent_id="r1"))
    assert code == 2 and "`review` owns no files and writes none" in message


@pytest.mark.parametrize("identity", [{"agent_type": "shop-web"}, {"agent_id": "web@session-a1b2c3d4"},
                                      {"teammate_name": "web"}, {"agent_type": "web"}])  # fmt: skip
def test_each_identity_field_identifies_the_teammate(team: Path, identity: dict[str, str]) -> None:
    assert ask(team, "pre-tool-use", write(team, "web/app.ts", **identity)) == (0, "")
    assert ask(team, "pre-tool-use", write(team, "src/api/x.py", **identity))[0] == 2


def test_an_unidentified_writer_may_write_only_owned_files(team: Path) -> None:
    for identity in ({}, {"agent_id": "", "agent_type": ""}):  # left out, or sent empty (issue #86285)
        assert ask(team, "pre-tool-use", write(team, "web/app.ts", **identity)) == (0, "")
        code, message = ask(team, "pre-tool-use", write(team, "README.md", **identity))
        assert code == 2 and "no teammate of team shop owns `README.md`" in message


def test_an_agent_that_is_not_a_teammate_is_refused(team: Path) -> None:
    code, message = ask(team, "pre-tool-use", write(team, "web/app.ts", agent_type="general-purpose", agent_id="a9"))
    assert code == 2 and "`general-purpose` (agent_type) is not a teammate of team shop" in message


def test_plan_mode_writes_its_plan_file_outside_the_repository(team: Path, monkeypatch: pytest.MonkeyPatch,
                                                               tmp_path: Path) -> None:  # fmt: skip
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    plan_file = str(tmp_path / "home/.claude/plans/refunds.md")
    hook = write(team, plan_file, **TEAMMATE)
    assert ask(team, "pre-tool-use", hook)[0] == 2
    assert ask(team, "pre-tool-use", {**hook, "permission_mode": "plan"}) == (0, "")


@pytest.mark.parametrize(("data", "says"), [
    (b"not json", "the hook input is not JSON (line 1, column 1"),
    (b"[1, 2]", "JSON but not an object (a list)"),
    (b"\xff\xfe", "not UTF-8"),
    (json.dumps({"hook_event_name": "PreToolUse", "tool_input": {"file_path": "/x"}}).encode(), "`tool_name` is missing"),
    (json.dumps({"tool_name": "Write", "tool_input": {"content": "x"}}).encode(), "`tool_input.file_path` is missing"),
    (json.dumps({"tool_name": "Write"}).encode(), "no `tool_input` object"),
    (json.dumps({"tool_name": "Bash", "tool_input": {"command": "ls"}}).encode(), "not Bash"),
])  # fmt: skip
def test_bad_input_is_a_clear_refusal(team: Path, data: bytes, says: str) -> None:
    code, message = ask(team, "pre-tool-use", data)
    assert code == 2 and says in message


def test_an_unreadable_or_foreign_plan_refuses_every_write(team: Path, tmp_path: Path) -> None:
    hook = json.dumps(write(team, "src/api/x.py", **TEAMMATE)).encode()
    assert decide("pre-tool-use", str(tmp_path / "none.json"), None, hook)[1].startswith("cannot read the guard's plan")
    broken = tmp_path / ".claude/rally/x.json"
    broken.parent.mkdir(parents=True)
    broken.write_text("{", encoding="utf-8")
    assert "is not valid JSON" in decide("pre-tool-use", str(broken), None, hook)[1]
    broken.write_text('{"guard": 1}', encoding="utf-8")
    assert "is not one rallyc wrote" in decide("pre-tool-use", str(broken), None, hook)[1]


# ---- TaskCompleted (agent teams) ----------------------------------------------------


def completed(repo: Path, subject: str, **fields: str) -> dict[str, Any]:
    return common(repo, "TaskCompleted", task_id="task-001", task_subject=subject,
                  task_description="Add the routes.", team_name="session-a1b2c3d4", **fields)  # fmt: skip


def test_task_completed_runs_the_tasks_verify(team: Path) -> None:
    code, message = ask(team, "task-completed", completed(team, "routes", teammate_name="api"))
    assert code == 2 and "task `routes` is not done: `test -f src/api/ok` exited 1" in message
    (team / "src/api").mkdir(parents=True)
    (team / "src/api/ok").write_text("", encoding="utf-8")
    assert ask(team, "task-completed", completed(team, "routes", teammate_name="api")) == (0, "")


def test_task_completed_feeds_back_the_failing_output(team: Path) -> None:
    code, message = ask(team, "task-completed", completed(team, "pages"))
    assert code == 2 and "`echo web broke; exit 3` exited 3:\nweb broke\n" in message


def test_task_completed_lets_other_tasks_through_and_keeps_owners_apart(team: Path) -> None:
    assert ask(team, "task-completed", completed(team, "write the changelog")) == (0, "")
    assert ask(team, "task-completed", completed(team, "check", teammate_name="review")) == (0, "")  # no verify
    code, message = ask(team, "task-completed", completed(team, "check", teammate_name="web"))
    assert code == 2 and "task `check` belongs to `review`, not to `web`" in message


# ---- SubagentStop (subagents) ---------------------------------------------------------


@pytest.fixture
def subagents(tmp_path: Path) -> Path:
    return install(tmp_path, "claude-subagents")


def stop(repo: Path, agent: str, agent_id: str, message: str) -> dict[str, Any]:
    return common(repo, "SubagentStop", stop_hook_active=False, agent_id=agent_id, agent_type=agent,
                  agent_transcript_path=f"/home/user/.claude/projects/x/subagents/agent-{agent_id}.jsonl",
                  last_assistant_message=message, background_tasks=[], session_crons=[])  # fmt: skip


def report(task: str, status: str = "done") -> str:
    return f"Done.\n\n```\nRALLY_REPORT\nteammate: api\ntask: {task}\nstatus: {status}\nfiles_changed: []\n```\n"


def test_a_subagent_reporting_done_stops_only_when_the_checks_pass(subagents: Path) -> None:
    code, message = ask(subagents, "subagent-stop", stop(subagents, "shop-api", "def456", report("routes")), "api")
    assert code == 2 and "task `routes` is not done" in message
    (subagents / "src/api").mkdir(parents=True)
    (subagents / "src/api/ok").write_text("", encoding="utf-8")
    assert ask(subagents, "subagent-stop", stop(subagents, "shop-api", "def456", report("routes")), "api") == (0, "")


def test_a_subagent_blocked_or_failed_or_planning_may_stop(subagents: Path) -> None:
    for message in (report("routes", "blocked"), report("routes", "failed"), "My plan: 1. add the router."):
        assert ask(subagents, "subagent-stop", stop(subagents, "shop-api", "p1", message), "api") == (0, "")


def test_a_subagent_must_report_a_task_of_its_own(subagents: Path) -> None:
    code, message = ask(subagents, "subagent-stop", stop(subagents, "shop-api", "x1", report("pages")), "api")
    assert code == 2 and "names task `pages`, which is not one of yours (routes)" in message


def test_parallel_subagents_answer_for_their_own_writes_only(subagents: Path) -> None:
    """Two subagents share the tree: each stop sees what its own agent_id wrote, nothing else."""
    for agent, agent_id, path in (("shop-api", "a1", "src/api/r.py"), ("shop-web", "w1", "web/p.ts")):
        teammate = agent.removeprefix("shop-")
        assert ask(subagents, "pre-tool-use", write(subagents, path, agent_id=agent_id, agent_type=agent), teammate)[0] == 0
    code, message = ask(subagents, "subagent-stop", stop(subagents, "shop-web", "w1", "All set."), "web")
    assert code == 2 and "you changed web/p.ts: end your final answer with the RALLY_REPORT" in message
    assert "src/api/r.py" not in message
    log = subagents / ".rally/guard/shop/w1.paths"
    log.write_text("web/p.ts\nsrc/api/stray.py\n", encoding="utf-8")  # as if the guard had been off for a call
    code, message = ask(subagents, "subagent-stop", stop(subagents, "shop-web", "w1", report("pages", "failed")), "web")
    assert code == 2 and "you wrote src/api/stray.py, outside your files (web/**)" in message
    log.write_text("web/p.ts\n", encoding="utf-8")
    assert ask(subagents, "subagent-stop", stop(subagents, "shop-web", "w1", report("pages", "failed")), "web") == (0, "")
    assert not log.exists() and (subagents / ".rally/guard/shop/a1.paths").read_text() == "src/api/r.py\n"


# ---- Codex --------------------------------------------------------------------------


@pytest.fixture
def codex(tmp_path: Path) -> Path:
    return install(tmp_path, "codex-subagents")


def patch_call(repo: Path, patch: str, **identity: str) -> dict[str, Any]:
    """Codex's PreToolUse input for apply_patch: the raw patch in `tool_input.command`."""
    return {"session_id": "019a-thread", "turn_id": "turn-1", **identity, "transcript_path": None, "cwd": str(repo),
            "hook_event_name": "PreToolUse", "model": "gpt-5.5", "permission_mode": "default",
            "tool_name": "apply_patch", "tool_input": {"command": patch}, "tool_use_id": "call_1"}  # fmt: skip


PATCH = """*** Begin Patch
*** Add File: src/api/new.py
+x = 1
*** Update File: src/api/old.py
*** Move to: {moved}
@@
-a
+b
*** Delete File: src/api/gone.py
*** End Patch"""


def test_codex_patch_paths_are_each_judged(codex: Path) -> None:
    identity = {"agent_id": "019b", "agent_type": "shop-api"}
    assert ask(codex, "pre-tool-use", patch_call(codex, PATCH.format(moved="src/api/moved.py"), **identity),
               runtime=".codex") == (0, "")  # fmt: skip
    code, message = ask(codex, "pre-tool-use", patch_call(codex, PATCH.format(moved="web/moved.py"), **identity),
                        runtime=".codex")  # fmt: skip
    assert code == 2 and "`api` may not write `web/moved.py`: it belongs to `web`" in message


def test_codex_main_thread_may_patch_only_owned_files(codex: Path) -> None:
    assert ask(codex, "pre-tool-use", patch_call(codex, PATCH.format(moved="web/m.py")), runtime=".codex") == (0, "")
    code, message = ask(codex, "pre-tool-use", patch_call(codex, "*** Begin Patch\n*** Add File: NOTES.md\n+x\n*** End Patch"),
                        runtime=".codex")  # fmt: skip
    assert code == 2 and "`NOTES.md`" in message
    code, message = ask(codex, "pre-tool-use", patch_call(codex, "echo hi"), runtime=".codex")
    assert code == 2 and "no file path could be read from the apply_patch input" in message


# ---- the command as the hooks run it ---------------------------------------------------


def hook_command(repo: Path, event: str) -> str:
    settings = json.loads((repo / ".claude/settings.json").read_text(encoding="utf-8"))
    return str(settings["hooks"][event][0]["hooks"][0]["command"])


def run_hook(repo: Path, command: str, hook: dict[str, Any], path: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PATH": path, "CLAUDE_PROJECT_DIR": str(repo), "RALLYC_GUARD_SERVER": "off"}
    return subprocess.run(["sh", "-c", command], input=json.dumps(hook), capture_output=True, text=True, env=env,
                          cwd=repo / "src" if (repo / "src").is_dir() else repo, check=False)  # fmt: skip


def test_the_hook_command_turns_every_failure_into_exit_2(team: Path, tmp_path: Path) -> None:
    command = hook_command(team, "PreToolUse")
    path = f"{Path(__file__).parents[1] / '.venv' / 'bin'}{os.pathsep}{os.environ['PATH']}"
    assert run_hook(team, command, write(team, "src/api/x.py", **TEAMMATE), path).returncode == 0
    refused = run_hook(team, command, write(team, "web/x.ts", **TEAMMATE), path)
    assert (refused.returncode, refused.stderr.count("rallyc guard")) == (2, 1)
    empty = tmp_path / "empty-bin"
    empty.mkdir()
    missing = run_hook(team, command, write(team, "src/api/x.py", **TEAMMATE), f"{empty}{os.pathsep}/usr/bin:/bin")
    assert missing.returncode == 2 and "rallyc guard did not run (exit 127): is rallyc on PATH?" in missing.stderr


def test_rallyc_guard_off_lets_a_session_through(team: Path, tmp_path: Path) -> None:
    command = hook_command(team, "PreToolUse")
    hook = write(team, "README.md", **TEAMMATE)
    path = f"{Path(__file__).parents[1] / '.venv' / 'bin'}{os.pathsep}{os.environ['PATH']}"
    assert run_hook(team, command, hook, path).returncode == 2
    assert run_hook(team, f"RALLYC_GUARD=off {command}", hook, path).returncode == 0


@pytest.mark.parametrize(("argv", "says"), [
    (["pre-tool-use"], "--plan PLAN is required"), (["nope", "--plan", "x"], "unknown event 'nope'"),
    (["pre-tool-use", "--plan", "x", "--who", "y"], "unknown option '--who'"), ([], "unknown event ''"),
])  # fmt: skip
def test_usage_errors_refuse_too(argv: list[str], says: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(argv) == 2
    assert says in capsys.readouterr().err


def test_exclusions_in_owns_are_the_glob_engines(tmp_path: Path) -> None:
    """The guard asks rallyc's glob engine, so `!` items in `owns` hold in the runtime too."""
    repo = tmp_path / "repo"
    repo.mkdir()
    subprocess.run(["git", "init", "-q", str(repo)], check=True)
    spec = SPEC.replace('owns: [src/api/**, "notebooks/*.ipynb"]', 'owns: [src/api/**, "!src/api/generated/**"]')
    (repo / "team.rally.yaml").write_text(spec, encoding="utf-8")
    assert rallyc("compile", str(repo / "team.rally.yaml"), "--install")[0] == 0
    assert ask(repo, "pre-tool-use", write(repo, "src/api/routes.py", **TEAMMATE)) == (0, "")
    code, message = ask(repo, "pre-tool-use", write(repo, "src/api/generated/client.py", **TEAMMATE))
    assert code == 2 and "`src/api/generated/client.py`: no teammate owns it" in message
