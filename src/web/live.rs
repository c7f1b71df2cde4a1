//! `GET /api/admin/live`: scrape progress for administrators over a WebSocket — queue depths and
//! the latest scrape runs, one JSON message a second. Who may connect is decided before the
//! upgrade (401 without a session, 403 for non-admins, 403 for a page of another origin), and
//! re-checked every half minute while the socket stays open: a logout or a lost role ends it.

use std::time::Duration;

use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
use axum::extract::State;
use axum::http::{header, HeaderMap};
use axum::response::Response;
use chrono::{DateTime, Utc};
use serde::Serialize;
use tokio_postgres::types::Type;

use crate::accounts::caller::Via;
use crate::accounts::{Admin, Role};
use crate::api::error::ApiError;
use crate::api::AppState;
use crate::ingest::worker::{ATTACHMENT_QUEUE, SCRAPE_QUEUE};
use crate::web::format;

const EVERY: Duration = Duration::from_secs(1);
const RECHECK_EVERY_TICKS: u32 = 30;
/// Scrape runs in each message, newest first.
const RUNS: i64 = 20;

#[derive(Debug, Serialize)]
pub struct Snapshot {
    /// `progress`, always: the client ignores other types it does not know.
    #[serde(rename = "type")]
    pub kind: &'static str,
    /// When this was read, RFC 3339 in KST.
    pub at: String,
    pub queues: Vec<QueueDepth>,
    pub runs: Vec<ScrapeRun>,
    /// What could not be read this time, in Korean (the rest is still sent).
    pub problems: Vec<String>,
}

#[derive(Debug, Serialize)]
pub struct QueueDepth {
    pub name: &'static str,
    pub label: &'static str,
    pub pending: u64,
    pub running: u64,
    pub delayed: u64,
    pub dead: u64,
}

#[derive(Debug, Serialize)]
pub struct ScrapeRun {
    pub id: i64,
    pub source: String,
    pub status: String,
    pub status_label: &'static str,
    pub started_at: String,
    pub finished_at: Option<String>,
    pub pages: i32,
    pub new_items: i32,
    pub changed_items: i32,
    pub unchanged_items: i32,
    pub removed_items: i32,
    pub rejected_items: i32,
    pub error: Option<String>,
}

fn run_status_label(status: &str) -> &'static str {
    match status {
        "running" => "진행 중",
        "succeeded" => "완료",
        "not_modified" => "변경 없음",
        "failed" => "실패",
        _ => "알 수 없음",
    }
}

/// What the admin page shows now; the page renders one at first and the socket sends the rest.
pub async fn snapshot(state: &AppState) -> Snapshot {
    let mut problems = Vec::new();
    let mut queues = Vec::new();
    for (name, label) in [(SCRAPE_QUEUE, "수집"), (ATTACHMENT_QUEUE, "첨부파일 추출")] {
        match state.jobs.stats(name).await {
            Ok(s) => queues.push(QueueDepth {
                name,
                label,
                pending: s.pending,
                running: s.running,
                delayed: s.delayed,
                dead: s.dead,
            }),
            Err(e) => {
                tracing::warn!(error = %e, queue = name, "queue depth unavailable");
                problems.push(format!("{label} 대기열을 읽을 수 없습니다"));
            }
        }
    }
    let runs = match recent_runs(state).await {
        Ok(runs) => runs,
        Err(e) => {
            tracing::warn!(error = %e, "scrape runs unavailable");
            problems.push("수집 기록을 읽을 수 없습니다".into());
            Vec::new()
        }
    };
    Snapshot { kind: "progress", at: format::iso(Utc::now()), queues, runs, problems }
}

