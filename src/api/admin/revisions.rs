//! The revisions of a program's staff edits: `GET /api/admin/programs/{id}/revisions` lists them
//! (newest first, with actor, time, note, before and after); `POST /api/admin/revisions/{id}/undo`
//! (`{"note": …}`) restores the state before one, as a new revision. An undo that would overwrite a
//! later edit of the same field is refused with 409 and a message naming that edit.

use axum::extract::{Path, State};
use axum::Json;
use serde::Deserialize;
use serde_json::{json, Value};

use super::edit_error;
use super::note;
use super::rules::program_id;
use crate::accounts::caller::ClientIp;
use crate::accounts::Admin;
use crate::api::error::ApiError;
use crate::api::json::Body;
use crate::api::AppState;
use crate::catalog::revisions::{self, Revision};

/// Revisions listed, newest first.
const LISTED: i64 = 200;

pub async fn list(
    State(state): State<AppState>,
    Admin(_): Admin,
    Path(id): Path<String>,
) -> Result<Json<Vec<Revision>>, ApiError> {
    let id = program_id(&id)?;
    let client = state.db.get().await?;
    Ok(Json(revisions::history(&**client, id, LISTED).await?))
}

#[derive(Deserialize)]
pub struct Undo {
    pub note: Option<String>,
}

pub async fn undo(
    State(state): State<AppState>,
    Admin(caller): Admin,
    ClientIp(ip): ClientIp,
    Path(id): Path<String>,
    Body(form): Body<Undo>,
) -> Result<Json<Value>, ApiError> {
    let revision: i64 =
        id.parse().ok().filter(|id| *id > 0).ok_or(ApiError::NotFound("수정 기록을 찾을 수 없습니다"))?;
    let mut client = state.db.get().await?;
    let tx = client.transaction().await?;
    let (undone_as, program) =
        revisions::undo(&*tx, caller.user_id, revision, note(&form.note)).await.map_err(|e| match e {
            revisions::EditError::NotFound => ApiError::NotFound("수정 기록을 찾을 수 없습니다"),
            other => edit_error(other),
        })?;
    let detail = json!({ "program_id": program, "undone": revision, "revision": undone_as });
    crate::audit::record(&*tx, Some(caller.user_id), "admin.program_edit_undone", None, None, &ip, detail).await?;
    tx.commit().await?;
    state.cache.invalidate_programs(&[program]).await;
    Ok(Json(json!({ "program_id": program, "revision": undone_as, "undone": revision, "message": "되돌렸습니다." })))
}
