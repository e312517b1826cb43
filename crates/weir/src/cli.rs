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

Configuration: weir.toml in the current directory, $WEIR_CONFIG, or ~/.config/weir/weir.toml;
without one, every vendor whose key variable is set is enabled. Check a file with
`weir config check`.";

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
        weir run -- qwen\n\
        Known agents: claude, codex, qwen, aider, opencode. Any other command gets the common\n\
        variables (ANTHROPIC_BASE_URL, OPENAI_BASE_URL, OPENAI_API_BASE). weir reuses a weir\n\
        already listening on the configured address, or starts one inside this process.\n\
        The agent's exit code is weir's exit code.")]
    Run(RunArgs),
    /// Work with the configuration file.
    #[command(subcommand)]
    Config(ConfigCommand),
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
}

/// `weir run`.
#[derive(Debug, Args)]
pub struct RunArgs {
    /// Configuration file.
    #[command(flatten)]
    pub config: ConfigArg,
    /// The agent and its arguments.
    #[arg(
        required = true,
        trailing_var_arg = true,
        allow_hyphen_values = true,
        value_name = "AGENT [ARGS]..."
    )]
    pub command: Vec<String>,
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
