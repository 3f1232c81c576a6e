"""How rallyc scales: the issue-3 stress spec (8 teammates x 250 `owns`, 2,000 tasks, ~14,000 lines).

Measures, median of several runs, on this machine:

- (a) loading the file with rallyc's own loader (`read_text` + `load_text`);
- (b) plain YAML loading of the same file: ruamel safe (pure Python) and round-trip;
- (c) all of `rallyc lint` on it: the api in-process (`--no-repo`, automaton caches
  cleared before each run), the same with repository checks against a git index
  of 100,000 tracked paths, and whole `rallyc lint` processes;
- (d) concurrency: the task graph with its reachability bitsets
  (`rallyc.analysis.graph.task_graph`) and 10,000 random "concurrent?" questions,
  against networkx (`has_path` per pair, `find_cycle` on the acyclic graph);
- (e) matching 100,000 repository paths against every teammate's `owns`
  (`rallyc.globs.owner_index`), and `rallyc owners --unowned` over the same
  100,000 tracked files.

It checks the goals of issue 3 and that every planted overlapping `owns` pair
is reported once (RY101) with a witness both globs match.

    python bench/lint_scale.py [--runs 5] [--cli-runs 3] [--paths 100000] [--pairs 10000]
"""

from __future__ import annotations

import argparse
import collections
import os
import platform
import random
import re
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import gen_scale_spec as gen  # noqa: E402

EMPTY_BLOB = "e69de29bb2d1d6434b8b29ae775ad8c2e48c5391"


def cold() -> None:
    """Forget compiled automata and regular expressions, so each run pays for them as a fresh process does."""
    from rallyc import build
    from rallyc.globs import clear_caches

    clear_caches()
    build._cached_item.cache_clear()  # glob texts parsed once per process
    re.purge()


def median_seconds(action: Callable[[], Any], runs: int, before: Callable[[], None] | None = None) -> float:
    times = []
    for _ in range(runs):
        if before:
            before()
        started = time.perf_counter()
        action()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def machine() -> str:
    model = "unknown CPU"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            model = line.split(":", 1)[1].strip()
            break
    cores = len(os.sched_getaffinity(0))
    from importlib.metadata import version

    return (f"{cores} cores (nproc), {model}, {platform.python_implementation()} {platform.python_version()}, "
            f"ruamel.yaml {version('ruamel.yaml')}, networkx {version('networkx')}, load average {os.getloadavg()[0]:.2f}")  # fmt: skip


def git_index(root: Path, paths: list[str]) -> None:
    """A git repository whose index tracks `paths` (empty blobs; no files on disk, no commit)."""
    subprocess.run(["git", "init", "-q", str(root)], check=True)
    lines = "".join(f"100644 {EMPTY_BLOB}\t{path}\n" for path in paths)
    subprocess.run(["git", "-C", str(root), "update-index", "--index-info"], input=lines.encode(), check=True)


# ---- the measurements ----------------------------------------------------------------------


def load_and_lint(plain: Path, in_repo: Path, runs: int) -> tuple[dict[str, float], dict[bool, Any]]:
    """Loading and linting, interleaved (one run of each per round, so drift hits all alike), medians."""
    from ruamel.yaml import YAML

    from rallyc.api import lint_file
    from rallyc.config import Settings
    from rallyc.load import load_text, read_text

    text = plain.read_text(encoding="utf-8")
    reports = {repo: lint_file(path, path.name, Settings(repo=repo)) for repo, path in ((False, plain), (True, in_repo))}
    actions: dict[str, Callable[[], Any]] = {
        "rallyc loader": lambda: load_text(read_text(plain, plain.name), plain.name),
        "ruamel safe, pure": lambda: YAML(typ="safe", pure=True).load(text),
        "ruamel rt": lambda: YAML(typ="rt").load(text),
        "lint": lambda: lint_file(plain, plain.name, Settings(repo=False)),
        "lint with repo": lambda: lint_file(in_repo, in_repo.name, Settings(repo=True)),
    }
    times: dict[str, list[float]] = {name: [] for name in actions}
    for _ in range(runs):
        for name, action in actions.items():
            times[name].append(median_seconds(action, 1, before=cold))
    return {name: statistics.median(values) for name, values in times.items()}, reports


