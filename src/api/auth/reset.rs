//! Password reset by mail: `POST /api/auth/password-reset` (always 202, whether or not the address
//! has an account) and `POST /api/auth/password-reset/confirm` with the mailed token. A reset ends
//! every session and token of the account and lifts a lockout.

use axum::extract::State;
use axum::http::StatusCode;
use serde::Deserialize;
use tokio_postgres::types::Type;

use super::normalise_email;
use crate::accounts::caller::ClientIp;
use crate::accounts::csrf::PreSession;
use crate::accounts::mail_token::{self, Purpose};
use crate::accounts::{mails, password, secret, session};
use crate::api::error::ApiError;
use crate::api::json::Body;
use crate::api::AppState;

#[derive(Deserialize)]
pub struct ResetRequest {
    pub email: String,
}

pub async fn request(
    State(state): State<AppState>,
    _csrf: PreSession,
    ClientIp(ip): ClientIp,
    Body(form): Body<ResetRequest>,
) -> Result<StatusCode, ApiError> {
    state.accounts.limiter.check("password_reset", &ip).await?;
    let email = normalise_email(&form.email).map_err(|m| ApiError::bad("email", m))?;
    let client = state.db.get().await?;
    let rows = client
        .query_typed("SELECT id FROM users WHERE email = $1 AND deleted_at IS NULL", &[(&email, Type::TEXT)])
        .await?;
    if let Some(row) = rows.first() {
        let token = secret::token();
        mail_token::issue(&**client, row.get(0), Purpose::ResetPassword, &token).await?;
        drop(client);
        mails::send(&state.accounts, mails::reset_password(&state.accounts, &email, &token)).await;
    }
    Ok(StatusCode::ACCEPTED)
}

#[derive(Deserialize)]
pub struct ResetConfirm {
    pub token: String,
    pub password: String,
}

pub async fn confirm(
    State(state): State<AppState>,
    _csrf: PreSession,
    ClientIp(ip): ClientIp,
    Body(form): Body<ResetConfirm>,
) -> Result<StatusCode, ApiError> {
    state.accounts.limiter.check("password_reset", &ip).await?;
    password::check_policy(&form.password, None).map_err(|m| ApiError::bad("password", m))?;
    let hash = password::hash(form.password).await?;
    let mut client = state.db.get().await?;
    let tx = client.transaction().await?;
    let Some(user_id) = mail_token::consume(&*tx, Purpose::ResetPassword, form.token.trim(), None).await? else {
        return Err(ApiError::bad("token", "재설정 링크가 올바르지 않거나 만료되었습니다. 다시 요청해 주세요"));
    };
    tx.execute_typed(
        "UPDATE users SET password_hash = $2, failed_logins = 0, locked_until = NULL,
                          email_verified_at = coalesce(email_verified_at, now())
          WHERE id = $1",
        &[(&user_id, Type::INT8), (&hash, Type::TEXT)],
    )
    .await?;
    session::revoke_all(&*tx, user_id).await?;
    crate::audit::record(&*tx, Some(user_id), "user.password_reset", Some(user_id), None, &ip, serde_json::json!({}))
        .await?;
    tx.commit().await?;
    Ok(StatusCode::NO_CONTENT)
}
