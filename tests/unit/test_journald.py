"""journald mode of the logging set-up: which fields an entry carries, when it is chosen, and
that a missing journal never loses a line."""

from __future__ import annotations

import io
import json
import os
import tempfile
from typing import Any

import structlog

from appliance.observability import logging as applog


def test_entries_carry_request_fields_and_the_json_line() -> None:
    sent: list[tuple[str, dict[str, Any]]] = []
    out = io.StringIO()
    try:
        applog.configure("journald", "info", out,
                         journal_send=lambda msg, **f: sent.append((msg, f)))
        structlog.contextvars.bind_contextvars(request_id="r123")
        applog.get_logger("t").info("rpc", method="Generate", client="app1", model="v3",
                                    route="central", status="OK", latency_ms=5.0)
        applog.get_logger("t").warning("other")
    finally:
        structlog.contextvars.clear_contextvars()
        applog.configure("json", "info", io.StringIO())
    assert out.getvalue() == ""
    (msg, fields), (_msg2, fields2) = sent
    assert fields == {"PRIORITY": "6", "SYSLOG_IDENTIFIER": "llm-appliance",
                      "REQUEST_ID": "r123", "CLIENT": "app1", "TIER": "v3",
                      "ROUTE": "central", "STATUS": "OK", "METHOD": "Generate",
                      "APPLIANCE_EVENT": "rpc"}
    line = json.loads(msg)
    assert line["event"] == "rpc" and line["latency_ms"] == 5.0 and line["request_id"] == "r123"
    assert fields2["PRIORITY"] == "4" and fields2["REQUEST_ID"] == "r123"


def test_falls_back_to_stdout_when_the_journal_is_gone() -> None:
    def gone(_msg: str, **_f: Any) -> None:
        raise FileNotFoundError(2, "No such file or directory")

    out = io.StringIO()
    try:
        applog.configure("journald", "info", out, journal_send=gone)
        applog.get_logger("t").info("still_here", n=1)
    finally:
        applog.configure("json", "info", io.StringIO())
    assert json.loads(out.getvalue())["event"] == "still_here"


def test_auto_picks_journald_only_when_stdout_is_the_journal_stream() -> None:
    with tempfile.TemporaryFile("w+") as f:
        st = os.fstat(f.fileno())
        assert applog.journal_stream_is(f, {"JOURNAL_STREAM": f"{st.st_dev}:{st.st_ino}"})
        assert not applog.journal_stream_is(f, {"JOURNAL_STREAM": f"{st.st_dev}:{st.st_ino + 1}"})
        assert not applog.journal_stream_is(f, {})
        assert not applog.journal_stream_is(f, {"JOURNAL_STREAM": "junk"})
