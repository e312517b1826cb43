"""The official `openai` SDK as a client of weir, with the vendor emulator behind weir."""

from __future__ import annotations

import json

import openai
import pytest

from harness import BASE, CLIENT_KEY, VENDOR_KEY, retry, route, vendor

MODEL = "gpt-4.1"
CHAT_TARGET = "emulated-chat"
RESPONSES_TARGET = "emulated-responses"
MESSAGES = [{"role": "user", "content": "What is the weather in Paris, and what time is it there?"}]

CHAT_TOOLS = [
    {
        "type": "function",
        "function": {
            "name": "get_weather",
            "description": "Current weather for a city.",
            "parameters": {
                "type": "object",
                "properties": {"city": {"type": "string"}, "unit": {"type": "string"}},
                "required": ["city", "unit"],
                "additionalProperties": False,
            },
            "strict": True,
        },
    },
    {
        "type": "function",
        "function": {
            "name": "get_time",
            "description": "Current time in a time zone.",
            "parameters": {
                "type": "object",
                "properties": {"timezone": {"type": "string"}},
                "required": ["timezone"],
                "additionalProperties": False,
            },
            "strict": True,
        },
    },
]

RESPONSES_TOOLS = [
    {
        "type": "function",
        "name": "get_weather",
        "description": "Current weather for a city.",
        "parameters": {
            "type": "object",
            "properties": {"city": {"type": "string"}},
            "required": ["city"],
            "additionalProperties": False,
        },
        "strict": True,
    }
]


def client(w) -> openai.OpenAI:
    return openai.OpenAI(base_url=w.openai_url, api_key=CLIENT_KEY, max_retries=0, timeout=15.0)


@pytest.fixture
def chat(emulator, weir):
    """weir with one Chat Completions vendor (the emulator) serving `gpt-*` as `emulated-chat`."""
    return weir(
        BASE
        + vendor("chat", "openai-chat", emulator)
        + route(["gpt-*"], [f"chat:{CHAT_TARGET}"])
        + retry(max_wait="0s")
    )


@pytest.fixture
def responses(emulator, weir):
    """weir with one Responses vendor (the emulator) serving `gpt-*` as `emulated-responses`."""
    return weir(
        BASE
        + vendor("resp", "openai-responses", emulator)
        + route(["gpt-*"], [f"resp:{RESPONSES_TARGET}"])
        + retry(max_wait="0s")
    )


def assert_vendor_request(seen: dict, path: str, model: str) -> None:
    assert seen["method"] == "POST"
    assert seen["path"] == path
    assert seen["json"]["model"] == model, "the vendor must get the target's model name"
    assert seen["headers"].get("authorization") == f"Bearer {VENDOR_KEY}"
    leaked = [name for name, value in seen["headers"].items() if CLIENT_KEY in value]
    assert not leaked, f"the client's key reached the vendor in {leaked}"


# ---------------------------------------------------------------------------------------------
# Chat Completions


def test_chat_completions_create(emulator, chat):
    emulator.reply(text="Hello from the emulator.", usage={"input_tokens": 11, "output_tokens": 7})

    completion = client(chat).chat.completions.create(model=MODEL, messages=MESSAGES)

    assert completion.object == "chat.completion"
    assert completion.model == MODEL, "the client must see the model name it asked for"
    [choice] = completion.choices
    assert choice.index == 0
    assert choice.message.role == "assistant"
    assert choice.message.content == "Hello from the emulator."
    assert choice.finish_reason == "stop"
    assert completion.usage is not None
    assert (completion.usage.prompt_tokens, completion.usage.completion_tokens) == (11, 7)
    assert completion.usage.total_tokens == 18
    assert completion._request_id is not None and completion._request_id.startswith("req_")

    [seen] = emulator.requests()
    assert_vendor_request(seen, "/v1/chat/completions", CHAT_TARGET)
    assert {k: v for k, v in seen["json"].items() if k != "model"} == {"messages": MESSAGES}


