#!/usr/bin/env python3
"""Checks `weir inspect` against the agent captures that tests/agents/capture.sh took.

    python3 tests/agents/inspect_check.py RUN_DIR WEIR_BIN

RUN_DIR is capture.sh's output directory (one AGENT-ENV subdirectory per run) or a single run's
directory. For each run, `WEIR_BIN inspect --format json <capture files>` must report:

1. for every model request (a POST to a generation endpoint): the client tool that env.json names
   (`tool`) and the installed version (`version`);
2. for every environment value of env.json that literally appears in a request (its headers or
   body, raw or JSON-decoded): a fact of a matching kind whose value contains it (for git_commit,
   the full hash or a prefix of at least 7 characters);
3. no hidden marker (the environments set up none).

Values too generic to mean anything are not required: the time zone `UTC` (vendors' own tool
descriptions say "UTC"), and a loopback IP literal as base host. The base host counts only where
it appears in the body: the Host header is how the request travelled, which the vendor sees anyway.
Values that are also ordinary words ("main" as a branch, "localhost") count as sent only in a
context that discloses them (after "branch", in a URL).

Prints one block per run and exits 1 when any check failed (2 when the runs cannot be read).
"""

import json
import re
import subprocess
import sys
from pathlib import Path

# env.json key -> fact kinds that may report it. A user name often shows only inside a path or an
# address, so the facts that carry those count for it too.
KINDS = {
    "tz": {"time-zone"},
    "user_name": {"user-name", "home-directory", "working-directory", "git-remote", "git-author", "email"},
    "home": {"home-directory", "working-directory"},
    "cwd": {"working-directory"},
    "git_remote": {"git-remote"},
    "git_branch": {"git-branch"},
    "git_commit": {"git-commit"},
    "git_author_name": {"git-author", "user-name"},
    "git_author_email": {"email", "git-author"},
    "hostname": {"hostname"},
    "base_host": {"hostname", "proxy"},
}

MODEL_PATH = re.compile(
    r"(/messages|/chat/completions|/responses|:generateContent|:streamGenerateContent)$"
)
CAPTURE_NAME = re.compile(r"^\d{4,}-.*\.json$")
LOOPBACK_LITERALS = {"127.0.0.1", "::1", "[::1]"}


def strings(value, out):
    """Every string (keys and values) of a decoded JSON value."""
    if isinstance(value, str):
        out.append(value)
    elif isinstance(value, list):
        for v in value:
            strings(v, out)
    elif isinstance(value, dict):
        for k, v in value.items():
            out.append(k)
            strings(v, out)
    return out


def capture_texts(path):
    """(header values, body texts) of a capture file: the body raw and its decoded strings."""
    record = json.loads(path.read_text(encoding="utf-8"))
    headers = record.get("headers") or []
    if isinstance(headers, dict):
        headers = list(headers.items())
    header_values = [v for _, v in headers]
    body = record.get("body")
    bodies = []
    if isinstance(body, str):
        bodies.append(body)
        try:
            strings(json.loads(body), bodies)
        except ValueError:
            pass
    elif body is not None:
        bodies.append(json.dumps(body, ensure_ascii=False))
        strings(body, bodies)
    return header_values, bodies


# Values that are also ordinary words of prompts and tool descriptions ("the main point",
# "php -S localhost:8000") count as sent only in a context that discloses them.
GENERIC = {
    "git_branch": {"main", "master", "develop", "dev", "trunk"},
    "base_host": {"localhost"},
}
CONTEXT = {
    "git_branch": r"(?i)(branch|HEAD|git:\(|\bref\b)[^\n]{{0,40}}?(?<![\w./-]){v}(?![\w./-])",
    "base_host": r"https?://{v}\b",
}


def appears(value, texts, key=None):
    if key in GENERIC and value in GENERIC[key]:
        pattern = re.compile(CONTEXT[key].format(v=re.escape(value)))
        return any(pattern.search(t) for t in texts)
    return any(value in t for t in texts)


def fact_matches(key, expected, fact):
    if fact.get("kind") not in KINDS[key]:
        return False
    got = str(fact.get("value", ""))
    if key == "git_commit":
        return (len(got) >= 7 and expected.startswith(got)) or expected[:7] in got
    return expected in got


def model_request(item):
    path = (item.get("path") or "").split("?")[0]
    return item.get("method") == "POST" and bool(MODEL_PATH.search(path))


