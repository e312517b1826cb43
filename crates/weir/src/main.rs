//! `weir`: one binary between AI coding tools and model vendors. See `weir --help`.

mod agents;
mod cli;
mod config_file;
mod run;
mod serve;

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = cli::Cli::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("weir: cannot start the async runtime: {e}");
            return ExitCode::from(1);
        }
    };
    let result = runtime.block_on(async {
        match cli.command {
            cli::Command::Serve(args) => serve::serve(args).await,
            cli::Command::Run(args) => run::run(args).await,
            cli::Command::Config(cli::ConfigCommand::Check(args)) => config_file::check(args),
        }
    });
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("weir: {e:#}");
            ExitCode::from(1)
        }
    }
}
