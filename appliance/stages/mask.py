"""PII masking of a request: every text that can reach a model or leave the site is masked
before anything else sees it — the prompt or each message's content, and the stop strings
(sent to the cluster; matched against the model's output, which holds placeholders too).
Roles are one of ROLES (validated); ``model`` and ``task_type`` only pick a tier locally."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from dataclasses import replace

from appliance.config import Policy
from appliance.engine.types import SamplingParams
from appliance.errors import InvalidArgument, Unavailable
from appliance.generation import Message
from appliance.privacy.schema_text import schema_texts
from appliance.privacy.stage import EachMasking, MaskedRequest, PrivacyStage
from appliance.request import GenerateParams


def privacy_for(policy: Policy | None, default: PrivacyStage | None,
                profiles: Mapping[str, PrivacyStage]) -> PrivacyStage:
    """The PII stage for this identity: its policy's profile, else the default one."""
    privacy = default
    if policy is not None and policy.pii_profile:
        privacy = profiles.get(policy.pii_profile)
    if privacy is None:  # cannot happen while accepting; never serve unmasked
        raise Unavailable("PII stage not loaded")
    return privacy


async def mask_each(privacy: PrivacyStage, texts: Sequence[str],
                    namespace: str | None = None) -> list[MaskedRequest]:
    """Each of ``texts`` masked on its own (its own vault: equal text with different personal
    data gets the same placeholders), analysed together where the stage can (EachMasking)."""
    if isinstance(privacy, EachMasking):
        return await privacy.mask_each(texts, namespace)
    return list(await asyncio.gather(*(privacy.mask([text], namespace) for text in texts)))


async def mask_request(privacy: PrivacyStage, params: GenerateParams,
                       sampling: SamplingParams, namespace: str | None = None,
                       ) -> tuple[MaskedRequest, SamplingParams]:
    """The masked texts (and stop strings, masked in the same vault) and the sampling
    parameters with the masked stop strings. A JSON schema whose data (descriptions, enum,
    const, default and example values) carries PII is refused.
    ``namespace``: the request's cache namespace (analyses of its long texts are reused)."""
    texts = [params.prompt] if params.prompt else [m.content for m in params.messages]
    masked = (await privacy.mask([*texts, *params.stop], namespace)).split_stop(len(texts))
    if params.stop:
        sampling = replace(sampling, stop=masked.stop)
    if params.response_format.schema:
        # A schema leaves the site with an overflowing request and shapes the answer: it
        # must not carry personal data (refused rather than masked, which would change it).
        # Only its data is analysed; names and titles are structure (see schema_text).
        found = (await privacy.mask(schema_texts(params.response_format.schema))).entity_counts
        if found:
            raise InvalidArgument(f"response_format.json_schema: contains PII "
                                  f"({', '.join(sorted(found))}); a schema must not carry "
                                  f"personal data", field="response_format")
    for i, tool in enumerate(params.tools if params.tool_choice != "none" else ()):
        # The same for a tool: its description and schema reach the model unmasked.
        data = [t for t in (tool.description, *(schema_texts(tool.parameters)
                                                  if tool.parameters else ())) if t]
        found = (await privacy.mask(data)).entity_counts if data else {}
        if found:
            raise InvalidArgument(f"tools[{i}]: its description or schema contains PII "
                                  f"({', '.join(sorted(found))}); a tool must not carry "
                                  f"personal data", field="tools")
    return masked, sampling


async def mask_end_user(privacy: PrivacyStage, params: GenerateParams) -> str | None:
    """The end user the caller named, masked for the audit record (None if none)."""
    if not params.end_user:
        return None
    return (await privacy.mask([params.end_user])).texts[0]


def masked_messages(params: GenerateParams, masked: MaskedRequest) -> tuple[Message, ...]:
    """The request as chat messages of masked text (a raw prompt is one user message)."""
    if params.prompt:
        return (Message("user", masked.texts[0]),)
    return tuple(Message(m.role, t) for m, t in zip(params.messages, masked.texts, strict=True))
