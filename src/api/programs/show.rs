//! `GET /api/programs/{id}`: one program with its raw period, body and attachments. Read through the
//! Redis cache; the status is computed after the cache, at read time. The rendered response is kept
//! in this node's results cache for the catalogue generation and KST minute it was made in, as a
//! search's is, so a popular program costs one copy, not a Redis read and two JSON conversions.

use std::time::Duration;

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::response::Response;
use serde::Serialize;

use super::search::json;
use super::ProgramItem;
use crate::api::error::{ApiError, ErrorResponse};
use crate::api::AppState;
use crate::catalog::model::Attachment;
use crate::catalog::{store, Clock, ProgramDetail};

const CACHE_TTL: Duration = Duration::from_secs(300);

#[derive(Serialize, utoipa::ToSchema)]
pub struct ProgramView {
    #[serde(flatten)]
    pub program: ProgramItem,
    /// The application period exactly as the source published it.
    pub period_raw: Option<String>,
    /// Clean announcement text.
    pub body: String,
    pub attachments: Vec<Attachment>,
    pub first_seen_at: chrono::DateTime<chrono::Utc>,
    /// True when the program vanished from its source; it stays readable but leaves search.
    pub removed: bool,
    /// The id of the canonical record when another source published the same program first.
    pub duplicate_of: Option<i64>,
}

#[utoipa::path(
    get, path = "/api/programs/{id}", tag = "programs",
    params(("id" = i64, Path, description = "Connect program id")),
    responses(
        (status = 200, description = "The program", body = ProgramView),
        (status = 400, description = "The id is not a number", body = ErrorResponse),
        (status = 404, description = "No such program", body = ErrorResponse),
        (status = 503, description = "Database unavailable", body = ErrorResponse),
    )
)]
pub async fn show(State(state): State<AppState>, Path(id): Path<String>) -> Result<Response, ApiError> {
    let clock = Clock::now();
    let epoch = (state.search.generation(), clock.minute());
    // Search keys are query strings: a path cannot collide with one.
    let rendered = format!("/programs/{id}");
    if let Some(body) = state.results_cache.get(epoch, &rendered) {
        return Ok(json(body));
    }
    let view = view(&state, &id, &clock).await?;
    let body = Bytes::from(serde_json::to_vec(&view).map_err(anyhow::Error::from)?);
    state.results_cache.put(epoch, rendered, body.clone(), body.len());
    Ok(json(body))
}

/// Program `id` (as given in the path) as of `clock`.
pub async fn view(state: &AppState, id: &str, clock: &Clock) -> Result<ProgramView, ApiError> {
    let id: i64 = id
        .parse()
        .ok()
        .filter(|id| *id > 0)
        .ok_or_else(|| ApiError::bad("id", "프로그램 번호는 양의 정수여야 합니다"))?;
    let key = state.cache.program_key(id);
    let detail = match state.cache.get::<ProgramDetail>(&key).await {
        Some(detail) => detail,
        None => {
            let read = async {
                let client = state.db.get().await?;
                Ok::<_, ApiError>(store::detail(&**client, id).await?)
            };
            let detail = tokio::time::timeout(state.db_timeout, read)
                .await
                .map_err(|_| {
                    ApiError::Unavailable("데이터베이스 응답이 늦습니다. 잠시 후 다시 시도해 주세요.".into())
                })??
                .ok_or(ApiError::NotFound("해당 지원사업을 찾을 수 없습니다"))?;
            state.cache.put(&key, &detail, CACHE_TTL).await;
            detail
        }
    };
    Ok(ProgramView {
        program: ProgramItem::new(&detail.summary, clock, None),
        period_raw: detail.period_raw,
        body: detail.body,
        attachments: detail.attachments,
        first_seen_at: detail.summary.first_seen_at,
        removed: detail.summary.removed,
        duplicate_of: detail.summary.duplicate_of,
    })
}
