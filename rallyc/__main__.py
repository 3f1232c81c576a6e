"""Entry point for the `rallyc` script and `python -m rallyc`.

`rallyc --version` and `rallyc guard` answer before click is imported: version
checks run in scripts and hooks, the guard runs on every tool call of an agent,
and click alone costs several times a bare interpreter start.
"""

from __future__ import annotations

import sys

from rallyc import __version__


def main() -> None:
    if sys.argv[1:] == ["--version"]:
        print(f"rallyc {__version__}")
        return
    if sys.argv[1:2] == ["guard"]:
        from rallyc.guard.main import main as guard

        sys.exit(guard(sys.argv[2:]))
    from rallyc.cli import cli

    cli(prog_name="rallyc")


if __name__ == "__main__":
    main()
