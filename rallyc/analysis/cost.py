"""The cost and token estimates (docs/language.md, "Derived semantics", cost estimate); the prices are
`rallyc.models`'."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from rallyc.catalog import OVERHEAD
from rallyc.ir import Budget, Spec
from rallyc.models import PRICE_TABLE_DATE, price_of, priced_model
from rallyc.units import format_tokens, format_usd

if TYPE_CHECKING:
    from rallyc.learned import Learned


def overhead_for(budget: Budget, runtime: str) -> float:
    """`budget.overhead` as written, else the runtime's, as its compile target declares it."""
    return budget.overhead if budget.overhead is not None else OVERHEAD[runtime]


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
