"""The file is not valid YAML.

## What it does
Reports the first place where the YAML parser gave up: a tab used for
indentation, an unclosed bracket or quote, a `key: value` where a list was
going on, bytes that are not UTF-8. It also refuses files that only a hostile
author writes: aliases that expand without bound ("billion laughs"), an alias
inside its own node, nesting deeper than 64 levels.

## Why it matters
Nothing else can be checked until the file parses, and a spec that half
parses in one tool and not in another is how a team ends up running a plan
nobody reviewed.

## Example
```yaml
teammates:
	- name: api   # a tab
```

## Instead
```yaml
teammates:
  - name: api
```
"""

from __future__ import annotations

from collections.abc import Iterator

from rallyc.context import LintContext
from rallyc.diagnostics import Finding, Severity

code = "RY001"
name = "yaml-syntax"
severity = Severity.ERROR
phase = "file"


def check(ctx: LintContext) -> Iterator[Finding]:
    error = ctx.load_error
    if error is not None and error.span is not None:
        yield Finding(error.span, error.message, error.hint)
