"""A run's state on disk: `state.json` rewritten atomically after every change, `events.jsonl` appended.

The run folder `.rally/runs/<run-id>/` is the whole memory of a run: what a
resumed run, `rallyc status` and the report read. State changes are ordered
so a crash at any moment loses nothing: a task's commit (with its
`Rally-Task` trailer) lands on its branch before the state says `done`, and a
resumed run believes the branch over the state (see `scheduler.reconcile`).
"""

from __future__ import annotations

import fcntl
import json
import os
import re
import secrets
import time
from dataclasses import dataclass, field, fields
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

from rallyc.errors import RallyError
from rallyc.files import write_atomic
from rallyc.repo import RALLY_FOLDER
from rallyc.runner.names import has_surrogates
from rallyc.runner.secrets import Redactor
from rallyc.statuses import RunStatus, TaskStatus

STATE_VERSION = 2
RUN_ID = re.compile(r"[a-z][a-z0-9-]*-\d{8}T\d{6}Z-[0-9a-f]{4}")
RUN_TASK = re.compile(r"[a-z][a-z0-9-]*")
COMMIT = re.compile(r"[0-9a-f]{40}(?:[0-9a-f]{24})?")


def now_text() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def new_run_id(team: str) -> str:
    """`<team>-<YYYYMMDDTHHMMSSZ>-<4 hex>`: sortable by time and a valid git ref component."""
    return f"{team}-{datetime.now(UTC).strftime('%Y%m%dT%H%M%SZ')}-{secrets.token_hex(2)}"


@dataclass
class Check:
    command: str
    scope: str
    """The task id, or `team` for the reconciliation checks after fan-in."""
    exit_code: int
    """-1 when the command was killed at its deadline."""
    attempt: int = 1
    seconds: float = 0.0


@dataclass
class Violation:
    task: str
    attempt: int
    paths: list[str]
    details: list[str]
    patch: str
    """The saved changes, relative to the run folder."""
    stage: str = "task"
    """`task` (found after an attempt: the attempt failed) or `fan-in` (found in a done task's commit at fan-in:
    those paths were left out of the merge, and the run cannot pass)."""


@dataclass
class Conflict:
    stage: str
    """`task` (bringing a predecessor's commit in) or `fan-in` (integrating a teammate)."""
    subject: str
    """The task id, or the teammate's name."""
    paths: list[str]


@dataclass
class Stray:
    """Changes found in a teammate's worktree before its next task: not its own, never committed under it."""

    teammate: str
    task: str
    """The task about to start."""
    paths: list[str]
    patch: str


@dataclass
class Outside:
    """A change outside the run while tasks ran without a sandbox: a possible violation, reported, not reverted."""

    kind: str
    """`refs` (the user's branches, tags, stash or HEAD) or `checkout` (files of the user's checkout)."""
    during: list[str]
    """The tasks in flight when it happened."""
    what: list[str]


@dataclass
class TaskState:
    id: str
    teammate: str
    status: TaskStatus = TaskStatus.PENDING
    reason: str = ""
    attempts: int = 0
    """Attempts that ran to an end (an attempt cut short by an interrupt is not counted)."""
    escalations: int = 0
    """Attempts killed at the task's timeout."""
    start_commit: str | None = None
    commit: str | None = None
    """The task's commit, recorded before its branch is moved to it (so a crash between the two loses nothing)."""
    duration_s: float = 0.0
    """Seconds over every attempt: backend, checks and commit."""
    input_tokens: int = 0
    output_tokens: int = 0
    cost_usd: float = 0.0
    files_changed: list[str] = field(default_factory=list)
    summary: str = ""
    patches: list[str] = field(default_factory=list)
    """The changes of each attempt that did not land, kept (relative to the run folder): nothing is lost."""
    notes: str = ""
    """What the agent said in its last RALLY_REPORT (the latest attempt's)."""
    blocker: str = ""
    """Why the agent said it is blocked (`status: blocked`)."""
    reported_files: list[str] | None = None
    """The files the agent says it changed; None when it gave no report."""

    @property
    def tokens(self) -> int:
        return self.input_tokens + self.output_tokens

    @property
    def retries(self) -> int:
        return max(self.attempts - 1, 0)


@dataclass
class FanIn:
    merged: list[str] = field(default_factory=list)
    """Teammates whose branches are in the integration branch, in merge order."""
    empty: list[str] = field(default_factory=list)
    """Teammates with nothing to merge."""
    commit: str | None = None


@dataclass
class Applied:
    branch: str
    commit: str


