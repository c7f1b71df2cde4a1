//! `POST /api/orgs/{id}/billing/refund-request {payment_id?, reason}` (owner or admin): asks staff for
//! a refund of one of the organisation's payments (the latest by default), with the amount the
//! refund rules give today. One open request per payment; asking again returns it.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use tokio_postgres::types::Type;

use crate::accounts::caller::ClientIp;
use crate::accounts::Caller;
use crate::api::error::ApiError;
use crate::api::json::Body;
use crate::api::AppState;
use crate::billing::refund::{self, Decision};
use crate::orgs::{access, parse_id};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewRequest {
    pub payment_id: Option<i64>,
    pub reason: String,
}

#[derive(Serialize)]
pub struct RequestView {
    pub id: i64,
    pub payment_id: i64,
    pub reason: String,
    pub status: String,
    pub created_at: DateTime<Utc>,
    /// What the refund rules give back today.
    pub estimate: Decision,
    pub estimate_label: String,
}

const NO_PAYMENT: ApiError = ApiError::NotFound("결제를 찾을 수 없습니다");

pub async fn create(
    State(state): State<AppState>,
    caller: Caller,
    ClientIp(ip): ClientIp,
    Path(id): Path<String>,
    Body(form): Body<NewRequest>,
) -> Result<(StatusCode, Json<RequestView>), ApiError> {
    let reason = form.reason.trim().to_string();
    if reason.is_empty() || reason.chars().count() > 500 {
        return Err(ApiError::bad("reason", "환불 사유를 1자 이상 500자 이하로 적어 주세요"));
    }
    let mut client = state.db.get().await?;
    let tx = client.transaction().await?;
    let access = access(&*tx, parse_id(&id)?, &caller).await?;
    access.require_manager()?;
    let payments = tx
        .query_typed(
            "SELECT id FROM payments WHERE organization_id = $1 AND balance_amount > 0 AND ($2::int8 IS NULL OR id = $2)
              ORDER BY id DESC LIMIT 1",
            &[(&access.organization_id, Type::INT8), (&form.payment_id, Type::INT8)],
        )
        .await?;
    let payment_id: i64 = payments.first().ok_or(NO_PAYMENT)?.get(0);
    let now = Utc::now();
    let inserted = tx
        .query_typed(
            "INSERT INTO refund_requests (organization_id, user_id, payment_id, reason, created_at)
             VALUES ($1, $2, $3, $4, $5) ON CONFLICT (payment_id) WHERE status = 'open' DO NOTHING RETURNING id",
            &[
                (&access.organization_id, Type::INT8),
                (&caller.user_id, Type::INT8),
                (&payment_id, Type::INT8),
                (&reason, Type::TEXT),
                (&now, Type::TIMESTAMPTZ),
            ],
        )
        .await?;
    let created = !inserted.is_empty();
    let rows = tx
        .query_typed(
            "SELECT id, reason, status, created_at FROM refund_requests WHERE payment_id = $1 AND status = 'open'",
            &[(&payment_id, Type::INT8)],
        )
        .await?;
    let row = rows.first().ok_or_else(|| anyhow::anyhow!("refund request vanished"))?;
    let estimate = refund::estimate(&*tx, payment_id, now).await?;
    if created {
        crate::audit::record(
            &*tx,
            Some(caller.user_id),
            "billing.refund_requested",
            None,
            Some(access.organization_id),
            &ip,
            serde_json::json!({ "payment_id": payment_id, "estimate": estimate.amount }),
        )
        .await?;
    }
    tx.commit().await?;
    let view = RequestView {
        id: row.get(0),
        payment_id,
        reason: row.get(1),
        status: row.get(2),
        created_at: row.get(3),
        estimate_label: crate::plans::format_won(estimate.amount),
        estimate,
    };
    Ok((if created { StatusCode::CREATED } else { StatusCode::OK }, Json(view)))
}
