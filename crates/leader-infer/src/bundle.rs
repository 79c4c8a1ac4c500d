//! The model bundle: a directory contract checked when loading.
//!
//! `models/<id>/` holds `manifest.json`, `model.onnx` (one file, no external data) and one
//! HF `tokenizers` WordLevel `tokenizer.json` per code vocabulary, all regular files. Loading
//! reads every file the manifest lists once, checks its sha256 against the manifest, and
//! uses the bytes it checked: the vocabularies are parsed from them and the ONNX session is
//! created from them (see [`crate::backend`]), so nothing unverified is read behind the
//! check. The bundle's [digest](crate::integrity::bundle_digest) covers the manifest and
//! every listed file; an installed bundle must still have the digest recorded at install
//! (see [`crate::registry`]), and the bundled default model must carry the project's
//! signature over that digest (see [`crate::signing`]). The ONNX inputs and outputs are checked against the manifest
//! when a session starts. A bundle that fails any check is refused, so a wrong model fails
//! on load, never on the first patient.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use leader_core::Code;
use leader_core::encode::{Encoder, EncoderLimits, PROFILE_FIELDS, Vocabularies};
use leader_core::vocab::{PAD, UNK, Vocabulary};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::error::{InferError, Result};
use crate::integrity::{bundle_digest, check_listed_name, external_data, read_regular, sha256_hex};
use crate::registry::InstallRecord;

