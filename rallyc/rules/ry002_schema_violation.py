"""The document breaks the JSON Schema.

## What it does
Checks the spec against `schemas/team.rally.schema.json`: unknown keys (with
a did-you-mean), wrong types, missing required keys, values outside an enum.
One finding per problem, at the offending node: an unknown key at that key, a
missing key at its parent's key, a bad value at the value. Keys starting with
`x-` are yours and never reported.

## Why it matters
A misspelled key is silently ignored by a runtime that does not know it: a
`verfiy` list means the checks you wrote never run, and the team reports
success on work nobody verified (the guide: verify before reporting results).

## Example
```yaml
tasks:
  - id: api-routes
    do: Add the routes.
    verfiy: [pytest -q tests/api]
```

## Instead
```yaml
tasks:
  - id: api-routes
    do: Add the routes.
    verify: [pytest -q tests/api]
```
"""

from __future__ import annotations

from collections.abc import Iterator

from rallyc.context import LintContext
from rallyc.diagnostics import Finding, Severity

code = "RY002"
name = "schema-violation"
severity = Severity.ERROR
phase = "document"


def check(ctx: LintContext) -> Iterator[Finding]:
    yield from ctx.schema_findings
