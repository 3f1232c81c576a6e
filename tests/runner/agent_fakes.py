"""Stand-ins for the agents, so the backends are tested offline: `claude` and `codex` executables
that print what the real ones document, and a Messages API server on 127.0.0.1.

A scripted task is a prompt with `WRITE <path> <content>` lines; every fake carries them out the
way its real agent would (claude and codex by writing in their working directory, the Messages API
by asking for `write_file`), so one prompt drives every backend in the contract test.
"""

from __future__ import annotations

import json
import os
import sys
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from rallyc.runner.backends import TaskRequest

FAKE_KEY = "sk-ant-api03-PLANTED-fake-key-0123456789abcdef"
"""Planted in every request's environment: it must never come back in a log or a summary."""

_COMMON = r'''
import json, os, subprocess, sys, time

def directives(text):
    found = []
    for line in text.splitlines():
        if line.startswith("WRITE "):
            _, path, content = line.split(" ", 2)
            found.append((path, content))
    return found

def apply(text):
    for path, content in directives(text):
        os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
        with open(path, "w") as handle:
            handle.write(content + "\n")

def record(**extra):
    path = os.environ.get("FAKE_RECORD")
    if path:
        with open(path, "w") as handle:
            json.dump({"argv": sys.argv[1:], "cwd": os.getcwd(), **extra}, handle)

def hang():
    # A grandchild in the same process group: the backend must kill it too.
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(300)"])
    with open(os.environ["FAKE_PIDFILE"] + ".tmp", "w") as handle:
        handle.write(str(child.pid))
    os.replace(os.environ["FAKE_PIDFILE"] + ".tmp", os.environ["FAKE_PIDFILE"])
    time.sleep(300)

mode = os.environ.get("FAKE_MODE", "success")
key = os.environ.get("ANTHROPIC_API_KEY", "")
'''

_CLAUDE = r'''
prompt = sys.stdin.read()
record(stdin=prompt)
usage = {"input_tokens": 120, "cache_creation_input_tokens": 30, "cache_read_input_tokens": 50, "output_tokens": 40}

def result(**fields):
    found = {"type": "result", "subtype": "success", "is_error": False, "duration_ms": 1234, "num_turns": 3,
             "result": "Wrote the routes.", "session_id": "s-1", "total_cost_usd": 0.0123, "usage": usage}
    found.update(fields)
    print(json.dumps(found))

if mode == "success":
    apply(prompt)
    result()
elif mode == "noise":
    print("warning: an update is available")
    apply(prompt)
    result()
elif mode == "is_error":
    result(is_error=True, result="API Error: 529 overloaded")
    sys.exit(1)
elif mode == "max_turns":
    found = {"type": "result", "subtype": "error_max_turns", "is_error": False, "num_turns": 10,
             "total_cost_usd": 0.5, "usage": usage}
    print(json.dumps(found))
elif mode == "malformed":
    print('{"type": "result", "subtype": "succ')
elif mode == "empty":
    print("Invalid API key. Please run /login", file=sys.stderr)
    sys.exit(1)
elif mode == "leak":
    print("debug: key=" + key, file=sys.stderr)
    result(result="my key is " + key)
elif mode == "hang":
    hang()
'''

_CODEX = r'''
args = sys.argv[1:]
assert args[0] == "exec", args
os.chdir(args[args.index("-C") + 1])
prompt = sys.stdin.read() if args[-1] == "-" else args[-1]
record(stdin=prompt)
usage = {"input_tokens": 200, "cached_input_tokens": 150, "output_tokens": 60}

def emit(**event):
    print(json.dumps(event), flush=True)

def message(text):
    emit(type="item.completed", item={"id": "item_1", "type": "agent_message", "text": text})

if mode != "malformed":
    emit(type="thread.started", thread_id="th_1")
    emit(type="turn.started")
if mode in ("success", "exit_nonzero"):
    apply(prompt)
    message("Created the routes.")
    emit(type="turn.completed", usage=usage)
    sys.exit(3 if mode == "exit_nonzero" else 0)
elif mode == "turn_failed":
    emit(type="turn.failed", error={"message": "stream disconnected before completion"})
    sys.exit(0)
elif mode == "error_event":
    emit(type="error", message="unexpected status 401 Unauthorized")
    emit(type="turn.completed", usage=usage)
elif mode == "no_completion":
    pass
elif mode == "malformed":
    print("Error: unexpected argument found")
    sys.exit(2)
elif mode == "megabytes":
    line = json.dumps({"type": "item.updated", "item": {"id": "x", "type": "command_execution",
                       "aggregated_output": "y" * 4000}})
    for _ in range(1000):
        print(line)
    emit(type="turn.failed", error={"message": "failed after printing a lot"})
    for _ in range(500):
        print(line)
elif mode == "leak":
    message("the key is " + key)
    print("key " + key, file=sys.stderr)
    emit(type="turn.completed", usage=usage)
elif mode == "hang":
    hang()
'''