pub const FORMAT_VERSION: u32 = 1;
pub const MANIFEST: &str = "manifest.json";
pub const MODEL: &str = "model.onnx";
/// The student's input tensors, in order.
pub const INPUTS: [&str; 4] = ["diagnoses", "procedures", "medications", "profile"];

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
#[derive(ts_rs::TS)]
pub enum ModelKind {
    Student,
    Teacher,
    Fixture,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ModelInfo {
    pub id: String,
    pub version: String,
    pub created: String,
    pub kind: ModelKind,
    #[serde(default)]
    pub description: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TensorSpec {
    pub name: String,
    pub dtype: String,
    pub shape: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InputContract {
    pub tensors: Vec<TensorSpec>,
    /// Vocabulary name (`diagnoses`, `procedures`, `medications`, `profile`) → tokenizer file.
    pub vocabularies: BTreeMap<String, String>,
    pub limits: EncoderLimits,
    pub medication_atc_level: u8,
    pub profile_fields: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum OutputKind {
    Logits,
    Probabilities,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OutputContract {
    pub name: String,
    pub kind: OutputKind,
    /// Name of the hidden-state output, when the model exposes it.
    #[serde(default)]
    pub hidden: Option<String>,
}

/// `manifest.json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Manifest {
    pub format_version: u32,
    pub model: ModelInfo,
    /// The medication vocabulary, in output order (`SYSTEM:VALUE`).
    pub medications: Vec<String>,
    pub input: InputContract,
    pub output: OutputContract,
    /// The decision threshold (chosen on validation); for visits of one group, see `thresholds`.
    pub threshold: f32,
    /// Optional thresholds for visits without and with history, chosen on each group's
    /// validation visits; when present they decide, and `threshold` is the overall one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub thresholds: Option<GroupThresholds>,
    #[serde(default)]
    pub metrics: serde_json::Value,
    #[serde(default)]
    pub provenance: serde_json::Value,
    #[serde(default)]
    pub teacher: serde_json::Value,
    #[serde(default)]
    pub flops_per_visit: Option<f64>,
    /// Relative file path → sha256 (hex) of every file of the bundle but the manifest.
    pub files: BTreeMap<String, String>,
}

/// Decision thresholds by group: visits with no earlier visit, and visits with history.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, ts_rs::TS)]
pub struct GroupThresholds {
    pub first_visit: f32,
    pub with_history: f32,
}

impl Manifest {
    /// The threshold that decides for a visit with (or without) earlier visits.
    pub fn threshold_for(&self, has_history: bool) -> f32 {
        match self.thresholds {
            Some(t) if has_history => t.with_history,
            Some(t) => t.first_visit,
            None => self.threshold,
        }
    }
}

/// A verified bundle: manifest, medication codes, the encoder, and the model bytes that
/// were checked (the session is created from them).
#[derive(Debug, Clone)]
pub struct Bundle {
    pub dir: PathBuf,
    pub manifest: Manifest,
    pub medications: Vec<Code>,
    pub encoder: Encoder,
    /// The bundle's identity: sha256 over `manifest.json` and every listed file.
    pub digest: String,
    /// sha256 of `manifest.json` and of every listed file, as read.
    pub hashes: BTreeMap<String, String>,
    model: ModelBytes,
}

/// The verified bytes of `model.onnx`, shared by the bundle's sessions (never printed).
#[derive(Clone)]
pub struct ModelBytes(Arc<[u8]>);

impl std::fmt::Debug for ModelBytes {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "ModelBytes({} bytes)", self.0.len())
    }
}

/// A bundle's files read once and checked: the manifest's bytes, each listed file's bytes,
/// every sha256 (the manifest's included) and the digest.
#[derive(Debug)]
pub struct CheckedFiles {
    pub manifest: Vec<u8>,
    pub contents: BTreeMap<String, Vec<u8>>,
    pub hashes: BTreeMap<String, String>,
    pub digest: String,
}

impl CheckedFiles {
    /// Reads `manifest.json` and every file it lists, once. For an installed bundle (one the
    /// registry holds) every file is first compared with its install record, so an edit is
    /// reported by file name whatever the manifest now says; then each listed file is
    /// checked against the manifest's sha256.
    pub fn read(dir: &Path) -> Result<CheckedFiles> {
        let files = CheckedFiles::read_unsigned(dir)?;
        // The bundled default model is not installed (no record): its signature by the
        // project key is what vouches for it, checked at every load.
        if crate::signing::is_bundled_place(dir) && crate::registry::install_record(dir)?.is_none() {
            crate::signing::check_bundled(dir, &files.digest)?;
        }
        Ok(files)
    }

    /// [`Self::read`] without the bundled model's signature check (to sign it).
    pub(crate) fn read_unsigned(dir: &Path) -> Result<CheckedFiles> {
        let record = crate::registry::install_record(dir)?;
        let manifest = read_regular(&dir.join(MANIFEST))
            .map_err(|e| InferError::Bundle { dir: dir.to_owned(), problem: format!("cannot read {MANIFEST}: {e}") })?;
        let mut contents: BTreeMap<String, Vec<u8>> = BTreeMap::new();
        if let Some(rec) = &record {
            check_record(dir, rec, &manifest, &mut contents)?;
        }
        let listed = listed_files(dir, &manifest)?;
        let mut hashes = BTreeMap::from([(MANIFEST.to_owned(), sha256_hex(&manifest))]);
        for (file, want) in &listed {
            check_listed_name(dir, file)?;
            if file == MANIFEST {
                return Err(InferError::Bundle { dir: dir.to_owned(), problem: format!("manifest lists {MANIFEST}") });
            }
            let bytes = match contents.remove(file) {
                Some(b) => b,
                None => read_regular(&dir.join(file)).map_err(|e| InferError::Bundle {
                    dir: dir.to_owned(),
                    problem: format!("cannot read {file}: {e}"),
                })?,
            };
            let got = sha256_hex(&bytes);
            if !got.eq_ignore_ascii_case(want) {
                return Err(InferError::Checksum { dir: dir.to_owned(), file: file.clone() });
            }
            hashes.insert(file.clone(), got);
            contents.insert(file.clone(), bytes);
        }
        contents.retain(|f, _| listed.contains_key(f));
        let digest = bundle_digest(&hashes);
        if let Some(rec) = &record
            && rec.digest != digest
        {
            let files = vec![format!("the bundle's file list (recorded digest {})", short(&rec.digest))];
            return Err(InferError::Tampered { dir: dir.to_owned(), files });
        }
        Ok(CheckedFiles { manifest, contents, hashes, digest })
    }

    fn take(&mut self, dir: &Path, file: &str) -> Result<Vec<u8>> {
        self.contents.remove(file).ok_or_else(|| InferError::Bundle {
            dir: dir.to_owned(),
            problem: format!("{file} is not checksummed in the manifest"),
        })
    }
}

fn short(digest: &str) -> &str {
    digest.get(..12).unwrap_or(digest)
}

/// Compares an installed bundle's files with its install record, naming every changed file.
fn check_record(
    dir: &Path,
    rec: &InstallRecord,
    manifest: &[u8],
    contents: &mut BTreeMap<String, Vec<u8>>,
) -> Result<()> {
    let mut changed = Vec::new();
    if !rec.files.contains_key(MANIFEST) {
        changed.push(MANIFEST.to_owned());
    }
    for (file, want) in &rec.files {
        let got = if file == MANIFEST {
            Some(sha256_hex(manifest))
        } else {
            check_listed_name(dir, file)?;
            read_regular(&dir.join(file)).ok().map(|bytes| {
                let sha = sha256_hex(&bytes);
                contents.insert(file.clone(), bytes);
                sha
            })
        };
        match got {
            Some(sha) if sha.eq_ignore_ascii_case(want) => {}
            Some(_) => changed.push(file.clone()),
            None => changed.push(format!("{file} (missing or unreadable)")),
        }
    }
    if changed.is_empty() { Ok(()) } else { Err(InferError::Tampered { dir: dir.to_owned(), files: changed }) }
}

/// The manifest's `files` (every manifest format has one), read before the rest of the
/// manifest is interpreted.
pub fn listed_files(dir: &Path, manifest: &[u8]) -> Result<BTreeMap<String, String>> {
    #[derive(Deserialize)]
    struct Files {
        files: BTreeMap<String, String>,
    }
    serde_json::from_slice::<Files>(manifest).map(|f| f.files).map_err(|e| InferError::Bundle {
        dir: dir.to_owned(),
        problem: format!("{MANIFEST} is not a valid manifest: {e}"),
    })
}

/// Refuses model bytes with tensors in ONNX external data: ONNX Runtime would read those
/// files behind the checks.
pub fn refuse_external_data(dir: &Path, file: &str, model: &[u8]) -> Result<()> {
    match external_data(model) {
        None => Ok(()),
        Some(t) => Err(InferError::Bundle {
            dir: dir.to_owned(),
            problem: format!(
                "{file} uses ONNX external data (tensor `{}` is stored in `{}`); a bundle's model must be one self-contained file (export with external_data=False)",
                t.tensor,
                if t.location.is_empty() { "another file" } else { t.location.as_str() }
            ),
        }),
    }
}

pub fn sha256_file(path: &Path) -> std::io::Result<String> {
    let mut f = std::fs::File::open(path)?;
    let mut h = Sha256::new();
    std::io::copy(&mut f, &mut h)?;
    Ok(format!("{:x}", h.finalize()))
}

impl Bundle {
    pub fn open(dir: &Path) -> Result<Bundle> {
        let err = |problem: String| InferError::Bundle { dir: dir.to_owned(), problem };
        let mut files = CheckedFiles::read(dir)?;
        let manifest: Manifest = serde_json::from_slice(&files.manifest)
            .map_err(|e| err(format!("{MANIFEST} is not a valid manifest: {e}")))?;
        if manifest.format_version != FORMAT_VERSION {
            return Err(err(format!(
                "manifest format {} is not supported (this build reads format {FORMAT_VERSION})",
                manifest.format_version
            )));
        }
        // The model and the vocabularies must be listed (every listed file was checked).
        if !manifest.files.contains_key(MODEL) {
            return Err(err(format!("manifest does not list {MODEL}")));
        }
        let model = files.take(dir, MODEL)?;
        refuse_external_data(dir, MODEL, &model)?;
        let mut vocabs: HashMap<&str, Vocabulary> = HashMap::new();
        for name in ["diagnoses", "procedures", "medications", "profile"] {
            let file = manifest
                .input
                .vocabularies
                .get(name)
                .ok_or_else(|| err(format!("manifest names no `{name}` vocabulary")))?;
            if !manifest.files.contains_key(file) {
                return Err(err(format!("the `{name}` vocabulary {file} is not checksummed in the manifest")));
            }
            // A file may serve two vocabularies: parse it from the checked bytes each time.
            let bytes = files.contents.get(file.as_str()).ok_or_else(|| err(format!("{file} was not read")))?;
            vocabs.insert(name, tokenizer_vocab(bytes, file, name).map_err(err)?);
        }
        let medications: Vec<Code> = manifest
            .medications
            .iter()
            .map(|m| m.parse().map_err(|e| err(format!("medication vocabulary entry `{m}`: {e}"))))
            .collect::<Result<_>>()?;
        if medications.is_empty() {
            return Err(err("the medication vocabulary is empty".into()));
        }
        if manifest.input.profile_fields != PROFILE_FIELDS {
            return Err(err(format!(
                "profile fields {:?} differ from this build's {:?}",
                manifest.input.profile_fields, PROFILE_FIELDS
            )));
        }
        let group = manifest.thresholds.map(|t| [t.first_visit, t.with_history]).unwrap_or_default();
        if let Some(t) = std::iter::once(manifest.threshold).chain(group).find(|t| !(0.0..=1.0).contains(t)) {
            return Err(err(format!("threshold {t} is not a probability")));
        }
        let l = manifest.input.limits;
        if l.max_visits == 0 || l.max_diagnoses == 0 || l.max_procedures == 0 || l.max_medications == 0 {
            return Err(err("input limits must all be at least 1".into()));
        }
        let take = |vocabs: &mut HashMap<&str, Vocabulary>, n: &str| {
            vocabs.remove(n).ok_or_else(|| err(format!("no `{n}` vocabulary")))
        };
        let encoder = Encoder {
            limits: l,
            vocabularies: Vocabularies {
                diagnoses: take(&mut vocabs, "diagnoses")?,
                procedures: take(&mut vocabs, "procedures")?,
                medications: take(&mut vocabs, "medications")?,
                profile: take(&mut vocabs, "profile")?,
            },
        };
        Ok(Bundle {
            dir: dir.to_owned(),
            manifest,
            medications,
            encoder,
            digest: files.digest,
            hashes: files.hashes,
            model: ModelBytes(model.into()),
        })
    }

    pub fn model_path(&self) -> PathBuf {
        self.dir.join(MODEL)
    }

    /// The bytes of `model.onnx` that were verified: what every session of this bundle runs.
    pub fn model_bytes(&self) -> &[u8] {
        &self.model.0
    }

    /// Share of `codes` the model's input vocabularies know.
    pub fn coverage<'a>(&self, codes: impl IntoIterator<Item = &'a Code>) -> (usize, usize) {
        let v = &self.encoder.vocabularies;
        let (mut known, mut total) = (0, 0);
        for c in codes {
            total += 1;
            let s = c.to_string();
            if [&v.diagnoses, &v.procedures, &v.medications].iter().any(|voc| voc.id(&s).is_some()) {
                known += 1;
            }
        }
        (known, total)
    }
}

/// Reads a WordLevel `tokenizer.json` with the `tokenizers` crate into a [`Vocabulary`]
/// (ids must be 0..n with `[PAD]` = 0 and `[UNK]` = 1).
pub fn load_tokenizer_vocab(path: &Path, name: &str) -> Result<Vocabulary, String> {
    let file = path.file_name().map_or_else(|| path.display().to_string(), |f| f.to_string_lossy().into_owned());
    let bytes = read_regular(path).map_err(|e| format!("cannot read {file}: {e}"))?;
    tokenizer_vocab(&bytes, &file, name)
}

/// [`load_tokenizer_vocab`] from the bytes of the file `file`.
pub fn tokenizer_vocab(bytes: &[u8], file: &str, name: &str) -> Result<Vocabulary, String> {
    let tok = tokenizers::Tokenizer::from_bytes(bytes).map_err(|e| format!("{file} is not a tokenizer.json: {e}"))?;
    let vocab = tok.get_vocab(true);
    let mut tokens = vec![String::new(); vocab.len()];
    for (t, id) in vocab {
        let slot = tokens.get_mut(id as usize).ok_or_else(|| format!("{file}: token ids are not contiguous"))?;
        *slot = t;
    }
    if tokens.iter().any(String::is_empty) {
        return Err(format!("{file}: token ids are not contiguous"));
    }
    Vocabulary::from_tokens(name, tokens).map_err(|e| format!("{file}: {e}"))
}

/// Writes `vocab` as a WordLevel `tokenizer.json` through the `tokenizers` crate.
pub fn write_tokenizer(vocab: &Vocabulary, path: &Path) -> Result<(), String> {
    use tokenizers::models::wordlevel::WordLevel;
    use tokenizers::pre_tokenizers::whitespace::WhitespaceSplit;
    use tokenizers::{AddedToken, Tokenizer};
    let map: HashMap<String, u32> = vocab.tokens().iter().enumerate().map(|(i, t)| (t.clone(), i as u32)).collect();
    let model = WordLevel::builder()
        .vocab(map.into_iter().collect())
        .unk_token(UNK.to_owned())
        .build()
        .map_err(|e| e.to_string())?;
    let mut tok = Tokenizer::new(model);
    tok.with_pre_tokenizer(Some(WhitespaceSplit));
    tok.add_special_tokens([AddedToken::from(PAD, true), AddedToken::from(UNK, true)]).map_err(|e| e.to_string())?;
    tok.save(path, true).map_err(|e| e.to_string())
}
