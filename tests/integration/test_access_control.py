"""Access control through the real server: TLS, tokens, roles, per-identity policy, rate limits,
mutual TLS. Each refusal has its status code and a log line; the right credentials succeed."""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import grpc
import pytest

from appliance.client import Client, Credentials, RetryPolicy, RpcError
from tests.certs import CA
from tests.daemon import Daemon, write_config

GEN = {"temperature": 0.0, "max_tokens": 1}
NO_RETRY = RetryPolicy(max_attempts=1)
ROLES = {"app": "client", "limited": "client", "batch": "client", "ops": "admin",
         "aud": "auditor", "gone": "client", "strict": "client"}


def appliance(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "appliance", *args], capture_output=True,
                          text=True, timeout=120, check=False)


class Site:
    def __init__(self, daemon: Daemon, ca: CA, tokens: dict[str, Path], config: Path) -> None:
        self.daemon = daemon
        self.ca = ca
        self.tokens = tokens
        self.config = config

    def client(self, token: str | None = None, tls: bool = True, **creds: Path) -> Client:
        assert self.daemon.address is not None
        token_file = self.tokens[token] if token else None
        return Client(self.daemon.address, timeout=60, retry=NO_RETRY,
                      credentials=Credentials.from_files(
                          token_file=token_file, ca=self.ca.path if tls else None, **creds))


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory, model_path: Path) -> Iterator[Site]:
    work = tmp_path_factory.mktemp("secure")
    ca = CA(work / "pki", "site-ca")
    cert, key = ca.issue("appliance", server=True)
    cfg = write_config(
        work / "appliance.toml", model_path,
        server=f'tls_cert = "{cert}"\ntls_key = "{key}"',
        auth="required = true\n\n[auth.identities.limited]\nrequests_per_minute = 3\n\n"
             '[auth.identities.batch]\ntiers = ["r1"]\nhighest_priority = 5\n\n'
             '[auth.identities.strict]\npii_profile = "strict"',
        pii='allow_list = ["ann@example.com"]\n\n[pii.profiles.strict]\nallow_list = []')
    tokens = {}
    for name, role in ROLES.items():
        out = work / f"{name}.token"
        p = appliance("token", "create", "--config", str(cfg), "--name", name, "--role", role,
                      "--out", str(out))
        assert 0 == p.returncode, p.stderr
        tokens[name] = out
    tokens["wrong"] = work / "wrong.token"
    tokens["wrong"].write_text("llma_not-a-real-token\n")
    d = Daemon(work, cfg)
    try:
        d.wait_for("ready")
        yield Site(d, ca, tokens, cfg)
    finally:
        assert 0 == d.stop()


def _code(call: object) -> grpc.StatusCode:
    with pytest.raises(RpcError) as err:
        call()  # type: ignore[operator]
    return err.value.code


def test_tokens_file_holds_only_hashes(site: Site) -> None:
    stored = (site.daemon.workdir / "state" / "tokens.json").read_text()
    for name in ROLES:
        assert site.tokens[name].read_text().strip() not in stored
    listed = appliance("token", "list", "--config", str(site.config))
    assert 0 == listed.returncode
    assert "app" in listed.stdout
    assert "llma_" not in listed.stdout


def test_right_credentials_succeed(site: Site) -> None:
    with site.client("app") as c:
        assert c.generate("Hello", **GEN).finish_reason
        assert c.health() == "SERVING"
    with site.client("ops") as c:
        assert "serving" == c.status().state
    with site.client("aud") as c:
        assert "serving" == c.status().state
    with site.client("batch") as c:
        r = c.generate("Hello", model="r1", priority=5, **GEN)
        assert "r1" == r.model
    # The CLI passes TLS material and the token too.
    assert site.daemon.address is not None
    p = appliance("ask", "--target", site.daemon.address, "--ca", str(site.ca.path),
                  "--token-file", str(site.tokens["app"]), "--max-tokens", "2", "--json",
                  "Hello")
    assert 0 == p.returncode, p.stderr
    p = appliance("status", "--target", site.daemon.address, "--ca", str(site.ca.path),
                  "--token-file", str(site.tokens["app"]))
    assert 1 == p.returncode
    assert "PERMISSION_DENIED" in p.stderr


