"""The answer on its way out: reasoning split from the answer, each scanned for PII the model
wrote and restored (placeholders back to the caller's values), and the audit records written
so that nothing reaches the caller before its record is durable."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from dataclasses import replace

from appliance.engine.types import Event, Finished, TextPiece
from appliance.privacy.stage import MaskedRequest, OutputFilter, PrivacyStage
from appliance.request import Chunk, RequestInfo
from appliance.routing.reasoning import ReasoningSplitter
from appliance.stages.records import RequestRecords
from appliance.stages.tools import read_calls


def answer_style(tier_style: str, route: str) -> str:
    """How reasoning is marked in the text of an answer from ``route``. The tier's own style
    describes its local model and chat template; a cluster's answer never starts inside an
    open think tag (it streams reasoning apart, or inline as ``<think>…</think>``), so a
    central answer is split as ``think_tags``: only text that opens with the tag is reasoning."""
    return "think_tags" if route == "central" else tier_style


class Answer:
    """One request's output: text pieces in, chunks for the caller out."""

    def __init__(self, privacy: PrivacyStage, masked: MaskedRequest, *, json_output: bool,  # noqa: PLR0913 - the answer's options
                 include_reasoning: bool, reasoning_style: str, route: str = "local",
                 tools: bool = False) -> None:
        # Answer and reasoning each get their own scan-and-restore, as they stream separately.
        self.output: OutputFilter = privacy.output(replace(masked, json_output=json_output))
        self.thoughts: OutputFilter | None = privacy.output(masked) if include_reasoning \
            else None
        self._tier_style = reasoning_style
        self.route = route
        self.splitter = self._splitter()
        #: The answer has begun: the reasoning's filter has released all it held.
        self._answering = False
        #: With tools: None until the answer's first visible character says whether it
        #: calls tools ("<", the generic format's call) or is text; the calls are held, with
        #: PII restored as inside JSON strings, and read at the end (:attr:`calls_text`).
        self._tool_mode: str | None = None if tools else "text"
        self._undecided = ""
        self._privacy, self._masked = privacy, masked
        self.calls_text: str | None = None

    async def _answer(self, text: str) -> str:
        """The answer text released now (see :attr:`_tool_mode`)."""
        if self._tool_mode is None:
            self._undecided += text
            if not self._undecided.strip():
                return ""
            text, self._undecided = self._undecided, ""
            calls = text.lstrip().startswith("<")
            self._tool_mode = "calls" if calls else "text"
            if calls:
                self.output = self._privacy.output(replace(self._masked, json_output=True))
                self.calls_text = ""
        if self._tool_mode == "calls":
            self.calls_text = (self.calls_text or "") + await self.output.feed(text)
            return ""
        return await self.output.feed(text) if text else ""

    def _splitter(self) -> ReasoningSplitter | None:
        style = answer_style(self._tier_style, self.route)
        return ReasoningSplitter(starts_open=style == "think_tags_open") \
            if style != "none" else None

    def reroute(self, route: str) -> None:
        """The request moved (a local one to the cluster, before any output): split its
        text as that route's."""
        self.route = route
        self.splitter = self._splitter()

    async def piece(self, text: str, reasoning_only: bool = False) -> Chunk:
        """``reasoning_only``: the producer marked ``text`` as reasoning (no tags to split)."""
        if reasoning_only:
            return Chunk(reasoning=await self.thoughts.feed(text) if self.thoughts else "")
        reasoning, answer = self.splitter.feed(text) if self.splitter else ("", text)
        thoughts = await self._thoughts(reasoning, answering=bool(answer))
        return Chunk(text=await self._answer(answer) if answer else "", reasoning=thoughts)

    async def _thoughts(self, reasoning: str, *, answering: bool) -> str:
        """The reasoning released now. Once the answer begins, whatever the reasoning's filter
        still holds (a last word, a partial placeholder) is released with it, so that no
        reasoning reaches the caller after the answer has begun."""
        if self.thoughts is None:
            return ""
        out = await self.thoughts.feed(reasoning) if reasoning else ""
        if answering and not self._answering:
            self._answering = True
            out += await self.thoughts.flush()
        return out

    async def tail(self) -> Chunk:
        """What is still held back (a partial placeholder, a partial tag), released."""
        reasoning, answer = self.splitter.flush() if self.splitter else ("", "")
        text = await self._answer(answer + self._undecided) if answer or self._undecided \
            else ""
        if self._tool_mode == "calls":
            self.calls_text = (self.calls_text or "") + await self.output.flush()
        else:
            text += await self.output.flush()
        thoughts = self.thoughts
        return Chunk(text=text, reasoning=await thoughts.feed(reasoning) + await thoughts.flush()
                     if thoughts else "")

    def record(self, info: RequestInfo) -> None:
        """The masked answer and reasoning, and the PII the model wrote, into the record."""
        info.output_pii_counts = dict(self.output.masked_counts)
        if self.thoughts:
            for k, v in self.thoughts.masked_counts.items():
                info.output_pii_counts[k] = info.output_pii_counts.get(k, 0) + v
        info.masked_answer = self.output.masked_text
        info.masked_reasoning = self.thoughts.masked_text if self.thoughts else None


async def stream(source: AsyncIterator[Event], answer: Answer, info: RequestInfo,
                 records: RequestRecords) -> AsyncIterator[Chunk]:
    """Chunks for the caller, the last with finish_reason and usage. The begin record is
    durable before the first chunk, the end record before the last."""
    try:
        async for event in source:
            if isinstance(event, TextPiece):
                if info.route is not None and info.route != answer.route:
                    answer.reroute(info.route)  # fell back to the cluster before starting
                chunk = await answer.piece(event.text, event.reasoning)
                if chunk.text or chunk.reasoning:
                    await records.begin()
                    if info.first_output_at is None:
                        info.first_output_at = time.monotonic()
                    yield chunk
            elif isinstance(event, Finished):
                yield await _last(event, answer, info, records)
    finally:
        info.masked_answer = answer.output.masked_text
        info.masked_reasoning = answer.thoughts.masked_text if answer.thoughts else None


async def _last(event: Finished, answer: Answer, info: RequestInfo,
                records: RequestRecords) -> Chunk:
    info.finish_reason = event.finish_reason
    info.completion_tokens = event.completion_tokens
    if event.queue_wait_s is not None:
        info.queue_wait_s = event.queue_wait_s
    info.cached_tokens = event.cached_tokens
    if info.yield_to is not None:  # a batch line: after interactive work in flight
        await info.yield_to()
    tail = await answer.tail()
    finish = event.finish_reason
    if answer.calls_text is not None:
        text, calls = read_calls(answer.calls_text, info)
        tail = replace(tail, text=tail.text + text, tool_calls=calls)
        if calls and finish in ("stop", "length"):
            # complete calls, each valid; a further call the limit cut off is left out
            finish = info.finish_reason = "tool_calls"
    answer.record(info)
    # The end record is durable before the caller sees the end of the answer.
    await records.finish()
    if info.first_output_at is None:
        info.first_output_at = time.monotonic()
    return replace(tail, finish_reason=finish,
                   # The cluster does not report our prompt tokens; ours counted.
                   prompt_tokens=event.prompt_tokens or info.prompt_tokens,
                   completion_tokens=event.completion_tokens)
