//! Signed bundles: who made a model, checked before it is installed.
//!
//! - A bundle's signature is a detached `signature.json` in the bundle folder: ed25519 over
//!   the [bundle digest](crate::integrity::bundle_digest) (manifest and every listed file),
//!   with the signer's key id and public key. It is not listed in the manifest, so it is not
//!   part of the digest it signs.
//! - Keys are one-line text files: `leader-rx ed25519 <hex> <label>` for a public key,
//!   `leader-rx ed25519 secret <hex seed> <label>` for a signing key (owner-only, 0600).
//!   A key's id is the first 16 hex digits of the sha256 of its 32 bytes.
//! - A store's [`KeyRing`] sits beside the store file: its own signing key
//!   (`<store>.signing-key`, created on first use; `leader refine` signs its candidates with
//!   it) and the public keys trusted with `leader model trust` (`<store>.trusted-keys/`).
//!   The [`Trust`] of a store is the project key (compiled in), the store's own key and the
//!   trusted keys.
//! - The bundled model ships signed with the project key; it is checked against that key at
//!   every load ([`check_bundled`]).

use std::fs;
use std::io::Write;
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
use std::path::{Path, PathBuf};

use ed25519_dalek::{Signature, Signer, SigningKey, VerifyingKey};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::error::{InferError, Result};
use crate::integrity::read_regular;

/// The detached signature file of a bundle.
pub const SIGNATURE: &str = "signature.json";
/// The project's public key (the bundled model is signed with its private half, which is
/// kept outside the repository).
pub const PROJECT_PUBLIC_KEY: &str = include_str!("../../../models/leader-project.pub");
/// What is signed: this context, then the bundle digest (hex).
const CONTEXT: &[u8] = b"leader-rx bundle signature 1\n";
const PUBLIC_PREFIX: &str = "leader-rx ed25519 ";
const SECRET_PREFIX: &str = "leader-rx ed25519 secret ";

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn unhex<const N: usize>(text: &str) -> Option<[u8; N]> {
    if text.len() != 2 * N || !text.is_ascii() {
        return None;
    }
    let mut out = [0u8; N];
    for (i, slot) in out.iter_mut().enumerate() {
        *slot = u8::from_str_radix(text.get(2 * i..2 * i + 2)?, 16).ok()?;
    }
    Some(out)
}

fn key_problem(problem: impl Into<String>) -> InferError {
    InferError::Key(problem.into())
}

/// A public key that may sign bundles.
#[derive(Clone, PartialEq, Eq)]
pub struct PublicKey {
    key: VerifyingKey,
    label: String,
}

impl std::fmt::Debug for PublicKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "PublicKey({} {})", self.id(), self.label)
    }
}

impl PublicKey {
    /// Parses `leader-rx ed25519 <64 hex digits> [label]` (the first line that is not empty
    /// or a `#` comment).
    pub fn parse(text: &str) -> std::result::Result<PublicKey, String> {
        let line = text
            .lines()
            .map(str::trim)
            .find(|l| !l.is_empty() && !l.starts_with('#'))
            .ok_or("the key file is empty")?;
        if line.starts_with(SECRET_PREFIX) {
            return Err("this is a signing (secret) key, not a public key: pass its .pub file".into());
        }
        let rest = line
            .strip_prefix(PUBLIC_PREFIX)
            .ok_or("not a LEADER Rx public key (expected `leader-rx ed25519 <64 hex digits> [label]`)")?;
        let (hex_part, label) = rest.split_once(' ').unwrap_or((rest, ""));
        let bytes = unhex::<32>(hex_part).ok_or("the key is not 64 hex digits")?;
        let key = VerifyingKey::from_bytes(&bytes).map_err(|_| "the key is not a valid ed25519 public key")?;
        if key.is_weak() {
            return Err("the key is a weak ed25519 key".into());
        }
        let label: String = label.trim().chars().filter(|c| !c.is_control()).take(80).collect();
        Ok(PublicKey { key, label })
    }

    /// The project's key, compiled in.
    pub fn project() -> Option<PublicKey> {
        PublicKey::parse(PROJECT_PUBLIC_KEY).ok()
    }

    /// First 16 hex digits of the sha256 of the key's bytes.
    pub fn id(&self) -> String {
        let full = hex(&Sha256::digest(self.key.as_bytes()));
        full.get(..16).unwrap_or(&full).to_owned()
    }

    pub fn label(&self) -> &str {
        &self.label
    }

    pub fn hex(&self) -> String {
        hex(self.key.as_bytes())
    }

