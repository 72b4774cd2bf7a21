"""Every output grammar parsed once by llama.cpp, off the engine thread, before a request
is queued.

llama.cpp's grammar parser recurses once per nested group, on the stack of the thread that
calls it, and refuses some grammars only when it meets them (too many repeated rules, a
left recursion). Parsed first on the engine thread, the first kind killed the process and the
second failed the request as an engine error (500). :mod:`~appliance.engine.schema_limits`
bounds what a schema may expand to; this is the second line: the grammar is parsed here, on a
thread of its own with a large stack, and a grammar llama.cpp refuses is the caller's
INVALID_ARGUMENT. Only a grammar this check accepted reaches an engine, which parses the same
text on threads with the same large stack (:func:`start_thread`).

A grammar llama.cpp refuses is printed whole to the process's stderr by its parser
(``fprintf(stderr, …, src)`` in ``llama_grammar_parser::parse``), and a grammar carries the
caller's schema text. While the checker parses, fd 2 points at /dev/null: the daemon's own logs
go to stdout or the journal, so what else could be lost in those milliseconds is a stray native
message.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import os
import queue
import sys
import threading
from collections.abc import Callable, Iterator
from typing import Any

from appliance.errors import InvalidArgument

#: Stack of the threads that parse grammars (the checker's and the engines'). Address space,
#: not memory: only the pages a parse touches are ever committed.
STACK_BYTES = 256 * 1024 * 1024
#: Seconds a check may take before the request is refused.
CHECK_SECONDS = 10.0

_stack_lock = threading.Lock()


def start_thread(target: Callable[..., object], *, name: str, args: tuple[Any, ...] = (),
                 daemon: bool = True) -> threading.Thread:
    """Start a thread with a stack of :data:`STACK_BYTES` (Python sets the size for the
    threads it starts next, process-wide, so it is set and restored under a lock)."""
    with _stack_lock:
        previous = threading.stack_size(STACK_BYTES)
        try:
            thread = threading.Thread(target=target, args=args, name=name, daemon=daemon)
            thread.start()
        finally:
            threading.stack_size(previous)
    return thread


@contextlib.contextmanager
def _stderr_silenced() -> Iterator[None]:
    """fd 2 on /dev/null for the block (see the module docstring)."""
    sys.stderr.flush()
    saved = os.dup(2)
    null = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(null, 2)
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)
        os.close(null)


class GrammarChecker:
    """One thread that asks llama.cpp to parse grammars, one at a time."""

    def __init__(self) -> None:
        self._jobs: queue.SimpleQueue[tuple[bytes, concurrent.futures.Future[bool]] | None] = \
            queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    def _ensure_started(self) -> None:
        with self._lock:
            if self._thread is None:
                self._thread = start_thread(self._run, name="grammar-check")

    def _run(self) -> None:
        from llama_cpp import llama_cpp as ll  # noqa: PLC0415 - loads the native library

        while (job := self._jobs.get()) is not None:
            text, done = job
            try:
                with _stderr_silenced():
                    sampler = ll.llama_sampler_init_grammar(None, text, b"root")
                if sampler:
                    ll.llama_sampler_free(sampler)
                done.set_result(bool(sampler))
            except Exception as exc:  # noqa: BLE001 - handed to the waiting request
                done.set_exception(exc)

    def parses(self, gbnf: str) -> concurrent.futures.Future[bool]:
        """A future: whether llama.cpp parses ``gbnf`` (rooted at ``root``)."""
        self._ensure_started()
        done: concurrent.futures.Future[bool] = concurrent.futures.Future()
        self._jobs.put((gbnf.encode(), done))
        return done

    async def check(self, gbnf: str, timeout: float = CHECK_SECONDS) -> None:
        """InvalidArgument unless llama.cpp parses ``gbnf`` within ``timeout`` seconds."""
        if not gbnf:
            return
        try:
            ok = await asyncio.wait_for(asyncio.wrap_future(self.parses(gbnf)), timeout)
        except TimeoutError:
            raise InvalidArgument(f"response_format: its grammar was not checked within "
                                  f"{timeout:g} s; simplify the schema",
                                  field="response_format") from None
        if not ok:
            raise InvalidArgument("response_format: llama.cpp refuses the grammar built from "
                                  "it (too many repeated or nested rules); simplify the schema",
                                  field="response_format")

    def close(self) -> None:
        with self._lock:
            if self._thread is not None:
                self._jobs.put(None)
                self._thread = None


#: The daemon's one checker (its thread starts with the first grammar).
CHECKER = GrammarChecker()
