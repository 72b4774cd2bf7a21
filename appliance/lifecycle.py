"""The daemon's states, as health, ``Admin.GetStatus`` and the ``appliance_state`` metric
report them."""

from __future__ import annotations

import enum


class ServiceState(enum.StrEnum):
    #: Listening (health NOT_SERVING) while the audit log, PII analyzer and models load.
    STARTING = "starting"
    SERVING = "serving"
    #: Not admitting new requests (SIGTERM, or Admin.Drain); in-flight ones finish.
    DRAINING = "draining"
    #: The listener is closing and the services with it.
    STOPPING = "stopping"
    STOPPED = "stopped"
    #: Start-up failed (a model or the audit log could not be opened).
    FAILED = "failed"
