//! `/admin/users`: people and organisations for staff, read through the audited admin API (every
//! view is in the audit log). A SUPER_ADMIN changes roles here (`PATCH /api/admin/users/{id}`);
//! others see the roles only. Anyone who is not staff gets the 404 page.

use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;

use super::account::role_label;
use crate::accounts::caller::ClientIp;
use crate::accounts::{Admin, Role};
use crate::api::admin::{organizations, users};
use crate::api::AppState;
use crate::web::error::{not_found_page, PageError};
use crate::web::format;
use crate::web::page::{self, Chrome};
use crate::web::viewer::MaybeViewer;

pub struct PersonRow {
    pub id: i64,
    pub email: String,
    pub name: String,
    pub role: &'static str,
    pub role_code: &'static str,
    pub verified: bool,
    pub deleted: bool,
    pub created_at: String,
}

pub struct OrgRow {
    pub id: i64,
    pub name: String,
    pub plan: &'static str,
    pub seats: String,
    pub completeness: u8,
    pub created_at: String,
}

#[derive(Template)]
#[template(path = "admin_users.html")]
pub struct People {
    pub page: Chrome,
    pub q: String,
    pub people: Vec<PersonRow>,
    pub orgs: Vec<OrgRow>,
    pub can_change_roles: bool,
    pub roles: [(&'static str, &'static str); 3],
}

pub async fn show(
    State(state): State<AppState>,
    MaybeViewer(viewer): MaybeViewer,
    ClientIp(ip): ClientIp,
    Query(query): Query<users::UserQuery>,
) -> Result<Response, PageError> {
    let Some(viewer) = viewer.filter(|v| v.is_admin()) else {
        return Ok(not_found_page());
    };
    let admin = || Admin(viewer.caller.clone());
    let q = query.q.clone().unwrap_or_default();
    let axum::Json(people) = users::list(State(state.clone()), admin(), ClientIp(ip.clone()), Query(query)).await?;
    let axum::Json(orgs) =
        organizations::list(State(state.clone()), admin(), ClientIp(ip), Query(organizations::Page { page: None }))
            .await?;
    let can_change_roles = viewer.caller.role >= Role::SuperAdmin;
    let page = People {
        page: Chrome::private("회원과 기관", Some(viewer)).section("admin"),
        q,
        people: people
            .into_iter()
            .map(|u| PersonRow {
                id: u.id,
                email: u.email.unwrap_or_else(|| "(이메일 없음)".into()),
                name: u.name.unwrap_or_default(),
                role: role_label(u.role),
                role_code: u.role.as_str(),
                verified: u.email_verified,
                deleted: u.deleted,
                created_at: format::datetime(u.created_at),
            })
            .collect(),
        orgs: orgs
            .into_iter()
            .map(|o| OrgRow {
                id: o.id,
                name: o.name,
                plan: o.plan.as_str(),
                seats: format!("{}/{}", o.seats.used, o.seats.limit),
                completeness: o.completeness.score,
                created_at: format::datetime(o.created_at),
            })
            .collect(),
        can_change_roles,
        roles: [
            ("USER", role_label(Role::User)),
            ("ADMIN", role_label(Role::Admin)),
            ("SUPER_ADMIN", role_label(Role::SuperAdmin)),
        ],
    };
    Ok(page::render(StatusCode::OK, &page, &page.page))
}
