//! The business registration number (사업자등록번호) at rest: sealed with AES-256-GCM under
//! `ENCRYPTION_KEY`, found through a keyed HMAC hash (never plain or unsalted SHA-256, which a list
//! of all 10-digit numbers would reverse). Shown in full only to the organisation's own members.

use normalize::bizno::BusinessNumber;
use tokio_postgres::types::Type;
use tokio_postgres::GenericClient;

const CONTEXT: &[u8] = b"organization.business_number";

pub struct Stored {
    pub sealed: String,
    pub hash: String,
}

pub fn seal(keyring: &vault::Keyring, number: &BusinessNumber) -> Stored {
    Stored {
        sealed: keyring.seal(number.digits().as_bytes(), CONTEXT).to_text(),
        hash: keyring.lookup_hash(number.digits().as_bytes(), CONTEXT),
    }
}

pub fn open(keyring: &vault::Keyring, sealed: &str) -> anyhow::Result<BusinessNumber> {
    let sealed = vault::Sealed::parse(sealed).map_err(|e| anyhow::anyhow!("sealed business number: {e}"))?;
    let digits = keyring.open_string(&sealed, CONTEXT).map_err(|e| anyhow::anyhow!("business number: {e}"))?;
    BusinessNumber::parse(&digits).map_err(|e| anyhow::anyhow!("stored business number: {e}"))
}

/// The organisation (other than `except`) already registered with `number`, under any key of the
/// ring, so that lookups keep working during a key rotation.
pub async fn owner<C: GenericClient>(
    client: &C,
    keyring: &vault::Keyring,
    number: &BusinessNumber,
    except: Option<i64>,
) -> Result<Option<i64>, tokio_postgres::Error> {
    let hashes = keyring.lookup_hashes(number.digits().as_bytes(), CONTEXT);
    let rows = client
        .query_typed(
            "SELECT id FROM organizations WHERE business_number_hash = ANY($1) AND id IS DISTINCT FROM $2",
            &[(&hashes, Type::TEXT_ARRAY), (&except, Type::INT8)],
        )
        .await?;
    Ok(rows.first().map(|r| r.get(0)))
}

/// Re-seals and re-hashes every stored number under the current key (`connect keys rotate`).
/// Returns how many rows moved.
pub async fn rotate<C: GenericClient>(client: &C, keyring: &vault::Keyring) -> anyhow::Result<u64> {
    let rows = client
        .query_typed("SELECT id, business_number FROM organizations WHERE business_number IS NOT NULL", &[])
        .await?;
    let mut moved = 0;
    for row in rows {
        let (id, sealed): (i64, String) = (row.get(0), row.get(1));
        let parsed = vault::Sealed::parse(&sealed).map_err(|e| anyhow::anyhow!("organisation {id}: {e}"))?;
        if !keyring.needs_rotation(&parsed) {
            continue;
        }
        let stored = seal(keyring, &open(keyring, &sealed)?);
        client
            .execute_typed(
                "UPDATE organizations SET business_number = $2, business_number_hash = $3 WHERE id = $1",
                &[(&id, Type::INT8), (&stored.sealed, Type::TEXT), (&stored.hash, Type::TEXT)],
            )
            .await?;
        moved += 1;
    }
    Ok(moved)
}
