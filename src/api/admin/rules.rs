//! A program's eligibility rules for staff: `GET /api/admin/programs/{id}/rules` shows the extracted
//! rules and any correction; `PUT` stores a correction (rules of the kinds it names replace the
//! extracted ones, and survive re-scrapes). Corrections are audited and re-match the program.

use axum::extract::{Path, State};
use axum::Json;
use eligibility::{Provenance, Rule};
use serde::Deserialize;
use tokio_postgres::types::Type;

use crate::accounts::caller::ClientIp;
use crate::accounts::Admin;
use crate::api::error::ApiError;
use crate::api::json::Body;
use crate::api::AppState;

fn program_id(raw: &str) -> Result<i64, ApiError> {
    raw.parse().ok().filter(|id| *id > 0).ok_or(ApiError::NotFound("공고를 찾을 수 없습니다"))
}

pub async fn show(
    State(state): State<AppState>,
    Admin(_): Admin,
    Path(id): Path<String>,
) -> Result<Json<serde_json::Value>, ApiError> {
    let id = program_id(&id)?;
    let client = state.db.get().await?;
    // Extract (or refresh) this program's rules now, so staff see what the matcher sees.
    let today = crate::catalog::Clock::now().today();
    crate::matching::candidates(&**client, today, Some(&[id])).await?;
    let rows = client
        .query_typed(
            "SELECT p.title, r.rules, r.kind, o.rules, o.note, o.set_by, o.set_at
               FROM programs p LEFT JOIN program_rules r ON r.program_id = p.id
               LEFT JOIN program_rule_overrides o ON o.program_id = p.id WHERE p.id = $1",
            &[(&id, Type::INT8)],
        )
        .await?;
    let row = rows.first().ok_or(ApiError::NotFound("공고를 찾을 수 없습니다"))?;
    Ok(Json(serde_json::json!({
        "program_id": id,
        "title": row.get::<_, String>(0),
        "extracted": row.get::<_, Option<serde_json::Value>>(1),
        "kind": row.get::<_, Option<String>>(2),
        "correction": row.get::<_, Option<serde_json::Value>>(3).map(|rules| serde_json::json!({
            "rules": rules,
            "note": row.get::<_, Option<String>>(4),
            "set_by": row.get::<_, Option<i64>>(5),
            "set_at": row.get::<_, Option<chrono::DateTime<chrono::Utc>>>(6),
        })),
    })))
}

#[derive(Deserialize)]
pub struct Correction {
    pub rules: Vec<Rule>,
    pub note: Option<String>,
}

pub async fn replace(
    State(state): State<AppState>,
    Admin(caller): Admin,
    ClientIp(ip): ClientIp,
    Path(id): Path<String>,
    Body(form): Body<Correction>,
) -> Result<Json<serde_json::Value>, ApiError> {
    let id = program_id(&id)?;
    let rules: Vec<Rule> = form
        .rules
        .into_iter()
        .map(|mut rule| {
            rule.provenance = Provenance::Admin { user_id: caller.user_id.to_string() };
            rule.confidence = 1.0;
            rule
        })
        .collect();
    let json = serde_json::to_value(&rules).map_err(anyhow::Error::from)?;
    let mut client = state.db.get().await?;
    let tx = client.transaction().await?;
    let updated = tx
        .execute_typed(
            "INSERT INTO program_rule_overrides (program_id, rules, note, set_by)
             SELECT id, $2, $3, $4 FROM programs WHERE id = $1
             ON CONFLICT (program_id) DO UPDATE
                SET rules = EXCLUDED.rules, note = EXCLUDED.note, set_by = EXCLUDED.set_by, set_at = now()",
            &[(&id, Type::INT8), (&json, Type::JSONB), (&form.note, Type::TEXT), (&caller.user_id, Type::INT8)],
        )
        .await?;
    if updated == 0 {
        return Err(ApiError::NotFound("공고를 찾을 수 없습니다"));
    }
    // Moving the program past the matcher's cursor re-matches it on the next run.
    tx.execute_typed(
        "UPDATE programs SET change_xid = pg_current_xact_id()::text::bigint WHERE id = $1",
        &[(&id, Type::INT8)],
    )
    .await?;
    crate::audit::record(
        &*tx,
        Some(caller.user_id),
        "admin.program_rules_corrected",
        None,
        None,
        &ip,
        serde_json::json!({ "program_id": id }),
    )
    .await?;
    tx.commit().await?;
    Ok(Json(serde_json::json!({ "program_id": id, "rules": rules })))
}
