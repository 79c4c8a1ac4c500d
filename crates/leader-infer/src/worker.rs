//! The model on its own thread, fed by a tokio channel and replying on a `oneshot` (the
//! shape of text-embeddings-inference's router/backend split).
//!
//! The thread owns the active pair (verified bundle, backend), and every job runs
//! against one consistent pair, so a request is never encoded for one model and run on
//! another. The thread waits with `blocking_recv`; callers await the reply, so no async
//! thread ever blocks on the model. Installing a model swaps the pair between two jobs
//! without restarting the process; a model that fails to load never reaches the worker,
//! so the previous one keeps serving.
//!
//! The worker is generic over what a backend serves (`M`): a student [`Bundle`], or the
//! teacher's bundle ([`crate::teacher::TeacherBundle`]); both run behind [`Backend`].

use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::thread;

use tokio::sync::{mpsc, oneshot};

use crate::backend::Backend;
use crate::bundle::Bundle;
use crate::error::{InferError, Result};

type Task<M> = Box<dyn FnOnce(&Arc<M>, &mut dyn Backend) + Send>;

/// Starts a backend for a bundle: how a dead worker is brought back.
pub type Restart<M = Bundle> = Arc<dyn Fn(&M) -> Result<Box<dyn Backend>> + Send + Sync>;

enum Job<M> {
    Run(Task<M>),
    Swap(Arc<M>, Box<dyn Backend>, oneshot::Sender<String>),
}

/// A handle to the inference thread. Clones share the thread, which ends with the last handle.
///
/// A job that panics takes the thread down with it (the backend may be in any state); that
/// job's caller gets [`InferError::WorkerGone`], and the next request starts a fresh thread
/// on the active bundle with a new backend (loaded off the async threads).
/// The failure is logged without anything of the request.
pub struct Worker<M = Bundle> {
    shared: Arc<Shared<M>>,
}

impl<M> Clone for Worker<M> {
    fn clone(&self) -> Self {
        Worker { shared: Arc::clone(&self.shared) }
    }
}

struct Shared<M> {
    state: Mutex<State<M>>,
    /// Held while a dead thread is being replaced, so concurrent requests start one thread.
    restarting: tokio::sync::Mutex<()>,
    restart: Restart<M>,
}

struct State<M> {
    tx: mpsc::UnboundedSender<Job<M>>,
    /// The active bundle, kept here too so that a restart serves the same model.
    bundle: Arc<M>,
    restarts: u32,
    /// A job's reply was lost: the thread died (or is dying) with it.
    dead: bool,
}

impl<M> std::fmt::Debug for Worker<M> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Worker")
    }
}

