"""The cost or token estimate exceeds the budget's cap, or comes within 20% of it.

## What it does
Compares the cost estimate with `budget.max_usd` and the token estimate with
`budget.max_tokens` (docs/language.md, "Derived semantics", cost estimate: each task's `tokens` times
its teammate's blended price times `overhead`). Above the cap it is an error;
above 80% of the cap (up to the cap itself) a warning. The message shows the
estimate, how it was reached and the cap, and points at the cap's value.

## Why it matters
The guide's budget guardrails: set a maximum API cost per session and, when
teammates hit it, complete in-flight work, skip the rest and report partial
results. A plan whose own estimate is over the cap is planned to be cut
short; one within 20% of it has no room for the 1.5-7x token duplication
multi-agent runs commonly show.

## Example
```yaml
defaults: {model: opus, estimate: 20m}
budget: {max_usd: 15}   # 4 tasks x 150k tokens x 3.5 overhead on Opus: $21.00
```

## Instead
```yaml
defaults: {model: sonnet, estimate: 20m}
budget: {max_usd: 20}   # routine work on Sonnet: $12.60, 63% of the cap
```
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from fractions import Fraction

from rallyc.analysis.cost import CostEstimate
from rallyc.context import LintContext
from rallyc.diagnostics import Finding, Severity
from rallyc.ir import Quantity
from rallyc.units import format_tokens, format_usd

code = "RY402"
name = "over-budget"
severity = Severity.ERROR

WARN_SHARE = Fraction(4, 5)
"""Above this share of a cap the plan has too little headroom; exactly 80% passes."""
HEADROOM = 1.5
"""A suggested cap leaves room for the estimate to be wrong by half."""


def check(ctx: LintContext) -> Iterator[Finding]:
    budget, cost = ctx.spec.budget, ctx.cost
    if budget.max_usd is not None:
        # compared in cents, as shown, so float noise never decides the 80% boundary
        usd = round(cost.usd, 2)
        found = _against_cap(usd, budget.max_usd, "max_usd", "estimated cost", format_usd, cost.explain())
        if found:
            yield found
    if budget.max_tokens is not None:
        what, how = "estimated token count", _explain_tokens(cost)
        found = _against_cap(round(cost.tokens), budget.max_tokens, "max_tokens", what, format_tokens, how)
        if found:
            yield found


def _against_cap(
    estimate: float, cap: Quantity, key: str, what: str, show: Callable[[float], str], how: str
) -> Finding | None:
    if not (math.isfinite(estimate) and math.isfinite(cap.amount)):
        return None  # an infinite or NaN number is a schema problem, not a budget one
    share = Fraction(estimate) / Fraction(cap.amount)
    if share <= WARN_SHARE:
        return None
    # as the user writes it in the spec: `max_usd: 48`, `max_tokens: 4M`
    cap_value = _round_up(estimate * HEADROOM)
    suggested = format_tokens(cap_value) if key == "max_tokens" else str(cap_value)
    if share > 1:
        return Finding(
            cap.span,
            f"{what} {show(estimate)} exceeds {key} {show(cap.amount)}: {how}",
            f"raise `{key}` to {suggested} (the estimate with 50% headroom), or cut the plan: fewer or smaller "
            "tasks, Sonnet or Haiku for routine roles, or a subagent runtime (half the token overhead)",
            severity=Severity.ERROR,
        )
    return Finding(
        cap.span,
        f"{what} {show(estimate)} is {_percent(share)} of {key} {show(cap.amount)}, "
        f"over the 80% that leaves room for error: {how}",
        f"raise `{key}` to {suggested} (the estimate with 50% headroom), or trim the plan below 80% of the cap",
        severity=Severity.WARNING,
    )


def _round_up(count: float) -> int:
    """Up to two significant digits, so a suggested cap reads like one a person writes ($48, 4M; not 3.938M)."""
    step: int = 10 ** max(len(str(math.ceil(count))) - 2, 0)
    return math.ceil(count / step) * step


def _percent(share: Fraction) -> str:
    """To a tenth, kept strictly between 80% and 100%, so the number agrees with the severity."""
    tenths = min(max(round(share * 1000), 801), 999) if share < 1 else 1000
    return f"{tenths // 10}%" if tenths % 10 == 0 else f"{tenths / 10:.1f}%"


def _explain_tokens(cost: CostEstimate) -> str:
    """`8 tasks x 150k tokens x overhead 3.5`, or the total when tasks differ; and the learned token factor."""
    written = [item.tokens / cost.overhead / item.factor for item in cost.tasks]
    tasks = f"{len(written)} task{'s' if len(written) != 1 else ''}"
    factors = {item.factor for item in cost.tasks}
    learned = "" if factors <= {1.0} else f" x learned {factors.pop():g}" if len(factors) == 1 else " x the learned factors"
    if len(set(written)) == 1:
        return f"{tasks} x {format_tokens(written[0])} tokens x overhead {cost.overhead:g}{learned}"
    return f"{tasks} with {format_tokens(sum(written))} tokens in all x overhead {cost.overhead:g}{learned}"
