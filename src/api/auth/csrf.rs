//! `GET /api/auth/csrf`: the pre-session CSRF token (double submit), as a cookie and in the body.

use axum::extract::State;
use axum::http::header::SET_COOKIE;
use axum::response::IntoResponse;
use axum::Json;

use crate::accounts::secret;
use crate::accounts::session::{self, CSRF_COOKIE};
use crate::api::AppState;

pub async fn issue(State(state): State<AppState>) -> impl IntoResponse {
    let token = secret::token();
    let cookie = session::set_cookie(CSRF_COOKIE, &token, 2 * 60 * 60, state.accounts.config.cookie_secure, true);
    ([(SET_COOKIE, cookie)], Json(serde_json::json!({ "csrf_token": token })))
}
