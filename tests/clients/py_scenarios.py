"""Client scenarios run INSIDE the separate client venv (tests/clients/requirements.txt), never
the project's: the official ``openai`` and ``anthropic`` SDKs, LangChain (``langchain-openai``),
the OpenAI Agents SDK, ``instructor`` and ``litellm``, each used the way its documentation
shows, against one real daemon.

Usage: python py_scenarios.py BASE_URL GROUP   (BASE_URL is http://HOST:PORT/v1; GROUP is
openai, langchain, agents, instructor, anthropic or litellm). Prints one JSON object
{scenario: {"ok": bool, "detail": str}} on its last line; a scenario that raises is reported, never hidden, and the
others still run. Only the shape of what the client gets is checked, not the small model's
wisdom: a tool call must parse and validate, a stream must assemble, a vector must have length.
"""

from __future__ import annotations

import json
import sys
import time
import traceback
from collections.abc import Callable
from typing import Any

BASE = sys.argv[1] if len(sys.argv) > 1 else "http://127.0.0.1:8080/v1"
KEY = "sk-no-key-required"
MODEL = "v3"
QUESTION = "What is the capital of France?"
WEATHER = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "Current weather of a city.",
        "parameters": {"type": "object", "properties": {"city": {"type": "string"}},
                       "required": ["city"], "additionalProperties": False},
    },
}

SCENARIOS: dict[str, dict[str, Callable[[], str]]] = {}


def scenario(group: str) -> Callable[[Callable[[], str]], Callable[[], str]]:
    def register(fn: Callable[[], str]) -> Callable[[], str]:
        SCENARIOS.setdefault(group, {})[fn.__name__] = fn
        return fn
    return register


def check(cond: object, what: str) -> None:
    if not cond:
        raise AssertionError(what)


# -- openai (its own version, not the project's) -----------------------------------------


def _openai() -> Any:
    import openai
    return openai.OpenAI(base_url=BASE, api_key=KEY, max_retries=0, timeout=600)


@scenario("openai")
def openai_chat() -> str:
    r = _openai().chat.completions.create(
        model=MODEL, messages=[{"role": "system", "content": "Answer briefly."},
                               {"role": "user", "content": QUESTION}], max_tokens=12)
    check(r.choices[0].message.content, f"no content: {r}")
    return f"{r.usage.completion_tokens} tokens"


@scenario("openai")
def openai_stream() -> str:
    chunks = list(_openai().chat.completions.create(
        model=MODEL, messages=[{"role": "user", "content": QUESTION}], max_tokens=12,
        stream=True, stream_options={"include_usage": True}))
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    check(text, "empty stream")
    check(chunks[-1].usage is not None, "no usage chunk")
    return f"{len(chunks)} chunks"


@scenario("openai")
def openai_tool_call() -> str:
    r = _openai().chat.completions.create(
        model=MODEL, messages=[{"role": "user", "content": "What is the weather in Paris?"}],
        tools=[WEATHER], tool_choice="required", max_tokens=48)
    calls = r.choices[0].message.tool_calls
    check(calls, f"no tool call: {r.choices[0]}")
    check(r.choices[0].finish_reason == "tool_calls", r.choices[0].finish_reason)
    args = json.loads(calls[0].function.arguments)
    check(isinstance(args.get("city"), str), f"arguments {args}")
    return calls[0].function.name


@scenario("openai")
def openai_embeddings() -> str:
    r = _openai().embeddings.create(model="embed", input=["hello world", "goodbye"])
    check(len(r.data) == 2 and len(r.data[0].embedding) > 0, "vectors")
    return f"dim {len(r.data[0].embedding)}"


@scenario("openai")
def openai_models_retrieve() -> str:
    c = _openai()
    ids = [m.id for m in c.models.list()]
    check(MODEL in ids, f"{MODEL} not listed: {ids}")
    return c.models.retrieve(MODEL).id


@scenario("openai")
def openai_responses() -> str:
    r = _openai().responses.create(model=MODEL, input=QUESTION, max_output_tokens=16)
    check(r.output_text, f"no output_text: {r}")
    return r.status or ""


@scenario("openai")
def openai_responses_stream() -> str:
    kinds = [e.type for e in _openai().responses.create(model=MODEL, input=QUESTION,
                                                        max_output_tokens=16, stream=True)]
    check(kinds[0] == "response.created", kinds)
    check(kinds[-1] in ("response.completed", "response.incomplete"), kinds)
    check("response.output_text.delta" in kinds, kinds)
    return f"{len(kinds)} events"


@scenario("openai")
def openai_base_url_without_v1() -> str:
    """DeepSeek documents its base URL without /v1: the root-path aliases answer it."""
    import openai
    c = openai.OpenAI(base_url=BASE.removesuffix("/v1"), api_key=KEY, max_retries=0,
                      timeout=600)
    r = c.chat.completions.create(model="deepseek-chat", max_tokens=8,
                                  messages=[{"role": "user", "content": QUESTION}])
    check(r.choices[0].message.content, r)
    return r.model


