//! `/admin/stats`: the spec's business figures for staff — registrations, organisations, matches
//! and scraping success — read from PostgreSQL when the page is opened. Anyone else gets the 404
//! page, as for `/admin`.

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use tokio_postgres::types::Type;

use crate::api::AppState;
use crate::web::error::{not_found_page, PageError};
use crate::web::page::{self, Chrome};
use crate::web::viewer::MaybeViewer;

pub struct SourceRow {
    pub source: String,
    pub succeeded: i64,
    pub failed: i64,
    /// `97.5%`, or `-` without a finished run.
    pub success: String,
}

#[derive(Template)]
#[template(path = "admin_stats.html")]
pub struct Stats {
    pub page: Chrome,
    pub users: i64,
    pub users_7d: i64,
    pub users_30d: i64,
    pub verified: i64,
    pub organizations: i64,
    pub paying: i64,
    pub programs_open: i64,
    pub matches: i64,
    pub eligible: i64,
    pub matched_orgs: i64,
    pub sources: Vec<SourceRow>,
}

const FIGURES: &str = "SELECT
    (SELECT count(*) FROM users WHERE deleted_at IS NULL),
    (SELECT count(*) FROM users WHERE deleted_at IS NULL AND created_at > now() - interval '7 days'),
    (SELECT count(*) FROM users WHERE deleted_at IS NULL AND created_at > now() - interval '30 days'),
    (SELECT count(*) FROM users WHERE deleted_at IS NULL AND email_verified_at IS NOT NULL),
    (SELECT count(*) FROM organizations),
    (SELECT count(DISTINCT organization_id) FROM subscriptions WHERE status IN ('active', 'past_due')),
    (SELECT count(*) FROM programs WHERE removed_at IS NULL AND canonical_id IS NULL
        AND (period_end IS NULL OR period_end >= $1)),
    (SELECT count(*) FROM matches),
    (SELECT count(*) FROM matches WHERE gate = 'eligible'),
    (SELECT count(DISTINCT organization_id) FROM matches)";

pub async fn show(State(state): State<AppState>, MaybeViewer(viewer): MaybeViewer) -> Result<Response, PageError> {
    let Some(viewer) = viewer.filter(|v| v.is_admin()) else {
        return Ok(not_found_page());
    };
    let client = state.db.get().await?;
    let today = crate::catalog::status::Clock::now().today();
    let f = client.query_typed(FIGURES, &[(&today, Type::DATE)]).await?.remove(0);
    let sources = client
        .query_typed(
            "SELECT source, count(*) FILTER (WHERE status IN ('succeeded', 'not_modified')),
                    count(*) FILTER (WHERE status = 'failed')
               FROM scrape_runs WHERE started_at > now() - interval '7 days'
              GROUP BY source ORDER BY source",
            &[],
        )
        .await?
        .iter()
        .map(|r| {
            let (succeeded, failed): (i64, i64) = (r.get(1), r.get(2));
            let finished = succeeded + failed;
            SourceRow {
                source: r.get(0),
                succeeded,
                failed,
                success: if finished == 0 {
                    "-".into()
                } else {
                    format!("{:.1}%", succeeded as f64 * 100.0 / finished as f64)
                },
            }
        })
        .collect();
    let page = Stats {
        page: Chrome::private("통계", Some(viewer)).section("admin"),
        users: f.get(0),
        users_7d: f.get(1),
        users_30d: f.get(2),
        verified: f.get(3),
        organizations: f.get(4),
        paying: f.get(5),
        programs_open: f.get(6),
        matches: f.get(7),
        eligible: f.get(8),
        matched_orgs: f.get(9),
        sources,
    };
    Ok(page::render(StatusCode::OK, &page, &page.page))
}
