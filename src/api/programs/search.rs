//! `GET /api/programs`: Korean full-text search with filters, facets, sorting and paging.
//! Parameters are checked one by one so that a mistake is answered with its name, and unknown
//! parameters are refused rather than silently ignored (a typo would otherwise return everything).

use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use chrono::NaiveDate;
use normalize::{AnnouncementType, Region};
use serde::Serialize;

use super::ProgramItem;
use crate::api::error::{ApiError, ErrorResponse};
use crate::api::AppState;
use crate::catalog::vocab::TARGET_TYPES;
use crate::catalog::Clock;
use crate::search::query::{Facets, SearchQuery, Sort, StatusFilter};
use crate::search::SearchError;

const MAX_QUERY_CHARS: usize = 200;
const MAX_WORDS: usize = 10;
const MAX_PER_PAGE: usize = 100;
/// Deeper pages than this are refused: refine the search instead.
const MAX_RESULT_WINDOW: usize = 10_000;

#[derive(Serialize, utoipa::ToSchema)]
pub struct SearchResponse {
    /// Programs matching the query and every filter.
    pub total: usize,
    pub page: usize,
    pub per_page: usize,
    pub total_pages: usize,
    pub items: Vec<ProgramItem>,
    pub facets: Facets,
}

#[derive(utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)] // documents the parameters for OpenAPI; parsing is done by `parse`
pub struct SearchParams {
    /// Words that must all occur (substring match, Korean and English). e.g. `AI 바우처`
    q: Option<String>,
    /// `open`, `closing`, `upcoming`, `closed` or `unknown`
    status: Option<String>,
    /// With `status=closing`: deadline within this many days (default 7, max 365)
    within_days: Option<u32>,
    /// 소관부처; repeat for several
    ministry: Option<Vec<String>>,
    /// 전문기관; repeat for several
    agency: Option<Vec<String>>,
    /// Support category; repeat for several
    category: Option<Vec<String>>,
    /// Region codes (`seoul`, …, `nationwide`), comma-separated or repeated; nationwide programs match every region
    region: Option<Vec<String>>,
    /// Organisation type codes (`sme`, `startup`, `university`, …)
    target: Option<Vec<String>>,
    /// Announcement type codes (`call`, `survey`, `designated`, `education`, `event`, `other`)
    r#type: Option<Vec<String>>,
    /// Deadline on or after (YYYY-MM-DD)
    deadline_from: Option<NaiveDate>,
    /// Deadline on or before (YYYY-MM-DD)
    deadline_to: Option<NaiveDate>,
    /// Budget at least, in 원
    budget_min: Option<i64>,
    /// Budget at most, in 원
    budget_max: Option<i64>,
    /// `relevance` (default), `deadline`, `newest` or `budget`
    sort: Option<String>,
    /// From 1
    page: Option<usize>,
    /// 1 to 100, default 20
    per_page: Option<usize>,
}

#[utoipa::path(
    get, path = "/api/programs", tag = "programs", params(SearchParams),
    responses(
        (status = 200, description = "Matching programs with facet counts", body = SearchResponse),
        (status = 400, description = "A parameter is invalid; `error.parameter` names it", body = ErrorResponse),
        (status = 503, description = "The search index is still loading", body = ErrorResponse),
    )
)]
pub async fn search(State(state): State<AppState>, RawQuery(raw): RawQuery) -> Result<Response, ApiError> {
    let raw = raw.unwrap_or_default();
    let query = parse(&raw)?;
    let clock = Clock::now();
    let epoch = (state.search.generation(), clock.minute());
    if let Some(body) = state.results_cache.get(epoch, &raw) {
        state.metrics.search_cache_hits.inc();
        return Ok(json(body));
    }
    state.metrics.search_cache_misses.inc();
    let result = state.search.search(&query, &clock).map_err(|e| match e {
        SearchError::NotReady => ApiError::Unavailable(e.to_string()),
        SearchError::Index(e) => ApiError::Internal(e),
    })?;
    let with_score = !query.words.is_empty();
    let response = SearchResponse {
        total: result.total,
        page: query.page,
        per_page: query.per_page,
        total_pages: result.total.div_ceil(query.per_page),
        items: result
            .hits
            .iter()
            .map(|hit| ProgramItem::new(&hit.program, &clock, with_score.then_some(hit.score)))
            .collect(),
        facets: result.facets,
    };
    let body = Bytes::from(serde_json::to_vec(&response).map_err(anyhow::Error::from)?);
    state.results_cache.put(epoch, raw, body.clone(), body.len());
    Ok(json(body))
}

