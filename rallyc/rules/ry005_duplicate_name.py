"""Two teammates share a name, or two tasks share an id.

## What it does
Reports the second teammate with a name already used, and the second task
with an id already used anywhere in the spec, with the first as related.

## Why it matters
Names are how the lead addresses teammates and how `after` names tasks. With
two `api` teammates, messages, ownership and dependencies reach the wrong
one; the guide's hub-and-spoke model needs every spoke addressable.

## Example
```yaml
teammates:
  - name: api
    tasks: [{id: routes, do: Add routes.}]
  - name: api
    tasks: [{id: routes, do: Add tests.}]
```

## Instead
```yaml
teammates:
  - name: api
    tasks: [{id: routes, do: Add routes.}]
  - name: api-tests
    tasks: [{id: route-tests, do: Add tests.}]
```
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from rallyc.context import LintContext
from rallyc.diagnostics import Finding, Related, Severity
from rallyc.source import Span

code = "RY005"
name = "duplicate-name"
severity = Severity.ERROR
phase = "spec"


def check(ctx: LintContext) -> Iterator[Finding]:
    spec = ctx.spec
    yield from _repeats("teammate name", ((teammate.name, teammate.span) for teammate in spec.teammates))
    yield from _repeats("task id", ((task.id, task.span) for task in spec.tasks))


def _repeats(kind: str, names: Iterable[tuple[str, Span]]) -> Iterator[Finding]:
    first: dict[str, Span] = {}
    for value, span in names:
        if value in first:
            yield Finding(
                span,
                f"the {kind} `{value}` is already used",
                f"give each {kind} its own value",
                (Related(first[value], f"`{value}` first used here"),),
            )
        else:
            first[value] = span
