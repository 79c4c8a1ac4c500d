//! Bundle signing keys of a store: list the trusted keys, trust another maker's public key
//! (audited), sign a bundle (with the store's key, or a key file such as the project's).

use std::path::Path;

use leader_infer::registry::ModelRegistry;
use leader_infer::signing::{PublicKey, SecretKey, SignatureFile, sign_bundle};
use leader_store::Store;
use serde::Serialize;

use crate::{FileKind, FileOp, Result, Rule, ServiceError};

/// The largest public key file read (a key is one short line).
const MAX_KEY_FILE: u64 = 4096;

#[derive(Debug, Clone, Serialize)]
pub struct KeyEntry {
    pub id: String,
    pub label: String,
    /// `project` (compiled in), `store` (this store's own key) or `trusted` (`model trust`).
    pub source: String,
    /// The public key in its one-line text form.
    pub public_key: String,
}

fn entry(k: &PublicKey, source: &str) -> KeyEntry {
    KeyEntry { id: k.id(), label: k.label().to_owned(), source: source.into(), public_key: k.to_text().trim().into() }
}

/// The keys whose signatures this store's installs accept.
pub fn list(registry: &ModelRegistry) -> Result<Vec<KeyEntry>> {
    let mut out: Vec<KeyEntry> = PublicKey::project().iter().map(|k| entry(k, "project")).collect();
    if let Some(ring) = registry.keys() {
        if let Some(own) = ring.store_public()? {
            out.push(entry(&own, "store"));
        }
        out.extend(ring.trusted()?.iter().map(|k| entry(k, "trusted")));
    }
    Ok(out)
}

/// Trusts the public key in `file` for this store's installs; written to the audit log.
pub async fn trust(store: &Store, registry: &ModelRegistry, file: &Path) -> Result<KeyEntry> {
    let ring = registry.keys().ok_or(ServiceError::Invalid(Rule::NoKeyRing))?;
    let meta = std::fs::metadata(file).map_err(|e| ServiceError::file(FileKind::KeyFile, FileOp::Read, file, &e))?;
    if !meta.is_file() || meta.len() > MAX_KEY_FILE {
        return Err(ServiceError::Invalid(Rule::NotAKeyFile));
    }
    let bytes = leader_infer::integrity::read_regular(file)
        .map_err(|e| ServiceError::file(FileKind::KeyFile, FileOp::Read, file, &e))?;
    let key = PublicKey::parse(&String::from_utf8_lossy(&bytes)).map_err(|e| ServiceError::Invalid(Rule::BadKey(e)))?;
    ring.add_trusted(&key)?;
    let payload = serde_json::json!({ "key_id": key.id(), "label": key.label(), "public_key": key.hex() });
    store.append_audit(&leader_store::actor::current_actor(), "model-key-trusted", &payload).await?;
    Ok(entry(&key, "trusted"))
}

/// Signs the bundle in `dir`: with the key in `key_file` (created, 0600, with a `.pub` beside
/// it, when there is none) or else with the store's own key (created on first use).
pub fn sign(registry: &ModelRegistry, dir: &Path, key_file: Option<&Path>) -> Result<(SignatureFile, KeyEntry)> {
    let key = match key_file {
        Some(f) => {
            let existed = f.exists();
            let label = f.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
            let key = SecretKey::read_or_create(f, &label)?;
            if !existed {
                let mut public = f.as_os_str().to_owned();
                public.push(".pub");
                std::fs::write(&public, key.public().to_text())
                    .map_err(|e| ServiceError::file(FileKind::PublicKeyFile, FileOp::Write, Path::new(&public), &e))?;
            }
            key
        }
        None => registry.keys().ok_or(ServiceError::Invalid(Rule::NoKeyRing))?.store_key()?,
    };
    let sig = sign_bundle(dir, &key)?;
    Ok((sig, entry(&key.public(), if key_file.is_some() { "file" } else { "store" })))
}