@scenario("openai")
def openai_parse_pydantic() -> str:
    """The SDK's structured outputs: a strict json_schema from a Pydantic model, parsed."""
    person = _person_model()
    r = _openai().chat.completions.parse(
        model=MODEL, response_format=person, max_completion_tokens=64,
        messages=[{"role": "user", "content": PERSON_TEXT}])
    parsed = r.choices[0].message.parsed
    check(isinstance(parsed, person), f"parsed {parsed!r}")
    return repr(parsed)


@scenario("openai")
def openai_async_stream() -> str:
    import asyncio

    import openai

    async def run() -> str:
        async with openai.AsyncOpenAI(base_url=BASE, api_key=KEY, max_retries=0) as c:
            stream = await c.chat.completions.create(
                model=MODEL, max_tokens=12, stream=True,
                messages=[{"role": "user", "content": QUESTION}])
            return "".join([ch.choices[0].delta.content or "" async for ch in stream
                            if ch.choices])
    text = asyncio.run(run())
    check(text, "empty async stream")
    return f"{len(text)} chars"


@scenario("openai")
def openai_responses_tool_call() -> str:
    tool = {"type": "function", "name": "get_weather", "description": "Current weather.",
            "parameters": WEATHER["function"]["parameters"]}  # type: ignore[index]
    r = _openai().responses.create(model=MODEL, input="What is the weather in Paris?",
                                   tools=[tool], tool_choice="required",
                                   max_output_tokens=48)
    calls = [o for o in r.output if o.type == "function_call"]
    check(calls, f"no function_call item: {r.output}")
    check(isinstance(json.loads(calls[0].arguments).get("city"), str), calls[0].arguments)
    return calls[0].arguments


@scenario("openai")
def openai_responses_parse() -> str:
    person = _person_model()
    r = _openai().responses.parse(model=MODEL, input=PERSON_TEXT, text_format=person,
                                  max_output_tokens=64)
    check(isinstance(r.output_parsed, person), f"parsed {r.output_parsed!r}")
    return repr(r.output_parsed)


# -- LangChain ---------------------------------------------------------------------------


def _chat(**kw: Any) -> Any:
    from langchain_openai import ChatOpenAI
    return ChatOpenAI(model=MODEL, base_url=BASE, api_key=KEY, max_retries=0, timeout=600,
                      **{"max_tokens": 24, **kw})


@scenario("langchain")
def lc_invoke() -> str:
    from langchain_core.messages import HumanMessage, SystemMessage
    m = _chat().invoke([SystemMessage("Answer briefly."), HumanMessage(QUESTION)])
    check(isinstance(m.content, str) and m.content, f"content {m.content!r}")
    check(m.usage_metadata and m.usage_metadata["output_tokens"] > 0, m.usage_metadata)
    return f"{m.usage_metadata['output_tokens']} tokens"


@scenario("langchain")
def lc_stream() -> str:
    parts = [c.content for c in _chat().stream(QUESTION)]
    check("".join(p for p in parts if isinstance(p, str)), f"empty stream {parts}")
    return f"{len(parts)} chunks"


@scenario("langchain")
def lc_bind_tools() -> str:
    from langchain_core.tools import tool

    @tool
    def get_weather(city: str) -> str:
        """Current weather of a city."""
        return f"sunny in {city}"

    llm = _chat(max_tokens=48).bind_tools([get_weather], tool_choice="get_weather")
    m = llm.invoke("What is the weather in Paris?")
    check(m.tool_calls, f"no tool_calls: {m}")
    call = m.tool_calls[0]
    check(call["name"] == "get_weather" and isinstance(call["args"].get("city"), str), call)
    return json.dumps(call["args"])


@scenario("langchain")
def lc_tool_round_trip() -> str:
    """An agent's loop: the call, the tool's result as a ToolMessage, then the answer."""
    from langchain_core.messages import HumanMessage, ToolMessage
    from langchain_core.tools import tool

    @tool
    def get_weather(city: str) -> str:
        """Current weather of a city."""
        return f"sunny in {city}"

    llm = _chat(max_tokens=48).bind_tools([get_weather])
    history: list[Any] = [HumanMessage("What is the weather in Paris?")]
    first = _chat(max_tokens=48).bind_tools([get_weather], tool_choice="any").invoke(history)
    check(first.tool_calls, f"no tool call: {first}")
    history += [first, ToolMessage(get_weather.invoke(first.tool_calls[0]["args"]),
                                   tool_call_id=first.tool_calls[0]["id"])]
    final = llm.bind(tool_choice="none").invoke(history)
    check(isinstance(final.content, str) and final.content, f"no answer: {final}")
    return "answered after the tool result"


