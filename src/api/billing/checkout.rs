//! `POST /api/orgs/{id}/billing/checkout {plan, cycle}` (owner or admin): what the browser SDK needs
//! to register a card — the client key, the organisation's `customerKey`, and the success and fail
//! URLs — for the chosen plan. `POST /api/orgs/{id}/billing/card`: the same, to replace the card of
//! the live subscription.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::configured;
use crate::accounts::caller::ClientIp;
use crate::accounts::Caller;
use crate::api::error::ApiError;
use crate::api::json::Body;
use crate::api::AppState;
use crate::billing::checkout::{self, Purpose};
use crate::orgs::{access, parse_id};
use crate::plans::{self, Cycle, Plan};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Choice {
    pub plan: Plan,
    pub cycle: Cycle,
}

#[derive(Serialize)]
pub struct CheckoutView {
    pub checkout_id: i64,
    /// For the SDK: `TossPayments(client_key).payment({customerKey}).requestBillingAuth(…)`.
    pub client_key: String,
    pub customer_key: String,
    pub success_url: String,
    pub fail_url: String,
    pub plan: Option<Plan>,
    pub cycle: Option<Cycle>,
    /// What the first charge will be (none for a card change).
    pub amount: Option<i64>,
    pub amount_label: Option<String>,
    pub order_name: Option<String>,
    pub expires_at: DateTime<Utc>,
}

pub async fn checkout(
    State(state): State<AppState>,
    caller: Caller,
    ClientIp(ip): ClientIp,
    Path(id): Path<String>,
    Body(choice): Body<Choice>,
) -> Result<(StatusCode, Json<CheckoutView>), ApiError> {
    start(&state, &caller, &ip, &id, Purpose::Subscribe { plan: choice.plan, cycle: choice.cycle }).await
}

pub async fn card(
    State(state): State<AppState>,
    caller: Caller,
    ClientIp(ip): ClientIp,
    Path(id): Path<String>,
) -> Result<(StatusCode, Json<CheckoutView>), ApiError> {
    start(&state, &caller, &ip, &id, Purpose::Card).await
}

async fn start(
    state: &AppState,
    caller: &Caller,
    ip: &str,
    id: &str,
    purpose: Purpose,
) -> Result<(StatusCode, Json<CheckoutView>), ApiError> {
    let billing = configured(state)?;
    let client = state.db.get().await?;
    let access = access(&**client, parse_id(id)?, caller).await?;
    access.require_manager()?;
    let now = Utc::now();
    let started = checkout::start(&**client, access.organization_id, caller.user_id, purpose, now).await?;
    let (plan, cycle) = match purpose {
        Purpose::Subscribe { plan, cycle } => (Some(plan), Some(cycle)),
        Purpose::Card => (None, None),
    };
    let amount = plan.zip(cycle).and_then(|(plan, cycle)| plans::price(plan, cycle));
    crate::audit::record(
        &**client,
        Some(caller.user_id),
        "billing.checkout_started",
        None,
        Some(access.organization_id),
        ip,
        serde_json::json!({
            "checkout_id": started.checkout_id, "plan": plan.map(Plan::as_str), "cycle": cycle.map(Cycle::as_str),
        }),
    )
    .await?;
    let view = CheckoutView {
        checkout_id: started.checkout_id,
        client_key: billing.toss.client_key().to_string(),
        customer_key: started.customer_key,
        success_url: billing.link(&format!("/api/billing/success?checkout={}", started.checkout_id)),
        fail_url: billing.link(&format!("/billing/fail?checkout={}", started.checkout_id)),
        plan,
        cycle,
        amount,
        amount_label: amount.map(plans::format_won),
        order_name: plan.zip(cycle).map(|(plan, cycle)| plans::order_name(plan, cycle)),
        expires_at: started.expires_at,
    };
    Ok((StatusCode::CREATED, Json(view)))
}
