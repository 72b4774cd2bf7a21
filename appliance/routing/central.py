"""The central inference cluster: an OpenAI-compatible ``/v1/chat/completions`` endpoint.

vLLM, SGLang, TGI, llama.cpp's llama-server, Ray Serve LLM and KServe all expose it. Only masked
text is sent (the pipeline masks before routing). Retries with exponential backoff and full
jitter happen only before the first byte of an answer arrives, so nothing is ever delivered
twice. A circuit breaker stops sending after ``breaker_failures`` consecutive failures, for
``breaker_cooldown_seconds``; then one probe request is let through (half-open), and its
outcome closes or re-opens the breaker. While open, :meth:`CentralClient.available` is False
and the pipeline does not even try, so a dead cluster adds no latency.
"""

from __future__ import annotations

import asyncio
import email.utils
import json
import random
import time
from collections.abc import AsyncIterator, Callable, Sequence
from typing import Any

import httpx
import structlog

from appliance.config import EndpointConfig, FallbackConfig
from appliance.engine.types import Event, Finished, SamplingParams, TextPiece
from appliance.errors import Unavailable
from appliance.generation import Message
from appliance.observability.tracing import outgoing_headers
from appliance.request import current_request

log = structlog.get_logger("appliance.central")


class CircuitBreaker:
    def __init__(self, failures: int, cooldown_s: float,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self._threshold = failures
        self._cooldown = cooldown_s
        self._clock = clock
        self._failures = 0
        self._opened_at: float | None = None
        self._probing = False

    @property
    def state(self) -> str:
        if self._opened_at is None:
            return "closed"
        if self._clock() - self._opened_at >= self._cooldown:
            return "half_open"
        return "open"

    def allow(self) -> bool:
        state = self.state
        if state == "closed":
            return True
        if state == "half_open" and not self._probing:
            self._probing = True
            return True
        return False

    def success(self) -> None:
        if self._opened_at is not None:
            log.info("central_breaker_closed")
        self._failures = 0
        self._opened_at = None
        self._probing = False

    def failure(self) -> None:
        self._failures += 1
        self._probing = False
        if self._opened_at is not None or self._failures >= self._threshold:
            self._opened_at = self._clock()
            log.warning("central_breaker_open", failures=self._failures,
                        cooldown_s=self._cooldown)


class _Retryable(Exception):
    """The cluster answered 5xx or 429: worth another try before the first byte.
    ``retry_after``: seconds it asked for (a 429's or 503's ``Retry-After``), if it did."""

    def __init__(self, status: int, retry_after: float | None = None) -> None:
        super().__init__(f"HTTP {status}")
        self.status = status
        self.retry_after = retry_after


def retry_after_seconds(value: str | None, now: float | None = None) -> float | None:
    """A ``Retry-After`` header: delay-seconds or an HTTP date (RFC 9110 10.2.3)."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        return None
    return max(when.timestamp() - (time.time() if now is None else now), 0.0)


class _Progress:
    """How far one attempt got: text already streamed is never retried."""

    def __init__(self) -> None:
        self.started = False
        self.pieces = 0


class CentralClient:
    """One endpoint: ``endpoint`` (default: the ``[fallback]`` table's single url).
    ``max_retries``: attempts after the first on this endpoint (default: the config's; a fleet
    gives 0 and moves a failed request to another endpoint instead)."""

    def __init__(self, config: FallbackConfig, rng: Callable[[], float] = random.random,
                 endpoint: EndpointConfig | None = None,
                 max_retries: int | None = None) -> None:
        endpoints = config.endpoint_list()
        if endpoint is None and not endpoints:
            raise ValueError("no fallback url")
        ep = endpoint or endpoints[0]
        self.config = config
        self.endpoint = ep
        self.name = ep.label
        self.models = dict(ep.models or config.models)
        self.max_retries = config.max_retries if max_retries is None else max_retries
        self._rng = rng
        self.breaker = CircuitBreaker(config.breaker_failures, config.breaker_cooldown_seconds)
        headers = {}
        if ep.api_key_file is not None:
            token = ep.api_key_file.read_text(encoding="utf-8").strip()
            headers["Authorization"] = f"Bearer {token}"
        cert = (str(ep.client_cert), str(ep.client_key)) \
            if ep.client_cert and ep.client_key else None
        self._http = httpx.AsyncClient(
            base_url=ep.url.rstrip("/"), headers=headers,
            verify=str(ep.ca_file) if ep.ca_file else True, cert=cert,
            timeout=httpx.Timeout(config.timeout_seconds, connect=config.connect_timeout_seconds),
            trust_env=False)

    def breaker_state(self) -> str:
        return self.breaker.state

    def status(self) -> list[dict[str, Any]]:
        """The endpoint as ``appliance status`` shows it (a fleet lists each)."""
        return [{"name": self.name, "url": self.endpoint.url, "state": self.state,
                 "weight": 1.0 if self.available() else 0.0,
                 "static_weight": self.endpoint.weight}]

    @property
    def state(self) -> str:
        """closed, open or half_open (the breaker), or busy (its Retry-After runs)."""
        state = self.breaker.state
        if state == "closed" and time.monotonic() < self.busy_until:
            return "busy"
        return state

    def available(self) -> bool:
        return self.config.enabled and self.breaker.state != "open" \
            and time.monotonic() >= self.busy_until

    #: time.monotonic() until which the cluster asked not to be sent more (its 429's
    #: Retry-After): overflow is not attempted meanwhile. The breaker is not charged: a busy
    #: cluster is alive.
    busy_until: float = 0.0

    async def close(self) -> None:
        await self._http.aclose()

    async def probe(self) -> bool:
        """GET /models: the health probe. Feeds the breaker, so a dead cluster is known dead
        before a request needs it, and a recovered one is used again without waiting."""
        try:
            resp = await self._http.get("/models", timeout=self.config.connect_timeout_seconds
                                        + 1.0)
            ok = resp.status_code == 200
        except httpx.HTTPError:
            ok = False
        if ok:
            self.breaker.success()
        elif self.breaker.state != "open":
            self.breaker.failure()
        return ok

    async def probe_loop(self) -> None:
        interval = self.config.probe_interval_seconds
        if interval <= 0 or not self.config.enabled:
            return
        while True:
            await self.probe()
            await asyncio.sleep(interval)

    def _body(self, messages: Sequence[Message], params: SamplingParams,
              tier: str) -> dict[str, Any]:
        body: dict[str, Any] = {
            "model": self.models.get(tier, tier),
            "messages": [{"role": m.role, "content": m.content} for m in messages],
            "max_tokens": params.max_tokens, "temperature": params.temperature,
            "top_p": params.top_p, "stream": True,
        }
        if params.stop:
            body["stop"] = list(params.stop)
        if params.seed is not None:
            body["seed"] = params.seed
        # OpenAI's penalties, and the extra sampling fields vLLM, SGLang and llama-server take,
        # when the request or the tier set them (token ids of a logit_bias are this
        # appliance's model's, so it is not sent).
        for name in ("frequency_penalty", "presence_penalty", "top_k", "min_p",
                     "repetition_penalty"):
            if name not in params.unset:
                body[name] = getattr(params, name)
        response_format = params.response_format.openai(self.config.response_format_style)
        if response_format is not None:
            body["response_format"] = response_format
        return body

    async def generate(self, messages: Sequence[Message], params: SamplingParams,
                       tier: str) -> AsyncIterator[Event]:
        """Stream the cluster's answer as engine events; raises Unavailable on failure.
        A failure before the first text is retried (bounded, with jittered backoff)."""
        if not self.breaker.allow():
            raise Unavailable("central cluster unavailable (circuit open)")
        body = self._body(messages, params, tier)
        attempt = 0
        named = False
        while True:
            attempt += 1
            progress = _Progress()
            try:
                async for event in self._attempt(body, progress):
                    if not named:  # its first event (a Finished, for an empty answer)
                        named = True
                        info = current_request.get()
                        if info is not None:
                            info.central_endpoint = self.name
                    yield event
                return
            except (httpx.HTTPError, _Retryable, json.JSONDecodeError, KeyError,
                    IndexError) as exc:
                asked = exc.retry_after if isinstance(exc, _Retryable) else None
                busy = isinstance(exc, _Retryable) and exc.status == 429
                if busy and asked is not None:
                    self.busy_until = max(self.busy_until, time.monotonic() + asked)
                else:
                    self.breaker.failure()
                log.warning("central_request_failed", attempt=attempt,
                            error_type=type(exc).__name__, started=progress.started,
                            status=getattr(exc, "status", None), retry_after=asked)
                cap = self.config.backoff_initial_ms / 1000 * 2 ** (attempt - 1)
                delay = cap * self._rng() if asked is None else asked
                if progress.started or attempt > self.max_retries \
                        or not self.breaker.allow() \
                        or delay > self.config.max_retry_after_seconds:
                    raise Unavailable("central cluster request failed",
                                      retry_after=asked) from exc
                await asyncio.sleep(delay)

    async def _attempt(self, body: dict[str, Any], progress: _Progress) -> AsyncIterator[Event]:
        """One POST /chat/completions, streamed: text pieces, then Finished."""
        # The request's trace goes on at the cluster (W3C traceparent; nothing when off).
        async with self._http.stream("POST", "/chat/completions", json=body,
                                     headers=outgoing_headers()) as resp:
            if resp.status_code >= 500 or resp.status_code == 429:
                raise _Retryable(resp.status_code,
                                 retry_after_seconds(resp.headers.get("retry-after")))
            if resp.status_code != 200:
                self.breaker.failure()
                raise Unavailable(f"central cluster answered HTTP {resp.status_code}")
            finish = "stop"
            async for line in resp.aiter_lines():
                if not line.startswith("data:"):
                    continue
                data = line[5:].strip()
                if data == "[DONE]":
                    break
                choices = json.loads(data).get("choices") or [{}]
                choice = choices[0]  # a usage-only chunk has none
                delta = choice.get("delta") or {}
                # DeepSeek's API and vLLM/SGLang reasoning parsers: reasoning_content;
                # newer vLLM and OpenRouter: reasoning.
                thought = delta.get("reasoning_content") or delta.get("reasoning") or ""
                if thought and isinstance(thought, str):
                    progress.started = True
                    progress.pieces += 1
                    yield TextPiece(thought, reasoning=True)
                text = delta.get("content") or ""
                if text:
                    progress.started = True
                    progress.pieces += 1
                    yield TextPiece(text)
                finish = choice.get("finish_reason") or finish
        self.breaker.success()
        yield Finished("length" if finish == "length" else "stop", prompt_tokens=0,
                       completion_tokens=progress.pieces)
