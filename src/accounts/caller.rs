//! The `Caller` extractor: the logged-in user behind a request, from a bearer token (scripts) or the
//! session cookie (browsers), checked against PostgreSQL on every request. Cookie-authenticated
//! requests that change state must carry the session's CSRF token (see [`super::csrf`]); bearer
//! requests need none, since no browser attaches them by itself.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use chrono::Utc;
use tokio_postgres::types::Type;

use super::{csrf, secret, session, token, Role};
use crate::api::error::ApiError;
use crate::api::AppState;

#[derive(Debug, Clone)]
pub struct Caller {
    pub user_id: i64,
    pub role: Role,
    pub via: Via,
}

#[derive(Debug, Clone)]
pub enum Via {
    Session { token_hash: Vec<u8>, csrf_token: String },
    Bearer { jti: String, expires_at: chrono::DateTime<Utc> },
}

impl Caller {
    pub fn is_admin(&self) -> bool {
        self.role >= Role::Admin
    }
}

fn bearer(parts: &Parts) -> Option<&str> {
    let value = parts.headers.get(axum::http::header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then_some(token.trim())
}

impl FromRequestParts<AppState> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        if let Some(caller) = parts.extensions.get::<Caller>() {
            return Ok(caller.clone());
        }
        let caller = if let Some(raw) = bearer(parts) {
            from_bearer(state, raw).await?
        } else if let Some(cookie) = session::cookie(&parts.headers, session::SESSION_COOKIE) {
            let caller = from_session(state, cookie).await?;
            if let Via::Session { csrf_token, .. } = &caller.via {
                csrf::check_session(parts, csrf_token)?;
            }
            caller
        } else {
            return Err(ApiError::Unauthenticated);
        };
        parts.extensions.insert(caller.clone());
        Ok(caller)
    }
}

async fn from_bearer(state: &AppState, raw: &str) -> Result<Caller, ApiError> {
    let claims = token::verify(&state.accounts.jwt_secret, raw, Utc::now()).map_err(|e| {
        state.metrics.auth_failures.with_label_values(&["bad_token"]).inc();
        ApiError::InvalidCredentials(e.to_string())
    })?;
    let user_id = claims.user_id().ok_or(ApiError::Unauthenticated)?;
    let client = state.db.get().await?;
    let rows = client
        .query_typed(
            "SELECT u.role, u.token_version, EXISTS (SELECT 1 FROM revoked_tokens r WHERE r.jti = $2)
               FROM users u WHERE u.id = $1 AND u.deleted_at IS NULL",
            &[(&user_id, Type::INT8), (&claims.jti, Type::TEXT)],
        )
        .await?;
    let Some(row) = rows.first() else {
        return Err(ApiError::InvalidCredentials("토큰의 사용자가 없습니다".into()));
    };
    let (role, version, revoked): (String, i32, bool) = (row.get(0), row.get(1), row.get(2));
    if revoked || version != claims.ver {
        state.metrics.auth_failures.with_label_values(&["revoked_token"]).inc();
        return Err(ApiError::InvalidCredentials("폐기된 토큰입니다. 다시 발급받으세요".into()));
    }
    Ok(Caller {
        user_id,
        role: Role::parse(&role).unwrap_or(Role::User),
        via: Via::Bearer { expires_at: claims.expires_at(), jti: claims.jti },
    })
}

async fn from_session(state: &AppState, cookie: &str) -> Result<Caller, ApiError> {
    let token_hash = secret::hash(cookie);
    let client = state.db.get().await?;
    let rows = client
        .query_typed(
            "SELECT s.user_id, u.role, s.csrf_token
               FROM sessions s JOIN users u ON u.id = s.user_id
              WHERE s.token_hash = $1 AND s.expires_at > now() AND u.deleted_at IS NULL",
            &[(&token_hash, Type::BYTEA)],
        )
        .await?;
    let Some(row) = rows.first() else {
        return Err(ApiError::InvalidCredentials("로그인이 만료되었습니다. 다시 로그인해 주세요".into()));
    };
    let role: String = row.get(1);
    Ok(Caller {
        user_id: row.get(0),
        role: Role::parse(&role).unwrap_or(Role::User),
        via: Via::Session { token_hash, csrf_token: row.get(2) },
    })
}

/// A caller with the ADMIN role or higher; anyone else gets 403.
pub struct Admin(pub Caller);

impl FromRequestParts<AppState> for Admin {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let caller = Caller::from_request_parts(parts, state).await?;
        if caller.role < Role::Admin {
            return Err(ApiError::Forbidden("관리자만 사용할 수 있습니다"));
        }
        Ok(Admin(caller))
    }
}

/// A caller with the SUPER_ADMIN role; anyone else gets 403.
pub struct SuperAdmin(pub Caller);

impl FromRequestParts<AppState> for SuperAdmin {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let caller = Caller::from_request_parts(parts, state).await?;
        if caller.role < Role::SuperAdmin {
            return Err(ApiError::Forbidden("최고 관리자만 사용할 수 있습니다"));
        }
        Ok(SuperAdmin(caller))
    }
}

/// The client's address: the peer of a TCP connection, or — behind nginx on the unix socket, where
/// there is no peer address — the `X-Real-IP` nginx sets, trusted only when configured so.
pub struct ClientIp(pub String);

impl FromRequestParts<AppState> for ClientIp {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        if state.accounts.config.trust_proxy {
            if let Some(ip) = parts.headers.get("x-real-ip").and_then(|v| v.to_str().ok()) {
                if let Ok(ip) = ip.trim().parse::<std::net::IpAddr>() {
                    return Ok(ClientIp(ip.to_string()));
                }
            }
        }
        let peer = parts.extensions.get::<axum::extract::ConnectInfo<std::net::SocketAddr>>().map(|c| c.0.ip());
        Ok(ClientIp(peer.map(|ip| ip.to_string()).unwrap_or_else(|| "local".into())))
    }
}

/// `User-Agent`, for the session list.
pub fn user_agent(parts: &axum::http::HeaderMap) -> Option<&str> {
    parts.get(axum::http::header::USER_AGENT).and_then(|v| v.to_str().ok())
}
