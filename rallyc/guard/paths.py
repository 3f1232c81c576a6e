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
from collections.abc import Iterable
from pathlib import Path

from rallyc.guard.hookinput import Denied
from rallyc.guard.plan import GUARD_FOLDER

CLAUDE_PATH_FIELDS = {"Write": "file_path", "Edit": "file_path", "MultiEdit": "file_path",
                      "NotebookEdit": "notebook_path"}  # fmt: skip
"""The Claude Code tools that write files, and the field naming the file."""
PATCH_TOOL = "apply_patch"
_PATCH_PATH = re.compile(r"^\s*\*\*\* (?:Add File|Delete File|Update File|Move to): (.+?)\s*$", re.MULTILINE)
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
HOOK_FILES = (".claude/settings.json", ".claude/settings.local.json", ".codex/hooks.json", ".codex/config.toml")
"""Where the runtimes read hooks, and the switches that turn every hook off (`disableAllHooks`, Codex's
`[features]`): a writer that could edit them could take the guard out of its own way."""
GUARDED_FOLDERS = (".git", ".rally", f".claude/{GUARD_FOLDER}", f".codex/{GUARD_FOLDER}")
"""git's own files (a hook there runs at the next commit), rallyc's state (the guard's write logs, the runs
`rallyc learn` learns from) and the guard's plans (which say who owns what)."""
PLANS_FOLDER = (".claude", "plans")
"""Where plan mode writes its plan file by default (code.claude.com/docs/en/settings-reference, `plansDirectory`)."""


def patch_paths(patch: str) -> list[str]:
    """Every path an apply_patch patch adds, deletes, updates or moves to, in order."""
    return _PATCH_PATH.findall(patch)


def real_path(path: str, cwd: str) -> str:
    """`path` (relative to `cwd` unless absolute) with `~`, `..` and symbolic links resolved; Denied for a path
    no file system or write log holds as one name (a control character, an unpaired surrogate)."""
    if _CONTROL.search(path):
        raise Denied(f"the path {path!r} holds a control character: no teammate writes such a name")
    try:
        path.encode("utf-8")
    except UnicodeEncodeError:
        raise Denied(f"the path {path!r} is not valid Unicode (an unpaired surrogate)") from None
    return os.path.realpath(os.path.join(cwd, os.path.expanduser(path)))


def guarded(relative: str, agents: Iterable[str]) -> bool:
    """Whether `relative` is the guard's own or git's (`HOOK_FILES`, `GUARDED_FOLDERS`, the team's agent files,
    which hold a subagent's hooks): no writer may change it, whatever it owns. Compared case-folded, since on
    a case-insensitive file system `.CLAUDE/Settings.json` is the same file."""
    folded = relative.casefold()
    agent_files = {name.casefold() for agent in agents for name in (f".claude/agents/{agent}.md",
                                                                     f".codex/agents/{agent}.toml")}  # fmt: skip
    return (folded in HOOK_FILES or folded in agent_files
            or any(folded == folder or folded.startswith(folder + "/") for folder in GUARDED_FOLDERS))  # fmt: skip


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
