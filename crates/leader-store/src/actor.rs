//! Who the audit log records as the actor of this process's events.
//!
//! One person uses a process at a time: the desktop app sets its user
//! ([`set_current_user`]) when the user is chosen, and every event the process writes
//! afterwards (recommendations, decisions, imports, model operations, backups) carries
//! `role:name`. A process without a user (the headless CLI) records the OS account with
//! the role `it` ([`leader_core::user`]).

use std::sync::RwLock;

use leader_core::user::{User, UserRole};

static CURRENT: RwLock<Option<User>> = RwLock::new(None);

/// Sets (or clears) the user of this process.
pub fn set_current_user(user: Option<User>) {
    *CURRENT.write().unwrap_or_else(std::sync::PoisonError::into_inner) = user;
}

/// The user of this process, when one was set.
pub fn current_user() -> Option<User> {
    CURRENT.read().unwrap_or_else(std::sync::PoisonError::into_inner).clone()
}

/// The OS account name: `USER`, `USERNAME` or `LOGNAME`, else the account of this process's
/// user id in `/etc/passwd` (a desktop session started without a login shell may set none);
/// read once per process.
pub fn os_account_name() -> Option<String> {
    static NAME: std::sync::OnceLock<Option<String>> = std::sync::OnceLock::new();
    NAME.get_or_init(read_os_account_name).clone()
}

fn read_os_account_name() -> Option<String> {
    let from_env = ["USER", "USERNAME", "LOGNAME"]
        .iter()
        .filter_map(|v| std::env::var(v).ok())
        .map(|s| s.trim().to_owned())
        .find(|s| !s.is_empty());
    from_env.or_else(|| {
        let status = std::fs::read_to_string("/proc/self/status").ok()?;
        let uid = status.lines().find_map(|l| l.strip_prefix("Uid:"))?.split_whitespace().next()?.to_owned();
        let passwd = std::fs::read_to_string("/etc/passwd").ok()?;
        passwd.lines().find_map(|l| {
            let f: Vec<&str> = l.split(':').collect();
            (f.len() > 2 && f[2] == uid && !f[0].is_empty()).then(|| f[0].to_owned())
        })
    })
}

/// The OS account name, or `unknown`.
pub fn os_account() -> String {
    os_account_name().unwrap_or_else(|| "unknown".into())
}

/// The actor of this process's audit events: its user's `role:name`, else `it:<OS account>`.
pub fn current_actor() -> String {
    match current_user() {
        Some(u) => u.actor(),
        None => format!("{}:{}", UserRole::It.as_str(), os_account()),
    }
}
