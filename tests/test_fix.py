"""`rallyc lint --fix` / `--diff`: each fix as text before and after, then linted again; no-ops are byte-identical."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from rallyc.api import SpecFile, lint, spec_files
from rallyc.cli import cli
from rallyc.config import Settings
from rallyc.context import LintContext
from rallyc.fix import FileFix, fix_paths, fix_text, write_fixed
from tests.conftest import EXAMPLES, SMALL_SPEC

NO_REPO = Settings(repo=False)


def fixed(path: Path, settings: Settings = NO_REPO, *, add_timeouts: bool = False) -> FileFix:
    text = path.read_bytes().decode("utf-8-sig")
    return fix_text(path, str(path), text, settings, add_timeouts=add_timeouts)


def codes_after(result: FileFix) -> list[str]:
    """The findings (info included) of the fixed text, linted in memory."""
    from rallyc.api import lint_context

    ctx = LintContext(result.path, result.display, text=result.fixed)
    return [d.code for d in lint_context(ctx, Settings(repo=False, show_info=True)).diagnostics]


def run_cli(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, list(args), catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


# ---- no-ops -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda path: path.name)
def test_a_clean_example_is_left_byte_for_byte(example: Path, tmp_path: Path) -> None:
    copy = tmp_path / example.name
    shutil.copy2(example, copy)
    before = copy.stat()
    code, out, err = run_cli("lint", "--no-repo", "--fix", str(copy))
    assert code == 0, out + err
    assert copy.read_bytes() == example.read_bytes()
    assert (copy.stat().st_ino, copy.stat().st_mtime_ns) == (before.st_ino, before.st_mtime_ns)  # not even rewritten
    assert run_cli("lint", "--no-repo", "--diff", str(copy))[1] == ""
    assert fixed(copy).applied == () and fixed(copy).refused == ()


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda path: path.name)
def test_add_timeouts_on_an_example_only_adds_lines_and_keeps_every_deadline(example: Path) -> None:
    result = fixed(example, add_timeouts=True)
    assert [done.code for done in result.applied] == ["timeouts"], result.refused
    removed = [line for line in result.diff().splitlines()[2:] if line.startswith("-")]
    added = [line for line in result.diff().splitlines()[2:] if line.startswith("+")]
    assert removed == [] and added and all(line.strip().startswith("+") and "timeout: " in line for line in added)
    assert codes_after(result) == [code for code in codes_after(fixed(example)) if code != "RY404"]
    assert fixed(example, add_timeouts=True).refused == ()


TYPOS = {"verify:": "verfiy:", "estimate:": "estimat:", "done_when:": "done_wen:", "reads:": "raeds:"}


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda path: path.name)
def test_misspelled_keys_in_an_example_are_fixed_back_byte_for_byte(example: Path, tmp_path: Path) -> None:
    """Every `verify`, `estimate`, `done_when` and `reads` key of a commented example, misspelled, then fixed."""
    text = example.read_text(encoding="utf-8")
    lines = []
    for line in text.splitlines(keepends=True):
        key = line.lstrip(" -")
        known = next((k for k in TYPOS if key.startswith(k)), None)
        lines.append(line.replace(key, TYPOS[known] + key[len(known) :], 1) if known else line)
    broken = "".join(lines)
    assert broken.count("verfiy:") >= 2
    path = tmp_path / example.name
    path.write_text(broken, encoding="utf-8")
    result = fixed(path)
    assert result.fixed == text, result.refused
    assert {a.code for a in result.applied} == {"RY002"} and result.refused == ()


def test_a_file_with_a_yaml_error_is_never_touched(write_spec) -> None:  # type: ignore[no-untyped-def]
    path = write_spec("rally: 1\nteam: {name: x, goal: y\nteammates:\n  - owns: [src/**.py]\n    verfiy: [a]\n")
    raw = path.read_bytes()
    code, out, err = run_cli("lint", "--no-repo", "--fix", "--add-timeouts", str(path))
    assert code == 1 and "RY001" in out
    assert path.read_bytes() == raw
    assert fixed(path).fixed == raw.decode()


# ---- RY004: `**` inside a segment -----------------------------------------------------------------------

SPEC = """\
rally: 1
team: {{name: small, goal: Add routes and pages in parallel.}}
budget: {{max_usd: 40}}
teammates:
  - name: api
    role: implementation
    owns: {api_owns}
    tasks:
      - {{id: routes, do: Add the routes., estimate: 20m, verify: [pytest -q]}}
  - name: web
    role: front end
    owns: [web/**]
    tasks:
      - {{id: pages, do: Add the pages., estimate: 20m, verify: [npm test]}}
"""


@pytest.mark.parametrize(
    ("before", "after"),
    [
        ("[src/**.py]", "[src/**/*.py]"),
        ("[ 'src/**.py' , lib/** ]  # keep me", "[ 'src/**/*.py' , lib/** ]  # keep me"),
        ('["./src/**.py"]', '["./src/**/*.py"]'),
        ("\n      - src/**.py   # mine\n      - lib/**", "\n      - src/**/*.py   # mine\n      - lib/**"),
        ("['**.py']", "['**/*.py']"),
    ],
)
def test_globstar_inside_a_segment(before: str, after: str, write_spec) -> None:  # type: ignore[no-untyped-def]
    path = write_spec(SPEC.format(api_owns=before))
    result = fixed(path)
    assert result.fixed == SPEC.format(api_owns=after)
    assert [(a.code, a.description) for a in result.applied][0][0] == "RY004"
    assert "RY004" not in codes_after(result)


