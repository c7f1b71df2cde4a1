//! The HTTP API (`/api/…`): shared state, the router and its middleware.

pub mod error;
pub mod health;
pub mod metrics;
pub mod openapi;
pub mod programs;

use std::sync::Arc;
use std::time::Duration;

use axum::routing::get;
use axum::Router;
use deadpool_postgres::Pool;
use redis::aio::ConnectionManager;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;

use crate::metrics::Metrics;
use crate::redis_store::Cache;
use crate::search::Search;

/// Everything a handler may use, built once at start-up (tests build their own).
#[derive(Clone)]
pub struct AppState {
    pub db: Pool,
    /// How long a request waits for PostgreSQL before answering 503.
    pub db_timeout: Duration,
    pub cache: Cache,
    /// The durable queue Redis: its health, queue depths and the workers' scrape counters.
    pub queue: ConnectionManager,
    pub jobs: queue::Queue,
    pub scrape_stats: crate::ingest::worker::ScrapeStats,
    pub search: Arc<Search>,
    pub results_cache: Arc<crate::search::results_cache::ResultsCache>,
    pub metrics: Arc<Metrics>,
}

/// A request taking longer than this is answered 408 and its work dropped.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

pub fn router(state: AppState) -> Router {
    let metrics = state.metrics.clone();
    Router::new()
        .route("/api/programs", get(programs::search::search))
        .route("/api/programs/{id}", get(programs::show::show))
        .route("/api/health", get(health::health))
        .route("/api/health/live", get(health::live))
        .route("/api/metrics", get(metrics::metrics))
        .route("/api/openapi.json", get(openapi::openapi))
        .fallback(not_found)
        .with_state(state)
        .layer(axum::middleware::from_fn_with_state(metrics, crate::metrics::track))
        .layer(TimeoutLayer::with_status_code(axum::http::StatusCode::REQUEST_TIMEOUT, REQUEST_TIMEOUT))
        .layer(CatchPanicLayer::new())
        .layer(TraceLayer::new_for_http())
}

async fn not_found() -> error::ApiError {
    error::ApiError::NotFound("요청한 주소를 찾을 수 없습니다")
}
