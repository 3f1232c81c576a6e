"""What a person watching sees: a live table on a terminal, plain lines otherwise, JSON lines with --json."""

from __future__ import annotations

import asyncio

import io
import json
from pathlib import Path

import pytest

from rallyc.runner.progress import JsonDisplay, LiveDisplay, PlainDisplay, describe, display_for
from rallyc.runner.run import RunOptions, run_spec
from tests.runner.scripted import install_agent, make_repo, rallyc, spec_yaml

TEAM = """\
  - name: api
    role: implementation
    owns: [src/api/**]
    tasks:
      - {id: routes, do: Write the routes., estimate: 1s}
  - name: web
    role: front end
    owns: [web/**]
    tasks:
      - {id: pages, do: Write the pages., estimate: 1s}
"""


def project(tmp_path: Path) -> Path:
    repo = make_repo(tmp_path / "repo")
    shell = install_agent(tmp_path / "agent", {"routes": {"sleep": 0.7, "write": {"src/api/r.py": "1\n"}},
                                               "pages": {"write": {"web/p.html": "1\n"}}})  # fmt: skip
    (repo / "team.rally.yaml").write_text(spec_yaml(shell, TEAM))
    return repo


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_display_is_chosen_by_the_stream() -> None:
    assert isinstance(display_for("auto", Terminal()), LiveDisplay)
    assert isinstance(display_for("auto", io.StringIO()), PlainDisplay)
    assert isinstance(display_for("json", Terminal()), JsonDisplay)


def test_the_live_table_updates_in_place(tmp_path: Path) -> None:
    repo = project(tmp_path)
    screen = Terminal()
    code = run_spec(repo / "team.rally.yaml", RunOptions(journal=False), LiveDisplay(screen))
    text = screen.getvalue()
    assert code == 0
    assert "\x1b[" in text and "F\x1b[J" in text  # cursor up, clear below: redrawn in place
    frames = [frame for frame in text.split("\x1b[") if "teammate" in frame]
    assert len(frames) >= 3
    assert any("routes" in frame and "running #1" in frame for frame in frames)  # seen while running
    last = frames[-1]
    assert "2/2 tasks done" in last and "pages" in last and "done" in last
    assert "passed: 2 of 2 tasks done" in text and "TES" in text


def test_plain_lines_when_not_a_terminal(tmp_path: Path) -> None:
    repo = project(tmp_path)
    code, out, err = rallyc("run", str(repo / "team.rally.yaml"), "--no-journal")
    assert code == 0 and "\x1b[" not in out
    lines = out.splitlines()
    assert any(line.endswith("api/routes: started (attempt 1)") for line in lines)
    assert any("web/pages: done, commit" in line for line in lines)
    assert any(line.startswith("rallyc: run ") for line in lines) and "  report: " in out


def test_json_streams_events(tmp_path: Path) -> None:
    repo = project(tmp_path)
    code, out, err = rallyc("run", str(repo / "team.rally.yaml"), "--no-journal", "--json")
    assert code == 0
    records = [json.loads(line) for line in out.splitlines()]
    kinds = [record["event"] for record in records]
    assert kinds[0] == "run_started" and kinds[-1] == "run_finished" and records[-1]["status"] == "passed"
    assert kinds.count("task_started") == 2 and kinds.count("task_done") == 2 and "teammate_merged" in kinds
    assert "passed: 2 of 2" in err  # the summary goes to stderr, stdout stays JSON


def test_every_failure_event_reads_as_a_line() -> None:
    for record in ({"event": "task_failed", "teammate": "a", "task": "t", "reason": "why"},
                   {"event": "violation", "task": "t", "paths": ["x"], "patch": "violations/t.1.patch"},
                   {"event": "budget_reached", "reason": "spent $2.00 of the $1.50 cap"},
                   {"event": "merge_conflict", "teammate": "a", "paths": ["x"]},
                   {"event": "check", "scope": "team", "command": "make", "exit_code": 2}):  # fmt: skip
        assert describe(record)
    assert describe({"event": "check", "scope": "team", "command": "make", "exit_code": 0}) is None


def test_the_live_log_streams_then_keeps_the_last_part(tmp_path: Path) -> None:
    from rallyc.runner.process import LiveLog

    path = tmp_path / "task.log"
    live = LiveLog(path, cap=64)
    live.add(b"first line\nsecond")
    assert path.read_text() == "first line\nsecond"  # streamed before the end
    for _ in range(10):
        live.add(b"x" * 15 + b"\n")
    live.close()
    text = path.read_text()
    assert "more output" in text and text.endswith("[rallyc: the last 64 bytes of output]\n" + "xxxxxxxxxxxxxxx\n" * 4)


def test_a_secret_split_between_two_reads_is_masked_in_the_live_log(tmp_path: Path) -> None:
    from rallyc.runner.process import LiveLog, run_shell
    from rallyc.runner.secrets import Redactor

    secret = "sk-live-0123456789"
    path = tmp_path / "task.log"
    script = f"printf 'key: {secret[:9]}'; sleep 0.2; printf '{secret[9:]} ok\\n'"
    done = asyncio.run(run_shell(script, cwd=tmp_path, env={"PATH": "/usr/bin:/bin"}, timeout=30,
                                 live=LiveLog(path), redactor=Redactor({"API_KEY": secret})))  # fmt: skip
    assert path.read_text() == done.stdout == "key: [redacted] ok\n"


def test_events_reach_the_display_masked(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    secret = "s3cret-value-in-a-file-name"
    monkeypatch.setenv("DEPLOY_TOKEN", secret)
    repo = make_repo(tmp_path / "repo")
    shell = install_agent(tmp_path / "agent", {"routes": {"write": {f"src/api/{secret}.py": "1\n"}},
                                               "pages": {"write": {"web/p.html": "1\n"}}})  # fmt: skip
    (repo / "team.rally.yaml").write_text(spec_yaml(shell, TEAM))
    out = io.StringIO()
    assert run_spec(repo / "team.rally.yaml", RunOptions(journal=False), JsonDisplay(out)) == 0
    done = [json.loads(line) for line in out.getvalue().splitlines() if '"task_done"' in line]
    assert [event["files"] for event in done if event["task"] == "routes"] == [["src/api/[redacted].py"]]
    assert secret not in out.getvalue()
