"""The library surface: lint files and folders."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

from rallyc.config import Settings, settings_for
from rallyc.context import LintContext, LintOptions
from rallyc.diagnostics import Diagnostic, Finding, Severity, is_suppressed, suppressions
from rallyc.discovery import SPEC_SUFFIXES
from rallyc.errors import RallyError
from rallyc.rules import PHASES, PRECONDITIONS, Rule, all_rules, codes_in, rule_by_code

if TYPE_CHECKING:
    from rallyc.learned import Learned


@dataclass(frozen=True, slots=True)
class Blocker:
    """An error that leaves the spec unusable for what comes after it, hidden from the report."""

    diagnostic: Diagnostic
    how: str
    """`suppressed` (a comment or `lint.ignore`) or `ignored` (--ignore, --select or the config)."""

    def blocks(self, what: str) -> str:
        """`RY002 suppressed at 3:5 blocks compile`."""
        span = self.diagnostic.span
        return f"{self.diagnostic.code} {self.how} at {span.line}:{span.column} blocks {what}"


@dataclass(frozen=True, slots=True)
class FileReport:
    file: str
    text: str
    diagnostics: tuple[Diagnostic, ...]
    suppressed: int
    strict: bool = False
    phases: tuple[str, ...] = ()
    """The phases that ran: each runs only when the ones before it found no blocking error."""
    blocker: Blocker | None = None
    """A blocking error left out of `diagnostics` (suppressed or not selected): what it stops cannot run."""
    hidden: int = 0
    """Info findings left out because info is hidden (`--show-info` shows them); not the suppressed ones."""

    @property
    def failed(self) -> bool:
        """Errors fail a file; warnings too under strict."""
        failing = {Severity.ERROR, Severity.WARNING} if self.strict else {Severity.ERROR}
        return any(d.severity in failing for d in self.diagnostics)


@dataclass(frozen=True, slots=True)
class LintReport:
    files: tuple[FileReport, ...]
    failures: tuple[RallyError, ...]
    """Files that could not be linted at all (missing, a folder, too large)."""

    @property
    def diagnostics(self) -> tuple[Diagnostic, ...]:
        return tuple(sorted((d for f in self.files for d in f.diagnostics), key=lambda d: d.sort_key))

    @property
    def suppressed(self) -> int:
        return sum(report.suppressed for report in self.files)

    @property
    def hidden(self) -> int:
        return sum(report.hidden for report in self.files)

    @property
    def exit_code(self) -> int:
        """0 clean, 1 findings that fail, 2 a file that could not be linted."""
        if self.failures:
            return 2
        return 1 if any(report.failed for report in self.files) else 0


def discover(paths: Iterable[str]) -> Iterator[tuple[Path, str]]:
    """Each spec to lint with the name to show: files as given, folders searched for *.rally.y(a)ml."""
    for given in paths:
        path = Path(given)
        if path.is_dir():
            found = [spec for spec in _specs_below(path)]
            if not found:
                raise RallyError(f"{given}: no *.rally.yaml or *.rally.yml file in this folder or below")
            yield from ((spec, spec.as_posix()) for spec in found)
        else:
            yield path, given


def _specs_below(folder: Path) -> list[Path]:
    """Spec files below `folder`, sorted, skipping hidden folders (.git, .venv, ...)."""
    found = sorted(p for suffix in SPEC_SUFFIXES for p in folder.rglob(f"*{suffix}"))
    return [p for p in found if not any(part.startswith(".") for part in p.relative_to(folder).parts[:-1])]


@dataclass(frozen=True, slots=True)
class SpecFile:
    """A spec to lint, the name to show it by, and its settings: its config file's, the command line's laid over."""

    path: Path
    display: str
    settings: Settings


def spec_files(
    paths: Iterable[str], overrides: Settings | None = None, *, use_config: bool = True
) -> Iterator[SpecFile | RallyError]:
    """Every spec `rallyc lint PATHS` checks, or the error that keeps one out (a folder with no spec, a bad
    config file): one path's problem does not stop the others. `overrides`: the command line's settings."""
    for given in paths:
        try:
            for path, display in discover([given]):
                try:
                    yield SpecFile(path, display, _merge(settings_for(path) if use_config else Settings(), overrides))
                except RallyError as error:
                    yield error
        except RallyError as error:
            yield error


def lint(paths: Iterable[str], overrides: Settings | None = None, *, use_config: bool = True) -> LintReport:
    """Lint every spec in `paths`; `overrides` are command-line settings laid over each file's config."""
    files: list[FileReport] = []
    failures: list[RallyError] = []
    for spec in spec_files(paths, overrides, use_config=use_config):
        if isinstance(spec, RallyError):
            failures.append(spec)
            continue
        try:
            files.append(lint_file(spec.path, spec.display, spec.settings))
        except RallyError as error:
            failures.append(error)
    return LintReport(tuple(files), tuple(failures))


def _merge(config: Settings, overrides: Settings | None) -> Settings:
    if overrides is None:
        return config
    return replace(
        config,
        select=overrides.select or config.select,
        ignore=config.ignore + overrides.ignore,
        strict=overrides.strict or config.strict,
        show_info=overrides.show_info or config.show_info,
        repo=overrides.repo and config.repo,
        learned=overrides.learned and config.learned,
    )


def lint_file(path: Path, display: str, settings: Settings = Settings()) -> FileReport:
    return lint_context(context_for(path, display, settings), settings)


