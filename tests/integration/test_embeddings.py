"""POST /v1/embeddings on the session daemon, through the official OpenAI SDK: the real
embedding model (all-MiniLM-L6-v2 converted to GGUF), inputs PII-masked before they are
embedded, errors in OpenAI's shape, and an audit record per request."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import openai
import pytest

from appliance.client import Client
from tests.daemon import Daemon, write_config

pytestmark = pytest.mark.timeout(300)


@pytest.fixture
def api(daemon: Daemon) -> Iterator[openai.OpenAI]:
    with openai.OpenAI(base_url=daemon.http_url, api_key="unused", max_retries=0,
                       timeout=120) as c:
        yield c


def _vectors(got: Any) -> np.ndarray:
    return np.array([d.embedding for d in sorted(got.data, key=lambda d: d.index)])


def test_float_vectors_are_unit_length_and_semantic(api: openai.OpenAI) -> None:
    """Vectors come back normalised, in order, and a paraphrase is nearer than a stranger."""
    got = api.embeddings.create(model="embed", encoding_format="float", input=[
        "A man is eating food.", "A man is eating a piece of bread.",
        "The stock market fell sharply today."])
    v = _vectors(got)
    assert (3, 384) == v.shape
    assert np.allclose(np.linalg.norm(v, axis=1), 1.0, atol=1e-4)
    assert v[0] @ v[1] > 0.6
    assert v[0] @ v[2] < 0.2
    assert [0, 1, 2] == [d.index for d in got.data]
    assert got.usage.prompt_tokens == got.usage.total_tokens > 0
    assert "embed" == got.model


def test_base64_is_little_endian_float32_of_the_same_vector(api: openai.OpenAI,
                                                             daemon: Daemon) -> None:
    """encoding_format=base64 carries the float vector's little-endian float32 bytes (the
    SDK's default: it asks for base64 and decodes it)."""
    text = "Quarterly report on regional sales"
    floats = _vectors(api.embeddings.create(model="embed", input=text,
                                            encoding_format="float"))[0]
    decoded = _vectors(api.embeddings.create(model="embed", input=text))[0]  # SDK: base64
    assert np.allclose(floats, decoded, atol=1e-6)
    raw = httpx.post(f"{daemon.http_url}/embeddings", timeout=60,
                     json={"model": "embed", "input": text, "encoding_format": "base64"}).json()
    data = raw["data"][0]["embedding"]
    assert isinstance(data, str)
    import base64
    assert np.allclose(floats, np.frombuffer(base64.b64decode(data), "<f4"), atol=1e-6)


def test_dimensions_shorten_and_renormalise(api: openai.OpenAI) -> None:
    """dimensions=N keeps the first N components, scaled back to unit length."""
    text = "Shipping delays in the northern warehouse"
    full = _vectors(api.embeddings.create(model="embed", input=text))[0]
    short = _vectors(api.embeddings.create(model="embed", input=text, dimensions=64))[0]
    assert (64,) == short.shape
    assert np.allclose(full[:64] / np.linalg.norm(full[:64]), short, atol=1e-5)


def test_a_batch_gets_the_vectors_of_its_inputs_alone(api: openai.OpenAI) -> None:
    """An input embedded in a batch of 40 gets the vector it gets alone."""
    texts = [f"Ticket {i}: the printer on floor {i % 7} is jammed" for i in range(40)]
    batch = _vectors(api.embeddings.create(model="embed", input=texts))
    alone = _vectors(api.embeddings.create(model="embed", input=texts[17]))[0]
    assert (40, 384) == batch.shape
    assert np.allclose(batch[17], alone, atol=1e-4)