@dataclass
class RunState:
    run_id: str
    team: str
    spec: str
    """The spec file, as given on the command line when the run started."""
    top: str
    """The git work tree's top folder."""
    prefix: str
    """team.repo relative to `top` (`""` at the top)."""
    base: str
    base_commit: str
    backend: str
    concurrency: int
    retries: int
    max_usd: float | None
    max_tokens: float | None
    keep_worktrees: bool = False
    journal: bool = True
    version: int = STATE_VERSION
    status: RunStatus = RunStatus.RUNNING
    started_at: str = field(default_factory=now_text)
    updated_at: str = field(default_factory=now_text)
    finished_at: str | None = None
    sessions: int = 1
    task_wall_s: float = 0.0
    """Wall time of the task phase (first dispatch to last task end), over every session."""
    wall_s: float = 0.0
    """Wall time of the whole run, over every session."""
    tasks: dict[str, TaskState] = field(default_factory=dict)
    violations: list[Violation] = field(default_factory=list)
    conflicts: list[Conflict] = field(default_factory=list)
    checks: list[Check] = field(default_factory=list)
    fanin: FanIn = field(default_factory=FanIn)
    applied: Applied | None = None
    budget_stop: str | None = None
    heads: dict[str, str] = field(default_factory=dict)
    """Teammate (and `integration`) -> the commit the runner last set its branch to: what the branch must hold."""
    strays: list[Stray] = field(default_factory=list)
    outside: list[Outside] = field(default_factory=list)
    sandbox: str = ""
    """The sandbox the tasks ran in, in words (`Landlock (ABI 7)`, `none (...)`)."""
    overrides: list[str] = field(default_factory=list)
    """What the user overrode (options against the spec, a justified team size, silenced findings), in words."""

    @property
    def cost_usd(self) -> float:
        return sum(task.cost_usd for task in self.tasks.values())

    @property
    def tokens(self) -> int:
        return sum(task.tokens for task in self.tasks.values())

    def count(self, status: TaskStatus) -> int:
        return sum(1 for task in self.tasks.values() if task.status == status)


def state_document(state: RunState) -> dict[str, Any]:
    """The JSON form of the state; `vars` rather than `dataclasses.asdict`, which deep-copies (a save per
    state change, several per task: this is on the runner's hot path)."""
    return {
        **vars(state),
        "tasks": {key: vars(task) for key, task in state.tasks.items()},
        "violations": [vars(item) for item in state.violations],
        "conflicts": [vars(item) for item in state.conflicts],
        "checks": [vars(item) for item in state.checks],
        "strays": [vars(item) for item in state.strays],
        "outside": [vars(item) for item in state.outside],
        "fanin": vars(state.fanin),
        "applied": vars(state.applied) if state.applied else None,
    }


def state_from(data: dict[str, Any]) -> RunState:
    """A RunState from its JSON form (unknown keys ignored, so an older rallyc's state still loads)."""
    known = {f.name for f in fields(RunState)}
    values = {key: value for key, value in data.items() if key in known}
    if "status" in values:
        values["status"] = RunStatus(values["status"])
    values["tasks"] = {key: _task_state(task) for key, task in data.get("tasks", {}).items()}
    values["violations"] = [_make(Violation, item) for item in data.get("violations", [])]
    values["conflicts"] = [_make(Conflict, item) for item in data.get("conflicts", [])]
    values["checks"] = [_make(Check, item) for item in data.get("checks", [])]
    values["strays"] = [_make(Stray, item) for item in data.get("strays", [])]
    values["outside"] = [_make(Outside, item) for item in data.get("outside", [])]
    values["fanin"] = _make(FanIn, data.get("fanin") or {})
    values["applied"] = _make(Applied, data["applied"]) if data.get("applied") else None
    return RunState(**values)


def _task_state(data: dict[str, Any]) -> TaskState:
    record: TaskState = _make(TaskState, data)
    record.status = TaskStatus(record.status)  # an unknown status is a ValueError: the state cannot be read
    return record


def _make(kind: Any, data: dict[str, Any]) -> Any:
    known = {f.name for f in fields(kind)}
    return kind(**{key: value for key, value in data.items() if key in known})


class RunFolder:
    """`.rally/runs/<run-id>/` and what it holds."""

    def __init__(self, top: Path, run_id: str) -> None:
        self.top = top
        self.run_id = run_id
        self.path = top / RALLY_FOLDER / "runs" / run_id
        self.worktrees = top / RALLY_FOLDER / "worktrees" / run_id
        self.state_file = self.path / "state.json"
        self.events_file = self.path / "events.jsonl"
        self.commits_file = self.path / "commits.log"
        self.plan_file = self.path / "plan.json"
        self._lock: IO[str] | None = None

    def worktree(self, teammate: str) -> Path:
        return self.worktrees / teammate

    def exists(self) -> bool:
        return self.state_file.is_file()

    def lock(self) -> None:
        """Hold the run's lock for this process's life (released by the OS, also after kill -9)."""
        self.path.mkdir(parents=True, exist_ok=True)
        handle = open(self.path / "lock", "w")  # noqa: SIM115 - held until the process exits
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as error:
            handle.close()
            raise RallyError(f"run {self.run_id} is in use by another rallyc process") from error
        self._lock = handle

    def unlock(self) -> None:
        if self._lock is not None:
            self._lock.close()
            self._lock = None

    def recorded_commits(self) -> dict[str, str]:
        """Task id -> the last commit the runner recorded for it in `commits.log` (a line cut short by a crash
        is skipped)."""
        found = {}
        try:
            lines = self.commits_file.read_text(encoding="ascii", errors="replace").splitlines()
        except OSError:
            return {}
        for line in lines:
            task, _, commit = line.partition(" ")
            if RUN_TASK.fullmatch(task) and COMMIT.fullmatch(commit):
                found[task] = commit
        return found

    def load(self) -> RunState:
        try:
            return state_from(json.loads(self.state_file.read_text(encoding="utf-8")))
        except (OSError, ValueError, TypeError) as error:
            raise RallyError(f"cannot read the state of run {self.run_id} ({self.state_file}): {error}") from error


