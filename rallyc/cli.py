"""The command line: parse options, call the api, pick the exit code. Nothing else lives here."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, NoReturn

import click

from rallyc import __version__, catalog, defaults
from rallyc.errors import RallyError
from rallyc.reporters import FORMATS


def _codes(ctx: click.Context, param: click.Parameter, value: tuple[str, ...]) -> tuple[str, ...]:
    """Rule codes or prefixes that select at least one rule: an unknown one would silently turn checks off."""
    from rallyc.rules import unknown_selector

    codes = tuple(code.strip().upper() for item in value for code in item.split(",") if code.strip())
    for code in codes:
        problem = unknown_selector(code)
        if problem:
            raise click.BadParameter(problem)
    return codes


_NO_LEARNED = "Estimate with the spec's own figures, ignoring the values `rallyc learn` learned from past runs."


def _fail(message: str, code: int = 2) -> NoReturn:
    click.echo(f"rallyc: {message}", err=True)
    sys.exit(code)


def _guarded(debug: bool, action: Callable[[], int]) -> NoReturn:
    """User errors in one line; bugs in one line too, with the traceback only under --debug."""
    try:
        sys.exit(action())
    except RallyError as error:
        _fail(str(error))
    except (KeyboardInterrupt, BrokenPipeError):
        sys.exit(130)
    except Exception as error:
        if debug:
            raise
        _fail(f"internal error: {type(error).__name__}: {error} (run with --debug for the traceback)")


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, prog_name="rallyc", message="%(prog)s %(version)s")
def cli() -> None:
    """Lint, compile and run team specs (*.rally.yaml) for teams of AI coding agents."""


@cli.command()
@click.argument("paths", nargs=-1, type=click.Path())
@click.option("--format", "output_format", type=click.Choice(["auto", *FORMATS]),
              default="text", show_default=True, help="auto picks github under GitHub Actions, else text.")
@click.option("--color", type=click.Choice(["auto", "always", "never"]), default="auto", show_default=True,
              help="Colour text output; auto means on a terminal (and NO_COLOR unset).")
@click.option("--strict", is_flag=True, help="Warnings fail too (exit 1).")
@click.option("--show-info", is_flag=True, help="Show info findings (advice).")
@click.option("--select", multiple=True, callback=_codes, metavar="CODES",
              help="Only these rule codes or prefixes, comma-separated (RY1,RY201).")
@click.option("--ignore", multiple=True, callback=_codes, metavar="CODES",
              help="Leave out these rule codes or prefixes.")
@click.option("--exit-zero", is_flag=True, help="Exit 0 even when findings fail.")
@click.option("--no-repo", is_flag=True, help="Do not look at the git work tree of team.repo.")
@click.option("--no-config", is_flag=True, help="Ignore .rallyc.toml and [tool.rallyc] in pyproject.toml.")
@click.option("--no-learned", is_flag=True, help=_NO_LEARNED)
@click.option("-o", "--output", type=click.Path(dir_okay=False), help="Write the report to a file (atomically).")
@click.option("--fix", "apply_fixes", is_flag=True,
              help="Apply the safe fixes, then report what remains. Comments and layout are kept.")
@click.option("--diff", "show_diff", is_flag=True,
              help="Print the safe fixes as a unified diff and write nothing; the exit code is lint's.")
@click.option("--add-timeouts", is_flag=True,
              help="With --fix or --diff: write `timeout: 2 x estimate` beside each estimate used without one.")
@click.option("--debug", is_flag=True, help="Show tracebacks of internal errors.")
def lint(paths: tuple[str, ...], output_format: str, color: str, strict: bool, show_info: bool,
         select: tuple[str, ...], ignore: tuple[str, ...], exit_zero: bool, no_repo: bool, no_config: bool,
         no_learned: bool, output: str | None, apply_fixes: bool, show_diff: bool, add_timeouts: bool,
         debug: bool) -> None:  # fmt: skip
    """Check team specs. A folder means every *.rally.yaml and *.rally.yml below it (default: .)."""
    if add_timeouts and not (apply_fixes or show_diff):
        raise click.UsageError("--add-timeouts adds a fix: use it with --fix or --diff")

    def run() -> int:
        from rallyc.api import lint as lint_paths
        from rallyc.config import Settings

        overrides = Settings(select=select, ignore=ignore, strict=strict, show_info=show_info, repo=not no_repo,
                             learned=not no_learned)  # fmt: skip
        fixed: list[Any] = []
        if apply_fixes or show_diff:  # fixes first: the report is of the files as fixed (or, for --diff, as they are)
            fixed = _fixes(paths or (".",), overrides, not no_config, add_timeouts, write=not show_diff)
        report = lint_paths(paths or (".",), overrides, use_config=not no_config)
        if show_diff:
            text = "".join(result.diff() for result in fixed)
        else:
            text = _render(report, output_format, color, to_terminal=output is None and sys.stdout.isatty())
        if output:
            from rallyc.files import write_atomic

            write_atomic(output, text)
        else:
            click.echo(text, nl=False)
        return 0 if exit_zero and report.exit_code == 1 else report.exit_code

    _guarded(debug, run)


def _fixes(paths: tuple[str, ...], overrides: Any, use_config: bool, add_timeouts: bool, *, write: bool) -> list[Any]:
    """Apply (or, for --diff, only compute) the safe fixes, saying on stderr what was done and what was not."""
    from rallyc.fix import fix_paths, write_fixed

    results = fix_paths(paths, overrides, use_config=use_config, add_timeouts=add_timeouts)
    for result in results:
        if write and result.changed and not write_fixed(result):
            click.echo(f"rallyc: {result.display}: changed while being fixed; left as it is", err=True)
            continue
        verb = "fixed" if write else "would fix"
        for done in result.applied:
            click.echo(f"{result.display}: {verb} {done.code}: {done.description}", err=True)
        for refused in result.refused:
            click.echo(f"{result.display}: not fixed {refused.code}: {refused.description}: {refused.reason}", err=True)
    return results


def _render(report: Any, output_format: str, color: str, *, to_terminal: bool) -> str:
    if output_format == "auto":
        output_format = "github" if "GITHUB_ACTIONS" in os.environ else "text"  # set at all, whatever its value
    if output_format == "json":
        from rallyc.reporters import json as reporter
    elif output_format == "sarif":
        from rallyc.reporters import sarif as reporter  # type: ignore[no-redef]
    elif output_format == "github":
        from rallyc.reporters import github as reporter  # type: ignore[no-redef]
    else:
        from rallyc.reporters import text

        colour = color == "always" or (color == "auto" and to_terminal and not os.environ.get("NO_COLOR"))
        return text.render(report, colour=colour, snippets=to_terminal)
    return reporter.render(report)


@cli.command()
@click.argument("code")
def rule(code: str) -> None:
    """Show a rule's documentation: what it checks, why, an example and the fix."""
    from rallyc.diagnostics import closest
    from rallyc.rules import all_rules, rule_by_code

    found = rule_by_code(code) or next((r for r in all_rules() if r.name == code.lower()), None)
    if found is None:
        names = [r.code for r in all_rules()] + [r.name for r in all_rules()]
        close = closest(code.upper() if code[:2].lower() == "ry" else code, names)
        _fail(f"no rule {code!r}" + (f"; did you mean {close}?" if close else "; `rallyc rules` lists them"))
    from rallyc.docs import GUIDE

    source = f"\n{GUIDE}\n" if "the guide" in found.doc.lower() else ""
    click.echo(f"{found.code} {found.name} ({found.severity.value})\n\n{found.summary}\n\n{found.doc}\n{source}")


