//! `/api/auth/…`: sign-up, login (email and password, Kakao, Naver), sessions, bearer tokens,
//! email verification, password reset and linked accounts.

pub mod csrf;
pub mod login;
pub mod logout;
pub mod oauth;
pub mod reset;
pub mod session;
pub mod signup;
pub mod token;
pub mod verify;

use axum::http::header::SET_COOKIE;
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use axum::Json;
use chrono::{DateTime, Utc};
use serde::Serialize;
use tokio_postgres::types::Type;
use tokio_postgres::GenericClient;

use crate::accounts::session::{self as sessions, SESSION_COOKIE};
use crate::accounts::{limits, password, Role};
use crate::api::error::ApiError;
use crate::api::AppState;

/// The logged-in user as the API shows them to themselves.
#[derive(Serialize, utoipa::ToSchema)]
pub struct Me {
    pub id: i64,
    pub email: Option<String>,
    pub email_verified: bool,
    pub name: Option<String>,
    pub role: Role,
    /// Linked login providers (`kakao`, `naver`).
    pub providers: Vec<String>,
    pub has_password: bool,
    pub created_at: DateTime<Utc>,
}

pub async fn me<C: GenericClient>(client: &C, user_id: i64) -> Result<Me, ApiError> {
    let rows = client
        .query_typed(
            "SELECT u.id, u.email, u.email_verified_at IS NOT NULL, u.name, u.role, u.password_hash IS NOT NULL,
                    u.created_at,
                    ARRAY(SELECT provider FROM identities i WHERE i.user_id = u.id ORDER BY provider)
               FROM users u WHERE u.id = $1 AND u.deleted_at IS NULL",
            &[(&user_id, Type::INT8)],
        )
        .await?;
    let row = rows.first().ok_or(ApiError::Unauthenticated)?;
    let role: String = row.get(4);
    Ok(Me {
        id: row.get(0),
        email: row.get(1),
        email_verified: row.get(2),
        name: row.get(3),
        role: Role::parse(&role).unwrap_or(Role::User),
        has_password: row.get(5),
        created_at: row.get(6),
        providers: row.get(7),
    })
}

#[derive(Serialize)]
pub struct SessionView {
    pub user: Me,
    /// Send it back as `X-CSRF-Token` on every state-changing request of this session.
    pub csrf_token: String,
}

/// Starts a browser session for `user_id`: the cookie and the JSON body with the CSRF token.
pub async fn start_session(
    state: &AppState,
    user_id: i64,
    ip: &str,
    headers: &HeaderMap,
) -> Result<(HeaderMap, SessionView), ApiError> {
    let client = state.db.get().await?;
    let config = &state.accounts.config;
    let session =
        sessions::create(&**client, user_id, config.session_ttl, ip, crate::accounts::caller::user_agent(headers))
            .await?;
    let mut out = HeaderMap::new();
    out.insert(
        SET_COOKIE,
        sessions::set_cookie(
            SESSION_COOKIE,
            &session.token,
            config.session_ttl.num_seconds(),
            config.cookie_secure,
            true,
        ),
    );
    let user = me(&**client, user_id).await?;
    Ok((out, SessionView { user, csrf_token: session.csrf_token }))
}

pub fn session_response(headers: HeaderMap, view: SessionView) -> Response {
    (headers, Json(view)).into_response()
}

/// Checks an email and password, with the per-account lockout. The same message for an unknown
/// email and a wrong password, and the same time spent, so accounts cannot be discovered.
pub async fn authenticate(state: &AppState, email: &str, password_given: &str) -> Result<i64, ApiError> {
    let email = normalise_email(email).map_err(|m| ApiError::bad("email", m))?;
    let client = state.db.get().await?;
    let rows = client
        .query_typed(
            "SELECT id, password_hash, failed_logins, locked_until, locked_until > now()
               FROM users WHERE email = $1 AND deleted_at IS NULL",
            &[(&email, Type::TEXT)],
        )
        .await?;
    let wrong = || ApiError::InvalidCredentials("이메일 또는 비밀번호가 올바르지 않습니다".into());
    let Some(row) = rows.first() else {
        password::verify_nothing(password_given.to_string()).await;
        state.metrics.auth_failures.with_label_values(&["unknown_account"]).inc();
        return Err(wrong());
    };
    let (user_id, stored, failures): (i64, Option<String>, i32) = (row.get(0), row.get(1), row.get(2));
    if row.get::<_, Option<bool>>(4) == Some(true) {
        state.metrics.auth_failures.with_label_values(&["locked"]).inc();
        let until: DateTime<Utc> = row.get(3);
        let minutes = ((until - Utc::now()).num_seconds() + 59) / 60;
        return Err(ApiError::InvalidCredentials(format!(
            "로그인 시도가 여러 번 실패해 계정이 잠겼습니다. {minutes}분 후 다시 시도하거나 비밀번호를 재설정해 주세요"
        )));
    }
    let Some(stored) = stored else {
        password::verify_nothing(password_given.to_string()).await;
        state.metrics.auth_failures.with_label_values(&["no_password"]).inc();
        return Err(wrong());
    };
    if password::verify(password_given.to_string(), stored).await {
        client
            .execute_typed(
                "UPDATE users SET failed_logins = 0, locked_until = NULL WHERE id = $1",
                &[(&user_id, Type::INT8)],
            )
            .await?;
        return Ok(user_id);
    }
    let failures = failures + 1;
    let locked_until = limits::lockout(failures).map(|d| Utc::now() + d);
    client
        .execute_typed(
            "UPDATE users SET failed_logins = $2, locked_until = $3 WHERE id = $1",
            &[(&user_id, Type::INT8), (&failures, Type::INT4), (&locked_until, Type::TIMESTAMPTZ)],
        )
        .await?;
    state.metrics.auth_failures.with_label_values(&["bad_password"]).inc();
    Err(wrong())
}

/// Lower-cased and trimmed; refuses what cannot be an address.
pub fn normalise_email(raw: &str) -> Result<String, &'static str> {
    let email = raw.trim().to_lowercase();
    let valid = email.len() <= 254
        && email.split_once('@').is_some_and(|(local, domain)| {
            !local.is_empty()
                && domain.contains('.')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
                && !email.chars().any(|c| c.is_whitespace() || c == '<' || c == '>' || c == ',')
                && email.matches('@').count() == 1
        });
    if valid {
        Ok(email)
    } else {
        Err("이메일 주소 형식이 올바르지 않습니다")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails_are_normalised_or_refused() {
        assert_eq!(normalise_email("  Kim@Example.COM ").unwrap(), "kim@example.com");
        for bad in ["", "kim", "kim@", "@example.com", "kim@example", "a b@example.com", "a@b@c.com"] {
            assert!(normalise_email(bad).is_err(), "{bad}");
        }
    }
}
