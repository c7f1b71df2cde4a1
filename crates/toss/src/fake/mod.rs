//! An in-process fake Toss Payments API (feature `fake`) for tests.
//!
//! [`FakeToss::start`] binds 127.0.0.1 on a free port and serves the endpoints [`crate::Client`]
//! calls, at Toss's paths and in Toss's JSON shapes:
//!
//! | endpoint | path |
//! |---|---|
//! | issue billing key | `POST /v1/billing/authorizations/issue` |
//! | charge | `POST /v1/billing/{billingKey}` |
//! | lookup | `GET /v1/payments/{paymentKey}` |
//! | lookup by order | `GET /v1/payments/orders/{orderId}` |
//! | cancel | `POST /v1/payments/{paymentKey}/cancel` |
//! | browser SDK (v2, billing-auth only) | `GET /v2/standard` ([`FakeToss::sdk_url`]) |
//! | card registration window | `GET /v2/billing-auth` |
//!
//! It enforces the rules Connect relies on: Basic auth with its secret key (else 401
//! `UNAUTHORIZED_KEY`); an `authKey` from [`FakeToss::authorize_card`] is redeemed once and only
//! for its customer; a charge must repeat the billing key's `customerKey`
//! (`NOT_MATCHES_CUSTOMER_KEY`) and use a fresh `orderId` (`DUPLICATED_ORDER_ID`); an
//! `Idempotency-Key` (per path) answers a repeat of the same request with the first answer and a
//! different request with 409 `IDEMPOTENT_REQUEST_PROCESSING`; cancels cannot exceed the balance
//! (`NOT_CANCELABLE_AMOUNT`) and turn the payment `PARTIAL_CANCELED` or `CANCELED`.
//!
//! Failures on demand: [`FakeToss::fail_next_charge`], [`FakeToss::delay_next`] (the request is
//! processed first, so a charge that times out at the client is still recorded) and
//! [`FakeToss::set_down`]. Webhooks are delivered with [`FakeToss::send_webhook`].
//!
//! For browser tests the fake also plays Toss's side of the card registration (`sdk`): its SDK
//! script sends the page to the fake's registration window, which redirects to the success URL with
//! `customerKey` and an `authKey` (or, after [`FakeToss::fail_next_billing_auth`], to the fail URL
//! with `code` and `message`).

mod http;
mod ledger;
mod render;
mod sdk;

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use serde_json::Value;
use tokio::net::TcpListener;
use tokio::task::JoinHandle;
use url::Url;

use crate::webhook::{self, SIGNATURE_HEADER, TRANSMISSION_TIME_HEADER};
use crate::wire::constant_time_eq;
use crate::TossConfig;
use ledger::Ledger;

/// `mId` of the fake merchant.
const MERCHANT_ID: &str = "tosspayments";
/// Timeout of [`FakeToss::config`].
const TEST_TIMEOUT: Duration = Duration::from_secs(5);

/// The fake's endpoints, for [`FakeToss::hits`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Endpoint {
    IssueBillingKey,
    Charge,
    Payment,
    PaymentByOrder,
    Cancel,
    /// The SDK script.
    Sdk,
    /// The card registration window the SDK opens.
    BillingAuth,
}

/// A running fake Toss; the server stops when this is dropped.
pub struct FakeToss {
    shared: Arc<Shared>,
    addr: SocketAddr,
    server: JoinHandle<()>,
    http: reqwest::Client,
}

/// The merchant's keys and everything behind the endpoints, shared by the server and the test.
struct Shared {
    secret_key: String,
    client_key: String,
    webhook_key: String,
    state: Mutex<State>,
}

#[derive(Default)]
struct State {
    ledger: Ledger,
    down: bool,
    delay_next: Option<Duration>,
    /// Toss's `code` and `message` for the next card registration's fail URL.
    fail_next_billing_auth: Option<(String, String)>,
    hits: HashMap<Endpoint, usize>,
}

impl Shared {
    fn state(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Whether `header` is `Basic base64(secretKey:)`.
    fn authorized(&self, header: Option<&str>) -> bool {
        let decoded = header
            .and_then(|value| value.split_once(' '))
            .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("basic"))
            .and_then(|(_, credentials)| STANDARD.decode(credentials.trim()).ok());
        let expected = format!("{}:", self.secret_key);
        decoded.is_some_and(|decoded| constant_time_eq(&decoded, expected.as_bytes()))
    }
}

impl FakeToss {
    /// Starts a fake on 127.0.0.1 with a free port and fresh keys.
    ///
    /// # Panics
    /// If no local port can be bound (a broken test environment).
    pub async fn start() -> FakeToss {
        let suffix = random_suffix();
        let shared = Arc::new(Shared {
            secret_key: format!("test_sk_fake_{suffix}"),
            client_key: format!("test_ck_fake_{suffix}"),
            webhook_key: format!("fake_webhook_security_key_{suffix}"),
            state: Mutex::default(),
        });
        let listener = TcpListener::bind(("127.0.0.1", 0)).await.expect("bind 127.0.0.1:0 for the fake Toss");
        let addr = listener.local_addr().expect("local address of a bound listener");
        let app = http::router(Arc::clone(&shared));
        let server = tokio::spawn(async move {
            // The server runs until aborted on drop; an I/O error just ends it.
            let _ = axum::serve(listener, app).await;
        });
        let http = reqwest::Client::builder().timeout(TEST_TIMEOUT).build().expect("reqwest client builds");
        FakeToss { shared, addr, server, http }
    }

