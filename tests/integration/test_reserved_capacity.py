"""Reserved capacity on the real engine: 2 slots, 1 reserved for identity ``risk``; a flood of
20 requests from another identity, then one from ``risk``. With the reservation, ``risk``
takes the next slot that frees (no flood request starts between its arrival and its start);
without it, at a less urgent priority, it waits for the flood. The waits are printed."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import pytest

from appliance.config import ModelConfig, ReserveConfig
from appliance.engine.llama_engine import LlamaEngine
from appliance.engine.types import Finished, SamplingParams
from appliance.errors import Overloaded

FLOOD = 20


async def _run(model_path: Path, reserve: ReserveConfig | None,
               queue_limit: int = 32) -> dict[str, object]:
    spec = ModelConfig(tier="v3", path=model_path, n_threads=2, slots=2, n_ctx=512,
                       chat_template="gemma", queue_limit=queue_limit)
    engine = LlamaEngine(spec, model_path, ["v3"], reserve=reserve)
    await engine.start()
    started: dict[str, float] = {}
    service: list[float] = []
    try:
        tokens = engine.tokenize_prompt("Count: one, two,")

        async def one(name: str, owner: str, priority: int) -> None:
            arrived = time.monotonic()
            async for ev in engine.generate(tokens, SamplingParams(24, temperature=0.0),
                                            priority=priority, owner=owner):
                if isinstance(ev, Finished):
                    assert ev.queue_wait_s is not None
                    started[name] = arrived + ev.queue_wait_s
                    service.append(time.monotonic() - started[name])

        flood = [asyncio.create_task(one(f"flood{i}", "batch", 0)) for i in range(FLOOD)]
        while engine.queued_jobs < FLOOD - 2:  # noqa: ASYNC110 - polls the engine: 2 run, the rest wait
            await asyncio.sleep(0.01)
        arrived = time.monotonic()
        refused = None
        try:
            await one("risk", "risk", 5)  # less urgent than the flood's priority 0
        except Overloaded as exc:
            refused = exc.reason
        await asyncio.gather(*flood)
    finally:
        await engine.close()
    if refused is not None:
        return {"refused": refused}
    wait = started["risk"] - arrived
    before = sum(1 for n, t in started.items() if n != "risk" and arrived < t < started["risk"])
    return {"risk_wait_s": round(wait, 2), "flood_started_before_risk": before,
            "service_s": round(max(service), 2)}


def test_reserved_identity_takes_the_next_free_slot(model_path: Path,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    reserved = asyncio.run(_run(model_path, ReserveConfig(reserved_slots=1,
                                                          identities=("risk",))))
    plain = asyncio.run(_run(model_path, None))
    with capsys.disabled():
        print(f"\nreserved capacity, 2 slots, flood of {FLOOD}: with the reservation {reserved}; "
              f"without {plain}")
    assert reserved["flood_started_before_risk"] == 0
    assert plain["flood_started_before_risk"] == FLOOD - 2  # every waiting flood request
    # (the waits are printed, not compared: a time is no assertion on a shared machine)


def test_strict_reservation_keeps_a_slot_idle_for_the_class(model_path: Path) -> None:
    """borrow = false: the flood runs on one slot only, so risk starts at once."""
    strict = asyncio.run(_run(model_path, ReserveConfig(reserved_slots=1, identities=("risk",),
                                                        borrow=False)))
    assert strict["flood_started_before_risk"] == 0


def test_reserved_queue_places_are_closed_to_the_flood(model_path: Path) -> None:
    """A queue the flood fills turns risk away without reserved places, not with them."""
    full = asyncio.run(_run(model_path, None, queue_limit=FLOOD - 2))
    assert full == {"refused": "queue_full"}
    kept = asyncio.run(_run(model_path, ReserveConfig(reserved_queue=1, identities=("risk",)),
                            queue_limit=FLOOD - 1))
    assert "risk_wait_s" in kept
