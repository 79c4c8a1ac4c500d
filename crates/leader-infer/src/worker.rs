//! The model on its own thread, fed by a channel and replying on a one-shot channel
//! (the shape of text-embeddings-inference's backend thread).
//!
//! The thread owns the active pair (verified bundle, backend), and every job runs
//! against one consistent pair, so a request is never encoded for one model and run on
//! another. Installing a model swaps the pair between two jobs without restarting the
//! process; a model that fails to load never reaches the worker, so the previous one
//! keeps serving.

use std::sync::{Arc, mpsc};
use std::thread;

use crate::backend::Backend;
use crate::bundle::Bundle;
use crate::error::{InferError, Result};

type Task = Box<dyn FnOnce(&Arc<Bundle>, &mut dyn Backend) + Send>;

enum Job {
    Run(Task),
    Swap(Arc<Bundle>, Box<dyn Backend>, mpsc::SyncSender<String>),
}

/// A handle to the inference thread. Clones share the thread, which ends with the last handle.
#[derive(Clone)]
pub struct Worker {
    tx: mpsc::Sender<Job>,
}

impl std::fmt::Debug for Worker {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Worker")
    }
}

impl Worker {
    pub fn spawn(bundle: Arc<Bundle>, backend: Box<dyn Backend>) -> Result<Worker> {
        let (tx, rx) = mpsc::channel::<Job>();
        thread::Builder::new()
            .name("leader-infer".into())
            .spawn(move || {
                let (mut bundle, mut backend) = (bundle, backend);
                for job in rx {
                    match job {
                        Job::Run(task) => task(&bundle, backend.as_mut()),
                        Job::Swap(next_bundle, next_backend, reply) => {
                            let old = backend.describe();
                            bundle = next_bundle;
                            backend = next_backend;
                            let _ = reply.send(old);
                        }
                    }
                }
            })
            .map_err(|e| InferError::Inference(format!("cannot start the inference thread: {e}")))?;
        Ok(Worker { tx })
    }

    /// Runs `f` on the worker thread with the active bundle and backend.
    pub fn run<R: Send + 'static>(
        &self,
        f: impl FnOnce(&Arc<Bundle>, &mut dyn Backend) -> R + Send + 'static,
    ) -> Result<R> {
        let (reply, rx) = mpsc::sync_channel(1);
        let task: Task = Box::new(move |b, be| {
            let _ = reply.send(f(b, be));
        });
        self.tx.send(Job::Run(task)).map_err(|_| InferError::WorkerGone)?;
        rx.recv().map_err(|_| InferError::WorkerGone)
    }

    /// Makes (`bundle`, `backend`) active; returns the description of the replaced model.
    pub fn swap(&self, bundle: Arc<Bundle>, backend: Box<dyn Backend>) -> Result<String> {
        let (reply, rx) = mpsc::sync_channel(1);
        self.tx.send(Job::Swap(bundle, backend, reply)).map_err(|_| InferError::WorkerGone)?;
        rx.recv().map_err(|_| InferError::WorkerGone)
    }
}
