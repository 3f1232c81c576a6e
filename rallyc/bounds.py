"""The largest (and smallest) numbers a spec may hold: past them a value is a typo or an attack, not a plan.

The bounds keep every figure rallyc derives finite: the cost and token
estimates multiply a task's tokens by a price and the overhead and add them up
over every task a 1 MiB spec can hold, and the schedule adds durations; within
these bounds none of it comes near a float's range, so no command prints `inf`.
The schema (`schemas/team.rally.schema.json`) states the same numbers for
`max_usd`, `overhead`, `prices`, `retries`, `concurrency` and `max_file_mib` (RY002); the
mini-language parsers check durations and token counts (RY004). A test keeps
the two in step.
"""

from __future__ import annotations

MAX_TOKENS = 10**15
"""Tokens in one count (`tokens`, `budget.max_tokens`): a million times a big task."""
MAX_SECONDS = 10 * 365 * 24 * 3600
"""Ten years, the longest duration (`estimate`, `timeout`, `coordination`)."""
MAX_USD = 10**9
"""The largest `budget.max_usd`."""
MIN_USD = 0.01
"""The smallest `budget.max_usd`: a cent (a cap of almost nothing would make the estimate's share of it infinite)."""
MAX_OVERHEAD = 1000
"""The largest `budget.overhead` multiplier."""
MAX_PRICE = 10**6
"""The largest price, USD per million tokens (`budget.prices`)."""
MAX_RETRIES = 100
MAX_CONCURRENCY = 1000
MAX_FILE_MIB = 1 << 20
"""The largest `run.max_file_mib`: a tebibyte."""
MAX_DIGITS = 100
"""Digits of a YAML integer read as a number: longer ones stay text and are reported, never passed to int()."""
