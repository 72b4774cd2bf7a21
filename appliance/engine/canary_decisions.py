"""Promotions and rollbacks of canaries, remembered across restarts and reloads.

A rollback (automatic or ``appliance models rollback``) or a promotion (``appliance models
promote``) changes what a tier serves, but not the config file, which an operator or a
configuration manager owns. Without a memory of it, the next restart or reload would load the
rolled-back canary again and send it a share of the traffic, the failure the rollback ended.

So each decision is written to ``state_dir/canary-decisions.json`` (atomically, 0600) with what
identifies the canary it was about: its path, the SHA-256 pin of the config if any, and the
file's size and modification time. When the models are loaded, :func:`apply` reads it: a tier
whose configured canary is the one rolled back is loaded without it; a tier whose configured
canary is the one promoted is loaded with it as the primary, and no canary. A config that names
another canary file (or the same path with new contents) makes the decision stale: it no longer
applies, and the new canary runs. To try a rolled-back file again, delete the tier's entry (or
the file) and reload.
"""

from __future__ import annotations

import json
import time
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

import structlog

from appliance.config import ModelConfig
from appliance.files import write_atomic

log = structlog.get_logger("appliance.canary")

FILE_NAME = "canary-decisions.json"
ROLLED_BACK = "rolled_back"
PROMOTED = "promoted"


def _identity(spec: ModelConfig) -> dict[str, Any] | None:
    """What identifies a tier's configured canary file: path, pin, size, mtime (None: no
    canary, or its file cannot be read)."""
    c = spec.canary
    if c is None or c.path is None:
        return None
    try:
        st = c.path.stat()
    except OSError:
        return None
    return {"path": str(c.path), "sha256": c.sha256, "size": st.st_size,
            "mtime_ns": st.st_mtime_ns}


def _read(path: Path) -> dict[str, Any]:
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except (OSError, ValueError) as exc:
        # Unreadable: serve as configured (a canary may run again), and say so loudly.
        log.error("canary_decisions_unreadable", path=str(path),  # noqa: TRY400 - no traceback
                  error_type=type(exc).__name__)
        return {}
    tiers = doc.get("tiers") if isinstance(doc, dict) else None
    return tiers if isinstance(tiers, dict) else {}


def record(state_dir: Path, tier: str, decision: str, spec: ModelConfig | None,
           by: str) -> None:
    """Remember ``decision`` about ``tier``'s configured canary (``spec``: the tier's config
    as loaded, before the decision)."""
    ident = _identity(spec) if spec is not None else None
    if ident is None:
        return
    path = state_dir / FILE_NAME
    tiers = _read(path)
    tiers[tier] = {"decision": decision, "canary": ident, "by": by,
                   "at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}
    state_dir.mkdir(parents=True, exist_ok=True)
    write_atomic(path, (json.dumps({"version": 1, "tiers": tiers}, indent=2) + "\n").encode())


def apply(state_dir: Path, models: Mapping[str, ModelConfig]) -> dict[str, ModelConfig]:
    """``models`` with the remembered decisions applied (see the module docstring)."""
    tiers = _read(state_dir / FILE_NAME)
    out = dict(models)
    for tier, entry in tiers.items():
        spec = models.get(tier)
        if spec is None or not isinstance(entry, dict):
            continue
        ident = _identity(spec)
        if ident is None or entry.get("canary") != ident:
            continue  # another canary now (or none): the decision was about an earlier one
        if entry.get("decision") == ROLLED_BACK:
            out[tier] = replace(spec, canary=None)
            log.warning("canary_not_loaded", tier=tier, reason="rolled back earlier",
                        path=ident["path"], at=entry.get("at"), by=entry.get("by"),
                        detail=f"delete its entry in {state_dir / FILE_NAME} to run it again")
        elif entry.get("decision") == PROMOTED:
            promoted = spec.canary_spec()
            if promoted is not None:
                out[tier] = promoted
                log.warning("canary_loaded_as_primary", tier=tier, reason="promoted earlier",
                            path=ident["path"], at=entry.get("at"), by=entry.get("by"))
    return out

