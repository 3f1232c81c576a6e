"""Character classes in globs (`[a-z]`, `[!_]`, `[^_]`, `[[:alpha:]]`), read as git reads them.

git's matcher (wildmatch) sets the rules, and so do gitignore, shells and wcmatch: `!` or `^`
first negates; the first member may be `]` itself (`[]a]` is `]` or `a`); `-` between two
members makes a range, and is a member when it comes first or last; `\\` escapes the next
character; `[:name:]` is one of git's POSIX classes, ASCII only as in git. What git would
silently never match is an error here instead: an unknown POSIX class, a range that ends at a
POSIX class, a reversed range. No class ever matches `/` (the automata take it out).
"""

from __future__ import annotations

import re
import string

POSIX_CLASSES: dict[str, str] = {
    "alnum": string.ascii_letters + string.digits,
    "alpha": string.ascii_letters,
    "blank": " \t",
    "cntrl": "".join(map(chr, range(32))) + "\x7f",
    "digit": string.digits,
    "graph": "".join(map(chr, range(33, 127))),
    "lower": string.ascii_lowercase,
    "print": "".join(map(chr, range(32, 127))),
    "punct": string.punctuation,
    "space": " \t\n\r",
    "upper": string.ascii_uppercase,
    "xdigit": string.hexdigits,
}
"""git's classes over ASCII (its `sane_ctype` table: `[:space:]` is space, tab, LF and CR)."""

_MEMBER = re.compile(r"\[:[^\]]*:\]|\\.|.", re.S)
"""One member as the lexer (grammar/rally.lark, CLASS) splits it: a POSIX class, an escape, a character."""


class ClassError(ValueError):
    """A class git would read differently or never match; the message says which part."""


def class_ranges(text: str) -> tuple[bool, tuple[tuple[str, str], ...]]:
    """`[!a-c]` -> (True, (("a", "c"),)): whether the class negates, and its ranges (inclusive)."""
    body = text[1:-1]
    negated = body[:1] in ("!", "^")
    members = _MEMBER.findall(body[1:] if negated else body)
    ranges: list[tuple[str, str]] = []
    index = 0
    while index < len(members):
        member = members[index]
        if member.startswith("[:"):
            ranges.extend(_posix(member))
            index += 1
        elif index + 2 < len(members) and members[index + 1] == "-":
            ranges.append(_range(member, members[index + 2]))
            index += 3
        else:
            ranges.append((member[-1], member[-1]))
            index += 1
    return negated, tuple(ranges)


def _posix(member: str) -> list[tuple[str, str]]:
    name = member[2:-2]
    chars = POSIX_CLASSES.get(name)
    if chars is None:
        known = ", ".join(f"[:{known}:]" for known in POSIX_CLASSES)
        raise ClassError(f"`{member}` is no POSIX class (known: {known}); write `\\[` for a literal `[`")
    return [(char, char) for char in chars]


def _range(low: str, high: str) -> tuple[str, str]:
    if high.startswith("[:"):
        raise ClassError(f"a range cannot end at the POSIX class `{high}`")
    first, last = low[-1], high[-1]
    if first > last:
        raise ClassError(f"the class range `{first}-{last}` is reversed")
    return first, last
