"""What rules look at: the document, the IR and the analyses, each computed once and on demand."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from rallyc.analysis.cost import CostEstimate, estimate
from rallyc.analysis.graph import TaskGraph, task_graph
from rallyc.analysis.schedule import Schedule, schedule
from rallyc.build import Built, build
from rallyc.diagnostics import Finding
from rallyc.globset import TrackedFiles
from rallyc.ir import Spec
from rallyc.load import MAX_FILE_BYTES, Document, YamlSyntaxError, load_text, read_text
from rallyc.repo import repo_root, tracked_files
from rallyc.schema import coerce_strings, schema_findings


@dataclass(frozen=True, slots=True)
class LintOptions:
    repo: bool = True
    """Look at the git work tree of `team.repo` (RY104 and file counts)."""
    max_file_bytes: int = MAX_FILE_BYTES


class LintContext:
    """One spec file under lint. Raises RallyError on construction when the file is unusable."""

    def __init__(self, path: Path, display: str, options: LintOptions | None = None, text: str | None = None) -> None:
        """`text`, when given, is linted as the content of `path` (`--fix` checks a fix before writing it)."""
        self.path = path
        self.file = display
        self.options = options or LintOptions()
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
    def schedule(self) -> Schedule:
        return schedule(self.spec, self.graph)

    @cached_property
    def cost(self) -> CostEstimate:
        return estimate(self.spec)

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
