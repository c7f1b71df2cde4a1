//! One-time secrets sent by mail (verification links, reset links, deletion codes): stored hashed,
//! with an expiry, usable once.

use tokio_postgres::types::Type;
use tokio_postgres::GenericClient;

use super::secret;

#[derive(Debug, Clone, Copy)]
pub enum Purpose {
    VerifyEmail,
    ResetPassword,
    DeleteAccount,
}

impl Purpose {
    fn as_str(self) -> &'static str {
        match self {
            Purpose::VerifyEmail => "verify_email",
            Purpose::ResetPassword => "reset_password",
            Purpose::DeleteAccount => "delete_account",
        }
    }

    fn lifetime_minutes(self) -> i32 {
        match self {
            Purpose::VerifyEmail => 24 * 60,
            Purpose::ResetPassword => 60,
            Purpose::DeleteAccount => 15,
        }
    }
}

/// Stores `secret` for `user_id`, replacing the user's unused ones of the same purpose.
pub async fn issue<C: GenericClient>(
    client: &C,
    user_id: i64,
    purpose: Purpose,
    value: &str,
) -> Result<(), tokio_postgres::Error> {
    client
        .execute_typed(
            "DELETE FROM mail_tokens WHERE user_id = $1 AND purpose = $2 AND used_at IS NULL",
            &[(&user_id, Type::INT8), (&purpose.as_str(), Type::TEXT)],
        )
        .await?;
    client
        .execute_typed(
            "INSERT INTO mail_tokens (token_hash, purpose, user_id, expires_at)
             VALUES ($1, $2, $3, now() + make_interval(mins => $4))",
            &[
                (&secret::hash(value), Type::BYTEA),
                (&purpose.as_str(), Type::TEXT),
                (&user_id, Type::INT8),
                (&purpose.lifetime_minutes(), Type::INT4),
            ],
        )
        .await?;
    Ok(())
}

/// Marks the secret used and returns its user, if it is valid, unused and unexpired. For a deletion
/// code the user must be given too (six digits are only unique per user).
pub async fn consume<C: GenericClient>(
    client: &C,
    purpose: Purpose,
    value: &str,
    user_id: Option<i64>,
) -> Result<Option<i64>, tokio_postgres::Error> {
    let rows = client
        .query_typed(
            "UPDATE mail_tokens SET used_at = now()
              WHERE token_hash = $1 AND purpose = $2 AND used_at IS NULL AND expires_at > now()
                AND ($3::bigint IS NULL OR user_id = $3)
              RETURNING user_id",
            &[(&secret::hash(value), Type::BYTEA), (&purpose.as_str(), Type::TEXT), (&user_id, Type::INT8)],
        )
        .await?;
    Ok(rows.first().map(|r| r.get(0)))
}
