//! Charges: one row per subscription, kind and period, inserted before Toss is called, then settled
//! attempt by attempt.
//!
//! An attempt is claimed under a row lock (status `processing`, a lease until `locked_until`) with
//! its own orderId `connect-{id}-{attempt}` and a fresh Idempotency-Key, both stored before the call.
//! Whoever finds an attempt `processing` with an expired lease (its holder crashed or never learned
//! the answer) looks its orderId up at Toss and, only when Toss has no such order, resends the very
//! same request under the same key. So a period is charged at most once however many workers,
//! retries and restarts touch it.

use chrono::{DateTime, Duration, Utc};
use deadpool_postgres::Pool;
use secrecy::ExposeSecret as _;
use tokio_postgres::types::Type;
use tokio_postgres::GenericClient;

use super::customer::{self, Card};
use super::{mails, payment, subscription, Billing, Status};
use crate::plans::{self, Cycle, Plan};

/// Days after the first declined renewal when it is tried again; after the last, past due.
pub const RETRY_DAYS: [i64; 3] = [1, 3, 7];
/// How long an attempt belongs to the process that claimed it (well above the Toss timeout).
pub const LEASE_MINUTES: i64 = 5;
/// When a renewal that failed for a reason not the card's (Toss down) is tried again.
pub const SOFT_RETRY_MINUTES: i64 = 10;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// The checkout's payment: the subscription starts when it is paid.
    First,
    /// The next period of a subscription.
    Renewal,
    /// The pro-rated difference of an upgrade, charged at once.
    Upgrade,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::First => "first",
            Kind::Renewal => "renewal",
            Kind::Upgrade => "upgrade",
        }
    }

    pub fn parse(s: &str) -> Option<Kind> {
        [Kind::First, Kind::Renewal, Kind::Upgrade].into_iter().find(|k| k.as_str() == s)
    }
}

/// A charge to claim.
#[derive(Debug, Clone)]
pub struct NewCharge {
    pub subscription_id: i64,
    pub kind: Kind,
    /// With the subscription and kind, the unique key of the charge.
    pub period_start: DateTime<Utc>,
    pub period_end: DateTime<Utc>,
    pub plan: Plan,
    pub cycle: Cycle,
    pub amount: i64,
    /// When the first attempt is due.
    pub due: DateTime<Utc>,
}

/// Claims the charge; `None` when this subscription, kind and period already has one.
pub async fn insert<C: GenericClient>(client: &C, charge: &NewCharge) -> Result<Option<i64>, tokio_postgres::Error> {
    let rows = client
        .query_typed(
            "INSERT INTO charges (subscription_id, kind, period_start, period_end, plan, cycle, amount, order_name,
                                  next_attempt_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
             ON CONFLICT (subscription_id, kind, period_start) DO NOTHING RETURNING id",
            &[
                (&charge.subscription_id, Type::INT8),
                (&charge.kind.as_str(), Type::TEXT),
                (&charge.period_start, Type::TIMESTAMPTZ),
                (&charge.period_end, Type::TIMESTAMPTZ),
                (&charge.plan.as_str(), Type::TEXT),
                (&charge.cycle.as_str(), Type::TEXT),
                (&charge.amount, Type::INT8),
                (&plans::order_name(charge.plan, charge.cycle), Type::TEXT),
                (&charge.due, Type::TIMESTAMPTZ),
            ],
        )
        .await?;
    Ok(rows.first().map(|r| r.get(0)))
}

/// The orderId of attempt `attempt` of charge `charge_id` (Toss: 6–64 of `A-Za-z0-9-_`, unique).
pub fn order_id(charge_id: i64, attempt: i32) -> String {
    format!("connect-{charge_id}-{attempt}")
}

/// How settling a charge ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Paid {
        payment_id: i64,
    },
    /// Toss refused; `retry_at` when a renewal will be tried again.
    Declined {
        message: String,
        retry_at: Option<DateTime<Utc>>,
    },
    /// Toss's answer was lost and the order is not found yet: settled after the lease, never by a
    /// second charge.
    Unknown,
    /// Not due, held by another process, or settled already.
    Skipped,
}

