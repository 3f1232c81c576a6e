"""The claude, codex and anthropic backends against fakes of what they drive (tests/runner/agent_fakes.py):
executables on PATH that print the documented JSON, and a Messages API server on 127.0.0.1."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from rallyc.errors import RallyError
from rallyc.runner.backends import TaskRequest, TaskResult, backend_named
from rallyc.runner.backends import anthropic as anthropic_backend
from rallyc.models import api_model_id, is_claude_model, price_of
from tests.runner.agent_fakes import (
    FAKE_KEY,
    FakeMessagesAPI,
    Reply,
    api_error,
    environment,
    install_fake_agents,
    message,
    scripted_writer,
    task_request,
    text,
    tool_results,
    tool_use,
)
from rallyc.runner.sandbox import Sandbox
from tests.runner.scripted import process_gone, require_sandbox, wait_for

ROUTES = "src/api/routes.py"


@pytest.fixture
def worktree(tmp_path: Path) -> Path:
    root = tmp_path / "worktree"
    (root / "src" / "api").mkdir(parents=True)
    (root / "README.md").write_text("# The service\n", encoding="utf-8")
    (root / "src" / "api" / "__init__.py").write_text("", encoding="utf-8")
    return root


@pytest.fixture
def fake_bin(tmp_path: Path) -> Path:
    return install_fake_agents(tmp_path / "bin")


def run(name: str, request: TaskRequest) -> TaskResult:
    return asyncio.run(backend_named(name).run(request))


def no_secret(result: TaskResult) -> None:
    assert FAKE_KEY not in result.log and FAKE_KEY not in result.summary


def fake_run(name: str, worktree: Path, fake_bin: Path, mode: str, **changes: Any) -> tuple[TaskResult, dict[str, Any]]:
    record = worktree.parent / f"{name}-record.json"
    env = environment(fake_bin, FAKE_MODE=mode, FAKE_RECORD=str(record), FAKE_PIDFILE=str(worktree.parent / "pid"))
    result = run(name, task_request(worktree, env, **changes))
    no_secret(result)
    recorded = json.loads(record.read_text()) if record.exists() else {}
    return result, recorded


# ---- claude ---------------------------------------------------------------------------------


def test_claude_success_passes_flags_prompt_and_reads_usage(worktree: Path, fake_bin: Path) -> None:
    result, recorded = fake_run("claude", worktree, fake_bin, "success")
    assert result.ok and not result.timed_out
    assert result.summary == "Wrote the routes."
    assert (worktree / ROUTES).read_text() == "ROUTES = ['/health']\n"
    assert result.usage.input_tokens == 120 + 30 + 50 and result.usage.output_tokens == 40
    assert result.usage.cost_usd == pytest.approx(0.0123)
    argv = recorded["argv"]
    assert argv[:3] == ["-p", "--output-format", "json"]
    assert argv[argv.index("--model") + 1] == "sonnet"
    assert argv[argv.index("--permission-mode") + 1] == "bypassPermissions"
    assert argv[argv.index("--append-system-prompt") + 1] == "You are api, the implementation teammate."
    assert recorded["stdin"].startswith("Add the routes.")  # the task on stdin, not in argv
    assert Path(recorded["cwd"]) == worktree
    assert "<system prompt: " in result.log and "Wrote the routes." in result.log


def test_claude_inherit_leaves_the_model_to_claude(worktree: Path, fake_bin: Path) -> None:
    result, recorded = fake_run("claude", worktree, fake_bin, "success", model="inherit", system_prompt="")
    assert result.ok
    assert "--model" not in recorded["argv"] and "--append-system-prompt" not in recorded["argv"]


def test_claude_finds_the_result_after_a_warning_line(worktree: Path, fake_bin: Path) -> None:
    result, _ = fake_run("claude", worktree, fake_bin, "noise")
    assert result.ok and result.usage.output_tokens == 40


@pytest.mark.parametrize(
    ("mode", "words"),
    [
        ("is_error", "is_error"),
        ("max_turns", "error_max_turns"),
        ("malformed", "not a JSON result object"),
        ("empty", "no output: Invalid API key"),
    ],
)
def test_claude_failures(worktree: Path, fake_bin: Path, mode: str, words: str) -> None:
    result, _ = fake_run("claude", worktree, fake_bin, mode)
    assert not result.ok and not result.timed_out
    assert words in result.summary
    if mode == "max_turns":  # money spent on a failed attempt still counts against the budget
        assert result.usage.cost_usd == pytest.approx(0.5) and result.usage.output_tokens == 40


def test_claude_key_is_scrubbed_from_log_and_summary(worktree: Path, fake_bin: Path) -> None:
    result, _ = fake_run("claude", worktree, fake_bin, "leak")  # fake_run asserts the key is absent
    assert result.ok and "[redacted]" in result.summary and "[redacted]" in result.log


# ---- codex ----------------------------------------------------------------------------------


def test_codex_success_reads_events_and_usage(worktree: Path, fake_bin: Path) -> None:
    result, recorded = fake_run("codex", worktree, fake_bin, "success", model="gpt-5-codex")
    assert result.ok and result.summary == "Created the routes."
    assert (worktree / ROUTES).read_text() == "ROUTES = ['/health']\n"
    # cached_input_tokens is part of input_tokens in OpenAI's accounting: not added twice
    assert (result.usage.input_tokens, result.usage.output_tokens, result.usage.cost_usd) == (200, 60, None)
    argv = recorded["argv"]
    assert argv[:6] == ["exec", "--json", "--sandbox", "workspace-write", "-C", str(worktree)]
    assert argv[argv.index("-m") + 1] == "gpt-5-codex" and argv[-1] == "-"
    assert recorded["stdin"] == "You are api, the implementation teammate.\n\n" + task_request(worktree, {}).prompt


@pytest.mark.parametrize("name", ["claude", "codex"])
def test_in_the_sandbox_a_cli_backend_writes_its_worktree_and_state_only(worktree: Path, fake_bin: Path, tmp_path: Path,
                                                                        name: str) -> None:  # fmt: skip
    """Codex's own sandbox cannot nest in rallyc's (it mounts): in rallyc's, codex runs with danger-full-access."""
    found = require_sandbox()
    state = tmp_path / "state"
    state.mkdir()
    sandbox = Sandbox((str(worktree), str(state), "/dev/null"), found.abi)
    record = state / "record.json"
    env = environment(fake_bin, FAKE_MODE="success", FAKE_RECORD=str(record))
    result = run(name, task_request(worktree, env, sandbox=sandbox, model="gpt-5-codex" if name == "codex" else "sonnet"))
    assert result.ok and (worktree / ROUTES).is_file()
    argv = json.loads(record.read_text())["argv"]
    assert name == "claude" or argv[2:4] == ["--sandbox", "danger-full-access"]
    escape = run(name, task_request(worktree, {**env, "FAKE_RECORD": str(tmp_path / "outside.json")}, sandbox=sandbox))
    assert not (tmp_path / "outside.json").exists() and not escape.ok  # the fake could not write its record there
    assert backend_named(name).state_paths({"HOME": "/home/me"}) == [Path(f"/home/me/.{name}")]


