//! The model on its own thread, fed by a channel and replying on a one-shot channel
//! (the shape of text-embeddings-inference's backend thread).
//!
//! The thread owns the active pair (verified bundle, backend), and every job runs
//! against one consistent pair, so a request is never encoded for one model and run on
//! another. Installing a model swaps the pair between two jobs without restarting the
//! process; a model that fails to load never reaches the worker, so the previous one
//! keeps serving.

use std::sync::{Arc, Mutex, PoisonError, mpsc};
use std::thread;

use crate::backend::Backend;
use crate::bundle::Bundle;
use crate::error::{InferError, Result};

type Task = Box<dyn FnOnce(&Arc<Bundle>, &mut dyn Backend) + Send>;

/// Starts a backend for a bundle: how a dead worker is brought back.
pub type Restart = Arc<dyn Fn(&Bundle) -> Result<Box<dyn Backend>> + Send + Sync>;

enum Job {
    Run(Task),
    Swap(Arc<Bundle>, Box<dyn Backend>, mpsc::SyncSender<String>),
}

/// A handle to the inference thread. Clones share the thread, which ends with the last handle.
///
/// A job that panics takes the thread down with it (the backend may be in any state); that
/// job's caller gets [`InferError::WorkerGone`], and the next request starts a fresh thread
/// on the active bundle with a new backend.
/// The failure is logged without anything of the request.
#[derive(Clone)]
pub struct Worker {
    inner: Arc<Mutex<Inner>>,
}

struct Inner {
    tx: mpsc::Sender<Job>,
    /// The active bundle, kept here too so that a restart serves the same model.
    bundle: Arc<Bundle>,
    restart: Restart,
    restarts: u32,
    /// A job's reply was lost: the thread died (or is dying) with it.
    dead: bool,
}

impl std::fmt::Debug for Worker {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Worker")
    }
}

fn start_thread(bundle: Arc<Bundle>, backend: Box<dyn Backend>) -> Result<mpsc::Sender<Job>> {
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
    Ok(tx)
}

impl Worker {
    /// A worker on (`bundle`, `backend`); `restart` brings it back (a new backend on the
    /// active bundle) on the request after it died.
    pub fn spawn(bundle: Arc<Bundle>, backend: Box<dyn Backend>, restart: Restart) -> Result<Worker> {
        let tx = start_thread(Arc::clone(&bundle), backend)?;
        Ok(Worker { inner: Arc::new(Mutex::new(Inner { tx, bundle, restart, restarts: 0, dead: false })) })
    }

    /// How many times the thread was restarted after dying.
    pub fn restarts(&self) -> u32 {
        self.inner.lock().unwrap_or_else(PoisonError::into_inner).restarts
    }

    /// Sends `job`, first restarting a thread that died since the last request.
    fn send(&self, job: Job) -> Result<()> {
        let mut inner = self.inner.lock().unwrap_or_else(PoisonError::into_inner);
        let job = if inner.dead {
            job
        } else {
            match inner.tx.send(job) {
                Ok(()) => return Ok(()),
                Err(mpsc::SendError(job)) => job,
            }
        };
        let restart = Arc::clone(&inner.restart);
        tracing::warn!("the inference worker had stopped; restarting it on the active model");
        let backend = restart(&inner.bundle)?;
        inner.tx = start_thread(Arc::clone(&inner.bundle), backend)?;
        inner.restarts += 1;
        inner.dead = false;
        inner.tx.send(job).map_err(|_| InferError::WorkerGone)
    }

    /// Marks the thread dead: a job's reply was lost.
    fn died(&self) -> InferError {
        tracing::error!("an inference job stopped the worker; it restarts on the next request");
        self.inner.lock().unwrap_or_else(PoisonError::into_inner).dead = true;
        InferError::WorkerGone
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
        self.send(Job::Run(task))?;
        rx.recv().map_err(|_| self.died())
    }

    /// Makes (`bundle`, `backend`) active; returns the description of the replaced model.
    pub fn swap(&self, bundle: Arc<Bundle>, backend: Box<dyn Backend>) -> Result<String> {
        let (reply, rx) = mpsc::sync_channel(1);
        self.send(Job::Swap(Arc::clone(&bundle), backend, reply))?;
        let old = rx.recv().map_err(|_| self.died())?;
        self.inner.lock().unwrap_or_else(PoisonError::into_inner).bundle = bundle;
        Ok(old)
    }
}
