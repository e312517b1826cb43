"""Every client protocol through weir to a vendor of every protocol, checked by the official SDKs.

The clients are `anthropic` (Messages), `openai` Chat Completions and `openai` Responses; each
talks to weir, which routes `via-anth`, `via-chat` and `via-resp` to an emulated vendor speaking
Anthropic Messages, Chat Completions and Responses (see `harness.matrix_config`). weir passes a
same-protocol pair through and translates the other six. The SDKs' own stream accumulators
(`get_final_message()`, `get_final_completion()`, `get_final_response()`) rebuild the answer,
which must equal what the emulator was scripted to say.
"""

from __future__ import annotations

import base64
import json
from typing import Any

import anthropic
import openai
import pytest

from harness import (
    PROTOCOLS,
    SHORT,
    UPSTREAM_PATH,
    Emulator,
    Weir,
    anthropic_client,
    expected_summary,
    matrix_config,
    openai_client,
    summarize,
    target,
    tools_for,
    via,
)

QUESTION = "What is the weather in Paris, and what time is it there?"
WEATHER = {"city": "Paris", "unit": "celsius"}
TIME = {"timezone": "Europe/Paris"}

#: Tool-call ids in each vendor's own format; weir must hand them to the client unchanged.
CALL_IDS = {
    "anthropic": ("toolu_01WeatherParis00000000", "toolu_01TimeParis0000000000"),
    "openai-chat": ("call_WeatherParis00000001", "call_TimeParis0000000002"),
    "openai-responses": ("call_RespWeather00000001", "call_RespTime00000000002"),
}


def scripted_calls(upstream: str) -> list[dict[str, str]]:
    weather_id, time_id = CALL_IDS[upstream]
    return [
        {"id": weather_id, "name": "get_weather", "arguments": json.dumps(WEATHER)},
        {"id": time_id, "name": "get_time", "arguments": json.dumps(TIME)},
    ]


def scenario_reply(scenario: str, upstream: str) -> dict[str, Any]:
    """The emulator's reply for `scenario`, with usage and (vendor-format) tool-call ids."""
    if scenario == "text":
        return {
            "text": "The quick brown fox jumps over the lazy dog; then it naps in the sun. Café, 東京, 🚀 — \"quoted\"\n",
            "usage": {"input_tokens": 23, "output_tokens": 17},
            "chunk_chars": 5,
        }
    if scenario == "tools":
        return {
            "text": "Let me look up both for you.",
            "tool_calls": scripted_calls(upstream),
            "usage": {"input_tokens": 41, "output_tokens": 29},
            "chunk_chars": 4,
        }
    if scenario == "calls-only":
        return {
            "tool_calls": scripted_calls(upstream),
            "usage": {"input_tokens": 37, "output_tokens": 21},
            "chunk_chars": 0,
        }
    if scenario == "thinking":
        return {
            "thinking": "The user asks for the answer to everything. That is well known: 42.",
            "text": "The answer is 42.",
            "usage": {"input_tokens": 19, "output_tokens": 33},
            "chunk_chars": 7,
        }
    if scenario == "cache":
        return {
            "text": "Most of this prompt came from the cache.",
            "usage": {
                "input_tokens": 30,
                "output_tokens": 12,
                "cache_read_input_tokens": 1000,
                "cache_creation_input_tokens": 200,
            },
            "chunk_chars": 9,
        }
    raise AssertionError(scenario)


def request_params(client: str, upstream: str, scenario: str) -> dict[str, Any]:
    """The SDK call's parameters for `scenario` in `client`'s protocol."""
    model = via(upstream)
    if client == "anthropic":
        params: dict[str, Any] = dict(model=model, max_tokens=2048, messages=[{"role": "user", "content": QUESTION}])
        if scenario in ("tools", "calls-only"):
            params["tools"] = tools_for(client)
        if scenario == "thinking":
            params["thinking"] = {"type": "enabled", "budget_tokens": 1024}
        return params
    if client == "openai-chat":
        params = dict(model=model, messages=[{"role": "user", "content": QUESTION}])
        if scenario in ("tools", "calls-only"):
            params["tools"] = tools_for(client)
        if scenario == "thinking":
            params["reasoning_effort"] = "medium"
        return params
    params = dict(model=model, input=QUESTION)
    if scenario in ("tools", "calls-only"):
        params["tools"] = tools_for(client)
    if scenario == "thinking":
        params["reasoning"] = {"effort": "medium", "summary": "auto"}
    return params


