"""rallyc's SARIF passes Microsoft's SARIF validator (npm @microsoft/sarif-multitool, `validate`).

The validator checks the JSON schema (JSON1xxx), the SARIF spec's rules (SARIF1xxx errors, SARIF2xxx
warnings and notes) and, with `--rule-kind Gh`, what GitHub code scanning needs to ingest a file
(GHxxxx). It exits 0 whatever it finds, so its report is read: no `: error ` and no `: warning `
line may name our file. It also stays silent on a file it cannot deserialize (an unknown enum value,
say), so the tests check that it did analyse ours (its advisory notes name it) and, as a control,
that it reports the errors planted in a spoiled copy.

Notes left on purpose: SARIF2002 (messages as text, not ids with arguments), SARIF2003 (no
versionControlProvenance: upload-sarif adds the commit), SARIF2006 (URLs unreachable offline),
SARIF2010/2011 (no snippets: code scanning shows the file itself), SARIF2012 (rule names are
kebab-case by the rules contract, not PascalCase).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT
from tests.integrations.conftest import INTEGRATIONS, node_package

WARNINGS = """\
rally: 1
team: {name: small, goal: Add routes and tests in parallel — für alle Länder.}
teammates:
  - name: api
    role: implementation
    owns: [src/api/**]
    tasks:
      - {id: routes, do: Add the routes., estimate: 20m, timeout: 2h}
      - {id: more, do: Add more routes.}
  - name: web
    role: front end
    owns: [web/**]
    tasks:
      - {id: pages, do: Add the pages., estimate: 20m, verify: [npm test]}
"""
DUPLICATE_KEY = "rally: 1\nteam: {name: dup, goal: g}\nteam: {name: dup, goal: g}\nteammates: []\n"
SYNTAX_ERROR = "rally: 1\nteam: {name: x\n  goal: [\n"


def multitool() -> Path:
    """The native validator the npm package's `sarif-multitool` script runs (called directly: that
    script joins its arguments into one shell line, which splits `--level "Error;Warning"` at `;`)."""
    node_package("@microsoft/sarif-multitool")
    done = subprocess.run(["node", "-p", "require('@microsoft/sarif-multitool')"], cwd=INTEGRATIONS,
                          capture_output=True, text=True, timeout=60, check=False)  # fmt: skip
    if done.returncode != 0:
        missing = f"@microsoft/sarif-multitool has no binary for this platform: {done.stderr.strip()}"
        if os.environ.get("CI"):
            pytest.fail(missing)  # CI runs on a platform it has: a skip there would hide a broken set-up
        pytest.skip(missing)
    return Path(done.stdout.strip())


def validate(log: Path) -> list[str]:
    """The validator's findings about `log`, one line each (`file(line,col): level CODE: message`)."""
    env = {**os.environ, "DOTNET_SYSTEM_GLOBALIZATION_INVARIANT": "1", "DOTNET_CLI_TELEMETRY_OPTOUT": "1"}
    done = subprocess.run([str(multitool()), "validate", "--rule-kind", "Sarif;Gh", "--level", "Error;Warning;Note",
                           str(log)], capture_output=True, text=True, timeout=120, env=env, check=False)  # fmt: skip
    assert done.returncode == 0 and "Analysis completed successfully" in done.stdout, done.stdout + done.stderr
    return [line for line in done.stdout.splitlines() if line.startswith(f"{log}(")]


@pytest.fixture
def sarif_log(tmp_path: Path) -> Path:
    """One report over several specs: errors with related locations, warnings, info, a YAML syntax
    error, a repeated key, a file name that needs percent-encoding, and a path that does not exist."""
    shutil.copy(ROOT / "specs" / "demo" / "broken.rally.yaml", tmp_path / "broken.rally.yaml")
    (tmp_path / "teams").mkdir()
    (tmp_path / "teams" / "warnings.rally.yaml").write_text(WARNINGS, encoding="utf-8")
    (tmp_path / "teams" / "dup.rally.yml").write_text(DUPLICATE_KEY)
    (tmp_path / "syntax.rally.yaml").write_text(SYNTAX_ERROR)
    (tmp_path / "odd name #1 ü.rally.yaml").write_text(WARNINGS, encoding="utf-8")
    command = [sys.executable, "-m", "rallyc", "lint", "--no-repo", "--show-info", "--format", "sarif",
               "-o", "report.sarif", ".", "missing.rally.yaml"]  # fmt: skip
    done = subprocess.run(command, cwd=tmp_path, capture_output=True, text=True, check=False)
    assert done.returncode == 2, done.stdout + done.stderr  # the missing file makes it 2; the report is written
    return tmp_path / "report.sarif"


def test_report_covers_every_kind_of_finding(sarif_log: Path) -> None:
    (run,) = json.loads(sarif_log.read_text())["runs"]
    results = run["results"]
    assert {result["level"] for result in results} == {"error", "warning", "note"}
    assert {"RY001", "RY002", "RY003", "RY101", "RY201", "RY304", "RY401", "RY405"} <= {r["ruleId"] for r in results}
    assert sum("relatedLocations" in result for result in results) >= 4
    uris = {result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for result in results}
    assert "odd%20name%20%231%20%C3%BC.rally.yaml" in uris and "teams/dup.rally.yml" in uris
    (invocation,) = run["invocations"]
    assert invocation["executionSuccessful"] is False
    assert "missing.rally.yaml" in invocation["toolExecutionNotifications"][0]["message"]["text"]


def test_sarif_multitool_finds_no_error_and_no_warning(sarif_log: Path) -> None:
    findings = validate(sarif_log)
    problems = [line for line in findings if ": error " in line or ": warning " in line]
    assert problems == [], "\n".join(problems)
    assert any(": note SARIF" in line for line in findings), "the validator did not analyse the file"


def test_sarif_multitool_reports_planted_errors(sarif_log: Path, tmp_path: Path) -> None:
    """The control: the same validator, run the same way, does report a spoiled copy."""
    log = json.loads(sarif_log.read_text())
    result = log["runs"][0]["results"][0]
    result["ruleIndex"] = 99
    result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] = "/abs path/x.rally.yaml"
    spoiled = tmp_path / "spoiled.sarif"
    spoiled.write_text(json.dumps(log, indent=2))
    errors = " ".join(line for line in validate(spoiled) if ": error " in line)
    assert "SARIF1009" in errors  # ruleIndex out of range
    assert "SARIF1002" in errors or "SARIF1004" in errors  # not a valid relative URI reference
