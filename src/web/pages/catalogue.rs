//! `/programs`: the catalogue search as a page. The query string is the JSON API's
//! (`crate::api::programs::search::parse` checks it, the search module answers it), so every
//! filter, facet, sort and page is a URL that can be shared, bookmarked and crawled. Works without
//! JavaScript; `app.js` only submits the filter form when a box is ticked.

use askama::Template;
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::Response;

use super::home::search;
use super::{count, Card};
use crate::api::error::ApiError;
use crate::api::programs::search::parse;
use crate::api::programs::ProgramItem;
use crate::api::AppState;
use crate::catalog::Clock;
use crate::search::query::{FacetCount, Facets, SearchQuery};
use crate::web::error::PageError;
use crate::web::page::{self, Chrome};
use crate::web::viewer::MaybeViewer;

/// Deeper than this the API refuses (`MAX_RESULT_WINDOW`): no page link goes there.
const RESULT_WINDOW: usize = 10_000;
/// Facet values shown before "더 보기".
const VISIBLE_VALUES: usize = 8;

#[derive(Template)]
#[template(path = "programs.html")]
pub struct Catalogue {
    pub page: Chrome,
    /// `지원사업 검색`, `‘AI 바우처’ 검색 결과` or `기술 분야 지원사업`.
    pub heading: String,
    /// The 지원분야 of a sector page.
    pub sector: Option<String>,
    pub q: String,
    pub total: String,
    pub error: Option<String>,
    pub cards: Vec<Card>,
    pub groups: Vec<FacetGroup>,
    pub sorts: Vec<Choice>,
    pub budgets: Vec<Choice>,
    pub deadline_from: String,
    pub deadline_to: String,
    /// Parameters the form has no field for, carried along unchanged.
    pub hidden: Vec<(String, String)>,
    pub chips: Vec<Chip>,
    pub pages: Vec<PageLink>,
    pub prev: Option<String>,
    pub next: Option<String>,
    pub page_number: usize,
    pub page_count: usize,
}

pub struct FacetGroup {
    pub parameter: &'static str,
    pub legend: &'static str,
    /// `radio` (one value) or `checkbox` (several).
    pub input: &'static str,
    pub options: Vec<FacetOption>,
    pub more: Vec<FacetOption>,
}

impl FacetGroup {
    pub fn any_checked(&self) -> bool {
        self.options.iter().chain(&self.more).any(|o| o.checked)
    }
}

pub struct FacetOption {
    pub id: String,
    pub value: String,
    pub label: String,
    pub count: String,
    pub checked: bool,
}

pub struct Choice {
    pub value: String,
    pub label: String,
    pub selected: bool,
}

pub struct Chip {
    pub label: String,
    pub remove_url: String,
}

pub struct PageLink {
    pub number: usize,
    pub url: String,
    pub current: bool,
}

/// Percent-encodes a query value.
pub fn encode(value: &str) -> String {
    url::form_urlencoded::byte_serialize(value.as_bytes()).collect()
}

/// The query without empty values (an empty form field means "no filter").
fn clean(raw: &str) -> Vec<(String, String)> {
    url::form_urlencoded::parse(raw.as_bytes())
        .map(|(k, v)| (k.into_owned(), v.trim().to_string()))
        .filter(|(_, v)| !v.is_empty())
        .collect()
}

fn query_string(pairs: &[(String, String)]) -> String {
    pairs.iter().map(|(k, v)| format!("{}={}", encode(k), encode(v))).collect::<Vec<_>>().join("&")
}

fn url_of(pairs: &[(String, String)]) -> String {
    if pairs.is_empty() {
        return "/programs".into();
    }
    format!("/programs?{}", query_string(pairs))
}

/// The same search at another page (page 1 drops the parameter).
fn at_page(pairs: &[(String, String)], page: usize) -> String {
    let mut pairs: Vec<_> = pairs.iter().filter(|(k, _)| k != "page").cloned().collect();
    if page > 1 {
        pairs.push(("page".into(), page.to_string()));
    }
    url_of(&pairs)
}

const DIMENSIONS: [(&str, &str, &str); 7] = [
    ("status", "접수 상태", "radio"),
    ("region", "지역", "checkbox"),
    ("target", "지원대상", "checkbox"),
    ("type", "공고 유형", "checkbox"),
    ("ministry", "소관부처", "checkbox"),
    ("agency", "전문기관", "checkbox"),
    ("category", "지원분야", "checkbox"),
];

