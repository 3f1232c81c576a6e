"""The guard's plan: the part of the compiled plan the hooks need, installed beside them.

`rallyc compile --install` writes it to `.claude/rally/<team>.json` (or
`.codex/rally/<team>.json`): a tracked place, so a fresh clone of the
repository has the guard and what it reads together, and `--check` keeps the
two in step. It holds, per teammate, its runtime agent name, its `owns` as
written (exclusions included: the glob engine reads them) and its tasks with
their `verify` commands and deadlines. The repository root is the folder
above the runtime folder: the file's path says where it belongs.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

GUARD_FOLDER = "rally"
"""Below the runtime's folder: `.claude/rally/`, `.codex/rally/`."""
GUARD_VERSION = 1
MARKER_KEY = "//"
"""JSON has no comments: the generated-file marker is this key's value (it sorts first)."""


class GuardPlanError(Exception):
    """The guard's plan is missing, unreadable or not one rallyc wrote: every write is denied."""


@dataclass(frozen=True, slots=True)
class GuardTask:
    id: str
    verify: tuple[str, ...]
    timeout_seconds: float


@dataclass(frozen=True, slots=True)
class GuardTeammate:
    name: str
    agent: str
    """Its agent name in the runtime: what hooks report as `agent_type`."""
    owns: tuple[str, ...]
    tasks: tuple[GuardTask, ...]


@dataclass(frozen=True, slots=True)
class GuardPlan:
    team: str
    runtime: str
    teammates: tuple[GuardTeammate, ...]
    repo: Path
    """The repository root: the plan lives at `<repo>/<runtime folder>/rally/<team>.json`."""

    def teammate(self, name: str) -> GuardTeammate | None:
        return next((mate for mate in self.teammates if name in (mate.name, mate.agent)), None)

    def task(self, task_id: str) -> tuple[GuardTeammate, GuardTask] | None:
        return next(((mate, task) for mate in self.teammates for task in mate.tasks if task.id == task_id), None)


def guard_path(runtime_root: str, team: str) -> str:
    """Where the plan is installed, relative to the repository: `.claude/rally/<team>.json`."""
    return f"{runtime_root}/{GUARD_FOLDER}/{team}.json"


def guard_document(marker: str, team: str, runtime: str, teammates: list[dict[str, Any]]) -> str:
    """The plan's text: sorted keys, so the marker comes first and the bytes never depend on the machine."""
    document = {MARKER_KEY: marker, "guard": GUARD_VERSION, "runtime": runtime, "team": team, "teammates": teammates}
    return json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def load_guard_plan(path: str) -> GuardPlan:
    """The plan at `path`; GuardPlanError saying what is wrong with it."""
    try:
        with open(path, encoding="utf-8") as stream:
            document = json.load(stream)
    except OSError as error:
        raise GuardPlanError(f"cannot read the guard's plan {path}: {error.strerror or error}") from error
    except ValueError as error:
        raise GuardPlanError(f"the guard's plan {path} is not valid JSON ({error}); run rallyc compile --install") from error
    try:
        return _plan(document, Path(path).resolve().parents[2])
    except (KeyError, TypeError, ValueError, IndexError) as error:
        raise GuardPlanError(f"the guard's plan {path} is not one rallyc wrote ({error!r}); "
                             "run rallyc compile --install") from error  # fmt: skip


def _plan(document: dict[str, Any], repo: Path) -> GuardPlan:
    if document["guard"] != GUARD_VERSION:
        raise ValueError(f"guard version {document['guard']}, expected {GUARD_VERSION}")
    teammates = tuple(
        GuardTeammate(
            name=str(mate["name"]),
            agent=str(mate["agent"]),
            owns=tuple(str(glob) for glob in mate["owns"]),
            tasks=tuple(GuardTask(str(task["id"]), tuple(str(command) for command in task["verify"]),
                                  float(task["timeout_seconds"])) for task in mate["tasks"]),  # fmt: skip
        )
        for mate in document["teammates"]
    )
    return GuardPlan(str(document["team"]), str(document["runtime"]), teammates, repo)
