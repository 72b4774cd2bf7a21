"""Server construction and lifecycle.

Start-up: bind the port and answer health (NOT_SERVING) at once, then load and warm up every
model (``STATUS=`` progress to systemd), then SERVING and ``READY=1``.

Shutdown (SIGTERM/SIGINT): ``STOPPING=1``, health NOT_SERVING, new inference requests get
UNAVAILABLE while in-flight ones finish within ``server.shutdown_grace_seconds``; then the gRPC
server stops, the engines close, and the process exits 0. The listener stays open during the
drain so probes see NOT_SERVING rather than a refused connection.

Start-up failure: what the operator gave that cannot be used (the state directory, the TLS
files, the tokens file, a port) is checked before anything listens where it can be, and raised
as a ConfigError naming the file and key; whatever had started is stopped (:meth:`abort`), and
:func:`serve` raises for the CLI to print as one line. While SERVING, health follows
:meth:`ApplianceServer.accepting`: a hang, an audit log that cannot be written, or a tokens
file that broke turn it NOT_SERVING until they clear.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import shutil
import signal
import socket
import tempfile
import time
from collections.abc import Coroutine
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import grpc
import structlog
from grpc import aio
from grpc_health.v1 import health_pb2, health_pb2_grpc
from grpc_health.v1.health import aio as health_aio  # type: ignore[attr-defined]
from grpc_reflection.v1alpha import reflection

from appliance.access import Authenticator
from appliance.audit.stage import AuditStage
from appliance.batch.owners import current_role
from appliance.batch.store import BatchStore
from appliance.batch.worker import BatchWorker
from appliance.calls import Calls, InFlight
from appliance.config import Config, Policy, ServerConfig
from appliance.config import load as config_load
from appliance.engine.registry import ModelRegistry
from appliance.errors import ApplianceError, ConfigError, FailedPrecondition
from appliance.lifecycle import ServiceState
from appliance.listen import ListenAddress
from appliance.observability.metrics import Metrics
from appliance.observability.systemd import SystemdNotifier
from appliance.observability.telemetry import open_tracing
from appliance.pipeline import Services
from appliance.privacy.stage import PrivacyStage
from appliance.request import RequestInfo
from appliance.routing.fleet import Central
from appliance.server.interceptors import ServingInterceptor
from appliance.server.servicers import AdminServicer, InferenceServicer
from appliance.server.tls import check_tls_files
from appliance.services import Gate, open_services
from appliance.state import open_state
from appliance.v1 import appliance_pb2 as pb
from appliance.v1 import appliance_pb2_grpc as pb_grpc

if TYPE_CHECKING:
    from appliance.httpapi.batches import BatchBackend
    from appliance.httpapi.listener import HttpListener

log = structlog.get_logger("appliance.server")

#: After the listener stops: how long cut-off calls get to write their end records.
END_RECORDS_GRACE_S = 10.0

SERVICES = (
    pb.DESCRIPTOR.services_by_name["Inference"].full_name,
    pb.DESCRIPTOR.services_by_name["Admin"].full_name,
)


class ApplianceServer:
    """The gRPC server with everything it serves; see the module docstring for the lifecycle."""

    def __init__(self, config: Config, server: aio.Server, address: str,  # noqa: PLR0913, PLR0917 - only build_server calls it
                 registry: ModelRegistry, health_servicer: health_aio.HealthServicer,
                 calls: Calls, notifier: SystemdNotifier, gate: Gate, metrics: Metrics,
                 auth: Authenticator, given: _Given, batch: BatchWorker | None = None) -> None:
        self._config = config
        #: Runs batch lines in idle capacity ([batch]; None: off, or no HTTP API to submit).
        self.batch = batch
        self.gate = gate
        self.grpc = server
        self.address = address
        self.registry = registry
        self.health = health_servicer
        self.calls = calls
        self.in_flight = calls.in_flight
        self.notifier = notifier
        self.metrics = metrics
        self.state = ServiceState.STARTING
        #: Why the audit log cannot be written, while it cannot (requests are refused).
        self.audit_down: str | None = None
        #: What stopped making progress, while it has not (see :meth:`hung`).
        self.hang: str | None = None
        #: Why the tokens file cannot be used, while it cannot (requests are refused).
        self.tokens_down: str | None = None
        self._auth = auth
        self._limits = auth.limits
        self._given = given
        self._services = contextlib.AsyncExitStack()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        self._reload_lock = asyncio.Lock()
        self._drained_by_admin = False
        src = self.metrics.sources
        src.engines = lambda: list(self.registry.engines)
        src.breaker_state = lambda: (self.services.central.breaker_state()
                                     if self.services and self.services.central else None)
        src.central_endpoints = lambda: (self.services.central.status()
                                         if self.services and self.services.central else [])
        src.audit_writer = lambda: getattr(self.services.audit if self.services else None,
                                           "writer", None)
        src.state = lambda: self.state
        src.hang = lambda: self.hang is not None
        src.in_flight = lambda: self.in_flight.count
        src.pii_caches = self._pii_caches
        src.response_cache = lambda: self.services.cache if self.services else None
        src.shared_state_up = lambda: self._limits.up
        #: The bound metrics address, once listening.
        self.metrics_address: str | None = None
        #: The OpenAI-compatible HTTP API, when [http] listen is set.
        self.http: HttpListener | None = None

    def _pii_caches(self) -> list[tuple[str, Any]]:
        services = self.services
        if services is None:
            return []
        stages = [("default", services.privacy), *sorted(services.pii_profiles.items())]
        caches = [(name, getattr(stage, "cache", None)) for name, stage in stages]
        return [(name, cache) for name, cache in caches if cache is not None]

    @property
    def config(self) -> Config:
        """The running config (the services', once open: a reload replaces its [models])."""
        services = self.gate.services
        return services.config if services is not None else self._config

    @property
    def services(self) -> Services | None:
        return self.gate.services

    def accepting(self) -> str | None:
        """Why requests are refused now (health's reason), or None while they are served."""
        if self.state is not ServiceState.SERVING:
            return str(self.state)
        if self.hang is not None:
            return "a component stopped making progress"
        if self.audit_down is not None:
            return "unable to write the audit log"
        if self.tokens_down is not None:
            return f"unable to use the tokens file {self._auth.tokens.path}"
        return None

    def _health_changed(self) -> None:
        """Health and the systemd status follow :meth:`accepting` while SERVING (a drain or
        a stop sets them itself)."""
        if self.state is not ServiceState.SERVING:
            return
        why = self.accepting()
        self.notifier.status(f"serving on {self.address}" if why is None else
                             f"refusing requests: "
                             f"{self.hang or self.audit_down or self.tokens_down or why}")
        self._spawn(self._set_health(health_pb2.HealthCheckResponse.SERVING if why is None
                                     else health_pb2.HealthCheckResponse.NOT_SERVING))

    def _spawn(self, work: Coroutine[Any, Any, None]) -> None:
        """Run ``work`` as a task the server holds (cancelled when it stops)."""
        task = asyncio.create_task(work)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def hung(self, now: float | None = None) -> str | None:
        """What has stopped making progress (a decode step or an audit write/fdatasync
        running past ``[server] hang_seconds``), or None."""
        limit = self.config.server.hang_seconds
        if limit <= 0:
            return None
        now = time.monotonic() if now is None else now
        for engine in self.registry.engines:
            started = getattr(engine, "step_started", None)
            if started is not None and now - started > limit:
                return f"model {engine.name}: a decode step has run for {now - started:.0f} s"
        audit = self.services.audit if self.services else None
        started = getattr(getattr(audit, "writer", None), "io_started", None)
        if started is not None and now - started > limit:
            return f"audit log: a write or fdatasync has run for {now - started:.0f} s"
        return None

    async def _watch_progress(self) -> None:
        """Health and the watchdog follow progress, not only the state: checked every second
        (or a quarter of hang_seconds, when that is shorter)."""
        interval = min(1.0, max(self.config.server.hang_seconds / 4, 0.05))
        while True:
            await asyncio.sleep(interval)
            why = self.hung()
            if why == self.hang:
                continue
            self.hang = why
            if why is not None:
                log.error("hang_detected", what=why)
                self.notifier.status(f"not serving: {why}")
            else:
                log.warning("hang_cleared")
            self._health_changed()

    async def _watch_tokens(self, interval: float = 1.0) -> None:
        """A tokens file that breaks while running (it is re-read when it changes) turns
        health NOT_SERVING, naming the file, until it is fixed; calls presenting a token get
        UNAVAILABLE meanwhile (TokenStore.lookup)."""
        while True:
            why = await asyncio.to_thread(self._auth.tokens.refresh)
            if why != self.tokens_down:
                self.tokens_down = why
                if why is not None:
                    log.error("tokens_file_unusable", detail=why)
                else:
                    log.warning("tokens_file_usable", path=str(self._auth.tokens.path))
                self._health_changed()
            await asyncio.sleep(interval)

    async def _summarise_refusals(self, interval: float = 1.0) -> None:
        """The summary record of a window of refusals is written soon after it closes."""
        while True:
            await asyncio.sleep(interval)
            await self.calls.write_summaries()

    def watchdog_healthy(self) -> bool:
        """Whether the systemd watchdog gets its ping: not failed, and nothing hung."""
        return self.state is not ServiceState.FAILED and self.hang is None

    def _audit_state(self, ok: bool, reason: str) -> None:
        """Called by the audit writer thread when writing fails or works again."""
        if self._loop is not None:
            self._loop.call_soon_threadsafe(self._audit_changed, ok, reason)

    def _audit_changed(self, ok: bool, reason: str) -> None:
        self.audit_down = None if ok else f"audit log unavailable ({reason})"
        self._health_changed()

    async def _set_health(self, status: int) -> None:
        for name in ("", *SERVICES):
            await self.health.set(name, status)

    async def start(self) -> None:
        """Start listening (health NOT_SERVING until :meth:`load_models` is done); a failure
        leaves things started for :meth:`abort` to stop."""
        await self._set_health(health_pb2.HealthCheckResponse.NOT_SERVING)
        await self.grpc.start()
        if self.config.server.hang_seconds > 0:
            self._spawn(self._watch_progress())
        self._spawn(self._save_quotas())
        self._spawn(self._limits.watch())
        self._spawn(self._watch_tokens())
        self._spawn(self._summarise_refusals())
        socket_path = self.config.server.address.path
        if socket_path is not None:
            self._secure_socket(socket_path)
        log.info("listening", address=self.address, tls=self.config.server.tls,
                 mtls=self.config.server.client_ca is not None,
                 auth_required=self.config.auth.required, state=self._limits.kind)
        if self.http is not None:
            http_address = await self.http.start()
            log.info("http_listening", address=http_address, tls=self.http.tls,
                     mtls=self.http.mtls, url=f"{'https' if self.http.tls else 'http'}://"
                                             f"{http_address}/v1")
        self._start_metrics()

    def _start_metrics(self) -> None:
        hp = self.config.metrics.host_port
        if hp is None:
            log.info("metrics_off")
            return
        try:
            host, port = self.metrics.serve(*hp)
        except OSError as exc:
            raise ConfigError(f"cannot serve metrics on {self.config.metrics.listen}: "
                              f"{exc.strerror or exc}",
                              file=str(self.config.source) if self.config.source else None,
                              key="metrics.listen") from exc
        self.metrics_address = str(ListenAddress(host, port))
        log.info("metrics_listening", address=self.metrics_address,
                 url=f"http://{self.metrics_address}/metrics")

    def _secure_socket(self, path: Path) -> None:
        """Give the unix socket the configured mode and group (same-host callers)."""
        sc = self.config.server
        try:
            if sc.socket_group:
                shutil.chown(path, group=sc.socket_group)
            path.chmod(int(sc.socket_mode, 8))
        except (OSError, LookupError) as exc:
            raise ConfigError(f"cannot set mode {sc.socket_mode} / group "
                              f"{sc.socket_group or '-'} on {path}: {exc}",
                              key="server.socket_mode") from exc

    async def load_models(self) -> None:
        """Open the services (audit log, PII analyzer, every model, the central client);
        SERVING only when all are ready."""
        self._loop = asyncio.get_running_loop()
        given = self._given
        services = await self._services.enter_async_context(open_services(
            self._config, self.registry, self._limits, progress=self.notifier.status,
            on_audit_state=self._audit_state, metrics=self.metrics, privacy=given.privacy,
            audit=given.audit, central=given.central))
        self.gate.open(services)
        if services.central is not None:
            self._spawn(services.central.probe_loop())
        if self.batch is not None:
            self._spawn(self.batch.run())
        self.state = ServiceState.SERVING
        await self._set_health(health_pb2.HealthCheckResponse.SERVING if self.accepting() is None
                               else health_pb2.HealthCheckResponse.NOT_SERVING)
        self.notifier.ready(f"serving on {self.address}")
        log.info("ready", address=self.address, tiers=sorted(self.registry.tiers))

    async def reload_models(self) -> float:
        """Load the models again (the config file's [models] re-read), warm them up, swap;
        requests in flight finish on the old ones. Returns the seconds it took."""
        async with self._reload_lock:
            started = time.monotonic()
            cfg = self.config
            try:
                if cfg.source is not None:
                    fresh = await asyncio.to_thread(config_load, cfg.source)
                    cfg = replace(cfg, models=fresh.models)
                self.notifier.status("reloading models")
                await self.registry.reload(cfg.models)
            except (ApplianceError, OSError) as exc:
                self.metrics.model_reloads.labels("failed").inc()
                log.error("reload_failed", error_type=type(exc).__name__,  # noqa: TRY400
                          detail=str(exc))
                self.notifier.status(f"serving on {self.address} (reload failed)")
                raise FailedPrecondition(f"reload failed, still serving the old models: {exc}",
                                         operation="reload") from exc
            self.registry.set_config(cfg)
            self.gate.reconfigure(cfg)
            if self.services is not None and self.services.cache is not None:
                self.services.cache.clear()  # answers of the old models are not served again
            seconds = time.monotonic() - started
            self.metrics.model_reloads.labels("ok").inc()
            self.notifier.status(f"serving on {self.address}")
            log.info("reloaded", seconds=round(seconds, 2),
                     sha256={e.name: e.facts.sha256 if e.facts else None
                             for e in self.registry.engines})
            return seconds

    async def reload_logged(self) -> None:
        """SIGHUP: reload, and only log a failure (there is no caller to tell)."""
        with contextlib.suppress(FailedPrecondition):
            await self.reload_models()

    async def drain(self, timeout: float) -> tuple[bool, int]:
        """Admin.Drain: stop admitting, wait for in-flight requests (not counting this one)."""
        if self.state is ServiceState.SERVING:
            self.state = ServiceState.DRAINING
            self._drained_by_admin = True
            await self._set_health(health_pb2.HealthCheckResponse.NOT_SERVING)
            self.notifier.status("draining (Admin.Drain)")
            log.info("admin_drain", in_flight=self.in_flight.count - 1)
        await self.in_flight.wait_at_most(1, timeout or self.config.server.shutdown_grace_seconds)
        left = max(self.in_flight.count - 1, 0)
        return left == 0, left

    async def resume(self) -> str:
        if self.state is ServiceState.DRAINING and self._drained_by_admin:
            self.state = ServiceState.SERVING
            self._drained_by_admin = False
            self._health_changed()
            log.info("admin_resume")
        return str(self.state)

    async def _save_quotas(self) -> None:
        """Day and month use reaches its file within a second of changing, traffic or not."""
        quotas = self._limits.quotas
        while True:
            await asyncio.sleep(quotas.save_interval)
            try:
                await asyncio.to_thread(quotas.flush)
            except OSError as exc:
                log.exception("quota_save_failed", error_type=type(exc).__name__,
                          path=str(quotas.path))

    async def drain_and_stop(self) -> None:
        grace = self.config.server.shutdown_grace_seconds
        self.state = ServiceState.DRAINING
        if self.batch is not None:
            self.batch.pause()  # no further line starts; running ones may finish in the grace
        self.notifier.stopping()
        await self._set_health(health_pb2.HealthCheckResponse.NOT_SERVING)
        log.info("draining", in_flight=self.in_flight.count, grace_s=grace)
        drained = await self.in_flight.wait_idle(grace)
        if not drained:
            log.warning("drain_timeout", in_flight=self.in_flight.count, grace_s=grace)
        self.state = ServiceState.STOPPING
        stops = [self.grpc.stop(grace=1.0)]
        if self.http is not None:
            stops.append(self.http.stop())
        await asyncio.gather(*stops)
        # Calls still open (a client that stopped reading, past the grace) were cancelled by
        # the stop; let their pipelines write the end records before the audit log closes.
        if not await self.in_flight.wait_idle(END_RECORDS_GRACE_S):
            log.error("shutdown_calls_left", in_flight=self.in_flight.count,
                      detail="their end records may be missing; verify reports them")
        if self.batch is not None:
            await self.batch.stop()  # lines cut off run again at the next start (audited)
        for task in list(self._tasks):
            task.cancel()
        try:
            self._limits.quotas.flush()
        except OSError as exc:
            log.exception("quota_save_failed", error_type=type(exc).__name__)
        self.metrics.close()
        await self.calls.write_summaries(final=True)  # before the audit log closes
        await self.close_services()
        await asyncio.to_thread(self.calls.tracing.close)  # the last spans out, bounded
        self.state = ServiceState.STOPPED
        log.info("stopped", drained=drained)

    async def abort(self) -> None:
        """Start-up failed: stop what had started (listeners, tasks, services), so that the
        process can end with one line saying why."""
        self.state = ServiceState.FAILED
        tasks = list(self._tasks)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        await self.grpc.stop(grace=0)
        if self.http is not None:
            await self.http.stop()
        self.metrics.close()
        await self.close_services()
        await asyncio.to_thread(self.calls.tracing.close)

    async def close_services(self) -> None:
        """Close the central client, the models and the audit log (its segment with a final
        checkpoint, after the last request ended), in that order."""
        await self._services.aclose()
        await self._limits.aclose()
        if self.batch is not None:
            await asyncio.to_thread(self.batch.store.close)


@dataclass(frozen=True)
class _Given:
    """Services a test hands in instead of the ones the daemon opens itself."""

    privacy: PrivacyStage | None = None
    audit: AuditStage | None = None
    central: Central | None = None


def build_server(config: Config, *, notifier: SystemdNotifier | None = None,
                 privacy: PrivacyStage | None = None, audit: AuditStage | None = None,
                 central: Central | None = None) -> tuple[ApplianceServer, int]:
    """Construct the server and bind its listener; returns it and the bound TCP port (0 for
    a unix socket). The services (audit log, PII analyzer, models, central client; tests may
    give the first and the last) are opened by :meth:`ApplianceServer.load_models`."""
    notifier = notifier or SystemdNotifier()
    in_flight = InFlight()
    sc = config.server
    _check_files(config)
    auth = Authenticator(config.auth, config.auth.tokens_path(config.state_dir),
                         mtls=sc.client_ca is not None,
                         state=open_state(config))
    auth.tokens.check()
    metrics = Metrics()
    holder: list[ApplianceServer] = []
    gate = Gate(lambda: holder[0].accepting() if holder else "starting")
    calls = Calls(in_flight, metrics, auth, gate.audit_refusal,
                  audit_summaries=gate.audit_summaries, tracing=open_tracing(config.telemetry))
    server = aio.server(
        interceptors=[ServingInterceptor(
            calls, write_timeout=config.server.stream_write_timeout_seconds)],
        options=_grpc_options(sc), maximum_concurrent_rpcs=sc.max_concurrent_rpcs)
    port = _bind(server, config)
    bound = config.server.address
    address = str(bound if bound.is_unix else bound.with_port(port))
    registry = ModelRegistry(config, progress=notifier.status)
    health_servicer = health_aio.HealthServicer()
    worker, backend = _batch(config, gate, in_flight, auth, registry)
    if worker is not None:
        metrics.sources.batch_store = lambda: worker.store
    app = ApplianceServer(config, server, address, registry, health_servicer, calls,
                          notifier, gate, metrics, auth, _Given(privacy, audit, central),
                          batch=worker)
    holder.append(app)
    if config.http.listen:  # starlette and uvicorn are imported only when they serve
        from appliance.httpapi.app import HttpApi  # noqa: PLC0415
        from appliance.httpapi.listener import HttpListener  # noqa: PLC0415

        api = HttpApi(calls, gate, registry, config.http,
                      write_timeout=config.server.stream_write_timeout_seconds, batch=backend)
        app.http = HttpListener(api.app, config.http, config.server)
    pb_grpc.add_InferenceServicer_to_server(  # type: ignore[no-untyped-call]
        InferenceServicer(gate, registry, metrics), server)
    pb_grpc.add_AdminServicer_to_server(  # type: ignore[no-untyped-call]
        AdminServicer(gate, registry, in_flight, app, time.monotonic()), server)
    health_pb2_grpc.add_HealthServicer_to_server(health_servicer, server)
    reflection.enable_server_reflection(
        (*SERVICES, health_pb2.DESCRIPTOR.services_by_name["Health"].full_name,
         reflection.SERVICE_NAME), server)
    return app, port


def _batch(config: Config, gate: Gate, in_flight: InFlight, auth: Authenticator,
           registry: ModelRegistry) -> tuple[BatchWorker | None, BatchBackend | None]:
    """The batch store and worker ([batch] enabled, and an HTTP API to submit batches by)."""
    bc = config.batch
    if not (bc.enabled and config.http.listen):
        return None, None
    from appliance.httpapi.batches import BatchBackend, LineRunner, OwnCalls  # noqa: PLC0415

    store = BatchStore(config.state_dir / "batch", retention_seconds=bc.retention_hours * 3600,
                       max_lines=bc.max_lines, key_path=bc.key_path(config.state_dir))
    own = OwnCalls()

    def busy() -> bool:
        """Interactive work: a call in flight, but the batch API's own. (Every request that
        waits for an engine's slot is such a call; the engines' queues also hold the batch
        lines themselves for a moment before they start.)"""
        return in_flight.count > own.count

    def policy_of(name: str) -> Policy:
        services = gate.services
        return (services.config if services is not None else config).auth.policy(name)

    async def audit_refusal(info: RequestInfo) -> bool:
        """A line of an owner that may no longer submit, audited as a refused call (not
        while the appliance is not serving: such refusals are not audited, so it waits)."""
        if gate.accepting() is not None:
            return False
        await gate.audit_refusal(info)
        return True

    if bc.preempt:  # the engines hold batch lines while interactive work is in flight
        registry.foreground = busy
    worker = BatchWorker(store, LineRunner(gate, config.http.aliases), busy=busy,
                         policy_of=policy_of, concurrency=bc.concurrency,
                         idle_seconds=bc.idle_seconds, preempt=bc.preempt,
                         owner_role=lambda line: current_role(auth, line),
                         audit_refusal=audit_refusal,
                         starved=registry.waiting_foreground if bc.preempt else None)
    return worker, BatchBackend(store, worker.wake, bc.max_file_bytes, own)


def _grpc_options(sc: ServerConfig) -> list[tuple[str, Any]]:
    options: list[tuple[str, Any]] = [
        ("grpc.max_receive_message_length", sc.max_message_bytes),
        # Never share a port with another daemon that happens to be running.
        ("grpc.so_reuseport", 0),
        ("grpc.max_concurrent_streams", sc.max_concurrent_streams),
        # Keepalive enforcement: clients pinging more often than this are cut off.
        ("grpc.http2.min_ping_interval_without_data_ms",
         int(sc.keepalive_min_interval_seconds * 1000)),
        ("grpc.keepalive_permit_without_calls", 0),
        ("grpc.http2.max_ping_strikes", 2),
    ]
    if sc.max_connection_age_seconds:
        options += [("grpc.max_connection_age_ms", int(sc.max_connection_age_seconds * 1000)),
                    ("grpc.max_connection_age_grace_ms",
                     int((sc.shutdown_grace_seconds + 5) * 1000))]
    return options


def _source(config: Config) -> str | None:
    return str(config.source) if config.source else None


def _check_files(config: Config) -> None:
    """What the operator gives the daemon, checked before anything listens: the state
    directory is writable, the TLS files load and match (gRPC's and the HTTP API's)."""
    state = config.state_dir
    try:
        state.mkdir(parents=True, exist_ok=True, mode=0o700)
        with tempfile.TemporaryFile(dir=state):
            pass
    except OSError as exc:
        raise ConfigError(f"state directory {state} is not writable by this user: "
                          f"{exc.strerror}", file=_source(config), key="state_dir") from None
    sc = config.server
    if sc.tls_cert is not None:
        check_tls_files(sc.tls_cert, sc.tls_key, sc.client_ca, section="server",
                        source=_source(config))
    if config.http.listen and config.http.tls_cert is not None:
        check_tls_files(config.http.tls_cert, config.http.tls_key, config.http.client_ca,
                        section="http", source=_source(config))


def _check_port(config: Config) -> None:
    """The gRPC port is free: tried here, because grpc itself reports a busy port with C-core
    log lines on stderr before the error it raises."""
    address = config.server.address
    if address.is_unix or address.port == 0:
        return
    try:
        infos = socket.getaddrinfo(address.host, address.port, type=socket.SOCK_STREAM,
                                   flags=socket.AI_PASSIVE)
    except OSError:
        return  # grpc resolves it and says what is wrong
    for family, kind, proto, _name, sockaddr in infos:
        with socket.socket(family, kind, proto) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as grpc binds
            try:
                probe.bind(sockaddr)
            except OSError as exc:
                if exc.errno in (errno.EADDRINUSE, errno.EACCES):
                    raise ConfigError(f"cannot listen on {config.server.listen}: "
                                      f"{exc.strerror}", file=_source(config),
                                      key="server.listen") from None


def _bind(server: aio.Server, config: Config) -> int:
    sc = config.server
    listen, path = sc.listen, sc.address.path
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
    _check_port(config)
    try:
        if sc.tls_cert is not None and sc.tls_key is not None:  # checked by _check_files
            creds = grpc.ssl_server_credentials(
                [(sc.tls_key.read_bytes(), sc.tls_cert.read_bytes())],
                root_certificates=sc.client_ca.read_bytes() if sc.client_ca else None,
                require_client_auth=sc.client_ca is not None)
            port: int = server.add_secure_port(listen, creds)
        else:
            port = server.add_insecure_port(listen)
    except RuntimeError as exc:  # grpc raises RuntimeError when it cannot bind
        raise ConfigError(f"cannot listen on {listen}: address in use or not permitted",
                          file=str(config.source) if config.source else None,
                          key="server.listen") from exc
    return 0 if path is not None else port


def startup_error(exc: BaseException, config: Config) -> BaseException:
    """What a start-up failure is to the operator. Errors of the tree stay as they are; an
    OSError (a file or directory the daemon may not use, a port it cannot have) becomes a
    ConfigError naming the file; anything else is a bug and stays as it is (the CLI logs its
    traceback and prints one line)."""
    if isinstance(exc, OSError):
        where = f"{exc.filename}: " if exc.filename else ""
        return ConfigError(f"cannot start: {where}{exc.strerror or exc}", file=_source(config))
    return exc


async def serve(config: Config, notifier: SystemdNotifier | None = None) -> int:
    """Run the daemon until SIGTERM/SIGINT; returns the process exit code. A start-up
    failure stops whatever had started and raises (see :func:`startup_error`): the CLI
    prints it as one line."""
    notifier = notifier or SystemdNotifier()
    try:
        app, _port = build_server(config, notifier=notifier)
    except OSError as exc:
        raise startup_error(exc, config) from exc
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    reloads: set[asyncio.Task[None]] = set()

    def on_sighup() -> None:
        if app.state in (ServiceState.SERVING, ServiceState.DRAINING):
            task = asyncio.create_task(app.reload_logged())
            reloads.add(task)
            task.add_done_callback(reloads.discard)

    loop.add_signal_handler(signal.SIGHUP, on_sighup)
    try:
        await app.start()
    except Exception as exc:
        notifier.status(f"failed: {exc}")
        await app.abort()
        raise startup_error(exc, config) from exc
    watchdog = asyncio.create_task(notifier.watchdog_loop(app.watchdog_healthy))
    loading = asyncio.create_task(app.load_models())
    stopping = asyncio.create_task(stop.wait())
    try:
        await asyncio.wait({loading, stopping}, return_when=asyncio.FIRST_COMPLETED)
        failure = loading.exception() if loading.done() else None
        if failure is not None:
            notifier.status(f"failed: {failure}")
            await app.abort()
            raise startup_error(failure, config) from failure
        if not loading.done():
            log.info("stopping_during_startup")
            loading.cancel()
            await app.grpc.stop(grace=0)
            # An engine thread still loading is a daemon thread: it ends with the process.
            return 0
        await stopping
        await app.drain_and_stop()
    finally:
        watchdog.cancel()
        stopping.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await watchdog
    return 0
