//! Kakao and Naver login and account linking (OAuth 2.0 authorisation code, `state`, PKCE for Kakao).
//!
//! Login: `GET /api/auth/oauth/{provider}/start` records the flow, puts its `state` in an HttpOnly
//! cookie and redirects to the provider; the callback accepts the `state` only from the browser that
//! holds that cookie. A provider account already linked logs its user in; an unknown one creates an
//! account (the person must have accepted the terms on the start link). An email that already has a
//! Connect account is never attached automatically: that person logs in and links.
//!
//! Linking: `POST /api/auth/link/{provider}` (session + CSRF) records a flow bound to this session;
//! the provider's callback only notes the provider account on that flow, and
//! `POST /api/auth/link/confirm` from the same session binds it. No GET changes who owns what.

use axum::extract::{Path, Query, State};
use axum::http::header::{LOCATION, SET_COOKIE};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Deserialize;
use tokio_postgres::types::Type;

use super::signup::record_consents;
use super::start_session;
use crate::accounts::caller::{ClientIp, Via};
use crate::accounts::session::{self, OAUTH_COOKIE, SESSION_COOKIE};
use crate::accounts::{secret, Caller};
use crate::api::error::ApiError;
use crate::api::json::Body;
use crate::api::AppState;

const FLOW_MINUTES: i32 = 10;

fn provider<'a>(state: &'a AppState, name: &str) -> Result<(oauth::Provider, &'a oauth::Client), ApiError> {
    let provider: oauth::Provider = name.parse().map_err(|_| ApiError::NotFound("지원하지 않는 로그인 방식입니다"))?;
    let client =
        state.accounts.oauth.get(&provider).ok_or(ApiError::NotFound("이 로그인 방식은 아직 설정되지 않았습니다"))?;
    Ok((provider, client))
}

fn oauth_error(e: oauth::OAuthError) -> ApiError {
    tracing::info!(detail = %e.log_detail(), "OAuth login failed");
    match e {
        oauth::OAuthError::Unavailable { .. } => ApiError::Unavailable(e.to_string()),
        other => ApiError::bad("code", other.to_string()),
    }
}

#[derive(Deserialize)]
pub struct StartLogin {
    /// The current terms and privacy versions, when the person ticked the boxes on the login page.
    pub terms_version: Option<String>,
    pub privacy_version: Option<String>,
    #[serde(default)]
    pub marketing: bool,
}

pub async fn start_login(
    State(state): State<AppState>,
    Path(name): Path<String>,
    ClientIp(ip): ClientIp,
    Query(start): Query<StartLogin>,
) -> Result<Response, ApiError> {
    state.accounts.limiter.check("oauth", &ip).await?;
    let (provider, client) = provider(&state, &name)?;
    let authorization = client.start();
    let terms_accepted = start.terms_version.as_deref() == Some(super::signup::TERMS_VERSION)
        && start.privacy_version.as_deref() == Some(super::signup::PRIVACY_VERSION);
    let db = state.db.get().await?;
    db.execute_typed(
        "INSERT INTO oauth_flows (state_hash, provider, purpose, pkce_verifier, terms_accepted, marketing, expires_at)
         VALUES ($1, $2, 'login', $3, $4, $5, now() + make_interval(mins => $6))",
        &[
            (&secret::hash(&authorization.state), Type::BYTEA),
            (&provider.as_str(), Type::TEXT),
            (&authorization.pkce_verifier, Type::TEXT),
            (&terms_accepted, Type::BOOL),
            (&(terms_accepted && start.marketing), Type::BOOL),
            (&FLOW_MINUTES, Type::INT4),
        ],
    )
    .await?;
    db.execute_typed("DELETE FROM oauth_flows WHERE expires_at < now()", &[]).await?;
    let cookie = session::set_cookie(
        OAUTH_COOKIE,
        &authorization.state,
        i64::from(FLOW_MINUTES) * 60,
        state.accounts.config.cookie_secure,
        true,
    );
    Ok(redirect(authorization.url.as_str(), Some(cookie)))
}

fn redirect(to: &str, cookie: Option<HeaderValue>) -> Response {
    let mut headers = HeaderMap::new();
    headers.insert(LOCATION, HeaderValue::from_str(to).unwrap_or(HeaderValue::from_static("/")));
    if let Some(cookie) = cookie {
        headers.insert(SET_COOKIE, cookie);
    }
    (StatusCode::SEE_OTHER, headers).into_response()
}