def test_chat_stream_helper_parallel_tool_calls(emulator, chat):
    weather = {"city": "Paris", "unit": "celsius"}
    time_args = {"timezone": "Europe/Paris"}
    emulator.reply(
        tool_calls=[
            {"name": "get_weather", "arguments": json.dumps(weather)},
            {"name": "get_time", "arguments": json.dumps(time_args)},
        ],
        # Sequential fragments, as OpenAI sends them: the SDK's helper takes a call as done
        # when the next index appears (it cannot accumulate interleaved strict-tool calls).
        chunk_chars=4,
    )

    with client(chat).chat.completions.stream(model=MODEL, messages=MESSAGES, tools=CHAT_TOOLS) as stream:
        done = [e for e in stream if e.type == "tool_calls.function.arguments.done"]
        final = stream.get_final_completion()

    assert final.model == MODEL
    [choice] = final.choices
    assert choice.index == 0
    assert choice.finish_reason == "tool_calls"
    calls = choice.message.tool_calls
    assert calls is not None and len(calls) == 2
    assert len({c.id for c in calls}) == 2, f"tool call ids must be distinct: {[c.id for c in calls]}"
    assert all(c.id for c in calls)
    assert [c.function.name for c in calls] == ["get_weather", "get_time"]
    assert [json.loads(c.function.arguments) for c in calls] == [weather, time_args]
    assert [c.function.parsed_arguments for c in calls] == [weather, time_args]
    assert sorted(e.index for e in done) == [0, 1]

    [seen] = emulator.requests()
    assert_vendor_request(seen, "/v1/chat/completions", CHAT_TARGET)
    assert seen["json"]["stream"] is True
    assert seen["json"]["tools"] == CHAT_TOOLS


def test_chat_raw_stream_with_usage(emulator, chat):
    text = "Streaming through weir, chunk by chunk."
    emulator.reply(text=text, usage={"input_tokens": 21, "output_tokens": 9}, chunk_chars=6)

    stream = client(chat).chat.completions.create(
        model=MODEL, messages=MESSAGES, stream=True, stream_options={"include_usage": True}
    )
    chunks = list(stream)

    assert len(chunks) >= 3
    *content_chunks, last = chunks
    assert last.choices == []
    assert last.usage is not None
    assert (last.usage.prompt_tokens, last.usage.completion_tokens, last.usage.total_tokens) == (21, 9, 30)
    assert all(len(c.choices) == 1 and c.choices[0].index == 0 for c in content_chunks)
    assert "".join(c.choices[0].delta.content or "" for c in content_chunks) == text
    assert content_chunks[-1].choices[0].finish_reason == "stop"
    assert {c.model for c in chunks} == {MODEL}, "every chunk must carry the client's model name"
    assert len({c.id for c in chunks}) == 1

    [seen] = emulator.requests()
    assert_vendor_request(seen, "/v1/chat/completions", CHAT_TARGET)
    assert seen["json"]["stream_options"] == {"include_usage": True}


def test_chat_models_list(emulator, chat):
    ids = [m.id for m in client(chat).models.list()]

    assert CHAT_TARGET in ids, f"the route's target model must be listed: {ids}"
    assert "gpt-*" not in ids, "globs are not model names"
    assert emulator.requests() == [], "the listing is weir's own"


def test_rate_limited_only_target(emulator, chat):
    emulator.reply(fault={"kind": "status", "status": 429, "retry_after": 60})

    with pytest.raises(openai.APIStatusError) as caught:
        client(chat).chat.completions.create(model=MODEL, messages=MESSAGES)

    err = caught.value
    assert type(err) is openai.RateLimitError
    assert err.status_code == 429
    assert err.response.headers.get("retry-after") == "60"
    assert err.code == "rate_limit_exceeded"
    assert err.request_id is not None and err.request_id.startswith("req_")
    assert len(emulator.requests()) == 1, "a 60 s Retry-After is beyond max_wait: no second try"