def test_pii_is_masked_before_embedding(api: openai.OpenAI, daemon: Daemon) -> None:
    """The same sentence with two different e-mail addresses gets the same vector: the model
    embedded the masked text, where both are the same placeholder."""
    got = httpx.post(f"{daemon.http_url}/embeddings", timeout=60, json={
        "model": "embed", "encoding_format": "float", "input": [
            "Please send the contract to alice.jones@example.com today",
            "Please send the contract to bob.smith@example.net today"]})
    assert 200 == got.status_code, got.text
    body = got.json()
    a, b = (np.array(d["embedding"]) for d in body["data"])
    # Equal up to float noise of their places in the batch; a one-word change moves far more.
    assert np.allclose(a, b, atol=1e-4)
    other = _vectors(api.embeddings.create(
        model="embed", input="Please send the invoice to alice.jones@example.com today"))[0]
    assert np.abs(a - other).max() > 1e-2
    assert {"EMAIL_ADDRESS": 2} == body["appliance"]["pii"]
    assert got.headers["x-request-id"] == body["appliance"]["request_id"]


def test_token_arrays_are_refused_because_masking_needs_text(daemon: Daemon) -> None:
    """input as token ids is a 400 that says why (masking reads text)."""
    for tokens in ([101, 2023, 102], [[101, 2023, 102]]):
        got = httpx.post(f"{daemon.http_url}/embeddings", timeout=60,
                         json={"model": "embed", "input": tokens})
        assert 400 == got.status_code
        err = got.json()["error"]
        assert "input" == err["param"]
        assert "masked" in err["message"]
        assert got.headers["x-request-id"]


def test_bad_dimensions_and_unknown_model(api: openai.OpenAI) -> None:
    """dimensions above the model's width is a 400; an unknown model a 404 model_not_found."""
    with pytest.raises(openai.BadRequestError) as bad:
        api.embeddings.create(model="embed", input="x y z", dimensions=4096)
    assert "dimensions" == bad.value.body["param"]
    with pytest.raises(openai.NotFoundError) as missing:
        api.embeddings.create(model="text-embedding-3-small", input="x y z")
    assert "model_not_found" == missing.value.body["code"]


def test_an_input_longer_than_the_model_takes_is_refused(api: openai.OpenAI) -> None:
    """An input over models.embed.n_ctx tokens is a 400, never silently cut."""
    with pytest.raises(openai.BadRequestError) as bad:
        api.embeddings.create(model="embed", input="word " * 600)
    assert "input" == bad.value.body["param"]


def test_embeddings_are_listed_and_audited(daemon: Daemon, api: openai.OpenAI) -> None:
    """GET /v1/models lists the embedding tier; an embeddings call leaves begin and end
    audit records (tier embed, route local, token and PII counts, no text)."""
    from appliance.audit.keys import OFFICER_PRIVATE, load_officer_private
    from appliance.audit.verify import verify_dir

    assert "embed" in {m.id for m in api.models.list().data}
    raw = api.embeddings.with_raw_response.create(
        model="embed", input="Call me on carol@example.org about the invoice")
    request_id = raw.headers["x-request-id"]
    records: list[dict[str, Any]] = []
    work = daemon.workdir
    verify_dir(work / "state" / "audit", load_officer_private(
        Path(work / "officer" / OFFICER_PRIVATE)), None, records.append)
    mine = [r for r in records if r.get("request_id") == request_id]
    assert {"begin", "end"} == {r["type"] for r in mine}
    end = next(r for r in mine if r["type"] == "end")
    assert "http:/v1/embeddings" == end["method"]
    assert ("embed", "local") == (end.get("tier"), end.get("route"))
    assert "carol@example.org" not in str(mine)


