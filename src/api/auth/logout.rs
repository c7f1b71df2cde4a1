//! `POST /api/auth/logout` ends this session (or revokes this bearer token);
//! `POST /api/auth/logout-everywhere` ends every session and token of the user.

use axum::extract::State;
use axum::http::header::SET_COOKIE;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

use crate::accounts::caller::{ClientIp, Via};
use crate::accounts::session::{self, SESSION_COOKIE};
use crate::accounts::Caller;
use crate::api::error::ApiError;
use crate::api::AppState;

fn cleared(state: &AppState) -> Response {
    let cookie = session::set_cookie(SESSION_COOKIE, "", 0, state.accounts.config.cookie_secure, true);
    (StatusCode::NO_CONTENT, [(SET_COOKIE, cookie)]).into_response()
}

pub async fn logout(State(state): State<AppState>, caller: Caller) -> Result<Response, ApiError> {
    match &caller.via {
        Via::Session { token_hash, .. } => {
            let client = state.db.get().await?;
            session::revoke(&**client, token_hash).await?;
            Ok(cleared(&state))
        }
        Via::Bearer { .. } => super::token::revoke(State(state), caller).await.map(IntoResponse::into_response),
    }
}

pub async fn logout_everywhere(
    State(state): State<AppState>,
    caller: Caller,
    ClientIp(ip): ClientIp,
) -> Result<Response, ApiError> {
    let client = state.db.get().await?;
    session::revoke_all(&**client, caller.user_id).await?;
    crate::audit::record(
        &**client,
        Some(caller.user_id),
        "user.logout_everywhere",
        Some(caller.user_id),
        None,
        &ip,
        serde_json::json!({}),
    )
    .await?;
    Ok(cleared(&state))
}
