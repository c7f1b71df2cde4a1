//! `POST /api/auth/signup`: a new account with email and password. Records the accepted terms and
//! privacy policy versions, sends the verification mail and starts a session.

use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::Response;
use serde::Deserialize;
use tokio_postgres::types::Type;

use super::{normalise_email, session_response, start_session};
use crate::accounts::caller::ClientIp;
use crate::accounts::csrf::PreSession;
use crate::accounts::mail_token::{self, Purpose};
use crate::accounts::{mails, password, secret};
use crate::api::error::ApiError;
use crate::api::json::Body;
use crate::api::AppState;

/// The versions of the documents a sign-up must accept (shown on the terms and privacy pages).
pub const TERMS_VERSION: &str = "2026-11-01";
pub const PRIVACY_VERSION: &str = "2026-11-01";

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SignUp {
    pub email: String,
    pub password: String,
    pub name: Option<String>,
    /// The terms version the person accepted; must be the current one.
    pub terms_version: String,
    pub privacy_version: String,
    #[serde(default)]
    pub marketing: bool,
}

pub async fn signup(
    State(state): State<AppState>,
    _csrf: PreSession,
    ClientIp(ip): ClientIp,
    headers: HeaderMap,
    Body(form): Body<SignUp>,
) -> Result<Response, ApiError> {
    state.accounts.limiter.check("signup", &ip).await?;
    let email = normalise_email(&form.email).map_err(|m| ApiError::bad("email", m))?;
    password::check_policy(&form.password, Some(&email)).map_err(|m| ApiError::bad("password", m))?;
    if form.terms_version != TERMS_VERSION {
        return Err(ApiError::bad("terms_version", format!("이용약관({TERMS_VERSION})에 동의해 주세요")));
    }
    if form.privacy_version != PRIVACY_VERSION {
        return Err(ApiError::bad("privacy_version", format!("개인정보 처리방침({PRIVACY_VERSION})에 동의해 주세요")));
    }
    let name = form.name.as_deref().map(str::trim).filter(|n| !n.is_empty());
    if name.is_some_and(|n| n.chars().count() > 50) {
        return Err(ApiError::bad("name", "이름은 50자 이하여야 합니다"));
    }
    let hash = password::hash(form.password).await?;
    let verify_token = secret::token();

    let mut client = state.db.get().await?;
    let tx = client.transaction().await?;
    let inserted = tx
        .query_typed(
            "INSERT INTO users (email, password_hash, name) VALUES ($1, $2, $3) ON CONFLICT (email) DO NOTHING RETURNING id",
            &[(&email, Type::TEXT), (&hash, Type::TEXT), (&name, Type::TEXT)],
        )
        .await?;
    let Some(row) = inserted.first() else {
        return Err(ApiError::Conflict("이미 가입된 이메일입니다. 로그인하거나 비밀번호를 재설정해 주세요".into()));
    };
    let user_id: i64 = row.get(0);
    record_consents(&*tx, user_id, form.marketing, &ip).await?;
    mail_token::issue(&*tx, user_id, Purpose::VerifyEmail, &verify_token).await?;
    crate::audit::record(
        &*tx,
        Some(user_id),
        "user.signup",
        Some(user_id),
        None,
        &ip,
        serde_json::json!({"method": "email"}),
    )
    .await?;
    tx.commit().await?;
    drop(client);
    state.metrics.user_registrations.with_label_values(&["email"]).inc();

    let sent = mails::send(&state.accounts, mails::verify_email(&state.accounts, &email, &verify_token)).await;
    let (cookies, view) = start_session(&state, user_id, &ip, &headers).await?;
    let mut response = session_response(cookies, view);
    if !sent {
        response.headers_mut().insert("x-connect-mail", axum::http::HeaderValue::from_static("not-sent"));
    }
    *response.status_mut() = axum::http::StatusCode::CREATED;
    Ok(response)
}

/// Terms and privacy at their current versions, marketing only when chosen.
pub async fn record_consents<C: tokio_postgres::GenericClient>(
    client: &C,
    user_id: i64,
    marketing: bool,
    ip: &str,
) -> Result<(), tokio_postgres::Error> {
    let mut accepted = vec![("terms", TERMS_VERSION), ("privacy", PRIVACY_VERSION)];
    if marketing {
        accepted.push(("marketing", PRIVACY_VERSION));
    }
    for (kind, version) in accepted {
        client
            .execute_typed(
                "INSERT INTO consents (user_id, kind, version, ip) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING",
                &[(&user_id, Type::INT8), (&kind, Type::TEXT), (&version, Type::TEXT), (&ip, Type::TEXT)],
            )
            .await?;
    }
    Ok(())
}
