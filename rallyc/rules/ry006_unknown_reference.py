"""`after`, `merge.order` or `lint.ignore` names something that does not exist.

## What it does
Resolves every `after` entry (a task id, or `teammate.*`), every teammate
named in `merge.order`, and every rule code in `lint.ignore`, and reports the
ones that name nothing, with the closest existing name as a hint.

## Why it matters
An `after` that names nothing is a dependency that is silently dropped: two
tasks the author meant to order run at the same time, the hidden
read-after-write the guide says never to parallelise.

## Example
```yaml
after: [api-route]      # the task is api-routes
```

## Instead
```yaml
after: [api-routes]
```
"""

from __future__ import annotations

from collections.abc import Collection, Iterator

from rallyc.context import LintContext
from rallyc.diagnostics import Finding, Severity, closest
from rallyc.ir import Located
from rallyc.rules import all_rules
from rallyc.source import Span

code = "RY006"
name = "unknown-reference"
severity = Severity.ERROR
phase = "spec"


def check(ctx: LintContext) -> Iterator[Finding]:
    spec = ctx.spec
    teammates = [teammate.name for teammate in spec.teammates]
    tasks = [task.id for task in spec.tasks]
    for task in spec.tasks:
        for entry in task.after:
            if not entry.targets:
                yield _after_finding(str(entry.reference), entry.reference.all_tasks, entry.span, teammates, tasks)
    yield from _unknown(spec.merge_order, teammates, "merge.order names no teammate")
    yield from _unknown(spec.lint_ignore, [rule.code for rule in all_rules()], "lint.ignore names no rule")


def _after_finding(text: str, all_tasks: bool, span: Span, teammates: list[str], tasks: list[str]) -> Finding:
    name = text.removesuffix(".*")
    if all_tasks:
        return Finding(span, f"`after: {text}` names no teammate", _closest(name, teammates, suffix=".*"))
    if name in teammates:
        return Finding(span, f"`after: {text}` names a teammate, not a task", f"write `{name}.*` for all its tasks")
    return Finding(span, f"`after: {text}` names no task", _closest(name, tasks))


def _unknown(values: tuple[Located, ...], known: Collection[str], message: str) -> Iterator[Finding]:
    for value in values:
        if value.value not in known:
            yield Finding(value.span, f"{message}: `{value.value}`", _closest(value.value, known))


def _closest(name: str, known: Collection[str], suffix: str = "") -> str | None:
    close = closest(name, known)
    return f"did you mean `{close}{suffix}`?" if close else None
