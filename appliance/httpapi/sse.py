"""What a wire format's writer hands the HTTP transport: the whole answer, or the answer as
server-sent events.

One streaming mechanism serves every front door (:class:`appliance.httpapi.app.EventStream`);
the formats differ only in the events they write. OpenAI's chat stream is untyped ``data:``
lines ending in ``data: [DONE]``; the Responses API and Anthropic's Messages API name each
event (``event: response.output_text.delta``) and end with a typed last event.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Protocol

from appliance.request import Chunk


@dataclass(frozen=True)
class Event:
    """One server-sent event: ``data`` is a JSON value, or text sent as it is (``[DONE]``);
    ``name``, when set, goes out as the ``event:`` line."""

    data: Any
    name: str = ""

    def encode(self) -> bytes:
        data = self.data if isinstance(self.data, str) else json.dumps(self.data)
        head = f"event: {self.name}\n" if self.name else ""
        return f"{head}data: {data}\n\n".encode()


class Writer(Protocol):
    """One request's answer in one wire format (ids and creation time fixed per request)."""

    def whole(self, text: str, reasoning: str, last: Chunk) -> dict[str, Any]:
        """The non-streamed answer: the whole text and reasoning, and the last chunk (finish
        reason, tool calls, token counts)."""
        ...

    def opening(self) -> list[Event]:
        """The events before the first piece of the answer."""
        ...

    def events(self, piece: Chunk, *, first: bool) -> list[Event]:
        """The events of one piece of the answer."""
        ...

    def closing(self, last: Chunk) -> list[Event]:
        """The events after the last piece (``last`` carries the finish and the usage)."""
        ...

    def failure(self, error: dict[str, Any]) -> list[Event]:
        """The events of a failure after the stream began (``error``: the error object that
        :func:`appliance.httpapi.openai.http_error` built)."""
        ...
