//! Bearer tokens for scripts. `POST /api/auth/token` with email and password (or from a logged-in
//! session) mints a short-lived token; `POST /api/auth/token/revoke` revokes the token it is called
//! with. "Log out everywhere" revokes them all.

use axum::extract::State;
use axum::Json;
use chrono::Utc;
use serde::{Deserialize, Serialize};
use tokio_postgres::types::Type;

use super::authenticate;
use crate::accounts::caller::{ClientIp, Via};
use crate::accounts::{token, Caller};
use crate::api::error::ApiError;
use crate::api::json::Body;
use crate::api::AppState;

#[derive(Deserialize)]
pub struct TokenRequest {
    pub email: String,
    pub password: String,
}

#[derive(Serialize)]
pub struct TokenResponse {
    pub access_token: String,
    pub token_type: &'static str,
    /// Seconds.
    pub expires_in: i64,
}

async fn mint_for(state: &AppState, user_id: i64) -> Result<TokenResponse, ApiError> {
    let client = state.db.get().await?;
    let rows = client.query_typed("SELECT token_version FROM users WHERE id = $1", &[(&user_id, Type::INT8)]).await?;
    let version: i32 = rows.first().ok_or(ApiError::Unauthenticated)?.get(0);
    let ttl = state.accounts.config.token_ttl;
    let (access_token, _) = token::mint(&state.accounts.jwt_secret, user_id, version, ttl, Utc::now());
    Ok(TokenResponse { access_token, token_type: "Bearer", expires_in: ttl.num_seconds() })
}

/// Email and password; no cookie is set, so no CSRF token is needed.
pub async fn issue(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    Body(form): Body<TokenRequest>,
) -> Result<Json<TokenResponse>, ApiError> {
    state.accounts.limiter.check("token", &ip).await?;
    let user_id = authenticate(&state, &form.email, &form.password).await?;
    Ok(Json(mint_for(&state, user_id).await?))
}

/// A token for the logged-in browser session (e.g. to hand to a script).
pub async fn issue_for_session(State(state): State<AppState>, caller: Caller) -> Result<Json<TokenResponse>, ApiError> {
    Ok(Json(mint_for(&state, caller.user_id).await?))
}

pub async fn revoke(State(state): State<AppState>, caller: Caller) -> Result<axum::http::StatusCode, ApiError> {
    let Via::Bearer { jti, expires_at } = &caller.via else {
        return Err(ApiError::bad("authorization", "폐기할 토큰을 Authorization: Bearer 헤더로 보내 주세요"));
    };
    let client = state.db.get().await?;
    client
        .execute_typed(
            "INSERT INTO revoked_tokens (jti, expires_at) VALUES ($1, $2) ON CONFLICT DO NOTHING",
            &[(jti, Type::TEXT), (expires_at, Type::TIMESTAMPTZ)],
        )
        .await?;
    client.execute_typed("DELETE FROM revoked_tokens WHERE expires_at < now()", &[]).await?;
    Ok(axum::http::StatusCode::NO_CONTENT)
}
