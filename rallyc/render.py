"""The Jinja environment the targets render with, and the filters that keep user text data.

Templates are code we ship; everything from the spec is data. Jinja never
re-renders a variable's value, so `{{ x }}` or `{% raw %}` inside a `do`
comes out verbatim as long as nobody calls `from_string` on user text: this
module is the only place that builds templates, and only from files under
`templates/`. The filters below quote user text for the formats it lands in
(Markdown, YAML, TOML) instead of trusting it to be well-formed there.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import cache
from importlib.resources import files
from typing import TYPE_CHECKING, Any

from rallyc.globparse import EXCLUDE
from rallyc.units import format_duration, format_tokens, format_usd

if TYPE_CHECKING:
    import jinja2

_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
_ATX = re.compile(r"^( {0,3})(#{1,6})(?=[ \t]|$)")
_SETEXT_UNDERLINE = re.compile(r"^ {0,3}(=+|-+)[ \t]*$")


def render(template: str, **data: Any) -> str:
    """Render `templates/<template>`; every output ends with exactly one newline."""
    text = environment().get_template(template).render(**data)
    return text.rstrip("\n") + "\n"


@cache
def environment() -> jinja2.Environment:
    import jinja2

    root = files("rallyc").joinpath("templates")
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(root)),
        bytecode_cache=_bytecode_cache(),
        undefined=jinja2.StrictUndefined,  # a typo in a template is an error, not an empty string
        autoescape=False,  # Markdown, YAML and TOML: HTML escaping would corrupt them
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(
        prose=prose,
        oneline=oneline,
        inert=inert,
        code=code,
        codes=codes,
        globs=globs,
        plain_globs=plain_globs,
        excluded_globs=excluded_globs,
        fenced=fenced,
        yaml_quote=yaml_quote,
        yaml_scalar=yaml_scalar,
        toml_string=toml_string,
        toml_multiline=toml_multiline,
        duration=format_duration,
        tokens=format_tokens,
        usd=format_usd,
    )
    return env


def _bytecode_cache() -> jinja2.BytecodeCache | None:
    """Compiled templates kept between runs: compiling them is most of a cold compile's time.

    Jinja keys each entry by the template's name and a checksum of its source,
    so an edited template is never served stale. A cache that cannot be
    written is skipped, never an error.
    """
    import jinja2

    class Tolerant(jinja2.FileSystemBytecodeCache):
        def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
            try:
                super().dump_bytecode(bucket)
            except OSError:
                pass

    try:  # Jinja's own per-user folder, which it checks is ours and private before using it
        return Tolerant()
    except (OSError, RuntimeError):
        return None


# ---- Markdown -------------------------------------------------------------------


def prose(text: str) -> str:
    """User Markdown made safe to embed in a prompt section, otherwise verbatim.

    Headings move two levels down (`#` -> `###`, `##` -> `####`) so the prompt
    keeps exactly its own level-2 sections; a setext underline gets a blank
    line before it (it becomes a rule or text, never a heading); a fence the
    text leaves open is closed so it cannot swallow the sections after it.
    """
    lines: list[str] = []
    fence: str | None = None
    for line in text.strip("\n").splitlines():
        if fence is not None:
            lines.append(line)
            if _closes(line, fence):
                fence = None
            continue
        opened = _FENCE.match(line)
        if opened:
            fence = opened.group(1)
        elif heading := _ATX.match(line):
            line = f"{heading.group(1)}{'#' * min(len(heading.group(2)) + 2, 6)}{line[heading.end():]}"
        elif _SETEXT_UNDERLINE.match(line) and lines and lines[-1].strip():
            lines.append("")
        lines.append(line)
    if fence is not None:
        lines.append(fence)
    return "\n".join(lines)


def _closes(line: str, fence: str) -> bool:
    stripped = line.strip()
    return stripped.startswith(fence) and set(stripped) == {fence[0]}


def oneline(text: str) -> str:
    """Whitespace runs (newlines included) as one space: for list items and headers."""
    return " ".join(str(text).split())


_INERT = str.maketrans({"\\": "\\\\", "<": "\\<"})
_CODE_SPAN = re.compile(r"(?<!`)(`+)(?!`).+?(?<!`)\1(?!`)")


def inert(text: str) -> str:
    """Text someone else wrote (an agent's notes, a failure's reason) as one line of Markdown that renders as
    its words: no raw HTML (`<h1>`), no `[[RESULT: ...]]` slot (a slot is the run's to fill, and a filled
    handoff has none left), no escape undone by a backslash. Code spans are kept as they are: they show their
    text verbatim already, and the runner's own reasons quote commands in them."""
    flat, parts, end = oneline(text), [], 0
    for span in _CODE_SPAN.finditer(flat):
        parts += [_escaped(flat[end : span.start()]), span.group()]
        end = span.end()
    return "".join([*parts, _escaped(flat[end:])])


