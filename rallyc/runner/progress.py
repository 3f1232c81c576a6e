"""Progress a person can watch: a live table on a terminal, plain lines otherwise, JSON lines with --json.

Every display gets the run's events (the records appended to events.jsonl)
and messages for the person (`line`). The live table has a row per teammate
(task, state, elapsed, cost) and a footer, redrawn in place on every event
and twice a second; messages scroll above it.
"""

from __future__ import annotations

import asyncio
import json
import shutil
import sys
import time
from typing import Any, Protocol, TextIO

from rallyc.plan import Plan
from rallyc.runner.state import RunState
from rallyc.runner.report import OUTSIDE, seconds
from rallyc.statuses import TaskStatus
from rallyc.units import format_usd

REFRESH_SECONDS = 0.5


class Display(Protocol):
    def start(self, plan: Plan, state: RunState) -> None: ...

    def event(self, record: dict[str, Any]) -> None: ...

    def line(self, text: str) -> None: ...

    def stop(self) -> None: ...


def display_for(mode: str, stream: TextIO | None = None) -> Display:
    """`json`, `plain`, `live`, or `auto` (live on a terminal, else plain)."""
    out = stream or sys.stdout
    if mode == "json":
        return JsonDisplay(out)
    if mode == "live" or (mode == "auto" and out.isatty()):
        return LiveDisplay(out)
    return PlainDisplay(out)


def describe(record: dict[str, Any]) -> str | None:
    """One line for an event, or None for events a person need not see."""
    kind = record.get("event")
    who = f"{record.get('teammate', '')}/{record.get('task', '')}"
    if kind == "task_started":
        return f"{who}: started (attempt {record['attempt']})"
    if kind == "task_done":
        return f"{who}: done, commit {str(record.get('commit'))[:10]}, {len(record.get('files', []))} file(s)"
    if kind == "task_retry":
        return f"{who}: attempt {record['attempt']} failed ({record['reason']}); retrying"
    if kind == "task_failed":
        return f"{who}: FAILED: {record['reason']}"
    if kind == "task_skipped":
        return f"{who}: skipped ({record['reason']})"
    if kind == "task_interrupted":
        return f"{who}: interrupted; reset to its start"
    if kind == "violation":
        return f"{record['task']}: ownership violation: {', '.join(record['paths'])} (changes kept in {record['patch']})"
    if kind == "outside_change":
        what = OUTSIDE[record["change"]]
        return f"POSSIBLE VIOLATION while {', '.join(record['during'])} ran: {what} changed: " \
               f"{'; '.join(record['what'][:3])}{' ...' if len(record['what']) > 3 else ''} (not reverted)"  # fmt: skip
    if kind == "strays":
        return f"{record['teammate']}: changes not its own found in its worktree before {record['task']} " \
               f"({', '.join(record['paths'][:3])}); set aside in {record['patch']}"  # fmt: skip
    if kind == "check" and record.get("exit_code") != 0:
        return f"check failed ({record['scope']}): {record['command']} exited {record['exit_code']}"
    if kind == "budget_reached":
        return f"budget reached: {record['reason']}; no new task starts"
    if kind == "fanin_started":
        return f"fan-in: merging into {record['branch']} in the order {' > '.join(record['merge_order'])}"
    if kind == "teammate_merged":
        return f"fan-in: merged {record['teammate']} ({record['tasks']} task commit(s))"
    if kind == "merge_conflict":
        return f"fan-in: CONFLICT merging {record['teammate']}: {', '.join(record['paths'])}"
    if kind in ("run_started", "run_resumed"):
        verb = "started" if kind == "run_started" else "resumed"
        return f"run {record['run_id']} {verb}: {record['tasks']} tasks, {record['teammates']} teammates, " \
               f"backend {record['backend']}, concurrency {record['concurrency']}"  # fmt: skip
    return None


def show(stream: TextIO, text: str) -> None:
    """Write and flush; a closed pipe (`rallyc run | head`) silences the display, it never stops the run."""
    try:
        stream.write(text)
        stream.flush()
    except (OSError, ValueError):
        pass


class PlainDisplay:
    def __init__(self, out: TextIO) -> None:
        self.out = out
        self.started = time.monotonic()

    def start(self, plan: Plan, state: RunState) -> None:
        self.started = time.monotonic()

    def event(self, record: dict[str, Any]) -> None:
        text = describe(record)
        if text is not None:
            self.line(f"[{seconds(time.monotonic() - self.started):>7}] {text}")

    def line(self, text: str) -> None:
        show(self.out, text + "\n")

    def stop(self) -> None:
        pass


