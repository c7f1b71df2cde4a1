//! Refunds: the rules in one function ([`refundable`]), users' requests, and the cancellation at
//! Toss (`POST /v1/payments/{paymentKey}/cancel`, full or partial).
//!
//! The rules, with days counted in KST (the day of purchase is day 0):
//! - up to and including the 7th day after the purchase: everything still held is refunded;
//! - from the 8th day, annual plans: the unused part of the period pro rata (whole KST days, today
//!   counted as used) minus a penalty of 10% of the amount paid, never below zero;
//! - from the 8th day, monthly plans: no refund (the month runs to its end after a cancellation).
//!
//! Staff may refund another amount (SUPER_ADMIN only). A refund is recorded with its
//! Idempotency-Key before Toss is called; one is in flight per payment, and sending it again after a
//! lost answer resends the same cancellation.

use chrono::{DateTime, Utc};
use deadpool_postgres::Pool;
use serde::Serialize;
use tokio_postgres::types::Type;
use tokio_postgres::GenericClient;

use super::payment::{self, Reconciled};
use super::{kst_day, subscription, toss_error, Billing, Status};
use crate::api::error::ApiError;
use crate::plans::Cycle;

/// Days after the purchase day with a full refund.
pub const FULL_REFUND_DAYS: i64 = 7;
/// Penalty on refunds of annual plans after those days, in percent of the amount paid.
pub const ANNUAL_PENALTY_PERCENT: i64 = 10;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Rule {
    #[serde(rename = "full_within_7_days")]
    FullWithin7Days,
    AnnualProRata,
    /// An amount chosen by a SUPER_ADMIN.
    Override,
}

impl Rule {
    pub fn as_str(self) -> &'static str {
        match self {
            Rule::FullWithin7Days => "full_within_7_days",
            Rule::AnnualProRata => "annual_pro_rata",
            Rule::Override => "override",
        }
    }

    pub fn parse(s: &str) -> Option<Rule> {
        [Rule::FullWithin7Days, Rule::AnnualProRata, Rule::Override].into_iter().find(|r| r.as_str() == s)
    }
}

/// The facts of a payment the rules look at.
#[derive(Debug, Clone, Copy)]
pub struct Paid {
    pub amount: i64,
    /// What is still held (after earlier refunds).
    pub balance: i64,
    pub cycle: Cycle,
    pub paid_at: DateTime<Utc>,
    pub period_start: DateTime<Utc>,
    pub period_end: DateTime<Utc>,
}

/// What the rules give back.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Decision {
    pub amount: i64,
    /// `None` when the rules give nothing back.
    pub rule: Option<Rule>,
}

/// The refund the rules allow for `paid` at `now`.
pub fn refundable(paid: &Paid, now: DateTime<Utc>) -> Decision {
    let today = kst_day(now);
    if (today - kst_day(paid.paid_at)).num_days() <= FULL_REFUND_DAYS {
        return Decision { amount: paid.balance.max(0), rule: Some(Rule::FullWithin7Days) };
    }
    if paid.cycle == Cycle::Monthly {
        return Decision { amount: 0, rule: None };
    }
    let start = kst_day(paid.period_start);
    let total = (kst_day(paid.period_end) - start).num_days().max(1);
    let used = ((today - start).num_days() + 1).clamp(0, total);
    let unused = paid.amount * (total - used) / total;
    let penalty = paid.amount * ANNUAL_PENALTY_PERCENT / 100;
    let amount = (unused - penalty).clamp(0, paid.balance.max(0));
    Decision { amount, rule: (amount > 0).then_some(Rule::AnnualProRata) }
}

/// The payment facts of payment `payment_id`, its key, subscription and organisation.
struct Stored {
    paid: Paid,
    payment_key: String,
    subscription_id: Option<i64>,
    organization_id: Option<i64>,
    user_id: Option<i64>,
}

async fn stored<C: GenericClient>(client: &C, payment_id: i64, lock: bool) -> Result<Stored, ApiError> {
    let sql = format!(
        "SELECT amount, balance_amount, cycle, approved_at, period_start, period_end, payment_key, subscription_id,
                organization_id, user_id
           FROM payments WHERE id = $1{}",
        if lock { " FOR UPDATE" } else { "" }
    );
    let rows = client.query_typed(&sql, &[(&payment_id, Type::INT8)]).await?;
    let row = rows.first().ok_or(ApiError::NotFound("결제를 찾을 수 없습니다"))?;
    Ok(Stored {
        paid: Paid {
            amount: row.get(0),
            balance: row.get(1),
            cycle: Cycle::parse(row.get(2)).ok_or_else(|| anyhow::anyhow!("unknown cycle"))?,
            paid_at: row.get(3),
            period_start: row.get(4),
            period_end: row.get(5),
        },
        payment_key: row.get(6),
        subscription_id: row.get(7),
        organization_id: row.get(8),
        user_id: row.get(9),
    })
}

