//! A subscription: an organisation's paid plan, its status and its current period.

use chrono::{DateTime, Utc};
use serde::Serialize;
use tokio_postgres::types::Type;
use tokio_postgres::{GenericClient, Row};

use crate::plans::{Cycle, Plan, Terms};

/// Where a subscription stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Created at checkout; the first charge is not paid yet. Entitles to nothing.
    Incomplete,
    /// Paid for the current period (and perhaps cancelled at its end, or renewing).
    Active,
    /// Every retry of the renewal failed; usable for a grace period.
    PastDue,
    /// Ended by the customer (at the period's end) or by a refund.
    Canceled,
    /// Ended for lack of payment.
    Expired,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Incomplete => "incomplete",
            Status::Active => "active",
            Status::PastDue => "past_due",
            Status::Canceled => "canceled",
            Status::Expired => "expired",
        }
    }

    pub fn parse(s: &str) -> Option<Status> {
        [Status::Incomplete, Status::Active, Status::PastDue, Status::Canceled, Status::Expired]
            .into_iter()
            .find(|status| status.as_str() == s)
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Subscription {
    pub id: i64,
    pub organization_id: i64,
    #[serde(skip)]
    pub user_id: Option<i64>,
    pub plan: Plan,
    pub cycle: Cycle,
    pub status: Status,
    pub current_period_start: Option<DateTime<Utc>>,
    pub current_period_end: Option<DateTime<Utc>>,
    pub cancel_at_period_end: bool,
    /// A downgrade that applies at the next renewal.
    pub pending_plan: Option<Plan>,
    pub pending_cycle: Option<Cycle>,
    pub past_due_since: Option<DateTime<Utc>>,
    pub canceled_at: Option<DateTime<Utc>>,
    pub ended_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
}

/// The columns [`Subscription::from_row`] reads, in order.
pub const COLUMNS: &str = "id, organization_id, user_id, plan, cycle, status, current_period_start, current_period_end,
    cancel_at_period_end, pending_plan, pending_cycle, past_due_since, canceled_at, ended_at, created_at";

impl Subscription {
    pub fn from_row(row: &Row) -> anyhow::Result<Subscription> {
        let coded = |i: usize| -> String { row.get(i) };
        Ok(Subscription {
            id: row.get(0),
            organization_id: row.get(1),
            user_id: row.get(2),
            plan: Plan::parse(&coded(3)).ok_or_else(|| anyhow::anyhow!("unknown plan"))?,
            cycle: Cycle::parse(&coded(4)).ok_or_else(|| anyhow::anyhow!("unknown cycle"))?,
            status: Status::parse(&coded(5)).ok_or_else(|| anyhow::anyhow!("unknown subscription status"))?,
            current_period_start: row.get(6),
            current_period_end: row.get(7),
            cancel_at_period_end: row.get(8),
            pending_plan: row.get::<_, Option<String>>(9).as_deref().and_then(Plan::parse),
            pending_cycle: row.get::<_, Option<String>>(10).as_deref().and_then(Cycle::parse),
            past_due_since: row.get(11),
            canceled_at: row.get(12),
            ended_at: row.get(13),
            created_at: row.get(14),
        })
    }

    pub fn terms(&self) -> Terms {
        Terms {
            plan: self.plan,
            status: self.status,
            period_end: self.current_period_end,
            cancel_at_period_end: self.cancel_at_period_end,
            past_due_since: self.past_due_since,
        }
    }
}

/// The organisation's live (incomplete, active or past-due) subscription; with `lock`, the row is
/// locked for the rest of the transaction.
pub async fn live<C: GenericClient>(
    client: &C,
    organization_id: i64,
    lock: bool,
) -> anyhow::Result<Option<Subscription>> {
    let sql = format!(
        "SELECT {COLUMNS} FROM subscriptions
          WHERE organization_id = $1 AND status IN ('incomplete', 'active', 'past_due'){}",
        if lock { " FOR UPDATE" } else { "" }
    );
    let rows = client.query_typed(&sql, &[(&organization_id, Type::INT8)]).await?;
    rows.first().map(Subscription::from_row).transpose()
}

/// The organisation's subscriptions, newest first (live and ended).
pub async fn history<C: GenericClient>(client: &C, organization_id: i64) -> anyhow::Result<Vec<Subscription>> {
    let sql = format!("SELECT {COLUMNS} FROM subscriptions WHERE organization_id = $1 ORDER BY id DESC LIMIT 20");
    let rows = client.query_typed(&sql, &[(&organization_id, Type::INT8)]).await?;
    rows.iter().map(Subscription::from_row).collect()
}

/// Ends a subscription now with `status` (canceled or expired) and voids its charges not yet sent.
pub async fn end<C: GenericClient>(
    client: &C,
    subscription_id: i64,
    status: Status,
    now: DateTime<Utc>,
) -> Result<(), tokio_postgres::Error> {
    client
        .execute_typed(
            "UPDATE subscriptions SET status = $2, ended_at = $3, canceled_at = coalesce(canceled_at, $3), updated_at = $3
              WHERE id = $1 AND status IN ('incomplete', 'active', 'past_due')",
            &[(&subscription_id, Type::INT8), (&status.as_str(), Type::TEXT), (&now, Type::TIMESTAMPTZ)],
        )
        .await?;
    client
        .execute_typed(
            "UPDATE charges SET status = 'void', updated_at = $2 WHERE subscription_id = $1 AND status = 'pending'",
            &[(&subscription_id, Type::INT8), (&now, Type::TIMESTAMPTZ)],
        )
        .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::Status;

    #[test]
    fn statuses_round_trip() {
        for status in [Status::Incomplete, Status::Active, Status::PastDue, Status::Canceled, Status::Expired] {
            assert_eq!(Status::parse(status.as_str()), Some(status));
        }
        assert_eq!(Status::parse("trialing"), None);
    }
}
