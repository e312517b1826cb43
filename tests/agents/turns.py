#!/usr/bin/env python3
"""The task each agent does in tests/agents/run.sh: the emulator script that drives it, and the
checks on what the vendor saw and what the tools did.

    turns.py script AGENT PROTOCOL DIR MARKER > script.json
    turns.py check  AGENT PROTOCOL DIR MARKER REQUESTS.json OUTPUT.txt

AGENT is claude, codex or qwen; PROTOCOL is the protocol the emulator speaks to weir
(anthropic, openai-chat, openai-responses), which may differ from the agent's own; DIR is the
agent's working directory (prepared by `script`); MARKER is a random word the tools must carry.

The scripted model only answers requests in PROTOCOL, so a turn can only complete when weir
sends the agent's requests to the vendor in the vendor's protocol and turns the answers back.

- claude: Read DIR/marker.txt, then Write DIR/copy.txt, then the final text.
- codex:  apply_patch (Codex's free-form `custom` tool) on DIR/notes.txt, then the final text.
          Through a Responses vendor the call is a `custom_tool_call`; through a vendor without
          custom tools it is a function call whose arguments are {"input": "<patch>"}.
- qwen:   read_file DIR/marker.txt, then the final text.
"""

import json
import os
import sys

DONE = "WEIR-AGENT-TEST-DONE"

PATHS = {
    "anthropic": "/v1/messages",
    "openai-chat": "/chat/completions",
    "openai-responses": "/responses",
}


def written(marker):
    """The text Claude Code's Write puts in copy.txt (never in the prompt, so its presence in
    a request means the Write call came back)."""
    return f"{marker}-written"


def patch(marker):
    return (
        "*** Begin Patch\n"
        "*** Update File: notes.txt\n"
        "@@\n"
        " weir agent test\n"
        "-status: pending\n"
        f"+status: patched {marker}\n"
        "*** End Patch\n"
    )


def rule(when, reply, protocol):
    return {"when": {"protocol": protocol, **when}, "reply": reply}


def call(name, arguments):
    return {"tool_calls": [{"name": name, "arguments": json.dumps(arguments)}]}


def script(agent, protocol, d, marker):
    with open(os.path.join(d, "marker.txt"), "w") as f:
        f.write(marker + "\n")
    done = {"text": DONE}
    if agent == "claude":
        rules = [
            rule({"last_is_tool_result": True, "body_contains": written(marker)}, done, protocol),
            rule(
                {"last_is_tool_result": True},
                call("Write", {"file_path": os.path.join(d, "copy.txt"), "content": written(marker) + "\n"}),
                protocol,
            ),
            rule({"has_tools": True}, call("Read", {"file_path": os.path.join(d, "marker.txt")}), protocol),
        ]
    elif agent == "codex":
        with open(os.path.join(d, "notes.txt"), "w") as f:
            f.write("weir agent test\nstatus: pending\n")
        rules = [
            rule({"last_is_tool_result": True}, done, protocol),
            rule({"has_tools": True}, call("apply_patch", {"input": patch(marker)}), protocol),
        ]
    elif agent == "qwen":
        rules = [
            rule({"last_is_tool_result": True}, done, protocol),
            rule({"has_tools": True}, call("read_file", {"file_path": os.path.join(d, "marker.txt")}), protocol),
        ]
    else:
        raise SystemExit(f"unknown agent {agent}")
    json.dump({"rules": rules, "default": {"text": "ok"}}, sys.stdout)


def text_of(content):
    """The text of a tool result's content: a string or a list of text parts."""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "".join(text_of(p.get("text", p.get("content", ""))) for p in content if isinstance(p, dict))
    return json.dumps(content)


