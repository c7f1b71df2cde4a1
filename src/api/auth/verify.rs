//! Email verification: `POST /api/auth/verify-email` with the token from the mail, and
//! `POST /api/auth/verify-email/resend` for the logged-in user.

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use serde::Deserialize;
use tokio_postgres::types::Type;

use crate::accounts::csrf::PreSession;
use crate::accounts::mail_token::{self, Purpose};
use crate::accounts::{mails, secret, Caller};
use crate::api::error::ApiError;
use crate::api::json::Body;
use crate::api::AppState;

#[derive(Deserialize)]
pub struct VerifyEmail {
    pub token: String,
}

pub async fn verify(
    State(state): State<AppState>,
    _csrf: PreSession,
    Body(form): Body<VerifyEmail>,
) -> Result<StatusCode, ApiError> {
    let client = state.db.get().await?;
    let Some(user_id) = mail_token::consume(&**client, Purpose::VerifyEmail, form.token.trim(), None).await? else {
        return Err(ApiError::bad("token", "확인 링크가 올바르지 않거나 만료되었습니다. 확인 메일을 다시 받아 주세요"));
    };
    client
        .execute_typed(
            "UPDATE users SET email_verified_at = coalesce(email_verified_at, now()) WHERE id = $1",
            &[(&user_id, Type::INT8)],
        )
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

pub async fn resend(State(state): State<AppState>, caller: Caller) -> Result<Json<serde_json::Value>, ApiError> {
    state.accounts.limiter.check("verify_resend", &caller.user_id.to_string()).await?;
    let client = state.db.get().await?;
    let rows = client
        .query_typed(
            "SELECT email, email_verified_at IS NOT NULL FROM users WHERE id = $1",
            &[(&caller.user_id, Type::INT8)],
        )
        .await?;
    let row = rows.first().ok_or(ApiError::Unauthenticated)?;
    let (email, verified): (Option<String>, bool) = (row.get(0), row.get(1));
    let Some(email) = email else {
        return Err(ApiError::bad("email", "계정에 이메일 주소가 없습니다"));
    };
    if verified {
        return Err(ApiError::Conflict("이미 확인된 이메일 주소입니다".into()));
    }
    let token = secret::token();
    mail_token::issue(&**client, caller.user_id, Purpose::VerifyEmail, &token).await?;
    drop(client);
    let sent = mails::send(&state.accounts, mails::verify_email(&state.accounts, &email, &token)).await;
    Ok(Json(serde_json::json!({ "sent": sent })))
}