def test_chat_stream_dies_mid_stream(emulator, chat):
    text = "alpha beta gamma delta epsilon zeta eta theta"
    # Frames: the role chunk, then three content chunks of 6 characters; then the connection
    # breaks.
    emulator.reply(text=text, chunk_chars=6, fault={"kind": "die_after_events", "events": 4})

    received: list[str] = []
    with pytest.raises(openai.APIError) as caught:
        for chunk in client(chat).chat.completions.create(model=MODEL, messages=MESSAGES, stream=True):
            received.append(chunk.choices[0].delta.content or "")

    err = caught.value
    assert not isinstance(err, openai.APIConnectionError), (
        "weir must end the stream with an error chunk, not break the client's connection"
    )
    assert type(err) is openai.APIError
    assert isinstance(err.body, dict) and err.body.get("message"), err.body
    assert err.type, "the error chunk must carry an error type"
    assert "".join(received) == text[:18], "what the vendor sent before the break must arrive"


# ---------------------------------------------------------------------------------------------
# Responses


def test_responses_create(emulator, responses):
    emulator.reply(text="Hello from the emulator.", usage={"input_tokens": 17, "output_tokens": 5})

    response = client(responses).responses.create(model=MODEL, input="Say hello.")

    assert response.object == "response"
    assert response.status == "completed"
    assert response.output_text == "Hello from the emulator."
    assert response.model == MODEL, "the client must see the model name it asked for"
    assert response.usage is not None
    assert (response.usage.input_tokens, response.usage.output_tokens) == (17, 5)
    assert response._request_id is not None and response._request_id.startswith("req_")

    [seen] = emulator.requests()
    assert_vendor_request(seen, "/v1/responses", RESPONSES_TARGET)
    assert {k: v for k, v in seen["json"].items() if k != "model"} == {"input": "Say hello."}


def test_responses_stream_helper(emulator, responses):
    text = "Checking the weather for you."
    arguments = {"city": "Paris"}
    emulator.reply(
        text=text,
        tool_calls=[{"id": "call_weather_paris_1", "name": "get_weather", "arguments": json.dumps(arguments)}],
        chunk_chars=5,
    )

    with client(responses).responses.stream(model=MODEL, input="Weather in Paris?", tools=RESPONSES_TOOLS) as stream:
        deltas = [e.delta for e in stream if e.type == "response.output_text.delta"]
        final = stream.get_final_response()

    assert "".join(deltas) == text
    assert final.status == "completed"
    assert final.model == MODEL
    assert final.output_text == text
    assert [item.type for item in final.output] == ["message", "function_call"]
    call = final.output[1]
    assert call.call_id == "call_weather_paris_1"
    assert call.name == "get_weather"
    assert json.loads(call.arguments) == arguments
    assert call.parsed_arguments == arguments

    [seen] = emulator.requests()
    assert_vendor_request(seen, "/v1/responses", RESPONSES_TARGET)
    assert seen["json"]["stream"] is True


def test_responses_stream_dies_mid_stream(emulator, responses):
    text = "alpha beta gamma delta epsilon zeta eta theta"
    # Frames: response.created, response.in_progress, output_item.added, content_part.added and
    # two text deltas of 6 characters; then the connection breaks.
    emulator.reply(text=text, chunk_chars=6, fault={"kind": "die_after_events", "events": 6})

    with client(responses).responses.stream(model=MODEL, input="Say a lot.") as stream:
        # The SDK raises nothing for these events (`error` and `response.failed` carry no
        # top-level "error" key); it hands them to the caller as events.
        events = list(stream)
        with pytest.raises(RuntimeError, match="response.completed"):
            stream.get_final_response()

    types = [e.type for e in events]
    assert types[:2] == ["response.created", "response.in_progress"]
    assert types[-2:] == ["error", "response.failed"], types
    assert "response.completed" not in types
    assert "".join(e.delta for e in events if e.type == "response.output_text.delta") == text[:12]

    error, failed = events[-2], events[-1]
    assert error.code and error.message
    assert failed.response.status == "failed"
    assert failed.response.error is not None and failed.response.error.code == error.code
    assert failed.response.id == events[0].response.id, "response.failed must name the same response"
    assert [e.sequence_number for e in events] == list(range(len(events))), "sequence numbers must run on"
