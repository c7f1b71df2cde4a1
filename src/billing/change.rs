//! Changing a live subscription: upgrades take effect now and are charged now, pro rata; downgrades
//! and cancellations take effect at the end of the paid period.
//!
//! Pro rata counts KST days, today included (the upgraded plan is used today):
//! - same cycle (PRO → TEAM monthly): (new price − old price) × remaining days ÷ days of the period;
//!   the period is unchanged;
//! - monthly → annual (same or higher plan): the annual price minus what is left of the month
//!   (old price × remaining ÷ period days), and a new annual period starts now.
//!
//! An annual plan becomes monthly only at the end of its period (as a downgrade); a higher plan with
//! a shorter cycle is refused (upgrade within the annual cycle first). Amounts below Toss's minimum
//! of 100원 are not charged.

use chrono::{DateTime, Utc};
use deadpool_postgres::Pool;
use tokio_postgres::types::Type;

use super::charge::{self, Kind, NewCharge, Outcome};
use super::payment::{self, Paid};
use super::{kst_day, subscription, Billing, Status};
use crate::api::error::ApiError;
use crate::plans::{self, Cycle, Plan};

/// Toss's smallest card payment.
pub const MIN_CHARGE: i64 = 100;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    Same,
    /// Now, charged pro rata.
    Upgrade,
    /// At the end of the period.
    Downgrade,
}

/// Which way `from` → `to` goes; `None` when refused (higher plan, shorter cycle).
pub fn classify(from: (Plan, Cycle), to: (Plan, Cycle)) -> Option<Direction> {
    let shorter = from.1 == Cycle::Annual && to.1 == Cycle::Monthly;
    let longer = from.1 == Cycle::Monthly && to.1 == Cycle::Annual;
    match to.0.rank().cmp(&from.0.rank()) {
        std::cmp::Ordering::Greater if shorter => None,
        std::cmp::Ordering::Greater => Some(Direction::Upgrade),
        std::cmp::Ordering::Equal if longer => Some(Direction::Upgrade),
        std::cmp::Ordering::Equal if shorter => Some(Direction::Downgrade),
        std::cmp::Ordering::Equal => Some(Direction::Same),
        std::cmp::Ordering::Less => Some(Direction::Downgrade),
    }
}

/// What an upgrade costs now and the period it leaves the subscription with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Proration {
    pub amount: i64,
    pub period_start: DateTime<Utc>,
    pub period_end: DateTime<Utc>,
}

/// The charge of upgrading `from` (paid for `start`..`end`) to `to` at `now`.
pub fn prorate(
    from: (Plan, Cycle),
    to: (Plan, Cycle),
    start: DateTime<Utc>,
    end: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Proration {
    let total = (kst_day(end) - kst_day(start)).num_days().max(1);
    let remaining = (kst_day(end) - kst_day(now)).num_days().clamp(0, total);
    let old = plans::price(from.0, from.1).unwrap_or(0);
    let new = plans::price(to.0, to.1).unwrap_or(0);
    if from.1 == to.1 {
        Proration { amount: ((new - old) * remaining / total).max(0), period_start: now, period_end: end }
    } else {
        let credit = old * remaining / total;
        Proration { amount: (new - credit).max(0), period_start: now, period_end: plans::period_end(now, to.1) }
    }
}

/// What a change did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Changed {
    /// Upgraded now; `amount` won charged.
    Upgraded { amount: i64 },
    /// The upgrade's answer was lost; settled in the background.
    Processing,
    /// Takes effect at `at`, the end of the period.
    Scheduled { at: DateTime<Utc> },
    /// Already on that plan (a scheduled downgrade is withdrawn).
    Unchanged,
}

fn no_subscription() -> ApiError {
    ApiError::NotFound("구독 중인 요금제가 없습니다")
}

fn busy() -> ApiError {
    ApiError::Conflict("결제를 처리하고 있습니다. 잠시 후 다시 시도해 주세요".into())
}

