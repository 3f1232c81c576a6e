"""Neither `budget.max_usd` nor `budget.max_tokens` is set.

## What it does
Reports a spec whose `budget` sets no cap: no `max_usd` and no
`max_tokens`. The finding points at the `budget` key, or at the top of the
file when there is no `budget` at all, and the hint proposes a cap: the cost
estimate with 50% headroom.

## Why it matters
The guide's budget guardrails: "set a maximum API cost per session". An
agent team costs 3-4x the tokens of a single session, and repeated context
can multiply that again; without a cap the runner has no point at which to
complete in-flight work, skip the rest and report partial results, so a
runaway plan spends without bound.

## Example
```yaml
rally: 1
team: {name: auth-split, goal: Split the auth module.}
teammates:
  - name: tokens
    role: implementation
    tasks: [{id: token-service, do: Move token code., estimate: 15m}]
```

## Instead
```yaml
rally: 1
team: {name: auth-split, goal: Split the auth module.}
budget: {max_usd: 5}      # the ~$3.15 estimate with 50% headroom
teammates:
  - name: tokens
    role: implementation
    tasks: [{id: token-service, do: Move token code., estimate: 15m}]
```
"""

from __future__ import annotations

import math
from collections.abc import Iterator

from rallyc.context import LintContext
from rallyc.diagnostics import Finding, Severity
from rallyc.source import Span
from rallyc.units import format_tokens, format_usd

code = "RY401"
name = "no-budget"
severity = Severity.WARNING

HEADROOM = 1.5
"""A suggested cap leaves room for the estimate to be wrong by half without stopping the run."""


def check(ctx: LintContext) -> Iterator[Finding]:
    budget = ctx.spec.budget
    if budget.max_usd is not None or budget.max_tokens is not None:
        return
    estimate = f"estimated {format_usd(ctx.cost.usd)} and {format_tokens(ctx.cost.tokens)} tokens"
    cap = suggested_cap(ctx.cost.usd)
    if budget.span is None:
        yield Finding(
            Span.point(ctx.spec.file),
            f"no `budget`: nothing caps the run's spend ({estimate})",
            f"add `budget: {{max_usd: {cap}}}` (the estimate with 50% headroom)",
        )
    else:
        yield Finding(
            budget.span,
            f"`budget` sets neither `max_usd` nor `max_tokens`: nothing caps the run's spend ({estimate})",
            f"add `max_usd: {cap}` to `budget` (the estimate with 50% headroom)",
        )


def suggested_cap(usd: float) -> str:
    """The estimate with headroom, in whole dollars, never zero."""
    if not math.isfinite(usd):
        return "<your limit>"
    return str(max(math.ceil(round(usd * HEADROOM, 6)), 1))
