"""packaging/kubernetes/: every manifest is valid against the Kubernetes JSON schemas (offline:
the strict schemas kubernetes-validate ships, for the oldest and the newest release we
target), and holds what the appliance needs: restricted pod security, probes on the daemon's
real health endpoints, a grace period that covers its drain, volumes where its config puts
state and audit, Secrets for keys and tokens and never the officer's private key."""

from __future__ import annotations

import re
import shlex
from pathlib import Path
from typing import Any

import kubernetes_validate
import pytest
import yaml

from appliance import config
from appliance.listen import ListenAddress
from appliance.server.app import END_RECORDS_GRACE_S

ROOT = Path(__file__).resolve().parents[2]
DIR = ROOT / "packaging" / "kubernetes"
#: gRPC probes are GA from 1.27; the oldest release the manifests are checked against, and
#: the newest whose schemas kubernetes-validate ships.
VERSIONS = ("1.28.0", "1.37.0")
NOT_APPLIED = {"kustomization.yaml", "secrets.example.yaml"}


def _docs(name: str) -> list[dict[str, Any]]:
    return [d for d in yaml.safe_load_all((DIR / name).read_text(encoding="utf-8")) if d]


def _manifests() -> list[tuple[str, dict[str, Any]]]:
    return [(p.name, d) for p in sorted(DIR.glob("*.yaml")) if p.name != "kustomization.yaml"
            for d in _docs(p.name)]


def _one(kind: str, name: str | None = None) -> dict[str, Any]:
    found = [d for _f, d in _manifests()
             if d["kind"] == kind and (name is None or d["metadata"]["name"] == name)]
    assert 1 == len(found), (kind, name)
    return found[0]


def _pod() -> dict[str, Any]:
    spec: dict[str, Any] = _one("StatefulSet")["spec"]["template"]["spec"]
    return spec


def _container() -> dict[str, Any]:
    containers = _pod()["containers"]
    assert 1 == len(containers)
    return dict(containers[0])


def _appliance_config(tmp_path: Path) -> config.Config:
    text = _one("ConfigMap", "llm-appliance-config")["data"]["appliance.toml"]
    path = tmp_path / "appliance.toml"
    path.write_text(text, encoding="utf-8")
    return config.load(path)


@pytest.mark.parametrize("version", VERSIONS)
@pytest.mark.parametrize(("name", "manifest"), _manifests(),
                         ids=[f"{f}:{d['kind']}/{d['metadata']['name']}"
                              for f, d in _manifests()])
def test_manifest_is_valid_against_the_kubernetes_schema(name: str, manifest: dict[str, Any],
                                                         version: str) -> None:
    """Each object against its kind's strict schema (unknown fields are errors)."""
    assert version.rsplit(".", 1)[0] == kubernetes_validate.validate(manifest, version,
                                                                      strict=True)


def test_an_invalid_manifest_is_caught() -> None:
    """The check can fail: a misspelt field and a wrong type are both refused."""
    bad = _one("StatefulSet")
    bad = {**bad, "spec": {**bad["spec"], "replica": 2}}
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(bad, VERSIONS[-1], strict=True)
    svc = _one("Service", "llm-appliance")
    svc = {**svc, "spec": {**svc["spec"], "ports": [{"port": "grpc"}]}}
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(svc, VERSIONS[-1], strict=True)


def test_kustomization_lists_every_manifest_but_the_secret_templates() -> None:
    listed = set(_docs("kustomization.yaml")[0]["resources"])
    present = {p.name for p in DIR.glob("*.yaml")} - NOT_APPLIED
    assert present == listed
    namespace = _docs("kustomization.yaml")[0]["namespace"]
    assert all(d["metadata"].get("namespace", namespace) == namespace
               for _f, d in _manifests() if d["kind"] != "Namespace")


