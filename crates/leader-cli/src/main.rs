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

/// Logs to stderr, filtered by `LEADER_LOG` (`off`, `warn`, `debug`, or per crate:
/// `warn,leader_service=debug`); by default LEADER Rx's own crates at `info`, others at
/// `warn` (sqlx at `error`: its slow-statement warnings are for developers). Events carry
/// what failed and where (paths, a stage's log tail), never patient data.
fn init_logging() {
    use tracing_subscriber::filter::{LevelFilter, Targets};
    use tracing_subscriber::prelude::*;
    let filter = std::env::var("LEADER_LOG").ok().and_then(|v| v.parse::<Targets>().ok()).unwrap_or_else(|| {
        Targets::new()
            .with_default(LevelFilter::WARN)
            .with_target("leader", LevelFilter::INFO)
            .with_target("sqlx", LevelFilter::ERROR)
    });
    let ansi = std::io::IsTerminal::is_terminal(&std::io::stderr());
    let fmt = tracing_subscriber::fmt::layer().with_writer(std::io::stderr).with_target(false).with_ansi(ansi);
    let _ = tracing_subscriber::registry().with(fmt).with(filter).try_init();
}

fn main() -> ExitCode {
    let cli = args::Cli::parse();
    init_logging();
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
