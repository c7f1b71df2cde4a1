//! The Billing object: a card registered for automatic payments, and the key to charge it.

use std::fmt;

use chrono::{DateTime, FixedOffset};
use secrecy::SecretString;
use serde::Deserialize;

/// A billing key issued for one customer's card (`POST /v1/billing/authorizations/issue`).
///
/// The key charges the card without the customer: keep it sealed at rest. `Debug` masks it.
#[derive(Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BillingKey {
    /// The key for [`crate::Client::charge`].
    pub billing_key: SecretString,
    /// Connect's id of the customer the key was issued to; every charge must repeat it.
    pub customer_key: String,
    /// Toss merchant id.
    #[serde(default)]
    pub m_id: String,
    pub authenticated_at: DateTime<FixedOffset>,
    /// Payment method, `카드`.
    #[serde(default)]
    pub method: String,
    /// Issuer name, e.g. `현대`.
    #[serde(default)]
    pub card_company: Option<String>,
    /// Masked card number, e.g. `43301234****123*`.
    #[serde(default)]
    pub card_number: Option<String>,
    #[serde(default)]
    pub card: Option<BillingCard>,
}

/// The registered card, as far as Toss tells (numbers are masked).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BillingCard {
    #[serde(default)]
    pub issuer_code: Option<String>,
    #[serde(default)]
    pub acquirer_code: Option<String>,
    /// Masked number, e.g. `43301234****123*`.
    #[serde(default)]
    pub number: Option<String>,
    /// `신용`, `체크`, `기프트`.
    #[serde(default)]
    pub card_type: Option<String>,
    /// `개인`, `법인`.
    #[serde(default)]
    pub owner_type: Option<String>,
}

impl fmt::Debug for BillingKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BillingKey")
            .field("billing_key", &"[REDACTED]")
            .field("customer_key", &self.customer_key)
            .field("m_id", &self.m_id)
            .field("authenticated_at", &self.authenticated_at)
            .field("method", &self.method)
            .field("card_company", &self.card_company)
            .field("card_number", &self.card_number)
            .field("card", &self.card)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use secrecy::ExposeSecret as _;

    use super::*;

    #[test]
    fn parses_documented_billing_object_and_masks_the_key() {
        let body = r#"{
            "mId": "tosspayments", "customerKey": "cus_1", "authenticatedAt": "2024-02-13T12:18:14+09:00",
            "method": "카드", "billingKey": "Z_t5vOvQxrj4499PeiJcjen28-V2RyqgYTwN44Rdzk0=",
            "card": {"issuerCode": "61", "acquirerCode": "31", "number": "43301234****123*",
                     "cardType": "신용", "ownerType": "개인"},
            "cardCompany": "현대", "cardNumber": "43301234****123*"
        }"#;
        let billing: BillingKey = serde_json::from_str(body).unwrap();
        assert_eq!(billing.billing_key.expose_secret(), "Z_t5vOvQxrj4499PeiJcjen28-V2RyqgYTwN44Rdzk0=");
        assert_eq!(billing.customer_key, "cus_1");
        assert_eq!(billing.card.as_ref().and_then(|c| c.card_type.as_deref()), Some("신용"));
        assert_eq!(billing.authenticated_at.offset().local_minus_utc(), 9 * 3600);
        let debug = format!("{billing:?}");
        assert!(!debug.contains("Z_t5vOvQ"), "{debug}");
        assert!(debug.contains("cus_1"));
    }
}
