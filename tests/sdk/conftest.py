"""Fixtures: a vendor emulator and weir in front of it, both real processes on 127.0.0.1.

Each test gets its own emulator and its own weir (cool-downs and recorded requests never leak
from one test into another); both are stopped at teardown. When a test fails, its report gets
weir's configuration and log as extra sections.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Callable, Iterator

import pytest

from harness import EMULATOR_BIN, WEIR_BIN, Emulator, Weir


def pytest_configure(config: pytest.Config) -> None:
    missing = [p for p in (WEIR_BIN, EMULATOR_BIN) if not os.access(p, os.X_OK)]
    if missing:
        raise pytest.UsageError(
            f"not executable: {', '.join(missing)}; run `cargo build -p weir -p weir-emulator` "
            "and set WEIR_BIN / EMULATOR_BIN"
        )


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]):
    report = yield
    if report.failed:
        for w in getattr(item, "weir_processes", []):
            report.sections.append((f"{w.config_path.name}", w.config_path.read_text()))
            report.sections.append((f"{w.log_path.name}", w.log()))
    return report


@pytest.fixture
def start_emulator(tmp_path: Path) -> Iterator[Callable[[], Emulator]]:
    """Starts emulators on demand (each in its own directory); all are stopped at teardown."""
    started: list[Emulator] = []

    def start() -> Emulator:
        workdir = tmp_path / f"emulator{len(started)}"
        workdir.mkdir()
        emulator = Emulator(workdir)
        started.append(emulator)
        return emulator

    yield start
    for emulator in started:
        emulator.stop()


@pytest.fixture
def emulator(start_emulator: Callable[[], Emulator]) -> Emulator:
    """One running emulator; its default script answers "ok"."""
    return start_emulator()


@pytest.fixture
def weir(tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[Callable[[str], Weir]]:
    """`weir(config_toml)` writes the configuration, starts `weir serve` and waits for /healthz."""
    started: list[Weir] = []
    request.node.weir_processes = started

    def start(config: str) -> Weir:
        w = Weir(tmp_path, config, name=f"weir{len(started)}")
        started.append(w)
        return w

    yield start
    for w in started:
        w.stop()
