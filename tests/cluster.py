"""A real OpenAI-compatible cluster for tests: llama-cpp-python's server
(``python -m llama_cpp.server``) on the small model, on a loopback port."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start(model_path: Path, log: Path, port: int, threads: int = 1) -> subprocess.Popen[bytes]:
    """Start the server and wait until it answers GET /v1/models."""
    with log.open("ab") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "llama_cpp.server", "--model", str(model_path),
             "--chat_format", "gemma", "--host", "127.0.0.1", "--port", str(port),
             "--n_threads", str(threads), "--n_ctx", "2048"], stdout=out,
            stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}/v1"
    deadline = time.monotonic() + 120
    while True:
        try:
            if httpx.get(f"{url}/models", timeout=1).status_code == 200:
                return proc
        except httpx.HTTPError:
            pass
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            raise RuntimeError("llama_cpp.server did not start")
        time.sleep(0.2)


def stop(proc: subprocess.Popen[bytes]) -> None:
    proc.terminate()
    try:
        proc.wait(30)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(10)


@contextmanager
def serve(model_path: Path, log: Path, threads: int = 1) -> Iterator[str]:
    """A running server for the block; yields its base URL (…/v1)."""
    port = free_port()
    proc = start(model_path, log, port, threads)
    try:
        yield f"http://127.0.0.1:{port}/v1"
    finally:
        stop(proc)