@scenario("langchain")
def lc_stream_tools() -> str:
    from langchain_core.tools import tool

    @tool
    def get_weather(city: str) -> str:
        """Current weather of a city."""
        return city

    llm = _chat(max_tokens=48).bind_tools([get_weather], tool_choice="get_weather")
    whole = None
    for chunk in llm.stream("What is the weather in Paris?"):
        whole = chunk if whole is None else whole + chunk
    check(whole is not None and whole.tool_calls, f"no streamed tool call: {whole}")
    check(isinstance(whole.tool_calls[0]["args"].get("city"), str), whole.tool_calls)
    return json.dumps(whole.tool_calls[0]["args"])


def _person_model() -> Any:
    from pydantic import BaseModel, Field

    class Person(BaseModel):
        """A person named in the text."""
        name: str = Field(description="the person's name")
        # bounded as an application writes an age: the grammar then bounds the digits (an
        # unbounded integer let the 270M model write 16 digits, which the output scan masked)
        age: int = Field(description="the person's age in years", ge=0, le=150)
    return Person


PERSON_TEXT = "Extract the person: Alice is 31 years old."


@scenario("langchain")
def lc_structured_json_schema() -> str:
    person = _person_model()
    p = _chat(max_tokens=64).with_structured_output(person, method="json_schema").invoke(
        PERSON_TEXT)
    check(isinstance(p, person), f"got {p!r}")
    return repr(p)


@scenario("langchain")
def lc_structured_function_calling() -> str:
    person = _person_model()
    p = _chat(max_tokens=64).with_structured_output(
        person, method="function_calling").invoke(PERSON_TEXT)
    check(isinstance(p, person), f"got {p!r}")
    return repr(p)


@scenario("langchain")
def lc_responses_api() -> str:
    """ChatOpenAI on OpenAI's Responses API (use_responses_api=True), invoke and stream."""
    llm = _chat(use_responses_api=True)
    m = llm.invoke(QUESTION)
    check(m.text, f"no text: {m}")
    streamed = "".join(c.text for c in llm.stream(QUESTION))
    check(streamed, "empty Responses stream")
    return f"{len(m.text)} + {len(streamed)} chars"


@scenario("langchain")
def lc_embeddings() -> str:
    from langchain_openai import OpenAIEmbeddings
    # check_embedding_ctx_length=False: by default LangChain tokenizes with tiktoken (a
    # download at run time) and sends token ids, which the appliance refuses (masking needs
    # text); every local server's LangChain recipe sets it off.
    e = OpenAIEmbeddings(model="embed", base_url=BASE, api_key=KEY,
                         check_embedding_ctx_length=False, max_retries=0)
    docs = e.embed_documents(["hello world", "the cat sat on the mat"])
    q = e.embed_query("hello")
    check(len(docs) == 2 and len(docs[0]) == len(q) > 0, "vector lengths")
    return f"dim {len(q)}"


def _chat_anthropic(**kw: Any) -> Any:
    from langchain_anthropic import ChatAnthropic
    return ChatAnthropic(model=MODEL, base_url=BASE.removesuffix("/v1"), api_key=KEY,
                         max_retries=0, timeout=600, **{"max_tokens": 24, **kw})


@scenario("langchain")
def lc_anthropic_invoke_and_stream() -> str:
    """LangChain's ChatAnthropic on /v1/messages."""
    m = _chat_anthropic().invoke(QUESTION)
    check(m.text, f"no text: {m}")
    streamed = "".join(c.text for c in _chat_anthropic().stream(QUESTION))
    check(streamed, "empty stream")
    return f"{len(m.text)} + {len(streamed)} chars"


@scenario("langchain")
def lc_anthropic_bind_tools() -> str:
    from langchain_core.tools import tool

    @tool
    def get_weather(city: str) -> str:
        """Current weather of a city."""
        return city

    m = _chat_anthropic(max_tokens=48).bind_tools(
        [get_weather], tool_choice="get_weather").invoke("What is the weather in Paris?")
    check(m.tool_calls and isinstance(m.tool_calls[0]["args"].get("city"), str), m)
    return json.dumps(m.tool_calls[0]["args"])


# -- the OpenAI Agents SDK ----------------------------------------------------------------


def _agent(model_kind: str, **kw: Any) -> Any:
    import openai
    from agents import (
        Agent,
        ModelSettings,
        OpenAIChatCompletionsModel,
        OpenAIResponsesModel,
        set_tracing_disabled,
    )
    set_tracing_disabled(True)  # its tracing exports to OpenAI's servers
    client = openai.AsyncOpenAI(base_url=BASE, api_key=KEY, max_retries=0, timeout=600)
    kind = OpenAIResponsesModel if model_kind == "responses" else OpenAIChatCompletionsModel
    settings = kw.pop("settings", {})
    return Agent(name="assistant", instructions="Answer briefly.",
                 model=kind(model=MODEL, openai_client=client),
                 model_settings=ModelSettings(**{"max_tokens": 48, **settings}), **kw)


