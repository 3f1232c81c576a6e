"""`rally:` is not a version this rallyc knows.

## What it does
Checks that the `rally` key is `1`, the only version of the language this
rallyc reads. (A missing `rally` key is a schema violation, RY002.)

## Why it matters
A spec written for another version may mean something else by the same keys;
reading it as version 1 would check, compile and run a plan its author did
not write.

## Example
```yaml
rally: 2
```

## Instead
```yaml
rally: 1
```
"""

from __future__ import annotations

from collections.abc import Iterator

from rallyc.context import LintContext
from rallyc.diagnostics import Finding, Severity

code = "RY007"
name = "unsupported-version"
severity = Severity.ERROR
phase = "document"

SUPPORTED = 1


def check(ctx: LintContext) -> Iterator[Finding]:
    assert ctx.document is not None
    data = ctx.document.data
    if not isinstance(data, dict) or "rally" not in data:
        return
    version = data["rally"]
    if isinstance(version, bool) or version != SUPPORTED:
        shown = ctx.document.plain_text.get(("rally",), version)
        yield Finding(
            ctx.document.span(("rally",)),
            f"`rally: {shown}` is not a version this rallyc knows; it reads version {SUPPORTED}",
            f"write `rally: {SUPPORTED}`, or upgrade rallyc if the spec is newer",
        )