def breakdown(path: Path, repo: bool) -> list[tuple[str, float]]:
    """Where one cold lint's time goes: each stage of the context, then each rule (the slowest first)."""
    from rallyc.context import LintContext, LintOptions
    from rallyc.rules import all_rules

    cold()
    started = time.perf_counter()
    ctx = LintContext(path, path.name, LintOptions(repo=repo))
    stages = [("load (in LintContext)", time.perf_counter() - started)]
    for stage in ("schema_findings", "built", "graph", "schedule", "cost", "repo_files"):
        stages.append((stage, median_seconds(lambda: getattr(ctx, stage), 1)))
    rules = []
    for rule in all_rules():
        rules.append((f"{rule.code} {rule.name}", median_seconds(lambda: list(rule.check(ctx)), 1)))
    return stages + sorted(rules, key=lambda row: -row[1])


def whole_process(path: Path, runs: int) -> tuple[float, float]:
    """Median wall time and median CPU time (user + sys) of whole `rallyc lint` processes.

    Wall well above CPU means the machine was busy with something else.
    """
    import resource

    rallyc = Path(sys.executable).parent / "rallyc"
    argv = [str(rallyc), "lint", "--no-repo", "--no-config", str(path)]
    subprocess.run(argv, stdout=subprocess.DEVNULL, check=False)  # warm the file cache
    walls, cpus = [], []
    for _ in range(runs):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        started = time.perf_counter()
        done = subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, check=False)
        walls.append(time.perf_counter() - started)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpus.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
        if done.returncode not in (0, 1):
            sys.exit(f"bench: rallyc lint failed: {done.stderr.decode()[-400:]}")
    return statistics.median(walls), statistics.median(cpus)


def concurrency(path: Path, runs: int, pairs: int) -> dict[str, Any]:
    import networkx

    from rallyc.analysis.graph import task_graph
    from rallyc.context import LintContext, LintOptions

    spec = LintContext(path, path.name, LintOptions(repo=False)).spec
    graph = task_graph(spec)
    assert graph.acyclic
    rng = random.Random(7)
    questions = [(rng.randrange(len(graph.tasks)), rng.randrange(len(graph.tasks))) for _ in range(pairs)]
    digraph = networkx.DiGraph()
    digraph.add_nodes_from(range(len(graph.tasks)))
    for node, sources in enumerate(graph.predecessors):
        digraph.add_edges_from((source, node) for source in sources)
    ours = [graph.reaches(a, b) for a, b in questions]
    theirs = [a != b and networkx.has_path(digraph, a, b) for a, b in questions]
    assert ours == theirs, "task_graph reachability disagrees with networkx.has_path"

    def find_cycle() -> None:
        try:
            networkx.find_cycle(digraph)
        except networkx.NetworkXNoCycle:
            pass

    return {
        "task_graph": median_seconds(lambda: task_graph(spec), runs),
        "bitset queries": median_seconds(lambda: [graph.concurrent(a, b) for a, b in questions], runs),
        "has_path queries": median_seconds(lambda: [networkx.has_path(digraph, a, b) for a, b in questions], 1),
        "find_cycle": median_seconds(find_cycle, 1),
        "concurrent share": sum(graph.concurrent(a, b) for a, b in questions) / pairs,
        "edges": digraph.number_of_edges(),
    }


def matching(path: Path, runs: int, repository: list[str]) -> dict[str, Any]:
    from rallyc.globs import match, owner_index
    from rallyc.owners import load

    spec = load(path).spec
    named = {teammate.name: [pattern.glob for pattern in teammate.owns] for teammate in spec.teammates}
    lookup = owner_index(named)
    owned = [lookup(path) for path in repository]
    sample = random.Random(3).sample(range(len(repository)), 500)
    for number in sample:  # the prefix index agrees with matching each glob on its own
        exact = [name for name, globs in named.items() if any(match(glob, repository[number]) for glob in globs)]
        assert owned[number] == exact, (repository[number], owned[number], exact)
    return {
        "compile": median_seconds(lambda: owner_index(named), runs, before=cold),
        "match": median_seconds(lambda: [lookup(path) for path in repository], runs),
        "owned": sum(1 for names in owned if names),
        "owned twice": sum(1 for names in owned if len(names) > 1),
    }


