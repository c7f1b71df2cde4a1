//! A program's eligibility rules for staff: `GET /api/admin/programs/{id}/rules` shows the extracted
//! rules and any correction; `PUT` stores a correction (rules of the kinds it names replace the
//! extracted ones, kinds in `dropped_kinds` are removed, and both survive re-scrapes). A correction
//! is a revision (`catalog::revisions`, undoable), audited, and re-matches the program.

use axum::extract::{Path, State};
use axum::Json;
use eligibility::{Provenance, Rule};
use serde::Deserialize;
use serde_json::json;
use tokio_postgres::types::Type;

use crate::accounts::caller::ClientIp;
use crate::accounts::Admin;
use crate::api::error::ApiError;
use crate::api::json::Body;
use crate::api::AppState;
use crate::catalog::revisions::{Aspect, Edit};

pub(super) fn program_id(raw: &str) -> Result<i64, ApiError> {
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
            "SELECT p.title, r.rules, r.kind, o.rules, o.note, o.set_by, o.set_at, o.dropped_kinds
               FROM programs p LEFT JOIN program_rules r ON r.program_id = p.id
               LEFT JOIN program_rule_overrides o ON o.program_id = p.id WHERE p.id = $1",
            &[(&id, Type::INT8)],
        )
        .await?;
    let row = rows.first().ok_or(ApiError::NotFound("공고를 찾을 수 없습니다"))?;
    Ok(Json(json!({
        "program_id": id,
        "title": row.get::<_, String>(0),
        "extracted": row.get::<_, Option<serde_json::Value>>(1),
        "kind": row.get::<_, Option<String>>(2),
        "correction": row.get::<_, Option<serde_json::Value>>(3).map(|rules| json!({
            "rules": rules,
            "dropped_kinds": row.get::<_, Option<Vec<String>>>(7).unwrap_or_default(),
            "note": row.get::<_, Option<String>>(4),
            "set_by": row.get::<_, Option<i64>>(5),
            "set_at": row.get::<_, Option<chrono::DateTime<chrono::Utc>>>(6),
        })),
    })))
}

/// A correction: `rules` as the matcher stores them, or `conditions` — one per line, in the words
/// announcements use (`상시근로자 10인 미만`) — and the kinds to drop. Nothing at all removes the
/// correction, putting the extracted rules back.
#[derive(Deserialize)]
pub struct Correction {
    #[serde(default)]
    pub rules: Option<Vec<Rule>>,
    #[serde(default)]
    pub conditions: Option<String>,
    #[serde(default)]
    pub dropped_kinds: Vec<String>,
    pub note: Option<String>,
}

/// The rules of a correction: each line of `conditions` must say something the matcher reads.
fn rules_of(form: &Correction) -> Result<Vec<Rule>, ApiError> {
    let mut rules = form.rules.clone().unwrap_or_default();
    for line in form.conditions.as_deref().unwrap_or_default().lines().map(str::trim).filter(|l| !l.is_empty()) {
        let read = eligibility::from_conditions(line);
        if read.is_empty() {
            return Err(ApiError::bad(
                "conditions",
                format!("'{line}'에서 자격 조건을 읽지 못했습니다. 공고문에 쓰는 말로 한 줄에 하나씩 적어 주세요 (예: 상시근로자 10인 미만)."),
            ));
        }
        rules.extend(read);
    }
    Ok(rules)
}

pub async fn replace(
    State(state): State<AppState>,
    Admin(caller): Admin,
    ClientIp(ip): ClientIp,
    Path(id): Path<String>,
    Body(form): Body<Correction>,
) -> Result<Json<serde_json::Value>, ApiError> {
    let id = program_id(&id)?;
    let rules: Vec<Rule> = rules_of(&form)?
        .into_iter()
        .map(|mut rule| {
            rule.provenance = Provenance::Admin { user_id: caller.user_id.to_string() };
            rule.confidence = 1.0;
            rule
        })
        .collect();
    let mut dropped = form.dropped_kinds.clone();
    dropped.sort();
    dropped.dedup();
    let correction = if rules.is_empty() && dropped.is_empty() {
        serde_json::Value::Null
    } else {
        json!({ "rules": rules, "dropped_kinds": dropped })
    };
    let mut client = state.db.get().await?;
    let tx = client.transaction().await?;
    let edit = Edit {
        program_id: id,
        related_id: None,
        action: "rules",
        note: super::note(&form.note),
        changes: vec![(Aspect::Rules, correction)],
        undoes: None,
    };
    let detail = json!({ "program_id": id });
    let revision =
        super::commit_edit(&state, tx, (caller.user_id, &ip), edit, "admin.program_rules_corrected", detail).await?;
    Ok(Json(json!({ "program_id": id, "rules": rules, "dropped_kinds": dropped, "revision": revision })))
}