/// One attempt, claimed.
struct Attempt {
    number: i32,
    order_id: String,
    idempotency_key: String,
    /// The attempt was sent before by a process that never learned its outcome.
    resumed: bool,
    amount: i64,
    order_name: String,
    card: Option<Card>,
}

/// Settles charge `charge_id` at `now` if it is due and nobody else holds it.
pub async fn settle(billing: &Billing, db: &Pool, charge_id: i64, now: DateTime<Utc>) -> anyhow::Result<Outcome> {
    let Some(attempt) = claim(billing, db, charge_id, now).await? else {
        return Ok(Outcome::Skipped);
    };
    if attempt.resumed {
        match billing.toss.payment_by_order(&attempt.order_id).await {
            Ok(Some(found)) if found.status.is_paid() => return paid(db, charge_id, &found, now).await,
            Ok(Some(found)) => {
                let message = found.failure.map_or_else(|| "결제가 승인되지 않았습니다.".into(), |f| f.message);
                return declined(billing, db, charge_id, &message, true, now).await;
            }
            Ok(None) => {}
            Err(error) => {
                tracing::warn!(charge_id, detail = %error.log_detail(), "lookup of an unsettled charge failed");
                return Ok(Outcome::Unknown);
            }
        }
    }
    let Some(card) = &attempt.card else {
        void(db, charge_id, now).await?;
        return Ok(Outcome::Skipped);
    };
    let request = toss::Charge::new(&card.customer_key, attempt.amount, &attempt.order_id, &attempt.order_name);
    let answer = billing.toss.charge(card.billing_key.expose_secret(), &request, &attempt.idempotency_key).await;
    match answer {
        Ok(charged) if charged.status.is_paid() => paid(db, charge_id, &charged, now).await,
        Ok(charged) => {
            let message = charged.failure.map_or_else(|| "결제가 승인되지 않았습니다.".into(), |f| f.message);
            declined(billing, db, charge_id, &message, true, now).await
        }
        Err(error) if error.outcome_unknown() => {
            tracing::warn!(charge_id, attempt = attempt.number, detail = %error.log_detail(), "charge outcome unknown");
            match billing.toss.payment_by_order(&attempt.order_id).await {
                Ok(Some(found)) if found.status.is_paid() => paid(db, charge_id, &found, now).await,
                _ => Ok(Outcome::Unknown),
            }
        }
        Err(error) => {
            tracing::info!(charge_id, attempt = attempt.number, detail = %error.log_detail(), "charge refused");
            declined(billing, db, charge_id, &error.to_string(), card_problem(&error), now).await
        }
    }
}

/// Whether a refusal is the card's (counts towards past due) rather than Toss's or ours.
fn card_problem(error: &toss::TossError) -> bool {
    match error {
        toss::TossError::Api { status, .. } => *status != 401 && !error.is_retryable(),
        _ => false,
    }
}

async fn claim(billing: &Billing, db: &Pool, charge_id: i64, now: DateTime<Utc>) -> anyhow::Result<Option<Attempt>> {
    let mut client = db.get().await?;
    let tx = client.transaction().await?;
    let rows = tx
        .query_typed(
            "SELECT c.status, c.attempt, c.idempotency_key, c.next_attempt_at, c.locked_until, c.amount, c.order_name,
                    b.customer_key, b.billing_key
               FROM charges c
               LEFT JOIN subscriptions s ON s.id = c.subscription_id
               LEFT JOIN billing_customers b ON b.organization_id = s.organization_id
              WHERE c.id = $1 FOR UPDATE OF c",
            &[(&charge_id, Type::INT8)],
        )
        .await?;
    let Some(row) = rows.first() else { return Ok(None) };
    let status: String = row.get(0);
    let next_attempt_at: DateTime<Utc> = row.get(3);
    let locked_until: Option<DateTime<Utc>> = row.get(4);
    let resumed = match status.as_str() {
        "pending" if next_attempt_at <= now => false,
        "processing" if locked_until.is_none_or(|until| until <= now) => true,
        _ => return Ok(None),
    };
    let (number, idempotency_key) = if resumed {
        (row.get::<_, i32>(1), row.get::<_, Option<String>>(2).unwrap_or_default())
    } else {
        (row.get::<_, i32>(1) + 1, super::random_key())
    };
    let card = match (row.get::<_, Option<String>>(7), row.get::<_, Option<String>>(8)) {
        (Some(customer_key), Some(sealed)) => Some(customer::open(&billing.keyring, customer_key, &sealed)?),
        _ => None,
    };
    let order_id = order_id(charge_id, number);
    let lease = now + Duration::minutes(LEASE_MINUTES);
    tx.execute_typed(
        "UPDATE charges SET status = 'processing', attempt = $2, idempotency_key = $3, order_id = $4, locked_until = $5,
                            updated_at = $6
          WHERE id = $1",
        &[
            (&charge_id, Type::INT8),
            (&number, Type::INT4),
            (&idempotency_key, Type::TEXT),
            (&order_id, Type::TEXT),
            (&lease, Type::TIMESTAMPTZ),
            (&now, Type::TIMESTAMPTZ),
        ],
    )
    .await?;
    tx.commit().await?;
    Ok(Some(Attempt { number, order_id, idempotency_key, resumed, amount: row.get(5), order_name: row.get(6), card }))
}

