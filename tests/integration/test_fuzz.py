"""Fuzzing the real server with hypothesis: random and malformed requests, raw garbage bytes,
huge and many messages. The only answers allowed are OK, INVALID_ARGUMENT and
RESOURCE_EXHAUSTED; never INTERNAL, never a crash, never a hang.

The daemon runs with small limits (max_tokens 4) so every valid case is quick. CI runs 500
examples per strategy; ``make test-full`` runs 5000.
"""

from __future__ import annotations

import contextlib
import random
import socket
from collections.abc import Iterator
from pathlib import Path

import grpc
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from appliance.client import build_request
from appliance.v1 import appliance_pb2 as pb
from tests.audit_helpers import full_count
from tests.daemon import Daemon, write_config

ALLOWED = {grpc.StatusCode.OK, grpc.StatusCode.INVALID_ARGUMENT,
           grpc.StatusCode.RESOURCE_EXHAUSTED}
EXAMPLES = full_count(500, 5000)
RAN: dict[str, int] = {}


@pytest.fixture(scope="module")
def fuzz_daemon(tmp_path_factory: pytest.TempPathFactory, model_path: Path) -> Iterator[Daemon]:
    work = tmp_path_factory.mktemp("fuzz")
    cfg = write_config(work / "appliance.toml", model_path,
                       limits="max_tokens = 4\ndefault_max_tokens = 2\nmax_prompt_chars = 4000\n"
                              "max_messages = 32",
                       server="max_message_bytes = 262144")
    d = Daemon(work, cfg)
    try:
        d.wait_for("ready")
        yield d
    finally:
        assert 0 == d.stop(), d.log_path.read_text()[-3000:]


@pytest.fixture(scope="module")
def channel(fuzz_daemon: Daemon) -> Iterator[grpc.Channel]:
    assert fuzz_daemon.address is not None
    with grpc.insecure_channel(fuzz_daemon.address,
                               options=[("grpc.max_send_message_length", 64 << 20)]) as ch:
        yield ch


def _raw_call(channel: grpc.Channel, payload: bytes, stream: bool) -> grpc.StatusCode:
    method = "/appliance.v1.Inference/" + ("GenerateStream" if stream else "Generate")
    try:
        if stream:
            call = channel.unary_stream(method, request_serializer=lambda b: b,
                                        response_deserializer=lambda b: b)
            for _ in call(payload, timeout=60):
                pass
        else:
            channel.unary_unary(method, request_serializer=lambda b: b,
                                response_deserializer=lambda b: b)(payload, timeout=60)
    except grpc.RpcError as exc:
        return exc.code()  # type: ignore[no-any-return]
    return grpc.StatusCode.OK


def _request(**fields: object) -> bytes:
    return build_request(**fields).SerializeToString()  # type: ignore[arg-type]


TEXT = st.text(st.characters(codec="utf-8"), max_size=200)
requests = st.builds(
    _request,
    prompt=st.one_of(st.just(""), TEXT, st.text(max_size=5000)),
    messages=st.lists(st.tuples(st.sampled_from(["user", "system", "assistant", "", "x"]),
                                TEXT), max_size=40),
    model=st.sampled_from(["", "v3", "r1", "auto", "gpt-4", "\x00"]),
    max_tokens=st.integers(-(2**31), 2**31 - 1),
    temperature=st.one_of(st.none(), st.floats(width=32)),
    top_p=st.one_of(st.none(), st.floats(width=32)),
    stop=st.lists(TEXT, max_size=12),
    seed=st.one_of(st.none(), st.integers(0, 2**64 - 1)),
    task_type=st.one_of(TEXT, st.text(min_size=60, max_size=100)),
    include_reasoning=st.one_of(st.none(), st.booleans()),
    allow_fallback=st.one_of(st.none(), st.booleans()),
    priority=st.integers(-(2**31), 2**31 - 1),
)


def _count(name: str) -> None:
    RAN[name] = RAN.get(name, 0) + 1


@settings(max_examples=EXAMPLES, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(payload=requests, stream=st.booleans())
def test_random_field_values(channel: grpc.Channel, payload: bytes, stream: bool) -> None:
    _count("fields")
    assert _raw_call(channel, payload, stream) in ALLOWED


@settings(max_examples=EXAMPLES, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(payload=st.one_of(
    st.binary(max_size=2000),
    # Valid framing with invalid UTF-8 (e.g. a lone surrogate's bytes) in the prompt.
    st.binary(min_size=1, max_size=100).map(lambda b: b"\x0a" + bytes([len(b)]) + b),
    st.just(b"\x0a\x03\xed\xa0\x80"),  # UTF-8-encoded surrogate U+D800
), stream=st.booleans())
def test_garbage_payloads(channel: grpc.Channel, payload: bytes, stream: bool) -> None:
    _count("garbage")
    assert _raw_call(channel, payload, stream) in ALLOWED


def test_huge_and_many(channel: grpc.Channel) -> None:
    huge = pb.GenerateRequest(prompt="x" * (3 << 20)).SerializeToString()
    assert grpc.StatusCode.RESOURCE_EXHAUSTED == _raw_call(channel, huge, False)
    many = pb.GenerateRequest()
    for _ in range(5000):
        many.messages.add(role="user", content="hi")
    assert grpc.StatusCode.INVALID_ARGUMENT == _raw_call(channel, many.SerializeToString(), True)
    big_under_limit = pb.GenerateRequest(prompt="y" * 200_000).SerializeToString()
    assert grpc.StatusCode.INVALID_ARGUMENT == _raw_call(channel, big_under_limit, False)
    _count("huge")


def test_garbage_bytes_on_the_socket(fuzz_daemon: Daemon, channel: grpc.Channel) -> None:
    """Raw TCP connections that send noise (and an HTTP/1 request) and hang up; the server
    keeps serving."""
    assert fuzz_daemon.address is not None
    host, _, port = fuzz_daemon.address.rpartition(":")
    rng = random.Random(7)
    blobs = [b"GET / HTTP/1.1\r\nHost: x\r\n\r\n", b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n" + b"\0" * 9]
    blobs += [rng.randbytes(rng.randint(1, 4096)) for _ in range(full_count(60, 600))]
    for blob in blobs:
        with socket.create_connection((host, int(port)), timeout=5) as s:
            s.sendall(blob)
            s.settimeout(0.5)
            with contextlib.suppress(TimeoutError, ConnectionError):
                s.recv(4096)
        _count("socket")
    ok = pb.GenerateRequest(prompt="Hello", max_tokens=1).SerializeToString()
    assert grpc.StatusCode.OK == _raw_call(channel, ok, False)


def test_server_survived(fuzz_daemon: Daemon, channel: grpc.Channel) -> None:
    """Still up, still answering, nothing logged as unexpected; report how many cases ran."""
    assert fuzz_daemon.proc.poll() is None
    ok = pb.GenerateRequest(prompt="Hello", max_tokens=1).SerializeToString()
    assert grpc.StatusCode.OK == _raw_call(channel, ok, True)
    unexpected = [e for e in fuzz_daemon.events() if e.get("event") == "rpc_unexpected_error"]
    assert [] == unexpected
    print(f"\nfuzz cases run: {RAN}")
    assert RAN.get("fields", 0) >= EXAMPLES
