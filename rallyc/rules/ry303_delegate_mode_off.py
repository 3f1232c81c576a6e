"""A team of 3 or more teammates turns the lead's delegate mode off.

## What it does
When the team has 3 or more teammates and `team.lead.delegate` is `false`,
reports at the `teammates` key (where a finding about the team as a whole
goes, and where `# rallyc: ignore[RY303]` belongs), with the `delegate`
value as related. Smaller teams pass: the guide asks for delegate mode only from 3 teammates on.

## Why it matters
The guide's Core Contract, "Delegate mode": for teams of 3+, activate
delegate mode so the lead focuses on coordination only and does not compete
with teammates for file access; this consistently produces better results
than a lead that both coordinates and implements. Its Never list: the lead
does not write implementation code.

## Example
```yaml
team:
  name: t
  goal: Ship it.
  lead: {delegate: false}
teammates: [...]    # three teammates
```

## Instead
```yaml
team:
  name: t
  goal: Ship it.    # delegate mode is on by default
teammates: [...]
```
"""

from __future__ import annotations

from collections.abc import Iterator

from rallyc.context import LintContext
from rallyc.diagnostics import Finding, Related, Severity

code = "RY303"
name = "delegate-mode-off"
severity = Severity.WARNING

MIN_TEAM = 3


def check(ctx: LintContext) -> Iterator[Finding]:
    spec = ctx.spec
    count = len(spec.teammates)
    if count < MIN_TEAM or spec.team.delegate:
        return
    off = spec.team.delegate_span
    yield Finding(
        spec.teammates_span,
        f"delegate mode is off with {count} teammates: the lead would both coordinate and compete for files",
        "remove `delegate: false` (delegate mode is the default) and leave the code to the teammates",
        (Related(off, "`delegate: false` set here"),) if off else (),
    )
