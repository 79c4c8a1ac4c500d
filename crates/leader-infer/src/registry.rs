//! Installed models on disk, switched atomically.
//!
//! Layout under the models root (by default `models/` beside the store):
//! ```text
//! <root>/<id>@<version>-<sha8>/   a verified copy of each installed bundle
//! <root>/active.json              {"active": "<dir>", "previous": "<dir>" | null}
//! ```
//! A bundle is copied into a temporary directory, verified, then renamed into place; only
//! then is `active.json` replaced by write-to-temp + fsync + rename. A crash at any point
//! therefore leaves either the old or the new model active, never neither, and the
//! previous one is kept for `rollback`. Without `active.json` the bundled default model
//! (`models/` of the installation, see [`bundled_default`]) is used.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::bundle::{Bundle, MANIFEST, sha256_file};
use crate::error::{InferError, Result};

const POINTER: &str = "active.json";
/// `previous` when the model before the first install was the bundled default.
pub const BUNDLED: &str = "(bundled)";

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
pub struct Pointer {
    pub active: Option<String>,
    pub previous: Option<String>,
}

#[derive(Debug, Clone)]
pub struct ModelRegistry {
    root: PathBuf,
}

fn io(dir: &Path, what: &str, e: std::io::Error) -> InferError {
    InferError::Bundle { dir: dir.to_owned(), problem: format!("{what}: {e}") }
}

