//! The fake's HTTP face: Toss's paths, Basic auth, idempotency keys, outages and delays (the
//! browser's side, SDK and card registration window, is in `sdk`).

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::header::{AUTHORIZATION, CONTENT_TYPE};
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use serde_json::{json, Value};

use super::ledger::{Ledger, Reply};
use super::{Endpoint, Shared};
use crate::MAX_IDEMPOTENCY_KEY_LEN;

pub(super) fn router(shared: Arc<Shared>) -> Router {
    Router::new()
        .route("/v1/billing/authorizations/issue", post(issue))
        .route("/v1/billing/{billing_key}", post(charge))
        .route("/v1/payments/{payment_key}", get(payment))
        .route("/v1/payments/orders/{order_id}", get(payment_by_order))
        .route("/v1/payments/{payment_key}/cancel", post(cancel))
        .route("/v2/standard", get(super::sdk::script))
        .route("/v2/billing-auth", get(super::sdk::billing_auth))
        .with_state(shared)
}

async fn issue(State(shared): State<Arc<Shared>>, uri: Uri, headers: HeaderMap, body: Bytes) -> Response {
    let call = Call { endpoint: Endpoint::IssueBillingKey, uri: &uri, headers: &headers, body: Some(&body) };
    serve(&shared, call, |ledger, request| ledger.issue(request)).await
}

async fn charge(
    State(shared): State<Arc<Shared>>,
    Path(billing_key): Path<String>,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let call = Call { endpoint: Endpoint::Charge, uri: &uri, headers: &headers, body: Some(&body) };
    serve(&shared, call, |ledger, request| ledger.charge(&billing_key, request)).await
}

async fn payment(
    State(shared): State<Arc<Shared>>,
    Path(payment_key): Path<String>,
    uri: Uri,
    headers: HeaderMap,
) -> Response {
    let call = Call { endpoint: Endpoint::Payment, uri: &uri, headers: &headers, body: None };
    serve(&shared, call, |ledger, _| ledger.lookup(&payment_key)).await
}

async fn payment_by_order(
    State(shared): State<Arc<Shared>>,
    Path(order_id): Path<String>,
    uri: Uri,
    headers: HeaderMap,
) -> Response {
    let call = Call { endpoint: Endpoint::PaymentByOrder, uri: &uri, headers: &headers, body: None };
    serve(&shared, call, |ledger, _| ledger.lookup_order(&order_id)).await
}

async fn cancel(
    State(shared): State<Arc<Shared>>,
    Path(payment_key): Path<String>,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let call = Call { endpoint: Endpoint::Cancel, uri: &uri, headers: &headers, body: Some(&body) };
    serve(&shared, call, |ledger, request| ledger.cancel(&payment_key, request)).await
}

/// One request as the gate sees it; `body` is `Some` for POST endpoints (which honour
/// `Idempotency-Key`).
struct Call<'a> {
    endpoint: Endpoint,
    uri: &'a Uri,
    headers: &'a HeaderMap,
    body: Option<&'a [u8]>,
}

/// Counts the request, refuses it when down or unauthenticated, applies idempotency, runs
/// `process`, and only then waits out an injected delay (so a timed-out charge is recorded).
async fn serve(shared: &Shared, call: Call<'_>, process: impl FnOnce(&mut Ledger, &Value) -> Reply) -> Response {
    let (delay, reply) = {
        let mut state = shared.state();
        *state.hits.entry(call.endpoint).or_default() += 1;
        let delay = state.delay_next.take();
        let reply = if state.down {
            Reply {
                status: 503,
                body: json!({"code": "FAILED_INTERNAL_SYSTEM_PROCESSING",
                             "message": "내부 시스템 처리 작업이 실패했습니다. 잠시 후 다시 시도해주세요."}),
            }
        } else if !shared.authorized(call.headers.get(AUTHORIZATION).and_then(|v| v.to_str().ok())) {
            Reply::error("UNAUTHORIZED_KEY", "인증되지 않은 시크릿 키 혹은 클라이언트 키 입니다.")
        } else {
            match parse(&call) {
                Ok((request, key)) => state.ledger.idempotent(call.uri.path(), key, &request, process),
                Err(reply) => reply,
            }
        };
        (delay, reply)
    };
    if let Some(delay) = delay {
        tokio::time::sleep(delay).await;
    }
    let status = StatusCode::from_u16(reply.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    (status, [(CONTENT_TYPE, "application/json")], reply.body.to_string()).into_response()
}

/// The JSON body (`null` for GET) and the idempotency key of a POST.
fn parse<'a>(call: &Call<'a>) -> Result<(Value, Option<&'a str>), Reply> {
    let Some(body) = call.body else { return Ok((Value::Null, None)) };
    let request = serde_json::from_slice(body)
        .map_err(|_| Reply::error("INVALID_REQUEST", "요청 본문이 올바른 JSON 형식이 아닙니다."))?;
    let key = match call.headers.get("idempotency-key") {
        None => None,
        Some(value) => match value.to_str() {
            Ok(key) if !key.is_empty() && key.len() <= MAX_IDEMPOTENCY_KEY_LEN => Some(key),
            _ => return Err(Reply::error("INVALID_REQUEST", "멱등키는 300자 이하의 문자열이어야 합니다.")),
        },
    };
    Ok((request, key))
}
