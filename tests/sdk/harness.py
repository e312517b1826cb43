"""Processes and helpers for the SDK tests: the vendor emulator, weir, and their configuration.

Everything listens on 127.0.0.1 with an ephemeral port. Every process started here is owned by a
fixture that stops it at teardown; on Linux each also gets a parent-death signal, so that none
outlives a test run that is killed.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]
WEIR_BIN = os.environ.get("WEIR_BIN") or str(REPO / "target" / "debug" / "weir")
EMULATOR_BIN = os.environ.get("EMULATOR_BIN") or str(REPO / "target" / "debug" / "weir-emulator")

#: The key weir holds for every test vendor (through `api_key = "env:WEIR_SDK_TEST_VENDOR_KEY"`).
VENDOR_KEY = "sk-vendor-key-held-by-weir-0123456789"
#: The key the SDK clients send to weir; it must never reach a vendor.
CLIENT_KEY = "sk-client-key-that-must-not-leave-weir"

START_TIMEOUT = 10.0

# Loopback traffic must never go through a proxy (the SDKs' HTTP clients honour the proxy
# variables, and so does urllib).
for _name in ("NO_PROXY", "no_proxy"):
    _hosts = [h for h in os.environ.get(_name, "").split(",") if h]
    for _host in ("127.0.0.1", "localhost"):
        if _host not in _hosts:
            _hosts.append(_host)
    os.environ[_name] = ",".join(_hosts)

_direct = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def http(method: str, url: str, body: Any = None, timeout: float = 5.0) -> tuple[int, bytes]:
    """A plain HTTP request without proxies; returns (status, body) for any status."""
    data = None
    headers = {}
    if body is not None:
        data = json.dumps(body).encode()
        headers["content-type"] = "application/json"
    req = urllib.request.Request(url, data=data, method=method, headers=headers)
    try:
        with _direct.open(req, timeout=timeout) as resp:
            return resp.status, resp.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()


def _die_with_parent() -> None:
    """Runs in the child before exec: ask the kernel to kill it when pytest dies."""
    if sys.platform.startswith("linux"):
        try:
            import ctypes

            ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
        except OSError:
            pass


def _stop(proc: subprocess.Popen) -> None:
    """Stops one process we started: SIGTERM, then SIGKILL, and reaps it."""
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=5)


def _wait_for_line(path: Path, pattern: re.Pattern[str], proc: subprocess.Popen, what: str) -> re.Match[str]:
    deadline = time.monotonic() + START_TIMEOUT
    while True:
        text = path.read_text(errors="replace") if path.exists() else ""
        match = pattern.search(text)
        if match:
            return match
        if proc.poll() is not None:
            raise RuntimeError(f"{what} exited with status {proc.returncode} before listening:\n{text}")
        if time.monotonic() > deadline:
            raise RuntimeError(f"{what} did not report its address within {START_TIMEOUT}s:\n{text}")
        time.sleep(0.02)


class Emulator:
    """A running `weir-emulator` process and its control API."""

    LISTENING = re.compile(r"listening on http://(127\.0\.0\.1:\d+)")

    def __init__(self, workdir: Path) -> None:
        self.out = workdir / "emulator.out"
        self.err = workdir / "emulator.err"
        with open(self.out, "wb") as out, open(self.err, "wb") as err:
            self.proc = subprocess.Popen(
                [EMULATOR_BIN, "--listen", "127.0.0.1:0"],
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=err,
                preexec_fn=_die_with_parent,
            )
        try:
            self.addr = _wait_for_line(self.out, self.LISTENING, self.proc, "weir-emulator").group(1)
        except BaseException:
            self.stop()
            raise

    @property
    def anthropic_base_url(self) -> str:
        return f"http://{self.addr}"

    @property
    def openai_base_url(self) -> str:
        return f"http://{self.addr}/v1"

    def script(self, script: dict[str, Any]) -> None:
        """Replaces the script (see weir-emulator's `Script`)."""
        status, body = http("PUT", f"http://{self.addr}/_emulator/script", script)
        assert status == 204, f"emulator refused the script ({status}): {body!r}"

    def reply(self, **reply: Any) -> None:
        """A script whose every answer is `reply` (see weir-emulator's `Reply`)."""
        self.script({"default": reply})

    def requests(self) -> list[dict[str, Any]]:
        """The requests the emulator's model endpoints received, bodies parsed as JSON."""
        status, body = http("GET", f"http://{self.addr}/_emulator/requests")
        assert status == 200, body
        recorded = json.loads(body)
        for r in recorded:
            try:
                r["json"] = json.loads(r["body"])
            except ValueError:
                r["json"] = None
        return recorded

    def clear(self) -> None:
        status, body = http("DELETE", f"http://{self.addr}/_emulator/requests")
        assert status == 204, body

    def stop(self) -> None:
        _stop(self.proc)


class Weir:
    """A running `weir serve` process."""

    LISTENING = re.compile(r"weir listening on http://(127\.0\.0\.1:\d+)")

    def __init__(self, workdir: Path, config: str, name: str = "weir") -> None:
        self.config_path = workdir / f"{name}.toml"
        self.config_path.write_text(config)
        self.log_path = workdir / f"{name}.log"
        env = {
            k: v
            for k, v in os.environ.items()
            # Nothing from the developer's environment may enable or configure vendors.
            if not k.endswith(("_API_KEY", "_AUTH_TOKEN")) and not k.startswith("WEIR_")
        }
        env.update(
            WEIR_SDK_TEST_VENDOR_KEY=VENDOR_KEY,
            WEIR_LOG="info",
            NO_COLOR="1",
            HOME=str(workdir),
            XDG_CONFIG_HOME=str(workdir / ".config"),
        )
        with open(self.log_path, "wb") as log:
            self.proc = subprocess.Popen(
                [WEIR_BIN, "serve", "--config", str(self.config_path), "--listen", "127.0.0.1:0"],
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                cwd=workdir,
                env=env,
                preexec_fn=_die_with_parent,
            )
        try:
            self.addr = _wait_for_line(self.log_path, self.LISTENING, self.proc, "weir serve").group(1)
            self._wait_healthy()
        except BaseException:
            self.stop()
            raise

    def _wait_healthy(self) -> None:
        deadline = time.monotonic() + START_TIMEOUT
        last: object = None
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"weir exited with status {self.proc.returncode}:\n{self.log()}")
            try:
                status, body = http("GET", f"{self.url}/healthz", timeout=1.0)
                health = json.loads(body)
                if status == 200 and health.get("status") == "ok" and health.get("service") == "weir":
                    return
                last = (status, body)
            except (OSError, ValueError) as e:
                last = e
            time.sleep(0.05)
        raise RuntimeError(f"weir /healthz not ok within {START_TIMEOUT}s (last: {last!r}):\n{self.log()}")

    @property
    def url(self) -> str:
        """The base URL for Anthropic clients."""
        return f"http://{self.addr}"

    @property
    def openai_url(self) -> str:
        """The base URL for OpenAI clients."""
        return f"http://{self.addr}/v1"

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def stop(self) -> None:
        _stop(self.proc)


