"""`rallyc lint`, `rule`, `rules` through click, as a user calls them."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
from click.testing import CliRunner

from rallyc.cli import cli
from tests.conftest import EXAMPLES, ROOT, SMALL_SPEC

NO_BUDGET = SMALL_SPEC.replace("budget: {max_usd: 40}\n", "")
BROKEN = SMALL_SPEC.replace("owns: [web/**]", "owns: [web/**.ts]")


def run(*args: str, cwd: Path | None = None) -> tuple[int, str]:
    runner = CliRunner()
    if cwd is None:
        result = runner.invoke(cli, list(args), catch_exceptions=False)
    else:
        with runner.isolated_filesystem(temp_dir=cwd):
            result = runner.invoke(cli, list(args), catch_exceptions=False)
    return result.exit_code, result.output


def test_examples_are_clean() -> None:
    code, output = run("lint", "--no-repo", "--strict", *map(str, EXAMPLES))
    assert code == 0, output
    assert output.startswith("0 errors, 0 warnings, 16 info hidden in 4 files")


def test_error_exits_1_with_location_and_hint(write_spec) -> None:  # type: ignore[no-untyped-def]
    path = write_spec(BROKEN)
    code, output = run("lint", "--no-repo", str(path))
    assert code == 1
    assert f"{path}:12:16: error RY004[invalid-pattern]" in output
    assert "hint: did you mean `web/**/*.ts`?" in output


def test_warnings_pass_unless_strict(write_spec) -> None:  # type: ignore[no-untyped-def]
    path = write_spec(NO_BUDGET)
    assert run("lint", "--no-repo", str(path))[0] == 0
    assert run("lint", "--no-repo", "--strict", str(path))[0] == 1
    assert run("lint", "--no-repo", "--strict", "--exit-zero", str(path))[0] == 0


def test_select_and_ignore(write_spec) -> None:  # type: ignore[no-untyped-def]
    path = write_spec(NO_BUDGET)
    assert "RY401" in run("lint", "--no-repo", "--select", "RY4", str(path))[1]
    assert "RY401" not in run("lint", "--no-repo", "--select", "RY3", str(path))[1]
    assert "RY401" not in run("lint", "--no-repo", "--ignore", "RY401", str(path))[1]
    assert run("lint", "--select", "XY1", str(path))[0] == 2


@pytest.mark.parametrize(("option", "selector", "suggestion"), [
    ("--select", "RY999", None),
    ("--select", "RY9", None),
    ("--ignore", "RY1011", "RY101"),
    ("--ignore", "RY410", "RY405"),
])
def test_a_selector_that_selects_nothing_is_a_usage_error(  # type: ignore[no-untyped-def]
    write_spec, option: str, selector: str, suggestion: str | None
) -> None:
    code, output = run("lint", "--no-repo", option, selector, str(write_spec(NO_BUDGET)))
    assert code == 2 and f"`{selector}` is no rule code or prefix of one" in output
    assert (f"did you mean `{suggestion}`?" in output) if suggestion else "did you mean" not in output


def test_a_config_code_that_selects_nothing_is_located(tmp_path: Path) -> None:
    (tmp_path / ".rallyc.toml").write_text('strict = true\nignore = ["RY401", "RY499"]\n')
    (tmp_path / "t.rally.yaml").write_text(SMALL_SPEC)
    code, output = run("lint", str(tmp_path / "t.rally.yaml"))
    assert code == 2 and ".rallyc.toml:2:1: rallyc setting `ignore`: `RY499` is no rule code" in output


def test_info_is_hidden_unless_asked(write_spec) -> None:  # type: ignore[no-untyped-def]
    path = write_spec(SMALL_SPEC)
    assert "RY304" not in run("lint", "--no-repo", str(path))[1]
    summary = run("lint", "--no-repo", str(path))[1].splitlines()[-1]
    assert summary.startswith("0 errors, 0 warnings, ") and " info hidden in 1 file" in summary
    assert "RY304" in run("lint", "--no-repo", "--show-info", str(path))[1]
    assert "RY304" in run("lint", "--no-repo", "--select", "RY304", str(path))[1]


def test_suppression_comments_and_lint_ignore_are_counted(write_spec) -> None:  # type: ignore[no-untyped-def]
    on_line = NO_BUDGET.replace("rally: 1\n", "# rallyc: ignore[RY401] demo budget comes later\nrally: 1\n")
    code, output = run("lint", "--no-repo", "--format", "json", str(write_spec(on_line)))
    summary = json.loads(output)["summary"]
    assert (summary["warning"], summary["suppressed"]) == (0, 1)
    ignored = NO_BUDGET + "lint: {ignore: [RY401]}\n"
    summary = json.loads(run("lint", "--no-repo", "--format", "json", str(write_spec(ignored)))[1])["summary"]
    assert (summary["warning"], summary["suppressed"]) == (0, 1)


def test_json_output_contract(write_spec) -> None:  # type: ignore[no-untyped-def]
    code, output = run("lint", "--no-repo", "--format", "json", str(write_spec(BROKEN)))
    document = json.loads(output)
    assert document["version"] == 1
    assert set(document["summary"]) >= {"error", "warning", "info", "files"}
    (diagnostic,) = document["diagnostics"]
    assert set(diagnostic) == {"code", "name", "severity", "message", "file", "line", "column", "end_line",
                               "end_column", "hint", "related"}  # fmt: skip
    assert (diagnostic["line"], diagnostic["column"], diagnostic["end_column"]) == (12, 16, 18)


def test_sarif_is_valid_sarif_210(write_spec) -> None:  # type: ignore[no-untyped-def]
    schema = json.loads((ROOT / "tests" / "data" / "sarif-2.1.0-rtm.5.json").read_text())
    path = write_spec(BROKEN.replace("rally: 1", "rally: 1\nbogus: 1"))
    code, output = run("lint", "--no-repo", "--format", "sarif", str(path))
    log = json.loads(output)
    jsonschema.Draft4Validator(schema).validate(log)
    (sarif_run,) = log["runs"]
    rules = sarif_run["tool"]["driver"]["rules"]
    assert [rule["id"] for rule in rules] == ["RY002", "RY004"]
    assert rules[0]["helpUri"].endswith("/RY002") and rules[0]["defaultConfiguration"]["level"] == "error"
    location = sarif_run["results"][0]["locations"][0]["physicalLocation"]
    assert not location["artifactLocation"]["uri"].startswith(("/", "file:"))
    assert sarif_run["results"][0]["partialFingerprints"]


@pytest.mark.parametrize("value", ["true", "1", ""])
def test_github_annotations_when_github_actions_is_set(write_spec, monkeypatch, value) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("GITHUB_ACTIONS", value)  # `auto` asks whether it is set, not what it holds
    path = write_spec(BROKEN)
    code, output = run("lint", "--no-repo", "--format", "auto", str(path))
    assert output.startswith(f"::error file={path},line=12,col=16,endLine=12,endColumn=18,title=RY004 invalid-pattern::")


def test_auto_is_text_without_github_actions(write_spec, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.delenv("GITHUB_ACTIONS", raising=False)
    path = write_spec(BROKEN)
    code, output = run("lint", "--no-repo", "--format", "auto", str(path))
    assert output.startswith(f"{path}:12:16: error RY004[invalid-pattern]")


def test_many_files_sorted_and_folders_searched(tmp_path: Path) -> None:
    for name in ("b.rally.yaml", "a.rally.yml", "sub/c.rally.yaml", "ignored.yaml", ".hidden/d.rally.yaml"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(BROKEN)
    code, output = run("lint", "--no-repo", str(tmp_path))
    files = [line.split(":")[0] for line in output.splitlines() if "RY004" in line]
    assert [Path(f).name for f in files] == ["a.rally.yml", "b.rally.yaml", "c.rally.yaml"]
    assert "in 3 files" in output


def test_unusable_files_exit_2_with_one_line(tmp_path: Path) -> None:
    code, output = run("lint", str(tmp_path / "missing.rally.yaml"))
    assert code == 2 and "missing.rally.yaml: no such file" in output
    assert "Traceback" not in output


def test_closest_config_wins(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[tool.rallyc]\nignore = ["RY401"]\n')
    (tmp_path / "team").mkdir()
    (tmp_path / "team" / ".rallyc.toml").write_text("strict = true\n")
    (tmp_path / "team" / "t.rally.yaml").write_text(NO_BUDGET)
    (tmp_path / "other.rally.yaml").write_text(NO_BUDGET)
    assert run("lint", "--no-repo", str(tmp_path / "other.rally.yaml"))[1].startswith("0 errors, 0 warnings")
    assert run("lint", "--no-repo", str(tmp_path / "team" / "t.rally.yaml"))[0] == 1  # strict, RY401 not ignored
    assert run("lint", "--no-repo", "--no-config", str(tmp_path / "team" / "t.rally.yaml"))[0] == 0


def test_bad_config_is_located(tmp_path: Path) -> None:
    (tmp_path / ".rallyc.toml").write_text("strict = true\nsho-info = true\n")
    (tmp_path / "t.rally.yaml").write_text(SMALL_SPEC)
    code, output = run("lint", str(tmp_path / "t.rally.yaml"))
    assert code == 2 and ".rallyc.toml:2:1: unknown rallyc setting `sho-info`" in output


def test_output_file_is_written(tmp_path: Path, write_spec) -> None:  # type: ignore[no-untyped-def]
    target = tmp_path / "out" / "lint.sarif"
    code, output = run("lint", "--no-repo", "--format", "sarif", "-o", str(target), str(write_spec(SMALL_SPEC)))
    assert code == 0 and output == "" and json.loads(target.read_text())["version"] == "2.1.0"


def test_rule_docs_and_table() -> None:
    code, output = run("rule", "ry004")
    assert code == 0 and output.startswith("RY004 invalid-pattern (error)")
    assert "## Why it matters" in output
    assert run("rule", "invalid-pattern")[1] == output
    code, output = run("rule", "RY04")
    assert code == 2 and "did you mean" in output
    table = json.loads(run("rules", "--format", "json")[1])
    codes = [row["code"] for row in table]
    assert codes == sorted(codes) and codes[0] == "RY001" and "RY101" in codes
    assert all(set(row) == {"code", "name", "severity", "summary", "help_uri"} for row in table)


def test_rules_reference_is_in_sync() -> None:
    assert (ROOT / "docs" / "rules.md").read_text() == run("rules", "--format", "markdown")[1]


def test_version() -> None:
    from rallyc import __version__

    assert run("--version")[1] == f"rallyc {__version__}\n"
