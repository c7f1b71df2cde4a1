//! `GET /api/admin/refund-requests?status=open|refunded|rejected&page=`: users' refund requests
//! (open ones by default), oldest first, with what the refund rules give back today.

use axum::extract::{Query, State};
use axum::Json;
use chrono::{DateTime, Utc};
use serde::Serialize;
use tokio_postgres::types::Type;

use super::{Page, PAGE_SIZE};
use crate::accounts::caller::ClientIp;
use crate::accounts::Admin;
use crate::api::error::ApiError;
use crate::api::AppState;
use crate::billing::refund::{self, Decision};

#[derive(Serialize)]
pub struct RequestRow {
    pub id: i64,
    pub organization_id: Option<i64>,
    pub organization_name: Option<String>,
    pub user_id: Option<i64>,
    pub payment_id: i64,
    pub order_name: String,
    pub amount: i64,
    pub balance_amount: i64,
    pub reason: String,
    pub status: String,
    pub created_at: DateTime<Utc>,
    pub resolved_at: Option<DateTime<Utc>>,
    pub estimate: Decision,
    pub estimate_label: String,
}

pub async fn list(
    State(state): State<AppState>,
    Admin(caller): Admin,
    ClientIp(ip): ClientIp,
    Query(page): Query<Page>,
) -> Result<Json<Vec<RequestRow>>, ApiError> {
    let status = page.status.clone().unwrap_or_else(|| "open".into());
    if !["open", "refunded", "rejected"].contains(&status.as_str()) {
        return Err(ApiError::bad("status", "상태는 open, refunded, rejected 중 하나여야 합니다"));
    }
    let client = state.db.get().await?;
    let rows = client
        .query_typed(
            "SELECT r.id, r.organization_id, o.name, r.user_id, r.payment_id, p.order_name, p.amount, p.balance_amount,
                    r.reason, r.status, r.created_at, r.resolved_at
               FROM refund_requests r JOIN payments p ON p.id = r.payment_id
               LEFT JOIN organizations o ON o.id = r.organization_id
              WHERE r.status = $1 ORDER BY r.id LIMIT $2 OFFSET $3",
            &[(&status, Type::TEXT), (&PAGE_SIZE, Type::INT8), (&page.offset(), Type::INT8)],
        )
        .await?;
    let now = Utc::now();
    let mut out = Vec::with_capacity(rows.len());
    for row in &rows {
        let estimate = refund::estimate(&**client, row.get(4), now).await?;
        out.push(RequestRow {
            id: row.get(0),
            organization_id: row.get(1),
            organization_name: row.get(2),
            user_id: row.get(3),
            payment_id: row.get(4),
            order_name: row.get(5),
            amount: row.get(6),
            balance_amount: row.get(7),
            reason: row.get(8),
            status: row.get(9),
            created_at: row.get(10),
            resolved_at: row.get(11),
            estimate_label: crate::plans::format_won(estimate.amount),
            estimate,
        });
    }
    crate::audit::record(
        &**client,
        Some(caller.user_id),
        "admin.refund_requests_listed",
        None,
        None,
        &ip,
        serde_json::json!({ "status": status, "page": page.page }),
    )
    .await?;
    Ok(Json(out))
}