def unowned_listing(repo_spec: Path, runs: int) -> float:
    from rallyc.owners import load, unowned_in

    ctx = load(repo_spec)
    ctx.repo_files  # noqa: B018  (git ls-files once, outside the timing, as lint does)
    return median_seconds(lambda: unowned_in(ctx), runs)


# ---- checks --------------------------------------------------------------------------------

_WITNESS = re.compile(r"owns of '([^']+)' \((.+)\) and '([^']+)' \((.+)\) overlap: both match (\S+)")


def check_overlaps(report: Any) -> list[str]:
    """Every planted pair reported once, with a witness both globs match; nothing else reported."""
    from rallyc.globs import match
    from rallyc.globparse import parse_glob

    problems = []
    found = [d for d in report.diagnostics if d.code == "RY101"]
    if len(found) != gen.PLANTED_OVERLAPS:
        problems.append(f"{len(found)} RY101 findings for {gen.PLANTED_OVERLAPS} planted overlapping pairs")
    reported = set()
    for diagnostic in found:
        parsed = _WITNESS.search(diagnostic.message)
        if parsed is None:
            problems.append(f"no witness in: {diagnostic.message}")
            continue
        first, first_glob, second, second_glob, witness = parsed.groups()
        reported.add(frozenset((first_glob, second_glob)))
        if not (match(parse_glob(first_glob), witness) and match(parse_glob(second_glob), witness)):
            problems.append(f"witness {witness} is not matched by both {first_glob} and {second_glob}")
    for owner, victim, glob in gen.generate().planted:
        if not any(glob in pair for pair in reported):
            problems.append(f"planted overlap {glob} ({owner} into {victim}) not reported")
    return problems


# ---- the report ----------------------------------------------------------------------------


def ms(seconds: float) -> str:
    return f"{seconds * 1000:,.0f}" if seconds >= 0.01 else f"{seconds * 1000:,.1f}"