def test_the_pod_meets_the_restricted_pod_security_standard() -> None:
    """Pod Security Admission's "restricted" profile, and nothing of the host."""
    assert "restricted" == _one("Namespace")["metadata"]["labels"][
        "pod-security.kubernetes.io/enforce"]
    pod, container = _pod(), _container()
    psc, csc = pod["securityContext"], container["securityContext"]
    assert psc["runAsNonRoot"] is True
    assert psc["runAsUser"] != 0
    assert "RuntimeDefault" == psc["seccompProfile"]["type"] == csc["seccompProfile"]["type"]
    assert csc["allowPrivilegeEscalation"] is False
    assert csc["readOnlyRootFilesystem"] is True
    assert ["ALL"] == csc["capabilities"]["drop"]
    assert "add" not in csc["capabilities"]
    assert not csc.get("privileged")
    assert not any(pod.get(k) for k in ("hostNetwork", "hostPID", "hostIPC"))
    assert not any("hostPath" in v for v in pod["volumes"])
    assert pod["automountServiceAccountToken"] is False


def _runtime_stage(dockerfile: str) -> list[str]:
    """The instructions of the Dockerfile's last stage (the image that runs), continuation
    lines joined and comments left out."""
    lines: list[str] = []
    pending = ""
    for raw in dockerfile.splitlines():
        if raw.lstrip().startswith("#"):
            continue
        pending += raw.rstrip()
        if pending.endswith("\\"):
            pending = pending[:-1] + " "
            continue
        if pending.strip():
            lines.append(pending.strip())
        pending = ""
    last_from = max(i for i, line in enumerate(lines) if line.upper().startswith("FROM "))
    return lines[last_from:]


def _image_user(dockerfile: str) -> tuple[str, int, int]:
    """(user, UID, GID) the image runs as: its USER, created in the runtime stage by groupadd
    and useradd with explicit numbers."""
    stage = _runtime_stage(dockerfile)
    users = [line.split(None, 1)[1] for line in stage if line.upper().startswith("USER ")]
    assert 1 == len(users), users
    user = users[0]
    commands = [shlex.split(part) for line in stage if line.upper().startswith("RUN ")
                for part in re.split(r"&&|;", line[4:])]
    groups = {c[-1]: int(c[c.index("--gid") + 1]) for c in commands
              if c and c[0] == "groupadd" and "--gid" in c}
    made = [c for c in commands if c and c[0] == "useradd" and c[-1] == user]
    assert 1 == len(made), f"the runtime stage creates no user {user!r} with useradd"
    useradd = made[0]
    assert "--uid" in useradd and "--gid" in useradd, useradd
    uid = int(useradd[useradd.index("--uid") + 1])
    gid_arg = useradd[useradd.index("--gid") + 1]
    gid = int(gid_arg) if gid_arg.isdigit() else groups[gid_arg]
    assert gid in groups.values(), "the user's group is created with its GID as well"
    return user, uid, gid


def test_the_pod_runs_as_the_uid_and_gid_the_image_creates() -> None:
    """runAsUser, runAsGroup and fsGroup are the numbers the Dockerfile gives the image's user
    (before the .deb's postinst, which keeps an existing user, could pick a free one), so the
    kubelet's non-root check, the files the daemon writes and the volumes' group agree."""
    user, uid, gid = _image_user((ROOT / "Dockerfile").read_text(encoding="utf-8"))
    assert "llm-appliance" == user
    assert uid != 0 and gid != 0
    psc = _pod()["securityContext"]
    assert (uid, gid, gid) == (psc["runAsUser"], psc["runAsGroup"], psc["fsGroup"])
    assert "runAsUser" not in _container()["securityContext"]  # no second, different pin
    postinst = (ROOT / "packaging" / "debian" / "postinst").read_text(encoding="utf-8")
    assert "getent passwd llm-appliance" in postinst


def test_the_image_user_check_can_fail() -> None:
    """A Dockerfile whose user gets no fixed UID, or another one, is caught."""
    good = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    _user, uid, _gid = _image_user(good)
    with pytest.raises(AssertionError):
        _image_user(good.replace(f"--uid {uid} ", ""))
    _user, other, _gid = _image_user(good.replace(f"--uid {uid} ", f"--uid {uid + 1} "))
    assert other != _pod()["securityContext"]["runAsUser"]


