"""Every model name rallyc knows, its price, and what each runtime does with it: nothing else spells a model.

A spec names Claude models (`opus`, `sonnet`, `haiku`, `inherit`, a full
`claude-*` id) or, for Codex, an OpenAI model id. What a runtime accepts
depends on whose models it runs, which its compile target declares
(`agent_models`, read here through `rallyc.catalog`):

- Claude Code takes every Claude spelling in an agent file's `model` field
  and in `claude --model` (`sonnet`, `opus`, `haiku`, `fable`, `best`,
  `opusplan`, `sonnet[1m]`, `opus[1m]`, a full id, and `inherit` in an agent
  file): code.claude.com/docs/en/sub-agents, "Supported frontmatter fields",
  and code.claude.com/docs/en/model-config, "Model aliases" (checked
  2026-12: on the Anthropic API `opus` is Opus 4.8 and `sonnet` Sonnet 4.6).
  A model of another provider is passed on as written.
- Codex knows no Claude model: one is left out of a Codex agent file and of
  `codex exec`, Codex runs the task on its configured model, and the estimate
  prices it as the model Codex recommends (`CODEX_DEFAULT_MODEL`). The models
  Codex runs: developers.openai.com/codex/models (gpt-5.5, gpt-5.4,
  gpt-5.4-mini, gpt-5.3-codex and the gpt-5.3-codex-spark preview, checked
  2026-12).

Names are compared after normalising (`normal`: surrounding blanks dropped,
case ignored), the same way for every runtime.
"""

from __future__ import annotations

from enum import StrEnum

from rallyc.catalog import AGENT_MODELS
from rallyc.ir import Price


class Provider(StrEnum):
    """Whose models a runtime runs: a compile target's `agent_models`."""

    ANTHROPIC = "anthropic"
    OPENAI = "openai"


INHERIT = "inherit"
"""The teammate runs on the lead's model."""
FAMILIES = ("opus", "sonnet", "haiku")
ALIASES = (*FAMILIES, INHERIT)
"""The model names a spec may write other than a full id, exactly as written (anything else is RY008)."""
CLAUDE_ALIASES = frozenset({*ALIASES, "fable", "best", "opusplan", "sonnet[1m]", "opus[1m]"})
"""Claude Code's model aliases (code.claude.com/docs/en/model-config, "Model aliases"): never an OpenAI model."""
ALIAS_IDS = {"opus": "claude-opus-4-8", "sonnet": "claude-sonnet-4-6", "haiku": "claude-haiku-4-5"}
"""The id an alias stands for on the Anthropic API (code.claude.com/docs/en/model-config, "Model aliases"):
what the Messages API is sent, the newest of each family in the price table."""

CODEX_DEFAULT_MODEL = "gpt-5.5"
"""What Codex runs a subagent on when its agent file names no model: the model Codex recommends
starting with (developers.openai.com/codex/models, "start with gpt-5.5", checked 2026-12)."""
LEFT_OUT_AS = {Provider.OPENAI: CODEX_DEFAULT_MODEL}
"""What a runtime of this provider runs instead of a model it does not know, for the estimate."""

PRICE_TABLE_DATE = "2026-11"
"""When the Claude rows below were last checked against Anthropic's published prices (the aliases' prices
are the language's: 5 / 25, 3 / 15 and 1 / 5)."""
PRICES = {
    "opus": Price(5, 25),
    "sonnet": Price(3, 15),
    "haiku": Price(1, 5),
    "claude-opus-4-7": Price(5, 25),
    "claude-opus-4-8": Price(5, 25),
    "claude-opus-4-6": Price(5, 25),
    "claude-opus-4-5": Price(5, 25),
    "claude-sonnet-4-6": Price(3, 15),
    "claude-sonnet-4-5": Price(3, 15),
    "claude-haiku-4-5": Price(1, 5),
    # a tier above Opus, no family of the language: by its id only (platform.claude.com/docs/en/about-claude/pricing,
    # with claude-opus-4-8, checked 2026-12)
    "claude-fable-5": Price(10, 50),
    # Codex's default model, for a Claude model a Codex agent file leaves out: OpenAI's list price,
    # $5 / $30 per million tokens (developers.openai.com/api/docs/pricing, checked 2026-08)
    CODEX_DEFAULT_MODEL: Price(5, 30),
    # OpenAI models a Codex teammate may name: standard-tier list prices (github/docs
    # data/tables/copilot/models-and-pricing.yml and developers.openai.com/api/docs/models/gpt-5.1, checked 2026-12;
    # gpt-5.4 and gpt-5.4-mini: developers.openai.com/api/docs/pricing, checked 2026-12)
    "gpt-5.3-codex": Price(1.75, 14),
    "gpt-5.2-codex": Price(1.75, 14),
    "gpt-5.2": Price(1.75, 14),
    "gpt-5.1": Price(1.25, 10),
    "gpt-5-mini": Price(0.25, 2),
    "gpt-5.4": Price(2.5, 15),
    "gpt-5.4-mini": Price(0.75, 4.5),
}
"""USD per million tokens, input and output."""
MODEL_IDS = tuple(model for model in PRICES if model not in ALIASES)
"""The full model ids the built-in table knows."""


def normal(model: str) -> str:
    return model.strip().lower()


def is_claude_model(model: str) -> bool:
    """A Claude alias or a Claude model id (`claude-sonnet-4-6`), whatever its case."""
    return normal(model) in CLAUDE_ALIASES or "claude" in normal(model)


def provider_of(runtime: str) -> Provider:
    return Provider(AGENT_MODELS[runtime])


def runtime_model(model: str, runtime: str) -> str | None:
    """The `model` a runtime's agent file gets, or None when it must be left out (a Claude model on Codex)."""
    if provider_of(runtime) is Provider.OPENAI and is_claude_model(model):
        return None
    return model.strip()


def command_model(model: str, runtime: str) -> str | None:
    """The model a runtime's command line is given (`claude --model`, `codex exec -m`), or None for its own:
    a command has no lead to inherit a model from."""
    found = runtime_model(model, runtime)
    return found if found and found != INHERIT else None


def api_model_id(model: str) -> str:
    """The id the Messages API is sent: an alias's id, a full id as written. `inherit` should have been
    resolved to the lead's model by the runner; if it was not, sonnet's."""
    name = normal(model)
    if name in (INHERIT, ""):
        return ALIAS_IDS["sonnet"]
    return ALIAS_IDS.get(name, model.strip())


def resolve_model(model: str, lead_model: str) -> str:
    return lead_model if model == INHERIT else model


def priced_model(model: str, lead_model: str, runtime: str) -> str:
    """The model a teammate's tasks are priced as: `inherit` is the lead's, and a model the runtime does not
    know (which its agent file leaves out) is what the runtime runs instead."""
    resolved = resolve_model(model, lead_model)
    return resolved if runtime_model(resolved, runtime) is not None else LEFT_OUT_AS[provider_of(runtime)]


def family(model: str) -> str:
    """The alias a full model id is priced as: the family its name contains, else sonnet."""
    return next((name for name in FAMILIES if name in normal(model)), "sonnet")


def price_of(model: str, prices: dict[str, Price] | None = None) -> Price:
    """`prices` (the spec's overrides) by exact id, then by family; then the built-in table."""
    for table in (prices or {}, PRICES):
        if model in table:
            return table[model]
        if family(model) in table:
            return table[family(model)]
    return PRICES["sonnet"]
