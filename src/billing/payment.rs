//! Payments: the record of money Toss took, and what a paid charge does to its subscription.
//!
//! A row is written once per Toss payment (`payment_key`), with the tax-invoice details of the
//! moment — the organisation's name, its business number still sealed, the billing email — and is
//! never deleted: the organisation, the subscription and the person may go (their references become
//! NULL), the record stays. Later changes at Toss (refunds) only ever move a payment forward: its
//! balance never goes up again, so a late or repeated notification cannot undo a refund.

use chrono::{DateTime, Utc};
use deadpool_postgres::Pool;
use serde::Serialize;
use tokio_postgres::types::Type;
use tokio_postgres::{GenericClient, Row};

use super::charge::Kind;
use crate::plans::{Cycle, Plan};

/// Records the paid Toss `payment` of charge `charge_id` and applies it to the subscription, once.
/// Returns the payment's id.
pub async fn record_paid(
    db: &Pool,
    charge_id: i64,
    payment: &toss::Payment,
    now: DateTime<Utc>,
) -> anyhow::Result<i64> {
    let mut client = db.get().await?;
    let tx = client.transaction().await?;
    let rows = tx
        .query_typed(
            "SELECT c.status, c.kind, c.subscription_id, c.period_start, c.period_end, c.plan, c.cycle, c.order_name,
                    s.organization_id, s.user_id
               FROM charges c LEFT JOIN subscriptions s ON s.id = c.subscription_id
              WHERE c.id = $1 FOR UPDATE OF c",
            &[(&charge_id, Type::INT8)],
        )
        .await?;
    let row = rows.first().ok_or_else(|| anyhow::anyhow!("charge {charge_id} not found"))?;
    if row.get::<_, String>(0) == "paid" {
        let existing =
            tx.query_typed("SELECT id FROM payments WHERE charge_id = $1", &[(&charge_id, Type::INT8)]).await?;
        if let Some(existing) = existing.first() {
            return Ok(existing.get(0));
        }
    }
    let kind = Kind::parse(row.get(1)).ok_or_else(|| anyhow::anyhow!("unknown charge kind"))?;
    let subscription_id: Option<i64> = row.get(2);
    let (period_start, period_end): (DateTime<Utc>, DateTime<Utc>) = (row.get(3), row.get(4));
    let (plan, cycle): (String, String) = (row.get(5), row.get(6));
    let order_name: String = row.get(7);
    let (organization_id, user_id): (Option<i64>, Option<i64>) = (row.get(8), row.get(9));
    let invoice = invoice(&*tx, organization_id, user_id).await?;
    let approved_at = payment.approved_at.unwrap_or(payment.requested_at).with_timezone(&Utc);
    let card_number = payment.card.as_ref().and_then(|c| c.number.clone());
    let receipt_url = payment.receipt.as_ref().map(|r| r.url.clone());
    let inserted = tx
        .query_typed(
            "INSERT INTO payments (organization_id, user_id, subscription_id, charge_id, payment_key, order_id, order_name,
                                   kind, plan, cycle, period_start, period_end, status, amount, balance_amount, vat,
                                   supplied_amount, method, card_number, receipt_url, approved_at, invoice_name,
                                   invoice_business_number, invoice_email)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21,
                     $22, $23, $24)
             ON CONFLICT (payment_key) DO NOTHING RETURNING id",
            &[
                (&organization_id, Type::INT8),
                (&user_id, Type::INT8),
                (&subscription_id, Type::INT8),
                (&charge_id, Type::INT8),
                (&payment.payment_key, Type::TEXT),
                (&payment.order_id, Type::TEXT),
                (&order_name, Type::TEXT),
                (&kind.as_str(), Type::TEXT),
                (&plan, Type::TEXT),
                (&cycle, Type::TEXT),
                (&period_start, Type::TIMESTAMPTZ),
                (&period_end, Type::TIMESTAMPTZ),
                (&payment.status.as_str(), Type::TEXT),
                (&payment.total_amount, Type::INT8),
                (&payment.balance_amount, Type::INT8),
                (&payment.vat, Type::INT8),
                (&payment.supplied_amount, Type::INT8),
                (&payment.method, Type::TEXT),
                (&card_number, Type::TEXT),
                (&receipt_url, Type::TEXT),
                (&approved_at, Type::TIMESTAMPTZ),
                (&invoice.name, Type::TEXT),
                (&invoice.business_number, Type::TEXT),
                (&invoice.email, Type::TEXT),
            ],
        )
        .await?;
    let payment_id: i64 = match inserted.first() {
        Some(row) => row.get(0),
        None => tx
            .query_typed("SELECT id FROM payments WHERE payment_key = $1", &[(&payment.payment_key, Type::TEXT)])
            .await?[0]
            .get(0),
    };
    tx.execute_typed(
        "UPDATE charges SET status = 'paid', locked_until = NULL, last_error = NULL, updated_at = $2 WHERE id = $1",
        &[(&charge_id, Type::INT8), (&now, Type::TIMESTAMPTZ)],
    )
    .await?;
    if let Some(subscription_id) = subscription_id {
        let paid = Paid { subscription_id, period_start, period_end, plan: &plan, cycle: &cycle };
        apply(&*tx, kind, &paid, now).await?;
    }
    tx.commit().await?;
    tracing::info!(charge_id, payment_id, amount = payment.total_amount, kind = kind.as_str(), "payment recorded");
    Ok(payment_id)
}