@cli.command()
@click.option("--format", "output_format", type=click.Choice(["text", "json", "markdown"]), default="text",
              show_default=True, help="markdown is the rules reference, docs/rules.md.")
def rules(output_format: str) -> None:
    """List every rule: code, name, default severity, summary."""
    from rallyc.rules import all_rules

    rows = all_rules()
    if output_format == "markdown":
        from rallyc.docs import rules_reference

        click.echo(rules_reference(rows), nl=False)
        return
    if output_format == "json":
        import json

        table = [{"code": r.code, "name": r.name, "severity": r.severity.value, "summary": r.summary,
                  "help_uri": r.help_uri} for r in rows]  # fmt: skip
        click.echo(json.dumps(table, indent=2))
        return
    width = max(len(r.name) for r in rows)
    for r in rows:
        click.echo(f"{r.code}  {r.name:<{width}}  {r.severity.value:<7}  {r.summary}")


@cli.command()
@click.argument("paths", nargs=-1, type=click.Path())
@click.option("--unowned", "list_unowned", is_flag=True,
              help="List every tracked file (git ls-files of team.repo) that no teammate owns.")
@click.option("--spec", "spec_file", type=click.Path(dir_okay=False),
              help="The spec to ask (default: the only *.rally.yaml in the current folder).")
