//! Subscriptions paid by card through Toss Payments (the billing-key model).
//!
//! An organisation's manager starts a checkout ([`checkout::start`]); the browser SDK registers a
//! card under the organisation's random `customerKey` and comes back with an `authKey`, which
//! [`checkout::complete`] trades for a billing key (stored sealed, [`customer`]) before the first
//! charge. Every charge — first, renewal, upgrade — is a row of `charges` claimed before Toss is
//! called and settled by [`charge::settle`]: one row per subscription, kind and period (the unique
//! key that bills a period once whatever the workers, retries and restarts), one orderId and
//! Idempotency-Key per attempt, and a lost answer settled by looking the orderId up at Toss. A paid
//! charge becomes a `payments` row ([`payment`]), kept for the law even after the organisation and the
//! person are gone.
//!
//! [`renewal::run`] (the worker's schedule, [`job`]) renews due subscriptions, retries declined
//! renewals after 1, 3 and 7 days, then marks them past due and mails ([`mails`]). [`change`] holds
//! upgrades (pro-rated, charged now), downgrades and cancellations (at the period's end); [`refund`]
//! the refund rules and cancels at Toss; [`webhook`] reconciles Toss's notifications against the
//! payment re-fetched from Toss. What a subscription entitles to is `crate::plans::entitlement`.
//!
//! Every function takes `now`: tests drive time, and day boundaries are KST.

pub mod change;
pub mod charge;
pub mod checkout;
pub mod customer;
pub mod job;
pub mod mails;
pub mod metrics;
pub mod payment;
pub mod refund;
pub mod renewal;
pub mod subscription;
pub mod webhook;

use rand::RngCore as _;

use crate::api::error::ApiError;
use crate::config::{AccountsConfig, BillingConfig, Secrets};

pub use subscription::{Status, Subscription};

/// The message of every billing endpoint while Toss is not configured.
pub const NOT_CONFIGURED: &str = "결제가 아직 설정되지 않았습니다";

/// What billing needs, in `connect serve` and in `connect worker` alike.
pub struct Billing {
    pub toss: toss::Client,
    /// Seals billing keys and opens business numbers for tax invoices.
    pub keyring: vault::Keyring,
    pub mailer: Option<mail::Mailer>,
    /// The public site: success/fail URLs and links in mails.
    pub public_url: url::Url,
    /// The browser SDK the checkout page loads for card registration.
    pub sdk_url: url::Url,
}

impl Billing {
    pub fn new(
        config: &BillingConfig,
        secrets: &Secrets,
        accounts: &AccountsConfig,
        mailer: Option<mail::Mailer>,
    ) -> anyhow::Result<Billing> {
        Ok(Billing {
            toss: toss::Client::new(config.toss()),
            keyring: secrets.keyring()?,
            mailer,
            public_url: accounts.public_url.clone(),
            sdk_url: config.sdk_url.clone(),
        })
    }

    /// An absolute link to `path` on the public site.
    pub fn link(&self, path: &str) -> String {
        format!("{}{path}", self.public_url.as_str().trim_end_matches('/'))
    }

    /// `https://js.tosspayments.com`: where the SDK comes from, for the checkout page's CSP.
    pub fn sdk_origin(&self) -> String {
        self.sdk_url.origin().ascii_serialization()
    }
}

/// The KST calendar day of `at`: refund and proration days turn at midnight in Korea.
pub fn kst_day(at: chrono::DateTime<chrono::Utc>) -> chrono::NaiveDate {
    at.with_timezone(&crate::catalog::status::kst()).date_naive()
}

/// 128 random bits as 32 hex digits: customer keys and idempotency keys.
pub fn random_key() -> String {
    let mut bytes = [0u8; 16];
    rand::rng().fill_bytes(&mut bytes);
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// A Toss failure as the API answers it: declines and refusals are 402 with Toss's reason in
/// Korean, an unreachable Toss is 503.
pub fn toss_error(error: &toss::TossError) -> ApiError {
    tracing::warn!(detail = %error.log_detail(), "toss call failed");
    match error {
        toss::TossError::Unavailable(_) | toss::TossError::Timeout | toss::TossError::Malformed(_) => {
            ApiError::Unavailable(error.to_string())
        }
        _ => ApiError::PaymentFailed(error.to_string()),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn random_keys_are_distinct_hex() {
        let (a, b) = (super::random_key(), super::random_key());
        assert_eq!(a.len(), 32);
        assert!(a.bytes().all(|c| c.is_ascii_hexdigit()));
        assert_ne!(a, b);
    }
}