def _weather_tool() -> Any:
    from agents import function_tool

    @function_tool
    def get_weather(city: str) -> str:
        """Current weather of a city."""
        return f"sunny, 21 degrees in {city}"
    return get_weather


def _tolerating_incomplete(run: Callable[[], str]) -> str:
    """The run's answer; or, when the model wrote on to max_output_tokens, the SDK's
    ModelBehaviorError for a ``response.incomplete`` that says so. The embedded 270M model
    is a base model that rarely stops by itself: that is its quality, not the protocol's,
    which the exchange up to that well-formed terminal event has already exercised."""
    from agents.exceptions import ModelBehaviorError
    try:
        return run()
    except ModelBehaviorError as e:
        check("response.incomplete" in str(e) and "max_output_tokens" in str(e), str(e))
        return "well-formed; the model ran to max_output_tokens (model quality)"


@scenario("agents")
def agents_responses_run() -> str:
    """The Agents SDK's default model class: OpenAI's Responses API."""
    from agents import Runner

    def run() -> str:
        r = Runner.run_sync(_agent("responses"), QUESTION, max_turns=2)
        check(isinstance(r.final_output, str) and r.final_output, r)
        return f"{len(r.final_output)} chars"
    return _tolerating_incomplete(run)


@scenario("agents")
def agents_responses_streamed() -> str:
    import asyncio

    from agents import Runner

    async def events() -> list[str]:
        result = Runner.run_streamed(_agent("responses"), QUESTION, max_turns=2)
        return [e.type async for e in result.stream_events()]

    def run() -> str:
        kinds = asyncio.run(events())
        check("raw_response_event" in kinds, kinds)
        return f"{len(kinds)} events"
    return _tolerating_incomplete(run)


def _tool_run(model_kind: str) -> str:
    """A function tool the agent must call: the call is parsed, the SDK runs the tool, and
    (stop_on_first_tool) the tool's output is the run's final output."""
    from agents import Runner
    agent = _agent(model_kind, tools=[_weather_tool()], tool_use_behavior="stop_on_first_tool",
                   settings={"tool_choice": "get_weather", "temperature": 0, "max_tokens": 96})
    r = Runner.run_sync(agent, "What is the weather in Paris?", max_turns=2)
    kinds = [item.type for item in r.new_items]
    check("tool_call_item" in kinds and "tool_call_output_item" in kinds, kinds)
    check(str(r.final_output).startswith("sunny, 21 degrees in "), r.final_output)
    return str(r.final_output)


@scenario("agents")
def agents_responses_tool_call() -> str:
    return _tool_run("responses")


@scenario("agents")
def agents_chat_completions_tool_call() -> str:
    return _tool_run("chat")


@scenario("agents")
def agents_structured_output() -> str:
    from agents import Runner
    person = _person_model()
    r = Runner.run_sync(_agent("responses", output_type=person, settings={"max_tokens": 64}),
                        PERSON_TEXT, max_turns=2)
    check(isinstance(r.final_output, person), r.final_output)
    return repr(r.final_output)


# -- instructor --------------------------------------------------------------------------


def _instructor(mode: str) -> Any:
    import instructor
    import openai
    return instructor.from_openai(
        openai.OpenAI(base_url=BASE, api_key=KEY, max_retries=0, timeout=600),
        mode=getattr(instructor.Mode, mode))


def _extract(mode: str) -> str:
    person = _person_model()
    p = _instructor(mode).chat.completions.create(
        model=MODEL, response_model=person, max_retries=1, max_tokens=96, temperature=0,
        messages=[{"role": "user", "content": PERSON_TEXT}])
    check(isinstance(p, person), f"got {p!r}")
    return repr(p)


@scenario("instructor")
def instructor_tools() -> str:
    return _extract("TOOLS")


@scenario("instructor")
def instructor_json_schema() -> str:
    return _extract("JSON_SCHEMA")


@scenario("instructor")
def instructor_json() -> str:
    """JSON mode: response_format json_object and the schema in the prompt. The grammar
    makes the answer JSON, not the schema's JSON (OpenAI's json_object), so which keys the
    model writes is its own quality: the 270M model may write on until max_tokens, which
    instructor reports as IncompleteOutputException after a well-formed exchange. Anything
    else (a refused request, a malformed answer) fails."""
    from instructor.core.exceptions import IncompleteOutputException
    try:
        return _extract("JSON")
    except IncompleteOutputException:
        return "exchange well-formed; the model ran to max_tokens (model quality)"


@scenario("instructor")
def instructor_partial_stream() -> str:
    """create_partial: the tool call's arguments streamed and parsed as they grow."""
    person = _person_model()
    partials = list(_instructor("TOOLS").chat.completions.create_partial(
        model=MODEL, response_model=person, max_tokens=96, temperature=0,
        messages=[{"role": "user", "content": PERSON_TEXT}]))
    check(partials, "no partial objects")
    last = partials[-1]
    check(last.name and last.age is not None, f"last {last!r}")
    return f"{len(partials)} partials, last {last!r}"