@pytest.mark.parametrize(
    ("before", "after"),
    [
        ("\n      - src/**\n      - !src/core.py\n", '\n      - src/**\n      - "!src/core.py"\n'),
        ("\n      - src/**\n      - !src/core.py   # not mine\n", '\n      - src/**\n      - "!src/core.py"   # not mine\n'),
    ],
)
def test_an_unquoted_exclusion_is_quoted(before: str, after: str, write_spec) -> None:  # type: ignore[no-untyped-def]
    path = write_spec(SPEC.format(api_owns=before).replace("\n\n", "\n"))
    result = fixed(path)
    assert result.fixed == SPEC.format(api_owns=after).replace("\n\n", "\n")
    assert [a.code for a in result.applied] == ["RY004"]
    assert "RY004" not in codes_after(result)


def overlapping(web: str, api: str) -> str:
    return SMALL_SPEC.replace("owns: [web/**]", f"owns: {web}").replace("owns: [src/api/**]", f"owns: {api}")


@pytest.mark.parametrize(
    ("web", "api", "fixed_web", "fixed_api"),
    [
        ("[src/**]", "[src/api/*.py]", '[src/**, "!src/api/*.py"]', "[src/api/*.py]"),
        ("[src/api/x.py]", "[src/**, lib/**]", "[src/api/x.py]", '[src/**, lib/**, "!src/api/x.py"]'),
        ("\n      - src/**\n      - lib/**", "[src/core.py]", '\n      - src/**\n      - lib/**\n      - "!src/core.py"',
         "[src/core.py]"),
    ],
)
def test_an_overlap_where_one_glob_holds_the_other_gets_an_exclusion(
    web: str, api: str, fixed_web: str, fixed_api: str, write_spec  # type: ignore[no-untyped-def]
) -> None:
    result = fixed(write_spec(overlapping(web, api)))
    assert result.fixed == overlapping(fixed_web, fixed_api)
    assert [a.code for a in result.applied] == ["RY101"]
    assert "RY101" not in codes_after(result)


def test_an_overlap_where_neither_glob_holds_the_other_has_no_fix(write_spec) -> None:  # type: ignore[no-untyped-def]
    result = fixed(write_spec(overlapping("[src/*.py]", "[src/a*]")))
    assert result.applied == () and result.refused == ()
    assert "RY101" in codes_after(result)


def test_globstar_in_a_double_quoted_scalar_with_escapes_is_left_alone(write_spec) -> None:  # type: ignore[no-untyped-def]
    path = write_spec(SPEC.format(api_owns='["src/\\x41**.py"]'))
    result = fixed(path)
    assert not result.changed
    assert [r.code for r in result.refused] == ["RY004"] and "style" in result.refused[0].reason


