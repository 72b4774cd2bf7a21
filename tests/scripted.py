"""A named fake for tests: the real engine with a scripted output.

The embedded default model (Gemma 3 270M) never writes <think> tags, so tests of reasoning
wrap the real engine in :class:`ScriptedEngine`, whose ``generate`` yields fixed text pieces
(split at awkward boundaries by the caller); tokenizer, facts and status stay the real
engine's. ``fail_at``: raise an EngineFailure before piece ``fail_at`` when the request's
max_tokens equals ``fail_when_max_tokens`` (a stream failing midway)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from typing import Any

from appliance.engine.types import Finished, TextPiece
from appliance.errors import EngineFailure


class ScriptedEngine:
    def __init__(self, inner: Any, script: Sequence[str], *, fail_at: int | None = None,
                 fail_when_max_tokens: int | None = None) -> None:
        self._inner = inner
        self._script = list(script)
        self._fail_at = fail_at
        self._fail_when = fail_when_max_tokens

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)

    async def generate(self, tokens: list[int], params: Any, deadline: float | None = None,
                       priority: int = 0, max_queue_wait: float | None = None, *,
                       owner: str = "", cache_namespace: str = "",
                       background: bool = False) -> AsyncIterator[Any]:
        for i, piece in enumerate(self._script):
            if i == self._fail_at and params.max_tokens == self._fail_when:
                raise EngineFailure("scripted failure in the middle of a stream")
            yield TextPiece(piece)
        yield Finished("stop", prompt_tokens=len(tokens), completion_tokens=len(self._script))


class ScriptedRecorder(ScriptedEngine):
    """A named fake: a scripted answer, and the real engine's tokenizer recording what the
    model would read (every message's text, and the arguments of any tool call that reached
    it as structure)."""

    def __init__(self, inner: Any, script: Sequence[str], received: list[str],
                 **kwargs: Any) -> None:
        super().__init__(inner, script, **kwargs)
        self.received = received

    def tokenize_chat(self, messages: Any) -> list[int]:
        self.received.extend(m.content for m in messages)
        self.received.extend(c.arguments for m in messages for c in m.tool_calls)
        return self._inner.tokenize_chat(messages)  # type: ignore[no-any-return]