/// Changes the organisation's subscription to `to`.
pub async fn change(
    billing: &Billing,
    db: &Pool,
    organization_id: i64,
    to: (Plan, Cycle),
    now: DateTime<Utc>,
) -> Result<Changed, ApiError> {
    if plans::price(to.0, to.1).is_none() {
        return Err(ApiError::bad(
            "plan",
            "무료 요금제로 바꾸려면 구독을 해지해 주세요. 기간이 끝나면 무료 요금제가 됩니다",
        ));
    }
    let mut client = db.get().await?;
    let tx = client.transaction().await?;
    let sub = subscription::live(&*tx, organization_id, true).await?.ok_or_else(no_subscription)?;
    let (Some(start), Some(end)) = (sub.current_period_start, sub.current_period_end) else {
        return Err(busy());
    };
    if sub.status != Status::Active {
        return Err(ApiError::Conflict(
            "미납 상태에서는 요금제를 바꿀 수 없습니다. 먼저 결제 카드를 다시 등록해 주세요".into(),
        ));
    }
    if end <= now || charge::open_charges(&*tx, sub.id).await? > 0 {
        return Err(busy());
    }
    let from = (sub.plan, sub.cycle);
    let direction = classify(from, to).ok_or_else(|| {
        ApiError::bad(
            "cycle",
            "연간 요금제에서는 같은 연간 주기로만 올릴 수 있습니다. 월간으로는 기간이 끝날 때 바뀝니다",
        )
    })?;
    match direction {
        Direction::Same | Direction::Downgrade => {
            let pending = (direction == Direction::Downgrade).then_some(to);
            tx.execute_typed(
                "UPDATE subscriptions SET pending_plan = $2, pending_cycle = $3, updated_at = $4 WHERE id = $1",
                &[
                    (&sub.id, Type::INT8),
                    (&pending.map(|p| p.0.as_str()), Type::TEXT),
                    (&pending.map(|p| p.1.as_str()), Type::TEXT),
                    (&now, Type::TIMESTAMPTZ),
                ],
            )
            .await?;
            tx.commit().await?;
            Ok(if pending.is_some() { Changed::Scheduled { at: end } } else { Changed::Unchanged })
        }
        Direction::Upgrade => {
            let proration = prorate(from, to, start, end, now);
            if proration.amount < MIN_CHARGE {
                let paid = Paid {
                    subscription_id: sub.id,
                    period_start: proration.period_start,
                    period_end: proration.period_end,
                    plan: to.0.as_str(),
                    cycle: to.1.as_str(),
                };
                payment::apply(&*tx, Kind::Upgrade, &paid, now).await?;
                tx.commit().await?;
                return Ok(Changed::Upgraded { amount: 0 });
            }
            let new = NewCharge {
                subscription_id: sub.id,
                kind: Kind::Upgrade,
                period_start: proration.period_start,
                period_end: proration.period_end,
                plan: to.0,
                cycle: to.1,
                amount: proration.amount,
                due: now,
            };
            let charge_id = charge::insert(&*tx, &new).await?.ok_or_else(busy)?;
            tx.commit().await?;
            drop(client);
            match charge::settle(billing, db, charge_id, now).await? {
                Outcome::Paid { .. } => Ok(Changed::Upgraded { amount: proration.amount }),
                Outcome::Declined { message, .. } => Err(ApiError::PaymentFailed(message)),
                Outcome::Unknown | Outcome::Skipped => Ok(Changed::Processing),
            }
        }
    }
}

/// What a cancellation did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cancelled {
    /// The plan stays until `at`, then FREE.
    AtPeriodEnd { at: DateTime<Utc> },
    /// Ended now (it was past due or waiting on a renewal).
    Now,
}

