"""The prompt of one attempt: the compiled teammate prompt, then this task and how the runner checks it."""

from __future__ import annotations

from rallyc.compile.render import globs
from rallyc.plan import TaskPlan
from rallyc.units import format_duration


def full_prompt(teammate_prompt: str, task_text: str) -> str:
    """What the prompt file holds: the teammate prompt, a rule, this task."""
    return f"{teammate_prompt.rstrip()}\n\n---\n\n{task_text}"


def task_prompt(task: TaskPlan, attempt: int, previous: str) -> str:
    """This task and how the runner checks it (sent after the teammate prompt, or as the user turn)."""
    lines = [
        f"## Your task now: {task.id}",
        "",
        f"The runner (`rallyc run`) started you for task `{task.id}` only, in your own git worktree of the "
        "repository (your working folder). Do this task, in full, then stop.",
        "",
        task.do,
        "",
        f"- Writes: {globs(task.writes) or 'nothing'}",
        f"- Deadline: {format_duration(task.timeout_seconds)}; past it you are stopped and the task counts as escalated.",
    ]
    if task.waits_on:
        lines.append(f"- Already merged into your worktree: the results of {', '.join(f'`{t}`' for t in task.waits_on)}.")
    if task.verify:
        lines.append(f"- After you stop, the runner runs: {'; '.join(f'`{command}`' for command in task.verify)}; "
                     "each must exit 0.")  # fmt: skip
    lines += [
        "- The runner checks every file you changed (created, edited or deleted) against the files you own: one "
        "path outside them and all of this attempt's changes are set aside and the task fails.",
        "- Do not commit, merge, rebase, switch branches or touch `.git`: the runner commits the task for you.",
        "- Write only inside your worktree (temporary files go in `$TMPDIR`); whatever you leave running is stopped "
        "when you stop.",
    ]
    if attempt > 1:
        lines += ["", f"This is attempt {attempt}. The previous attempt failed: {previous or 'no reason given'}. "
                  "Your worktree was reset to the task's start."]  # fmt: skip
    return "\n".join(lines) + "\n"
