"""The real server built in this process (``build_server``), for tests that need to reach
inside it: swap in a PII stage, or wrap the real engine to record what it receives."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from typing import Any

from appliance.audit.stage import AuditStage
from appliance.config import Config, with_http_listen, with_metrics_listen
from appliance.engine.llama_engine import LlamaEngine
from appliance.privacy.stage import PrivacyStage
from appliance.server.app import ApplianceServer, build_server


class RecordingEngine:
    """Wraps the real engine and records every text it is asked to tokenize: exactly what
    the model receives. Everything else goes to the real engine."""

    def __init__(self, inner: LlamaEngine, received: list[str]) -> None:
        self._inner = inner
        self.received = received

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)

    def tokenize_prompt(self, prompt: str) -> list[int]:
        self.received.append(prompt)
        return self._inner.tokenize_prompt(prompt)

    def tokenize_chat(self, messages: Any) -> list[int]:
        self.received.extend(m.content for m in messages)
        return self._inner.tokenize_chat(messages)

    def generate(self, tokens: list[int], params: Any, *args: Any, **kwargs: Any) -> Any:
        # Stop strings reach the engine too (it matches them against the model's output).
        self.received.extend(f"stop:{s}" for s in params.stop)
        return self._inner.generate(tokens, params, *args, **kwargs)


class InProcessServer:
    def __init__(self, config: Config, privacy: PrivacyStage | None = None,
                 wrap: Callable[[LlamaEngine], Any] | None = None,
                 audit: AuditStage | None = None, central: Any = None) -> None:
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self._thread.start()
        self.app: ApplianceServer
        self.port = 0
        asyncio.run_coroutine_threadsafe(self._start(config, privacy, wrap, audit, central),
                                         self.loop).result(180)

    async def _start(self, config: Config, privacy: PrivacyStage | None,
                     wrap: Callable[[LlamaEngine], Any] | None,
                     audit: AuditStage | None, central: Any) -> None:
        # Several servers may live in one test session (and a real daemon may hold the default
        # port on a developer's machine): metrics on an ephemeral loopback port.
        config = with_metrics_listen(config, "127.0.0.1:0")
        if config.http.listen:
            config = with_http_listen(config, "127.0.0.1:0")
        self.app, self.port = build_server(config, privacy=privacy, audit=audit,
                                           central=central)
        await self.app.start()
        await self.app.load_models()
        if wrap is not None:
            self.app.registry.wrap_engines(wrap)

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    def stop(self) -> None:
        asyncio.run_coroutine_threadsafe(self.app.drain_and_stop(), self.loop).result(60)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(10)
        # Closing the loop closes its self-pipe; left open, pytest reports the sockets as
        # unraisable ResourceWarnings at exit and fails the run.
        self.loop.close()
