"""Fuzz: mutated example specs never crash, hang or write outside their folder, whatever the command.

Hypothesis mutates the example specs as trees (types swapped, keys dropped and
repeated, numbers at the edges, hostile unicode, names that climb out of their
folder, aliases inside their own node, merge keys, suppressions that hide
errors), writes them back as YAML and runs lint, explain, graph, owners,
compile (into a folder that must hold every file it writes) and `lint --fix`
on each (`tests/fuzz.py`). Each must exit 0, 1 or 2 without an internal error.

`make test` runs FUZZ_EXAMPLES examples; `RALLYC_FUZZ_EXAMPLES=5000 pytest
tests/test_fuzz.py` runs a longer search. Every crash it ever found is a named
case in REGRESSIONS, run every time.
"""

from __future__ import annotations

import copy
import os
import sys
import tempfile
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import ROOT, SMALL_SPEC
from tests.fuzz import Node, examples, run_commands, scalar, text_scalar, tree, walk, write

sys.path.insert(0, str(ROOT / "bench"))
from fix_speed import wide_spec  # noqa: E402  (every teammate reads everything: the fixer's worst case)

FUZZ_EXAMPLES = int(os.environ.get("RALLYC_FUZZ_EXAMPLES", "40"))
SEEDS = {name: tree(data) for name, data in examples().items()}

EDGE_NUMBERS = [
    "0", "-1", "-0.0", "0.01", "0.009", "100", "101", "1000", "1001", "1000000000", "1000000001",
    "1000000000000000", "1000000000000001", "9223372036854775808", "1e308", "-1e308", "1e-320", "1e999",
    ".inf", "-.inf", ".nan", "0o7777", "0x" + "f" * 400, "9" * 309, "1" * 4301, "0" * 5000 + "7",
]  # fmt: skip
EDGE_TEXTS = [
    "", " ", "87600h", "87601h", "9" * 30 + "h", "0s", "0", "1000000000M", "1000000001M", "1" * 400 + "k",
    "1.5M", "../../../../victim", "..", "a/b", "/", "/tmp/victim", "x" * 256, "\u00e9" * 200, "\x00",
    "a\x00b", "\udc80", "\ud800x", "\u202eevil", "\u2028", "\ufeff", "\U0001f600", "e\u0301", "x" * 20000,
    "src/**", "**", "src/**.py", "!src/x.py", "[", "a.*", "*", "RY002", "RY203", "opus", "inherit",
]  # fmt: skip
CODES = ["RY001", "RY002", "RY003", "RY004", "RY005", "RY006", "RY007", "RY101", "RY201", "RY203", "RY206"]
KEYS = sorted({key for seed in SEEDS.values() for _, node in walk(seed) for key, _ in node.entries or []})

_scalars = st.one_of(
    st.sampled_from(EDGE_NUMBERS).map(Node),
    st.sampled_from(EDGE_TEXTS).map(lambda text: Node(text_scalar(text))),
    st.text(max_size=6).map(scalar),
    st.sampled_from([None, True, False, 7, 2.5]).map(scalar),
)
_keys = st.one_of(st.sampled_from(KEYS), st.sampled_from(['"x-note"', "<<", '"1"', "naem", "taks", "reads "]))


def _values(draw: Any) -> Node:
    """A node of any kind: a scalar, or a small list or mapping of scalars."""
    kind = draw(st.sampled_from(["scalar", "list", "map"]))
    if kind == "scalar":
        return draw(_scalars)  # type: ignore[no-any-return]
    if kind == "list":
        return Node(items=draw(st.lists(_scalars, max_size=3)), flow=draw(st.booleans()))
    return Node(entries=draw(st.lists(st.tuples(_keys, _scalars), max_size=3)), flow=draw(st.booleans()))


def _parent(root: Node, path: tuple[int, ...]) -> Node:
    node = root
    for index in path[:-1]:
        node = node.children[index]
    return node


