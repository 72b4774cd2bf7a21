"""The syslog checkpoint sink, against a real syslog socket: every checkpoint arrives as an
``AUDIT_CHECKPOINT`` line that ``audit verify --anchors`` accepts; with no listener the
daemon says so loudly (``audit_anchor_failed``) and keeps serving (the log itself is durable).

The listener is a unix datagram socket this test binds, named with ``syslog:PATH`` (what
rsyslog's imuxsock or journald's /dev/log give a daemon)."""

from __future__ import annotations

import socket
import threading
import time
from pathlib import Path

from appliance.audit.keys import load_officer_private
from appliance.audit.verify import verify_dir
from appliance.client import NO_RETRY, Client
from tests.daemon import Daemon, officer_keys, write_config


def _config(tmp_path: Path, model_path: Path, sink: str) -> Path:
    _private, public = officer_keys(tmp_path / "officer")
    return write_config(tmp_path / "appliance.toml", model_path,
                        audit=f'officer_public_key = "{public}"\n'
                              f'checkpoint_every_seconds = 0.2\ncheckpoint_sink = "{sink}"')


def test_checkpoints_reach_syslog_and_anchor_the_log(tmp_path: Path, model_path: Path) -> None:
    path = tmp_path / "log.sock"
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    listener.bind(str(path))
    listener.settimeout(0.2)
    received: list[bytes] = []
    done = threading.Event()

    def listen() -> None:
        while not done.is_set():
            try:
                received.append(listener.recv(65536))
            except TimeoutError:
                continue

    thread = threading.Thread(target=listen, daemon=True)
    thread.start()
    d = Daemon(tmp_path, _config(tmp_path, model_path, f"syslog:{path}"))
    try:
        d.wait_for("ready")
        assert d.address is not None
        with Client(d.address, timeout=60, retry=NO_RETRY) as c:
            for _ in range(3):
                c.generate("Hello", max_tokens=1, temperature=0.0)
                time.sleep(0.3)
    finally:
        assert 0 == d.stop()
        time.sleep(0.5)
        done.set()
        thread.join(5)
        listener.close()
    lines = [m.decode() for m in received]
    assert lines, "no checkpoint reached the syslog socket"
    assert all(line.startswith("<85>llm-appliance-audit[") and "AUDIT_CHECKPOINT {" in line
               for line in lines)
    anchors = tmp_path / "from-syslog.log"
    anchors.write_text("\n".join(lines) + "\n")
    report = verify_dir(tmp_path / "state" / "audit",
                        load_officer_private(tmp_path / "officer" / "officer.key"), anchors)
    assert report.ok, report.summary
    assert report.anchors_checked == len(lines)
    assert not any(e.get("event") == "audit_anchor_failed" for e in d.events())


def test_a_missing_syslog_socket_is_loud_not_fatal(tmp_path: Path, model_path: Path) -> None:
    d = Daemon(tmp_path, _config(tmp_path, model_path, f"syslog:{tmp_path / 'nobody.sock'}"))
    try:
        d.wait_for("ready")
        assert d.address is not None
        with Client(d.address, timeout=60, retry=NO_RETRY) as c:
            assert c.generate("Hello", max_tokens=1, temperature=0.0).finish_reason
        failed = d.wait_for("audit_anchor_failed", timeout=30)
        assert failed["sink"].startswith("syslog:")
    finally:
        assert 0 == d.stop()
