"""Fuzz soak: many generated requests against one real daemon; prints JSON.

The hardening issue's target is zero crashes and zero INTERNAL answers over at least 100,000
generated requests. The test suite runs the same strategies at a few hundred examples each
(``tests/integration/test_fuzz.py``); this runs them at any count, from several client
threads at once, against a daemon started with the fuzz test's small limits (max_tokens 4):

- gRPC requests with random field values, garbage protobuf payloads, and random JSON Schemas
  (the report's attack schemas among them), unary and streamed;
- HTTP chat-completion bodies with random fields, types, schemas and keys.

Examples are drawn by Hypothesis (generate phase only: nothing is shrunk, as nothing is
asserted per example) and sent by ``--workers`` threads. Reported: requests per kind, status
counts, INTERNAL/5xx answers, whether the daemon process is still alive and answering, and
``rpc_unexpected_error`` lines in its log. Exit 1 when any crash, INTERNAL or 5xx was seen.

    .venv/bin/python -m bench.fuzz_soak [--requests 100000] [--workers 6]
"""

from __future__ import annotations

import argparse
import json
import queue
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import grpc  # noqa: E402
import httpx  # noqa: E402
from hypothesis import HealthCheck, Phase, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from appliance.engine.default_model import ensure_default_model  # noqa: E402
from tests.daemon import Daemon, write_config  # noqa: E402
from tests.integration import test_fuzz as fz  # noqa: E402

KINDS = st.one_of(
    st.tuples(st.just("grpc_fields"), fz.requests, st.booleans()),
    st.tuples(st.just("grpc_garbage"), st.binary(max_size=2000), st.booleans()),
    st.tuples(st.just("grpc_schema"),
              st.one_of(fz.SCHEMAS, st.sampled_from(fz.ATTACKS)).map(
                  lambda s: fz._request(prompt="Describe it.", json_schema=s, max_tokens=4)),
              st.booleans()),
    st.tuples(st.just("http_body"), fz.BODIES, st.just(False)),
)


@dataclass
class Target:
    """One worker's connections to the daemon."""

    channel: grpc.Channel
    http: httpx.Client
    url: str

    def send(self, kind: str, payload: Any, stream: bool) -> str:
        if kind != "http_body":
            return fz._raw_call(self.channel, payload, stream).name
        r = self.http.post(self.url, content=json.dumps(payload, allow_nan=True).encode(),
                           headers={"content-type": "application/json"})
        return str(r.status_code)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--requests", type=int, default=100_000)
    ap.add_argument("--workers", type=int, default=6)
    args = ap.parse_args()

    work = Path(tempfile.mkdtemp(prefix="fuzz-soak-"))
    model, _sha = ensure_default_model(work / "models")
    cfg = write_config(work / "appliance.toml", model,
                       limits="max_tokens = 4\ndefault_max_tokens = 2\nmax_prompt_chars = 4000\n"
                              "max_messages = 32",
                       server="max_message_bytes = 262144")
    daemon = Daemon(work, cfg)
    daemon.wait_for("ready")
    if daemon.address is None:
        raise SystemExit("the daemon logged no listening address")
    url = daemon.http_url + "/chat/completions"
    todo: queue.Queue[tuple[str, Any, bool] | None] = queue.Queue(maxsize=4 * args.workers)
    counts: Counter[tuple[str, str]] = Counter()
    lock = threading.Lock()

    def worker() -> None:
        with grpc.insecure_channel(daemon.address or "", options=[
                ("grpc.max_send_message_length", 64 << 20)]) as channel, \
                httpx.Client(timeout=120) as http:
            target = Target(channel, http, url)
            while (item := todo.get()) is not None:
                kind, payload, stream = item
                try:
                    status = target.send(kind, payload, stream)
                except httpx.HTTPError as exc:
                    status = f"transport:{type(exc).__name__}"
                with lock:
                    counts[(kind, status)] += 1

    threads = [threading.Thread(target=worker, daemon=True) for _ in range(args.workers)]
    for t in threads:
        t.start()
    started = time.monotonic()

    @settings(max_examples=args.requests, deadline=None, database=None,
              phases=[Phase.generate], suppress_health_check=list(HealthCheck))
    @given(item=KINDS)
    def produce(item: tuple[str, Any, bool]) -> None:
        todo.put(item)

    produce()
    for _ in threads:
        todo.put(None)
    for t in threads:
        t.join()
    seconds = time.monotonic() - started
    alive = daemon.proc.poll() is None
    final = fz._raw_call(grpc.insecure_channel(daemon.address), fz._request(
        prompt="Hello", max_tokens=1), False).name if alive else "DEAD"
    unexpected = sum(1 for e in daemon.events() if e.get("event") == "rpc_unexpected_error")
    exit_code = daemon.stop() if alive else daemon.proc.returncode
    by_kind: dict[str, dict[str, int]] = {}
    for (kind, status), n in sorted(counts.items()):
        by_kind.setdefault(kind, {})[status] = n
    bad = sum(n for (kind, status), n in counts.items()
              if status in ("INTERNAL", "UNKNOWN") or status.startswith(("5", "transport")))
    report = {"requests": sum(counts.values()), "seconds": round(seconds, 1),
              "requests_per_second": round(sum(counts.values()) / seconds, 1),
              "workers": args.workers, "by_kind": by_kind, "internal_or_5xx": bad,
              "daemon_alive": alive, "final_request": final,
              "rpc_unexpected_error_lines": unexpected, "daemon_exit_code": exit_code}
    print(json.dumps(report, indent=2))
    return 0 if alive and bad == 0 and unexpected == 0 and final == "OK" else 1


if __name__ == "__main__":
    sys.exit(main())
