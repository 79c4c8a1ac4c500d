//! `leader export-dataset`: the training data for the Python pipeline, produced by the
//! same encoder and prompt renderer that serving uses.
//!
//! Output folder:
//! - `samples.jsonl`: one line per (patient, visit) with the split/fold, the multi-hot
//!   labels (indices into `medications`), the student's input ids (current visit last) and
//!   the teacher prompt;
//! - `<name>.tokenizer.json` for the diagnoses, procedures, medications and profile
//!   vocabularies (HF `tokenizers` WordLevel, copied into the model bundle unchanged);
//! - `dataset.json`: counts, vocabularies, limits, seed, provenance, the DDI-rate adjacency
//!   over the labels (`interactions`) and file hashes.
//!
//! Written into a temporary folder and renamed into place, so a failed export never leaves
//! a half-written dataset where a complete one is expected.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use leader_core::Code;
use leader_core::encode::{Encoder, EncoderLimits, PROFILE_FIELDS, Vocabularies};
use leader_core::prompt::{PromptOptions, render};
use leader_core::split::Split;
use leader_core::vocab::Vocabulary;
use leader_infer::bundle::{sha256_file, write_tokenizer};
use leader_infer::evaluate::Adjacency;
use leader_store::Store;
use serde::{Deserialize, Serialize};

use crate::samples::{Sample, exclude_synthetic_when_mixed, samples};
use crate::{FileKind, FileOp, NoData, Result, ServiceError};

pub const DATASET_FORMAT: u32 = 1;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ExportOptions {
    pub seed: u64,
    pub folds: Option<usize>,
    pub limits: EncoderLimits,
    pub prompt: PromptOptions,
}

