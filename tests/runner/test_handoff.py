"""The run's handoff.md is compile's, with every `[[RESULT: ...]]` slot filled in: one template, no drift."""

from __future__ import annotations

import json
import re
from dataclasses import replace
from pathlib import Path

import pytest

from rallyc.compile import compile_context, lint_clean
from rallyc.documents import DESTINATIONS, handoff
from rallyc.runner.backends import backend_named
from tests.conftest import ROOT
from tests.runner.scripted import install_agent, make_repo, rallyc, report, run_folder, spec_yaml

TEAM = """\
  - name: api
    role: implementation
    owns: [src/api/**]
    tasks:
      - {id: work, do: Do the work., estimate: 5s, verify: ["test -f src/api/x.py"], done_when: [x exists]}
  - name: web
    role: front end
    owns: [web/**]
    tasks:
      - {id: pages, do: Write the pages., estimate: 2s, risk: high, verify: ["test -f web/missing.html"]}
"""
INTRO = "Filled in from the plan; every `[[RESULT: ...]]` slot is filled in after the run.\n"
"""The one line the compiled handoff has and the run's does not: the run's says which run filled it in."""
SLOT = re.compile(r"\[\[RESULT: [^\]\n]*\]\]")


def filled_in(compiled: str) -> re.Pattern[str]:
    """What the run may write: `compiled` with each slot (and the intro line) as any text on its line."""
    parts = SLOT.split(compiled.replace(INTRO, "[[RESULT: intro]]\n"))
    return re.compile("[^\n]*?".join(map(re.escape, parts)))


def result_section(text: str) -> str:
    """The `## Result` block (`_STEP_COMPLETE`) of a handoff to the user."""
    return text[text.index("## Result\n") : text.index("```\n", text.index("```yaml")) + 4]


@pytest.mark.parametrize("destination", sorted(DESTINATIONS))
def test_the_runs_handoff_is_the_compiled_one_filled_in(tmp_path: Path, destination: str) -> None:
    repo = make_repo(tmp_path / "repo")
    shell = install_agent(tmp_path / "agent", {"work": {"write": {"src/api/x.py": "1\n"}},
                                               "pages": {"write": {"web/index.html": "1\n"}}})  # fmt: skip
    spec = repo / "team.rally.yaml"
    spec.write_text(spec_yaml(shell, TEAM, extra=f"verify: [\"true\"]\nreport: {{to: {destination}}}\n"))
    compiled = compile_context(lint_clean(spec), target=backend_named("shell").runtime)
    code, out, err = rallyc("run", str(spec), "--no-journal")
    assert code == 1 and "Traceback" not in out + err
    written = (run_folder(repo) / "handoff.md").read_text()

    expected = compiled.files["handoff.md"].rsplit("\n<!-- ", 1)[0]
    if destination != "user":  # the run ends every handoff with its `_STEP_COMPLETE` result
        expected += "\n" + result_section(handoff(replace(compiled.plan, report_to="user")))
    assert filled_in(expected).fullmatch(written), written
    assert "[[RESULT" not in written
    doc = report(repo)
    assert f"from run `{doc['run_id']}`: partial" in written and "Status: PARTIAL" in written
    assert "failed: `pages` (check `test -f web/missing.html` exited 1; its changes are kept in" in written
    assert "Changed files: api: `src/api/x.py`; web: none" in written and "  - `true`: exit 0\n" in written
    if destination == "radar":
        assert "`work`: `test -f src/api/x.py` exit 0" in written and "`pages`: `test -f web/missing.html` exit 1" in written


def test_every_destination_the_schemas_allow_has_a_name_and_a_template() -> None:
    enum = json.loads((ROOT / "schemas" / "plan.schema.json").read_text())["properties"]["report_to"]["enum"]
    assert sorted(enum) == sorted(DESTINATIONS)
    assert {path.name for path in (ROOT / "templates" / "common" / "handoff").iterdir()} == {
        f"{name}.md.j2" for name in DESTINATIONS}
