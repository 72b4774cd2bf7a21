"""Embeddings throughput: the daemon's ``/v1/embeddings`` against llama.cpp's llama-server
``/v1/embeddings``, same GGUF (all-MiniLM-L6-v2, converted by tools/embed_model/convert.py),
same threads and batch size, repetitions interleaved. Prints JSON: inputs/s and tokens/s per
side and their ratios (daemon / llama-server).

Each request carries ``--batch`` short texts (one sentence each, ~12 tokens), ``--concurrency``
requests in flight at once, for ``--seconds`` per repetition. The daemon masks every input
(PII analysis: the PII model and the recognizers) and audits each request; llama-server does
neither, so the ratio is what that costs on top of the same llama.cpp. Both get ``--threads``
llama.cpp threads: where that is every core of the machine, the daemon's masking has no core
of its own and takes its time from llama.cpp's.

    make llama-server && .venv/bin/python -m bench.embeddings [--reps 2] [--seconds 10] \
        [--threads 2] [--encoding float|base64]
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from appliance.engine.default_model import ensure_default_model  # noqa: E402
from appliance.observability import logging as applog  # noqa: E402
from bench.vs_llama_server import start_llama_server  # noqa: E402
from tests.daemon import Daemon, write_config  # noqa: E402

N_BATCH, N_CTX, SLOTS = 512, 512, 8
WORDS = ("invoice", "printer", "shipment", "meeting", "contract", "server", "budget", "report",
         "ticket", "warehouse", "schedule", "refund")


def texts(n: int, offset: int) -> list[str]:
    """``n`` distinct one-sentence texts (no personal data, so masking changes nothing)."""
    return [f"The {WORDS[(offset + i) % len(WORDS)]} for team {offset + i} is delayed until "
            f"next week" for i in range(n)]


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def run_side(url: str, model: str, batch: int, concurrency: int, seconds: float,  # noqa: PLR0913 - the load's knobs
             *, encoding: str = "float") -> dict[str, float]:
    """Requests of ``batch`` inputs, ``concurrency`` at once, for ``seconds``."""
    done = {"inputs": 0, "tokens": 0, "requests": 0}
    lock = threading.Lock()
    stop = time.monotonic() + seconds

    def worker(k: int) -> None:
        with httpx.Client(timeout=300) as client:
            i = 0
            while time.monotonic() < stop:
                r = client.post(f"{url}/embeddings", json={
                    "model": model, "input": texts(batch, 100_000 * k + i * batch),
                    "encoding_format": encoding})
                r.raise_for_status()
                body = r.json()
                with lock:
                    done["inputs"] += len(body["data"])
                    done["tokens"] += int(body["usage"]["prompt_tokens"])
                    done["requests"] += 1
                i += 1

    started = time.monotonic()
    threads = [threading.Thread(target=worker, args=(k,)) for k in range(concurrency)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.monotonic() - started
    return {"inputs_per_s": done["inputs"] / wall, "tokens_per_s": done["tokens"] / wall,
            "requests": done["requests"], "wall_s": round(wall, 2)}


def cpu_seconds(pid: int) -> float:
    """User and system CPU time of process ``pid`` so far (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _start_server(binary: Path, model: Path, port: int, threads: int,
                  ) -> subprocess.Popen[bytes]:
    return start_llama_server(binary, model, port, [
        "--embedding", "-np", str(SLOTS), "-c", str(SLOTS * N_CTX), "-b", str(N_BATCH),
        "-ub", str(N_BATCH), "-t", str(threads), "-tb", str(threads)])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=2)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--threads", type=int, default=2,
                        help="llama.cpp threads, both sides (default 2)")
    parser.add_argument("--encoding", choices=("float", "base64"), default="float",
                        help="encoding_format of every request (the OpenAI SDK asks base64)")
    parser.add_argument("--no-llama-server", action="store_true",
                        help="the daemon alone (no llama-server binary at hand)")
    args = parser.parse_args(argv)
    applog.configure("console", "warning", stream=sys.stderr)  # stdout is the JSON
    work = Path(tempfile.mkdtemp(prefix="bench-embeddings-"))
    converted = subprocess.run([sys.executable, str(ROOT / "tools/embed_model/convert.py"),
                                str(work / "embed")], check=True, capture_output=True,
                               text=True).stdout.split()
    embed_model = Path(converted[0])
    chat_model, _sha = ensure_default_model(work / "models")
    daemon = Daemon(work, write_config(
        work / "appliance.toml", chat_model, models="slots = 1",
        **{"models.embed": f'path = "{embed_model}"\nn_threads = {args.threads}\n'
                           f"n_batch = {N_BATCH}\nn_ctx = {N_CTX}"}))
    server = None
    try:
        daemon.wait_for("ready")
        sides: dict[str, tuple[str, str]] = {"daemon": (daemon.http_url, "embed")}
        pids = {"daemon": daemon.proc.pid}
        if not args.no_llama_server:
            binary = Path(subprocess.run([str(ROOT / "packaging/llama-server.sh")], check=True,
                                         capture_output=True, text=True).stdout.strip())
            port = _port()
            server = _start_server(binary, embed_model, port, args.threads)
            sides["llama_server"] = (f"http://127.0.0.1:{port}/v1", "embed")
            pids["llama_server"] = server.pid
        for url, model in sides.values():  # warm both
            run_side(url, model, args.batch, 1, 1.0, encoding=args.encoding)
        runs: dict[str, list[dict[str, float]]] = {name: [] for name in sides}
        for _rep in range(args.reps):
            for name, (url, model) in sides.items():
                before = cpu_seconds(pids[name])
                run = run_side(url, model, args.batch, args.concurrency, args.seconds,
                               encoding=args.encoding)
                # The server's own CPU time per input: steadier than inputs/s on a shared box.
                run["cpu_ms_per_input"] = round(
                    (cpu_seconds(pids[name]) - before) * 1000
                    / max(1.0, run["inputs_per_s"] * run["wall_s"]), 3)
                runs[name].append(run)
    finally:
        if server is not None:
            server.kill()
            server.wait()
        daemon.stop()

    def best(name: str, key: str) -> float:
        return max(r[key] for r in runs[name])

    out: dict[str, Any] = {
        "model": embed_model.name, "threads": args.threads, "cpus": os.cpu_count(),
        "encoding": args.encoding, "n_batch": N_BATCH,
        "batch": args.batch, "concurrency": args.concurrency, "seconds": args.seconds,
        "reps": args.reps, "runs": runs,
        "best": {name: {k: round(best(name, k), 1) for k in ("inputs_per_s", "tokens_per_s")}
                 for name in runs}}
    def median_cpu(name: str) -> float:
        values = sorted(r["cpu_ms_per_input"] for r in runs[name])
        return values[len(values) // 2]

    out["median_cpu_ms_per_input"] = {name: median_cpu(name) for name in runs}
    if "llama_server" in runs:
        out["ratio_daemon_over_llama_server"] = {
            k: round(best("daemon", k) / best("llama_server", k), 3)
            for k in ("inputs_per_s", "tokens_per_s")}
        # llama-server's CPU per input over the daemon's: the throughput ratio on cores that
        # both keep busy, whatever else the machine runs.
        out["cpu_efficiency_ratio"] = round(median_cpu("llama_server") / median_cpu("daemon"), 3)
    print(json.dumps(out, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
