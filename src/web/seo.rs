//! `/sitemap.xml` (every public program page, split into a sitemap index past 50,000 URLs as the
//! protocol requires) and `/robots.txt`. Programs come from this node's in-memory summaries, the
//! same copy search answers from; removed programs and duplicates (whose page names another as
//! canonical) are left out.

use std::fmt::Write;

use axum::extract::{Path, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use chrono::NaiveDate;

use crate::api::AppState;
use crate::catalog::status::kst;
use crate::web::error::error_page;

/// The sitemap protocol's limit of URLs in one file.
pub const URLS_PER_FILE: usize = 50_000;

/// Public pages other than programs.
const PAGES: &[&str] = &["/", "/programs", "/pricing", "/terms", "/privacy", "/refund"];

/// (id, last change as a KST date) of every program that has a public page of its own, by id.
fn programs(state: &AppState) -> Vec<(i64, NaiveDate)> {
    let mut out = Vec::new();
    state.search.for_each_summary(|p| {
        if !p.removed && p.duplicate_of.is_none() {
            out.push((p.id, p.last_changed_at.with_timezone(&kst()).date_naive()));
        }
    });
    out.sort_unstable_by_key(|(id, _)| *id);
    out
}

/// How many program files an index needs, or `None` when the programs and the other `pages` fit in
/// one sitemap.
pub fn program_files(programs: usize, pages: usize, per_file: usize) -> Option<usize> {
    (programs + pages > per_file).then(|| programs.div_ceil(per_file).max(1))
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

fn xml(body: String) -> Response {
    ([(header::CONTENT_TYPE, "application/xml; charset=utf-8"), (header::CACHE_CONTROL, "public, max-age=3600")], body)
        .into_response()
}

/// The public pages other than programs: the fixed ones and one per 지원분야.
fn pages(state: &AppState) -> Vec<String> {
    let mut pages: Vec<String> = PAGES.iter().map(|p| p.to_string()).collect();
    pages.push("/sectors".into());
    let sectors = crate::web::pages::catalogue::sectors(state, &crate::catalog::Clock::now()).unwrap_or_default();
    pages.extend(sectors.iter().map(|s| crate::web::pages::catalogue::sector_url(&s.value)));
    pages
}

fn urlset(state: &AppState, pages: &[String], programs: &[(i64, NaiveDate)]) -> String {
    let link = |path: &str| escape(&state.accounts.config.link(path));
    let mut out = String::with_capacity(120 * (pages.len() + programs.len()) + 200);
    out.push_str("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    out.push_str("<urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\n");
    for path in pages {
        let _ = writeln!(out, "<url><loc>{}</loc></url>", link(path));
    }
    for (id, changed) in programs {
        let _ = writeln!(out, "<url><loc>{}</loc><lastmod>{changed}</lastmod></url>", link(&format!("/programs/{id}")));
    }
    out.push_str("</urlset>\n");
    out
}

fn not_ready() -> Response {
    error_page(StatusCode::SERVICE_UNAVAILABLE, None)
}

pub async fn sitemap(State(state): State<AppState>) -> Response {
    if !state.search.health().ready {
        return not_ready();
    }
    let programs = programs(&state);
    let pages = pages(&state);
    let Some(files) = program_files(programs.len(), pages.len(), URLS_PER_FILE) else {
        return xml(urlset(&state, &pages, &programs));
    };
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    out.push_str("<sitemapindex xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\n");
    let mut part = |name: &str| {
        let _ = writeln!(
            out,
            "<sitemap><loc>{}</loc></sitemap>",
            escape(&state.accounts.config.link(&format!("/sitemaps/{name}")))
        );
    };
    part("pages.xml");
    for n in 1..=files {
        part(&format!("programs-{n}.xml"));
    }
    out.push_str("</sitemapindex>\n");
    xml(out)
}

/// `/sitemaps/pages.xml` and `/sitemaps/programs-{n}.xml`, the parts of a sitemap index.
pub async fn sitemap_part(State(state): State<AppState>, Path(file): Path<String>) -> Response {
    if !state.search.health().ready {
        return not_ready();
    }
    if file == "pages.xml" {
        return xml(urlset(&state, &pages(&state), &[]));
    }
    let n = file.strip_prefix("programs-").and_then(|s| s.strip_suffix(".xml")).and_then(|n| n.parse::<usize>().ok());
    let programs = programs(&state);
    match n {
        Some(n) if n >= 1 && (n - 1) * URLS_PER_FILE < programs.len() => {
            let end = (n * URLS_PER_FILE).min(programs.len());
            xml(urlset(&state, &[], &programs[(n - 1) * URLS_PER_FILE..end]))
        }
        _ => error_page(StatusCode::NOT_FOUND, None),
    }
}

pub async fn robots(State(state): State<AppState>) -> Response {
    let mut body = String::from("User-agent: *\nAllow: /\n");
    for path in
        ["/api/", "/account", "/orgs", "/billing/", "/admin", "/invitations/", "/verify-email", "/reset-password"]
    {
        let _ = writeln!(body, "Disallow: {path}");
    }
    let _ = writeln!(body, "\nSitemap: {}", state.accounts.config.link("/sitemap.xml"));
    ([(header::CONTENT_TYPE, "text/plain; charset=utf-8"), (header::CACHE_CONTROL, "public, max-age=3600")], body)
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_index_only_past_the_protocol_limit() {
        assert_eq!(program_files(10, 7, URLS_PER_FILE), None);
        assert_eq!(program_files(URLS_PER_FILE - 7, 7, URLS_PER_FILE), None);
        assert_eq!(program_files(URLS_PER_FILE - 6, 7, URLS_PER_FILE), Some(1));
        assert_eq!(program_files(100_000, 7, URLS_PER_FILE), Some(2));
        assert_eq!(program_files(100_001, 7, URLS_PER_FILE), Some(3));
    }
}
