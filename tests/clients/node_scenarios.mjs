// Client scenarios with the official openai Node SDK (tests/clients/package.json), run by
// tests/clients/test_client_sdks.py against one real daemon.
// Usage: node node_scenarios.mjs BASE_URL   (BASE_URL is http://HOST:PORT/v1). Prints one JSON
// object {scenario: {ok, detail}} on its last line; a failing scenario never hides the others.
import OpenAI from "openai";

const client = new OpenAI({ baseURL: process.argv[2], apiKey: "sk-no-key-required",
                            maxRetries: 0, timeout: 600000 });
const MODEL = "v3";
const QUESTION = "What is the capital of France?";
const WEATHER = {
  type: "function",
  function: {
    name: "get_weather", description: "Current weather of a city.",
    parameters: { type: "object", properties: { city: { type: "string" } },
                  required: ["city"], additionalProperties: false },
  },
};
const ASK_WEATHER = [{ role: "user", content: "What is the weather in Paris?" }];

function check(cond, what) {
  if (!cond) throw new Error(`assertion failed: ${typeof what === "string" ? what : JSON.stringify(what)}`);
}

const scenarios = {
  async node_chat() {
    const r = await client.chat.completions.create({
      model: MODEL, max_tokens: 12,
      messages: [{ role: "system", content: "Answer briefly." }, { role: "user", content: QUESTION }] });
    check(r.choices[0].message.content, r);
    return `${r.usage.completion_tokens} tokens`;
  },
  async node_stream() {
    const stream = await client.chat.completions.create({
      model: MODEL, max_tokens: 12, stream: true, stream_options: { include_usage: true },
      messages: [{ role: "user", content: QUESTION }] });
    let text = ""; let usage = null;
    for await (const c of stream) {
      if (c.choices.length) text += c.choices[0].delta.content ?? "";
      if (c.usage) usage = c.usage;
    }
    check(text && usage, { text, usage });
    return `${text.length} chars`;
  },
  async node_tool_call() {
    const r = await client.chat.completions.create({
      model: MODEL, max_tokens: 48, tools: [WEATHER], tool_choice: "required", messages: ASK_WEATHER });
    const calls = r.choices[0].message.tool_calls;
    check(calls && calls.length, r.choices[0]);
    const args = JSON.parse(calls[0].function.arguments);
    check(typeof args.city === "string", args);
    return calls[0].function.arguments;
  },
  async node_stream_tool_call() {
    // The SDK's own helper assembles the streamed tool_calls deltas.
    const runner = client.chat.completions.stream({
      model: MODEL, max_tokens: 48, tools: [WEATHER], messages: ASK_WEATHER,
      tool_choice: { type: "function", function: { name: "get_weather" } } });
    const final = await runner.finalChatCompletion();
    const call = final.choices[0].message.tool_calls?.[0];
    check(call && typeof JSON.parse(call.function.arguments).city === "string", final.choices[0]);
    return call.function.arguments;
  },
  async node_embeddings() {
    const r = await client.embeddings.create({ model: "embed", input: ["hello world", "goodbye"] });
    check(r.data.length === 2 && r.data[0].embedding.length > 0, r.data.length);
    return `dim ${r.data[0].embedding.length}`;
  },
  async node_models() {
    const ids = [];
    for await (const m of client.models.list()) ids.push(m.id);
    check(ids.includes(MODEL), ids);
    return (await client.models.retrieve(MODEL)).id;
  },
  async node_responses() {
    const r = await client.responses.create({ model: MODEL, input: QUESTION, max_output_tokens: 16 });
    check(r.output_text, r);
    return r.status;
  },
};

const results = {};
for (const [name, fn] of Object.entries(scenarios)) {
  const start = Date.now();
  try {
    results[name] = { ok: true, detail: String(await fn()) };
  } catch (e) {
    results[name] = { ok: false, detail: `${e.name}: ${e.message}`.slice(0, 1500),
                      trace: String(e.stack).slice(-3000) };
  }
  results[name].seconds = (Date.now() - start) / 1000;  // for the report only
}
console.log(JSON.stringify(results));