# -- anthropic ---------------------------------------------------------------------------


def _anthropic() -> Any:
    import anthropic
    return anthropic.Anthropic(base_url=BASE.removesuffix("/v1"), api_key=KEY, max_retries=0,
                               timeout=600)


ANTHROPIC_TOOL = {"name": "get_weather", "description": "Current weather of a city.",
                  "input_schema": WEATHER["function"]["parameters"]}  # type: ignore[index]


@scenario("anthropic")
def anthropic_messages() -> str:
    m = _anthropic().messages.create(model=MODEL, max_tokens=16, system="Answer briefly.",
                                     messages=[{"role": "user", "content": QUESTION}])
    check(m.content and m.content[0].type == "text" and m.content[0].text, m)
    check(m.stop_reason in ("end_turn", "max_tokens"), m.stop_reason)
    return f"{m.usage.output_tokens} tokens"


@scenario("anthropic")
def anthropic_stream() -> str:
    with _anthropic().messages.stream(model=MODEL, max_tokens=16,
                                      messages=[{"role": "user", "content": QUESTION}]) as s:
        text = "".join(s.text_stream)
        final = s.get_final_message()
    check(text and final.content[0].text == text, (text, final))
    return f"{len(text)} chars"


@scenario("anthropic")
def anthropic_tool_use() -> str:
    m = _anthropic().messages.create(
        model=MODEL, max_tokens=48, tools=[ANTHROPIC_TOOL],
        tool_choice={"type": "tool", "name": "get_weather"},
        messages=[{"role": "user", "content": "What is the weather in Paris?"}])
    uses = [b for b in m.content if b.type == "tool_use"]
    check(uses and isinstance(uses[0].input.get("city"), str), m)
    check(m.stop_reason == "tool_use", m.stop_reason)
    return json.dumps(uses[0].input)


@scenario("anthropic")
def anthropic_tool_result_round_trip() -> str:
    c = _anthropic()
    ask = [{"role": "user", "content": "What is the weather in Paris?"}]
    first = c.messages.create(model=MODEL, max_tokens=48, tools=[ANTHROPIC_TOOL],
                              tool_choice={"type": "any"}, messages=ask)
    use = next(b for b in first.content if b.type == "tool_use")
    final = c.messages.create(
        model=MODEL, max_tokens=24, tools=[ANTHROPIC_TOOL], messages=[
            *ask, {"role": "assistant", "content": first.content},
            {"role": "user", "content": [{"type": "tool_result", "tool_use_id": use.id,
                                          "content": "sunny, 21 degrees"}]}])
    check(final.content, final)
    return final.stop_reason or ""


@scenario("anthropic")
def anthropic_stream_tool_use() -> str:
    with _anthropic().messages.stream(
            model=MODEL, max_tokens=48, tools=[ANTHROPIC_TOOL],
            tool_choice={"type": "tool", "name": "get_weather"},
            messages=[{"role": "user", "content": "What is the weather in Paris?"}]) as s:
        final = s.get_final_message()
    uses = [b for b in final.content if b.type == "tool_use"]
    check(uses and isinstance(uses[0].input.get("city"), str), final)
    return json.dumps(uses[0].input)


@scenario("anthropic")
def anthropic_system_blocks_and_options() -> str:
    """System as text blocks with cache_control, stop_sequences, metadata: what Claude-first
    applications send (this SDK has no temperature/top_k any more; the API still takes them)."""
    m = _anthropic().messages.create(
        model=MODEL, max_tokens=16, stop_sequences=["\n\n"],
        metadata={"user_id": "app-user-1"},
        system=[{"type": "text", "text": "Answer briefly.",
                 "cache_control": {"type": "ephemeral"}}],
        messages=[{"role": "user", "content": [{"type": "text", "text": QUESTION}]}])
    check(m.content and m.content[0].text, m)
    return m.stop_reason or ""


@scenario("anthropic")
def anthropic_parse_output_format() -> str:
    """Structured outputs: messages.parse(output_format=Model) sends output_config.format."""
    person = _person_model()
    m = _anthropic().messages.parse(model=MODEL, max_tokens=64, output_format=person,
                                    messages=[{"role": "user", "content": PERSON_TEXT}])
    check(isinstance(m.parsed_output, person), f"parsed {m.parsed_output!r}")
    return repr(m.parsed_output)


@scenario("anthropic")
def anthropic_count_tokens() -> str:
    n = _anthropic().messages.count_tokens(
        model=MODEL, messages=[{"role": "user", "content": QUESTION}]).input_tokens
    check(n > 0, n)
    return f"{n} tokens"


