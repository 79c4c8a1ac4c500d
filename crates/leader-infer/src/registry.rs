//! Installed models on disk, switched atomically, each with its install record.
//!
//! Layout under the models root (by default `models/` beside the store):
//! ```text
//! <root>/<id>@<version>-<digest8>/   a verified copy of each installed bundle
//! <root>/teacher/                    the installed teacher bundle (teacher mode)
//! <root>/records/<name>.json         the install record of <root>/<name>: its bundle digest
//!                                    and the sha256 of every file, manifest included
//! <root>/active.json                 {"active": "<dir>", "previous": "<dir>" | null}
//! ```
//! Installing is: check that the source holds only regular files and folders (no symbolic
//! links, devices or pipes), copy the manifest and the files it lists into a staging folder
//! (each read once, written and fsynced), verify the copy, let the caller load-test and
//! evaluate that copy ([`Staged`]), then [`ModelRegistry::commit`] (write the record, move the
//! folder into place, fsync the folder) and [`ModelRegistry::activate`] (`active.json`
//! replaced by write-to-temp + fsync + rename). A crash at any point therefore leaves either
//! the old or the new model active, never neither, and the previous one is kept for
//! `rollback`. Without `active.json` the bundled default model (`models/` of the
//! installation, see [`bundled_default`]) is used.
//!
//! Every load of an installed folder (engine start, hot swap, rollback, listing) compares its
//! files with the install record ([`install_record`], called by the bundle loader): an edit of
//! any file, the manifest included, is refused with the names of the changed files.

use std::collections::BTreeMap;
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

use serde::{Deserialize, Serialize};

use crate::bundle::{Bundle, CheckedFiles, MANIFEST, ModelInfo, listed_files};
use crate::error::{InferError, Result};
use crate::integrity::{check_listed_name, check_tree, read_regular};
use crate::signing::{KeyRing, SIGNATURE, SignatureStatus, Trust};

const POINTER: &str = "active.json";
/// The folder of install records.
pub const RECORDS: &str = "records";
/// The installed teacher's folder.
pub const TEACHER: &str = "teacher";
/// `previous` when the model before the first install was the bundled default.
pub const BUNDLED: &str = "(bundled)";

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
pub struct Pointer {
    pub active: Option<String>,
    pub previous: Option<String>,
}

/// What was installed in `<root>/<name>`: written at install, compared at every load.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InstallRecord {
    pub name: String,
    /// The bundle digest (see [`crate::integrity::bundle_digest`]).
    pub digest: String,
    /// sha256 of `manifest.json` and of every file it lists.
    pub files: BTreeMap<String, String>,
    /// The bundle's signature as judged at install (absent in records older than signing).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signature: Option<SignatureStatus>,
}

#[derive(Debug, Clone)]
pub struct ModelRegistry {
    root: PathBuf,
    /// The store's keys: whose signatures are trusted, and the key `leader refine` signs with.
    keys: Option<KeyRing>,
}

fn io(dir: &Path, what: &str, e: std::io::Error) -> InferError {
    InferError::Bundle { dir: dir.to_owned(), problem: format!("{what}: {e}") }
}

/// Whether `dir` is a folder the registry installed: a non-hidden `<id>@...` or `teacher`
/// folder of a models root (one with `active.json` or `records/`).
fn installed_name(dir: &Path) -> Option<(PathBuf, String)> {
    let name = dir.file_name()?.to_str()?.to_owned();
    let parent = match dir.parent() {
        Some(p) if p.as_os_str().is_empty() => Path::new("."),
        Some(p) => p,
        None => return None,
    };
    let is_root = parent.join(RECORDS).is_dir() || parent.join(POINTER).is_file();
    (is_root && !name.starts_with('.') && (name.contains('@') || name == TEACHER)).then(|| (parent.to_owned(), name))
}

