"""structlog set-up: JSON lines when stdout is not a terminal, readable lines on a terminal, and
native journald entries with structured fields under systemd.

Request-scoped fields (request id, method) are bound with contextvars by the server interceptor,
so every line logged while serving a request carries them. Under systemd (``JOURNAL_STREAM``
names our stdout, or ``[logging] format = "journald"``) each line is sent with the journal's
native protocol instead, carrying ``REQUEST_ID``, ``CLIENT``, ``TIER``, ``ROUTE``, ``STATUS``
(and ``METHOD``, ``APPLIANCE_EVENT``) as fields, so ``journalctl -u llm-appliance
REQUEST_ID=…`` finds one request; ``MESSAGE`` is the same JSON line stdout would carry.

Never log a prompt, a response or a PII value: log sizes, counts and types instead.
"""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Callable, Mapping, MutableMapping
from typing import Any, TextIO

import structlog

_LEVELS = {"debug": logging.DEBUG, "info": logging.INFO, "warning": logging.WARNING,
           "error": logging.ERROR}
#: syslog priorities for journald's PRIORITY field.
_PRIORITY = {"debug": 7, "info": 6, "warning": 4, "warn": 4, "error": 3, "critical": 2,
             "exception": 3}
#: Event keys that become journal fields (values are ids, tier names, status names: no PII).
JOURNAL_FIELDS = {"request_id": "REQUEST_ID", "client": "CLIENT", "tier": "TIER",
                  "model": "TIER", "route": "ROUTE", "status": "STATUS", "method": "METHOD",
                  "event": "APPLIANCE_EVENT"}
SYSLOG_IDENTIFIER = "llm-appliance"

JournalSend = Callable[..., None]


def journal_stream_is(stream: TextIO, env: Mapping[str, str] | None = None) -> bool:
    """True when ``stream`` is the journal stream systemd connected us to (``JOURNAL_STREAM``
    is "DEVICE:INODE" of it), the documented signal to upgrade to the native protocol."""
    value = (os.environ if env is None else env).get("JOURNAL_STREAM", "")
    dev, sep, ino = value.partition(":")
    if not sep:
        return False
    try:
        st = os.fstat(stream.fileno())
        return st.st_dev == int(dev) and st.st_ino == int(ino)
    except (OSError, ValueError, AttributeError):
        return False


def _journal_send() -> JournalSend:
    # mypy resolves `systemd` to this repository's systemd/ folder (a namespace package);
    # at run time the installed regular package wins.
    from systemd import journal  # type: ignore[attr-defined]  # noqa: PLC0415

    return journal.send  # type: ignore[no-any-return]


class JournalLogger:
    """structlog logger that sends each entry to journald; falls back to ``stream`` (one JSON
    line) when the journal socket is gone, so no line is lost."""

    def __init__(self, send: JournalSend, stream: TextIO) -> None:
        self._send = send
        self._stream = stream

    def msg(self, message: str, fields: dict[str, str]) -> None:
        try:
            self._send(message, **fields)
        except OSError:
            self._stream.write(message + "\n")
            self._stream.flush()

    log = debug = info = warning = warn = error = critical = exception = fatal = msg


def journal_fields(_logger: Any, method: str, event: MutableMapping[str, Any]
                   ) -> tuple[tuple[str, dict[str, str]], dict[str, Any]]:
    """Final processor in journald mode: (JSON MESSAGE, structured fields)."""
    fields = {"PRIORITY": str(_PRIORITY.get(str(event.get("level", method)), 6)),
              "SYSLOG_IDENTIFIER": SYSLOG_IDENTIFIER}
    for key, name in JOURNAL_FIELDS.items():
        value = event.get(key)
        if value is not None and value != "":
            fields[name] = str(value)
    message = structlog.processors.JSONRenderer()(_logger, method, event)
    return (str(message), fields), {}


def configure(fmt: str = "auto", level: str = "info", stream: TextIO | None = None,
              *, journal_send: JournalSend | None = None) -> str:
    """Configure structlog for the process. ``fmt`` is "auto", "json", "console" or
    "journald". Returns the format chosen."""
    out = stream if stream is not None else sys.stdout
    if fmt == "auto":
        fmt = "journald" if journal_stream_is(out) else "json" if not out.isatty() else "console"
    processors: list[Any] = [
        structlog.contextvars.merge_contextvars,
        structlog.processors.add_log_level,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        structlog.processors.StackInfoRenderer(),
        structlog.processors.format_exc_info,
    ]
    factory: Any
    if fmt == "journald":
        send = journal_send if journal_send is not None else _journal_send()
        logger = JournalLogger(send, out)
        processors.append(journal_fields)

        def factory(*_args: Any) -> JournalLogger:
            return logger
    else:
        processors.append(structlog.processors.JSONRenderer() if fmt == "json"
                          else structlog.dev.ConsoleRenderer(colors=out.isatty()))
        factory = structlog.PrintLoggerFactory(file=out)
    structlog.configure(
        processors=processors,
        wrapper_class=structlog.make_filtering_bound_logger(_LEVELS.get(level, logging.INFO)),
        logger_factory=factory,
        cache_logger_on_first_use=False,
    )
    return fmt


def get_logger(name: str) -> Any:
    return structlog.get_logger(name)
