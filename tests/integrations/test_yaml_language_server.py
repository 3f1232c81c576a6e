"""The schema in a real editor back end: yaml-language-server, over LSP on stdio.

The server is the npm package pinned in tests/integrations/package.json. It is kept off the
network: SchemaStore's catalog is turned off and HTTP(S)_PROXY point at a closed loopback port, and
every schema it reads is a local file. Every wait is bounded; the server is shut down and killed
after each test.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import EXAMPLES, ROOT
from tests.integrations.conftest import node_package
from tests.integrations.lsp import LspClient

SCHEMA = ROOT / "schemas" / "team.rally.schema.json"
EDITORS_DOC = ROOT / "docs" / "editors.md"
TEAMMATE_KEYS = ["name", "role", "model", "mode", "owns", "reads", "context", "constraints", "tasks", "report"]


def catalog_entry() -> dict[str, Any]:
    """The SchemaStore catalog entry shown in docs/editors.md."""
    blocks = re.findall(r"```json\n(.*?)```", EDITORS_DOC.read_text(), flags=re.S)
    entries = [json.loads(block) for block in blocks if '"fileMatch"' in block]
    assert len(entries) == 1, "docs/editors.md shows one catalog entry"
    return entries[0]  # type: ignore[no-any-return]


def test_catalog_entry_is_schemastore_ready() -> None:
    entry = catalog_entry()
    assert set(entry) == {"name", "description", "fileMatch", "url"}
    assert entry["fileMatch"] == ["team.rally.yaml", "*.rally.yaml", "*.rally.yml"]
    schema = json.loads(SCHEMA.read_text())
    assert entry["url"] == schema["$id"] == "https://rallyc.dev/schemas/team.rally.schema.json"
    assert schema["$schema"] == "http://json-schema.org/draft-07/schema#"  # what SchemaStore and editors support
    assert entry["name"] and entry["description"] and not entry["description"].endswith(".")


@pytest.fixture
def server(tmp_path: Path) -> Iterator[LspClient]:
    package = node_package("yaml-language-server")
    settings = {
        "yaml": {
            "validate": True, "completion": True, "hover": True, "format": {"enable": False},
            "schemaStore": {"enable": False},
            # The catalog entry's globs, as SchemaStore hands them to the server, with the local schema.
            "schemas": {SCHEMA.as_uri(): catalog_entry()["fileMatch"]},
        },
        "http": {"proxy": "", "proxyStrictSSL": True},
    }  # fmt: skip
    env = {**os.environ, "HTTP_PROXY": "http://127.0.0.1:9", "HTTPS_PROXY": "http://127.0.0.1:9", "NO_PROXY": ""}
    client = LspClient(["node", str(package / "bin" / "yaml-language-server"), "--stdio"], settings=settings, env=env)
    try:
        workspace = tmp_path.as_uri()
        capabilities = {
            "workspace": {"configuration": True, "didChangeConfiguration": {"dynamicRegistration": True}},
            "textDocument": {
                "publishDiagnostics": {"relatedInformation": True},
                "completion": {"completionItem": {"documentationFormat": ["markdown", "plaintext"],
                                                  "snippetSupport": True}},  # fmt: skip
            },
        }
        answer = client.request("initialize", {"processId": os.getpid(), "rootUri": workspace, "capabilities": capabilities,
                                               "workspaceFolders": [{"uri": workspace, "name": "specs"}]})  # fmt: skip
        assert answer["serverInfo"]["name"] == "yaml-language-server"
        client.notify("initialized", {})
        client.notify("workspace/didChangeConfiguration", {"settings": settings})
        # Settings apply asynchronously: wait until a matching file is checked against the schema.
        probe = open_document(client, tmp_path / "probe.rally.yaml", "rally: 2\n")
        assert diagnostics(client, probe)
        client.notify("textDocument/didClose", {"textDocument": {"uri": probe}})
        yield client
    finally:
        client.close()
    assert client.process.poll() is not None


def open_document(client: LspClient, path: Path, text: str) -> str:
    uri = path.as_uri()
    client.notify("textDocument/didOpen", {"textDocument": {"uri": uri, "languageId": "yaml", "version": 1, "text": text}})
    return uri


def diagnostics(client: LspClient, uri: str) -> list[dict[str, Any]]:
    """The first non-empty diagnostics the server publishes for `uri`."""
    params = client.wait_for("textDocument/publishDiagnostics", lambda p: p["uri"] == uri and bool(p["diagnostics"]),
                             timeout=30)  # fmt: skip
    return params["diagnostics"]  # type: ignore[no-any-return]


def rallyc_location(path: Path, code: str) -> tuple[int, int]:
    """Where `rallyc lint` puts the finding `code` (1-based line and column)."""
    done = subprocess.run([sys.executable, "-m", "rallyc", "lint", "--no-repo", "--format", "json", str(path)],
                          capture_output=True, text=True, check=False)  # fmt: skip
    (found,) = [d for d in json.loads(done.stdout)["diagnostics"] if d["code"] == code]
    return found["line"], found["column"]


MISSPELLED = "        verify: [pytest -q tests/payments/billing]\n"


def test_modeline_of_an_example_finds_a_misspelled_key_on_its_line(server: LspClient, tmp_path: Path) -> None:
    """The example's own relative modeline (../../schemas/...) is resolved against its real path."""
    example = EXAMPLES[[path.name for path in EXAMPLES].index("refactor.rally.yaml")]
    text = example.read_text()
    assert text.startswith("# yaml-language-server: $schema=../../schemas/team.rally.schema.json\n")
    assert text.count(MISSPELLED) == 1
    broken = text.replace(MISSPELLED, MISSPELLED.replace("verify", "verfiy"))
    line = broken.splitlines().index(MISSPELLED.replace("verify", "verfiy").rstrip("\n"))

    found = diagnostics(server, open_document(server, example, broken))
    (problem,) = found
    assert problem["message"] == "Property verfiy is not allowed."
    assert problem["severity"] == 1  # error
    assert problem["range"] == {"start": {"line": line, "character": 8}, "end": {"line": line, "character": 14}}
    assert problem["data"]["schemaUri"] == [SCHEMA.as_uri()]
    assert "verify" in problem["data"]["properties"]  # the keys allowed there: what an editor offers as a fix

    copy = tmp_path / "examples" / "refactor.rally.yaml"
    copy.parent.mkdir()
    copy.write_text(broken)
    assert rallyc_location(copy, "RY002") == (line + 1, 8 + 1)  # rallyc lint points at the same key