def test_grpc_embed_gives_the_http_vectors(daemon: Daemon, api: openai.OpenAI) -> None:
    """Inference.Embed: the same vectors as /v1/embeddings, PII counted, dimensions applied;
    a bad request is INVALID_ARGUMENT."""
    import grpc

    from appliance.v1 import appliance_pb2 as pb
    from appliance.v1 import appliance_pb2_grpc as pb_grpc

    texts = ["Write to dave@example.com about the lease", "Quarterly numbers look fine"]
    http = _vectors(api.embeddings.create(model="embed", input=texts, dimensions=128))
    assert daemon.address is not None
    with grpc.insecure_channel(daemon.address) as channel:
        stub = pb_grpc.InferenceStub(channel)
        got = stub.Embed(pb.EmbedRequest(input=texts, dimensions=128), timeout=120)
        assert [0, 1] == [e.index for e in got.data]
        vectors = np.array([list(e.values) for e in got.data])
        assert np.allclose(http, vectors, atol=1e-4)
        assert 1 == {p.entity_type: p.count for p in got.pii}["EMAIL_ADDRESS"]
        assert got.usage.prompt_tokens == got.usage.total_tokens > 0
        assert got.request_id
        with pytest.raises(grpc.RpcError) as err:
            stub.Embed(pb.EmbedRequest(input=["x"], dimensions=10_000), timeout=60)
        assert grpc.StatusCode.INVALID_ARGUMENT == err.value.code()


def test_the_python_sdk_embeds(client: Client) -> None:
    """appliance.client.Client.embed: the gRPC call, with dimensions."""
    got = client.embed(["Server room temperature alarm"], dimensions=32)
    assert 1 == len(got.data)
    values = np.array(got.data[0].values)
    assert (32,) == values.shape
    assert abs(np.linalg.norm(values) - 1.0) < 1e-4


def test_appliance_models_lists_the_embedding_tier_with_its_sha256(
        daemon: Daemon, client: Client, embed_model_path: Path) -> None:
    """gRPC ListModels (appliance models) has a row for the embed tier: its file, the SHA-256
    of its bytes, loaded; /v1/models/embed says the same."""
    from appliance.engine.default_model import sha256_file

    row = next(m for m in client.list_models() if m.tier == "embed")
    assert (embed_model_path.name, sha256_file(embed_model_path), "ready") == (
        row.file_name, row.sha256, row.state)
    assert ("bert", "F16", 512) == (row.architecture, row.quantization, row.context_length)
    got = httpx.get(f"{daemon.http_url}/models/embed", timeout=60).json()["appliance"]
    assert (row.sha256, 384, False) == (got["sha256"], got["dimensions"], got["fallback"])


def test_without_an_embedding_model_the_v3_model_embeds_loaded_on_first_use(
        tmp_path_factory: pytest.TempPathFactory, model_path: Path) -> None:
    """No [models.embed] path: the documented fallback, the v3 GGUF mean-pooled (its width,
    unit vectors, masked input), with a warning in the log. It is not loaded at start (a
    second copy of the chat model) but on the first embeddings request, which says so in the
    log; appliance models lists it with the v3 file's SHA-256 before and after."""
    from appliance.engine.default_model import sha256_file

    work = tmp_path_factory.mktemp("embed-fallback")
    d = Daemon(work, write_config(work / "appliance.toml", model_path, models="slots = 1"))
    try:
        d.wait_for("ready")
        events = [e.get("event") for e in d.events()]
        assert "embed_model_lazy" in events
        assert "embed_model_loaded" not in events
        assert d.address is not None
        with Client(d.address, timeout=120.0) as c:
            before = next(m for m in c.list_models() if m.tier == "embed")
        assert (model_path.name, sha256_file(model_path), "lazy") == (
            before.file_name, before.sha256, before.state)
        with openai.OpenAI(base_url=d.http_url, api_key="unused", max_retries=0,
                           timeout=120) as api:
            got = api.embeddings.create(model="embed", input=["Reset my password, please"])
        v = np.array(got.data[0].embedding)
        assert (640,) == v.shape  # Gemma 3 270M's hidden size
        assert abs(np.linalg.norm(v) - 1.0) < 1e-4
        events = [e.get("event") for e in d.events()]
        assert events.index("embed_model_loading") < events.index("embed_model_loaded")
        assert "embed_model_fallback" in events
        with Client(d.address, timeout=120.0) as c:
            after = next(m for m in c.list_models() if m.tier == "embed")
        assert (before.sha256, "ready", "gemma3") == (after.sha256, after.state,
                                                     after.architecture)
    finally:
        assert 0 == d.stop()
