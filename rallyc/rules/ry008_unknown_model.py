"""A `model` that is neither an alias exactly as written nor a model id rallyc knows.

## What it does
Checks `team.lead.model`, `defaults.model` and every teammate's `model`: each
must be one of the aliases `opus`, `sonnet`, `haiku` and `inherit` exactly as
written, or a full model id the built-in price table or `budget.prices`
knows. Anything else (`Opus`, `sonet`, `claude-sonnet`) is reported where it
is written, once (a bad `defaults.model` names the teammates that inherit
it), with the closest known name compared without regard to case.

## Why it matters
The guide's budget guardrails price every teammate by its model, and the
runtimes take the name as it is written: a misspelt model is priced as
something else and handed to Claude Code or Codex, which reject it or fall
back to a default, so the team that runs is not the one that was costed.

## Example
```yaml
teammates:
  - name: api
    model: Sonet
```

## Instead
```yaml
teammates:
  - name: api
    model: sonnet
```
"""

from __future__ import annotations

from collections.abc import Iterator

from rallyc.context import LintContext
from rallyc.diagnostics import Finding, Severity, closest
from rallyc.models import ALIASES, MODEL_IDS
from rallyc.source import Span

code = "RY008"
name = "unknown-model"
severity = Severity.ERROR


def check(ctx: LintContext) -> Iterator[Finding]:
    spec = ctx.spec
    known = (*ALIASES, *MODEL_IDS, *(model for model in spec.budget.prices if model not in ALIASES))
    written: dict[Span, tuple[str, list[str]]] = {}
    if spec.team.lead_model_span is not None:
        written[spec.team.lead_model_span] = (spec.team.lead_model, ["the lead"])
    for mate in spec.teammates:
        if mate.model.written:
            written.setdefault(mate.model.span, (mate.model.value, []))[1].append(f"`{mate.name}`")
    for span, (model, users) in written.items():
        if model not in known:
            yield Finding(span, _message(model, users), _hint(model, known))


def _message(model: str, users: list[str]) -> str:
    shown = ", ".join(users[:6]) + (f" and {len(users) - 6} more" if len(users) > 6 else "")
    return f"`{model}` is not a model rallyc knows (for {shown}): an alias exactly as written or a full model id"


def _hint(model: str, known: tuple[str, ...]) -> str:
    lowered = {option.lower(): option for option in known}
    match = lowered.get(model.lower()) or lowered.get(closest(model.lower(), lowered) or "")
    suggestion = f"did you mean `{match}`? " if match else ""
    return (f"{suggestion}write one of {', '.join(f'`{alias}`' for alias in ALIASES)}, a full id such as "
            f"`{MODEL_IDS[0]}`, or price a new id in `budget.prices`")
