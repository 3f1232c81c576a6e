"""No two tasks of different teammates are concurrent (fewer than 2 independent units).

## What it does
Looks for one pair of tasks of different teammates that may run at the same
time (neither reaches the other through `after` or a teammate's task order).
When there is none, every task waits on every other one, the team is a
relay, and the rule reports it at the `teammates` key. A spec with a single
teammate has nothing to run in parallel and is reported too.

## Why it matters
The guide uses Rally "only when 2+ work units can execute safely in
parallel", and routes a "sequential dependency chain with no parallelizable
segments" to a single specialist: multi-agent variants degrade sequential
reasoning by 39-70%, and a team costs 3 to 4 times the tokens for no gain in
time.

## Example
```yaml
teammates:
  - name: api
    tasks:
      - {id: api-routes, do: Add the routes.}
  - name: tests
    tasks:
      - {id: api-tests, do: Test the routes., after: [api-routes]}
```

## Instead
```yaml
teammates:
  - name: api
    tasks:
      - {id: api-routes, do: Add the routes.}
  - name: cli
    tasks:
      - {id: cli-commands, do: Add the CLI commands on the existing client.}
```
"""

from __future__ import annotations

from collections.abc import Iterator

from rallyc.context import LintContext
from rallyc.diagnostics import Finding, Severity

code = "RY206"
name = "no-parallelism"
severity = Severity.ERROR
requires = {"acyclic"}


def check(ctx: LintContext) -> Iterator[Finding]:
    graph = ctx.graph
    if graph.has_parallel_work():
        return
    teammates = ctx.spec.teammates
    if len(teammates) == 1:
        only = teammates[0].name
        message = f"only one teammate (`{only}`): nothing runs in parallel (fewer than 2 independent units)"
        hint = "run the work as a single session (one specialist), or split it among teammates with independent tasks"
    else:
        message = (
            f"no two tasks of different teammates can run at the same time: `after` entries chain all "
            f"{len(graph.tasks)} tasks of the {len(teammates)} teammates into one line (fewer than 2 independent units)"
        )
        hint = (
            "run the work sequentially in a single session, or split it into units that do not wait on each other "
            "(drop `after` entries that are not real dependencies)"
        )
    yield Finding(ctx.spec.teammates_span, message, hint)

