//! The program data editor's API: `GET /api/admin/programs?q=` finds programs by title (all of them:
//! closed, removed and duplicates too); `GET /api/admin/programs/{id}` shows what staff may correct —
//! the stored fields with any correction and what the source published, the extracted and corrected
//! rules, the duplicate group and the revisions; `PUT /api/admin/programs/{id}/fields` corrects
//! fields (`{"fields": {"title": …}, "reset": ["budget_krw"], "note": …}`; `reset` gives a field back
//! to its source). Corrections survive re-scrapes (`catalog::corrections`), are revisions with undo
//! (`catalog::revisions`), are audited, and reach search, the program page and matching.

use std::collections::BTreeMap;

use axum::extract::{Path, Query, State};
use axum::Json;
use eligibility::Rule;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use tokio_postgres::types::Type;
use tokio_postgres::GenericClient;

use super::rules::program_id;
use crate::accounts::caller::ClientIp;
use crate::accounts::Admin;
use crate::api::error::ApiError;
use crate::api::json::Body;
use crate::api::AppState;
use crate::catalog::corrections::{self, Correction, FIELDS};
use crate::catalog::groups::{self, Group, Placement};
use crate::catalog::revisions::{self, Aspect, Edit, Revision};

/// Revisions the editor shows, newest first.
const HISTORY_SHOWN: i64 = 50;

/// One correctable field.
#[derive(Debug, Serialize)]
pub struct FieldView {
    pub name: &'static str,
    pub label: &'static str,
    /// The stored value, as the column's JSON (corrected, if there is a correction).
    pub value: Value,
    pub correction: Option<Correction>,
}

/// The rules of a program: as extracted, as corrected, and what the matcher uses.
#[derive(Debug, Serialize)]
pub struct RulesView {
    /// `None` when the program is not matched (closed, removed, or a duplicate): nothing extracted.
    pub extracted: Option<Vec<Rule>>,
    pub corrected: Option<Vec<Rule>>,
    pub dropped_kinds: Vec<String>,
    pub effective: Vec<Rule>,
}

#[derive(Debug, Serialize)]
pub struct ProgramEdit {
    pub id: i64,
    pub source: String,
    pub external_id: String,
    pub removed: bool,
    pub fields: Vec<FieldView>,
    pub rules: RulesView,
    pub placement: Placement,
    pub group: Option<Group>,
    pub history: Vec<Revision>,
}

async fn load<C: GenericClient>(client: &C, id: i64) -> Result<ProgramEdit, ApiError> {
    let not_found = ApiError::NotFound("공고를 찾을 수 없습니다");
    let rows = client
        .query_typed(
            "SELECT source, external_id, removed_at IS NOT NULL FROM programs WHERE id = $1",
            &[(&id, Type::INT8)],
        )
        .await?;
    let row = rows.first().ok_or(not_found)?;
    // Extract (or refresh) the rules now, so staff see what the matcher sees.
    let today = crate::catalog::Clock::now().today();
    crate::matching::candidates(client, today, Some(&[id])).await?;
    let mut stored = corrections::current(client, id).await?.unwrap_or_default();
    let mut fixed = corrections::of(client, id).await?;
    let fields = FIELDS
        .iter()
        .map(|&(name, label)| FieldView {
            name,
            label,
            value: stored.remove(name).unwrap_or(Value::Null),
            correction: fixed.remove(name),
        })
        .collect();
    Ok(ProgramEdit {
        id,
        source: row.get(0),
        external_id: row.get(1),
        removed: row.get(2),
        fields,
        rules: rules(client, id).await?,
        placement: groups::placement(client, id).await?.unwrap_or(Placement { canonical_id: None, decided: false }),
        group: groups::of(client, id).await?,
        history: revisions::history(client, id, HISTORY_SHOWN).await?,
    })
}

async fn rules<C: GenericClient>(client: &C, id: i64) -> Result<RulesView, tokio_postgres::Error> {
    let rows = client
        .query_typed(
            "SELECT (SELECT rules FROM program_rules WHERE program_id = $1), o.rules, o.dropped_kinds
               FROM (SELECT 1) one LEFT JOIN program_rule_overrides o ON o.program_id = $1",
            &[(&id, Type::INT8)],
        )
        .await?;
    let parse = |v: Option<Value>| v.map(|v| serde_json::from_value::<Vec<Rule>>(v).unwrap_or_default());
    let (extracted, corrected, dropped) = rows.first().map_or((None, None, Vec::new()), |r| {
        (parse(r.get(0)), parse(r.get(1)), r.get::<_, Option<Vec<String>>>(2).unwrap_or_default())
    });
    let effective = match &corrected {
        Some(overrides) => {
            crate::matching::corrected(extracted.clone().unwrap_or_default(), overrides.clone(), &dropped)
        }
        None => extracted.clone().unwrap_or_default(),
    };
    Ok(RulesView { extracted, corrected, dropped_kinds: dropped, effective })
}

