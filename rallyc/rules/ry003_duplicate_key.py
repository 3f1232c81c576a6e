"""A mapping repeats a key.

## What it does
Reports the second occurrence of a key in the same mapping, with the first as
the related place. rallyc keeps the first value; other YAML tools keep the
last or refuse the file.

## Why it matters
Two tools reading the same spec must see the same plan. With a repeated
`owns`, the linter could check one ownership map while the runtime enforces
the other: the file-ownership invariant is the guide's most critical safety
guarantee.

## Example
```yaml
- name: api
  owns: [src/api/**]
  owns: [src/**]
```

## Instead
```yaml
- name: api
  owns: [src/api/**]
```
"""

from __future__ import annotations

from collections.abc import Iterator

from rallyc.context import LintContext
from rallyc.diagnostics import Finding, Related, Severity

code = "RY003"
name = "duplicate-key"
severity = Severity.ERROR
phase = "document"


def check(ctx: LintContext) -> Iterator[Finding]:
    assert ctx.document is not None
    for duplicate in ctx.document.duplicates:
        yield Finding(
            duplicate.second,
            f"the key `{duplicate.key}` is repeated; rallyc keeps the first one",
            "remove one of them or merge their values",
            (Related(duplicate.first, f"`{duplicate.key}` first set here"),),
            blocking=False,
        )
