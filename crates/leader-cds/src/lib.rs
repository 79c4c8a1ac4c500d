//! LEADER Rx as an HL7 CDS Hooks 2.0 service (`leader serve`): an EHR posts the hook's
//! context and FHIR R4 prefetch, and gets cards back.
//!
//! - `GET /cds-services`: discovery.
//! - `POST /cds-services/leader-medication-suggestions` (`order-select`): the model's
//!   suggestions for the encounter, one card each, each offering a draft `MedicationRequest`.
//! - `POST /cds-services/leader-interaction-check` (`order-sign`) and
//!   `.../leader-interaction-check-select` (`order-select`): one card per interacting pair
//!   among the draft orders and the active medications.
//! - `POST /cds-services/{id}/feedback`: accepted / overridden outcomes into the audit log.
//!
//! Owns: HTTP, the JWT check, limits, the CDS Hooks wire format. Must not: hold clinical
//! logic (the service crate recommends and screens; the store maps FHIR codings), call any
//! FHIR server (it is offline: without prefetch it answers from the local store or not at
//! all), or log patient data (logs carry the service, status and latency only).

pub mod auth;
pub mod cards;
pub mod hooks;
pub mod limits;
pub mod testkit;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};
use leader_service::app::App;
use tower_http::cors::{AllowOrigin, CorsLayer};
use tower_http::timeout::TimeoutLayer;

/// `leader serve` settings, resolved.
#[derive(Debug, Clone)]
pub struct Config {
    pub listen: SocketAddr,
    /// The base URL the EHR calls (`http://HOST:PORT/cds-services` by default); the JWT's
    /// `aud` must be it or one service's URL under it.
    pub base_url: String,
    /// The JWKS document of the EHR's public keys.
    pub jwks: String,
    pub issuers: Vec<String>,
    /// Origins allowed by CORS (none: no CORS headers, as for a server-side EHR).
    pub cors_origins: Vec<String>,
    pub max_body_bytes: usize,
    pub timeout: Duration,
    /// Requests per second per client (token bucket, burst of twice this).
    pub rate_per_second: u32,
    /// The FHIR code-system mapping for incoming resources (`standard`, `mimic`, a file).
    pub systems: leader_core::fhir::FhirSystems,
}

/// Everything a handler needs.
pub struct State {
    pub app: App,
    pub config: Config,
    pub verifier: auth::Verifier,
    pub limiter: limits::RateLimiter,
    pub cards: hooks::IssuedCards,
    pub mapper: leader_store::import::atc::AtcMapper,
    /// One audit writer at a time: concurrent SQLite writers would wait in the busy
    /// handler's millisecond sleeps; queueing here costs only the write itself.
    pub audit_writer: tokio::sync::Mutex<()>,
}

impl std::fmt::Debug for State {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("State").field("config", &self.config).finish_non_exhaustive()
    }
}

pub type Shared = Arc<State>;

#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    #[error(transparent)]
    Keys(#[from] auth::KeyFileError),
    #[error("the store's medication maps could not be read: {0}")]
    Store(#[from] leader_store::StoreError),
    #[error("cannot listen on {addr}: {error}")]
    Listen { addr: SocketAddr, error: std::io::Error },
}

impl State {
    pub async fn new(app: App, config: Config) -> Result<State, ServeError> {
        let verifier = auth::Verifier::new(&config.jwks, &config.issuers, &config.base_url)?;
        let mapper = app.store.atc_mapper().await?;
        Ok(State {
            limiter: limits::RateLimiter::new(config.rate_per_second),
            cards: hooks::IssuedCards::default(),
            app,
            config,
            verifier,
            mapper,
            audit_writer: tokio::sync::Mutex::new(()),
        })
    }
}

/// The routes with their limits (body size, timeout, CORS for configured origins only).
pub fn router(state: Shared) -> Router {
    let mut router = Router::new()
        .route("/cds-services", get(hooks::discovery))
        .route("/cds-services/{id}", post(hooks::invoke))
        .route("/cds-services/{id}/feedback", post(hooks::feedback))
        .layer(DefaultBodyLimit::max(state.config.max_body_bytes))
        .layer(TimeoutLayer::with_status_code(axum::http::StatusCode::SERVICE_UNAVAILABLE, state.config.timeout));
    if !state.config.cors_origins.is_empty() {
        let origins: Vec<axum::http::HeaderValue> =
            state.config.cors_origins.iter().filter_map(|o| o.parse().ok()).collect();
        router = router.layer(
            CorsLayer::new()
                .allow_origin(AllowOrigin::list(origins))
                .allow_methods([axum::http::Method::GET, axum::http::Method::POST])
                .allow_headers([axum::http::header::AUTHORIZATION, axum::http::header::CONTENT_TYPE]),
        );
    }
    router.with_state(state)
}

/// Serves until the process is stopped.
pub async fn serve(state: State) -> Result<(), ServeError> {
    let addr = state.config.listen;
    let listener = tokio::net::TcpListener::bind(addr).await.map_err(|error| ServeError::Listen { addr, error })?;
    serve_on(listener, state).await
}

/// Serves on a listener the caller bound (the benchmark binds port 0).
pub async fn serve_on(listener: tokio::net::TcpListener, state: State) -> Result<(), ServeError> {
    let addr = listener.local_addr().map_err(|error| ServeError::Listen { addr: state.config.listen, error })?;
    let app = router(Arc::new(state)).into_make_service_with_connect_info::<SocketAddr>();
    axum::serve(listener, app).await.map_err(|error| ServeError::Listen { addr, error })
}