/// The install record of `dir` when it is an installed folder; an installed folder without
/// its record is refused (it was not installed by this version, or the record was removed).
pub fn install_record(dir: &Path) -> Result<Option<InstallRecord>> {
    let Some((root, name)) = installed_name(dir) else { return Ok(None) };
    let path = root.join(RECORDS).join(format!("{name}.json"));
    let bad = |problem: String| InferError::Bundle { dir: dir.to_owned(), problem };
    let bytes = match read_regular(&path) {
        Ok(b) => b,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(bad(format!(
                "this installed model has no install record ({RECORDS}/{name}.json): it was not installed by this version, or the record was removed; install it again with `leader model install`"
            )));
        }
        Err(e) => return Err(bad(format!("cannot read its install record: {e}"))),
    };
    let record: InstallRecord =
        serde_json::from_slice(&bytes).map_err(|e| bad(format!("its install record is unreadable: {e}")))?;
    if record.name != name {
        return Err(bad(format!("its install record names another folder ({})", record.name)));
    }
    Ok(Some(record))
}

static STAGING: AtomicUsize = AtomicUsize::new(0);

/// A verified copy of a bundle in a staging folder of the models root, not yet installed.
/// Load-test and evaluate [`Staged::dir`], then [`ModelRegistry::commit`] it; dropped
/// uncommitted, the copy is removed.
#[derive(Debug)]
pub struct Staged {
    dir: PathBuf,
    /// The folder name it will be installed under.
    pub name: String,
    pub model: ModelInfo,
    pub digest: String,
    pub hashes: BTreeMap<String, String>,
    /// The copy's `signature.json` judged against the registry's trusted keys.
    pub signature: SignatureStatus,
    committed: bool,
}

impl Staged {
    pub fn dir(&self) -> &Path {
        &self.dir
    }
}

impl Drop for Staged {
    fn drop(&mut self) {
        if !self.committed {
            let _ = fs::remove_dir_all(&self.dir);
        }
    }
}

fn sync_dir(dir: &Path) -> Result<()> {
    fs::File::open(dir).and_then(|d| d.sync_all()).map_err(|e| io(dir, "cannot sync the folder", e))
}

/// Writes `bytes` to `path` (a new file) and fsyncs it.
fn write_synced(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let mut f = fs::OpenOptions::new().write(true).create_new(true).open(path)?;
    f.write_all(bytes)?;
    f.sync_all()
}

impl ModelRegistry {
    pub fn new(root: impl Into<PathBuf>) -> Self {
        ModelRegistry { root: root.into(), keys: None }
    }

    /// The store's keys (see [`KeyRing::beside_store`]); without them only the project key
    /// is trusted and nothing can be signed.
    pub fn with_keys(mut self, keys: KeyRing) -> Self {
        self.keys = Some(keys);
        self
    }

    pub fn keys(&self) -> Option<&KeyRing> {
        self.keys.as_ref()
    }

    /// The keys whose signatures install without `--allow-unsigned`.
    pub fn trust(&self) -> Result<Trust> {
        match &self.keys {
            Some(k) => k.trust(),
            None => Ok(Trust::project()),
        }
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    pub fn pointer(&self) -> Result<Pointer> {
        let p = self.root.join(POINTER);
        match fs::read_to_string(&p) {
            Ok(text) => serde_json::from_str(&text)
                .map_err(|e| io(&self.root, "active.json is unreadable", std::io::Error::other(e))),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Pointer::default()),
            Err(e) => Err(io(&self.root, "cannot read active.json", e)),
        }
    }

    /// The active installed model's directory, if any.
    pub fn active(&self) -> Result<Option<PathBuf>> {
        Ok(self.pointer()?.active.map(|d| self.root.join(d)))
    }

