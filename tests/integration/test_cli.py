"""The `appliance` command against the real daemon, with the exit codes of INTERFACES.md."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tests.daemon import Daemon


def appliance(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "appliance", *args], input=stdin,
                          capture_output=True, text=True, timeout=120, check=False)


def test_ask_json_prints_the_documented_fields(daemon: Daemon) -> None:
    """`ask --json` prints one object with text, reasoning, model, served_by, request_id,
    finish_reason and usage; the prompt comes from stdin with `-`."""
    assert daemon.address is not None
    p = appliance("ask", "--target", daemon.address, "--raw", "--json", "--max-tokens", "5",
                  "--temperature", "0", "-", stdin="The capital of France is")
    assert 0 == p.returncode, p.stderr
    out = json.loads(p.stdout)
    assert {"text", "reasoning", "model", "served_by", "request_id", "finish_reason",
            "usage"} <= set(out)
    assert ("v3", "local", "length") == (out["model"], out["served_by"], out["finish_reason"])
    assert 5 == out["usage"]["completion_tokens"]


def test_ask_stream_prints_the_same_text(daemon: Daemon) -> None:
    assert daemon.address is not None
    args = ["ask", "--target", daemon.address, "--raw", "--max-tokens", "8", "--temperature",
            "0", "Water boils at"]
    unary = appliance(*args)
    streamed = appliance(*args, "--stream")
    assert 0 == unary.returncode == streamed.returncode
    assert unary.stdout == streamed.stdout


def test_ask_invalid_request_exits_1_with_one_line(daemon: Daemon) -> None:
    assert daemon.address is not None
    p = appliance("ask", "--target", daemon.address, "--max-tokens", "99999", "hi")
    assert 1 == p.returncode
    assert 1 == len(p.stderr.strip().splitlines())
    assert "INVALID_ARGUMENT: max_tokens: exceeds the limit of 2048" in p.stderr


def test_health_and_models(daemon: Daemon) -> None:
    assert daemon.address is not None
    h = appliance("health", "--target", daemon.address)
    assert (0, "SERVING\n") == (h.returncode, h.stdout)
    m = appliance("models", "--target", daemon.address, "--json")
    assert 0 == m.returncode
    rows = {row["tier"]: row for row in json.loads(m.stdout)}
    assert ["embed", "r1", "v3"] == sorted(rows)
    # The embedding tier with the SHA-256 of its GGUF (not the chat model's).
    assert 64 == len(rows["embed"]["sha256"])
    assert rows["v3"]["sha256"] != rows["embed"]["sha256"]


def test_health_of_nothing_exits_1() -> None:
    """No daemon on the target: exit 1 with one line, no traceback."""
    p = appliance("health", "--target", "127.0.0.1:1", "--timeout", "2")
    assert 1 == p.returncode
    assert "Traceback" not in p.stderr


def test_config_check_and_example(tmp_path: Path) -> None:
    """The example parses; a broken config exits 2 and names each key."""
    ex = appliance("config", "example")
    assert 0 == ex.returncode
    good = tmp_path / "good.toml"
    good.write_text('state_dir = "s"\n[audit]\ndev_officer_key = true\n')
    assert 0 == appliance("config", "check", "--config", str(good)).returncode
    bad = tmp_path / "bad.toml"
    bad.write_text('[models.v3]\npath = "missing.gguf"\n[limits]\nmax_tokens = 0\n')
    p = appliance("config", "check", "--config", str(bad))
    assert 2 == p.returncode
    assert "limits.max_tokens: must be between 1 and" in p.stderr
    # A config file without the officer's key is an error, not a silent development key.
    assert "audit.officer_public_key: required" in p.stderr
    nokey = tmp_path / "nokey.toml"
    nokey.write_text(f'[audit]\nofficer_public_key = "{tmp_path / "absent.pub"}"\n')
    p = appliance("config", "check", "--config", str(nokey))
    assert 2 == p.returncode
    assert "audit.officer_public_key: cannot read the officer's public key" in p.stderr
    ex_file = tmp_path / "example.toml"
    ex_file.write_text(ex.stdout)
    p = appliance("config", "check", "--config", str(ex_file))
    assert 2 == p.returncode  # the example's model paths do not exist here
    assert "models.v3.path: model file not found" in p.stderr


def test_pii_mask_plain_and_jsonl(tmp_path: Path) -> None:
    """`pii mask` masks stdin with the daemon's engine; --jsonl keeps one line per input,
    with entity positions in the original text, and flags bad lines without stopping."""
    plain = appliance("pii", "mask", stdin="Mail ann.lee@example.com or call 138 0013 8000.")
    assert (0, "Mail <EMAIL_ADDRESS_1> or call <CN_MOBILE_1>.") == (plain.returncode,
                                                                    plain.stdout)
    lines = '{"text": "我叫王伟，邮箱 wei@example.com"}\nnot json\n{"text": "no pii here"}\n'
    p = appliance("pii", "mask", "--jsonl", stdin=lines)
    assert 1 == p.returncode  # the bad line
    out = [json.loads(line) for line in p.stdout.splitlines()]
    assert 3 == len(out)
    assert "我叫<PERSON_1>，邮箱 <EMAIL_ADDRESS_1>" == out[0]["masked"]
    assert [{"type": "PERSON", "start": 2, "end": 4, "placeholder": "<PERSON_1>"},
            {"type": "EMAIL_ADDRESS", "start": 8, "end": 23,
             "placeholder": "<EMAIL_ADDRESS_1>"}] == out[0]["entities"]
    assert "error" in out[1]
    assert {"masked": "no pii here", "entities": []} == out[2]
    en = appliance("pii", "mask", "--lang", "en", stdin="我叫王伟")
    assert "我叫王伟" == en.stdout  # --lang en: no Chinese name rules


def test_pii_mask_uses_the_config_policy(tmp_path: Path) -> None:
    cfg = tmp_path / "a.toml"
    cfg.write_text('[pii]\nallow_list = ["ann.lee@example.com"]\n[audit]\ndev_officer_key = true\n')
    p = appliance("pii", "mask", "--config", str(cfg), stdin="Mail ann.lee@example.com")
    assert "Mail ann.lee@example.com" == p.stdout
