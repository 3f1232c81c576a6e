"""The JSON Schema check (RY002): a fast path for valid documents, jsonschema's report otherwise.

`jsonschema` costs more to import than the rest of `rallyc lint` together, and
most specs linted in a pre-commit hook are valid. `is_valid` decides validity
itself for the keywords our schema uses (and says "not sure" for any other),
so jsonschema is imported only to explain a document that is wrong.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from functools import cache
from importlib.resources import files
from typing import Any

from rallyc.bounds import MAX_DIGITS
from rallyc.diagnostics import Finding, Fix, closest
from rallyc.load import Document
from rallyc.source import YamlPath, format_path

MINI_LANGUAGES = ("glob", "duration", "tokens", "reference")
"""Definitions whose values the lark grammar checks: their pattern errors are RY004, not RY002."""

_ANNOTATIONS = frozenset(
    {"$schema", "$id", "$comment", "title", "description", "markdownDescription", "default", "examples",
     "defaultSnippets", "enumDescriptions", "definitions", "deprecationMessage", "errorMessage"}
)  # fmt: skip
_TYPES = {
    "object": lambda v: isinstance(v, dict),
    "array": lambda v: isinstance(v, list),
    "string": lambda v: isinstance(v, str),
    "boolean": lambda v: isinstance(v, bool),
    "null": lambda v: v is None,
    "integer": lambda v: not isinstance(v, bool) and (isinstance(v, int) or (isinstance(v, float) and v.is_integer())),
    "number": lambda v: not isinstance(v, bool) and isinstance(v, int | float),
}


_NUMBER_LIKE = re.compile(r"[-+]?(\.inf|\.Inf|\.INF|\.nan|\.NaN|\.NAN|0x[0-9a-fA-F]+|0o[0-7]+|[0-9.]+([eE][-+]?[0-9]+)?)")


class Unsure(Exception):
    """The fast path met a keyword it does not implement; ask jsonschema."""


@cache
def team_schema() -> dict[str, Any]:
    text = files("rallyc").joinpath("schemas", "team.rally.schema.json").read_text(encoding="utf-8")
    schema: dict[str, Any] = json.loads(text)
    return schema


def _resolve(schema: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:  # draft-07: keywords beside $ref are ignored
        schema = team_schema()["definitions"][schema["$ref"].rsplit("/", 1)[-1]]
    return schema


# ---- strings the user wrote that YAML read as something else ---------------------


def coerce_strings(document: Document) -> None:
    """Where the schema wants a string, use the text of a plain scalar YAML read as a date, number or bool."""
    if document.plain_text:
        _coerce(document, document.data, team_schema(), ())


def _coerce(document: Document, value: Any, schema: dict[str, Any], path: YamlPath) -> Any:
    schema = _resolve(schema)
    if schema.get("type") == "string" and path in document.plain_text and value is not None:
        return document.plain_text[path]
    if isinstance(value, dict):
        for key in value:
            child = _child_schema(schema, key)
            if child is not None:
                value[key] = _coerce(document, value[key], child, (*path, key))
    elif isinstance(value, list) and isinstance(schema.get("items"), dict):
        for index, item in enumerate(value):
            value[index] = _coerce(document, item, schema["items"], (*path, index))
    return value


def _child_schema(schema: dict[str, Any], key: Any) -> dict[str, Any] | None:
    if key in schema.get("properties", {}):
        child: dict[str, Any] = schema["properties"][key]
        return child
    additional = schema.get("additionalProperties")
    return additional if isinstance(additional, dict) else None


# ---- the fast path -------------------------------------------------------------


def is_valid(value: Any, schema: dict[str, Any]) -> bool:
    """jsonschema's draft-07 verdict for the keywords our schema uses; Unsure for others."""
    schema = _resolve(schema)
    for keyword, argument in schema.items():
        if keyword not in _ANNOTATIONS and not _KEYWORDS.get(keyword, _unsure)(value, argument, schema):
            return False
    return True


def _unsure(value: Any, argument: Any, schema: dict[str, Any]) -> bool:
    raise Unsure


def _type(value: Any, argument: Any, schema: dict[str, Any]) -> bool:
    names = argument if isinstance(argument, list) else [argument]
    return any(_TYPES[name](value) for name in names)


