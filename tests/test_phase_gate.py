"""A suppressed error still stops what needs a sound spec: later lint phases, compile, run, explain, graph, fix.

Suppression hides a finding from the report; it does not mend the spec. When a
hidden error kept later checks from running, `rallyc lint` fails and says which
checks did not run; compile and run refuse, naming the hidden finding. Hidden
errors that stop nothing keep the usual suppression semantics.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import SMALL_SPEC, rallyc

NO_ROLE = SMALL_SPEC.replace("rally: 1\n", "rally: 1\nlint: {ignore: [RY002]}\n").replace(
    "    role: implementation\n", ""
)
ONLY_A_SCALAR = "x  # rallyc: ignore[RY002]\n"
CYCLE = (
    SMALL_SPEC.replace("rally: 1\n", "rally: 1\nlint: {ignore: [RY203]}\n")
    .replace("estimate: 20m, verify: [pytest -q]}", "estimate: 20m, verify: [pytest -q], after: [pages]}")
    .replace("estimate: 20m, verify: [npm test]}", "estimate: 20m, verify: [npm test], after: [routes]}")
)


def written(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "team.rally.yaml"
    path.write_text(text, encoding="utf-8")
    return path


# ---- the reproductions ------------------------------------------------------------------


@pytest.mark.parametrize(("text", "where"), [(NO_ROLE, "6:5"), (ONLY_A_SCALAR, "1:1")], ids=["no-role", "a-scalar"])
def test_a_suppressed_structure_error_fails_lint_saying_what_did_not_run(text: str, where: str, tmp_path: Path) -> None:
    code, out, _ = rallyc("lint", "--no-repo", str(written(tmp_path, text)))
    assert code == 1
    assert f"RY002 suppressed at {where} blocks the later checks: RY004-RY006, RY008-RY405 did not run" in out
    assert "1 error" in out and "1 suppressed" in out


@pytest.mark.parametrize("text", [NO_ROLE, ONLY_A_SCALAR], ids=["no-role", "a-scalar"])
def test_a_suppressed_structure_error_stops_every_command(text: str, tmp_path: Path) -> None:
    spec = written(tmp_path, text)
    out_dir = tmp_path / "out"
    code, _, err = rallyc("compile", str(spec), "-o", str(out_dir))
    assert code == 1 and "nothing was compiled" in err and "internal error" not in err
    assert not out_dir.exists()
    for command in ("explain", "graph"):
        code, _, err = rallyc(command, str(spec))
        assert code == 1 and "RY002" in err and "internal error" not in err
    code, _, err = rallyc("lint", "--no-repo", "--fix", "--add-timeouts", str(spec))
    assert code == 1 and "internal error" not in err
    assert spec.read_text(encoding="utf-8") == text
    code, _, err = rallyc("run", "--dry-run", str(spec))
    assert code == 1 and "nothing was run" in err and "internal error" not in err


def test_a_suppressed_cycle_keeps_lint_clean_but_blocks_compile_and_run(tmp_path: Path) -> None:
    spec = written(tmp_path, CYCLE)
    code, out, _ = rallyc("lint", "--no-repo", str(spec))
    assert code == 0 and "1 suppressed" in out  # nothing after the plan checks: the suppression holds for lint
    code, _, err = rallyc("compile", str(spec), "-o", str(tmp_path / "out"))
    assert code == 1 and "team.rally.yaml: RY203 suppressed at 10:87 blocks compile (dependency cycle:" in err
    assert not (tmp_path / "out").exists()
    code, _, err = rallyc("run", "--dry-run", str(spec))
    assert code == 1 and "RY203 suppressed at 10:87 blocks run" in err
    code, _, err = rallyc("explain", str(spec))
    assert code == 2 and "cycle" in err and "internal error" not in err
    code, _, err = rallyc("lint", "--no-repo", "--fix", "--add-timeouts", str(spec))
    assert code == 0 and "RY203 suppressed at 10:87 blocks --add-timeouts" in err
    assert spec.read_text(encoding="utf-8") == CYCLE


# ---- how the gate reads -------------------------------------------------------------------------


def test_an_unselected_structure_error_fails_lint_too(tmp_path: Path) -> None:
    spec = written(tmp_path, NO_ROLE.replace("lint: {ignore: [RY002]}\n", ""))
    code, out, _ = rallyc("lint", "--no-repo", "--select", "RY1", str(spec))
    assert code == 1 and "RY002 ignored at 5:5 blocks the later checks" in out


def test_every_format_carries_the_blocked_checks(tmp_path: Path) -> None:
    code, out, _ = rallyc("lint", "--no-repo", "--format", "json", str(written(tmp_path, NO_ROLE)))
    document = json.loads(out)
    assert code == 1 and document["summary"]["error"] == 1 and document["summary"]["suppressed"] == 1
    (diagnostic,) = document["diagnostics"]
    assert (diagnostic["code"], diagnostic["line"], diagnostic["column"]) == ("RY002", 6, 5)
    assert "did not run" in diagnostic["message"]


def test_a_shown_error_is_reported_as_it_is(tmp_path: Path) -> None:
    """With a shown structure error the file fails anyway; the hidden one adds no second finding."""
    text = NO_ROLE.replace("name: small", "name: Small")  # a second RY002, suppressed by lint.ignore too
    text = text.replace("lint: {ignore: [RY002]}\n", "") + "    role: x\n"
    code, out, _ = rallyc("lint", "--no-repo", str(written(tmp_path, text)))
    assert code == 1 and "did not run" not in out


def test_hidden_errors_that_stop_nothing_keep_the_suppression(tmp_path: Path) -> None:
    text = SMALL_SPEC.replace("owns: [web/**]", "owns: [src/api/**]  # rallyc: ignore[RY101] shared on purpose")
    text = text.replace("budget: {max_usd: 40}", "budget: {max_usd: 40, x-note: 1}\nbudjet: 3  # rallyc: ignore[RY002]")
    spec = written(tmp_path, text)
    code, out, _ = rallyc("lint", "--no-repo", str(spec))
    assert code == 0 and "2 suppressed" in out
    assert rallyc("compile", str(spec), "-o", str(tmp_path / "out"))[0] == 0
