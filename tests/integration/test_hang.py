"""Liveness follows progress: a decode step or an audit fdatasync that never returns makes
health NOT_SERVING, refuses new requests and stops the systemd watchdog pings; when it
returns, the daemon serves again. The real engine and writer, with one call made to block."""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import grpc
import pytest

from appliance import config as cfgmod
from appliance.client import NO_RETRY, Client, RpcError
from appliance.config import ModelConfig
from tests.inprocess import InProcessServer

HANG_SECONDS = 1.0


@pytest.fixture
def server(tmp_path: Path, model_path: Path) -> Iterator[InProcessServer]:
    models = {t: ModelConfig(tier=t, path=model_path, n_threads=2, chat_template="transcript")
              for t in cfgmod.TIERS}
    config = replace(cfgmod.embedded_default(), state_dir=tmp_path, models=models,
                     server=replace(cfgmod.ServerConfig(), listen="127.0.0.1:0",
                                    hang_seconds=HANG_SECONDS, shutdown_grace_seconds=2.0))
    s = InProcessServer(config)
    yield s
    s.stop()


def _health(address: str) -> str:
    with Client(address, retry=NO_RETRY) as c:
        return c.health(timeout=5)


def _until(predicate: Callable[[], bool], timeout: float) -> float:
    started = time.monotonic()
    while not predicate():
        if time.monotonic() - started > timeout:
            raise AssertionError("condition not reached")
        time.sleep(0.05)
    return time.monotonic() - started


def _asker(address: str, out: list[Any]) -> threading.Thread:
    """A request on its own thread; its result lands in ``out``."""
    def ask() -> None:
        with Client(address, timeout=120, retry=NO_RETRY) as c:
            out.append(c.generate(prompt="Once upon a time", max_tokens=2, temperature=0.0))

    return threading.Thread(target=ask)


def _refusal(address: str) -> grpc.StatusCode:
    """The status a new request gets now."""
    with Client(address, timeout=10, retry=NO_RETRY) as c, pytest.raises(RpcError) as info:
        c.generate(prompt="Hi", max_tokens=2)
    return info.value.code


def _hang_and_recover(server: InProcessServer, block: Callable[[threading.Event], None],
                      what: str) -> float:
    assert "SERVING" == _health(server.address)
    release = threading.Event()
    done: list[Any] = []
    block(release)
    asker = _asker(server.address, done)
    asker.start()
    try:
        detected = _until(lambda: _health(server.address) == "NOT_SERVING", 30)
        assert server.app.hang is not None and what in server.app.hang
        assert not server.app.watchdog_healthy()
        assert grpc.StatusCode.UNAVAILABLE == _refusal(server.address)
    finally:
        release.set()
        asker.join(60)
    assert 1 == len(done)  # the stuck request finished once the call returned
    _until(lambda: _health(server.address) == "SERVING", 30)
    assert server.app.watchdog_healthy()
    return detected


def test_a_decode_step_that_does_not_return(server: InProcessServer) -> None:
    engine = server.app.registry.engines[0]
    ctx = engine._ctx
    decode = ctx.decode

    def block(release: threading.Event) -> None:
        def stuck() -> None:
            release.wait(60)
            decode()

        ctx.decode = stuck

    seconds = _hang_and_recover(server, block, "decode step")
    ctx.decode = decode
    print(f"decode hang detected after {seconds:.1f} s (hang_seconds {HANG_SECONDS})")


def test_an_fdatasync_that_does_not_return(server: InProcessServer) -> None:
    writer = server.app.services.audit.writer
    sync = writer.os_fdatasync

    def block(release: threading.Event) -> None:
        def stuck(fd: int) -> None:
            release.wait(60)
            sync(fd)

        writer.os_fdatasync = stuck

    try:
        seconds = _hang_and_recover(server, block, "fdatasync")
    finally:
        writer.os_fdatasync = os.fdatasync
    print(f"fdatasync hang detected after {seconds:.1f} s (hang_seconds {HANG_SECONDS})")


def test_handlers_are_bounded(tmp_path: Path, model_path: Path) -> None:
    """[server] max_concurrent_rpcs: past it, RESOURCE_EXHAUSTED at the door (a hung decode
    once let handlers pile up without bound)."""
    models = {t: ModelConfig(tier=t, path=model_path, n_threads=2, chat_template="transcript")
              for t in cfgmod.TIERS}
    config = replace(cfgmod.embedded_default(), state_dir=tmp_path, models=models,
                     server=replace(cfgmod.ServerConfig(), listen="127.0.0.1:0",
                                    max_concurrent_rpcs=2, shutdown_grace_seconds=2.0))
    server = InProcessServer(config)
    ctx = server.app.registry.engines[0]._ctx
    decode, release = ctx.decode, threading.Event()

    def stuck() -> None:
        release.wait(60)
        decode()

    ctx.decode = stuck
    done: list[Any] = []
    askers = [_asker(server.address, done) for _ in range(2)]
    try:
        for t in askers:
            t.start()
        _until(lambda: server.app.in_flight.count >= 2, 30)
        assert grpc.StatusCode.RESOURCE_EXHAUSTED == _refusal(server.address)
    finally:
        release.set()
        for t in askers:
            t.join(60)
        ctx.decode = decode
        server.stop()
    assert 2 == len(done)
