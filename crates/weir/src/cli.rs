//! Command-line interface.

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

/// weir sits between your AI coding tools and model vendors: it shows what leaves, decides where
/// it goes, and keeps your tools working when a vendor is cut off.
#[derive(Debug, Parser)]
#[command(name = "weir", version, about, long_about = None, after_help = AFTER_HELP)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

const AFTER_HELP: &str = "\
Quick start:
  export ANTHROPIC_API_KEY=...        # or OPENAI_API_KEY, DEEPSEEK_API_KEY, DASHSCOPE_API_KEY, ...
  weir run -- claude                  # run Claude Code through weir
  weir serve                          # or run the gateway and point tools at http://127.0.0.1:9347

What weir recorded: `weir log` (exchanges), `weir report` (where code went), `weir verify`
(whether the ledger was altered).

Configuration: weir.toml in the current directory, $WEIR_CONFIG, or ~/.config/weir/weir.toml;
without one, every vendor whose key variable is set is enabled. Check a file with
`weir config check`, its policy with `weir policy check`.";

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the gateway in the foreground.
    #[command(after_help = "Point tools at it:\n  \
        Claude Code:  ANTHROPIC_BASE_URL=http://127.0.0.1:9347\n  \
        OpenAI SDKs, Qwen Code, aider:  OPENAI_BASE_URL=http://127.0.0.1:9347/v1\n\
        or let `weir run -- <agent>` do it.")]
    Serve(ServeArgs),
    /// Run a coding agent with its traffic going through weir.
    #[command(after_help = "Examples:\n  \
        weir run -- claude -p \"explain this repo\"\n  \
        weir run -- codex exec \"fix the failing test\"\n  \
        weir run -- qwen\n  \
        weir run --project payments -- claude   # the policy's class for `payments` applies\n\
        Known agents: claude, codex, qwen, aider, opencode. Any other command gets the common\n\
        variables (ANTHROPIC_BASE_URL, OPENAI_BASE_URL, OPENAI_API_BASE). weir reuses a weir\n\
        already listening on the configured address, or starts one inside this process.\n\
        The agent's exit code is weir's exit code.")]
    Run(RunArgs),
    /// Work with the configuration file.
    #[command(subcommand)]
    Config(ConfigCommand),
    /// Check the policy (which tools, vendors and jurisdictions are allowed, what happens to
    /// data) and ask it what it decides for a request.
    #[command(subcommand)]
    Policy(PolicyCommand),
    /// List recent exchanges from the ledger, or show one in full (`weir log show ID`).
    #[command(after_help = LOG_HELP)]
    Log(LogArgs),
    /// Sum up where code went over a period: exchanges, bytes and tokens by vendor,
    /// jurisdiction, project or tool.
    #[command(after_help = REPORT_HELP)]
    Report(ReportArgs),
    /// Write the whole ledger as JSON Lines, to archive it or to check it elsewhere.
    #[command(after_help = EXPORT_HELP)]
    Export(ExportArgs),
    /// Check that the ledger has not been altered: recompute the hash chain, the content blocks
    /// and the signed checkpoints.
    #[command(after_help = VERIFY_HELP)]
    Verify(VerifyArgs),
    /// Find secrets (API keys, tokens, private keys, passwords) and personal data in files,
    /// directories, standard input or a git repository's whole history.
    #[command(after_help = SCAN_HELP)]
    Scan(ScanArgs),
    /// Show what a coding tool's request says about your machine and you (time zone, locale,
    /// user name, directories, git remotes, ids, ...) and any hidden markers in it.
    #[command(after_help = INSPECT_HELP)]
    Inspect(InspectArgs),
    /// Play the model vendor for a coding tool and write every request it sends to files, to see
    /// exactly what it discloses (`weir inspect` reads them).
    #[command(after_help = CAPTURE_HELP)]
    Capture(CaptureArgs),
}

const CAPTURE_HELP: &str = "\
Examples:
  weir capture --out captures/                 # prints the URL and how to point each tool at it
  weir capture --out captures/ --count 1       # stop after the first request
  weir capture --listen 127.0.0.1:8080 --out c/ --reply 'Hello from weir.'

  # in another terminal, with the URL it printed:
  ANTHROPIC_BASE_URL=http://127.0.0.1:PORT ANTHROPIC_API_KEY=x claude -p \"hi\"
  OPENAI_BASE_URL=http://127.0.0.1:PORT/v1 OPENAI_API_KEY=x qwen -p \"hi\"
  GOOGLE_GEMINI_BASE_URL=http://127.0.0.1:PORT GEMINI_API_KEY=x gemini -p \"hi\"

