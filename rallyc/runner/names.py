"""File names are bytes: what git can store, the runner checks, patches, commits and resumes.

Inside the runner a path is a `str` decoded from git's bytes with `surrogateescape`, so a name that is
not UTF-8 survives every step and goes back to git unchanged. Where a person or another tool reads it
(reports, events, the terminal, commit subjects) it is `shown`: as it is when it is printable text,
else quoted the way git quotes names (C escapes for control characters, octal for bytes that are not
UTF-8), so every report stays valid UTF-8 and says exactly which file it means.
"""

from __future__ import annotations

ESCAPES = {"\a": "\\a", "\b": "\\b", "\t": "\\t", "\n": "\\n", "\v": "\\v", "\f": "\\f", "\r": "\\r", '"': '\\"',
           "\\": "\\\\"}  # fmt: skip


def shown(path: str) -> str:
    """`path` as a report shows it: unchanged when printable, else git-quoted (`"caf\\351.txt"`, `"a\\nb"`)."""
    if path.isprintable() and not has_surrogates(path):
        return path
    return '"' + "".join(_escaped(char) for char in path) + '"'


def printable(text: str) -> str:
    """`text` with control characters and undecodable bytes dropped: for a commit subject from an agent."""
    return "".join(char for char in text if char.isprintable() and not _is_surrogate(char))


def _escaped(char: str) -> str:
    if _is_surrogate(char):
        return f"\\{ord(char) - 0xDC00:03o}"
    if char in ESCAPES:
        return ESCAPES[char]
    if not char.isprintable():
        return "".join(f"\\{byte:03o}" for byte in char.encode("utf-8"))
    return char


def _is_surrogate(char: str) -> bool:
    return 0xD800 <= ord(char) <= 0xDFFF


def has_surrogates(text: str) -> bool:
    """Whether `text` holds a byte that was not UTF-8 (a surrogate): strict encoding fails on exactly those,
    at C speed, which matters for the whole state.json and every event line the runner writes."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False
