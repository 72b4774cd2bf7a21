"""Who a batch's owner is now: looked up again before each of its lines runs.

A batch records the identity that submitted it (its name, whether it authenticated). A line
runs hours later, so the identity is looked up as the daemon would look up a caller now: a
live token of that name (in ``[auth] tokens_file`` and not revoked on another box through
``[state]``), or, with mutual TLS, a role in ``[auth.certificate_roles]``; and that role must
still allow the line's call (generating, or embedding for an embeddings batch). An anonymous
batch (submitted without credentials where authentication was not required) runs only while
authentication is still not required.
"""

from __future__ import annotations

from appliance.access import Authenticator, Identity
from appliance.batch.store import Line
from appliance.errors import PermissionDenied, Unauthenticated

GENERATE = "/appliance.v1.Inference/Generate"
EMBED = "/appliance.v1.Inference/Embed"


def current_role(auth: Authenticator, line: Line) -> str:
    """The role ``line``'s owner holds now; Unauthenticated when it holds no live
    credential, PermissionDenied when none of its roles may generate; Unavailable when the
    tokens file or the shared revocations cannot be read now (the line waits)."""
    if not line.identified:
        if auth.config.required:
            raise Unauthenticated("batch owner: submitted without credentials, and "
                                  "authentication is now required", identity=line.owner)
        return "any"
    roles = [str(entry["role"]) for entry in auth.tokens.live_named(line.owner)
             if not auth.limits.revoked(str(entry["sha256"]))]
    certificate = auth.config.certificate_roles.get(line.owner) if auth.mtls else None
    if certificate is not None:
        roles.append(certificate)
    if not roles:
        raise Unauthenticated("batch owner: no live token or certificate role",
                              identity=line.owner)
    # the right the line's endpoint needs, as the same call made interactively would
    method = EMBED if line.endpoint == "/v1/embeddings" else GENERATE
    for role in roles:
        try:
            auth.authorize(Identity(line.owner, role, "token"), method)
        except PermissionDenied:
            continue
        return role
    raise PermissionDenied(f"batch owner: role(s) {', '.join(sorted(set(roles)))} may not "
                           f"call {method}", identity=line.owner)