@pytest.mark.parametrize("model", ["opus", "sonnet", "haiku", "inherit", "claude-sonnet-4-6", "Claude-Opus-4-7"])
def test_codex_is_not_given_claude_models(worktree: Path, fake_bin: Path, model: str) -> None:
    assert is_claude_model(model)
    result, recorded = fake_run("codex", worktree, fake_bin, "success", model=model)
    assert result.ok and "-m" not in recorded["argv"]


def test_codex_success_is_read_from_events_not_the_exit_code(worktree: Path, fake_bin: Path) -> None:
    result, _ = fake_run("codex", worktree, fake_bin, "exit_nonzero")
    assert result.ok


@pytest.mark.parametrize(
    ("mode", "words"),
    [
        ("turn_failed", "turn.failed: stream disconnected"),  # exit code 0, still a failure
        ("error_event", "error: unexpected status 401"),  # an error event outweighs a turn.completed
        ("no_completion", "without a turn.completed"),
        ("malformed", "no JSON events: Error: unexpected argument"),
        ("megabytes", "turn.failed: failed after printing a lot"),  # found though the log keeps only 1 MiB
    ],
)
def test_codex_failures(worktree: Path, fake_bin: Path, mode: str, words: str) -> None:
    result, _ = fake_run("codex", worktree, fake_bin, mode)
    assert not result.ok and not result.timed_out
    assert words in result.summary
    assert len(result.log) < 3 << 20


