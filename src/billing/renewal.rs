//! The billing run of `connect worker` (every 10 minutes, see [`super::job`]), callable with any
//! `now`: ends subscriptions cancelled at their period's end and past-due ones after their grace,
//! claims the renewal charge of every subscription whose period has ended, and settles every charge
//! that is due (new renewals, retries after 1, 3 and 7 days, attempts whose answer was lost).
//!
//! Any number of runs may overlap (several workers, a retried job): a renewal is one row per
//! subscription and period (`UNIQUE (subscription_id, kind, period_start)`), and each attempt is
//! claimed under a row lock before Toss is called.

use chrono::{DateTime, Duration, Utc};
use deadpool_postgres::Pool;
use tokio_postgres::types::Type;

use super::charge::{self, Kind, NewCharge, Outcome};
use super::Billing;
use crate::plans::{self, Cycle, Plan};

/// What one run did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Report {
    /// Subscriptions that reached the end of a cancelled period, or of a past-due grace.
    pub ended: u64,
    /// Renewal charges claimed by this run.
    pub renewals: u64,
    pub paid: u64,
    pub declined: u64,
    /// Attempts whose answer is still unknown.
    pub unknown: u64,
}

/// One billing run at `now`.
pub async fn run(billing: &Billing, db: &Pool, now: DateTime<Utc>) -> anyhow::Result<Report> {
    let mut report = Report { ended: end_periods(db, now).await?, ..Report::default() };
    report.renewals = claim_renewals(db, now).await?;
    let due = {
        let client = db.get().await?;
        client
            .query_typed(
                "SELECT id FROM charges
                  WHERE (status = 'pending' AND next_attempt_at <= $1)
                     OR (status = 'processing' AND locked_until <= $1)
                  ORDER BY next_attempt_at, id",
                &[(&now, Type::TIMESTAMPTZ)],
            )
            .await?
            .iter()
            .map(|row| row.get::<_, i64>(0))
            .collect::<Vec<_>>()
    };
    for charge_id in due {
        match charge::settle(billing, db, charge_id, now).await {
            Ok(Outcome::Paid { .. }) => report.paid += 1,
            Ok(Outcome::Declined { .. }) => report.declined += 1,
            Ok(Outcome::Unknown) => report.unknown += 1,
            Ok(Outcome::Skipped) => {}
            // One charge's failure (a database blip) must not stop the others; it is due again next run.
            Err(e) => tracing::warn!(charge_id, error = %format!("{e:#}"), "charge not settled"),
        }
    }
    if report != Report::default() {
        tracing::info!(?report, "billing run");
    }
    Ok(report)
}

/// Cancelled subscriptions whose period ended become `canceled`; past-due ones whose grace ended
/// become `expired` (the entitlement already fell back to FREE at those moments; this records it).
async fn end_periods(db: &Pool, now: DateTime<Utc>) -> anyhow::Result<u64> {
    let client = db.get().await?;
    let cancelled = client
        .execute_typed(
            "UPDATE subscriptions SET status = 'canceled', ended_at = current_period_end, updated_at = $1
              WHERE status = 'active' AND cancel_at_period_end AND current_period_end <= $1",
            &[(&now, Type::TIMESTAMPTZ)],
        )
        .await?;
    let grace_start = now - Duration::days(plans::PAST_DUE_GRACE_DAYS);
    let expired = client
        .query_typed(
            "UPDATE subscriptions SET status = 'expired', ended_at = $1, updated_at = $1
              WHERE status = 'past_due' AND past_due_since <= $2 RETURNING id",
            &[(&now, Type::TIMESTAMPTZ), (&grace_start, Type::TIMESTAMPTZ)],
        )
        .await?;
    for row in &expired {
        super::subscription::end(&**client, row.get(0), super::Status::Expired, now).await?;
    }
    Ok(cancelled + expired.len() as u64)
}

/// Claims the renewal of every active, not cancelled subscription whose period has ended, at the
/// price of its next plan (a downgrade waiting for the period's end applies here).
async fn claim_renewals(db: &Pool, now: DateTime<Utc>) -> anyhow::Result<u64> {
    let client = db.get().await?;
    let rows = client
        .query_typed(
            "SELECT s.id, s.current_period_end, coalesce(s.pending_plan, s.plan), coalesce(s.pending_cycle, s.cycle)
               FROM subscriptions s
              WHERE s.status = 'active' AND NOT s.cancel_at_period_end AND s.current_period_end <= $1
                AND NOT EXISTS (SELECT 1 FROM charges c WHERE c.subscription_id = s.id AND c.kind = 'renewal'
                                   AND c.period_start = s.current_period_end)",
            &[(&now, Type::TIMESTAMPTZ)],
        )
        .await?;
    let mut claimed = 0;
    for row in rows {
        let (Some(plan), Some(cycle)) = (Plan::parse(row.get(2)), Cycle::parse(row.get(3))) else { continue };
        let Some(amount) = plans::price(plan, cycle) else { continue };
        let start: DateTime<Utc> = row.get(1);
        let renewal = NewCharge {
            subscription_id: row.get(0),
            kind: Kind::Renewal,
            period_start: start,
            period_end: plans::period_end(start, cycle),
            plan,
            cycle,
            amount,
            due: start,
        };
        if charge::insert(&**client, &renewal).await?.is_some() {
            claimed += 1;
        }
    }
    Ok(claimed)
}
