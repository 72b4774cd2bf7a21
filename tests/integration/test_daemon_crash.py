"""SIGKILL of the whole daemon under load, again and again on the same directories: every
request a client saw finish has its begin and end records, and the log verifies.

The unit-level crash test (tests/unit/test_audit_crash.py) kills a bare audit writer; this
one kills the real daemon (gRPC, PII, engine, audit) while clients stream. A modest count
runs in CI; ``make test-full`` runs 200.
"""

from __future__ import annotations

import random
import threading
import time
from pathlib import Path

import pytest

from appliance.audit.keys import load_officer_private
from appliance.audit.verify import verify_dir
from appliance.client import NO_RETRY, Client, RpcError
from tests.audit_helpers import full_count
from tests.daemon import Daemon


def _load(address: str, stop: threading.Event, acked: list[str], rng: random.Random) -> None:
    """One client: short greedy streams, one after another, until told to stop; the id of
    every stream that reached its last chunk is acknowledged."""
    with Client(address, retry=NO_RETRY, timeout=30) as c:
        while not stop.is_set():
            try:
                request_id, finished = "", False
                for chunk in c.stream(f"Count to {rng.randint(3, 9)}.", temperature=0.0,
                                      max_tokens=rng.randint(4, 24)):
                    request_id = chunk.request_id or request_id
                    finished = bool(chunk.finish_reason)
                if finished and request_id:
                    acked.append(request_id)
            except RpcError:
                time.sleep(0.05)  # the daemon went away, or is not serving yet


@pytest.mark.slow
@pytest.mark.timeout(3600)  # the full count (make test-full) takes about 27 minutes here
def test_sigkill_under_load_loses_no_acknowledged_request(tmp_path: Path) -> None:
    runs = full_count(3, 200)
    cfg = tmp_path / "appliance.toml"
    cfg.write_text('state_dir = "state"\n[audit]\ndev_officer_key = true\n'
                   "checkpoint_every_seconds = 0.5\n[auth]\nrequired = false\n")
    rng = random.Random(20261201)
    acked: list[str] = []
    for run in range(runs):
        d = Daemon(tmp_path, config=cfg)
        try:
            d.wait_for("ready", timeout=300)
            assert d.address is not None
            stop = threading.Event()
            clients = [threading.Thread(target=_load, args=(d.address, stop, acked,
                                                            random.Random(run * 10 + i)))
                       for i in range(3)]
            for t in clients:
                t.start()
            time.sleep(rng.uniform(0.5, 4.0))
            d.proc.kill()  # SIGKILL: no drain, no final checkpoint
            d.proc.wait(30)
            stop.set()
            for t in clients:
                t.join(60)
        finally:
            d.stop()
    assert len(acked) > runs  # the clients got answers before each kill

    # One last clean start and stop recovers the last crash and closes the log.
    d = Daemon(tmp_path, config=cfg)
    try:
        d.wait_for("ready", timeout=300)
    finally:
        assert 0 == d.stop()
    records: list[dict[str, object]] = []
    report = verify_dir(tmp_path / "state" / "audit",
                        load_officer_private(tmp_path / "state" / "dev-officer" / "officer.key"),
                        tmp_path / "state" / "audit-anchors.jsonl", records.append)
    assert report.ok, report.summary
    kinds: dict[str, set[str]] = {}
    for r in records:
        kinds.setdefault(str(r.get("request_id")), set()).add(str(r.get("type")))
    missing = [a for a in acked if {"begin", "end"} - kinds.get(a, set())]
    assert [] == missing
    print(f"{runs} SIGKILLs, {len(acked)} acknowledged streams, 0 lost; "
          f"{len(report.unended)} begun without an end "
          f"({len(report.unexplained)} unexplained)")
