"""The team has 5 or more teammates without a written reason, or 10 or more.

## What it does
Counts the teammates. With 5 to 8 and no `team.size_justification` it warns
(the guide's "ask first"); at 9 without one it is an error; at 10 or more it
is an error whatever the justification says, since the guide never allows it.
With a justification, 5 to 9 teammates pass. A justification of only
whitespace counts as none. The finding points at the `teammates` key.

Every finding carries its own severity (warning or error), so the rule's
default severity (`warning`, the first one the rules reference lists, and the level
SARIF shows as the rule's default) never decides a finding.

## Why it matters
The guide's Core Contract: "Preferred size is 3-5 teammates ... Never exceed
8 without explicit justification". Its Boundaries list "Spawning 5+
teammates" under Ask First (coordination overhead grows quadratically) and
"Spawn 10+ teammates" under Never: with N agents there are N(N-1)/2 possible
interactions, and unstructured groups amplify errors 17x.

## Example
```yaml
team: {name: big, goal: Rewrite the billing service.}
teammates:          # six teammates, and no word on why
  - {name: a, role: implementation, tasks: [{id: a1, do: Part A.}]}
  - {name: b, role: implementation, tasks: [{id: b1, do: Part B.}]}
  # ... c, d, e, f
```

## Instead
```yaml
team:
  name: big
  goal: Rewrite the billing service.
  size_justification: Six independent payment providers, one adapter each.
teammates:
  - {name: a, role: implementation, tasks: [{id: a1, do: Part A.}]}
  # ...
```
"""

from __future__ import annotations

from collections.abc import Iterator

from rallyc.context import LintContext
from rallyc.diagnostics import Finding, Severity
from rallyc.source import Span

code = "RY301"
name = "team-size"
severity = Severity.WARNING

ASK_FIRST = 5
"""From this size on the guide says to ask first: a written justification stands for that."""
NEVER = 10
"""From this size on the guide says never, so no justification is enough."""
JUSTIFY_BY = 9
"""The guide's "never exceed 8 without explicit justification": at 9 a missing reason is an error."""


def check(ctx: LintContext) -> Iterator[Finding]:
    spec = ctx.spec
    count = len(spec.teammates)
    justified = bool((spec.team.size_justification or "").strip())
    pairs = f"{count} teammates have {count * (count - 1) // 2} possible pairwise interactions"
    if count >= NEVER:
        yield Finding(
            spec.teammates_span,
            f"{pairs}; the guide never allows 10 or more, and `team.size_justification` cannot cover that",
            "split the work into smaller teams run one after another, or merge teammates down to 3-5",
            severity=Severity.ERROR,
        )
    elif count >= ASK_FIRST and not justified:
        yield _unjustified(spec.teammates_span, count, pairs)


def _unjustified(span: Span, count: int, pairs: str) -> Finding:
    if count >= JUSTIFY_BY:
        return Finding(
            span,
            f"{pairs}; more than 8 needs an explicit `team.size_justification`",
            "cut the team to 3-5 teammates, or write why it needs 9 in `team.size_justification`",
            severity=Severity.ERROR,
        )
    return Finding(
        span,
        f"{pairs}; the guide asks to confirm before spawning 5 or more (overhead grows quadratically)",
        f"cut the team to 3-4 teammates, or write why it needs {count} in `team.size_justification`",
        severity=Severity.WARNING,
    )
