//! Plans and billing over HTTP: an organisation's billing page, checkout and its success URL, plan
//! changes, cancellation, refund requests, Toss's webhook, and the staff views. Organisation-scoped
//! handlers start with [`crate::orgs::access`] (non-members get 404); the webhook uses no session and
//! no CSRF token (it never extracts a `Caller`) and trusts only what it re-fetches from Toss. While
//! Toss is not configured every billing endpoint answers 503.

pub mod admin;
pub mod cancel;
pub mod change;
pub mod checkout;
pub mod refund_request;
pub mod show;
pub mod success;
pub mod webhook;

use std::sync::Arc;

use axum::routing::{get, post};
use axum::Router;
use chrono::{DateTime, Utc};
use serde::Serialize;
use tokio_postgres::types::Type;
use tokio_postgres::GenericClient;

use crate::api::error::ApiError;
use crate::api::AppState;
use crate::billing::customer::{self, CardView};
use crate::billing::payment::{self, PaymentView};
use crate::billing::{subscription, Billing, Subscription};
use crate::orgs::Access;
use crate::plans::{self, Cycle, Entitlement, Plan};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/orgs/{id}/billing", get(show::show))
        .route("/api/orgs/{id}/billing/checkout", post(checkout::checkout))
        .route("/api/orgs/{id}/billing/card", post(checkout::card))
        .route("/api/orgs/{id}/billing/change", post(change::change))
        .route("/api/orgs/{id}/billing/cancel", post(cancel::cancel))
        .route("/api/orgs/{id}/billing/refund-request", post(refund_request::create))
        .route("/api/billing/success", get(success::redirect).post(success::complete))
        .route("/api/webhooks/toss", post(webhook::receive))
        .route("/api/admin/subscriptions", get(admin::subscriptions::list))
        .route("/api/admin/payments", get(admin::payments::list))
        .route("/api/admin/payments/{id}/refund", post(admin::refund::refund))
        .route("/api/admin/refund-requests", get(admin::refund_requests::list))
}

/// Toss, or 503 while it is not configured.
pub fn configured(state: &AppState) -> Result<&Arc<Billing>, ApiError> {
    state.billing.as_ref().ok_or_else(|| ApiError::Unavailable(crate::billing::NOT_CONFIGURED.into()))
}

/// One plan on the price list.
#[derive(Serialize)]
pub struct Price {
    pub plan: Plan,
    pub cycle: Cycle,
    pub amount: i64,
    /// `20,900원`.
    pub amount_label: String,
    pub monthly_equivalent: i64,
    pub limits: plans::Limits,
}

pub fn price_list() -> Vec<Price> {
    [Plan::Pro, Plan::Team]
        .into_iter()
        .flat_map(|plan| [Cycle::Monthly, Cycle::Annual].map(|cycle| (plan, cycle)))
        .filter_map(|(plan, cycle)| {
            let amount = plans::price(plan, cycle)?;
            Some(Price {
                plan,
                cycle,
                amount,
                amount_label: plans::format_won(amount),
                monthly_equivalent: plans::monthly_equivalent(plan, cycle),
                limits: plans::limits(plan),
            })
        })
        .collect()
}

/// An organisation's billing page.
#[derive(Serialize)]
pub struct Overview {
    pub organization_id: i64,
    /// What the organisation may use now.
    pub entitlement: Entitlement,
    /// The live subscription (incomplete, active or past due).
    pub subscription: Option<Subscription>,
    pub card: Option<CardView>,
    /// Newest first, up to 50.
    pub payments: Vec<PaymentView>,
    pub prices: Vec<Price>,
    /// Whether payments can be made now.
    pub configured: bool,
}

pub async fn overview<C: GenericClient>(
    state: &AppState,
    client: &C,
    access: &Access,
    now: DateTime<Utc>,
) -> Result<Overview, ApiError> {
    let id = access.organization_id;
    let rows = client
        .query_typed(
            &format!("SELECT {} FROM payments WHERE organization_id = $1 ORDER BY id DESC LIMIT 50", payment::COLUMNS),
            &[(&id, Type::INT8)],
        )
        .await?;
    let payments = rows
        .iter()
        .map(|row| payment::view(&state.accounts.keyring, row, !access.is_member()))
        .collect::<anyhow::Result<Vec<_>>>()?;
    Ok(Overview {
        organization_id: id,
        entitlement: plans::entitlement(client, id, now).await?,
        subscription: subscription::live(client, id, false).await?,
        card: customer::card_view(client, id).await?,
        payments,
        prices: price_list(),
        configured: state.billing.is_some(),
    })
}