def _properties(value: Any, argument: Any, schema: dict[str, Any]) -> bool:
    if not isinstance(value, dict):
        return True
    return all(is_valid(value[key], sub) for key, sub in argument.items() if key in value)


def _additional(value: Any, argument: Any, schema: dict[str, Any]) -> bool:
    if not isinstance(value, dict):
        return True
    known, patterns = schema.get("properties", {}), schema.get("patternProperties", {})
    extra = [key for key in value if key not in known and not any(re.search(p, key) for p in patterns)]
    if argument is False:
        return not extra
    return all(is_valid(value[key], argument) for key in extra)


def _pattern_properties(value: Any, argument: Any, schema: dict[str, Any]) -> bool:
    if not isinstance(value, dict):
        return True
    return all(is_valid(value[key], sub) for key in value for pattern, sub in argument.items() if re.search(pattern, key))


def _items(value: Any, argument: Any, schema: dict[str, Any]) -> bool:
    if not isinstance(value, list):
        return True
    if not isinstance(argument, dict):
        raise Unsure
    return all(is_valid(item, argument) for item in value)


def _equal(first: Any, second: Any) -> bool:
    """JSON equality: true is not 1."""
    return isinstance(first, bool) == isinstance(second, bool) and first == second


_KEYWORDS: dict[str, Callable[[Any, Any, dict[str, Any]], bool]] = {
    "type": _type,
    "properties": _properties,
    "additionalProperties": _additional,
    "patternProperties": _pattern_properties,
    "items": _items,
    "required": lambda v, a, s: not isinstance(v, dict) or all(key in v for key in a),
    "enum": lambda v, a, s: any(_equal(v, option) for option in a),
    "const": lambda v, a, s: _equal(v, a),
    "pattern": lambda v, a, s: not isinstance(v, str) or re.search(a, v) is not None,
    "minLength": lambda v, a, s: not isinstance(v, str) or len(v) >= a,
    "maxLength": lambda v, a, s: not isinstance(v, str) or len(v) <= a,
    "minItems": lambda v, a, s: not isinstance(v, list) or len(v) >= a,
    "maxItems": lambda v, a, s: not isinstance(v, list) or len(v) <= a,
    "uniqueItems": lambda v, a, s: not a or not isinstance(v, list) or _unique(v),
    "minimum": lambda v, a, s: not _TYPES["number"](v) or v >= a,
    "maximum": lambda v, a, s: not _TYPES["number"](v) or v <= a,
    "exclusiveMinimum": lambda v, a, s: not _TYPES["number"](v) or v > a,
    "exclusiveMaximum": lambda v, a, s: not _TYPES["number"](v) or v < a,
    "anyOf": lambda v, a, s: any(is_valid(v, sub) for sub in a),
    "propertyNames": lambda v, a, s: not isinstance(v, dict) or all(is_valid(key, a) for key in v),
}


def _unique(items: list[Any]) -> bool:
    seen = [json.dumps(item, sort_keys=True, default=str) for item in items]
    return len(seen) == len(set(seen))


def document_is_valid(data: Any) -> bool:
    try:
        return is_valid(data, team_schema())
    except Unsure:
        return False


# ---- the full report -------------------------------------------------------------


def schema_findings(document: Document) -> Iterator[Finding]:
    """One finding per schema problem, at the offending node (RY002), then the problems no schema states."""
    from rallyc.values import os_findings

    if not document_is_valid(document.data):
        yield from _jsonschema_findings(document)
    yield from os_findings(document)


def _jsonschema_findings(document: Document) -> Iterator[Finding]:
    from jsonschema import Draft7Validator

    skipped = {id(team_schema()["definitions"][name]) for name in MINI_LANGUAGES}
    errors = Draft7Validator(team_schema()).iter_errors(document.data)
    for error in sorted(errors, key=lambda e: [str(p) for p in e.absolute_path]):
        path = tuple(error.absolute_path)
        if path[:1] == ("rally",) or (id(error.schema) in skipped and error.validator != "type"):
            continue  # RY007 and RY004 own these
        yield from _describe(error, path, document)


