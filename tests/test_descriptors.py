"""Adding a compile target or a runner backend is one file: in a copy of the package with one more of each,
`make schemas` puts them in the CLI's choices, the schemas and the docs, and compile and run use them."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT
from tests.runner.scripted import git, make_repo

TARGET_MODULE = '''"""Plain prompts, one Markdown file per teammate; nothing to install."""

from __future__ import annotations

from rallyc.models import Provider
from rallyc.plan import Plan
from rallyc.targets import Output, Target


def emit(plan: Plan, marker: str) -> Output:
    files = {mate.prompt: f"You are {mate.name}.\\n<!-- {marker} -->\\n" for mate in plan.teammates}
    return Output(files=files, runtime_files=())


TARGET = Target(name="plain-subagents", summary="Plain prompts, one per teammate", runtime_folder=".plain/agents",
                hooks_file=".plain/hooks.json", overhead=2.5, agent_models=Provider.ANTHROPIC, emit=emit)
'''

BACKEND_MODULE = '''"""Writes one file per task and says it is done."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from rallyc.runner.backends import TaskRequest, TaskResult


class EchoBackend:
    name = "echo"
    runtime = "plain-subagents"
    summary = "Writes out/<teammate>/<task>.txt."

    def preflight(self, env: Mapping[str, str], shell: str | None) -> None:
        pass

    def state_paths(self, env: Mapping[str, str]) -> list[Path]:
        return []

    async def run(self, request: TaskRequest) -> TaskResult:
        written = request.worktree / "out" / request.teammate / f"{request.task_id}.txt"
        written.parent.mkdir(parents=True, exist_ok=True)
        written.write_text(request.prompt_file.read_text())
        return TaskResult(True, f"wrote {written.relative_to(request.worktree)}")


BACKEND = EchoBackend()
'''

SPEC = """\
rally: 1
team: {name: demo, goal: Write the notes., runtime: plain-subagents}
budget: {max_usd: 40}
teammates:
  - name: api
    role: notes
    owns: [out/api/**]
    tasks:
      - {id: notes, do: Write the notes., estimate: 20m, verify: ["test -f out/api/notes.txt"]}
  - name: web
    role: pages
    owns: [out/web/**]
    tasks:
      - {id: pages, do: Write the pages., estimate: 20m}
run: {backend: echo, sandbox: "off", retries: 0}
"""


@pytest.fixture(scope="module")
def extended(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the package (and the schemas, templates and docs beside it) with one more target and backend,
    regenerated with `make schemas`'s command."""
    copy = tmp_path_factory.mktemp("extended")
    shutil.copytree(ROOT / "rallyc", copy / "rallyc", symlinks=True, ignore=shutil.ignore_patterns("__pycache__"))
    for folder in ("schemas", "grammar", "templates"):
        shutil.copytree(ROOT / folder, copy / folder)
    (copy / "docs").mkdir()
    shutil.copy(ROOT / "docs" / "language.md", copy / "docs" / "language.md")
    (copy / "rallyc" / "targets" / "plain_subagents.py").write_text(TARGET_MODULE)
    (copy / "rallyc" / "runner" / "backends" / "echo.py").write_text(BACKEND_MODULE)
    done = rallyc_in(copy, copy, "-m", "rallyc.regenerate")
    assert done.returncode == 0 and "wrote rallyc/catalog.py" in done.stdout, done.stderr
    return copy


def rallyc_in(package: Path, cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """`python *args` with `package`'s copy of rallyc first on the path."""
    env = {**os.environ, "PYTHONPATH": str(package)}
    return subprocess.run([sys.executable, *args], cwd=cwd, env=env, capture_output=True, text=True, check=False)


def test_the_new_target_and_backend_are_in_the_cli_choices_schemas_and_docs(extended: Path) -> None:
    assert "plain-subagents" in rallyc_in(extended, extended, "-m", "rallyc", "compile", "--help").stdout
    assert "echo" in rallyc_in(extended, extended, "-m", "rallyc", "run", "--help").stdout
    schema = json.loads((extended / "schemas" / "team.rally.schema.json").read_text())
    assert "plain-subagents" in schema["properties"]["team"]["properties"]["runtime"]["enum"]
    assert "echo" in schema["properties"]["run"]["properties"]["backend"]["enum"]
    assert "echo" in json.loads((extended / "schemas" / "report.schema.json").read_text())["properties"]["backend"]["enum"]
    assert "| `plain-subagents` | Plain prompts, one per teammate | 2.5 | anthropic |" in \
        (extended / "docs" / "language.md").read_text()  # fmt: skip
    assert rallyc_in(extended, extended, "-m", "rallyc.regenerate", "--check").returncode == 0


def test_compile_and_run_use_them(extended: Path, tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo", {"team.rally.yaml": SPEC})
    done = rallyc_in(extended, repo, "-m", "rallyc", "compile", "team.rally.yaml")
    assert done.returncode == 0, done.stdout + done.stderr
    build = repo / ".rally" / "build" / "demo"
    assert (build / "teammates" / "api.md").read_text().startswith("You are api.")
    assert json.loads((build / "plan.json").read_text())["budget"]["overhead"] == 2.5  # the target's, from the catalog
    done = rallyc_in(extended, repo, "-m", "rallyc", "run", "team.rally.yaml", "--no-journal")
    assert done.returncode == 0, done.stdout + done.stderr
    report = json.loads(next((repo / ".rally" / "runs").glob("*/report.json")).read_text())
    assert report["backend"] == "echo" and report["status"] == "passed"
    assert "You are api." in git(repo, "show", f"{report['integration_branch']}:out/api/notes.txt")


def test_the_descriptor_examples_in_the_architecture_docs_are_the_code() -> None:
    """Each "From `path`:" excerpt in docs/architecture.md is in that file as written."""
    excerpts = re.findall(r"From `([^`]+)`:\n\n```python\n(.*?)```", (ROOT / "docs" / "architecture.md").read_text(), re.S)
    assert {path for path, _ in excerpts} >= {"rallyc/targets/claude_subagents.py", "rallyc/runner/backends/shell.py"}
    for path, code in excerpts:
        assert code in (ROOT / path).read_text(), path