struct Flow {
    purpose: String,
    session_hash: Option<Vec<u8>>,
    pkce_verifier: Option<String>,
    terms_accepted: bool,
    marketing: bool,
}

pub async fn callback(
    State(state): State<AppState>,
    Path(name): Path<String>,
    ClientIp(ip): ClientIp,
    headers: HeaderMap,
    Query(query): Query<oauth::CallbackQuery>,
) -> Result<Response, ApiError> {
    state.accounts.limiter.check("oauth", &ip).await?;
    let (provider, client) = provider(&state, &name)?;
    let returned_state = query.state.clone().unwrap_or_default();
    let flow = take_flow(&state, provider, &returned_state).await?;
    // The flow must come back to whoever started it: the browser holding the login cookie, or the
    // session that started a link.
    let expected_state = match (&flow.purpose[..], &flow.session_hash) {
        ("link", Some(expected)) => session::cookie(&headers, SESSION_COOKIE)
            .filter(|cookie| secret::hash(cookie) == *expected)
            .map(|_| returned_state.as_str()),
        _ => session::cookie(&headers, OAUTH_COOKIE),
    };
    let Some(expected_state) = expected_state else {
        state.metrics.auth_failures.with_label_values(&["oauth_state"]).inc();
        return Err(ApiError::bad(
            "state",
            "로그인 요청이 이 브라우저에서 시작되지 않았습니다. 처음부터 다시 시도해 주세요",
        ));
    };
    let code = oauth::callback(provider, &query, expected_state).map_err(|e| {
        if matches!(e, oauth::OAuthError::StateMismatch { .. }) {
            state.metrics.auth_failures.with_label_values(&["oauth_state"]).inc();
        }
        oauth_error(e)
    })?;
    let tokens = client.exchange(&code, &returned_state, flow.pkce_verifier.as_deref()).await.map_err(oauth_error)?;
    let profile = client.profile(&tokens).await.map_err(oauth_error)?;

    if flow.purpose == "link" {
        return note_link(&state, &returned_state, &flow, &profile).await;
    }
    let user_id = match linked_user(&state, &profile).await? {
        Some(user_id) => user_id,
        None => create_user(&state, &profile, &flow, &ip).await?,
    };
    let (mut cookies, _) = start_session(&state, user_id, &ip, &headers).await?;
    cookies.append(SET_COOKIE, session::set_cookie(OAUTH_COOKIE, "", 0, state.accounts.config.cookie_secure, true));
    let mut response = redirect("/", None);
    response.headers_mut().extend(cookies);
    Ok(response)
}

/// Removes and returns the flow a `state` names: each state works once, within its lifetime.
async fn take_flow(state: &AppState, provider: oauth::Provider, returned_state: &str) -> Result<Flow, ApiError> {
    let db = state.db.get().await?;
    let rows = db
        .query_typed(
            "DELETE FROM oauth_flows
              WHERE state_hash = $1 AND provider = $2 AND expires_at > now() AND linked_subject IS NULL
              RETURNING purpose, session_hash, pkce_verifier, terms_accepted, marketing",
            &[(&secret::hash(returned_state), Type::BYTEA), (&provider.as_str(), Type::TEXT)],
        )
        .await?;
    let Some(row) = rows.first() else {
        state.metrics.auth_failures.with_label_values(&["oauth_state"]).inc();
        return Err(ApiError::bad(
            "state",
            "로그인 요청이 만료되었거나 올바르지 않습니다. 처음부터 다시 시도해 주세요",
        ));
    };
    Ok(Flow {
        purpose: row.get(0),
        session_hash: row.get(1),
        pkce_verifier: row.get(2),
        terms_accepted: row.get(3),
        marketing: row.get(4),
    })
}

async fn linked_user(state: &AppState, profile: &oauth::Profile) -> Result<Option<i64>, ApiError> {
    let db = state.db.get().await?;
    let rows = db
        .query_typed(
            "SELECT i.user_id FROM identities i JOIN users u ON u.id = i.user_id
              WHERE i.provider = $1 AND i.subject = $2 AND u.deleted_at IS NULL",
            &[(&profile.provider.as_str(), Type::TEXT), (&profile.subject, Type::TEXT)],
        )
        .await?;
    Ok(rows.first().map(|r| r.get(0)))
}