def _escaped(text: str) -> str:
    return text.translate(_INERT).replace("[[", "[\\[")


def code(text: str) -> str:
    """An inline code span that survives backticks inside the text."""
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    ticks = "`" * (longest + 1)
    padded = f" {text} " if text.startswith("`") or text.endswith("`") else text
    return f"{ticks}{padded}{ticks}"


def codes(items: Any, separator: str = ", ") -> str:
    """Several inline code spans, for glob lists."""
    return separator.join(code(str(item)) for item in items)


def plain_globs(items: Any) -> list[str]:
    """A glob list's plain globs (plan.json keeps exclusions beside them, with their `!`)."""
    return [str(item) for item in items if not str(item).startswith(EXCLUDE)]


def excluded_globs(items: Any) -> list[str]:
    """A glob list's exclusions, without the `!`: the paths the list does not take."""
    return [str(item)[len(EXCLUDE) :] for item in items if str(item).startswith(EXCLUDE)]


def globs(items: Any, quote: Callable[[str], str] = code) -> str:
    """A glob list in words: "`src/**`, `lib/**`, except `src/core.py` and `src/gen/**`"."""
    listed = ", ".join(map(quote, plain_globs(items)))
    excluded = [quote(glob) for glob in excluded_globs(items)]
    if not excluded:
        return listed
    *rest, last = excluded
    return f"{listed}, except {', '.join(rest)} and {last}" if rest else f"{listed}, except {last}"


def fenced(text: str, info: str = "") -> str:
    """`text` in a fenced block whose fence no line of `text` can close (longer than any run inside)."""
    runs = re.findall(r"^ {0,3}(~{3,})", text, flags=re.MULTILINE)
    fence = "~" * max([3, *(len(run) + 1 for run in runs)])
    return f"{fence}{info}\n{text.rstrip()}\n{fence}"


# ---- YAML -----------------------------------------------------------------------

_YAML_ESCAPES = {"\\": "\\\\", '"': '\\"'}


def yaml_quote(text: str) -> str:
    """One double-quoted line: Claude Code drops multi-line descriptions and unquoted ones with `: `."""
    escaped = "".join(_YAML_ESCAPES.get(char, char) if char.isprintable() else _unicode_escape(char)
                      for char in oneline(text))  # fmt: skip
    return f'"{escaped}"'


_YAML_WORDS = frozenset({"true", "false", "null", "yes", "no", "on", "off", "y", "n"})


def yaml_scalar(text: str) -> str:
    """Plain when it is obviously a string (`sonnet`, `claude-opus-4-7`), else double-quoted.

    A value starting with a digit could read as a number, and a YAML 1.1 word as a bool or null.
    """
    plain = re.fullmatch(r"[A-Za-z][A-Za-z0-9._-]*", text) and text.lower() not in _YAML_WORDS
    return text if plain else yaml_quote(text)


def _unicode_escape(char: str) -> str:
    point = ord(char)
    return f"\\u{point:04X}" if point <= 0xFFFF else f"\\U{point:08X}"


# ---- TOML -----------------------------------------------------------------------

_TOML_BASIC = {ord("\\"): "\\\\", ord('"'): '\\"', ord("\b"): "\\b", ord("\t"): "\\t", ord("\n"): "\\n",
               ord("\f"): "\\f", ord("\r"): "\\r", 0x7F: "\\u007F"}  # fmt: skip
_TOML_BASIC.update({point: f"\\u{point:04X}" for point in range(0x20) if point not in _TOML_BASIC})
_TOML_MULTILINE = {**_TOML_BASIC, ord("\n"): "\n", ord("\t"): "\t"}


def toml_string(text: str) -> str:
    """A TOML basic string (one line, everything a TOML parser could misread escaped)."""
    return f'"{str(text).translate(_TOML_BASIC)}"'


def toml_multiline(text: str) -> str:
    """A TOML multi-line basic string: newlines and tabs kept, every quote and backslash escaped.

    Escaping every `"` means no run of three quotes can end the string early.
    The newline right after the opening quotes is dropped by TOML itself.
    """
    return f'"""\n{str(text).translate(_TOML_MULTILINE)}"""'
