//! `/api/admin/jobs/…`: dead jobs (the last error of each) for staff, put back on their queue or
//! discarded — what `connect jobs dead|retry|discard` does, for the admin console.

use axum::extract::{Path, Query, State};
use axum::Json;
use serde::{Deserialize, Serialize};

use crate::accounts::Admin;
use crate::api::error::ApiError;
use crate::api::AppState;
use crate::ingest::worker::{ATTACHMENT_QUEUE, SCRAPE_QUEUE};
use crate::notify::jobs::NOTIFY_QUEUE;

/// The queues staff may look into, with their Korean names.
pub const QUEUES: &[(&str, &str)] =
    &[(SCRAPE_QUEUE, "수집"), (ATTACHMENT_QUEUE, "첨부파일 추출"), (NOTIFY_QUEUE, "알림")];

#[derive(Serialize)]
pub struct DeadJobView {
    pub queue: &'static str,
    pub id: String,
    pub kind: String,
    /// What the job was about, e.g. the source of a scrape.
    pub subject: String,
    pub attempts: u32,
    pub last_error: String,
    pub failed_at: chrono::DateTime<chrono::Utc>,
}

fn queue_name(name: &str) -> Result<&'static str, ApiError> {
    QUEUES
        .iter()
        .map(|(q, _)| *q)
        .find(|q| *q == name)
        .ok_or_else(|| ApiError::bad("queue", "queue는 scrape, attachments, notify 중 하나여야 합니다"))
}

/// The dead jobs of every queue, newest first within each.
pub async fn dead_jobs(state: &AppState, limit: usize) -> Result<Vec<DeadJobView>, ApiError> {
    let mut out = Vec::new();
    for (queue, _) in QUEUES {
        let dead = state.jobs.dead(queue, limit).await.map_err(|e| ApiError::Unavailable(format!("대기열: {e}")))?;
        out.extend(dead.into_iter().map(|job| {
            DeadJobView {
                queue,
                id: job.id.as_str().to_string(),
                subject: ["source", "program_id", "kind"]
                    .iter()
                    .find_map(|k| job.payload.get(*k).map(|v| v.as_str().map_or_else(|| v.to_string(), String::from)))
                    .unwrap_or_default(),
                kind: job.kind,
                attempts: job.attempts,
                last_error: job.last_error,
                failed_at: job.failed_at.into(),
            }
        }));
    }
    Ok(out)
}

#[derive(Deserialize)]
pub struct Limit {
    pub limit: Option<usize>,
}

pub async fn list(
    State(state): State<AppState>,
    Admin(_): Admin,
    Query(q): Query<Limit>,
) -> Result<Json<Vec<DeadJobView>>, ApiError> {
    Ok(Json(dead_jobs(&state, q.limit.unwrap_or(50).min(500)).await?))
}

/// `POST /api/admin/jobs/{queue}/{id}/retry`: back on its queue with its attempts reset.
pub async fn retry(
    State(state): State<AppState>,
    Admin(caller): Admin,
    Path((queue, id)): Path<(String, String)>,
) -> Result<Json<serde_json::Value>, ApiError> {
    act(&state, caller.user_id, &queue, id, Action::Retry).await
}

/// `DELETE /api/admin/jobs/{queue}/{id}`: forgets a dead job.
pub async fn discard(
    State(state): State<AppState>,
    Admin(caller): Admin,
    Path((queue, id)): Path<(String, String)>,
) -> Result<Json<serde_json::Value>, ApiError> {
    act(&state, caller.user_id, &queue, id, Action::Discard).await
}

#[derive(Debug, Clone, Copy)]
enum Action {
    Retry,
    Discard,
}

async fn act(
    state: &AppState,
    actor: i64,
    queue: &str,
    id: String,
    action: Action,
) -> Result<Json<serde_json::Value>, ApiError> {
    let queue = queue_name(queue)?;
    let job = queue::JobId::from(id.clone());
    let done = match action {
        Action::Retry => state.jobs.retry_dead(queue, &job).await,
        Action::Discard => state.jobs.discard_dead(queue, &job).await,
    }
    .map_err(|e| ApiError::Unavailable(format!("대기열: {e}")))?;
    if !done {
        return Err(ApiError::NotFound("실패한 작업을 찾을 수 없습니다 (이미 다시 실행했거나 지웠습니다)"));
    }
    tracing::info!(actor, queue, job = %id, ?action, "dead job handled");
    Ok(Json(serde_json::json!({ "queue": queue, "id": id })))
}