@scenario("anthropic")
def anthropic_models_list() -> str:
    """models.list() on the path OpenAI's SDK uses: Anthropic's model objects, and its
    auto-pagination (limit, then after_id) walks the same list."""
    from datetime import datetime
    page = _anthropic().models.list()
    models = {m.id: m for m in page.data}
    check({MODEL, "r1", "auto", "deepseek-chat"} <= set(models), f"listed {list(models)}")
    check(page.has_more is False and page.first_id == page.data[0].id
          and page.last_id == page.data[-1].id, page)
    v3 = models[MODEL].display_name
    check(v3.startswith(f"{MODEL} (") and v3.endswith(".gguf)"), v3)
    alias = models["deepseek-chat"].display_name
    check(alias == f"deepseek-chat (alias of {MODEL})", alias)
    check(all(m.type == "model" and isinstance(m.created_at, datetime)
              for m in page.data), page.data)
    paged = [m.id for m in _anthropic().models.list(limit=2)]
    check(paged == list(models), f"paged {paged}")
    return v3


@scenario("anthropic")
def anthropic_models_retrieve() -> str:
    """models.retrieve(): the listed object; a model the daemon lacks is NotFoundError."""
    import anthropic
    c = _anthropic()
    listed = {m.id: m for m in c.models.list()}
    got = c.models.retrieve(MODEL)
    check((got.id, got.display_name) == (MODEL, listed[MODEL].display_name), got)
    try:
        c.models.retrieve("claude-no-such-model")
    except anthropic.NotFoundError as exc:
        check(isinstance(exc.body, dict) and exc.body["error"]["type"] == "not_found_error",
              exc.body)
    else:
        raise AssertionError("an unknown model was retrieved")
    return got.display_name


# -- litellm -----------------------------------------------------------------------------
#
# litellm.completion / acompletion / embedding on its "openai/" provider (api_base the daemon's
# /v1) and its "anthropic/" provider (api_base the daemon's root: it appends /v1/messages).
# litellm reaches out by itself unless told not to (the model cost map, Anthropic beta-header
# lists, blog posts, tokenizers, callbacks): the group runs offline as an application's
# deployment would (_litellm), and an audit hook refuses and records every connection and DNS
# look-up to anything but the daemon's loopback host: litellm_stayed_local fails on any.

_OUTSIDE: list[str] = []  # every non-loopback host litellm's process tried (refused at once)


def _guard_network() -> None:
    from urllib.parse import urlsplit
    local = {"localhost", "127.0.0.1", "::1", urlsplit(BASE).hostname or ""}

    def hook(event: str, args: tuple[Any, ...]) -> None:
        if event == "socket.getaddrinfo":
            host = args[0]
        elif event == "socket.connect" and isinstance(args[1], tuple):
            host = args[1][0]
        else:
            return
        if isinstance(host, bytes):
            host = host.decode(errors="replace")
        if host is None or host in local or str(host).startswith("127."):
            return
        _OUTSIDE.append(f"{event} {host}")
        raise OSError(f"the litellm scenarios refuse {event} to {host!r}: not the daemon")
    sys.addaudithook(hook)


def _litellm() -> Any:
    """litellm, imported once under the network guard, with every outside fetch off."""
    if "litellm" in sys.modules:
        return sys.modules["litellm"]
    import os
    _guard_network()
    os.environ.update({
        "LITELLM_LOCAL_MODEL_COST_MAP": "True",   # else the cost map is fetched at import
        "LITELLM_OFFLINE_MODE": "true",           # catalogs, beta-header lists, tokenizers
        "LITELLM_LOCAL_ANTHROPIC_BETA_HEADERS": "True",
        "LITELLM_LOCAL_BLOG_POSTS": "True",
        "HF_HUB_OFFLINE": "1",
    })
    import litellm
    litellm.telemetry = False
    litellm.callbacks = []
    litellm.success_callback = []
    litellm.failure_callback = []
    litellm.num_retries = 0
    litellm.disable_hf_tokenizer_download = True
    return litellm


def _ll_openai(**kw: Any) -> dict[str, Any]:
    """The arguments of one call through litellm's openai provider to the daemon."""
    return {"model": f"openai/{MODEL}", "api_base": BASE, "api_key": KEY, "timeout": 600,
            "max_retries": 0, **kw}


def _ll_anthropic(**kw: Any) -> dict[str, Any]:
    return {"model": f"anthropic/{MODEL}", "api_base": BASE.removesuffix("/v1"),
            "api_key": KEY, "timeout": 600, "max_retries": 0, **kw}


def _validate(instance: object, schema: dict[str, Any]) -> None:
    import jsonschema
    jsonschema.validate(instance, schema)


WEATHER_SCHEMA: dict[str, Any] = WEATHER["function"]["parameters"]  # type: ignore[index]
WEATHER_ASK = [{"role": "user", "content": "What is the weather in Paris?"}]


