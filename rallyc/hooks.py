"""pre-commit's `rallyc-compile-check` hook: `rallyc compile --check` for every spec pre-commit passes.

`rallyc compile` takes one SPEC, while pre-commit passes every matching file in one call, so this
runs the check once per spec and fails when any spec fails (the highest exit code wins: 2 over 1).
Options (`--target`, `-o/--out`, `--install`) come from the hook's `args` and apply to every spec.

A name that is not a spec (a generated file, when a repository widens the hook's `files:` to its
compiled output) stands for "something compiled may have changed": then every spec git tracks is
checked, since the spec that produced the file cannot be told from its name.

    python -m rallyc.hooks compile-check [--target T] [-o OUT] [--install] FILE...
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
from collections.abc import Sequence

SPEC = re.compile(r"\.rally\.ya?ml$")


def tracked_specs() -> list[str]:
    """Every *.rally.yaml / *.rally.yml git tracks below the current folder."""
    done = subprocess.run(["git", "ls-files", "-z", "--", "*.rally.yaml", "*.rally.yml"],
                          capture_output=True, text=True, check=False)  # fmt: skip
    if done.returncode != 0:
        return []
    return sorted(name for name in done.stdout.split("\0") if name)


def specs_to_check(files: Sequence[str]) -> list[str]:
    specs = [name for name in files if SPEC.search(name)]
    if len(specs) < len(files):
        specs += tracked_specs()
    return sorted(dict.fromkeys(specs))


def compile_check(argv: Sequence[str]) -> int:
    parser = argparse.ArgumentParser(prog="rallyc-compile-check",
                                     description="rallyc compile --check, once per spec.")  # fmt: skip
    parser.add_argument("--target")
    parser.add_argument("-o", "--out")
    parser.add_argument("--install", action="store_true")
    parser.add_argument("--debug", action="store_true")
    parser.add_argument("files", nargs="*")
    options = parser.parse_args(argv)
    common = ["compile", "--check"]
    common += ["--target", options.target] if options.target else []
    common += ["--out", options.out] if options.out else []
    common += ["--install"] * options.install + ["--debug"] * options.debug

    from rallyc.cli import cli

    worst = 0
    for spec in specs_to_check(options.files):
        try:
            cli.main([*common, "--", spec], prog_name="rallyc", standalone_mode=True)
            code = 0
        except SystemExit as done:
            code = done.code if isinstance(done.code, int) else 2
        worst = max(worst, code)
    return worst


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if not args or args[0] != "compile-check":
        print("usage: python -m rallyc.hooks compile-check [--target T] [-o OUT] [--install] FILE...",
              file=sys.stderr)  # fmt: skip
        return 2
    return compile_check(args[1:])


if __name__ == "__main__":
    sys.exit(main())
