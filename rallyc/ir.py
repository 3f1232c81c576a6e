"""The spec as frozen dataclasses, defaults applied, every node with its span.

Rules read these and point at their spans; they never compute positions.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from rallyc import defaults
from rallyc.source import Span
from rallyc.globparse import EXCLUDE
from rallyc.syntax import Glob, Reference


@dataclass(frozen=True, slots=True)
class Located:
    """A scalar value and where it was written (a defaulted value points at `defaults`)."""

    value: str
    span: Span
    written: bool = True
    """False for a built-in default, whose span is only the start of the file."""


@dataclass(frozen=True, slots=True)
class Pattern:
    """A glob as written at one place."""

    glob: Glob
    span: Span

    @property
    def text(self) -> str:
        return self.glob.text


def distinct_globs(patterns: Iterable[Pattern]) -> list[Glob]:
    """Each glob once, in the order first written (the same glob written twice is one glob)."""
    return list({pattern.glob.key: pattern.glob for pattern in patterns}.values())


def written(patterns: tuple[Pattern, ...]) -> tuple[str, ...]:
    """A glob list's texts as written: the plain globs, then the exclusions with their `!`.

    Every plain glob of a list carries the list's exclusions, so the first one has them all.
    """
    excluded = tuple(EXCLUDE + glob.text for glob in patterns[0].glob.excluded) if patterns else ()
    return tuple(pattern.text for pattern in patterns) + excluded


@dataclass(frozen=True, slots=True)
class Quantity:
    """A duration in seconds, a token count or a price, with its span."""

    amount: float
    span: Span


@dataclass(frozen=True, slots=True)
class After:
    """One `after` entry and the task ids it resolved to (empty when unknown)."""

    reference: Reference
    span: Span
    targets: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Task:
    id: str
    span: Span
    teammate: str
    do: Located
    writes: tuple[Pattern, ...]
    writes_declared: bool
    reads: tuple[Pattern, ...]
    after: tuple[After, ...]
    estimate: Quantity | None
    timeout: Quantity | None
    tokens: int
    risk: Located | None
    shared_state: tuple[Located, ...]
    done_when: tuple[str, ...]
    verify: tuple[str, ...]

    @property
    def duration_seconds(self) -> float:
        """For schedule arithmetic: the estimate, else half the timeout, else the default (15 minutes)."""
        if self.estimate:
            return self.estimate.amount
        if self.timeout:
            return self.timeout.amount / 2
        return defaults.DURATION_SECONDS

    @property
    def timeout_seconds(self) -> float:
        """The fan-in deadline: the timeout, else twice the estimate, else the default (30 minutes)."""
        if self.timeout:
            return self.timeout.amount
        if self.estimate:
            return 2 * self.estimate.amount
        return defaults.TIMEOUT_SECONDS

    @property
    def risk_level(self) -> str:
        return self.risk.value if self.risk else defaults.RISK


@dataclass(frozen=True, slots=True)
class Teammate:
    name: str
    span: Span
    role: Located
    model: Located
    mode: Located
    owns: tuple[Pattern, ...]
    reads: tuple[Pattern, ...]
    context: str | None
    constraints: tuple[str, ...]
    tasks: tuple[Task, ...]
    report: str | None


@dataclass(frozen=True, slots=True)
class Price:
    """USD per million tokens."""

    input: float
    output: float

    @property
    def blended(self) -> float:
        """The cost estimate's mix: three parts input to one part output."""
        return 0.75 * self.input + 0.25 * self.output


@dataclass(frozen=True, slots=True)
class Coordination:
    spawn: float = defaults.SPAWN_SECONDS
    handoff: float = defaults.HANDOFF_SECONDS
    merge: float = defaults.MERGE_SECONDS


@dataclass(frozen=True, slots=True)
class Budget:
    max_usd: Quantity | None
    max_tokens: Quantity | None
    overhead: float | None
    """As written; None: the runtime's default (its compile target's, `rallyc.analysis.cost.overhead_for`), so a
    plan compiled for another target is priced with that target's overhead."""
    prices: Mapping[str, Price]
    """The spec's own price overrides; the built-in table fills in the rest."""
    coordination: Coordination
    span: Span | None
    """The `budget` key, when the spec has one."""


@dataclass(frozen=True, slots=True)
class Team:
    name: str
    goal: str
    runtime: str
    repo: str
    base: str
    lead_model: str
    lead_model_span: Span | None
    """Where `team.lead.model` is written; None when it is the default."""
    delegate: bool
    delegate_span: Span | None
    size_justification: str | None


@dataclass(frozen=True, slots=True)
class RunSettings:
    backend: str = defaults.BACKEND
    shell: str | None = None
    retries: int = defaults.RETRIES
    concurrency: int | None = None
    setup: tuple[str, ...] = ()
    sandbox: str = defaults.SANDBOX
    """auto | required | off"""
    sandbox_writable: tuple[str, ...] = ()
    max_file_mib: float = defaults.MAX_FILE_MIB


@dataclass(frozen=True, slots=True)
class Spec:
    file: str
    team: Team
    teammates: tuple[Teammate, ...]
    teammates_span: Span
    """The `teammates` key: where findings about the team as a whole point."""
    budget: Budget
    context: str | None
    constraints: tuple[str, ...]
    verify: tuple[str, ...]
    merge_order: tuple[Located, ...]
    report_to: str
    run: RunSettings
    lint_ignore: tuple[Located, ...]
    tasks: tuple[Task, ...] = field(repr=False)
    """Every task, in spec order."""

    def teammate(self, name: str) -> Teammate:
        return next(teammate for teammate in self.teammates if teammate.name == name)
