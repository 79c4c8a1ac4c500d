//! The model behind a small trait, and its ONNX Runtime implementation.

use std::path::Path;

use leader_core::encode::{EncodedBatch, Encoder, HistoryInput};
use ort::session::Session;
use ort::value::{TensorElementType, TensorRef, ValueType};

use crate::bundle::{Bundle, INPUTS, OutputKind};
use crate::error::{InferError, Result};
use crate::integrity::check_probabilities;
use crate::runtime::{Device, SessionOptions, execution_providers};

/// Probabilities `[batch][medications]`.
pub type Probabilities = Vec<Vec<f32>>;

/// What serves predictions. Implementations own their session; the worker thread owns
/// the backend, so implementations need `Send` only.
///
/// A model takes either encoded visits (the student: [`Self::predict`],
/// [`Self::predict_inputs`]) or prompts rendered from them (the teacher:
/// [`Self::predict_prompts`]); as in text-embeddings-inference's `embed`/`predict`, a
/// backend answers what it does not take with an error, never a guess.
pub trait Backend: Send {
    fn predict(&mut self, batch: &EncodedBatch) -> Result<Probabilities>;
    /// Probabilities for prompts rendered from visits (`leader_core::prompt::render`).
    fn predict_prompts(&mut self, prompts: &[String]) -> Result<Probabilities> {
        let _ = prompts;
        Err(InferError::Inference(format!("{} takes encoded visits, not prompts", self.describe())))
    }
    /// Encodes and predicts `inputs` as one batch. Backends that can run several lanes
    /// at once override it to encode and run each lane's share on its own thread.
    fn predict_inputs(&mut self, encoder: &Encoder, inputs: &[HistoryInput]) -> Result<Probabilities> {
        let samples: Vec<_> = inputs.iter().map(|i| encoder.encode(i)).collect();
        self.predict(&EncodedBatch::from_samples(&samples))
    }
    /// The model's id and version, for logs and the audit trail.
    fn describe(&self) -> String;
}

/// Batches smaller than this run on one lane: below it, a thread costs more than it saves.
const MIN_SPLIT: usize = 16;
/// The largest run one lane gives ONNX Runtime at a time when it encodes its own share.
const LANE_RUN: usize = 32;

/// ONNX Runtime sessions over a verified [`Bundle`]. On the CPU, `threads` = N gives N
/// single-threaded sessions ("lanes"): a batch is split into N contiguous shares that are
/// encoded and run side by side, which scales much better for this small model than N
/// intra-op threads in one session (whose operators are too small to parallelise). A
/// single visit always runs on the first lane. CUDA uses one session. Every session is
/// created from the bundle's verified model bytes, and every output is checked (a
/// non-finite or out-of-range probability is an error, never a silent non-suggestion).
pub struct OrtBackend {
    lanes: Vec<Session>,
    out: Output,
}

/// What a run's output must be: the output's name and kind, the medication labels (one
/// column each) and the model, for errors.
struct Output {
    name: String,
    kind: OutputKind,
    labels: Vec<String>,
    model: String,
}

impl std::fmt::Debug for OrtBackend {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OrtBackend").field("model", &self.out.model).finish_non_exhaustive()
    }
}

fn session_error(dir: &Path, e: impl std::fmt::Display) -> InferError {
    InferError::Session { dir: dir.to_owned(), problem: e.to_string() }
}

impl OrtBackend {
    /// Starts a session for `bundle` and checks the ONNX inputs and outputs against the
    /// manifest. `--device cuda` that cannot start is an error, never a silent CPU run.
    pub fn start(env: &ort::environment::Environment, bundle: &Bundle, opts: SessionOptions) -> Result<OrtBackend> {
        let (lanes, intra) = match opts.device {
            Device::Cpu => (opts.threads.max(1), 1),
            Device::Cuda => (1, opts.threads.max(1)),
        };
        let lanes = (0..lanes).map(|_| open_session(env, bundle, opts.device, intra)).collect::<Result<Vec<_>>>()?;
        check_contract(&lanes[0], bundle)?;
        let out = Output {
            name: bundle.manifest.output.name.clone(),
            kind: bundle.manifest.output.kind,
            labels: bundle.manifest.medications.clone(),
            model: format!("{} {}", bundle.manifest.model.id, bundle.manifest.model.version),
        };
        Ok(OrtBackend { lanes, out })
    }
}

