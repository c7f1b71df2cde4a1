//! `GET /api/matches?organization_id=&gate=&status=&sort=score|deadline&include_dismissed=` and
//! `GET /api/matches/{program_id}`: stored verdicts with the program's summary. How many a plan
//! shows comes from `plans::limits`.

use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderValue};
use axum::response::{IntoResponse, Response};
use axum::Json;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use tokio_postgres::types::Type;

use super::organization;
use crate::accounts::Caller;
use crate::api::error::ApiError;
use crate::api::AppState;
use crate::plans;

#[derive(Deserialize)]
pub struct MatchQuery {
    pub organization_id: Option<i64>,
    /// `eligible` or `conditional`.
    pub gate: Option<String>,
    pub status: Option<String>,
    /// `score` (default) or `deadline`.
    pub sort: Option<String>,
    #[serde(default)]
    pub include_dismissed: bool,
    /// `json` (default) or `csv` (a download of the shown matches).
    pub format: Option<String>,
}

#[derive(Serialize)]
pub struct MatchItem {
    pub program_id: i64,
    pub title: String,
    pub agency: Option<String>,
    pub deadline: Option<NaiveDate>,
    pub announcement_type: String,
    pub gate: String,
    pub score: i16,
    /// The matcher's verdict: reasons, warnings, missing profile fields or failed requirements.
    pub verdict: serde_json::Value,
    pub status: Option<String>,
}

#[derive(Serialize)]
pub struct MatchList {
    pub organization_id: i64,
    pub total: usize,
    pub items: Vec<MatchItem>,
    /// Matches the plan does not show, and what to do about it.
    pub hidden: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub upgrade_hint: Option<String>,
}

/// The columns [`item`] reads, and where they come from.
const COLUMNS: &str =
    "p.id, p.title, p.agency, p.period_end, p.announcement_type, m.gate, m.score, m.verdict, s.status";
const FROM: &str = "FROM matches m JOIN programs p ON p.id = m.program_id
  LEFT JOIN match_status s ON s.organization_id = m.organization_id AND s.program_id = m.program_id";

fn item(r: &tokio_postgres::Row) -> MatchItem {
    MatchItem {
        program_id: r.get(0),
        title: r.get(1),
        agency: r.get(2),
        deadline: r.get(3),
        announcement_type: r.get(4),
        gate: r.get(5),
        score: r.get(6),
        verdict: r.get(7),
        status: r.get(8),
    }
}

pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
    Query(query): Query<MatchQuery>,
) -> Result<Response, ApiError> {
    let csv = match query.format.as_deref() {
        None | Some("json") => false,
        Some("csv") => true,
        Some(_) => return Err(ApiError::bad("format", "format은 json 또는 csv여야 합니다")),
    };
    let list = matches(&state, &caller, &query).await?;
    if !csv {
        return Ok(Json(list).into_response());
    }
    let quote = |s: &str| format!("\"{}\"", s.replace('"', "\"\""));
    let mut out = String::from("\u{feff}공고번호,공고명,전문기관,마감일,판정,점수,상태\r\n");
    for m in &list.items {
        let gate = if m.gate == "eligible" { "지원 가능" } else { "조건부" };
        out.push_str(&format!(
            "{},{},{},{},{gate},{},{}\r\n",
            m.program_id,
            quote(&m.title),
            quote(m.agency.as_deref().unwrap_or("")),
            m.deadline.map(|d| d.to_string()).unwrap_or_default(),
            m.score,
            m.status.as_deref().unwrap_or("")
        ));
    }
    Ok((
        [
            (header::CONTENT_TYPE, HeaderValue::from_static("text/csv; charset=utf-8")),
            (header::CONTENT_DISPOSITION, HeaderValue::from_static("attachment; filename=\"connect-matches.csv\"")),
        ],
        out,
    )
        .into_response())
}

pub(crate) async fn matches(state: &AppState, caller: &Caller, query: &MatchQuery) -> Result<MatchList, ApiError> {
    if let Some(gate) = &query.gate {
        if gate != "eligible" && gate != "conditional" {
            return Err(ApiError::bad("gate", "gate는 eligible 또는 conditional이어야 합니다"));
        }
    }
    let order = match query.sort.as_deref() {
        None | Some("score") => "CASE m.gate WHEN 'eligible' THEN 0 ELSE 1 END, m.score DESC, p.id",
        Some("deadline") => "p.period_end NULLS LAST, m.score DESC, p.id",
        Some(_) => return Err(ApiError::bad("sort", "sort는 score 또는 deadline이어야 합니다")),
    };
    let client = state.db.get().await?;
    let access = organization(&**client, caller, query.organization_id).await?;
    let limits = plans::entitlement(&**client, access.organization_id, chrono::Utc::now()).await?.limits;
    // Only the rows the plan shows are read (with their verdicts); the window counts them all.
    let sql = format!(
        "SELECT {COLUMNS}, count(*) OVER () {FROM} WHERE m.organization_id = $1 AND ($2::text IS NULL OR m.gate = $2)
            AND ($3::text IS NULL OR s.status = $3) AND ($4 OR s.status IS DISTINCT FROM 'dismissed')
          ORDER BY {order} LIMIT $5"
    );
    let visible = limits.visible_matches.map(i64::from);
    let rows = client
        .query_typed(
            &sql,
            &[
                (&access.organization_id, Type::INT8),
                (&query.gate, Type::TEXT),
                (&query.status, Type::TEXT),
                (&query.include_dismissed, Type::BOOL),
                (&visible, Type::INT8),
            ],
        )
        .await?;
    let total = rows.first().map_or(0, |r| r.get::<_, i64>(9) as usize);
    let shown = rows.len();
    Ok(MatchList {
        organization_id: access.organization_id,
        total,
        items: rows.iter().map(item).collect(),
        hidden: total - shown,
        upgrade_hint: (total > shown)
            .then(|| format!("맞춤 공고 {}건이 더 있습니다. PRO 요금제에서 모두 볼 수 있습니다", total - shown)),
    })
}

#[derive(Deserialize)]
pub struct One {
    pub organization_id: Option<i64>,
}

#[derive(Serialize)]
pub struct MatchDetail {
    #[serde(flatten)]
    pub item: MatchItem,
    pub history: Vec<serde_json::Value>,
}

pub async fn show(
    State(state): State<AppState>,
    caller: Caller,
    Path(program): Path<String>,
    Query(query): Query<One>,
) -> Result<Json<MatchDetail>, ApiError> {
    let program: i64 = program.parse().map_err(|_| ApiError::NotFound("맞춤 공고를 찾을 수 없습니다"))?;
    let client = state.db.get().await?;
    let access = organization(&**client, &caller, query.organization_id).await?;
    let rows = client
        .query_typed(
            &format!("SELECT {COLUMNS} {FROM} WHERE m.organization_id = $1 AND m.program_id = $2"),
            &[(&access.organization_id, Type::INT8), (&program, Type::INT8)],
        )
        .await?;
    let row = rows.first().ok_or(ApiError::NotFound(
        "이 공고는 기관의 맞춤 공고가 아닙니다 (지원 자격이 맞지 않거나 마감되었습니다). `connect match`로 이유를 확인할 수 있습니다",
    ))?;
    let history = super::status::history(&**client, access.organization_id, program).await?;
    Ok(Json(MatchDetail { item: item(row), history }))
}