async fn paid(db: &Pool, charge_id: i64, payment: &toss::Payment, now: DateTime<Utc>) -> anyhow::Result<Outcome> {
    let payment_id = payment::record_paid(db, charge_id, payment, now).await?;
    Ok(Outcome::Paid { payment_id })
}

/// A charge whose subscription or card is gone: nothing to charge any more.
async fn void(db: &Pool, charge_id: i64, now: DateTime<Utc>) -> anyhow::Result<()> {
    db.get()
        .await?
        .execute_typed(
            "UPDATE charges SET status = 'void', locked_until = NULL, last_error = '구독 또는 카드 정보가 없습니다',
                                updated_at = $2
              WHERE id = $1 AND status = 'processing'",
            &[(&charge_id, Type::INT8), (&now, Type::TIMESTAMPTZ)],
        )
        .await?;
    Ok(())
}

/// Mails to send once the failure is committed.
enum Notice {
    None,
    Retrying(DateTime<Utc>),
    PastDue(DateTime<Utc>),
}

/// Toss refused the attempt (nothing was charged). First charges and upgrades fail at once (the
/// customer is there to try again); a renewal is retried after 1, 3 and 7 days when the card is at
/// fault (sooner when Toss was), then the subscription is past due.
async fn declined(
    billing: &Billing,
    db: &Pool,
    charge_id: i64,
    message: &str,
    card_problem: bool,
    now: DateTime<Utc>,
) -> anyhow::Result<Outcome> {
    let mut client = db.get().await?;
    let tx = client.transaction().await?;
    let rows = tx
        .query_typed(
            "SELECT kind, failures, first_failed_at, subscription_id, amount, order_name FROM charges
              WHERE id = $1 AND status = 'processing' FOR UPDATE",
            &[(&charge_id, Type::INT8)],
        )
        .await?;
    let Some(row) = rows.first() else { return Ok(Outcome::Skipped) };
    let kind = Kind::parse(row.get(0)).ok_or_else(|| anyhow::anyhow!("unknown charge kind"))?;
    let subscription_id: Option<i64> = row.get(3);
    let failures = row.get::<_, i32>(1) + i32::from(card_problem);
    let first_failed_at = row.get::<_, Option<DateTime<Utc>>>(2).or(card_problem.then_some(now));
    let (status, retry_at, mut notice) = match kind {
        Kind::First | Kind::Upgrade => ("failed", None, Notice::None),
        Kind::Renewal if !card_problem => ("pending", Some(now + Duration::minutes(SOFT_RETRY_MINUTES)), Notice::None),
        Kind::Renewal => match RETRY_DAYS.get(failures as usize - 1) {
            Some(days) => {
                let at = first_failed_at.unwrap_or(now) + Duration::days(*days);
                ("pending", Some(at), if failures == 1 { Notice::Retrying(at) } else { Notice::None })
            }
            None => ("failed", None, Notice::PastDue(now + Duration::days(plans::PAST_DUE_GRACE_DAYS))),
        },
    };
    tx.execute_typed(
        "UPDATE charges SET status = $2, failures = $3, first_failed_at = $4, last_error = $5, locked_until = NULL,
                            next_attempt_at = coalesce($6, next_attempt_at), updated_at = $7
          WHERE id = $1",
        &[
            (&charge_id, Type::INT8),
            (&status, Type::TEXT),
            (&failures, Type::INT4),
            (&first_failed_at, Type::TIMESTAMPTZ),
            (&message, Type::TEXT),
            (&retry_at, Type::TIMESTAMPTZ),
            (&now, Type::TIMESTAMPTZ),
        ],
    )
    .await?;
    if let Some(subscription_id) = subscription_id {
        match (kind, &notice) {
            (Kind::First, _) => {
                subscription::end(&*tx, subscription_id, Status::Expired, now).await?;
                tx.execute_typed(
                    "UPDATE checkouts SET status = 'failed', error = $2, completed_at = $3
                      WHERE subscription_id = $1 AND status IN ('pending', 'processing')",
                    &[(&subscription_id, Type::INT8), (&message, Type::TEXT), (&now, Type::TIMESTAMPTZ)],
                )
                .await?;
            }
            (Kind::Renewal, Notice::PastDue(_)) => {
                let changed = tx
                    .execute_typed(
                        "UPDATE subscriptions SET status = 'past_due', past_due_since = $2, updated_at = $2
                          WHERE id = $1 AND status = 'active'",
                        &[(&subscription_id, Type::INT8), (&now, Type::TIMESTAMPTZ)],
                    )
                    .await?;
                // Already past due (a new card was declined too): the customer is told by the answer.
                if changed == 0 {
                    notice = Notice::None;
                }
            }
            _ => {}
        }
    }
    tx.commit().await?;
    drop(client);
    if let (Some(subscription_id), false) = (subscription_id, matches!(notice, Notice::None)) {
        let amount: i64 = row.get(4);
        let order_name: String = row.get(5);
        let failure = mails::Failure { order_name: &order_name, amount, reason: message };
        let sent = match notice {
            Notice::Retrying(at) => {
                mails::notify(billing, db, subscription_id, |to, org| {
                    mails::payment_failed(billing, to, org, &failure, at)
                })
                .await
            }
            Notice::PastDue(grace_until) => {
                mails::notify(billing, db, subscription_id, |to, org| {
                    mails::past_due(billing, to, org, &failure, grace_until)
                })
                .await
            }
            Notice::None => 0,
        };
        tracing::info!(charge_id, subscription_id, sent, "payment failure mailed");
    }
    Ok(Outcome::Declined { message: message.to_string(), retry_at })
}