class Matrix:
    """The shared emulator and weir of this module."""

    def __init__(self, emulator: Emulator, weir: Weir) -> None:
        self.emulator = emulator
        self.weir = weir

    def client(self, protocol: str):
        return anthropic_client(self.weir) if protocol == "anthropic" else openai_client(self.weir)


@pytest.fixture(scope="module")
def shared(tmp_path_factory: pytest.TempPathFactory):
    """One emulator and one weir for the whole module (the happy paths cause no cool-downs)."""
    workdir = tmp_path_factory.mktemp("matrix")
    emulator = Emulator(workdir)
    try:
        w = Weir(workdir, matrix_config(emulator))
    except BaseException:
        emulator.stop()
        raise
    yield Matrix(emulator, w)
    w.stop()
    emulator.stop()


@pytest.fixture
def matrix(shared: Matrix, request: pytest.FixtureRequest) -> Matrix:
    """The shared processes, with the emulator's recorded requests cleared."""
    shared.emulator.clear()
    shared.emulator.reply(text="ok")
    request.node.weir_processes = [shared.weir]
    return shared


@pytest.fixture
def fresh(emulator: Emulator, weir) -> Matrix:
    """A matrix of its own, for tests whose faults would put a shared vendor into cool-down."""
    return Matrix(emulator, weir(matrix_config(emulator, failure_cooldown="30s")))


PAIRS = [pytest.param(c, u, id=f"{SHORT[c]}-to-{SHORT[u]}") for c in PROTOCOLS for u in PROTOCOLS]


def stream_final(client: str, c, params: dict[str, Any], *, sequential_calls: bool = True) -> tuple[Any, str]:
    """Streams with the SDK's helper; returns its final object and the text seen in deltas.

    `sequential_calls=False` skips the check of the Chat helper's `arguments.done` events, which
    the SDK emits for a call as soon as the next call's index appears.
    """
    if client == "anthropic":
        with c.messages.stream(**params) as stream:
            text = "".join(stream.text_stream)
            return stream.get_final_message(), text
    if client == "openai-chat":
        with c.chat.completions.stream(**params, stream_options={"include_usage": True}) as stream:
            events = list(stream)
            final = stream.get_final_completion()
        text = "".join(e.delta for e in events if e.type == "content.delta")
        done = [e for e in events if e.type == "tool_calls.function.arguments.done"]
        calls = final.choices[0].message.tool_calls or []
        assert not sequential_calls or [(e.index, e.name, e.arguments) for e in done] == [
            (k, t.function.name, t.function.arguments) for k, t in enumerate(calls)
        ], "one arguments.done per call, in order"
        return final, text
    with c.responses.stream(**params) as stream:
        events = list(stream)
        final = stream.get_final_response()
    text = "".join(e.delta for e in events if e.type == "response.output_text.delta")
    numbers = [e.sequence_number for e in events]
    assert numbers == list(range(numbers[0], numbers[0] + len(numbers))), "sequence numbers must run on"
    # Codex takes the items from `output_item.done`: one per item, equal to the final item.
    done = [e for e in events if e.type == "response.output_item.done"]
    assert [e.output_index for e in done] == list(range(len(final.output)))
    assert [unparsed(e.item.model_dump()) for e in done] == [unparsed(i.model_dump()) for i in final.output]
    arg_done = [e for e in events if e.type == "response.function_call_arguments.done"]
    calls = [i for i in final.output if i.type == "function_call"]
    assert [(e.item_id, e.arguments) for e in arg_done] == [(i.id, i.arguments) for i in calls]
    return final, text


def unparsed(value: Any) -> Any:
    """`value` without the fields the SDK's parsing helpers add (`parsed`, `parsed_arguments`)."""
    if isinstance(value, dict):
        return {k: unparsed(v) for k, v in value.items() if k not in ("parsed", "parsed_arguments")}
    if isinstance(value, list):
        return [unparsed(v) for v in value]
    return value


def create_final(client: str, c, params: dict[str, Any]) -> Any:
    if client == "anthropic":
        return c.messages.create(**params)
    if client == "openai-chat":
        return c.chat.completions.create(**params)
    return c.responses.create(**params)