fn open_session(env: &ort::environment::Environment, bundle: &Bundle, device: Device, intra: usize) -> Result<Session> {
    let dir = &bundle.dir;
    let mut builder = Session::builder(env).map_err(|e| session_error(dir, e))?;
    builder = builder
        .with_optimization_level(ort::session::builder::GraphOptimizationLevel::All)
        .map_err(|e| session_error(dir, e))?;
    builder = builder.with_intra_threads(intra).map_err(|e| session_error(dir, e))?;
    builder = builder.with_inter_threads(1).map_err(|e| session_error(dir, e))?;
    builder = builder.with_execution_providers(execution_providers(device)).map_err(|e| {
        let problem = e.to_string();
        match device {
            Device::Cuda => InferError::Device { device: "CUDA".into(), problem },
            Device::Cpu => session_error(dir, problem),
        }
    })?;
    // From the bytes that were verified: nothing is read from disk behind the check.
    builder.commit_from_memory(bundle.model_bytes()).map_err(|e| session_error(dir, e))
}

fn check_contract(session: &Session, bundle: &Bundle) -> Result<()> {
    let bad = |problem: String| InferError::Contract { dir: bundle.dir.clone(), problem };
    let names: Vec<&str> = session.inputs().iter().map(|i| i.name()).collect();
    if names != INPUTS {
        return Err(bad(format!("inputs are {names:?}, expected {INPUTS:?}")));
    }
    let specs = &bundle.manifest.input.tensors;
    for input in session.inputs() {
        let spec = specs
            .iter()
            .find(|s| s.name == input.name())
            .ok_or_else(|| bad(format!("input `{}` is not in the manifest", input.name())))?;
        match input.dtype() {
            ValueType::Tensor { ty: TensorElementType::Int64, shape, .. } if shape.len() == spec.shape.len() => {}
            other => {
                return Err(bad(format!(
                    "input `{}` is {other:?}, expected int64 of rank {}",
                    input.name(),
                    spec.shape.len()
                )));
            }
        }
    }
    let out = &bundle.manifest.output;
    let output = session
        .outputs()
        .iter()
        .find(|o| o.name() == out.name)
        .ok_or_else(|| bad(format!("no output named `{}`", out.name)))?;
    match output.dtype() {
        ValueType::Tensor { ty: TensorElementType::Float32, shape, .. } if shape.len() == 2 => {
            let width = shape[1];
            if width >= 0 && width as usize != bundle.medications.len() {
                return Err(bad(format!(
                    "output `{}` has {width} columns but the manifest lists {} medications",
                    out.name,
                    bundle.medications.len()
                )));
            }
        }
        other => return Err(bad(format!("output `{}` is {other:?}, expected float32 [batch, medications]", out.name))),
    }
    Ok(())
}

type Feed<'a> = Vec<(std::borrow::Cow<'static, str>, ort::session::SessionInputValue<'a>)>;

/// The batch as named input tensors, borrowing its buffers (no copy).
fn feed(b: &EncodedBatch) -> ort::Result<Feed<'_>> {
    fn t3<'a>(b: &EncodedBatch, x: &'a (usize, Vec<i64>)) -> ort::Result<ort::session::SessionInputValue<'a>> {
        Ok(TensorRef::from_array_view(([b.batch, b.visits, x.0], x.1.as_slice()))?.into())
    }
    Ok(vec![
        ("diagnoses".into(), t3(b, &b.diagnoses)?),
        ("procedures".into(), t3(b, &b.procedures)?),
        ("medications".into(), t3(b, &b.medications)?),
        ("profile".into(), TensorRef::from_array_view(([b.batch, b.profile.0], b.profile.1.as_slice()))?.into()),
    ])
}

