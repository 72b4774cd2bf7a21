"""A client that opens a stream and stops reading keeps HTTP/2 flow control closed: the
daemon's next write waits. Past ``[server] stream_write_timeout_seconds`` the stream is
cancelled, its end record says so, and its model slot serves the next caller.

The stalled reader is a real HTTP/2 client (the ``h2`` library on a plain socket) that
announces a flow-control window of 0 bytes and never opens it: the server may send headers
but no data, exactly what a client that stopped reading looks like once its window is used up.
"""

from __future__ import annotations

import socket
import time
from pathlib import Path

import h2.config
import h2.connection
import h2.settings

from appliance.client import NO_RETRY, Client
from appliance.v1 import appliance_pb2 as pb
from tests.daemon import Daemon

WRITE_TIMEOUT = 1.0


class StalledReader:
    """Opens ``GenerateStream`` over its own HTTP/2 connection and reads nothing of it."""

    def __init__(self, address: str, request: pb.GenerateRequest) -> None:
        host, port = address.rsplit(":", 1)
        self.sock = socket.create_connection((host, int(port)), timeout=10)
        window_zero = {h2.settings.SettingCodes.INITIAL_WINDOW_SIZE: 0}
        self.conn = h2.connection.H2Connection(h2.config.H2Configuration(client_side=True))
        self.conn.local_settings = h2.settings.Settings(client=True, initial_values=window_zero)
        self.conn.initiate_connection()
        sid = self.conn.get_next_available_stream_id()
        self.conn.send_headers(sid, [
            (":method", "POST"), (":scheme", "http"), (":authority", address),
            (":path", "/appliance.v1.Inference/GenerateStream"),
            ("content-type", "application/grpc"), ("te", "trailers")])
        body = request.SerializeToString()
        self.conn.send_data(sid, b"\x00" + len(body).to_bytes(4, "big") + body, end_stream=True)
        self.sock.sendall(self.conn.data_to_send())

    def close(self) -> None:
        self.sock.close()


def _until(predicate, timeout: float) -> float:  # type: ignore[no-untyped-def]
    started = time.monotonic()
    while not predicate():
        assert time.monotonic() - started < timeout, "condition not reached"
        time.sleep(0.05)
    return time.monotonic() - started


def test_a_stalled_reader_is_cancelled_and_frees_its_slot(tmp_path: Path,
                                                         model_path: Path) -> None:
    from appliance.audit.keys import load_officer_private
    from appliance.audit.verify import verify_dir

    cfg = tmp_path / "appliance.toml"
    cfg.write_text(
        'state_dir = "state"\n[logging]\nformat = "json"\n'
        f"[server]\nstream_write_timeout_seconds = {WRITE_TIMEOUT}\n"
        "[audit]\ndev_officer_key = true\n[auth]\nrequired = false\n"
        f'[models.v3]\npath = "{model_path}"\nn_threads = 2\nslots = 1\n'
        'chat_template = "transcript"\n')
    d = Daemon(tmp_path, config=cfg)
    reader = None
    try:
        d.wait_for("ready")
        assert d.address is not None
        reader = StalledReader(d.address, pb.GenerateRequest(
            prompt="Tell me a long story.", max_tokens=400, temperature=0.0))
        # The daemon gives up on the reader and says why; the one slot is free again.
        waited = _until(lambda: any(e.get("error_type") == "ReaderStalled"
                                    for e in d.events()), 60)
        print(f"stalled stream cancelled {waited:.1f} s after it was opened "
              f"(write timeout {WRITE_TIMEOUT} s)")
        rpc = [e for e in d.events() if e.get("event") == "rpc"
               and e.get("method") == "GenerateStream"]
        assert [("CANCELLED", "cancelled")] == [(e["status"], e["outcome"]) for e in rpc]
        stalled_id = rpc[0]["request_id"]
        with Client(d.address, timeout=60, retry=NO_RETRY) as c:
            answer = c.generate(prompt="Hello", max_tokens=4, temperature=0.0)
        assert 4 == answer.usage.completion_tokens
    finally:
        if reader is not None:
            reader.close()
        code = d.stop()
    assert 0 == code
    records: list[dict[str, object]] = []
    verify_dir(tmp_path / "state" / "audit",
               load_officer_private(tmp_path / "state" / "dev-officer" / "officer.key"),
               None, records.append)
    mine = [(r["type"], r.get("outcome"), r.get("status")) for r in records
            if r.get("request_id") == stalled_id]
    assert [("begin", None, None), ("end", "cancelled", "CANCELLED")] == mine
