//! Toss Payments card billing for Connect's subscriptions.
//!
//! The billing-key model: the customer registers a card once in Toss's browser SDK (with
//! [`Client::client_key`]); Connect trades the resulting `authKey` for a [`BillingKey`]
//! ([`Client::issue_billing_key`]) and charges it each period ([`Client::charge`]) without the
//! customer. Payments are looked up by Toss's `paymentKey` ([`Client::payment`]) or by Connect's
//! own `orderId` ([`Client::payment_by_order`]), and cancelled in full or in part
//! ([`Client::cancel`]). Webhooks are parsed and confirmed with [`webhook`].
//!
//! Money-safety rules the API is shaped around:
//! - every charge and cancel carries an `Idempotency-Key`; resending with the same key is safe;
//! - a failure with [`TossError::outcome_unknown`] (timeout, dropped connection, garbage) may
//!   hide a completed charge: settle it with [`Client::payment_by_order`] before anything else;
//! - webhook bodies are hints: [`Client::verify_event`] re-fetches the payment from Toss.
//!
//! Errors display a Korean sentence for the user; Toss's codes stay in their fields
//! ([`TossError::log_detail`]). The secret key and billing keys are never displayed.
//!
//! With the `fake` feature, [`fake::FakeToss`] serves the same endpoints on 127.0.0.1 for tests.
//!
//! ```no_run
//! # async fn run(auth_key: &str) -> Result<(), toss::TossError> {
//! use toss::{Charge, Client, ExposeSecret as _, TossConfig};
//! let client = Client::new(TossConfig::new("test_sk_…".into(), "test_ck_…"));
//! let billing = client.issue_billing_key(auth_key, "customer-1").await?;
//! let charge = Charge::new("customer-1", 20_900, "sub-2024-05-0001", "Connect PRO 월간");
//! let idempotency_key = "0b8c6f1e-7a53-4d3b-9a43-2c4ad6d9c1f0"; // stored with the order first
//! let payment = match client.charge(billing.billing_key.expose_secret(), &charge, idempotency_key).await {
//!     Ok(payment) => Some(payment),
//!     Err(error) if error.outcome_unknown() => client.payment_by_order(&charge.order_id).await?,
//!     Err(error) => return Err(error),
//! };
//! # let _ = payment; Ok(()) }
//! ```

mod billing;
mod client;
mod config;
mod error;
mod payment;
pub mod webhook;
mod wire;

#[cfg(feature = "fake")]
pub mod fake;

pub use billing::{BillingCard, BillingKey};
pub use client::{Client, MAX_IDEMPOTENCY_KEY_LEN, MAX_RESPONSE_BYTES};
pub use config::{TossConfig, DEFAULT_BASE_URL, DEFAULT_TIMEOUT};
pub use error::TossError;
pub use payment::{Cancellation, Charge, Failure, Payment, PaymentCard, PaymentStatus, Receipt};
pub use secrecy::{ExposeSecret, SecretString};
pub use url::Url;
pub use webhook::WebhookEvent;
