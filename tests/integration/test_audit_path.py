"""The audit log through the real daemon: every request leaves a begin/end pair that verifies
and exports, and no PII value reaches any audit file or export; fail closed when writing fails."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path

import grpc
import pytest

from appliance import config as cfgmod
from appliance.audit.keys import load_officer_private
from appliance.audit.verify import verify_dir
from appliance.client import Client, RpcError
from appliance.config import ModelConfig
from tests.daemon import Daemon
from tests.inprocess import InProcessServer

ROOT = Path(__file__).resolve().parents[2]

EMAIL = "ann.lee@example.com"
PHONE = "138 0013 8000"
PROMPT = f"Write a short note to {EMAIL} (phone {PHONE}) about the meeting."
GREEDY = {"temperature": 0.0, "max_tokens": 8}


def _audit_files(daemon: Daemon) -> tuple[Path, Path, Path]:
    state = daemon.workdir / "state"
    return state / "audit", daemon.workdir / "officer" / "officer.key", \
        state / "audit-anchors.jsonl"


def _wait_verified(audit: Path, key: Path, anchors: Path,
                   timeout: float = 15.0) -> tuple[object, list[dict[str, object]]]:
    """The newest records are anchored by the next checkpoint (every second here)."""
    deadline = time.monotonic() + timeout
    while True:
        records: list[dict[str, object]] = []
        report = verify_dir(audit, load_officer_private(key), anchors, records.append)
        if report.ok or time.monotonic() > deadline:
            return report, records
        time.sleep(0.3)


def appliance(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "appliance", *args], capture_output=True,
                          text=True, timeout=300, check=False)


def test_requests_leave_begin_end_pairs_that_verify_and_export(
        daemon: Daemon, client: Client, tmp_path: Path) -> None:
    ids = []
    for _ in range(3):
        ids.append(client.generate(PROMPT, **GREEDY).request_id)
    chunks = list(client.stream(messages=[("user", PROMPT)], **GREEDY))
    ids.append(chunks[0].request_id)
    with pytest.raises(RpcError) as bad:
        client.generate(PROMPT, temperature=9.0)
    assert grpc.StatusCode.INVALID_ARGUMENT == bad.value.code
    ids.append(bad.value.request_id)

    audit, key, anchors = _audit_files(daemon)
    report, records = _wait_verified(audit, key, anchors)
    assert report.ok, report.as_dict()  # type: ignore[attr-defined]
    by_id: dict[str, list[dict[str, object]]] = {}
    for r in records:
        by_id.setdefault(str(r.get("request_id")), []).append(r)
    for rid in ids:
        assert ["begin", "end"] == [r["type"] for r in by_id[rid]], rid
    ok_end = by_id[ids[0]][1]
    assert ("ok", "OK", "v3", "local") == (ok_end["outcome"], ok_end["status"], ok_end["tier"],
                                           ok_end["route"])
    assert 64 == len(str(ok_end["model_sha256"]))
    assert ok_end["completion_tokens"] == 8
    begin = by_id[ids[0]][0]
    assert {"EMAIL_ADDRESS": 1, "CN_MOBILE": 1} == begin["pii"]
    prompt = json.dumps(begin["prompt"])
    assert "<EMAIL_ADDRESS_1>" in prompt
    assert "<CN_MOBILE_1>" in prompt
    assert isinstance(ok_end["answer"], str)
    rejected = by_id[ids[-1]][1]
    assert ("error", "INVALID_ARGUMENT") == (rejected["outcome"], rejected["status"])

    # Export in every format, through the officer's CLI.
    outputs = {}
    for fmt_name, suffix in (("jsonl", "jsonl"), ("csv", "csv"), ("ocsf", "json"),
                             ("parquet", "parquet")):
        out = tmp_path / f"export.{suffix}"
        p = appliance("audit", "export", "--dir", str(audit), "--key", str(key), "--format",
                      fmt_name, "--anchors", str(anchors), "--out", str(out))
        assert 0 == p.returncode, p.stderr
        assert "export: segment" in p.stderr  # progress
        manifest = json.loads(Path(str(out) + ".manifest.json").read_text())
        assert manifest["integrity"]["ok"]
        outputs[fmt_name] = out
    lines = [json.loads(x) for x in outputs["jsonl"].read_text().splitlines()]
    assert set(ids) <= {x["request_id"] for x in lines}
    assert all(x["integrity"] == "VALID" for x in lines if x["request_id"] in ids)
    rows = list(csv.DictReader(io.StringIO(outputs["csv"].read_text(encoding="utf-8"))))
    assert set(ids) <= {r["request_id"] for r in rows}
    events = [json.loads(x) for x in outputs["ocsf"].read_text().splitlines()]  # NDJSON
    mine = [e for e in events if e["api"]["request"]["uid"] in ids]
    assert len(ids) == len(mine)
    assert all(e["class_uid"] == 6003 and e["type_uid"] == 600399 for e in mine)
    assert {"Success", "Failure"} == {e["status"] for e in mine}
    from tests.unit.test_ocsf import _validator

    for e in events:  # every event of a real log, not only the ones built in the unit test
        assert [] == [err.message for err in _validator().iter_errors(e)]
    import pyarrow as pa
    import pyarrow.parquet as pq

    from appliance.audit.export import parquet_schema

    table = pq.read_table(outputs["parquet"])
    assert set(ids) <= set(table.column("request_id").to_pylist())
    assert table.schema.remove_metadata().equals(parquet_schema())  # typed, not strings
    assert pa.types.is_timestamp(table.schema.field("time").type)
    assert pa.types.is_integer(table.schema.field("completion_tokens").type)
    jsonl_schema = json.loads((ROOT / "docs/schemas/audit-record.schema.json").read_text())
    import jsonschema

    for x in lines:
        jsonschema.validate(x, jsonl_schema)

    # A filter leaves records out, and the manifest says how many.
    out = tmp_path / "v3only.jsonl"
    p = appliance("audit", "export", "--dir", str(audit), "--key", str(key), "--format",
                  "jsonl", "--model", "r1", "--out", str(out))
    assert 0 == p.returncode, p.stderr
    manifest = json.loads(Path(str(out) + ".manifest.json").read_text())
    assert manifest["filtered_out"] >= 2 * len(ids)

    # No PII value in any audit file, anchor or export: only placeholders.
    everything = [*audit.iterdir(), anchors, *tmp_path.iterdir()]
    for path in everything:
        data = path.read_bytes()
        for secret in (EMAIL, PHONE, PHONE.replace(" ", "")):
            assert secret.encode() not in data, path

    p = appliance("audit", "verify", "--dir", str(audit), "--key", str(key), "--json")
    assert 0 == p.returncode, p.stdout
    assert json.loads(p.stdout)["ok"]


def test_verify_cli_exit_code_reports_tampering(daemon: Daemon, client: Client,
                                                tmp_path: Path) -> None:
    client.generate(PROMPT, **GREEDY)
    audit, _key, _anchors = _audit_files(daemon)
    copy = tmp_path / "audit"
    copy.mkdir()
    first = sorted(audit.glob("seg-*.alog"))[0]
    data = bytearray(first.read_bytes())
    data[len(data) // 2] ^= 0x10
    (copy / first.name).write_bytes(bytes(data))
    p = appliance("audit", "verify", "--dir", str(copy))
    assert 1 == p.returncode
    assert "TAMPERED" in p.stdout


def test_audit_failure_refuses_requests_until_writing_works(tmp_path: Path,
                                                            model_path: Path) -> None:
    """An I/O error in the audit writer: the request fails UNAVAILABLE, health goes
    NOT_SERVING, and once the disk works again the appliance serves and says so."""
    import errno

    models = {t: ModelConfig(tier=t, path=model_path, n_threads=2, chat_template="gemma")
              for t in ("v3", "r1")}
    cfg = replace(cfgmod.Config(state_dir=tmp_path / "state"), models=models,
                  server=replace(cfgmod.ServerConfig(), listen="127.0.0.1:0"))
    server = InProcessServer(cfg)
    writer = server.app.services.audit.writer  # type: ignore[attr-defined]
    real = writer.os_write

    def broken(fd: int, data: memoryview) -> int:
        raise OSError(errno.EIO, "Input/output error")

    try:
        with Client(server.address, timeout=60) as c:
            assert "hi" != c.generate("Hello", **GREEDY).text  # served
            writer.os_write = broken
            with pytest.raises(RpcError) as err:
                c.generate("Hello", **GREEDY)
            assert grpc.StatusCode.UNAVAILABLE == err.value.code
            deadline = time.monotonic() + 5
            while c.health() != "NOT_SERVING" and time.monotonic() < deadline:
                time.sleep(0.05)
            assert "NOT_SERVING" == c.health()
            with pytest.raises(RpcError) as err:
                c.generate("Hello", **GREEDY)
            assert grpc.StatusCode.UNAVAILABLE == err.value.code
            assert "audit" in err.value.message
            writer.os_write = real
            deadline = time.monotonic() + 10
            while c.health() != "SERVING" and time.monotonic() < deadline:
                time.sleep(0.1)
            assert "SERVING" == c.health()
            assert c.generate("Hello", **GREEDY).text is not None
    finally:
        server.stop()
    dev_key = tmp_path / "state" / "dev-officer" / "officer.key"
    records: list[dict[str, object]] = []
    report = verify_dir(tmp_path / "state" / "audit", load_officer_private(dev_key), None,
                        records.append)
    assert report.ok, report.as_dict()
    outcomes = [(r["type"], r.get("status")) for r in records]
    assert 2 == outcomes.count(("end", "OK"))
