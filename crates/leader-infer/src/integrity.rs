//! What is verified is what runs: the pieces the bundle, the registry and the backend share.
//!
//! - A bundle's files are read once, through [`read_regular`] (a regular file, never a
//!   symbolic link, a device or a pipe), hashed from the bytes read, and used from those
//!   bytes: the ONNX session is created from memory, the vocabularies are parsed from memory.
//! - A bundle's identity is one [`bundle_digest`] over `manifest.json` and every file it
//!   lists; the registry records it at install and every load compares against it.
//! - [`external_data`] finds ONNX tensors whose data lives in another file: the file would be
//!   read by ONNX Runtime behind the check, so such models are refused.
//! - [`check_probabilities`] refuses a non-finite or out-of-range output before it can
//!   become a suggestion (or the absence of one).

use std::collections::BTreeMap;
use std::fs;
use std::io::Read;
use std::os::unix::fs::{FileTypeExt, OpenOptionsExt};
use std::path::{Component, Path};

use sha2::{Digest, Sha256};

use crate::error::{InferError, Result};

/// Most entries a bundle folder may hold (a bundle has a handful of files).
const MAX_ENTRIES: usize = 1_000;
/// Deepest folder nesting inside a bundle.
const MAX_DEPTH: usize = 8;

/// Reads a file that must be a regular file: a symbolic link (as the last component), a
/// FIFO, a socket or a device is refused, and a FIFO cannot block the read.
pub fn read_regular(path: &Path) -> std::io::Result<Vec<u8>> {
    let mut f = fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK | libc::O_CLOEXEC)
        .open(path)
        .map_err(|e| {
            if e.raw_os_error() == Some(libc::ELOOP) {
                std::io::Error::other("it is a symbolic link (a bundle holds regular files only)")
            } else {
                e
            }
        })?;
    let meta = f.metadata()?;
    if !meta.is_file() {
        return Err(std::io::Error::other("it is not a regular file (a bundle holds regular files only)"));
    }
    let mut bytes = Vec::with_capacity(usize::try_from(meta.len()).unwrap_or(0));
    f.read_to_end(&mut bytes)?;
    Ok(bytes)
}

pub fn sha256_hex(bytes: &[u8]) -> String {
    format!("{:x}", Sha256::digest(bytes))
}

/// The bundle's identity: sha256 over the name-ordered list of (file, sha256 of its bytes)
/// of `manifest.json` and every file it lists. The manifest's own hash makes any edit of
/// the manifest (labels, threshold, contract, checksums) a different bundle.
pub fn bundle_digest(hashes: &BTreeMap<String, String>) -> String {
    let mut h = Sha256::new();
    h.update(b"leader-rx bundle digest 1\n");
    for (file, sha) in hashes {
        h.update(file.as_bytes());
        h.update(b"\0");
        h.update(sha.to_ascii_lowercase().as_bytes());
        h.update(b"\n");
    }
    format!("{:x}", h.finalize())
}

/// A listed file name must stay inside the bundle: relative, no `..`, no empty parts.
pub fn check_listed_name(dir: &Path, file: &str) -> Result<()> {
    let p = Path::new(file);
    let inside = !file.is_empty() && p.components().all(|c| matches!(c, Component::Normal(_)));
    if inside && !file.contains('\\') {
        Ok(())
    } else {
        Err(InferError::Bundle {
            dir: dir.to_owned(),
            problem: format!("manifest lists a file outside the bundle: {file}"),
        })
    }
}

