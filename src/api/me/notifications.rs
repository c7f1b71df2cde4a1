//! In-app notifications (`GET /api/me/notifications`, `POST …/read`), notification settings per kind
//! (`GET|PUT /api/me/notification-settings`), and the secret calendar URL (`POST /api/me/calendar`).

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
use crate::notify::Kind;

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
}

pub async fn settings(State(state): State<AppState>, caller: Caller) -> Result<Json<Vec<Setting>>, ApiError> {
    let client = state.db.get().await?;
    let rows = client
        .query_typed(
            "SELECT kind, mail, in_app FROM notification_settings WHERE user_id = $1",
            &[(&caller.user_id, Type::INT8)],
        )
        .await?;
    Ok(Json(
        Kind::ALL
            .into_iter()
            .map(|kind| {
                let row = rows.iter().find(|r| r.get::<_, &str>(0) == kind.as_str());
                Setting { kind, mail: row.is_none_or(|r| r.get(1)), in_app: row.is_none_or(|r| r.get(2)) }
            })
            .collect(),
    ))
}

pub async fn update_settings(
    State(state): State<AppState>,
    caller: Caller,
    Body(form): Body<Vec<Setting>>,
) -> Result<Json<Vec<Setting>>, ApiError> {
    {
        let client = state.db.get().await?;
        for setting in &form {
            set(&**client, caller.user_id, setting.kind, setting.mail, setting.in_app).await?;
        }
    }
    settings(State(state), caller).await
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
