"""`make schemas`: the generated catalog, schema values and docs section match the descriptors they come from."""

from __future__ import annotations

import json

import pytest

from rallyc import catalog, defaults, regenerate
from rallyc.jsonedit import replaced, span
from rallyc.models import ALIASES
from rallyc.runner.backends import backends
from rallyc.targets import targets


def test_every_generated_file_is_up_to_date() -> None:
    stale = [path for path, text in regenerate.generated().items()
             if (regenerate.ROOT / path).read_text(encoding="utf-8") != text]  # fmt: skip
    assert not stale, f"out of date, run `make schemas`: {stale}"


def test_check_names_a_file_that_drifted(tmp_path, monkeypatch, capsys) -> None:  # type: ignore[no-untyped-def]
    for path in regenerate.generated():
        (tmp_path / path).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / path).write_text((regenerate.ROOT / path).read_text(encoding="utf-8"), encoding="utf-8")
    monkeypatch.setattr(regenerate, "ROOT", tmp_path)
    assert regenerate.main(["--check"]) == 0
    schema = tmp_path / "schemas/report.schema.json"
    schema.write_text(schema.read_text().replace('"codex", ', ""))
    assert regenerate.main(["--check"]) == 1
    assert "schemas/report.schema.json: out of date" in capsys.readouterr().err
    assert regenerate.main([]) == 0 and regenerate.main(["--check"]) == 0


def test_the_catalog_is_what_the_descriptors_say() -> None:
    assert catalog.TARGETS == tuple(targets()) and catalog.BACKENDS == tuple(backends())
    assert catalog.OVERHEAD == {name: target.overhead for name, target in targets().items()}
    assert set(catalog.TARGETS) >= {backend.runtime for backend in backends().values()}


def test_the_schema_states_the_defaults_and_the_enums() -> None:
    schema = json.loads((regenerate.ROOT / "schemas/team.rally.schema.json").read_text(encoding="utf-8"))
    team = schema["properties"]["team"]["properties"]
    assert team["runtime"]["enum"] == list(catalog.TARGETS) and team["runtime"]["default"] == defaults.RUNTIME
    assert schema["definitions"]["model"]["anyOf"][0]["enum"] == list(ALIASES)


def test_a_value_is_replaced_in_place_keeping_the_layout() -> None:
    text = '{\n  "a": {"enum": ["x",  "y"]},\n  "b": [\n    1,\n    2\n  ]\n}\n'
    assert replaced(text, "/a/enum", ["z"], expanded=False) == '{\n  "a": {"enum": ["z"]},\n  "b": [\n    1,\n    2\n  ]\n}\n'
    assert replaced(text, "/b/1", 3, expanded=True).endswith('    3\n  ]\n}\n')
    assert replaced(text, "/b", [4], expanded=True) == '{\n  "a": {"enum": ["x",  "y"]},\n  "b": [\n    4\n  ]\n}\n'
    with pytest.raises(KeyError):
        span(text, "/c")