async fn recent_runs(state: &AppState) -> Result<Vec<ScrapeRun>, ApiError> {
    let client = tokio::time::timeout(state.db_timeout, state.db.get())
        .await
        .map_err(|_| ApiError::Unavailable("database timeout".into()))??;
    let rows = client
        .query_typed(
            "SELECT id, source, status, started_at, finished_at, pages, new_items, changed_items, unchanged_items,
                    removed_items, rejected_items, error
               FROM scrape_runs ORDER BY started_at DESC, id DESC LIMIT $1",
            &[(&RUNS, Type::INT8)],
        )
        .await?;
    Ok(rows
        .iter()
        .map(|row| {
            let status: String = row.get(2);
            ScrapeRun {
                id: row.get(0),
                source: row.get(1),
                status_label: run_status_label(&status),
                status,
                started_at: format::datetime(row.get::<_, DateTime<Utc>>(3)),
                finished_at: row.get::<_, Option<DateTime<Utc>>>(4).map(format::datetime),
                pages: row.get(5),
                new_items: row.get(6),
                changed_items: row.get(7),
                unchanged_items: row.get(8),
                removed_items: row.get(9),
                rejected_items: row.get(10),
                error: row.get(11),
            }
        })
        .collect())
}

/// A browser page of another site must not open an admin's socket with the admin's cookie.
fn same_origin(state: &AppState, headers: &HeaderMap) -> bool {
    let Some(origin) = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()) else {
        return true; // not a browser: scripts and tests send no Origin
    };
    let public = state.accounts.config.public_url.origin().ascii_serialization();
    let host = headers.get(header::HOST).and_then(|v| v.to_str().ok()).unwrap_or_default();
    origin == public || origin == format!("http://{host}") || origin == format!("https://{host}")
}

pub async fn connect(
    State(state): State<AppState>,
    Admin(admin): Admin,
    headers: HeaderMap,
    upgrade: WebSocketUpgrade,
) -> Result<Response, ApiError> {
    if !same_origin(&state, &headers) {
        return Err(ApiError::Forbidden("다른 사이트에서 연 연결은 받을 수 없습니다"));
    }
    let session = match admin.via {
        Via::Session { token_hash, .. } => Some(token_hash),
        Via::Bearer { .. } => None,
    };
    let user_id = admin.user_id;
    Ok(upgrade.on_upgrade(move |socket| stream(state, socket, user_id, session)))
}

async fn stream(state: AppState, mut socket: WebSocket, user_id: i64, session: Option<Vec<u8>>) {
    let mut tick = tokio::time::interval(EVERY);
    let mut ticks = 0u32;
    loop {
        tokio::select! {
            _ = tick.tick() => {
                ticks += 1;
                if ticks.is_multiple_of(RECHECK_EVERY_TICKS) && !still_admin(&state, user_id, session.as_deref()).await {
                    let _ = socket.send(Message::Close(None)).await;
                    return;
                }
                let snapshot = snapshot(&state).await;
                let Ok(text) = serde_json::to_string(&snapshot) else { return };
                if socket.send(Message::Text(text.into())).await.is_err() {
                    return;
                }
            }
            incoming = socket.recv() => match incoming {
                None | Some(Err(_)) | Some(Ok(Message::Close(_))) => return,
                Some(Ok(_)) => {}
            },
        }
    }
}

/// The user still holds an admin role (and, for a browser, the session is still open).
async fn still_admin(state: &AppState, user_id: i64, session: Option<&[u8]>) -> bool {
    let Ok(client) = state.db.get().await else {
        return true; // a database blip is not a reason to drop the admin
    };
    let rows = client
        .query_typed(
            "SELECT u.role FROM users u
              WHERE u.id = $1 AND u.deleted_at IS NULL
                AND ($2::bytea IS NULL OR EXISTS (
                     SELECT 1 FROM sessions s WHERE s.token_hash = $2 AND s.user_id = u.id AND s.expires_at > now()))",
            &[(&user_id, Type::INT8), (&session, Type::BYTEA)],
        )
        .await;
    match rows {
        Ok(rows) => rows.first().and_then(|r| Role::parse(r.get(0))).is_some_and(|role| role >= Role::Admin),
        Err(_) => true,
    }
}