def _replace(root: Node, path: tuple[int, ...], new: Node) -> Node:
    if not path:
        return new
    parent = _parent(root, path)
    if parent.entries is not None:
        parent.entries[path[-1]] = (parent.entries[path[-1]][0], new)
    elif parent.items is not None:
        parent.items[path[-1]] = new
    return root


def _mutate(root: Node, draw: Any, names: list[str]) -> Node:
    """One structure-aware change at one place."""
    nodes = list(walk(root))
    path, node = draw(st.sampled_from(nodes), label="place")
    kind = draw(st.sampled_from(["drop", "repeat", "swap", "number", "text", "alias", "merge", "rename", "flow",
                                 "suppress", "hostile-name"]), label="mutation")  # fmt: skip
    parent = _parent(root, path) if path else None
    if kind == "drop" and parent is not None:
        (parent.entries if parent.entries is not None else parent.items or []).pop(path[-1])
    elif kind == "repeat" and parent is not None and parent.entries is not None:
        key, value = parent.entries[path[-1]]
        twin = copy.deepcopy(value) if draw(st.booleans()) else _values(draw)
        parent.entries.insert(draw(st.integers(0, len(parent.entries))), (key, twin))
    elif kind == "repeat" and parent is not None and parent.items is not None:
        parent.items.insert(path[-1], copy.deepcopy(node))
    elif kind in ("swap", "number", "text"):
        new = {"swap": lambda: _values(draw), "number": lambda: Node(draw(st.sampled_from(EDGE_NUMBERS))),
               "text": lambda: Node(text_scalar(draw(st.sampled_from(EDGE_TEXTS))))}[kind]()  # fmt: skip
        root = _replace(root, path, new)
    elif kind == "alias":
        root = _alias(root, nodes, draw, names)
    elif kind == "merge":
        _merge(nodes, draw, names)
    elif kind == "rename" and parent is not None and parent.entries is not None:
        parent.entries[path[-1]] = (draw(_keys), parent.entries[path[-1]][1])
    elif kind == "flow" and node.text is None:
        node.flow = not node.flow
    elif kind == "suppress" and root.entries is not None:
        codes = draw(st.lists(st.sampled_from(CODES), min_size=1, max_size=3, unique=True))
        root.entries.append(("lint", Node(entries=[("ignore", Node(items=[Node(c) for c in codes], flow=True))])))
    elif kind == "hostile-name":
        named = [n for _, n in nodes if n.entries is not None and any(k in ("name", "id", "repo") for k, _ in n.entries)]
        if named:
            target = draw(st.sampled_from(named))
            index = next(i for i, (k, _) in enumerate(target.entries or []) if k in ("name", "id", "repo"))
            hostile = draw(st.sampled_from(["../../../../victim", "../x", "a/b", "..", "x" * 256, "a\x00b", ""]))
            assert target.entries is not None
            target.entries[index] = (target.entries[index][0], Node(text_scalar(hostile)))
    return root


def _alias(root: Node, nodes: list[tuple[tuple[int, ...], Node]], draw: Any, names: list[str]) -> Node:
    """Anchor one node, alias it from another: maybe later (fine), earlier (undefined) or inside itself."""
    (_, anchored), (where, _) = draw(st.lists(st.sampled_from(nodes), min_size=2, max_size=2), label="alias ends")
    if anchored.alias is not None:
        return root
    if anchored.anchor is None or not draw(st.booleans()):
        anchored.anchor = draw(st.sampled_from(names), label="anchor")  # names repeat: reused anchors too
    return _replace(root, where, Node(alias=anchored.anchor))


def _merge(nodes: list[tuple[tuple[int, ...], Node]], draw: Any, names: list[str]) -> None:
    """A `<<: *anchor` entry in a mapping, the anchored mapping maybe the mapping itself or one around it."""
    mappings = [node for _, node in nodes if node.entries is not None and node.alias is None]
    if not mappings:
        return
    into, source = draw(st.sampled_from(mappings)), draw(st.sampled_from(mappings))
    source.anchor = source.anchor or draw(st.sampled_from(names))
    assert into.entries is not None
    into.entries.insert(draw(st.integers(0, len(into.entries))), ("<<", Node(alias=source.anchor)))


