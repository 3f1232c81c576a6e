"""Cost of masking secrets on a command's output stream (`Redactor.stream()`, docs/runner.md "Secrets").

Feeds about 2.2 MB of ordinary log lines (no secret in them), one secret in the
environment, through `StreamMask` in 64 KiB reads, as the runner reads a pipe,
and prints the median time per line and per MB over `--rounds` rounds.
detect-secrets is timed only when it is installed (`pip install
detect-secrets==1.5.0`), on the first 2,000 lines.

    python bench/secrets_speed.py [--rounds 5]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from rallyc.runner.secrets import Redactor  # noqa: E402

READ = 64 * 1024
"""The pipe read the runner uses, so carries between reads cost what they cost in a run."""


def log_lines(count: int) -> list[bytes]:
    """Lines like a test runner's and a build's output: paths, numbers, words, no credential."""
    return [f"2026-12-04T12:{i % 60:02d}:{i % 59:02d} INFO tests/test_module_{i % 97}.py::test_case_{i} "
            f"PASSED [{i % 100:3d}%] elapsed={i * 0.013:.3f}s worker=gw{i % 4}\n".encode() for i in range(count)]


def time_stream(redactor: Redactor, data: bytes, rounds: int) -> float:
    times = []
    for _ in range(rounds):
        mask = redactor.stream()
        start = time.perf_counter()
        for at in range(0, len(data), READ):
            mask.feed(data[at:at + READ])
        mask.feed(b"", final=True)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def time_detect_secrets(lines: list[bytes]) -> float | None:
    try:
        from detect_secrets.core.scan import scan_line  # type: ignore[import-not-found]  # optional: only to compare
        from detect_secrets.settings import default_settings  # type: ignore[import-not-found]
    except ImportError:
        return None
    sample = lines[:2000]  # about 1.4 ms a line: the whole input would take minutes
    with default_settings():
        start = time.perf_counter()
        for line in sample:
            list(scan_line(line.decode()))
        elapsed = time.perf_counter() - start
    return elapsed / len(sample)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    lines = log_lines(20_000)
    data = b"".join(lines)
    redactor = Redactor({"SERVICE_API_KEY": "sk-bench-0123456789abcdef0123456789"})
    megabytes = len(data) / 1e6
    print(f"{megabytes:.1f} MB, {len(lines):,} lines, one secret in the environment, {args.rounds} rounds (median)")
    print("| masker | per line | per MB |\n|---|---|---|")
    took = time_stream(redactor, data, args.rounds)
    print(f"| rallyc's `StreamMask` | {took / len(lines) * 1e6:.2f} µs | {took / megabytes * 1e3:.1f} ms |")
    per_line = time_detect_secrets(lines)
    if per_line is not None:
        print(f"| detect-secrets `scan_line`, default plugins | {per_line * 1e6:,.0f} µs | "
              f"{per_line * len(lines) / megabytes:.1f} s |")


if __name__ == "__main__":
    main()
