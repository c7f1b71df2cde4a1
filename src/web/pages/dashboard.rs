//! `/dashboard`: an organisation's matches as the worker stored them (never computed here), with
//! the eligibility badge, score, reasons and warnings, filters and sort in the URL (a plain GET
//! form), the plan's limit, a CSV download, and a status per program posted to
//! `PUT /api/matches/{id}/status` by `app.js`.

use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

use super::orgs::Choice;
use crate::api::matches::list::{matches, MatchItem, MatchQuery};
use crate::api::AppState;
use crate::catalog::status::Clock;
use crate::web::error::PageError;
use crate::web::format;
use crate::web::page::{self, Chrome};
use crate::web::viewer::MaybeViewer;

/// Match statuses with their Korean labels, in the order of an application.
const STATUSES: &[(&str, &str)] = &[
    ("saved", "관심"),
    ("applying", "신청 준비"),
    ("applied", "신청 완료"),
    ("won", "선정"),
    ("lost", "미선정"),
    ("dismissed", "숨김"),
];

fn options(all: &'static [(&'static str, &'static str)], chosen: Option<&str>) -> Vec<Choice> {
    all.iter().map(|(value, label)| Choice { value, label, selected: chosen == Some(*value) }).collect()
}

pub struct OrgTab {
    pub id: i64,
    pub name: String,
    pub current: bool,
}

pub struct MatchRow {
    pub program_id: i64,
    pub title: String,
    pub agency: String,
    pub deadline: String,
    /// `D-3`, `D-day`, `마감`, or empty without a deadline.
    pub dday: String,
    /// `soon`, `open`, `closed` or `none`, as the catalogue's badges.
    pub dday_class: &'static str,
    pub eligible: bool,
    pub score: i16,
    pub type_label: &'static str,
    pub reasons: Vec<String>,
    pub warnings: Vec<String>,
    pub statuses: Vec<Choice>,
    pub has_status: bool,
}

#[derive(Template)]
#[template(path = "dashboard.html")]
pub struct Dashboard {
    pub page: Chrome,
    pub orgs: Vec<OrgTab>,
    pub organization_id: i64,
    pub total: usize,
    pub hidden: usize,
    pub upgrade_hint: Option<String>,
    pub rows: Vec<MatchRow>,
    pub gates: Vec<Choice>,
    pub status_filter: Vec<Choice>,
    pub sorts: Vec<Choice>,
    pub include_dismissed: bool,
    pub csv_url: String,
}

#[derive(Template)]
#[template(path = "dashboard_empty.html")]
pub struct NoOrganization {
    pub page: Chrome,
}

fn strings(verdict: &serde_json::Value, key: &str, at_most: usize) -> Vec<String> {
    verdict[key].as_array().into_iter().flatten().filter_map(|v| v.as_str()).take(at_most).map(String::from).collect()
}

fn type_label(code: &str) -> &'static str {
    match code {
        "survey" => "수요조사",
        "designated" => "지정공모",
        "education" => "교육",
        "event" => "행사",
        "call" => "공모",
        _ => "",
    }
}

/// The D-day badge of a deadline and its style (as the catalogue's badges).
fn dday(deadline: Option<chrono::NaiveDate>, today: chrono::NaiveDate) -> (String, &'static str) {
    match deadline.map(|d| (d - today).num_days()) {
        None => (String::new(), "none"),
        Some(days) if days < 0 => ("마감".to_string(), "closed"),
        Some(0) => ("D-day".to_string(), "soon"),
        Some(days) => (format!("D-{days}"), if days <= 7 { "soon" } else { "open" }),
    }
}

fn row(m: &MatchItem, today: chrono::NaiveDate) -> MatchRow {
    let (dday, dday_class) = dday(m.deadline, today);
    MatchRow {
        program_id: m.program_id,
        title: m.title.clone(),
        agency: m.agency.clone().unwrap_or_default(),
        deadline: m.deadline.map(format::date).unwrap_or_else(|| "마감일 미정".into()),
        dday,
        dday_class,
        eligible: m.gate == "eligible",
        score: m.score,
        type_label: type_label(&m.announcement_type),
        reasons: strings(&m.verdict, "reasons", 3),
        warnings: strings(&m.verdict, "warnings", 2),
        statuses: options(STATUSES, m.status.as_deref()),
        has_status: m.status.is_some(),
    }
}

