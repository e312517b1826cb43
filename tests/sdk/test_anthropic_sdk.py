"""The official `anthropic` SDK as a client of weir, with the vendor emulator behind weir."""

from __future__ import annotations

import json
import math
from datetime import datetime

import anthropic
import pytest

from harness import BASE, CLIENT_KEY, VENDOR_KEY, retry, route, vendor

MODEL = "claude-sonnet-4-6"
TARGET = "emulated-model"
USER = [{"role": "user", "content": "What is the weather in Paris, and what time is it there?"}]

TOOLS = [
    {
        "name": "get_weather",
        "description": "Current weather for a city.",
        "input_schema": {
            "type": "object",
            "properties": {"city": {"type": "string"}, "unit": {"type": "string"}},
            "required": ["city"],
        },
    },
    {
        "name": "get_time",
        "description": "Current time in a time zone.",
        "input_schema": {
            "type": "object",
            "properties": {"timezone": {"type": "string"}},
            "required": ["timezone"],
        },
    },
]


def client(w) -> anthropic.Anthropic:
    return anthropic.Anthropic(base_url=w.url, api_key=CLIENT_KEY, max_retries=0, timeout=15.0)


@pytest.fixture
def anth(emulator, weir):
    """weir with one Anthropic vendor (the emulator) serving `claude-*` as `emulated-model`."""
    config = (
        BASE
        + vendor("anth", "anthropic", emulator, count_tokens=True)
        + route([MODEL, "claude-*"], [f"anth:{TARGET}"])
        + retry(max_wait="0s", failure_cooldown="30s")
    )
    return weir(config)


def test_messages_create(emulator, anth):
    emulator.reply(text="Hello from the emulator.", usage={"input_tokens": 13, "output_tokens": 6})

    message = client(anth).messages.create(model=MODEL, max_tokens=64, messages=USER)

    assert message.type == "message"
    assert message.role == "assistant"
    assert [b.type for b in message.content] == ["text"]
    assert message.content[0].text == "Hello from the emulator."
    assert message.model == MODEL, "the client must see the model name it asked for"
    assert message.stop_reason == "end_turn"
    assert message.usage.input_tokens == 13
    assert message.usage.output_tokens == 6
    assert message._request_id is not None and message._request_id.startswith("req_")

    [seen] = emulator.requests()
    assert seen["method"] == "POST"
    assert seen["path"] == "/v1/messages"
    assert seen["json"]["model"] == TARGET, "the vendor must get the target's model name"
    assert {k: v for k, v in seen["json"].items() if k != "model"} == {"max_tokens": 64, "messages": USER}
    assert seen["headers"].get("x-api-key") == VENDOR_KEY
    leaked = [name for name, value in seen["headers"].items() if CLIENT_KEY in value]
    assert not leaked, f"the client's key reached the vendor in {leaked}"


def test_stream_text_and_parallel_tool_calls(emulator, anth):
    text = "Let me look up both for you."
    weather = {"city": "Paris", "unit": "celsius"}
    time_args = {"timezone": "Europe/Paris"}
    emulator.reply(
        text=text,
        tool_calls=[
            {"id": "toolu_01WeatherParis000000000", "name": "get_weather", "arguments": json.dumps(weather)},
            {"name": "get_time", "arguments": json.dumps(time_args)},
        ],
        chunk_chars=5,
    )

    with client(anth).messages.stream(model=MODEL, max_tokens=256, messages=USER, tools=TOOLS) as stream:
        streamed_text = "".join(stream.text_stream)
        final = stream.get_final_message()

    assert streamed_text == text
    assert final.model == MODEL
    assert [b.type for b in final.content] == ["text", "tool_use", "tool_use"]
    assert final.content[0].text == text
    first, second = final.content[1], final.content[2]
    assert (first.name, first.input) == ("get_weather", weather)
    assert (second.name, second.input) == ("get_time", time_args)
    assert first.id == "toolu_01WeatherParis000000000"
    assert second.id.startswith("toolu_") and second.id != first.id
    assert final.stop_reason == "tool_use"
    assert final.usage.output_tokens > 0

    [seen] = emulator.requests()
    assert seen["json"]["model"] == TARGET
    assert seen["json"]["stream"] is True
    assert seen["json"]["tools"] == TOOLS


@pytest.mark.parametrize("streaming", [False, True], ids=["create", "stream"])
def test_thinking_block_comes_first(emulator, anth, streaming):
    thinking = "The user wants the answer to everything; that is well known."
    emulator.reply(thinking=thinking, text="42", chunk_chars=7)
    params = dict(
        model=MODEL,
        max_tokens=2048,
        thinking={"type": "enabled", "budget_tokens": 1024},
        messages=[{"role": "user", "content": "What is the answer?"}],
    )

    c = client(anth)
    if streaming:
        with c.messages.stream(**params) as stream:
            message = stream.get_final_message()
    else:
        message = c.messages.create(**params)

    assert [b.type for b in message.content] == ["thinking", "text"]
    assert message.content[0].thinking == thinking
    assert message.content[0].signature, "the thinking block must keep its signature"
    assert message.content[1].text == "42"
    assert message.model == MODEL


