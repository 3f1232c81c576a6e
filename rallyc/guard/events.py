"""What the guard answers for each hook event: a write, a subagent's stop, a task's completion.

Each function returns normally to let the call through and raises `Denied`
to refuse it. Ownership is decided by rallyc's own glob engine
(`owner_globs`: the teammate's `owns`, exclusions included), never by a
second implementation here.

Who is writing. Claude Code identifies a subagent's (and an in-process
teammate's) tool calls with `agent_type` (the agent file's `name`) and
`agent_id` (`<name>@<team>` for an in-process teammate)
(code.claude.com/docs/en/hooks, "Common input fields"; the `name@team` form
and the fields' absence for split-pane teammates are reported in
anthropics/claude-code issues #87415 and #54785, and an empty `agent_id` in
#86285). Codex sends `agent_type` and `agent_id` for subagents
(openai/codex codex-rs/hooks/src/events/pre_tool_use.rs). A hook written into
an agent file names its teammate itself (`--teammate`). A call that names an
agent that is not one of the team's is refused; a call that names none (the
lead, or a teammate whose runtime left the fields out) may write only what
some teammate owns.
"""

from __future__ import annotations

import re
import subprocess
import time

from rallyc.guard.hookinput import Denied, HookInput
from rallyc.guard.paths import (CLAUDE_PATH_FIELDS, PATCH_TOOL, guarded, is_plan_file, patch_paths, real_path,
                               repo_relative)  # fmt: skip
from rallyc.guard.plan import GuardPlan, GuardPlanError, GuardTask, GuardTeammate
from rallyc.guard.writelog import clear_log, log_write, logged_writes
from rallyc.statuses import AgentStatus

IDENTITY_FIELDS = ("agent_type", "teammate_name", "agent_id")
_REPORT_FIELD = re.compile(r"^\s*(task|status):\s*(\S+)", re.MULTILINE)
_OUTPUT_TAIL = 3000
"""Characters of a failing check's output fed back (hook output is capped at 10,000: code.claude.com/docs/en/hooks)."""


class Guard:
    """A guard's plan with every teammate's `owns` compiled once."""

    def __init__(self, plan: GuardPlan) -> None:
        from rallyc.globset import owner_globs
        from rallyc.syntax import PatternError

        self.plan = plan
        try:
            self.owns = {mate.name: owner_globs(mate.owns) for mate in plan.teammates if mate.owns}
        except PatternError as error:
            raise GuardPlanError(f"the guard's plan has a glob rallyc cannot read ({error}); "
                                 "run rallyc compile --install") from None  # fmt: skip

    def owners(self, relative: str) -> list[str]:
        return [name for name, globs in self.owns.items() if globs.matches(relative)]


def pre_tool_use(guard: Guard, hook: HookInput, teammate: str | None) -> None:
    """A write tool call: every path it writes must be the writer's (or, writer unknown, some teammate's)."""
    mate = identify(guard.plan, hook, teammate)
    cwd = hook.text("cwd") or str(guard.plan.repo)
    for path in written_paths(hook):
        real = real_path(path, cwd)
        if is_plan_file(real, hook.text("permission_mode")):
            continue
        relative = repo_relative(real, guard.plan.repo)
        _check_owner(guard, mate, relative)
        if teammate is not None and hook.text("agent_id"):
            log_write(guard.plan, hook.text("agent_id"), relative)


def written_paths(hook: HookInput) -> list[str]:
    tool = hook.text("tool_name", required=True)
    if tool == PATCH_TOOL:
        paths = patch_paths(hook.tool_text("command"))
        if not paths:
            raise Denied("no file path could be read from the apply_patch input (`*** Add File: <path>` ...)")
        return paths
    if tool not in CLAUDE_PATH_FIELDS:
        raise Denied(f"the guard judges file writes ({', '.join([*CLAUDE_PATH_FIELDS, PATCH_TOOL])}), not {tool}")
    return [hook.tool_text(CLAUDE_PATH_FIELDS[tool])]


def identify(plan: GuardPlan, hook: HookInput, teammate: str | None) -> GuardTeammate | None:
    """The teammate making the call; None when the call names no agent; Denied when it names another."""
    if teammate is not None:
        return _known(plan, teammate, "--teammate")
    for field in IDENTITY_FIELDS:
        value = hook.text(field)
        name = value.split("@", 1)[0] if field == "agent_id" else value
        if field == "agent_id" and "@" not in value:
            continue  # a subagent's opaque id: it says who only with agent_type beside it
        if name:
            return _known(plan, name, field)
    return None


def _known(plan: GuardPlan, name: str, field: str) -> GuardTeammate:
    mate = plan.teammate(name)
    if mate is None:
        names = ", ".join(f"{other.name} ({other.agent})" for other in plan.teammates)
        raise Denied(f"`{name}` ({field}) is not a teammate of team {plan.team} (teammates: {names}); "
                     "while the team's guard is installed only its teammates write files")  # fmt: skip
    return mate


