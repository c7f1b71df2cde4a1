//! Browser sessions: a random token in an HttpOnly, SameSite=Lax cookie (Secure unless configured off
//! for plain-HTTP development), its SHA-256 in `sessions`. Deleting the row ends the session at once.

use axum::http::{HeaderMap, HeaderValue};
use chrono::{DateTime, Utc};
use tokio_postgres::types::Type;
use tokio_postgres::GenericClient;

use super::secret;

pub const SESSION_COOKIE: &str = "connect_session";
/// The pre-session CSRF cookie (double submit) for forms sent before anyone is logged in.
pub const CSRF_COOKIE: &str = "connect_csrf";
/// Binds an OAuth login to the browser that started it.
pub const OAUTH_COOKIE: &str = "connect_oauth";

/// The value of cookie `name` in the request, if any.
pub fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(axum::http::header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(n, _)| *n == name)
        .map(|(_, v)| v.trim_matches('"'))
        .filter(|v| !v.is_empty())
}

/// A `Set-Cookie` value; `max_age` zero deletes the cookie.
pub fn set_cookie(name: &str, value: &str, max_age_secs: i64, secure: bool, http_only: bool) -> HeaderValue {
    let mut cookie = format!("{name}={value}; Path=/; Max-Age={max_age_secs}; SameSite=Lax");
    if http_only {
        cookie.push_str("; HttpOnly");
    }
    if secure {
        cookie.push_str("; Secure");
    }
    HeaderValue::from_str(&cookie).expect("cookie values are URL-safe tokens")
}

pub struct NewSession {
    pub token: String,
    pub csrf_token: String,
    pub expires_at: DateTime<Utc>,
}

pub async fn create<C: GenericClient>(
    client: &C,
    user_id: i64,
    ttl: chrono::Duration,
    ip: &str,
    user_agent: Option<&str>,
) -> Result<NewSession, tokio_postgres::Error> {
    let token = secret::token();
    let csrf_token = secret::token();
    let expires_at = Utc::now() + ttl;
    let user_agent = user_agent.map(|ua| ua.chars().take(300).collect::<String>());
    client
        .execute_typed(
            "INSERT INTO sessions (token_hash, user_id, csrf_token, expires_at, ip, user_agent)
             VALUES ($1, $2, $3, $4, $5, $6)",
            &[
                (&secret::hash(&token), Type::BYTEA),
                (&user_id, Type::INT8),
                (&csrf_token, Type::TEXT),
                (&expires_at, Type::TIMESTAMPTZ),
                (&ip, Type::TEXT),
                (&user_agent, Type::TEXT),
            ],
        )
        .await?;
    Ok(NewSession { token, csrf_token, expires_at })
}

pub async fn revoke<C: GenericClient>(client: &C, token_hash: &[u8]) -> Result<(), tokio_postgres::Error> {
    client.execute_typed("DELETE FROM sessions WHERE token_hash = $1", &[(&token_hash, Type::BYTEA)]).await?;
    Ok(())
}

/// Ends every session of the user and invalidates every bearer token minted so far.
pub async fn revoke_all<C: GenericClient>(client: &C, user_id: i64) -> Result<(), tokio_postgres::Error> {
    client.execute_typed("DELETE FROM sessions WHERE user_id = $1", &[(&user_id, Type::INT8)]).await?;
    client
        .execute_typed("UPDATE users SET token_version = token_version + 1 WHERE id = $1", &[(&user_id, Type::INT8)])
        .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cookies_are_found_among_others() {
        let mut headers = HeaderMap::new();
        headers.append("cookie", HeaderValue::from_static("a=1; connect_session=abc; b=2"));
        headers.append("cookie", HeaderValue::from_static("connect_csrf=xyz"));
        assert_eq!(cookie(&headers, SESSION_COOKIE), Some("abc"));
        assert_eq!(cookie(&headers, CSRF_COOKIE), Some("xyz"));
        assert_eq!(cookie(&headers, "missing"), None);
    }

    #[test]
    fn session_cookies_are_http_only_secure_and_same_site() {
        let value = set_cookie(SESSION_COOKIE, "abc", 60, true, true);
        let text = value.to_str().unwrap();
        for part in ["HttpOnly", "Secure", "SameSite=Lax", "Path=/", "Max-Age=60"] {
            assert!(text.contains(part), "{text}");
        }
    }
}
