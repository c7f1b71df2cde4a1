//! `GET /api/admin/subscriptions?status=&page=`: every subscription, newest first, with its
//! organisation, the plan it entitles to now and its monthly-equivalent price.

use axum::extract::{Query, State};
use axum::Json;
use chrono::Utc;
use serde::Serialize;
use tokio_postgres::types::Type;

use super::{Page, PAGE_SIZE};
use crate::accounts::caller::ClientIp;
use crate::accounts::Admin;
use crate::api::error::ApiError;
use crate::api::AppState;
use crate::billing::subscription::{self, Subscription};
use crate::billing::Status;
use crate::plans::{self, Entitlement, Plan};

#[derive(Serialize)]
pub struct SubscriptionRow {
    #[serde(flatten)]
    pub subscription: Subscription,
    pub organization_name: String,
    /// The plan this subscription gives now (FREE once ended or out of grace).
    pub entitled_plan: Plan,
    pub monthly_equivalent: i64,
}

pub async fn list(
    State(state): State<AppState>,
    Admin(caller): Admin,
    ClientIp(ip): ClientIp,
    Query(page): Query<Page>,
) -> Result<Json<Vec<SubscriptionRow>>, ApiError> {
    if let Some(status) = page.status.as_deref().filter(|s| Status::parse(s).is_none()) {
        return Err(ApiError::bad("status", format!("알 수 없는 상태입니다: {status}")));
    }
    let client = state.db.get().await?;
    let columns = subscription::COLUMNS.split(',').map(|c| format!("s.{}", c.trim())).collect::<Vec<_>>().join(", ");
    let rows = client
        .query_typed(
            &format!(
                "SELECT {columns}, o.name FROM subscriptions s JOIN organizations o ON o.id = s.organization_id
                  WHERE $1::text IS NULL OR s.status = $1
                  ORDER BY s.id DESC LIMIT $2 OFFSET $3"
            ),
            &[(&page.status, Type::TEXT), (&PAGE_SIZE, Type::INT8), (&page.offset(), Type::INT8)],
        )
        .await?;
    let now = Utc::now();
    let mut out = Vec::with_capacity(rows.len());
    for row in &rows {
        let subscription = Subscription::from_row(row)?;
        let live = matches!(subscription.status, Status::Active | Status::PastDue);
        out.push(SubscriptionRow {
            entitled_plan: Entitlement::of(&subscription.terms(), now).plan,
            monthly_equivalent: if live { plans::monthly_equivalent(subscription.plan, subscription.cycle) } else { 0 },
            organization_name: row.get(15),
            subscription,
        });
    }
    crate::audit::record(
        &**client,
        Some(caller.user_id),
        "admin.subscriptions_listed",
        None,
        None,
        &ip,
        serde_json::json!({ "status": page.status, "page": page.page }),
    )
    .await?;
    Ok(Json(out))
}
