//! `/admin`: scrape progress for administrators — the queues and the latest scrape runs, rendered
//! once on the server and then kept current by `admin.js` over `/api/admin/live`. Anyone else gets
//! the 404 page, as if there were no such page.

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;

use crate::api::AppState;
use crate::web::error::not_found_page;
use crate::web::live::{self, Snapshot};
use crate::web::page::{self, Chrome};
use crate::web::viewer::MaybeViewer;

#[derive(Template)]
#[template(path = "admin.html")]
pub struct AdminPage {
    pub page: Chrome,
    pub snapshot: Snapshot,
}

pub async fn show(State(state): State<AppState>, MaybeViewer(viewer): MaybeViewer) -> Response {
    let Some(viewer) = viewer.filter(|v| v.is_admin()) else {
        return not_found_page();
    };
    let mut chrome = Chrome::private("수집 현황", Some(viewer)).section("admin");
    chrome.scripts.push("admin.js");
    let page = AdminPage { page: chrome, snapshot: live::snapshot(&state).await };
    page::render(StatusCode::OK, &page, &page.page)
}