pub(super) fn json(body: Bytes) -> Response {
    ([(header::CONTENT_TYPE, "application/json")], body).into_response()
}

/// Turns a raw query string into a validated [`SearchQuery`].
pub fn parse(raw: &str) -> Result<SearchQuery, ApiError> {
    let mut q = SearchQuery { page: 1, per_page: 20, ..SearchQuery::default() };
    let mut within_days = None;
    let mut status = None;
    for (name, value) in url::form_urlencoded::parse(raw.as_bytes()) {
        let value = value.trim();
        match name.as_ref() {
            "q" => {
                if value.chars().count() > MAX_QUERY_CHARS {
                    return Err(ApiError::bad("q", format!("검색어는 {MAX_QUERY_CHARS}자 이하로 입력해 주세요")));
                }
                for word in value.split_whitespace() {
                    if !q.words.iter().any(|w| w == word) {
                        q.words.push(word.to_string());
                    }
                }
                if q.words.len() > MAX_WORDS {
                    return Err(ApiError::bad("q", format!("검색어는 {MAX_WORDS}단어까지 입력할 수 있습니다")));
                }
            }
            "status" => status = Some(value.to_string()),
            "within_days" => within_days = Some(number::<u32>("within_days", value, 0, 365)?),
            "ministry" => push_names(&mut q.ministries, value),
            "agency" => push_names(&mut q.agencies, value),
            "category" => push_names(&mut q.categories, value),
            "region" => push_codes(&mut q.regions, "region", value, |c| Region::from_code(c).is_some())?,
            "target" => {
                push_codes(&mut q.target_types, "target", value, |c| TARGET_TYPES.iter().any(|(t, _)| *t == c))?
            }
            "type" => {
                push_codes(&mut q.announcement_types, "type", value, |c| AnnouncementType::from_code(c).is_some())?
            }
            "deadline_from" => q.deadline_from = Some(date("deadline_from", value)?),
            "deadline_to" => q.deadline_to = Some(date("deadline_to", value)?),
            "budget_min" => q.budget_min = Some(number("budget_min", value, 0, i64::MAX)?),
            "budget_max" => q.budget_max = Some(number("budget_max", value, 0, i64::MAX)?),
            "sort" => {
                q.sort = Sort::parse(value).ok_or_else(|| {
                    ApiError::bad("sort", "정렬은 relevance, deadline, newest, budget 중 하나여야 합니다")
                })?
            }
            "page" => q.page = number("page", value, 1, usize::MAX)?,
            "per_page" => q.per_page = number("per_page", value, 1, MAX_PER_PAGE)?,
            other => return Err(ApiError::bad(other, format!("알 수 없는 검색 조건입니다: '{other}'"))),
        }
    }
    q.status = match (status.as_deref(), within_days) {
        (None, None) => None,
        (None | Some(""), Some(_)) => {
            return Err(ApiError::bad("within_days", "within_days는 status=closing과 함께 씁니다"))
        }
        (Some("closing"), days) => Some(StatusFilter::Closing { within_days: days.unwrap_or(7) }),
        (Some(_), Some(_)) => return Err(ApiError::bad("within_days", "within_days는 status=closing과 함께 씁니다")),
        (Some(""), None) => None,
        (Some("open"), None) => Some(StatusFilter::Open),
        (Some("upcoming"), None) => Some(StatusFilter::Upcoming),
        (Some("closed"), None) => Some(StatusFilter::Closed),
        (Some("unknown"), None) => Some(StatusFilter::Unknown),
        (Some(_), None) => {
            return Err(ApiError::bad("status", "상태는 open, closing, upcoming, closed, unknown 중 하나여야 합니다"))
        }
    };
    if let (Some(from), Some(to)) = (q.deadline_from, q.deadline_to) {
        if from > to {
            return Err(ApiError::bad("deadline_to", "마감일 범위의 끝이 시작보다 앞섭니다"));
        }
    }
    if let (Some(min), Some(max)) = (q.budget_min, q.budget_max) {
        if min > max {
            return Err(ApiError::bad("budget_max", "예산 범위의 최대값이 최소값보다 작습니다"));
        }
    }
    if q.page.saturating_mul(q.per_page) > MAX_RESULT_WINDOW {
        return Err(ApiError::bad(
            "page",
            format!("{MAX_RESULT_WINDOW}번째 결과 이후는 볼 수 없습니다. 검색 조건을 좁혀 주세요"),
        ));
    }
    Ok(q)
}

