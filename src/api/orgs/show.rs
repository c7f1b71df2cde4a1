//! `GET /api/orgs` (the caller's organisations) and `GET /api/orgs/{id}`.

use axum::extract::{Path, State};
use axum::Json;
use tokio_postgres::types::Type;

use super::{view, OrgView};
use crate::accounts::caller::ClientIp;
use crate::accounts::Caller;
use crate::api::error::ApiError;
use crate::api::AppState;
use crate::orgs::{access, parse_id, Access, MemberRole};

pub async fn list(State(state): State<AppState>, caller: Caller) -> Result<Json<Vec<OrgView>>, ApiError> {
    let client = state.db.get().await?;
    let rows = client
        .query_typed(
            "SELECT organization_id, role FROM memberships WHERE user_id = $1 ORDER BY joined_at",
            &[(&caller.user_id, Type::INT8)],
        )
        .await?;
    let mut out = Vec::with_capacity(rows.len());
    for row in rows {
        let access =
            Access { organization_id: row.get(0), role: MemberRole::parse(row.get(1)), staff: caller.is_admin() };
        out.push(view(&**client, &state.accounts.keyring, &access).await?);
    }
    Ok(Json(out))
}

pub async fn show(
    State(state): State<AppState>,
    caller: Caller,
    ClientIp(ip): ClientIp,
    Path(id): Path<String>,
) -> Result<Json<OrgView>, ApiError> {
    let client = state.db.get().await?;
    let access = access(&**client, parse_id(&id)?, &caller).await?;
    if !access.is_member() {
        crate::audit::record(
            &**client,
            Some(caller.user_id),
            "organization.read_by_staff",
            None,
            Some(access.organization_id),
            &ip,
            serde_json::json!({}),
        )
        .await?;
    }
    Ok(Json(view(&**client, &state.accounts.keyring, &access).await?))
}
