"""Turning a finding's `Fix` into a text change: the edits, and the data change they must make."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from rallyc import yamledit
from rallyc.context import LintContext
from rallyc.diagnostics import Fix
from rallyc.source import Span, YamlPath
from rallyc.units import format_duration


@dataclass(frozen=True, slots=True)
class Change:
    edits: tuple[yamledit.Edit, ...]
    expect: Callable[[Any], None]
    """Applies the intended change to (a copy of) the data the old text loads to."""


def combined(changes: Sequence[Change]) -> Change:
    """Several changes of different places as one: their edits together, their data changes in order."""

    def expect(data: Any) -> None:
        for change in changes:
            change.expect(data)

    return Change(tuple(edit for change in changes for edit in change.edits), expect)


def path_at(ctx: LintContext, span: Span) -> tuple[YamlPath, bool] | None:
    """The one path whose value (False) or key (True) was written at `span`."""
    assert ctx.document is not None
    found = [(path, False) for path, info in ctx.document.nodes.items() if info.value == span]
    found += [(path, True) for path, info in ctx.document.nodes.items() if info.key == span]
    return found[0] if len(found) == 1 else None


def at(data: Any, path: YamlPath) -> Any:
    for part in path:
        data = data[part]
    return data


def change_for(ctx: LintContext, fix: Fix, tree: Any = None, items: Sequence[str] = ()) -> Change | str:
    """The text edit and the intended data change for `fix`, or why it cannot be made safely.

    For a fix that adds to a list, `items` (default: the fix's own) are added at once, as adding them one
    after another would. `tree` is the text's node tree, when the caller has it already.
    """
    located = path_at(ctx, fix.span)
    if located is None:
        return "its place in the file is ambiguous (an alias or merge key?)"
    path, is_key = located
    tree = tree if tree is not None else yamledit.compose(ctx.text)
    entry = yamledit.entry(tree, path)
    if entry is None:
        return "the value comes through an alias or merge key"
    if fix.key is not None:
        return _append_change(ctx.text, tree, path, entry, fix.key, items or [fix.text])
    node = entry[1] if is_key else entry[2]
    source = yamledit.scalar_source(ctx.text, node, fix.text) if node is not None and node.id == "scalar" else None
    if source is None:
        return "the value is written in a style (escapes, several lines) the fixer does not edit"
    if is_key and any(str(k.value) == fix.text for k, _ in entry[0].value):
        return f"the mapping already has a `{fix.text}` key"
    edit = yamledit.Edit(node.start_mark.index, node.end_mark.index, source)
    return Change((edit,), _renamed(path, fix.text) if is_key else _replaced(path, fix.text))


def _append_change(text: str, tree: Any, path: YamlPath, entry: Any, key: str, items: Sequence[str]) -> Change | str:
    mapping, anchor_key, anchor_value = entry
    owner = path[:-1]
    existing = yamledit.entry(tree, (*owner, key))
    sources = [yamledit.item_source(item) for item in items]
    if existing is None:
        edit = yamledit.insert_entry(text, mapping, (anchor_key, anchor_value), key, f"[{', '.join(sources)}]")
    elif existing[2].id == "sequence":
        edit = yamledit.append_items(text, existing[2], sources)
    else:
        return f"`{key}` is not a list"
    if edit is None:
        return "the surrounding layout is not one the fixer edits"

    def expect(data: Any) -> None:
        at(data, owner).setdefault(key, []).extend(items)

    return Change((edit,), expect)


def _renamed(path: YamlPath, new: str) -> Callable[[Any], None]:
    def expect(data: Any) -> None:
        mapping = at(data, path[:-1])
        mapping[new] = mapping.pop(path[-1])

    return expect


def _replaced(path: YamlPath, value: str) -> Callable[[Any], None]:
    def expect(data: Any) -> None:
        at(data, path[:-1])[path[-1]] = value

    return expect


def timeouts_change(ctx: LintContext) -> tuple[Change, str] | str | None:
    """`timeout: 2 x estimate` written beside every `estimate` that tasks use without a `timeout`.

    No task has a timeout here, neither its own nor from `defaults` (else it would inherit it), so a
    `timeout` added to `defaults` reaches exactly the tasks that also get one of their own in the same
    change, and the tasks that inherit the estimate: every deadline stays what it was.
    """
    tasks = [task for task in ctx.spec.tasks if task.estimate is not None and task.timeout is None]
    if not tasks or ctx.document is None:
        return None
    written = ctx.document.data
    tree = yamledit.compose(ctx.text)
    edits: dict[YamlPath, tuple[yamledit.Edit, str]] = {}
    for task in tasks:
        assert task.estimate is not None
        located = path_at(ctx, task.estimate.span)
        entry = yamledit.entry(tree, located[0]) if located and not located[1] else None
        if located is None or entry is None:
            return f"the estimate of `{task.id}` comes through an alias or merge key"
        if located[0] not in edits:
            value = format_duration(2 * task.estimate.amount)
            edit = yamledit.insert_entry(ctx.text, entry[0], (entry[1], entry[2]), "timeout", value)
            if edit is None:
                return "the layout around an `estimate` is not one the fixer edits"
            edits[located[0]] = (edit, value)

    def expect(data: Any) -> None:
        for path, (_, value) in edits.items():
            at(data, path[:-1])["timeout"] = value

    where = {path: "defaults" if path[0] == "defaults" else f"`{at(written, path[:-1])['id']}`"
             for path in edits}  # fmt: skip
    places = sorted(edits, key=lambda path: path[0] != "defaults")  # defaults first, then tasks in spec order
    shown = "; ".join(f"`timeout: {edits[path][1]}` in {where[path]}" for path in places)
    return Change(tuple(edit for edit, _ in edits.values()), expect), f"{shown} (2 x estimate, as before)"