ID_PREFIX = {"anthropic": "msg_", "openai-chat": "chatcmpl-", "openai-responses": "resp_"}


def check_final(client: str, upstream: str, final: Any, reply: dict[str, Any]) -> None:
    assert final.model == via(upstream), "the client must see the model name it asked for"
    assert final.id.startswith(ID_PREFIX[client]), final.id
    if client == "openai-responses":
        for item in final.output:
            if item.type == "function_call":
                assert item.id.startswith("fc_") and item.status == "completed", item
            if item.type == "message":
                assert item.id.startswith("msg_") and item.status == "completed", item
    got = summarize(client, final)
    want = expected_summary(reply)
    if client == "anthropic" and upstream == "anthropic":
        u = final.usage
        assert u.input_tokens == reply["usage"]["input_tokens"]
        assert (u.cache_creation_input_tokens or 0) == reply["usage"].get("cache_creation_input_tokens", 0)
    assert got == want


def check_upstream(matrix: Matrix, upstream: str, streaming: bool) -> dict[str, Any]:
    [seen] = matrix.emulator.requests()
    assert seen["path"] == UPSTREAM_PATH[upstream]
    assert seen["json"]["model"] == target(upstream)
    assert bool(seen["json"].get("stream")) is streaming
    return seen["json"]


@pytest.mark.parametrize("scenario", ["text", "tools", "calls-only", "thinking", "cache"])
@pytest.mark.parametrize("client,upstream", PAIRS)
def test_stream_accumulates_scripted_reply(matrix: Matrix, client: str, upstream: str, scenario: str):
    reply = scenario_reply(scenario, upstream)
    matrix.emulator.reply(**reply)

    final, streamed_text = stream_final(client, matrix.client(client), request_params(client, upstream, scenario))

    check_final(client, upstream, final, reply)
    assert streamed_text == (reply.get("text") or ""), "the text deltas must add up to the text"
    body = check_upstream(matrix, upstream, streaming=True)
    if scenario in ("tools", "calls-only"):
        names = [t.get("name") or t.get("function", {}).get("name") for t in body["tools"]]
        assert names == ["get_weather", "get_time"], body["tools"]


@pytest.mark.parametrize("scenario", ["tools", "calls-only", "thinking", "cache"])
@pytest.mark.parametrize("client,upstream", PAIRS)
def test_create_matches_scripted_reply(matrix: Matrix, client: str, upstream: str, scenario: str):
    reply = scenario_reply(scenario, upstream)
    matrix.emulator.reply(**reply)

    final = create_final(client, matrix.client(client), request_params(client, upstream, scenario))

    check_final(client, upstream, final, reply)
    check_upstream(matrix, upstream, streaming=False)


@pytest.mark.parametrize("client,upstream", PAIRS)
def test_stream_cut_by_max_tokens(matrix: Matrix, client: str, upstream: str):
    text = "This answer runs until the token limit cuts it"
    matrix.emulator.reply(text=text, stop="max_tokens", usage={"input_tokens": 12, "output_tokens": 64})
    c = matrix.client(client)
    params = request_params(client, upstream, "text")

    if client == "anthropic":
        with c.messages.stream(**params) as stream:
            final = stream.get_final_message()
        assert final.stop_reason == "max_tokens"
        assert [b.text for b in final.content] == [text]
    elif client == "openai-chat":
        # The SDK's helper raises on `finish_reason: length`, with the completion it built.
        with c.chat.completions.stream(**params) as stream:
            for _ in stream:
                pass
            with pytest.raises(openai.LengthFinishReasonError) as caught:
                stream.get_final_completion()
        final = caught.value.completion
        assert final.choices[0].finish_reason == "length"
        assert final.choices[0].message.content == text
    else:
        with c.responses.stream(**params) as stream:
            events = list(stream)
            # The SDK only gives a final response for `response.completed`.
            with pytest.raises(RuntimeError, match="response.completed"):
                stream.get_final_response()
        assert events[-1].type == "response.incomplete", [e.type for e in events[-3:]]
        final = events[-1].response
        assert final.status == "incomplete"
        assert final.incomplete_details is not None and final.incomplete_details.reason == "max_output_tokens"
        assert final.output_text == text
        assert final.usage is not None and final.usage.output_tokens == 64


