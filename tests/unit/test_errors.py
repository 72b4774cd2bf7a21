"""The one ApplianceError -> gRPC status table."""

from __future__ import annotations

import grpc
import pytest

from appliance import errors as e


@pytest.mark.parametrize(("error", "code"), [
    (e.InvalidArgument("x", field="prompt"), grpc.StatusCode.INVALID_ARGUMENT),
    (e.Unauthenticated("bad token"), grpc.StatusCode.UNAUTHENTICATED),
    (e.PermissionDenied("role"), grpc.StatusCode.PERMISSION_DENIED),
    (e.Overloaded("busy", retry_after=1.0), grpc.StatusCode.RESOURCE_EXHAUSTED),
    (e.DeadlineExceeded("late"), grpc.StatusCode.DEADLINE_EXCEEDED),
    (e.Cancelled("gone"), grpc.StatusCode.CANCELLED),
    (e.Unavailable("draining"), grpc.StatusCode.UNAVAILABLE),
    (e.FailedPrecondition("reload failed"), grpc.StatusCode.FAILED_PRECONDITION),
    (e.EngineFailure("boom"), grpc.StatusCode.INTERNAL),
    (e.PrivacyFailure("analyzer"), grpc.StatusCode.INTERNAL),
    (ValueError("foreign"), grpc.StatusCode.INTERNAL),
])
def test_each_error_maps_to_one_status(error: BaseException, code: grpc.StatusCode) -> None:
    """Every error class has its status; anything foreign is INTERNAL."""
    assert code == e.grpc_status(error)


@pytest.mark.parametrize("error", [
    e.Unauthenticated("token abc123 revoked"),
    e.PermissionDenied("client may not use r1"),
    e.EngineFailure("llama_decode returned -3"),
    e.PrivacyFailure("spaCy crashed on text ..."),
    RuntimeError("secret internals"),
])
def test_security_and_internal_failures_are_opaque(error: BaseException) -> None:
    """The caller's message never carries the detail of security or internal failures."""
    msg = e.client_message(error)
    assert msg in ("authentication failed", "permission denied", "internal error")
    assert str(error) not in msg


def test_invalid_argument_message_reaches_the_caller() -> None:
    """Input errors are shown as written, so the caller can fix the request."""
    err = e.InvalidArgument("max_tokens: 5000 exceeds the limit of 2048", field="max_tokens")
    assert "max_tokens: 5000 exceeds the limit of 2048" == e.client_message(err)
    assert "max_tokens" == err.context["field"]
