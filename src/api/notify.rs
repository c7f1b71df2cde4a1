//! Endpoints that need no login because the URL carries a secret: the calendar feed
//! (`GET /api/calendar/{token}.ics`) and one-click unsubscribe (`POST /api/unsubscribe?token=…`,
//! RFC 8058; `GET` only explains, so link scanners change nothing).

use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderValue};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Deserialize;
use tokio_postgres::types::Type;

use crate::accounts::secret;
use crate::api::error::ApiError;
use crate::api::AppState;
use crate::notify::{calendar, unsubscribe};

pub async fn calendar_feed(State(state): State<AppState>, Path(file): Path<String>) -> Result<Response, ApiError> {
    let token = file.strip_suffix(".ics").ok_or(ApiError::NotFound("캘린더를 찾을 수 없습니다"))?;
    let client = state.db.get().await?;
    let rows = client
        .query_typed(
            "SELECT p.id, p.title, p.agency, p.period_end, p.period_end_time
               FROM users u JOIN saved_programs s ON s.user_id = u.id JOIN programs p ON p.id = s.program_id
              WHERE u.calendar_token_hash = $1 AND u.deleted_at IS NULL AND p.period_end IS NOT NULL
              ORDER BY p.period_end",
            &[(&secret::hash(token), Type::BYTEA)],
        )
        .await?;
    if rows.is_empty() {
        let known = client
            .query_typed("SELECT 1 FROM users WHERE calendar_token_hash = $1", &[(&secret::hash(token), Type::BYTEA)])
            .await?;
        if known.is_empty() {
            return Err(ApiError::NotFound("캘린더를 찾을 수 없습니다"));
        }
    }
    let config = &state.accounts.config;
    let deadlines: Vec<calendar::Deadline> = rows
        .iter()
        .map(|r| {
            let id: i64 = r.get(0);
            calendar::Deadline {
                program_id: id,
                title: r.get(1),
                agency: r.get(2),
                end: r.get(3),
                end_time: r.get(4),
                url: config.link(&format!("/programs/{id}")),
            }
        })
        .collect();
    let body = calendar::render(&deadlines, config.public_url.host_str().unwrap_or("connect"));
    Ok((
        [
            (header::CONTENT_TYPE, HeaderValue::from_static("text/calendar; charset=utf-8")),
            (header::CACHE_CONTROL, HeaderValue::from_static("private, max-age=900")),
        ],
        body,
    )
        .into_response())
}

#[derive(Deserialize)]
pub struct Unsubscribe {
    pub token: String,
}

pub async fn explain_unsubscribe(
    State(state): State<AppState>,
    Query(query): Query<Unsubscribe>,
) -> Result<Json<serde_json::Value>, ApiError> {
    let (_, kind) = unsubscribe::verify(&state.accounts.jwt_secret, &query.token)
        .ok_or_else(|| ApiError::bad("token", "수신 거부 링크가 올바르지 않습니다"))?;
    Ok(Json(serde_json::json!({
        "kind": kind,
        "message": format!("{} 메일을 그만 받으려면 이 주소로 POST 요청을 보내거나 메일의 수신 거부 버튼을 누르세요", kind.label_ko()),
    })))
}

pub async fn unsubscribe(
    State(state): State<AppState>,
    Query(query): Query<Unsubscribe>,
) -> Result<Json<serde_json::Value>, ApiError> {
    let (user_id, kind) = unsubscribe::verify(&state.accounts.jwt_secret, &query.token)
        .ok_or_else(|| ApiError::bad("token", "수신 거부 링크가 올바르지 않습니다"))?;
    let client = state.db.get().await?;
    client
        .execute_typed(
            "INSERT INTO notification_settings (user_id, kind, mail, in_app)
             SELECT id, $2, false, true FROM users WHERE id = $1
             ON CONFLICT (user_id, kind) DO UPDATE SET mail = false",
            &[(&user_id, Type::INT8), (&kind.as_str(), Type::TEXT)],
        )
        .await?;
    Ok(Json(serde_json::json!({ "kind": kind, "message": format!("{} 메일 수신을 거부했습니다", kind.label_ko()) })))
}