@pytest.mark.parametrize("client", PROTOCOLS, ids=SHORT.get)
def test_interleaved_parallel_calls_from_chat_vendor(matrix: Matrix, client: str):
    # Some Chat vendors interleave the argument fragments of parallel calls; weir must route
    # every fragment by its call index.
    reply = scenario_reply("tools", "openai-chat") | {"interleave_tool_calls": True, "chunk_chars": 3}
    matrix.emulator.reply(**reply)

    # (The Chat SDK's own `arguments.done` events are wrong for interleaved calls; weir passes a
    # Chat vendor's stream through to a Chat client unchanged.)
    params = request_params(client, "openai-chat", "tools")
    final, _ = stream_final(client, matrix.client(client), params, sequential_calls=client != "openai-chat")

    check_final(client, "openai-chat", final, reply)


@pytest.mark.parametrize("upstream", PROTOCOLS, ids=SHORT.get)
def test_chat_stream_without_include_usage_has_no_usage_chunk(matrix: Matrix, upstream: str):
    reply = scenario_reply("text", upstream)
    matrix.emulator.reply(**reply)

    params = request_params("openai-chat", upstream, "text")
    chunks = list(matrix.client("openai-chat").chat.completions.create(**params, stream=True))

    assert all(len(c.choices) == 1 and c.choices[0].index == 0 for c in chunks), "no usage-only chunk"
    assert all(c.usage is None for c in chunks)
    assert "".join(c.choices[0].delta.content or "" for c in chunks) == reply["text"]
    assert [c.choices[0].finish_reason for c in chunks].count("stop") == 1
    assert chunks[-1].choices[0].finish_reason == "stop"
    assert len({c.id for c in chunks}) == 1 and {c.model for c in chunks} == {via(upstream)}


# ---------------------------------------------------------------------------------------------
# Failures: each client protocol through one translated pair, on a weir of its own.

LONG_TEXT = "alpha beta gamma delta epsilon zeta eta theta iota kappa lambda mu"

#: Per client protocol: the vendor protocol behind it, and how many frames the vendor sends
#: before the connection breaks (enough for the first 18 characters of `LONG_TEXT`).
MID_STREAM = {
    # Chat: the role chunk, three content chunks of 6 characters.
    "anthropic": ("openai-chat", 4),
    # Responses: created, in_progress, output_item.added, content_part.added, three deltas.
    "openai-chat": ("openai-responses", 7),
    # Anthropic: message_start, ping, content_block_start, three text deltas.
    "openai-responses": ("anthropic", 6),
}


@pytest.mark.parametrize("fault", ["die_after_events", "error_event_after_events"], ids=["dies", "error-event"])
@pytest.mark.parametrize(
    "client", PROTOCOLS, ids=[f"{SHORT[c]}-to-{SHORT[MID_STREAM[c][0]]}" for c in PROTOCOLS]
)
def test_vendor_fails_mid_stream(fresh: Matrix, client: str, fault: str):
    # The vendor breaks the connection, or sends its protocol's in-stream error, after some text.
    upstream, events = MID_STREAM[client]
    fresh.emulator.reply(text=LONG_TEXT, chunk_chars=6, fault={"kind": fault, "events": events})
    c = fresh.client(client)
    params = request_params(client, upstream, "text")
    received: list[str] = []

    if client == "anthropic":
        with pytest.raises(anthropic.APIStatusError) as caught:
            with c.messages.stream(**params) as stream:
                for piece in stream.text_stream:
                    received.append(piece)
                stream.get_final_message()
        err = caught.value
        # An in-stream `event: error` after a 200: the SDK raises the base class.
        assert type(err) is anthropic.APIStatusError
        assert isinstance(err.body, dict) and err.body.get("type") == "error", err.body
        assert err.type and err.api_message
    elif client == "openai-chat":
        with pytest.raises(openai.APIError) as caught:
            with c.chat.completions.stream(**params) as stream:
                for event in stream:
                    if event.type == "content.delta":
                        received.append(event.delta)
                stream.get_final_completion()
        err = caught.value
        assert not isinstance(err, openai.APIConnectionError), (
            "weir must end the stream with an error chunk, not break the client's connection"
        )
        assert type(err) is openai.APIError
        assert isinstance(err.body, dict) and err.body.get("message"), err.body
    else:
        with c.responses.stream(**params) as stream:
            # The SDK hands `error` and `response.failed` to the caller as events, and refuses
            # a final response without `response.completed`.
            events_seen = list(stream)
            with pytest.raises(RuntimeError, match="response.completed"):
                stream.get_final_response()
        types = [e.type for e in events_seen]
        assert types[0] == "response.created"
        assert types[-1] == "response.failed", types
        assert "response.completed" not in types
        failed = events_seen[-1]
        assert failed.response.status == "failed"
        assert failed.response.error is not None and failed.response.error.code
        received = [e.delta for e in events_seen if e.type == "response.output_text.delta"]

    assert "".join(received) == LONG_TEXT[:18], "what the vendor sent before the break must arrive"
    assert len(fresh.emulator.requests()) == 1


