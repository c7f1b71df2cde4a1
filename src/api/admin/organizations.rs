//! `GET /api/admin/organizations?page=`: every organisation for staff, business numbers masked.

use axum::extract::{Query, State};
use axum::Json;
use serde::Deserialize;
use tokio_postgres::types::Type;

use crate::accounts::caller::ClientIp;
use crate::accounts::Admin;
use crate::api::error::ApiError;
use crate::api::orgs::{view, OrgView};
use crate::api::AppState;
use crate::orgs::Access;

#[derive(Deserialize)]
pub struct Page {
    pub page: Option<i64>,
}

pub async fn list(
    State(state): State<AppState>,
    Admin(caller): Admin,
    ClientIp(ip): ClientIp,
    Query(page): Query<Page>,
) -> Result<Json<Vec<OrgView>>, ApiError> {
    let offset = (page.page.unwrap_or(1).max(1) - 1) * 50;
    let client = state.db.get().await?;
    let rows = client
        .query_typed("SELECT id FROM organizations ORDER BY id DESC LIMIT 50 OFFSET $1", &[(&offset, Type::INT8)])
        .await?;
    let mut out = Vec::with_capacity(rows.len());
    for row in rows {
        let access = Access { organization_id: row.get(0), role: None, staff: true };
        out.push(view(&**client, &state.accounts.keyring, &access).await?);
    }
    crate::audit::record(
        &**client,
        Some(caller.user_id),
        "admin.organizations_listed",
        None,
        None,
        &ip,
        serde_json::json!({}),
    )
    .await?;
    Ok(Json(out))
}
