"""A small Language Server Protocol client over stdio, enough to drive yaml-language-server in tests.

JSON-RPC 2.0 with `Content-Length` framing. A reader thread parses everything the server sends: it
answers the server's own requests (configuration, capability registration, progress) at once, and
queues responses and notifications for the test. Every wait is bounded by a timeout, and `close`
shuts the server down politely, then kills it.
"""

from __future__ import annotations

import json
import queue
import subprocess
import threading
import time
from collections.abc import Callable, Sequence
from typing import Any, BinaryIO

Message = dict[str, Any]


class LspError(RuntimeError):
    pass


class LspClient:
    def __init__(self, command: Sequence[str], *, settings: Message, env: dict[str, str] | None = None) -> None:
        self.settings = settings
        self.process = subprocess.Popen(list(command), stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                        stderr=subprocess.PIPE, env=env)  # fmt: skip
        assert self.process.stdin is not None and self.process.stdout is not None and self.process.stderr is not None
        self._stdin: BinaryIO = self.process.stdin
        self._next_id = 0
        self._lock = threading.Lock()
        self._responses: dict[int, queue.Queue[Message]] = {}
        self.notifications: queue.Queue[Message] = queue.Queue()
        self.stderr: list[bytes] = []
        threading.Thread(target=self._read, args=(self.process.stdout,), daemon=True).start()
        threading.Thread(target=self._drain, args=(self.process.stderr,), daemon=True).start()

    # -- sending

    def _send(self, message: Message) -> None:
        body = json.dumps({"jsonrpc": "2.0", **message}).encode("utf-8")
        with self._lock:
            self._stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
            self._stdin.flush()

    def notify(self, method: str, params: Any) -> None:
        self._send({"method": method, "params": params})

    def request(self, method: str, params: Any, *, timeout: float = 30) -> Any:
        with self._lock:
            self._next_id += 1
            number = self._next_id
            self._responses[number] = queue.Queue()
        self._send({"id": number, "method": method, "params": params})
        try:
            response = self._responses[number].get(timeout=timeout)
        except queue.Empty:
            raise LspError(f"no answer to {method} within {timeout}s; server stderr: {self.server_log()}") from None
        if "error" in response:
            raise LspError(f"{method} failed: {response['error']}")
        return response.get("result")

    # -- receiving

    def _read(self, stream: BinaryIO) -> None:
        while True:
            headers: dict[str, str] = {}
            while True:
                line = stream.readline()
                if not line:
                    return  # the server is gone
                line = line.strip()
                if not line:
                    break
                name, _, value = line.decode("ascii").partition(":")
                headers[name.strip().lower()] = value.strip()
            body = stream.read(int(headers["content-length"]))
            self._dispatch(json.loads(body))

    def _drain(self, stream: BinaryIO) -> None:
        for line in iter(stream.readline, b""):
            self.stderr.append(line)

    def _dispatch(self, message: Message) -> None:
        if "method" in message and "id" in message:  # a request from the server
            self._send({"id": message["id"], "result": self._answer(message["method"], message.get("params"))})
        elif "method" in message:
            self.notifications.put(message)
        else:
            with self._lock:
                waiting = self._responses.get(message.get("id", -1))
            if waiting is not None:
                waiting.put(message)

    def _answer(self, method: str, params: Any) -> Any:
        if method == "workspace/configuration":
            return [self._section(item.get("section")) for item in params.get("items", [])]
        return None  # client/registerCapability, window/workDoneProgress/create, ...

    def _section(self, section: str | None) -> Any:
        value: Any = self.settings
        for part in (section or "").split("."):
            if part:
                value = value.get(part) if isinstance(value, dict) else None
        return value

    def wait_for(self, method: str, accept: Callable[[Message], bool], *, timeout: float = 30) -> Message:
        """The first notification `method` whose params `accept` takes; others are dropped."""
        deadline = time.monotonic() + timeout
        while (left := deadline - time.monotonic()) > 0:
            try:
                message = self.notifications.get(timeout=left)
            except queue.Empty:
                break
            if message["method"] == method and accept(message.get("params") or {}):
                return message["params"]  # type: ignore[no-any-return]
        raise LspError(f"no {method} within {timeout}s; server stderr: {self.server_log()}")

    def server_log(self) -> str:
        return b"".join(self.stderr).decode("utf-8", "replace")[-2000:]

    # -- lifetime

    def close(self) -> None:
        try:
            if self.process.poll() is None:
                self.request("shutdown", None, timeout=5)
                self.notify("exit", None)
                self.process.wait(timeout=5)
        except (LspError, OSError, subprocess.TimeoutExpired):
            pass
        finally:
            if self.process.poll() is None:
                self.process.kill()
                self.process.wait(timeout=5)
            for stream in (self.process.stdin, self.process.stdout, self.process.stderr):
                if stream is not None:
                    stream.close()