fn start_thread<M: Send + Sync + 'static>(
    bundle: Arc<M>,
    backend: Box<dyn Backend>,
) -> Result<mpsc::UnboundedSender<Job<M>>> {
    let (tx, mut rx) = mpsc::unbounded_channel::<Job<M>>();
    thread::Builder::new()
        .name("leader-infer".into())
        .spawn(move || {
            let (mut bundle, mut backend) = (bundle, backend);
            while let Some(job) = rx.blocking_recv() {
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

impl<M: Send + Sync + 'static> Worker<M> {
    /// A worker on (`bundle`, `backend`); `restart` brings it back (a new backend on the
    /// active bundle) on the request after it died.
    pub fn spawn(bundle: Arc<M>, backend: Box<dyn Backend>, restart: Restart<M>) -> Result<Worker<M>> {
        let tx = start_thread(Arc::clone(&bundle), backend)?;
        let state = Mutex::new(State { tx, bundle, restarts: 0, dead: false });
        Ok(Worker { shared: Arc::new(Shared { state, restarting: tokio::sync::Mutex::new(()), restart }) })
    }

    fn state(&self) -> MutexGuard<'_, State<M>> {
        self.shared.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// How many times the thread was restarted after dying.
    pub fn restarts(&self) -> u32 {
        self.state().restarts
    }

    /// Queues `job` on a live thread; gives it back when the thread is gone.
    fn try_send(&self, job: Job<M>) -> Option<Job<M>> {
        let state = self.state();
        if state.dead {
            return Some(job);
        }
        state.tx.send(job).err().map(|mpsc::error::SendError(job)| job)
    }

    /// Sends `job`, first restarting a thread that died since the last request. The new
    /// backend is loaded on the blocking pool, never on an async thread.
    async fn send(&self, job: Job<M>) -> Result<()> {
        let Some(job) = self.try_send(job) else { return Ok(()) };
        let _restarting = self.shared.restarting.lock().await;
        // Another request may have restarted it while this one waited.
        let Some(job) = self.try_send(job) else { return Ok(()) };
        tracing::warn!("the inference worker had stopped; restarting it on the active model");
        let bundle = Arc::clone(&self.state().bundle);
        let (restart, on) = (Arc::clone(&self.shared.restart), Arc::clone(&bundle));
        let backend = tokio::task::spawn_blocking(move || restart(&on))
            .await
            .map_err(|e| InferError::Inference(format!("restarting the inference worker failed: {e}")))??;
        let tx = start_thread(bundle, backend)?;
        let mut state = self.state();
        state.tx = tx;
        state.restarts += 1;
        state.dead = false;
        state.tx.send(job).map_err(|_| InferError::WorkerGone)
    }

    /// Marks the thread dead: a job's reply was lost.
    fn died(&self) -> InferError {
        tracing::error!("an inference job stopped the worker; it restarts on the next request");
        self.state().dead = true;
        InferError::WorkerGone
    }

    /// Runs `f` on the worker thread with the active bundle and backend; awaits its answer.
    pub async fn run<R: Send + 'static>(
        &self,
        f: impl FnOnce(&Arc<M>, &mut dyn Backend) -> R + Send + 'static,
    ) -> Result<R> {
        let (reply, rx) = oneshot::channel();
        let task: Task<M> = Box::new(move |b, be| {
            let _ = reply.send(f(b, be));
        });
        self.send(Job::Run(task)).await?;
        rx.await.map_err(|_| self.died())
    }

    /// Makes (`bundle`, `backend`) active; returns the description of the replaced model.
    pub async fn swap(&self, bundle: Arc<M>, backend: Box<dyn Backend>) -> Result<String> {
        let (reply, rx) = oneshot::channel();
        self.send(Job::Swap(Arc::clone(&bundle), backend, reply)).await?;
        let old = rx.await.map_err(|_| self.died())?;
        self.state().bundle = bundle;
        Ok(old)
    }
}

#[cfg(test)]
mod tests {
    use leader_core::encode::EncodedBatch;

    use super::*;
    use crate::backend::Probabilities;

    /// A backend that takes prompts (as the teacher does): the probability is the prompt's length.
    struct Prompts(u32);

    impl Backend for Prompts {
        fn predict(&mut self, _: &EncodedBatch) -> Result<Probabilities> {
            Err(InferError::Inference("prompts only".into()))
        }
        fn predict_prompts(&mut self, prompts: &[String]) -> Result<Probabilities> {
            Ok(prompts.iter().map(|p| vec![p.len() as f32]).collect())
        }
        fn describe(&self) -> String {
            format!("prompts {}", self.0)
        }
    }

    fn worker() -> Worker<String> {
        let restart: Restart<String> = Arc::new(|_: &String| -> Result<Box<dyn Backend>> { Ok(Box::new(Prompts(9))) });
        Worker::spawn(Arc::new("first".to_owned()), Box::new(Prompts(1)), restart).expect("worker")
    }

    #[tokio::test]
    async fn a_prompt_backend_is_served_on_the_same_worker_and_restarted_after_a_panic() {
        let w = worker();
        let p = w.run(|_, be| be.predict_prompts(&["abc".into(), "de".into()])).await.expect("worker");
        assert_eq!(p.expect("predict"), [[3.0], [2.0]]);
        assert!(w.run(|_, be| be.predict(&EncodedBatch::from_samples(&[]))).await.expect("worker").is_err());
        let old = w.swap(Arc::new("second".to_owned()), Box::new(Prompts(2))).await.expect("swap");
        assert_eq!(old, "prompts 1");
        let err = w.run(|_, _| -> () { panic!("a bug in a job") }).await.expect_err("the thread died");
        assert!(matches!(err, InferError::WorkerGone), "{err}");
        let (bundle, name) = w.run(|b, be| (b.as_str().to_owned(), be.describe())).await.expect("restarted");
        assert_eq!((bundle.as_str(), name.as_str(), w.restarts()), ("second", "prompts 9", 1));
    }
}
