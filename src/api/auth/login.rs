//! `POST /api/auth/login`: email and password → a browser session.

use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::Response;
use serde::Deserialize;

use super::{authenticate, session_response, start_session};
use crate::accounts::caller::ClientIp;
use crate::accounts::csrf::PreSession;
use crate::api::error::ApiError;
use crate::api::json::Body;
use crate::api::AppState;

#[derive(Deserialize)]
pub struct Credentials {
    pub email: String,
    pub password: String,
}

pub async fn login(
    State(state): State<AppState>,
    _csrf: PreSession,
    ClientIp(ip): ClientIp,
    headers: HeaderMap,
    Body(form): Body<Credentials>,
) -> Result<Response, ApiError> {
    state.accounts.limiter.check("login", &ip).await?;
    let user_id = authenticate(&state, &form.email, &form.password).await?;
    let (cookies, view) = start_session(&state, user_id, &ip, &headers).await?;
    Ok(session_response(cookies, view))
}