def check_run(run, weir):
    """Checks one run; returns (lines to print, failures)."""
    env = json.loads((run / "env.json").read_text())
    files = sorted(p for p in run.iterdir() if CAPTURE_NAME.match(p.name))
    title = f"{run.name} ({env['tool']} {env['version']}, TZ={env['tz']}, LANG={env['lang']})"
    lines, failures = [title], 0

    def fail(msg):
        nonlocal failures
        failures += 1
        lines.append(f"  FAIL {msg}")

    if not files:
        fail("no capture files")
        return lines, failures
    proc = subprocess.run(
        [weir, "inspect", "--format", "json", *map(str, files)],
        capture_output=True, text=True, timeout=120,
    )
    if proc.returncode not in (0, 1):
        fail(f"weir inspect exited {proc.returncode}: {proc.stderr.strip()[-400:]}")
        return lines, failures
    try:
        report = json.loads(proc.stdout)
    except ValueError as e:
        fail(f"weir inspect did not print a JSON array ({e}): {proc.stdout[:200]!r}")
        return lines, failures
    by_file = {}
    for item in report:
        source = item.get("source", "")
        by_file.setdefault(source.rsplit("#", 1)[0], []).append(item)
    models = [i for i in report if model_request(i)]
    lines.append(f"  {len(models)} model request(s) among {len(report)} from {len(files)} file(s)")
    if not models:
        fail("weir inspect reported no model request")

    # 1. Who sent it.
    for item in models:
        client = item.get("client") or {}
        got = (client.get("tool"), client.get("version"))
        want = (env["tool"], env["version"])
        if got != want:
            fail(f"{item.get('source')}: client {got[0]} {got[1]}, expected {want[0]} {want[1]}")
    if all(((i.get("client") or {}).get("tool"), (i.get("client") or {}).get("version"))
           == (env["tool"], env["version"]) for i in models) and models:
        lines.append(f"  ok   client {env['tool']} {env['version']} on every model request")

    # 2. What it disclosed.
    for key in KINDS:
        expected = env.get(key)
        if not expected:
            continue
        if key == "tz" and expected == "UTC":
            continue
        if key == "base_host" and expected in LOOPBACK_LITERALS:
            continue
        sent_in, missed = [], []
        for path in files:
            headers, bodies = capture_texts(path)
            texts = bodies if key == "base_host" else headers + bodies
            probe = expected[:7] if key == "git_commit" else expected
            if not appears(probe, texts, key):
                continue
            sent_in.append(path.name)
            items = by_file.get(str(path), [])
            facts = [f for i in items for f in i.get("facts") or []]
            if not any(fact_matches(key, expected, f) for f in facts):
                kinds = sorted(KINDS[key])
                seen = sorted({f"{f.get('kind')}={f.get('value')!r}" for f in facts
                               if f.get("kind") in KINDS[key]})
                missed.append(f"{path.name} (no {'/'.join(kinds)} fact containing it"
                              f"{'; saw ' + ', '.join(seen) if seen else ''})")
        if missed:
            for m in missed:
                fail(f"{key} {expected!r} is sent in {m}")
        elif sent_in:
            lines.append(f"  ok   {key} {expected!r} sent in {len(sent_in)} request(s), reported")
        else:
            lines.append(f"  --   {key} {expected!r} not sent")

    # 3. Nothing invented.
    markers = [(i.get("source"), m) for i in report for m in i.get("markers") or []]
    for source, m in markers:
        fail(f"{source}: marker {m.get('kind')} {m.get('code_points')} at {m.get('field')} "
             f"({m.get('why')})")
    if not markers:
        lines.append("  ok   no markers")
    return lines, failures


def main():
    if len(sys.argv) != 3:
        print(__doc__.strip().splitlines()[2], file=sys.stderr)
        return 2
    root, weir = Path(sys.argv[1]), sys.argv[2]
    runs = [root] if (root / "env.json").exists() else sorted(
        d for d in root.iterdir() if (d / "env.json").exists()) if root.is_dir() else []
    if not runs:
        print(f"no runs in {root} (expected directories with an env.json)", file=sys.stderr)
        return 2
    total = 0
    for run in runs:
        lines, failures = check_run(run, weir)
        total += failures
        print("\n".join(lines))
    print(f"{len(runs)} run(s), {total} failure(s)")
    return 1 if total else 0


if __name__ == "__main__":
    sys.exit(main())