fn push_names(into: &mut Vec<String>, value: &str) {
    if !value.is_empty() && !into.iter().any(|v| v == value) {
        into.push(value.to_string());
    }
}

fn push_codes(into: &mut Vec<String>, name: &str, value: &str, known: impl Fn(&str) -> bool) -> Result<(), ApiError> {
    for code in value.split(',').map(str::trim).filter(|c| !c.is_empty()) {
        if !known(code) {
            return Err(ApiError::bad(name, format!("알 수 없는 {name} 코드입니다: '{code}'")));
        }
        push_names(into, code);
    }
    Ok(())
}

fn number<T>(name: &str, value: &str, min: T, max: T) -> Result<T, ApiError>
where
    T: std::str::FromStr + PartialOrd + std::fmt::Display,
{
    match value.parse::<T>() {
        Ok(n) if n >= min && n <= max => Ok(n),
        _ if max.to_string().len() > 12 => {
            Err(ApiError::bad(name, format!("{name}은(는) {min} 이상의 정수여야 합니다")))
        }
        _ => Err(ApiError::bad(name, format!("{name}은(는) {min}에서 {max} 사이의 정수여야 합니다"))),
    }
}

fn date(name: &str, value: &str) -> Result<NaiveDate, ApiError> {
    NaiveDate::parse_from_str(value, "%Y-%m-%d")
        .map_err(|_| ApiError::bad(name, format!("{name}은(는) YYYY-MM-DD 형식의 날짜여야 합니다")))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bad_parameter(raw: &str) -> String {
        match parse(raw) {
            Err(ApiError::BadParameter { parameter, .. }) => parameter,
            other => panic!("{raw}: expected a bad parameter, got {other:?}"),
        }
    }

    #[test]
    fn defaults_and_words() {
        let q = parse("q=AI%20%EB%B0%94%EC%9A%B0%EC%B2%98&q=AI").unwrap();
        assert_eq!(q.words, vec!["AI", "바우처"]);
        assert_eq!((q.page, q.per_page, q.sort), (1, 20, Sort::Relevance));
    }

    #[test]
    fn every_bad_parameter_is_named() {
        assert_eq!(bad_parameter("page=0"), "page");
        assert_eq!(bad_parameter("page=abc"), "page");
        assert_eq!(bad_parameter("per_page=101"), "per_page");
        assert_eq!(bad_parameter("sort=popular"), "sort");
        assert_eq!(bad_parameter("status=soon"), "status");
        assert_eq!(bad_parameter("within_days=3"), "within_days");
        assert_eq!(bad_parameter("status=closing&within_days=-1"), "within_days");
        assert_eq!(bad_parameter("region=seoul,mars"), "region");
        assert_eq!(bad_parameter("target=alien"), "target");
        assert_eq!(bad_parameter("type=lottery"), "type");
        assert_eq!(bad_parameter("deadline_from=2026-13-01"), "deadline_from");
        assert_eq!(bad_parameter("deadline_from=2026-12-01&deadline_to=2026-11-01"), "deadline_to");
        assert_eq!(bad_parameter("budget_min=-5"), "budget_min");
        assert_eq!(bad_parameter("budget_min=10&budget_max=5"), "budget_max");
        assert_eq!(bad_parameter("page=600&per_page=20"), "page");
        assert_eq!(bad_parameter("colour=blue"), "colour");
        assert_eq!(bad_parameter(&format!("q={}", "가".repeat(201))), "q");
    }

    #[test]
    fn closing_takes_a_window() {
        assert_eq!(parse("status=closing").unwrap().status, Some(StatusFilter::Closing { within_days: 7 }));
        assert_eq!(
            parse("status=closing&within_days=14").unwrap().status,
            Some(StatusFilter::Closing { within_days: 14 })
        );
        assert_eq!(parse("region=seoul,busan&region=seoul").unwrap().regions, vec!["seoul", "busan"]);
    }
}
