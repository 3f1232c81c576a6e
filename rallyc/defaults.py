"""The language's defaults, each in one place: the IR builder applies them, `make schemas` writes them into the
schema's `default` keys and `make docs` into the table of defaults in docs/language.md.

A compile target's token overhead is its descriptor's (`rallyc.targets`, copied into `rallyc.catalog`), the
built-in prices are `rallyc.models`'.
"""

from __future__ import annotations

from typing import Any

from rallyc.units import format_duration, format_tokens

RUNTIME = "claude-agent-teams"
REPO = "."
BASE = "HEAD"
LEAD_MODEL = "opus"
DELEGATE = True
MODEL = "sonnet"
"""A teammate's model."""
MODE = "bypassPermissions"
TOKENS = 150_000
"""A task's expected tokens."""
RISK = "low"
DURATION_SECONDS = 15 * 60
"""A task's duration for the schedule when it has neither `estimate` nor `timeout`."""
TIMEOUT_SECONDS = 30 * 60
"""A task's deadline when it has neither `timeout` nor `estimate` (with an estimate: twice that)."""
SPAWN_SECONDS, HANDOFF_SECONDS, MERGE_SECONDS = 120, 60, 60
"""`budget.coordination`: the lead's time per teammate spawned, per cross-teammate dependency, per merge."""
REPORT_TO = "user"
BACKEND = "claude"
RETRIES = 1
SANDBOX = "auto"
MAX_FILE_MIB = 50

_COORDINATION = {"spawn": SPAWN_SECONDS, "handoff": HANDOFF_SECONDS, "merge": MERGE_SECONDS}

AS_WRITTEN: dict[str, Any] = {
    "team.runtime": RUNTIME,
    "team.repo": REPO,
    "team.base": BASE,
    "team.lead": {"model": LEAD_MODEL, "delegate": DELEGATE},
    "team.lead.model": LEAD_MODEL,
    "team.lead.delegate": DELEGATE,
    "defaults.model": MODEL,
    "defaults.mode": MODE,
    "defaults.tokens": format_tokens(TOKENS),
    "defaults.risk": RISK,
    "teammates[].model": MODEL,
    "teammates[].mode": MODE,
    "teammates[].tasks[].tokens": format_tokens(TOKENS),
    "teammates[].tasks[].risk": RISK,
    "budget.coordination": {key: format_duration(seconds) for key, seconds in _COORDINATION.items()},
    **{f"budget.coordination.{key}": format_duration(seconds) for key, seconds in _COORDINATION.items()},
    "report.to": REPORT_TO,
    "run.backend": BACKEND,
    "run.retries": RETRIES,
    "run.sandbox": SANDBOX,
    "run.max_file_mib": MAX_FILE_MIB,
}
"""Each default as a spec would write it, by its key (`[]`: every item of a list): what the schema states."""