    /// Copies the bundle `src` into a staging folder and verifies the copy: `src` must hold
    /// regular files and folders only; the manifest, the files it lists and its
    /// `signature.json` are each read once, written and fsynced, then read back and checked
    /// against the manifest, and the signature is judged against [`Self::trust`] (the
    /// caller decides what an unsigned bundle may do). Nothing is copied when `src` is refused.
    pub fn prepare(&self, src: &Path) -> Result<Staged> {
        let trust = self.trust()?;
        check_tree(src)?;
        let manifest = read_regular(&src.join(MANIFEST)).map_err(|e| io(src, "cannot read manifest.json", e))?;
        let files = listed_files(src, &manifest)?;
        for f in files.keys() {
            check_listed_name(src, f)?;
        }
        #[derive(Deserialize)]
        struct Head {
            model: ModelInfo,
        }
        let model = serde_json::from_slice::<Head>(&manifest)
            .map_err(|e| InferError::Bundle { dir: src.to_owned(), problem: format!("manifest.json: {e}") })?
            .model;
        // A source that is itself an installed folder must still be what was installed (one
        // installed before records existed has none: its copy is verified like any source).
        let source_record = install_record(src).ok().flatten();
        let signature = match read_regular(&src.join(SIGNATURE)) {
            Ok(bytes) => Some(bytes),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
            Err(e) => return Err(io(src, &format!("cannot read {SIGNATURE}"), e)),
        };

        fs::create_dir_all(&self.root).map_err(|e| io(&self.root, "cannot create the models folder", e))?;
        let n = STAGING.fetch_add(1, Ordering::Relaxed);
        let dir = self.root.join(format!(".staging-{}-{n}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir(&dir).map_err(|e| io(&dir, "cannot create a staging folder", e))?;
        let mut staged = Staged {
            dir,
            name: String::new(),
            model,
            digest: String::new(),
            hashes: BTreeMap::new(),
            signature: SignatureStatus::Unsigned,
            committed: false,
        };
        let mut folders = vec![staged.dir.clone()];
        for f in files.keys() {
            let to = staged.dir.join(f);
            if let Some(parent) = to.parent().filter(|p| !p.exists()) {
                fs::create_dir_all(parent).map_err(|e| io(&staged.dir, "cannot create a folder", e))?;
                folders.push(parent.to_owned());
            }
            let bytes = read_regular(&src.join(f)).map_err(|e| io(src, &format!("cannot read {f}"), e))?;
            write_synced(&to, &bytes).map_err(|e| io(&staged.dir, &format!("cannot write {f}"), e))?;
        }
        write_synced(&staged.dir.join(MANIFEST), &manifest)
            .map_err(|e| io(&staged.dir, "cannot write manifest.json", e))?;
        if let Some(sig) = &signature {
            write_synced(&staged.dir.join(SIGNATURE), sig)
                .map_err(|e| io(&staged.dir, &format!("cannot write {SIGNATURE}"), e))?;
        }
        for d in folders.iter().rev() {
            sync_dir(d)?;
        }
        // The copy is verified before it can be used: read back, checked against its manifest.
        let copy = CheckedFiles::read(&staged.dir)?;
        if let Some(rec) = source_record
            && rec.digest != copy.digest
        {
            return Err(InferError::Tampered { dir: src.to_owned(), files: vec!["the bundle".into()] });
        }
        staged.name = format!(
            "{}@{}-{}",
            sanitize(&staged.model.id),
            sanitize(&staged.model.version),
            copy.digest.get(..8).unwrap_or(&copy.digest)
        );
        staged.signature = trust.check_dir(&staged.dir, &copy.digest);
        staged.digest = copy.digest;
        staged.hashes = copy.hashes;
        Ok(staged)
    }

    /// Installs a verified copy under its name: writes its install record, moves the folder
    /// into place (replacing a same-named folder that no longer matches) and fsyncs the
    /// models folder. The result is installed, not yet active.
    pub fn commit(&self, staged: Staged) -> Result<PathBuf> {
        let name = staged.name.clone();
        self.commit_as(staged, &name)
    }

    fn commit_as(&self, mut staged: Staged, name: &str) -> Result<PathBuf> {
        let record = InstallRecord {
            name: name.to_owned(),
            digest: staged.digest.clone(),
            files: staged.hashes.clone(),
            signature: Some(staged.signature.clone()),
        };
        self.write_record(&record)?;
        let dest = self.root.join(name);
        if dest.exists() {
            if CheckedFiles::read(&dest).is_ok_and(|f| f.digest == staged.digest) {
                // Installed before and still intact: keep it (the staged copy is dropped).
                sync_dir(&self.root)?;
                return Ok(dest);
            }
            let n = STAGING.fetch_add(1, Ordering::Relaxed);
            let old = self.root.join(format!(".replaced-{}-{n}", std::process::id()));
            fs::rename(&dest, &old).map_err(|e| io(&dest, "cannot move the previous copy aside", e))?;
            if let Err(e) = fs::rename(&staged.dir, &dest) {
                let _ = fs::rename(&old, &dest);
                return Err(io(&dest, "cannot move the staged model into place", e));
            }
            let _ = fs::remove_dir_all(&old);
        } else {
            fs::rename(&staged.dir, &dest).map_err(|e| io(&dest, "cannot move the staged model into place", e))?;
        }
        staged.committed = true;
        sync_dir(&self.root)?;
        Ok(dest)
    }

    fn write_record(&self, record: &InstallRecord) -> Result<()> {
        let dir = self.root.join(RECORDS);
        fs::create_dir_all(&dir).map_err(|e| io(&dir, "cannot create the records folder", e))?;
        let n = STAGING.fetch_add(1, Ordering::Relaxed);
        let tmp = dir.join(format!(".{}.{}-{n}", record.name, std::process::id()));
        let text = serde_json::to_string_pretty(record).unwrap_or_default();
        write_synced(&tmp, text.as_bytes()).map_err(|e| io(&dir, "cannot write the install record", e))?;
        fs::rename(&tmp, dir.join(format!("{}.json", record.name)))
            .map_err(|e| io(&dir, "cannot write the install record", e))?;
        sync_dir(&dir)
    }

    /// Copies, verifies and installs `src` (not yet active); the installed directory. The
    /// install gate (`leader_service::models::install`) evaluates the staged copy in between.
    pub fn stage(&self, src: &Path) -> Result<PathBuf> {
        let staged = self.prepare(src)?;
        Bundle::open(staged.dir())?;
        self.commit(staged)
    }

    /// Makes the installed directory `dir` (inside the root) active; the former becomes `previous`.
    pub fn activate(&self, dir: &Path) -> Result<Pointer> {
        let name = dir
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .ok_or_else(|| io(dir, "not a model folder", std::io::Error::other("no name")))?;
        let old = self.pointer()?;
        let previous = match old.active.clone() {
            Some(a) if a != name => Some(a),
            Some(_) => old.previous,
            None => Some(BUNDLED.to_owned()),
        };
        let next = Pointer { previous, active: Some(name) };
        self.write_pointer(&next)?;
        Ok(next)
    }

    /// Puts back a pointer read earlier (an activation that failed after the switch).
    pub fn restore(&self, p: &Pointer) -> Result<()> {
        self.write_pointer(p)
    }

    /// Swaps active and previous. Refused when there is no previous model.
    pub fn rollback(&self) -> Result<Pointer> {
        let p = self.pointer()?;
        let prev = p.previous.clone().ok_or_else(|| InferError::Bundle {
            dir: self.root.clone(),
            problem: "there is no previous model to roll back to".into(),
        })?;
        let active = if prev == BUNDLED {
            None
        } else {
            Bundle::open(&self.root.join(&prev))?;
            Some(prev)
        };
        let next = Pointer { active, previous: p.active };
        self.write_pointer(&next)?;
        Ok(next)
    }

    fn write_pointer(&self, p: &Pointer) -> Result<()> {
        fs::create_dir_all(&self.root).map_err(|e| io(&self.root, "cannot create the models folder", e))?;
        let n = STAGING.fetch_add(1, Ordering::Relaxed);
        let tmp = self.root.join(format!(".{POINTER}.{}-{n}", std::process::id()));
        let mut f = fs::File::create(&tmp).map_err(|e| io(&self.root, "cannot write the pointer", e))?;
        f.write_all(serde_json::to_string_pretty(p).unwrap_or_default().as_bytes())
            .map_err(|e| io(&self.root, "cannot write the pointer", e))?;
        f.sync_all().map_err(|e| io(&self.root, "cannot sync the pointer", e))?;
        fs::rename(&tmp, self.root.join(POINTER)).map_err(|e| io(&self.root, "cannot switch the pointer", e))?;
        sync_dir(&self.root)
    }

    /// The installed teacher bundle (teacher mode), if any.
    pub fn teacher(&self) -> Option<PathBuf> {
        let d = self.root.join(TEACHER);
        d.join(MANIFEST).is_file().then_some(d)
    }

    /// Installs a verified copy of a teacher bundle ([`Self::prepare`]) the way students are
    /// installed (an install record, moved into place), replacing the previous teacher. The
    /// signature and audit policy is the caller's (`leader_service::models::install_teacher`).
    pub fn commit_teacher(&self, staged: Staged) -> Result<PathBuf> {
        self.commit_as(staged, TEACHER)
    }

    /// Installed model directories.
    pub fn installed(&self) -> Result<Vec<PathBuf>> {
        let Ok(entries) = fs::read_dir(&self.root) else { return Ok(Vec::new()) };
        let mut out: Vec<PathBuf> = entries
            .flatten()
            .map(|e| e.path())
            .filter(|p| {
                p.join(MANIFEST).is_file()
                    && !p.file_name().is_some_and(|n| n.to_string_lossy().starts_with('.') || n == TEACHER)
            })
            .collect();
        out.sort();
        Ok(out)
    }
}

/// A folder-name part: ASCII letters, digits, `-`, `_` and `.` (never first: hidden folders
/// are the registry's own).
fn sanitize(s: &str) -> String {
    s.chars()
        .enumerate()
        .map(|(i, c)| if c.is_ascii_alphanumeric() || matches!(c, '-' | '_') || (c == '.' && i > 0) { c } else { '_' })
        .collect()
}

static BUNDLED_ROOTS: std::sync::Mutex<Vec<PathBuf>> = std::sync::Mutex::new(Vec::new());

/// Adds a `models/` folder to search first for the bundled model (the desktop app's
/// resource folder in an installed package).
pub fn add_bundled_root(dir: PathBuf) {
    if let Ok(mut v) = BUNDLED_ROOTS.lock() {
        v.push(dir);
    }
}

/// The desktop app's resource folder in its Debian package (`/usr/lib/<productName>`), from
/// the folder of the executables (`/usr/bin`, where the package also puts the `leader` CLI).
pub const DEB_RESOURCES: &str = "../lib/LEADER Rx";

/// The model shipped with the installation: `models/DEFAULT` names a folder of `models/`,
/// looked for only in explicit places: `LEADER_BUNDLED_MODELS` (a `models/` folder; set by
/// `scripts/env.sh` in a checkout), the roots the app registered (its resource folder), and
/// the installed layouts beside the executable (`models/`, `../share/leader-rx/models`,
/// `../lib/leader-rx/models`, the Debian package's [`DEB_RESOURCES`]`/models`). Never above
/// the working directory or the executable: a `models/` folder lying in some parent folder is
/// not a model anybody chose.
pub fn bundled_default() -> Option<PathBuf> {
    let mut roots: Vec<PathBuf> = Vec::new();
    if let Some(v) = std::env::var_os("LEADER_BUNDLED_MODELS").filter(|v| !v.is_empty()) {
        roots.push(PathBuf::from(v));
    }
    roots.extend(BUNDLED_ROOTS.lock().map(|v| v.clone()).unwrap_or_default());
    if let Some(exe_dir) = std::env::current_exe().ok().and_then(|e| e.parent().map(Path::to_owned)) {
        roots.push(exe_dir.join("models"));
        roots.push(exe_dir.join("../share/leader-rx/models"));
        roots.push(exe_dir.join("../lib/leader-rx/models"));
        roots.push(exe_dir.join(DEB_RESOURCES).join("models"));
    }
    roots.into_iter().find_map(|m| {
        let name = fs::read_to_string(m.join("DEFAULT")).ok()?;
        let dir = m.join(name.trim());
        dir.join(MANIFEST).is_file().then_some(dir)
    })
}
