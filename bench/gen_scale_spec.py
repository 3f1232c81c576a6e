"""A deterministic stress spec: 8 teammates x 250 `owns` globs, 2,000 tasks, ~14,000 lines.

Every teammate owns globs in its own namespace (`src/<name>/`, `tests/<name>/`,
`docs/<name>/`, `lib/<name>/`), in six shapes, so no two teammates' globs
overlap except the planted pairs: `PLANTED_OVERLAPS` globs of one teammate
that reach into another's namespace and overlap exactly one of its globs (the
traps of issue 3: `src/**` vs `src/api/*.py`, `**/*.md` vs `docs/x.md`,
braces, classes, an identical glob), plus `PLANTED_NEAR_MISSES` that share a
prefix and a suffix with a glob of the other teammate but no path.

Task `i` of a teammate writes its `owns[i]` (narrowed for `dir/**` globs),
reads a contract file nobody writes and, when it has `after` edges, what the
first task it waits for writes. `after` edges go to random earlier tasks of
other teammates within a window, so the graph is acyclic and still has
concurrency.

    python bench/gen_scale_spec.py > /tmp/scale.rally.yaml
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

TEAMMATES = ("api", "web", "store", "auth", "billing", "search", "infra", "mobile")
GLOBS_PER_TEAMMATE = 250
SHAPES = 6
AFTER_WINDOW = 48
"""How far back (in the interleaved order of tasks) an `after` edge may reach."""
CONTRACTS = 100
SEED = 2026


def _index(i: int) -> str:
    return f"{i:03d}"


def owned_glob(team: str, i: int) -> str:
    """Glob number `i` of `team`; its shape is `i % SHAPES`."""
    m = _index(i)
    return (
        f"src/{team}/m{m}/**",
        f"src/{team}/m{m}/*.py",
        f"tests/{team}/test_m{m}.py",
        f"src/{team}/{{m,n}}{m}/*.ts",
        f"docs/{team}/m{m}/**/*.md",
        f"lib/{team}/m{m}/[a-m]*.go",
    )[i % SHAPES]


def _of_shape(shape: int, nth: int) -> int:
    return SHAPES * nth + shape


def _plants() -> tuple[list[tuple[int, int, str]], list[tuple[int, int, str]]]:
    """(teammate that owns the plant, victim teammate, glob): overlapping ones, then near misses."""
    overlapping = [
        (0, _of_shape(0, 3), "src/{t}/m{j}/api/*.py"),  # src/** vs src/api/*.py
        (1, _of_shape(4, 5), "docs/{t}/m{j}/x.md"),  # **/*.md vs docs/x.md
        (2, _of_shape(1, 7), "src/{t}/{{m,k}}{j}/*.py"),  # braces
        (3, _of_shape(5, 9), "lib/{t}/m{j}/g*.go"),  # [a-m]* vs g*
        (4, _of_shape(2, 11), "tests/{t}/test_m{j}.py"),  # the same glob twice
        (5, _of_shape(3, 13), "src/{t}/n{j}/*.ts"),  # one branch of {m,n}
    ]
    near_misses = [
        (6, _of_shape(5, 15), "lib/{t}/m{j}/n*.go"),  # [a-m]* never starts with n
        (7, _of_shape(0, 17), "src/{t}/m{j}"),  # dir/** does not match dir
        (0, _of_shape(4, 19), "docs/{t}/m{j}/**/*.txt"),
        (1, _of_shape(2, 21), "tests/{t}/test_m{j}.pyi"),
    ]

    def expand(rows: list[tuple[int, int, str]]) -> list[tuple[int, int, str]]:
        # the plant belongs to the next teammate and reaches into the victim's namespace
        return [((victim + 1) % len(TEAMMATES), victim, text.format(t=TEAMMATES[victim], j=_index(j)))
                for victim, j, text in rows]  # fmt: skip

    return expand(overlapping), expand(near_misses)


PLANTED, NEAR_MISSES = _plants()
PLANTED_OVERLAPS = len(PLANTED)
PLANTED_NEAR_MISSES = len(NEAR_MISSES)


@dataclass
class Generated:
    text: str
    owns: dict[str, list[str]] = field(default_factory=dict)
    planted: list[tuple[str, str, str]] = field(default_factory=list)
    """(owner of the plant, victim, plant glob) of every planted overlap."""
    tasks: int = 0
    after_edges: int = 0


def owns_lists() -> dict[str, list[str]]:
    owns = {team: [owned_glob(team, i) for i in range(GLOBS_PER_TEAMMATE)] for team in TEAMMATES}
    slots = {team: GLOBS_PER_TEAMMATE for team in TEAMMATES}
    for owner, _victim, glob in PLANTED + NEAR_MISSES:  # a plant replaces the owner's last globs
        team = TEAMMATES[owner]
        slots[team] -= 1
        owns[team][slots[team]] = glob
    return owns


def _quote(glob: str) -> str:
    """Double quotes where a plain YAML scalar would break (flow sequences end at `,`; `{`, `[`, `*` start other things)."""
    return f'"{glob}"' if any(char in glob for char in "{[,*") else glob


def _writes(glob: str) -> str:
    return glob.replace("/**", "/handlers/*.py") if glob.endswith("/**") and glob.startswith("src/") else glob


def generate(seed: int = SEED) -> Generated:
    rng = random.Random(seed)
    owns = owns_lists()
    names = [(team, i) for i in range(GLOBS_PER_TEAMMATE) for team in TEAMMATES]  # interleaved order
    blocks: dict[str, list[str]] = {team: [] for team in TEAMMATES}
    edges = 0
    for position, (team, i) in enumerate(names):
        after = _after(rng, names, position)
        edges += len(after)
        reads = [f"contracts/c{rng.randrange(CONTRACTS):03d}.yaml"]
        if after:
            other, j = names[after[0]]
            reads.append(_writes(owns[other][j]))
        blocks[team] += _task_lines(team, i, _writes(owns[team][i]), reads, [f"{n[0]}-m{_index(n[1])}" for n in
                                    (names[p] for p in after)])  # fmt: skip
    lines = _header()
    for team in TEAMMATES:
        lines += [f"  - name: {team}", f"    role: implementation of {team}", "    owns:"]
        lines += [f"      - {_quote(glob)}" for glob in owns[team]]
        lines += ["    tasks:", *blocks[team]]
    planted = [(TEAMMATES[owner], TEAMMATES[victim], glob) for owner, victim, glob in PLANTED]
    return Generated("\n".join(lines) + "\n", owns, planted, len(names), edges)


def _after(rng: random.Random, names: list[tuple[str, int]], position: int) -> list[int]:
    roll = rng.random()
    count = 0 if roll < 0.2 else 1 if roll < 0.8 else 2
    chosen: list[int] = []
    for _ in range(count):
        target = position - rng.randint(1, AFTER_WINDOW)
        if target >= 0 and names[target][0] != names[position][0] and target not in chosen:
            chosen.append(target)
    return chosen


def _task_lines(team: str, i: int, writes: str, reads: list[str], after: list[str]) -> list[str]:
    m = _index(i)
    lines = [
        f"      - id: {team}-m{m}",
        f"        do: Build module m{m} of {team} and wire it in.",
        f"        writes: [{_quote(writes)}]",
        f"        reads: [{', '.join(_quote(glob) for glob in reads)}]",
    ]
    if after:
        lines.append(f"        after: [{', '.join(after)}]")
    lines.append(f"        done_when: [m{m} of {team} passes its tests]")
    if i % 3 == 0:
        lines.append(f"        verify: [make test-{team}-m{m}]")
    return lines


def _header() -> list[str]:
    return [
        "# Generated by bench/gen_scale_spec.py: a stress case far beyond a normal team.",
        "rally: 1",
        "team:",
        "  name: scale-stress",
        "  goal: Build 2,000 modules across eight areas without two agents ever writing the same file.",
        "  size_justification: A benchmark of the linter, not a team anyone should run.",
        "defaults:",
        "  estimate: 10m",
        "budget:",
        "  max_usd: 1000000",
        "teammates:",
    ]


def repository_paths(count: int, seed: int = SEED) -> list[str]:
    """`count` distinct repository paths: about 70% in teammates' namespaces (owned or near), the rest elsewhere."""
    rng = random.Random(seed + 1)
    found: set[str] = set()
    while len(found) < count:
        found.add(_owned_path(rng) if rng.random() < 0.7 else _other_path(rng))
    return sorted(found)


def _owned_path(rng: random.Random) -> str:
    team, i, r = rng.choice(TEAMMATES), rng.randrange(GLOBS_PER_TEAMMATE), rng.randrange(1000)
    m = _index(i)
    return (
        f"src/{team}/m{m}/pkg{r % 7}/f{r}.py",
        f"src/{team}/m{m}/f{r}.py",
        f"tests/{team}/test_m{m}.py",
        f"src/{team}/{rng.choice('mn')}{m}/c{r}.ts",
        f"docs/{team}/m{m}/guide/p{r}.md",
        f"lib/{team}/m{m}/{rng.choice('abcdefghijklmnopqrstuvwxyz')}{r}.go",
    )[i % SHAPES]


def _other_path(rng: random.Random) -> str:
    r = rng.randrange(100_000)
    return rng.choice((
        f"vendor/pkg{r % 300}/src/x{r}.c",
        f"contracts/c{r % CONTRACTS:03d}.yaml",
        f"scripts/s{r}.sh",
        f"src/{rng.choice(TEAMMATES)}/m{r % GLOBS_PER_TEAMMATE:03d}/f{r}.rs",
        f"assets/img/i{r}.png",
    ))  # fmt: skip


if __name__ == "__main__":
    print(generate().text, end="")