/// Runs `b` on one session; the output as probabilities, checked against the contract and
/// for values that are not probabilities.
fn run_lane(session: &mut Session, out: &Output, b: &EncodedBatch) -> Result<Probabilities> {
    let inf = |e: ort::Error| InferError::Inference(e.to_string());
    let n_meds = out.labels.len();
    let outputs = session.run(feed(b).map_err(inf)?).map_err(inf)?;
    let (shape, data) = outputs[out.name.as_str()].try_extract_tensor::<f32>().map_err(inf)?;
    if shape.len() != 2 || shape[0] as usize != b.batch || shape[1] as usize != n_meds {
        return Err(InferError::Inference(format!("output shape {shape:?}, expected [{}, {n_meds}]", b.batch)));
    }
    let probs: Probabilities = data
        .chunks(n_meds)
        .map(|row| match out.kind {
            OutputKind::Logits => row.iter().map(|&x| sigmoid(x)).collect(),
            OutputKind::Probabilities => row.to_vec(),
        })
        .collect();
    check_probabilities(&probs, &out.labels, &out.model)?;
    Ok(probs)
}

/// Runs `work(share, lane)` for contiguous shares of `n` items, one share per lane, on scoped
/// threads (the first share on the calling thread); results in input order.
fn on_lanes<T: Send>(
    lanes: &mut [Session],
    n: usize,
    work: impl Fn(std::ops::Range<usize>, &mut Session) -> Result<Vec<T>> + Sync,
) -> Result<Vec<T>> {
    let used = if n < MIN_SPLIT { 1 } else { lanes.len().min(n / (MIN_SPLIT / 2)).max(1) };
    let per = n.div_ceil(used);
    let (first, rest) = lanes.split_first_mut().expect("a backend has at least one lane");
    let work = &work;
    let results: Vec<Result<Vec<T>>> =
        std::thread::scope(|scope| {
            let handles: Vec<_> = rest
                .iter_mut()
                .take(used - 1)
                .enumerate()
                .map(|(k, session)| {
                    let range = (k + 1) * per..((k + 2) * per).min(n);
                    scope.spawn(move || work(range, session))
                })
                .collect();
            let mut out = vec![work(0..per.min(n), first)];
            out.extend(handles.into_iter().map(|h| {
                h.join().unwrap_or_else(|_| Err(InferError::Inference("an inference thread panicked".into())))
            }));
            out
        });
    let mut all = Vec::with_capacity(n);
    for r in results {
        all.extend(r?);
    }
    Ok(all)
}

fn sigmoid(x: f32) -> f32 {
    1.0 / (1.0 + (-x).exp())
}

impl Backend for OrtBackend {
    fn predict(&mut self, b: &EncodedBatch) -> Result<Probabilities> {
        let out = &self.out;
        if self.lanes.len() == 1 || b.batch < MIN_SPLIT {
            return run_lane(&mut self.lanes[0], out, b);
        }
        on_lanes(&mut self.lanes, b.batch, |rows, session| run_lane(session, out, &b.rows(rows)))
    }

    fn predict_inputs(&mut self, encoder: &Encoder, inputs: &[HistoryInput]) -> Result<Probabilities> {
        let out = &self.out;
        on_lanes(&mut self.lanes, inputs.len(), |rows, session| {
            // Within a lane, runs of at most LANE_RUN samples: less padding (each run is
            // padded to its own longest visit) and a working set that stays in cache.
            let mut probs = Vec::with_capacity(rows.len());
            for run in inputs[rows].chunks(LANE_RUN) {
                let samples: Vec<_> = run.iter().map(|i| encoder.encode(i)).collect();
                probs.extend(run_lane(session, out, &EncodedBatch::from_samples(&samples))?);
            }
            Ok(probs)
        })
    }

    fn describe(&self) -> String {
        self.out.model.clone()
    }
}

/// Raw output tensors by name, for parity tests against a reference computation.
pub fn run_raw(backend: &mut OrtBackend, b: &EncodedBatch, name: &str) -> Result<(Vec<i64>, Vec<f32>)> {
    let inf = |e: ort::Error| InferError::Inference(e.to_string());
    let outputs = backend.lanes[0].run(feed(b).map_err(inf)?).map_err(inf)?;
    let (shape, data) = outputs[name].try_extract_tensor::<f32>().map_err(inf)?;
    Ok((shape.iter().copied().collect(), data.to_vec()))
}