@st.composite
def hostile_specs(draw: Any) -> str:
    root = copy.deepcopy(SEEDS[draw(st.sampled_from(sorted(SEEDS)), label="example")])
    names = ["a", "b", "c"]
    for _ in range(draw(st.integers(1, 4), label="mutations")):
        root = _mutate(root, draw, names)
    return write(root)


@settings(max_examples=FUZZ_EXAMPLES, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])  # fmt: skip
@given(hostile_specs())
def test_no_hostile_spec_crashes_hangs_or_writes_outside_its_folder(text: str) -> None:
    with tempfile.TemporaryDirectory() as scratch:
        assert run_commands(text, Path(scratch)) == [], text


# ---- every crash the fuzzer (or the issue) found ---------------------------------------------------------

def _small(old: str, new: str, *, ignore: str = "") -> str:
    """SMALL_SPEC with `old` made `new` (which must be there), and `lint.ignore` when given."""
    assert old in SMALL_SPEC, old
    return SMALL_SPEC.replace(old, new, 1) + (f"lint: {{ignore: [{ignore}]}}\n" if ignore else "")


TASK = "estimate: 20m, verify: [pytest -q]"
REGRESSIONS = {
    # the reproductions
    "a team name that climbs out, RY002 suppressed": _small("name: small", 'name: "../../../victim"', ignore="RY002"),
    "a teammate name that climbs out, RY002 suppressed": _small("name: web", 'name: "../../../x"', ignore="RY002"),
    "a teammate without a role, RY002 suppressed": _small("    role: implementation\n", "", ignore="RY002"),
    "only a scalar, RY002 suppressed on its line": "x  # rallyc: ignore[RY002]\n",
    "a cycle, RY203 suppressed": _small(TASK, f"{TASK}, after: [pages]", ignore="RY203").replace(
        "verify: [npm test]}", "verify: [npm test], after: [routes]}"),
    **{f"309 digits in {field}": _small(old, new.replace("N", "9" * 309)) for field, old, new in [
        ("max_usd", "max_usd: 40", "max_usd: N"), ("overhead", "max_usd: 40", "max_usd: 40, overhead: N"),
        ("prices", "max_usd: 40", "max_usd: 40, prices: {sonnet: {input: N, output: 1}}"),
        ("max_tokens", "max_usd: 40", "max_usd: 40, max_tokens: N"), ("estimate", TASK, "estimate: N"),
        ("timeout", TASK, f"{TASK}, timeout: N"), ("tokens", TASK, f"{TASK}, tokens: N"),
        ("coordination", "max_usd: 40", "max_usd: 40, coordination: {spawn: N}"),
    ]},  # fmt: skip
    "4301 digits": _small("Add the routes.", "1" * 4301),
    "overhead 1e308": _small("max_usd: 40", "max_usd: 40, overhead: 1e308"),
    "a merge key whose alias is its own mapping": "rally: 1\na: &A {<<: *A}\n",
    "a reused anchor": _small("rally: 1", "rally: &r 1\nx-a: &r 2\nx-b: *r"),
    "a lone surrogate": _small("goal: Add", 'goal: "\\uDC80", x-goal: Add'),
    "a NUL in team.repo": _small("goal: Add", 'repo: "a\\0b", goal: Add'),
    "a 256-character team.repo": _small("goal: Add", f"repo: {'x' * 256}, goal: Add"),
    "a fix quadratic in the races": wide_spec(12),
    # found by the fuzzer
    "merges that multiply (a hang)": "a: &a {}\n" + "".join(
        f"{n}: &{n} {{<<: [{', '.join(['*' + p] * 9)}]}}\n" for p, n in zip("abcdefgh", "bcdefghi")),
}


@pytest.mark.parametrize("name", list(REGRESSIONS))
def test_a_hostile_spec_found_once_stays_harmless(name: str, tmp_path: Path) -> None:
    assert run_commands(REGRESSIONS[name], tmp_path) == []
