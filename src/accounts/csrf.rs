//! CSRF protection for every state-changing request a browser could be tricked into sending.
//! - With a session: the `X-CSRF-Token` header must equal the session's token (synchronizer token,
//!   returned by login and `GET /api/auth/session`).
//! - Before a session (sign-up, login, password reset): double submit — the header must equal the
//!   `connect_csrf` cookie that `GET /api/auth/csrf` sets.
//! - Any request a browser marks `Sec-Fetch-Site: cross-site` is refused outright.
//!
//! Bearer-token requests are exempt: browsers never attach them on their own.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::Method;

use super::{secret, session};
use crate::api::error::ApiError;
use crate::api::AppState;

pub const HEADER: &str = "x-csrf-token";

fn changes_state(method: &Method) -> bool {
    !matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS)
}

fn header_token(parts: &Parts) -> Option<&str> {
    parts.headers.get(HEADER).and_then(|v| v.to_str().ok()).filter(|v| !v.is_empty())
}

fn cross_site(parts: &Parts) -> bool {
    parts.headers.get("sec-fetch-site").is_some_and(|v| v.as_bytes() == b"cross-site")
}

pub fn check_session(parts: &Parts, expected: &str) -> Result<(), ApiError> {
    if !changes_state(&parts.method) {
        return Ok(());
    }
    match header_token(parts) {
        Some(sent) if !cross_site(parts) && secret::same(sent, expected) => Ok(()),
        _ => Err(REFUSED),
    }
}

const REFUSED: ApiError =
    ApiError::Forbidden("CSRF 토큰이 없거나 올바르지 않습니다. 페이지를 새로 고친 뒤 다시 시도해 주세요");

/// Guards a form that may be sent before login (sign-up, login, password reset, the link in a
/// verification mail): double submit against the `connect_csrf` cookie, or — for someone already
/// logged in — their session's token.
pub struct PreSession;

impl FromRequestParts<AppState> for PreSession {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        if !changes_state(&parts.method) {
            return Ok(PreSession);
        }
        let Some(sent) = header_token(parts).filter(|_| !cross_site(parts)) else {
            return Err(REFUSED);
        };
        if session::cookie(&parts.headers, session::CSRF_COOKIE).is_some_and(|cookie| secret::same(sent, cookie)) {
            return Ok(PreSession);
        }
        if let Some(cookie) = session::cookie(&parts.headers, session::SESSION_COOKIE) {
            let client = state.db.get().await?;
            let rows = client
                .query_typed(
                    "SELECT csrf_token FROM sessions WHERE token_hash = $1 AND expires_at > now()",
                    &[(&secret::hash(cookie), tokio_postgres::types::Type::BYTEA)],
                )
                .await?;
            if rows.first().is_some_and(|row| secret::same(sent, row.get(0))) {
                return Ok(PreSession);
            }
        }
        Err(REFUSED)
    }
}
