"""Hostile specs for the fuzz test: the example specs as a tree, mutated, and written back as YAML text.

The text is written here, not by a YAML library, so that a mutation can make
what no library writes: a key repeated, an alias inside its own node, a merge
key, a number of 5,000 digits, `.nan`, a lone surrogate escape, a NUL.
`run_commands` runs every command a CI job runs on a spec from a pull request
and returns what went wrong, so the fuzz test and its named regression cases
check the same things.
"""

from __future__ import annotations

import contextlib
import signal
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tests.conftest import EXAMPLES, rallyc

# ---- a YAML tree we can write any way we like -------------------------------------------------------------


@dataclass
class Node:
    """A scalar (`text` is its YAML source), a mapping (`entries`) or a sequence (`items`)."""

    text: str | None = None
    entries: list[tuple[str, Node]] | None = None
    items: list[Node] | None = None
    anchor: str | None = None
    alias: str | None = None
    """Written as `*alias` instead of the node."""
    flow: bool = False

    @property
    def children(self) -> list[Node]:
        return [value for _, value in self.entries] if self.entries is not None else list(self.items or [])


def scalar(value: Any) -> Node:
    if isinstance(value, bool):
        return Node("true" if value else "false")
    if value is None:
        return Node("null")
    if isinstance(value, int | float):
        return Node(repr(value))
    return Node(text_scalar(value))


def text_scalar(text: str) -> str:
    """`text` as a YAML scalar that reads back as it is: plain when it can be, else double-quoted with escapes
    (a lone surrogate or a NUL becomes a `\\u` escape, which is how a hostile spec carries one)."""
    from rallyc.init import scalar as yaml_scalar

    return yaml_scalar(text)


def tree(value: Any) -> Node:
    if isinstance(value, dict):
        return Node(entries=[(text_scalar(str(key)), tree(item)) for key, item in value.items()])
    if isinstance(value, list):
        return Node(items=[tree(item) for item in value])
    return scalar(value)


def write(node: Node) -> str:
    return "\n".join(_block(node, 0)) + "\n"


def _inline(node: Node, inside_flow: bool = False) -> str | None:
    """The node on one line, when it goes on one: scalars, aliases, empty or flow collections (and all in them)."""
    prefix = f"&{node.anchor} " if node.anchor else ""
    flow = node.flow or inside_flow
    if node.alias is not None:
        return f"*{node.alias}"
    if node.text is not None:
        return prefix + node.text
    if node.entries is not None and (flow or not node.entries):
        return prefix + "{" + ", ".join(f"{key}: {_inline(value, True)}" for key, value in node.entries) + "}"
    if node.items is not None and (flow or not node.items):
        return prefix + "[" + ", ".join(str(_inline(item, True)) for item in node.items) + "]"
    return None


def _block(node: Node, indent: int) -> list[str]:
    pad = " " * indent
    if node.entries is not None:
        lines = []
        for key, value in node.entries:
            inline = _inline(value)
            if inline is not None:
                lines.append(f"{pad}{key}: {inline}")
            else:
                lines.append(f"{pad}{key}:" + (f" &{value.anchor}" if value.anchor else ""))
                lines.extend(_block(value, indent + 2))
        return lines
    lines = []
    for item in node.items or []:
        inline = _inline(item)
        if inline is not None:
            lines.append(f"{pad}- {inline}")
            continue
        inner = _block(item, indent + 2)
        head = f"{pad}- " + (f"&{item.anchor}" if item.anchor else "")
        lines.extend([head, *inner] if item.anchor else [head + inner[0].lstrip(), *inner[1:]])
    return lines


def examples() -> dict[str, Any]:
    """The example specs as plain data (the fuzz test's seeds)."""
    from rallyc.load import load_text

    return {path.name: load_text(path.read_text(encoding="utf-8"), path.name).data for path in EXAMPLES}


def walk(node: Node, path: tuple[int, ...] = ()) -> Iterator[tuple[tuple[int, ...], Node]]:
    """Every node with the child indexes that lead to it."""
    yield path, node
    for index, child in enumerate(node.children):
        yield from walk(child, (*path, index))


# ---- running every command --------------------------------------------------------------------------------

COMMANDS = (
    ("lint", "--no-repo", "--format", "json"),
    ("explain",),
    ("graph", "--format", "dot"),
    ("owners", "src/a.py", "--spec"),
    ("compile", "-o", "out"),
    ("lint", "--fix", "--add-timeouts"),
)
"""What CI runs on a spec, and more; the fix comes last as it changes the spec."""
HANG_SECONDS = 30
"""A generous guard per call: a command that runs this long hangs (timings live in bench/)."""


class Hang(BaseException):
    """Raised by the alarm: a BaseException, so the CLI's own guard does not turn it into an exit code."""


@contextlib.contextmanager
def hang_guard(what: str) -> Iterator[None]:
    def alarm(signum: int, frame: Any) -> None:
        raise Hang(f"{what} ran for {HANG_SECONDS} s")

    previous = signal.signal(signal.SIGALRM, alarm)
    signal.setitimer(signal.ITIMER_REAL, HANG_SECONDS)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def files_under(folder: Path) -> dict[str, bytes]:
    return {path.relative_to(folder).as_posix(): path.read_bytes() for path in folder.rglob("*") if path.is_file()}


def run_commands(text: str, root: Path) -> list[str]:
    """Run every command on `text` as `root/a/b/c/work/team.rally.yaml`; what went wrong (empty: nothing).

    Each command must exit 0, 1 or 2 without an internal error, within HANG_SECONDS, and write only
    where it was asked to: compile into `work/out`, the fix into the spec itself.
    """
    work = root / "a" / "b" / "c" / "work"
    work.mkdir(parents=True)
    spec = work / "team.rally.yaml"
    spec.write_bytes(text.encode("utf-8", "surrogatepass"))
    problems = []
    with contextlib.chdir(work):
        for command in COMMANDS:
            before = files_under(root)
            with hang_guard(" ".join(command)):
                code, out, err = rallyc(*command, "team.rally.yaml")
            if code not in (0, 1, 2) or "internal error" in out + err or "Traceback" in out + err:
                problems.append(f"rallyc {' '.join(command)}: exit {code}: {(out + err).strip()[-500:]}")
            allowed = "a/b/c/work/out/" if command[0] == "compile" else "a/b/c/work/team.rally.yaml"
            changed = {name for name, data in files_under(root).items() if before.get(name) != data}
            changed |= set(before) - set(files_under(root))
            problems += [f"rallyc {' '.join(command)} wrote {name}" for name in sorted(changed) if not name.startswith(allowed)]
    return problems
