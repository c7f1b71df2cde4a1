//! `POST /api/orgs/{id}/billing/change {plan, cycle}` (owner or admin): an upgrade applies now and
//! charges the pro-rated difference now; a downgrade applies at the end of the paid period; the
//! current plan withdraws a scheduled downgrade.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use chrono::{DateTime, Utc};
use serde::Serialize;

use super::checkout::Choice;
use super::{configured, overview, Overview};
use crate::accounts::caller::ClientIp;
use crate::accounts::Caller;
use crate::api::error::ApiError;
use crate::api::json::Body;
use crate::api::AppState;
use crate::billing::change::{self, Changed};
use crate::orgs::{access, parse_id};

#[derive(Serialize)]
pub struct ChangeView {
    /// `upgraded`, `processing`, `scheduled` or `unchanged`.
    pub result: &'static str,
    /// Charged now, for an upgrade.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub amount: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub amount_label: Option<String>,
    /// When a downgrade applies.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub effective_at: Option<DateTime<Utc>>,
    pub billing: Overview,
}

pub async fn change(
    State(state): State<AppState>,
    caller: Caller,
    ClientIp(ip): ClientIp,
    Path(id): Path<String>,
    Body(choice): Body<Choice>,
) -> Result<(StatusCode, Json<ChangeView>), ApiError> {
    let billing = configured(&state)?;
    let access = access(&**state.db.get().await?, parse_id(&id)?, &caller).await?;
    access.require_manager()?;
    let now = Utc::now();
    let changed = change::change(billing, &state.db, access.organization_id, (choice.plan, choice.cycle), now).await?;
    let (result, amount, effective_at) = match changed {
        Changed::Upgraded { amount } => ("upgraded", Some(amount), None),
        Changed::Processing => ("processing", None, None),
        Changed::Scheduled { at } => ("scheduled", None, Some(at)),
        Changed::Unchanged => ("unchanged", None, None),
    };
    let client = state.db.get().await?;
    crate::audit::record(
        &**client,
        Some(caller.user_id),
        "billing.plan_changed",
        None,
        Some(access.organization_id),
        &ip,
        serde_json::json!({
            "plan": choice.plan.as_str(), "cycle": choice.cycle.as_str(), "result": result, "amount": amount,
        }),
    )
    .await?;
    let status = if changed == Changed::Processing { StatusCode::ACCEPTED } else { StatusCode::OK };
    let view = ChangeView {
        result,
        amount,
        amount_label: amount.map(crate::plans::format_won),
        effective_at,
        billing: overview(&state, &**client, &access, now).await?,
    };
    Ok((status, Json(view)))
}
