//! `weir`: one binary between AI coding tools and model vendors. See `weir --help`.

mod agents;
mod capture;
mod cli;
mod config_file;
mod inspect;
mod ledger;
mod policy;
mod run;
mod scan;
mod serve;

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = cli::Cli::parse();
    // The ledger commands read a database synchronously (the PostgreSQL client brings its own
    // runtime): they run outside the async one.
    let command = match cli.command {
        cli::Command::Log(args) => return finish(ledger::log::log(args)),
        cli::Command::Report(args) => return finish(ledger::report::report(args)),
        cli::Command::Export(args) => return finish(ledger::export::export(args)),
        cli::Command::Verify(args) => return finish(ledger::verify::verify(args)),
        // Scanning is synchronous and parallel on its own threads.
        cli::Command::Scan(args) => return scan::main(args),
        cli::Command::Inspect(args) => return inspect::main(args),
        // Reads files and the ledger, like the ledger commands.
        cli::Command::Policy(command) => return finish(policy::main(command)),
        other => other,
    };
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
        match command {
            cli::Command::Serve(args) => serve::serve(args).await,
            cli::Command::Run(args) => run::run(args).await,
            cli::Command::Capture(args) => capture::capture(args).await,
            cli::Command::Config(cli::ConfigCommand::Check(args)) => config_file::check(args),
            cli::Command::Log(_)
            | cli::Command::Report(_)
            | cli::Command::Export(_)
            | cli::Command::Verify(_)
            | cli::Command::Scan(_)
            | cli::Command::Inspect(_)
            | cli::Command::Policy(_) => unreachable!("handled above"),
        }
    });
    finish(result)
}

/// The exit code of a command's result, its error printed.
fn finish(result: anyhow::Result<ExitCode>) -> ExitCode {
    match result {
        Ok(code) => code,
        // `weir log | head`: the reader has all it wanted.
        Err(e) if ledger::is_broken_pipe(&e) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("weir: {e:#}");
            ExitCode::from(1)
        }
    }
}
