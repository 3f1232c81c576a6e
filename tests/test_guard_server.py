"""The guard server answers PreToolUse calls exactly as the in-process guard does, and is never trusted blindly."""

from __future__ import annotations

import json
import os
import shutil
import socket
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from rallyc.guard import server
from rallyc.guard.decision import decide
from tests.test_guard import TEAMMATE, install, plan_of, write


@pytest.fixture
def runtime_dir(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A short private folder for sockets (a socket path must stay under about 100 bytes)."""
    folder = tempfile.mkdtemp(prefix="rg", dir="/tmp")
    monkeypatch.setenv("XDG_RUNTIME_DIR", folder)
    monkeypatch.delenv(server.SERVER_OFF, raising=False)
    yield folder
    shutil.rmtree(folder)


def serving(plan: str, monkeypatch: pytest.MonkeyPatch) -> threading.Thread:
    monkeypatch.setenv("RALLYC_GUARD_IDLE_SECONDS", "20")
    thread = threading.Thread(target=server.serve, args=("serve", plan, None), daemon=True)
    thread.start()
    path = server.socket_path(plan)
    assert path is not None
    for _ in range(200):
        if os.path.exists(path):
            break
        time.sleep(0.01)
    return thread


def stop(plan: str, thread: threading.Thread) -> None:
    """A server whose plan is gone ends at its next call."""
    os.rename(plan, plan + ".away")
    server.ask(plan, None, b"{}")
    thread.join(5)
    assert not thread.is_alive()
    os.rename(plan + ".away", plan)


def test_the_server_answers_as_the_guard_does(tmp_path: Path, runtime_dir: str, monkeypatch: pytest.MonkeyPatch) -> None:
    repo = install(tmp_path, "claude-agent-teams")
    plan = plan_of(repo)
    thread = serving(plan, monkeypatch)
    try:
        for path in ("src/api/x.py", "web/x.ts", "README.md", str(tmp_path / "out.txt")):
            data = json.dumps(write(repo, path, **TEAMMATE)).encode()
            assert server.ask(plan, None, data) == decide("pre-tool-use", plan, None, data)
        assert server.ask(plan, None, b"not json") == decide("pre-tool-use", plan, None, b"not json")
        folder = os.path.dirname(server.socket_path(plan) or "")
        assert os.stat(folder).st_mode & 0o777 == 0o700
    finally:
        stop(plan, thread)


def test_a_new_install_is_picked_up(tmp_path: Path, runtime_dir: str, monkeypatch: pytest.MonkeyPatch) -> None:
    repo = install(tmp_path, "claude-agent-teams")
    plan = plan_of(repo)
    thread = serving(plan, monkeypatch)
    try:
        data = json.dumps(write(repo, "docs/a.md", **TEAMMATE)).encode()
        assert server.ask(plan, None, data)[0] == 2  # type: ignore[index]
        document = json.loads(Path(plan).read_text(encoding="utf-8"))
        document["teammates"][0]["owns"].append("docs/**")
        Path(plan).write_text(json.dumps(document, indent=2), encoding="utf-8")
        assert server.ask(plan, None, data) == (0, "")
    finally:
        stop(plan, thread)


def test_a_server_that_answers_wrong_is_bypassed(tmp_path: Path, runtime_dir: str) -> None:
    plan = str(tmp_path / "plan.json")
    path = server.socket_path(plan)
    assert path is not None
    impostor = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    impostor.bind(path)
    impostor.listen(1)

    def answer_garbage() -> None:
        connection, _ = impostor.accept()
        with connection:
            connection.recv(65536)
            connection.sendall(b"allow!")

    thread = threading.Thread(target=answer_garbage, daemon=True)
    thread.start()
    try:
        assert server.ask(plan, None, b"{}") is None
    finally:
        thread.join(5)
        impostor.close()
        os.unlink(path)


def test_no_server_starts_one_that_ends_when_idle(tmp_path: Path, runtime_dir: str, monkeypatch: pytest.MonkeyPatch) -> None:
    repo = install(tmp_path, "claude-agent-teams")
    plan = plan_of(repo)
    monkeypatch.setenv("RALLYC_GUARD_IDLE_SECONDS", "1")
    data = json.dumps(write(repo, "web/x.ts", **TEAMMATE)).encode()
    assert server.ask(plan, None, data) is None  # no server yet: the caller decides, one is started
    path = server.socket_path(plan) or ""
    answered = None
    for _ in range(300):
        answered = server.ask(plan, None, data) if os.path.exists(path) else None
        if answered is not None:
            break
        time.sleep(0.02)
    assert answered == decide("pre-tool-use", plan, None, data)
    for _ in range(300):
        if not os.path.exists(path):
            break
        time.sleep(0.02)
    assert not os.path.exists(path)  # idle for a second: it ended and took its socket along


def test_off_means_in_process(tmp_path: Path, runtime_dir: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(server.SERVER_OFF, "off")
    assert server.ask(str(tmp_path / "plan.json"), None, b"{}") is None
    assert not os.listdir(runtime_dir)