class JsonDisplay:
    """Events as JSON lines on stdout; messages for a person on stderr."""

    def __init__(self, out: TextIO) -> None:
        self.out = out

    def start(self, plan: Plan, state: RunState) -> None:
        pass

    def event(self, record: dict[str, Any]) -> None:
        show(self.out, json.dumps(record, ensure_ascii=False, sort_keys=True) + "\n")

    def line(self, text: str) -> None:
        show(sys.stderr, text + "\n")

    def stop(self) -> None:
        pass


class LiveDisplay:
    def __init__(self, out: TextIO) -> None:
        self.out = out
        self.rows: dict[str, list[Any]] = {}
        """teammate -> [task, state, started (monotonic) or None, seconds]"""
        self.state: RunState | None = None
        self.phase = "tasks"
        self.drawn = 0
        self.started = time.monotonic()
        self.ticker: asyncio.Task[None] | None = None
        self.stopped = False

    def start(self, plan: Plan, state: RunState) -> None:
        self.state = state
        self.rows = {mate.name: ["", "waiting", None, 0.0] for mate in plan.teammates}
        self.started = time.monotonic()
        try:
            self.ticker = asyncio.get_running_loop().create_task(self._tick())
        except RuntimeError:
            self.ticker = None
        self._draw()

    async def _tick(self) -> None:
        while True:
            await asyncio.sleep(REFRESH_SECONDS)
            self._draw()

    def event(self, record: dict[str, Any]) -> None:
        if self.stopped:
            return
        kind, mate = record.get("event"), record.get("teammate")
        row = self.rows.get(str(mate)) if mate else None
        if row is not None and kind == "task_started":
            row[:3] = [record["task"], f"running #{record['attempt']}", time.monotonic()]
        elif row is not None and kind in ("task_done", "task_failed", "task_retry", "task_interrupted"):
            state = {"task_done": "done", "task_failed": "FAILED", "task_retry": "retrying",
                     "task_interrupted": "interrupted"}[str(kind)]  # fmt: skip
            row[1], row[3] = state, time.monotonic() - row[2] if row[2] else 0.0
            row[2] = None
        elif kind == "fanin_started":
            self.phase = "fan-in"
        text = describe(record)
        if text is not None and kind not in ("task_started", "task_done", "run_started", "run_resumed"):
            self.line(text)
        else:
            self._draw()

    def line(self, text: str) -> None:
        self._clear()
        show(self.out, text + "\n")
        if not self.stopped:
            self._draw()

    def stop(self) -> None:
        """The last frame stays on the screen; what follows prints below it."""
        if self.ticker is not None:
            self.ticker.cancel()
            self.ticker = None
        self.phase = "ended"
        self._draw()
        self.drawn = 0
        self.stopped = True

    def _lines(self) -> list[str]:
        width = max([len("teammate")] + [len(name) for name in self.rows])
        task_width = max([len(str(row[0])) for row in self.rows.values()] + [4])
        lines = [f"{'teammate':<{width}}  {'task':<{task_width}}  {'state':<12}  {'elapsed':>7}  cost"]
        costs: dict[str, float] = {}
        if self.state is not None:
            for record in self.state.tasks.values():
                costs[record.teammate] = costs.get(record.teammate, 0.0) + record.cost_usd
        for name, (task, state, since, spent) in self.rows.items():
            elapsed = time.monotonic() - since if since else spent
            lines.append(f"{name:<{width}}  {task:<{task_width}}  {state:<12}  {seconds(elapsed):>7}  "
                         f"{format_usd(costs.get(name, 0.0))}")  # fmt: skip
        if self.state is not None:
            done = self.state.count(TaskStatus.DONE)
            lines.append(f"{done}/{len(self.state.tasks)} tasks done, {format_usd(self.state.cost_usd)} spent, "
                         f"{seconds(time.monotonic() - self.started)} elapsed ({self.phase})")  # fmt: skip
        return lines

    def _clear(self) -> None:
        if self.drawn:
            show(self.out, f"\x1b[{self.drawn}F\x1b[J")
            self.drawn = 0

    def _draw(self) -> None:
        columns = max(shutil.get_terminal_size((100, 24)).columns - 1, 20)
        lines = [line[:columns] for line in self._lines()]
        self._clear()
        show(self.out, "".join(f"{line}\n" for line in lines))
        self.drawn = len(lines)