    /// `http://127.0.0.1:<port>/`.
    pub fn base_url(&self) -> Url {
        Url::parse(&format!("http://{}/", self.addr)).expect("socket address makes a URL")
    }

    /// The secret key the fake accepts.
    pub fn secret_key(&self) -> &str {
        &self.shared.secret_key
    }

    pub fn client_key(&self) -> &str {
        &self.shared.client_key
    }

    /// The security key [`FakeToss::send_signed_webhook`] signs with.
    pub fn webhook_security_key(&self) -> &str {
        &self.shared.webhook_key
    }

    /// A [`TossConfig`] for this fake with its keys and a 5 s timeout.
    pub fn config(&self) -> TossConfig {
        TossConfig {
            base_url: self.base_url(),
            secret_key: self.shared.secret_key.clone().into(),
            client_key: self.shared.client_key.clone(),
            timeout: TEST_TIMEOUT,
        }
    }

    /// What the browser SDK's card registration yields: an `authKey` for `customer_key`, to be
    /// traded for a billing key once.
    pub fn authorize_card(&self, customer_key: &str) -> String {
        self.shared.state().ledger.authorize_card(customer_key)
    }

    /// The browser SDK's URL on this fake (`http://127.0.0.1:<port>/v2/standard`), for
    /// `TOSS_SDK_URL`.
    pub fn sdk_url(&self) -> Url {
        self.base_url().join("v2/standard").expect("a relative path joins")
    }

    /// The next card registration in the browser fails: the fake's window redirects to the fail URL
    /// with Toss's `code` and `message` (e.g. `PAY_PROCESS_CANCELED` / `사용자에 의해 결제가
    /// 취소되었습니다.`) and issues no `authKey`.
    pub fn fail_next_billing_auth(&self, code: &str, message: &str) {
        self.shared.state().fail_next_billing_auth = Some((code.to_owned(), message.to_owned()));
    }

    /// The next new charge (not a replay of an idempotent one) fails with Toss's `code` and
    /// `message`, e.g. `REJECT_CARD_PAYMENT` / `한도초과 혹은 잔액부족으로 결제에 실패했습니다.`,
    /// with the HTTP status Toss uses for that code. Nothing is recorded.
    pub fn fail_next_charge(&self, code: &str, message: &str) {
        self.shared.state().ledger.fail_next_charge(code, message);
    }

    /// The next request, whichever endpoint, is processed at once but answered only after
    /// `delay`.
    pub fn delay_next(&self, delay: Duration) {
        self.shared.state().delay_next = Some(delay);
    }

    /// While `true`, every endpoint answers HTTP 503 `FAILED_INTERNAL_SYSTEM_PROCESSING` and
    /// does nothing.
    pub fn set_down(&self, down: bool) {
        self.shared.state().down = down;
    }

    /// Requests received so far at `endpoint`, including refused ones.
    pub fn hits(&self, endpoint: Endpoint) -> usize {
        self.shared.state().hits.get(&endpoint).copied().unwrap_or(0)
    }

    /// Payments recorded so far.
    pub fn payment_count(&self) -> usize {
        self.shared.state().ledger.payment_count()
    }

    /// The customer a billing key was issued to, if the fake issued it.
    pub fn billing_customer(&self, billing_key: &str) -> Option<String> {
        self.shared.state().ledger.billing(billing_key).map(|billing| billing.customer_key.clone())
    }

    /// A `PAYMENT_STATUS_CHANGED` event for the payment as it is now; edit it to make it lie.
    ///
    /// # Panics
    /// If the fake has no such payment.
    pub fn payment_event(&self, payment_key: &str) -> Value {
        let state = self.shared.state();
        let payment = state.ledger.payment(payment_key).unwrap_or_else(|| panic!("no fake payment {payment_key:?}"));
        render::payment_event(payment)
    }

    /// POSTs `event` as JSON to `url`, as Toss delivers webhooks (unsigned); the endpoint's
    /// HTTP status, or why nothing was answered.
    pub async fn send_webhook(&self, url: &Url, event: &Value) -> Result<u16, String> {
        self.deliver(url, event.to_string(), None).await
    }

    /// Like [`FakeToss::send_webhook`], with the signature headers of the signed webhook versions
    /// (key: [`FakeToss::webhook_security_key`]).
    pub async fn send_signed_webhook(&self, url: &Url, event: &Value) -> Result<u16, String> {
        let body = event.to_string();
        let time = render::iso(&render::now_kst());
        let signature = webhook::sign(body.as_bytes(), &time, &self.shared.webhook_key.clone().into());
        self.deliver(url, body, Some((time, signature))).await
    }

    async fn deliver(&self, url: &Url, body: String, signature: Option<(String, String)>) -> Result<u16, String> {
        let mut request = self.http.post(url.clone()).header("content-type", "application/json").body(body);
        if let Some((time, signature)) = signature {
            request = request.header(TRANSMISSION_TIME_HEADER, time).header(SIGNATURE_HEADER, signature);
        }
        let response = request.send().await.map_err(|e| e.to_string())?;
        Ok(response.status().as_u16())
    }
}

impl Drop for FakeToss {
    fn drop(&mut self) {
        self.server.abort();
    }
}

/// A short random suffix so each fake has its own keys.
fn random_suffix() -> String {
    let mut bytes = [0u8; 9];
    rand::RngCore::fill_bytes(&mut rand::rng(), &mut bytes);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}