# ---------------------------------------------------------------------------------------------
# Configuration pieces.

BASE = "auto_vendors = false\n\n"


def vendor(name: str, protocol: str, emulator: Emulator, *, count_tokens: bool = False) -> str:
    """A `[vendors.NAME]` table for `emulator` speaking `protocol`, with weir's test key."""
    base = emulator.anthropic_base_url if protocol == "anthropic" else emulator.openai_base_url
    lines = [
        f"[vendors.{name}]",
        f'protocol = "{protocol}"',
        f'base_url = "{base}"',
        'api_key = "env:WEIR_SDK_TEST_VENDOR_KEY"',
        'jurisdiction = "local"',
    ]
    if count_tokens:
        lines.append("count_tokens = true")
    return "\n".join(lines) + "\n\n"


def route(models: list[str], targets: list[str]) -> str:
    """A `[[routes]]` table."""
    return f"[[routes]]\nmodels = {json.dumps(models)}\ntargets = {json.dumps(targets)}\n\n"


def retry(**settings: str) -> str:
    """A `[retry]` table, e.g. `retry(max_wait="0s")`."""
    return "[retry]\n" + "".join(f'{k} = "{v}"\n' for k, v in settings.items()) + "\n"


# ---------------------------------------------------------------------------------------------
# The cross-protocol matrix: one weir with a vendor of each protocol, all on one emulator.

