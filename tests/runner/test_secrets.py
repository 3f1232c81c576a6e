"""Secrets are masked in whole texts and in streams cut anywhere: environment values and known formats."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rallyc.runner.secrets import MASK, Redactor

VALUE = "s3cr3t-value-Zq9"
ENV = {"SERVICE_API_KEY": VALUE, "MULTI_LINE_TOKEN": "line-one\nline-two", "HOME": "/home/someone"}
KEY_BLOCK = "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\nQyNTUxOQAAACBmZXRjaA==\n" \
            "-----END OPENSSH PRIVATE KEY-----\n"  # fmt: skip
FORMATS = {
    "anthropic": "sk-ant-api03-" + "Ab1_-" * 18 + "AA",
    "openai": "sk-proj-" + "x7Y9" * 12,
    "github classic": "ghp_" + "a1B2" * 9,
    "github fine-grained": "github_pat_11ABCDEFG0" + "x" * 60,
    "aws key id": "AKIAIOSFODNN7EXAMPLE",
    "slack": "xoxb-1234567890-0987654321-abcdefABCDEF",
    "google": "AIza" + "S" * 35,
}


@pytest.mark.parametrize("secret", FORMATS.values(), ids=FORMATS.keys())
def test_known_formats_are_masked_wherever_they_come_from(secret: str) -> None:
    text = f"export THING='{secret}' # printed by the agent\n"
    assert Redactor({}).text(text) == f"export THING='{MASK}' # printed by the agent\n"


def test_only_the_password_of_a_url_is_masked() -> None:
    masked = Redactor({}).text("DATABASE_URL=postgres://app:hunter2pw@db.internal:5432/main see https://example.org/x")
    assert masked == f"DATABASE_URL=postgres://app:{MASK}@db.internal:5432/main see https://example.org/x"


def test_aws_secret_keys_are_masked_by_the_name_beside_them() -> None:
    secret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
    text = f"aws_secret_access_key = {secret}\n{{\"SecretAccessKey\": \"{secret}\"}}\n"
    assert secret not in Redactor({}).text(text)
    assert Redactor({}).text(text).count(MASK) == 2


def test_private_key_blocks_are_masked_whole() -> None:
    assert Redactor({}).text("before\n" + KEY_BLOCK + "after\n") == f"before\n{MASK}\nafter\n"


def test_environment_values_are_masked_but_not_short_or_ordinary_ones() -> None:
    redactor = Redactor({**ENV, "SHORT_KEY": "1234567"})
    assert redactor.text(f"a {VALUE} b line-one\nline-two c /home/someone 1234567") == \
        f"a {MASK} b {MASK} c /home/someone 1234567"  # fmt: skip


def test_text_that_is_not_utf8_goes_through_unchanged_but_masked() -> None:
    data = b"\xff\xfe " + VALUE.encode() + b" \x80"
    assert Redactor(ENV).data(data) == b"\xff\xfe " + MASK.encode() + b" \x80"


def streamed(redactor: Redactor, data: bytes, cuts: list[int]) -> bytes:
    mask = redactor.stream()
    out, start = b"", 0
    for cut in sorted(set(cuts)):
        out += mask.feed(data[start:cut])
        start = cut
    return out + mask.feed(data[start:]) + mask.close()


STREAM = (
    f"start\n{'x' * 70_000}{VALUE}{'y' * 10}\nplain line\n{FORMATS['anthropic']} and {FORMATS['github classic']}\n"
    f"{KEY_BLOCK}url: https://bot:pa55word@host/x\nline-one\nline-two\nend"
).encode()


@settings(max_examples=300, deadline=None)
@given(st.lists(st.integers(min_value=0, max_value=len(STREAM)), max_size=12))
def test_a_stream_cut_anywhere_masks_exactly_what_the_whole_text_masks(cuts: list[int]) -> None:
    redactor = Redactor(ENV)
    out = streamed(redactor, STREAM, cuts)
    assert out == redactor.data(STREAM)
    for secret in [VALUE, FORMATS["anthropic"], FORMATS["github classic"], "pa55word", "b3BlbnNzaC1rZXkt", "line-two"]:
        assert secret.encode() not in out


def test_a_secret_split_at_the_64k_read_boundary_is_masked() -> None:
    """The case the old line-by-line mask missed: a long line read in 64 KiB pieces."""
    data = b"x" * (65536 - 5) + VALUE.encode() + b"\n"
    out = streamed(Redactor(ENV), data, list(range(0, len(data), 65536)))
    assert VALUE.encode() not in out and out.endswith(MASK.encode() + b"\n")


def test_a_stream_passes_complete_lines_on_at_once() -> None:
    """Masking must not hold a live log back: a complete line without a secret's start is written now."""
    mask = Redactor(ENV).stream()
    assert mask.feed(b"first line\nsecond") == b"first line\n"
    assert mask.feed(b" half\n") == b"second half\n"
    assert mask.feed(b"ends with s3cr3t") == b""  # could be the start of the value
    assert mask.close() == b"ends with s3cr3t"


def test_an_unfinished_private_key_block_stays_masked() -> None:
    mask = Redactor({}).stream()
    out = mask.feed(b"log\n-----BEGIN RSA PRIVATE KEY-----\nMIIEpAIBAAKCAQEA\n") + mask.feed(b"more key\n")
    assert out + mask.close() == b"log\n" + MASK.encode()
