//! `/admin/duplicates`: the duplicate groups for staff — each canonical program with the programs
//! grouped under it (source, title, deadline, link), newest or largest first, twenty a page, read
//! through the admin API. Staff split a wrongly grouped program out here; merging programs the
//! grouping missed is done in a program's editor. Anyone who is not staff gets the 404 page.

use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;

use super::program_editor::{group_rows, GroupRow};
use crate::accounts::Admin;
use crate::api::admin::duplicates::{self, ListQuery};
use crate::api::AppState;
use crate::catalog::groups::Order;
use crate::web::error::{not_found_page, PageError};
use crate::web::page::{self, Chrome};
use crate::web::viewer::MaybeViewer;

#[derive(Template)]
#[template(path = "admin_duplicates.html")]
pub struct DuplicatesPage {
    pub page: Chrome,
    /// `newest` or `largest`.
    pub order: &'static str,
    pub total: i64,
    pub current: i64,
    pub total_pages: i64,
    pub groups: Vec<Vec<GroupRow>>,
}

pub async fn show(
    State(state): State<AppState>,
    MaybeViewer(viewer): MaybeViewer,
    Query(query): Query<ListQuery>,
) -> Result<Response, PageError> {
    let Some(viewer) = viewer.filter(|v| v.is_admin()) else {
        return Ok(not_found_page());
    };
    let order = match query.order {
        Order::Newest => "newest",
        Order::Largest => "largest",
    };
    let axum::Json(list) = duplicates::list(State(state), Admin(viewer.caller.clone()), Query(query)).await?;
    let page = DuplicatesPage {
        page: Chrome::private("중복 묶음", Some(viewer)).section("admin"),
        order,
        total: list.total,
        current: list.page,
        total_pages: list.total_pages,
        groups: list.groups.iter().map(|g| group_rows(g, 0)).collect(),
    };
    Ok(page::render(StatusCode::OK, &page, &page.page))
}