#: The three protocols, as client protocols and as vendor (upstream) protocols.
PROTOCOLS = ("anthropic", "openai-chat", "openai-responses")
#: Short names for test ids and vendor names.
SHORT = {"anthropic": "anth", "openai-chat": "chat", "openai-responses": "resp"}
#: The emulator path each vendor protocol is called on.
UPSTREAM_PATH = {
    "anthropic": "/v1/messages",
    "openai-chat": "/v1/chat/completions",
    "openai-responses": "/v1/responses",
}


def via(upstream: str) -> str:
    """The model a client asks for to reach the vendor speaking `upstream`."""
    return f"via-{SHORT[upstream]}"


def target(upstream: str) -> str:
    """The model name the vendor speaking `upstream` gets."""
    return f"up-{SHORT[upstream]}"


def matrix_config(emulator: Emulator, **retry_settings: str) -> str:
    """weir with one vendor per protocol on `emulator`; model `via(p)` routes to vendor `p`."""
    config = BASE
    for p in PROTOCOLS:
        config += vendor(SHORT[p], p, emulator)
    for p in PROTOCOLS:
        config += route([via(p)], [f"{SHORT[p]}:{target(p)}"])
    return config + retry(**({"max_wait": "0s"} | retry_settings))


def anthropic_client(w: Weir):
    import anthropic

    return anthropic.Anthropic(base_url=w.url, api_key=CLIENT_KEY, max_retries=0, timeout=15.0)


def openai_client(w: Weir):
    import openai

    return openai.OpenAI(base_url=w.openai_url, api_key=CLIENT_KEY, max_retries=0, timeout=15.0)


#: Tool definitions: (name, description, JSON schema of the arguments).
TOOL_SPECS = [
    (
        "get_weather",
        "Current weather for a city.",
        {
            "type": "object",
            "properties": {"city": {"type": "string"}, "unit": {"type": "string"}},
            "required": ["city", "unit"],
            "additionalProperties": False,
        },
    ),
    (
        "get_time",
        "Current time in a time zone.",
        {
            "type": "object",
            "properties": {"timezone": {"type": "string"}},
            "required": ["timezone"],
            "additionalProperties": False,
        },
    ),
]


def tools_for(client: str) -> list[dict[str, Any]]:
    """`TOOL_SPECS` in the request shape of `client`'s protocol."""
    if client == "anthropic":
        return [{"name": n, "description": d, "input_schema": s} for n, d, s in TOOL_SPECS]
    if client == "openai-chat":
        return [
            {"type": "function", "function": {"name": n, "description": d, "parameters": s}}
            for n, d, s in TOOL_SPECS
        ]
    return [{"type": "function", "name": n, "description": d, "parameters": s} for n, d, s in TOOL_SPECS]


