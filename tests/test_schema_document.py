"""The editor schema `schemas/team.rally.schema.json` as a document.

Checks that the schema is valid draft-07, documents every property, is closed
(unknown keys fail, `x-` keys pass) everywhere, follows the conventions other
code relies on (definition names, `type` at the top level, no `oneOf`), and
accepts the small example of the language reference.
"""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from ruamel.yaml import YAML

from rallyc import catalog, defaults

ROOT = Path(__file__).resolve().parents[1]
SCHEMA_PATH = ROOT / "schemas" / "team.rally.schema.json"

# The small example at the end of the language reference (docs/language.md).
EXAMPLE = """\
# yaml-language-server: $schema=../schemas/team.rally.schema.json
rally: 1
team:
  name: auth-split
  goal: Split the auth module into a token service and a session service, with tests and docs.
defaults: {model: sonnet, estimate: 15m}
budget: {max_usd: 30}
context: The public interface stays in src/auth/api.py and must not change.
teammates:
  - name: tokens
    role: implementation
    owns: [src/auth/tokens/**, tests/auth/test_tokens.py]
    reads: [src/auth/api.py]
    tasks:
      - id: token-service
        do: Move token issuing and checking into src/auth/tokens/.
        done_when: [tests/auth/test_tokens.py passes]
        verify: [pytest -q tests/auth/test_tokens.py]
  - name: sessions
    role: implementation
    owns: [src/auth/sessions/**, tests/auth/test_sessions.py]
    reads: [src/auth/api.py]
    tasks:
      - id: session-service
        do: Move session handling into src/auth/sessions/, calling tokens only through src/auth/api.py.
        verify: [pytest -q tests/auth/test_sessions.py]
  - name: docs
    role: documentation
    model: haiku
    owns: [docs/auth/]
    tasks:
      - id: auth-docs
        do: Document the two services and their boundary in docs/auth/.
        done_when: [docs/auth/index.md describes both services]
  - name: review
    role: quality review
    model: opus
    mode: plan
    reads: [src/auth/**, docs/auth/**]
    tasks:
      - id: review-split
        do: Review the split against the goal and report any gap, with file and line.
        after: [tokens.*, sessions.*, docs.*]
        done_when: [a list of gaps, or none, is reported]
verify: [pytest -q]
"""

EXPECTED_DEFINITIONS = {
    "slug",
    "glob",
    "globList",
    "duration",
    "tokens",
    "reference",
    "model",
    "command",
    "commandList",
    "mode",
    "risk",
    "textList",
}

# Keywords whose value is one subschema, a list of subschemas, or a name -> subschema map.
_ONE = ("additionalProperties", "items", "propertyNames", "not", "contains", "additionalItems", "if", "then", "else")
_MANY = ("anyOf", "allOf", "oneOf")
_MAP = ("properties", "patternProperties", "definitions", "dependencies")


# ----------------------------------------------------------------- helpers


@pytest.fixture(scope="module")
def schema() -> dict[str, Any]:
    with SCHEMA_PATH.open(encoding="utf-8") as fh:
        data: dict[str, Any] = json.load(fh)
    return data


@pytest.fixture(scope="module")
def validator(schema: dict[str, Any]) -> jsonschema.Draft7Validator:
    return jsonschema.Draft7Validator(schema)


def load_yaml(text: str) -> Any:
    return YAML(typ="safe").load(text)


def walk(node: Any, pointer: str = "#") -> Iterator[tuple[str, dict[str, Any]]]:
    """Yield (JSON pointer, subschema) for every subschema, skipping data (default, enum, snippets...)."""
    if not isinstance(node, dict):
        return
    yield pointer, node
    for key in _ONE:
        value = node.get(key)
        if isinstance(value, dict):
            yield from walk(value, f"{pointer}/{key}")
        elif isinstance(value, list) and key in ("items",):
            for i, item in enumerate(value):
                yield from walk(item, f"{pointer}/{key}/{i}")
    for key in _MANY:
        for i, item in enumerate(node.get(key, [])):
            yield from walk(item, f"{pointer}/{key}/{i}")
    for key in _MAP:
        for name, item in node.get(key, {}).items():
            yield from walk(item, f"{pointer}/{key}/{name}")


