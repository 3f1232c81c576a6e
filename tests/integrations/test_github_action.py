"""action.yml: valid action metadata, and its shell steps do what docs/github.md says.

GitHub Actions cannot run here. What can be checked without it:
- the file validates against the GitHub Action metadata schema that check-jsonschema ships
  (SchemaStore's github-action.json, offline), and the workflow in docs/github.md against the
  workflow schema;
- its steps are the documented ones (setup-python, install from the action's own path,
  upload-sarif after a lint step that does not fail, then a step that fails the job);
- its `run:` steps, executed the way a runner does (`bash --noprofile --norc -eo pipefail`, inputs
  substituted into their `env:`, GITHUB_OUTPUT a file), lint real specs with the rallyc of this
  checkout; the `if:` conditions are evaluated by a small evaluator of the few expression forms the
  file uses, which refuses any other form.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from ruamel.yaml import YAML

from tests.conftest import EXAMPLES, ROOT

ACTION = ROOT / "action.yml"
GITHUB_DOC = ROOT / "docs" / "github.md"
BROKEN = ROOT / "specs" / "demo" / "broken.rally.yaml"


def load(text: str) -> Any:
    return YAML(typ="safe").load(text)


@pytest.fixture(scope="module")
def action() -> dict[str, Any]:
    return load(ACTION.read_text())  # type: ignore[no-any-return]


def check_jsonschema(schema: str, path: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "check_jsonschema", "--builtin-schema", schema, str(path)],
                          capture_output=True, text=True, timeout=120, check=False)  # fmt: skip


def test_action_metadata_is_valid(tmp_path: Path) -> None:
    done = check_jsonschema("vendor.github-actions", ACTION)
    assert done.returncode == 0, done.stdout + done.stderr
    spoiled = tmp_path / "action.yml"
    spoiled.write_text(ACTION.read_text().replace("using: composite", "using: compsite"))
    assert check_jsonschema("vendor.github-actions", spoiled).returncode == 1  # the control


def test_docs_workflow_is_valid(tmp_path: Path) -> None:
    workflows = re.findall(r"```yaml\n(.*?)```", GITHUB_DOC.read_text(), flags=re.S)
    workflows = [text for text in workflows if text.lstrip().startswith(("name:", "on:"))]
    assert len(workflows) >= 2
    for number, text in enumerate(workflows):
        path = tmp_path / f"workflow-{number}.yml"
        path.write_text(text)
        done = check_jsonschema("vendor.github-workflows", path)
        assert done.returncode == 0, text + done.stdout + done.stderr
        steps = [step for job in load(text)["jobs"].values() for step in job["steps"]]
        assert any(re.fullmatch(r"[\w.-]+/rallyc@[\w.-]+", step.get("uses", "")) for step in steps), text


def test_inputs_outputs_and_steps(action: dict[str, Any]) -> None:
    inputs = action["inputs"]
    assert {"paths", "format", "sarif-file", "version", "upload", "category", "args", "python-version"} <= set(inputs)
    assert (inputs["paths"]["default"], inputs["format"]["default"]) == (".", "sarif")
    assert inputs["version"]["default"] == "" and inputs["upload"]["default"] == "true"
    assert all(not spec.get("required", False) for spec in inputs.values())
    assert set(action["outputs"]) == {"exit-code", "sarif-file"}

    assert action["runs"]["using"] == "composite"
    steps = action["runs"]["steps"]
    uses = [step.get("uses", "").split("@")[0] for step in steps]
    assert uses == ["actions/setup-python", "", "", "github/codeql-action/upload-sarif", ""]
    setup, install, lint, upload, fail = steps
    assert setup["with"]["python-version"] == "${{ inputs.python-version }}"
    assert install["env"]["ACTION_PATH"] == "${{ github.action_path }}" and '"$ACTION_PATH"' in install["run"]
    assert "rallyc lint --format sarif -o" in lint["run"] and "rallyc lint --format github" in lint["run"]
    assert upload["uses"] == "github/codeql-action/upload-sarif@v3"
    assert upload["with"]["sarif_file"] == "${{ steps.lint.outputs.sarif-file }}"
    assert "exit" in fail["run"]
    for step in steps:  # inputs reach scripts through env, never spliced into the script (no injection)
        assert "${{" not in step.get("run", ""), step["name"]
        assert step.get("shell", "bash") == "bash"


# -- running the steps locally


def evaluate(expression: str, context: dict[str, Any]) -> Any:
    """The expression forms action.yml uses: `${{ path }}`, and `&&` of `!cancelled()` and `path ==|!= 'text'`."""
    match = re.fullmatch(r"\s*\$\{\{(.*)\}\}\s*", expression)
    if match is None:
        return expression
    terms = [term.strip() for term in match.group(1).split("&&")]
    values = []
    for term in terms:
        if term == "!cancelled()":
            values.append(True)
        elif compared := re.fullmatch(r"([\w.-]+) (==|!=) '([^']*)'", term):
            left = str(lookup(compared.group(1), context))
            values.append((left == compared.group(3)) == (compared.group(2) == "=="))
        elif re.fullmatch(r"[\w.-]+", term) and len(terms) == 1:
            return lookup(term, context)
        else:
            raise AssertionError(f"the test's evaluator does not know {term!r}: extend it or simplify action.yml")
    return all(values)


def lookup(path: str, context: dict[str, Any]) -> Any:
    value: Any = context
    for part in path.split("."):
        value = value.get(part, "") if isinstance(value, dict) else ""
    return value


class Run:
    def __init__(self, outputs: dict[str, str], log: str, failed: bool, ran: list[str]) -> None:
        self.outputs, self.log, self.failed, self.ran = outputs, log, failed, ran


def run_action(action: dict[str, Any], workspace: Path, **given: str) -> Run:
    """Run the composite action's bash steps in `workspace` as a runner would, but not install steps
    (rallyc is already installed here) nor other actions (recorded in `ran` when their `if:` holds)."""
    inputs = {name: spec.get("default", "") for name, spec in action["inputs"].items()} | given
    context: dict[str, Any] = {"inputs": inputs, "github": {"action_path": str(ROOT)}, "steps": {}}
    bin_folder = Path(sys.executable).parent
    log, ran, failed = [], [], False
    for number, step in enumerate(action["runs"]["steps"]):
        if "if" in step and not evaluate(step["if"], context):
            continue
        if failed and "if" not in step:
            continue  # success() is the implicit condition
        if "uses" in step or step["name"] == "Install rallyc":
            ran.append(step["name"])
            continue
        output_file = workspace.parent / f"output-{number}"
        output_file.write_text("")
        script = workspace.parent / f"step-{number}.sh"
        script.write_text(step["run"])
        env = {**os.environ, **{key: str(evaluate(value, context)) for key, value in step.get("env", {}).items()},
               "GITHUB_OUTPUT": str(output_file), "GITHUB_ACTIONS": "true", "NO_COLOR": "1",
               "PATH": f"{bin_folder}{os.pathsep}{os.environ['PATH']}"}  # fmt: skip
        done = subprocess.run(["bash", "--noprofile", "--norc", "-eo", "pipefail", str(script)], cwd=workspace,
                              env=env, capture_output=True, text=True, timeout=120, check=False)  # fmt: skip
        ran.append(step["name"])
        log.append(done.stdout + done.stderr)
        outputs = dict(line.split("=", 1) for line in output_file.read_text().splitlines() if "=" in line)
        if "id" in step:
            context["steps"][step["id"]] = {"outputs": outputs}
        failed = failed or done.returncode != 0
    return Run(context["steps"].get("lint", {}).get("outputs", {}), "".join(log), failed, ran)


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    folder = tmp_path / "workspace"
    (folder / "specs").mkdir(parents=True)
    shutil.copy(EXAMPLES[0], folder / "specs" / EXAMPLES[0].name)
    return folder


@pytest.mark.skipif(shutil.which("bash") is None, reason="needs bash")
def test_sarif_run_uploads_then_fails_on_errors(action: dict[str, Any], workspace: Path) -> None:
    shutil.copy(BROKEN, workspace / "specs" / "broken.rally.yaml")
    run = run_action(action, workspace, paths="specs", **{"sarif-file": "reports/rallyc.sarif"})
    assert run.outputs == {"exit-code": "1", "sarif-file": "reports/rallyc.sarif"}
    assert '"ruleId": "RY101"' in (workspace / "reports" / "rallyc.sarif").read_text()
    assert "specs/broken.rally.yaml:75:9: error RY101[ownership-overlap]" in run.log  # the text report, for the log
    assert run.ran == ["Set up Python", "Install rallyc", "Lint", "Upload SARIF to code scanning", "Fail when lint failed"]
    assert run.failed and "::error title=rallyc lint::rallyc lint exited with 1" in run.log


@pytest.mark.skipif(shutil.which("bash") is None, reason="needs bash")
def test_clean_specs_pass_and_still_upload(action: dict[str, Any], workspace: Path) -> None:
    run = run_action(action, workspace, paths="specs", args="--strict --no-repo")
    assert run.outputs["exit-code"] == "0" and not run.failed, run.log
    assert run.ran[-1] == "Upload SARIF to code scanning"
    assert (workspace / "rallyc.sarif").is_file()


@pytest.mark.skipif(shutil.which("bash") is None, reason="needs bash")
def test_github_format_annotates_without_upload(action: dict[str, Any], workspace: Path) -> None:
    (workspace / "my specs").mkdir()
    shutil.copy(BROKEN, workspace / "my specs" / "team.rally.yaml")
    run = run_action(action, workspace, format="github", paths="specs/\nmy specs\n")
    assert run.outputs == {"exit-code": "1"} and run.failed
    assert "::error file=my specs/team.rally.yaml,line=51,col=9," in run.log
    assert "Upload SARIF to code scanning" not in run.ran
    assert not (workspace / "rallyc.sarif").exists()


@pytest.mark.skipif(shutil.which("bash") is None, reason="needs bash")
def test_upload_false_and_bad_format(action: dict[str, Any], workspace: Path) -> None:
    run = run_action(action, workspace, paths="specs", upload="false")
    assert run.outputs["exit-code"] == "0" and "Upload SARIF to code scanning" not in run.ran
    run = run_action(action, workspace, format="junit")
    assert run.outputs == {"exit-code": "2"} and run.failed
    assert "format must be sarif or github" in run.log
