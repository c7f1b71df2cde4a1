//! The fake provider's HTTP face: the documented paths, and bodies in each provider's dialect.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use axum::http::header::{AUTHORIZATION, CONTENT_TYPE, LOCATION};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use serde_json::{json, Value};

use super::protocol::{Gate, Issued, Params, Shared, TokenFailure};
use super::{Endpoint, FakeUser};
use crate::Provider;

/// Truncated JSON served while the fake is set malformed.
const MALFORMED_BODY: &str = r#"{"access_token":"AT","token_type":"bea"#;

pub(super) fn router(shared: Arc<Shared>) -> Router {
    let provider = shared.provider;
    let path = |segments: &[&str]| format!("/{}", segments.join("/"));
    let (token_route, profile_route) = match provider {
        Provider::Kakao => (post(token), get(profile).post(profile)),
        Provider::Naver => (get(token).post(token), get(profile)),
    };
    Router::new()
        .route(&path(provider.authorize_path()), get(authorize))
        .route(&path(provider.token_path()), token_route)
        .route(&path(provider.profile_path()), profile_route)
        .with_state(shared)
}

async fn authorize(State(shared): State<Arc<Shared>>, RawQuery(query): RawQuery) -> Response {
    if let Gate::Unavailable = shared.gate(Endpoint::Authorize).await {
        return unavailable();
    }
    let mut params = Params::default();
    params.add(query.unwrap_or_default().as_bytes());
    match shared.authorize_current(&params) {
        Ok(location) => (StatusCode::FOUND, [(LOCATION, location.to_string())]).into_response(),
        Err(page) => (StatusCode::BAD_REQUEST, page).into_response(),
    }
}

async fn token(State(shared): State<Arc<Shared>>, RawQuery(query): RawQuery, body: Bytes) -> Response {
    match shared.gate(Endpoint::Token).await {
        Gate::Unavailable => return unavailable(),
        Gate::Proceed { malformed: true } => return malformed(),
        Gate::Proceed { malformed: false } => {}
    }
    let mut params = Params::default();
    params.add(query.unwrap_or_default().as_bytes());
    params.add(&body);
    match (shared.provider, shared.exchange(&params)) {
        (Provider::Kakao, Ok(issued)) => kakao_tokens(issued),
        (Provider::Naver, Ok(issued)) => naver_tokens(issued),
        (Provider::Kakao, Err(failure)) => kakao_token_error(failure),
        (Provider::Naver, Err(failure)) => naver_token_error(failure),
    }
}

async fn profile(State(shared): State<Arc<Shared>>, headers: HeaderMap) -> Response {
    match shared.gate(Endpoint::Profile).await {
        Gate::Unavailable => return unavailable(),
        Gate::Proceed { malformed: true } => return malformed(),
        Gate::Proceed { malformed: false } => {}
    }
    let user = headers
        .get(AUTHORIZATION)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.split_once(' '))
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
        .and_then(|(_, token)| shared.user_of(token.trim()));
    match (shared.provider, user) {
        (Provider::Kakao, Some(user)) => json_response(StatusCode::OK, kakao_me(&user)),
        (Provider::Naver, Some(user)) => json_response(StatusCode::OK, naver_me(&user)),
        (Provider::Kakao, None) => {
            json_response(StatusCode::UNAUTHORIZED, json!({"msg": "this access token does not exist", "code": -401}))
        }
        (Provider::Naver, None) => {
            json_response(StatusCode::UNAUTHORIZED, json!({"resultcode": "024", "message": "Authentication failed"}))
        }
    }
}

fn kakao_tokens(issued: Issued) -> Response {
    let body = json!({
        "token_type": "bearer",
        "access_token": issued.access_token,
        "expires_in": 21599,
        "refresh_token": issued.refresh_token,
        "refresh_token_expires_in": 5183999,
        "scope": "account_email profile_nickname",
    });
    json_response(StatusCode::OK, body)
}

fn naver_tokens(issued: Issued) -> Response {
    let body = json!({
        "access_token": issued.access_token,
        "refresh_token": issued.refresh_token,
        "token_type": "bearer",
        "expires_in": "3600",
    });
    json_response(StatusCode::OK, body)
}

