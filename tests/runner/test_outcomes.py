"""Honest outcomes: the agent's own report counts, a shared blocker is not retried N times, grades are honest."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import jsonschema
import pytest

from rallyc.runner.convergence import signature
from tests.runner.scripted import (
    API_AND_WEB,
    REPORT_SCHEMA,
    install_agent,
    make_repo,
    rallyc,
    report,
    run_folder,
    spec_yaml,
    task_of,
)

TEAM = API_AND_WEB


def say(status: str, notes: str, files: str = "[]") -> str:
    return f"printf 'RALLY_REPORT\\nteammate: x\\ntask: y\\nstatus: {status}\\nfiles_changed: {files}\\nnotes: {notes}\\n'"


def run(tmp_path: Path, actions: dict[str, Any], *, team: str = TEAM, retries: int = 1) -> tuple[int, dict[str, Any]]:
    repo = make_repo(tmp_path / "repo")
    shell = install_agent(tmp_path / "agent", actions)
    (repo / "team.rally.yaml").write_text(spec_yaml(shell, team, retries=retries))
    code, out, err = rallyc("run", str(repo / "team.rally.yaml"), "--no-journal")
    assert "Traceback" not in out + err
    doc = report(repo)
    jsonschema.validate(doc, REPORT_SCHEMA)
    return code, doc


def test_blocked_fails_the_task_without_a_retry_and_its_notes_become_the_blocker(tmp_path: Path) -> None:
    blocked = {"write": {"src/api/half.py": "1\n"}, "sh": say("blocked", "the schema is not there; web must add it")}
    code, doc = run(tmp_path, {"work": blocked, "pages": {"write": {"web/i.html": "1\n"}}})
    work = task_of(doc, "work")
    assert code == 1 and work["status"] == "failed" and work["attempts"] == 1  # retries: 1, not used
    assert work["blocker"] == "the schema is not there; web must add it" and work["reason"].startswith("blocked: ")
    assert work["patches"] == ["patches/work.1.patch"]  # what it did before it stopped is kept
    assert task_of(doc, "after-work")["status"] == "skipped"
    folder = run_folder(tmp_path / "repo")
    assert "blocked: the schema is not there" in (folder / "report.md").read_text()
    assert "blockers: work: the schema is not there; web must add it" in (folder / "handoff.md").read_text()


def test_failed_fails_the_attempt_even_when_the_process_exits_0(tmp_path: Path) -> None:
    code, doc = run(tmp_path, {"work": {"sh": say("failed", "tests still red"), "write": {"src/api/x.py": "1\n"}}})
    work = task_of(doc, "work")
    assert work["status"] == "failed" and work["attempts"] == 2  # retried: failing is what retries are for
    assert "the agent reported failed: tests still red" in work["reason"]


def test_notes_and_reported_files_go_into_the_report_beside_what_was_committed(tmp_path: Path) -> None:
    done = {"write": {"src/api/x.py": "1\n"}, "sh": say("done", "Added x.", "[src/api/x.py, src/api/y.py]")}
    code, doc = run(tmp_path, {"work": done})
    work = task_of(doc, "work")
    assert code == 0 and work["notes"] == "Added x."
    assert work["reported_files"] == ["src/api/x.py", "src/api/y.py"] and work["files_changed"] == ["src/api/x.py"]
    assert task_of(doc, "pages")["reported_files"] is None and task_of(doc, "pages")["notes"] == ""
    text = (run_folder(tmp_path / "repo") / "report.md").read_text()
    assert "says it changed `src/api/x.py`, `src/api/y.py`; committed `src/api/x.py`" in text


CONVERGING = """\
  - name: api
    role: implementation
    owns: [src/api/**]
    tasks:
      - {id: work, do: Do the work., estimate: 5s, verify: ["sh ../check.sh api/a.py 12"]}
  - name: web
    role: front end
    owns: [web/**]
    tasks:
      - {id: pages, do: Write the pages., estimate: 2s, verify: ["sh ../check.sh web/b.py 40"]}
"""


def test_teammates_failing_on_one_blocker_are_not_retried(tmp_path: Path) -> None:
    (tmp_path / "check.sh").write_text('echo "collecting $1"\necho "ImportError: cannot import name Session from'
                                       ' /srv/app/$1 (line $2, id 9f8e7d6c5b)"\nexit 1\n')  # fmt: skip
    actions = {"work": {"write": {"src/api/x.py": "1\n"}}, "pages": {"write": {"web/i.html": "1\n"}}}
    team = CONVERGING.replace("../check.sh", str(tmp_path / "check.sh"))
    code, doc = run(tmp_path, actions, team=team, retries=3)
    for task in ("work", "pages"):  # three retries each; only one that had started before the second failure
        record = task_of(doc, task)
        assert record["status"] == "failed" and record["attempts"] <= 2, record
        assert record["reason"].startswith("converged: sh ") and "ImportError: cannot import name Session" in record["reason"]
    assert any(risk.startswith("shared blocker: work, pages failed the same way") and "oracle" in risk
               for risk in doc["risks"])  # fmt: skip
    assert doc["tes"]["grade"] == "F"  # nothing done


def test_the_signature_masks_paths_numbers_and_ids_but_keeps_the_error() -> None:
    one = signature("pytest -q", "tests/a.py::t FAILED\nE   KeyError: 'id' at /tmp/x/1.py:12 (run 4fa9c2e1d)")
    two = signature("pytest -q", "tests/b.py::u FAILED\nE   KeyError: 'id' at /srv/y/2.py:99 (run 0bc7d1e2f)")
    assert one == two == "pytest -q: <path> FAILED"
    three = signature("pytest -q", "E   KeyError: 'id' at /srv/y/2.py:99")
    assert three == "pytest -q: E KeyError: 'id' at <path>" != signature("pytest -q", "E   KeyError: 'name'")
    assert signature("make", "all good") == "make: all good" and signature("make", "") == "make: no output"


@pytest.mark.parametrize(("actions", "status", "worst"), [
    ({"work": {"exit": 3}, "after-work": {}, "pages": {"exit": 3}}, "failed", "F"),
    ({"work": {"write": {"src/api/x.py": "1\n"}}, "after-work": {"exit": 3}, "pages": {"write": {"web/i.html": "1"}}},
     "partial", "C"),
])  # fmt: skip
def test_grades_are_f_with_nothing_done_and_at_most_c_when_partial(tmp_path: Path, actions: dict[str, Any],
                                                                   status: str, worst: str) -> None:  # fmt: skip
    code, doc = run(tmp_path, actions, retries=0)
    assert doc["status"] == status and doc["tes"]["grade"] >= worst, doc["tes"]
