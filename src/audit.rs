//! The audit log of personal data: who read or changed whose data, when, from where. Entries are only
//! ever inserted; they outlive the people they name (the actor becomes NULL when deleted).

use tokio_postgres::types::Type;
use tokio_postgres::GenericClient;

/// Writes one audit entry: who did what to whose personal data.
pub async fn record<C: GenericClient>(
    client: &C,
    actor: Option<i64>,
    action: &str,
    user_id: Option<i64>,
    organization_id: Option<i64>,
    ip: &str,
    detail: serde_json::Value,
) -> Result<(), tokio_postgres::Error> {
    client
        .execute_typed(
            "INSERT INTO audit_log (actor_id, action, user_id, organization_id, ip, detail) VALUES ($1, $2, $3, $4, $5, $6)",
            &[
                (&actor, Type::INT8),
                (&action, Type::TEXT),
                (&user_id, Type::INT8),
                (&organization_id, Type::INT8),
                (&ip, Type::TEXT),
                (&detail, Type::JSONB),
            ],
        )
        .await?;
    Ok(())
}
