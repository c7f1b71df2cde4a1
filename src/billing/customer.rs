//! An organisation as a Toss customer: its random `customerKey` and the billing key of its card,
//! sealed with AES-256-GCM under `ENCRYPTION_KEY` (the key charges the card without the customer).

use chrono::{DateTime, Utc};
use secrecy::{ExposeSecret as _, SecretString};
use tokio_postgres::types::Type;
use tokio_postgres::GenericClient;

const CONTEXT: &[u8] = b"billing_customers.billing_key";

/// The organisation's `customerKey`, made (random, 128 bits) the first time it is asked for.
pub async fn customer_key<C: GenericClient>(client: &C, organization_id: i64) -> Result<String, tokio_postgres::Error> {
    client
        .execute_typed(
            "INSERT INTO billing_customers (organization_id, customer_key) VALUES ($1, $2)
             ON CONFLICT (organization_id) DO NOTHING",
            &[(&organization_id, Type::INT8), (&format!("cus_{}", super::random_key()), Type::TEXT)],
        )
        .await?;
    let rows = client
        .query_typed(
            "SELECT customer_key FROM billing_customers WHERE organization_id = $1",
            &[(&organization_id, Type::INT8)],
        )
        .await?;
    Ok(rows[0].get(0))
}

/// Stores the billing key Toss issued for the organisation's card, sealed.
pub async fn store_card<C: GenericClient>(
    client: &C,
    keyring: &vault::Keyring,
    organization_id: i64,
    billing: &toss::BillingKey,
    now: DateTime<Utc>,
) -> Result<(), tokio_postgres::Error> {
    let sealed = keyring.seal(billing.billing_key.expose_secret().as_bytes(), CONTEXT).to_text();
    let number = billing.card_number.clone().or_else(|| billing.card.as_ref().and_then(|c| c.number.clone()));
    client
        .execute_typed(
            "UPDATE billing_customers SET billing_key = $2, card_company = $3, card_number = $4, card_registered_at = $5
              WHERE organization_id = $1",
            &[
                (&organization_id, Type::INT8),
                (&sealed, Type::TEXT),
                (&billing.card_company, Type::TEXT),
                (&number, Type::TEXT),
                (&now, Type::TIMESTAMPTZ),
            ],
        )
        .await?;
    Ok(())
}

/// What charges the organisation's card.
pub struct Card {
    pub customer_key: String,
    pub billing_key: SecretString,
}

/// Opens a sealed billing key.
pub fn open(keyring: &vault::Keyring, customer_key: String, sealed: &str) -> anyhow::Result<Card> {
    let parsed = vault::Sealed::parse(sealed).map_err(|e| anyhow::anyhow!("sealed billing key: {e}"))?;
    let key = keyring.open_string(&parsed, CONTEXT).map_err(|e| anyhow::anyhow!("billing key: {e}"))?;
    Ok(Card { customer_key, billing_key: SecretString::from(key) })
}

/// The registered card as shown to the organisation: issuer and masked number.
#[derive(Debug, Clone, serde::Serialize)]
pub struct CardView {
    pub company: Option<String>,
    pub number: Option<String>,
    pub registered_at: Option<DateTime<Utc>>,
}

pub async fn card_view<C: GenericClient>(
    client: &C,
    organization_id: i64,
) -> Result<Option<CardView>, tokio_postgres::Error> {
    let rows = client
        .query_typed(
            "SELECT card_company, card_number, card_registered_at FROM billing_customers
              WHERE organization_id = $1 AND billing_key IS NOT NULL",
            &[(&organization_id, Type::INT8)],
        )
        .await?;
    Ok(rows.first().map(|r| CardView { company: r.get(0), number: r.get(1), registered_at: r.get(2) }))
}

/// Re-seals billing keys under the current key (`connect rotate-keys`); how many moved.
pub async fn rotate<C: GenericClient>(client: &C, keyring: &vault::Keyring) -> anyhow::Result<u64> {
    let rows = client
        .query_typed("SELECT organization_id, billing_key FROM billing_customers WHERE billing_key IS NOT NULL", &[])
        .await?;
    let mut moved = 0;
    for row in rows {
        let (id, sealed): (i64, String) = (row.get(0), row.get(1));
        let parsed = vault::Sealed::parse(&sealed).map_err(|e| anyhow::anyhow!("organisation {id}: {e}"))?;
        if !keyring.needs_rotation(&parsed) {
            continue;
        }
        let resealed = keyring.reseal(&parsed, CONTEXT).map_err(|e| anyhow::anyhow!("organisation {id}: {e}"))?;
        client
            .execute_typed(
                "UPDATE billing_customers SET billing_key = $2 WHERE organization_id = $1",
                &[(&id, Type::INT8), (&resealed.to_text(), Type::TEXT)],
            )
            .await?;
        moved += 1;
    }
    Ok(moved)
}
