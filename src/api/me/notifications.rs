//! In-app notifications (`GET /api/me/notifications`, `POST …/read`), notification settings per kind
//! (`GET|PUT /api/me/notification-settings`; the `new_match` entry also carries `min_score`, the
//! person's threshold 0–100 for new-match alerts, deadline reminders of matched programs and the
//! weekly digest, default 70), and the secret calendar URL (`POST /api/me/calendar`).

use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::Json;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use tokio_postgres::types::Type;

use crate::accounts::{secret, Caller};
use crate::api::error::ApiError;
use crate::api::json::Body;
use crate::api::AppState;
use crate::notify::{Kind, DEFAULT_MIN_SCORE};

#[derive(Serialize)]
pub struct Notification {
    pub id: i64,
    pub kind: Kind,
    pub title: String,
    pub body: String,
    pub link: Option<String>,
    pub created_at: DateTime<Utc>,
    pub read: bool,
}

#[derive(Deserialize)]
pub struct ListQuery {
    #[serde(default)]
    pub unread: bool,
}

pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
    Query(query): Query<ListQuery>,
) -> Result<Json<Vec<Notification>>, ApiError> {
    let client = state.db.get().await?;
    let rows = client
        .query_typed(
            "SELECT id, kind, title, body, link, created_at, read_at IS NOT NULL FROM notifications
              WHERE user_id = $1 AND (NOT $2 OR read_at IS NULL) ORDER BY created_at DESC, id DESC LIMIT 100",
            &[(&caller.user_id, Type::INT8), (&query.unread, Type::BOOL)],
        )
        .await?;
    Ok(Json(
        rows.iter()
            .map(|r| Notification {
                id: r.get(0),
                kind: Kind::parse(r.get(1)).unwrap_or(Kind::Deadline),
                title: r.get(2),
                body: r.get(3),
                link: r.get(4),
                created_at: r.get(5),
                read: r.get(6),
            })
            .collect(),
    ))
}

#[derive(Deserialize)]
pub struct MarkRead {
    /// Omitted: every notification.
    pub ids: Option<Vec<i64>>,
}

pub async fn mark_read(
    State(state): State<AppState>,
    caller: Caller,
    Body(form): Body<MarkRead>,
) -> Result<StatusCode, ApiError> {
    let client = state.db.get().await?;
    client
        .execute_typed(
            "UPDATE notifications SET read_at = now()
              WHERE user_id = $1 AND read_at IS NULL AND ($2::bigint[] IS NULL OR id = ANY($2))",
            &[(&caller.user_id, Type::INT8), (&form.ids, Type::INT8_ARRAY)],
        )
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Serialize, Deserialize)]
pub struct Setting {
    pub kind: Kind,
    pub mail: bool,
    pub in_app: bool,
    /// Only for `new_match`: matches scoring at least this (0–100) are announced, reminded and
    /// digested. Omitted in a `PUT`: unchanged.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_score: Option<i64>,
}

pub async fn settings(State(state): State<AppState>, caller: Caller) -> Result<Json<Vec<Setting>>, ApiError> {
    let client = state.db.get().await?;
    let rows = client
        .query_typed(
            "SELECT kind, mail, in_app, min_score FROM notification_settings WHERE user_id = $1",
            &[(&caller.user_id, Type::INT8)],
        )
        .await?;
    Ok(Json(
        Kind::ALL
            .into_iter()
            .map(|kind| {
                let row = rows.iter().find(|r| r.get::<_, &str>(0) == kind.as_str());
                let min_score = (kind == Kind::NewMatch).then(|| {
                    row.and_then(|r| r.get::<_, Option<i16>>(3)).map_or(i64::from(DEFAULT_MIN_SCORE), i64::from)
                });
                Setting { kind, mail: row.is_none_or(|r| r.get(1)), in_app: row.is_none_or(|r| r.get(2)), min_score }
            })
            .collect(),
    ))
}

pub async fn update_settings(
    State(state): State<AppState>,
    caller: Caller,
    Body(form): Body<Vec<Setting>>,
) -> Result<Json<Vec<Setting>>, ApiError> {
    for setting in &form {
        match setting.min_score {
            Some(_) if setting.kind != Kind::NewMatch => {
                return Err(ApiError::bad("min_score", "min_score는 new_match 설정에만 있습니다"));
            }
            Some(score) if !(0..=100).contains(&score) => {
                return Err(ApiError::bad("min_score", "min_score는 0~100 사이여야 합니다"));
            }
            _ => {}
        }
    }
    {
        let client = state.db.get().await?;
        for setting in &form {
            set(&**client, caller.user_id, setting.kind, setting.mail, setting.in_app).await?;
            if let Some(score) = setting.min_score {
                set_min_score(&**client, caller.user_id, score as i16).await?;
            }
        }
    }
    settings(State(state), caller).await
}

/// Sets a person's new-match threshold (0–100, checked by the caller and the table).
pub async fn set_min_score<C: tokio_postgres::GenericClient>(
    client: &C,
    user_id: i64,
    min_score: i16,
) -> Result<(), tokio_postgres::Error> {
    client
        .execute_typed(
            "INSERT INTO notification_settings (user_id, kind, min_score) VALUES ($1, 'new_match', $2)
             ON CONFLICT (user_id, kind) DO UPDATE SET min_score = EXCLUDED.min_score",
            &[(&user_id, Type::INT8), (&min_score, Type::INT2)],
        )
        .await?;
    Ok(())
}

pub async fn set<C: tokio_postgres::GenericClient>(
    client: &C,
    user_id: i64,
    kind: Kind,
    mail: bool,
    in_app: bool,
) -> Result<(), tokio_postgres::Error> {
    client
        .execute_typed(
            "INSERT INTO notification_settings (user_id, kind, mail, in_app) VALUES ($1, $2, $3, $4)
             ON CONFLICT (user_id, kind) DO UPDATE SET mail = EXCLUDED.mail, in_app = EXCLUDED.in_app",
            &[(&user_id, Type::INT8), (&kind.as_str(), Type::TEXT), (&mail, Type::BOOL), (&in_app, Type::BOOL)],
        )
        .await?;
    Ok(())
}

/// A new secret calendar URL (the previous one stops working).
pub async fn new_calendar(State(state): State<AppState>, caller: Caller) -> Result<Json<serde_json::Value>, ApiError> {
    let token = secret::token();
    let client = state.db.get().await?;
    client
        .execute_typed(
            "UPDATE users SET calendar_token_hash = $2 WHERE id = $1",
            &[(&caller.user_id, Type::INT8), (&secret::hash(&token), Type::BYTEA)],
        )
        .await?;
    let url = state.accounts.config.link(&format!("/api/calendar/{token}.ics"));
    Ok(Json(serde_json::json!({ "url": url })))
}