    /// The one-line text form, as `parse` reads it.
    pub fn to_text(&self) -> String {
        format!("{PUBLIC_PREFIX}{} {}\n", self.hex(), self.label).replace(" \n", "\n")
    }

    fn verify(&self, digest: &str, signature: &Signature) -> bool {
        self.key.verify_strict(&message(digest), signature).is_ok()
    }
}

fn message(digest: &str) -> Vec<u8> {
    let mut m = CONTEXT.to_vec();
    m.extend_from_slice(digest.to_ascii_lowercase().as_bytes());
    m
}

/// A signing key (never printed).
pub struct SecretKey {
    key: SigningKey,
    label: String,
}

impl std::fmt::Debug for SecretKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "SecretKey({})", self.public().id())
    }
}

impl SecretKey {
    /// A new key from the operating system's random source.
    pub fn generate(label: &str) -> Result<SecretKey> {
        let mut seed = [0u8; 32];
        fs::File::open("/dev/urandom")
            .and_then(|mut f| std::io::Read::read_exact(&mut f, &mut seed))
            .map_err(|e| key_problem(format!("cannot read random bytes for a new signing key: {e}")))?;
        let key = SigningKey::from_bytes(&seed);
        seed.fill(0);
        Ok(SecretKey { key, label: label.chars().filter(|c| !c.is_control()).collect() })
    }

    /// Reads a signing key file (`leader-rx ed25519 secret <64 hex digits> [label]`). A file
    /// that others may read is refused: the key would no longer be this account's alone.
    pub fn read(path: &Path) -> Result<SecretKey> {
        let bytes = read_regular(path).map_err(|e| key_problem(format!("cannot read the signing key: {e}")))?;
        let meta = fs::metadata(path).map_err(|e| key_problem(format!("cannot read the signing key: {e}")))?;
        if std::os::unix::fs::PermissionsExt::mode(&meta.permissions()) & 0o077 != 0 {
            return Err(key_problem(
                "the signing key file may be read by other accounts (it must be 0600): refusing to use it",
            ));
        }
        let text = String::from_utf8(bytes).map_err(|_| key_problem("the signing key file is not text"))?;
        let line = text.lines().map(str::trim).find(|l| !l.is_empty()).unwrap_or("");
        let rest = line
            .strip_prefix(SECRET_PREFIX)
            .ok_or_else(|| key_problem("not a LEADER Rx signing key (expected `leader-rx ed25519 secret <hex>`)"))?;
        let (hex_part, label) = rest.split_once(' ').unwrap_or((rest, ""));
        let mut seed = unhex::<32>(hex_part).ok_or_else(|| key_problem("the signing key is not 64 hex digits"))?;
        let key = SigningKey::from_bytes(&seed);
        seed.fill(0);
        Ok(SecretKey { key, label: label.trim().to_owned() })
    }

    /// Writes the key to a new file, owner read/write only (0600); never overwrites.
    pub fn write(&self, path: &Path) -> Result<()> {
        let mut f = fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(path)
            .map_err(|e| key_problem(format!("cannot create the signing key file: {e}")))?;
        let text = format!("{SECRET_PREFIX}{} {}\n", hex(&self.key.to_bytes()), self.label);
        f.write_all(text.as_bytes())
            .and_then(|()| f.sync_all())
            .map_err(|e| key_problem(format!("cannot write the signing key file: {e}")))
    }

    /// Reads the key at `path`, or creates it (0600) when there is none.
    pub fn read_or_create(path: &Path, label: &str) -> Result<SecretKey> {
        match fs::symlink_metadata(path) {
            Ok(_) => SecretKey::read(path),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                let key = SecretKey::generate(label)?;
                match key.write(path) {
                    Ok(()) => Ok(key),
                    // Created meanwhile by another process: use that one.
                    Err(_) if path.exists() => SecretKey::read(path),
                    Err(e) => Err(e),
                }
            }
            Err(e) => Err(key_problem(format!("cannot read the signing key: {e}"))),
        }
    }

    pub fn public(&self) -> PublicKey {
        PublicKey { key: self.key.verifying_key(), label: self.label.clone() }
    }

    /// The signature of a bundle digest.
    pub fn sign_digest(&self, digest: &str) -> SignatureFile {
        let public = self.public();
        SignatureFile {
            format: 1,
            algorithm: "ed25519".into(),
            key_id: public.id(),
            public_key: public.hex(),
            signer: public.label.clone(),
            digest: digest.to_ascii_lowercase(),
            signature: hex(&self.key.sign(&message(digest)).to_bytes()),
        }
    }
}