/// Kakao: HTTP 400/401 with `{"error", "error_description", "error_code"}`.
fn kakao_token_error(failure: TokenFailure) -> Response {
    let (status, error, description, koe) = match failure {
        TokenFailure::UnsupportedGrant => {
            (StatusCode::BAD_REQUEST, "unsupported_grant_type", "grant_type must be authorization_code".into(), None)
        }
        TokenFailure::InvalidRequest(why) => (StatusCode::BAD_REQUEST, "invalid_request", why.to_owned(), None),
        TokenFailure::InvalidClient => {
            (StatusCode::UNAUTHORIZED, "invalid_client", "Bad client credentials".into(), Some("KOE010"))
        }
        TokenFailure::UnknownCode(code) => (
            StatusCode::BAD_REQUEST,
            "invalid_grant",
            format!("authorization code not found for code={code}"),
            Some("KOE320"),
        ),
        TokenFailure::RedirectMismatch => {
            (StatusCode::BAD_REQUEST, "invalid_grant", "Redirect URI mismatch.".into(), Some("KOE303"))
        }
        TokenFailure::StateMismatch => (StatusCode::BAD_REQUEST, "invalid_grant", "state mismatch.".into(), None),
        TokenFailure::PkceMismatch => {
            (StatusCode::BAD_REQUEST, "invalid_grant", "PKCE verification failed.".into(), None)
        }
    };
    let mut body = json!({"error": error, "error_description": description});
    if let Some(koe) = koe {
        body["error_code"] = Value::from(koe);
    }
    json_response(status, body)
}

/// Naver: HTTP 200 with `{"error", "error_description"}`.
fn naver_token_error(failure: TokenFailure) -> Response {
    let (error, description) = match failure {
        TokenFailure::UnsupportedGrant => ("unsupported_grant_type", "grant_type must be authorization_code"),
        TokenFailure::InvalidRequest(why) => ("invalid_request", why),
        TokenFailure::InvalidClient => ("invalid_client", "client authentication failed"),
        TokenFailure::UnknownCode(_)
        | TokenFailure::RedirectMismatch
        | TokenFailure::StateMismatch
        | TokenFailure::PkceMismatch => ("invalid_request", "no valid data in session"),
    };
    json_response(StatusCode::OK, json!({"error": error, "error_description": description}))
}

fn kakao_me(user: &FakeUser) -> Value {
    let id = user.subject.parse::<u64>().map(Value::from).unwrap_or_else(|_| Value::from(user.subject.clone()));
    let mut account = json!({
        "profile_nickname_needs_agreement": false,
        "profile": {},
        "has_email": user.email.is_some(),
    });
    if let Some(name) = &user.name {
        account["profile"]["nickname"] = Value::from(name.clone());
    }
    if let Some(email) = &user.email {
        account["email_needs_agreement"] = Value::from(false);
        account["is_email_valid"] = Value::from(true);
        account["is_email_verified"] = Value::from(user.email_verified);
        account["email"] = Value::from(email.clone());
    }
    json!({"id": id, "connected_at": "2024-05-01T09:00:00Z", "kakao_account": account})
}

fn naver_me(user: &FakeUser) -> Value {
    let mut response = json!({"id": user.subject});
    if let Some(name) = &user.name {
        response["nickname"] = Value::from(name.clone());
        response["name"] = Value::from(name.clone());
    }
    if let Some(email) = &user.email {
        response["email"] = Value::from(email.clone());
    }
    json!({"resultcode": "00", "message": "success", "response": response})
}

fn json_response(status: StatusCode, body: Value) -> Response {
    (status, [(CONTENT_TYPE, "application/json;charset=UTF-8")], body.to_string()).into_response()
}

fn malformed() -> Response {
    (StatusCode::OK, [(CONTENT_TYPE, "application/json;charset=UTF-8")], MALFORMED_BODY).into_response()
}

fn unavailable() -> Response {
    let page = "<html><body><h1>503 Service Temporarily Unavailable</h1></body></html>";
    (StatusCode::SERVICE_UNAVAILABLE, [(CONTENT_TYPE, "text/html")], page).into_response()
}
