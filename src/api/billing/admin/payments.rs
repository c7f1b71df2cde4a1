//! `GET /api/admin/payments?organization_id=&page=`: payments, newest first, with receipts and the
//! tax-invoice details staff need to issue 세금계산서 (the business number opened from its sealed
//! copy; the read is audited). Payments of deleted organisations are kept and listed.

use axum::extract::{Query, State};
use axum::Json;
use tokio_postgres::types::Type;

use super::{Page, PAGE_SIZE};
use crate::accounts::caller::ClientIp;
use crate::accounts::Admin;
use crate::api::error::ApiError;
use crate::api::AppState;
use crate::billing::payment::{self, PaymentView};

pub async fn list(
    State(state): State<AppState>,
    Admin(caller): Admin,
    ClientIp(ip): ClientIp,
    Query(page): Query<Page>,
) -> Result<Json<Vec<PaymentView>>, ApiError> {
    let client = state.db.get().await?;
    let rows = client
        .query_typed(
            &format!(
                "SELECT {} FROM payments WHERE $1::int8 IS NULL OR organization_id = $1
                  ORDER BY id DESC LIMIT $2 OFFSET $3",
                payment::COLUMNS
            ),
            &[(&page.organization_id, Type::INT8), (&PAGE_SIZE, Type::INT8), (&page.offset(), Type::INT8)],
        )
        .await?;
    let payments = rows
        .iter()
        .map(|row| payment::view(&state.accounts.keyring, row, false))
        .collect::<anyhow::Result<Vec<_>>>()?;
    crate::audit::record(
        &**client,
        Some(caller.user_id),
        "admin.payments_listed",
        None,
        page.organization_id,
        &ip,
        serde_json::json!({ "page": page.page, "count": payments.len() }),
    )
    .await?;
    Ok(Json(payments))
}