/// `signature.json`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignatureFile {
    pub format: u32,
    pub algorithm: String,
    pub key_id: String,
    /// The signer's public key (hex); trusted only when it is one of the trusted keys.
    pub public_key: String,
    #[serde(default)]
    pub signer: String,
    /// The bundle digest signed.
    pub digest: String,
    /// ed25519 signature (hex) of `leader-rx bundle signature 1\n` + digest.
    pub signature: String,
}

/// Signs the bundle in `dir` (its digest as the loader computes it) with `key`: writes
/// `signature.json` (replacing an older one). Returns the signature written.
pub fn sign_bundle(dir: &Path, key: &SecretKey) -> Result<SignatureFile> {
    let files = crate::bundle::CheckedFiles::read_unsigned(dir)?;
    let sig = key.sign_digest(&files.digest);
    let text = serde_json::to_string_pretty(&sig).unwrap_or_default() + "\n";
    let tmp = dir.join(format!(".{SIGNATURE}.{}", std::process::id()));
    let bad = |e: std::io::Error| InferError::Bundle {
        dir: dir.to_owned(),
        problem: format!("cannot write {SIGNATURE}: {e}"),
    };
    let _ = fs::remove_file(&tmp);
    let mut f = fs::OpenOptions::new().write(true).create_new(true).open(&tmp).map_err(bad)?;
    f.write_all(text.as_bytes()).and_then(|()| f.sync_all()).map_err(bad)?;
    fs::rename(&tmp, dir.join(SIGNATURE)).map_err(bad)?;
    Ok(sig)
}

/// What a bundle's signature says, judged against a [`Trust`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum SignatureStatus {
    /// Signed by a trusted key, and the signature verifies over this bundle's digest.
    Verified { key_id: String, signer: String },
    /// No `signature.json`.
    Unsigned,
    /// A valid signature by a key that is not trusted here.
    UnknownKey { key_id: String, signer: String },
    /// A signature that does not verify (the bundle changed after signing, or a forged or
    /// damaged signature file).
    Invalid { problem: String },
}

impl SignatureStatus {
    pub fn is_verified(&self) -> bool {
        matches!(self, SignatureStatus::Verified { .. })
    }

    /// Why an install must stop, or `None`: a verified signature always passes; an unsigned
    /// or unknown-key bundle only with `allow_unsigned`; an invalid signature never.
    pub fn refusal(&self, allow_unsigned: bool) -> Option<String> {
        match self {
            SignatureStatus::Verified { .. } => None,
            SignatureStatus::Unsigned | SignatureStatus::UnknownKey { .. } if allow_unsigned => None,
            SignatureStatus::Unsigned => Some(
                "the bundle is not signed: install only models whose maker you trust, and then with --allow-unsigned (the app: \"Install an unsigned model\"); the choice is written to the audit log".into(),
            ),
            SignatureStatus::UnknownKey { key_id, signer } => Some(format!(
                "the bundle is signed by a key that is not trusted here (key {key_id}{}): trust its public key with `leader model trust KEYFILE`, or install with --allow-unsigned (written to the audit log)",
                label_suffix(signer)
            )),
            SignatureStatus::Invalid { problem } => {
                Some(format!("the bundle's signature does not verify ({problem}); it is not installed"))
            }
        }
    }

    /// One line for people.
    pub fn describe(&self) -> String {
        match self {
            SignatureStatus::Verified { key_id, signer } => format!("signed by key {key_id}{}", label_suffix(signer)),
            SignatureStatus::Unsigned => "unsigned".into(),
            SignatureStatus::UnknownKey { key_id, signer } => {
                format!("signed by an untrusted key {key_id}{}", label_suffix(signer))
            }
            SignatureStatus::Invalid { problem } => format!("invalid signature: {problem}"),
        }
    }
}

fn label_suffix(label: &str) -> String {
    if label.is_empty() { String::new() } else { format!(" ({label})") }
}

/// The public keys whose signatures are accepted.
#[derive(Debug, Clone, Default)]
pub struct Trust {
    keys: Vec<PublicKey>,
}

impl Trust {
    /// Only the project key.
    pub fn project() -> Trust {
        Trust { keys: PublicKey::project().into_iter().collect() }
    }

    pub fn with(mut self, key: PublicKey) -> Trust {
        if !self.keys.iter().any(|k| k.key == key.key) {
            self.keys.push(key);
        }
        self
    }

    pub fn keys(&self) -> &[PublicKey] {
        &self.keys
    }

