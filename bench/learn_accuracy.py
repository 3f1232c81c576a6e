"""How close the estimates get once `rallyc learn` has seen the team's runs (issue 17, "Accuracy, measured").

A throwaway git repository, a spec with the `claude` backend, and a fake
`claude` on PATH that prints the documented `claude -p --output-format json`
result with chosen usage after taking a chosen time: the known truth. The
spec estimates every task at 5s and 10k tokens (17.5k with the subagent
overhead); in truth a sonnet task takes 1.5s and 50k tokens, the opus
review 3s and 25k, each drawn with +-10% noise per task and run (seeded).

The runs are real `rallyc run`s. After `--learn-runs` of them (3) the
estimate in plan.json (`rallyc compile`) is compared with the median of
what those runs took and used, before and after `rallyc learn --apply
--approve` (repeated until it has nothing more to change: one session
changes at most 3 parameters); then `--check-runs` more runs made with the
learned estimates (the run folder's own plan.json) are compared with their
plan, so the figures also hold for runs the learning never saw.

    python bench/learn_accuracy.py [--learn-runs 3] [--check-runs 3] [--seed 17] [--keep]

Goals: the token estimate within 15% of the actual median, the makespan
within 30% of the task phase's median wall time.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
GOAL_TOKENS, GOAL_MAKESPAN = 0.15, 0.30
TRUTH = {"sonnet": (1.5, 50_000), "opus": (3.0, 25_000)}
"""Model -> (seconds, tokens) a task really takes."""
PRICES = {"sonnet": 6.0, "opus": 10.0}
"""USD per million tokens at the estimate's 3:1 input to output mix (what the fake reports as spent)."""

SPEC = """\
rally: 1
team: {name: shop, goal: Build the shop in parallel., runtime: claude-subagents}
defaults: {model: sonnet, estimate: 5s, tokens: 10k}
budget: {max_usd: 20}
teammates:
  - name: api
    role: implementation
    owns: [src/api/**]
    tasks:
      - {id: models, do: Write the models., done_when: [the models exist]}
      - {id: routes, do: Write the routes., done_when: [the routes exist]}
  - name: web
    role: front end
    owns: [web/**]
    tasks:
      - {id: pages, do: Write the pages., done_when: [the pages exist]}
  - name: review
    role: quality review
    model: opus
    owns: [docs/review.md]
    tasks:
      - {id: review, do: Review the work., after: [routes, pages], done_when: [a review is written]}
run: {backend: claude, retries: 0}
"""
FILES = {"models": "src/api/models.py", "routes": "src/api/routes.py", "pages": "web/index.html",
         "review": "docs/review.md"}  # fmt: skip

FAKE_CLAUDE = r'''#!{python}
"""A stand-in for `claude -p --output-format json`: takes the chosen time, writes the task's file, prints the
documented result object with the chosen usage."""
import json, os, random, re, sys, time
truth = json.load(open({truth!r}))
prompt = sys.stdin.read()
task = re.search(r"^## Your task now: (\S+)", prompt, re.MULTILINE).group(1)
model = sys.argv[sys.argv.index("--model") + 1]
seconds, tokens = truth["models"][model]
price = truth["prices"][model]
noise = random.Random(f"{{truth['seed']}}-{{os.environ.get('BENCH_RUN', '0')}}-{{task}}")
seconds *= noise.uniform(0.9, 1.1)
tokens = round(tokens * noise.uniform(0.9, 1.1))
time.sleep(seconds)
path = truth["files"][task]
os.makedirs(os.path.dirname(path), exist_ok=True)
with open(path, "w") as handle:
    handle.write(task + "\n")
usage = {{"input_tokens": tokens * 3 // 4, "cache_creation_input_tokens": 0, "cache_read_input_tokens": 0,
          "output_tokens": tokens - tokens * 3 // 4}}
print(json.dumps({{"type": "result", "subtype": "success", "is_error": False, "duration_ms": round(seconds * 1000),
                  "num_turns": 3, "result": "Did " + task + ".", "session_id": "bench",
                  "total_cost_usd": round(tokens * price / 1e6, 6),
                  "usage": usage}}))
'''


def rallyc(*args: str, cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "rallyc", *args], cwd=cwd, env=env, capture_output=True, text=True)


def setup(folder: Path, seed: int, spec: str = SPEC) -> tuple[Path, dict[str, str]]:
    """The repository with `spec`, and the environment: the fake claude first on PATH."""
    repo = folder / "repo"
    repo.mkdir()
    for args in (["init", "-q", "-b", "main"], ["config", "user.email", "b@example.com"], ["config", "user.name", "B"]):
        subprocess.run(["git", *args], cwd=repo, check=True)
    (repo / "team.rally.yaml").write_text(spec)
    (repo / "README.md").write_text("# shop\n")
    subprocess.run(["git", "add", "-A"], cwd=repo, check=True)
    subprocess.run(["git", "commit", "-q", "-m", "start"], cwd=repo, check=True)
    bin_folder = folder / "bin"
    bin_folder.mkdir()
    truth = folder / "truth.json"
    truth.write_text(json.dumps({"seed": seed, "models": TRUTH, "prices": PRICES, "files": FILES}))
    fake = bin_folder / "claude"
    fake.write_text(FAKE_CLAUDE.format(python=sys.executable, truth=str(truth)))
    fake.chmod(0o755)
    env = {**os.environ, "PATH": f"{bin_folder}{os.pathsep}{os.environ['PATH']}", "PYTHONPATH": str(ROOT)}
    return repo, env