def test_a_glob_reached_through_an_alias_is_left_alone(write_spec) -> None:  # type: ignore[no-untyped-def]
    text = SPEC.format(api_owns="&globs [src/**.py]").replace("owns: [web/**]", "owns: [web/**]\n    reads: *globs")
    result = fixed(write_spec(text))
    assert not result.changed and {r.code for r in result.refused} == {"RY004"}


# ---- RY002: did-you-mean key rename -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("before", "after"),
    [
        ("verfiy: [npm test]", "verify: [npm test]"),
        ("'verfiy': [npm test]   # typo", "'verify': [npm test]   # typo"),
        ('"estimat": 20m', '"estimate": 20m'),
    ],
)
def test_unknown_key_with_a_close_match_is_renamed(before: str, after: str, write_spec) -> None:  # type: ignore[no-untyped-def]
    base = SPEC.format(api_owns="[src/**]").replace("estimate: 20m, verify: [npm test]}", "}")
    base = base.replace("      - {id: pages, do: Add the pages., }", "      - id: pages\n        do: Add the pages.\n        {line}")
    path = write_spec(base.replace("{line}", before))
    result = fixed(path)
    assert result.fixed == base.replace("{line}", after)
    assert [a.description for a in result.applied] == [f"rename `{before.split(':')[0].strip(chr(39) + chr(34))}` "
                                                       f"to `{after.split(':')[0].strip(chr(39) + chr(34))}`"]
    assert "RY002" not in codes_after(result)


def test_a_rename_onto_an_existing_key_is_refused(write_spec) -> None:  # type: ignore[no-untyped-def]
    path = write_spec(SPEC.format(api_owns="[src/**]").replace("verify: [npm test]}", "verify: [npm test], verfiy: [b]}"))
    result = fixed(path)
    assert not result.changed and "already has a `verify` key" in result.refused[0].reason


def test_a_rename_whose_value_does_not_fit_the_key_is_refused(write_spec) -> None:  # type: ignore[no-untyped-def]
    path = write_spec(SPEC.format(api_owns="[src/**]").replace("verify: [npm test]}", "verify: [npm test], timout: soon}"))
    result = fixed(path)
    assert not result.changed
    assert result.refused[0].description == "rename `timout` to `timeout`" and "it would add RY004" in result.refused[0].reason


def test_an_unknown_key_without_a_close_match_has_no_fix(write_spec) -> None:  # type: ignore[no-untyped-def]
    path = write_spec(SPEC.format(api_owns="[src/**]").replace("verify: [npm test]}", "verify: [npm test], zzz: 1}"))
    result = fixed(path)
    assert not result.changed and result.refused == ()


# ---- RY201: hidden read-after-write --------------------------------------------------------------------------

RACE = """\
rally: 1
team: {name: race, goal: Routes then pages and flags that use them.}
defaults: {estimate: 20m}
budget: {max_usd: 60}
teammates:
  - name: api
    role: implementation
    owns: [src/api/**]
    tasks:
      - {id: routes, do: Add the routes., verify: [pytest -q]}
      - {id: schema, do: Write the schema., verify: [pytest -q]}
  - name: web
    role: front end
    owns: [web/**]
    reads: [src/api/**]
    tasks:
PAGES
      - id: styles
        do: Style the pages.
        verify: [npm test]
  - name: cli
    role: command line
    owns: [cli/**]
    tasks:
      - {id: cli-flags, do: Add the flags., verify: [pytest -q cli]}
"""


@pytest.mark.parametrize(
    ("before", "after"),
    [
        ("      - {id: pages, do: Add the pages., verify: [npm test]}",
         "      - {id: pages, after: [schema], do: Add the pages., verify: [npm test]}"),
        ("      - id: pages   # first\n        do: Add the pages.\n        verify: [npm test]",
         "      - id: pages   # first\n        after: [schema]\n        do: Add the pages.\n        verify: [npm test]"),
        ("      - id: pages\n        after: [cli-flags]\n        do: Add the pages.\n        verify: [npm test]",
         "      - id: pages\n        after: [cli-flags, schema]\n        do: Add the pages.\n        verify: [npm test]"),
        ("      - id: pages\n        after: []\n        do: Add the pages.\n        verify: [npm test]",
         "      - id: pages\n        after: [schema]\n        do: Add the pages.\n        verify: [npm test]"),
        ("      - id: pages\n        after:\n          - cli-flags   # why\n        do: Add the pages.\n        verify: [npm test]",
         "      - id: pages\n        after:\n          - cli-flags   # why\n          - schema\n        do: Add the pages.\n"
         "        verify: [npm test]"),
    ],
)  # fmt: skip
def test_a_race_gets_the_after_it_needs(before: str, after: str, write_spec) -> None:  # type: ignore[no-untyped-def]
    path = write_spec(RACE.replace("PAGES", before))
    result = fixed(path)
    # `pages` races both tasks of `api`; waiting for `schema` (the last) also orders it after `routes`, and
    # `styles` comes after `pages`: one `after` fixes all four findings
    assert result.fixed == RACE.replace("PAGES", after)
    assert [a.description for a in result.applied] == ["add `after: [schema]` to `pages`"]
    assert "RY201" not in codes_after(result) and "RY203" not in codes_after(result)


