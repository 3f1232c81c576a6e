"""Which files a write tool call writes, as paths relative to the repository.

Claude Code's file tools name one absolute path: `tool_input.file_path`
(Write, Edit, MultiEdit) or `tool_input.notebook_path` (NotebookEdit)
(code.claude.com/docs/en/hooks, "PreToolUse input": "For the file tools
`Write`, `Edit`, and `Read`, `tool_input.file_path` is always absolute";
NotebookEdit's field as anthropics/claude-code
plugins/security-guidance/hooks/security_reminder_hook.py reads it). Codex's
`apply_patch` sends the raw patch as `tool_input.command` (openai/codex pull
request for issue #16732: "Exposed the raw patch body as
`tool_input.command`"), whose `*** Add File: `, `*** Delete File: `,
`*** Update File: ` and `*** Move to: ` lines name paths relative to the
session's `cwd` (codex-rs/apply-patch/src/parser.rs; markers may carry
surrounding whitespace).

A path is judged after `..` and symbolic links are resolved: a link inside
the repository pointing out of it, or to another teammate's file, is judged
by where it leads.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from rallyc.guard.hookinput import Denied

CLAUDE_PATH_FIELDS = {"Write": "file_path", "Edit": "file_path", "MultiEdit": "file_path",
                      "NotebookEdit": "notebook_path"}  # fmt: skip
"""The Claude Code tools that write files, and the field naming the file."""
PATCH_TOOL = "apply_patch"
_PATCH_PATH = re.compile(r"^\s*\*\*\* (?:Add File|Delete File|Update File|Move to): (.+?)\s*$", re.MULTILINE)
PLANS_FOLDER = (".claude", "plans")
"""Where plan mode writes its plan file by default (code.claude.com/docs/en/settings-reference, `plansDirectory`)."""


def patch_paths(patch: str) -> list[str]:
    """Every path an apply_patch patch adds, deletes, updates or moves to, in order."""
    return _PATCH_PATH.findall(patch)


def real_path(path: str, cwd: str) -> str:
    """`path` (relative to `cwd` unless absolute) with `~`, `..` and symbolic links resolved."""
    return os.path.realpath(os.path.join(cwd, os.path.expanduser(path)))


def repo_relative(real: str, repo: Path) -> str:
    """The resolved path `real` relative to the repository, POSIX; Denied when it lies outside."""
    root = os.path.realpath(repo)
    if not real.startswith(root.rstrip(os.sep) + os.sep):
        raise Denied(f"{real} is outside the repository ({root}): a teammate writes only inside it")
    return os.path.relpath(real, root).replace(os.sep, "/")


def is_plan_file(real: str, permission_mode: str) -> bool:
    """A plan-mode session writing its plan file under `~/.claude/plans/` (allowed: it is not the repository's)."""
    plans = os.path.realpath(os.path.join(os.path.expanduser("~"), *PLANS_FOLDER))
    return permission_mode == "plan" and real.startswith(plans + os.sep)
