"""A real `rallyc run`, end to end, in a throwaway git repository: the README's demo.

It makes a small Python project in a temporary folder (a git repository with
one commit), writes a three-teammate spec for the `shell` backend whose
teammates are scripted (`teammate.py` below writes each task's files), runs
`rallyc run` on it as a user would, and prints the report.

The `docs` teammate misbehaves once: on its first attempt it also edits
README.md, which it does not own. The runner catches it (ownership
violation: the attempt's changes are kept as a patch, the worktree is reset),
retries the task, and the second attempt stays inside `docs/**`. Everything
else passes: task checks, fan-in in merge order, the team's checks on the
merged result. Your own repository is never touched.

    python specs/demo/run_demo.py [--keep]    (--keep leaves the temporary folder for a look around)
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

TEAMMATE = r'''
"""A scripted teammate: writes the files of its task (the runner checks and commits them)."""
import os, sys

task = sys.argv[1]
attempt = int(os.environ.get("RALLY_ATTEMPT", "1"))
FILES = {
    "add-slugify": {"src/textkit/slug.py": (
        "import re\n\n\ndef slugify(text: str) -> str:\n"
        "    \"\"\"Lower case, words joined by '-'.\"\"\"\n"
        "    return '-'.join(re.findall(r'[a-z0-9]+', text.lower()))\n")},
    "add-wrap": {"src/textkit/wrap.py": (
        "import textwrap\n\n\ndef wrap(text: str, width: int = 72) -> str:\n"
        "    return textwrap.fill(text, width)\n")},
    "test-slugify": {"tests/test_slug.py": (
        "from textkit.slug import slugify\n\n\ndef test_slugify():\n"
        "    assert slugify('Hello, World!') == 'hello-world'\n")},
    "write-usage": {"docs/usage.md": "# Usage\n\n`slugify('Hello, World!')` gives `hello-world`.\n"},
}
for path, text in FILES[task].items():
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as handle:
        handle.write(text)
if task == "write-usage" and attempt == 1:
    with open("README.md", "a") as handle:  # not docs' file: the runner refuses this attempt
        handle.write("\nSee docs/usage.md.\n")
print(f"wrote {', '.join(FILES[task])}")
'''

SPEC = """\
# A demo team for `rallyc run` with the shell backend (scripted teammates).
rally: 1

team:
  name: textkit-slugs
  goal: Add slugify and wrap helpers to textkit, with a test and a usage page.

defaults: {{model: sonnet, estimate: 1s, tokens: 20k}}

budget: {{max_usd: 5}}

teammates:
  - name: core
    role: implementation
    owns: [src/textkit/**]
    tasks:
      - id: add-slugify
        do: Add textkit.slug.slugify.
        writes: [src/textkit/slug.py]
        verify: ["{python} -c 'import sys; sys.path.insert(0, \\"src\\"); import textkit.slug'"]
      - id: add-wrap
        do: Add textkit.wrap.wrap.
        writes: [src/textkit/wrap.py]
        done_when: [wrap folds text at the given width]

  - name: tests
    role: tests
    owns: [tests/**]
    tasks:
      - id: test-slugify
        do: Test slugify.
        reads: [src/textkit/slug.py]
        after: [add-slugify]
        verify: ["{python} -c 'import sys; sys.path[:0] = [\\"src\\", \\"tests\\"]; import test_slug; test_slug.test_slugify()'"]

  - name: docs
    role: documentation
    owns: [docs/**]
    tasks:
      - id: write-usage
        do: Write docs/usage.md for slugify.
        done_when: [the page shows one example]

verify:
  - "{python} -c 'import sys; sys.path[:0] = [\\"src\\", \\"tests\\"]; import test_slug; test_slug.test_slugify()'"
  - test -f docs/usage.md

run:
  backend: shell
  shell: "{python} {teammate} {{task}}"
  retries: 1

lint:
  ignore: [RY403]  # scripted tasks take a second: the lead's coordination estimate is for real agents
"""


def git(repo: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True, text=True).stdout


def project(folder: Path) -> Path:
    """A git repository with a tiny package and one commit; the scripted teammate beside it (python3 runs it)."""
    repo = folder / "textkit"
    (repo / "src" / "textkit").mkdir(parents=True)
    (repo / "src" / "textkit" / "__init__.py").write_text('"""Small text helpers."""\n')
    (repo / "README.md").write_text("# textkit\n\nSmall text helpers.\n")
    git(repo, "init", "-q", "-b", "main")
    git(repo, "config", "user.email", "demo@example.com")
    git(repo, "config", "user.name", "Demo")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "textkit: start")
    teammate = folder / "teammate.py"
    teammate.write_text(TEAMMATE)
    spec = SPEC.format(python="python3", teammate=teammate)
    (repo / "team.rally.yaml").write_text(spec)
    return repo


def rallyc() -> list[str]:
    beside = Path(sys.executable).parent / "rallyc"
    return [str(beside)] if beside.exists() else [sys.executable, "-m", "rallyc"]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder and print where it is")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="rallyc-demo-"))
    try:
        repo = project(folder)
        print(f"== a throwaway repository: {repo}")
        print("== rallyc run team.rally.yaml  (shell backend, scripted teammates)\n", flush=True)
        done = subprocess.run([*rallyc(), "run", "team.rally.yaml", "--keep-worktrees"], cwd=repo, check=False)
        runs = sorted((repo / ".rally" / "runs").glob("*/report.json"))
        if not runs:
            print(f"rallyc run made no report (exit {done.returncode})", file=sys.stderr)
            return 1
        run = runs[-1].parent
        report = json.loads(runs[-1].read_text())
        print(f"\n== {run.relative_to(repo)}/report.md\n")
        print((run / "report.md").read_text())
        print(f"== the integration branch ({report['integration_branch']})\n")
        print(git(repo, "log", "--graph", "--format=%s", report["integration_branch"]))
        print(f"== the caught violation, kept as a patch: {report['violations'][0]['patch']}\n" if report["violations"]
              else "== no violation was caught (unexpected)\n")  # fmt: skip
        if report["violations"] and report["violations"][0]["patch"].endswith(".patch"):
            print((run / report["violations"][0]["patch"]).read_text())
        print(f"rallyc run exited {done.returncode}; your branch main is where it was: "
              f"{git(repo, 'log', '-1', '--format=%s', 'main').strip()!r}")  # fmt: skip
        return 0 if done.returncode == 0 and report["violations"] else 1
    finally:
        if args.keep:
            print(f"\nkept: {folder}")
        else:
            shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