def test_two_tasks_reading_each_other_get_one_after_and_no_cycle(write_spec) -> None:  # type: ignore[no-untyped-def]
    text = RACE.replace("PAGES", "      - {id: pages, do: Add the pages., verify: [npm test]}").replace(
        "    owns: [src/api/**]\n", "    owns: [src/api/**]\n    reads: [web/**]\n")
    path = write_spec(text)
    assert {d.code for d in lint([str(path)], NO_REPO).diagnostics} == {"RY201"}
    result = fixed(path)
    assert len(result.applied) == 1 and result.applied[0].code == "RY201"
    assert result.fixed.count("after:") == 1
    assert "RY201" not in codes_after(result) and "RY203" not in codes_after(result)


def test_a_race_fix_that_would_leave_no_parallel_work_is_refused(write_spec) -> None:  # type: ignore[no-untyped-def]
    two = RACE.replace("PAGES", "      - {id: pages, do: Add the pages., verify: [npm test]}")
    two = two[: two.index("      - id: styles")].replace("      - {id: schema, do: Write the schema., verify: [pytest -q]}\n", "")
    result = fixed(write_spec(two))
    assert not result.changed
    assert {(r.code, r.reason) for r in result.refused} == {("RY201", "it would add RY206")}


def test_a_suppressed_or_unselected_finding_is_not_fixed(write_spec) -> None:  # type: ignore[no-untyped-def]
    text = RACE.replace("PAGES", "      - {id: pages, do: Add the pages., verify: [npm test]}")
    silenced = write_spec(text.replace("reads: [src/api/**]", "reads: [src/api/**]  # rallyc: ignore[RY201] on purpose"))
    assert not fixed(silenced).changed
    assert not fixed(write_spec(text, "other.rally.yaml"), Settings(repo=False, select=("RY0",))).changed


# ---- --add-timeouts ------------------------------------------------------------------------------------------

TIMEOUTS = """\
rally: 1
team: {name: t, goal: Two things at once.}
defaults: {model: sonnet, estimate: 20m}
budget: {max_usd: 60}
teammates:
  - name: a
    role: implementation
    owns: [a/**]
    tasks:
      - id: a1
        do: A one.
        estimate: 45m   # slow
        verify: [make a]
      - {id: a2, do: A two., estimate: 10m, timeout: 15m, verify: [make a]}
  - name: b
    role: implementation
    owns: [b/**]
    tasks:
      - {id: b1, do: B one., verify: [make b]}
      - {id: b2, do: B two., estimate: 1h, verify: [make b]}"""  # no newline at the end


def test_timeouts_are_written_beside_each_estimate_used_without_one(write_spec) -> None:  # type: ignore[no-untyped-def]
    path = write_spec(TIMEOUTS)
    assert not fixed(path).changed  # opt-in only
    result = fixed(path, add_timeouts=True)
    assert result.fixed == (
        TIMEOUTS.replace("estimate: 20m}", "estimate: 20m, timeout: 40m}")
        .replace("estimate: 45m   # slow\n", "estimate: 45m   # slow\n        timeout: 1h30m\n")
        .replace("estimate: 1h, verify", "estimate: 1h, timeout: 2h, verify")
    )
    assert result.applied[0].description == ("`timeout: 40m` in defaults; `timeout: 1h30m` in `a1`; "
                                             "`timeout: 2h` in `b2` (2 x estimate, as before)")  # fmt: skip
    assert codes_after(result) == codes_after(fixed(path))