def _ll_tool_args(r: Any) -> dict[str, Any]:
    """The one get_weather call of a completion, its arguments checked against the schema."""
    choice = r.choices[0]
    calls = choice.message.tool_calls
    check(calls, f"no tool call: {choice}")
    check(choice.finish_reason == "tool_calls", choice.finish_reason)
    check(calls[0].function.name == "get_weather", calls[0].function.name)
    check(calls[0].id, "a tool call without an id")
    args = json.loads(calls[0].function.arguments)
    _validate(args, WEATHER_SCHEMA)
    return dict(args)


@scenario("litellm")
def litellm_completion() -> str:
    r = _litellm().completion(**_ll_openai(
        max_tokens=12, messages=[{"role": "system", "content": "Answer briefly."},
                                 {"role": "user", "content": QUESTION}]))
    content = r.choices[0].message.content
    check(isinstance(content, str) and content.strip(), f"no content: {r}")
    check(r.choices[0].finish_reason in ("stop", "length"), r.choices[0].finish_reason)
    check(r.usage.prompt_tokens > 0 and 0 < r.usage.completion_tokens <= 12, r.usage)
    return f"{r.usage.completion_tokens} tokens"


@scenario("litellm")
def litellm_stream() -> str:
    """A stream, and litellm.stream_chunk_builder's assembly of it (what its callers log)."""
    litellm = _litellm()
    chunks = list(litellm.completion(**_ll_openai(
        max_tokens=12, stream=True, stream_options={"include_usage": True},
        messages=[{"role": "user", "content": QUESTION}])))
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    check(text.strip(), f"empty stream of {len(chunks)} chunks")
    built = litellm.stream_chunk_builder(chunks)
    check(built.choices[0].message.content == text, (built.choices[0].message.content, text))
    check(0 < built.usage.completion_tokens <= 12, built.usage)
    return f"{len(chunks)} chunks, {built.usage.completion_tokens} tokens"


@scenario("litellm")
def litellm_acompletion_stream() -> str:
    import asyncio
    litellm = _litellm()

    async def run() -> tuple[str, str]:
        plain = await litellm.acompletion(**_ll_openai(
            max_tokens=12, messages=[{"role": "user", "content": QUESTION}]))
        stream = await litellm.acompletion(**_ll_openai(
            max_tokens=12, stream=True, messages=[{"role": "user", "content": QUESTION}]))
        streamed = "".join([c.choices[0].delta.content or "" async for c in stream
                            if c.choices])
        return plain.choices[0].message.content or "", streamed
    plain, streamed = asyncio.run(run())
    check(plain.strip() and streamed.strip(), (len(plain), len(streamed)))
    return f"{len(plain)} + {len(streamed)} chars"


@scenario("litellm")
def litellm_tool_round_trip() -> str:
    """tool_choice required, the call's arguments valid against the tool's schema, then the
    tool's result as a role "tool" message and the answer (an agent loop's two turns)."""
    litellm = _litellm()
    first = litellm.completion(**_ll_openai(max_tokens=48, tools=[WEATHER],
                                            tool_choice="required", messages=WEATHER_ASK))
    args = _ll_tool_args(first)
    call = first.choices[0].message.tool_calls[0]
    history = [*WEATHER_ASK, first.choices[0].message.model_dump(exclude_none=True),
               {"role": "tool", "tool_call_id": call.id,
                "content": f"sunny, 21 degrees in {args['city']}"}]
    final = litellm.completion(**_ll_openai(max_tokens=24, tools=[WEATHER], tool_choice="none",
                                            messages=history))
    answer = final.choices[0].message
    check(isinstance(answer.content, str) and answer.content.strip(), f"no answer: {final}")
    check(not answer.tool_calls, f"a tool call under tool_choice none: {answer.tool_calls}")
    return json.dumps(args)


@scenario("litellm")
def litellm_stream_tool_call() -> str:
    """A tool call streamed: the argument deltas assembled by stream_chunk_builder."""
    litellm = _litellm()
    chunks = list(litellm.completion(**_ll_openai(max_tokens=48, tools=[WEATHER],
                                                  tool_choice="required", stream=True,
                                                  messages=WEATHER_ASK)))
    return json.dumps(_ll_tool_args(litellm.stream_chunk_builder(chunks)))


PERSON_SCHEMA: dict[str, Any] = {
    "type": "object", "additionalProperties": False, "required": ["name", "age"],
    "properties": {"name": {"type": "string"}, "age": {"type": "integer"}}}


@scenario("litellm")
def litellm_response_format_json_schema() -> str:
    r = _litellm().completion(**_ll_openai(
        max_tokens=64, messages=[{"role": "user", "content": PERSON_TEXT}],
        response_format={"type": "json_schema", "json_schema": {
            "name": "person", "strict": True, "schema": PERSON_SCHEMA}}))
    person = json.loads(r.choices[0].message.content)
    _validate(person, PERSON_SCHEMA)
    return json.dumps(person)