def test_negative_matrix(site: Site) -> None:
    cases = {
        "no credentials": (None, lambda c: c.generate("Hello", **GEN),
                           grpc.StatusCode.UNAUTHENTICATED),
        "wrong token": ("wrong", lambda c: c.generate("Hello", **GEN),
                        grpc.StatusCode.UNAUTHENTICATED),
        "client calls Admin": ("app", lambda c: c.status(), grpc.StatusCode.PERMISSION_DENIED),
        "auditor calls Inference": ("aud", lambda c: c.generate("Hello", **GEN),
                                    grpc.StatusCode.PERMISSION_DENIED),
        "tier not allowed": ("batch", lambda c: c.generate("Hello", model="v3", priority=5,
                                                           **GEN),
                             grpc.StatusCode.PERMISSION_DENIED),
        "priority above cap": ("batch", lambda c: c.generate("Hello", model="r1", priority=0,
                                                             **GEN),
                               grpc.StatusCode.PERMISSION_DENIED),
    }
    for what, (token, call, code) in cases.items():
        with site.client(token) as c:
            with pytest.raises(RpcError) as err:
                call(c)
            assert code == err.value.code, what
            # One generic message: nothing about why.
            assert err.value.message in ("authentication failed", "permission denied"), what
    # Plain text to the TLS port: no RPC gets through.
    with site.client("app", tls=False) as c:
        assert grpc.StatusCode.UNAVAILABLE == _code(lambda: c.generate("Hello", **GEN))
    # Each refusal is in the log, with the reason the caller did not get.
    errors = [e for e in site.daemon.events() if e.get("event") == "rpc_error"]
    details = " | ".join(str(e.get("detail")) for e in errors)
    for reason in ("no credentials", "unknown or revoked token", "may not call",
                   "may not use tier", "more urgent than"):
        assert reason in details, reason


def test_pii_profile_per_identity(site: Site) -> None:
    """The site policy allows one address through unmasked; the identity with the strict
    profile gets it masked, and the day too (strict masks dates, "today" among them)."""
    prompt = "Please write to ann@example.com today."
    with site.client("app") as c:
        assert {} == c.generate(prompt, **GEN).pii
    with site.client("strict") as c:
        assert {"EMAIL_ADDRESS": 1, "DATE_TIME": 1} == c.generate(prompt, **GEN).pii


def test_revocation_takes_effect_without_restart(site: Site) -> None:
    with site.client("gone") as c:
        assert c.generate("Hello", **GEN).finish_reason
        p = appliance("token", "revoke", "--config", str(site.config), "--name", "gone")
        assert 0 == p.returncode, p.stderr
        assert grpc.StatusCode.UNAUTHENTICATED == _code(lambda: c.generate("Hello", **GEN))


def test_rate_limit_burst_gets_retry_after_and_spares_others(site: Site) -> None:
    with site.client("limited") as c:
        for _ in range(3):
            c.generate("Hello", **GEN)
        with pytest.raises(RpcError) as err:
            c.generate("Hello", **GEN)
        assert grpc.StatusCode.RESOURCE_EXHAUSTED == err.value.code
        assert err.value.retry_after is not None
        assert err.value.retry_after > 0
    with site.client("app") as other:
        assert other.generate("Hello", **GEN).finish_reason


def test_refusals_are_audited(site: Site) -> None:
    """Unauthenticated inference calls leave a begin/end pair with their status."""
    from appliance.audit.keys import load_officer_private
    from appliance.audit.verify import verify_dir

    state = site.daemon.workdir / "state"
    key = load_officer_private(site.daemon.workdir / "officer" / "officer.key")
    deadline = time.monotonic() + 10
    while True:
        records: list[dict[str, object]] = []
        report = verify_dir(state / "audit", key, None, records.append)
        assert not any(seg.status == "TAMPERED" for seg in report.segments)
        statuses = {r.get("status") for r in records if r.get("type") == "end"}
        if {"UNAUTHENTICATED", "PERMISSION_DENIED"} <= statuses or time.monotonic() > deadline:
            break
        time.sleep(0.3)
    assert {"UNAUTHENTICATED", "PERMISSION_DENIED", "OK"} <= statuses
    assert {"app", "batch"} <= {r.get("client") for r in records}


def _until(condition: object, what: str, timeout: float = 30.0) -> None:
    """Wait for ``condition()`` (the daemon looks at the tokens file every second)."""
    deadline = time.monotonic() + timeout
    while not condition():  # type: ignore[operator]
        assert time.monotonic() < deadline, what
        time.sleep(0.1)


def _replace(path: Path, data: bytes) -> None:
    tmp = path.with_name(f".{path.name}.test")
    tmp.write_bytes(data)
    tmp.replace(path)