def test_probes_use_the_daemons_health_endpoints(tmp_path: Path) -> None:
    """Start-up on the gRPC health service, readiness on GET /health of the HTTP API, at the
    ports the config listens on."""
    cfg = _appliance_config(tmp_path)
    container = _container()
    ports = {p["name"]: p["containerPort"] for p in container["ports"]}
    assert ListenAddress.parse(cfg.server.listen).port == ports["grpc"] \
        == container["startupProbe"]["grpc"]["port"]
    assert ListenAddress.parse(cfg.http.listen, allow_unix=False).port == ports["http"]
    ready = container["readinessProbe"]["httpGet"]
    assert ("/health", "http") == (ready["path"], ready["port"])
    assert cfg.metrics.host_port is not None
    assert cfg.metrics.host_port[1] == ports["metrics"]
    assert "grpc" == container["livenessProbe"]["tcpSocket"]["port"]


def test_the_grace_period_covers_the_drain(tmp_path: Path) -> None:
    """SIGTERM drains: the kubelet waits for the preStop pause, shutdown_grace_seconds and the
    end records' grace before it kills."""
    cfg = _appliance_config(tmp_path)
    pod, container = _pod(), _container()
    pause = int(container["lifecycle"]["preStop"]["exec"]["command"][-1])
    assert pod["terminationGracePeriodSeconds"] >= \
        pause + cfg.server.shutdown_grace_seconds + END_RECORDS_GRACE_S + 5
    update = _one("StatefulSet")["spec"]["updateStrategy"]
    assert "RollingUpdate" == update["type"]


def test_state_and_audit_are_on_their_own_persistent_volumes(tmp_path: Path) -> None:
    cfg = _appliance_config(tmp_path)
    claims = {c["metadata"]["name"] for c in _one("StatefulSet")["spec"]["volumeClaimTemplates"]}
    assert {"state", "audit"} == claims
    mounts = {m["name"]: m["mountPath"] for m in _container()["volumeMounts"]}
    assert str(cfg.state_dir) == mounts["state"]
    assert str(cfg.audit.resolved_dir(cfg.state_dir)) == mounts["audit"]


def test_keys_and_tokens_come_from_secrets_and_the_officer_key_never(tmp_path: Path) -> None:
    """The officer's public key and the tokens file are Secret items at the paths the config
    names; every Secret the pod mounts has a template; nothing anywhere is a private key."""
    cfg = _appliance_config(tmp_path)
    mounts = {m["name"]: m["mountPath"] for m in _container()["volumeMounts"]}
    projected = next(v for v in _pod()["volumes"] if v["name"] == "config")["projected"]
    files = {}
    for source in projected["sources"]:
        for kind in ("secret", "configMap"):
            if kind in source:
                for item in source[kind]["items"]:
                    files[f"{mounts['config']}/{item['path']}"] = (kind, source[kind]["name"],
                                                                  item["key"])
    assert cfg.audit.officer_public_key is not None
    assert cfg.auth.tokens_file is not None
    assert ("secret", "llm-appliance-audit", "officer.pub") == \
        files[str(cfg.audit.officer_public_key)]
    assert ("secret", "llm-appliance-tokens", "tokens.json") == files[str(cfg.auth.tokens_file)]
    templates = {d["metadata"]["name"]: d for d in _docs("secrets.example.yaml")}
    for kind, name, key in files.values():
        if kind == "secret":
            assert key in templates[name]["stringData"]
    text = "\n".join(p.read_text(encoding="utf-8") for p in DIR.glob("*.yaml"))
    assert "PRIVATE KEY" not in text
    assert "officer.key" not in text
    assert cfg.auth.required


def test_network_policy_and_services_select_the_pod() -> None:
    """Deny by default both ways; the Services and the policy select the pod's labels, by
    ports the container names."""
    labels = _one("StatefulSet")["spec"]["template"]["metadata"]["labels"]
    policy = _one("NetworkPolicy")["spec"]
    assert {"Ingress", "Egress"} == set(policy["policyTypes"])
    assert policy["podSelector"]["matchLabels"].items() <= labels.items()
    named = {p["name"] for p in _container()["ports"]}
    assert {p["port"] for rule in policy["ingress"] for p in rule["ports"]} <= named
    for service in (d for _f, d in _manifests() if d["kind"] == "Service"):
        assert service["spec"]["selector"].items() <= labels.items()
        assert {p["targetPort"] for p in service["spec"]["ports"]} <= named
