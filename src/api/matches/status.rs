//! `PUT /api/matches/{program_id}/status` `{organization_id?, status}`: saved, dismissed, applying,
//! applied, won or lost, from any state to any other; each change kept with who and when.

use axum::extract::{Path, State};
use axum::Json;
use serde::Deserialize;
use tokio_postgres::types::Type;
use tokio_postgres::GenericClient;

use super::organization;
use crate::accounts::Caller;
use crate::api::error::ApiError;
use crate::api::json::Body;
use crate::api::AppState;

const STATUSES: &[&str] = &["saved", "dismissed", "applying", "applied", "won", "lost"];

#[derive(Deserialize)]
pub struct StatusChange {
    pub organization_id: Option<i64>,
    pub status: String,
}

pub async fn set(
    State(state): State<AppState>,
    caller: Caller,
    Path(program): Path<String>,
    Body(form): Body<StatusChange>,
) -> Result<Json<serde_json::Value>, ApiError> {
    if !STATUSES.contains(&form.status.as_str()) {
        return Err(ApiError::bad(
            "status",
            "status는 saved, dismissed, applying, applied, won, lost 중 하나여야 합니다",
        ));
    }
    let program: i64 = program.parse().map_err(|_| ApiError::NotFound("공고를 찾을 수 없습니다"))?;
    let mut client = state.db.get().await?;
    let tx = client.transaction().await?;
    let access = organization(&*tx, &caller, form.organization_id).await?;
    access.require_member()?;
    let exists = tx.query_typed("SELECT 1 FROM programs WHERE id = $1", &[(&program, Type::INT8)]).await?;
    if exists.is_empty() {
        return Err(ApiError::NotFound("공고를 찾을 수 없습니다"));
    }
    let before = tx
        .query_typed(
            "SELECT status FROM match_status WHERE organization_id = $1 AND program_id = $2 FOR UPDATE",
            &[(&access.organization_id, Type::INT8), (&program, Type::INT8)],
        )
        .await?
        .first()
        .map(|r| r.get::<_, String>(0));
    tx.execute_typed(
        "INSERT INTO match_status (organization_id, program_id, status, updated_by) VALUES ($1, $2, $3, $4)
         ON CONFLICT (organization_id, program_id)
         DO UPDATE SET status = EXCLUDED.status, updated_at = now(), updated_by = EXCLUDED.updated_by",
        &[
            (&access.organization_id, Type::INT8),
            (&program, Type::INT8),
            (&form.status, Type::TEXT),
            (&caller.user_id, Type::INT8),
        ],
    )
    .await?;
    tx.execute_typed(
        "INSERT INTO match_status_history (organization_id, program_id, from_status, to_status, by_user)
         VALUES ($1, $2, $3, $4, $5)",
        &[
            (&access.organization_id, Type::INT8),
            (&program, Type::INT8),
            (&before, Type::TEXT),
            (&form.status, Type::TEXT),
            (&caller.user_id, Type::INT8),
        ],
    )
    .await?;
    let history = history(&*tx, access.organization_id, program).await?;
    tx.commit().await?;
    Ok(Json(serde_json::json!({ "status": form.status, "history": history })))
}

pub async fn history<C: GenericClient>(
    client: &C,
    organization_id: i64,
    program_id: i64,
) -> Result<Vec<serde_json::Value>, tokio_postgres::Error> {
    let rows = client
        .query_typed(
            "SELECT coalesce(json_agg(json_build_object('from', from_status, 'to', to_status, 'at', at, 'by', by_user)
                                      ORDER BY id), '[]')::jsonb
               FROM match_status_history WHERE organization_id = $1 AND program_id = $2",
            &[(&organization_id, Type::INT8), (&program_id, Type::INT8)],
        )
        .await?;
    Ok(serde_json::from_value(rows[0].get(0)).unwrap_or_default())
}