def conversation(protocol, body):
    """The tool calls [(id, name, kind)] and results {id: (text, is_error)} in a request body."""
    calls, results = [], {}
    if protocol == "anthropic":
        for message in body.get("messages", []):
            content = message.get("content")
            for block in content if isinstance(content, list) else []:
                if block.get("type") == "tool_use":
                    calls.append((block.get("id"), block.get("name"), "tool_use"))
                elif block.get("type") == "tool_result":
                    results[block.get("tool_use_id")] = (
                        text_of(block.get("content", "")),
                        bool(block.get("is_error")),
                    )
    elif protocol == "openai-chat":
        for message in body.get("messages", []):
            for c in message.get("tool_calls") or []:
                calls.append((c.get("id"), c.get("function", {}).get("name"), c.get("type")))
            if message.get("role") == "tool":
                results[message.get("tool_call_id")] = (text_of(message.get("content", "")), False)
    else:
        for item in body.get("input", []) if isinstance(body.get("input"), list) else []:
            kind = item.get("type")
            if kind in ("function_call", "custom_tool_call"):
                calls.append((item.get("call_id"), item.get("name"), kind))
            elif kind in ("function_call_output", "custom_tool_call_output"):
                results[item.get("call_id")] = (text_of(item.get("output", "")), False)
    return calls, results


def tool_names(body):
    names = []
    for tool in body.get("tools") or []:
        names.append(tool.get("name") or tool.get("function", {}).get("name"))
    return names


def check(agent, protocol, d, marker, requests_file, output_file):
    problems = []
    with open(requests_file) as f:
        requests = json.load(f)
    with open(output_file, errors="replace") as f:
        output = f.read()
    generation = [
        r for r in requests if r["method"] == "POST" and r["path"].split("?")[0].endswith(PATHS[protocol])
    ]
    others = sorted({r["path"] for r in requests} - {r["path"] for r in generation})
    bodies = []
    for r in generation:
        try:
            bodies.append(json.loads(r["body"]))
        except ValueError:
            problems.append(f"a request to {r['path']} is not JSON")
    print(f"     vendor saw {len(generation)} {protocol} request(s)" + (f", and {others}" if others else ""))
    if not bodies:
        problems.append(f"the vendor got no {protocol} request")

    expected = {"claude": ["Read", "Write"], "codex": ["apply_patch"], "qwen": ["read_file"]}[agent]
    # The request that carried the most tool results: the last step of the turn.
    best = max(bodies, key=lambda b: len(conversation(protocol, b)[1]), default={})
    calls, results = conversation(protocol, best)
    names = [name for _, name, _ in calls]
    print(f"     tool calls the vendor saw answered: {names}")
    if names != expected:
        problems.append(f"expected the tool calls {expected}, the vendor saw {names}")
    for call_id, name, kind in calls:
        if call_id not in results:
            problems.append(f"the result of {name} ({call_id}) did not reach the vendor")
        elif results[call_id][1]:
            problems.append(f"{name} failed: {results[call_id][0][:300]}")
    by_name = {name: results.get(call_id, ("", False))[0] for call_id, name, _ in calls}

    read_tool = {"claude": "Read", "qwen": "read_file"}.get(agent)
    if read_tool in by_name:
        read = by_name[read_tool]
        if marker not in read:
            problems.append(f"the read result does not carry the marker: {read[:300]!r}")
    if agent == "claude":
        path = os.path.join(d, "copy.txt")
        content = open(path).read() if os.path.exists(path) else None
        if content != written(marker) + "\n":
            problems.append(f"Write did not create {path} as asked (found {content!r})")
    if agent == "codex":
        path = os.path.join(d, "notes.txt")
        content = open(path).read()
        if content != f"weir agent test\nstatus: patched {marker}\n":
            problems.append(f"apply_patch did not change notes.txt as the patch says (found {content!r})")
        if bodies and not any("apply_patch" in tool_names(b) for b in bodies):
            problems.append(f"apply_patch is not among the vendor's tools: {tool_names(bodies[0])}")
        if protocol == "openai-responses" and calls and calls[0][2] != "custom_tool_call":
            problems.append(f"apply_patch came back as {calls[0][2]}, not custom_tool_call")
    if DONE not in output:
        problems.append("the agent did not print the final answer")

    for problem in problems:
        print(f"     - {problem}")
    return not problems


def main(argv):
    if len(argv) == 6 and argv[1] == "script":
        script(*argv[2:])
        return 0
    if len(argv) == 8 and argv[1] == "check":
        return 0 if check(*argv[2:]) else 1
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
