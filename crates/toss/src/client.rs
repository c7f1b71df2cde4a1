//! The Toss Payments API calls Connect makes: billing-key issue, charge, lookups, cancel.

use std::fmt;
use std::time::Duration;

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use reqwest::header::{HeaderValue, ACCEPT, AUTHORIZATION};
use reqwest::{redirect, Method, Response, StatusCode};
use secrecy::ExposeSecret as _;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use url::Url;

use crate::wire::{endpoint, json_error};
use crate::{BillingKey, Charge, Payment, TossConfig, TossError};

/// Largest response body accepted from Toss.
pub const MAX_RESPONSE_BYTES: usize = 1024 * 1024;
/// Longest `Idempotency-Key` Toss accepts.
pub const MAX_IDEMPOTENCY_KEY_LEN: usize = 300;

/// Client of the Toss Payments API. Cheap to clone; share one.
///
/// Calls are never retried here: after an error, see [`TossError::outcome_unknown`] and
/// [`TossError::is_retryable`]. Resending a charge or cancel with the same idempotency key is
/// always safe (Toss keeps keys for 15 days and answers a repeat with the first response).
#[derive(Clone)]
pub struct Client {
    base_url: Url,
    /// `Basic base64(secretKey:)`, marked sensitive.
    authorization: HeaderValue,
    client_key: String,
    timeout: Duration,
    http: reqwest::Client,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct IssueRequest<'a> {
    auth_key: &'a str,
    customer_key: &'a str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct CancelRequest<'a> {
    cancel_reason: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    cancel_amount: Option<i64>,
}

/// Toss's error body.
#[derive(Deserialize)]
struct ErrorBody {
    code: String,
    #[serde(default)]
    message: String,
}

impl Client {
    /// # Panics
    /// If the TLS backend cannot be initialised (as `reqwest::Client::new` does).
    pub fn new(config: TossConfig) -> Self {
        let credentials = STANDARD.encode(format!("{}:", config.secret_key.expose_secret()));
        let mut authorization =
            HeaderValue::from_str(&format!("Basic {credentials}")).expect("base64 is a valid header value");
        authorization.set_sensitive(true);
        let http = reqwest::Client::builder()
            .redirect(redirect::Policy::none())
            .user_agent(concat!("connect-toss/", env!("CARGO_PKG_VERSION")))
            .build()
            .expect("reqwest client with rustls builds");
        Client {
            base_url: config.base_url,
            authorization,
            client_key: config.client_key,
            timeout: config.timeout,
            http,
        }
    }

    /// The client key for the browser SDK's card registration (public).
    pub fn client_key(&self) -> &str {
        &self.client_key
    }

    /// Trades the `authKey` of a card registration (the SDK's success redirect) for a billing key
    /// of `customer_key`.
    pub async fn issue_billing_key(&self, auth_key: &str, customer_key: &str) -> Result<BillingKey, TossError> {
        non_empty("authKey", auth_key)?;
        let body = IssueRequest { auth_key, customer_key };
        self.call(Method::POST, &["v1", "billing", "authorizations", "issue"], Some(&body), None).await
    }

    /// Charges the card behind `billing_key`.
    ///
    /// `idempotency_key` makes the charge safe to resend: generate one per attempt (a UUID),
    /// store it with the order before calling, and reuse it when resending after an error whose
    /// outcome is unknown.
    pub async fn charge(
        &self,
        billing_key: &str,
        charge: &Charge,
        idempotency_key: &str,
    ) -> Result<Payment, TossError> {
        non_empty("billingKey", billing_key)?;
        check_idempotency_key(idempotency_key)?;
        self.call(Method::POST, &["v1", "billing", billing_key], Some(charge), Some(idempotency_key)).await
    }

    /// The payment with Toss's `paymentKey`.
    pub async fn payment(&self, payment_key: &str) -> Result<Payment, TossError> {
        non_empty("paymentKey", payment_key)?;
        self.call(Method::GET, &["v1", "payments", payment_key], None::<&()>, None).await
    }

    /// The payment of Connect's `orderId`, or `None` when Toss has none: the way to settle a
    /// charge whose answer was lost.
    pub async fn payment_by_order(&self, order_id: &str) -> Result<Option<Payment>, TossError> {
        non_empty("orderId", order_id)?;
        match self.call(Method::GET, &["v1", "payments", "orders", order_id], None::<&()>, None).await {
            Ok(payment) => Ok(Some(payment)),
            Err(error) if error.is_not_found() => Ok(None),
            Err(error) => Err(error),
        }
    }

    /// Cancels `amount` won of a payment (all that remains when `None`).
    pub async fn cancel(
        &self,
        payment_key: &str,
        reason: &str,
        amount: Option<i64>,
        idempotency_key: &str,
    ) -> Result<Payment, TossError> {
        non_empty("paymentKey", payment_key)?;
        check_idempotency_key(idempotency_key)?;
        let body = CancelRequest { cancel_reason: reason, cancel_amount: amount };
        self.call(Method::POST, &["v1", "payments", payment_key, "cancel"], Some(&body), Some(idempotency_key)).await
    }