/// What a paid charge bought.
pub(super) struct Paid<'a> {
    pub subscription_id: i64,
    pub period_start: DateTime<Utc>,
    pub period_end: DateTime<Utc>,
    pub plan: &'a str,
    pub cycle: &'a str,
}

/// A paid first charge starts the subscription; a paid renewal moves it to the next period (with any
/// downgrade waiting for it); a paid upgrade switches the plan now.
pub(super) async fn apply<C: GenericClient>(
    client: &C,
    kind: Kind,
    paid: &Paid<'_>,
    now: DateTime<Utc>,
) -> anyhow::Result<()> {
    let params: [(&(dyn tokio_postgres::types::ToSql + Sync), Type); 6] = [
        (&paid.subscription_id, Type::INT8),
        (&paid.period_start, Type::TIMESTAMPTZ),
        (&paid.period_end, Type::TIMESTAMPTZ),
        (&paid.plan, Type::TEXT),
        (&paid.cycle, Type::TEXT),
        (&now, Type::TIMESTAMPTZ),
    ];
    let sql = match kind {
        Kind::First => {
            client
                .execute_typed(
                    "UPDATE checkouts SET status = 'completed', completed_at = $2
                      WHERE subscription_id = $1 AND status IN ('pending', 'processing')",
                    &[(&paid.subscription_id, Type::INT8), (&now, Type::TIMESTAMPTZ)],
                )
                .await?;
            "UPDATE subscriptions SET status = 'active', current_period_start = $2, current_period_end = $3,
                                      plan = $4, cycle = $5, updated_at = $6
              WHERE id = $1 AND status = 'incomplete'"
        }
        Kind::Renewal => {
            "UPDATE subscriptions SET status = 'active', current_period_start = $2, current_period_end = $3,
                                      plan = $4, cycle = $5, pending_plan = NULL, pending_cycle = NULL,
                                      past_due_since = NULL, updated_at = $6
              WHERE id = $1 AND status IN ('active', 'past_due') AND current_period_end = $2"
        }
        Kind::Upgrade => {
            "UPDATE subscriptions SET current_period_start = CASE WHEN cycle = $5 THEN current_period_start ELSE $2 END,
                                      current_period_end = $3, plan = $4, cycle = $5, pending_plan = NULL,
                                      pending_cycle = NULL, cancel_at_period_end = false, canceled_at = NULL,
                                      updated_at = $6
              WHERE id = $1 AND status = 'active'"
        }
    };
    let changed = client.execute_typed(sql, &params).await?;
    if changed == 0 {
        tracing::warn!(
            subscription_id = paid.subscription_id,
            kind = kind.as_str(),
            "paid charge changed no subscription"
        );
    }
    Ok(())
}

/// Tax-invoice details at payment time.
struct Invoice {
    name: Option<String>,
    /// Sealed, as stored on the organisation.
    business_number: Option<String>,
    email: Option<String>,
}

async fn invoice<C: GenericClient>(
    client: &C,
    organization_id: Option<i64>,
    user_id: Option<i64>,
) -> Result<Invoice, tokio_postgres::Error> {
    let rows = client
        .query_typed(
            "SELECT o.name, o.business_number,
                    coalesce((SELECT u.email FROM users u WHERE u.id = $2 AND u.deleted_at IS NULL),
                             (SELECT u.email FROM memberships m JOIN users u ON u.id = m.user_id
                               WHERE m.organization_id = o.id AND m.role = 'owner'))
               FROM organizations o WHERE o.id = $1",
            &[(&organization_id, Type::INT8), (&user_id, Type::INT8)],
        )
        .await?;
    Ok(match rows.first() {
        Some(row) => Invoice { name: row.get(0), business_number: row.get(1), email: row.get(2) },
        None => Invoice { name: None, business_number: None, email: None },
    })
}

/// What reconciling a payment with Toss's view did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reconciled {
    /// The payment moved forward; `fully_canceled` when it just became CANCELED.
    Updated { payment_id: i64, subscription_id: Option<i64>, period_end: DateTime<Utc>, fully_canceled: bool },
    /// Already as Toss says, or Toss's view is older than ours.
    Unchanged,
    /// No such payment here.
    Unknown,
}

