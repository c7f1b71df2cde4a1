//! `/admin`: scrape progress for administrators — the queues and the latest scrape runs, rendered
//! once on the server and then kept current by `admin.js` over `/api/admin/live`. Anyone else gets
//! the 404 page, as if there were no such page.

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;

use crate::api::admin::jobs::{self, DeadJobView, QUEUES};
use crate::api::AppState;
use crate::web::error::not_found_page;
use crate::web::format;
use crate::web::live::{self, Snapshot};
use crate::web::page::{self, Chrome};
use crate::web::viewer::MaybeViewer;

#[derive(Template)]
#[template(path = "admin.html")]
pub struct AdminPage {
    pub page: Chrome,
    pub snapshot: Snapshot,
    pub dead: Vec<DeadRow>,
    /// Why the dead jobs could not be read, if they could not.
    pub dead_problem: Option<String>,
}

pub struct DeadRow {
    pub queue: &'static str,
    pub queue_label: &'static str,
    pub id: String,
    pub subject: String,
    pub attempts: u32,
    pub last_error: String,
    pub failed_at: String,
}

pub async fn show(State(state): State<AppState>, MaybeViewer(viewer): MaybeViewer) -> Response {
    let Some(viewer) = viewer.filter(|v| v.is_admin()) else {
        return not_found_page();
    };
    let mut chrome = Chrome::private("수집 현황", Some(viewer)).section("admin");
    chrome.scripts.push("admin.js");
    let (dead, dead_problem) = match jobs::dead_jobs(&state, 50).await {
        Ok(dead) => (dead.into_iter().map(dead_row).collect(), None),
        Err(e) => (Vec::new(), Some(e.to_string())),
    };
    let page = AdminPage { page: chrome, snapshot: live::snapshot(&state).await, dead, dead_problem };
    page::render(StatusCode::OK, &page, &page.page)
}

fn dead_row(job: DeadJobView) -> DeadRow {
    DeadRow {
        queue: job.queue,
        queue_label: QUEUES.iter().find(|(q, _)| *q == job.queue).map_or(job.queue, |(_, label)| *label),
        subject: if job.subject.is_empty() { job.kind } else { job.subject },
        id: job.id,
        attempts: job.attempts,
        last_error: job.last_error,
        failed_at: format::datetime(job.failed_at),
    }
}
