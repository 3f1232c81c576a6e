"""A task has neither `done_when` nor `verify`.

## What it does
Reports, at the task's id, every task with no completion criteria: no
`done_when` entry and no `verify` command (entries that are only whitespace
do not count). Team-level `verify` does not count either: it checks the
merged result, not when this one task is done.

## Why it matters
The guide's Core Contract: every teammate prompt must include completion
criteria, and idle is waiting, not completion. Without criteria the lead
cannot tell done from stuck, and silent drift, the guide's #1 production
failure mode, goes unnoticed until reconciliation.

## Example
```yaml
tasks:
  - {id: token-service, do: Move token handling into src/auth/tokens/.}
```

## Instead
```yaml
tasks:
  - id: token-service
    do: Move token handling into src/auth/tokens/.
    done_when: [tokens are issued and checked only in src/auth/tokens/]
    verify: [pytest -q tests/auth/test_tokens.py]
```
"""

from __future__ import annotations

from collections.abc import Iterator

from rallyc.context import LintContext
from rallyc.diagnostics import Finding, Severity

code = "RY306"
name = "missing-completion-criteria"
severity = Severity.WARNING


def check(ctx: LintContext) -> Iterator[Finding]:
    for task in ctx.spec.tasks:
        if not any(text.strip() for text in (*task.done_when, *task.verify)):
            yield Finding(
                task.span,
                f"the task `{task.id}` of `{task.teammate}` has no completion criteria (`done_when` or `verify`)",
                "add `done_when: [what shows it is done]` or `verify: [a command that exits 0 when it is]`",
            )
