//! `POST /api/orgs/{id}/billing/cancel` (owner or admin): the subscription is not renewed; its plan
//! stays until the end of the paid period, then the organisation is on FREE. A subscription that is
//! past due (or waiting on a declined renewal) ends now. Refunds are separate (a refund request).

use axum::extract::{Path, State};
use axum::Json;
use chrono::{DateTime, Utc};
use serde::Serialize;

use super::{overview, Overview};
use crate::accounts::caller::ClientIp;
use crate::accounts::Caller;
use crate::api::error::ApiError;
use crate::api::AppState;
use crate::billing::change::{self, Cancelled};
use crate::orgs::{access, parse_id};

#[derive(Serialize)]
pub struct CancelView {
    /// `at_period_end` or `now`.
    pub result: &'static str,
    /// Until when the plan can still be used.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub until: Option<DateTime<Utc>>,
    pub billing: Overview,
}

pub async fn cancel(
    State(state): State<AppState>,
    caller: Caller,
    ClientIp(ip): ClientIp,
    Path(id): Path<String>,
) -> Result<Json<CancelView>, ApiError> {
    super::configured(&state)?;
    let access = access(&**state.db.get().await?, parse_id(&id)?, &caller).await?;
    access.require_manager()?;
    let now = Utc::now();
    let cancelled = change::cancel(&state.db, access.organization_id, now).await?;
    let (result, until) = match cancelled {
        Cancelled::AtPeriodEnd { at } => ("at_period_end", Some(at)),
        Cancelled::Now => ("now", None),
    };
    let client = state.db.get().await?;
    crate::audit::record(
        &**client,
        Some(caller.user_id),
        "billing.subscription_canceled",
        None,
        Some(access.organization_id),
        &ip,
        serde_json::json!({ "result": result, "until": until }),
    )
    .await?;
    Ok(Json(CancelView { result, until, billing: overview(&state, &**client, &access, now).await? }))
}
