//! The diagnostic log every front-end uses (the CLI, the desktop app, the CDS service).

/// Logs to stderr, filtered by `LEADER_LOG` (`off`, `warn`, `debug`, or per crate:
/// `warn,leader_service=debug`); by default LEADER Rx's own crates at `info`, sqlx at
/// `error` (its slow-statement warnings are for developers), others at `warn`. Events carry
/// what failed and where (paths, a refine stage's log tail), never patient data; an error's
/// details go here, never into a message shown to the user. A second call does nothing.
pub fn init() {
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
