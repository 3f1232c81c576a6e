"""What `rallyc lint` imports: every import costs every pre-commit run."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tests.conftest import EXAMPLES, ROOT

PROBE = """
import json, sys
from rallyc.__main__ import main
sys.argv = ["rallyc", *sys.argv[1:]]
try:
    main()
except SystemExit:
    pass
print(json.dumps(sorted(sys.modules)), file=sys.stderr)
"""


def modules_after(*args: str) -> set[str]:
    done = subprocess.run([sys.executable, "-c", PROBE, *args], capture_output=True, text=True, cwd=ROOT, check=False)
    return set(json.loads(done.stderr.strip().splitlines()[-1]))


def test_lint_imports_no_jinja_anthropic_runner_or_target() -> None:
    """What lint needs of the targets and backends is in the generated `rallyc.catalog`."""
    modules = modules_after("lint", "--no-repo", str(EXAMPLES[0]))
    assert "rallyc.api" in modules and "rallyc.catalog" in modules
    assert not {m for m in modules if m.split(".")[0] in {"jinja2", "anthropic"}
                or m.startswith(("rallyc.runner", "rallyc.targets"))}


def test_a_valid_spec_needs_neither_jsonschema_nor_networkx() -> None:
    modules = modules_after("lint", "--no-repo", str(EXAMPLES[0]))
    assert not {m for m in modules if m.split(".")[0] in {"jsonschema", "networkx"}}


def test_version_imports_neither_click_nor_yaml() -> None:
    modules = modules_after("--version")
    assert not {m for m in modules if m.split(".")[0] in {"click", "ruamel", "lark"}}


def test_a_valid_spec_without_the_repository_needs_neither_difflib_nor_subprocess() -> None:
    modules = modules_after("lint", "--no-repo", str(EXAMPLES[0]))
    assert "rallyc.rules.ry006_unknown_reference" in modules  # the rules that suggest names did run
    assert not {"difflib", "subprocess"} & modules


def test_lint_reads_learned_values_only_where_there_are_some(tmp_path: Path) -> None:
    """No learned file: one stat, no import. A learned file: its reader, never the learning loop."""
    spec = tmp_path / "team.rally.yaml"
    spec.write_text(EXAMPLES[0].read_text())
    modules = modules_after("lint", "--no-repo", str(spec))
    assert not {"rallyc.learned", "rallyc.learn", "rallyc.history"} & modules
    (tmp_path / ".agents").mkdir()
    (tmp_path / ".agents" / "rally-learned.json").write_text('{"generator": "rallyc", "version": 1, "values": []}')
    modules = modules_after("lint", "--no-repo", str(spec))
    assert "rallyc.learned" in modules and not {"rallyc.learn", "rallyc.history", "rallyc.journal"} & modules


def test_the_ir_builder_imports_no_later_stage() -> None:
    """load -> parse -> IR -> passes: building the IR (its defaults, the models it names) needs no analysis."""
    done = subprocess.run([sys.executable, "-c", "import json, sys, rallyc.build, rallyc.models; "
                           "print(json.dumps(sorted(sys.modules)))"], capture_output=True, text=True, cwd=ROOT, check=True)  # fmt: skip
    modules = set(json.loads(done.stdout))
    assert not {m for m in modules if m.startswith(("rallyc.analysis", "rallyc.rules", "rallyc.targets", "rallyc.runner"))}