@pytest.mark.parametrize("name", ["team.rally.yaml", "ops/db.rally.yml"])
def test_schema_setting_with_the_catalog_globs(server: LspClient, tmp_path: Path, name: str) -> None:
    """No modeline: the file is matched by the catalog's globs in `yaml.schemas`."""
    text = "rally: 1\nteam:\n  name: x\n  goal: One goal.\n  runtim: codex-subagents\nteammates: []\n"
    diagnostic = {d["message"]: d for d in diagnostics(server, open_document(server, tmp_path / name, text))}
    assert diagnostic["Property runtim is not allowed."]["range"]["start"] == {"line": 4, "character": 2}
    assert diagnostic["Array has too few items. Expected 1 or more."]["range"]["start"]["line"] == 5


def test_a_file_the_globs_do_not_match_gets_no_schema(server: LspClient, tmp_path: Path) -> None:
    uri = open_document(server, tmp_path / "team.yaml", "rally: 1\nbogus: true\n")
    params = server.wait_for("textDocument/publishDiagnostics", lambda p: p["uri"] == uri, timeout=30)
    assert params["diagnostics"] == []


def test_completion_in_a_teammate_offers_its_keys_with_documentation(server: LspClient, tmp_path: Path) -> None:
    text = (
        "rally: 1\n"
        "team: {name: auth-split, goal: Split the auth module.}\n"
        "teammates:\n"
        "  - name: tokens\n"
        "    role: implementation\n"
        "    \n"
    )
    uri = open_document(server, tmp_path / "team.rally.yaml", text)
    assert [d["message"] for d in diagnostics(server, uri)] == ['Missing property "tasks".']
    answer = server.request("textDocument/completion", {"textDocument": {"uri": uri},
                                                        "position": {"line": 5, "character": 4}}, timeout=30)  # fmt: skip
    items = {item["label"]: item for item in (answer["items"] if isinstance(answer, dict) else answer)}
    schema = json.loads(SCHEMA.read_text())["properties"]["teammates"]["items"]["properties"]

    offered = [key for key in TEAMMATE_KEYS if key in items]
    assert offered == [key for key in TEAMMATE_KEYS if key not in ("name", "role")]  # present keys are not offered
    assert set(TEAMMATE_KEYS) == set(schema)
    for key in offered:
        documentation = items[key]["documentation"]
        assert documentation == {"kind": "markdown", "value": schema[key]["markdownDescription"]}, key
        assert items[key]["insertText"].startswith(f"{key}:")
    assert "exclusively" in items["owns"]["documentation"]["value"]
