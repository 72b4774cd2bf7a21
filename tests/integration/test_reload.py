"""Hot reload and drain through a real daemon: model swaps under steady load lose no request;
Drain stops admitting and Resume admits again."""

from __future__ import annotations

import shutil
import signal
import threading
import time
from pathlib import Path

import grpc
import pytest

from appliance.client import Client, RetryPolicy, RpcError
from tests.daemon import Daemon, write_config

GEN = {"temperature": 0.0, "max_tokens": 6}
NO_RETRY = RetryPolicy(max_attempts=1)


def test_reload_under_load_and_drain(tmp_path: Path, model_path: Path) -> None:
    copy = tmp_path / "models" / "v3-new.gguf"
    copy.parent.mkdir()
    shutil.copy(model_path, copy)
    cfg = write_config(tmp_path / "appliance.toml", model_path)
    d = Daemon(tmp_path, cfg)
    try:
        d.wait_for("ready")
        assert d.address is not None
        stop = threading.Event()
        results: list[str] = []
        errors: list[RpcError] = []

        def load() -> None:
            with Client(d.address or "", timeout=120, retry=NO_RETRY) as c:
                while not stop.is_set():
                    try:
                        results.append(c.generate("Tell me about clocks.", **GEN).text)
                    except RpcError as exc:
                        errors.append(exc)

        workers = [threading.Thread(target=load) for _ in range(3)]
        for w in workers:
            w.start()
        try:
            with Client(d.address, timeout=300, retry=NO_RETRY) as admin:
                time.sleep(1.0)
                before = len(results)
                # 1: reload the same files through the RPC.
                r = admin.reload_models()
                assert r.seconds > 0
                assert {"ready"} == {e.state for e in r.engines}
                # 2: point v3 at another file and send SIGHUP; the daemon re-reads [models].
                text = cfg.read_text().replace(f'[models.v3]\npath = "{model_path}"',
                                               f'[models.v3]\npath = "{copy}"', 1)
                assert text != cfg.read_text()
                cfg.write_text(text)
                d.proc.send_signal(signal.SIGHUP)
                d.wait_for("reloaded", timeout=120)
                deadline = time.monotonic() + 60
                while time.monotonic() < deadline:
                    files = {m.tier: m.file_name for m in admin.list_models()}
                    if files.get("v3") == copy.name:
                        break
                    time.sleep(0.2)
                assert copy.name == files["v3"]
                assert model_path.name == files["r1"]
                time.sleep(1.0)
        finally:
            stop.set()
            for w in workers:
                w.join(120)
        assert [] == errors
        assert len(results) > before + 3  # requests kept flowing through both reloads

        with Client(d.address, timeout=60, retry=NO_RETRY) as c:
            assert "SERVING" == c.health()
            drained = c.drain(wait_seconds=10)
            assert drained.drained
            assert 0 == drained.in_flight_requests
            assert "NOT_SERVING" == c.health()
            with pytest.raises(RpcError) as err:
                c.generate("Hello", **GEN)
            assert grpc.StatusCode.UNAVAILABLE == err.value.code
            assert "serving" == c.resume().state
            assert "SERVING" == c.health()
            assert c.generate("Hello", **GEN).finish_reason
            # A failed reload keeps the old models serving.
            cfg.write_text(text.replace(str(copy), str(tmp_path / "missing.gguf")))
            with pytest.raises(RpcError) as err:
                c.reload_models()
            assert grpc.StatusCode.FAILED_PRECONDITION == err.value.code
            assert "still serving the old models" in err.value.message
            assert c.generate("Hello", **GEN).finish_reason
    finally:
        assert 0 == d.stop(), d.log_path.read_text()[-3000:]