@click.option("--debug", is_flag=True, help="Show tracebacks of internal errors.")
def owners(paths: tuple[str, ...], list_unowned: bool, spec_file: str | None, debug: bool) -> None:
    """Print the teammate that owns each PATH (`path<TAB>owner`, or `unowned`), like a CODEOWNERS lookup.

    PATHs are relative to the current folder; the output shows them relative to team.repo. Several
    owners (comma-separated) mean overlapping `owns` (RY101). A folder (`src/`) gets the owners of the files
    below it and a third column with how many each owns. A PATH outside team.repo is reported on stderr, the
    others are still printed, and the exit code is 1.
    """
    if list_unowned == bool(paths):
        raise click.UsageError("give PATHs to look up, or --unowned (not both)")

    def run() -> int:
        from rallyc import owners as ownership

        ctx = _built_context(spec_file)
        if ctx is None:
            return 1
        if list_unowned:
            for path in ownership.unowned_in(ctx):
                click.echo(path)
            return 0
        code = 0
        for given in paths:
            try:
                path = ownership.repo_relative(given, ctx)
            except RallyError as error:
                click.echo(f"rallyc: {error}", err=True)
                code = 1
                continue
            click.echo(_owners_line(ctx, path))
        return code

    _guarded(debug, run)


def _owners_line(ctx: Any, path: str) -> str:
    """`path<TAB>owners`; for a folder `path/<TAB>owners<TAB>a folder: N files; web owns 3, ...`."""
    from rallyc import owners as ownership

    if not ownership.is_folder(path, ctx):
        return f"{path}\t{','.join(ownership.owners_in(ctx, [path])[path]) or 'unowned'}"
    files, counts = ownership.folder_owners(ctx, path)
    if not files:
        return f"{ownership.normalise(path)}/\tunowned\ta folder with no files"
    shares = ", ".join(f"{name} {count}" if name == "unowned" else f"{name} owns {count}" for name, count in counts.items())
    return f"{ownership.normalise(path)}/\t{','.join(counts)}\ta folder: {files} file{'s' if files != 1 else ''}; {shares}"


@cli.command(context_settings={"ignore_unknown_options": True, "help_option_names": []})
@click.argument("args", nargs=-1, type=click.UNPROCESSED)
def guard(args: tuple[str, ...]) -> None:
    """Answer a Claude Code or Codex hook: the event's JSON on stdin, exit 0 (go on) or 2 (refused).

    The hooks `rallyc compile --install` writes run it; `rallyc guard --help` says how.
    """
    from rallyc.guard.main import main

    sys.exit(main(list(args)))


@cli.command("compile")
@click.argument("spec", required=False, type=click.Path(dir_okay=False))
@click.option("-o", "--out", type=click.Path(file_okay=False),
              help="Output folder, replaced as a whole (default: .rally/build/<team>/ under team.repo).")
@click.option("--target", metavar="TARGET",
              help=f"One of {', '.join(catalog.TARGETS)} (default: team.runtime).")
