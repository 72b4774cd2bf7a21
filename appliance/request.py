"""The request model every layer shares: what was asked, what is known about it, what comes
back, and how it ended.

A transport (gRPC today) decodes its messages into :class:`GenerateParams`, creates a
:class:`RequestInfo`, and turns :class:`Chunk` back into its own messages; the pipeline and its
stages fill in the :class:`RequestInfo`; the audit stage and the metrics read it. How a request
ended is decided in one place, :func:`settle`.
"""

from __future__ import annotations

import asyncio
import contextvars
import enum
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from appliance.config import Policy
from appliance.errors import (
    ApplianceError,
    Cancelled,
    Overloaded,
    PermissionDenied,
    Unauthenticated,
    Unavailable,
    grpc_status,
)
from appliance.generation import Message, ResponseFormat, Tool, ToolCall


class Outcome(enum.StrEnum):
    """How a request ended, as the audit log and the log line record it."""

    OK = "ok"
    #: Failed after it was admitted (bad input, engine failure, deadline, ...).
    ERROR = "error"
    #: Not admitted: overloaded, unavailable, or refused before the pipeline (auth).
    REJECTED = "rejected"
    #: The caller went away.
    CANCELLED = "cancelled"


@dataclass(frozen=True)
class GenerateParams:
    """A request as the caller sent it (decoded from protobuf, not yet validated)."""

    prompt: str = ""
    messages: tuple[Message, ...] = ()
    model: str = ""
    max_tokens: int = 0
    temperature: float | None = None
    top_p: float | None = None
    stop: tuple[str, ...] = ()
    seed: int | None = None
    task_type: str = ""
    include_reasoning: bool = True
    allow_fallback: bool = True
    priority: int = 0
    allow_escalation: bool = True
    top_k: int | None = None
    min_p: float | None = None
    repetition_penalty: float | None = None
    frequency_penalty: float | None = None
    presence_penalty: float | None = None
    logit_bias: tuple[tuple[int, float], ...] = ()
    response_format: ResponseFormat = field(default_factory=ResponseFormat)
    #: Set by the unary Generate servicer: the whole answer is returned at once, so a weak v3
    #: answer can still be replaced (escalation). Streams are never escalated.
    unary: bool = False
    #: Who the calling application acts for (OpenAI's ``user``); masked before it is
    #: recorded, since it is often an e-mail address. Never sent to a model.
    end_user: str = ""
    #: How much the tier may reason ("", or one of generation.REASONING_EFFORTS): scales
    #: the tier's reasoning budget on the local engine (engine.budget.effort_budget).
    reasoning_effort: str = ""
    #: Functions the model may call, and whether and how it must (generation.TOOL_CHOICES or
    #: "function:NAME"); several calls in one answer unless ``parallel_tool_calls`` is off.
    tools: tuple[Tool, ...] = ()
    tool_choice: str = "auto"
    parallel_tool_calls: bool = True
    #: The caller's Cache-Control for the response cache: "no-cache" (answer afresh, keep
    #: it), "no-store" (neither look up nor keep), or "".
    cache_control: str = ""


@dataclass(frozen=True)
class EmbedParams:
    """An embeddings request (``/v1/embeddings``, ``Embed``): texts only, since masking
    needs text (token arrays are refused at the door)."""

    inputs: tuple[str, ...]
    #: The embedding tier's name (``embed``) or "" for it.
    model: str = ""
    #: OpenAI's ``dimensions``: shorten each vector to this many components (None: all).
    dimensions: int | None = None
    #: As GenerateParams.end_user: masked before it is recorded, never embedded.
    end_user: str = ""


