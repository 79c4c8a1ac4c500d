//! Who is using LEADER Rx: a name and a role, carried by every audit event as its actor.
//!
//! There are no accounts or passwords: the desktop app asks once for a name (the OS
//! account name by default) and a role, and keeps them in the store; the headless CLI,
//! hospital IT's tool, records the OS account with the role `it`. An audit event's actor
//! is `role:name` ([`User::actor`]); actors written before roles existed are a bare name.

use serde::{Deserialize, Serialize};

/// The longest name accepted (characters).
pub const MAX_NAME: usize = 80;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
pub enum UserRole {
    /// Decides on suggestions for a visit.
    Clinician,
    /// Checks interactions and verifies a visit's orders.
    Pharmacist,
    /// Hospital IT: imports, models, backups (the CLI's role).
    It,
}

impl UserRole {
    pub const ALL: [UserRole; 3] = [UserRole::Clinician, UserRole::Pharmacist, UserRole::It];

    pub const fn as_str(self) -> &'static str {
        match self {
            UserRole::Clinician => "clinician",
            UserRole::Pharmacist => "pharmacist",
            UserRole::It => "it",
        }
    }

    pub fn parse(s: &str) -> Option<UserRole> {
        UserRole::ALL.into_iter().find(|r| r.as_str() == s)
    }
}

/// The person at the keyboard.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
pub struct User {
    pub name: String,
    pub role: UserRole,
}

/// Why a name was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UserError {
    #[error("give a name")]
    EmptyName,
    #[error("a name has at most {MAX_NAME} characters")]
    NameTooLong,
    #[error("a name has no control characters")]
    ControlCharacter,
}

impl User {
    /// A user with a trimmed name, checked.
    pub fn new(name: &str, role: UserRole) -> Result<User, UserError> {
        let name = name.trim();
        if name.is_empty() {
            return Err(UserError::EmptyName);
        }
        if name.chars().count() > MAX_NAME {
            return Err(UserError::NameTooLong);
        }
        if name.chars().any(char::is_control) {
            return Err(UserError::ControlCharacter);
        }
        Ok(User { name: name.to_owned(), role })
    }

    /// The audit log's actor: `role:name`.
    pub fn actor(&self) -> String {
        format!("{}:{}", self.role.as_str(), self.name)
    }

    /// Reads an actor back: the role when it has one (`None` for actors written before
    /// roles, e.g. `root`, or by a service such as `cds:…`) and the name.
    pub fn parse_actor(actor: &str) -> (Option<UserRole>, &str) {
        match actor.split_once(':') {
            Some((role, name)) => match UserRole::parse(role) {
                Some(r) => (Some(r), name),
                None => (None, actor),
            },
            None => (None, actor),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_actor_reads_back_as_the_user_it_was_written_for() {
        let u = User::new("  Ada Lovelace: ward 3 ", UserRole::Pharmacist).expect("valid");
        assert_eq!(u.actor(), "pharmacist:Ada Lovelace: ward 3");
        assert_eq!(User::parse_actor(&u.actor()), (Some(UserRole::Pharmacist), "Ada Lovelace: ward 3"));
        assert_eq!(User::parse_actor("root"), (None, "root"));
        assert_eq!(User::parse_actor("cds:https://ehr.example"), (None, "cds:https://ehr.example"));
    }

    #[test]
    fn empty_long_or_control_names_are_refused() {
        assert_eq!(User::new(" ", UserRole::Clinician), Err(UserError::EmptyName));
        assert_eq!(User::new(&"x".repeat(MAX_NAME + 1), UserRole::It), Err(UserError::NameTooLong));
        assert_eq!(User::new("a\nb", UserRole::It), Err(UserError::ControlCharacter));
        assert!(User::new(&"é".repeat(MAX_NAME), UserRole::It).is_ok());
    }
}
