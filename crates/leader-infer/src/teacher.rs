//! Teacher mode: the fine-tuned language-model teacher exported to ONNX, run on the same
//! prompt the Rust renderer wrote for training, tokenized here by the `tokenizers` crate
//! from the teacher's own `tokenizer.json` (truncating on the left, as in training, so the
//! current visit is never cut). Loading checks the checksums, the ONNX inputs/outputs, and
//! that Rust tokenizes the bundle's reference sentences exactly as Python did.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use leader_core::Code;
use leader_core::encode::EncoderLimits;
use leader_core::prompt::PromptOptions;
use ort::session::Session;
use ort::value::{TensorElementType, TensorRef, ValueType};
use serde::{Deserialize, Serialize};
use tokenizers::{PaddingParams, PaddingStrategy, Tokenizer, TruncationDirection, TruncationParams};

use crate::bundle::{
    CheckedFiles, FORMAT_VERSION, MANIFEST, MODEL, ModelInfo, ModelKind, OutputContract, OutputKind,
    refuse_external_data,
};
use crate::error::{InferError, Result};
use crate::integrity::check_probabilities;
use crate::runtime::{SessionOptions, execution_providers};

/// Fixed, non-clinical-record sentences whose token ids the exporter records, so a
/// tokenizer mismatch between Python and Rust is caught at load.
pub const REFERENCE_SENTENCES: [&str; 2] = [
    "The patient has 2 hospital visits.\nVisit 1: diagnoses: Essential hypertension. Procedures: none. Medications: Beta blocking agents.",
    "Current visit 2: diagnoses: Atrial fibrillation; Osteoarthritis of knee. Procedures: none.\nWhich medications should be prescribed in the current visit?",
];

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PromptContract {
    pub tokenizer: String,
    pub max_len: usize,
    pub truncation: String,
    pub pooling: String,
    pub options: PromptOptions,
    pub medication_atc_level: u8,
    pub limits: EncoderLimits,
    /// Token ids of [`REFERENCE_SENTENCES`] as the Python tokenizer produced them.
    #[serde(default)]
    pub reference_ids: Vec<Vec<u32>>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TeacherManifest {
    pub format_version: u32,
    pub model: ModelInfo,
    pub medications: Vec<String>,
    pub prompt: PromptContract,
    pub output: OutputContract,
    pub threshold: f32,
    #[serde(default)]
    pub metrics: serde_json::Value,
    #[serde(default)]
    pub provenance: serde_json::Value,
    pub files: BTreeMap<String, String>,
}

pub struct TeacherModel {
    pub dir: PathBuf,
    pub manifest: TeacherManifest,
    pub medications: Vec<Code>,
    tokenizer: Tokenizer,
    session: Session,
}

impl std::fmt::Debug for TeacherModel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TeacherModel").field("dir", &self.dir).finish_non_exhaustive()
    }
}

