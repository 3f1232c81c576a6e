"""Durations, money and token counts written the way a spec writes them, for messages.

`format_duration` and `format_tokens` produce text in the spec's own
mini-languages (`1h30m`, `250k`, `1.5M`), so a number in a message can be
pasted back into a spec.
"""

from __future__ import annotations

import math

_UNITS = (("h", 3600), ("m", 60), ("s", 1))


def format_duration(seconds: float) -> str:
    """`5400` -> `1h30m`, `900` -> `15m`, `450` -> `7m30s`, `0` -> `0s` (rounded to the second)."""
    if not math.isfinite(seconds):
        return str(seconds)
    remaining = max(round(seconds), 0)
    parts = []
    for unit, size in _UNITS:
        count, remaining = divmod(remaining, size)
        if count:
            parts.append(f"{count}{unit}")
    return "".join(parts) or "0s"


def format_usd(amount: float) -> str:
    """`41.3` -> `$41.30`, `1234.5` -> `$1,234.50`."""
    return f"${amount:,.2f}"


def format_tokens(count: float) -> str:
    """`250000` -> `250k`, `1500000` -> `1.5M`, `999` -> `999`; four significant digits at most."""
    if not math.isfinite(count):
        return str(count)
    count = max(round(count), 0)
    if count < 1000:
        return str(count)
    thousands = _significant(count / 1e3)
    # 999,950 tokens round to 1000k: say 1M instead
    if count < 1e6 and float(thousands) < 1000:
        return f"{thousands}k"
    return f"{_significant(count / 1e6)}M"


def _significant(value: float) -> str:
    """Four significant digits without trailing zeros, and never an exponent."""
    return f"{value:.4g}" if value < 1000 else str(round(value))
