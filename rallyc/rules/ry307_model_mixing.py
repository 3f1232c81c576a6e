"""An Opus teammate does routine work, or every teammate is on Opus.

## What it does
A teammate is on Opus when its model is `opus`, a full model id containing
`opus`, or `inherit` while the lead's model is one of those. The rule
reports, at the teammate's `model`, an Opus teammate whose role reads as
routine work: a word of the role (case-insensitive) is one of tests,
testing, docs, documentation, docstrings, formatting, boilerplate,
scaffolding, lint, typos, changelog, readme, release notes and their
variants.

When the team has 2 or more teammates and every one is on Opus, it instead
reports once at the `teammates` key; the routine-role teammates, if any, are
named in that message and listed as related places, with no finding of
their own, so one problem (nobody uses a cheaper model) gives one finding.

## Why it matters
The guide's Core Contract, "Model mixing": assign Sonnet to roles that do
not need Opus-level reasoning (boilerplate implementation, test writing,
formatting) to reduce per-session cost, keeping Opus for complex
architectural decisions. Agent Teams already cost 3-4x the tokens of one
session; Opus input costs 5/3 of Sonnet's.

## Example
```yaml
- name: docs
  role: documentation
  model: opus
  tasks: [{id: api-docs, do: Document the API.}]
```

## Instead
```yaml
- name: docs
  role: documentation
  model: sonnet
  tasks: [{id: api-docs, do: Document the API.}]
```
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from rallyc.context import LintContext
from rallyc.diagnostics import Finding, Related, Severity
from rallyc.ir import Teammate
from rallyc.models import INHERIT, family, resolve_model

code = "RY307"
name = "model-mixing"
severity = Severity.INFO

_ROUTINE = re.compile(
    r"\b(?:tests?|testing|docs?|documentation|docstrings?|format|formatting|formatter"
    r"|boilerplate|scaffold|scaffolding|lint|linter|linting|typos?|changelogs?|readmes?|release[ -]notes)\b",
    re.IGNORECASE,
)


def check(ctx: LintContext) -> Iterator[Finding]:
    spec = ctx.spec
    lead = spec.team.lead_model
    on_opus = [t for t in spec.teammates if family(resolve_model(t.model.value, lead)) == "opus"]
    routine = [t for t in on_opus if _ROUTINE.search(t.role.value)]
    if len(spec.teammates) >= 2 and len(on_opus) == len(spec.teammates):
        yield _all_on_opus(ctx, routine)
        return
    for teammate in routine:
        yield Finding(
            teammate.model.span,
            f"`{teammate.name}` runs on Opus ({_model_text(teammate, lead)}) "
            f"but its role `{teammate.role.value.strip()}` reads as routine work",
            f"set `model: sonnet` (or `haiku`) for `{teammate.name}`; keep Opus for architectural work",
        )


def _all_on_opus(ctx: LintContext, routine: list[Teammate]) -> Finding:
    spec = ctx.spec
    message = f"all {len(spec.teammates)} teammates run on Opus"
    if routine:
        names = ", ".join(f"`{t.name}` ({t.role.value.strip()})" for t in routine)
        message += f"; {names} {'reads' if len(routine) == 1 else 'read'} as routine work"
    related = tuple(
        Related(t.model.span, f"`{t.name}` runs on Opus ({_model_text(t, spec.team.lead_model)})") for t in routine
    )
    return Finding(
        spec.teammates_span,
        message,
        "keep Opus for the architectural roles and set `model: sonnet` on the others",
        related,
    )


def _model_text(teammate: Teammate, lead: str) -> str:
    model = teammate.model.value
    return f"`inherit` from the lead's `{lead}`" if model == INHERIT else f"`{model}`"