def test_codex_key_is_scrubbed(worktree: Path, fake_bin: Path) -> None:
    result, _ = fake_run("codex", worktree, fake_bin, "leak")
    assert result.ok and "[redacted]" in result.log


# ---- both executables -----------------------------------------------------------------------


@pytest.mark.parametrize("name", ["claude", "codex"])
def test_a_hang_is_killed_with_its_process_group(worktree: Path, fake_bin: Path, name: str) -> None:
    result, _ = fake_run(name, worktree, fake_bin, "hang", timeout_seconds=3.0)
    assert result.timed_out and not result.ok
    assert "timed out" in result.summary
    grandchild = int((worktree.parent / "pid").read_text())
    assert wait_for(lambda: process_gone(grandchild), 5), "the agent's own child outlived the timeout"


@pytest.mark.parametrize("name", ["claude", "codex"])
def test_preflight_needs_the_executable_on_the_requests_path(tmp_path: Path, fake_bin: Path, name: str) -> None:
    backend = backend_named(name)
    backend.preflight(environment(fake_bin), None)
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(RallyError, match=f"`{name}` on PATH"):
        backend.preflight({"PATH": str(empty)}, None)


@pytest.mark.parametrize("name", ["claude", "codex"])
def test_missing_executable_at_run_time_is_a_failure_not_a_traceback(tmp_path: Path, worktree: Path, name: str) -> None:
    result = run(name, task_request(worktree, {"PATH": str(tmp_path)}))
    assert not result.ok and "not on PATH" in result.summary


# ---- anthropic ------------------------------------------------------------------------------


def anthropic_run(worktree: Path, api: FakeMessagesAPI, **changes: Any) -> TaskResult:
    request = task_request(worktree, environment(None, ANTHROPIC_BASE_URL=api.url), **changes)
    result = run("anthropic", request)
    no_secret(result)
    return result