async fn create_user(state: &AppState, profile: &oauth::Profile, flow: &Flow, ip: &str) -> Result<i64, ApiError> {
    if !flow.terms_accepted {
        return Err(ApiError::bad(
            "terms_version",
            "처음 로그인하시는군요. 이용약관과 개인정보 처리방침에 동의한 뒤 다시 시도해 주세요",
        ));
    }
    let email = profile.email.as_deref().and_then(|e| super::normalise_email(e).ok());
    let mut db = state.db.get().await?;
    let tx = db.transaction().await?;
    if let Some(email) = &email {
        let taken = tx.query_typed("SELECT 1 FROM users WHERE email = $1", &[(email, Type::TEXT)]).await?;
        if !taken.is_empty() {
            return Err(ApiError::Conflict(format!(
                "{email}은(는) 이미 Connect 계정이 있습니다. 그 계정으로 로그인한 뒤 [계정 연결]에서 {}을(를) 연결해 주세요",
                profile.provider.display_name()
            )));
        }
    }
    let rows = tx
        .query_typed(
            "INSERT INTO users (email, email_verified_at, name) VALUES ($1, CASE WHEN $1::text IS NULL THEN NULL ELSE now() END, $2)
             RETURNING id",
            &[(&email, Type::TEXT), (&profile.name, Type::TEXT)],
        )
        .await?;
    let user_id: i64 = rows[0].get(0);
    insert_identity(&*tx, user_id, profile).await?;
    record_consents(&*tx, user_id, flow.marketing, ip).await?;
    crate::audit::record(
        &*tx,
        Some(user_id),
        "user.signup",
        Some(user_id),
        None,
        ip,
        serde_json::json!({"method": profile.provider.as_str()}),
    )
    .await?;
    tx.commit().await?;
    state.metrics.user_registrations.with_label_values(&[profile.provider.as_str()]).inc();
    Ok(user_id)
}

async fn insert_identity<C: tokio_postgres::GenericClient>(
    client: &C,
    user_id: i64,
    profile: &oauth::Profile,
) -> Result<(), ApiError> {
    let inserted = client
        .execute_typed(
            "INSERT INTO identities (provider, subject, user_id, email) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING",
            &[
                (&profile.provider.as_str(), Type::TEXT),
                (&profile.subject, Type::TEXT),
                (&user_id, Type::INT8),
                (&profile.email, Type::TEXT),
            ],
        )
        .await?;
    if inserted == 0 {
        return Err(ApiError::Conflict(format!(
            "이 {} 계정은 이미 다른 Connect 계정에 연결되어 있거나, 이 계정에 다른 {} 계정이 연결되어 있습니다",
            profile.provider.display_name(),
            profile.provider.display_name()
        )));
    }
    Ok(())
}

fn session_hash(caller: &Caller) -> Result<&[u8], ApiError> {
    match &caller.via {
        Via::Session { token_hash, .. } => Ok(token_hash),
        Via::Bearer { .. } => {
            Err(ApiError::bad("authorization", "계정 연결은 브라우저에서 로그인한 상태로만 할 수 있습니다"))
        }
    }
}

/// `POST /api/auth/link/{provider}`: starts linking for the logged-in session; answers the URL to open.
pub async fn start_link(
    State(state): State<AppState>,
    Path(name): Path<String>,
    caller: Caller,
) -> Result<Json<serde_json::Value>, ApiError> {
    let (provider, client) = provider(&state, &name)?;
    let session_hash = session_hash(&caller)?;
    let authorization = client.start();
    let db = state.db.get().await?;
    db.execute_typed(
        "INSERT INTO oauth_flows (state_hash, provider, purpose, session_hash, pkce_verifier, expires_at)
         VALUES ($1, $2, 'link', $3, $4, now() + make_interval(mins => $5))",
        &[
            (&secret::hash(&authorization.state), Type::BYTEA),
            (&provider.as_str(), Type::TEXT),
            (&session_hash, Type::BYTEA),
            (&authorization.pkce_verifier, Type::TEXT),
            (&FLOW_MINUTES, Type::INT4),
        ],
    )
    .await?;
    Ok(Json(serde_json::json!({ "authorize_url": authorization.url.as_str() })))
}

