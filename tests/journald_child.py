"""Run inside a private mount namespace (``unshare -m``) by tests/integration/test_journald.py.

Mounts fresh tmpfs over journald's directories, starts a real ``systemd-journald``, connects
the daemon's stdout to journald's stdout socket exactly as systemd does for a unit (and sets
``JOURNAL_STREAM`` to it), sends one request, then asks ``journalctl REQUEST_ID=...`` for that
request. Prints one JSON object: the request id and the entries journalctl found.

usage: python -m tests.journald_child CONFIG PORT
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

JOURNALD = "/lib/systemd/systemd-journald"


def main() -> int:
    config, port = sys.argv[1], sys.argv[2]
    for d in ("/run/systemd/journal", "/run/log", "/var/log/journal"):
        Path(d).mkdir(parents=True, exist_ok=True)
        subprocess.run(["mount", "-t", "tmpfs", "tmpfs", d], check=True)
    journald = subprocess.Popen([JOURNALD], stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL)
    daemon = None
    try:
        deadline = time.monotonic() + 10
        while not Path("/run/systemd/journal/stdout").exists():
            if time.monotonic() > deadline:
                raise SystemExit("journald did not start")
            time.sleep(0.05)
        # What systemd does for StandardOutput=journal: a stream connection with a header.
        stream = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        stream.connect("/run/systemd/journal/stdout")
        stream.sendall(b"llm-appliance\n\n6\n0\n0\n0\n0\n")
        st = os.fstat(stream.fileno())
        env = {**os.environ, "JOURNAL_STREAM": f"{st.st_dev}:{st.st_ino}"}
        env.pop("NOTIFY_SOCKET", None)
        target = f"127.0.0.1:{port}"
        daemon = subprocess.Popen(
            [sys.executable, "-m", "appliance", "serve", "--config", config, "--listen", target,
             "--metrics-listen", ""], stdout=stream.fileno(), stderr=stream.fileno(), env=env)
        stream.close()
        deadline = time.monotonic() + 180
        while subprocess.run([sys.executable, "-m", "appliance", "health", "--target", target],
                             capture_output=True, check=False).returncode != 0:
            if daemon.poll() is not None or time.monotonic() > deadline:
                raise SystemExit(f"daemon did not become healthy (exit {daemon.poll()})")
            time.sleep(0.5)
        ask = subprocess.run(
            [sys.executable, "-m", "appliance", "ask", "--target", target, "--json",
             "--max-tokens", "4", "--model", "v3", "The capital of France is"],
            capture_output=True, text=True, check=True)
        request_id = json.loads(ask.stdout)["request_id"]
        time.sleep(0.5)  # journald reads its sockets asynchronously
        found = subprocess.run(
            ["journalctl", "--no-pager", "-o", "json", f"REQUEST_ID={request_id}"],
            capture_output=True, text=True, check=True).stdout
        entries = [json.loads(line) for line in found.splitlines() if line.strip()]
        total = subprocess.run(["journalctl", "--no-pager", "-o", "json",
                                "SYSLOG_IDENTIFIER=llm-appliance"],
                               capture_output=True, text=True, check=True).stdout
        print(json.dumps({"request_id": request_id, "entries": entries,
                          "appliance_entries": len(total.splitlines())}))
        return 0
    finally:
        if daemon is not None:
            daemon.terminate()
            daemon.wait(60)
        journald.terminate()
        journald.wait(10)


if __name__ == "__main__":
    sys.exit(main())
