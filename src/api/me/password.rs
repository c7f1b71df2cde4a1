//! `POST /api/me/password`: set or change the password. Changing it ends every other session and
//! revokes every bearer token; this session stays.

use axum::extract::State;
use axum::http::StatusCode;
use serde::Deserialize;
use tokio_postgres::types::Type;

use crate::accounts::caller::{ClientIp, Via};
use crate::accounts::{password, Caller};
use crate::api::error::ApiError;
use crate::api::json::Body;
use crate::api::AppState;

#[derive(Deserialize)]
pub struct PasswordChange {
    /// Required when the account already has a password.
    pub current_password: Option<String>,
    pub new_password: String,
}

pub async fn change(
    State(state): State<AppState>,
    caller: Caller,
    ClientIp(ip): ClientIp,
    Body(form): Body<PasswordChange>,
) -> Result<StatusCode, ApiError> {
    let client = state.db.get().await?;
    let rows = client
        .query_typed("SELECT email, password_hash FROM users WHERE id = $1", &[(&caller.user_id, Type::INT8)])
        .await?;
    let row = rows.first().ok_or(ApiError::Unauthenticated)?;
    let (email, stored): (Option<String>, Option<String>) = (row.get(0), row.get(1));
    if let Some(stored) = stored {
        let current = form.current_password.unwrap_or_default();
        if !password::verify(current, stored).await {
            state.metrics.auth_failures.with_label_values(&["bad_password"]).inc();
            return Err(ApiError::bad("current_password", "현재 비밀번호가 올바르지 않습니다"));
        }
    }
    password::check_policy(&form.new_password, email.as_deref()).map_err(|m| ApiError::bad("new_password", m))?;
    let hash = password::hash(form.new_password).await?;
    let keep = match &caller.via {
        Via::Session { token_hash, .. } => token_hash.clone(),
        Via::Bearer { .. } => Vec::new(),
    };
    client
        .execute_typed(
            "UPDATE users SET password_hash = $2, token_version = token_version + 1 WHERE id = $1",
            &[(&caller.user_id, Type::INT8), (&hash, Type::TEXT)],
        )
        .await?;
    client
        .execute_typed(
            "DELETE FROM sessions WHERE user_id = $1 AND token_hash <> $2",
            &[(&caller.user_id, Type::INT8), (&keep, Type::BYTEA)],
        )
        .await?;
    crate::audit::record(
        &**client,
        Some(caller.user_id),
        "user.password_changed",
        Some(caller.user_id),
        None,
        &ip,
        serde_json::json!({}),
    )
    .await?;
    Ok(StatusCode::NO_CONTENT)
}