impl ModelRegistry {
    pub fn new(root: impl Into<PathBuf>) -> Self {
        ModelRegistry { root: root.into() }
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

    /// Copies and verifies `src`, returning the installed directory (not yet active).
    pub fn stage(&self, src: &Path) -> Result<PathBuf> {
        let bundle = Bundle::open(src)?;
        let sha = sha256_file(&src.join(MANIFEST)).map_err(|e| io(src, "cannot read manifest.json", e))?;
        let name = format!(
            "{}@{}-{}",
            sanitize(&bundle.manifest.model.id),
            sanitize(&bundle.manifest.model.version),
            &sha[..8]
        );
        let dest = self.root.join(&name);
        if dest.join(MANIFEST).exists() {
            Bundle::open(&dest)?;
            return Ok(dest);
        }
        fs::create_dir_all(&self.root).map_err(|e| io(&self.root, "cannot create the models folder", e))?;
        let tmp = self.root.join(format!(".staging-{name}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&tmp);
        fs::create_dir_all(&tmp).map_err(|e| io(&tmp, "cannot create a staging folder", e))?;
        let mut files: Vec<String> = bundle.manifest.files.keys().cloned().collect();
        files.push(MANIFEST.to_owned());
        for f in files {
            let to = tmp.join(&f);
            if let Some(parent) = to.parent() {
                fs::create_dir_all(parent).map_err(|e| io(&tmp, "cannot create a folder", e))?;
            }
            fs::copy(src.join(&f), &to).map_err(|e| io(src, &format!("cannot copy {f}"), e))?;
        }
        // The copy is verified before it can be used.
        Bundle::open(&tmp)?;
        fs::rename(&tmp, &dest).map_err(|e| io(&dest, "cannot move the staged model into place", e))?;
        Ok(dest)
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
        let tmp = self.root.join(format!(".{POINTER}.{}", std::process::id()));
        let mut f = fs::File::create(&tmp).map_err(|e| io(&self.root, "cannot write the pointer", e))?;
        f.write_all(serde_json::to_string_pretty(p).unwrap_or_default().as_bytes())
            .map_err(|e| io(&self.root, "cannot write the pointer", e))?;
        f.sync_all().map_err(|e| io(&self.root, "cannot sync the pointer", e))?;
        fs::rename(&tmp, self.root.join(POINTER)).map_err(|e| io(&self.root, "cannot switch the pointer", e))?;
        if let Ok(d) = fs::File::open(&self.root) {
            let _ = d.sync_all();
        }
        Ok(())
    }

    /// The installed teacher bundle (teacher mode), if any.
    pub fn teacher(&self) -> Option<PathBuf> {
        let d = self.root.join("teacher");
        d.join(MANIFEST).is_file().then_some(d)
    }

    /// Installs a teacher bundle: copied beside, then renamed over the previous one.
    pub fn install_teacher(&self, src: &Path) -> Result<PathBuf> {
        fs::create_dir_all(&self.root).map_err(|e| io(&self.root, "cannot create the models folder", e))?;
        let tmp = self.root.join(format!(".staging-teacher-{}", std::process::id()));
        let _ = fs::remove_dir_all(&tmp);
        fs::create_dir_all(&tmp).map_err(|e| io(&tmp, "cannot create a staging folder", e))?;
        for entry in fs::read_dir(src).map_err(|e| io(src, "cannot read the teacher bundle", e))? {
            let entry = entry.map_err(|e| io(src, "cannot read the teacher bundle", e))?;
            if entry.path().is_file() {
                fs::copy(entry.path(), tmp.join(entry.file_name()))
                    .map_err(|e| io(src, "cannot copy the teacher bundle", e))?;
            }
        }
        let dest = self.root.join("teacher");
        let old = self.root.join(format!(".teacher-old-{}", std::process::id()));
        if dest.exists() {
            fs::rename(&dest, &old).map_err(|e| io(&dest, "cannot move the previous teacher aside", e))?;
        }
        fs::rename(&tmp, &dest).map_err(|e| io(&dest, "cannot move the teacher into place", e))?;
        let _ = fs::remove_dir_all(&old);
        Ok(dest)
    }

    /// Installed model directories.
    pub fn installed(&self) -> Result<Vec<PathBuf>> {
        let Ok(entries) = fs::read_dir(&self.root) else { return Ok(Vec::new()) };
        let mut out: Vec<PathBuf> = entries
            .flatten()
            .map(|e| e.path())
            .filter(|p| {
                p.join(MANIFEST).is_file()
                    && !p.file_name().is_some_and(|n| n.to_string_lossy().starts_with('.') || n == "teacher")
            })
            .collect();
        out.sort();
        Ok(out)
    }
}

fn sanitize(s: &str) -> String {
    s.chars().map(|c| if c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.') { c } else { '_' }).collect()
}

static BUNDLED_ROOTS: std::sync::Mutex<Vec<PathBuf>> = std::sync::Mutex::new(Vec::new());

/// Adds a `models/` folder to search first for the bundled model (the desktop app's
/// resource folder in an installed package).
pub fn add_bundled_root(dir: PathBuf) {
    if let Ok(mut v) = BUNDLED_ROOTS.lock() {
        v.push(dir);
    }
}

/// The model shipped with the installation: `models/DEFAULT` names a folder of `models/`,
/// searched in the roots the app registered (its resource folder), the installed layouts
/// beside the executable (`../share/leader-rx/models`, `../lib/leader-rx/models`), then the
/// working directory and its parents (a checkout's `models/`), and last the executable's
/// folder and its parents. The checkout comes before the executable's folder because a build
/// folder may hold an older copy of `models/` (the app build copies its resources there).
pub fn bundled_default() -> Option<PathBuf> {
    let mut roots: Vec<PathBuf> = BUNDLED_ROOTS.lock().map(|v| v.clone()).unwrap_or_default();
    let exe_dir = std::env::current_exe().ok().and_then(|e| e.parent().map(Path::to_owned));
    if let Some(exe_dir) = &exe_dir {
        roots.push(exe_dir.join("../share/leader-rx/models"));
        roots.push(exe_dir.join("../lib/leader-rx/models"));
    }
    if let Ok(cwd) = std::env::current_dir() {
        roots.extend(cwd.ancestors().map(|d| d.join("models")));
    }
    if let Some(exe_dir) = &exe_dir {
        roots.extend(exe_dir.ancestors().map(|d| d.join("models")));
    }
    roots.into_iter().find_map(|m| {
        let name = fs::read_to_string(m.join("DEFAULT")).ok()?;
        let dir = m.join(name.trim());
        dir.join(MANIFEST).is_file().then_some(dir)
    })
}
