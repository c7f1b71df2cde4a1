//! Checkout: a manager picks a plan ([`start`]); the browser SDK registers a card under the
//! organisation's `customerKey` and returns to the success URL with an `authKey`; [`complete`] trades
//! it for a billing key and makes the first charge.
//!
//! A checkout is completed once: the first request moves it to `processing` under a row lock, a
//! repeated or concurrent one gets the same result or "being processed", and an organisation has at
//! most one live subscription (a unique index), so a double-submitted checkout never charges twice.
//! A checkout for the card only (`Purpose::Card`) replaces the card of a live subscription and, when
//! a renewal is waiting on a declined card, charges it again at once.

use chrono::{DateTime, Duration, Utc};
use deadpool_postgres::Pool;
use tokio_postgres::types::Type;
use tokio_postgres::GenericClient;

use super::charge::{self, Kind, NewCharge, Outcome};
use super::{customer, subscription, toss_error, Billing};
use crate::accounts::Caller;
use crate::api::error::ApiError;
use crate::plans::{self, Cycle, Plan};

/// How long a started checkout may be completed.
pub const CHECKOUT_MINUTES: i64 = 60;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    Subscribe {
        plan: Plan,
        cycle: Cycle,
    },
    /// Replace the card of the live subscription.
    Card,
}

pub struct Started {
    pub checkout_id: i64,
    pub customer_key: String,
    pub expires_at: DateTime<Utc>,
}

const NOT_FOUND: ApiError = ApiError::NotFound("결제 요청을 찾을 수 없습니다");

/// Records a checkout for the organisation (whose manager the caller is).
pub async fn start<C: GenericClient>(
    client: &C,
    organization_id: i64,
    user_id: i64,
    purpose: Purpose,
    now: DateTime<Utc>,
) -> Result<Started, ApiError> {
    let live = subscription::live(client, organization_id, false).await?;
    let (plan, cycle) = match purpose {
        Purpose::Subscribe { plan, cycle } => {
            if plans::price(plan, cycle).is_none() {
                return Err(ApiError::bad("plan", "유료 요금제(PRO, TEAM)만 결제할 수 있습니다"));
            }
            if live.is_some() {
                return Err(ApiError::Conflict(
                    "이미 구독 중인 요금제가 있습니다. 요금제 변경이나 카드 변경을 이용해 주세요".into(),
                ));
            }
            (Some(plan.as_str()), Some(cycle.as_str()))
        }
        Purpose::Card => {
            if live.is_none_or(|s| s.status == super::Status::Incomplete) {
                return Err(ApiError::Conflict("카드를 바꿀 구독이 없습니다".into()));
            }
            (None, None)
        }
    };
    let customer_key = customer::customer_key(client, organization_id).await?;
    let expires_at = now + Duration::minutes(CHECKOUT_MINUTES);
    let purpose_code = if purpose == Purpose::Card { "card" } else { "subscribe" };
    let rows = client
        .query_typed(
            "INSERT INTO checkouts (organization_id, user_id, purpose, plan, cycle, created_at, expires_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
            &[
                (&organization_id, Type::INT8),
                (&user_id, Type::INT8),
                (&purpose_code, Type::TEXT),
                (&plan, Type::TEXT),
                (&cycle, Type::TEXT),
                (&now, Type::TIMESTAMPTZ),
                (&expires_at, Type::TIMESTAMPTZ),
            ],
        )
        .await?;
    Ok(Started { checkout_id: rows[0].get(0), customer_key, expires_at })
}

/// How a completed checkout ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Completed {
    /// The first charge is paid: the subscription is active.
    Active,
    /// The first charge's answer was lost; it is settled in the background, never charged twice.
    Processing,
    /// The card was replaced; `charged` tells whether a waiting renewal was charged again.
    CardUpdated { charged: Option<bool> },
}