def _check_owner(guard: Guard, mate: GuardTeammate | None, relative: str) -> None:
    if guarded(relative, (other.agent for other in guard.plan.teammates)):
        raise Denied(f"`{relative}` is the guard's or git's own (its hooks, its plan, the team's agent files, "
                     "rallyc's .rally/ state, .git/): no file tool writes it while the team's guard is installed, "
                     "whoever owns it. To change it, do so outside the team's sessions (RALLYC_GUARD=off)")  # fmt: skip
    owners = guard.owners(relative)
    if mate is None:
        if not owners:
            raise Denied(f"no teammate of team {guard.plan.team} owns `{relative}`, so nobody writes it while the "
                         "team's guard is installed (this call named no agent; set RALLYC_GUARD=off for a session "
                         "that is not the team's)")  # fmt: skip
        return
    if mate.name in owners:
        return
    if not mate.owns:
        raise Denied(f"`{mate.name}` owns no files and writes none (`{relative}`): report what should change instead")
    whose = f"it belongs to `{owners[0]}`" if owners else "no teammate owns it"
    raise Denied(f"`{mate.name}` may not write `{relative}`: {whose}. {mate.name} writes only "
                 f"{', '.join(mate.owns)}; if that file must change, ask the lead")  # fmt: skip


def subagent_stop(guard: Guard, hook: HookInput, teammate: str | None) -> None:
    """A subagent ends: what it wrote must be its own, and a task it reports done must pass its checks."""
    mate = identify(guard.plan, hook, teammate)
    if mate is None:
        raise Denied("the SubagentStop hook input names no teammate (`agent_type`), and no --teammate was given")
    agent_id = hook.text("agent_id", required=True)
    written = logged_writes(guard.plan, agent_id)
    strays = [path for path in written if mate.name not in guard.owners(path)]
    if strays:
        raise Denied(f"you wrote {', '.join(strays)}, outside your files ({', '.join(mate.owns) or 'none'}): undo "
                     "those changes, then report")  # fmt: skip
    report = dict(_REPORT_FIELD.findall(hook.text("last_assistant_message").rpartition("RALLY_REPORT")[2]))
    if not report.get("task"):
        if written:
            raise Denied(f"you changed {', '.join(written)}: end your final answer with the RALLY_REPORT block "
                         "naming the task (see Reporting)")  # fmt: skip
    elif report.get("status") == AgentStatus.DONE:
        task = _own_task(guard.plan, mate, report["task"])
        run_checks(guard.plan, task)
    clear_log(guard.plan, agent_id)


def _own_task(plan: GuardPlan, mate: GuardTeammate, task_id: str) -> GuardTask:
    task = next((task for task in mate.tasks if task.id == task_id), None)
    if task is None:
        ids = ", ".join(task.id for task in mate.tasks)
        raise Denied(f"your RALLY_REPORT names task `{task_id}`, which is not one of yours ({ids})")
    return task


def task_completed(guard: Guard, hook: HookInput) -> None:
    """A task is being marked completed: its checks must pass (a task that is not the team's is let through)."""
    found = guard.plan.task(hook.text("task_subject", required=True).strip())
    if found is None:
        return
    owner, task = found
    named = guard.plan.teammate(hook.text("teammate_name"))
    if named is not None and named is not owner:
        raise Denied(f"task `{task.id}` belongs to `{owner.name}`, not to `{named.name}`: leave it to its owner")
    run_checks(guard.plan, task)


def run_checks(plan: GuardPlan, task: GuardTask) -> None:
    """Run the task's `verify` commands in the repository, in order, within the task's deadline together;
    Denied with the first failure's output."""
    deadline = time.monotonic() + task.timeout_seconds
    for command in task.verify:
        failure = _failure(command, str(plan.repo), max(deadline - time.monotonic(), 1.0))
        if failure is not None:
            raise Denied(f"task `{task.id}` is not done: `{command}` {failure}\nFix it, run the check again, "
                         "and only then report the task done")  # fmt: skip


def _failure(command: str, cwd: str, timeout: float) -> str | None:
    try:
        done = subprocess.run(command, shell=True, cwd=cwd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, timeout=timeout, check=False)  # fmt: skip
    except subprocess.TimeoutExpired:
        return f"did not finish within the task's deadline ({timeout:.0f}s left)"
    if done.returncode == 0:
        return None
    output = done.stdout.decode("utf-8", "replace")
    return f"exited {done.returncode}:\n{_tail(output)}"


def _tail(output: str) -> str:
    return output if len(output) <= _OUTPUT_TAIL else "..." + output[-_OUTPUT_TAIL:]

