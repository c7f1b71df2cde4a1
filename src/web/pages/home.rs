//! `/`: what the catalogue holds right now (counts by status, region and target type from the
//! search's own facet counts) and the programs closing soonest.

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;

use super::{count, Card};
use crate::api::error::ApiError;
use crate::api::programs::ProgramItem;
use crate::api::AppState;
use crate::catalog::Clock;
use crate::search::query::{FacetCount, SearchQuery, SearchResult, Sort, StatusFilter};
use crate::search::SearchError;
use crate::web::error::PageError;
use crate::web::page::{self, Chrome};
use crate::web::viewer::MaybeViewer;

#[derive(Template)]
#[template(path = "home.html")]
pub struct Home {
    pub page: Chrome,
    pub total: String,
    /// (label, count, link) by status.
    pub statuses: Vec<Link>,
    pub regions: Vec<Link>,
    pub targets: Vec<Link>,
    /// By 지원분야, each to its sector page.
    pub sectors: Vec<Link>,
    pub closing: Vec<Card>,
}

pub struct Link {
    pub label: String,
    pub count: String,
    pub url: String,
}

pub fn search(state: &AppState, query: &SearchQuery, clock: &Clock) -> Result<SearchResult, ApiError> {
    state.search.search(query, clock).map_err(|e| match e {
        SearchError::NotReady => ApiError::Unavailable(e.to_string()),
        SearchError::Index(e) => ApiError::Internal(e),
    })
}

fn links(facets: &[FacetCount], parameter: &str) -> Vec<Link> {
    facets
        .iter()
        .filter(|f| f.count > 0)
        .map(|f| Link {
            label: f.label.clone(),
            count: count(f.count),
            url: format!("/programs?{parameter}={}", super::catalogue::encode(&f.value)),
        })
        .collect()
}

pub async fn show(State(state): State<AppState>, MaybeViewer(viewer): MaybeViewer) -> Result<Response, PageError> {
    let clock = Clock::now();
    let all = search(&state, &SearchQuery { page: 1, per_page: 1, ..SearchQuery::default() }, &clock)?;
    let closing = search(
        &state,
        &SearchQuery {
            status: Some(StatusFilter::Closing { within_days: 7 }),
            sort: Sort::Deadline,
            page: 1,
            per_page: 6,
            ..SearchQuery::default()
        },
        &clock,
    )?;
    let mut regions = links(&all.facets.region, "region");
    regions.retain(|r| r.label != "전국");
    let home = Home {
        page: Chrome::public(&state, "", "/", viewer).with_breadcrumbs(&state, &[("홈", "/")]),
        total: count(all.total),
        statuses: links(&all.facets.status, "status"),
        regions,
        targets: links(&all.facets.target_type, "target"),
        sectors: all
            .facets
            .category
            .iter()
            .filter(|c| c.count > 0)
            .map(|c| Link {
                label: c.label.clone(),
                count: count(c.count),
                url: super::catalogue::sector_url(&c.value),
            })
            .collect(),
        closing: closing.hits.iter().map(|hit| Card::new(&ProgramItem::new(&hit.program, &clock, None))).collect(),
    };
    Ok(page::render(StatusCode::OK, &home, &home.page))
}
