"""SDK retry policy and request building (the calls themselves run in integration tests)."""

from __future__ import annotations

from appliance.client import RetryPolicy, build_request


def test_backoff_grows_exponentially_with_full_jitter() -> None:
    p = RetryPolicy(initial_backoff=0.5, multiplier=2.0, max_backoff=3.0)
    assert [0.5, 1.0, 2.0, 3.0, 3.0] == [p.delay(a, None, lambda: 1.0) for a in range(1, 6)]
    assert 0.0 == p.delay(3, None, lambda: 0.0)


def test_retry_after_is_a_floor() -> None:
    """The server's retry-after is never undercut by a short jittered backoff."""
    p = RetryPolicy(initial_backoff=0.1)
    assert 2.5 == p.delay(1, 2.5, lambda: 0.5)


def test_build_request_sets_optional_fields_only_when_given() -> None:
    req = build_request(messages=[{"role": "user", "content": "hi"}, ("assistant", "yo")],
                        temperature=0.0, seed=0)
    assert req.HasField("temperature") and 0.0 == req.temperature
    assert req.HasField("seed") and not req.HasField("top_p")
    assert [("user", "hi"), ("assistant", "yo")] == [(m.role, m.content) for m in req.messages]