/// Cancels the organisation's subscription at the end of its paid period.
pub async fn cancel(db: &Pool, organization_id: i64, now: DateTime<Utc>) -> Result<Cancelled, ApiError> {
    let mut client = db.get().await?;
    let tx = client.transaction().await?;
    let sub = subscription::live(&*tx, organization_id, true).await?.ok_or_else(no_subscription)?;
    let processing = tx
        .query_typed(
            "SELECT 1 FROM charges WHERE subscription_id = $1 AND status = 'processing'",
            &[(&sub.id, Type::INT8)],
        )
        .await?;
    if sub.status == Status::Incomplete || !processing.is_empty() {
        return Err(busy());
    }
    let cancelled = match sub.current_period_end {
        Some(end) if sub.status == Status::Active && end > now => {
            tx.execute_typed(
                "UPDATE subscriptions SET cancel_at_period_end = true, canceled_at = coalesce(canceled_at, $2),
                                          pending_plan = NULL, pending_cycle = NULL, updated_at = $2
                  WHERE id = $1",
                &[(&sub.id, Type::INT8), (&now, Type::TIMESTAMPTZ)],
            )
            .await?;
            Cancelled::AtPeriodEnd { at: end }
        }
        _ => {
            subscription::end(&*tx, sub.id, Status::Canceled, now).await?;
            Cancelled::Now
        }
    };
    tx.commit().await?;
    Ok(cancelled)
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone as _;

    use super::*;

    fn kst(month: u32, day: u32, hour: u32) -> DateTime<Utc> {
        crate::catalog::status::kst().with_ymd_and_hms(2026, month, day, hour, 0, 0).unwrap().with_timezone(&Utc)
    }

    #[test]
    fn directions() {
        use Cycle::{Annual, Monthly};
        use Plan::{Pro, Team};
        assert_eq!(classify((Pro, Monthly), (Team, Monthly)), Some(Direction::Upgrade));
        assert_eq!(classify((Pro, Monthly), (Pro, Annual)), Some(Direction::Upgrade));
        assert_eq!(classify((Pro, Monthly), (Team, Annual)), Some(Direction::Upgrade));
        assert_eq!(classify((Pro, Annual), (Team, Annual)), Some(Direction::Upgrade));
        assert_eq!(classify((Team, Monthly), (Pro, Monthly)), Some(Direction::Downgrade));
        assert_eq!(classify((Pro, Annual), (Pro, Monthly)), Some(Direction::Downgrade));
        assert_eq!(classify((Team, Monthly), (Pro, Annual)), Some(Direction::Downgrade));
        assert_eq!(classify((Pro, Annual), (Team, Monthly)), None);
        assert_eq!(classify((Team, Annual), (Team, Annual)), Some(Direction::Same));
    }

    #[test]
    fn same_cycle_upgrades_pay_the_difference_for_the_days_left() {
        // 1 May → 1 June is 31 days; on 17 May (KST) 15 days are left, today included.
        let p = prorate(
            (Plan::Pro, Cycle::Monthly),
            (Plan::Team, Cycle::Monthly),
            kst(5, 1, 10),
            kst(6, 1, 10),
            kst(5, 17, 9),
        );
        assert_eq!(p.amount, (59_000 - 20_900) * 15 / 31);
        assert_eq!(p.amount, 18_435);
        assert_eq!(p.period_end, kst(6, 1, 10), "the period is unchanged");
        // 00:30 KST on 17 May is 16 May in UTC: still 15 days, counted in KST.
        let early = prorate(
            (Plan::Pro, Cycle::Monthly),
            (Plan::Team, Cycle::Monthly),
            kst(5, 1, 10),
            kst(6, 1, 10),
            crate::catalog::status::kst().with_ymd_and_hms(2026, 5, 17, 0, 30, 0).unwrap().with_timezone(&Utc),
        );
        assert_eq!(early.amount, 18_435);
    }

    #[test]
    fn monthly_to_annual_credits_the_rest_of_the_month() {
        let p = prorate(
            (Plan::Pro, Cycle::Monthly),
            (Plan::Pro, Cycle::Annual),
            kst(5, 1, 10),
            kst(6, 1, 10),
            kst(5, 1, 12),
        );
        assert_eq!(p.amount, 209_000 - 20_900, "upgraded on the first day: the whole month is credited");
        assert_eq!(p.period_start, kst(5, 1, 12));
        assert_eq!(p.period_end, crate::catalog::status::kst().with_ymd_and_hms(2027, 5, 1, 12, 0, 0).unwrap());
        let last_day = prorate(
            (Plan::Pro, Cycle::Monthly),
            (Plan::Team, Cycle::Annual),
            kst(5, 1, 10),
            kst(6, 1, 10),
            kst(5, 31, 10),
        );
        assert_eq!(last_day.amount, 590_000 - 20_900 / 31);
    }
}