/// Charges of a subscription not yet settled (pending or processing).
pub async fn open_charges<C: GenericClient>(client: &C, subscription_id: i64) -> Result<i64, tokio_postgres::Error> {
    let rows = client
        .query_typed(
            "SELECT count(*) FROM charges WHERE subscription_id = $1 AND status IN ('pending', 'processing')",
            &[(&subscription_id, Type::INT8)],
        )
        .await?;
    Ok(rows[0].get(0))
}

/// The charge whose attempt used `order_id`.
pub async fn by_order<C: GenericClient>(client: &C, order_id: &str) -> Result<Option<i64>, tokio_postgres::Error> {
    let rows = client.query_typed("SELECT id FROM charges WHERE order_id = $1", &[(&order_id, Type::TEXT)]).await?;
    Ok(rows.first().map(|r| r.get(0)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn order_ids_fit_tosss_rules() {
        let id = order_id(1, 1);
        assert!(id.len() >= 6 && id.len() <= 64 && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-'));
        assert_eq!(order_id(i64::MAX, i32::MAX).len(), 38);
        assert_ne!(order_id(12, 1), order_id(1, 21));
    }

    #[test]
    fn only_card_refusals_count_towards_past_due() {
        let api = |status, code: &str| toss::TossError::Api { status, code: code.into(), message: String::new() };
        assert!(card_problem(&api(403, "REJECT_CARD_PAYMENT")));
        assert!(card_problem(&api(400, "INVALID_CARD_EXPIRATION")));
        assert!(!card_problem(&api(401, "UNAUTHORIZED_KEY")));
        assert!(!card_problem(&api(400, "PROVIDER_ERROR")));
        assert!(!card_problem(&toss::TossError::Unavailable("HTTP 503".into())));
    }
}
