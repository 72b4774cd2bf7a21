"""A writer process for the crash tests: recovers the log, then appends until killed.

Prints ``ACK <id>`` (flushed) only after the record's append future resolved, i.e. after
it is durable; the parent kills this process with SIGKILL at a random moment.
Usage: python -m tests.audit_crash_child ROOT RUN
"""

from __future__ import annotations

import sys
from pathlib import Path

from cryptography.hazmat.primitives.serialization import load_pem_private_key

from appliance.audit import format as fmt
from appliance.audit.keys import load_officer_public
from appliance.audit.writer import AuditWriter, WriterSettings


def main() -> None:
    root, run = Path(sys.argv[1]), int(sys.argv[2])
    device = load_pem_private_key((root / "device.pem").read_bytes(), None)
    settings = WriterSettings(
        dir=root / "audit", officer=load_officer_public(root / "officer.pub"),
        device=device,  # type: ignore[arg-type]
        signer_path=root / "state" / "signer.json", sink=str(root / "anchors.jsonl"),
        checkpoint_records=8, checkpoint_seconds=0.05, free_warn_bytes=0, free_refuse_bytes=0)
    writer = AuditWriter(settings)
    writer.open()
    print("READY", flush=True)
    n = 0
    while True:
        futures = []
        for _ in range(4):  # a few at once, so group commit batches them
            rid = f"{run}-{n}"
            n += 1
            futures.append((rid, writer.append(fmt.canonical({"type": "begin",
                                                               "request_id": rid}))))
        for rid, fut in futures:
            fut.result(10)
            print(f"ACK {rid}", flush=True)


if __name__ == "__main__":
    main()