@dataclass
class RequestInfo:
    """What is known about one request; filled in as it moves through the pipeline.

    The interceptor logs it as the canonical line; the audit stage records it. It never holds a
    prompt, an answer or a PII value.
    """

    request_id: str
    method: str
    client: str
    started: float = field(default_factory=time.monotonic)
    tier: str | None = None
    route: str | None = None
    route_reason: str | None = None
    prompt_tokens: int = 0
    completion_tokens: int = 0
    finish_reason: str | None = None
    pii_counts: dict[str, int] = field(default_factory=dict)
    #: PII the model wrote on its own, masked by the output scan.
    output_pii_counts: dict[str, int] = field(default_factory=dict)
    outcome: Outcome = Outcome.OK
    status: str = "OK"
    #: Why a request did not succeed, one stable word (RequestError.reason); None when OK.
    error_reason: str | None = None
    wall_started: float = field(default_factory=time.time)
    #: The transport peer ("ipv4:127.0.0.1:5555"); ``client`` is the authenticated identity.
    peer: str = ""
    role: str = ""
    #: What this identity may do; None when authentication is off and nothing was presented.
    policy: Policy | None = field(default=None, repr=False)
    #: True once authentication and authorization passed (refusals before are audited apart).
    auth_checked: bool = True
    #: A batch line's request: its engine holds it while interactive work is in flight,
    #: and ``yield_to`` (when set) is awaited before its own CPU work (masking, the answer's
    #: last scan and its end record), which then waits for that work to be over.
    background: bool = False
    yield_to: Callable[[], Awaitable[None]] | None = field(default=None, repr=False)
    #: True from the request's placement on a local engine to its Finished: it may hold
    #: one of the engine's slots (what a batch line gives up when interactive work starves).
    in_engine: bool = False
    model_sha256: str | None = None
    #: "primary" or "canary" on a tier with a canary ([models.<tier>.canary]); else None.
    arm: str | None = None
    #: time.monotonic() when the first chunk of the answer was handed back.
    first_output_at: float | None = None
    #: How long a local request waited for a slot (None: it never reached a local engine).
    queue_wait_s: float | None = None
    #: Prompt tokens served from the prefix cache instead of prefilled.
    cached_tokens: int = 0
    #: The central endpoint that answered (its name), for a request served centrally.
    central_endpoint: str | None = None
    #: The weak v3 attempt an escalated request replaced: tier, reason, mean_logprob,
    #: completion_tokens, finish_reason (metadata only, never its text).
    escalated_from: dict[str, Any] | None = None
    #: Tools the request offered, and the calls the answer made: (name, argument bytes).
    tools_offered: int = 0
    tool_calls: tuple[tuple[str, int], ...] = ()
    #: The response cache: "hit", "miss", "bypass" (not looked up); None when it is off.
    cache: str | None = None
    #: A hit: the request whose (masked) answer was served.
    cached_from: str | None = None
    #: A feedback call (POST /v1/feedback): the scored request's id and the score.
    feedback: dict[str, Any] | None = None
    # For the audit record only, never logged: masked text, placeholders instead of PII.
    masked_prompt: tuple[str, ...] | None = field(default=None, repr=False)
    masked_answer: str | None = field(default=None, repr=False)
    masked_reasoning: str | None = field(default=None, repr=False)
    #: The caller's end user (GenerateParams.end_user), masked.
    end_user: str | None = field(default=None, repr=False)

    @property
    def cache_namespace(self) -> str:
        """Whose cached prompt prefixes this request may reuse: its identity's (or the
        namespace its policy names); callers without credentials share "anonymous" (only
        possible where authentication is not required: loopback)."""
        if self.policy is None:
            return "anonymous"
        if self.policy.prefix_cache_namespace:
            return f"ns:{self.policy.prefix_cache_namespace}"
        return f"id:{self.client}"

    def elapsed(self) -> float:
        return time.monotonic() - self.started


#: The request being served in this task, for the interceptor's log line.
current_request: contextvars.ContextVar[RequestInfo | None] = contextvars.ContextVar(
    "current_request", default=None)


@dataclass(frozen=True)
class Chunk:
    text: str = ""
    reasoning: str = ""
    #: The calls of tools the answer made (on the last chunk).
    tool_calls: tuple[ToolCall, ...] = ()
    finish_reason: str | None = None
    prompt_tokens: int = 0
    completion_tokens: int = 0


def settle(info: RequestInfo, error: BaseException, *, begun: bool = True,
           deadline_passed: bool = False) -> None:
    """Set ``info.outcome`` and ``info.status`` from the error that ended the request: the one
    place that decides them. ``begun``: the begin record was started (an UNAVAILABLE before it
    is a refusal at the door); ``deadline_passed``: the caller's deadline expired (a
    cancellation then counts as DEADLINE_EXCEEDED)."""
    info.outcome, info.status = classify(error, begun=begun, auth_checked=info.auth_checked,
                                         deadline_passed=deadline_passed)
    info.error_reason = reason_of(error, info.status)


def reason_of(error: BaseException, status: str) -> str:
    """The stable word for why ``error`` ended a request (the audit record's error_reason)."""
    if status == "DEADLINE_EXCEEDED":
        return "deadline"
    if isinstance(error, ApplianceError):
        return getattr(error, "reason", "error")
    if isinstance(error, asyncio.CancelledError | GeneratorExit):
        return "cancelled"
    return "internal"


def classify(error: BaseException, *, begun: bool = True, auth_checked: bool = True,
             deadline_passed: bool = False) -> tuple[Outcome, str]:
    """(outcome, status code name) for a request that ended with ``error``."""
    if isinstance(error, asyncio.CancelledError | GeneratorExit | Cancelled):
        if deadline_passed:
            return Outcome.ERROR, "DEADLINE_EXCEEDED"
        return Outcome.CANCELLED, "CANCELLED"
    if not isinstance(error, ApplianceError):
        return Outcome.ERROR, "INTERNAL"
    status = grpc_status(error).name
    if isinstance(error, Overloaded) or (isinstance(error, Unavailable) and not begun):
        return Outcome.REJECTED, status
    if isinstance(error, Unauthenticated | PermissionDenied) and not auth_checked:
        return Outcome.REJECTED, status
    return Outcome.ERROR, status