@click.option("--check", is_flag=True,
              help="Write nothing; exit 1 listing every file that is not what compiling would write.")
@click.option("--install", is_flag=True,
              help="Also write the runtime files into the repository (agent files, the guard's plan) and merge the "
                   "guard's hooks into .claude/settings.json or .codex/hooks.json; never over a file rallyc did not "
                   "generate.")
@click.option("--uninstall", is_flag=True,
              help="Remove what --install put into the repository for SPEC, restoring hooks files as they were; "
                   "compiles nothing.")
@click.option("--no-learned", is_flag=True, help=_NO_LEARNED)
@click.option("--debug", is_flag=True, help="Show tracebacks of internal errors.")
def compile_command(spec: str | None, out: str | None, target: str | None, check: bool, install: bool, uninstall: bool,
                    no_learned: bool, debug: bool) -> None:  # fmt: skip
    """Compile a lint-clean SPEC: teammate prompts, lead prompt, handoff, runtime files and plan.json."""

    def run() -> int:
        from rallyc import compile as compiler

        if uninstall:
            if install or check:
                _fail("--uninstall cannot be combined with --install or --check")
            for relative in compiler.uninstall(_spec(spec)):
                click.echo(f"uninstalled {relative}")
            return 0
        try:
            compiled = compiler.compile_spec(_spec(spec), target=target, out=Path(out) if out else None,
                                             learned=not no_learned)  # fmt: skip
        except compiler.LintFailed as failed:
            click.echo(_render(failed.report, "text", "auto", to_terminal=sys.stderr.isatty()), nl=False, err=True)
            click.echo(f"rallyc: {failed}", err=True)
            return 1
        for note in compiled.notes:
            click.echo(f"rallyc: note: {note}", err=True)
        if check:
            return _check_result(compiler.check(compiled, installed=install), "rallyc compile --install" if install
                                 else "rallyc compile")  # fmt: skip
        if install:
            compiler.ensure_installable(compiled)  # before OUT changes: all or nothing
        compiler.write(compiled)
        click.echo(f"wrote {len(compiled.files)} files for {compiled.target} to {_shown(compiled.out)}")
        if install:
            written, removed = compiler.install(compiled)
            for relative in written:
                click.echo(f"installed {_shown(compiled.repo / relative)}")
            for relative in removed:
                click.echo(f"removed {_shown(compiled.repo / relative)} (no longer in the spec)")
        return 0

    _guarded(debug, run)


def _check_result(differences: list[Any], fix: str) -> int:
    for path, state in differences:
        click.echo(f"{_shown(path)}: {state}")
    if differences:
        click.echo(f"rallyc: {len(differences)} file(s) out of date; run {fix}", err=True)
    return 1 if differences else 0


def _shown(path: Any) -> str:
    """A path relative to the current folder when it is below it, else as it is."""
    relative = os.path.relpath(path)
    return str(path) if relative.startswith("..") else relative.replace(os.sep, "/")


def _spec(given: str | None) -> Path:
    """SPEC as given, else the spec of the current folder or the nearest one above it in the repository."""
    from rallyc.discovery import find_spec

    if given:
        return Path(given)
    return _announced(find_spec(Path.cwd()))


def _announced(found: Path) -> Path:
    """A spec found without being given, named on stderr when it is not in the current folder."""
    if found.parent != Path.cwd().resolve():
        click.echo(f"rallyc: spec: {os.path.relpath(found)}", err=True)
    return found


def _built_context(spec: str | None, *, learned: bool = True) -> Any:
    """The spec (found as `_spec` finds it) built without structure errors (RY0), or None after printing them."""
    from rallyc import owners as ownership

    try:
        return ownership.load(_spec(spec), learned=learned)
    except ownership.BrokenSpec as broken:
        from rallyc.api import LintReport

        click.echo(_render(LintReport((broken.report,), ()), "text", "auto", to_terminal=sys.stderr.isatty()),
                   nl=False, err=True)  # fmt: skip
        return None


