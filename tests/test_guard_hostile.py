"""`rallyc guard` against hostile or careless writers: the guard's own files, names no file holds, input built
to break the reader, and a guard server sent more than a call holds. Every answer is 0 or 2, never a crash."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from rallyc.guard import server
from tests.test_guard import SPEC, TEAMMATE, ask, install, patch_call, plan_of, write
from tests.test_guard_server import runtime_dir, serving, stop  # noqa: F401  (the fixture)
from tests.conftest import rallyc

BROAD = SPEC.replace('owns: [src/api/**, "notebooks/*.ipynb"]', 'owns: ["**", "!web/**"]')
"""A teammate owning everything but the web folder: the guard's own files are among what it owns."""


def installed(tmp_path: Path, target: str) -> Path:
    return install(tmp_path, target, BROAD)


@pytest.mark.parametrize("path", [".claude/rally/shop.json", ".claude/settings.json", ".claude/settings.local.json",
                                  ".claude/agents/shop-web.md", ".CLAUDE/Settings.json", ".rally/guard/shop/a.paths",
                                  ".rally/runs/x/report.json", ".git/hooks/pre-commit", ".git"])  # fmt: skip
def test_no_owner_writes_the_guards_own_files(tmp_path: Path, path: str) -> None:
    repo = installed(tmp_path, "claude-agent-teams")
    assert ask(repo, "pre-tool-use", write(repo, "README.md", **TEAMMATE)) == (0, "")  # it owns `**`
    for identity in (TEAMMATE, {}):  # the teammate, and the lead (a call that names no agent)
        code, message = ask(repo, "pre-tool-use", write(repo, path, **identity))
        assert code == 2 and "is the guard's or git's own" in message, message


def test_a_codex_patch_may_not_touch_the_hooks_or_the_plan(tmp_path: Path) -> None:
    repo = installed(tmp_path, "codex-subagents")
    identity = {"agent_id": "019b", "agent_type": "shop-api"}
    for patch in ("*** Begin Patch\n*** Delete File: .codex/rally/shop.json\n*** End Patch",
                  "*** Begin Patch\n*** Update File: src/a.py\n*** Move to: .codex/hooks.json\n@@\n-a\n+b\n*** End Patch",
                  "*** Begin Patch\n*** Add File: .codex/config.toml\n+[features]\n*** End Patch",
                  "*** Begin Patch\n*** Add File: .codex/agents/shop-api.toml\n+x\n*** End Patch"):  # fmt: skip
        code, message = ask(repo, "pre-tool-use", patch_call(repo, patch, **identity), runtime=".codex")
        assert code == 2 and "is the guard's or git's own" in message, (patch, message)
    ok = "*** Begin Patch\n*** Add File: .codex/agents/mine.toml\n+x\n*** End Patch"  # not one of the team's
    assert ask(repo, "pre-tool-use", patch_call(repo, ok, **identity), runtime=".codex") == (0, "")


@pytest.mark.parametrize(("path", "says"), [
    ("src/api/x.py\x00", "holds a control character"), ("src/api/a\nweb/x", "holds a control character"),
    ("src/api/\ud800.py", "not valid Unicode"),
])  # fmt: skip
def test_a_name_no_file_holds_is_a_clear_refusal(tmp_path: Path, path: str, says: str) -> None:
    repo = install(tmp_path, "claude-agent-teams")
    code, message = ask(repo, "pre-tool-use", write(repo, path, **TEAMMATE))
    assert code == 2 and says in message


def test_input_nested_too_deeply_is_a_clear_refusal(tmp_path: Path) -> None:
    repo = install(tmp_path, "claude-agent-teams")
    assert ask(repo, "pre-tool-use", b"[" * 100_000 + b"]" * 100_000) == (2, "the hook input is JSON nested too deeply to read")


def test_the_server_outlives_a_call_larger_than_it_reads(tmp_path: Path, runtime_dir: str,  # noqa: F811
                                                          monkeypatch: pytest.MonkeyPatch) -> None:  # fmt: skip
    repo = install(tmp_path, "claude-agent-teams")
    plan = plan_of(repo)
    thread = serving(plan, monkeypatch)
    huge = json.dumps({**write(repo, "web/x.ts", **TEAMMATE), "pad": "x" * (server._MAX_INPUT + 1)}).encode()
    assert server.ask(plan, None, huge) is None  # not answered: the caller decides in process
    assert thread.is_alive()
    assert server.ask(plan, None, json.dumps(write(repo, "web/x.ts", **TEAMMATE)).encode())[0] == 2  # type: ignore[index]
    stop(plan, thread)


# ---- installing into odd hooks files ------------------------------------------------------


def settings_repo(tmp_path: Path, content: bytes) -> Path:
    repo = tmp_path / "repo"
    (repo / ".claude").mkdir(parents=True)
    subprocess.run(["git", "init", "-q", str(repo)], check=True)
    (repo / "team.rally.yaml").write_text(SPEC, encoding="utf-8")
    (repo / ".claude/settings.json").write_bytes(content)
    return repo


def test_install_and_uninstall_keep_a_crlf_file_byte_for_byte(tmp_path: Path) -> None:
    content = b'{\r\n  "model": "opus"\r\n}\r\n'
    repo = settings_repo(tmp_path, content)
    spec = str(repo / "team.rally.yaml")
    assert rallyc("compile", spec, "--install")[0] == 0
    installed = (repo / ".claude/settings.json").read_bytes()
    assert installed.startswith(b'{\r\n  "model": "opus"') and b"rallyc guard" in installed
    assert rallyc("compile", spec, "--uninstall")[0] == 0
    assert (repo / ".claude/settings.json").read_bytes() == content


@pytest.mark.parametrize(("content", "says"), [
    (b'{"hooks": {"PreToolUse": []}, "hooks": {}}\n', 'the key "hooks" appears twice in one object'),
    (b'{"a": "\xe9"}\n', "not UTF-8 (byte 7)"),
    (b'{"a":' * 5000 + b"1" + b"}" * 5000, "nested too deeply to read"),
])  # fmt: skip
def test_a_hooks_file_rallyc_cannot_merge_into_safely_is_refused_before_anything_is_written(
        tmp_path: Path, content: bytes, says: str) -> None:  # fmt: skip
    repo = settings_repo(tmp_path, content)
    code, out, err = rallyc("compile", str(repo / "team.rally.yaml"), "--install")
    assert code == 2 and says in out + err and "Traceback" not in out + err and "internal error" not in out + err
    assert (repo / ".claude/settings.json").read_bytes() == content
    assert sorted(path.name for path in (repo / ".claude").iterdir()) == ["settings.json"]
