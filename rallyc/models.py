"""What model each runtime gets for a teammate, and which model its cost is estimated with.

A spec names Claude models (`opus`, `sonnet`, `haiku`, `inherit`, a full
`claude-*` id) or, for Codex, an OpenAI model id. Claude Code takes every
Claude spelling in an agent file's `model` field (`sonnet`, `opus`, `haiku`,
`fable`, a full id or `inherit`: code.claude.com/docs/en/sub-agents,
"Supported frontmatter fields"). Codex knows none of them: a Claude model is
left out of a Codex agent file, Codex runs the subagent on its configured
model, and the estimate prices that task as the Codex default below.
"""

from __future__ import annotations

ALIASES = ("opus", "sonnet", "haiku", "inherit")
"""The model names a spec may write other than a full id, exactly as written (anything else is RY008)."""
CLAUDE_ALIASES = frozenset({*ALIASES, "fable"})
"""Claude Code's model aliases for agent files (code.claude.com/docs/en/sub-agents, `model` row)."""

CODEX_RUNTIME = "codex-subagents"

CODEX_DEFAULT_MODEL = "gpt-5.5"
"""What Codex runs a subagent on when its agent file names no model: the model Codex recommends
starting with (developers.openai.com/codex/models, "start with gpt-5.5", checked 2026-08). Its
price is a row of the price table (`rallyc.analysis.cost`)."""


def is_claude_model(model: str) -> bool:
    """A Claude alias or a Claude model id (`claude-sonnet-4-6`), whatever its case."""
    lowered = model.lower()
    return lowered in CLAUDE_ALIASES or "claude" in lowered


def runtime_model(model: str, runtime: str) -> str | None:
    """The `model` a runtime's agent file gets, or None when it must be left out (a Claude model on Codex)."""
    if runtime == CODEX_RUNTIME and is_claude_model(model):
        return None
    return model


def priced_model(model: str, lead_model: str, runtime: str) -> str:
    """The model a teammate's tasks are priced as: `inherit` is the lead's, and on Codex a Claude
    model (which the agent file leaves out) is the Codex default."""
    resolved = lead_model if model == "inherit" else model
    return resolved if runtime_model(resolved, runtime) is not None else CODEX_DEFAULT_MODEL
