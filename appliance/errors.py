"""The one error tree of the appliance, and its one mapping to gRPC status codes.

::

    ApplianceError
    ├── ConfigError              a config file or key is wrong (CLI exit 2; never reaches gRPC)
    ├── ModelError               a GGUF file is missing, corrupt or does not match its SHA-256
    │   └── DefaultModelMissing  the embedded default model package is not installed
    └── RequestError             raised while serving one request; each has a gRPC status
        ├── InvalidArgument      INVALID_ARGUMENT   bad input; names the field and the limit
        │   └── UnwritableFormat the output grammar allows no token at some point of the
        │                        answer (a schema the model cannot write out)
        ├── Unauthenticated      UNAUTHENTICATED    opaque to the caller
        ├── PermissionDenied     PERMISSION_DENIED  opaque to the caller
        ├── Overloaded           RESOURCE_EXHAUSTED carries retry_after (seconds)
        ├── DeadlineExceeded     DEADLINE_EXCEEDED
        ├── Cancelled            CANCELLED
        ├── Unavailable          UNAVAILABLE        loading, draining, audit log down
        ├── FailedPrecondition   FAILED_PRECONDITION an admin operation cannot run as things
        │                                           are (a reload whose config or model fails)
        └── InternalError        INTERNAL           opaque; detail only in the log
            ├── EngineFailure    llama.cpp failed while generating
            └── PrivacyFailure   PII analysis failed (fail closed)

Context goes in keyword arguments (``field=``, ``key=``, ``path=``) so logs can carry it as
structured fields. Foreign exceptions are translated where they are met; nothing here looks at
message text. :func:`grpc_status` is the single place that turns an error into a status code.
"""

from __future__ import annotations

from typing import Any

import grpc


class ApplianceError(Exception):
    """Root of every error the appliance raises on purpose."""

    def __init__(self, message: str, **context: Any) -> None:
        super().__init__(message)
        self.message = message
        self.context = context


class ConfigError(ApplianceError):
    """A configuration problem; ``file`` and ``key`` name where it is."""

    def __init__(self, message: str, *, file: str | None = None, key: str | None = None) -> None:
        super().__init__(message, file=file, key=key)
        self.file = file
        self.key = key

    def __str__(self) -> str:
        where = ": ".join(part for part in (self.file, self.key) if part)
        return f"{where}: {self.message}" if where else self.message


class ModelError(ApplianceError):
    """A model file cannot be used."""


class DefaultModelMissing(ModelError):
    """The package that ships the embedded default model is not installed."""


class RequestError(ApplianceError):
    """An error while serving one request. Subclasses map to one gRPC status each."""

    #: Security failures set this: the caller sees only the class's generic message.
    opaque: bool = False
    public_message: str = "request failed"
    #: Why, in one stable word: the audit end record's ``error_reason`` (docs/audit-exports.md).
    reason: str = "error"

    def client_message(self) -> str:
        return self.public_message if self.opaque else self.message


class InvalidArgument(RequestError):
    reason = "invalid_argument"

    def __init__(self, message: str, *, field: str, **context: Any) -> None:
        super().__init__(message, field=field, **context)
        self.field = field


class UnwritableFormat(InvalidArgument):
    """Found while generating: the request's output grammar (its response_format or tools)
    allows no token the model can write next. Only that request fails."""

    reason = "unwritable_format"


class Unauthenticated(RequestError):
    reason = "unauthenticated"
    opaque = True
    public_message = "authentication failed"


class PermissionDenied(RequestError):
    reason = "permission_denied"
    opaque = True
    public_message = "permission denied"


class Overloaded(RequestError):
    """RESOURCE_EXHAUSTED. ``reason``: ``capacity`` (no slot and nowhere to overflow),
    ``queue_full``, ``fair_share`` (a waiting request turned away for another caller's: its
    identity held more than its share of the queue), ``rate_limit``, ``concurrency_limit``,
    ``quota`` (a day or month budget), ``central_failed``."""

    def __init__(self, message: str, *, retry_after: float, reason: str = "capacity",
                 **context: Any) -> None:
        super().__init__(message, retry_after=retry_after, **context)
        self.retry_after = retry_after
        self.reason = reason


class QueueTimeout(Overloaded):
    """A local request waited its whole allowance for a slot (it never started); the pipeline
    moves it to the central cluster. Only requests that may overflow carry an allowance."""

    def __init__(self, message: str, *, retry_after: float, **context: Any) -> None:
        super().__init__(message, retry_after=retry_after, reason="queue_timeout", **context)


class DeadlineExceeded(RequestError):
    reason = "deadline"


class Cancelled(RequestError):
    reason = "cancelled"


class ReaderStalled(Cancelled):
    """The caller stopped taking a stream's chunks: the write waited past its bound."""

    reason = "reader_stalled"


class Unavailable(RequestError):
    reason = "unavailable"


class FailedPrecondition(RequestError):
    """An admin operation was refused because of the appliance's own state or files (a model
    reload whose config or model file fails); the request itself was well-formed."""

    reason = "failed_precondition"


class InternalError(RequestError):
    reason = "internal"
    opaque = True
    public_message = "internal error"


class EngineFailure(InternalError):
    reason = "engine_failure"


class PrivacyFailure(InternalError):
    reason = "privacy_failure"


# Ordered most specific first is not needed: lookup walks the exception's MRO.
_STATUS: dict[type[RequestError], grpc.StatusCode] = {
    InvalidArgument: grpc.StatusCode.INVALID_ARGUMENT,
    Unauthenticated: grpc.StatusCode.UNAUTHENTICATED,
    PermissionDenied: grpc.StatusCode.PERMISSION_DENIED,
    Overloaded: grpc.StatusCode.RESOURCE_EXHAUSTED,
    DeadlineExceeded: grpc.StatusCode.DEADLINE_EXCEEDED,
    Cancelled: grpc.StatusCode.CANCELLED,
    Unavailable: grpc.StatusCode.UNAVAILABLE,
    FailedPrecondition: grpc.StatusCode.FAILED_PRECONDITION,
    InternalError: grpc.StatusCode.INTERNAL,
}


def grpc_status(error: BaseException) -> grpc.StatusCode:
    """The status code for ``error``: its class's entry, or INTERNAL for anything unknown."""
    for cls in type(error).__mro__:
        code = _STATUS.get(cls)
        if code is not None:
            return code
    return grpc.StatusCode.INTERNAL


def client_message(error: BaseException) -> str:
    """What the caller may read about ``error``; opaque for security and unknown errors."""
    if isinstance(error, RequestError):
        return error.client_message()
    return InternalError.public_message
