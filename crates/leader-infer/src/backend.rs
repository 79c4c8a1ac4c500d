//! The model behind a small trait, and its ONNX Runtime implementation.

use std::path::Path;

use leader_core::encode::EncodedBatch;
use ort::session::Session;
use ort::value::{TensorElementType, TensorRef, ValueType};

use crate::bundle::{Bundle, INPUTS, OutputKind};
use crate::error::{InferError, Result};
use crate::runtime::{Device, SessionOptions, execution_providers};

/// Probabilities `[batch][medications]`.
pub type Probabilities = Vec<Vec<f32>>;

/// What serves predictions. Implementations own their session; the worker thread owns
/// the backend, so implementations need `Send` only.
pub trait Backend: Send {
    fn predict(&mut self, batch: &EncodedBatch) -> Result<Probabilities>;
    /// The model's id and version, for logs and the audit trail.
    fn describe(&self) -> String;
}

/// An ONNX Runtime session over a verified [`Bundle`].
pub struct OrtBackend {
    session: Session,
    output: String,
    kind: OutputKind,
    n_meds: usize,
    label: String,
}

impl std::fmt::Debug for OrtBackend {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OrtBackend").field("model", &self.label).finish_non_exhaustive()
    }
}

fn session_error(dir: &Path, e: impl std::fmt::Display) -> InferError {
    InferError::Session { dir: dir.to_owned(), problem: e.to_string() }
}

impl OrtBackend {
    /// Starts a session for `bundle` and checks the ONNX inputs and outputs against the
    /// manifest. `--device cuda` that cannot start is an error, never a silent CPU run.
    pub fn start(env: &ort::environment::Environment, bundle: &Bundle, opts: SessionOptions) -> Result<OrtBackend> {
        let dir = &bundle.dir;
        let mut builder = Session::builder(env).map_err(|e| session_error(dir, e))?;
        builder = builder.with_intra_threads(opts.threads.max(1)).map_err(|e| session_error(dir, e))?;
        builder = builder.with_inter_threads(1).map_err(|e| session_error(dir, e))?;
        builder = builder.with_execution_providers(execution_providers(opts.device)).map_err(|e| {
            let problem = e.to_string();
            match opts.device {
                Device::Cuda => InferError::Device { device: "CUDA".into(), problem },
                Device::Cpu => session_error(dir, problem),
            }
        })?;
        let session = builder.commit_from_file(bundle.model_path()).map_err(|e| session_error(dir, e))?;
        check_contract(&session, bundle)?;
        Ok(OrtBackend {
            session,
            output: bundle.manifest.output.name.clone(),
            kind: bundle.manifest.output.kind,
            n_meds: bundle.medications.len(),
            label: format!("{} {}", bundle.manifest.model.id, bundle.manifest.model.version),
        })
    }
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

fn sigmoid(x: f32) -> f32 {
    1.0 / (1.0 + (-x).exp())
}

impl Backend for OrtBackend {
    fn predict(&mut self, b: &EncodedBatch) -> Result<Probabilities> {
        let inf = |e: ort::Error| InferError::Inference(e.to_string());
        let outputs = self.session.run(feed(b).map_err(inf)?).map_err(inf)?;
        let (shape, data) = outputs[self.output.as_str()].try_extract_tensor::<f32>().map_err(inf)?;
        if shape.len() != 2 || shape[0] as usize != b.batch || shape[1] as usize != self.n_meds {
            return Err(InferError::Inference(format!(
                "output shape {shape:?}, expected [{}, {}]",
                b.batch, self.n_meds
            )));
        }
        Ok(data
            .chunks(self.n_meds)
            .map(|row| match self.kind {
                OutputKind::Logits => row.iter().map(|&x| sigmoid(x)).collect(),
                OutputKind::Probabilities => row.to_vec(),
            })
            .collect())
    }

    fn describe(&self) -> String {
        self.label.clone()
    }
}

/// Raw output tensors by name, for parity tests against a reference computation.
pub fn run_raw(backend: &mut OrtBackend, b: &EncodedBatch, name: &str) -> Result<(Vec<i64>, Vec<f32>)> {
    let inf = |e: ort::Error| InferError::Inference(e.to_string());
    let outputs = backend.session.run(feed(b).map_err(inf)?).map_err(inf)?;
    let (shape, data) = outputs[name].try_extract_tensor::<f32>().map_err(inf)?;
    Ok((shape.iter().copied().collect(), data.to_vec()))
}
