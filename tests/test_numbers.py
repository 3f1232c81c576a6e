"""Numbers have bounds: a value past what makes sense is RY002 or RY004 at the value, never a crash or `inf`.

The issue's reproductions: integers of 309+ digits (OverflowError) and of 4,300+
digits (int()'s limit) in every numeric field, `overhead: 1e308` that linted
clean and made explain print `$inf`, and the YAML spellings of infinity and NaN.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path

import pytest

from rallyc import bounds
from rallyc.api import lint
from rallyc.config import Settings
from rallyc.load import resolve_plain
from tests.conftest import ROOT, SMALL_SPEC, rallyc
from tests.conftest import position_of as where

TASK = "estimate: 20m, verify: [pytest"
FIELDS: dict[str, tuple[Callable[[str], str], str]] = {
    # field: (the spec with the value in it, the code that reports a value out of bounds)
    "max_usd": (lambda v: SMALL_SPEC.replace("max_usd: 40", f"max_usd: {v}"), "RY002"),
    "overhead": (lambda v: SMALL_SPEC.replace("max_usd: 40", f"max_usd: 40, overhead: {v}"), "RY002"),
    "prices": (lambda v: SMALL_SPEC.replace("max_usd: 40", f"max_usd: 40, prices: {{sonnet: {{input: {v}, output: 1}}}}"), "RY002"),
    "max_tokens": (lambda v: SMALL_SPEC.replace("max_usd: 40", f"max_usd: 40, max_tokens: {v}"), "RY004"),
    "estimate": (lambda v: SMALL_SPEC.replace(TASK, f"estimate: {v}, verify: [pytest"), "RY004"),
    "timeout": (lambda v: SMALL_SPEC.replace(TASK, f"estimate: 20m, timeout: {v}, verify: [pytest"), "RY004"),
    "tokens": (lambda v: SMALL_SPEC.replace(TASK, f"estimate: 20m, tokens: {v}, verify: [pytest"), "RY004"),
    "coordination": (lambda v: SMALL_SPEC.replace("max_usd: 40", f"max_usd: 40, coordination: {{spawn: {v}}}"), "RY004"),
    "retries": (lambda v: SMALL_SPEC + f"run: {{retries: {v}}}\n", "RY002"),
    "concurrency": (lambda v: SMALL_SPEC + f"run: {{concurrency: {v}}}\n", "RY002"),
    "max_file_mib": (lambda v: SMALL_SPEC + f"run: {{max_file_mib: {v}}}\n", "RY002"),
}
HUGE = {"309 digits": "9" * 309, "4301 digits": "9" * 4301, "leading zeros": "0" * 5000 + "9" * 30}
"""Integers past every bound, written as YAML reads them: as numbers."""


def report_for(tmp_path: Path, text: str) -> list[tuple[str, int, int, str]]:
    path = tmp_path / "team.rally.yaml"
    path.write_text(text, encoding="utf-8")
    report = lint([str(path)], Settings(repo=False))
    assert not report.failures
    return [(d.code, d.span.line, d.span.column, d.message) for d in report.diagnostics]


@pytest.mark.parametrize("size", list(HUGE))
@pytest.mark.parametrize("field", list(FIELDS))
def test_a_huge_integer_is_a_finding_at_the_value(field: str, size: str, tmp_path: Path) -> None:
    make, code = FIELDS[field]
    value = HUGE[size]
    text = make(value)
    found = report_for(tmp_path, text)
    assert (code, *where(text, value)) in [finding[:3] for finding in found], found


BEYOND = {
    "max_usd": ["1e308", "1000000001", "0.001", "1e-320"],
    "overhead": ["1e308", "1001"],
    "prices": ["1e308", "1000001"],
    "max_tokens": ["1000000001M", "1000000000000001"],
    "estimate": ["87601h", "315360001"],
    "tokens": ["1000000001M"],
    "coordination": ["87601h"],
    "retries": ["101"],
    "concurrency": ["1001"],
    "max_file_mib": ["1048577", "1e308"],
}


@pytest.mark.parametrize(("field", "value"), [(f, v) for f, values in BEYOND.items() for v in values])
def test_a_value_just_past_its_bound_is_a_finding_at_the_value(field: str, value: str, tmp_path: Path) -> None:
    make, code = FIELDS[field]
    text = make(value)
    assert (code, *where(text, value)) in [finding[:3] for finding in report_for(tmp_path, text)]


AT_THE_BOUND = {
    "max_usd": ["1000000000", "0.01"], "overhead": ["1000"], "prices": ["1000000"], "max_tokens": ["1000000000M"],
    "estimate": ["87600h"], "retries": ["100"], "concurrency": ["1000"], "max_file_mib": ["1048576"],
}  # fmt: skip


@pytest.mark.parametrize(("field", "value"), [(f, v) for f, values in AT_THE_BOUND.items() for v in values])
def test_a_value_at_its_bound_is_no_finding(field: str, value: str, tmp_path: Path) -> None:
    make, _ = FIELDS[field]
    text = make(value)
    assert not [f for f in report_for(tmp_path, text) if f[1:3] == where(text, value) and f[0] in ("RY002", "RY004")]


@pytest.mark.parametrize("value", [".inf", "-.inf", ".nan", ".NaN", "1e999"])
def test_infinity_and_nan_are_refused_by_name(value: str, tmp_path: Path) -> None:
    text = FIELDS["overhead"][0](value)
    (finding,) = report_for(tmp_path, text)
    assert finding[:3] == ("RY002", *where(text, value))
    assert "not a number rallyc reads" in finding[3]


@pytest.mark.parametrize("command", ["explain", "compile", "lint"])
def test_the_largest_plan_prints_no_inf(command: str, tmp_path: Path) -> None:
    """Every bound at once, and still every figure is finite (the issue: `overhead: 1e308` printed `$inf`)."""
    text = SMALL_SPEC.replace("max_usd: 40", "max_usd: 0.01, overhead: 1000, max_tokens: 1, prices: "
                              "{sonnet: {input: 1000000, output: 1000000}}, coordination: {spawn: 87600h}")  # fmt: skip
    text = text.replace("estimate: 20m", "estimate: 87600h, tokens: 1000000000M")
    spec = tmp_path / "team.rally.yaml"
    spec.write_text(text, encoding="utf-8")
    args = {"explain": ["explain"], "compile": ["compile", "-o", str(tmp_path / "out")], "lint": ["lint", "--no-repo"]}
    code, out, err = rallyc(*args[command], str(spec))
    written = "".join(p.read_text() for p in (tmp_path / "out").rglob("*") if p.is_file()) if command == "compile" else ""
    assert code in (0, 1) and "internal error" not in err
    assert not re.search(r"(?<![.\w])(inf|nan)\b", out + err + written, re.I)


def test_digits_are_counted_before_int() -> None:
    assert resolve_plain("0" * 5000 + "42") == 42
    assert resolve_plain("-" + "1" * 101) == "-" + "1" * 101
    assert resolve_plain("0x" + "f" * 5000) == "0x" + "f" * 5000


def test_the_schema_states_the_same_bounds() -> None:
    schema = json.loads((ROOT / "schemas" / "team.rally.schema.json").read_text(encoding="utf-8"))
    budget, run = schema["properties"]["budget"]["properties"], schema["properties"]["run"]["properties"]
    assert (budget["max_usd"]["minimum"], budget["max_usd"]["maximum"]) == (bounds.MIN_USD, bounds.MAX_USD)
    assert budget["overhead"]["maximum"] == bounds.MAX_OVERHEAD
    price = budget["prices"]["additionalProperties"]["properties"]
    assert price["input"]["maximum"] == price["output"]["maximum"] == bounds.MAX_PRICE
    assert (run["retries"]["maximum"], run["concurrency"]["maximum"]) == (bounds.MAX_RETRIES, bounds.MAX_CONCURRENCY)
    assert run["max_file_mib"]["maximum"] == bounds.MAX_FILE_MIB