def context_for(path: Path, display: str, settings: Settings = Settings(), learned: Learned | None = None, *,
                text: str | None = None) -> LintContext:  # fmt: skip
    """A spec loaded for lint (RallyError when the file is unusable); commands that go on to use it share it.
    `learned`: the learned values to estimate with instead of the team's file (a resumed run's own);
    `text`: what to lint as the file's content (a fix is checked before it is written)."""
    options = LintOptions(repo=settings.repo, max_file_bytes=settings.max_file_bytes, learned=settings.learned)
    return LintContext(path, display, options, text=text, learned=learned)


def lint_context(ctx: LintContext, settings: Settings = Settings()) -> FileReport:
    found, phases, blocking = _run_rules(ctx, settings, PHASES)
    silenced = suppressions(ctx.text)
    ignored = _spec_ignores(ctx)
    selected = [d for d in found if settings.selects(d.code) and d.code not in ignored and not is_suppressed(d, silenced)]
    hidden = sum(1 for d in selected if not visible(d, settings))
    shown = [d for d in found if visible(d, settings)]
    kept = [d for d in shown if d.code not in ignored and not is_suppressed(d, silenced)]
    blocker = _blocker(blocking, {id(d) for d in shown}, {id(d) for d in kept})
    unchecked = tuple(phase for phase in PHASES if phase not in phases)
    stopped = [_stopped(blocker, unchecked)] if blocker and unchecked else []
    diagnostics = tuple(sorted(kept + stopped, key=lambda d: d.sort_key))
    return FileReport(ctx.file, ctx.text, diagnostics, len(shown) - len(kept), settings.strict, phases, blocker, hidden)


def _blocker(blocking: list[Diagnostic], shown: set[int], kept: set[int]) -> Blocker | None:
    """The first blocking error the report leaves out, and why (`shown`, `kept`: ids of diagnostics).

    None when the report shows a blocking error: that one fails the file and is the one to fix first.
    """
    hidden = min((d for d in blocking if id(d) not in kept), key=lambda d: d.sort_key, default=None)
    if hidden is None or any(id(d) in kept for d in blocking):
        return None
    return Blocker(hidden, "suppressed" if id(hidden) in shown else "ignored")


def _stopped(blocker: Blocker, unchecked: tuple[str, ...]) -> Diagnostic:
    """The error that tells CI a hidden finding kept checks from running: a suppression does not mend a spec."""
    hidden = blocker.diagnostic
    return replace(
        hidden,
        severity=Severity.ERROR,
        message=f"{blocker.blocks('the later checks')}: {codes_in(unchecked)} did not run ({hidden.message})",
        hint="a suppression hides a finding but cannot make the spec checkable: fix it, and the other checks run",
        fix=None,
    )


def structure_findings(ctx: LintContext) -> tuple[Diagnostic, ...]:
    """The structure phases only (RY0): enough for commands that need the spec to build, not to be good."""
    found, _, _ = _run_rules(ctx, Settings(), PHASES[:-1])
    return tuple(sorted(found, key=lambda d: d.sort_key))


def _run_rules(
    ctx: LintContext, settings: Settings, phases: tuple[str, ...]
) -> tuple[list[Diagnostic], tuple[str, ...], list[Diagnostic]]:
    """Phase by phase; a phase runs only when the earlier ones found no blocking error, suppressed or not.

    The findings, the phases run, and the blocking errors among the findings.
    """
    found: list[Diagnostic] = []
    seen: set[Diagnostic] = set()
    blocking: list[Diagnostic] = []
    ran: list[str] = []
    for phase in phases:
        if blocking:
            break
        ran.append(phase)
        for rule in all_rules():
            if rule.phase == phase and _runs(rule, ctx, settings):
                for finding in rule.check(ctx):
                    diagnostic = _diagnostic(rule, finding)
                    if diagnostic in seen:  # two rules may meet the same too-complex glob
                        continue
                    seen.add(diagnostic)
                    if diagnostic.severity is Severity.ERROR and finding.blocking and rule.blocks:
                        blocking.append(diagnostic)
                    found.append(diagnostic)
    return found, tuple(ran), blocking


def _runs(rule: Rule, ctx: LintContext, settings: Settings) -> bool:
    """Whether `rule` runs (in its phase): when selected and what it requires holds.

    Structure rules and blocking ones run unselected too: what comes after relies on what they rule out.
    """
    selected = rule.blocks or rule.phase != "plan" or settings.selects(rule.code)
    return selected and all(PRECONDITIONS[name].holds(ctx) for name in rule.requires)


def _diagnostic(rule: Rule, finding: Finding) -> Diagnostic:
    """The finding under its rule's code, or under the code it names (RY004 from an ownership rule)."""
    if finding.code is not None:
        rule = rule_by_code(finding.code) or rule
    severity = finding.severity or rule.severity
    return Diagnostic(
        rule.code, rule.name, severity, finding.message, finding.span, finding.hint, finding.related, finding.fix
    )


def visible(diagnostic: Diagnostic, settings: Settings) -> bool:
    """Whether the report under `settings` shows the finding, suppressions aside: selected, and info only when asked."""
    if not settings.selects(diagnostic.code):
        return False
    return diagnostic.severity is not Severity.INFO or settings.shows_info(diagnostic.code)


def _spec_ignores(ctx: LintContext) -> frozenset[str]:
    """`lint.ignore` as written, even when the spec does not build."""
    data = ctx.document.data if ctx.document else None
    lint_table = data.get("lint") if isinstance(data, dict) else None
    codes = lint_table.get("ignore") if isinstance(lint_table, dict) else None
    return frozenset(str(code).upper() for code in codes) if isinstance(codes, list) else frozenset()
