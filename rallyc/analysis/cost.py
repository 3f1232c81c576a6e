"""Prices and the cost and token estimates (docs/language.md, "Derived semantics", cost estimate)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from rallyc.ir import SUBAGENT_RUNTIMES, Budget, Price, Spec
from rallyc.models import ALIASES, CODEX_DEFAULT_MODEL, priced_model
from rallyc.units import format_tokens, format_usd

if TYPE_CHECKING:
    from rallyc.learned import Learned

PRICE_TABLE_DATE = "2026-11"
"""When the built-in table below was last checked against Anthropic's published prices."""

_FAMILIES = ("opus", "sonnet", "haiku")
_BUILTIN = {
    "opus": Price(5, 25),
    "sonnet": Price(3, 15),
    "haiku": Price(1, 5),
    "claude-opus-4-7": Price(5, 25),
    "claude-opus-4-6": Price(5, 25),
    "claude-opus-4-5": Price(5, 25),
    "claude-sonnet-4-6": Price(3, 15),
    "claude-sonnet-4-5": Price(3, 15),
    "claude-haiku-4-5": Price(1, 5),
    # Codex's default model, for a Claude model a Codex agent file leaves out: OpenAI's list price,
    # $5 / $30 per million tokens (developers.openai.com/api/docs/pricing, checked 2026-08)
    CODEX_DEFAULT_MODEL: Price(5, 30),
    # OpenAI models a Codex teammate may name: standard-tier list prices (github/docs
    # data/tables/copilot/models-and-pricing.yml and developers.openai.com/api/docs/models/gpt-5.1, checked 2026-12)
    "gpt-5.3-codex": Price(1.75, 14),
    "gpt-5.2-codex": Price(1.75, 14),
    "gpt-5.2": Price(1.75, 14),
    "gpt-5.1": Price(1.25, 10),
    "gpt-5-mini": Price(0.25, 2),
}


MODEL_IDS = tuple(model for model in _BUILTIN if model not in ALIASES)
"""The full model ids the built-in table knows."""


def overhead_for(budget: Budget, runtime: str) -> float:
    """`budget.overhead` as written, else the runtime's: agent teams cost 3-4x a single session, subagents
    1.5-2x (the guide's budget guardrails)."""
    if budget.overhead is not None:
        return budget.overhead
    return 1.75 if runtime in SUBAGENT_RUNTIMES else 3.5


def family(model: str) -> str:
    """The alias a full model id is priced as: the family its name contains, else sonnet."""
    lowered = model.lower()
    return next((name for name in _FAMILIES if name in lowered), "sonnet")


def resolve_model(model: str, lead_model: str) -> str:
    return lead_model if model == "inherit" else model


def price_of(model: str, prices: dict[str, Price] | None = None) -> Price:
    """`prices` (the spec's overrides) by exact id, then by family; then the built-in table."""
    for table in (prices or {}, _BUILTIN):
        if model in table:
            return table[model]
        if family(model) in table:
            return table[family(model)]
    return _BUILTIN["sonnet"]


@dataclass(frozen=True, slots=True)
class TaskCost:
    task: str
    model: str
    tokens: float
    """The task's `tokens` x overhead x the learned token factor."""
    usd: float
    factor: float = 1.0
    """The learned token factor of the task's model and runtime (1: none learned)."""


@dataclass(frozen=True, slots=True)
class CostEstimate:
    tasks: tuple[TaskCost, ...]
    overhead: float

    @property
    def usd(self) -> float:
        return sum(item.usd for item in self.tasks)

    @property
    def tokens(self) -> float:
        return sum(item.tokens for item in self.tasks)

    def explain(self) -> str:
        """How the estimate was reached, grouped by model, for messages a person reads."""
        by_model: dict[str, list[TaskCost]] = {}
        for item in self.tasks:
            by_model.setdefault(item.model, []).append(item)
        parts = [
            f"{len(items)} {model} task{'s' if len(items) != 1 else ''} x "
            f"{format_tokens(sum(i.tokens / i.factor for i in items) / self.overhead / len(items))} tokens"
            + (f" x {items[0].factor:g} learned" if items[0].factor != 1 else "")
            + f" = {format_usd(sum(i.usd for i in items))}"
            for model, items in sorted(by_model.items())
        ]
        return f"{' + '.join(parts)} (overhead x{self.overhead:g} included, prices of {PRICE_TABLE_DATE})"


def estimate(spec: Spec, learned: Learned | None = None, runtime: str | None = None) -> CostEstimate:
    """Tasks only (the lead is not counted): tokens x overhead x learned factor x blended price, each task
    priced as the model `runtime` (default `team.runtime`) runs it on (`rallyc.models.priced_model`).

    The learned token factor is that of each task's model on `runtime`.
    """
    overrides = dict(spec.budget.prices)
    overhead = overhead_for(spec.budget, runtime or spec.team.runtime)
    items = []
    for teammate in spec.teammates:
        model = priced_model(teammate.model.value, spec.team.lead_model, runtime or spec.team.runtime)
        price = price_of(model, overrides)
        factor = learned.token_factor(model, runtime or spec.team.runtime) if learned else 1.0
        for task in teammate.tasks:
            tokens = task.tokens * overhead * factor
            items.append(TaskCost(task.id, model, tokens, tokens * price.blended / 1_000_000, factor))
    return CostEstimate(tuple(items), overhead)
