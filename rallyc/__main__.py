"""Entry point for the `rallyc` script and `python -m rallyc`.

`rallyc --version` answers before click is imported: version checks run in
scripts and hooks, and click alone costs several times a bare interpreter start.
"""

from __future__ import annotations

import sys

from rallyc import __version__


def main() -> None:
    if sys.argv[1:] == ["--version"]:
        print(f"rallyc {__version__}")
        return
    from rallyc.cli import cli

    cli(prog_name="rallyc")


if __name__ == "__main__":
    main()
