"""One place says what each runtime does with a model name, the same for compile's agent files and a run's
command lines, and what a model costs."""

from __future__ import annotations

from pathlib import Path

import pytest

from rallyc.models import (
    ALIAS_IDS,
    CODEX_DEFAULT_MODEL,
    PRICES,
    api_model_id,
    command_model,
    family,
    is_claude_model,
    price_of,
    priced_model,
    runtime_model,
)
from rallyc.runner.backends import TaskRequest
from rallyc.runner.backends import claude, codex

CLAUDE_SPELLINGS = ["opus", "Opus", " sonnet ", "HAIKU", "fable", "best", "opusplan", "opus[1m]", "claude-opus-4-8"]


def request(model: str) -> TaskRequest:
    return TaskRequest(run_id="r", task_id="t", teammate="api", prompt="p", prompt_file=Path("p.md"),
                       worktree=Path("."), model=model, mode="default", timeout_seconds=60, env={}, owns=())  # fmt: skip


@pytest.mark.parametrize("model", CLAUDE_SPELLINGS)
def test_codex_leaves_out_every_claude_spelling_in_agent_files_and_command_lines(model: str) -> None:
    assert is_claude_model(model)
    assert runtime_model(model, "codex-subagents") is None and command_model(model, "codex-subagents") is None
    assert "-m" not in codex.command("codex", request(model))
    assert priced_model(model, "opus", "codex-subagents") == CODEX_DEFAULT_MODEL


def test_claude_runtimes_keep_a_model_as_written_and_inherit_only_in_agent_files() -> None:
    assert runtime_model(" sonnet ", "claude-subagents") == "sonnet"
    assert runtime_model("inherit", "claude-agent-teams") == "inherit"
    assert command_model("inherit", "claude-subagents") is None
    assert claude.command("claude", request("opus"))[-2:] == ["--model", "opus"]
    assert "--model" not in claude.command("claude", request("inherit"))


def test_an_openai_model_reaches_codex_as_written() -> None:
    assert not is_claude_model("gpt-5.4-mini")
    assert runtime_model("gpt-5.4-mini", "codex-subagents") == "gpt-5.4-mini"
    assert codex.command("codex", request("gpt-5.4-mini"))[-3:] == ["-m", "gpt-5.4-mini", "-"]


def test_prices_by_id_then_family_then_sonnet() -> None:
    assert all(price_of(model_id) == price_of(alias) for alias, model_id in ALIAS_IDS.items())
    assert price_of("claude-fable-5") == PRICES["claude-fable-5"] != price_of("opus")
    assert family("Claude-Haiku-9") == "haiku" and price_of("mystery") == PRICES["sonnet"]
    assert api_model_id("Opus") == ALIAS_IDS["opus"] and api_model_id("claude-opus-4-5") == "claude-opus-4-5"
