//! Patient data at rest: the store's folder is owner-only (0700) and its files — the
//! database, its WAL and shared-memory files, rollback journal and backups — are
//! owner-read/write only (0600).
//!
//! Modes are set when a file is created (explicit `mode`, never the process umask, which
//! belongs to the caller); SQLite then gives its WAL, SHM and journal files the database
//! file's own mode. Files left looser by an older version are tightened when the store is
//! opened, with one line in the log that names no path (the log may travel; file names
//! beside a store are not patient data, but we keep the rule simple: no paths).

use std::io;
use std::path::{Path, PathBuf};

/// The default data folder's name (`~/.local/share/leader-rx`): ours, so always tightened.
pub const DATA_DIR_NAME: &str = "leader-rx";

/// Owner read/write.
pub const FILE_MODE: u32 = 0o600;
/// Owner read/write/search.
pub const DIR_MODE: u32 = 0o700;

/// Creates `dir` and any missing parents, each created folder 0700.
pub fn create_private_dir(dir: &Path) -> io::Result<()> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, DIR_MODE);
    builder.create(dir)
}

/// Creates a new, empty file readable by its owner only; fails when `path` exists.
pub fn create_private_file(path: &Path) -> io::Result<std::fs::File> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, FILE_MODE);
    options.open(path)
}

/// Removes group and other access from `path` (to `mode`) when it has any. Returns whether
/// it changed anything; a missing file is not an error.
pub fn tighten(path: &Path, mode: u32) -> io::Result<bool> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let meta = match std::fs::symlink_metadata(path) {
            Ok(m) => m,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(false),
            Err(e) => return Err(e),
        };
        if meta.file_type().is_symlink() || meta.permissions().mode() & 0o077 == 0 {
            return Ok(false);
        }
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode))?;
        Ok(true)
    }
    #[cfg(not(unix))]
    {
        let _ = (path, mode);
        Ok(false)
    }
}

/// The files that hold the store's data: the database, `-wal`, `-shm`, `-journal`, and the
/// backups written beside it (`<file>.before-v<N>.bak`).
pub fn store_files(db: &Path) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> =
        ["", "-wal", "-shm", "-journal"].iter().map(|s| PathBuf::from(format!("{}{s}", db.display()))).collect();
    let (Some(dir), Some(name)) = (db.parent(), db.file_name()) else { return out };
    let dir = if dir.as_os_str().is_empty() { Path::new(".") } else { dir };
    let prefix = format!("{}.", name.to_string_lossy());
    if let Ok(entries) = std::fs::read_dir(dir) {
        for e in entries.flatten() {
            let n = e.file_name().to_string_lossy().into_owned();
            if n.starts_with(&prefix) && n.ends_with(".bak") {
                out.push(e.path());
            }
        }
    }
    out
}

/// Tightens the store's files to 0600 and, when it is the default data folder, its folder to
/// 0700; says so in the log without naming paths. A folder the user chose (`--db`) keeps its
/// mode: it may hold other things, and the store's files are owner-only anyway.
pub fn secure_store_files(db: &Path) -> io::Result<()> {
    let mut tightened = 0;
    for f in store_files(db) {
        tightened += usize::from(tighten(&f, FILE_MODE)?);
    }
    if tightened > 0 {
        tracing::info!(files = tightened, "restricted store files to owner read/write (0600)");
    }
    if let Some(dir) = db.parent().filter(|d| d.file_name().is_some_and(|n| n == DATA_DIR_NAME))
        && tighten(dir, DIR_MODE)?
    {
        tracing::info!("restricted the data folder to its owner (0700)");
    }
    Ok(())
}