CONTEXT_OVERFLOW_CHAT = {
    "kind": "status",
    "status": 400,
    "message": "This model's maximum context length is 128000 tokens. However, your messages resulted in 210000 tokens.",
    "error_type": "invalid_request_error",
    "code": "context_length_exceeded",
}
CONTEXT_OVERFLOW_ANTHROPIC = {
    "kind": "status",
    "status": 400,
    "message": "prompt is too long: 210000 tokens > 200000 maximum",
    "error_type": "invalid_request_error",
}


@pytest.mark.parametrize("streaming", [False, True], ids=["create", "stream"])
def test_anthropic_client_gets_context_overflow_from_chat_vendor(fresh: Matrix, streaming: bool):
    fresh.emulator.reply(fault=CONTEXT_OVERFLOW_CHAT)
    c = fresh.client("anthropic")
    params = request_params("anthropic", "openai-chat", "text")

    with pytest.raises(anthropic.APIStatusError) as caught:
        if streaming:
            with c.messages.stream(**params) as stream:
                stream.get_final_message()
        else:
            c.messages.create(**params)

    err = caught.value
    assert type(err) is anthropic.BadRequestError, "a vendor 4xx must stay a 4xx (Claude Code compacts)"
    assert err.status_code == 400
    assert err.type == "invalid_request_error"
    assert "prompt is too long" in err.api_message.lower()
    assert err.body["type"] == "error"
    assert len(fresh.emulator.requests()) == 1


@pytest.mark.parametrize("streaming", [False, True], ids=["create", "stream"])
def test_responses_client_gets_context_overflow_from_anthropic_vendor(fresh: Matrix, streaming: bool):
    fresh.emulator.reply(fault=CONTEXT_OVERFLOW_ANTHROPIC)
    c = fresh.client("openai-responses")
    params = request_params("openai-responses", "anthropic", "text")

    with pytest.raises(openai.APIStatusError) as caught:
        if streaming:
            with c.responses.stream(**params) as stream:
                stream.get_final_response()
        else:
            c.responses.create(**params)

    err = caught.value
    assert type(err) is openai.BadRequestError
    assert err.status_code == 400
    assert err.code == "context_length_exceeded", "Codex acts on this code"
    assert "prompt is too long" in err.message
    assert len(fresh.emulator.requests()) == 1


@pytest.mark.parametrize("streaming", [False, True], ids=["create", "stream"])
def test_chat_client_gets_rate_limit_from_responses_vendor(fresh: Matrix, streaming: bool):
    fresh.emulator.reply(fault={"kind": "status", "status": 429, "retry_after": 60})
    c = fresh.client("openai-chat")
    params = request_params("openai-chat", "openai-responses", "text")

    with pytest.raises(openai.APIStatusError) as caught:
        if streaming:
            with c.chat.completions.stream(**params) as stream:
                stream.get_final_completion()
        else:
            c.chat.completions.create(**params)

    err = caught.value
    assert type(err) is openai.RateLimitError
    assert err.status_code == 429
    assert err.code == "rate_limit_exceeded"
    assert err.response.headers.get("retry-after") == "60"
    assert len(fresh.emulator.requests()) == 1, "a 60 s Retry-After is beyond max_wait: no second try"


# ---------------------------------------------------------------------------------------------
# A second turn: the client sends the tool results back through a translated pair.