/// Refuses a bundle folder holding anything but regular files and folders: symbolic links
/// (which would make a copy read outside the bundle), devices, pipes, sockets.
pub fn check_tree(dir: &Path) -> Result<()> {
    let bad = |problem: String| InferError::Bundle { dir: dir.to_owned(), problem };
    let meta = fs::metadata(dir).map_err(|e| bad(format!("cannot read the bundle folder: {e}")))?;
    if !meta.is_dir() {
        return Err(bad("not a folder".into()));
    }
    let mut stack = vec![(dir.to_owned(), 0usize)];
    let mut seen = 0usize;
    while let Some((folder, depth)) = stack.pop() {
        let entries = fs::read_dir(&folder).map_err(|e| bad(format!("cannot read a folder of the bundle: {e}")))?;
        for entry in entries {
            let entry = entry.map_err(|e| bad(format!("cannot read a folder of the bundle: {e}")))?;
            seen += 1;
            if seen > MAX_ENTRIES {
                return Err(bad(format!("the folder holds more than {MAX_ENTRIES} entries")));
            }
            let path = entry.path();
            let rel = path.strip_prefix(dir).unwrap_or(&path).display().to_string();
            let ty = fs::symlink_metadata(&path).map_err(|e| bad(format!("cannot read {rel}: {e}")))?.file_type();
            if ty.is_symlink() {
                return Err(bad(format!("{rel} is a symbolic link: a bundle holds regular files only")));
            } else if ty.is_dir() {
                if depth + 1 > MAX_DEPTH {
                    return Err(bad(format!("{rel} is nested more than {MAX_DEPTH} folders deep")));
                }
                stack.push((path, depth + 1));
            } else if !ty.is_file() {
                let what = if ty.is_fifo() {
                    "a pipe"
                } else if ty.is_socket() {
                    "a socket"
                } else if ty.is_block_device() || ty.is_char_device() {
                    "a device"
                } else {
                    "special"
                };
                return Err(bad(format!("{rel} is not a regular file ({what}): a bundle holds regular files only")));
            }
        }
    }
    Ok(())
}

/// Refuses a non-finite or out-of-[0, 1] probability: the answer stops with an error that
/// names the value and the medication, never a silent "no suggestion".
pub fn check_probabilities(rows: &[Vec<f32>], labels: &[String], model: &str) -> Result<()> {
    for row in rows {
        if let Some((j, p)) = row.iter().enumerate().find(|(_, p)| !(p.is_finite() && (0.0..=1.0).contains(*p))) {
            let label = labels.get(j).map_or("?", String::as_str);
            return Err(InferError::Output {
                model: model.to_owned(),
                problem: format!("probability {p} for {label} (output column {j}) is not a number in [0, 1]"),
            });
        }
    }
    Ok(())
}

/// A tensor whose data lives outside the model file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExternalTensor {
    pub tensor: String,
    pub location: String,
}

/// The first tensor of an ONNX model (initializers, constants and attributes, in the graph,
/// its subgraphs, functions and training graphs) that uses external data. `None` also for
/// bytes that are not a readable ONNX protobuf: ONNX Runtime then refuses them itself.
pub fn external_data(model: &[u8]) -> Option<ExternalTensor> {
    scan(model, Msg::Model, 0).ok().flatten()
}

#[derive(Clone, Copy)]
enum Msg {
    Model,
    Training,
    Function,
    Graph,
    Node,
    Attribute,
    Sparse,
    Tensor,
}

/// The ONNX fields (onnx.proto) that lead to a TensorProto.
fn child(msg: Msg, field: u64) -> Option<Msg> {
    use Msg::*;
    Some(match (msg, field) {
        (Model, 7) | (Training, 1 | 2) | (Attribute, 6 | 11) => Graph,
        (Model, 20) => Training,
        (Model, 25) => Function,
        (Function, 7) | (Graph, 1) => Node,
        (Function, 11) | (Node, 5) => Attribute,
        (Graph, 5) | (Attribute, 5 | 10) | (Sparse, 1 | 2) => Tensor,
        (Graph, 15) | (Attribute, 22 | 23) => Sparse,
        _ => return None,
    })
}

struct Malformed;

fn varint(buf: &[u8], pos: &mut usize) -> Result<u64, Malformed> {
    let mut v = 0u64;
    for shift in (0..64).step_by(7) {
        let b = *buf.get(*pos).ok_or(Malformed)?;
        *pos += 1;
        v |= u64::from(b & 0x7f) << shift;
        if b & 0x80 == 0 {
            return Ok(v);
        }
    }
    Err(Malformed)
}