def summarize(client: str, final: Any) -> dict[str, Any]:
    """The protocol-neutral content of a client's final message / completion / response:

    `text` (None when absent), `thinking` (None when absent), `calls` as (id, name, parsed
    arguments), `stop` ("end" or "tool"), and `usage` as total input, cached input and output
    tokens. Shape checks that only make sense in one protocol are asserted here too.
    """
    if client == "anthropic":
        kinds = [b.type for b in final.content]
        # One optional thinking block, one optional text block, then the tool calls.
        expected_order = sorted(kinds, key=["thinking", "text", "tool_use"].index)
        assert kinds == expected_order, f"blocks out of order: {kinds}"
        assert kinds.count("thinking") <= 1 and kinds.count("text") <= 1, kinds
        thinking = [b for b in final.content if b.type == "thinking"]
        texts = [b.text for b in final.content if b.type == "text"]
        calls = [(b.id, b.name, b.input) for b in final.content if b.type == "tool_use"]
        assert final.stop_reason in ("end_turn", "tool_use"), final.stop_reason
        u = final.usage
        cache_read = u.cache_read_input_tokens or 0
        cache_creation = u.cache_creation_input_tokens or 0
        return {
            "text": texts[0] if texts else None,
            "thinking": thinking[0].thinking if thinking else None,
            "calls": calls,
            "stop": "tool" if final.stop_reason == "tool_use" else "end",
            "usage": (u.input_tokens + cache_read + cache_creation, cache_read, u.output_tokens),
        }
    if client == "openai-chat":
        [choice] = final.choices
        assert choice.index == 0
        message = choice.message
        assert message.role == "assistant"
        calls = []
        for c in message.tool_calls or []:
            assert c.type == "function"
            calls.append((c.id, c.function.name, json.loads(c.function.arguments)))
        extra = message.model_extra or {}
        assert choice.finish_reason in ("stop", "tool_calls"), choice.finish_reason
        u = final.usage
        assert u is not None, "usage must arrive"
        assert u.total_tokens == u.prompt_tokens + u.completion_tokens
        cached = (u.prompt_tokens_details.cached_tokens or 0) if u.prompt_tokens_details else 0
        return {
            # A streamed message starts with `content: ""` (as OpenAI's do): "" is no text.
            "text": message.content or None,
            "thinking": extra.get("reasoning_content"),
            "calls": calls,
            "stop": "tool" if choice.finish_reason == "tool_calls" else "end",
            "usage": (u.prompt_tokens, cached, u.completion_tokens),
        }
    # Responses
    assert final.status == "completed", final.status
    kinds = [item.type for item in final.output]
    expected_order = sorted(kinds, key=["reasoning", "message", "function_call"].index)
    assert kinds == expected_order, f"items out of order: {kinds}"
    assert kinds.count("reasoning") <= 1 and kinds.count("message") <= 1, kinds
    thinking = None
    for item in final.output:
        if item.type == "reasoning":
            parts = [s.text for s in item.summary] + [c.text for c in (item.content or [])]
            thinking = "".join(parts)
    texts = []
    for item in final.output:
        if item.type == "message":
            assert item.role == "assistant"
            texts = [part.text for part in item.content if part.type == "output_text"]
            assert len(texts) == len(item.content) == 1, item.content
    calls = [(i.call_id, i.name, json.loads(i.arguments)) for i in final.output if i.type == "function_call"]
    u = final.usage
    assert u is not None, "usage must arrive"
    assert u.total_tokens == u.input_tokens + u.output_tokens
    return {
        "text": texts[0] if texts else None,
        "thinking": thinking,
        "calls": calls,
        "stop": "tool" if calls else "end",
        "usage": (u.input_tokens, u.input_tokens_details.cached_tokens, u.output_tokens),
    }


def expected_summary(reply: dict[str, Any]) -> dict[str, Any]:
    """What `summarize` must give for an emulator reply `reply` (with explicit usage and ids)."""
    u = reply["usage"]
    cache_read = u.get("cache_read_input_tokens", 0)
    total_input = u["input_tokens"] + cache_read + u.get("cache_creation_input_tokens", 0)
    calls = [(c["id"], c["name"], json.loads(c["arguments"])) for c in reply.get("tool_calls", [])]
    return {
        "text": reply.get("text"),
        "thinking": reply.get("thinking"),
        "calls": calls,
        "stop": "tool" if calls else "end",
        "usage": (total_input, cache_read, u["output_tokens"]),
    }