/// Completes checkout `checkout_id` with the SDK's `authKey`, for `caller` (a manager of its
/// organisation). Returns the organisation and the result.
pub async fn complete(
    billing: &Billing,
    db: &Pool,
    caller: &Caller,
    checkout_id: i64,
    customer_key: &str,
    auth_key: &str,
    now: DateTime<Utc>,
) -> Result<(i64, Completed), ApiError> {
    let (organization_id, purpose) = claim(db, caller, checkout_id, customer_key, now).await?;
    let Some(purpose) = purpose else {
        // Completed before: the same answer again.
        return Ok((organization_id, finished(db, checkout_id).await?));
    };
    let issued = match billing.toss.issue_billing_key(auth_key, customer_key).await {
        Ok(issued) => issued,
        Err(error) => {
            fail(db, checkout_id, &error.to_string(), now).await?;
            return Err(toss_error(&error));
        }
    };
    let mut client = db.get().await?;
    let tx = client.transaction().await?;
    let prepared = match purpose {
        Purpose::Subscribe { plan, cycle } => {
            first_charge(&*tx, organization_id, caller.user_id, plan, cycle, now).await
        }
        Purpose::Card => Ok(None),
    };
    let charge_id = match prepared {
        Ok(charge_id) => charge_id,
        Err(error) => {
            drop(tx);
            drop(client);
            let message = error.to_string();
            fail(db, checkout_id, &message, now).await?;
            return Err(error);
        }
    };
    customer::store_card(&*tx, &billing.keyring, organization_id, &issued, now).await?;
    let retry = match purpose {
        Purpose::Card => renewal_to_retry(&*tx, organization_id, now).await?,
        Purpose::Subscribe { .. } => None,
    };
    let status = if purpose == Purpose::Card { "completed" } else { "processing" };
    let subscription_id = match purpose {
        Purpose::Subscribe { .. } => subscription::live(&*tx, organization_id, false).await?.map(|s| s.id),
        Purpose::Card => None,
    };
    tx.execute_typed(
        "UPDATE checkouts SET status = $2, subscription_id = coalesce($3, subscription_id),
                              completed_at = CASE WHEN $2 = 'completed' THEN $4 END
          WHERE id = $1",
        &[(&checkout_id, Type::INT8), (&status, Type::TEXT), (&subscription_id, Type::INT8), (&now, Type::TIMESTAMPTZ)],
    )
    .await?;
    tx.commit().await?;
    drop(client);
    if let Some(charge_id) = charge_id {
        return match charge::settle(billing, db, charge_id, now).await? {
            Outcome::Paid { .. } => Ok((organization_id, Completed::Active)),
            Outcome::Declined { message, .. } => Err(ApiError::PaymentFailed(message)),
            Outcome::Unknown | Outcome::Skipped => Ok((organization_id, Completed::Processing)),
        };
    }
    let charged = match retry {
        Some(charge_id) => match charge::settle(billing, db, charge_id, now).await? {
            Outcome::Paid { .. } => Some(true),
            Outcome::Declined { .. } => Some(false),
            Outcome::Unknown | Outcome::Skipped => None,
        },
        None => None,
    };
    Ok((organization_id, Completed::CardUpdated { charged }))
}

/// The newest checkout of the customer with `customer_key`: for a success URL that came back without
/// its `checkout` parameter.
pub async fn latest_for_customer<C: GenericClient>(
    client: &C,
    customer_key: &str,
) -> Result<Option<i64>, tokio_postgres::Error> {
    let rows = client
        .query_typed(
            "SELECT c.id FROM checkouts c JOIN billing_customers b ON b.organization_id = c.organization_id
              WHERE b.customer_key = $1 ORDER BY c.id DESC LIMIT 1",
            &[(&customer_key, Type::TEXT)],
        )
        .await?;
    Ok(rows.first().map(|r| r.get(0)))
}

/// Locks the checkout and moves it to `processing`; `None` as purpose when it was completed before.
async fn claim(
    db: &Pool,
    caller: &Caller,
    checkout_id: i64,
    customer_key: &str,
    now: DateTime<Utc>,
) -> Result<(i64, Option<Purpose>), ApiError> {
    let mut client = db.get().await?;
    let tx = client.transaction().await?;
    let rows = tx
        .query_typed(
            "SELECT c.organization_id, c.purpose, c.plan, c.cycle, c.status, c.expires_at, c.error, b.customer_key
               FROM checkouts c JOIN billing_customers b ON b.organization_id = c.organization_id
              WHERE c.id = $1 FOR UPDATE OF c",
            &[(&checkout_id, Type::INT8)],
        )
        .await?;
    let row = rows.first().ok_or(NOT_FOUND)?;
    let organization_id: i64 = row.get(0);
    let access = crate::orgs::access(&*tx, organization_id, caller).await?;
    if !access.is_member() {
        return Err(crate::orgs::NOT_FOUND);
    }
    access.require_manager()?;
    if !crate::accounts::secret::same(customer_key, row.get(7)) {
        return Err(NOT_FOUND);
    }
    let purpose = match (row.get::<_, &str>(1), row.get::<_, Option<&str>>(2), row.get::<_, Option<&str>>(3)) {
        ("card", _, _) => Purpose::Card,
        (_, Some(plan), Some(cycle)) => Purpose::Subscribe {
            plan: Plan::parse(plan).ok_or_else(|| anyhow::anyhow!("unknown plan"))?,
            cycle: Cycle::parse(cycle).ok_or_else(|| anyhow::anyhow!("unknown cycle"))?,
        },
        _ => return Err(anyhow::anyhow!("checkout {checkout_id} without a plan").into()),
    };
    match row.get::<_, &str>(4) {
        "completed" => return Ok((organization_id, None)),
        "processing" => {
            return Err(ApiError::Conflict("결제를 처리하고 있습니다. 잠시 후 결과를 확인해 주세요".into()));
        }
        "failed" => {
            let error: Option<String> = row.get(6);
            return Err(ApiError::PaymentFailed(error.unwrap_or_else(|| "결제에 실패했습니다".into())));
        }
        _ => {}
    }
    if row.get::<_, DateTime<Utc>>(5) <= now {
        return Err(ApiError::bad("checkout", "결제 요청이 만료되었습니다. 처음부터 다시 시작해 주세요"));
    }
    // Another checkout of the organisation won: refuse before the card is even registered.
    let subscribed = matches!(purpose, Purpose::Subscribe { .. })
        && subscription::live(&*tx, organization_id, false).await?.is_some();
    let status = if subscribed { "failed" } else { "processing" };
    tx.execute_typed(
        "UPDATE checkouts SET status = $2 WHERE id = $1",
        &[(&checkout_id, Type::INT8), (&status, Type::TEXT)],
    )
    .await?;
    tx.commit().await?;
    if subscribed {
        return Err(ApiError::Conflict("이미 구독 중인 요금제가 있습니다. 결제하지 않았습니다".into()));
    }
    Ok((organization_id, Some(purpose)))
}