/// Brings the stored payment up to Toss's `payment` (as re-fetched from Toss), never backwards:
/// only a lower balance is taken.
pub async fn reconcile<C: GenericClient>(
    client: &C,
    payment: &toss::Payment,
    now: DateTime<Utc>,
) -> Result<Reconciled, tokio_postgres::Error> {
    let status = payment.status.as_str();
    let known = ["DONE", "PARTIAL_CANCELED", "CANCELED"].contains(&status);
    let receipt_url = payment.receipt.as_ref().map(|r| r.url.clone());
    if known {
        let rows = client
            .query_typed(
                "UPDATE payments SET status = $2, balance_amount = $3, receipt_url = coalesce($4, receipt_url),
                                     updated_at = $5
                  WHERE payment_key = $1 AND balance_amount > $3 AND $3 >= 0
                  RETURNING id, subscription_id, period_end",
                &[
                    (&payment.payment_key, Type::TEXT),
                    (&status, Type::TEXT),
                    (&payment.balance_amount, Type::INT8),
                    (&receipt_url, Type::TEXT),
                    (&now, Type::TIMESTAMPTZ),
                ],
            )
            .await?;
        if let Some(row) = rows.first() {
            return Ok(Reconciled::Updated {
                payment_id: row.get(0),
                subscription_id: row.get(1),
                period_end: row.get(2),
                fully_canceled: status == "CANCELED",
            });
        }
    }
    let rows = client
        .query_typed("SELECT 1 FROM payments WHERE payment_key = $1", &[(&payment.payment_key, Type::TEXT)])
        .await?;
    Ok(if rows.is_empty() { Reconciled::Unknown } else { Reconciled::Unchanged })
}

/// A payment as members and staff see it.
#[derive(Debug, Clone, Serialize)]
pub struct PaymentView {
    pub id: i64,
    pub organization_id: Option<i64>,
    pub order_id: String,
    pub order_name: String,
    pub kind: String,
    pub plan: Plan,
    pub cycle: Cycle,
    pub period_start: DateTime<Utc>,
    pub period_end: DateTime<Utc>,
    pub status: String,
    pub amount: i64,
    pub amount_label: String,
    pub refunded_amount: i64,
    pub balance_amount: i64,
    pub vat: i64,
    pub card_number: Option<String>,
    pub receipt_url: Option<String>,
    pub approved_at: DateTime<Utc>,
    pub invoice: InvoiceView,
}

#[derive(Debug, Clone, Serialize)]
pub struct InvoiceView {
    pub name: Option<String>,
    /// `123-45-67890`, opened from the sealed copy.
    pub business_number: Option<String>,
    pub email: Option<String>,
}

/// The columns [`view`] reads, in order.
pub const COLUMNS: &str =
    "id, organization_id, order_id, order_name, kind, plan, cycle, period_start, period_end, status,
    amount, balance_amount, vat, card_number, receipt_url, approved_at, invoice_name, invoice_business_number,
    invoice_email";

/// A payment from a row of [`COLUMNS`]; the business number in full, or masked (`123-45-*****`).
pub fn view(keyring: &vault::Keyring, row: &Row, masked: bool) -> anyhow::Result<PaymentView> {
    let amount: i64 = row.get(10);
    let balance: i64 = row.get(11);
    let sealed: Option<String> = row.get(17);
    let business_number = sealed
        .map(|s| {
            crate::orgs::business_number::open(keyring, &s).map(|n| if masked { n.masked() } else { n.formatted() })
        })
        .transpose()?;
    Ok(PaymentView {
        id: row.get(0),
        organization_id: row.get(1),
        order_id: row.get(2),
        order_name: row.get(3),
        kind: row.get(4),
        plan: Plan::parse(row.get(5)).ok_or_else(|| anyhow::anyhow!("unknown plan"))?,
        cycle: Cycle::parse(row.get(6)).ok_or_else(|| anyhow::anyhow!("unknown cycle"))?,
        period_start: row.get(7),
        period_end: row.get(8),
        status: row.get(9),
        amount,
        amount_label: crate::plans::format_won(amount),
        refunded_amount: amount - balance,
        balance_amount: balance,
        vat: row.get(12),
        card_number: row.get(13),
        receipt_url: row.get(14),
        approved_at: row.get(15),
        invoice: InvoiceView { name: row.get(16), business_number, email: row.get(18) },
    })
}

/// Re-seals the business numbers copied onto payments under the current key (`connect rotate-keys`).
pub async fn rotate_invoices<C: GenericClient>(client: &C, keyring: &vault::Keyring) -> anyhow::Result<u64> {
    let rows = client
        .query_typed("SELECT id, invoice_business_number FROM payments WHERE invoice_business_number IS NOT NULL", &[])
        .await?;
    let mut moved = 0;
    for row in rows {
        let (id, sealed): (i64, String) = (row.get(0), row.get(1));
        let parsed = vault::Sealed::parse(&sealed).map_err(|e| anyhow::anyhow!("payment {id}: {e}"))?;
        if !keyring.needs_rotation(&parsed) {
            continue;
        }
        let number = crate::orgs::business_number::open(keyring, &sealed)?;
        let resealed = crate::orgs::business_number::seal(keyring, &number).sealed;
        client
            .execute_typed(
                "UPDATE payments SET invoice_business_number = $2 WHERE id = $1",
                &[(&id, Type::INT8), (&resealed, Type::TEXT)],
            )
            .await?;
        moved += 1;
    }
    Ok(moved)
}
