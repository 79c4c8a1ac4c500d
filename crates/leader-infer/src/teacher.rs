//! Teacher mode: the fine-tuned language-model teacher exported to ONNX, run on the same
//! prompt the Rust renderer wrote for training, tokenized here by the `tokenizers` crate
//! from the teacher's own `tokenizer.json` (truncating on the left, as in training, so the
//! current visit is never cut). Loading checks the checksums, the ONNX inputs/outputs, and
//! that Rust tokenizes the bundle's reference sentences exactly as Python did.
//!
//! The teacher is one more [`Backend`] (it takes prompts: [`Backend::predict_prompts`]),
//! served by the same [`Worker`] as the student: [`Teacher`] is its handle.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use leader_core::Code;
use leader_core::encode::EncoderLimits;
use leader_core::prompt::PromptOptions;
use ort::session::Session;
use ort::value::{TensorElementType, TensorRef, ValueType};
use serde::{Deserialize, Serialize};
use tokenizers::{PaddingParams, PaddingStrategy, Tokenizer, TruncationDirection, TruncationParams};

use crate::backend::{Backend, Probabilities};
use crate::bundle::{
    CheckedFiles, FORMAT_VERSION, MANIFEST, MODEL, ModelInfo, ModelKind, OutputContract, OutputKind,
    refuse_external_data,
};
use crate::error::{InferError, Result};
use crate::integrity::check_probabilities;
use crate::runtime::{SessionOptions, environment_for, execution_providers};
use crate::worker::{Restart, Worker};

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

/// A verified teacher bundle: its manifest, labels, tokenizer (checked against the
/// exporter's reference ids) and the model bytes that were checked, kept for the sessions.
pub struct TeacherBundle {
    pub dir: PathBuf,
    pub manifest: TeacherManifest,
    pub medications: Vec<Code>,
    tokenizer: Tokenizer,
    model: Vec<u8>,
}

impl std::fmt::Debug for TeacherBundle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TeacherBundle").field("dir", &self.dir).finish_non_exhaustive()
    }
}

impl TeacherBundle {
    pub fn open(dir: &Path) -> Result<TeacherBundle> {
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
        Ok(TeacherBundle { dir: dir.to_owned(), manifest, medications, tokenizer, model })
    }

    /// The model's id and version.
    pub fn describe(&self) -> String {
        format!("{} {}", self.manifest.model.id, self.manifest.model.version)
    }
}

/// The teacher's ONNX Runtime session: prompts in, probabilities out.
pub struct TeacherBackend {
    tokenizer: Tokenizer,
    session: Session,
    output: String,
    kind: OutputKind,
    labels: Vec<String>,
    model: String,
}

impl std::fmt::Debug for TeacherBackend {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TeacherBackend").field("model", &self.model).finish_non_exhaustive()
    }
}

impl TeacherBackend {
    /// A session on the bundle's verified model bytes, its inputs and output checked.
    pub fn start(
        env: &ort::environment::Environment,
        bundle: &TeacherBundle,
        opts: SessionOptions,
    ) -> Result<TeacherBackend> {
        let dir = &bundle.dir;
        let manifest = &bundle.manifest;
        let session_err = |e: ort::Error| InferError::Session { dir: dir.to_owned(), problem: e.to_string() };
        let session = Session::builder(env)
            .map_err(session_err)?
            .with_intra_threads(opts.threads.max(1))
            .map_err(|e| InferError::Session { dir: dir.to_owned(), problem: e.to_string() })?
            .with_execution_providers(execution_providers(opts.device))
            .map_err(|e| InferError::Device { device: format!("{:?}", opts.device), problem: e.to_string() })?
            .commit_from_memory(&bundle.model)
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
        Ok(TeacherBackend {
            tokenizer: bundle.tokenizer.clone(),
            session,
            output: manifest.output.name.clone(),
            kind: manifest.output.kind,
            labels: manifest.medications.clone(),
            model: bundle.describe(),
        })
    }
}

impl Backend for TeacherBackend {
    fn predict(&mut self, _batch: &leader_core::encode::EncodedBatch) -> Result<Probabilities> {
        Err(InferError::Inference(format!("{} takes prompts, not encoded visits", self.model)))
    }

