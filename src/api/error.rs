//! The one error type of the HTTP API and its mapping to status codes, in one place. Clients get a
//! Korean message and, for bad input, the name of the parameter; unexpected errors are logged with
//! their detail and answered with an opaque 500.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Serialize;

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("{message}")]
    BadParameter { parameter: String, message: String },
    #[error("{0}")]
    NotFound(&'static str),
    #[error("로그인이 필요합니다")]
    Unauthenticated,
    #[error("{0}")]
    InvalidCredentials(String),
    #[error("{0}")]
    Forbidden(&'static str),
    #[error("{0}")]
    Conflict(String),
    #[error("요청이 너무 많습니다. {retry_after_secs}초 후 다시 시도해 주세요")]
    TooManyRequests { retry_after_secs: u64 },
    #[error("{0}")]
    TooLarge(String),
    #[error("{0}")]
    UnsupportedMedia(String),
    #[error("{0}")]
    Unavailable(String),
    /// The card was declined or the payment otherwise refused (HTTP 402): nothing was charged.
    #[error("{0}")]
    PaymentFailed(String),
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

impl ApiError {
    pub fn bad(parameter: &str, message: impl Into<String>) -> Self {
        ApiError::BadParameter { parameter: parameter.to_string(), message: message.into() }
    }

    /// The HTTP status and the `code` of the error body.
    pub fn status_and_code(&self) -> (StatusCode, &'static str) {
        match self {
            ApiError::BadParameter { .. } => (StatusCode::BAD_REQUEST, "bad_parameter"),
            ApiError::NotFound(_) => (StatusCode::NOT_FOUND, "not_found"),
            ApiError::Unauthenticated | ApiError::InvalidCredentials(_) => {
                (StatusCode::UNAUTHORIZED, "unauthenticated")
            }
            ApiError::Forbidden(_) => (StatusCode::FORBIDDEN, "forbidden"),
            ApiError::Conflict(_) => (StatusCode::CONFLICT, "conflict"),
            ApiError::TooManyRequests { .. } => (StatusCode::TOO_MANY_REQUESTS, "too_many_requests"),
            ApiError::TooLarge(_) => (StatusCode::PAYLOAD_TOO_LARGE, "too_large"),
            ApiError::UnsupportedMedia(_) => (StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported_media"),
            ApiError::Unavailable(_) => (StatusCode::SERVICE_UNAVAILABLE, "unavailable"),
            ApiError::PaymentFailed(_) => (StatusCode::PAYMENT_REQUIRED, "payment_failed"),
            ApiError::Internal(_) => (StatusCode::INTERNAL_SERVER_ERROR, "internal"),
        }
    }
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct ErrorBody {
    /// `bad_parameter`, `unauthenticated`, `forbidden`, `not_found`, `conflict`, `too_many_requests`,
    /// `too_large`, `unsupported_media`, `unavailable`, `payment_failed` or `internal`.
    pub code: &'static str,
    /// What went wrong, in Korean.
    pub message: String,
    /// The query or path parameter at fault, for `bad_parameter`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub parameter: Option<String>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct ErrorResponse {
    pub error: ErrorBody,
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (status, code) = self.status_and_code();
        let parameter = match &self {
            ApiError::BadParameter { parameter, .. } => Some(parameter.clone()),
            _ => None,
        };
        let message = match &self {
            ApiError::Internal(e) => {
                tracing::error!(error = %format!("{e:#}"), "internal error");
                "서버 내부 오류가 발생했습니다. 잠시 후 다시 시도해 주세요.".to_string()
            }
            other => other.to_string(),
        };
        let mut response =
            (status, Json(ErrorResponse { error: ErrorBody { code, message, parameter } })).into_response();
        if status == StatusCode::SERVICE_UNAVAILABLE {
            response.headers_mut().insert("retry-after", axum::http::HeaderValue::from_static("5"));
        }
        if let ApiError::TooManyRequests { retry_after_secs } = self {
            response.headers_mut().insert("retry-after", retry_after_secs.into());
        }
        response
    }
}

/// A database failure is the service being unavailable, not a bug: say so and let the client retry.
impl From<deadpool_postgres::PoolError> for ApiError {
    fn from(e: deadpool_postgres::PoolError) -> Self {
        tracing::warn!(error = %e, "database pool unavailable");
        ApiError::Unavailable("데이터베이스에 연결할 수 없습니다. 잠시 후 다시 시도해 주세요.".into())
    }
}

impl From<tokio_postgres::Error> for ApiError {
    fn from(e: tokio_postgres::Error) -> Self {
        if database_unavailable(&e) {
            tracing::warn!(error = %e, "database unavailable");
            return ApiError::Unavailable("데이터베이스에 연결할 수 없습니다. 잠시 후 다시 시도해 주세요.".into());
        }
        // Two requests racing to create the same thing: the loser is told, not given a 500.
        if e.code() == Some(&tokio_postgres::error::SqlState::UNIQUE_VIOLATION) {
            return ApiError::Conflict(
                "같은 내용이 방금 다른 요청으로 저장되었습니다. 새로 고친 뒤 다시 확인해 주세요".into(),
            );
        }
        ApiError::Internal(e.into())
    }
}

/// Failures that say "the database is not there right now" rather than "this query is wrong": a
/// lost connection, a server shutting down or restarting (SQLSTATE class 57P), connection errors
/// (class 08), too many connections (53300).
fn database_unavailable(e: &tokio_postgres::Error) -> bool {
    match e.as_db_error() {
        None => true,
        Some(db) => {
            let code = db.code().code();
            e.is_closed() || code.starts_with("57P") || code.starts_with("08") || code == "53300"
        }
    }
}
