"""Secrets never reach a prompt, log, patch, state file or report, nor the terminal.

Two kinds of secret are masked as `[redacted]`:

- the values (at least `MIN_LENGTH` characters) of the environment's variables whose names contain
  KEY, TOKEN, SECRET, PASSWORD, PASSWD or CREDENTIAL;
- well-known credential formats, wherever they come from (`FORMATS`): Anthropic, OpenAI, GitHub,
  AWS, Slack and Google API keys, private-key blocks, and the password of a URL such as
  `postgres://user:pw@host/db` (only the password is masked).

`Redactor.text` and `Redactor.data` mask a whole text. A command's output arrives in reads of
arbitrary size, and a secret may be cut between two of them: `Redactor.stream()` gives a `StreamMask`
that holds back just enough of each read (an unfinished line, or the start of a known value) to
mask a secret that straddles two reads, and masks a private-key block from its BEGIN line on even
before its END line arrives.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

SECRET_NAME = re.compile(r"KEY|TOKEN|SECRET|PASSWORD|PASSWD|CREDENTIAL", re.IGNORECASE)
MIN_LENGTH = 8
"""Shorter values (`1`, `true`) would redact ordinary words."""
MASK = "[redacted]"

TOKENS = tuple(re.compile(pattern) for pattern in (
    rb"sk-ant-(?:api|admin|oat|ort)\d\d-[A-Za-z0-9_-]{20,300}",  # Anthropic API, admin and OAuth tokens
    rb"sk-(?:proj|svcacct|admin)-[A-Za-z0-9_-]{40,300}",  # OpenAI project, service-account and admin keys
    rb"sk-[A-Za-z0-9]{48}",  # OpenAI, older keys
    rb"gh[pousr]_[A-Za-z0-9]{30,255}",  # GitHub tokens
    rb"github_pat_[A-Za-z0-9_]{40,255}",
    rb"AKIA[A-Z0-9]{16}", rb"ASIA[A-Z0-9]{16}",  # AWS access key ids (long-lived, temporary)
    rb"xox[abposre]-[A-Za-z0-9-]{10,250}",  # Slack tokens
    rb"AIza[0-9A-Za-z_-]{35}",  # Google API keys
))
"""Tokens with a recognisable prefix; one counts only where no letter, digit, `_` or `-` comes right before
it (`task-proj-...` in a file name is not a key)."""
FORMATS = (*TOKENS, *(re.compile(pattern) for pattern in (
    rb"aws_secret_access_key[\"']?\s*[:=]\s*[\"']?(?P<value>[A-Za-z0-9/+]{40})",  # AWS secret keys, by their name
    rb"AWS_SECRET_ACCESS_KEY[\"']?\s*[:=]\s*[\"']?(?P<value>[A-Za-z0-9/+]{40})",
    rb"SecretAccessKey[\"']?\s*[:=]\s*[\"']?(?P<value>[A-Za-z0-9/+]{40})",
    rb"https://hooks\.slack\.com/services/[A-Za-z0-9/_-]{20,200}",
    rb"://[^\s:/@'\"]{0,200}:(?P<value>[^\s/@'\"]{1,200})@",  # a URL's password (scheme://user:password@host)
)))
"""Credential formats, none spanning a line. A `value` group is what is masked, else the whole match.
Each is its own pattern: a pattern that starts with a literal is searched at memchr speed, where one
alternation of them all is searched a hundred times slower. Every match is bounded (`FORMAT_BOUND`),
so a stream knows how much to hold back."""
WORD = frozenset(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-")
FORMAT_BOUND = 512
KEY_BEGIN = re.compile(rb"-----BEGIN [A-Z0-9 ]{0,40}PRIVATE KEY( BLOCK)?-----")
KEY_END = re.compile(rb"-----END [A-Z0-9 ]{0,40}PRIVATE KEY( BLOCK)?-----")
LONG_LINE = 1 << 16
"""A partial line longer than this is passed on in pieces (keeping `FORMAT_BOUND` bytes back)."""


def secret_names(env: Mapping[str, str]) -> list[str]:
    return sorted(name for name, value in env.items() if SECRET_NAME.search(name) and len(value) >= MIN_LENGTH)


def secret_values(env: Mapping[str, str]) -> list[bytes]:
    """The environment's secret values as bytes, longest first (so a value that starts another is not
    matched in its place)."""
    values = {env[name].encode("utf-8", "surrogateescape") for name in secret_names(env)}
    return sorted(values, key=len, reverse=True)


class Redactor:
    """Masks the environment's secret values and the known credential formats in text and bytes."""

    def __init__(self, env: Mapping[str, str]) -> None:
        self.values = secret_values(env)
        self.patterns = [*(re.compile(re.escape(value)) for value in self.values), *FORMATS, KEY_BEGIN]
        self.prefixes = {value[:size] for value in self.values for size in range(1, len(value))}
        self.longest = max((len(value) for value in self.values), default=0)

    def data(self, data: bytes) -> bytes:
        return self.stream().feed(data, final=True)

    def text(self, text: str) -> str:
        if not text:
            return text
        data = text.encode("utf-8", "surrogateescape")
        masked = self.data(data)
        return text if masked == data else masked.decode("utf-8", "surrogateescape")

    def stream(self) -> StreamMask:
        return StreamMask(self)