def test_timeouts_keep_crlf_and_the_byte_order_mark(tmp_path: Path) -> None:
    path = tmp_path / "crlf.rally.yaml"
    text = TIMEOUTS.replace("estimate: 45m   # slow", "estimate: 45m").replace("{model: sonnet, estimate: 20m}", "{model: sonnet}")
    path.write_bytes(b"\xef\xbb\xbf" + text.replace("\n", "\r\n").encode())
    code, out, err = run_cli("lint", "--no-repo", "--fix", "--add-timeouts", str(path))
    assert code == 0, out + err
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf") and b"\r\n        timeout: 1h30m\r\n" in raw
    assert raw.count(b"\n") == raw.count(b"\r\n") == text.count("\n") + 1
    assert "fixed timeouts" in err


def test_tasks_without_an_estimate_get_no_timeout(write_spec) -> None:  # type: ignore[no-untyped-def]
    path = write_spec(TIMEOUTS.replace("{model: sonnet, estimate: 20m}", "{model: sonnet}"))
    result = fixed(path, add_timeouts=True)
    assert "b1, do: B one., verify" in result.fixed  # RY404 stays: there is no estimate to double
    assert codes_after(result).count("RY404") == 1


def test_timeouts_wait_for_the_errors_that_stop_the_plan_checks_only(write_spec) -> None:  # type: ignore[no-untyped-def]
    stopped = fixed(write_spec(TIMEOUTS.replace("id: b2", "id: b1")), add_timeouts=True)  # RY005 stops them
    assert not stopped.changed
    refusal = ("timeouts", "the spec has structure errors (RY0) to fix first")
    assert [(r.code, r.reason) for r in stopped.refused] == [refusal]
    unknown = fixed(write_spec(TIMEOUTS.replace("B one.,", "B one., colour: red,")), add_timeouts=True)
    assert "b1, do: B one., colour: red, verify" in unknown.fixed and "timeout: 2h" in unknown.fixed
    assert codes_after(unknown).count("RY002") == 1  # the spec reads the same without the unknown key: it stays


# ---- the command line ----------------------------------------------------------------------------------------


def test_diff_shows_and_writes_nothing_and_exits_as_lint(write_spec) -> None:  # type: ignore[no-untyped-def]
    path = write_spec(SPEC.format(api_owns="[src/**.py]"))  # an absolute path: no a/ and b/ before it
    raw = path.read_bytes()
    code, out, err = run_cli("lint", "--no-repo", "--diff", str(path))
    assert code == 1  # lint's verdict on the file as it is
    assert path.read_bytes() == raw
    assert out == (f"--- {path}\n+++ {path}\n@@ -4,7 +4,7 @@\n teammates:\n   - name: api\n"
                   "     role: implementation\n-    owns: [src/**.py]\n+    owns: [src/**/*.py]\n     tasks:\n"
                   "       - {id: routes, do: Add the routes., estimate: 20m, verify: [pytest -q]}\n   - name: web\n")
    assert f"{path}: would fix RY004: `src/**.py` -> `src/**/*.py`" in err


def test_fix_writes_keeps_the_mode_and_reports_what_remains(write_spec) -> None:  # type: ignore[no-untyped-def]
    path = write_spec(SPEC.format(api_owns="[src/**.py]"))
    os.chmod(path, 0o640)
    code, out, err = run_cli("lint", "--no-repo", "--fix", str(path))
    assert code == 0, out + err
    assert "owns: [src/**/*.py]" in path.read_text(encoding="utf-8")
    assert path.stat().st_mode & 0o777 == 0o640
    assert out.startswith("0 errors") and f"{path}: fixed RY004" in err
    assert [p.name for p in path.parent.iterdir()] == [path.name]  # no temporary file left