@cli.command()
@click.argument("spec", required=False, type=click.Path(dir_okay=False))
@click.option("--format", "output_format", type=click.Choice(["mermaid", "dot"]), default="mermaid",
              show_default=True, help="Mermaid flowchart or Graphviz DOT.")
@click.option("--debug", is_flag=True, help="Show tracebacks of internal errors.")
def graph(spec: str | None, output_format: str, debug: bool) -> None:
    """Print SPEC's task graph: a subgraph per teammate, solid edges for `after`, dotted for task order."""

    def run() -> int:
        from rallyc.compile.graph import dot, mermaid

        ctx = _built_context(spec)
        if ctx is None:
            return 1
        click.echo((dot if output_format == "dot" else mermaid)(ctx.spec, ctx.graph), nl=False)
        return 0

    _guarded(debug, run)


@cli.command()
@click.argument("spec", required=False, type=click.Path(dir_okay=False))
@click.option("--no-learned", is_flag=True, help=_NO_LEARNED)
@click.option("--debug", is_flag=True, help="Show tracebacks of internal errors.")
def explain(spec: str | None, no_learned: bool, debug: bool) -> None:
    """Explain SPEC's plan: the schedule by estimate, the cost and how it was reached, ownership, merge order."""

    def run() -> int:
        from rallyc.explain import explain as explain_plan

        ctx = _built_context(spec, learned=not no_learned)
        if ctx is None:
            return 1
        click.echo(explain_plan(ctx), nl=False)
        return 0

    _guarded(debug, run)


@cli.command("run")
@click.argument("spec", required=False, type=click.Path(dir_okay=False))
@click.option("--backend", type=click.Choice(catalog.BACKENDS),
              help=f"What executes each task (default: run.backend of the spec, else {defaults.BACKEND}).")
@click.option("--shell", metavar="CMD",
              help="The shell backend's command (replaces run.shell; implies --backend shell), e.g. "
                   "'./agent.sh {task} {prompt_file}'.")
@click.option("--concurrency", type=click.IntRange(min=1), metavar="N",
              help="At most N teammates at work at once (default: run.concurrency, else every teammate).")
@click.option("--max-usd", type=click.FloatRange(min=0), metavar="X",
              help="Stop starting tasks once X dollars are spent (default: budget.max_usd).")
@click.option("--dry-run", is_flag=True,
              help="Check everything, print the schedule, cost and merge order; create nothing. The backend's "
                   "program need not be installed (a warning says what a real run would miss).")
@click.option("--resume", "resume", metavar="RUN_ID",
              help="Go on with an interrupted, crashed or failed run, with the spec as it is now; done tasks whose "
                   "definition did not change are kept.")
@click.option("--retry", "retry", metavar="TASK", multiple=True,
              help="With --resume: run TASK again although it is done, and what comes after it (repeatable).")
@click.option("--apply", "apply_result", is_flag=True,
              help="When every task and check passed, fast-forward the current branch to the integration branch.")
