"""A real full filesystem under the audit log: the daemon runs in a private mount namespace
with its audit directory on a small tmpfs (``unshare -m``, root only), the test fills that
tmpfs through ``/proc/PID/root``, then frees it again.

While the disk is full nothing is served unaudited: requests fail UNAVAILABLE; once space
returns the daemon resumes by itself; every request a client saw succeed has its begin and
end records, and the log verifies.
"""

from __future__ import annotations

import errno
import os
import shutil
import time
from pathlib import Path

import grpc
import pytest

from appliance.audit.keys import load_officer_private
from appliance.audit.verify import verify_dir
from appliance.client import NO_RETRY, Client, RpcError
from tests.daemon import Daemon

pytestmark = pytest.mark.skipif(
    os.geteuid() != 0 or shutil.which("unshare") is None,
    reason="needs root and unshare(1) for a private mount namespace with a tmpfs")


def _write_until_full(fd: int, size: int) -> int:
    """errno of the write that failed (ENOSPC when the filesystem is full)."""
    while True:
        try:
            os.write(fd, b"\0" * size)
        except OSError as exc:
            return exc.errno or 0


def _fill(path: Path) -> None:
    """Write until the filesystem has no room left, to the last byte."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT, 0o600)
    try:
        assert [errno.ENOSPC] * 3 == [_write_until_full(fd, n) for n in (65536, 4096, 1)]
    finally:
        os.close(fd)


def test_a_full_disk_refuses_requests_and_loses_nothing(tmp_path: Path) -> None:
    mnt = tmp_path / "small"
    mnt.mkdir()
    cfg = tmp_path / "appliance.toml"
    cfg.write_text(f'state_dir = "state"\n[audit]\ndev_officer_key = true\n'
                   f'dir = "{mnt}/audit"\nfree_space_warn_mb = 0\nfree_space_refuse_mb = 0\n'
                   f"[auth]\nrequired = false\n")
    copy = tmp_path / "audit-copy"
    # The shell in the namespace mounts the tmpfs, runs the daemon (passing SIGTERM on) and,
    # once it has exited, copies the log out of the tmpfs that vanishes with the namespace.
    script = (f'mount -t tmpfs -o size=2m tmpfs "{mnt}" || exit 1; "$@" & child=$!; '
              f'trap "kill -TERM $child" TERM; wait $child; wait $child; rc=$?; '
              f'cp -a "{mnt}/audit" "{copy}"; exit $rc')
    d = Daemon(tmp_path, config=cfg,
               wrap=["unshare", "-m", "--propagation", "private", "sh", "-c", script, "sh"])
    served: list[str] = []
    try:
        d.wait_for("ready", timeout=300)
        assert d.address is not None
        inside = Path(f"/proc/{d.proc.pid}/root") / mnt.relative_to("/")
        with Client(d.address, retry=NO_RETRY, timeout=60) as c:
            served.append(c.generate("Say hi.", max_tokens=4, temperature=0.0).request_id)
            _fill(inside / "filler")
            codes = []
            for _ in range(6):
                try:
                    served.append(c.generate("Say hi.", max_tokens=4,
                                             temperature=0.0).request_id)
                except RpcError as exc:
                    codes.append(exc.code)
            refused = len(codes)
            assert {grpc.StatusCode.UNAVAILABLE} == set(codes)
            assert refused >= 5  # the first write that hits ENOSPC fails too
            assert "NOT_SERVING" == c.health()
            (inside / "filler").unlink()
            deadline = time.monotonic() + 30
            while c.health() != "SERVING" and time.monotonic() < deadline:
                time.sleep(0.2)
            assert "SERVING" == c.health()
            served.append(c.generate("Say hi.", max_tokens=4, temperature=0.0).request_id)
        assert 0 == d.stop()
    finally:
        d.stop()
    records: list[dict[str, object]] = []
    report = verify_dir(copy,
                        load_officer_private(tmp_path / "state" / "dev-officer" / "officer.key"),
                        None, records.append)
    assert report.ok, report.summary
    kinds: dict[str, set[str]] = {}
    for r in records:
        kinds.setdefault(str(r.get("request_id")), set()).add(str(r.get("type")))
    assert [] == [s for s in served if {"begin", "end"} - kinds.get(s, set())]