@scenario("litellm")
def litellm_embedding() -> str:
    """litellm.embedding's vectors are the daemon's own: same count, order, width, values
    (the reference is the raw /v1/embeddings answer to the same input)."""
    import httpx
    texts = ["hello world", "the cat sat on the mat"]
    r = _litellm().embedding(**_ll_openai(model="openai/embed", input=texts))
    raw = httpx.post(f"{BASE}/embeddings", json={"model": "embed", "input": texts},
                     headers={"authorization": f"Bearer {KEY}"}, timeout=600)
    raw.raise_for_status()
    want = [d["embedding"] for d in sorted(raw.json()["data"], key=lambda d: d["index"])]
    got = [d["embedding"] for d in sorted(r.data, key=lambda d: d["index"])]
    check(len(got) == len(want) == 2, (len(got), len(want)))
    check(all(len(g) == len(w) > 0 for g, w in zip(got, want, strict=True)),
          ([len(g) for g in got], [len(w) for w in want]))
    check(all(abs(a - b) < 1e-5 for g, w in zip(got, want, strict=True)
              for a, b in zip(g, w, strict=True)), "litellm's vectors differ from the daemon's")
    check(r.usage.prompt_tokens > 0, r.usage)
    return f"dim {len(got[0])}"


@scenario("litellm")
def litellm_anthropic_completion() -> str:
    """The anthropic/ provider: OpenAI-shaped messages, sent to /v1/messages."""
    r = _litellm().completion(**_ll_anthropic(
        max_tokens=16, messages=[{"role": "system", "content": "Answer briefly."},
                                 {"role": "user", "content": QUESTION}]))
    content = r.choices[0].message.content
    check(isinstance(content, str) and content.strip(), f"no content: {r}")
    check(r.choices[0].finish_reason in ("stop", "length"), r.choices[0].finish_reason)
    check(r.usage.prompt_tokens > 0 and 0 < r.usage.completion_tokens <= 16, r.usage)
    return f"{r.usage.completion_tokens} tokens"


@scenario("litellm")
def litellm_anthropic_stream() -> str:
    litellm = _litellm()
    chunks = list(litellm.completion(**_ll_anthropic(
        max_tokens=16, stream=True, messages=[{"role": "user", "content": QUESTION}])))
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    check(text.strip(), f"empty stream of {len(chunks)} chunks")
    return f"{len(chunks)} chunks"


@scenario("litellm")
def litellm_anthropic_tool_round_trip() -> str:
    """OpenAI-shaped tools and tool_choice required, translated by litellm to Anthropic's
    tools and tool_choice any; the result goes back as a tool_result block."""
    litellm = _litellm()
    first = litellm.completion(**_ll_anthropic(max_tokens=48, tools=[WEATHER],
                                               tool_choice="required", messages=WEATHER_ASK))
    args = _ll_tool_args(first)
    call = first.choices[0].message.tool_calls[0]
    history = [*WEATHER_ASK, first.choices[0].message.model_dump(exclude_none=True),
               {"role": "tool", "tool_call_id": call.id,
                "content": f"sunny, 21 degrees in {args['city']}"}]
    final = litellm.completion(**_ll_anthropic(max_tokens=24, tools=[WEATHER],
                                               tool_choice="none", messages=history))
    answer = final.choices[0].message
    check(isinstance(answer.content, str) and answer.content.strip(), f"no answer: {final}")
    check(not answer.tool_calls, f"a tool call under tool_choice none: {answer.tool_calls}")
    return json.dumps(args)


@scenario("litellm")
def litellm_anthropic_response_format() -> str:
    """json_schema on the anthropic/ provider: litellm sends it as a forced tool
    (json_tool_call, tool_choice tool) and gives the tool's input back as the content."""
    r = _litellm().completion(**_ll_anthropic(
        max_tokens=64, messages=[{"role": "user", "content": PERSON_TEXT}],
        response_format={"type": "json_schema", "json_schema": {
            "name": "person", "strict": True, "schema": PERSON_SCHEMA}}))
    person = json.loads(r.choices[0].message.content)
    _validate(person, PERSON_SCHEMA)
    return json.dumps(person)


@scenario("litellm")
def litellm_stayed_local() -> str:
    """Last: nothing in the litellm process tried to reach anything but the daemon."""
    _litellm()
    check(not _OUTSIDE, f"litellm tried to reach outside hosts: {sorted(set(_OUTSIDE))}")
    return "no outside connection or look-up"


def main() -> int:
    group = sys.argv[2]
    results: dict[str, dict[str, Any]] = {}
    for name, fn in SCENARIOS[group].items():
        start = time.monotonic()
        try:
            results[name] = {"ok": True, "detail": fn()}
        except Exception as e:  # noqa: BLE001 - every failure is reported by name
            results[name] = {"ok": False, "detail": f"{type(e).__name__}: {e}"[:1500],
                             "trace": traceback.format_exc()[-3000:]}
        results[name]["seconds"] = round(time.monotonic() - start, 1)  # for the report only
    print(json.dumps(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
