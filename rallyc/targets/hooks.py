"""The guard hooks the targets install: the command each runs, and where it is written.

Every hook runs `rallyc guard` (`rallyc.guard`) in shell form, which Claude
Code runs with `sh -c` (Git Bash on Windows) and Codex with `sh -c`
(code.claude.com/docs/en/hooks, "Exec form and shell form"). Both runtimes
let a call through on any exit code but 2 (a missing script's 127
included: code.claude.com/docs/en/hooks, "Other exit codes"), so the command
turns every code but 0 and 2 into 2 with a message on stderr; Codex blocks
on 2 only when stderr is not empty (openai/codex
codex-rs/hooks/src/events/pre_tool_use.rs). The command ends with the
generated-file marker as a shell comment: the settings schema allows no key
of ours, so the marker is how `--install` and uninstall find our hooks.

Claude Code exports the project root as `$CLAUDE_PROJECT_DIR` to every hook
(code.claude.com/docs/en/hooks, "Reference scripts by path"); Codex runs
hooks in the session's folder, so the command asks git for the top.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from rallyc.guard.plan import guard_document, guard_path
from rallyc.hookfile import Group, marker_comment, with_groups
from rallyc.plan import Plan, TaskPlan, TeammatePlan
from rallyc.targets import Output

CLAUDE_WRITE_TOOLS = "Write|Edit|MultiEdit|NotebookEdit"
"""Claude Code's file-writing tools (code.claude.com/docs/en/tools-reference; MultiEdit as older releases name it,
matched as anthropics/claude-code plugins/security-guidance/hooks/hooks.json matches it)."""
CODEX_WRITE_TOOLS = "apply_patch"
"""Codex's file edit tool; matchers on `Edit` or `Write` reach it too (developers.openai.com/codex/hooks, PreToolUse)."""
CLAUDE_ROOT = '"${CLAUDE_PROJECT_DIR:-.}"'
CODEX_ROOT = '"$(git rev-parse --show-toplevel 2>/dev/null || pwd)"'
CHECK_MARGIN_SECONDS = 60
"""A verify hook's timeout is its slowest task's deadline plus this: a hook that times out lets the call through."""


def guard_command(event: str, plan_file: str, root: str, marker: str, teammate: str | None = None) -> str:
    """The shell command of one hook; never exits with anything but 0 or 2."""
    who = f" --teammate {teammate}" if teammate else ""
    return (f'rallyc guard {event} --plan {root}/{plan_file}{who}; s=$?; [ $s = 0 ] && exit 0; '
            f'[ $s = 2 ] || echo "rallyc guard did not run (exit $s): is rallyc on PATH?" >&2; exit 2 {marker_comment(marker)}')  # fmt: skip


def command_hook(command: str, timeout: float | None = None) -> dict[str, Any]:
    return {"type": "command", "command": command, **({"timeout": int(timeout)} if timeout else {})}


def check_timeout(tasks: Sequence[TaskPlan]) -> float:
    return max(task.timeout_seconds for task in tasks) + CHECK_MARGIN_SECONDS


def guard_plan_file(plan: Plan, marker: str, runtime_root: str, agents: dict[str, str]) -> tuple[str, str]:
    """(path, text) of the guard's plan, installed beside the hooks (`rallyc.guard.plan`)."""
    teammates = [{"name": mate.name, "agent": agents[mate.name], "owns": list(mate.owns),
                  "tasks": [{"id": task.id, "verify": list(task.verify), "timeout_seconds": task.timeout_seconds}
                            for task in mate.tasks]} for mate in plan.teammates]  # fmt: skip
    return guard_path(runtime_root, plan.team.name), guard_document(marker, plan.team.name, plan.runtime, teammates)


def guarded_output(plan: Plan, marker: str, runtime_root: str, agents: dict[str, str], files: Mapping[str, str],
                   runtime: Mapping[str, str], merged: dict[str, tuple[Group, ...]], notes: tuple[str, ...] = ()) -> Output:
    """A target's Output: its prompts (`files`), its runtime files with the guard's plan beside them, and each hooks
    file it merges into as a new file would be (the one way both runtimes' targets assemble it)."""
    guard_file, guard_text = guard_plan_file(plan, marker, runtime_root, agents)
    installed = {**runtime, guard_file: guard_text}
    created = {path: with_groups(None, groups) for path, groups in merged.items()}
    return Output({**files, **installed, **created}, tuple(sorted(installed)), notes, merged)


def claude_agent_hooks(plan: Plan, mate: TeammatePlan, marker: str) -> dict[str, Any]:
    """An agent file's own hooks (claude-subagents): its writes, and its stop (a `Stop` hook in an agent
    file runs as `SubagentStop`: code.claude.com/docs/en/sub-agents, "Hooks in subagent frontmatter")."""
    plan_file = guard_path(".claude", plan.team.name)
    write = guard_command("pre-tool-use", plan_file, CLAUDE_ROOT, marker, mate.name)
    stop = guard_command("subagent-stop", plan_file, CLAUDE_ROOT, marker, mate.name)
    return {"PreToolUse": [{"matcher": CLAUDE_WRITE_TOOLS, "hooks": [command_hook(write)]}],
            "Stop": [{"hooks": [command_hook(stop, check_timeout(mate.tasks))]}]}  # fmt: skip


def claude_team_hooks(plan: Plan, marker: str) -> list[Group]:
    """`.claude/settings.json` groups (claude-agent-teams): every teammate's writes, every task's completion."""
    plan_file = guard_path(".claude", plan.team.name)
    write = guard_command("pre-tool-use", plan_file, CLAUDE_ROOT, marker)
    done = guard_command("task-completed", plan_file, CLAUDE_ROOT, marker)
    return [("PreToolUse", {"matcher": CLAUDE_WRITE_TOOLS, "hooks": [command_hook(write)]}),
            ("TaskCompleted", {"hooks": [command_hook(done, check_timeout(plan.tasks))]})]  # fmt: skip


def codex_hooks(plan: Plan, marker: str) -> list[Group]:
    """`.codex/hooks.json` groups: every apply_patch call."""
    write = guard_command("pre-tool-use", guard_path(".codex", plan.team.name), CODEX_ROOT, marker)
    return [("PreToolUse", {"matcher": CODEX_WRITE_TOOLS, "hooks": [command_hook(write)]})]