pub async fn show(
    State(state): State<AppState>,
    viewer: MaybeViewer,
    Query(mut query): Query<MatchQuery>,
) -> Result<Response, PageError> {
    let viewer = match viewer.require("/dashboard") {
        Ok(viewer) => viewer,
        Err(login) => return Ok(login.into_response()),
    };
    let axum::Json(orgs) = crate::api::orgs::show::list(State(state.clone()), viewer.caller.clone()).await?;
    let Some(first) = orgs.first() else {
        let page = NoOrganization { page: Chrome::private("맞춤 공고", Some(viewer)).section("dashboard") };
        return Ok(page::render(StatusCode::OK, &page, &page.page));
    };
    let organization_id = query.organization_id.unwrap_or(first.id);
    query.organization_id = Some(organization_id);
    // Empty filter fields from the GET form mean "all".
    query.gate = query.gate.take().filter(|g| !g.is_empty());
    query.status = query.status.take().filter(|s| !s.is_empty());
    query.sort = query.sort.take().filter(|s| !s.is_empty());
    let list = matches(&state, &viewer.caller, &query).await?;
    let today = Clock::now().today();
    let page = Dashboard {
        page: Chrome::private("맞춤 공고", Some(viewer)).section("dashboard"),
        orgs: orgs
            .iter()
            .map(|o| OrgTab { id: o.id, name: o.name.clone(), current: o.id == organization_id })
            .collect(),
        organization_id,
        total: list.total,
        hidden: list.hidden,
        upgrade_hint: list.upgrade_hint.clone(),
        rows: list.items.iter().map(|m| row(m, today)).collect(),
        gates: options(&[("eligible", "지원 가능"), ("conditional", "조건부")], query.gate.as_deref()),
        status_filter: options(STATUSES, query.status.as_deref()),
        sorts: options(&[("score", "적합도순"), ("deadline", "마감 임박순")], query.sort.as_deref().or(Some("score"))),
        include_dismissed: query.include_dismissed,
        csv_url: format!("/api/matches?format=csv&organization_id={organization_id}"),
    };
    Ok(page::render(StatusCode::OK, &page, &page.page))
}

pub struct BoardCard {
    pub program_id: i64,
    pub title: String,
    pub deadline: String,
    pub dday: String,
    pub dday_class: &'static str,
}

pub struct BoardColumn {
    pub status: &'static str,
    pub label: &'static str,
    pub cards: Vec<BoardCard>,
}

#[derive(Template)]
#[template(path = "dashboard_board.html")]
pub struct Board {
    pub page: Chrome,
    pub orgs: Vec<OrgTab>,
    pub organization_id: i64,
    pub columns: Vec<BoardColumn>,
}

#[derive(serde::Deserialize)]
pub struct BoardQuery {
    pub organization_id: Option<i64>,
}

/// `/dashboard/board`: the organisation's programs by application status (관심 → 신청 준비 →
/// 신청 완료 → 선정 / 미선정), nearest deadline first; hidden ones are left out.
pub async fn board(
    State(state): State<AppState>,
    viewer: MaybeViewer,
    Query(query): Query<BoardQuery>,
) -> Result<Response, PageError> {
    let viewer = match viewer.require("/dashboard/board") {
        Ok(viewer) => viewer,
        Err(login) => return Ok(login.into_response()),
    };
    let axum::Json(orgs) = crate::api::orgs::show::list(State(state.clone()), viewer.caller.clone()).await?;
    let Some(first) = orgs.first() else {
        let page = NoOrganization { page: Chrome::private("신청 현황", Some(viewer)).section("dashboard") };
        return Ok(page::render(StatusCode::OK, &page, &page.page));
    };
    let organization_id = query.organization_id.unwrap_or(first.id);
    let client = state.db.get().await?;
    crate::orgs::access(&**client, organization_id, &viewer.caller).await?;
    let rows = client
        .query_typed(
            "SELECT s.status, p.id, p.title, p.period_end FROM match_status s JOIN programs p ON p.id = s.program_id
              WHERE s.organization_id = $1 AND s.status <> 'dismissed'
              ORDER BY p.period_end NULLS LAST, p.id",
            &[(&organization_id, tokio_postgres::types::Type::INT8)],
        )
        .await?;
    let today = Clock::now().today();
    let columns = STATUSES
        .iter()
        .filter(|(status, _)| *status != "dismissed")
        .map(|&(status, label)| BoardColumn {
            status,
            label,
            cards: rows
                .iter()
                .filter(|r| r.get::<_, &str>(0) == status)
                .map(|r| {
                    let deadline: Option<chrono::NaiveDate> = r.get(3);
                    let (dday, dday_class) = dday(deadline, today);
                    BoardCard {
                        program_id: r.get(1),
                        title: r.get(2),
                        deadline: deadline.map(format::date).unwrap_or_else(|| "마감일 미정".into()),
                        dday,
                        dday_class,
                    }
                })
                .collect(),
        })
        .collect();
    let page = Board {
        page: Chrome::private("신청 현황", Some(viewer)).section("dashboard"),
        orgs: orgs
            .iter()
            .map(|o| OrgTab { id: o.id, name: o.name.clone(), current: o.id == organization_id })
            .collect(),
        organization_id,
        columns,
    };
    Ok(page::render(StatusCode::OK, &page, &page.page))
}