impl Default for ExportOptions {
    fn default() -> Self {
        ExportOptions {
            seed: 42,
            folds: None,
            limits: EncoderLimits { max_visits: 4, max_diagnoses: 40, max_procedures: 16, max_medications: 48 },
            prompt: PromptOptions::default(),
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Counts {
    pub samples: usize,
    pub patients: usize,
    pub train: usize,
    pub val: usize,
    pub test: usize,
    pub first_visit: usize,
    pub with_history: usize,
    pub unknown_input_codes: usize,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DatasetManifest {
    pub format_version: u32,
    pub created: String,
    pub options: ExportOptions,
    pub medication_atc_level: u8,
    pub profile_fields: Vec<String>,
    /// The label vocabulary, in output order.
    pub medications: Vec<String>,
    pub vocabularies: BTreeMap<String, String>,
    pub vocabulary_sizes: BTreeMap<String, usize>,
    pub counts: Counts,
    /// Where the data came from: patients per import source (those exported).
    pub sources: BTreeMap<String, i64>,
    /// Synthetic patients left out because the store also holds real ones (never mixed).
    #[serde(default)]
    pub excluded_synthetic_patients: usize,
    /// The DDI-rate adjacency `leader evaluate` uses, restricted to the labels, so the
    /// pipeline measures the same DDI rate.
    #[serde(default)]
    pub interactions: Option<Interactions>,
    pub files: BTreeMap<String, String>,
}

/// Interacting label pairs `(i, j)`, `i < j` (indices into `medications`), of one source.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Interactions {
    pub source: String,
    /// Pairs of the source in the store (all codes, not only labels).
    pub source_pairs: usize,
    pub pairs: Vec<(usize, usize)>,
}

#[derive(Debug, Serialize)]
struct Line<'a> {
    patient: &'a str,
    admission: &'a str,
    visit_index: usize,
    split: Split,
    fold: Option<usize>,
    first_visit: bool,
    labels: Vec<usize>,
    diagnoses: &'a [Vec<i64>],
    procedures: &'a [Vec<i64>],
    medications: &'a [Vec<i64>],
    profile: &'a [i64],
    prompt: String,
}

fn vocab(name: &str, items: impl IntoIterator<Item = String>) -> Vocabulary {
    Vocabulary::build(name, items)
}

/// Builds the vocabularies of a sample set (every code seen, sorted: deterministic).
pub fn vocabularies(samples: &[Sample]) -> (Vocabularies, Vec<Code>) {
    let mut dx = BTreeSet::new();
    let mut px = BTreeSet::new();
    let mut meds = BTreeSet::new();
    let mut prof = BTreeSet::new();
    let mut labels = BTreeSet::new();
    for s in samples {
        for v in s.input.previous.iter().chain(std::iter::once(&s.input.current)) {
            dx.extend(v.diagnoses.iter().map(ToString::to_string));
            px.extend(v.procedures.iter().map(ToString::to_string));
            meds.extend(v.medications.iter().map(ToString::to_string));
        }
        prof.extend(s.input.profile.iter().cloned());
        labels.extend(s.truth.iter().cloned());
    }
    meds.extend(labels.iter().map(ToString::to_string));
    (
        Vocabularies {
            diagnoses: vocab("diagnoses", dx),
            procedures: vocab("procedures", px),
            medications: vocab("medications", meds),
            profile: vocab("profile", prof),
        },
        labels.into_iter().collect(),
    )
}

fn io(path: &Path, e: impl Into<Box<dyn std::error::Error + Send + Sync>>) -> ServiceError {
    let e = match e.into().downcast::<std::io::Error>() {
        Ok(io) => *io,
        Err(other) => std::io::Error::other(other),
    };
    ServiceError::file(FileKind::Dataset, FileOp::Write, path, &e)
}

pub async fn export_dataset(store: &Store, out: &Path, opts: &ExportOptions) -> Result<DatasetManifest> {
    let level = store.medication_atc_level().await?;
    let (records, excluded_synthetic_patients) = exclude_synthetic_when_mixed(store.all_patients().await?);
    let mut sources: BTreeMap<String, i64> = BTreeMap::new();
    for r in &records {
        *sources.entry(r.patient.source.clone()).or_default() += 1;
    }
    let all = samples(&records, level, opts.seed, opts.folds);
    if all.is_empty() {
        return Err(ServiceError::NoData(NoData::Export));
    }
    let (vocabularies, labels) = vocabularies(&all);
    let encoder = Encoder { limits: opts.limits, vocabularies };
    let label_index: BTreeMap<&Code, usize> = labels.iter().enumerate().map(|(i, c)| (c, i)).collect();

    // Titles for the prompt: dictionary titles and medication display names.
    let codes: BTreeSet<Code> = all.iter().flat_map(|s| s.input.input_codes()).collect();
    let codes: Vec<Code> = codes.into_iter().collect();
    let titles = crate::recommend::prompt_titles(store, &store.medication_names(level).await?, &codes).await?;
    let source = crate::evaluate::ADJACENCY_SOURCE;
    let adjacency = Adjacency::new(store.ddi_source_pairs(source).await?);
    let names: Vec<String> = labels.iter().map(ToString::to_string).collect();
    let pairs = (0..names.len())
        .flat_map(|i| (i + 1..names.len()).map(move |j| (i, j)))
        .filter(|&(i, j)| adjacency.contains(&names[i], &names[j]))
        .collect();
    let interactions = Interactions { source: source.to_owned(), source_pairs: adjacency.len(), pairs };

    let parent = out.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    fs::create_dir_all(parent).map_err(|e| io(parent, e))?;
    let tmp = parent.join(format!(
        ".{}.tmp-{}",
        out.file_name().map_or("dataset".into(), |n| n.to_string_lossy()),
        std::process::id()
    ));
    let _ = fs::remove_dir_all(&tmp);
    fs::create_dir_all(&tmp).map_err(|e| io(&tmp, e))?;

    let mut counts = Counts { samples: all.len(), ..Counts::default() };
    let mut patients = BTreeSet::new();
    let path = tmp.join("samples.jsonl");
    let mut f = std::io::BufWriter::new(fs::File::create(&path).map_err(|e| io(&path, e))?);
    for s in &all {
        let enc = encoder.encode(&s.input);
        counts.unknown_input_codes += enc.unknown.len();
        patients.insert(s.patient_id.as_str());
        match s.split {
            Split::Train => counts.train += 1,
            Split::Val => counts.val += 1,
            Split::Test => counts.test += 1,
        }
        let first = s.input.previous.is_empty();
        if first {
            counts.first_visit += 1;
        } else {
            counts.with_history += 1;
        }
        let line = Line {
            patient: &s.patient_id,
            admission: &s.admission_id,
            visit_index: s.visit_index,
            split: s.split,
            fold: s.fold,
            first_visit: first,
            labels: s.truth.iter().filter_map(|c| label_index.get(c).copied()).collect(),
            diagnoses: &enc.diagnoses,
            procedures: &enc.procedures,
            medications: &enc.medications,
            profile: &enc.profile,
            prompt: render(&s.input, &titles, &opts.prompt),
        };
        serde_json::to_writer(&mut f, &line).map_err(|e| io(&path, e))?;
        f.write_all(b"\n").map_err(|e| io(&path, e))?;
    }
    f.flush().map_err(|e| io(&path, e))?;
    drop(f);
    counts.patients = patients.len();

    let v = &encoder.vocabularies;
    let mut vocab_files = BTreeMap::new();
    let mut sizes = BTreeMap::new();
    for (name, voc) in [
        ("diagnoses", &v.diagnoses),
        ("procedures", &v.procedures),
        ("medications", &v.medications),
        ("profile", &v.profile),
    ] {
        let file = format!("{name}.tokenizer.json");
        write_tokenizer(voc, &tmp.join(&file)).map_err(|e| io(&tmp.join(&file), e))?;
        vocab_files.insert(name.to_owned(), file);
        sizes.insert(name.to_owned(), voc.len());
    }
    let mut files = BTreeMap::new();
    for name in std::iter::once("samples.jsonl".to_owned()).chain(vocab_files.values().cloned()) {
        files.insert(name.clone(), sha256_file(&tmp.join(&name)).map_err(|e| io(&tmp.join(&name), e))?);
    }
    let manifest = DatasetManifest {
        format_version: DATASET_FORMAT,
        created: leader_store::now_utc(),
        options: opts.clone(),
        medication_atc_level: level,
        profile_fields: PROFILE_FIELDS.iter().map(|s| (*s).to_owned()).collect(),
        medications: labels.iter().map(ToString::to_string).collect(),
        vocabularies: vocab_files,
        vocabulary_sizes: sizes,
        counts,
        sources,
        excluded_synthetic_patients,
        interactions: Some(interactions),
        files,
    };
    let mpath = tmp.join("dataset.json");
    fs::write(&mpath, serde_json::to_string_pretty(&manifest).unwrap_or_default()).map_err(|e| io(&mpath, e))?;
    // Swap into place: the old dataset (if any) is removed only after the new one is complete.
    let old: PathBuf = parent.join(format!(
        ".{}.old-{}",
        out.file_name().map_or("dataset".into(), |n| n.to_string_lossy()),
        std::process::id()
    ));
    if out.exists() {
        fs::rename(out, &old).map_err(|e| io(out, e))?;
    }
    fs::rename(&tmp, out).map_err(|e| io(out, e))?;
    let _ = fs::remove_dir_all(&old);
    Ok(manifest)
}
