//! `POST /api/webhooks/toss`: Toss's notifications (`PAYMENT_STATUS_CHANGED`, deposits, billing-key
//! events). No session and no CSRF token: it never extracts a `Caller`. It is authenticated the way
//! Toss documents for these events — the payment is re-fetched from Toss with Connect's secret key and
//! only that is trusted (see `billing::webhook`). 200 once handled or found bogus, so Toss stops
//! resending; 503 when Toss or the database could not be asked, so it resends.

use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;

use super::configured;
use crate::api::error::ApiError;
use crate::api::AppState;
use crate::billing::webhook::{self, Failed, Handled};

pub async fn receive(
    State(state): State<AppState>,
    body: Bytes,
) -> Result<(StatusCode, Json<serde_json::Value>), ApiError> {
    let billing = configured(&state)?;
    match webhook::handle(billing, &state.db, &body, chrono::Utc::now()).await {
        Ok(handled) => {
            let outcome = match handled {
                Handled::Processed(what) => what,
                Handled::Duplicate => "duplicate",
                Handled::Unverified => "unverified",
            };
            Ok((StatusCode::OK, Json(serde_json::json!({ "outcome": outcome }))))
        }
        Err(Failed::Malformed(detail)) => {
            tracing::warn!(%detail, "malformed webhook");
            Err(ApiError::bad("body", "토스페이먼츠 웹훅 형식이 아닙니다"))
        }
        Err(Failed::Unavailable(detail)) => {
            tracing::warn!(%detail, "webhook not handled now; Toss will resend");
            Err(ApiError::Unavailable("잠시 후 다시 보내 주세요".into()))
        }
    }
}
