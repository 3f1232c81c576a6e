"""Secrets from the environment never reach a prompt, log, state file or report.

A variable whose name contains KEY, TOKEN, SECRET, PASSWORD (or PASSWD,
CREDENTIAL) is a secret; its value, when at least `MIN_LENGTH` characters
long, is replaced by `[redacted]` in every text the runner writes. Backends
still get the environment they need to work (an API key for `anthropic`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping

SECRET_NAME = re.compile(r"KEY|TOKEN|SECRET|PASSWORD|PASSWD|CREDENTIAL", re.IGNORECASE)
MIN_LENGTH = 8
"""Shorter values (`1`, `true`) would redact ordinary words."""
MASK = "[redacted]"


def secret_names(env: Mapping[str, str]) -> list[str]:
    return sorted(name for name, value in env.items() if SECRET_NAME.search(name) and len(value) >= MIN_LENGTH)


class Redactor:
    """Replaces the values of the environment's secrets in text and bytes."""

    def __init__(self, env: Mapping[str, str]) -> None:
        values = sorted({env[name] for name in secret_names(env)}, key=len, reverse=True)
        self._text = re.compile("|".join(re.escape(value) for value in values)) if values else None
        self._bytes = re.compile(b"|".join(re.escape(value.encode("utf-8", "surrogateescape")) for value in values)) \
            if values else None  # fmt: skip

    def text(self, text: str) -> str:
        return self._text.sub(MASK, text) if self._text else text

    def data(self, data: bytes) -> bytes:
        return self._bytes.sub(MASK.encode(), data) if self._bytes else data