class Store:
    """Writes one run's state and events; every text goes through the redactor first."""

    def __init__(self, folder: RunFolder, redactor: Redactor) -> None:
        self.folder = folder
        self.redactor = redactor
        folder.path.mkdir(parents=True, exist_ok=True)
        _end_with_newline(folder.events_file)
        self._events = open(folder.events_file, "a", encoding="utf-8")  # noqa: SIM115 - closed by close()
        self._folders: set[Path] = set()

    def save(self, state: RunState) -> None:
        state.updated_at = now_text()
        text = json.dumps(state_document(state), indent=None, separators=(",", ":"), ensure_ascii=False)
        write_atomic(self.folder.state_file, _json_safe(self.redactor.text(text)) + "\n")

    def event(self, kind: str, **data: Any) -> dict[str, Any]:
        """Append the event, masked; the masked record is what the displays get too."""
        record = {"t": round(time.time(), 3), "event": kind, **data}
        line = json.dumps(record, ensure_ascii=False, sort_keys=True)
        masked = _json_safe(self.redactor.text(line))
        self._events.write(masked + "\n")
        self._events.flush()
        return record if masked == line else json.loads(masked)

    def record_commit(self, task: str, commit: str) -> None:
        """`task`'s commit, appended to `commits.log` before its branch moves: a crash between the two loses
        nothing (one short line, from the thread that moves the branch; state.json follows on its next save)."""
        with open(self.folder.commits_file, "a", encoding="ascii") as stream:
            stream.write(f"{task} {commit}\n")

    def write(self, relative: str, text: str) -> Path:
        path = self.folder.path / relative
        write_atomic(path, self.redactor.text(text))
        return path

    def write_plain(self, relative: str, text: str) -> Path:
        """Written in place, not atomically: for files a crash may cut short harmlessly (a prompt is rewritten)."""
        path = self._ready(relative)
        with open(path, "w", encoding="utf-8", errors="replace") as stream:
            stream.write(self.redactor.text(text))
        return path

    def write_bytes(self, relative: str, data: bytes) -> Path:
        path = self._ready(relative)
        path.write_bytes(self.redactor.data(data))
        return path

    def append(self, relative: str, text: str) -> None:
        with open(self._ready(relative), "a", encoding="utf-8", errors="replace") as stream:
            stream.write(self.redactor.text(text))

    def _ready(self, relative: str) -> Path:
        """The path in the run folder, its folder made once per process."""
        path = self.folder.path / relative
        if path.parent not in self._folders:
            path.parent.mkdir(parents=True, exist_ok=True)
            self._folders.add(path.parent)
        return path

    def close(self) -> None:
        self._events.close()


def _json_safe(text: str) -> str:
    """JSON text whose strings may hold the surrogates a file name that is not UTF-8 decodes to: each becomes a
    `\\udcXX` escape, which JSON reads back as the same string (the name round-trips, byte for byte)."""
    return text.encode("utf-8", "backslashreplace").decode("utf-8") if has_surrogates(text) else text


def line_ended(text: str) -> str:
    """`text` for a log: ending with a newline unless empty."""
    return text if not text or text.endswith("\n") else text + "\n"


def _end_with_newline(path: Path) -> None:
    """A crash mid-line leaves a partial last event; the next one starts on a line of its own."""
    try:
        with open(path, "rb+") as stream:
            stream.seek(0, os.SEEK_END)
            if stream.tell():
                stream.seek(-1, os.SEEK_END)
                if stream.read(1) != b"\n":
                    stream.write(b"\n")
    except FileNotFoundError:
        pass


def read_events(path: Path) -> list[dict[str, Any]]:
    """The events of a run, skipping a line a crash cut short."""
    found = []
    try:
        lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        return []
    for line in lines:
        try:
            found.append(json.loads(line))
        except ValueError:
            continue
    return found


def runs_in(top: Path) -> list[str]:
    """Run ids with a state file under `top`, oldest first (run ids sort by their start time)."""
    folder = top / RALLY_FOLDER / "runs"
    if not folder.is_dir():
        return []
    found = [p.name for p in folder.iterdir() if (p / "state.json").is_file()]
    return sorted(found, key=lambda run_id: (run_id.rsplit("-", 2)[-2] if RUN_ID.fullmatch(run_id) else "", run_id))
