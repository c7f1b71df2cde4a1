//! The sign-up and login forms for browsers without JavaScript. With JavaScript, `app.js` sends
//! these forms to the JSON API; without it, the browser posts them here as an ordinary form, and
//! these handlers call the very same API handlers (`api::auth::login::login`,
//! `api::auth::signup::signup`) and turn their answer into a redirect or the form again with the
//! message.
//!
//! CSRF is the API's pre-session double submit: the page sets the `connect_csrf` cookie and puts the
//! same token in a hidden `_csrf` field; a post whose field differs from the cookie, or that the
//! browser marks cross-site, is refused.

use axum::extract::State;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use serde::Deserialize;

use super::account::{login_page, safe_next, signup_next, signup_page, FormState};
use crate::accounts::caller::ClientIp;
use crate::accounts::csrf::PreSession;
use crate::accounts::secret;
use crate::accounts::session::{self, CSRF_COOKIE};
use crate::api::auth::login::Credentials;
use crate::api::auth::signup::SignUp;
use crate::api::error::ApiError;
use crate::api::json::Body;
use crate::api::AppState;

/// The form's token for this browser: the `connect_csrf` cookie it has, or a new one to set.
pub fn form_token(state: &AppState, headers: &HeaderMap) -> (String, Option<HeaderValue>) {
    match session::cookie(headers, CSRF_COOKIE) {
        Some(token) => (token.to_string(), None),
        None => {
            let token = secret::token();
            let cookie =
                session::set_cookie(CSRF_COOKIE, &token, 2 * 60 * 60, state.accounts.config.cookie_secure, true);
            (token, Some(cookie))
        }
    }
}

fn csrf_ok(headers: &HeaderMap, sent: &str) -> bool {
    let cross_site = headers.get("sec-fetch-site").is_some_and(|v| v.as_bytes() == b"cross-site");
    !cross_site && !sent.is_empty() && session::cookie(headers, CSRF_COOKIE).is_some_and(|c| secret::same(sent, c))
}

/// What an API error says to a person, and the status to answer with.
fn problem(e: ApiError) -> (StatusCode, String) {
    let message = match &e {
        ApiError::Internal(_) => "서버 내부 오류가 발생했습니다. 잠시 후 다시 시도해 주세요.".to_string(),
        other => other.to_string(),
    };
    (e.into_response().status(), message)
}

const STALE_FORM: &str = "양식이 만료되었습니다. 페이지를 새로 고친 뒤 다시 시도해 주세요";

/// Follows a successful API answer: its cookies, then `to`.
fn continue_to(api: Response, to: &str) -> Response {
    let mut response = Redirect::to(to).into_response();
    for cookie in api.headers().get_all(header::SET_COOKIE) {
        response.headers_mut().append(header::SET_COOKIE, cookie.clone());
    }
    response
}

#[derive(Deserialize)]
pub struct LoginForm {
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
    #[serde(default, rename = "_next")]
    next: Option<String>,
    #[serde(default, rename = "_csrf")]
    csrf: String,
}

pub async fn login(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    headers: HeaderMap,
    Form(form): Form<LoginForm>,
) -> Response {
    let next = safe_next(form.next.as_deref());
    let again = |status, error: String| {
        let form_state = FormState { email: form.email.clone(), name: String::new(), error: Some(error) };
        login_page(&state, &headers, next.clone(), form_state, status)
    };
    if !csrf_ok(&headers, &form.csrf) {
        return again(StatusCode::FORBIDDEN, STALE_FORM.into());
    }
    let credentials = Credentials { email: form.email.clone(), password: form.password.clone() };
    match crate::api::auth::login::login(
        State(state.clone()),
        PreSession,
        ClientIp(ip),
        headers.clone(),
        Body(credentials),
    )
    .await
    {
        Ok(api) => continue_to(api, &next),
        Err(e) => {
            let (status, message) = problem(e);
            again(status, message)
        }
    }
}

#[derive(Deserialize)]
pub struct SignupForm {
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    terms_version: String,
    #[serde(default)]
    privacy_version: String,
    #[serde(default)]
    marketing: Option<String>,
    #[serde(default, rename = "_next")]
    next: Option<String>,
    #[serde(default, rename = "_csrf")]
    csrf: String,
}

pub async fn signup(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    headers: HeaderMap,
    Form(form): Form<SignupForm>,
) -> Response {
    let next = signup_next(form.next.as_deref());
    let again = |status, error: String| {
        let form_state = FormState { email: form.email.clone(), name: form.name.clone(), error: Some(error) };
        signup_page(&state, &headers, next.clone(), form_state, status)
    };
    if !csrf_ok(&headers, &form.csrf) {
        return again(StatusCode::FORBIDDEN, STALE_FORM.into());
    }
    let signup = SignUp {
        email: form.email.clone(),
        password: form.password.clone(),
        name: Some(form.name.clone()).filter(|n| !n.trim().is_empty()),
        terms_version: form.terms_version.clone(),
        privacy_version: form.privacy_version.clone(),
        marketing: form.marketing.as_deref() == Some("true"),
    };
    match crate::api::auth::signup::signup(
        State(state.clone()),
        PreSession,
        ClientIp(ip),
        headers.clone(),
        Body(signup),
    )
    .await
    {
        Ok(api) => continue_to(api, &next),
        Err(e) => {
            let (status, message) = problem(e);
            again(status, message)
        }
    }
}
