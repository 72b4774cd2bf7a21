"""The real clients applications use, each in its own environment (client_envs.py: a separate
venv with exact pins, a separate Node project), against the session daemon's HTTP API: the
official ``openai`` Python SDK at its own version (chat, streams, tools, embeddings, models,
Responses, structured outputs), LangChain (``ChatOpenAI`` on chat completions and on the
Responses API, ``bind_tools``, ``with_structured_output``, ``OpenAIEmbeddings``,
``ChatAnthropic``), ``instructor`` (TOOLS, JSON_SCHEMA, JSON modes, partial streaming), the
OpenAI Agents SDK (Responses and chat-completions models, function tools, output types), the
official ``anthropic`` SDK (messages, streams, tool use, ``messages.parse``, models),
``litellm``
(``completion``/``acompletion``/``embedding`` on its ``openai/`` provider and on its
``anthropic/`` provider, which posts to /v1/messages; run offline, with a guard that fails on
any connection outside the loopback), and the official ``openai`` Node SDK (6.x: 7.x needs
Node 22; Debian 13 has Node 20).

Each group of scenarios runs as one subprocess (py_scenarios.py, node_scenarios.mjs: one
import of the client library per group), which reports every scenario by name; each scenario
is one test here, so a failure names the scenario and carries the client's own error.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.clients import client_envs
from tests.daemon import Daemon

HERE = Path(__file__).resolve().parent

#: Every scenario the scripts must report: one renamed or lost fails here, never vanishes.
SCENARIOS: dict[str, tuple[str, ...]] = {
    "openai": ("openai_chat", "openai_stream", "openai_tool_call", "openai_embeddings",
               "openai_models_retrieve", "openai_responses", "openai_responses_stream",
               "openai_base_url_without_v1", "openai_parse_pydantic", "openai_async_stream",
               "openai_responses_tool_call", "openai_responses_parse"),
    "langchain": ("lc_invoke", "lc_stream", "lc_bind_tools", "lc_tool_round_trip",
                  "lc_stream_tools", "lc_structured_json_schema",
                  "lc_structured_function_calling", "lc_responses_api", "lc_embeddings",
                  "lc_anthropic_invoke_and_stream", "lc_anthropic_bind_tools"),
    "agents": ("agents_responses_run", "agents_responses_streamed",
               "agents_responses_tool_call", "agents_chat_completions_tool_call",
               "agents_structured_output"),
    "instructor": ("instructor_tools", "instructor_json_schema", "instructor_json",
                   "instructor_partial_stream"),
    "anthropic": ("anthropic_messages", "anthropic_stream", "anthropic_tool_use",
                  "anthropic_tool_result_round_trip", "anthropic_stream_tool_use",
                  "anthropic_system_blocks_and_options", "anthropic_parse_output_format",
                  "anthropic_count_tokens", "anthropic_models_list",
                  "anthropic_models_retrieve"),
    "litellm": ("litellm_completion", "litellm_stream", "litellm_acompletion_stream",
                "litellm_tool_round_trip", "litellm_stream_tool_call",
                "litellm_response_format_json_schema", "litellm_embedding",
                "litellm_anthropic_completion", "litellm_anthropic_stream",
                "litellm_anthropic_tool_round_trip", "litellm_anthropic_response_format",
                "litellm_stayed_local"),
    "node": ("node_chat", "node_stream", "node_tool_call", "node_stream_tool_call",
             "node_embeddings", "node_models", "node_responses"),
}

#: The groups' subprocesses, started at the first test for every group with a test selected
#: (they run at once: the daemon batches their requests), and what each reported.
_RUNS: dict[str, tuple[subprocess.Popen[bytes], Path]] = {}
_RESULTS: dict[str, dict[str, Any]] = {}


@pytest.fixture(scope="session")
def client_python() -> Path:
    return client_envs.python_env()


@pytest.fixture(scope="module", autouse=True)
def _no_run_outlives_the_module() -> Iterator[None]:
    yield
    for proc, _log in _RUNS.values():
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def _start(group: str, request: pytest.FixtureRequest, daemon: Daemon, out: Path) -> None:
    if group == "node":
        if client_envs.node_missing():
            return
        env = client_envs.node_env()
        # ESM resolves "openai" from the script's own directory: run it from the env.
        shutil.copy2(HERE / "node_scenarios.mjs", env / "node_scenarios.mjs")
        argv, cwd = ["node", str(env / "node_scenarios.mjs"), daemon.http_url], env
    else:
        python: Path = request.getfixturevalue("client_python")
        argv = [str(python), str(HERE / "py_scenarios.py"), daemon.http_url, group]
        cwd = HERE
    log = out / f"{group}.out"
    with log.open("wb") as f:  # stdout and stderr to a file: no pipe can fill and block
        _RUNS[group] = (subprocess.Popen(argv, cwd=cwd, stdout=f, stderr=subprocess.STDOUT),
                        log)


def _selected(request: pytest.FixtureRequest) -> set[str]:
    """The groups with at least one test in this session (``-k litellm`` starts one)."""
    return {item.callspec.params["group"] for item in request.session.items
            if "group" in getattr(getattr(item, "callspec", None), "params", {})}


def _group(group: str, request: pytest.FixtureRequest, daemon: Daemon) -> dict[str, Any]:
    if not _RUNS:
        out = request.getfixturevalue("tmp_path_factory").mktemp("clients")
        selected = _selected(request)
        for g in SCENARIOS:
            if g in selected:
                _start(g, request, daemon, out)
    if group not in _RUNS:
        pytest.skip(f"the openai Node SDK scenarios cannot run: {client_envs.node_missing()}")
    if group not in _RESULTS:
        proc, log = _RUNS[group]
        try:
            code = proc.wait(timeout=280)
        except subprocess.TimeoutExpired:
            proc.kill()
            code = proc.wait()
        text = log.read_text(errors="replace")
        lines = [line for line in text.splitlines() if line.startswith("{")]
        assert code == 0 and lines, f"{group} exited {code}:\n{text[-4000:]}"
        _RESULTS[group] = json.loads(lines[-1])
        assert set(_RESULTS[group]) == set(SCENARIOS[group]), sorted(_RESULTS[group])
    return _RESULTS[group]


@pytest.mark.parametrize(("group", "name"),
                         [(g, n) for g, names in SCENARIOS.items() for n in names])
def test_client_scenario(group: str, name: str, request: pytest.FixtureRequest,
                         daemon: Daemon) -> None:
    got = _group(group, request, daemon)[name]
    assert got["ok"], f"{name}: {got['detail']}\n{got.get('trace', '')}"
