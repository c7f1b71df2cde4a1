//! Toss's webhooks (`POST /api/webhooks/toss`). Toss does not sign payment events, so a body is only
//! a hint: the payment it names is re-fetched from Toss ([`toss::Client::verify_event`], which also
//! compares the secret of secret-bearing events in constant time) and only that is applied, and only
//! forward ([`super::payment::reconcile`]). Redeliveries are recognised by the SHA-256 of the body;
//! late or out-of-order deliveries re-fetch the current state, so they cannot undo anything.
//!
//! A payment Connect does not know yet but whose orderId is one of its charges (the charge's answer
//! was lost) is recorded as that charge's payment. A payment fully cancelled at Toss (say, from Toss's
//! dashboard) that paid the current period of a live subscription ends it.

use chrono::{DateTime, Utc};
use deadpool_postgres::Pool;
use sha2::{Digest, Sha256};
use tokio_postgres::types::Type;

use super::payment::{self, Reconciled};
use super::{charge, subscription, Billing, Status};

/// What became of a delivery.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Handled {
    /// Applied (or found already applied); the string says what.
    Processed(&'static str),
    /// This exact body was processed before.
    Duplicate,
    /// Toss does not confirm it (forged or stale beyond recognition): ignored.
    Unverified,
}

/// Why a delivery must be answered with an error.
#[derive(Debug)]
pub enum Failed {
    /// Not a Toss webhook body (400).
    Malformed(String),
    /// Toss or the database could not be asked; Toss should resend (503).
    Unavailable(String),
}

/// Handles one delivery of `body`.
pub async fn handle(billing: &Billing, db: &Pool, body: &[u8], now: DateTime<Utc>) -> Result<Handled, Failed> {
    let event = toss::WebhookEvent::parse(body).map_err(|e| Failed::Malformed(e.log_detail()))?;
    let digest: String = Sha256::digest(body).iter().map(|b| format!("{b:02x}")).collect();
    let (payment_key, order_id) = match &event {
        toss::WebhookEvent::PaymentStatusChanged { payment_key, order_id, .. } => {
            (Some(payment_key.as_str()), Some(order_id.as_str()))
        }
        toss::WebhookEvent::DepositCallback { order_id, .. } => (None, Some(order_id.as_str())),
        _ => (None, None),
    };
    let unavailable = |e: &dyn std::fmt::Display| Failed::Unavailable(e.to_string());
    let client = db.get().await.map_err(|e| unavailable(&e))?;
    let rows = client
        .query_typed(
            "INSERT INTO webhook_events (body_sha256, event_type, payment_key, order_id, received_at)
             VALUES ($1, $2, $3, $4, $5)
             ON CONFLICT (body_sha256) DO UPDATE SET body_sha256 = EXCLUDED.body_sha256
             RETURNING id, processed_at",
            &[
                (&digest, Type::TEXT),
                (&event.event_type(), Type::TEXT),
                (&payment_key, Type::TEXT),
                (&order_id, Type::TEXT),
                (&now, Type::TIMESTAMPTZ),
            ],
        )
        .await
        .map_err(|e| unavailable(&e))?;
    let event_id: i64 = rows[0].get(0);
    if rows[0].get::<_, Option<DateTime<Utc>>>(1).is_some() {
        return Ok(Handled::Duplicate);
    }
    drop(client);
    let handled = match &event {
        toss::WebhookEvent::PaymentStatusChanged { .. } | toss::WebhookEvent::DepositCallback { .. } => {
            match billing.toss.verify_event(&event, None).await {
                Ok(payment) => Handled::Processed(apply(db, &payment, now).await.map_err(|e| unavailable(&e))?),
                Err(toss::TossError::Unverified(detail)) => {
                    tracing::warn!(%detail, event_type = event.event_type(), "webhook not confirmed by Toss; ignored");
                    Handled::Unverified
                }
                Err(error) => return Err(Failed::Unavailable(error.log_detail())),
            }
        }
        // A billing key deleted at Toss cannot be confirmed by re-fetching anything; the next renewal
        // finds out and follows the declined-card path.
        _ => Handled::Processed("ignored"),
    };
    let outcome = match &handled {
        Handled::Processed(what) => *what,
        Handled::Duplicate => "duplicate",
        Handled::Unverified => "unverified",
    };
    let client = db.get().await.map_err(|e| unavailable(&e))?;
    client
        .execute_typed(
            "UPDATE webhook_events SET processed_at = $2, outcome = $3 WHERE id = $1",
            &[(&event_id, Type::INT8), (&now, Type::TIMESTAMPTZ), (&outcome, Type::TEXT)],
        )
        .await
        .map_err(|e| unavailable(&e))?;
    Ok(handled)
}

/// Applies the payment as Toss has it now.
async fn apply(db: &Pool, payment: &toss::Payment, now: DateTime<Utc>) -> anyhow::Result<&'static str> {
    let mut client = db.get().await?;
    let tx = client.transaction().await?;
    let outcome = match payment::reconcile(&*tx, payment, now).await? {
        Reconciled::Updated { subscription_id, period_end, fully_canceled, .. } => {
            if let (true, Some(subscription_id)) = (fully_canceled && period_end > now, subscription_id) {
                subscription::end(&*tx, subscription_id, Status::Canceled, now).await?;
            }
            "updated"
        }
        Reconciled::Unchanged => "unchanged",
        Reconciled::Unknown => match charge::by_order(&*tx, &payment.order_id).await? {
            Some(charge_id) if payment.status.is_paid() => {
                tx.commit().await?;
                drop(client);
                payment::record_paid(db, charge_id, payment, now).await?;
                return Ok("recorded");
            }
            _ => "unknown",
        },
    };
    tx.commit().await?;
    Ok(outcome)
}