def properties(schema: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    """Every property subschema at every level, definitions included."""
    for pointer, node in walk(schema):
        for name, sub in node.get("properties", {}).items():
            yield f"{pointer}/properties/{name}", sub


def resolve(schema: dict[str, Any], node: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in node:
        ref = node["$ref"]
        assert ref.startswith("#/definitions/"), ref
        node = schema["definitions"][ref.removeprefix("#/definitions/")]
    return node


def at(schema: dict[str, Any], *path: str) -> dict[str, Any]:
    """The subschema for an instance path, e.g. at(schema, 'teammates', '[]', 'tasks', '[]')."""
    node = schema
    for step in path:
        node = resolve(schema, node)
        node = node["items"] if step == "[]" else node["properties"][step]
    return resolve(schema, node)


def sub_validator(schema: dict[str, Any], node: dict[str, Any]) -> jsonschema.Draft7Validator:
    return jsonschema.Draft7Validator({"allOf": [node], "definitions": schema["definitions"]})


def errors_for(validator: jsonschema.Draft7Validator, doc: Any) -> list[jsonschema.ValidationError]:
    return sorted(validator.iter_errors(doc), key=lambda e: list(e.path).__repr__())


_PLACEHOLDER = re.compile(r"\$\{\d+:([^}]*)\}|\$\d+")


def fill_snippet(body: Any) -> Any:
    """Replace snippet placeholders `${1:text}` with their text, recursively."""
    if isinstance(body, str):
        return _PLACEHOLDER.sub(lambda m: m.group(1) or "", body)
    if isinstance(body, list):
        return [fill_snippet(x) for x in body]
    if isinstance(body, dict):
        return {k: fill_snippet(v) for k, v in body.items()}
    return body


# ----------------------------------------------------------------- the document


def test_schema_is_valid_draft7(schema: dict[str, Any]) -> None:
    jsonschema.Draft7Validator.check_schema(schema)


def test_header(schema: dict[str, Any]) -> None:
    assert schema["$schema"] == "http://json-schema.org/draft-07/schema#"
    assert schema["$id"] == "https://rallyc.dev/schemas/team.rally.schema.json"
    assert schema["title"]
    assert schema["description"]
    assert schema["required"] == ["rally", "team", "teammates"]


def test_file_is_two_space_indented_json() -> None:
    text = SCHEMA_PATH.read_text(encoding="utf-8")
    assert text == json.dumps(json.loads(text), indent=2, ensure_ascii=False) + "\n"


def test_definition_names(schema: dict[str, Any]) -> None:
    assert set(schema["definitions"]) == EXPECTED_DEFINITIONS


def test_every_ref_resolves(schema: dict[str, Any]) -> None:
    refs = [node["$ref"] for _, node in walk(schema) if "$ref" in node]
    assert refs
    for ref in refs:
        assert ref.startswith("#/definitions/"), ref
        assert ref.removeprefix("#/definitions/") in schema["definitions"], ref


def test_every_property_is_documented(schema: dict[str, Any]) -> None:
    missing = [
        pointer
        for pointer, sub in properties(schema)
        if not (isinstance(sub.get("description"), str) and sub["description"].strip())
        or not (isinstance(sub.get("markdownDescription"), str) and sub["markdownDescription"].strip())
    ]
    assert not missing, missing


def test_every_definition_is_documented(schema: dict[str, Any]) -> None:
    for name, sub in schema["definitions"].items():
        assert sub.get("description") and sub.get("markdownDescription"), name


def test_every_object_is_closed_and_allows_x_keys(schema: dict[str, Any]) -> None:
    objects = [(p, n) for p, n in walk(schema) if "properties" in n]
    assert len(objects) >= 13  # root, team, lead, defaults, budget, price, coordination, ...
    for pointer, node in objects:
        assert node.get("type") == "object", pointer
        assert node.get("additionalProperties") is False, pointer
        assert node.get("patternProperties") == {"^x-": {}}, pointer


def test_prices_is_a_map_of_closed_price_objects(schema: dict[str, Any]) -> None:
    prices = at(schema, "budget", "prices")
    assert prices["type"] == "object"
    assert "properties" not in prices
    assert prices["patternProperties"] == {"^x-": {}}
    entry = prices["additionalProperties"]
    assert entry["required"] == ["input", "output"]
    assert entry["additionalProperties"] is False
    assert entry["patternProperties"] == {"^x-": {}}


def test_forbidden_keywords(schema: dict[str, Any]) -> None:
    for pointer, node in walk(schema):
        for key in ("oneOf", "if", "then", "else", "dependencies"):
            assert key not in node, f"{pointer} uses {key}"
        if "anyOf" in node:
            assert pointer == "#/definitions/model", f"{pointer} uses anyOf"


def test_every_property_has_a_top_level_type(schema: dict[str, Any]) -> None:
    for pointer, sub in properties(schema):
        assert "type" in resolve(schema, sub), pointer


def test_string_constraints_sit_next_to_type_string(schema: dict[str, Any]) -> None:
    for pointer, node in walk(schema):
        if "/anyOf/" in pointer:
            continue  # the model alternatives; model itself has type string
        string_only = {"pattern", "minLength", "maxLength"} & node.keys()
        string_enum = "enum" in node and all(isinstance(v, str) for v in node["enum"])
        if string_only or string_enum:
            types = node.get("type")
            types = types if isinstance(types, list) else [types]
            assert "string" in types, pointer


def test_model_definition(schema: dict[str, Any]) -> None:
    model = schema["definitions"]["model"]
    assert model["type"] == "string"
    enums = [alt["enum"] for alt in model["anyOf"] if "enum" in alt]
    assert enums == [["opus", "sonnet", "haiku", "inherit"]]


@pytest.mark.parametrize(
    ("path", "values", "default"),
    [
        (("team", "runtime"), list(catalog.TARGETS), defaults.RUNTIME),
        (("teammates", "[]", "mode"), ["bypassPermissions", "plan", "default"], "bypassPermissions"),
        (("teammates", "[]", "tasks", "[]", "risk"), ["low", "medium", "high"], "low"),
        (("report", "to"), ["nexus", "guardian", "radar", "judge", "user"], "user"),
        (("run", "backend"), list(catalog.BACKENDS), defaults.BACKEND),
    ],
)
def test_enums(schema: dict[str, Any], path: tuple[str, ...], values: list[str], default: str) -> None:
    node = at(schema, *path)
    assert node["type"] == "string"
    assert node["enum"] == values
    if "enumDescriptions" in node:
        assert len(node["enumDescriptions"]) == len(values)
    # the default sits on the property (next to a $ref) or on the resolved node
    prop = schema
    for step in path[:-1]:
        prop = resolve(schema, prop)
        prop = prop["items"] if step == "[]" else prop["properties"][step]
    prop = resolve(schema, prop)["properties"][path[-1]]
    assert prop["default"] == default


@pytest.mark.parametrize(
    ("path", "default"),
    [
        (("team", "repo"), "."),
        (("team", "base"), "HEAD"),
        (("team", "lead", "model"), "opus"),
        (("team", "lead", "delegate"), True),
        (("teammates", "[]", "model"), "sonnet"),
        (("teammates", "[]", "owns"), []),
        (("teammates", "[]", "tasks", "[]", "tokens"), "150k"),
        (("teammates", "[]", "tasks", "[]", "after"), []),
        (("budget", "coordination", "spawn"), "2m"),
        (("budget", "coordination", "handoff"), "1m"),
        (("budget", "coordination", "merge"), "1m"),
        (("run", "retries"), 1),
    ],
)
def test_language_defaults(schema: dict[str, Any], path: tuple[str, ...], default: Any) -> None:
    parent = at(schema, *path[:-1])
    assert parent["properties"][path[-1]]["default"] == default


def test_every_default_is_valid_for_its_own_schema(schema: dict[str, Any]) -> None:
    checked = 0
    for pointer, node in walk(schema):
        if "default" in node:
            target = {k: v for k, v in node.items() if k != "default"}
            errors = list(sub_validator(schema, target).iter_errors(node["default"]))
            assert not errors, (pointer, [e.message for e in errors])
            checked += 1
    assert checked >= 20


# ----------------------------------------------------------------- mini-language patterns


@pytest.mark.parametrize(
    ("name", "good", "bad"),
    [
        ("slug", ["a", "auth-split", "x1", "a" * 64], ["", "Auth", "1a", "-a", "a_b", "a" * 65, 3]),
        ("duration", ["90s", "15m", "2h", "1h30m", "1h30m15s", "2h15s", "900", 900], ["", "m", "1.5h", "30m1h", "1 h", "15min", 1.5]),
        ("tokens", ["250000", 250000, "250k", "1.5M", "2M", "10K"], ["", "k", "1.5", "250 k", "1.5G", "1.5m", "-5k", 2.5]),
        ("reference", ["api-routes", "models.*", "a"], ["", "Models.*", "models.", "models.x", "*", "a.*.*"]),
        ("model", ["opus", "sonnet", "haiku", "inherit", "claude-sonnet-4-6", "claude-opus-4-6[1m]", "us.anthropic.claude-haiku-4-5:0"], ["", "bad model", "-x", 5]),
        ("glob", ["src/**", "docs/auth/", "*.md", "!src/core.py", "src/[^_]*.py", "[[:digit:]]*"], ["", 5]),
        ("command", ["pytest -q"], ["", 5]),
        ("mode", ["plan", "default", "bypassPermissions"], ["yolo", "Plan"]),
        ("risk", ["low", "medium", "high"], ["critical"]),
    ],
)
def test_definition_patterns(schema: dict[str, Any], name: str, good: list[Any], bad: list[Any]) -> None:
    v = sub_validator(schema, {"$ref": f"#/definitions/{name}"})
    for value in good:
        assert v.is_valid(value), (name, value)
    for value in bad:
        assert not v.is_valid(value), (name, value)


def test_lint_ignore_codes(schema: dict[str, Any]) -> None:
    v = sub_validator(schema, at(schema, "lint"))
    assert v.is_valid({"ignore": ["RY105", "RY205"]})
    assert not v.is_valid({"ignore": ["RY1"]})
    assert not v.is_valid({"ignore": ["ry105"]})


# ----------------------------------------------------------------- documents


def test_language_example_validates(validator: jsonschema.Draft7Validator) -> None:
    doc = load_yaml(EXAMPLE)
    assert [e.message for e in validator.iter_errors(doc)] == []


def test_misspelled_task_key_fails_with_additional_properties(validator: jsonschema.Draft7Validator) -> None:
    text = EXAMPLE.replace("        verify: [pytest -q tests/auth/test_tokens.py]", "        verfiy: [pytest -q tests/auth/test_tokens.py]")
    assert text != EXAMPLE
    errors = errors_for(validator, load_yaml(text))
    assert len(errors) == 1
    (error,) = errors
    assert error.validator == "additionalProperties"
    assert "verfiy" in error.message
    assert list(error.path) == ["teammates", 0, "tasks", 0]


def test_bad_mode_fails_with_enum(validator: jsonschema.Draft7Validator) -> None:
    text = EXAMPLE.replace("    mode: plan", "    mode: yolo")
    assert text != EXAMPLE
    errors = errors_for(validator, load_yaml(text))
    assert len(errors) == 1
    (error,) = errors
    assert error.validator == "enum"
    assert list(error.path) == ["teammates", 3, "mode"]


def test_x_keys_pass_everywhere(validator: jsonschema.Draft7Validator) -> None:
    doc = load_yaml(EXAMPLE)
    doc["teammates"][0]["x-owner"] = "me"
    assert validator.is_valid(doc)
    doc["x-ticket"] = "AUTH-1"
    doc["team"]["x-slack"] = "#auth"
    doc["team"]["lead"] = {"model": "opus", "x-note": 1}
    doc["defaults"]["x-note"] = 1
    doc["budget"]["x-note"] = 1
    doc["budget"]["prices"] = {"claude-sonnet-4-6": {"input": 3, "output": 15, "x-source": "site"}, "x-note": "hi"}
    doc["budget"]["coordination"] = {"spawn": "2m", "x-note": 1}
    doc["teammates"][0]["tasks"][0]["x-jira"] = "AUTH-2"
    doc["merge"] = {"order": ["tokens"], "x-note": 1}
    doc["report"] = {"to": "judge", "x-note": 1}
    doc["run"] = {"backend": "shell", "shell": "agent {prompt_file}", "x-note": 1}
    doc["lint"] = {"ignore": ["RY105"], "x-note": 1}
    assert [e.message for e in validator.iter_errors(doc)] == []


@pytest.mark.parametrize(
    ("section", "value"),
    [
        ("team", {"name": "t", "goal": "g", "owner": "me"}),
        ("team", {"name": "t", "goal": "g", "lead": {"model": "opus", "delegat": True}}),
        ("defaults", {"owns": ["src/**"]}),
        ("budget", {"max_usd": 3, "cap": 4}),
        ("budget", {"prices": {"opus": {"input": 5, "output": 25, "cached": 1}}}),
        ("budget", {"coordination": {"spawn": "2m", "review": "1m"}}),
        ("merge", {"order": ["tokens"], "strategy": "rebase"}),
        ("report", {"to": "user", "format": "md"}),
        ("run", {"backend": "claude", "timeout": "1h"}),
        ("lint", {"ignore": [], "select": []}),
    ],
)
def test_unknown_keys_fail_everywhere(validator: jsonschema.Draft7Validator, section: str, value: Any) -> None:
    doc = load_yaml(EXAMPLE)
    doc[section] = value
    errors = list(validator.iter_errors(doc))
    assert [e.validator for e in errors] == ["additionalProperties"]


@pytest.mark.parametrize(
    ("mutate", "validator_name"),
    [
        (lambda d: d.pop("rally"), "required"),
        (lambda d: d.update(rally=2), "const"),
        (lambda d: d["team"].pop("goal"), "required"),
        (lambda d: d.update(teammates=[]), "minItems"),
        (lambda d: d["teammates"][0].update(tasks=[]), "minItems"),
        (lambda d: d["teammates"][0]["tasks"][0].pop("do"), "required"),
        (lambda d: d["teammates"][0].pop("role"), "required"),
        (lambda d: d["team"].update(runtime="gpt-teams"), "enum"),
        (lambda d: d.update(report={"to": "boss"}), "enum"),
        (lambda d: d.update(run={"backend": "docker"}), "enum"),
        (lambda d: d["teammates"][0]["tasks"][0].update(risk="extreme"), "enum"),
        (lambda d: d.update(budget={"max_usd": 0}), "minimum"),
        (lambda d: d.update(budget={"max_usd": 10**10}), "maximum"),
        (lambda d: d.update(budget={"overhead": 1001}), "maximum"),
        (lambda d: d.update(run={"retries": 101}), "maximum"),
        (lambda d: d.update(budget={"overhead": 0}), "exclusiveMinimum"),
        (lambda d: d.update(budget={"prices": {"opus": {"input": 5}}}), "required"),
        (lambda d: d.update(budget={"prices": {"opus": {"input": -1, "output": 1}}}), "minimum"),
        (lambda d: d.update(run={"retries": -1}), "minimum"),
        (lambda d: d.update(run={"concurrency": 0}), "minimum"),
        (lambda d: d["team"].update(lead={"delegate": "yes"}), "type"),
        (lambda d: d["teammates"][0].update(owns="src/**"), "type"),
        (lambda d: d["teammates"][0]["tasks"][0].update(shared_state="db"), "type"),
    ],
)
def test_structural_errors(validator: jsonschema.Draft7Validator, mutate: Any, validator_name: str) -> None:
    doc = load_yaml(EXAMPLE)
    mutate(doc)
    errors = list(validator.iter_errors(doc))
    assert [e.validator for e in errors] == [validator_name]


def test_full_spec_with_every_key_validates(validator: jsonschema.Draft7Validator) -> None:
    doc = load_yaml(
        """\
rally: 1
team:
  name: every-key
  goal: Exercise every key of the language.
  runtime: claude-subagents
  repo: .
  base: main
  lead: {model: claude-opus-4-6, delegate: false}
  size_justification: Not needed, but allowed.
defaults:
  model: inherit
  mode: default
  reads: [README.md]
  context: Be brief.
  constraints: [No new dependencies.]
  estimate: 10m
  timeout: 1h
  tokens: 200k
  risk: medium
budget:
  max_usd: 12.5
  max_tokens: 1.5M
  overhead: 1.75
  prices:
    opus: {input: 5, output: 25}
    claude-sonnet-4-6: {input: 3.0, output: 15.0}
  coordination: {spawn: 90s, handoff: 60, merge: 1m}
context: |
  # Shared
  Markdown context.
constraints: [Keep the public API.]
teammates:
  - name: api
    role: implementation
    model: sonnet
    mode: plan
    owns: [src/api/**]
    reads: [src/models/**]
    context: API only.
    constraints: [Use the existing router.]
    report: Include the list of endpoints.
    tasks:
      - id: api-routes
        do: Add the routes.
        writes: [src/api/routes.py]
        reads: [src/models/user.py]
        after: [models.*]
        estimate: 1h30m
        timeout: 3h
        tokens: 250000
        risk: high
        shared_state: [port-8080]
        done_when: [routes respond]
        verify: [pytest -q tests/api]
  - name: models
    role: implementation
    owns: [src/models/]
    tasks:
      - id: user-model
        do: Add the user model.
verify: [pytest -q, ruff check .]
merge: {order: [models, api]}
report: {to: guardian}
run: {backend: anthropic, retries: 0, concurrency: 2, shell: "agent {prompt_file}"}
lint: {ignore: [RY105]}
"""
    )
    assert [e.message for e in validator.iter_errors(doc)] == []


# ----------------------------------------------------------------- editor snippets


def test_snippets_fill_in_to_valid_documents(schema: dict[str, Any]) -> None:
    cases = [
        (schema, schema["defaultSnippets"]),
        (schema["properties"]["teammates"]["items"], schema["properties"]["teammates"]["items"]["defaultSnippets"]),
        (
            at(schema, "teammates", "[]", "tasks", "[]"),
            at(schema, "teammates", "[]", "tasks", "[]")["defaultSnippets"],
        ),
    ]
    for node, snippets in cases:
        assert snippets
        for snippet in snippets:
            assert snippet["label"] and "body" in snippet
            assert "${1:" in json.dumps(snippet["body"])
            body = fill_snippet(copy.deepcopy(snippet["body"]))
            target = {k: v for k, v in node.items() if k != "defaultSnippets"}
            errors = list(sub_validator(schema, target).iter_errors(body))
            assert not errors, (snippet["label"], [e.message for e in errors])


def test_teammate_snippet_shape(schema: dict[str, Any]) -> None:
    (snippet,) = schema["properties"]["teammates"]["items"]["defaultSnippets"]
    assert list(snippet["body"]) == ["name", "role", "owns", "tasks"]
    assert len(snippet["body"]["tasks"]) == 1
    (task_snippet,) = at(schema, "teammates", "[]", "tasks", "[]")["defaultSnippets"]
    assert list(task_snippet["body"]) == ["id", "do", "estimate", "done_when"]