def table(rows: list[tuple[str, float, str]], safe: float, ours: float) -> list[str]:
    lines = ["| measurement | median ms | ÷ ruamel safe load | ÷ rallyc load | goal |", "|---|---:|---:|---:|---|"]
    for label, seconds, goal in rows:
        lines.append(f"| {label} | {ms(seconds)} | {seconds / safe:.2f} | {seconds / ours:.2f} | {goal} |")
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="runs per in-process measurement (median)")
    parser.add_argument("--cli-runs", type=int, default=3, help="whole-process `rallyc lint` runs (median)")
    parser.add_argument("--paths", type=int, default=100_000, help="repository paths to match")
    parser.add_argument("--pairs", type=int, default=10_000, help="random concurrency questions")
    args = parser.parse_args()

    start_load = f"{os.getloadavg()[0]:.2f}"
    generated = gen.generate()
    repository = gen.repository_paths(args.paths)
    with tempfile.TemporaryDirectory(prefix="rallyc-scale-") as folder:
        plain = Path(folder) / "plain" / "scale.rally.yaml"
        plain.parent.mkdir()
        plain.write_text(generated.text, encoding="utf-8")
        in_repo = Path(folder) / "repo" / "scale.rally.yaml"
        git_index(in_repo.parent, repository)
        in_repo.write_text(generated.text, encoding="utf-8")

        load, reports = load_and_lint(plain, in_repo, args.runs)
        lint_seconds, repo_seconds = load["lint"], load["lint with repo"]
        report, repo_report = reports[False], reports[True]
        stages = {repo: breakdown(in_repo if repo else plain, repo) for repo in (False, True)}
        cli_seconds, cli_cpu = whole_process(plain, args.cli_runs)
        graph = concurrency(plain, args.runs, args.pairs)
        paths = matching(plain, args.runs, repository)
        unowned_seconds = unowned_listing(in_repo, args.runs)

    problems = check_overlaps(report)
    safe, ours = load["ruamel safe, pure"], load["rallyc loader"]
    lines = [
        f"Machine: {machine()}; load average before the run {start_load}, after {os.getloadavg()[0]:.2f}.",
        f"Spec: {len(generated.text.splitlines()):,} lines, {len(generated.text.encode()):,} bytes, "
        f"{len(gen.TEAMMATES)} teammates x {gen.GLOBS_PER_TEAMMATE} owns, {generated.tasks:,} tasks, "
        f"{graph['edges']:,} graph edges ({generated.after_edges:,} from `after`), "
        f"{gen.PLANTED_OVERLAPS} planted overlapping owns pairs and {gen.PLANTED_NEAR_MISSES} near misses. "
        f"Median of {args.runs} interleaved rounds in-process (compiled globs and regexes forgotten before "
        f"each run), {args.cli_runs} whole processes.",
        "",
    ]
    rows = [
        ("(a) load: rallyc loader (`read_text` + `load_text`)", ours, ""),
        ("(b) load: ruamel `YAML(typ='safe', pure=True)`", safe, ""),
        ("(b) load: ruamel `YAML(typ='rt')`", load["ruamel rt"], ""),
        ("(c) `rallyc lint --no-repo`, api in-process", lint_seconds, "≤ 2 × rallyc load"),
        (f"(c) api in-process with repository checks ({args.paths:,} tracked files)", repo_seconds, ""),
        ("(c) `rallyc lint --no-repo`, whole process, wall", cli_seconds, "< 5 s wall"),
        ("(c) `rallyc lint --no-repo`, whole process, CPU (user + sys)", cli_cpu, ""),
        (f"(d) `task_graph` (order + reachability bitsets, {generated.tasks:,} tasks)", graph["task_graph"], ""),
        (f"(d) {args.pairs:,} `concurrent(a, b)` on the bitsets", graph["bitset queries"], ""),
        (f"(d) {args.pairs:,} `networkx.has_path` (for comparison)", graph["has_path queries"], ""),
        ("(d) `networkx.find_cycle` on the acyclic graph (for comparison)", graph["find_cycle"], ""),
        ("(e) `owner_index`: compile 8 teammates' owns", paths["compile"], ""),
        (f"(e) `owner_index`: match {args.paths:,} paths", paths["match"], "< 1 s"),
        (f"(e) `rallyc owners --unowned` over {args.paths:,} tracked files (after load)", unowned_seconds, ""),
    ]
    lines += table(rows, safe, ours)
    counts = collections.Counter(d.code for d in report.diagnostics)
    repo_counts = collections.Counter(d.code for d in repo_report.diagnostics)
    goals = [
        ("lint ≤ 2 × rallyc load", lint_seconds <= 2 * ours, f"{lint_seconds / ours:.2f} ×"),
        ("lint < 5 s wall (whole process)", cli_seconds < 5, f"{cli_seconds:.2f} s"),
        (f"{args.paths:,} paths < 1 s", paths["compile"] + paths["match"] < 1,
         f"{paths['compile'] + paths['match']:.3f} s with compiling"),
        ("every planted overlap reported with a witness", not problems,
         f"{counts['RY101']} RY101 for {gen.PLANTED_OVERLAPS} planted pairs"),
    ]  # fmt: skip
    lines += ["", "| goal | met | figure |", "|---|---|---|"]
    lines += [f"| {goal} | {'yes' if met else '**no**'} | {figure} |" for goal, met, figure in goals]
    lines += [
        "",
        f"- Findings (`--no-repo`): {dict(sorted(counts.items()))}; with the repository: {dict(sorted(repo_counts.items()))}.",
        f"- Concurrency: {graph['concurrent share']:.1%} of the random pairs are concurrent; "
        f"bitsets answer {graph['has_path queries'] / graph['bitset queries']:,.0f} × faster than `has_path`.",
        f"- Paths: {paths['owned']:,} of {args.paths:,} owned, {paths['owned twice']:,} by two teammates "
        "(the planted overlaps); 500 sampled paths agree with the automata (`globs.match`).",
    ]
    lines += [f"- PROBLEM: {problem}" for problem in problems]
    lines += ["", "Where one cold lint's time goes (single run; rules after the context is built):", "",
              "| stage or rule | ms `--no-repo` | ms with the repository |", "|---|---:|---:|"]
    with_repo = dict(stages[True])
    lines += [f"| {label} | {ms(seconds)} | {ms(with_repo[label])} |" for label, seconds in stages[False]
              if seconds >= 0.005 or with_repo[label] >= 0.005]
    print("\n".join(lines))


if __name__ == "__main__":
    main()
