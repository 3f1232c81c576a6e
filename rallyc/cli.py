"""The command line: parse options, call the api, pick the exit code. Nothing else lives here."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from typing import Any, NoReturn

import click

from rallyc import __version__
from rallyc.errors import RallyError


def _codes(ctx: click.Context, param: click.Parameter, value: tuple[str, ...]) -> tuple[str, ...]:
    import re

    codes = tuple(code.strip().upper() for item in value for code in item.split(",") if code.strip())
    for code in codes:
        if not re.fullmatch(r"RY\d{0,3}", code):
            raise click.BadParameter(f"{code!r} is not a rule code or prefix (like RY101 or RY1)")
    return codes


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
@click.option("--format", "output_format", type=click.Choice(["auto", "text", "json", "sarif", "github"]),
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
@click.option("-o", "--output", type=click.Path(dir_okay=False), help="Write the report to a file (atomically).")
@click.option("--debug", is_flag=True, help="Show tracebacks of internal errors.")
def lint(paths: tuple[str, ...], output_format: str, color: str, strict: bool, show_info: bool,
         select: tuple[str, ...], ignore: tuple[str, ...], exit_zero: bool, no_repo: bool, no_config: bool,
         output: str | None, debug: bool) -> None:  # fmt: skip
    """Check team specs. A folder means every *.rally.yaml and *.rally.yml below it (default: .)."""

    def run() -> int:
        from rallyc.api import lint as lint_paths
        from rallyc.config import Settings

        overrides = Settings(select=select, ignore=ignore, strict=strict, show_info=show_info, repo=not no_repo)
        report = lint_paths(paths or (".",), overrides, use_config=not no_config)
        text = _render(report, output_format, color, to_terminal=output is None and sys.stdout.isatty())
        if output:
            from rallyc.files import write_atomic

            write_atomic(output, text)
        else:
            click.echo(text, nl=False)
        return 0 if exit_zero and report.exit_code == 1 else report.exit_code

    _guarded(debug, run)


def _render(report: Any, output_format: str, color: str, *, to_terminal: bool) -> str:
    if output_format == "auto":
        output_format = "github" if os.environ.get("GITHUB_ACTIONS") == "true" else "text"
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
    import difflib

    from rallyc.rules import all_rules, rule_by_code

    found = rule_by_code(code) or next((r for r in all_rules() if r.name == code.lower()), None)
    if found is None:
        names = [r.code for r in all_rules()] + [r.name for r in all_rules()]
        close = difflib.get_close_matches(code.upper() if code[:2].lower() == "ry" else code, names, n=1)
        _fail(f"no rule {code!r}" + (f"; did you mean {close[0]}?" if close else "; `rallyc rules` lists them"))
    click.echo(f"{found.code} {found.name} ({found.severity.value})\n\n{found.summary}\n\n{found.doc}\n")


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