def test_count_tokens(emulator, anth):
    result = client(anth).messages.count_tokens(model=MODEL, messages=USER)

    [seen] = emulator.requests()
    assert seen["path"] == "/v1/messages/count_tokens"
    assert seen["json"]["model"] == TARGET
    assert seen["headers"].get("x-api-key") == VENDOR_KEY
    # The emulator counts ceil(body bytes / 4): the answer is the vendor's, for the body it got.
    assert result.input_tokens == math.ceil(len(seen["body"].encode()) / 4)
    assert result.input_tokens > 0


def test_models_list(emulator, anth):
    page = client(anth).models.list()

    ids = [m.id for m in page.data]
    assert MODEL in ids, f"the literal model of the route must be listed: {ids}"
    assert "claude-*" not in ids, "globs are not model names"
    assert len(ids) == len(set(ids)), f"duplicates in {ids}"
    for m in page.data:
        assert m.type == "model"
        assert isinstance(m.display_name, str) and m.display_name
        assert isinstance(m.created_at, datetime)
    assert page.has_more is False
    assert [m.id for m in page] == ids, "auto-pagination must stop after the one page"
    assert emulator.requests() == [], "the listing is weir's own"


def test_unrouted_model_is_not_found(emulator, anth):
    with pytest.raises(anthropic.NotFoundError) as caught:
        client(anth).messages.create(model="gpt-4o", max_tokens=16, messages=USER)

    err = caught.value
    assert err.status_code == 404
    assert err.type == "not_found_error"
    assert err.body["type"] == "error"
    assert "gpt-4o" in err.api_message
    assert err.request_id is not None and err.request_id.startswith("req_")
    assert emulator.requests() == []


def test_overloaded_only_target(emulator, anth):
    emulator.reply(fault={"kind": "status", "status": 529})

    with pytest.raises(anthropic.APIStatusError) as caught:
        client(anth).messages.create(model=MODEL, max_tokens=16, messages=USER)

    # anthropic maps (529, no error code) to OverloadedError (a subclass of InternalServerError).
    assert type(caught.value) is anthropic.OverloadedError
    assert caught.value.status_code == 529
    assert caught.value.type == "overloaded_error"
    assert len(emulator.requests()) == 1


def test_overloaded_target_cools_down(emulator, anth):
    emulator.reply(fault={"kind": "status", "status": 529})
    c = client(anth)
    with pytest.raises(anthropic.OverloadedError):
        c.messages.create(model=MODEL, max_tokens=16, messages=USER)
    assert len(emulator.requests()) == 1

    # The vendor is healthy again, but weir skips it for its cool-down and answers itself.
    emulator.reply(text="back")
    with pytest.raises(anthropic.APIStatusError) as caught:
        c.messages.create(model=MODEL, max_tokens=16, messages=USER)

    err = caught.value
    assert type(err) is anthropic.OverloadedError
    assert err.type == "overloaded_error"
    retry_after = err.response.headers.get("retry-after")
    assert retry_after is not None, "a cooling target's error must say when to come back"
    assert 1 <= int(retry_after) <= 30
    assert len(emulator.requests()) == 1, "weir must not call a vendor during its cool-down"


def test_stream_dies_mid_stream(emulator, anth):
    text = "alpha beta gamma delta epsilon zeta eta theta"
    # Frames: message_start, ping, content_block_start, two text deltas of 6 characters; then
    # the connection breaks.
    emulator.reply(text=text, chunk_chars=6, fault={"kind": "die_after_events", "events": 5})

    received: list[str] = []
    with pytest.raises(anthropic.APIStatusError) as caught:
        with client(anth).messages.stream(model=MODEL, max_tokens=256, messages=USER) as stream:
            for piece in stream.text_stream:
                received.append(piece)
            stream.get_final_message()

    err = caught.value
    # An in-stream `event: error`: the HTTP status was 200, so the SDK raises the base class.
    assert isinstance(err.body, dict) and err.body.get("type") == "error", err.body
    assert err.type, "the error event must carry an error type"
    assert err.api_message, "the error event must carry a message"
    assert "".join(received) == text[:12], "what the vendor sent before the break must arrive"


@pytest.mark.parametrize("streaming", [False, True], ids=["create", "stream"])
def test_failover_from_overloaded_target(emulator, weir, streaming):
    config = (
        BASE
        + vendor("first", "anthropic", emulator)
        + vendor("second", "anthropic", emulator)
        + route(["claude-*"], ["first:model-a", "second:model-b"])
        + retry(max_wait="0s")
    )
    w = weir(config)
    emulator.script(
        {
            "rules": [{"when": {"model": "model-a"}, "reply": {"fault": {"kind": "status", "status": 529}}}],
            "default": {"text": "Answered by the second target."},
        }
    )

    c = client(w)
    if streaming:
        with c.messages.stream(model=MODEL, max_tokens=64, messages=USER) as stream:
            message = stream.get_final_message()
            vendor_header = stream.response.headers.get("x-weir-vendor")
    else:
        raw = c.messages.with_raw_response.create(model=MODEL, max_tokens=64, messages=USER)
        message = raw.parse()
        vendor_header = raw.headers.get("x-weir-vendor")

    assert [b.text for b in message.content] == ["Answered by the second target."]
    assert message.model == MODEL
    assert vendor_header == "second"
    assert [r["json"]["model"] for r in emulator.requests()] == ["model-a", "model-b"]