/// The rules' refund of a stored payment.
pub async fn estimate<C: GenericClient>(client: &C, payment_id: i64, now: DateTime<Utc>) -> Result<Decision, ApiError> {
    Ok(refundable(&stored(client, payment_id, false).await?.paid, now))
}

/// A refund staff asked for.
pub struct Order<'a> {
    pub payment_id: i64,
    /// Another amount than the rules' (the caller checked SUPER_ADMIN).
    pub amount: Option<i64>,
    pub reason: &'a str,
    /// End the subscription now when the payment is for its current period.
    pub end_subscription: bool,
    pub actor: i64,
    pub ip: &'a str,
}

#[derive(Debug, Clone, Serialize)]
pub struct Refunded {
    pub refund_id: i64,
    pub amount: i64,
    pub amount_label: String,
    pub rule: Rule,
    pub subscription_ended: bool,
}

/// Refunds (part of) a payment at Toss and records it.
pub async fn refund(billing: &Billing, db: &Pool, order: &Order<'_>, now: DateTime<Utc>) -> Result<Refunded, ApiError> {
    let mut client = db.get().await?;
    let tx = client.transaction().await?;
    let payment = stored(&*tx, order.payment_id, true).await?;
    let pending = tx
        .query_typed(
            "SELECT id, amount, rule, reason, end_subscription, idempotency_key FROM refunds
              WHERE payment_id = $1 AND status = 'pending'",
            &[(&order.payment_id, Type::INT8)],
        )
        .await?;
    let (refund_id, amount, rule, reason, end_subscription, key) = match pending.first() {
        // A refund whose answer was lost: send the very same one again.
        Some(row) => {
            if order.amount.is_some_and(|amount| amount != row.get::<_, i64>(1)) {
                return Err(ApiError::Conflict("처리 중인 다른 환불이 있습니다. 먼저 그 결과를 확인해 주세요".into()));
            }
            let rule = Rule::parse(row.get(2)).ok_or_else(|| anyhow::anyhow!("unknown refund rule"))?;
            (row.get::<_, i64>(0), row.get::<_, i64>(1), rule, row.get::<_, String>(3), row.get(4), row.get(5))
        }
        None => {
            let decision = refundable(&payment.paid, now);
            let (amount, rule) = match (order.amount, decision.rule) {
                (Some(amount), _) => (amount, Rule::Override),
                (None, Some(rule)) => (decision.amount, rule),
                (None, None) => {
                    return Err(ApiError::bad(
                        "amount",
                        "환불 규정상 환불할 금액이 없습니다 (월간 요금제는 결제 후 7일이 지나면 환불되지 않습니다)",
                    ))
                }
            };
            if amount <= 0 || amount > payment.paid.balance {
                return Err(ApiError::bad(
                    "amount",
                    format!(
                        "환불 금액은 1원 이상, 남은 결제 금액 {} 이하여야 합니다",
                        crate::plans::format_won(payment.paid.balance)
                    ),
                ));
            }
            let key = super::random_key();
            let rows = tx
                .query_typed(
                    "INSERT INTO refunds (payment_id, amount, rule, reason, end_subscription, idempotency_key, requested_by,
                                          created_at)
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
                    &[
                        (&order.payment_id, Type::INT8),
                        (&amount, Type::INT8),
                        (&rule.as_str(), Type::TEXT),
                        (&order.reason, Type::TEXT),
                        (&order.end_subscription, Type::BOOL),
                        (&key, Type::TEXT),
                        (&order.actor, Type::INT8),
                        (&now, Type::TIMESTAMPTZ),
                    ],
                )
                .await?;
            (rows[0].get(0), amount, rule, order.reason.to_string(), order.end_subscription, key)
        }
    };
    tx.commit().await?;
    drop(client);

    let cancelled = billing.toss.cancel(&payment.payment_key, &reason, Some(amount), &key).await;
    let mut client = db.get().await?;
    let tx = client.transaction().await?;
    let toss_payment = match cancelled {
        Ok(toss_payment) => toss_payment,
        Err(error) if error.outcome_unknown() => {
            tracing::warn!(refund_id, detail = %error.log_detail(), "refund outcome unknown");
            return Err(ApiError::Unavailable(
                "환불 결과를 확인하지 못했습니다. 같은 요청을 다시 보내면 같은 환불로 확인합니다".into(),
            ));
        }
        Err(error) => {
            tx.execute_typed(
                "UPDATE refunds SET status = 'failed', error = $2, completed_at = $3 WHERE id = $1",
                &[(&refund_id, Type::INT8), (&error.to_string(), Type::TEXT), (&now, Type::TIMESTAMPTZ)],
            )
            .await?;
            tx.commit().await?;
            return Err(toss_error(&error));
        }
    };
    tx.execute_typed(
        "UPDATE refunds SET status = 'done', completed_at = $2 WHERE id = $1",
        &[(&refund_id, Type::INT8), (&now, Type::TIMESTAMPTZ)],
    )
    .await?;
    if payment::reconcile(&*tx, &toss_payment, now).await? == Reconciled::Unchanged {
        tracing::warn!(refund_id, "refunded payment was not lowered (already reconciled?)");
    }
    let mut subscription_ended = false;
    if let (true, Some(subscription_id)) = (end_subscription, payment.subscription_id) {
        if payment.paid.period_end > now {
            let live = tx
                .query_typed(
                    "SELECT 1 FROM subscriptions WHERE id = $1 AND status IN ('active', 'past_due')",
                    &[(&subscription_id, Type::INT8)],
                )
                .await?;
            if !live.is_empty() {
                subscription::end(&*tx, subscription_id, Status::Canceled, now).await?;
                subscription_ended = true;
            }
        }
    }
    tx.execute_typed(
        "UPDATE refund_requests SET status = 'refunded', resolved_at = $2, resolved_by = $3
          WHERE payment_id = $1 AND status = 'open'",
        &[(&order.payment_id, Type::INT8), (&now, Type::TIMESTAMPTZ), (&order.actor, Type::INT8)],
    )
    .await?;
    crate::audit::record(
        &*tx,
        Some(order.actor),
        "billing.payment_refunded",
        payment.user_id,
        payment.organization_id,
        order.ip,
        serde_json::json!({
            "payment_id": order.payment_id, "refund_id": refund_id, "amount": amount, "rule": rule.as_str(),
            "subscription_ended": subscription_ended,
        }),
    )
    .await?;
    tx.commit().await?;
    Ok(Refunded { refund_id, amount, amount_label: crate::plans::format_won(amount), rule, subscription_ended })
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone as _;

    use super::*;

    fn kst(y: i32, m: u32, d: u32, h: u32, min: u32, s: u32) -> DateTime<Utc> {
        crate::catalog::status::kst().with_ymd_and_hms(y, m, d, h, min, s).unwrap().with_timezone(&Utc)
    }

    fn bought(cycle: Cycle, amount: i64) -> Paid {
        let start = kst(2026, 3, 1, 10, 0, 0);
        let end = crate::plans::period_end(start, cycle);
        Paid { amount, balance: amount, cycle, paid_at: start, period_start: start, period_end: end }
    }

    #[test]
    fn everything_back_through_the_seventh_day_in_kst() {
        for (cycle, amount) in [(Cycle::Monthly, 20_900), (Cycle::Annual, 209_000)] {
            let paid = bought(cycle, amount);
            let seventh = kst(2026, 3, 8, 23, 59, 59);
            assert_eq!(refundable(&paid, seventh), Decision { amount, rule: Some(Rule::FullWithin7Days) });
            // The same instant by UTC is still 8 March; 15:00 UTC is midnight in Korea, the 8th day.
            assert_eq!(seventh, Utc.with_ymd_and_hms(2026, 3, 8, 14, 59, 59).unwrap());
            let eighth = Utc.with_ymd_and_hms(2026, 3, 8, 15, 0, 0).unwrap();
            assert_ne!(refundable(&paid, eighth).rule, Some(Rule::FullWithin7Days), "{cycle:?}");
        }
    }

    #[test]
    fn rules_serialise_as_stored() {
        for rule in [Rule::FullWithin7Days, Rule::AnnualProRata, Rule::Override] {
            assert_eq!(serde_json::to_value(rule).unwrap(), rule.as_str());
        }
    }

    #[test]
    fn monthly_plans_are_not_refunded_after_the_seventh_day() {
        let paid = bought(Cycle::Monthly, 20_900);
        assert_eq!(refundable(&paid, kst(2026, 3, 9, 0, 0, 0)), Decision { amount: 0, rule: None });
        assert_eq!(refundable(&paid, kst(2026, 3, 31, 12, 0, 0)).amount, 0);
    }

    #[test]
    fn annual_plans_refund_the_unused_days_minus_ten_percent() {
        let paid = bought(Cycle::Annual, 209_000);
        // 1 March 2026 → 1 March 2027: 365 days. On 9 March (the 8th day) 9 days are used.
        let eighth = refundable(&paid, kst(2026, 3, 9, 0, 0, 0));
        assert_eq!(eighth.rule, Some(Rule::AnnualProRata));
        assert_eq!(eighth.amount, 209_000 * 356 / 365 - 20_900);
        assert_eq!(eighth.amount, 182_946);
        // Half-way through: 1 September is day 185 of 365.
        assert_eq!(refundable(&paid, kst(2026, 9, 1, 9, 0, 0)).amount, 209_000 * (365 - 185) / 365 - 20_900);
        // Near the end the penalty exceeds what is left: nothing.
        assert_eq!(refundable(&paid, kst(2027, 2, 1, 9, 0, 0)), Decision { amount: 0, rule: None });
        // Never more than what is still held.
        let partly = Paid { balance: 50_000, ..paid };
        assert_eq!(refundable(&partly, kst(2026, 3, 9, 0, 0, 0)).amount, 50_000);
        assert_eq!(refundable(&partly, kst(2026, 3, 2, 0, 0, 0)).amount, 50_000);
    }
}
