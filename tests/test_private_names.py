"""A module reaches another only through its public names: `_private` ones may change without notice."""

from __future__ import annotations

import ast

from tests.conftest import ROOT


def test_no_module_imports_another_modules_private_names() -> None:
    found = []
    for path in sorted((ROOT / "rallyc").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("rallyc"):
                private = [alias.name for alias in node.names if alias.name.startswith("_") and alias.name[-2:] != "__"]
                found += [f"{path.relative_to(ROOT)}: {node.module}.{name}" for name in private]
    assert found == []
