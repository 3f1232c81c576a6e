"""Every backend keeps the same contract, checked on the same scripted task in a real git worktree:
it does the task, returns ok with its usage, leaves no secret in its log, names what it is missing
at preflight, and is stopped at its timeout. The agents are the fakes of tests/runner/agent_fakes.py,
so nothing leaves the machine."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from rallyc.errors import RallyError
from rallyc.runner.backends import Backend, TaskRequest, TaskResult, backends
from tests.runner.agent_fakes import (
    FAKE_KEY,
    FakeMessagesAPI,
    Reply,
    environment,
    install_fake_agents,
    message,
    scripted_writer,
    task_request,
    text,
    write_executable,
)
from tests.runner.scripted import git, make_repo, process_gone, wait_for

ROUTES = "src/api/routes.py"

# The shell backend's scripted teammate: the same WRITE lines, read from the prompt file, with its
# spending reported the shell backend's way.
_SCRIPTED_AGENT = r'''
if mode == "hang":
    hang()
apply(open(sys.argv[1]).read())
print("wrote the routes" + (" with the key " + key if mode == "leak" else ""))
print("RALLY_USAGE input_tokens=10 output_tokens=2 cost_usd=0")
'''


@pytest.fixture
def worktree(tmp_path: Path) -> Path:
    """A repository with one commit, and a worktree of it on its own branch, as the runner makes."""
    repository = make_repo(tmp_path / "repository", {"src/api/__init__.py": ""})
    tree = tmp_path / "worktrees" / "api"
    git(repository, "worktree", "add", "-q", "-b", "rally/test/api", str(tree), "main")
    return tree


@pytest.fixture
def fake_bin(tmp_path: Path) -> Path:
    folder = install_fake_agents(tmp_path / "bin")
    write_executable(folder, "scripted-agent", _SCRIPTED_AGENT)
    return folder


@pytest.fixture(params=list(backends().values()), ids=list(backends()))
def backend(request: pytest.FixtureRequest) -> Backend:
    found: Backend = request.param
    return found


@pytest.fixture
def api() -> Iterator[FakeMessagesAPI]:
    with FakeMessagesAPI(scripted_writer) as server:
        yield server


def contract_request(worktree: Path, fake_bin: Path, api: FakeMessagesAPI, **changes: Any) -> TaskRequest:
    env = environment(fake_bin, ANTHROPIC_BASE_URL=api.url, FAKE_PIDFILE=str(worktree.parent / "pid"),
                      **changes.pop("env_extra", {}))  # fmt: skip
    return task_request(worktree, env, shell="scripted-agent {prompt_file}", **changes)


def run(backend: Backend, request: TaskRequest) -> TaskResult:
    backend.preflight(request.env, request.shell)
    return asyncio.run(backend.run(request))


def test_every_backend_does_the_scripted_task(backend: Backend, worktree: Path, fake_bin: Path,
                                               api: FakeMessagesAPI) -> None:  # fmt: skip
    base = git(worktree, "rev-parse", "main")
    result = run(backend, contract_request(worktree, fake_bin, api))
    assert result.ok, f"{result.summary}\n{result.log}"
    assert not result.timed_out and result.summary
    assert (worktree / ROUTES).read_text() == "ROUTES = ['/health']\n"
    assert git(worktree, "status", "--porcelain", "--untracked-files=all") == f"?? {ROUTES}"
    assert git(worktree, "rev-parse", "HEAD") == base == git(worktree, "rev-parse", "main")  # backends never commit
    assert result.usage.input_tokens > 0 and result.usage.output_tokens > 0
    assert result.usage.cost_usd is None or result.usage.cost_usd >= 0
    assert FAKE_KEY not in result.log and FAKE_KEY not in result.summary
    if backend.name == "anthropic":
        assert len(api.requests) == 2
    else:
        assert not api.requests  # no backend but anthropic talks to the API


def test_every_backend_says_what_it_is_missing(backend: Backend, tmp_path: Path) -> None:
    bare = {"PATH": str(tmp_path)}  # no agents on it, no key
    with pytest.raises(RallyError) as caught:
        backend.preflight(bare, None)
    named = {"shell": "run.shell", "claude": "claude", "codex": "codex", "anthropic": "ANTHROPIC_API_KEY"}
    assert named[backend.name] in str(caught.value)


def test_every_backend_is_stopped_at_its_timeout(backend: Backend, worktree: Path, fake_bin: Path) -> None:
    def slow(body: dict[str, Any], index: int) -> Reply:
        return Reply(message(text("too late")), delay=30)

    with FakeMessagesAPI(slow) as api:
        request = contract_request(worktree, fake_bin, api, timeout_seconds=3.0, env_extra={"FAKE_MODE": "hang"})
        result = run(backend, request)
    assert result.timed_out and not result.ok
    assert FAKE_KEY not in result.log and FAKE_KEY not in result.summary
    pidfile = worktree.parent / "pid"
    if backend.name != "anthropic":  # the agents that run a process: its child is gone with it
        grandchild = int(pidfile.read_text())
        assert wait_for(lambda: process_gone(grandchild), 5)
    assert not (worktree / ROUTES).exists()


def test_no_backend_lets_the_key_into_its_log_or_summary(backend: Backend, worktree: Path, fake_bin: Path) -> None:
    """Each fake agent prints the planted key (the Messages API echoes it in the model's reply)."""

    def echo(body: dict[str, Any], index: int) -> Reply:
        return Reply(message(text(f"the key is {FAKE_KEY}")))

    with FakeMessagesAPI(echo) as api:
        result = run(backend, contract_request(worktree, fake_bin, api, env_extra={"FAKE_MODE": "leak"}))
    assert result.ok, result.summary
    assert FAKE_KEY not in result.log and FAKE_KEY not in result.summary
    assert "[redacted]" in result.log + result.summary
