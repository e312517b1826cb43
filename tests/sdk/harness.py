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