@click.option("--keep-worktrees", is_flag=True, help="Leave the worktrees in .rally/worktrees/ after the run.")
@click.option("--no-journal", is_flag=True, help="Do not append an entry to .agents/rally.md.")
@click.option("--no-learned", is_flag=True, help=_NO_LEARNED)
@click.option("--json", "as_json", is_flag=True, help="Stream the run's events as JSON lines on stdout.")
@click.option("--debug", is_flag=True, help="Show tracebacks of internal errors.")
def run_command(spec: str | None, backend: str | None, shell: str | None, concurrency: int | None, max_usd: float | None, dry_run: bool,
                resume: str | None, retry: tuple[str, ...], apply_result: bool, keep_worktrees: bool, no_journal: bool,
                no_learned: bool, as_json: bool, debug: bool) -> None:  # fmt: skip
    """Run SPEC for real: a git worktree per teammate, tasks scheduled by the graph, ownership enforced on every
    commit, fan-in onto rally/<run-id>/integration, a report in .rally/runs/<run-id>/.

    Exit 0 when every task and check passed, 1 when one failed or was skipped (or lint found errors),
    2 for a usage or preflight error, 130 when interrupted (the resume command is printed).
    """

    def run() -> int:
        from rallyc.compile import LintFailed
        from rallyc.runner.progress import display_for
        from rallyc.runner.run import RunOptions, run_spec

        if retry and not resume:
            raise RallyError("--retry needs --resume RUN_ID: it runs tasks of an existing run again")
        options = RunOptions(backend=backend, shell=shell, concurrency=concurrency, max_usd=max_usd, dry_run=dry_run, resume=resume,
                             apply=apply_result, keep_worktrees=keep_worktrees, journal=not no_journal,
                             retry=retry, learned=not no_learned)  # fmt: skip
        try:
            return run_spec(_spec(spec), options, display_for("json" if as_json else "auto"))
        except LintFailed as failed:
            click.echo(_render(failed.report, "text", "auto", to_terminal=sys.stderr.isatty()), nl=False, err=True)
            click.echo(f"rallyc: {failed}", err=True)
            return 1

    _guarded(debug, run)


@cli.command()
@click.argument("run_id", required=False)
@click.option("-C", "--repo", "repo", type=click.Path(file_okay=False), default=".", show_default=True,
              help="The repository the runs were made in.")
@click.option("--debug", is_flag=True, help="Show tracebacks of internal errors.")
def status(run_id: str | None, repo: str, debug: bool) -> None:
    """Show a run's tasks, their states and the cost so far (default: the latest run)."""

    def run() -> int:
        from rallyc.runner.commands import chosen_run, repo_top, status_text

        _, top = repo_top(Path(repo))
        click.echo(status_text(chosen_run(top, run_id)), nl=False)
        return 0

    _guarded(debug, run)


@cli.command()
@click.argument("run_id", required=False)
@click.option("--all", "every", is_flag=True, help="Every run in the repository.")
@click.option("-C", "--repo", "repo", type=click.Path(file_okay=False), default=".", show_default=True,
              help="The repository the runs were made in.")
@click.option("--debug", is_flag=True, help="Show tracebacks of internal errors.")
def clean(run_id: str | None, every: bool, repo: str, debug: bool) -> None:
    """Remove a run's worktrees and branches (rally/RUN_ID/*); its reports in .rally/runs/ stay."""
    if every == bool(run_id):
        raise click.UsageError("give a RUN_ID, or --all (not both)")

    def run() -> int:
        from rallyc.runner.commands import chosen_run, clean as clean_run, repo_top
        from rallyc.runner.state import RunFolder, runs_in

        git, top = repo_top(Path(repo))
        folders = [RunFolder(top, found) for found in runs_in(top)] if every else [chosen_run(top, run_id)]
        cleaned = 0
        for folder in folders:
            done = clean_run(git, folder)
            cleaned += bool(done)
            for line in done:
                click.echo(line)
        left = f" ({len(folders) - cleaned} had nothing left to remove)" if cleaned < len(folders) else ""
        click.echo(f"cleaned {cleaned} run(s){left}; reports stay in {_shown(top / '.rally' / 'runs')}")
        return 0

    _guarded(debug, run)


@cli.command()
@click.argument("spec", required=False, type=click.Path(dir_okay=False))
@click.option("--apply", "apply_changes", is_flag=True,
              help="Write the proposed changes (a snapshot of the values before is saved first).")
@click.option("--approve", is_flag=True,
              help="With --apply: approve changes backed by runs graded B or better (else asked on a terminal).")
