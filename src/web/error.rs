//! HTML error pages in Korean: 404, 500 and 503 (maintenance, or a dependency down). The JSON API
//! keeps its JSON errors; this is what people see.

use askama::Template;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};

use super::page::{self, Chrome};
use crate::api::error::ApiError;

#[derive(Template)]
#[template(path = "error.html")]
pub struct ErrorPage {
    pub page: Chrome,
    pub status: u16,
    pub heading: &'static str,
    pub message: String,
}

/// A failure while building a page, shown as an HTML page with the status the API would give.
#[derive(Debug)]
pub struct PageError(pub ApiError);

impl From<ApiError> for PageError {
    fn from(e: ApiError) -> Self {
        PageError(e)
    }
}

impl From<tokio_postgres::Error> for PageError {
    fn from(e: tokio_postgres::Error) -> Self {
        PageError(e.into())
    }
}

impl From<deadpool_postgres::PoolError> for PageError {
    fn from(e: deadpool_postgres::PoolError) -> Self {
        PageError(e.into())
    }
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        let message = match &self.0 {
            ApiError::Internal(_) => None,
            ApiError::BadParameter { .. } | ApiError::NotFound(_) => None,
            other => Some(other.to_string()),
        };
        // The API's mapping decides the status (and logs an internal error once).
        let status = match self.0.into_response().status() {
            StatusCode::BAD_REQUEST => StatusCode::NOT_FOUND,
            other => other,
        };
        error_page(status, message)
    }
}

pub fn not_found_page() -> Response {
    error_page(StatusCode::NOT_FOUND, None)
}

/// The page for `status`, with `message` instead of the generic text where one helps.
pub fn error_page(status: StatusCode, message: Option<String>) -> Response {
    let (heading, generic) = match status {
        StatusCode::NOT_FOUND => {
            ("페이지를 찾을 수 없습니다", "주소가 바뀌었거나 삭제된 페이지입니다. 지원사업 검색에서 다시 찾아보세요.")
        }
        StatusCode::SERVICE_UNAVAILABLE => (
            "잠시 점검 중입니다",
            "서비스를 점검하거나 준비하고 있습니다. 잠시 후 다시 시도해 주세요. 불편을 드려 죄송합니다.",
        ),
        StatusCode::FORBIDDEN => ("접근 권한이 없습니다", "이 페이지를 볼 권한이 없습니다."),
        StatusCode::UNAUTHORIZED => ("로그인이 필요합니다", "로그인한 뒤 다시 시도해 주세요."),
        StatusCode::TOO_MANY_REQUESTS => ("요청이 너무 많습니다", "잠시 후 다시 시도해 주세요."),
        s if s.is_client_error() => ("요청을 처리할 수 없습니다", "요청이 올바르지 않습니다."),
        _ => (
            "일시적인 오류가 발생했습니다",
            "서버에서 문제가 발생했습니다. 잠시 후 다시 시도해 주세요. 문제가 계속되면 알려 주세요.",
        ),
    };
    let template = ErrorPage {
        page: Chrome::private(heading, None),
        status: status.as_u16(),
        heading,
        message: message.unwrap_or_else(|| generic.to_string()),
    };
    let mut response = page::html(status, &template, true);
    super::security::apply(response.headers_mut());
    if status == StatusCode::SERVICE_UNAVAILABLE {
        response.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from_static("5"));
    }
    response
}