#: Per client protocol, the vendor protocol behind it.
TOOL_LOOP = {"anthropic": "openai-responses", "openai-chat": "anthropic", "openai-responses": "openai-chat"}
RESULTS = {"get_weather": "18 degrees Celsius, light rain", "get_time": "14:05 CEST"}
FINAL_TEXT = "In Paris it is 18 degrees with light rain, and the time is 14:05."


@pytest.mark.parametrize("client", PROTOCOLS, ids=[f"{SHORT[c]}-to-{SHORT[TOOL_LOOP[c]]}" for c in PROTOCOLS])
def test_tool_results_reach_the_vendor_linked_by_id(matrix: Matrix, client: str):
    upstream = TOOL_LOOP[client]
    first = scenario_reply("tools", upstream)
    second = {"text": FINAL_TEXT, "usage": {"input_tokens": 88, "output_tokens": 16}}
    matrix.emulator.script(
        {"rules": [{"when": {"last_is_tool_result": True}, "reply": second}], "default": first}
    )
    c = matrix.client(client)
    params = request_params(client, upstream, "tools")

    # Turn 1: the model calls both tools.
    turn1, _ = stream_final(client, c, params)
    check_final(client, upstream, turn1, first)
    calls = summarize(client, turn1)["calls"]
    ids = [call_id for call_id, _, _ in calls]

    # Turn 2: the client runs them and sends the results back, as each SDK's users do.
    if client == "anthropic":
        params["messages"] = params["messages"] + [
            {"role": "assistant", "content": [b.model_dump(exclude_none=True) for b in turn1.content]},
            {
                "role": "user",
                "content": [
                    # The time lookup failed: A marks it `is_error`, which the vendor must see.
                    {"type": "tool_result", "tool_use_id": i, "content": RESULTS[name]}
                    | ({"is_error": True} if name == "get_time" else {})
                    for i, name, _ in calls
                ],
            },
        ]
    elif client == "openai-chat":
        message = turn1.choices[0].message
        params["messages"] = params["messages"] + [
            {
                "role": "assistant",
                "content": message.content,
                "tool_calls": [
                    {"id": t.id, "type": "function", "function": {"name": t.function.name, "arguments": t.function.arguments}}
                    for t in message.tool_calls
                ],
            },
            *({"role": "tool", "tool_call_id": i, "content": RESULTS[name]} for i, name, _ in calls),
        ]
    else:
        replayed: list[dict[str, Any]] = []
        for item in turn1.output:
            if item.type == "message":
                replayed.append(
                    {"type": "message", "role": "assistant", "content": [{"type": "output_text", "text": turn1.output_text}]}
                )
            else:
                replayed.append(
                    {"type": "function_call", "id": item.id, "call_id": item.call_id, "name": item.name, "arguments": item.arguments}
                )
        params["input"] = [{"role": "user", "content": QUESTION}, *replayed] + [
            {"type": "function_call_output", "call_id": i, "output": RESULTS[name]} for i, name, _ in calls
        ]
    turn2, streamed = stream_final(client, c, params)

    check_final(client, upstream, turn2, second)
    assert streamed == FINAL_TEXT

    # What the vendor got on turn 2, in its own protocol: each result after its call, same id.
    _, seen = matrix.emulator.requests()
    body = seen["json"]
    assert seen["path"] == UPSTREAM_PATH[upstream]
    expected_results = [(i, RESULTS[name]) for i, name, _ in calls]

    def check_results(got: list[tuple[str, str]]) -> None:
        assert [i for i, _ in got] == [i for i, _ in expected_results], "results linked by id, in order"
        for (_, text), (i, name, _) in zip(got, calls):
            if client == "anthropic" and name == "get_time":
                # C and R have no error flag: the text says it (protocols.md §2.4).
                assert text.endswith(RESULTS[name]) and "error" in text.lower(), text
            else:
                assert text == RESULTS[name]
    expected_calls = [(i, name, args) for i, name, args in calls]
    if upstream == "anthropic":
        *_, assistant, results = body["messages"]
        assert assistant["role"] == "assistant"
        uses = [b for b in assistant["content"] if b["type"] == "tool_use"]
        assert [(b["id"], b["name"], b["input"]) for b in uses] == expected_calls
        assert results["role"] == "user"
        got = [
            (b["tool_use_id"], b["content"] if isinstance(b["content"], str) else "".join(p["text"] for p in b["content"]))
            for b in results["content"]
        ]
        check_results(got)
        assert all(b["type"] == "tool_result" for b in results["content"])
    elif upstream == "openai-chat":
        messages = body["messages"]
        [k] = [n for n, m in enumerate(messages) if m.get("tool_calls")]
        assistant = messages[k]
        assert assistant["role"] == "assistant"
        got_calls = [(t["id"], t["function"]["name"], json.loads(t["function"]["arguments"])) for t in assistant["tool_calls"]]
        assert got_calls == expected_calls
        tool_messages = messages[k + 1 :]
        assert [m["role"] for m in tool_messages] == ["tool", "tool"], "each result right after the call"
        got = [
            (m["tool_call_id"], m["content"] if isinstance(m["content"], str) else "".join(p["text"] for p in m["content"]))
            for m in tool_messages
        ]
        check_results(got)
    else:
        items = [i for i in body["input"] if i.get("type") in ("function_call", "function_call_output")]
        got_calls = [(i["call_id"], i["name"], json.loads(i["arguments"])) for i in items if i["type"] == "function_call"]
        assert got_calls == expected_calls
        outputs = [i for i in items if i["type"] == "function_call_output"]
        got = [
            (i["call_id"], i["output"] if isinstance(i["output"], str) else "".join(p["text"] for p in i["output"]))
            for i in outputs
        ]
        check_results(got)
        assert [i["type"] for i in items] == ["function_call"] * 2 + ["function_call_output"] * 2
        assert body["input"][-1]["type"] == "function_call_output"