def _describe(error: Any, path: YamlPath, document: Document) -> Iterator[Finding]:
    where = format_path(path)
    kind = error.validator
    if kind == "additionalProperties":
        yield from _unknown_keys(error, path, document)
    elif kind == "required":
        missing = error.message.split("'")[1]
        yield Finding(document.key_span(path), f"`{missing}` is required in {where}")
    elif kind == "type" and _unreadable_number(error, document, path):
        yield Finding(document.span(path), f"{where}: {_shown(error.instance)} is not a number rallyc reads: "
                      f"infinite, not a number, or more than {MAX_DIGITS} digits")
    elif kind == "type":
        yield Finding(document.span(path), f"{where}: expected {_expected(error.validator_value)}, found {_found(error.instance)}", _type_hint(error))
    elif kind == "enum":
        options = [str(option) for option in error.validator_value]
        close = closest(str(error.instance), options)
        hint = f"did you mean `{close}`?" if close else None
        yield Finding(document.span(path), f"{where}: {_shown(error.instance)} is not one of {', '.join(options)}", hint)
    elif kind == "minItems":
        yield Finding(document.span(path), f"{where}: needs at least {error.validator_value} item{'s' if error.validator_value > 1 else ''}")
    elif kind == "pattern" and error.schema is team_schema()["definitions"].get("slug"):
        yield Finding(document.span(path), f"{where}: {_shown(error.instance)} is not a name: use lowercase letters, digits and `-`, starting with a letter")
    elif kind == "anyOf":
        yield Finding(document.span(path), f"{where}: {_shown(error.instance)} is not a model: use opus, sonnet, haiku, inherit or a full model id")
    else:
        yield Finding(document.span(path), f"{where}: {_generic(error)}")


def _unknown_keys(error: Any, path: YamlPath, document: Document) -> Iterator[Finding]:
    schema = error.schema
    known = list(schema.get("properties", {}))
    patterns = schema.get("patternProperties", {})
    for key in error.instance:
        if key in known or any(re.search(pattern, str(key)) for pattern in patterns):
            continue
        close = closest(str(key), known)
        hint = f"did you mean `{close}`?" if close else f"known keys: {', '.join(known)}; prefix your own keys with `x-`"
        span = document.key_span((*path, key))
        fix = Fix(span, close, f"rename `{key}` to `{close}`") if close else None
        yield Finding(span, f"unknown key `{key}` in {format_path(path)}", hint, blocking=False, fix=fix)


def _generic(error: Any) -> str:
    """jsonschema's own words for the rarer keywords, with the value shown on one line."""
    bounds = {"exclusiveMinimum": "more than", "minimum": "at least", "maximum": "at most",
              "exclusiveMaximum": "less than", "minLength": "at least this many characters:",
              "maxLength": "at most this many characters:"}  # fmt: skip
    if error.validator in bounds:
        return f"{_shown(error.instance)} must be {bounds[error.validator]} {error.validator_value}"
    return str(error.message).splitlines()[0][:120]


def _expected(types: Any) -> str:
    names = types if isinstance(types, list) else [types]
    words = {"object": "a mapping", "array": "a list", "string": "a string", "integer": "an integer",
             "number": "a number", "boolean": "true or false", "null": "nothing"}  # fmt: skip
    return " or ".join(words.get(str(name), str(name)) for name in names)


def _found(value: Any) -> str:
    if value is None:
        return "nothing"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    return _shown(value)


def _shown(value: Any) -> str:
    """A value for a one-line message: its first line, cut short."""
    text = str(value).lower() if isinstance(value, bool) else str(value)
    lines = text.splitlines() or [""]
    short = lines[0] if len(lines[0]) <= 40 else lines[0][:39] + "…"
    return f"`{short}{' …' if len(lines) > 1 and short == lines[0] else ''}`"


def _unreadable_number(error: Any, document: Document, path: YamlPath) -> bool:
    """A plain (unquoted) scalar that looks like a number but stayed text: `.inf`, `.nan`, `1e999`, 500 digits."""
    wanted = error.validator_value if isinstance(error.validator_value, list) else [error.validator_value]
    info = document.nodes.get(path)
    return (
        bool({"number", "integer"} & set(wanted))
        and isinstance(error.instance, str)
        and info is not None
        and not info.quoted
        and _NUMBER_LIKE.fullmatch(error.instance) is not None
    )


def _type_hint(error: Any) -> str | None:
    if error.validator_value == "array" and isinstance(error.instance, str):
        return f"write a list: [{error.instance}]"
    return None