def write_executable(folder: Path, name: str, body: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(f"#!{sys.executable}\n{_COMMON}\n{body}", encoding="utf-8")
    path.chmod(0o755)
    return path


def install_fake_agents(folder: Path) -> Path:
    """`claude` and `codex` in `folder`; returns it, to put first on PATH."""
    write_executable(folder, "claude", _CLAUDE)
    write_executable(folder, "codex", _CODEX)
    return folder


def environment(bin_folder: Path | None = None, **extra: str) -> dict[str, str]:
    """What a backend's process gets: a PATH (fakes first), HOME, and the planted key."""
    path = os.environ.get("PATH", os.defpath)
    env = {
        "PATH": f"{bin_folder}{os.pathsep}{path}" if bin_folder else path,
        "HOME": os.environ.get("HOME", "/tmp"),
        "ANTHROPIC_API_KEY": FAKE_KEY,
    }
    env.update(extra)
    return env


def task_request(worktree: Path, env: Mapping[str, str], **changes: Any) -> TaskRequest:
    prompt_file = worktree.parent / "prompt.md"
    fields: dict[str, Any] = {
        "run_id": "small-20261122T000000Z-abcd",
        "task_id": "routes",
        "teammate": "api",
        "prompt": "Add the routes.\nWRITE src/api/routes.py ROUTES = ['/health']",
        "prompt_file": prompt_file,
        "worktree": worktree,
        "model": "sonnet",
        "mode": "bypassPermissions",
        "timeout_seconds": 30.0,
        "env": dict(env),
        "owns": ("src/api/**",),
        "system_prompt": "You are api, the implementation teammate.",
    }
    fields.update(changes)
    request = TaskRequest(**fields)
    prompt_file.write_text(f"{request.system_prompt}\n\n{request.prompt}\n", encoding="utf-8")
    return request


# ---- the Messages API ---------------------------------------------------------------------


@dataclass
class Reply:
    body: dict[str, Any]
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0


def message(*blocks: dict[str, Any], stop_reason: str = "end_turn", tokens: tuple[int, int] = (10, 5),
            cache_read: int = 0, model: str = "claude-sonnet-4-6") -> dict[str, Any]:
    return {
        "id": "msg_fake",
        "type": "message",
        "role": "assistant",
        "model": model,
        "content": list(blocks),
        "stop_reason": stop_reason,
        "stop_sequence": None,
        "usage": {"input_tokens": tokens[0], "output_tokens": tokens[1],
                  "cache_creation_input_tokens": 0, "cache_read_input_tokens": cache_read},
    }


def text(words: str) -> dict[str, Any]:
    return {"type": "text", "text": words}


def tool_use(ident: str, name: str, **arguments: Any) -> dict[str, Any]:
    return {"type": "tool_use", "id": ident, "name": name, "input": arguments}


def api_error(status: int, kind: str, words: str, **headers: str) -> Reply:
    return Reply({"type": "error", "error": {"type": kind, "message": words}}, status, headers)


def tool_results(body: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """The tool results of a request's last (user) message, by tool_use id."""
    last = body["messages"][-1]
    assert last["role"] == "user"
    return {block["tool_use_id"]: block for block in last["content"] if block.get("type") == "tool_result"}


def scripted_writer(body: Mapping[str, Any], index: int) -> Reply:
    """A model that carries out the prompt's WRITE lines with write_file, then says it is done."""
    last = body["messages"][-1]
    if isinstance(last["content"], str):
        calls = []
        for number, line in enumerate(last["content"].splitlines()):
            if line.startswith("WRITE "):
                _, path, content = line.split(" ", 2)
                calls.append(tool_use(f"toolu_{number}", "write_file", path=path, content=content + "\n"))
        return Reply(message(*calls, stop_reason="tool_use", tokens=(300, 80)))
    return Reply(message(text("Wrote the routes."), tokens=(400, 20)))


Script = Callable[[dict[str, Any], int], Reply]


class FakeMessagesAPI:
    """`POST /v1/messages` answered by `script(body, index)`; every request is kept for asserts."""

    def __init__(self, script: Script | list[Reply]) -> None:
        self.script = script
        self.requests: list[dict[str, Any]] = []
        self.headers: list[dict[str, str]] = []
        self.release = threading.Event()  # ends a slow reply's wait at teardown
        self.lock = threading.Lock()
        api = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 (the stdlib's name)
                size = int(self.headers.get("content-length", "0"))
                body = json.loads(self.rfile.read(size) or b"{}")
                with api.lock:
                    index = len(api.requests)
                    api.requests.append(body)
                    api.headers.append({k.lower(): v for k, v in self.headers.items()})
                if self.path.split("?")[0] != "/v1/messages":
                    reply = api_error(404, "not_found_error", f"no route {self.path}")
                elif callable(api.script):
                    reply = api.script(body, index)
                else:
                    reply = api.script[min(index, len(api.script) - 1)]
                if reply.delay:
                    api.release.wait(reply.delay)
                data = json.dumps(reply.body).encode()
                try:
                    self.send_response(reply.status)
                    self.send_header("content-type", "application/json")
                    self.send_header("content-length", str(len(data)))
                    self.send_header("request-id", f"req_{index}")
                    for name, value in reply.headers.items():
                        self.send_header(name, value)
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):  # the client gave up (a timeout test)
                    pass

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host!s}:{port}"

    def __enter__(self) -> FakeMessagesAPI:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.release.set()
        self.server.shutdown()
        self.server.server_close()
