//! `POST /api/admin/payments/{id}/refund {reason, amount?, end_subscription?}`: refunds a payment at
//! Toss. The amount is the refund rules' (`billing::refund::refundable`) unless a SUPER_ADMIN gives
//! another; a refund of the current period ends the subscription now unless `end_subscription` is
//! false. Open refund requests of the payment are marked refunded. Audited.

use axum::extract::{Path, State};
use axum::Json;
use serde::Deserialize;

use crate::accounts::caller::ClientIp;
use crate::accounts::{Admin, Role};
use crate::api::billing::configured;
use crate::api::error::ApiError;
use crate::api::json::Body;
use crate::api::AppState;
use crate::billing::refund::{self, Order, Refunded};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RefundForm {
    pub reason: String,
    /// Another amount than the rules' (SUPER_ADMIN only).
    pub amount: Option<i64>,
    pub end_subscription: Option<bool>,
}

pub async fn refund(
    State(state): State<AppState>,
    Admin(caller): Admin,
    ClientIp(ip): ClientIp,
    Path(id): Path<String>,
    Body(form): Body<RefundForm>,
) -> Result<Json<Refunded>, ApiError> {
    let billing = configured(&state)?;
    let payment_id: i64 = id.parse().map_err(|_| ApiError::NotFound("결제를 찾을 수 없습니다"))?;
    if form.amount.is_some() && caller.role < Role::SuperAdmin {
        return Err(ApiError::Forbidden("환불 금액을 직접 정하는 것은 최고 관리자만 할 수 있습니다"));
    }
    let reason = form.reason.trim();
    // Toss takes a cancel reason of up to 200 characters.
    if reason.is_empty() || reason.chars().count() > 200 {
        return Err(ApiError::bad("reason", "환불 사유를 1자 이상 200자 이하로 적어 주세요"));
    }
    let order = Order {
        payment_id,
        amount: form.amount,
        reason,
        end_subscription: form.end_subscription.unwrap_or(true),
        actor: caller.user_id,
        ip: &ip,
    };
    Ok(Json(refund::refund(billing, &state.db, &order, chrono::Utc::now()).await?))
}
