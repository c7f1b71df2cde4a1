//! `GET /api/orgs/{id}/billing`: the plan the organisation may use now, its subscription, card,
//! payments (with receipts and tax-invoice details) and the price list. Members, and staff (business
//! numbers masked, the read audited).

use axum::extract::{Path, State};
use axum::Json;

use super::{overview, Overview};
use crate::accounts::caller::ClientIp;
use crate::accounts::Caller;
use crate::api::error::ApiError;
use crate::api::AppState;
use crate::orgs::{access, parse_id};

pub async fn show(
    State(state): State<AppState>,
    caller: Caller,
    ClientIp(ip): ClientIp,
    Path(id): Path<String>,
) -> Result<Json<Overview>, ApiError> {
    let client = state.db.get().await?;
    let access = access(&**client, parse_id(&id)?, &caller).await?;
    if !access.is_member() {
        crate::audit::record(
            &**client,
            Some(caller.user_id),
            "organization.billing_read_by_staff",
            None,
            Some(access.organization_id),
            &ip,
            serde_json::json!({}),
        )
        .await?;
    }
    Ok(Json(overview(&state, &**client, &access, chrono::Utc::now()).await?))
}