class StreamMask:
    """One stream's masking: feed it the reads in order; what it returns is safe to write at once."""

    def __init__(self, redactor: Redactor) -> None:
        self.redactor = redactor
        self.carry = b""
        self.in_key = False
        """Inside a private-key block whose END line has not come yet: everything is masked."""

    def feed(self, chunk: bytes, final: bool = False) -> bytes:
        data = self.carry + chunk
        cut = len(data) if final else self._safe_end(data)
        out = bytearray()
        position = self._mask(data, cut, final, out)
        self.carry = data[position:]
        return bytes(out)

    def close(self) -> bytes:
        """The rest of the stream, masked (an unfinished private-key block stays masked)."""
        return self.feed(b"", final=True)

    def _safe_end(self, data: bytes) -> int:
        """How far `data` can be passed on now: complete lines (a long line in pieces), minus any tail that
        could still be the start of a secret value."""
        cut = data.rfind(b"\n") + 1
        if len(data) - cut > LONG_LINE:
            cut = len(data) - FORMAT_BOUND
        redactor = self.redactor
        for size in range(min(redactor.longest - 1, len(data)), 0, -1):
            if data[-size:] in redactor.prefixes:
                return min(cut, len(data) - size)
        return cut

    def _mask(self, data: bytes, cut: int, final: bool, out: bytearray) -> int:
        """Mask every secret that starts before `cut` into `out`; where the stream goes on from."""
        position = 0
        finder = _Finder(self.redactor.patterns, data)
        while position < cut:
            if self.in_key:
                end = KEY_END.search(data, position)
                if end is None:  # the block goes on: swallow all but the last partial line (END may start there)
                    line = max(data.rfind(b"\n", position) + 1, position, len(data) - LONG_LINE)
                    return len(data) if final else line
                self.in_key, position = False, end.end()
                continue
            found = finder.search(position)
            if found is None or found.start() >= cut:
                break
            if found.end() == len(data) and not final:  # a format match may grow with the next read
                cut = found.start()
                break
            if found.re is KEY_BEGIN:
                out += data[position : found.start()] + MASK.encode()
                self.in_key, position = True, found.end()
                continue
            span = _masked_span(found)
            out += data[position : span[0]] + MASK.encode() + data[span[1] : found.end()]
            position = found.end()
            cut = max(cut, position)
        if not self.in_key:
            out += data[position:cut]
            position = max(position, cut)
        return position


def _masked_span(found: re.Match[bytes]) -> tuple[int, int]:
    """The part of a match that is the secret: its `value` group (a URL's password), else all of it."""
    return found.span("value") if "value" in found.re.groupindex else found.span()


class _Finder:
    """The earliest match of any of the patterns from a position on (the longest where two start together);
    each pattern's next match is kept until the position passes it, so each pattern scans the data once."""

    def __init__(self, patterns: list[re.Pattern[bytes]], data: bytes) -> None:
        self.data = data
        self.next: dict[re.Pattern[bytes], re.Match[bytes] | None] = {pattern: None for pattern in patterns}
        self.searched_from: dict[re.Pattern[bytes], int] = {pattern: -1 for pattern in patterns}

    def search(self, position: int) -> re.Match[bytes] | None:
        best = None
        for pattern, found in self.next.items():
            if self.searched_from[pattern] < 0 or (found is not None and found.start() < position):
                found = self.next[pattern] = self._search(pattern, position)
                self.searched_from[pattern] = position
            if found is not None and (best is None or (found.start(), -found.end()) < (best.start(), -best.end())):
                best = found
        return best

    def _search(self, pattern: re.Pattern[bytes], position: int) -> re.Match[bytes] | None:
        found = pattern.search(self.data, position)
        if pattern in TOKENS:
            while found is not None and found.start() > 0 and self.data[found.start() - 1] in WORD:
                found = pattern.search(self.data, found.start() + 1)
        return found
