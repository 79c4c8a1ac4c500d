//! The model bundle: a directory contract checked when loading.
//!
//! `models/<id>/` holds `manifest.json`, `model.onnx` (one file, no external data) and one
//! HF `tokenizers` WordLevel `tokenizer.json` per code vocabulary. Loading verifies the
//! sha256 of every file listed in the manifest and that the vocabularies are well formed;
//! the ONNX inputs and outputs are checked against the manifest when a session starts
//! (see [`crate::backend`]). A bundle that fails any check is refused, so a wrong model
//! fails on load, never on the first patient.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

use leader_core::Code;
use leader_core::encode::{Encoder, EncoderLimits, PROFILE_FIELDS, Vocabularies};
use leader_core::vocab::{PAD, UNK, Vocabulary};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::error::{InferError, Result};

pub const FORMAT_VERSION: u32 = 1;
pub const MANIFEST: &str = "manifest.json";
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

/// A verified bundle: manifest, medication codes and the encoder.
#[derive(Debug, Clone)]
pub struct Bundle {
    pub dir: PathBuf,
    pub manifest: Manifest,
    pub medications: Vec<Code>,
    pub encoder: Encoder,
}

/// Checks every listed file (relative path → sha256) of a bundle folder.
pub fn verify_files(dir: &Path, files: &BTreeMap<String, String>) -> Result<()> {
    for (file, want) in files {
        if file.contains("..") || Path::new(file).is_absolute() {
            return Err(InferError::Bundle {
                dir: dir.to_owned(),
                problem: format!("manifest lists a file outside the bundle: {file}"),
            });
        }
        let got = sha256_file(&dir.join(file))
            .map_err(|e| InferError::Bundle { dir: dir.to_owned(), problem: format!("cannot read {file}: {e}") })?;
        if !got.eq_ignore_ascii_case(want) {
            return Err(InferError::Checksum { dir: dir.to_owned(), file: file.clone() });
        }
    }
    Ok(())
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
        let text =
            std::fs::read_to_string(dir.join(MANIFEST)).map_err(|e| err(format!("cannot read {MANIFEST}: {e}")))?;
        let manifest: Manifest =
            serde_json::from_str(&text).map_err(|e| err(format!("{MANIFEST} is not a valid manifest: {e}")))?;
        if manifest.format_version != FORMAT_VERSION {
            return Err(err(format!(
                "manifest format {} is not supported (this build reads format {FORMAT_VERSION})",
                manifest.format_version
            )));
        }
        // Every file listed must exist and match; the model and the vocabularies must be listed.
        verify_files(dir, &manifest.files)?;
        let listed = |f: &str| manifest.files.contains_key(f);
        if !listed("model.onnx") {
            return Err(err("manifest does not list model.onnx".into()));
        }
        let mut vocabs: HashMap<&str, Vocabulary> = HashMap::new();
        for name in ["diagnoses", "procedures", "medications", "profile"] {
            let file = manifest
                .input
                .vocabularies
                .get(name)
                .ok_or_else(|| err(format!("manifest names no `{name}` vocabulary")))?;
            if !listed(file) {
                return Err(err(format!("the `{name}` vocabulary {file} is not checksummed in the manifest")));
            }
            vocabs.insert(name, load_tokenizer_vocab(&dir.join(file), name).map_err(err)?);
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
        Ok(Bundle { dir: dir.to_owned(), manifest, medications, encoder })
    }

    pub fn model_path(&self) -> PathBuf {
        self.dir.join("model.onnx")
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
    let tok = tokenizers::Tokenizer::from_file(path).map_err(|e| format!("{file} is not a tokenizer.json: {e}"))?;
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