What it answers: Anthropic Messages (/v1/messages, JSON or SSE) and count_tokens, OpenAI Chat
Completions and Responses (JSON or SSE), Gemini generateContent, streamGenerateContent (with or
without alt=sse) and countTokens, and the model lists; anything else gets a JSON 404 (and is
captured too). Every answer is the --reply text, or a JSON document that fits the schema when
the request asks for structured output. That is enough for a tool to send its first request
and usually finish; a tool that needs a real answer stops after it, which is fine for a capture.

Files: DIR/NNNN-METHOD-PATH.json, one per request, numbered after the files already in DIR,
written atomically before the request is answered. Format: {\"weir_capture\": 1, \"received_at\",
\"listener\", \"method\", \"path\", \"headers\": [[name, value], ...], \"body\"}, the body byte for
byte (a JSON body as it was sent, other text as a string, anything else as \"body_base64\").
API keys are never written: credential headers (authorization, x-api-key, x-goog-api-key,
api-key, cookie, proxy-authorization) and ?key= become <masked sha256:8 hex digits>, the same
for the same key, so two captures still show whether the same key was used.

It listens on loopback only (127.0.0.1 or [::1]; port 0 picks a free one) and refuses requests
whose Host or Origin names another machine (DNS-rebinding defence). It stops on Ctrl-C, or after
--count requests.";

/// `weir capture`.
#[derive(Debug, Args)]
pub struct CaptureArgs {
    /// Address to listen on: loopback only (127.0.0.1:PORT or [::1]:PORT; port 0 picks a free
    /// one, printed at start).
    #[arg(long, short = 'l', value_name = "ADDR", default_value = "127.0.0.1:0")]
    pub listen: SocketAddr,
    /// Directory to write the requests to (created when missing).
    #[arg(long, short = 'o', value_name = "DIR")]
    pub out: PathBuf,
    /// Stop after this many requests.
    #[arg(long, short = 'n', value_name = "N", value_parser = clap::value_parser!(u64).range(1..))]
    pub count: Option<u64>,
    /// The text of every answer.
    #[arg(long, value_name = "TEXT", default_value = "Captured by weir.")]
    pub reply: String,
}

const INSPECT_HELP: &str = "\
Inputs:
  FILE          a capture written by `weir capture`, a HAR file exported from a browser or
                proxy, a bare JSON request body, or JSON Lines of captures
  -             the same, from standard input
  req_...       an exchange recorded in the ledger (its body as kept; the ledger has no headers)

Examples:
  weir capture --out caps &                     # play the vendor for a tool, keep its requests
  ANTHROPIC_BASE_URL=http://127.0.0.1:PORT claude -p hi
  weir inspect caps/0001-POST-v1-messages.json  # what it disclosed
  weir inspect --format json caps/*.json        # for machines
  TZ=Asia/Tokyo ... ; weir inspect --diff caps-utc/0001.json caps-tokyo/0001.json
  weir inspect req_01J...                       # a request weir forwarded

What is reported:
  tool      which coding tool sent it, its version and session id, and the signals that said so
  facts     time zone, UTC offset, locale and date format, OS and version, shell, host name, user
            name (also inside home paths), working directory, git remotes, branch, commits and
            authors, emails, install/device/account/session ids (also JSON nested in a string),
            IP addresses, proxy settings, cloud metadata; each with its field (header or JSON
            path) and span
  markers   zero-width and invisible characters, Unicode tag text (decoded), bidi controls,
            variation selectors, unusual spaces, look-alikes (curly apostrophes, dashes, digits
            of other scripts, Cyrillic letters in Latin words), and boilerplate lines rendered
            otherwise than their tool writes them; `deliberate` when the placement looks
            intended rather than typed (curly quotes in your own text are not reported)

--diff A B compares two requests of the same tool: the tool, facts and markers found in one only,
headers that differ, and lines of the tool's own instructions and metadata that differ: what the
tool varies with where it runs.

In `weir serve`, [inspect.actions] in weir.toml strips or normalises these before a request leaves
(see the README). Exit code: 0 inspected, 2 an input could not be read.";

const LOG_HELP: &str = "\
Examples:
  weir log                                  # the last 50 exchanges of the last 7 days
  weir log --since 24h --vendor deepseek    # what went to one vendor today
  weir log --jurisdiction CN --outcome ok   # what a Chinese vendor answered
  weir log --since 2026-11-01 --until 2026-12-01 --project web --limit 1000
  weir log --format json | jq .bytes_out    # JSON Lines, one exchange per line
  weir log show req_01J...                  # one exchange in full, with what was sent
  weir log show req_01J... --raw > sent.json

Exchanges are listed oldest first, so the newest is last (just above your prompt); --limit keeps
the newest ones. Times are UTC. --since is inclusive and --until exclusive; both take a date
(2026-11-21), a date and time (2026-11-21T10:00:00Z, or with an offset such as +01:00), or a
duration back from now (30m, 24h, 7d, 2w). Outcomes: ok, failed_over, vendor_error, failed,
rejected, blocked, interrupted, running.";

const SHOW_HELP: &str = "\
Examples:
  weir log show req_01J...                       # facts, attempts, and the body sent
  weir log show req_01J... --content request     # the client's request as it arrived
  weir log show req_01J... --content answer      # what went back to the client
  weir log show req_01J... --raw > sent.json     # the exact bytes, nothing else
  weir log show req_01J... --format json         # the exchange's record as JSON

`sent` is the body that left for the vendor that answered (or the last one tried): after model
rewriting, translation and redaction, byte for byte. Content is shown only if the ledger kept it
([ledger] retention = \"full\" or \"redacted\"); otherwise its digest and size are shown.";

const REPORT_HELP: &str = "\
Examples:
  weir report                                 # last 30 days, by jurisdiction and vendor
  weir report --by project,vendor --since 7d
  weir report --by tool --format csv > tools.csv
  weir report --since 2026-10-01 --until 2026-11-01 --format json

`sent` counts exchanges whose content reached a vendor (rejected or blocked ones did not).
Bytes out are what left for vendors over every attempt; bytes in what came back. Rows are ordered
by bytes out, largest first. The filters of `weir log` (--tool, --vendor, ...) apply too.

--policy sums up what the policy decided instead: exchanges decided, refused, and (in observe
mode) that would have been refused, rerouted, by rule, tool and project; the heading names the
mode(s) the decisions were made in. Trial a policy with mode = \"observe\", then read
  weir report --policy --since 7d
before switching it to enforce.";

const EXPORT_HELP: &str = "\
Examples:
  weir export > ledger.jsonl                     # entries and checkpoints
  weir export --content --output ledger.jsonl    # with the content blocks
  weir export --since-seq 120001 > ledger-2.jsonl # continue one that ended at entry 120000
  weir verify --export ledger.jsonl              # check an export without the database

Format (one JSON object per line):
  {\"type\":\"ledger\",\"format\":1,\"origin\":..,\"public_key\":..,\"first_seq\":..,\"head\":..}   first
  {\"type\":\"entry\",\"seq\":..,\"at_ms\":..,\"exchange\":..,\"kind\":..,\"body\":{..},\"body_b64\":..,\"hash\":..}
  {\"type\":\"block\",\"hash\":..,\"node\":..,\"data_b64\":..}   with --content, after the first entry
      that uses it (data_b64 is null once the block was erased)
  {\"type\":\"checkpoint\",\"seq\":..,\"note\":..}   after the entries
`body` is the entry for reading; `body_b64` its exact canonical bytes, which the chain hashes:
leaf = SHA-256(0x00 || body), hash(n) = SHA-256(0x01 || hash(n-1) || leaf(n)), hash(0) = zeros.
The export is streamed: it never holds the ledger in memory.";

const SCAN_HELP: &str = "\
What is scanned:
  PATH...          files, and directories recursively; .gitignore, .ignore, .git/info/exclude and
                   the global git excludes are respected (--no-ignore scans everything). Hidden
                   files such as .env are scanned; .git directories are not (use --git).
                   Binary files (a NUL byte in the first 8 KiB) and files over --max-file-size
                   are skipped, and counted in the summary.
  -                standard input. With no PATH, standard input when something is piped into
                   it, else the current directory.
  --git [REPO]     every file version reachable from any branch or tag of REPO (default: .),
                   each distinct content once, reported at the commit and path that first
                   introduced it: secrets that were deleted since are still found.

Examples:
  weir scan .                                   # this directory
  weir scan src config/.env                     # some files and directories
  git diff --cached | weir scan                 # what is about to be committed
  weir scan --git                               # this repository's whole history
  weir scan --format sarif . > weir.sarif       # for code-scanning dashboards
  weir scan --write-baseline .weir-baseline.json .    # accept what is there today...
  weir scan --baseline .weir-baseline.json .          # ...and report only new findings

Output (stdout): text lines `path:line:col  rule-id  Rule name  preview`; --format json writes
JSON Lines, one object per finding: path, line, column, rule_id, rule_name, category,
fingerprint, preview, and commit with --git; --format sarif writes one SARIF 2.1.0 log.
Secrets are never printed: the preview shows at most the first 4 and last 2 characters, and the
fingerprint is the hex SHA-256 of `RULE-ID:SECRET`. A summary goes to stderr.

Not reported: findings on a line containing `weir:allow` (`# weir:allow`, `// weir:allow`), or
`weir:allow RULE-ID[,RULE-ID...]` for only those rules; and findings whose fingerprint is in the
--baseline file.

Exit code: 0 nothing found, 1 findings reported, 2 the scan could not be done (a path that does
not exist, a directory that is not a git repository, an unreadable baseline).";

const VERIFY_HELP: &str = "\
Examples:
  weir verify                                     # the configured ledger
  weir verify --checkpoint /backup/weir.checkpoint
  weir verify --public-key 'weir-ledger/4f..+1a2b3c4d+AU...'
  weir verify --export ledger.jsonl               # an export, without the database
  weir verify --format json

The public key comes from --public-key, else from the ledger's key file ([ledger] key_file), else
from the database itself (a warning: a key read from the database cannot catch a chain rewritten
and re-signed by whoever rewrote it). Checkpoints kept outside the database (the configured
checkpoint_file, and every --checkpoint) catch a truncated or rolled-back ledger; keep copies of
them somewhere the database's owner cannot write.

Exit code: 0 verified, 1 problems found (the first bad entry is named), 2 the ledger could not be
read.";

/// `weir scan`.
#[derive(Debug, Args)]
pub struct ScanArgs {
    /// Configuration file: its [dlp.rules] switch rules off and its [[dlp.custom]] rules are
    /// added.
    #[command(flatten)]
    pub config: ConfigArg,
    /// Files and directories to scan, `-` for standard input (default: standard input when
    /// piped, else the current directory).
    #[arg(value_name = "PATH")]
    pub paths: Vec<PathBuf>,
    /// Scan the history of this git repository (default: the current directory) instead of
    /// files: every distinct file content reachable from any ref.
    #[arg(
        long,
        value_name = "REPO",
        num_args = 0..=1,
        default_missing_value = ".",
        conflicts_with = "paths"
    )]
    pub git: Option<PathBuf>,
    /// Output format: text lines for people, JSON Lines (one finding per line), or SARIF 2.1.0.
    #[arg(long, value_enum, default_value_t = ScanFormat::Text)]
    pub format: ScanFormat,
    /// Do not report findings whose fingerprint is in this file (written by
    /// --write-baseline).
    #[arg(long, value_name = "FILE")]
    pub baseline: Option<PathBuf>,
    /// Write the fingerprints of every current finding to this file (JSON, no secrets) and exit
    /// 0 without reporting them.
    #[arg(long, value_name = "FILE")]
    pub write_baseline: Option<PathBuf>,
    /// Skip files (and, with --git, file versions) larger than this (bytes, or with a unit:
    /// 500k, 10MiB, 1G).
    #[arg(long, value_name = "SIZE", default_value = "10MiB", value_parser = crate::scan::text::parse_size)]
    pub max_file_size: u64,
    /// Scan files that .gitignore, .ignore and git excludes would skip.
    #[arg(long)]
    pub no_ignore: bool,
    /// No summary on stderr.
    #[arg(long, short = 'q')]
    pub quiet: bool,
}

/// Output of `weir scan`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ScanFormat {
    /// `path:line:col  rule-id  Rule name  preview`, one finding per line.
    Text,
    /// JSON Lines: one object per finding.
    Json,
    /// One SARIF 2.1.0 log (for code-scanning tools).
    Sarif,
}

/// Options shared by commands that load the configuration.
#[derive(Debug, Args, Clone)]
pub struct ConfigArg {
    /// The configuration file (default: ./weir.toml, $WEIR_CONFIG, ~/.config/weir/weir.toml, or
    /// none: zero-config).
    #[arg(long, short = 'c', value_name = "FILE", env = "WEIR_CONFIG")]
    pub config: Option<PathBuf>,
}

/// `weir serve`.
#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Configuration file.
    #[command(flatten)]
    pub config: ConfigArg,
    /// Address to listen on (overrides `listen` in the file). A non-loopback address requires an
    /// access token.
    #[arg(long, short = 'l', value_name = "ADDR")]
    pub listen: Option<SocketAddr>,
    /// Decide policy dates as if today were DATE (YYYY-MM-DD, UTC) instead of today: try a ban
    /// or a migration window before the day it starts.
    #[arg(long, value_name = "DATE", value_parser = parse_date)]
    pub policy_date: Option<weir_policy::Date>,
}

fn parse_project(s: &str) -> Result<String, String> {
    let ok = !s.is_empty()
        && s.len() <= 100
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'));
    if ok {
        Ok(s.to_owned())
    } else {
        Err("a project name is 1 to 100 letters, digits, `.`, `_` or `-`".to_owned())
    }
}

fn parse_date(s: &str) -> Result<weir_policy::Date, String> {
    weir_policy::Date::parse(s).map_err(|e| e.to_string())
}

/// `weir run`.
#[derive(Debug, Args)]
pub struct RunArgs {
    /// Configuration file.
    #[command(flatten)]
    pub config: ConfigArg,
    /// Also make weir the agent's forward proxy (HTTPS_PROXY): every other host it contacts
    /// (update checks, telemetry, plugin catalogues) is recorded in the ledger and checked
    /// against [proxy] allow/deny in weir.toml. Tunnels are not decrypted.
    #[arg(long)]
    pub proxy: bool,
    /// The project this run works on, for the policy (its class decides which vendors and
    /// jurisdictions the code may go to) and the ledger. The agent reaches weir under
    /// /project/NAME/, so every tool carries it. Letters, digits, `.`, `_`, `-`.
    #[arg(long, value_name = "NAME", value_parser = parse_project)]
    pub project: Option<String>,
    /// The agent and its arguments.
    #[arg(
        required = true,
        trailing_var_arg = true,
        allow_hyphen_values = true,
        value_name = "AGENT [ARGS]..."
    )]
    pub command: Vec<String>,
}

/// `weir inspect`.
#[derive(Debug, Args)]
pub struct InspectArgs {
    /// Configuration file (to find the ledger for exchange ids).
    #[command(flatten)]
    pub config: ConfigArg,
    /// Capture files, HAR files, JSON request bodies, `-`, or ledger exchange ids.
    #[arg(value_name = "INPUT")]
    pub inputs: Vec<String>,
    /// Compare two requests (exactly two inputs) and show what differs.
    #[arg(long)]
    pub diff: bool,
    /// Output format.
    #[arg(long, value_enum, default_value_t = InspectFormat::Text)]
    pub format: InspectFormat,
}

/// `weir inspect --format`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum InspectFormat {
    /// Grouped and explained, for a person.
    Text,
    /// One JSON array, one object per request.
    Json,
}

/// `weir log`.
#[derive(Debug, Args)]
pub struct LogArgs {
    /// Configuration file.
    #[command(flatten)]
    pub config: ConfigArg,
    /// `weir log show ID`.
    #[command(subcommand)]
    pub command: Option<LogCommand>,
    /// Which exchanges.
    #[command(flatten)]
    pub filter: FilterArgs,
    /// Show at most this many exchanges (the newest).
    #[arg(
        long,
        short = 'n',
        value_name = "N",
        default_value_t = 50,
        value_parser = clap::value_parser!(u32).range(1..)
    )]
    pub limit: u32,
    /// Output format: a table, or JSON Lines (one exchange per line).
    #[arg(long, value_enum, default_value_t = LogFormat::Table)]
    pub format: LogFormat,
}

/// Filters shared by `weir log` and `weir report`.
#[derive(Debug, Args, Clone, Default)]
pub struct FilterArgs {
    /// Exchanges that started at or after this time (default: 7d for log, 30d for report).
    #[arg(long, value_name = "TIME", value_parser = parse_time)]
    pub since: Option<i64>,
    /// Exchanges that started before this time (default: now).
    #[arg(long, value_name = "TIME", value_parser = parse_time)]
    pub until: Option<i64>,
    /// Only this coding tool (claude-code, codex, ...).
    #[arg(long, value_name = "NAME")]
    pub tool: Option<String>,
    /// Only this project.
    #[arg(long, value_name = "NAME")]
    pub project: Option<String>,
    /// Only this vendor (the one that answered, or the last one tried).
    #[arg(long, value_name = "NAME")]
    pub vendor: Option<String>,
    /// Only this jurisdiction (US, CN, EU, local, ...; any case).
    #[arg(long, value_name = "CODE")]
    pub jurisdiction: Option<String>,
    /// Only this outcome (ok, failed_over, vendor_error, failed, rejected, blocked,
    /// interrupted, running).
    #[arg(long, value_name = "OUTCOME", value_parser = parse_outcome)]
    pub outcome: Option<OutcomeFilter>,
}

/// An outcome to filter on: a finished one, or still running.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OutcomeFilter {
    /// Ended this way.
    Ended(weir_ledger::Outcome),
    /// Not ended yet.
    Running,
}

fn parse_time(s: &str) -> Result<i64, String> {
    crate::ledger::time::parse_time(s, crate::ledger::time::now_ms())
}

fn parse_outcome(s: &str) -> Result<OutcomeFilter, String> {
    let name = s.trim().to_ascii_lowercase().replace('-', "_");
    if name == "running" {
        return Ok(OutcomeFilter::Running);
    }
    weir_ledger::Outcome::parse(&name)
        .map(OutcomeFilter::Ended)
        .ok_or_else(|| {
            let names: Vec<&str> = weir_ledger::Outcome::ALL
                .iter()
                .map(|o| o.as_str())
                .chain(["running"])
                .collect();
            format!("unknown outcome `{s}`: use one of {}", names.join(", "))
        })
}

/// Output of `weir log`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum LogFormat {
    /// Columns for people.
    Table,
    /// JSON Lines: one object per exchange, stable field names.
    Json,
}

/// `weir log` subcommands.
#[derive(Debug, Subcommand)]
pub enum LogCommand {
    /// Show one exchange: its entries, facts, attempts, and the content that left.
    #[command(after_help = SHOW_HELP)]
    Show(ShowArgs),
}

/// `weir log show`.
#[derive(Debug, Args)]
pub struct ShowArgs {
    /// The exchange id (`req_…`, as `weir log` lists it and clients get in `request-id`).
    #[arg(value_name = "ID")]
    pub id: String,
    /// Configuration file.
    #[command(flatten)]
    pub config: ConfigArg,
    /// Which content: what left for the vendor, the client's request, or the answer.
    #[arg(long, value_enum, default_value_t = ContentChoice::Sent)]
    pub content: ContentChoice,
    /// Write the content's exact bytes to stdout, and nothing else.
    #[arg(long, conflicts_with = "format")]
    pub raw: bool,
    /// Output format: text for people, or the exchange's record as JSON.
    #[arg(long, value_enum, default_value_t = TextFormat::Text)]
    pub format: TextFormat,
}

/// Which content `weir log show` prints.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ContentChoice {
    /// The body that left for the vendor that answered (or the last one tried).
    Sent,
    /// The client's request as it arrived.
    Request,
    /// The answer that went back to the client.
    Answer,
}

/// `weir report`.
#[derive(Debug, Args)]
pub struct ReportArgs {
    /// Configuration file.
    #[command(flatten)]
    pub config: ConfigArg,
    /// Which exchanges.
    #[command(flatten)]
    pub filter: FilterArgs,
    /// Group by these, in order (comma-separated).
    #[arg(
        long,
        value_enum,
        value_delimiter = ',',
        value_name = "DIM,...",
        default_value = "jurisdiction,vendor"
    )]
    pub by: Vec<GroupBy>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = ReportFormat::Table)]
    pub format: ReportFormat,
    /// Sum up the policy's decisions (refused, would be refused in observe mode, rerouted) by
    /// rule, tool and project, instead of bytes and tokens. Table or JSON.
    #[arg(long)]
    pub policy: bool,
}

/// What `weir report` groups by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum GroupBy {
    /// The vendor that answered (or was tried last).
    Vendor,
    /// Its jurisdiction.
    Jurisdiction,
    /// The project.
    Project,
    /// The coding tool.
    Tool,
}

/// Output of `weir report`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ReportFormat {
    /// Columns for people, with a total line.
    Table,
    /// One JSON document: the period, the rows and the total.
    Json,
    /// CSV with a header row (RFC 4180).
    Csv,
}

/// `weir export`.
#[derive(Debug, Args)]
pub struct ExportArgs {
    /// Configuration file.
    #[command(flatten)]
    pub config: ConfigArg,
    /// Write to this file instead of stdout.
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Also export the content blocks (request and answer bodies), so that the export can
    /// replay what was sent.
    #[arg(long)]
    pub content: bool,
    /// Start at this entry (inclusive) rather than the first.
    #[arg(long, value_name = "SEQ", value_parser = clap::value_parser!(u64).range(1..))]
    pub since_seq: Option<u64>,
}

/// `weir verify`.
#[derive(Debug, Args)]
pub struct VerifyArgs {
    /// Configuration file.
    #[command(flatten)]
    pub config: ConfigArg,
    /// The ledger's public key (verifier-key text, as `weir verify` prints it).
    #[arg(long, value_name = "KEY")]
    pub public_key: Option<String>,
    /// A checkpoint kept outside the database (repeatable), in addition to the configured
    /// checkpoint_file.
    #[arg(long, value_name = "FILE")]
    pub checkpoint: Vec<PathBuf>,
    /// Verify this file written by `weir export` instead of the configured database.
    #[arg(long, value_name = "FILE")]
    pub export: Option<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = TextFormat::Text)]
    pub format: TextFormat,
}

/// Output of `weir log show` and `weir verify`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum TextFormat {
    /// For people.
    Text,
    /// JSON.
    Json,
}

/// `weir config ...`.
#[derive(Debug, Subcommand)]
pub enum ConfigCommand {
    /// Validate a configuration file and show what it enables; exit code 1 when it has errors.
    Check(CheckArgs),
}

/// `weir config check`.
#[derive(Debug, Args)]
pub struct CheckArgs {
    /// The file to check (default: the one `weir serve` would use).
    #[arg(value_name = "FILE")]
    pub file: Option<PathBuf>,
    /// Configuration file (same as FILE).
    #[command(flatten)]
    pub config: ConfigArg,
}

/// `weir policy ...`.
#[derive(Debug, Subcommand)]
pub enum PolicyCommand {
    /// Validate a policy and show its rules; exit code 1 when it has errors.
    #[command(after_help = POLICY_CHECK_HELP)]
    Check(PolicyCheckArgs),
    /// Show what the policy decides for a request, described by flags or given as a ledger
    /// exchange id, with every rule that applied.
    #[command(after_help = POLICY_EXPLAIN_HELP)]
    Explain(Box<ExplainArgs>),
}

const POLICY_CHECK_HELP: &str = "\
Examples:
  weir policy check                      # the policy weir.toml names (policy = \"policy.toml\")
  weir policy check draft-policy.toml    # a policy file, checked against ./weir.toml's routes
  weir policy check -c /etc/weir/weir.toml

FILE is a policy file, unless it has a top-level `policy` key: then it is a weir.toml, and the
policy it names (policy = \"PATH\" or a [policy] table) is checked. Names the policy shares with
the configuration (reroute:ROUTE, vendor names) are checked against the weir.toml in use; without
one they are not checked.

On success: `FILE: ok`, then the mode, classes, teams, where reroutes go, and every rule with its
line and id (the id cited in explanations and in the ledger). On errors: every error as
FILE:LINE:COL: message, and exit code 1. A configuration without a policy is not an error: with
no policy everything is allowed (exit code 0).";

const POLICY_EXPLAIN_HELP: &str = "\
Examples:
  weir policy explain --tool claude-code --version 2.1.3
  weir policy explain --tool codex --cwd /srv/acme/payments --model claude-sonnet-4-5
  weir policy explain --tool claude-code --project payments --finding secret --model claude-x
  weir policy explain --tool aider --vendor deepseek --date 2026-07-10
  weir policy explain --tool claude-code --user alice@acme.com --format json
  weir policy explain req_01J...                      # a recorded exchange: now and then
  weir policy explain --policy draft.toml req_01J...  # what a draft would have said

The route: --model resolves through weir.toml's routes (as the gateway would); --vendor NAME
names one target instead (with --model as its model). Without either, only the tool, project
and data are decided. Routes the policy reroutes to are resolved too, so a reroute is decided
to its end. --cwd is made absolute; --remote may be repeated and takes any git URL spelling.
--finding names a category present in the request (secret, email, time-zone, invisible, ...).
The date defaults to today (UTC); rules with from/until are decided for --date.

With an exchange id, the exchange's tool, version, user, project, model and findings come from
the ledger (it keeps no working directory or remotes: the project is the one recorded), the model
is routed as weir.toml routes it now, and the request is decided with the current policy for the
day of the exchange (or --date), beside the decisions recorded then.

--format json writes the decision as JSON (for an exchange id: {exchange, time, outcome,
decision, recorded}). Exit code 0 when explained, allowed or refused; 1 on errors.";

/// `weir policy check`.
#[derive(Debug, Args)]
pub struct PolicyCheckArgs {
    /// A policy file, or a weir.toml naming one (default: the policy the weir.toml in use
    /// names).
    #[arg(value_name = "FILE")]
    pub file: Option<PathBuf>,
    /// Configuration file: its policy is checked, and its routes and vendors are what the
    /// policy's names are checked against.
    #[command(flatten)]
    pub config: ConfigArg,
}

/// `weir policy explain`.
#[derive(Debug, Args)]
pub struct ExplainArgs {
    /// A ledger exchange id (`req_…`): decide that request again and show what was recorded.
    #[arg(
        value_name = "ID",
        conflicts_with_all = ["tool", "version", "project", "cwd", "remote", "user", "model", "vendor", "finding"]
    )]
    pub id: Option<String>,
    /// Configuration file: its policy, routes and vendors (and its ledger, for an id).
    #[command(flatten)]
    pub config: ConfigArg,
    /// Decide with this policy file instead of the one weir.toml names (to try a draft).
    #[arg(long, value_name = "FILE")]
    pub policy: Option<PathBuf>,
    /// The coding tool's id (claude-code, codex, qwen-code, aider, ...); none: `unknown`.
    #[arg(long, value_name = "ID")]
    pub tool: Option<String>,
    /// The tool's version.
    #[arg(long, value_name = "V")]
    pub version: Option<String>,
    /// A project named explicitly (as `weir run --project` or a header would).
    #[arg(long, value_name = "NAME")]
    pub project: Option<String>,
    /// The working directory the tool runs in.
    #[arg(long, value_name = "DIR")]
    pub cwd: Option<PathBuf>,
    /// A git remote URL of the working tree (repeatable).
    #[arg(long, value_name = "URL")]
    pub remote: Vec<String>,
    /// The user's identity (matched against team members).
    #[arg(long, value_name = "ID")]
    pub user: Option<String>,
    /// The model asked for: routed through weir.toml's routes.
    #[arg(long, value_name = "M")]
    pub model: Option<String>,
    /// Send to this vendor (one target) instead of the model's route.
    #[arg(long, value_name = "NAME")]
    pub vendor: Option<String>,
    /// A finding category present in the request (repeatable): secret, email, time-zone, ...
    #[arg(long, value_name = "CATEGORY")]
    pub finding: Vec<String>,
    /// Decide for this day (YYYY-MM-DD, UTC) instead of today, or the exchange's day.
    #[arg(long, value_name = "YYYY-MM-DD", value_parser = parse_date)]
    pub date: Option<weir_policy::Date>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = TextFormat::Text)]
    pub format: TextFormat,
}
