//! `Body<T>`: a JSON request body whose errors name the field at fault, in Korean, as every other
//! bad input does (axum's own `Json` answers 422 in English without the path).

use axum::body::Bytes;
use axum::extract::{FromRequest, Request};
use serde::de::DeserializeOwned;

use super::error::ApiError;

pub struct Body<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for Body<T> {
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<Self, ApiError> {
        let json = request
            .headers()
            .get(axum::http::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("application/json"));
        if !json {
            return Err(ApiError::UnsupportedMedia("요청 본문은 application/json이어야 합니다".into()));
        }
        let bytes = Bytes::from_request(request, state)
            .await
            .map_err(|_| ApiError::TooLarge("요청 본문이 너무 크거나 읽을 수 없습니다".into()))?;
        let mut deserializer = serde_json::Deserializer::from_slice(&bytes);
        serde_path_to_error::deserialize(&mut deserializer).map(Body).map_err(|e| {
            let path = e.path().to_string();
            let parameter = if path == "." { "body".to_string() } else { path };
            ApiError::bad(&parameter, format!("입력 형식이 올바르지 않습니다: {}", e.inner()))
        })
    }
}