def test_responses_reasoning_round_trip_to_anthropic_vendor(matrix: Matrix):
    # Codex asks for `reasoning.encrypted_content` and sends its reasoning items back; a Claude
    # vendor must get its thinking block back with the signature it made (protocols.md §2.4).
    thinking = "Two lookups are needed: the weather and the time."
    first = scenario_reply("tools", "anthropic") | {"thinking": thinking}
    second = {"text": FINAL_TEXT, "usage": {"input_tokens": 90, "output_tokens": 16}}
    matrix.emulator.script(
        {"rules": [{"when": {"last_is_tool_result": True}, "reply": second}], "default": first}
    )
    c = matrix.client("openai-responses")
    params = request_params("openai-responses", "anthropic", "thinking") | {
        "tools": tools_for("openai-responses"),
        "include": ["reasoning.encrypted_content"],
        "store": False,
    }

    turn1, _ = stream_final("openai-responses", c, params)
    check_final("openai-responses", "anthropic", turn1, first)
    reasoning = turn1.output[0]
    assert reasoning.type == "reasoning" and reasoning.encrypted_content, reasoning

    params["input"] = [{"role": "user", "content": QUESTION}] + [
        unparsed(item.model_dump(exclude_none=True)) for item in turn1.output
    ] + [
        {"type": "function_call_output", "call_id": call_id, "output": RESULTS[name]}
        for call_id, name, _ in summarize("openai-responses", turn1)["calls"]
    ]
    turn2, _ = stream_final("openai-responses", c, params)
    check_final("openai-responses", "anthropic", turn2, second)

    # The thinking block went back to the vendor first in the assistant turn, with a signature.
    first_seen, second_seen = matrix.emulator.requests()
    *_, assistant, results = second_seen["json"]["messages"]
    assert [b["type"] for b in assistant["content"]] == ["thinking", "text", "tool_use", "tool_use"]
    block = assistant["content"][0]
    assert block["thinking"] == thinking
    # weir hands the client `weir1:<vendor>:<base64url JSON {"s": signature}>` and unpacks it.
    tag, vendor_name, packed = reasoning.encrypted_content.split(":", 2)
    assert (tag, vendor_name) == ("weir1", "anth"), reasoning.encrypted_content
    signature = json.loads(base64.urlsafe_b64decode(packed + "=" * (-len(packed) % 4)))["s"]
    assert block["signature"] == signature and signature, block
    assert [b["type"] for b in results["content"]] == ["tool_result", "tool_result"]
    assert second_seen["json"].get("thinking", {}).get("type") == "enabled", "thinking stays on"