fn scan(buf: &[u8], msg: Msg, depth: usize) -> Result<Option<ExternalTensor>, Malformed> {
    if depth > 64 {
        return Err(Malformed);
    }
    let (mut name, mut location, mut external) = (String::new(), String::new(), false);
    let mut pos = 0;
    while pos < buf.len() {
        let key = varint(buf, &mut pos)?;
        let (field, wire) = (key >> 3, key & 7);
        match wire {
            0 => {
                let v = varint(buf, &mut pos)?;
                if matches!(msg, Msg::Tensor) && field == 14 && v == 1 {
                    external = true; // data_location = EXTERNAL
                }
            }
            1 => pos = pos.checked_add(8).ok_or(Malformed)?,
            5 => pos = pos.checked_add(4).ok_or(Malformed)?,
            2 => {
                let len = usize::try_from(varint(buf, &mut pos)?).map_err(|_| Malformed)?;
                let end = pos.checked_add(len).filter(|&e| e <= buf.len()).ok_or(Malformed)?;
                let body = &buf[pos..end];
                pos = end;
                match (msg, field) {
                    (Msg::Tensor, 8) => name = String::from_utf8_lossy(body).into_owned(),
                    (Msg::Tensor, 13) => {
                        external = true; // external_data entries: keep the `location`
                        if let Some((k, v)) = string_pair(body)
                            && k == "location"
                        {
                            location = v;
                        }
                    }
                    _ => {
                        if let Some(next) = child(msg, field)
                            && let Some(found) = scan(body, next, depth + 1)?
                        {
                            return Ok(Some(found));
                        }
                    }
                }
            }
            _ => return Err(Malformed),
        }
        if pos > buf.len() {
            return Err(Malformed);
        }
    }
    Ok(external.then_some(ExternalTensor { tensor: name, location }))
}

/// A StringStringEntryProto (key = 1, value = 2).
fn string_pair(buf: &[u8]) -> Option<(String, String)> {
    let (mut k, mut v, mut pos) = (String::new(), String::new(), 0);
    while pos < buf.len() {
        let key = varint(buf, &mut pos).ok()?;
        if key & 7 != 2 {
            return None;
        }
        let len = usize::try_from(varint(buf, &mut pos).ok()?).ok()?;
        let body = buf.get(pos..pos.checked_add(len)?)?;
        pos += len;
        match key >> 3 {
            1 => k = String::from_utf8_lossy(body).into_owned(),
            2 => v = String::from_utf8_lossy(body).into_owned(),
            _ => {}
        }
    }
    Some((k, v))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn garbage_is_not_external_data() {
        assert_eq!(external_data(b"not an onnx model"), None);
        assert_eq!(external_data(&[0xff; 32]), None);
        assert_eq!(external_data(&[]), None);
    }

    #[test]
    fn the_digest_covers_names_and_hashes() {
        let a: BTreeMap<String, String> =
            [("manifest.json".into(), "aa".into()), ("model.onnx".into(), "bb".into())].into();
        let mut b = a.clone();
        b.insert("model.onnx".into(), "bc".into());
        let mut c = a.clone();
        c.remove("model.onnx");
        c.insert("model2.onnx".into(), "bb".into());
        assert_ne!(bundle_digest(&a), bundle_digest(&b));
        assert_ne!(bundle_digest(&a), bundle_digest(&c));
        assert_eq!(bundle_digest(&a), bundle_digest(&a.clone()));
    }

    #[test]
    fn listed_names_stay_inside_the_bundle() {
        let d = Path::new("b");
        for bad in ["", "../x", "/etc/passwd", "a/../../x", "./x", "a\\..\\x"] {
            assert!(check_listed_name(d, bad).is_err(), "{bad}");
        }
        for good in ["model.onnx", "vocab/dx.json"] {
            assert!(check_listed_name(d, good).is_ok(), "{good}");
        }
    }
}