def run_once(repo: Path, env: dict[str, str], number: int) -> dict[str, Any]:
    """One real run; its report and the plan it ran."""
    done = rallyc("run", "team.rally.yaml", "--no-journal", cwd=repo, env={**env, "BENCH_RUN": str(number)})
    if done.returncode != 0:
        sys.exit(f"bench: run {number} failed:\n{done.stderr}")
    folder = sorted((repo / ".rally" / "runs").iterdir())[-1]
    return {"report": json.loads((folder / "report.json").read_text()),
            "plan": json.loads((folder / "plan.json").read_text())}  # fmt: skip


def compiled_plan(repo: Path, env: dict[str, str]) -> dict[str, Any]:
    out = repo.parent / "build"
    done = rallyc("compile", "team.rally.yaml", "-o", str(out), cwd=repo, env=env)
    if done.returncode != 0:
        sys.exit(f"bench: compile failed:\n{done.stderr}")
    plan: dict[str, Any] = json.loads((out / "plan.json").read_text())
    return plan


def learn_until_settled(repo: Path, env: dict[str, str]) -> list[str]:
    """`rallyc learn --apply --approve` until it changes nothing; what each session applied."""
    sessions = []
    for _ in range(5):
        done = rallyc("learn", "--apply", "--approve", "--json", cwd=repo, env=env)
        if done.returncode != 0:
            sys.exit(f"bench: learn failed:\n{done.stderr}")
        doc = json.loads(done.stdout)
        if not doc["applied"]:
            break
        sessions.append(", ".join(f"{item['label']} {item['current']:g} -> {item['proposed']:g}"
                                  for item in doc["parameters"] if item["proposed"] is not None))  # fmt: skip
    return sessions


def error(estimate: float, actual: float) -> float:
    return estimate / actual - 1


def row(label: str, plan: dict[str, Any], tokens: float, makespan: float) -> tuple[str, float, float]:
    token_error = error(plan["budget"]["estimated_tokens"], tokens)
    makespan_error = error(plan["makespan_seconds"], makespan)
    print(f"| {label} | {plan['budget']['estimated_tokens']:,.0f} | {tokens:,.0f} | {token_error:+.1%} | "
          f"{plan['makespan_seconds']:.2f} | {makespan:.2f} | {makespan_error:+.1%} |")
    return label, token_error, makespan_error


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--learn-runs", type=int, default=3)
    parser.add_argument("--check-runs", type=int, default=3)
    parser.add_argument("--seed", type=int, default=17)
    parser.add_argument("--keep", action="store_true", help="leave the temporary repository for a look")
    options = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="rallyc-learn-bench-"))
    try:
        return measure(folder, options)
    finally:
        if options.keep:
            print(f"kept: {folder}")
        else:
            shutil.rmtree(folder, ignore_errors=True)


def measure(folder: Path, options: argparse.Namespace) -> int:
    repo, env = setup(folder, options.seed)
    print(f"load average {os.getloadavg()[0]:.2f}; truth: {TRUTH}; spec: 5s and 10k tokens a task\n")
    before = compiled_plan(repo, env)
    runs = [run_once(repo, env, number) for number in range(1, options.learn_runs + 1)]
    tokens = statistics.median(run["report"]["tokens"] for run in runs)
    makespan = statistics.median(run["report"]["task_wall_seconds"] for run in runs)
    sessions = learn_until_settled(repo, env)
    after = compiled_plan(repo, env)
    checks = [run_once(repo, env, 100 + number) for number in range(1, options.check_runs + 1)]
    print("| plan.json | estimated tokens | median tokens | error | makespan s | median task phase s | error |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    rows = [row(f"before learning (the spec's figures), against the {len(runs)} runs", before, tokens, makespan),
            row(f"after `learn --apply`, against the same {len(runs)} runs", after, tokens, makespan)]  # fmt: skip
    if checks:
        rows.append(row(f"after, the run folder's plan.json, against {len(checks)} new runs", checks[0]["plan"],
                        statistics.median(run["report"]["tokens"] for run in checks),
                        statistics.median(run["report"]["task_wall_seconds"] for run in checks)))  # fmt: skip
    print("\nlearn sessions:" + "".join(f"\n  {number}. {text}" for number, text in enumerate(sessions, 1)))
    met = all(abs(tokens_off) <= GOAL_TOKENS and abs(makespan_off) <= GOAL_MAKESPAN for _, tokens_off, makespan_off
              in rows[1:])  # fmt: skip
    print(f"\ngoals (tokens within {GOAL_TOKENS:.0%}, makespan within {GOAL_MAKESPAN:.0%}) after learning: "
          f"{'met' if met else 'NOT met'}; load average {os.getloadavg()[0]:.2f}")
    return 0 if met else 1


if __name__ == "__main__":
    raise SystemExit(main())