    async fn call<T: DeserializeOwned>(
        &self,
        method: Method,
        path: &[&str],
        body: Option<&(impl Serialize + ?Sized)>,
        idempotency_key: Option<&str>,
    ) -> Result<T, TossError> {
        let mut request = self
            .http
            .request(method, endpoint(&self.base_url, path))
            .header(AUTHORIZATION, self.authorization.clone())
            .header(ACCEPT, "application/json")
            .timeout(self.timeout);
        if let Some(key) = idempotency_key {
            request = request.header("Idempotency-Key", key);
        }
        if let Some(body) = body {
            request = request.json(body);
        }
        let response = request.send().await.map_err(transport_error)?;
        let status = response.status();
        let body = read_capped(response).await?;
        if status.is_success() {
            serde_json::from_slice(&body)
                .map_err(|e| TossError::Malformed(format!("HTTP {}: {}", status.as_u16(), json_error(&e))))
        } else {
            Err(status_error(status, &body))
        }
    }
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("base_url", &self.base_url.as_str())
            .field("client_key", &self.client_key)
            .field("timeout", &self.timeout)
            .finish_non_exhaustive()
    }
}

fn non_empty(name: &str, value: &str) -> Result<(), TossError> {
    if value.trim().is_empty() {
        return Err(TossError::InvalidRequest(format!("{name} is empty")));
    }
    Ok(())
}

/// Toss takes up to 300 characters; a header value must be visible ASCII.
fn check_idempotency_key(key: &str) -> Result<(), TossError> {
    if key.is_empty() || key.len() > MAX_IDEMPOTENCY_KEY_LEN || !key.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(TossError::InvalidRequest(format!(
            "Idempotency-Key must be 1–{MAX_IDEMPOTENCY_KEY_LEN} visible ASCII characters"
        )));
    }
    Ok(())
}

/// A non-2xx answer: Toss's error body, or a proxy's page.
fn status_error(status: StatusCode, body: &[u8]) -> TossError {
    let parsed = serde_json::from_slice::<ErrorBody>(body).ok().filter(|error| !error.code.trim().is_empty());
    let code = status.as_u16();
    match parsed {
        _ if status == StatusCode::SERVICE_UNAVAILABLE || status == StatusCode::TOO_MANY_REQUESTS => {
            let toss_code = parsed.map(|error| format!(" {}", error.code)).unwrap_or_default();
            TossError::Unavailable(format!("HTTP {code}{toss_code}"))
        }
        Some(ErrorBody { code: toss_code, message }) => TossError::Api { status: code, code: toss_code, message },
        // A gateway's 500/502/504 page: the request may have reached Toss.
        None if status.is_server_error() => TossError::Timeout,
        None => TossError::Malformed(format!("HTTP {code} without a Toss error body")),
    }
}

/// A transport failure. Before the connection: nothing was sent. After: the outcome is unknown.
/// Described without the URL (it holds billing and payment keys).
fn transport_error(error: reqwest::Error) -> TossError {
    if error.is_connect() {
        TossError::Unavailable(format!("connection failed: {}", error.without_url()))
    } else if error.is_builder() {
        TossError::InvalidRequest(format!("request not built: {}", error.without_url()))
    } else {
        TossError::Timeout
    }
}

async fn read_capped(mut response: Response) -> Result<Vec<u8>, TossError> {
    let too_large = || TossError::Malformed(format!("response body over {MAX_RESPONSE_BYTES} bytes"));
    if response.content_length().is_some_and(|len| len > MAX_RESPONSE_BYTES as u64) {
        return Err(too_large());
    }
    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().await.map_err(transport_error)? {
        if body.len() + chunk.len() > MAX_RESPONSE_BYTES {
            return Err(too_large());
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_bodies_map_to_variants() {
        let toss = r#"{"code":"NOT_FOUND_PAYMENT","message":"존재하지 않는 결제 정보 입니다."}"#;
        let error = status_error(StatusCode::NOT_FOUND, toss.as_bytes());
        assert_eq!(error.code(), Some("NOT_FOUND_PAYMENT"));
        assert!(error.is_not_found());
        let down = br#"{"code":"FAILED_INTERNAL_SYSTEM_PROCESSING","message":"..."}"#;
        assert_eq!(
            status_error(StatusCode::SERVICE_UNAVAILABLE, down),
            TossError::Unavailable("HTTP 503 FAILED_INTERNAL_SYSTEM_PROCESSING".into())
        );
        assert_eq!(status_error(StatusCode::BAD_GATEWAY, b"<html>"), TossError::Timeout);
        assert!(matches!(status_error(StatusCode::NOT_FOUND, b"<html>"), TossError::Malformed(_)));
    }

    #[test]
    fn idempotency_keys_are_checked() {
        assert!(check_idempotency_key("0b8c6f1e-7a53-4d3b-9a43-2c4ad6d9c1f0").is_ok());
        assert!(check_idempotency_key("").is_err());
        assert!(check_idempotency_key("has space").is_err());
        assert!(check_idempotency_key(&"k".repeat(301)).is_err());
    }

    #[test]
    fn debug_hides_the_secret_key() {
        let client = Client::new(TossConfig::new("test_sk_very_secret".into(), "test_ck"));
        let debug = format!("{client:?}");
        assert!(!debug.contains("very_secret") && !debug.contains("dGVzdF9zaw"), "{debug}");
    }
}