fn facet_values<'a>(facets: &'a Facets, parameter: &str) -> &'a [FacetCount] {
    match parameter {
        "status" => &facets.status,
        "region" => &facets.region,
        "target" => &facets.target_type,
        "type" => &facets.announcement_type,
        "ministry" => &facets.ministry,
        "agency" => &facets.agency,
        _ => &facets.category,
    }
}

/// Values chosen for `parameter` in the URL (`region=seoul,busan&region=jeju` → three).
fn chosen(pairs: &[(String, String)], parameter: &str) -> Vec<String> {
    let split = matches!(parameter, "region" | "target" | "type");
    pairs
        .iter()
        .filter(|(k, _)| k == parameter)
        .flat_map(|(_, v)| if split { v.split(',').map(|s| s.trim().to_string()).collect() } else { vec![v.clone()] })
        .filter(|v| !v.is_empty())
        .collect()
}

fn groups(facets: &Facets, pairs: &[(String, String)]) -> Vec<FacetGroup> {
    DIMENSIONS
        .iter()
        .filter_map(|(parameter, legend, input)| {
            let chosen = chosen(pairs, parameter);
            let mut values: Vec<FacetCount> = facet_values(facets, parameter).to_vec();
            // A chosen value the counts no longer list (zero left) must stay visible to be unticked.
            for value in &chosen {
                if !values.iter().any(|f| &f.value == value) {
                    values.push(FacetCount { value: value.clone(), label: value.clone(), count: 0 });
                }
            }
            let mut options: Vec<FacetOption> = values
                .iter()
                .enumerate()
                .filter(|(_, f)| f.count > 0 || chosen.contains(&f.value))
                .map(|(i, f)| FacetOption {
                    id: format!("f-{parameter}-{i}"),
                    value: f.value.clone(),
                    label: f.label.clone(),
                    count: count(f.count),
                    checked: chosen.contains(&f.value),
                })
                .collect();
            if options.is_empty() {
                return None;
            }
            let more = if options.len() > VISIBLE_VALUES { options.split_off(VISIBLE_VALUES) } else { Vec::new() };
            Some(FacetGroup { parameter, legend, input, options, more })
        })
        .collect()
}

fn chips(pairs: &[(String, String)], facets: &Facets) -> Vec<Chip> {
    let mut out = Vec::new();
    for (i, (name, value)) in pairs.iter().enumerate() {
        let Some((_, legend, _)) = DIMENSIONS.iter().find(|(p, _, _)| p == name) else {
            continue;
        };
        let label = facet_values(facets, name)
            .iter()
            .find(|f| &f.value == value)
            .map(|f| f.label.clone())
            .unwrap_or_else(|| value.clone());
        let rest: Vec<_> =
            pairs.iter().enumerate().filter(|(j, (k, _))| *j != i && k != "page").map(|(_, p)| p.clone()).collect();
        out.push(Chip { label: format!("{legend}: {label}"), remove_url: url_of(&rest) });
    }
    out
}

fn choices(options: &[(&str, &str)], current: &str) -> Vec<Choice> {
    options
        .iter()
        .map(|(value, label)| Choice {
            value: value.to_string(),
            label: label.to_string(),
            selected: *value == current,
        })
        .collect()
}

fn value_of<'a>(pairs: &'a [(String, String)], name: &str) -> &'a str {
    pairs.iter().rev().find(|(k, _)| k == name).map(|(_, v)| v.as_str()).unwrap_or("")
}

fn page_links(pairs: &[(String, String)], current: usize, count: usize) -> Vec<PageLink> {
    let mut numbers: Vec<usize> = vec![1, count];
    numbers.extend(current.saturating_sub(2).max(1)..=(current + 2).min(count));
    numbers.sort_unstable();
    numbers.dedup();
    numbers
        .into_iter()
        .filter(|n| (1..=count).contains(n))
        .map(|number| PageLink { number, url: at_page(pairs, number), current: number == current })
        .collect()
}

pub async fn show(
    State(state): State<AppState>,
    MaybeViewer(viewer): MaybeViewer,
    RawQuery(raw): RawQuery,
) -> Result<Response, PageError> {
    render(state, viewer, clean(raw.as_deref().unwrap_or("")), None)
}