/// `GET /api/admin/programs/{id}`: everything the editor shows.
pub async fn show(
    State(state): State<AppState>,
    Admin(_): Admin,
    Path(id): Path<String>,
) -> Result<Json<ProgramEdit>, ApiError> {
    let id = program_id(&id)?;
    let client = state.db.get().await?;
    Ok(Json(load(&**client, id).await?))
}

#[derive(Deserialize)]
pub struct FieldsEdit {
    /// Corrected values by field (column) name.
    #[serde(default)]
    pub fields: BTreeMap<String, Value>,
    /// Fields whose correction is removed: they show what the source published again.
    #[serde(default)]
    pub reset: Vec<String>,
    pub note: Option<String>,
}

/// `PUT /api/admin/programs/{id}/fields`: corrects fields; one revision for the lot. An edit that
/// changes nothing writes no revision (`revision` is null).
pub async fn correct(
    State(state): State<AppState>,
    Admin(caller): Admin,
    ClientIp(ip): ClientIp,
    Path(id): Path<String>,
    Body(form): Body<FieldsEdit>,
) -> Result<Json<Value>, ApiError> {
    let id = program_id(&id)?;
    let mut changes = Vec::new();
    for (name, value) in &form.fields {
        let aspect = field(name)?;
        let value =
            corrections::validate(name, value).map_err(|e| ApiError::bad(&format!("fields.{}", e.field), e.message))?;
        changes.push((aspect, json!({ "value": value })));
    }
    for name in &form.reset {
        if form.fields.contains_key(name) {
            return Err(ApiError::bad(
                &format!("fields.{name}"),
                "같은 항목을 고치면서 게시처 값으로 되돌릴 수는 없습니다",
            ));
        }
        changes.push((field(name)?, Value::Null));
    }
    if changes.is_empty() {
        return Err(ApiError::bad("fields", "고칠 항목을 하나 이상 입력해 주세요"));
    }
    let mut client = state.db.get().await?;
    let tx = client.transaction().await?;
    let edit = Edit {
        program_id: id,
        related_id: None,
        action: "fields",
        note: super::note(&form.note),
        changes,
        undoes: None,
    };
    let detail = json!({ "program_id": id });
    let revision =
        super::commit_edit(&state, tx, (caller.user_id, &ip), edit, "admin.program_fields_corrected", detail).await?;
    let message =
        if revision.is_some() { "고친 내용을 저장했습니다." } else { "바뀐 내용이 없습니다." };
    Ok(Json(json!({ "program_id": id, "revision": revision, "message": message })))
}

fn field(name: &str) -> Result<Aspect, ApiError> {
    match Aspect::parse(name) {
        Some(aspect @ Aspect::Field(_)) => Ok(aspect),
        _ => Err(ApiError::bad(&format!("fields.{name}"), format!("고칠 수 없는 항목입니다: {name}"))),
    }
}

#[derive(Deserialize)]
pub struct FindQuery {
    pub q: Option<String>,
}

/// A program found by title.
#[derive(Debug, Serialize)]
pub struct Found {
    pub id: i64,
    pub source: String,
    pub title: String,
    pub deadline: Option<chrono::NaiveDate>,
    pub removed: bool,
    pub duplicate_of: Option<i64>,
}

/// Programs found, newest first.
const FOUND: i64 = 50;

/// `GET /api/admin/programs?q=`: programs whose title contains every word of `q`.
pub async fn find(
    State(state): State<AppState>,
    Admin(_): Admin,
    Query(query): Query<FindQuery>,
) -> Result<Json<Vec<Found>>, ApiError> {
    let words: Vec<String> = query
        .q
        .as_deref()
        .unwrap_or_default()
        .split_whitespace()
        .map(|w| format!("%{}%", w.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_")))
        .collect();
    if words.is_empty() {
        return Ok(Json(Vec::new()));
    }
    let client = state.db.get().await?;
    let rows = client
        .query_typed(
            "SELECT id, source, title, period_end, removed_at IS NOT NULL, canonical_id FROM programs
              WHERE title ILIKE ALL($1) ORDER BY id DESC LIMIT $2",
            &[(&words, Type::TEXT_ARRAY), (&FOUND, Type::INT8)],
        )
        .await?;
    Ok(Json(
        rows.iter()
            .map(|r| Found {
                id: r.get(0),
                source: r.get(1),
                title: r.get(2),
                deadline: r.get(3),
                removed: r.get(4),
                duplicate_of: r.get(5),
            })
            .collect(),
    ))
}