    /// Judges the bytes of a bundle's `signature.json` (`None`: there is none) for the
    /// bundle whose digest is `digest`.
    pub fn check(&self, signature: Option<&[u8]>, digest: &str) -> SignatureStatus {
        let Some(bytes) = signature else { return SignatureStatus::Unsigned };
        let invalid = |problem: &str| SignatureStatus::Invalid { problem: problem.to_owned() };
        let Ok(sig) = serde_json::from_slice::<SignatureFile>(bytes) else {
            return invalid("signature.json is not a readable signature file");
        };
        if sig.format != 1 || sig.algorithm != "ed25519" {
            return invalid("signature.json uses an unknown format or algorithm");
        }
        if !sig.digest.eq_ignore_ascii_case(digest) {
            return invalid("it signs a different bundle: a file was changed after signing");
        }
        let Some(signature) = unhex::<64>(&sig.signature.to_ascii_lowercase()).map(|b| Signature::from_bytes(&b))
        else {
            return invalid("the signature is not 128 hex digits");
        };
        let signer: String = sig.signer.chars().filter(|c| !c.is_control()).take(80).collect();
        if let Some(k) = self.keys.iter().find(|k| k.hex().eq_ignore_ascii_case(&sig.public_key)) {
            return if k.verify(digest, &signature) {
                SignatureStatus::Verified {
                    key_id: k.id(),
                    signer: if k.label.is_empty() { signer } else { k.label.clone() },
                }
            } else {
                invalid("the signature does not match the signing key")
            };
        }
        let named = PublicKey::parse(&format!("{PUBLIC_PREFIX}{}", sig.public_key));
        match named {
            Ok(k) if k.verify(digest, &signature) => SignatureStatus::UnknownKey { key_id: k.id(), signer },
            Ok(_) => invalid("the signature does not match the signing key"),
            Err(_) => invalid("signature.json names no valid public key"),
        }
    }

    /// Judges the signature of the bundle in `dir` whose digest is `digest`.
    pub fn check_dir(&self, dir: &Path, digest: &str) -> SignatureStatus {
        match read_regular(&dir.join(SIGNATURE)) {
            Ok(bytes) => self.check(Some(&bytes), digest),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => SignatureStatus::Unsigned,
            Err(_) => SignatureStatus::Invalid { problem: format!("{SIGNATURE} cannot be read as a regular file") },
        }
    }
}

/// A store's keys, beside the store file: `<store>.signing-key` and `<store>.trusted-keys/`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyRing {
    pub signing_key: PathBuf,
    pub trusted_dir: PathBuf,
}

impl KeyRing {
    pub fn beside_store(db: &Path) -> KeyRing {
        let name = db.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| "leader.sqlite".into());
        let dir = db.parent().unwrap_or(Path::new("."));
        KeyRing {
            signing_key: dir.join(format!("{name}.signing-key")),
            trusted_dir: dir.join(format!("{name}.trusted-keys")),
        }
    }

    /// The store's signing key, created (0600) on first use.
    pub fn store_key(&self) -> Result<SecretKey> {
        SecretKey::read_or_create(&self.signing_key, "this store")
    }

    /// The store's own public key, when it has a signing key.
    pub fn store_public(&self) -> Result<Option<PublicKey>> {
        if !self.signing_key.exists() {
            return Ok(None);
        }
        SecretKey::read(&self.signing_key).map(|k| Some(k.public()))
    }

    /// Keys trusted with `leader model trust`, by id.
    pub fn trusted(&self) -> Result<Vec<PublicKey>> {
        let Ok(entries) = fs::read_dir(&self.trusted_dir) else { return Ok(Vec::new()) };
        let mut out = Vec::new();
        let mut names: Vec<PathBuf> = entries.flatten().map(|e| e.path()).collect();
        names.sort();
        for path in names.into_iter().filter(|p| p.extension().is_some_and(|x| x == "pub")) {
            let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
            let bytes = read_regular(&path).map_err(|e| key_problem(format!("trusted key {name}: {e}")))?;
            let key = PublicKey::parse(&String::from_utf8_lossy(&bytes))
                .map_err(|e| key_problem(format!("trusted key {name}: {e}")))?;
            out.push(key);
        }
        Ok(out)
    }

    /// The project key, the store's own key and the trusted keys.
    pub fn trust(&self) -> Result<Trust> {
        let mut trust = Trust::project();
        if let Some(own) = self.store_public()? {
            trust = trust.with(own);
        }
        for k in self.trusted()? {
            trust = trust.with(k);
        }
        Ok(trust)
    }

    /// Trusts a public key from now on (`<trusted_dir>/<key id>.pub`, owner-only).
    pub fn add_trusted(&self, key: &PublicKey) -> Result<PathBuf> {
        fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(&self.trusted_dir)
            .map_err(|e| key_problem(format!("cannot create the trusted-keys folder: {e}")))?;
        let path = self.trusted_dir.join(format!("{}.pub", key.id()));
        let tmp = self.trusted_dir.join(format!(".{}.pub.{}", key.id(), std::process::id()));
        let _ = fs::remove_file(&tmp);
        let write = || -> std::io::Result<()> {
            let mut f = fs::OpenOptions::new().write(true).create_new(true).mode(0o600).open(&tmp)?;
            f.write_all(key.to_text().as_bytes())?;
            f.sync_all()?;
            fs::rename(&tmp, &path)
        };
        write().map_err(|e| key_problem(format!("cannot write the trusted key: {e}")))?;
        Ok(path)
    }
}