/// `/sectors/{name}`: the catalogue of one 지원분야 under its own title and address, a page to share
/// and for search engines to find (listed in the sitemap). Other filters in the query string apply
/// as on `/programs`; a name no program has is 404.
pub async fn sector(
    State(state): State<AppState>,
    MaybeViewer(viewer): MaybeViewer,
    Path(name): Path<String>,
    RawQuery(raw): RawQuery,
) -> Result<Response, PageError> {
    if !sectors(&state, &Clock::now())?.iter().any(|s| s.value == name) {
        return Err(ApiError::NotFound("해당 분야의 지원사업이 없습니다").into());
    }
    let mut pairs: Vec<(String, String)> =
        clean(raw.as_deref().unwrap_or("")).into_iter().filter(|(key, _)| key != "category").collect();
    pairs.insert(0, ("category".into(), name.clone()));
    render(state, viewer, pairs, Some(&name))
}

/// The 지원분야 of the catalogue with how many programs each has, largest first.
pub fn sectors(state: &AppState, clock: &Clock) -> Result<Vec<FacetCount>, ApiError> {
    let all = search(state, &SearchQuery { page: 1, per_page: 1, ..SearchQuery::default() }, clock)?;
    Ok(all.facets.category.into_iter().filter(|c| c.count > 0).collect())
}

/// `/sectors/기술` percent-encoded as a path (a space is `%20` there, not `+`).
pub fn sector_url(name: &str) -> String {
    format!("/sectors/{}", encode(name).replace('+', "%20"))
}

fn render(
    state: AppState,
    viewer: Option<crate::web::viewer::Viewer>,
    pairs: Vec<(String, String)>,
    sector: Option<&str>,
) -> Result<Response, PageError> {
    let clock = Clock::now();
    let (query, error) = match parse(&query_string(&pairs)) {
        Ok(query) => (Some(query), None),
        Err(ApiError::BadParameter { message, .. }) => (None, Some(message)),
        Err(other) => return Err(other.into()),
    };
    let result = match &query {
        Some(query) => Some(search(&state, query, &clock)?),
        None => None,
    };
    let q = value_of(&pairs, "q").to_string();
    let heading = match sector {
        Some(name) => format!("{name} 분야 지원사업"),
        None if q.is_empty() => "지원사업 검색".to_string(),
        None => format!("‘{q}’ 검색 결과"),
    };
    let chrome = match sector {
        None => Chrome::public(&state, heading.clone(), &url_of(&pairs), viewer)
            .describe("지역, 지원대상, 공고 유형, 소관부처와 마감일로 정부 지원사업 공고를 찾아보세요.")
            .with_breadcrumbs(&state, &[("홈", "/"), ("지원사업", "/programs")]),
        Some(name) => {
            let total = result.as_ref().map_or(0, |r| r.total);
            Chrome::public(&state, heading.clone(), &sector_url(name), viewer)
                .describe(format!(
                    "{name} 분야 정부 지원사업 공고 {}건을 마감일, 지역, 지원대상별로 찾아보세요.",
                    count(total)
                ))
                .with_breadcrumbs(&state, &[("홈", "/"), ("분야별 지원사업", "/sectors"), (name, &sector_url(name))])
        }
    }
    .section("programs");
    let facets = result.as_ref().map(|r| r.facets.clone()).unwrap_or_default();
    let (page_number, per_page) = query.as_ref().map(|q| (q.page, q.per_page)).unwrap_or((1, 20));
    let total = result.as_ref().map(|r| r.total).unwrap_or(0);
    let page_count = total.div_ceil(per_page).min(RESULT_WINDOW / per_page).max(1);
    let sort = value_of(&pairs, "sort");
    let budget = value_of(&pairs, "budget_min");
    let mut budgets = vec![("", "전체"), ("50000000", "5,000만 원 이상"), ("100000000", "1억 원 이상")];
    budgets.extend([("1000000000", "10억 원 이상"), ("10000000000", "100억 원 이상")]);
    let mut budgets = choices(&budgets, budget);
    if !budget.is_empty() && !budgets.iter().any(|c| c.selected) {
        let label = budget.parse().map(|won| format!("{} 이상", crate::web::format::amount(won)));
        budgets.push(Choice { value: budget.into(), label: label.unwrap_or_else(|_| budget.into()), selected: true });
    }
    let catalogue = Catalogue {
        heading,
        sector: sector.map(str::to_string),
        q,
        total: count(total),
        error,
        cards: result
            .as_ref()
            .map(|r| {
                let with_score = query.as_ref().is_some_and(|q| !q.words.is_empty());
                r.hits
                    .iter()
                    .map(|hit| Card::new(&ProgramItem::new(&hit.program, &clock, with_score.then_some(hit.score))))
                    .collect()
            })
            .unwrap_or_default(),
        groups: groups(&facets, &pairs),
        sorts: choices(
            &[("relevance", "관련도순"), ("deadline", "마감임박순"), ("newest", "최신순"), ("budget", "예산 큰 순")],
            if sort.is_empty() { "relevance" } else { sort },
        ),
        budgets,
        deadline_from: value_of(&pairs, "deadline_from").into(),
        deadline_to: value_of(&pairs, "deadline_to").into(),
        hidden: pairs
            .iter()
            .filter(|(k, _)| matches!(k.as_str(), "within_days" | "budget_max" | "per_page"))
            .cloned()
            .collect(),
        chips: chips(&pairs, &facets),
        pages: page_links(&pairs, page_number, page_count),
        prev: (page_number > 1).then(|| at_page(&pairs, page_number - 1)),
        next: (page_number < page_count).then(|| at_page(&pairs, page_number + 1)),
        page_number,
        page_count,
        page: chrome,
    };
    let status = if catalogue.error.is_some() { StatusCode::BAD_REQUEST } else { StatusCode::OK };
    Ok(page::render(status, &catalogue, &catalogue.page))
}