/// The subscription in `incomplete` and its first charge; 409 when another one is live.
async fn first_charge<C: GenericClient>(
    client: &C,
    organization_id: i64,
    user_id: i64,
    plan: Plan,
    cycle: Cycle,
    now: DateTime<Utc>,
) -> Result<Option<i64>, ApiError> {
    let amount = plans::price(plan, cycle).ok_or_else(|| ApiError::bad("plan", "유료 요금제만 결제할 수 있습니다"))?;
    let inserted = client
        .query_typed(
            "INSERT INTO subscriptions (organization_id, user_id, plan, cycle, status, created_at, updated_at)
             VALUES ($1, $2, $3, $4, 'incomplete', $5, $5) ON CONFLICT DO NOTHING RETURNING id",
            &[
                (&organization_id, Type::INT8),
                (&user_id, Type::INT8),
                (&plan.as_str(), Type::TEXT),
                (&cycle.as_str(), Type::TEXT),
                (&now, Type::TIMESTAMPTZ),
            ],
        )
        .await?;
    let subscription_id: i64 = inserted
        .first()
        .ok_or_else(|| ApiError::Conflict("이미 구독 중인 요금제가 있습니다. 결제하지 않았습니다".into()))?
        .get(0);
    let charge = NewCharge {
        subscription_id,
        kind: Kind::First,
        period_start: now,
        period_end: plans::period_end(now, cycle),
        plan,
        cycle,
        amount,
        due: now,
    };
    Ok(charge::insert(client, &charge).await?)
}

/// The renewal of the organisation's live subscription that waits on a declined card, made due now.
async fn renewal_to_retry<C: GenericClient>(
    client: &C,
    organization_id: i64,
    now: DateTime<Utc>,
) -> Result<Option<i64>, tokio_postgres::Error> {
    let rows = client
        .query_typed(
            "UPDATE charges c SET status = 'pending', next_attempt_at = $2, updated_at = $2
               FROM subscriptions s
              WHERE s.id = c.subscription_id AND s.organization_id = $1 AND s.status IN ('active', 'past_due')
                AND c.kind = 'renewal' AND c.period_start = s.current_period_end AND c.status IN ('pending', 'failed')
                AND c.failures > 0
              RETURNING c.id",
            &[(&organization_id, Type::INT8), (&now, Type::TIMESTAMPTZ)],
        )
        .await?;
    Ok(rows.first().map(|r| r.get(0)))
}

async fn fail(db: &Pool, checkout_id: i64, message: &str, now: DateTime<Utc>) -> Result<(), ApiError> {
    db.get()
        .await?
        .execute_typed(
            "UPDATE checkouts SET status = 'failed', error = $2, completed_at = $3 WHERE id = $1 AND status = 'processing'",
            &[(&checkout_id, Type::INT8), (&message, Type::TEXT), (&now, Type::TIMESTAMPTZ)],
        )
        .await?;
    Ok(())
}

/// The result of a checkout completed before.
async fn finished(db: &Pool, checkout_id: i64) -> Result<Completed, ApiError> {
    let rows = db
        .get()
        .await?
        .query_typed(
            "SELECT c.purpose, s.status FROM checkouts c LEFT JOIN subscriptions s ON s.id = c.subscription_id
              WHERE c.id = $1",
            &[(&checkout_id, Type::INT8)],
        )
        .await?;
    let row = rows.first().ok_or(NOT_FOUND)?;
    Ok(match (row.get::<_, &str>(0), row.get::<_, Option<&str>>(1)) {
        ("card", _) => Completed::CardUpdated { charged: None },
        (_, Some("incomplete")) => Completed::Processing,
        _ => Completed::Active,
    })
}
