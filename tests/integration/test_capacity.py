"""Capacity: a bounded, prioritised queue in front of the slots; overload is refused at once."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import grpc
import pytest

from appliance.client import NO_RETRY, Client, RpcError
from tests.daemon import Daemon, write_config


def _wait(cond, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not cond():
        if time.monotonic() > deadline:
            raise TimeoutError
        time.sleep(0.01)


def test_priority_queue_and_overload(tmp_path: Path, model_path: Path) -> None:
    """One slot, queue of two: interactive (priority 0) is admitted before batch (9) that
    arrived earlier; a request beyond the queue gets RESOURCE_EXHAUSTED with retry-after at
    once, not a hang."""
    cfg = write_config(tmp_path / "a.toml", model_path)
    cfg.write_text(cfg.read_text().replace("slots = 8", "slots = 1\nqueue_limit = 2"))
    d = Daemon(tmp_path, cfg)
    try:
        d.wait_for("ready")
        address = d.address or ""
        done: dict[str, float] = {}

        def ask(name: str, priority: int) -> None:
            with Client(address, retry=NO_RETRY) as c:
                c.generate("Count: one, two,", max_tokens=4, temperature=0.0, priority=priority)
            done[name] = time.monotonic()

        with Client(address, retry=NO_RETRY) as c:
            engine = lambda: c.status().engines[0]  # noqa: E731
            blocker = c.stream("Once upon a time", max_tokens=1500, temperature=0.0)
            next(iter(blocker))
            batch = threading.Thread(target=ask, args=("batch", 9))
            batch.start()
            _wait(lambda: engine().queued_jobs == 1)
            interactive = threading.Thread(target=ask, args=("interactive", 0))
            interactive.start()
            _wait(lambda: engine().queued_jobs == 2)

            started = time.monotonic()
            with pytest.raises(RpcError) as info:
                c.generate("one more", max_tokens=4)
            assert grpc.StatusCode.RESOURCE_EXHAUSTED == info.value.code
            assert info.value.retry_after is not None
            assert info.value.retry_after > 0
            assert time.monotonic() - started < 5  # refused, not queued

            blocker.close()  # frees the slot
            batch.join(60)
            interactive.join(60)
        assert done["interactive"] < done["batch"]
    finally:
        assert 0 == d.stop()
