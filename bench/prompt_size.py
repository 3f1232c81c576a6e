"""Size of the compiled prompts in tokens: the lead's, and each teammate's (which competes with the code for context).

Compiles every example spec and `bench/specs/click-zsh.rally.yaml` (a spec
for pallets/click) for every target and counts tokens with
`anthropic-tokenizer`'s local tokenizer (`make bench` installs it; it needs
no network and approximates Claude's tokenizer). Words are printed beside
the tokens so the figures can be checked without it.

    python bench/prompt_size.py
"""

from __future__ import annotations

import statistics
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def counter() -> tuple[str, object]:
    try:
        from anthropic_tokenizer import count_tokens
    except ImportError:
        sys.exit("bench: pip install anthropic-tokenizer==0.1.0 (or `make bench`) to count tokens")
    return "anthropic-tokenizer 0.1.0 (local)", count_tokens


def main() -> None:
    from rallyc.compile import compile_spec
    from rallyc.targets import targets

    name, count = counter()
    specs = [*sorted((ROOT / "specs" / "examples").glob("*.rally.yaml")), ROOT / "bench" / "specs" / "click-zsh.rally.yaml"]
    print(f"tokens by {name}\n")
    print("| spec | target | lead.md tokens (words) | teammate prompt tokens: min / median / max | teammates |")
    print("|---|---|---:|---:|---:|")
    for spec in specs:
        for target in targets():
            files = compile_spec(spec, target=target).files
            lead = files["lead.md"]
            mates = [count(text) for path, text in files.items() if path.startswith("teammates/")]  # type: ignore[operator]
            print(f"| {spec.name.removesuffix('.rally.yaml')} | {target} | {count(lead):,} ({len(lead.split()):,}) | "  # type: ignore[operator]
                  f"{min(mates):,} / {statistics.median(mates):,.0f} / {max(mates):,} | {len(mates)} |")


if __name__ == "__main__":
    main()
