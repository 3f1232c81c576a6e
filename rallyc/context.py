"""What rules look at: the document, the IR and the analyses, each computed once and on demand."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

from rallyc.analysis.cost import CostEstimate, estimate
from rallyc.analysis.graph import TaskGraph, task_graph
from rallyc.analysis.schedule import Schedule, schedule
from rallyc.build import Built, build
from rallyc.diagnostics import Finding
from rallyc.globset import TrackedFiles
from rallyc.ir import Spec
from rallyc.load import MAX_FILE_BYTES, Document, YamlSyntaxError, load_text, read_text
from rallyc.repo import LEARNED_FILE, repo_root, tracked_files
from rallyc.schema import coerce_strings, schema_findings

if TYPE_CHECKING:
    from rallyc.learned import Learned


@dataclass(frozen=True, slots=True)
class LintOptions:
    repo: bool = True
    """Look at the git work tree of `team.repo` (RY104 and file counts)."""
    max_file_bytes: int = MAX_FILE_BYTES
    learned: bool = True
    """Estimate with the learned values in `team.repo` (`.agents/rally-learned.json`), when there are any."""


class LintContext:
    """One spec file under lint. Raises RallyError on construction when the file is unusable."""

    def __init__(self, path: Path, display: str, options: LintOptions | None = None, text: str | None = None,
                 learned: Learned | None = None) -> None:  # fmt: skip
        """`text`, when given, is linted as the content of `path` (`--fix` checks a fix before writing it);
        `learned`, when given, are the learned values to estimate with instead of the team's file."""
        self.path = path
        self.file = display
        self.options = options or LintOptions()
        self._given_learned = learned
        self._costs: dict[str, CostEstimate] = {}
        self._schedules: dict[str, Schedule] = {}
        self.text = ""
        self.load_error: YamlSyntaxError | None = None
        self.document: Document | None = None
        try:
            self.text = read_text(path, display, self.options.max_file_bytes) if text is None else text
            self.document = load_text(self.text, display)
        except YamlSyntaxError as error:
            self.load_error = error
        if self.document is not None and self.document.data is not None:
            coerce_strings(self.document)

    def reuse_repository(self, earlier: LintContext) -> None:
        """Take what `earlier`, the same file before an edit (`--fix` lints every candidate), read of `team.repo`
        (tracked files, learned values) when the edit left `team.repo` as written: those do not change between
        edits, and reading them again costs a git call and a file read per candidate."""
        same_file = self.path == earlier.path and self.options == earlier.options
        if not same_file or self._given_learned is not earlier._given_learned:
            return
        if self.document is None or earlier.document is None:
            return
        if _written_repo(self.document.data) != _written_repo(earlier.document.data):
            return
        for name in ("repo_files", "tracked", "learned"):
            if name in earlier.__dict__:  # computed there (cached_property keeps it in the instance's dict)
                self.__dict__[name] = earlier.__dict__[name]

    @cached_property
    def schema_findings(self) -> tuple[Finding, ...]:
        assert self.document is not None
        return tuple(schema_findings(self.document))

    @cached_property
    def built(self) -> Built:
        assert self.document is not None
        return build(self.document)

    @property
    def spec(self) -> Spec:
        return self.built.spec

    @cached_property
    def graph(self) -> TaskGraph:
        return task_graph(self.spec)

    @cached_property
    def learned(self) -> Learned | None:
        """The learned values the estimates use: those given, else the team's file; None without either."""
        if self._given_learned is not None or not self.options.learned:
            return self._given_learned
        path = repo_root(self.path, self.spec.team.repo) / LEARNED_FILE
        try:
            if not path.is_file():  # one stat: a team that learned nothing pays nothing more
                return None
        except OSError:  # a path this system cannot look up holds no file either
            return None
        from rallyc.learned import read_learned

        return read_learned(path).current

    @cached_property
    def learned_note(self) -> str:
        """`; estimated with learned values: ...` when the estimates use any, else empty: for findings."""
        if self.learned is None:
            return ""
        from rallyc.learned import summary
        from rallyc.models import resolve_model

        models = {resolve_model(mate.model.value, self.spec.team.lead_model) for mate in self.spec.teammates}
        used = self.learned.used_by(models, self.spec.team.runtime)
        return f"; estimated with learned values: {summary(used)}" if used else ""

    def cost_for(self, runtime: str) -> CostEstimate:
        """The cost estimate on `runtime`: learned token factors are per model and runtime."""
        if runtime not in self._costs:
            self._costs[runtime] = estimate(self.spec, self.learned, runtime)
        return self._costs[runtime]

    def schedule_for(self, runtime: str) -> Schedule:
        """The schedule on `runtime` (an acyclic graph): the learned coordination factor is per runtime."""
        if runtime not in self._schedules:
            self._schedules[runtime] = schedule(self.spec, self.graph, self.learned, runtime)
        return self._schedules[runtime]

    @property
    def schedule(self) -> Schedule:
        return self.schedule_for(self.spec.team.runtime)

    @property
    def cost(self) -> CostEstimate:
        return self.cost_for(self.spec.team.runtime)

    @cached_property
    def repo_files(self) -> tuple[str, ...] | None:
        """Tracked files of `team.repo`, relative to it; None with --no-repo or outside a git work tree."""
        if not self.options.repo:
            return None
        return tracked_files(repo_root(self.path, self.spec.team.repo))

    @cached_property
    def tracked(self) -> TrackedFiles | None:
        """The tracked files indexed for glob questions (witnesses prefer them); None as for `repo_files`."""
        files = self.repo_files
        return TrackedFiles(files) if files is not None else None


def _written_repo(data: object) -> object:
    """`team.repo` as the document writes it (None when it does not): what the repository's root depends on."""
    team = data.get("team") if isinstance(data, dict) else None
    return team.get("repo") if isinstance(team, dict) else None
