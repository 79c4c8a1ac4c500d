//! `leader`: the headless face of LEADER Rx. Thin by design: it parses arguments,
//! resolves them into one validated [`args::Resolved`], and calls the crates. Every
//! command prints a readable table, or JSON with `--json`; errors are one line on
//! stderr and a non-zero exit code.
//!
//! Owns: argument parsing, the terminal output (tables, JSON, progress bars) and exit
//! codes. Must not: open the store's tables or the engine on its own terms, write audit
//! events, or hold a rule a front-end could disagree on: those are leader-service
//! functions, shared with the desktop app.

mod args;
#[macro_use]
mod output;
mod commands;
mod infer_cmds;
mod progress;

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = args::Cli::parse();
    leader_service::logging::init();
    // One thread for a command (it awaits one thing at a time; blocking work goes to
    // `spawn_blocking`, and SQLite has its own thread): a short command such as `patient
    // show` then pays no worker start-up and hand-offs. The HTTP service serves requests
    // side by side on two.
    let runtime = if matches!(cli.command, args::Command::Serve(_)) {
        tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build()
    } else {
        tokio::runtime::Builder::new_current_thread().enable_all().build()
    };
    let runtime = match runtime {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(commands::run(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            let chain: Vec<String> = e.chain().map(ToString::to_string).collect();
            eprintln!("error: {}", chain.join(": "));
            ExitCode::FAILURE
        }
    }
}