    fn predict_inputs(
        &mut self,
        _encoder: &leader_core::encode::Encoder,
        _inputs: &[leader_core::encode::HistoryInput],
    ) -> Result<Probabilities> {
        Err(InferError::Inference(format!("{} takes prompts, not encoded visits", self.model)))
    }

    /// Probabilities `[prompts][medications]`.
    fn predict_prompts(&mut self, prompts: &[String]) -> Result<Probabilities> {
        let inf = |e: String| InferError::Inference(e);
        let enc = self.tokenizer.encode_batch(prompts.to_vec(), true).map_err(|e| inf(e.to_string()))?;
        let (b, s) = (enc.len(), enc.first().map_or(0, |e| e.get_ids().len()));
        let ids: Vec<i64> = enc.iter().flat_map(|e| e.get_ids().iter().map(|&x| i64::from(x))).collect();
        let mask: Vec<i64> = enc.iter().flat_map(|e| e.get_attention_mask().iter().map(|&x| i64::from(x))).collect();
        let n = self.labels.len();
        let kind = self.kind;
        let inputs = ort::inputs![
            "input_ids" => TensorRef::from_array_view(([b, s], ids.as_slice())).map_err(|e| inf(e.to_string()))?,
            "attention_mask" => TensorRef::from_array_view(([b, s], mask.as_slice())).map_err(|e| inf(e.to_string()))?,
        ];
        let outputs = self.session.run(inputs).map_err(|e| inf(e.to_string()))?;
        let (_, data) = outputs[self.output.as_str()].try_extract_tensor::<f32>().map_err(|e| inf(e.to_string()))?;
        if data.len() != b * n {
            return Err(inf(format!("teacher output has {} values, expected {}", data.len(), b * n)));
        }
        let probs: Probabilities = data
            .chunks(n)
            .map(|row| match kind {
                OutputKind::Logits => row.iter().map(|&x| 1.0 / (1.0 + (-x).exp())).collect(),
                OutputKind::Probabilities => row.to_vec(),
            })
            .collect();
        check_probabilities(&probs, &self.labels, &self.model)?;
        Ok(probs)
    }

    fn describe(&self) -> String {
        self.model.clone()
    }
}

/// The teacher served like the student: its bundle and [`TeacherBackend`] on a [`Worker`]
/// thread (restarted on the same bundle after a panic), answering on a `oneshot`.
#[derive(Debug, Clone)]
pub struct Teacher {
    worker: Worker<TeacherBundle>,
    bundle: Arc<TeacherBundle>,
}

impl Teacher {
    /// Loads and verifies the teacher bundle in `dir` and starts serving it.
    pub fn start(dir: &Path, opts: SessionOptions) -> Result<Teacher> {
        let env = environment_for(opts.device)?;
        let bundle = Arc::new(TeacherBundle::open(dir)?);
        let backend = TeacherBackend::start(&env, &bundle, opts)?;
        let restart: Restart<TeacherBundle> = Arc::new(move |b: &TeacherBundle| -> Result<Box<dyn Backend>> {
            Ok(Box::new(TeacherBackend::start(&env, b, opts)?))
        });
        let worker = Worker::spawn(Arc::clone(&bundle), Box::new(backend), restart)?;
        Ok(Teacher { worker, bundle })
    }

    /// [`Teacher::start`] on the blocking pool, for async callers.
    pub async fn open(dir: &Path, opts: SessionOptions) -> Result<Teacher> {
        let dir = dir.to_owned();
        tokio::task::spawn_blocking(move || Teacher::start(&dir, opts)).await.map_err(crate::join_error)?
    }

    /// The served bundle (a teacher is never swapped: installing one starts a new `Teacher`).
    pub fn bundle(&self) -> &Arc<TeacherBundle> {
        &self.bundle
    }

    pub fn manifest(&self) -> &TeacherManifest {
        &self.bundle.manifest
    }

    pub fn worker(&self) -> &Worker<TeacherBundle> {
        &self.worker
    }

    /// Probabilities `[prompts][medications]`, computed on the worker thread.
    pub async fn predict(&self, prompts: Vec<String>) -> Result<Probabilities> {
        self.worker.run(move |_, backend| backend.predict_prompts(&prompts)).await?
    }
}