#[derive(Template)]
#[template(path = "sectors.html")]
pub struct Sectors {
    pub page: Chrome,
    pub sectors: Vec<super::home::Link>,
}

/// `/sectors`: every 지원분야 with its number of programs, each leading to its page.
pub async fn sector_index(
    State(state): State<AppState>,
    MaybeViewer(viewer): MaybeViewer,
) -> Result<Response, PageError> {
    let sectors = sectors(&state, &Clock::now())?
        .into_iter()
        .map(|s| super::home::Link { url: sector_url(&s.value), label: s.label, count: count(s.count) })
        .collect();
    let page = Sectors {
        page: Chrome::public(&state, "분야별 지원사업", "/sectors", viewer)
            .section("programs")
            .describe("기술, 창업, 수출, 인력, 금융 등 분야별로 정부 지원사업 공고를 모아 봅니다.")
            .with_breadcrumbs(&state, &[("홈", "/"), ("분야별 지원사업", "/sectors")]),
        sectors,
    };
    Ok(page::render(StatusCode::OK, &page, &page.page))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(raw: &str) -> Vec<(String, String)> {
        clean(raw)
    }

    #[test]
    fn empty_fields_are_no_filter_and_urls_round_trip() {
        let p = pairs("q=AI+%EB%B0%94%EC%9A%B0%EC%B2%98&region=&sort=deadline&deadline_from=");
        assert_eq!(p.len(), 2);
        let url = url_of(&p);
        assert_eq!(url, "/programs?q=AI+%EB%B0%94%EC%9A%B0%EC%B2%98&sort=deadline");
        assert_eq!(clean(url.split_once('?').unwrap().1), p);
        assert_eq!(at_page(&p, 3), format!("{url}&page=3"));
        assert_eq!(at_page(&pairs("page=3&q=x"), 1), "/programs?q=x");
    }

    #[test]
    fn page_links_show_the_ends_and_the_neighbourhood() {
        let numbers: Vec<usize> = page_links(&[], 7, 20).iter().map(|p| p.number).collect();
        assert_eq!(numbers, vec![1, 5, 6, 7, 8, 9, 20]);
        let numbers: Vec<usize> = page_links(&[], 1, 1).iter().map(|p| p.number).collect();
        assert_eq!(numbers, vec![1]);
    }

    #[test]
    fn comma_separated_codes_count_as_several_choices() {
        assert_eq!(chosen(&pairs("region=seoul,busan&region=jeju"), "region"), ["seoul", "busan", "jeju"]);
        assert_eq!(chosen(&pairs("ministry=a,b"), "ministry"), ["a,b"]);
    }
}
