"""Convergence: several teammates failing on the same blocker are not retried into N conflicting patches.

The orchestration guide's warning: N agents fixing the same bug produce N conflicting patches. A
failed check has a *signature*: the command and the first error line of its output, with paths,
numbers and hex ids masked in both (two teammates' tests fail in different files, on the same
missing import). When tasks of two or more teammates fail with the same signature, none of them is retried:
each fails with reason `converged: <signature>`, and the report names the shared blocker.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

ERROR = re.compile(r"error|fail|exception|traceback|assert|panic|fatal|cannot|not found|undefined", re.IGNORECASE)
MASKS = (
    (re.compile(r"\S*[/\\]\S*"), "<path>"),
    (re.compile(r"\b(?=[0-9a-f]*[a-f])(?=[0-9a-f]*[0-9])[0-9a-f]{7,}\b"), "<hex>"),
    (re.compile(r"\d+(?:\.\d+)*"), "<n>"),
)
SIGNATURE_LENGTH = 160


def signature(command: str, output: str) -> str:
    """`command: first error line`, both normalised so that the same blocker reads the same for every teammate
    (`pytest tests/a.py` and `pytest tests/b.py` failing on one missing import are one blocker)."""
    lines = [line.strip() for line in output.splitlines() if line.strip()]
    first = next((line for line in lines if ERROR.search(line)), lines[-1] if lines else "no output")
    return f"{_masked(command)}: {_masked(first)}"[:SIGNATURE_LENGTH]


def _masked(text: str) -> str:
    for pattern, mask in MASKS:
        text = pattern.sub(mask, text)
    return " ".join(text.split())


@dataclass
class Convergence:
    """The failed checks of a session by signature: which teammates' tasks hit each."""

    seen: dict[str, dict[str, str]] = field(default_factory=dict)
    """signature -> teammate -> the task that failed with it."""

    def failed(self, sign: str, teammate: str, task: str) -> list[str]:
        """Record a failure; the tasks that converge on it (two teammates or more), else []."""
        found = self.seen.setdefault(sign, {})
        found[teammate] = task
        return list(found.values()) if len(found) >= 2 else []
