"""Supervisor of the embedded llama.cpp server: one child process on 127.0.0.1, started on first need.

Thread-safe: `ensure()` starts it (or restarts it when it has died) and returns its base URL; `stop()` ends it.
The child exits on its own when this process goes away (it serves until its stdin pipe closes).
"""

from __future__ import annotations

import logging
import re
import socket
import subprocess
import sys
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from assistant.llm.base import LLMError

log = logging.getLogger(__name__)
START_TIMEOUT_S = 180.0

_READY = re.compile(r"READY https?://")


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class LocalLlamaServer:
    model_path: Path
    alias: str
    threads: int = 2
    context: int = 4096
    parallel: int = 1
    start_timeout_s: float = START_TIMEOUT_S
    command: list[str] | None = None  # argv prefix replacing `python -m assistant.llm._serve` (tests)
    starts: int = 0
    _proc: subprocess.Popen[str] | None = None
    _url: str | None = None
    _lock: threading.RLock = field(default_factory=threading.RLock)
    _log_tail: deque[str] = field(default_factory=lambda: deque(maxlen=40))
    _pump_thread: threading.Thread | None = None

    @property
    def running(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    @property
    def url(self) -> str | None:
        return self._url if self.running else None

    @property
    def pid(self) -> int | None:
        return self._proc.pid if self.running and self._proc else None

    def ensure(self) -> str:
        """Base URL (http://127.0.0.1:PORT) of a live server; starts or restarts it as needed."""
        with self._lock:
            if self.running and self._url:
                return self._url
            if self._proc is not None:
                log.warning(
                    "local model server (pid %s) died with code %s; restarting", self._proc.pid, self._proc.poll()
                )
                self.stop()
            self._start()
            assert self._url is not None
            return self._url

    def _start(self) -> None:
        port = free_port()
        cmd = [
            *(self.command or [sys.executable, "-m", "assistant.llm._serve"]),
            "--model", str(self.model_path), "--alias", self.alias,
            "--port", str(port), "--threads", str(self.threads), "--ctx", str(self.context),
            "--parallel", str(self.parallel),
        ]  # fmt: skip
        self._log_tail.clear()
        proc = subprocess.Popen(
            cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, bufsize=1
        )
        self._proc = proc
        self.starts += 1
        ready = threading.Event()
        self._pump_thread = threading.Thread(target=self._pump, args=(proc, ready), daemon=True)
        self._pump_thread.start()
        deadline = time.monotonic() + self.start_timeout_s
        while time.monotonic() < deadline and proc.poll() is None and not ready.wait(0.1):
            pass
        if not ready.is_set():
            self.stop()
            tail = "\n".join(list(self._log_tail)[-8:])
            raise LLMError(f"the local model server did not start (model {self.model_path}).\nLast output:\n{tail}")
        # The URL comes from the port chosen here, not from the marker's text: llama.cpp's native logs share
        # the pipe and can glue digits onto the marker (seen: "READY http://127.0.0.1:486110.02.007.038").
        self._url = f"http://127.0.0.1:{port}"
        self._wait_healthy(deadline)

    def _pump(self, proc: subprocess.Popen[str], ready: threading.Event) -> None:
        assert proc.stdout is not None
        for line in proc.stdout:
            line = line.rstrip()
            self._log_tail.append(line)
            # llama.cpp's native logs share this pipe and can land on the same line as the marker.
            if _READY.search(line):
                ready.set()

    def _wait_healthy(self, deadline: float) -> None:
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{self._url}/health", timeout=2.0).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            if not self.running:
                break
            time.sleep(0.2)
        self.stop()
        raise LLMError("the local model server started but never became healthy")

    def stop(self) -> None:
        with self._lock:
            proc, self._proc, self._url = self._proc, None, None
            if proc is None:
                return
            if proc.stdin:
                proc.stdin.close()
            if proc.poll() is None:
                proc.terminate()
                try:
                    proc.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait(timeout=5)
            if self._pump_thread is not None:
                self._pump_thread.join(timeout=5)
            if proc.stdout:
                proc.stdout.close()