def test_anthropic_tool_loop_lists_reads_and_writes(worktree: Path) -> None:
    script = [
        Reply(message(text("Looking around."), tool_use("t1", "list_files", path="."), stop_reason="tool_use",
                      tokens=(100, 10))),
        Reply(message(tool_use("t2", "read_file", path="README.md"), stop_reason="tool_use", tokens=(200, 20),
                      cache_read=1000)),
        Reply(message(tool_use("t3", "write_file", path=ROUTES, content="ROUTES = []\n"),
                      tool_use("t4", "run_command", command="cat src/api/routes.py; echo done"),
                      stop_reason="tool_use", tokens=(300, 30))),
        Reply(message(text("Added the routes."), tokens=(400, 40))),
    ]
    with FakeMessagesAPI(script) as api:
        result = anthropic_run(worktree, api, model="opus")
    assert result.ok and result.summary == "Added the routes."
    assert (worktree / ROUTES).read_text() == "ROUTES = []\n"
    first, *rest = api.requests
    assert first["model"] == "claude-opus-4-8"
    assert {tool["name"] for tool in first["tools"]} == {"list_files", "read_file", "write_file", "run_command"}
    assert all(tool["input_schema"]["type"] == "object" for tool in first["tools"])
    assert "You are api, the implementation teammate." in first["system"] and "src/api/**" in first["system"]
    assert first["messages"] == [{"role": "user", "content": task_request(worktree, {}).prompt}]
    listing = tool_results(rest[0])["t1"]
    assert not listing["is_error"] and listing["content"].split("\n") == ["README.md", "src/api/__init__.py"]
    assert rest[0]["messages"][1]["content"][1] == {"type": "tool_use", "id": "t1", "name": "list_files",
                                                     "input": {"path": "."}}
    assert tool_results(rest[1])["t2"]["content"] == "# The service\n"
    written = tool_results(rest[2])
    assert written["t3"]["content"] == f"wrote {ROUTES} (12 bytes)"
    assert written["t4"]["content"].startswith("exit code 0") and "ROUTES = []" in written["t4"]["content"]
    # usage summed over the four turns; the cache read is input too, priced at a tenth
    assert (result.usage.input_tokens, result.usage.output_tokens) == (1000 + 1000, 100)
    price = price_of("claude-opus-4-8")
    assert result.usage.cost_usd == pytest.approx(((1000 + 0.1 * 1000) * price.input + 100 * price.output) / 1e6)
    assert "turn 4: stop_reason=end_turn" in result.log