/// Whether `dir` is the bundled default model of its models folder (the folder's `DEFAULT`
/// file names it): such a bundle must carry the project's signature.
pub fn is_bundled_place(dir: &Path) -> bool {
    let (Some(parent), Some(name)) = (dir.parent(), dir.file_name()) else { return false };
    let parent = if parent.as_os_str().is_empty() { Path::new(".") } else { parent };
    fs::read_to_string(parent.join("DEFAULT")).is_ok_and(|d| d.trim() == name.to_string_lossy())
}

/// Refuses a bundled default model that is not signed by the project key.
pub fn check_bundled(dir: &Path, digest: &str) -> Result<()> {
    match Trust::project().check_dir(dir, digest) {
        SignatureStatus::Verified { .. } => Ok(()),
        other => Err(InferError::Bundle {
            dir: dir.to_owned(),
            problem: format!(
                "the bundled model must be signed with the project key, and it is {}: it is not used",
                other.describe()
            ),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_project_key_parses() {
        let k = PublicKey::project().expect("models/leader-project.pub is a valid public key");
        assert_eq!(k.id().len(), 16);
        assert_eq!(PublicKey::parse(&k.to_text()).expect("round trip"), k);
    }

    #[test]
    fn a_signature_verifies_only_for_its_digest_and_key() {
        let key = SecretKey::generate("test").expect("key");
        let other = SecretKey::generate("other").expect("key");
        let digest = "ab".repeat(32);
        let sig = serde_json::to_vec(&key.sign_digest(&digest)).expect("json");
        let trust = Trust::project().with(key.public());
        assert!(trust.check(Some(&sig), &digest).is_verified());
        assert!(matches!(trust.check(Some(&sig), &"cd".repeat(32)), SignatureStatus::Invalid { .. }));
        assert!(matches!(Trust::project().check(Some(&sig), &digest), SignatureStatus::UnknownKey { .. }));
        assert_eq!(trust.check(None, &digest), SignatureStatus::Unsigned);
        // The other key's signature, claiming the trusted key's public key, is forged.
        let mut forged = key.sign_digest(&digest);
        forged.signature = other.sign_digest(&digest).signature;
        let forged = serde_json::to_vec(&forged).expect("json");
        assert!(matches!(trust.check(Some(&forged), &digest), SignatureStatus::Invalid { .. }));
        assert!(matches!(trust.check(Some(b"{}"), &digest), SignatureStatus::Invalid { .. }));
    }

    #[test]
    fn refusals_depend_on_the_flag_only_for_unsigned_and_unknown() {
        let unknown = SignatureStatus::UnknownKey { key_id: "k".into(), signer: String::new() };
        let invalid = SignatureStatus::Invalid { problem: "x".into() };
        assert!(SignatureStatus::Unsigned.refusal(false).is_some());
        assert!(SignatureStatus::Unsigned.refusal(true).is_none());
        assert!(unknown.refusal(false).is_some() && unknown.refusal(true).is_none());
        assert!(invalid.refusal(true).is_some(), "an invalid signature is refused even with the flag");
    }

    #[test]
    fn signing_keys_are_created_owner_only_and_read_back() {
        let dir = tempfile::tempdir().expect("tmp");
        let ring = KeyRing::beside_store(&dir.path().join("s.sqlite"));
        assert!(ring.store_public().expect("no key yet").is_none());
        let k = ring.store_key().expect("created");
        let mode =
            std::os::unix::fs::PermissionsExt::mode(&fs::metadata(&ring.signing_key).expect("meta").permissions());
        assert_eq!(mode & 0o777, 0o600);
        assert_eq!(ring.store_key().expect("read").public(), k.public(), "the same key on the next use");
        assert!(ring.trust().expect("trust").keys().contains(&k.public()));
        fs::set_permissions(&ring.signing_key, std::os::unix::fs::PermissionsExt::from_mode(0o644)).expect("chmod");
        assert!(SecretKey::read(&ring.signing_key).is_err(), "a key others can read is refused");
    }
}
