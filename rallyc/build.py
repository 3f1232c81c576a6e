"""Checked tree -> IR: defaults applied, mini-languages parsed, references resolved.

The document has passed the schema, so types are right; what can still be
wrong here is a value that breaks its mini-language (RY004), collected as
findings with the column inside the YAML scalar.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from typing import Any, TypeVar

from rallyc import defaults
from rallyc.diagnostics import Finding, Fix
from rallyc.ir import (
    After,
    Budget,
    Coordination,
    Located,
    Pattern,
    Price,
    Quantity,
    RunSettings,
    Spec,
    Task,
    Team,
    Teammate,
)
from rallyc.load import Document
from rallyc.source import Span, YamlPath
from rallyc.globparse import ONLY_EXCLUSIONS, parse_item, with_exclusions
from rallyc.syntax import Glob, PatternError, Reference, parse_duration, parse_reference, parse_tokens

T = TypeVar("T")

_TEAMMATE_DEFAULTS = {"model": defaults.MODEL, "mode": defaults.MODE}


@dataclass(frozen=True, slots=True)
class Built:
    spec: Spec
    pattern_errors: tuple[Finding, ...]


_cached_item = cache(parse_item)


def build(document: Document) -> Built:
    builder = _Builder(document)
    return Built(builder.spec(), tuple(builder.errors))


class _Builder:
    def __init__(self, document: Document) -> None:
        self.document = document
        self.data: dict[str, Any] = document.data
        self.defaults: dict[str, Any] = self.data.get("defaults") or {}
        self.errors: list[Finding] = []
        self.failed: set[YamlPath] = set()
        """Values already reported: a bad default is one finding, however many tasks inherit it."""

    # ---- helpers -------------------------------------------------------------

    def at(self, path: YamlPath) -> Any:
        value: Any = self.data
        for part in path:
            value = value[part]
        return value

    def inherited(self, path: YamlPath, key: str) -> YamlPath | None:
        """Where `key` is set for the node at `path`: on the node itself, else in `defaults`."""
        if key in self.at(path):
            return (*path, key)
        if key in self.defaults:
            return ("defaults", key)
        return None

    def located(self, path: YamlPath | None, default: str | None = None) -> Located | None:
        if path is None:
            return Located(default, Span.point(self.document.file), written=False) if default is not None else None
        return Located(str(self.at(path)), self.document.span(path))

    def parsed(self, path: YamlPath, parse: Callable[[Any], T]) -> T | None:
        """Parse a mini-language value; a failure becomes an RY004 finding placed in the scalar."""
        value = self.at(path)
        try:
            return parse(value)
        except PatternError as error:
            if path in self.failed:
                return None
            self.failed.add(path)
            info = self.document.node(path)
            span = info.value if info else Span.point(self.document.file)
            offset = 1 if info and info.quoted else 0
            fix = Fix(span, error.replacement, f"`{value}` -> `{error.replacement}`") if error.replacement else None
            message = error.message + (self.inherited_by(str(path[1])) if path[0] == "defaults" else "")
            self.errors.append(Finding(span.shifted(offset + error.column - 1, error.width), message, error.hint, fix=fix))
            return None

    def inherited_by(self, key: str) -> str:
        """`; inherited by ...` for a `defaults` key: the tasks that do not set it themselves (or, for a teammate
        field, whose teammate does not)."""
        names = []
        for mate in self.data.get("teammates") or []:
            if isinstance(mate, dict) and key not in mate:
                names += [str(task.get("id")) for task in mate.get("tasks") or [] if isinstance(task, dict)
                          and key not in task]  # fmt: skip
        shown = ", ".join(f"`{name}`" for name in names[:8]) + (f" and {len(names) - 8} more" if len(names) > 8 else "")
        return f" (in `defaults`, inherited by {shown})" if names else " (in `defaults`)"

    def patterns(self, path: YamlPath | None) -> tuple[Pattern, ...]:
        """A glob list's plain items, each minus the list's `!` items (docs/language.md, exclusions)."""
        if path is None:
            return ()
        plain: list[Pattern] = []
        excluded: list[Glob] = []
        broken = False
        for index in range(len(self.at(path))):
            item = self.glob_item((*path, index))
            broken = broken or item is None
            if item is not None and item[0]:
                excluded.append(item[1])
            elif item is not None:
                plain.append(Pattern(item[1], self.document.span((*path, index))))
        if excluded and not plain and not broken:
            hint = "add the globs they take paths from: `owns: [src/**, \"!src/core.py\"]`"
            self.errors.append(Finding(self.document.span(path), ONLY_EXCLUSIONS, hint))
        globs = with_exclusions((pattern.glob for pattern in plain), excluded)
        return tuple(Pattern(glob, pattern.span) for glob, pattern in zip(globs, plain))

    def glob_item(self, path: YamlPath) -> tuple[bool, Glob] | None:
        """One item of a glob list: (is it an exclusion, its glob), or None after an RY004 finding."""
        info = self.document.node(path)
        if info is not None and info.tagged:  # `- !src/core.py`: YAML read a tag
            text = str(self.at(path))
            self.errors.append(Finding(
                info.value,
                f"`{text}` is read by YAML as a tag, not as text: an exclusion must be quoted",
                f'write `- "{text}"`',
                fix=Fix(info.value, text, f'`{text}` -> `"{text}"`'),
            ))
            return None
        return self.parsed(path, _cached_item)

    def quantity(self, path: YamlPath | None, parse: Callable[[Any], float]) -> Quantity | None:
        if path is None:
            return None
        amount = self.parsed(path, parse)
        return Quantity(amount, self.document.span(path)) if amount is not None else None

    def texts(self, path: YamlPath | None) -> tuple[str, ...]:
        return tuple(str(item) for item in self.at(path)) if path else ()

    # ---- the spec --------------------------------------------------------------

    def spec(self) -> Spec:
        team = self.team()
        teammates = tuple(self.teammate(index) for index in range(len(self.data["teammates"])))
        tasks = tuple(task for teammate in teammates for task in teammate.tasks)
        teammates = _resolve_references(teammates, tasks)
        tasks = tuple(task for teammate in teammates for task in teammate.tasks)
        return Spec(
            file=self.document.file,
            team=team,
            teammates=teammates,
            teammates_span=self.document.key_span(("teammates",)),
            budget=self.budget(team),
            context=self.data.get("context"),
            constraints=self.texts(("constraints",) if "constraints" in self.data else None),
            verify=self.texts(("verify",) if "verify" in self.data else None),
            merge_order=self.located_list(("merge", "order")),
            report_to=(self.data.get("report") or {}).get("to", defaults.REPORT_TO),
            run=self.run_settings(),
            lint_ignore=self.located_list(("lint", "ignore")),
            tasks=tasks,
        )

    def located_list(self, path: YamlPath) -> tuple[Located, ...]:
        try:
            values = self.at(path)
        except (KeyError, TypeError):
            return ()
        return tuple(Located(str(value), self.document.span((*path, index))) for index, value in enumerate(values))

    def team(self) -> Team:
        team = self.data["team"]
        lead = team.get("lead") or {}
        return Team(
            name=team["name"],
            goal=team["goal"],
            runtime=team.get("runtime", defaults.RUNTIME),
            repo=team.get("repo", defaults.REPO),
            base=team.get("base", defaults.BASE),
            lead_model=lead.get("model", defaults.LEAD_MODEL),
            lead_model_span=self.document.span(("team", "lead", "model")) if "model" in lead else None,
            delegate=lead.get("delegate", defaults.DELEGATE),
            delegate_span=self.document.span(("team", "lead", "delegate")) if "delegate" in lead else None,
            size_justification=team.get("size_justification"),
        )

    def teammate(self, index: int) -> Teammate:
        path: YamlPath = ("teammates", index)
        node = self.at(path)
        owns = self.patterns((*path, "owns") if "owns" in node else None)
        reads_path = self.inherited(path, "reads")
        reads = self.patterns(reads_path)
        name = node["name"]
        tasks = tuple(
            self.task((*path, "tasks", number), name, owns, reads) for number in range(len(node["tasks"]))
        )
        model, mode = (self.located(self.inherited(path, key), _TEAMMATE_DEFAULTS[key]) for key in ("model", "mode"))
        assert model is not None and mode is not None
        constraints = self.inherited(path, "constraints")
        return Teammate(
            name=name,
            span=self.document.span((*path, "name")),
            role=Located(node["role"], self.document.span((*path, "role"))),
            model=model,
            mode=mode,
            owns=owns,
            reads=reads,
            context=node.get("context", self.defaults.get("context")),
            constraints=self.texts(constraints),
            tasks=tasks,
            report=node.get("report"),
        )

    def task(self, path: YamlPath, teammate: str, owns: tuple[Pattern, ...], reads: tuple[Pattern, ...]) -> Task:
        node = self.at(path)
        tokens_path = self.inherited(path, "tokens")
        tokens = self.quantity(tokens_path, parse_tokens) if tokens_path else None
        return Task(
            id=node["id"],
            span=self.document.span((*path, "id")),
            teammate=teammate,
            do=Located(node["do"], self.document.span((*path, "do"))),
            writes=self.patterns((*path, "writes")) if "writes" in node else owns,
            writes_declared="writes" in node,
            reads=self.patterns((*path, "reads")) if "reads" in node else reads,
            after=self.after((*path, "after") if "after" in node else None),
            estimate=self.quantity(self.inherited(path, "estimate"), parse_duration),
            timeout=self.quantity(self.inherited(path, "timeout"), parse_duration),
            tokens=int(tokens.amount) if tokens else defaults.TOKENS,
            risk=self.located(self.inherited(path, "risk")),
            shared_state=self.located_list((*path, "shared_state")),
            done_when=self.texts((*path, "done_when") if "done_when" in node else None),
            verify=self.texts((*path, "verify") if "verify" in node else None),
        )

    def after(self, path: YamlPath | None) -> tuple[After, ...]:
        if path is None:
            return ()
        entries = []
        for index in range(len(self.at(path))):
            reference: Reference | None = self.parsed((*path, index), parse_reference)
            if reference is not None:
                entries.append(After(reference, self.document.span((*path, index)), ()))
        return tuple(entries)

    def budget(self, team: Team) -> Budget:
        node = self.data.get("budget") or {}
        prices = {}
        for model, price in (node.get("prices") or {}).items():
            if not str(model).startswith("x-"):  # the user's own keys
                prices[str(model)] = Price(float(price["input"]), float(price["output"]))
        coordination = node.get("coordination") or {}
        seconds = {
            key: self.quantity(("budget", "coordination", key), parse_duration)
            for key in ("spawn", "handoff", "merge")
            if key in coordination
        }
        max_usd = node.get("max_usd")
        return Budget(
            max_usd=Quantity(float(max_usd), self.document.span(("budget", "max_usd"))) if max_usd is not None else None,
            max_tokens=self.quantity(("budget", "max_tokens") if "max_tokens" in node else None, parse_tokens),
            overhead=float(node["overhead"]) if "overhead" in node else None,
            prices=prices,
            coordination=Coordination(**{key: value.amount for key, value in seconds.items() if value}),
            span=self.document.key_span(("budget",)) if "budget" in self.data else None,
        )

    def run_settings(self) -> RunSettings:
        node = self.data.get("run") or {}
        return RunSettings(
            backend=node.get("backend", defaults.BACKEND),
            shell=node.get("shell"),
            retries=node.get("retries", defaults.RETRIES),
            concurrency=node.get("concurrency"),
            setup=tuple(node.get("setup", ())),
            sandbox=node.get("sandbox", defaults.SANDBOX),
            sandbox_writable=tuple(node.get("sandbox_writable", ())),
            max_file_mib=float(node.get("max_file_mib", defaults.MAX_FILE_MIB)),
        )


def _resolve_references(teammates: tuple[Teammate, ...], tasks: tuple[Task, ...]) -> tuple[Teammate, ...]:
    """Fill each `after` entry's targets; unknown names resolve to nothing (RY006 reports them)."""
    from dataclasses import replace

    by_teammate = {teammate.name: tuple(task.id for task in teammate.tasks) for teammate in teammates}
    task_ids = {task.id for task in tasks}

    def targets(reference: Reference) -> tuple[str, ...]:
        if reference.all_tasks:
            return by_teammate.get(reference.name, ())
        return (reference.name,) if reference.name in task_ids else ()

    def resolved(task: Task) -> Task:
        after = tuple(replace(entry, targets=targets(entry.reference)) for entry in task.after)
        return replace(task, after=after)

    return tuple(replace(teammate, tasks=tuple(resolved(task) for task in teammate.tasks)) for teammate in teammates)
