//! `GET /api/health` (readiness, with every dependency's state) and `GET /api/health/live`.
//! Readiness is 200 only when PostgreSQL, both Redis instances and this node's search index are
//! fine; otherwise 503 with the details, so nginx and deploys stop sending traffic here. The server
//! itself keeps running and recovers when the dependency returns.

use std::future::Future;
use std::time::{Duration, Instant};

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use serde::Serialize;

use crate::api::AppState;
use crate::redis_store;
use crate::search::SearchHealth;

const CHECK_TIMEOUT: Duration = Duration::from_secs(2);

#[derive(Serialize, utoipa::ToSchema)]
pub struct Check {
    pub ok: bool,
    pub latency_ms: f64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct Checks {
    pub postgres: Check,
    pub redis_cache: Check,
    pub redis_queue: Check,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct HealthReport {
    /// `ok`; `degraded` when only Redis is down (requests are still served, slower); `unhealthy`
    /// when PostgreSQL is down; `starting` while the search index loads.
    pub status: &'static str,
    pub checks: Checks,
    pub search: SearchHealth,
    pub version: &'static str,
}

async fn check<F, E>(probe: F) -> Check
where
    F: Future<Output = Result<(), E>>,
    E: std::fmt::Display,
{
    let started = Instant::now();
    let outcome = tokio::time::timeout(CHECK_TIMEOUT, probe).await;
    let latency_ms = started.elapsed().as_secs_f64() * 1000.0;
    let error = match outcome {
        Ok(Ok(())) => None,
        Ok(Err(e)) => Some(e.to_string()),
        Err(_) => Some(format!("{}초 안에 응답하지 않았습니다", CHECK_TIMEOUT.as_secs())),
    };
    Check { ok: error.is_none(), latency_ms, error }
}

#[utoipa::path(
    get, path = "/api/health", tag = "operations",
    responses(
        (status = 200, description = "Every dependency is fine", body = HealthReport),
        (status = 503, description = "A dependency is down or the index is loading", body = HealthReport),
    )
)]
pub async fn health(State(state): State<AppState>) -> (StatusCode, Json<HealthReport>) {
    let postgres = check(async {
        let client = state.db.get().await.map_err(|e| e.to_string())?;
        client.query_typed("SELECT 1", &[]).await.map(|_| ()).map_err(|e| e.to_string())
    });
    let redis_cache = check(async { redis_store::ping(state.cache.connection()).await.map(|_| ()) });
    let redis_queue = check(async { redis_store::ping(&state.queue).await.map(|_| ()) });
    let (postgres, redis_cache, redis_queue) = tokio::join!(postgres, redis_cache, redis_queue);
    let search = state.search.health();
    let status = if !postgres.ok {
        "unhealthy"
    } else if !search.ready {
        "starting"
    } else if !redis_cache.ok || !redis_queue.ok {
        "degraded"
    } else {
        "ok"
    };
    let code = if status == "ok" { StatusCode::OK } else { StatusCode::SERVICE_UNAVAILABLE };
    let report = HealthReport {
        status,
        checks: Checks { postgres, redis_cache, redis_queue },
        search,
        version: env!("CARGO_PKG_VERSION"),
    };
    (code, Json(report))
}

/// Liveness: the process answers. Restart it only when this fails.
#[utoipa::path(get, path = "/api/health/live", tag = "operations", responses((status = 200, description = "The process is up")))]
pub async fn live() -> Json<serde_json::Value> {
    Json(serde_json::json!({ "status": "alive" }))
}