def test_anthropic_refuses_writes_outside_owns_and_the_worktree(worktree: Path, tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.txt").write_text("not yours\n")
    (worktree / "src" / "api" / "escape").symlink_to(outside)
    (worktree / ".git").write_text("gitdir: /elsewhere\n")
    (worktree / "web").mkdir()
    (worktree / "web" / "index.html").write_text("<html>\n")
    (worktree / "src" / "api" / "alias.py").symlink_to(worktree / "web" / "index.html")
    calls = [
        tool_use("alias", "write_file", path="src/api/alias.py", content="owned name, foreign file"),
        tool_use("missing", "read_file", path="src/api/nothing.py"),
        tool_use("web", "write_file", path="web/index.html", content="<html>"),
        tool_use("abs", "read_file", path=str(outside / "secret.txt")),
        tool_use("up", "read_file", path="../outside/secret.txt"),
        tool_use("git", "write_file", path=".git/config", content="x"),
        tool_use("link", "write_file", path="src/api/escape/secret.txt", content="overwritten"),
        tool_use("nosuch", "delete_everything"),
    ]
    seen: list[dict[str, Any]] = []

    def script(body: dict[str, Any], index: int) -> Reply:
        if index == 0:
            return Reply(message(*calls, stop_reason="tool_use"))
        seen.append(tool_results(body))
        return Reply(message(text("I will stay inside src/api.")))

    with FakeMessagesAPI(script) as api:
        result = anthropic_run(worktree, api)
    assert result.ok  # refusals are the model's to handle; the runner's own check runs after the task
    results = seen[0]
    assert all(block["is_error"] for block in results.values())
    assert "outside what this teammate owns (src/api/**)" in results["web"]["content"]
    assert "absolute paths are refused" in results["abs"]["content"]
    assert "`..` is refused" in results["up"]["content"]
    assert "`.git` is off limits" in results["git"]["content"]
    assert "outside the repository" in results["link"]["content"]
    assert "no tool named 'delete_everything'" in results["nosuch"]["content"]
    assert "web/index.html is outside what this teammate owns" in results["alias"]["content"]
    assert results["missing"]["content"] == "src/api/nothing.py: no such file"
    assert sorted(p.name for p in (worktree / "web").iterdir()) == ["index.html"]
    assert (worktree / "web" / "index.html").read_text() == "<html>\n"
    assert (outside / "secret.txt").read_text() == "not yours\n"
    assert (worktree / ".git").read_text() == "gitdir: /elsewhere\n"


def test_anthropic_prices_tokens_at_the_price_the_runner_gives(worktree: Path) -> None:
    """The spec's `budget.prices` reach the backend as `request.price`, not the built-in table."""
    script = [Reply(message(text("Done."), tokens=(100, 10), cache_read=1000))]
    with FakeMessagesAPI(script) as api:
        result = anthropic_run(worktree, api, model="opus", price=(2.0, 8.0))
    assert result.usage.cost_usd == pytest.approx(((100 + 0.1 * 1000) * 2.0 + 10 * 8.0) / 1e6)


def test_anthropic_retries_a_429(worktree: Path) -> None:
    script = [api_error(429, "rate_limit_error", "slow down", **{"retry-after-ms": "10"}), Reply(message(text("ok")))]
    with FakeMessagesAPI(script) as api:
        result = anthropic_run(worktree, api)
    assert result.ok
    assert len(api.requests) == 2 and api.headers[1]["x-stainless-retry-count"] == "1"
    assert result.usage.input_tokens == 10  # the refused request cost nothing


def test_anthropic_gives_up_after_the_retries(worktree: Path) -> None:
    with FakeMessagesAPI([api_error(529, "overloaded_error", "Overloaded", **{"retry-after-ms": "1"})]) as api:
        result = anthropic_run(worktree, api)
    assert not result.ok and not result.timed_out
    assert result.summary == "the Messages API answered 529: Overloaded"
    assert len(api.requests) == anthropic_backend.MAX_RETRIES + 1


def test_anthropic_bad_key_is_a_failure_without_the_key(worktree: Path) -> None:
    reply = api_error(401, "authentication_error", f"invalid x-api-key {FAKE_KEY}")
    with FakeMessagesAPI([reply]) as api:
        result = anthropic_run(worktree, api)  # asserts the key is absent from log and summary
    assert not result.ok and "401" in result.summary and len(api.requests) == 1


def test_anthropic_slow_response_times_out(worktree: Path) -> None:
    script = [Reply(message(tool_use("t1", "list_files"), stop_reason="tool_use", tokens=(50, 5))),
              Reply(message(text("too late")), delay=30)]
    with FakeMessagesAPI(script) as api:
        result = anthropic_run(worktree, api, timeout_seconds=3.0)
    assert result.timed_out and not result.ok
    assert "timed out after 3s" in result.summary
    assert result.usage.input_tokens == 50  # the turn that finished was paid for


def test_anthropic_timeout_kills_a_running_command(worktree: Path, tmp_path: Path) -> None:
    pidfile = tmp_path / "sleeper"
    command = f"{sys.executable} -c 'import time; time.sleep(300)' & echo $! > {pidfile}; wait"
    script = [Reply(message(tool_use("t1", "run_command", command=command), stop_reason="tool_use"))]
    with FakeMessagesAPI(script) as api:
        result = anthropic_run(worktree, api, timeout_seconds=3.0)
    assert result.timed_out
    sleeper = int(pidfile.read_text())
    assert wait_for(lambda: process_gone(sleeper), 5)


def test_anthropic_commands_run_in_the_sandbox(worktree: Path, tmp_path: Path) -> None:
    """The model's `run_command` is a shell: in the task's sandbox it writes the worktree and nothing else."""
    found = require_sandbox()
    command = f"echo in > inside.txt; echo out > {tmp_path / 'outside.txt'} || echo refused"
    seen: list[dict[str, Any]] = []

    def script(body: dict[str, Any], index: int) -> Reply:
        if index == 0:
            return Reply(message(tool_use("c", "run_command", command=command), stop_reason="tool_use"))
        seen.append(tool_results(body))
        return Reply(message(text("Done.")))

    with FakeMessagesAPI(script) as api:
        result = anthropic_run(worktree, api, sandbox=Sandbox((str(worktree), "/dev/null"), found.abi))
    assert result.ok and (worktree / "inside.txt").is_file() and not (tmp_path / "outside.txt").exists()
    assert "refused" in seen[0]["c"]["content"]


def test_anthropic_turn_cap(worktree: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(anthropic_backend, "MAX_TURNS", 3)
    with FakeMessagesAPI([Reply(message(tool_use("t", "list_files"), stop_reason="tool_use"))]) as api:
        result = anthropic_run(worktree, api)
    assert not result.ok and "turn cap reached" in result.summary
    assert len(api.requests) == 3 and result.usage.input_tokens == 30


def test_anthropic_max_tokens_is_a_failure(worktree: Path) -> None:
    with FakeMessagesAPI([Reply(message(text("and then"), stop_reason="max_tokens"))]) as api:
        result = anthropic_run(worktree, api)
    assert not result.ok and result.summary == "the model stopped with max_tokens: and then"


def test_anthropic_secrets_never_reach_the_model_or_the_log(worktree: Path) -> None:
    (worktree / "src" / "api" / ".env").write_text(f"ANTHROPIC_API_KEY={FAKE_KEY}\n")
    script = [
        Reply(message(tool_use("read", "read_file", path="src/api/.env"),
                      tool_use("env", "run_command", command="env"), stop_reason="tool_use")),
        Reply(message(text(f"Found {FAKE_KEY}"))),
    ]
    with FakeMessagesAPI(script) as api:
        result = anthropic_run(worktree, api)
    results = tool_results(api.requests[1])
    assert FAKE_KEY not in json.dumps(results)
    assert results["read"]["content"] == "ANTHROPIC_API_KEY=[redacted]\n"
    assert "ANTHROPIC_API_KEY" not in results["env"]["content"]  # commands get no secrets at all
    assert result.ok and result.summary == "Found [redacted]"


def test_anthropic_preflight_and_model_ids() -> None:
    backend = backend_named("anthropic")
    backend.preflight({"ANTHROPIC_API_KEY": FAKE_KEY}, None)
    with pytest.raises(RallyError, match="ANTHROPIC_API_KEY"):
        backend.preflight({"PATH": os.defpath}, None)
    assert [api_model_id(m) for m in ("opus", "sonnet", "haiku")] == ["claude-opus-4-8", "claude-sonnet-4-6",
                                                                       "claude-haiku-4-5"]
    assert api_model_id("inherit") == "claude-sonnet-4-6" and api_model_id("claude-opus-4-5") == "claude-opus-4-5"
    assert all(price_of(api_model_id(alias)) == price_of(alias) for alias in ("opus", "sonnet", "haiku"))


def test_anthropic_is_imported_only_when_a_task_runs() -> None:
    probe = (
        "import sys, rallyc.runner.backends as b; b.backend_named('anthropic'); "
        "print(sorted(m for m in sys.modules if m.split('.')[0] == 'anthropic'))"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"


def test_anthropic_scripted_writer(worktree: Path) -> None:
    with FakeMessagesAPI(scripted_writer) as api:
        result = anthropic_run(worktree, api, model="claude-haiku-4-5")
    assert result.ok and (worktree / ROUTES).read_text() == "ROUTES = ['/health']\n"
    assert {request["model"] for request in api.requests} == {"claude-haiku-4-5"}
    assert result.usage.cost_usd == pytest.approx((700 * 1 + 100 * 5) / 1e6)


@pytest.mark.parametrize("name", ["claude", "codex"])
def test_a_prompt_longer_than_an_argument_may_be_goes_through_stdin(worktree: Path, fake_bin: Path,
                                                                    name: str) -> None:  # fmt: skip
    long = "Add the routes.\n" + "Context line.\n" * 30_000 + "WRITE src/api/routes.py ROUTES = []"
    result, recorded = fake_run(name, worktree, fake_bin, "success", prompt=long)
    assert result.ok and recorded["stdin"].endswith(long)
    assert (worktree / ROUTES).read_text() == "ROUTES = []\n"