/// The callback of a link flow: note the provider account on the flow (taken from the table above,
/// put back bound to the same session), then let the user confirm with a POST.
async fn note_link(
    state: &AppState,
    returned_state: &str,
    flow: &Flow,
    profile: &oauth::Profile,
) -> Result<Response, ApiError> {
    let db = state.db.get().await?;
    db.execute_typed(
        "INSERT INTO oauth_flows (state_hash, provider, purpose, session_hash, linked_subject, linked_email, expires_at)
         VALUES ($1, $2, 'link', $3, $4, $5, now() + make_interval(mins => $6))",
        &[
            (&secret::hash(returned_state), Type::BYTEA),
            (&profile.provider.as_str(), Type::TEXT),
            (&flow.session_hash, Type::BYTEA),
            (&profile.subject, Type::TEXT),
            (&profile.email, Type::TEXT),
            (&FLOW_MINUTES, Type::INT4),
        ],
    )
    .await?;
    Ok(redirect(&format!("/account/links?confirm={returned_state}"), None))
}

#[derive(Deserialize)]
pub struct ConfirmLink {
    pub state: String,
}

/// `POST /api/auth/link/confirm`: binds the noted provider account to the caller, from the session
/// that started the flow only.
pub async fn confirm_link(
    State(state): State<AppState>,
    caller: Caller,
    ClientIp(ip): ClientIp,
    Body(form): Body<ConfirmLink>,
) -> Result<Json<super::Me>, ApiError> {
    let session_hash = session_hash(&caller)?;
    let mut db = state.db.get().await?;
    let tx = db.transaction().await?;
    let rows = tx
        .query_typed(
            "DELETE FROM oauth_flows
              WHERE state_hash = $1 AND purpose = 'link' AND session_hash = $2
                AND linked_subject IS NOT NULL AND expires_at > now()
              RETURNING provider, linked_subject, linked_email",
            &[(&secret::hash(&form.state), Type::BYTEA), (&session_hash, Type::BYTEA)],
        )
        .await?;
    let Some(row) = rows.first() else {
        return Err(ApiError::bad(
            "state",
            "연결 요청이 만료되었거나 이 세션에서 시작되지 않았습니다. 다시 시도해 주세요",
        ));
    };
    let provider: String = row.get(0);
    let profile = oauth::Profile {
        provider: provider.parse().map_err(|_| ApiError::bad("state", "알 수 없는 로그인 방식입니다"))?,
        subject: row.get(1),
        email: row.get(2),
        name: None,
    };
    insert_identity(&*tx, caller.user_id, &profile).await?;
    crate::audit::record(
        &*tx,
        Some(caller.user_id),
        "user.identity_linked",
        Some(caller.user_id),
        None,
        &ip,
        serde_json::json!({"provider": provider}),
    )
    .await?;
    tx.commit().await?;
    Ok(Json(super::me(&**db, caller.user_id).await?))
}

/// `DELETE /api/auth/link/{provider}`: unlinks, unless it would leave no way to log in.
pub async fn unlink(
    State(state): State<AppState>,
    Path(name): Path<String>,
    caller: Caller,
    ClientIp(ip): ClientIp,
) -> Result<Json<super::Me>, ApiError> {
    let provider: oauth::Provider = name.parse().map_err(|_| ApiError::NotFound("지원하지 않는 로그인 방식입니다"))?;
    let mut db = state.db.get().await?;
    let tx = db.transaction().await?;
    let rows = tx
        .query_typed(
            "SELECT (SELECT password_hash IS NOT NULL FROM users WHERE id = $1),
                    (SELECT count(*) FROM identities WHERE user_id = $1 AND provider <> $2)",
            &[(&caller.user_id, Type::INT8), (&provider.as_str(), Type::TEXT)],
        )
        .await?;
    let (has_password, others): (Option<bool>, i64) = (rows[0].get(0), rows[0].get(1));
    if has_password != Some(true) && others == 0 {
        return Err(ApiError::Conflict(
            "마지막 로그인 수단은 해제할 수 없습니다. 먼저 비밀번호를 설정하거나 다른 계정을 연결해 주세요".into(),
        ));
    }
    let removed = tx
        .execute_typed(
            "DELETE FROM identities WHERE user_id = $1 AND provider = $2",
            &[(&caller.user_id, Type::INT8), (&provider.as_str(), Type::TEXT)],
        )
        .await?;
    if removed == 0 {
        return Err(ApiError::NotFound("연결된 계정이 없습니다"));
    }
    crate::audit::record(
        &*tx,
        Some(caller.user_id),
        "user.identity_unlinked",
        Some(caller.user_id),
        None,
        &ip,
        serde_json::json!({"provider": provider.as_str()}),
    )
    .await?;
    tx.commit().await?;
    Ok(Json(super::me(&**db, caller.user_id).await?))
}
