"""Statuses are enums in memory and the same plain words on disk: state.json reads back as members."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from rallyc.errors import RallyError
from rallyc.runner.agent_report import parse_report
from rallyc.runner.secrets import Redactor
from rallyc.runner.state import RunFolder, RunState, Store, TaskState
from rallyc.statuses import AgentStatus, RunStatus, TaskStatus

RUN_ID = "small-20260101T000000Z-abcd"


def saved(tmp_path: Path) -> RunFolder:
    state = RunState(run_id=RUN_ID, team="small", spec="team.rally.yaml", top=str(tmp_path), prefix="", base="HEAD",
                     base_commit="a" * 40, backend="shell", concurrency=1, retries=0, max_usd=None, max_tokens=None,
                     tasks={"a": TaskState("a", "api", TaskStatus.DONE), "b": TaskState("b", "api")})  # fmt: skip
    state.status = RunStatus.INTERRUPTED
    folder = RunFolder(tmp_path, RUN_ID)
    store = Store(folder, Redactor({}))
    store.save(state)
    store.close()
    return folder


def test_state_json_holds_plain_words_and_reads_back_as_members(tmp_path: Path) -> None:
    folder = saved(tmp_path)
    text = folder.state_file.read_text()
    assert '"status":"interrupted"' in text and '"status":"done"' in text and '"status":"pending"' in text
    state = folder.load()
    assert state.status is RunStatus.INTERRUPTED
    assert [task.status for task in state.tasks.values()] == [TaskStatus.DONE, TaskStatus.PENDING]
    assert all(type(task.status) is TaskStatus for task in state.tasks.values())


def test_an_unknown_status_in_state_json_is_a_clear_error(tmp_path: Path) -> None:
    folder = saved(tmp_path)
    data = json.loads(folder.state_file.read_text())
    data["tasks"]["a"]["status"] = "finished-ish"
    folder.state_file.write_text(json.dumps(data))
    with pytest.raises(RallyError, match=f"cannot read the state of run {RUN_ID}"):
        folder.load()


@pytest.mark.parametrize(("said", "status"), [("done", AgentStatus.DONE), ("`Blocked`", AgentStatus.BLOCKED),
                                              ('"failed"', AgentStatus.FAILED), ("finished", None)])  # fmt: skip
def test_the_agent_s_status_is_read_leniently_and_anything_else_is_none(said: str, status: AgentStatus | None) -> None:
    report = parse_report(f"All set.\n\nRALLY_REPORT\ntask: a\nstatus: {said}\nnotes: fine\n")
    assert report.status is status