impl TeacherModel {
    pub fn open(env: &ort::environment::Environment, dir: &Path, opts: SessionOptions) -> Result<TeacherModel> {
        let err = |problem: String| InferError::Bundle { dir: dir.to_owned(), problem };
        // Read once, checked (and against the install record when installed), used from memory.
        let mut files = CheckedFiles::read(dir)?;
        let manifest: TeacherManifest =
            serde_json::from_slice(&files.manifest).map_err(|e| err(format!("not a teacher {MANIFEST}: {e}")))?;
        if manifest.format_version != FORMAT_VERSION || manifest.model.kind != ModelKind::Teacher {
            return Err(err("not a teacher bundle of a supported format".into()));
        }
        let mut take = |file: &str| {
            files.contents.remove(file).ok_or_else(|| err(format!("{file} is not checksummed in the manifest")))
        };
        let model = take(MODEL)?;
        let tokenizer_json = take(&manifest.prompt.tokenizer)?;
        refuse_external_data(dir, MODEL, &model)?;
        let medications: Vec<Code> = manifest
            .medications
            .iter()
            .map(|m| m.parse().map_err(|e| err(format!("medication `{m}`: {e}"))))
            .collect::<Result<_>>()?;
        let mut tokenizer = Tokenizer::from_bytes(&tokenizer_json).map_err(|e| err(format!("tokenizer: {e}")))?;
        let direction =
            if manifest.prompt.truncation == "left" { TruncationDirection::Left } else { TruncationDirection::Right };
        tokenizer
            .with_truncation(Some(TruncationParams {
                max_length: manifest.prompt.max_len,
                direction,
                ..TruncationParams::default()
            }))
            .map_err(|e| err(format!("tokenizer truncation: {e}")))?;
        tokenizer
            .with_padding(Some(PaddingParams { strategy: PaddingStrategy::BatchLongest, ..PaddingParams::default() }));
        for (sentence, want) in REFERENCE_SENTENCES.iter().zip(&manifest.prompt.reference_ids) {
            let got = tokenizer.encode(*sentence, true).map_err(|e| err(format!("tokenizer: {e}")))?;
            if got.get_ids() != want.as_slice() {
                return Err(err("the Rust tokenizer disagrees with the exporter's on the reference sentences".into()));
            }
        }
        let session_err = |e: ort::Error| InferError::Session { dir: dir.to_owned(), problem: e.to_string() };
        let session = Session::builder(env)
            .map_err(session_err)?
            .with_intra_threads(opts.threads.max(1))
            .map_err(|e| InferError::Session { dir: dir.to_owned(), problem: e.to_string() })?
            .with_execution_providers(execution_providers(opts.device))
            .map_err(|e| InferError::Device { device: format!("{:?}", opts.device), problem: e.to_string() })?
            .commit_from_memory(&model)
            .map_err(session_err)?;
        let names: Vec<&str> = session.inputs().iter().map(|i| i.name()).collect();
        if names != ["input_ids", "attention_mask"] {
            return Err(InferError::Contract {
                dir: dir.to_owned(),
                problem: format!("inputs are {names:?}, expected [input_ids, attention_mask]"),
            });
        }
        for i in session.inputs() {
            if !matches!(i.dtype(), ValueType::Tensor { ty: TensorElementType::Int64, shape, .. } if shape.len() == 2) {
                return Err(InferError::Contract {
                    dir: dir.to_owned(),
                    problem: format!("input `{}` is not int64 [batch, sequence]", i.name()),
                });
            }
        }
        if !session.outputs().iter().any(|o| o.name() == manifest.output.name) {
            return Err(InferError::Contract {
                dir: dir.to_owned(),
                problem: format!("no output named `{}`", manifest.output.name),
            });
        }
        Ok(TeacherModel { dir: dir.to_owned(), manifest, medications, tokenizer, session })
    }

    /// Probabilities `[prompts][medications]`.
    pub fn predict(&mut self, prompts: &[String]) -> Result<Vec<Vec<f32>>> {
        let inf = |e: String| InferError::Inference(e);
        let enc = self.tokenizer.encode_batch(prompts.to_vec(), true).map_err(|e| inf(e.to_string()))?;
        let (b, s) = (enc.len(), enc.first().map_or(0, |e| e.get_ids().len()));
        let ids: Vec<i64> = enc.iter().flat_map(|e| e.get_ids().iter().map(|&x| i64::from(x))).collect();
        let mask: Vec<i64> = enc.iter().flat_map(|e| e.get_attention_mask().iter().map(|&x| i64::from(x))).collect();
        let n = self.medications.len();
        let kind = self.manifest.output.kind;
        let name = self.manifest.output.name.clone();
        let inputs = ort::inputs![
            "input_ids" => TensorRef::from_array_view(([b, s], ids.as_slice())).map_err(|e| inf(e.to_string()))?,
            "attention_mask" => TensorRef::from_array_view(([b, s], mask.as_slice())).map_err(|e| inf(e.to_string()))?,
        ];
        let outputs = self.session.run(inputs).map_err(|e| inf(e.to_string()))?;
        let (_, data) = outputs[name.as_str()].try_extract_tensor::<f32>().map_err(|e| inf(e.to_string()))?;
        if data.len() != b * n {
            return Err(inf(format!("teacher output has {} values, expected {}", data.len(), b * n)));
        }
        let probs: Vec<Vec<f32>> = data
            .chunks(n)
            .map(|row| match kind {
                OutputKind::Logits => row.iter().map(|&x| 1.0 / (1.0 + (-x).exp())).collect(),
                OutputKind::Probabilities => row.to_vec(),
            })
            .collect();
        let label = format!("{} {}", self.manifest.model.id, self.manifest.model.version);
        check_probabilities(&probs, &self.manifest.medications, &label)?;
        Ok(probs)
    }
}