def test_fix_through_a_symlink_keeps_the_link(write_spec, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    real = write_spec(SPEC.format(api_owns="[src/**.py]"), "real/team.rally.yaml")
    link = tmp_path / "link.rally.yaml"
    link.symlink_to(real)
    assert run_cli("lint", "--no-repo", "--fix", str(link))[0] == 0
    assert link.is_symlink() and "src/**/*.py" in real.read_text(encoding="utf-8")


def test_a_file_changed_meanwhile_is_not_overwritten(write_spec) -> None:  # type: ignore[no-untyped-def]
    path = write_spec(SPEC.format(api_owns="[src/**.py]"))
    result = fixed(path)
    path.write_text("# edited meanwhile\n" + path.read_text(encoding="utf-8"), encoding="utf-8")
    assert write_fixed(result) is False
    assert path.read_text(encoding="utf-8").startswith("# edited meanwhile\n")


def test_add_timeouts_needs_fix_or_diff(write_spec) -> None:  # type: ignore[no-untyped-def]
    code, out, err = run_cli("lint", "--no-repo", "--add-timeouts", str(write_spec(TIMEOUTS)))
    assert code == 2 and "--add-timeouts" in err


def test_diff_headers_of_a_relative_path_have_a_and_b(write_spec, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    path = write_spec(SPEC.format(api_owns="[src/**.py]"))
    monkeypatch.chdir(path.parent)
    out = run_cli("lint", "--no-repo", "--diff")[1]
    assert out.startswith("--- a/team.rally.yaml\n+++ b/team.rally.yaml\n@@ -4,7 +4,7 @@\n")


def test_an_unusable_spec_does_not_stop_the_fixes_of_the_next_ones(tmp_path: Path) -> None:
    (tmp_path / "a.rally.yaml").write_text("# " + "x" * (1 << 20) + "\n", encoding="utf-8")  # over the size limit
    fixable = tmp_path / "b.rally.yaml"
    fixable.write_text(TIMEOUTS, encoding="utf-8")
    code, out, err = run_cli("lint", "--no-repo", "--diff", "--add-timeouts", str(tmp_path))
    assert code == 2  # lint's verdict: a spec could not be linted
    assert out.startswith(f"--- {fixable}\n+++ {fixable}\n") and "+        timeout: 1h30m\n" in out
    assert f"{fixable}: would fix timeouts" in err
    assert fixable.read_text(encoding="utf-8") == TIMEOUTS


def test_fix_takes_the_specs_lint_takes_with_their_own_settings(tmp_path: Path) -> None:
    glob = SPEC.format(api_owns="[src/**.py]")
    (tmp_path / "big.rally.yaml").write_text("# " + "x" * (1 << 20) + "\n", encoding="utf-8")  # over the size limit
    for folder, config in {"broken": "sho-info = true\n", "quiet": 'ignore = ["RY004"]\n', "": ""}.items():
        (tmp_path / folder).mkdir(exist_ok=True)
        (tmp_path / folder / "team.rally.yaml").write_text(glob, encoding="utf-8")
        if config:
            (tmp_path / folder / ".rallyc.toml").write_text(config, encoding="utf-8")
    found = list(spec_files([str(tmp_path)], NO_REPO))
    assert [isinstance(spec, SpecFile) for spec in found] == [True, False, True, True]
    report = lint([str(tmp_path)], NO_REPO)
    results = fix_paths([str(tmp_path)], NO_REPO)
    assert [result.display for result in results] == [report.file for report in report.files]
    assert [(Path(result.display).parent.name, len(result.applied)) for result in results] == [
        ("quiet", 0),  # its config ignores the finding, so the fix is not taken either
        (tmp_path.name, 1),
    ]
    assert "big.rally.yaml" in str(report.failures[0]) and "sho-info" in str(report.failures[1])


def test_fix_reads_the_repository_once_however_many_edits_it_tries(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every candidate edit is linted again, but `team.repo` is what it was: one `git ls-files`, not one per edit."""
    import subprocess

    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    text = EXAMPLES[0].read_text(encoding="utf-8")
    path = tmp_path / EXAMPLES[0].name
    path.write_text(text.replace("verify:", "verfiy:").replace("estimate:", "estimat:"), encoding="utf-8")
    subprocess.run(["git", "-C", str(tmp_path), "add", "."], check=True)
    calls: list[list[str]] = []
    run = subprocess.run
    monkeypatch.setattr(subprocess, "run", lambda args, **kw: calls.append(args) or run(args, **kw))
    result = fix_text(path, path.name, path.read_text(encoding="utf-8"), Settings())
    assert result.fixed == text and len(result.applied) > 1
    assert sum("ls-files" in args for args in calls) == 1