def test_a_tokens_file_broken_while_running_fails_closed_and_recovers(site: Site) -> None:
    """The tokens file turns to garbage under the running daemon: health turns NOT_SERVING
    with a reason naming the file (never its content); a valid token gets UNAVAILABLE on
    gRPC and 503 on HTTP (not INTERNAL/500); once the file is restored the same token is
    served again and health is SERVING."""
    import ssl

    import httpx

    path = site.daemon.workdir / "state" / "tokens.json"
    good = path.read_bytes()
    garbage = b'{"tokens": [{"name": "llma_content-not-reason"'
    token = site.tokens["app"].read_text().strip()
    chat = {"model": "v3", "max_tokens": 1, "messages": [{"role": "user", "content": "Hi"}]}
    http = httpx.Client(verify=ssl.create_default_context(cafile=str(site.ca.path)),
                        timeout=60)
    try:
        _replace(path, garbage)
        with site.client("app") as c:
            assert grpc.StatusCode.UNAVAILABLE == _code(c.list_models)
            _until(lambda: "NOT_SERVING" == c.health(), "health stayed SERVING")
        answer = http.post(site.daemon.http_url + "/chat/completions", json=chat,
                           headers={"authorization": f"Bearer {token}"})
        assert 503 == answer.status_code
        health = http.get(site.daemon.http_url.removesuffix("/v1") + "/health")
        assert 503 == health.status_code
        assert str(path) in health.json()["reason"]
        logged = [e for e in site.daemon.events() if e.get("event") == "tokens_file_unusable"]
        assert [f"tokens file {path} is not valid JSON"] == [e["detail"] for e in logged]
        assert b"content-not-reason" not in site.daemon.log_path.read_bytes()
    finally:
        _replace(path, good)
    with site.client("app") as c:
        _until(lambda: "SERVING" == c.health(), "health did not come back")
        assert c.list_models()
    assert 200 == http.post(site.daemon.http_url + "/chat/completions", json=chat,
                            headers={"authorization": f"Bearer {token}"}).status_code
    http.close()


def test_mutual_tls(tmp_path: Path, model_path: Path) -> None:
    """Client certificates: one from the site CA with a role is served; one from the site CA
    without a role is PERMISSION_DENIED; one from another CA fails the TLS handshake."""
    ca = CA(tmp_path / "pki", "site-ca")
    other = CA(tmp_path / "other", "other-ca")
    cert, key = ca.issue("appliance", server=True)
    good = ca.issue("app1.internal")
    nobody = ca.issue("nobody.internal")
    foreign = other.issue("app1.internal")
    cfg = write_config(tmp_path / "appliance.toml", model_path,
                       server=f'tls_cert = "{cert}"\ntls_key = "{key}"\nclient_ca = "{ca.path}"',
                       auth='required = true\n[auth.certificate_roles]\n"app1.internal" = "client"')
    d = Daemon(tmp_path, cfg)
    try:
        d.wait_for("ready")
        assert d.address is not None

        def client(pair: tuple[Path, Path]) -> Client:
            return Client(d.address or "", timeout=60, retry=NO_RETRY, credentials=Credentials(
                ca=ca.path, cert=pair[0], key=pair[1]))

        with client(good) as c:
            assert c.generate("Hello", **GEN).finish_reason
        with client(nobody) as c:
            assert grpc.StatusCode.PERMISSION_DENIED == _code(lambda: c.generate("Hi", **GEN))
        with client(foreign) as c:
            assert grpc.StatusCode.UNAVAILABLE == _code(lambda: c.generate("Hi", **GEN))
        with Client(d.address, timeout=30, retry=NO_RETRY, credentials=Credentials(ca=ca.path)) as c:
            assert grpc.StatusCode.UNAVAILABLE == _code(lambda: c.generate("Hi", **GEN))
        _http_mtls(d.http_url, ca.path, good, nobody, foreign)
    finally:
        assert 0 == d.stop()


def _http_mtls(url: str, ca: Path, good: tuple[Path, Path], nobody: tuple[Path, Path],
               foreign: tuple[Path, Path]) -> None:
    """The HTTP API on the same [server] TLS files: the certificate is the identity there too."""
    import ssl

    import httpx

    assert url.startswith("https://")
    body = {"model": "v3", "max_tokens": 1, "messages": [{"role": "user", "content": "Hi"}]}

    def post(pair: tuple[Path, Path] | None) -> int:
        context = ssl.create_default_context(cafile=str(ca))
        if pair is not None:
            context.load_cert_chain(str(pair[0]), str(pair[1]))
        with httpx.Client(verify=context, timeout=60) as h:
            return h.post(url + "/chat/completions", json=body).status_code

    assert 200 == post(good)
    assert 403 == post(nobody)
    for refused in (foreign, None):  # the TLS handshake fails
        with pytest.raises(httpx.HTTPError):
            post(refused)
