"""What the agent says it did: the last `RALLY_REPORT` block of its final output.

The compiled teammate prompt asks every agent to end with

    RALLY_REPORT
    teammate: api
    task: routes
    status: done | blocked | failed
    files_changed: [src/api/routes.py, ...]
    checks: [{command: pytest -q, exit_code: 0}]
    notes: one paragraph

`status: failed` fails the attempt; `blocked` fails the task without a retry (a retry does not unblock)
and its notes become the task's blocker; `notes` and the files the agent says it changed go into the
report beside what was really committed. A missing or malformed block is no error: the report then
says nothing for the agent. The block is read leniently (a fence around it or not, keys in any order,
a value running on over following lines); nothing in it is trusted for the run's outcome except a
status that makes it worse. Control characters are dropped from every value: an agent's text reaches the
terminal and report.md, where an escape sequence could rewrite what the runner printed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from rallyc.runner.names import printable
from rallyc.statuses import AgentStatus

MARKER = re.compile(r"^[ \t>*`]*RALLY_REPORT[ \t`*]*$", re.MULTILINE)
KEY = re.compile(r"^\s*(teammate|task|status|files_changed|checks|notes)\s*:\s?(.*)$")
NOTES_CAP = 2000
"""Characters of notes kept: a paragraph, not a transcript."""


@dataclass(frozen=True, slots=True)
class AgentReport:
    status: AgentStatus | None = None
    """None when the agent gave none that reads."""
    notes: str = ""
    files: tuple[str, ...] = ()
    task: str = ""


def parse_report(text: str) -> AgentReport:
    """The last RALLY_REPORT block in `text`; an empty report when there is none."""
    text = "\n".join(printable(line) for line in text.splitlines())
    found = list(MARKER.finditer(text))
    if not found:
        return AgentReport()
    fields: dict[str, str] = {}
    key = None
    fenced = text[: found[-1].start()].rstrip().endswith("```")
    for line in text[found[-1].end() :].splitlines()[1:]:
        if line.strip().startswith("```") or not line.strip():
            break
        match = KEY.match(line)
        if match:
            key = match.group(1)
            fields[key] = match.group(2).strip()
        elif fenced and key is not None:
            fields[key] += " " + line.strip()  # a value that runs on, inside the block's fence
        else:
            break
    return AgentReport(_status(fields.get("status", "")), fields.get("notes", "").strip()[:NOTES_CAP],
                       _listed(fields.get("files_changed", "")), fields.get("task", "").strip())  # fmt: skip


def _status(value: str) -> AgentStatus | None:
    """`done`, `` `Blocked` ``, `"failed"`: read leniently; anything else is no status."""
    try:
        return AgentStatus(value.strip().strip("`'\"").lower())
    except ValueError:
        return None


def _listed(value: str) -> tuple[str, ...]:
    """`[a, "b c", 'd']` (or a bare comma list) as paths."""
    inner = value.strip().removeprefix("[").removesuffix("]")
    items = (item.strip().strip("`'\"") for item in inner.split(","))
    return tuple(item for item in items if item)
