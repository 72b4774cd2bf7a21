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

            with pytest.raises(RpcError) as info:
                c.generate("one more", max_tokens=4)
            assert grpc.StatusCode.RESOURCE_EXHAUSTED == info.value.code
            assert info.value.retry_after is not None
            assert info.value.retry_after > 0
            # Refused, not queued: its canonical line has no queue wait (not a timed bound,
            # which a loaded machine can break).
            def refused() -> list[dict[str, object]]:
                return [e for e in d.events() if e.get("event") == "rpc"
                        and e.get("request_id") == info.value.request_id]

            _wait(refused)  # the line is written as the call ends, maybe after the client saw it
            assert [("rejected", None)] == [(e["outcome"], e["queue_wait_ms"])
                                            for e in refused()]

            blocker.close()  # frees the slot
            batch.join(60)
            interactive.join(60)
        assert done["interactive"] < done["batch"]
    finally:
        assert 0 == d.stop()


def test_queue_allowance_expires_a_waiting_request_only(model_path: Path) -> None:
    """The engine itself: with its one slot busy, a request allowed 0.3 s in the queue gets
    QueueTimeout after about that long (so the pipeline can send it to the cluster), while
    the running request finishes normally and the queue is empty afterwards."""
    import asyncio

    from appliance.config import ModelConfig
    from appliance.engine.llama_engine import LlamaEngine
    from appliance.engine.types import Finished, SamplingParams
    from appliance.errors import QueueTimeout

    async def main() -> tuple[float, str]:
        spec = ModelConfig(tier="v3", path=model_path, n_threads=2, slots=1, n_ctx=256,
                           chat_template="gemma")
        engine = LlamaEngine(spec, model_path, ["v3"])
        await engine.start()
        try:
            tokens = engine.tokenize_prompt("Count: one, two,")

            busy = engine.generate(tokens, SamplingParams(48, temperature=0.0))
            await anext(busy)  # its first piece: the long request holds the one slot

            async def rest() -> str:
                async for ev in busy:
                    if isinstance(ev, Finished):
                        return ev.finish_reason
                return "none"

            running = asyncio.create_task(rest())
            start = time.monotonic()
            with pytest.raises(QueueTimeout):
                async for _ in engine.generate(tokens, SamplingParams(4, temperature=0.0),
                                               max_queue_wait=0.3):
                    pass
            waited = time.monotonic() - start
            # expired by its allowance while the long request still held the slot
            assert not running.done()
            reason = await running
            assert 0 == engine.queued_jobs
            return waited, reason
        finally:
            await engine.close()

    waited, reason = asyncio.run(main())
    assert waited >= 0.3
    assert reason in ("length", "stop")