@click.option("--rollback", is_flag=True, help="Restore the learned values the last --apply replaced.")
@click.option("--json", "as_json", is_flag=True, help="Print the review (and what was done) as JSON.")
@click.option("--no-learned", is_flag=True, help="Compare the runs with the spec's own figures, not the learned values.")
@click.option("--debug", is_flag=True, help="Show tracebacks of internal errors.")
def learn(spec: str | None, apply_changes: bool, approve: bool, rollback: bool, as_json: bool, no_learned: bool,
          debug: bool) -> None:  # fmt: skip
    """Learn the estimates from the team's finished runs: what each run took against its estimate, the factors
    worth changing (3 runs at least, 3 changes at most) and what they change for SPEC (default: the
    nearest *.rally.yaml here or above, if any). Writes nothing without --apply.

    Exit 0 when done, 1 when --apply needs approval it did not get (nothing written), 2 for an error.
    """
    if apply_changes and rollback:
        raise click.UsageError("--apply and --rollback: choose one")
    if approve and not apply_changes:
        raise click.UsageError("--approve goes with --apply")
    if no_learned and (apply_changes or rollback):
        raise click.UsageError("--no-learned only shows the runs against the spec's own figures; it cannot write")

    def run() -> int:
        from rallyc import learn_command
        from rallyc.discovery import nearest_spec

        found = None if spec else nearest_spec(Path.cwd())
        given = Path(spec) if spec else Path(os.path.relpath(_announced(found))) if found else None
        if rollback:
            return _print(learn_command.rollback(given, as_json))
        outcome = learn_command.learn(given, apply=apply_changes, approve=approve, use_learned=not no_learned,
                                      as_json=as_json, ask=_ask if sys.stdin.isatty() and not as_json else None)  # fmt: skip
        return _print(outcome)

    _guarded(debug, run)


def _ask(shown: str, question: str) -> bool:
    click.echo(shown)
    try:
        return click.confirm(question, default=False)
    except click.Abort:
        return False


def _print(outcome: tuple[str, int]) -> int:
    text, code = outcome
    click.echo(text, nl=False)
    return code


@cli.command()
@click.option("--goal", help="The team's mission, one paragraph (asked for on a terminal when missing).")
@click.option("--name", help="The team's name (default: made from the repository folder's name).")
@click.option("-o", "--output", default="team.rally.yaml", show_default=True, type=click.Path(dir_okay=False),
              help="The spec to write; never an existing file.")
@click.option("-y", "--yes", is_flag=True, help="Ask nothing: write the spec without showing it first (needs --goal).")
@click.option("--debug", is_flag=True, help="Show tracebacks of internal errors.")
def init(goal: str | None, name: str | None, output: str, yes: bool, debug: bool) -> None:
    """Write a starter spec for this repository: teammates for its code, tests and docs, and a reviewer.

    On a terminal it asks for the goal when --goal is missing, shows the spec and asks before writing it.
    """
    from rallyc import init as starter

    target = Path(output)
    if target.exists() or target.is_symlink():
        _fail(f"{output}: already exists; rallyc init never overwrites a spec "
              "(remove it, or choose another file with -o)")  # fmt: skip
    ask = not yes and starter.on_terminal()
    if goal is None and not ask:
        raise click.UsageError("give the team's goal with --goal (there is no terminal to ask it on)")
    goal = (goal if goal is not None else click.prompt("The team's goal, one paragraph")).strip()
    if not goal:
        raise click.UsageError("the goal cannot be empty: it is what the result is checked against")

    def run() -> int:
        spec = starter.starter_spec(target, goal, name)
        if ask:
            click.echo(spec.text)
            try:
                if not click.confirm(f"Write {output}?", default=True):
                    click.echo("rallyc: nothing written", err=True)
                    return 1
            except click.Abort:
                return 130
        starter.write_new(target, spec.text)
        names = ", ".join(area.name for area in spec.areas)
        click.echo(f"wrote {output}: {len(spec.areas) + 1} teammates ({names} and review), "
                   f"cost estimate ${spec.usd:.2f} under a ${spec.max_usd} cap")  # fmt: skip
        click.echo("next: say what each task does, then run `rallyc lint` and `rallyc explain`")
        click.echo(f"commit {output} and, once runs write it, .agents/rally.md (the team's journal: keep it); "
                   "builds and runs under .rally/ stay out of git (docs/getting-started.md, \"What to commit\")")  # fmt: skip
        return 0

    _guarded(debug, run)
