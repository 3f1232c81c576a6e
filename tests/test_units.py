"""Numbers in messages: durations, money and token counts."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rallyc.syntax import parse_duration, parse_tokens
from rallyc.units import format_duration, format_tokens, format_usd


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (0, "0s"),
        (45, "45s"),
        (90, "1m30s"),
        (900, "15m"),
        (450, "7m30s"),
        (3600, "1h"),
        (5400, "1h30m"),
        (3661, "1h1m1s"),
        (7200.4, "2h"),
        (899.6, "15m"),
        (36 * 3600, "36h"),
        (-5, "0s"),
    ],
)
def test_format_duration(seconds: float, text: str) -> None:
    assert format_duration(seconds) == text


@pytest.mark.parametrize(
    ("amount", "text"),
    [(0, "$0.00"), (41.3, "$41.30"), (30, "$30.00"), (1234.5, "$1,234.50"), (0.004, "$0.00")],
)
def test_format_usd(amount: float, text: str) -> None:
    assert format_usd(amount) == text


@pytest.mark.parametrize(
    ("count", "text"),
    [
        (0, "0"),
        (999, "999"),
        (1000, "1k"),
        (1500, "1.5k"),
        (150_000, "150k"),
        (250_000, "250k"),
        (999_950, "1M"),
        (1_000_000, "1M"),
        (1_500_000, "1.5M"),
        (2_625_000, "2.625M"),
        (1_234_567, "1.235M"),
        (12_345_678_901, "12346M"),
        (525_000.4, "525k"),
    ],
)
def test_format_tokens(count: float, text: str) -> None:
    assert format_tokens(count) == text


@given(st.integers(min_value=1, max_value=10**7))
def test_durations_read_back_as_written(seconds: int) -> None:
    assert parse_duration(format_duration(seconds)) == seconds


@given(st.integers(min_value=1, max_value=10**12))
def test_token_counts_read_back_within_rounding(count: int) -> None:
    assert abs(parse_tokens(format_tokens(count)) - count) <= max(count * 5e-4, 0.5)
